//! HTTP plumbing the help-desk channels share: one client per channel with its base URL,
//! credentials, trusted authorities and timeouts; streaming multipart bodies with a known length;
//! and the mapping from HTTP answers to retryable or permanent [`DeliveryError`]s.
//!
//! Plain `http://` is accepted only for loopback hosts (a help desk on the same machine, a test
//! server); anything else must be `https://`.

use std::fs::File;
use std::io::{self, Read};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;

use super::{DeliveryError, Progress, Secret};

/// How long to wait for a help desk by default.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How a channel authenticates.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    /// No credentials.
    None,
    /// `Authorization: Basic base64(user:secret)`.
    Basic {
        /// The user part.
        user: String,
        /// The password or API token.
        secret: Secret,
    },
    /// `Authorization: Bearer <secret>`.
    Bearer(Secret),
    /// `Authorization: <scheme> <secret>` (Request Tracker's `token`).
    Scheme(&'static str, Secret),
    /// `Authorization: Basic base64(secret:password)`: the secret is the user part and the
    /// password a fixed word (Freshdesk's `api_key:X`).
    BasicKey {
        /// The API key.
        secret: Secret,
        /// The fixed password.
        password: &'static str,
    },
    /// No header: the secret stands in the URL's `{secret}` place (a Slack- or Teams-style
    /// webhook whose URL is the credential).
    InUrl(Secret),
}

impl Auth {
    fn header(&self) -> Option<String> {
        match self {
            Auth::None | Auth::InUrl(_) => None,
            Auth::Basic { user, secret } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", secret.expose()))
            )),
            Auth::Bearer(secret) => Some(format!("Bearer {}", secret.expose())),
            Auth::Scheme(scheme, secret) => Some(format!("{scheme} {}", secret.expose())),
            Auth::BasicKey { secret, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{password}", secret.expose()))
            )),
        }
    }

    fn secret(&self) -> Option<&Secret> {
        match self {
            Auth::None => None,
            Auth::Basic { secret, .. }
            | Auth::Bearer(secret)
            | Auth::Scheme(_, secret)
            | Auth::InUrl(secret)
            | Auth::BasicKey { secret, .. } => Some(secret),
        }
    }
}

/// One channel's HTTP client.
pub(crate) struct Http {
    agent: ureq::Agent,
    /// The base URL requests go to, with the secret in its `{secret}` place.
    target: String,
    /// The base URL as messages show it: `{secret}` in place of the secret, no credentials.
    base: String,
    auth: Auth,
    /// Names the service in messages (`Zendesk at https://acme.zendesk.com`).
    service: String,
}

/// A help desk's answer, whatever its status.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub(crate) status: u16,
    /// Headers, names lowercased.
    pub(crate) headers: Vec<(String, String)>,
    /// The body (answers are small; uploads go the other way).
    pub(crate) body: Vec<u8>,
}

/// The largest answer body read into memory.
const MAX_REPLY: u64 = 16 * 1024 * 1024;

