//! The e-mail channel: a small SMTP client over a TCP stream and rustls.
//!
//! One delivery is one session: greeting, `EHLO`, `STARTTLS` and `EHLO` again (or TLS from the
//! first byte), `AUTH PLAIN` (or `LOGIN` when only that is offered), `MAIL FROM` with the exact
//! `SIZE` of the message, one `RCPT TO` per recipient, `DATA` streamed from disk with
//! dot-stuffing, `QUIT`. The message ([`super::mime::Message`]) is measured before the
//! connection is opened, so a message over the server's advertised `SIZE` (or the channel's
//! `max_size`) is refused before a byte of it is sent, with a bundle budget that would fit.
//!
//! Reply codes decide what a failure means: 4xx is worth retrying, 5xx needs the user. A server
//! that stops answering for the channel's `timeout`, or drops the connection, is retried. The
//! password never appears in an error: replies are scrubbed of it and of its base64 forms.
//!
//! Plain text (`tls = "none"`) is only allowed to this machine with `allow_plain = true`;
//! `tls = "starttls"` refuses a server that does not offer STARTTLS.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::channel::{SmtpConfig, SmtpTls};
use super::mime::{self, Mailbox, Message, MimeError};
use super::{Checkpoint, Delivered, DeliveryError, Progress, Secret, Submission, Transport};
use crate::profile::schema::ByteSize;

/// How long to wait for the server at each step unless the channel sets `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest reply line read; longer ones are cut (RFC 5321 allows 512 bytes).
const MAX_LINE: u64 = 4096;
/// The most lines one reply may have.
const MAX_REPLY_LINES: usize = 200;
/// DATA bytes gathered before they go to the socket.
const DATA_BUFFER: usize = 64 * 1024;

/// A configured SMTP channel.
pub struct SmtpTransport {
    config: SmtpConfig,
    secret: Option<Secret>,
    port: u16,
    timeout: Duration,
    /// The TLS settings; `None` for `tls = "none"`.
    tls: Option<Arc<ClientConfig>>,
    server_name: ServerName<'static>,
    clock: fn() -> DateTime<Utc>,
}

impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTransport")
            .field("host", &self.config.host)
            .field("port", &self.port)
            .field("tls", &self.config.tls)
            .field("username", &self.config.username)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl SmtpTransport {
    /// Checks `config` and prepares TLS. A plain-text channel to another machine, a missing
    /// password for a login, or an unreadable `ca_file` is a permanent error saying what to
    /// change.
    pub fn new(config: SmtpConfig, secret: Option<Secret>) -> Result<Self, DeliveryError> {
        let host = config.host.trim();
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(DeliveryError::permanent(format!(
                "smtp channel: host {:?} is not a host name or address; write e.g. host = \"smtp.example.com\"",
                config.host
            )));
        }
        let port = config.port.unwrap_or(config.tls.default_port());
        let timeout = config.timeout.map_or(DEFAULT_TIMEOUT, |timeout| timeout.0);
        if config.username.is_some() && secret.is_none() {
            return Err(DeliveryError::permanent(format!(
                "smtp channel: username is set but no password was given; {}",
                secret_advice(&config)
            )));
        }
        let tls = match config.tls {
            SmtpTls::None => {
                if !config.allow_plain || !super::http::is_loopback(host) {
                    return Err(DeliveryError::permanent(format!(
                        "smtp channel: tls = \"none\" would send the request{} in clear text, which is only allowed to this machine (127.0.0.1, ::1, localhost) with allow_plain = true; {host} is {}: use tls = \"starttls\" (port 587) or tls = \"implicit\" (port 465)",
                        if config.username.is_some() {
                            " and the password"
                        } else {
                            ""
                        },
                        if super::http::is_loopback(host) {
                            "this machine but allow_plain is not set"
                        } else {
                            "another machine"
                        }
                    )));
                }
                None
            }
            SmtpTls::Starttls | SmtpTls::Implicit => Some(tls_config(&config)?),
        };
        let name = config.tls_name.as_deref().unwrap_or(host).trim().to_owned();
        let server_name = ServerName::try_from(name.clone()).map_err(|_| {
            DeliveryError::permanent(format!(
                "smtp channel: {:?} is not a name a certificate can carry; set tls_name to the name in the server's certificate",
                name
            ))
        })?;
        Ok(SmtpTransport {
            config,
            secret,
            port,
            timeout,
            tls,
            server_name,
            clock: Utc::now,
        })
    }

    /// Uses `clock` for the message's `Date` instead of the system clock.
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// `host:port`, as messages name the server.
    fn address(&self) -> String {
        let host = self.config.host.trim();
        if host.contains(':') {
            format!("[{host}]:{}", self.port)
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Opens a session: connected, greeted, protected and logged in as configured.
    fn open(&self) -> Result<(Session<'_>, Ehlo), DeliveryError> {
        let mut session = Session::connect(self)?;
        if self.config.tls == SmtpTls::Implicit {
            session.start_tls()?;
        }
        let greeting = session.read_reply("the greeting")?;
        if greeting.code != 220 {
            return Err(session.refused(&greeting, "the greeting", None));
        }
        let mut ehlo = session.ehlo()?;
        ehlo.banner = greeting.first_word();
        if self.config.tls == SmtpTls::Starttls {
            if !ehlo.starttls {
                let _ = session.quit();
                return Err(DeliveryError::permanent(format!(
                    "the SMTP server {} does not offer STARTTLS, so the message and any password would travel in clear text; use the server's TLS port (tls = \"implicit\", usually 465, or the submission port 587), or another channel",
                    self.address()
                )));
            }
            let reply = session.command("STARTTLS", "STARTTLS")?;
            if reply.code != 220 {
                return Err(session.refused(&reply, "STARTTLS", None));
            }
            session.start_tls()?;
            let banner = ehlo.banner.clone();
            ehlo = session.ehlo()?;
            ehlo.banner = banner;
        }
        session.login(&ehlo)?;
        Ok((session, ehlo))
    }

    /// The sender: `from`, else the requester's address.
    fn sender(&self, submission: &Submission) -> Result<Mailbox, DeliveryError> {
        let address = self
            .config
            .from
            .clone()
            .unwrap_or_else(|| submission.requester.email.trim().to_owned());
        if address.trim().is_empty() {
            return Err(DeliveryError::permanent(
                "the e-mail has no sender: set the contact e-mail in the request, or from = \"you@example.com\" in the smtp channel",
            ));
        }
        Ok(Mailbox {
            name: submission.requester.name.clone(),
            address: address.trim().to_owned(),
        })
    }

    /// The recipients: `to`, else the vendor's support address.
    fn recipients(&self, submission: &Submission) -> Result<Vec<String>, DeliveryError> {
        if !self.config.to.is_empty() {
            return Ok(self.config.to.iter().map(|a| a.trim().to_owned()).collect());
        }
        match submission.vendor_email.as_deref().map(str::trim) {
            Some(address) if !address.is_empty() => Ok(vec![address.to_owned()]),
            _ => Err(DeliveryError::permanent(format!(
                "the vendor profile {} has no support e-mail address, so the e-mail has no recipient; set to = [\"support@vendor.example\"] in the smtp channel",
                submission.profile
            ))),
        }
    }

    /// The size error: both sizes, where the limit comes from, and a budget that fits.
    fn too_large(&self, message: &Message, limit: u64, source: &str) -> DeliveryError {
        let size = message.size();
        let budget = message.attachment_budget(limit);
        DeliveryError::permanent(format!(
            "the e-mail is {} ({size} bytes, attachments in base64) but {source} takes at most {} ({limit} bytes); make a smaller bundle with `casefile submit --budget \"{}\"` (an attachment of up to {budget} bytes fits), or send it through another channel",
            ByteSize(size),
            ByteSize(limit),
            ByteSize(budget),
        ))
    }
}

impl Transport for SmtpTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        let (mut session, ehlo) = self.open()?;
        let _ = session.quit();
        let protection = match (&session.tls_version, self.config.tls) {
            (Some(version), SmtpTls::Starttls) => format!("{version} (STARTTLS)"),
            (Some(version), _) => format!("{version} (implicit)"),
            (None, _) => "no TLS (allow_plain, this machine only)".to_owned(),
        };
        let size = match ehlo.size {
            Some(size) => format!("SIZE {}", ByteSize(size)),
            None => "no SIZE limit advertised".to_owned(),
        };
        let login = match &self.config.username {
            Some(user) => format!("authenticated as {user}"),
            None => "no login configured".to_owned(),
        };
        let banner = if ehlo.banner.is_empty() {
            String::new()
        } else {
            format!(" {}", ehlo.banner)
        };
        Ok(format!(
            "SMTP server{banner} at {}: {protection}, {size}, {login}",
            self.address()
        ))
    }

    fn max_attachment(&self) -> Option<u64> {
        self.config
            .max_size
            .map(|limit| mime::attachment_budget(limit.0))
    }

    fn find_existing(&self, _submission: &Submission) -> Result<Option<Delivered>, DeliveryError> {
        Ok(None)
    }

    fn deliver(
        &self,
        submission: &Submission,
        _checkpoint: &mut Checkpoint<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError> {
        let from = self.sender(submission)?;
        let to = self.recipients(submission)?;
        let message = Message::new(submission, Some(&from), &to, (self.clock)()).map_err(
            |error| match error {
                MimeError::Address { .. } => DeliveryError::permanent(format!(
                    "{error}; fix it in the smtp channel (from, to) or the request's contact e-mail"
                )),
                _ => DeliveryError::permanent(format!("{error}; submit the request again")),
            },
        )?;
        // Answers go to the requester when the relay sends as another address.
        let requester = submission.requester.email.trim();
        let message = if !requester.is_empty() && !requester.eq_ignore_ascii_case(&from.address) {
            let fallback = message.clone();
            message.reply_to(requester).unwrap_or(fallback)
        } else {
            message
        };
        let size = message.size();
        if let Some(limit) = self.config.max_size
            && size > limit.0
        {
            return Err(self.too_large(&message, limit.0, "the channel's max_size"));
        }
        let (mut session, ehlo) = self.open()?;
        if let Some(limit) = ehlo.size
            && size > limit
        {
            let _ = session.quit();
            return Err(self.too_large(
                &message,
                limit,
                &format!("the SMTP server {} (its SIZE)", self.address()),
            ));
        }
        let size_advice = match ehlo.size {
            Some(limit) => {
                self.too_large(
                    &message,
                    limit,
                    &format!(
                        "the SMTP server {} (its SIZE, which counts the headers it adds)",
                        self.address()
                    ),
                )
                .message
            }
            None => format!(
                "the e-mail is {} ({size} bytes, attachments in base64), more than the server takes; set max_size in the smtp channel to the server's limit so bundles are sized for it, or make a smaller bundle with `casefile submit --budget SIZE`, or send it through another channel",
                ByteSize(size)
            ),
        };
        let mail = if ehlo.size.is_some() {
            format!("MAIL FROM:<{}> SIZE={size}", from.address)
        } else {
            format!("MAIL FROM:<{}>", from.address)
        };
        let reply = session.command(&mail, "MAIL FROM")?;
        if reply.code != 250 {
            return Err(session.refused(&reply, "MAIL FROM", Some(&size_advice)));
        }
        for recipient in &to {
            let step = format!("RCPT TO:<{recipient}>");
            let reply = session.command(&step, &step)?;
            if reply.code != 250 && reply.code != 251 {
                return Err(session.refused(&reply, &step, Some(&size_advice)));
            }
        }
        let reply = session.command("DATA", "DATA")?;
        if reply.code != 354 {
            return Err(session.refused(&reply, "DATA", Some(&size_advice)));
        }
        let step = format!("sending the e-mail to {}", self.address());
        progress(Progress {
            step: step.clone(),
            sent: 0,
            total: size,
        });
        session.send_data(&message, &step, progress)?;
        let reply = session.read_reply("the end of the message")?;
        if reply.code != 250 {
            return Err(session.refused(&reply, "the end of the message", Some(&size_advice)));
        }
        // Accepted: the delivery stands whatever QUIT does.
        let _ = session.quit();
        Ok(Delivered {
            ticket_id: None,
            url: None,
            detail: format!(
                "accepted by {}: {}",
                self.address(),
                session.scrub(reply.line())
            ),
        })
    }
}

