//! Channel configuration: the `[channels.NAME]` tables of `config.toml`, one per destination.
//!
//! ```toml
//! [channels.helpdesk]
//! kind = "rt"
//! url = "https://rt.example.com/REST/2.0"
//! queue = "Support"
//! ```
//!
//! Secrets never live here: a channel names its secret (`secret = "helpdesk"`, the channel's own
//! name by default) and the secret comes from the OS keychain or `CASEFILE_SECRET_<NAME>`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{DeliveryError, Secret, Transport};
use crate::profile::schema::{ByteSize, Timeout};

/// The name of the channel that exists without configuration: save to a folder.
pub const DEFAULT_CHANNEL: &str = "folder";

/// One configured destination.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ChannelConfig {
    /// Save the bundle and a ready `.eml` in a folder.
    Folder(FolderConfig),
    /// Send an e-mail through an SMTP server.
    Smtp(SmtpConfig),
    /// Create a ticket in Request Tracker through its REST 2 API.
    Rt(RtConfig),
    /// Create a Zendesk ticket or end-user request.
    Zendesk(ZendeskConfig),
    /// Create a Freshdesk ticket.
    Freshdesk(FreshdeskConfig),
    /// Create a Jira Service Management request.
    Jsm(JsmConfig),
    /// POST the request and the bundle to any URL.
    Webhook(WebhookConfig),
}

impl ChannelConfig {
    /// The kind as written in the configuration (`rt`).
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelConfig::Folder(_) => "folder",
            ChannelConfig::Smtp(_) => "smtp",
            ChannelConfig::Rt(_) => "rt",
            ChannelConfig::Zendesk(_) => "zendesk",
            ChannelConfig::Freshdesk(_) => "freshdesk",
            ChannelConfig::Jsm(_) => "jsm",
            ChannelConfig::Webhook(_) => "webhook",
        }
    }

    /// Where it delivers, as people read it (a URL, `smtp://host:port`, a folder).
    pub fn destination(&self) -> String {
        match self {
            ChannelConfig::Folder(config) => config
                .path
                .as_ref()
                .map(|path| path.display().to_string())
                .unwrap_or_else(|| "the default folder".to_owned()),
            ChannelConfig::Smtp(config) => format!(
                "smtp://{}:{}",
                config.host,
                config.port.unwrap_or(config.tls.default_port())
            ),
            ChannelConfig::Rt(config) => url_without_secrets(&config.url),
            ChannelConfig::Zendesk(config) => url_without_secrets(&config.url),
            ChannelConfig::Freshdesk(config) => url_without_secrets(&config.url),
            ChannelConfig::Jsm(config) => url_without_secrets(&config.url),
            ChannelConfig::Webhook(config) => url_without_secrets(&config.url),
        }
    }

    /// The URL it sends to, for the kinds that have one.
    pub fn url(&self) -> Option<&str> {
        match self {
            ChannelConfig::Rt(config) => Some(&config.url),
            ChannelConfig::Zendesk(config) => Some(&config.url),
            ChannelConfig::Freshdesk(config) => Some(&config.url),
            ChannelConfig::Jsm(config) => Some(&config.url),
            ChannelConfig::Webhook(config) => Some(&config.url),
            ChannelConfig::Folder(_) | ChannelConfig::Smtp(_) => None,
        }
    }

    /// What a secret is bound to when it is stored for this channel: the kind and where the
    /// secret goes (the URL, or the SMTP host, port, certificate name and protection) and the
    /// authorities trusted for it (`ca_file`), as a short hash. Changing any of them needs the
    /// secret again (see [`super::secret::SecretBindings`]).
    pub fn binding_fingerprint(&self) -> String {
        use sha2::Digest as _;
        let ca = |file: &Option<PathBuf>| {
            file.as_ref()
                .map(|path| path.display().to_string())
                .unwrap_or_default()
        };
        let parts: Vec<String> = match self {
            ChannelConfig::Folder(config) => vec![ca(&config.path)],
            ChannelConfig::Smtp(config) => vec![
                config.host.trim().to_ascii_lowercase(),
                config.port.unwrap_or(config.tls.default_port()).to_string(),
                format!("{:?}", config.tls),
                config.tls_name.clone().unwrap_or_default(),
                ca(&config.ca_file),
            ],
            ChannelConfig::Rt(c) => vec![binding_url(&c.url), ca(&c.ca_file)],
            ChannelConfig::Zendesk(c) => vec![binding_url(&c.url), ca(&c.ca_file)],
            ChannelConfig::Freshdesk(c) => vec![binding_url(&c.url), ca(&c.ca_file)],
            ChannelConfig::Jsm(c) => vec![binding_url(&c.url), ca(&c.ca_file)],
            ChannelConfig::Webhook(c) => vec![binding_url(&c.url), ca(&c.ca_file)],
        };
        let mut hash = sha2::Sha256::new();
        hash.update(b"casefile-secret-binding-v1\0");
        hash.update(self.kind().as_bytes());
        for part in parts {
            hash.update(b"\0");
            hash.update(part.as_bytes());
        }
        hash.finalize()
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// The name of the secret this channel needs, if it needs one.
    pub fn secret_name<'a>(&'a self, channel: &'a str) -> Option<&'a str> {
        let named = |secret: &'a Option<String>| Some(secret.as_deref().unwrap_or(channel));
        match self {
            ChannelConfig::Folder(_) => None,
            ChannelConfig::Smtp(config) => {
                config.username.as_ref()?;
                named(&config.secret)
            }
            ChannelConfig::Rt(config) => named(&config.secret),
            ChannelConfig::Zendesk(config) if config.anonymous => None,
            ChannelConfig::Zendesk(config) => named(&config.secret),
            ChannelConfig::Freshdesk(config) => named(&config.secret),
            ChannelConfig::Jsm(config) => named(&config.secret),
            ChannelConfig::Webhook(config) => config.secret.as_deref(),
        }
    }

    /// Opens the channel for sending. `default_folder` is where a folder channel without a
    /// `path` saves.
    pub fn open(
        &self,
        secret: Option<Secret>,
        default_folder: &std::path::Path,
    ) -> Result<Box<dyn Transport>, DeliveryError> {
        Ok(match self {
            ChannelConfig::Folder(config) => Box::new(super::folder::FolderTransport::new(
                config
                    .path
                    .clone()
                    .unwrap_or_else(|| default_folder.to_owned()),
            )),
            ChannelConfig::Smtp(config) => {
                Box::new(super::smtp::SmtpTransport::new(config.clone(), secret)?)
            }
            ChannelConfig::Rt(config) => {
                Box::new(super::rt::RtTransport::new(config.clone(), secret)?)
            }
            ChannelConfig::Zendesk(config) => Box::new(super::zendesk::ZendeskTransport::new(
                config.clone(),
                secret,
            )?),
            ChannelConfig::Freshdesk(config) => Box::new(
                super::freshdesk::FreshdeskTransport::new(config.clone(), secret)?,
            ),
            ChannelConfig::Jsm(config) => {
                Box::new(super::jsm::JsmTransport::new(config.clone(), secret)?)
            }
            ChannelConfig::Webhook(config) => Box::new(super::webhook::WebhookTransport::new(
                config.clone(),
                secret,
            )?),
        })
    }
}