impl Http {
    /// A client for `base_url` (no trailing slash needed). `service` names the help desk in
    /// messages; `ca_file` replaces the public authorities with the ones in that PEM file.
    /// A `{secret}` in `base_url` is replaced by the secret, which is then sent in no header
    /// ([`Auth::InUrl`]); messages show the URL with `{secret}` and without other credentials.
    pub(crate) fn new(
        service: &str,
        base_url: &str,
        auth: Auth,
        ca_file: Option<&Path>,
        timeout: Option<Duration>,
    ) -> Result<Http, DeliveryError> {
        let shown = super::channel::url_without_secrets(base_url.trim().trim_end_matches('/'));
        let mut base = base_url.trim().trim_end_matches('/').to_owned();
        check_url(&base)?;
        let auth = match (base.contains(SECRET_PLACE), auth.secret().cloned()) {
            (false, _) => auth,
            (true, Some(secret)) => {
                base = base.replace(SECRET_PLACE, secret.expose());
                Auth::InUrl(secret)
            }
            (true, None) => {
                return Err(DeliveryError::permanent(format!(
                    "channel url {shown}: it has a {SECRET_PLACE} place but the channel has no secret; add secret = \"NAME\" and store the URL's secret part with `casefile secret set NAME`"
                )));
            }
        };
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(path) = ca_file {
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&read_ca_file(path)?));
        }
        let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeout.min(Duration::from_secs(30))))
            .timeout_per_read(Some(timeout))
            .timeout_per_write(Some(timeout))
            .max_redirects(0)
            .user_agent(concat!("casefile/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build();
        Ok(Http {
            agent: config.into(),
            target: base,
            auth,
            service: format!("{service} at {shown}"),
            base: shown,
        })
    }

    /// `base` + `path` (`path` starts with `/`, may carry a query).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.target)
    }

    /// The base URL as messages show it, without a trailing slash, credentials or the secret.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// `GET path`.
    pub(crate) fn get(&self, path: &str, headers: &[(&str, &str)]) -> Result<Reply, DeliveryError> {
        let mut request = self.agent.get(self.url(path));
        for (name, value) in self.headers(headers) {
            request = request.header(name, value);
        }
        self.finish(path, request.call())
    }

    /// `POST path` with a JSON body.
    pub(crate) fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Result<Reply, DeliveryError> {
        let bytes = serde_json::to_vec(body).map_err(|error| {
            DeliveryError::permanent(format!(
                "cannot encode the request for {}: {error}",
                self.service
            ))
        })?;
        let mut request = self
            .agent
            .post(self.url(path))
            .header("Content-Type", "application/json");
        for (name, value) in self.headers(headers) {
            request = request.header(name, value);
        }
        self.finish(path, request.send(&bytes[..]))
    }

    /// `POST path` with a body streamed from `body`, `length` bytes long, reporting progress as
    /// `step`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn post_stream(
        &self,
        path: &str,
        content_type: &str,
        mut body: impl Read,
        length: u64,
        headers: &[(&str, &str)],
        step: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reply, DeliveryError> {
        let mut counting = Counting {
            inner: &mut body,
            sent: 0,
            total: length,
            step,
            progress,
            reported: 0,
        };
        let mut request = self
            .agent
            .post(self.url(path))
            .header("Content-Type", content_type)
            .header("Content-Length", length.to_string());
        for (name, value) in self.headers(headers) {
            request = request.header(name, value);
        }
        let result = request.send(ureq::SendBody::from_reader(&mut counting));
        (counting.progress)(Progress {
            step: step.to_owned(),
            sent: counting.sent,
            total: length,
        });
        self.finish(path, result)
    }

    /// `POST path` with the file at `file` as the raw body (`size` bytes, as recorded when the
    /// submission was made: a file that changed size fails rather than sending a body of the
    /// wrong length).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn post_file(
        &self,
        path: &str,
        content_type: &str,
        file: &Path,
        size: u64,
        headers: &[(&str, &str)],
        step: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reply, DeliveryError> {
        let cannot = |error: io::Error| {
            DeliveryError::permanent(format!(
                "cannot read {} to upload it: {error}; submit the request again",
                file.display()
            ))
        };
        let actual = std::fs::metadata(file).map_err(cannot)?.len();
        if actual != size {
            return Err(DeliveryError::permanent(format!(
                "{} is {actual} bytes, {size} expected: it changed after the submission was made; submit the request again",
                file.display()
            )));
        }
        let reader = Exact {
            inner: File::open(file).map_err(cannot)?.take(size),
            left: size,
            path: file.to_owned(),
        };
        self.post_stream(path, content_type, reader, size, headers, step, progress)
    }

    /// `POST path` with a multipart body.
    pub(crate) fn post_multipart(
        &self,
        path: &str,
        form: &Multipart,
        headers: &[(&str, &str)],
        step: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reply, DeliveryError> {
        let reader = form.reader().map_err(|error| {
            DeliveryError::permanent(format!("cannot read a file to upload: {error}"))
        })?;
        self.post_stream(
            path,
            &form.content_type(),
            reader,
            form.length(),
            headers,
            step,
            progress,
        )
    }

    fn headers(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = vec![("Accept".into(), "application/json".into())];
        if let Some(value) = self.auth.header() {
            headers.push(("Authorization".into(), value));
        }
        headers.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        headers
    }

    fn finish(
        &self,
        path: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Reply, DeliveryError> {
        let mut response = result.map_err(|error| self.transport_error(path, &error))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_REPLY)
            .read_to_end(&mut body)
            .map_err(|error| {
                DeliveryError::retryable(self.scrub(format!(
                    "{} stopped while answering {path}: {error}; it will be retried",
                    self.service
                )))
            })?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    fn transport_error(&self, path: &str, error: &ureq::Error) -> DeliveryError {
        // `service` already names the base URL; add the path when there is one.
        let target = if path.is_empty() {
            String::new()
        } else {
            format!(" ({path})")
        };
        let what = match error {
            ureq::Error::Timeout(_) => "did not answer in time".to_owned(),
            ureq::Error::ConnectionFailed => "refused the connection (is it running?)".to_owned(),
            ureq::Error::HostNotFound => "cannot be found (check the host name)".to_owned(),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                "refused the connection (is it running?)".to_owned()
            }
            ureq::Error::Io(io) => format!("broke the connection: {io}"),
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
                return DeliveryError::permanent(self.scrub(format!(
                    "{}: the TLS connection failed{target}: {error}; check the URL, or set ca_file to the authority that signed the server's certificate",
                    self.service
                )));
            }
            other => other.to_string(),
        };
        DeliveryError::retryable(self.scrub(format!(
            "{} {what}{target}; it will be retried",
            self.service
        )))
    }

    /// Removes the secret from `text`, should a server echo it: the value itself, its URL
    /// encoding, and the Basic-auth base64 forms (`user:secret`, `secret:password`, `:secret`)
    /// as the `Authorization` header carries them.
    pub(crate) fn scrub(&self, text: String) -> String {
        let Some(secret) = self
            .auth
            .secret()
            .filter(|secret| !secret.expose().is_empty())
        else {
            return text;
        };
        let value = secret.expose();
        let engine = base64::engine::general_purpose::STANDARD;
        let mut forms = vec![value.to_owned(), url_encode_secret(value)];
        match &self.auth {
            Auth::Basic { user, .. } => forms.push(engine.encode(format!("{user}:{value}"))),
            Auth::BasicKey { password, .. } => {
                forms.push(engine.encode(format!("{value}:{password}")));
            }
            _ => {}
        }
        forms.push(engine.encode(format!(":{value}")));
        forms.push(engine.encode(value));
        // Longest first, so a form that contains another is removed whole.
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        forms
            .into_iter()
            .filter(|form| form.len() >= 4)
            .fold(text, |text, form| text.replace(&form, "<secret>"))
    }

    /// How the service is named in messages (`Zendesk at https://acme.zendesk.com`).
    pub(crate) fn service(&self) -> &str {
        &self.service
    }

    /// Turns a non-2xx reply into the error it means; `doing` says what was being done
    /// (`creating the ticket`). `secret_name` is named in the advice for 401/403.
    pub(crate) fn error(&self, reply: &Reply, doing: &str, secret_name: &str) -> DeliveryError {
        self.error_explained(reply, doing, Some(secret_name), None)
    }

    /// [`Http::error`] with the help desk's own account of the problem (`subject: cannot be
    /// blank`) in place of the raw body excerpt, when the channel could read one. `secret` is the
    /// secret's name when the configuration names it (else the advice says it is named like the
    /// channel).
    pub(crate) fn error_explained(
        &self,
        reply: &Reply,
        doing: &str,
        secret: Option<&str>,
        explanation: Option<String>,
    ) -> DeliveryError {
        let excerpt = explanation
            .map(|text| truncate(&text, 300))
            .unwrap_or_else(|| reply.excerpt());
        let status = reply.status;
        let head = format!("{} answered {status} while {doing}", self.service);
        let detail = if excerpt.is_empty() {
            String::new()
        } else {
            format!(": {excerpt}")
        };
        let message = |advice: &str| self.scrub(format!("{head}{detail}; {advice}"));
        match status {
            401 => DeliveryError::permanent(message(&format!(
                "the credentials were refused: {} and the user name in the channel",
                secret_advice(secret)
            ))),
            403 => DeliveryError::permanent(message(
                "the account may not do this: check its role and permissions in the help desk",
            )),
            404 => DeliveryError::permanent(message(
                "check the channel's url and ids in the configuration",
            )),
            413 => DeliveryError::permanent(message(
                "the upload is too large for this help desk: make a smaller bundle (--budget) or use another channel",
            )),
            408 | 425 | 429 | 500..=599 => {
                DeliveryError::retry_after(message("it will be retried"), reply.retry_after())
            }
            _ => DeliveryError::permanent(message(
                "fix what the help desk names and retry with `casefile outbox retry ID`",
            )),
        }
    }
}