/// Trust roots: the public authorities plus `ca_file`. A certificate in `ca_file` that the
/// server presents as its own is trusted as it is (a self-signed server certificate, which
/// WebPKI rules refuse when it is marked as an authority, as `openssl req -x509` makes them).
fn tls_config(config: &SmtpConfig) -> Result<Arc<ClientConfig>, DeliveryError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let mut pinned = Vec::new();
    if let Some(path) = &config.ca_file {
        let bad = |why: String| {
            DeliveryError::permanent(format!(
                "smtp channel: ca_file {}: {why}; give a PEM file with the certificate of the authority that signed the server's certificate (or the server's own self-signed certificate)",
                path.display()
            ))
        };
        let certificates = CertificateDer::pem_file_iter(path)
            .map_err(|error| bad(format!("cannot read it: {error}")))?;
        for certificate in certificates {
            let certificate =
                certificate.map_err(|error| bad(format!("cannot parse it: {error}")))?;
            roots
                .add(certificate.clone())
                .map_err(|error| bad(format!("a certificate in it is not usable: {error}")))?;
            pinned.push(certificate);
        }
        if pinned.is_empty() {
            return Err(bad("it holds no certificate".to_owned()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let setup =
        |error: &dyn fmt::Display| DeliveryError::permanent(format!("cannot set up TLS: {error}"));
    let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .map_err(|error| setup(&error))?;
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| setup(&error))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedOrWebPki { webpki, pinned }))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// WebPKI verification, except that a server certificate found verbatim in `ca_file` is
/// trusted.
#[derive(Debug)]
struct PinnedOrWebPki {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl rustls::client::danger::ServerCertVerifier for PinnedOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(_)
                if self
                    .pinned
                    .iter()
                    .any(|pinned| pinned.as_ref() == end_entity.as_ref()) =>
            {
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// Where the password comes from, for messages.
fn secret_advice(config: &SmtpConfig) -> String {
    match &config.secret {
        Some(name) => format!(
            "check the secret {name:?} (set it with `casefile secret set {name}` or the environment variable {})",
            super::secret_env_var(name)
        ),
        None => "check the channel's secret, named after the channel unless it sets secret = \"NAME\" (set it with `casefile secret set NAME` or the environment variable CASEFILE_SECRET_NAME)".to_owned(),
    }
}

/// What the server said it can do.
#[derive(Debug, Default)]
struct Ehlo {
    /// The first word of the greeting: the server's name.
    banner: String,
    /// The advertised `SIZE`; `None` when absent or 0 (no limit).
    size: Option<u64>,
    starttls: bool,
    /// AUTH mechanisms, upper case.
    auth: Vec<String>,
}

/// One server reply.
#[derive(Debug)]
struct Reply {
    code: u16,
    /// The text of each line, after the code.
    lines: Vec<String>,
}

impl Reply {
    /// The reply as one line, cut to about 300 characters.
    fn line(&self) -> String {
        let text = format!("{} {}", self.code, self.lines.join(" "));
        let text = text.trim_end().to_owned();
        match text.char_indices().nth(300) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        }
    }

    fn first_word(&self) -> String {
        self.lines
            .first()
            .and_then(|line| line.split_whitespace().next())
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(100)
            .collect()
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    Closed,
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(stream) => stream.read(buf),
            Stream::Tls(stream) => stream.read(buf),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(stream) => stream.write(buf),
            Stream::Tls(stream) => stream.write(buf),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(stream) => stream.flush(),
            Stream::Tls(stream) => stream.flush(),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

/// One connection to the server.
struct Session<'a> {
    transport: &'a SmtpTransport,
    reader: BufReader<Stream>,
    /// Our own address, for EHLO.
    local: IpAddr,
    tls_version: Option<String>,
    /// Texts that must never appear in a message: the password and its base64 forms.
    hidden: Vec<String>,
}

impl<'a> Session<'a> {
    fn connect(transport: &'a SmtpTransport) -> Result<Session<'a>, DeliveryError> {
        let address = transport.address();
        let host = transport.config.host.trim();
        let targets: Vec<SocketAddr> = (host, transport.port)
            .to_socket_addrs()
            .map_err(|error| {
                DeliveryError::retryable(format!(
                    "cannot find the SMTP server {address}: {error}; check host in the smtp channel and the network"
                ))
            })?
            .collect();
        let mut last = None;
        let mut stream = None;
        for target in &targets {
            match TcpStream::connect_timeout(target, transport.timeout) {
                Ok(connected) => {
                    stream = Some(connected);
                    break;
                }
                Err(error) => last = Some(error),
            }
        }
        let Some(stream) = stream else {
            let why = match last {
                Some(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
                    "nothing answers there (connection refused): check host and port in the smtp channel, or the server is down".to_owned()
                }
                Some(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    format!(
                        "no answer within {} (a firewall, or a wrong host or port)",
                        seconds(transport.timeout)
                    )
                }
                Some(error) => error.to_string(),
                None => "the name has no address".to_owned(),
            };
            return Err(DeliveryError::retryable(format!(
                "cannot connect to the SMTP server {address}: {why}; it will be retried"
            )));
        };
        let settings = stream
            .set_read_timeout(Some(transport.timeout))
            .and_then(|()| stream.set_write_timeout(Some(transport.timeout)))
            .and_then(|()| stream.set_nodelay(true));
        if let Err(error) = settings {
            return Err(DeliveryError::retryable(format!(
                "cannot set up the connection to {address}: {error}"
            )));
        }
        let local = stream
            .local_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let mut hidden = Vec::new();
        if let Some(secret) = &transport.secret
            && !secret.expose().is_empty()
        {
            hidden.push(secret.expose().to_owned());
            hidden.push(STANDARD.encode(secret.expose()));
            if let Some(user) = &transport.config.username {
                hidden.push(STANDARD.encode(format!("\0{user}\0{}", secret.expose())));
            }
        }
        Ok(Session {
            transport,
            reader: BufReader::new(Stream::Plain(stream)),
            local,
            tls_version: None,
            hidden,
        })
    }

    fn scrub(&self, text: String) -> String {
        self.hidden.iter().fold(text, |text, hidden| {
            text.replace(hidden.as_str(), "<secret>")
        })
    }

    /// Turns the plain connection into a TLS one (STARTTLS, or implicit TLS before the greeting).
    fn start_tls(&mut self) -> Result<(), DeliveryError> {
        let address = self.transport.address();
        let Some(config) = &self.transport.tls else {
            return Err(DeliveryError::permanent(
                "TLS was asked for on a channel with tls = \"none\"",
            ));
        };
        if !self.reader.buffer().is_empty() {
            return Err(DeliveryError::permanent(format!(
                "the SMTP server {address} sent data right after agreeing to STARTTLS, before TLS began; this is how a tampering middlebox looks, so nothing was sent"
            )));
        }
        let stream = std::mem::replace(&mut self.reader, BufReader::new(Stream::Closed));
        let Stream::Plain(mut socket) = stream.into_inner() else {
            return Err(DeliveryError::permanent(format!(
                "the connection to {address} is already protected by TLS"
            )));
        };
        let mut connection =
            ClientConnection::new(config.clone(), self.transport.server_name.clone()).map_err(
                |error| {
                    DeliveryError::permanent(format!("cannot start TLS with {address}: {error}"))
                },
            )?;
        while connection.is_handshaking() {
            if let Err(error) = connection.complete_io(&mut socket) {
                return Err(self.tls_error(error));
            }
        }
        self.tls_version = connection.protocol_version().map(|version| match version {
            rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".to_owned(),
            rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".to_owned(),
            other => format!("{other:?}"),
        });
        self.reader = BufReader::new(Stream::Tls(Box::new(StreamOwned::new(connection, socket))));
        Ok(())
    }

    fn tls_error(&self, error: io::Error) -> DeliveryError {
        let address = self.transport.address();
        let name = match &self.transport.server_name {
            ServerName::DnsName(name) => name.as_ref().to_owned(),
            ServerName::IpAddress(ip) => format!("{:?}", IpAddr::from(*ip)),
            other => format!("{other:?}"),
        };
        match error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(rustls::Error::InvalidCertificate(why)) => DeliveryError::permanent(format!(
                "the SMTP server {address} presented a certificate that was not accepted for {name}: {why:?}; if the server uses a company or test authority, set ca_file to its PEM file; if the certificate carries another name, set tls_name to it"
            )),
            Some(rustls::Error::InvalidMessage(_))
            | Some(rustls::Error::InappropriateMessage { .. }) => {
                DeliveryError::permanent(format!(
                    "the SMTP server {address} does not speak TLS the way tls = \"{}\" expects ({error}); implicit TLS is usually port 465, STARTTLS port 587 or 25: check tls and port in the smtp channel",
                    match self.transport.config.tls {
                        SmtpTls::Implicit => "implicit",
                        SmtpTls::Starttls => "starttls",
                        SmtpTls::None => "none",
                    }
                ))
            }
            Some(other) => DeliveryError::retryable(format!(
                "the TLS handshake with the SMTP server {address} failed: {other}; it will be retried"
            )),
            None => self.io_error(&error, "the TLS handshake"),
        }
    }

    /// An I/O failure during `step`: a stalled or vanished server is worth retrying.
    fn io_error(&self, error: &io::Error, step: &str) -> DeliveryError {
        let address = self.transport.address();
        let what = match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => format!(
                "stopped answering for {} during {step}",
                seconds(self.transport.timeout)
            ),
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected => {
                format!("closed the connection during {step} ({error})")
            }
            _ => format!("failed during {step}: {error}"),
        };
        DeliveryError::retryable(self.scrub(format!(
            "the SMTP server {address} {what}; it will be retried"
        )))
    }

    fn write_line(&mut self, line: &str, step: &str) -> Result<(), DeliveryError> {
        let stream = self.reader.get_mut();
        let result = stream
            .write_all(line.as_bytes())
            .and_then(|()| stream.write_all(b"\r\n"))
            .and_then(|()| stream.flush());
        result.map_err(|error| self.io_error(&error, step))
    }

    /// Sends `line` and reads the reply.
    fn command(&mut self, line: &str, step: &str) -> Result<Reply, DeliveryError> {
        self.write_line(line, step)?;
        self.read_reply(step)
    }

    fn read_reply(&mut self, step: &str) -> Result<Reply, DeliveryError> {
        let mut lines = Vec::new();
        loop {
            let mut raw = Vec::new();
            let read = (&mut self.reader)
                .take(MAX_LINE)
                .read_until(b'\n', &mut raw);
            match read {
                Ok(0) => {
                    let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "end of stream");
                    return Err(self.io_error(&eof, step));
                }
                Ok(_) => {}
                Err(error) => return Err(self.io_error(&error, step)),
            }
            let text = String::from_utf8_lossy(&raw);
            let text = text.trim_end_matches(['\r', '\n']);
            let code = text
                .get(..3)
                .filter(|code| code.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|code| code.parse::<u16>().ok());
            let separator = text.as_bytes().get(3).copied();
            let (Some(code), Some(b' ' | b'-') | None) = (code, separator) else {
                let excerpt: String = text.chars().take(100).collect();
                return Err(DeliveryError::permanent(self.scrub(format!(
                    "{} answered {step} with {excerpt:?}, which is not an SMTP reply; check host, port and tls in the smtp channel",
                    self.transport.address()
                ))));
            };
            lines.push((code, text.get(4..).unwrap_or_default().to_owned()));
            if separator != Some(b'-') || lines.len() >= MAX_REPLY_LINES {
                break;
            }
        }
        let code = lines.last().map_or(0, |(code, _)| *code);
        Ok(Reply {
            code,
            lines: lines.into_iter().map(|(_, text)| text).collect(),
        })
    }

    fn ehlo(&mut self) -> Result<Ehlo, DeliveryError> {
        let literal = match self.local {
            IpAddr::V4(ip) => format!("[{ip}]"),
            IpAddr::V6(ip) => format!("[IPv6:{ip}]"),
        };
        let reply = self.command(&format!("EHLO {literal}"), "EHLO")?;
        if reply.code != 250 {
            return Err(self.refused(&reply, "EHLO", None));
        }
        let mut ehlo = Ehlo::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_whitespace();
            let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
            match keyword.as_str() {
                "SIZE" => {
                    ehlo.size = words
                        .next()
                        .and_then(|size| size.parse::<u64>().ok())
                        .filter(|size| *size > 0);
                }
                "STARTTLS" => ehlo.starttls = true,
                "AUTH" => ehlo
                    .auth
                    .extend(words.map(|word| word.to_ascii_uppercase())),
                other => {
                    if let Some(mechanisms) = other.strip_prefix("AUTH=") {
                        ehlo.auth.push(mechanisms.to_owned());
                        ehlo.auth
                            .extend(words.map(|word| word.to_ascii_uppercase()));
                    }
                }
            }
        }
        Ok(ehlo)
    }

    /// Logs in when the channel has a username.
    fn login(&mut self, ehlo: &Ehlo) -> Result<(), DeliveryError> {
        let config = &self.transport.config;
        let Some(user) = &config.username else {
            return Ok(());
        };
        let Some(secret) = &self.transport.secret else {
            return Err(DeliveryError::permanent(format!(
                "smtp channel: username is set but no password was given; {}",
                secret_advice(config)
            )));
        };
        let address = self.transport.address();
        if ehlo.auth.is_empty() {
            let _ = self.quit();
            return Err(DeliveryError::permanent(format!(
                "the SMTP server {address} offers no login (AUTH){}; remove username from the smtp channel if it takes mail without one, or check host and port (the submission port is usually 587)",
                if self.tls_version.is_some() {
                    ""
                } else {
                    " on this connection"
                }
            )));
        }
        let reply = if ehlo.auth.iter().any(|m| m == "PLAIN") {
            let token = STANDARD.encode(format!("\0{user}\0{}", secret.expose()));
            self.command(&format!("AUTH PLAIN {token}"), "AUTH")?
        } else if ehlo.auth.iter().any(|m| m == "LOGIN") {
            let reply = self.command("AUTH LOGIN", "AUTH")?;
            if reply.code != 334 {
                return Err(self.auth_refused(&reply, user));
            }
            let reply = self.command(&STANDARD.encode(user), "AUTH")?;
            if reply.code != 334 {
                return Err(self.auth_refused(&reply, user));
            }
            self.command(&STANDARD.encode(secret.expose()), "AUTH")?
        } else {
            let _ = self.quit();
            return Err(DeliveryError::permanent(format!(
                "the SMTP server {address} offers login only by {}, and Casefile speaks PLAIN and LOGIN; use another server or port, or another channel",
                ehlo.auth.join(", ")
            )));
        };
        if reply.code != 235 {
            return Err(self.auth_refused(&reply, user));
        }
        Ok(())
    }

    fn auth_refused(&mut self, reply: &Reply, user: &str) -> DeliveryError {
        let text = self.scrub(reply.line());
        let address = self.transport.address();
        if (400..500).contains(&reply.code) {
            return DeliveryError::retryable(format!(
                "the SMTP server {address} could not log in {user:?} for now: {text}; it will be retried"
            ));
        }
        let _ = self.quit();
        DeliveryError::permanent(format!(
            "the SMTP server {address} refused the login of {user:?}: {text}; {} and the username in the smtp channel",
            secret_advice(&self.transport.config)
        ))
    }

    /// A reply other than the one `step` needs.
    fn refused(&mut self, reply: &Reply, step: &str, size_advice: Option<&str>) -> DeliveryError {
        let text = self.scrub(reply.line());
        let head = format!(
            "the SMTP server {} answered {step} with: {text}",
            self.transport.address()
        );
        let advice = match (reply.code, step) {
            (552, _) | (523, _) => size_advice
                .map(|advice| format!("; {advice}"))
                .unwrap_or_else(|| "; the message is too large for it".to_owned()),
            (_, "MAIL FROM") => "; check the sender address (from in the smtp channel, else the request's contact e-mail): the server may not let this account send as it".to_owned(),
            (_, step) if step.starts_with("RCPT") => "; check the recipient address (to in the smtp channel, else the vendor profile's support address)".to_owned(),
            _ => "; fix what the server names and retry with `casefile outbox retry ID`".to_owned(),
        };
        match reply.code {
            400..=499 => DeliveryError::retryable(format!("{head}; it will be retried")),
            500..=599 => {
                let _ = self.quit();
                DeliveryError::permanent(format!("{head}{advice}"))
            }
            _ => {
                let _ = self.quit();
                DeliveryError::permanent(format!(
                    "{head}, which is not what SMTP answers there; check host, port and tls in the smtp channel"
                ))
            }
        }
    }

    /// Streams `message` after DATA, dot-stuffed, and the final `.`.
    fn send_data(
        &mut self,
        message: &Message,
        step: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), DeliveryError> {
        let total = message.size();
        let result = {
            let mut data = DotStuffer {
                inner: self.reader.get_mut(),
                buffer: Vec::with_capacity(2 * DATA_BUFFER),
                at_line_start: true,
                sent: 0,
                reported: 0,
                total,
                step,
                progress,
            };
            message
                .write_to(&mut data)
                .and_then(|_| data.finish().map_err(MimeError::Output))
        };
        match result {
            Ok(()) => Ok(()),
            Err(MimeError::Output(error)) => Err(self.io_error(&error, step)),
            // The DATA is left unfinished: the server discards the half message when we hang up.
            Err(other) => Err(DeliveryError::permanent(format!(
                "{other}; submit the request again"
            ))),
        }
    }

    fn quit(&mut self) -> Result<(), DeliveryError> {
        self.write_line("QUIT", "QUIT")?;
        let _ = self.read_reply("QUIT");
        Ok(())
    }
}

