//! Delivery as the front ends use it: open a configured channel with its secret, list the
//! channels, and send an outbox item with a few attempts in a row. The CLI and the desktop app
//! both call these, so a request goes out the same way from either.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;

use super::Progress;
use super::Secret;
use super::Transport;
use super::channel::{ChannelConfig, DEFAULT_CHANNEL};
use super::outbox::{Item, NewItem, Outbox, OutboxError, RetryPolicy, State};
use super::secret::{Secrets, secret_env_var};
use super::{Attachment, submission};
use crate::config::{Config, DeliverySettings};
use crate::evidence::collect::RequestDocs;
use crate::profile::schema::ByteSize;
use crate::profile::schema::Profile;
use crate::request::Request;
use crate::wire::ChannelSummary;

/// The longest wait between attempts that a front end sits through before leaving the rest to
/// the outbox.
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);

/// Why a channel could not be opened; nothing was sent or queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// No channel has that name.
    #[error(
        "no channel {name:?}; choose one of: {} (add [channels.{name}] to the configuration to make one)",
        choices.join(", ")
    )]
    Unknown {
        /// The name asked for.
        name: String,
        /// The channels there are.
        choices: Vec<String>,
    },
    /// The channel needs a secret that is set nowhere.
    #[error(
        "channel {channel} needs the secret {secret:?}: store it with `casefile secret set {secret}` (or in the app's settings) or set the environment variable {}",
        secret_env_var(secret)
    )]
    SecretMissing {
        /// The channel.
        channel: String,
        /// The secret's name.
        secret: String,
    },
    /// The secret is stored for another destination: the channel's kind, URL, host or CA
    /// changed, or it names a secret bound to another channel, since the secret was stored.
    #[error(
        "channel {channel} may not use the secret {secret:?}: it was stored for another destination (the channel's kind, URL, host or ca_file changed, or another channel's secret is named); store it again for this channel with `casefile secret set {secret}` (or in the app's settings)"
    )]
    SecretUnbound {
        /// The channel.
        channel: String,
        /// The secret's name.
        secret: String,
    },
    /// The keychain could not be asked.
    #[error("{0}")]
    SecretUnavailable(String),
    /// The channel's settings are wrong.
    #[error("channel {channel}: {message}")]
    Invalid {
        /// The channel.
        channel: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl OpenError {
    /// A stable code for programs (`unknown_channel`, `secret_missing`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            OpenError::Unknown { .. } => "unknown_channel",
            OpenError::SecretMissing { .. } => "secret_missing",
            OpenError::SecretUnbound { .. } => "secret_unbound",
            OpenError::SecretUnavailable(_) => "secret_unavailable",
            OpenError::Invalid { .. } => "channel_invalid",
        }
    }
}

impl DeliverySettings {
    /// The backoff the outbox waits between attempts.
    pub fn retry_policy(&self) -> RetryPolicy {
        let defaults = RetryPolicy::default();
        RetryPolicy {
            initial: self.retry_initial.map_or(defaults.initial, |t| t.0),
            max: self.retry_max.map_or(defaults.max, |t| t.0),
        }
    }

    /// How many attempts a submission makes before leaving the rest to the outbox [default: 3].
    pub fn attempts(&self) -> u32 {
        self.attempts_inline.unwrap_or(3).max(1)
    }

    /// The channel to use: `via` when given, else the default channel, else `folder`.
    pub fn channel_name(&self, via: Option<&str>) -> String {
        via.map(str::to_owned)
            .or_else(|| self.default_channel.clone())
            .unwrap_or_else(|| DEFAULT_CHANNEL.to_owned())
    }
}

/// Where the folder channel saves when its configuration names no path: `Casefile` in the
/// user's documents folder, else `saved` in the data directory.
pub fn default_folder(documents: Option<&Path>, data_dir: &Path) -> PathBuf {
    documents
        .map(|documents| documents.join("Casefile"))
        .unwrap_or_else(|| data_dir.join("saved"))
}

/// Opens channel `name` from `config`, with its secret from `secrets`.
pub fn open_channel(
    config: &Config,
    name: &str,
    secrets: &Secrets<'_>,
    default_folder: &Path,
) -> Result<(ChannelConfig, Box<dyn Transport>), OpenError> {
    let channel = config.channel(name).ok_or_else(|| OpenError::Unknown {
        name: name.to_owned(),
        choices: config.channel_names(),
    })?;
    let secret = match channel.secret_name(name) {
        Some(secret_name) if !config.secret_bindings.allows(secret_name, &channel) => {
            return Err(OpenError::SecretUnbound {
                channel: name.to_owned(),
                secret: secret_name.to_owned(),
            });
        }
        Some(secret_name) => match secrets.get(secret_name) {
            Ok(Some((secret, _))) => Some(secret),
            Ok(None) => {
                return Err(OpenError::SecretMissing {
                    channel: name.to_owned(),
                    secret: secret_name.to_owned(),
                });
            }
            Err(error) => return Err(OpenError::SecretUnavailable(error.to_string())),
        },
        None => None,
    };
    let transport = channel
        .open(secret, default_folder)
        .map_err(|error| OpenError::Invalid {
            channel: name.to_owned(),
            message: error.message,
        })?;
    Ok((channel, transport))
}