impl Reply {
    /// Whether the status is 2xx.
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header's value.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub(crate) fn json(&self, service: &str) -> Result<serde_json::Value, DeliveryError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            DeliveryError::retryable(format!(
                "{service} answered {} with a body that is not JSON ({error}): {}",
                self.status,
                self.excerpt()
            ))
        })
    }

    /// The first 300 characters of the body, on one line.
    pub(crate) fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match line.char_indices().nth(300) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line,
        }
    }

    /// `Retry-After` as a wait: seconds, or an HTTP date (counted from the reply's `Date`).
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        let value = self.header("retry-after")?.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        let now = self
            .header("date")
            .and_then(|date| chrono::DateTime::parse_from_rfc2822(date.trim()).ok())?;
        Some((at - now).to_std().unwrap_or_default())
    }
}

/// How to set a channel's secret: by name when the configuration names it, else named like the
/// channel.
pub(crate) fn secret_advice(name: Option<&str>) -> String {
    match name {
        Some(name) => format!(
            "check the secret {name:?} (set it with `casefile secret set {name}` or the environment variable {})",
            super::secret_env_var(name)
        ),
        None => "check the channel's secret, named like the channel (set it with `casefile secret set CHANNEL` or the environment variable CASEFILE_SECRET_<CHANNEL>, CHANNEL being the channel's name)".to_owned(),
    }
}