/// A URL as a binding compares it: trimmed, without a trailing slash, the scheme and host in
/// lower case.
fn binding_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(end);
            format!(
                "{}://{}{tail}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            )
        }
        None => url.to_owned(),
    }
}

/// Query parameters whose value is a credential (signed and keyed URLs).
const SECRET_PARAMETERS: [&str; 13] = [
    "sig",
    "signature",
    "x-amz-signature",
    "x-goog-signature",
    "code",
    "token",
    "access_token",
    "auth",
    "key",
    "api_key",
    "apikey",
    "secret",
    "password",
];

/// Path segments after which every further segment is a credential (Slack `services/T/B/X`,
/// Discord `api/webhooks/ID/TOKEN`, Teams `IncomingWebhook/ID/KEY`), with how many segments
/// before the secret ones are identifiers.
const SECRET_PATHS: [(&str, usize); 3] = [("services", 2), ("webhooks", 1), ("IncomingWebhook", 0)];

/// One credential part of a URL: its byte range and what it is.
fn url_secret_parts(url: &str) -> Vec<(std::ops::Range<usize>, &'static str)> {
    let mut parts = Vec::new();
    let Some(scheme_end) = url.find("://") else {
        return parts;
    };
    let start = scheme_end + 3;
    let rest = url.get(start..).unwrap_or_default();
    let authority_end = start + rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if let Some(at) = url.get(start..authority_end).and_then(|a| a.rfind('@')) {
        parts.push((
            start..start + at,
            "a user name and password (user:password@)",
        ));
    }
    let path_end = url
        .get(authority_end..)
        .and_then(|tail| tail.find(['?', '#']))
        .map_or(url.len(), |at| authority_end + at);
    let path = url.get(authority_end..path_end).unwrap_or_default();
    let mut offset = authority_end;
    let segments: Vec<(usize, &str)> = path
        .split('/')
        .map(|segment| {
            let at = offset;
            offset += segment.len() + 1;
            (at, segment)
        })
        .collect();
    for (index, (_, segment)) in segments.iter().enumerate() {
        let Some((_, skip)) = SECRET_PATHS.iter().find(|(name, _)| name == segment) else {
            continue;
        };
        // Slack's `services/T/B/KEY` and Discord's `webhooks/ID/TOKEN` have exactly that many
        // segments after the marker; a longer path is an ordinary API path.
        let after = segments.len() - index - 1;
        if *skip > 0 && after != skip + 1 {
            continue;
        }
        for (at, secret) in segments.iter().skip(index + 1 + skip) {
            if !secret.is_empty() && *secret != crate::deliver::http::SECRET_PLACE {
                parts.push((*at..*at + secret.len(), "a webhook key in its path"));
            }
        }
        break;
    }
    if let Some(query) = url.get(path_end..).and_then(|tail| tail.strip_prefix('?')) {
        let mut offset = path_end + 1;
        for pair in query.split(['&', '#']) {
            let at = offset;
            offset += pair.len() + 1;
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if SECRET_PARAMETERS.contains(&name.to_ascii_lowercase().as_str())
                && !value.is_empty()
                && value != crate::deliver::http::SECRET_PLACE
            {
                let value_at = at + name.len() + 1;
                parts.push((
                    value_at..value_at + value.len(),
                    "a signature or key parameter",
                ));
            }
        }
    }
    parts
}