/// The largest bundle channel `name` takes (`None`: no limit), to fit a bundle to before it is
/// sent. The limit comes from the channel's settings or, for SMTP, from the server's greeting,
/// none of which needs the secret: it is neither looked up nor used, so the answer comes while the
/// credential is not set yet, or where the keychain cannot be reached (a fleet controller, a
/// headless endpoint).
pub fn attachment_limit(
    config: &Config,
    name: &str,
    default_folder: &Path,
) -> Result<Option<u64>, OpenError> {
    let settings = config.channel(name).ok_or_else(|| OpenError::Unknown {
        name: name.to_owned(),
        choices: config.channel_names(),
    })?;
    // Only asked for its limit, never used to send: no credential is needed or used.
    let unused = Secret::new("never-sent");
    let transport = settings
        .open(Some(unused), default_folder)
        .map_err(|error| OpenError::Invalid {
            channel: name.to_owned(),
            message: error.message,
        })?;
    Ok(transport.max_attachment())
}

/// Every channel (the built-in folder included) with where it sends and where its secret is;
/// a keychain that cannot be asked is reported as a problem, and the secret as not found.
pub fn channel_summaries(
    config: &Config,
    secrets: &Secrets<'_>,
    default_folder: &Path,
) -> (Vec<ChannelSummary>, Vec<String>) {
    let default = config.delivery.channel_name(None);
    let mut problems = Vec::new();
    let mut summaries = Vec::new();
    for name in config.channel_names() {
        let Some(channel) = config.channel(&name) else {
            continue;
        };
        let secret = channel.secret_name(&name).map(str::to_owned);
        let secret_source = match &secret {
            Some(secret) if !config.secret_bindings.allows(secret, &channel) => {
                problems.push(format!(
                    "channel {name}: the secret {secret:?} was stored for another destination; store it again for this channel"
                ));
                None
            }
            Some(secret) => match secrets.get(secret) {
                Ok(found) => found.map(|(_, source)| source),
                Err(error) => {
                    problems.push(error.to_string());
                    None
                }
            },
            None => None,
        };
        let destination = match &channel {
            ChannelConfig::Folder(folder) if folder.path.is_none() => {
                default_folder.display().to_string()
            }
            _ => channel.destination(),
        };
        summaries.push(ChannelSummary {
            default: name == default,
            kind: channel.kind().to_owned(),
            destination,
            secret,
            secret_source,
            name,
        });
    }
    (summaries, problems)
}

/// Why a request cannot be submitted; nothing was sent or queued.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Validation found errors: each is `field: message`.
    #[error("the request is not ready to send; fix these fields:\n  {}", .0.join("\n  "))]
    NotReady(Vec<String>),
    /// The channel cannot be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The outbox refused: already submitted, or it cannot be read.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The bundle is bigger than the channel takes.
    #[error(
        "the bundle {bundle} is {} but channel {channel} takes at most {}; make a smaller one (a budget of {} fits) or send it through another channel",
        ByteSize(*size),
        ByteSize(*limit),
        ByteSize(*limit)
    )]
    TooLarge {
        /// The bundle.
        bundle: String,
        /// Its size.
        size: u64,
        /// The channel.
        channel: String,
        /// What the channel takes.
        limit: u64,
    },
}

/// Refuses a `bundle` bigger than channel `name` (opened as `transport`) takes, before it is
/// queued, rather than failing at the help desk after an upload.
pub fn check_bundle_size(
    bundle: &Path,
    name: &str,
    transport: &dyn Transport,
) -> Result<(), SubmitError> {
    let Some(limit) = transport.max_attachment() else {
        return Ok(());
    };
    let size = std::fs::metadata(bundle).map(|m| m.len()).unwrap_or(0);
    if size > limit {
        return Err(SubmitError::TooLarge {
            bundle: bundle.display().to_string(),
            size,
            channel: name.to_owned(),
            limit,
        });
    }
    Ok(())
}

/// The first steps of a submission, before its bundle is attached: `request` validates without
/// errors against `profile`, channel `name` opens with its secret, and (unless `again`) the
/// request has not gone to that channel already. Returns the opened channel.
#[allow(clippy::too_many_arguments)]
pub fn open_for_submission(
    config: &Config,
    outbox: &Outbox,
    request: &Request,
    profile: &Profile,
    name: &str,
    again: bool,
    secrets: &Secrets<'_>,
    default_folder: &Path,
) -> Result<(ChannelConfig, Box<dyn Transport>), SubmitError> {
    let errors: Vec<String> = crate::validate::validate(request, profile)
        .iter()
        .filter(|problem| problem.severity == crate::validate::Severity::Error)
        .map(|problem| format!("{}: {}", problem.field, problem.message))
        .collect();
    if !errors.is_empty() {
        return Err(SubmitError::NotReady(errors));
    }
    let (channel, transport) = open_channel(config, name, secrets, default_folder)?;
    if !again && let Some(item) = outbox.find(&request.case_code, name)?.last() {
        return Err(OutboxError::AlreadySubmitted {
            case_code: request.case_code.clone(),
            channel: name.to_owned(),
            id: item.id().to_owned(),
            state: item.state.as_str(),
        }
        .into());
    }
    Ok((channel, transport))
}