/// `url` without a trailing `/` and without an API `suffix` (`/api/v2`) someone may have written
/// after the account's address.
pub(crate) fn account_url(url: &str, suffix: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    trimmed
        .strip_suffix(suffix)
        .unwrap_or(trimmed)
        .trim_end_matches('/')
        .to_owned()
}

/// `text` cut to `limit` characters, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `value` percent-encoded for a URL query (every byte but RFC 3986's unreserved characters).
pub(crate) fn query_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Checks that `url` is https, or http to a loopback host.
pub(crate) fn check_url(url: &str) -> Result<(), DeliveryError> {
    let shown = super::channel::url_without_secrets(url);
    let bad = |why: &str| DeliveryError::permanent(format!("channel url {shown:?}: {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("write a full URL such as https://help.example.com"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Err(bad("it has no host name"));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(bad(
            "plain http is only allowed to this machine (127.0.0.1, ::1, localhost); use https",
        )),
        _ => Err(bad("use an https:// URL")),
    }
}

/// Where a channel URL takes its secret: `https://hooks.slack.com/services/T0/B0/{secret}`.
pub(crate) const SECRET_PLACE: &str = "{secret}";

/// `secret` percent-encoded for a URL path or query (unreserved characters stay).
fn url_encode_secret(secret: &str) -> String {
    secret
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Whether `host` names this machine.
pub(crate) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

fn read_ca_file(path: &Path) -> Result<Vec<ureq::tls::Certificate<'static>>, DeliveryError> {
    let bad = |why: String| {
        DeliveryError::permanent(format!(
            "ca_file {}: {why}; give a PEM file with the authority's certificate",
            path.display()
        ))
    };
    let pem = std::fs::read(path).map_err(|error| bad(format!("cannot read it: {error}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(error) => return Err(bad(format!("cannot parse it: {error}"))),
        }
    }
    if certs.is_empty() {
        return Err(bad("it holds no certificate".to_owned()));
    }
    Ok(certs)
}

struct Counting<'a, R: Read> {
    inner: &'a mut R,
    sent: u64,
    total: u64,
    step: &'a str,
    progress: &'a mut dyn FnMut(Progress),
    reported: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sent += n as u64;
        if self.sent - self.reported >= 1 << 20 {
            self.reported = self.sent;
            (self.progress)(Progress {
                step: self.step.to_owned(),
                sent: self.sent,
                total: self.total,
            });
        }
        Ok(n)
    }
}