/// What in `url` is a credential, if anything: `user:password@`, a signed or keyed query
/// parameter (`sig=`, `code=`, `token=`, `key=`…), or a Slack/Teams/Discord-style webhook path.
/// `{secret}` (where the channel's secret is put when it sends) is not one.
pub fn url_secret(url: &str) -> Option<&'static str> {
    url_secret_parts(url).first().map(|(_, what)| *what)
}

/// `url` with its credential parts replaced by `<secret>`, for messages, the outbox, receipts
/// and listings.
pub fn url_without_secrets(url: &str) -> String {
    let mut shown = url.to_owned();
    for (range, _) in url_secret_parts(url).into_iter().rev() {
        shown.replace_range(range, "<secret>");
    }
    shown
}

/// `url` with its credential parts (from the first to the last, outside `user:password@`)
/// replaced by one `{secret}`, and the text it replaced: how `casefile channels add --set
/// url=…` moves a webhook URL's secret into the keychain. `None` when the URL has no such part
/// or holds `user:password@` (which goes to the channel's user name and secret instead).
pub fn split_url_secret(url: &str) -> Option<(String, String)> {
    let parts = url_secret_parts(url);
    if parts.iter().any(|(_, what)| what.contains("user:password")) {
        return None;
    }
    let start = parts.first()?.0.start;
    let end = parts.last()?.0.end;
    let secret = url.get(start..end)?.to_owned();
    let mut template = url.to_owned();
    template.replace_range(start..end, crate::deliver::http::SECRET_PLACE);
    Some((template, secret))
}

/// `kind = "folder"`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FolderConfig {
    /// The folder [default: `Casefile` in the user's documents folder].
    #[serde(default)]
    pub path: Option<PathBuf>,
}

/// How an SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (submission port 587); refuses a server that does
    /// not offer it.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS at all: only with `allow_plain = true`, and only to a loopback address.
    None,
}

impl SmtpTls {
    /// The usual port for this protection.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::Starttls => 587,
            SmtpTls::Implicit => 465,
            SmtpTls::None => 25,
        }
    }
}

/// `kind = "smtp"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Server host name or address.
    pub host: String,
    /// Port [default: 587 for STARTTLS, 465 for implicit TLS, 25 for none].
    #[serde(default)]
    pub port: Option<u16>,
    /// `starttls` (default), `implicit` or `none`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// Must be true for `tls = "none"`, which is refused unless the host is a loopback address.
    #[serde(default)]
    pub allow_plain: bool,
    /// A PEM file of extra certificate authorities to trust (a company CA, a test CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The name the server's certificate must carry [default: `host`].
    #[serde(default)]
    pub tls_name: Option<String>,
    /// The login; when set, the password is the channel's secret.
    #[serde(default)]
    pub username: Option<String>,
    /// The secret's name [default: the channel's name].
    #[serde(default)]
    pub secret: Option<String>,
    /// The sender [default: the requester's e-mail address].
    #[serde(default)]
    pub from: Option<String>,
    /// Recipients [default: the vendor's support address from the profile].
    #[serde(default)]
    pub to: Vec<String>,
    /// The largest message to send when the server advertises no SIZE.
    #[serde(default)]
    pub max_size: Option<ByteSize>,
    /// How long to wait for the server at each step [default: 60 seconds].
    #[serde(default)]
    pub timeout: Option<Timeout>,
}