/// `N s`, or `N ms` below a second.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// Applies SMTP's dot-stuffing (a line starting with `.` gets another) while the message
/// streams through, buffering up to [`DATA_BUFFER`] bytes and reporting progress every MiB.
struct DotStuffer<'a, W: Write> {
    inner: &'a mut W,
    buffer: Vec<u8>,
    at_line_start: bool,
    /// Message bytes taken in (before stuffing).
    sent: u64,
    reported: u64,
    total: u64,
    step: &'a str,
    progress: &'a mut dyn FnMut(Progress),
}

impl<W: Write> DotStuffer<'_, W> {
    fn drain(&mut self) -> io::Result<()> {
        self.inner.write_all(&self.buffer)?;
        self.buffer.clear();
        if self.sent - self.reported >= 1 << 20 {
            self.reported = self.sent;
            (self.progress)(Progress {
                step: self.step.to_owned(),
                sent: self.sent,
                total: self.total,
            });
        }
        Ok(())
    }

    /// Ends the message: a line break if the last line lacks one, then `.`.
    fn finish(&mut self) -> io::Result<()> {
        if !self.at_line_start {
            self.buffer.extend_from_slice(b"\r\n");
        }
        self.buffer.extend_from_slice(b".\r\n");
        self.inner.write_all(&self.buffer)?;
        self.buffer.clear();
        self.inner.flush()?;
        (self.progress)(Progress {
            step: self.step.to_owned(),
            sent: self.sent,
            total: self.total,
        });
        Ok(())
    }
}