/// A `multipart/form-data` body whose length is known before it is sent; files are read from
/// disk while sending.
#[derive(Debug, Clone, Default)]
pub(crate) struct Multipart {
    boundary: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text {
        head: String,
        value: Vec<u8>,
    },
    File {
        head: String,
        path: PathBuf,
        size: u64,
    },
}

impl Multipart {
    /// An empty form with a boundary derived from `seed` (stable, so retries send the same bytes).
    pub(crate) fn new(seed: &str) -> Multipart {
        let clean: String = seed
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(40)
            .collect();
        Multipart {
            boundary: format!("----casefile-{clean}-7d3f9a"),
            parts: Vec::new(),
        }
    }

    /// Adds a text field.
    pub(crate) fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.typed(name, value.as_bytes(), None)
    }

    /// Adds a field with its own content type (`application/json`).
    pub(crate) fn typed(
        &mut self,
        name: &str,
        value: &[u8],
        content_type: Option<&str>,
    ) -> &mut Self {
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n",
            self.boundary,
            quote(name)
        );
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str("\r\n");
        self.parts.push(Part::Text {
            head,
            value: value.to_vec(),
        });
        self
    }

    /// Adds a file part read from `path` when sent.
    pub(crate) fn file(
        &mut self,
        name: &str,
        file_name: &str,
        content_type: &str,
        path: &Path,
    ) -> io::Result<&mut Self> {
        let size = std::fs::metadata(path)?.len();
        let head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n",
            self.boundary,
            quote(name),
            quote(file_name)
        );
        self.parts.push(Part::File {
            head,
            path: path.to_owned(),
            size,
        });
        Ok(self)
    }

    /// Adds a file part for `attachment` under the part name `name`; a file gone from the outbox
    /// is a permanent error (the item cannot be sent as it is).
    pub(crate) fn attachment(
        &mut self,
        name: &str,
        attachment: &super::Attachment,
    ) -> Result<&mut Self, DeliveryError> {
        self.file(
            name,
            &attachment.name,
            &attachment.content_type,
            &attachment.path,
        )
        .map_err(|error| {
            DeliveryError::permanent(format!(
                "cannot read attachment {} at {}: {error}; the outbox item is incomplete, submit the request again",
                attachment.name,
                attachment.path.display()
            ))
        })
    }

    /// The `Content-Type` header value.
    pub(crate) fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    fn tail(&self) -> String {
        format!("--{}--\r\n", self.boundary)
    }

    /// The exact body length.
    pub(crate) fn length(&self) -> u64 {
        let parts: u64 = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Text { head, value } => head.len() as u64 + value.len() as u64 + 2,
                Part::File { head, size, .. } => head.len() as u64 + size + 2,
            })
            .sum();
        parts + self.tail().len() as u64
    }

    /// The body, reading files as it goes. A file that changed size since it was added fails the
    /// read rather than sending a body of the wrong length.
    pub(crate) fn reader(&self) -> io::Result<impl Read + use<>> {
        let mut pieces: Vec<Box<dyn Read + Send>> = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text { head, value } => {
                    let mut bytes = head.as_bytes().to_vec();
                    bytes.extend_from_slice(value);
                    bytes.extend_from_slice(b"\r\n");
                    pieces.push(Box::new(io::Cursor::new(bytes)));
                }
                Part::File { head, path, size } => {
                    pieces.push(Box::new(io::Cursor::new(head.clone().into_bytes())));
                    let file = File::open(path)?;
                    pieces.push(Box::new(Exact {
                        inner: file.take(*size),
                        left: *size,
                        path: path.clone(),
                    }));
                    pieces.push(Box::new(io::Cursor::new(b"\r\n".to_vec())));
                }
            }
        }
        pieces.push(Box::new(io::Cursor::new(self.tail().into_bytes())));
        Ok(Chain { pieces, index: 0 })
    }
}