/// Puts `request` with `bundle` (attached as `<CASE>.zip`; moved in when `move_bundle`, else
/// copied) into the outbox for channel `name`, complete on disk before anything is sent. The
/// subject, body and `request.json` that leave are the bundle's own `request.md` and
/// `request.json`: redacted with the evidence and leak-scanned with it. A bundle without them
/// (made by `casefile collect`, not from the draft), or made for another request, is refused.
#[allow(clippy::too_many_arguments)]
pub fn enqueue_submission(
    outbox: &Outbox,
    request: &Request,
    profile: &Profile,
    name: &str,
    channel: &ChannelConfig,
    bundle: &Path,
    move_bundle: bool,
    again: bool,
    now: chrono::DateTime<Utc>,
) -> Result<Item, OutboxError> {
    let refused = |message: String| OutboxError::Io {
        path: bundle.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, message),
    };
    let docs = RequestDocs::from_bundle(bundle)
        .map_err(|error| refused(format!("cannot read the request in the bundle: {error}")))?
        .ok_or_else(|| {
            refused(
                "the bundle holds no request.md and request.json, so the ticket would carry text that was never redacted; build it from the draft (`casefile bundle --draft`)"
                    .to_owned(),
            )
        })?;
    if docs.case_code != request.case_code {
        return Err(refused(format!(
            "the bundle was made for {}, not {}; build it from this draft",
            docs.case_code, request.case_code
        )));
    }
    let attachment = Attachment {
        name: format!("{}.zip", request.case_code),
        path: bundle.to_owned(),
        content_type: "application/zip".to_owned(),
        size: 0,
        sha256: String::new(),
    };
    enqueue_request(
        outbox,
        request,
        &docs,
        profile,
        name,
        channel,
        vec![attachment],
        move_bundle,
        again,
        now,
    )
}

/// Puts `request` into the outbox for channel `name` with the text of `docs` (the request as it
/// leaves: from a bundle, or [`crate::render::redacted_alone`] when nothing is attached) and
/// `attachments`.
#[allow(clippy::too_many_arguments)]
pub fn enqueue_request(
    outbox: &Outbox,
    request: &Request,
    docs: &RequestDocs,
    profile: &Profile,
    name: &str,
    channel: &ChannelConfig,
    attachments: Vec<Attachment>,
    move_attachments: bool,
    again: bool,
    now: chrono::DateTime<Utc>,
) -> Result<Item, OutboxError> {
    outbox.enqueue(
        NewItem {
            channel: name.to_owned(),
            kind: channel.kind().to_owned(),
            destination: channel.destination(),
            tier: request.tier.clone(),
            submission: submission(request, docs, profile, attachments),
            move_attachments,
        },
        again,
        now,
    )
}

impl Outbox {
    /// Attempts item `id` up to `attempts` times; between attempts it sleeps only when the wait
    /// is at most `max_wait` (telling `waiting` first), else it leaves the item to a later drain.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &self,
        id: &str,
        transport: &dyn Transport,
        policy: &RetryPolicy,
        attempts: u32,
        max_wait: Duration,
        waiting: &mut dyn FnMut(&Item, Duration),
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Item, OutboxError> {
        let mut made = 0;
        loop {
            let item = self.attempt(id, transport, policy, &Utc::now, progress)?;
            made += 1;
            if item.state != State::FailedRetryable || made >= attempts {
                return Ok(item);
            }
            let wait = item
                .next_attempt_at
                .map(|at| (at - Utc::now()).to_std().unwrap_or_default())
                .unwrap_or_default();
            if wait > max_wait {
                return Ok(item);
            }
            waiting(&item, wait);
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::secret::MemoryKeychain;

    #[test]
    fn a_channel_without_its_secret_still_tells_its_size_limit() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("config.toml");
        fs_err::write(
            &path,
            "[channels.vendor]\nkind = \"freshdesk\"\nurl = \"https://example.freshdesk.com\"\nsecret = \"vendor-key\"\nmax_size = \"5 MiB\"\n",
        )
        .expect("write");
        let config = Config::load(&path).expect("config");
        let keychain = MemoryKeychain::default();
        let secrets = Secrets::new(Vec::new(), &keychain);

        let error = open_channel(&config, "vendor", &secrets, folder.path())
            .err()
            .expect("no secret to send with");
        assert!(matches!(error, OpenError::SecretMissing { .. }), "{error}");
        let limit = attachment_limit(&config, "vendor", folder.path()).expect("a limit");
        assert_eq!(limit, Some(5 * 1024 * 1024));
        let unknown = attachment_limit(&config, "nowhere", folder.path());
        assert!(matches!(unknown, Err(OpenError::Unknown { .. })));
    }
}