/// `kind = "rt"`: Request Tracker 4.4+/5 REST 2.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RtConfig {
    /// The REST 2 base, e.g. `https://rt.example.com/REST/2.0`.
    pub url: String,
    /// The queue tickets go to.
    pub queue: String,
    /// Log in with this user and the secret as password; without it the secret is an auth token.
    #[serde(default)]
    pub username: Option<String>,
    /// The secret's name [default: the channel's name].
    #[serde(default)]
    pub secret: Option<String>,
    /// Vendor priority id to RT's `Priority` value; unmapped levels get `High` (the two most
    /// severe steps of the four-step scale), `Medium` or `Low`.
    #[serde(default)]
    pub priorities: BTreeMap<String, String>,
    /// Fixed custom field values set on every ticket.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
    /// A PEM file of the authorities to trust instead of the public ones (a company or test CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The largest attachment to send.
    #[serde(default)]
    pub max_size: Option<ByteSize>,
    /// How long to wait for each response [default: 120 seconds].
    #[serde(default)]
    pub timeout: Option<Timeout>,
}

/// What a Zendesk channel creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ZendeskMode {
    /// An agent-side ticket (`/api/v2/tickets`, with an `Idempotency-Key`).
    #[default]
    Ticket,
    /// An end-user request (`/api/v2/requests`), as a customer files it.
    Request,
}

/// `kind = "zendesk"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ZendeskConfig {
    /// The account, e.g. `https://acme.zendesk.com`.
    pub url: String,
    /// `ticket` (default) or `request`.
    #[serde(default)]
    pub mode: ZendeskMode,
    /// The agent or user e-mail for `email/token` API-token auth; without it the secret is an
    /// OAuth bearer token.
    #[serde(default)]
    pub email: Option<String>,
    /// End-user requests without credentials (when the account lets anyone submit).
    #[serde(default)]
    pub anonymous: bool,
    /// The secret's name [default: the channel's name].
    #[serde(default)]
    pub secret: Option<String>,
    /// Vendor priority id to `urgent`, `high`, `normal` or `low`.
    #[serde(default)]
    pub priorities: BTreeMap<String, String>,
    /// `problem`, `incident`, `question` or `task`.
    #[serde(default)]
    pub ticket_type: Option<String>,
    /// Tags added to every ticket (the case code is always added).
    #[serde(default)]
    pub tags: Vec<String>,
    /// A PEM file of the authorities to trust instead of the public ones (a company or test CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The largest attachment [default: Zendesk's 50 MB].
    #[serde(default)]
    pub max_size: Option<ByteSize>,
    /// How long to wait for each response [default: 120 seconds].
    #[serde(default)]
    pub timeout: Option<Timeout>,
}

/// `kind = "freshdesk"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FreshdeskConfig {
    /// The account, e.g. `https://acme.freshdesk.com`.
    pub url: String,
    /// The secret's name (the API key) [default: the channel's name].
    #[serde(default)]
    pub secret: Option<String>,
    /// Vendor priority id to Freshdesk's 1 (low) .. 4 (urgent).
    #[serde(default)]
    pub priorities: BTreeMap<String, u8>,
    /// The ticket `type`, which must be in the account's list.
    #[serde(default)]
    pub ticket_type: Option<String>,
    /// Tags added to every ticket (the case code is always added).
    #[serde(default)]
    pub tags: Vec<String>,
    /// A PEM file of the authorities to trust instead of the public ones (a company or test CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The largest attachment [default: Freshdesk's 20 MB per ticket].
    #[serde(default)]
    pub max_size: Option<ByteSize>,
    /// How long to wait for each response [default: 120 seconds].
    #[serde(default)]
    pub timeout: Option<Timeout>,
}

/// `kind = "jsm"`: Jira Service Management Cloud `servicedeskapi`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JsmConfig {
    /// The site, e.g. `https://acme.atlassian.net`.
    pub url: String,
    /// The service desk id.
    pub service_desk_id: String,
    /// The request type id.
    pub request_type_id: String,
    /// The account e-mail for `email:api_token` auth; without it the secret is a bearer token.
    #[serde(default)]
    pub email: Option<String>,
    /// The secret's name [default: the channel's name].
    #[serde(default)]
    pub secret: Option<String>,
    /// Raise the request on behalf of this Atlassian account id (not an e-mail address).
    #[serde(default)]
    pub on_behalf_of: Option<String>,
    /// A PEM file of the authorities to trust instead of the public ones (a company or test CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The largest attachment [default: 1 GB, the site default].
    #[serde(default)]
    pub max_size: Option<ByteSize>,
    /// How long to wait for each response [default: 120 seconds].
    #[serde(default)]
    pub timeout: Option<Timeout>,
}

/// `kind = "webhook"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST.
    pub url: String,
    /// The secret's name, sent as `Authorization: Bearer <secret>`; none sends no credentials.
    #[serde(default)]
    pub secret: Option<String>,
    /// A PEM file of the authorities to trust instead of the public ones (a company or test CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The largest attachment.
    #[serde(default)]
    pub max_size: Option<ByteSize>,
    /// How long to wait for the response [default: 120 seconds].
    #[serde(default)]
    pub timeout: Option<Timeout>,
}