fn quote(value: &str) -> String {
    value.replace(['"', '\r', '\n'], "_")
}

struct Exact<R: Read> {
    inner: R,
    left: u64,
    path: PathBuf,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} shrank while it was being sent", self.path.display()),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

struct Chain {
    pieces: Vec<Box<dyn Read + Send>>,
    index: usize,
}

impl Read for Chain {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(piece) = self.pieces.get_mut(self.index) {
            let n = piece.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            self.index += 1;
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    #[test]
    fn plain_http_is_only_accepted_for_this_machine() {
        assert!(check_url("http://127.0.0.1:8080/REST/2.0").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://[::1]:9/x").is_ok());
        assert!(check_url("https://acme.zendesk.com").is_ok());
        let error = check_url("http://rt.example.com/REST/2.0").expect_err("remote http");
        assert!(error.message.contains("use https"), "{error}");
        assert!(!error.is_retryable());
        assert!(check_url("rt.example.com").is_err());
        assert!(check_url("ftp://127.0.0.1/").is_err());
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let reply = |headers: &[(&str, &str)]| Reply {
            status: 429,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        };
        assert_eq!(
            reply(&[("retry-after", "7")]).retry_after(),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            reply(&[
                ("retry-after", "Wed, 21 Oct 2026 07:28:30 GMT"),
                ("date", "Wed, 21 Oct 2026 07:28:00 GMT")
            ])
            .retry_after(),
            Some(Duration::from_secs(30))
        );
        assert_eq!(reply(&[("retry-after", "soon")]).retry_after(), None);
    }

    #[test]
    fn query_values_are_percent_encoded_except_unreserved_characters() {
        assert_eq!(query_encode("CF-7K2M_9.~"), "CF-7K2M_9.~");
        assert_eq!(
            query_encode("\"tag:'CF 1'\"&x=é"),
            "%22tag%3A%27CF%201%27%22%26x%3D%C3%A9"
        );
    }

    #[test]
    fn an_api_key_used_as_the_user_is_scrubbed_but_the_fixed_password_is_not() {
        let http = Http::new(
            "Desk",
            "https://desk.example.test",
            Auth::BasicKey {
                secret: Secret::new("FAKE-key-9"),
                password: "X",
            },
            None,
            None,
        )
        .expect("client");
        assert_eq!(
            http.scrub("key FAKE-key-9 and X".to_owned()),
            "key <secret> and X"
        );
    }

    #[test]
    fn the_basic_auth_base64_forms_of_the_secret_are_scrubbed_too() {
        let engine = base64::engine::general_purpose::STANDARD;
        let secret = "FAKE-pass-word-7";
        let basic = Http::new(
            "Desk",
            "https://desk.example.test",
            Auth::Basic {
                user: "ada".into(),
                secret: Secret::new(secret),
            },
            None,
            None,
        )
        .expect("client");
        for form in [
            engine.encode(format!("ada:{secret}")),
            engine.encode(format!(":{secret}")),
        ] {
            let echoed = basic.scrub(format!("server said: Authorization: Basic {form} is wrong"));
            assert!(!echoed.contains(&form), "{echoed}");
            assert!(echoed.contains("<secret>"), "{echoed}");
        }
        let key = Http::new(
            "Desk",
            "https://desk.example.test",
            Auth::BasicKey {
                secret: Secret::new(secret),
                password: "X",
            },
            None,
            None,
        )
        .expect("client");
        let form = engine.encode(format!("{secret}:X"));
        assert!(!key.scrub(format!("Basic {form}")).contains(&form));
    }

    #[test]
    fn a_secret_in_the_url_place_is_sent_in_the_url_and_never_shown() {
        let http = Http::new(
            "Webhook",
            "https://hooks.example.test/services/T0/B0/{secret}",
            Auth::Bearer(Secret::new("FAKEhookKEY")),
            None,
            None,
        )
        .expect("client");
        assert_eq!(
            http.url(""),
            "https://hooks.example.test/services/T0/B0/FAKEhookKEY"
        );
        assert!(!http.service().contains("FAKE"), "{}", http.service());
        assert!(!http.base().contains("FAKE"), "{}", http.base());
        assert!(matches!(http.auth, Auth::InUrl(_)));
        assert_eq!(
            http.scrub("GET /services/T0/B0/FAKEhookKEY failed".into()),
            "GET /services/T0/B0/<secret> failed"
        );
        let error = check_url("ftp://ada:FAKE-pw@hooks.example.test/x").expect_err("ftp");
        assert!(!error.message.contains("FAKE-pw"), "{error}");
    }

    fn one_request_server(answer: &'static str) -> (String, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut head = Vec::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("line");
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().expect("length");
                }
                head.extend_from_slice(line.as_bytes());
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            head.extend_from_slice(&body);
            let mut stream = stream;
            stream.write_all(answer.as_bytes()).expect("answer");
            head
        });
        (address, handle)
    }

    #[test]
    fn a_multipart_upload_is_sent_with_its_exact_length_and_not_chunked() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("bundle.zip");
        std::fs::write(&path, vec![7u8; 300_000]).expect("write");
        let (url, server) = one_request_server(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"id\":\"42\"}",
        );
        let http = Http::new(
            "Test desk",
            &url,
            Auth::Scheme("token", Secret::new("FAKE-token-1")),
            None,
            Some(Duration::from_secs(10)),
        )
        .expect("client");
        let mut form = Multipart::new("CF-TEST-0001.desk");
        form.typed("JSON", br#"{"Subject":"x"}"#, Some("application/json"));
        form.file("Attachments", "bundle.zip", "application/zip", &path)
            .expect("file");
        let mut seen = Vec::new();
        let reply = http
            .post_multipart("/ticket", &form, &[], "uploading", &mut |p| seen.push(p))
            .expect("reply");
        assert_eq!(reply.status, 201);
        assert_eq!(reply.json("test").expect("json")["id"], "42");
        let request = server.join().expect("server");
        let text = String::from_utf8_lossy(&request);
        assert!(
            text.contains(&format!("content-length: {}", form.length()))
                || text.contains(&format!("Content-Length: {}", form.length())),
            "{}",
            &text[..400]
        );
        assert!(!text.to_ascii_lowercase().contains("transfer-encoding"));
        assert!(
            text.contains("Authorization: token FAKE-token-1")
                || text.contains("authorization: token FAKE-token-1")
        );
        assert!(text.ends_with(&format!("--{}--\r\n", form.boundary)));
        assert_eq!(seen.last().map(|p| p.sent), Some(form.length()));
    }

    #[test]
    fn a_refused_token_is_permanent_and_never_echoed() {
        let (url, _server) = one_request_server(
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 43\r\nConnection: close\r\n\r\n{\"message\":\"bad token FAKE-token-2 given\"}\n",
        );
        let http = Http::new(
            "RT",
            &url,
            Auth::Scheme("token", Secret::new("FAKE-token-2")),
            None,
            None,
        )
        .expect("client");
        let reply = http.get("/rt", &[]).expect("reply");
        let error = http.error(&reply, "checking the token", "helpdesk");
        assert!(!error.is_retryable());
        assert!(!error.message.contains("FAKE-token-2"), "{}", error.message);
        assert!(
            error.message.contains("casefile secret set helpdesk"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("CASEFILE_SECRET_HELPDESK"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_server_that_is_down_is_worth_retrying() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            listener.local_addr().expect("address").port()
        };
        let http = Http::new(
            "Desk",
            &format!("http://127.0.0.1:{port}"),
            Auth::None,
            None,
            Some(Duration::from_secs(2)),
        )
        .expect("client");
        let error = http.get("/x", &[]).expect_err("down");
        assert!(error.is_retryable(), "{error}");
    }
}