impl<W: Write> Write for DotStuffer<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        while start < buf.len() {
            if self.at_line_start && buf[start] == b'.' {
                self.buffer.push(b'.');
            }
            match memchr::memchr(b'\n', &buf[start..]) {
                Some(at) => {
                    self.buffer.extend_from_slice(&buf[start..start + at + 1]);
                    start += at + 1;
                    self.at_line_start = true;
                }
                None => {
                    self.buffer.extend_from_slice(&buf[start..]);
                    start = buf.len();
                    self.at_line_start = false;
                }
            }
        }
        self.sent += buf.len() as u64;
        if self.buffer.len() >= DATA_BUFFER {
            self.drain()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::schema::Timeout;

    fn config(tls: SmtpTls, host: &str) -> SmtpConfig {
        SmtpConfig {
            host: host.to_owned(),
            port: Some(2525),
            tls,
            allow_plain: false,
            ca_file: None,
            tls_name: None,
            username: None,
            secret: None,
            from: None,
            to: Vec::new(),
            max_size: None,
            timeout: Some(Timeout(Duration::from_secs(1))),
        }
    }

    #[test]
    fn plain_text_is_refused_unless_allowed_and_to_this_machine() {
        let error = SmtpTransport::new(config(SmtpTls::None, "smtp.example.com"), None)
            .expect_err("plain to another machine");
        assert!(!error.is_retryable());
        assert!(
            error.message.contains("another machine"),
            "{}",
            error.message
        );
        let error = SmtpTransport::new(config(SmtpTls::None, "127.0.0.1"), None)
            .expect_err("plain without allow_plain");
        assert!(error.message.contains("allow_plain"), "{}", error.message);
        let mut allowed = config(SmtpTls::None, "localhost");
        allowed.allow_plain = true;
        assert!(SmtpTransport::new(allowed, None).is_ok());
        let mut far = config(SmtpTls::None, "10.0.0.1");
        far.allow_plain = true;
        assert!(SmtpTransport::new(far, None).is_err());
    }

    #[test]
    fn a_login_without_a_password_is_a_configuration_error() {
        let mut with_user = config(SmtpTls::Starttls, "smtp.example.com");
        with_user.username = Some("ada".to_owned());
        with_user.secret = Some("mail".to_owned());
        let error = SmtpTransport::new(with_user, None).expect_err("no secret");
        assert!(
            error.message.contains("casefile secret set mail"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("CASEFILE_SECRET_MAIL"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unreadable_ca_file_is_named() {
        let mut bad = config(SmtpTls::Starttls, "smtp.example.com");
        bad.ca_file = Some("/nonexistent/ca.pem".into());
        let error = SmtpTransport::new(bad, None).expect_err("missing ca_file");
        assert!(
            error.message.contains("/nonexistent/ca.pem"),
            "{}",
            error.message
        );
        assert!(!error.is_retryable());
    }

    #[test]
    fn the_debug_output_hides_the_password() {
        let mut with_user = config(SmtpTls::Starttls, "smtp.example.com");
        with_user.username = Some("ada".to_owned());
        let transport =
            SmtpTransport::new(with_user, Some(Secret::new("FAKE-smtp-password"))).expect("valid");
        assert!(!format!("{transport:?}").contains("FAKE-smtp-password"));
    }

    #[test]
    fn max_attachment_counts_base64_and_room_for_the_text() {
        let mut limited = config(SmtpTls::Starttls, "smtp.example.com");
        limited.max_size = Some(ByteSize(10 * 1024 * 1024));
        let transport = SmtpTransport::new(limited, None).expect("valid");
        let room = transport.max_attachment().expect("a limit");
        assert_eq!(room, mime::attachment_budget(10 * 1024 * 1024));
        assert!(mime::encoded_len(room) < 10 * 1024 * 1024);
        let unlimited =
            SmtpTransport::new(config(SmtpTls::Starttls, "smtp.example.com"), None).expect("valid");
        assert_eq!(unlimited.max_attachment(), None);
    }

    fn stuffed(chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut progress = |_: Progress| {};
        let mut stuffer = DotStuffer {
            inner: &mut out,
            buffer: Vec::new(),
            at_line_start: true,
            sent: 0,
            reported: 0,
            total: 0,
            step: "test",
            progress: &mut progress,
        };
        for chunk in chunks {
            stuffer.write_all(chunk).expect("memory");
        }
        stuffer.finish().expect("memory");
        out
    }

    #[test]
    fn dot_stuffing_doubles_leading_dots_even_across_writes() {
        assert_eq!(
            stuffed(&[b".a\r\nb.\r\n.\r\n"]),
            b"..a\r\nb.\r\n..\r\n.\r\n"
        );
        assert_eq!(stuffed(&[b"x\r\n", b".", b"y"]), b"x\r\n..y\r\n.\r\n");
        assert_eq!(stuffed(&[b"x\r", b"\n.y\r\n"]), b"x\r\n..y\r\n.\r\n");
    }
}
