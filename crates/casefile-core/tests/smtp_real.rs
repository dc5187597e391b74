//! The SMTP channel against a real Postfix (and Request Tracker behind it through rt-mailgate),
//! and against small scripted servers for the failures a real server will not produce on demand.
//!
//! The real servers come from `tests/helpdesk/up.sh`; the tests that need them read its env file
//! from `CASEFILE_HELPDESK_ENV`. Without it they say why and return, unless
//! `CASEFILE_REQUIRE_HELPDESK=1` (CI), where they fail.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use casefile_core::deliver::channel::{SmtpConfig, SmtpTls};
use casefile_core::deliver::mime::{self, Mailbox, Message};
use casefile_core::deliver::smtp::SmtpTransport;
use casefile_core::deliver::{
    Attachment, Checkpoint, DeliveryError, PriorityLevel, Progress, Requester, Secret, Submission,
    Transport,
};
use casefile_core::profile::schema::{ByteSize, Timeout};
use chrono::{DateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};

// ---- shared helpers -------------------------------------------------------------------------

/// The helpdesk env file's settings, or `None` (with the reason printed) when the servers are
/// not configured for this run.
fn helpdesk_env() -> Option<HashMap<String, String>> {
    let required = std::env::var("CASEFILE_REQUIRE_HELPDESK").is_ok_and(|v| v == "1");
    let Some(path) = std::env::var_os("CASEFILE_HELPDESK_ENV") else {
        assert!(
            !required,
            "CASEFILE_REQUIRE_HELPDESK=1 but CASEFILE_HELPDESK_ENV is not set; start the servers with tests/helpdesk/up.sh and point CASEFILE_HELPDESK_ENV at its env file"
        );
        eprintln!(
            "skipped: CASEFILE_HELPDESK_ENV is not set (start tests/helpdesk/up.sh and set it to $STATE/env to run this test)"
        );
        return None;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read CASEFILE_HELPDESK_ENV {path:?}: {error}"));
    Some(
        text.lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
    )
}

fn env<'a>(settings: &'a HashMap<String, String>, key: &str) -> &'a str {
    settings
        .get(key)
        .unwrap_or_else(|| panic!("the helpdesk env file has no {key}"))
}

fn random_seed() -> u64 {
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).expect("the OS has randomness");
    u64::from_le_bytes(seed) | 1
}

/// A case code no other run uses: `CF-T` and random letters.
fn unique_case_code() -> String {
    let mut state = random_seed();
    let alphabet = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";
    let mut pick = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        alphabet[(state % alphabet.len() as u64) as usize] as char
    };
    let a: String = (0..3).map(|_| pick()).collect();
    let b: String = (0..4).map(|_| pick()).collect();
    format!("CF-T{a}-{b}")
}

/// Writes `size` random bytes to `path`, streaming; returns their sha256.
fn random_file(path: &Path, size: u64) -> String {
    let mut state = random_seed();
    let mut file = BufWriter::new(File::create(path).expect("create the attachment"));
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; 64 * 1024];
    let mut left = size;
    while left > 0 {
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let bytes = state.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        let n = left.min(block.len() as u64) as usize;
        hasher.update(&block[..n]);
        file.write_all(&block[..n]).expect("write the attachment");
        left -= n as u64;
    }
    file.flush().expect("flush the attachment");
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A submission with one random attachment of `size` bytes.
fn submission(dir: &Path, size: u64) -> Submission {
    let case_code = unique_case_code();
    let path = dir.join(format!("{case_code}.zip"));
    let sha256 = random_file(&path, size);
    Submission {
        id: format!("{case_code}.smtp-test"),
        case_code: case_code.clone(),
        subject: format!("[{case_code}] Agent stopped reporting"),
        text: "# Agent stopped reporting\n\nSince 09:00 no heartbeat.\n.\n..a line that starts with dots\nFrom the logs: nothing.\n".to_owned(),
        request_json: "{}".to_owned(),
        requester: Requester {
            name: "Ada Lovelace".to_owned(),
            email: "ada@example.test".to_owned(),
            ..Requester::default()
        },
        priority: PriorityLevel {
            id: "2".to_owned(),
            label: "High".to_owned(),
            rank: 1,
            levels: 4,
        },
        vendor: "Acme".to_owned(),
        profile: "acme".to_owned(),
        vendor_email: Some("support@example.test".to_owned()),
        attachments: vec![Attachment {
            name: format!("{case_code}.zip"),
            path,
            content_type: "application/zip".to_owned(),
            size,
            sha256,
        }],
    }
}

fn fixed_date() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 5, 0)
        .single()
        .expect("a valid date")
}

fn config(host: &str, port: u16, tls: SmtpTls) -> SmtpConfig {
    SmtpConfig {
        host: host.to_owned(),
        port: Some(port),
        tls,
        allow_plain: tls == SmtpTls::None,
        ca_file: None,
        tls_name: None,
        username: None,
        secret: None,
        from: None,
        to: Vec::new(),
        max_size: None,
        timeout: Some(Timeout(Duration::from_secs(5))),
    }
}

fn deliver(
    transport: &SmtpTransport,
    submission: &Submission,
) -> (Result<String, DeliveryError>, Vec<Progress>) {
    let mut reports = Vec::new();
    let mut checkpoint = Checkpoint::in_memory();
    let result = transport
        .deliver(submission, &mut checkpoint, &mut |progress| {
            reports.push(progress)
        })
        .map(|delivered| delivered.detail);
    (result, reports)
}

/// What Python's `email` module finds in the message at `path`.
fn python_parse(path: &Path) -> serde_json::Value {
    let script = r#"
import email, email.policy, hashlib, json, sys
with open(sys.argv[1], 'rb') as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
out = {'subject': str(msg['subject']), 'message_id': str(msg['message-id']),
       'received': [str(r) for r in msg.get_all('received', [])], 'attachments': [], 'defects': []}
for part in msg.walk():
    out['defects'] += [str(d) for d in part.defects]
    if part.get_content_disposition() == 'attachment':
        data = part.get_payload(decode=True)
        out['attachments'].append({'filename': part.get_filename(),
                                   'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data)})
print(json.dumps(out))
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 runs (apt-get install python3)");
    assert!(
        output.status.success(),
        "python3 could not parse {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python3 printed JSON")
}

// ---- scripted servers -------------------------------------------------------------------------

enum FakeStream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
    Gone,
}

/// The server side of one scripted connection.
struct Fake {
    stream: FakeStream,
    buffer: Vec<u8>,
}

impl Fake {
    fn io(&mut self) -> &mut dyn ReadWrite {
        match &mut self.stream {
            FakeStream::Plain(s) => s,
            FakeStream::Tls(s) => s.as_mut(),
            FakeStream::Gone => panic!("the fake's stream is gone"),
        }
    }

    fn send(&mut self, text: &str) {
        let io = self.io();
        io.write_all(text.as_bytes()).expect("fake server writes");
        io.flush().expect("fake server flushes");
    }

    fn more(&mut self) -> usize {
        let mut chunk = vec![0u8; 64 * 1024];
        let n = self.io().read(&mut chunk).unwrap_or(0);
        self.buffer.extend_from_slice(&chunk[..n]);
        n
    }

    /// The next line from the client, without CRLF; empty at end of stream.
    fn line(&mut self) -> String {
        loop {
            if let Some(at) = self.buffer.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=at).collect();
                return String::from_utf8_lossy(&line).trim_end().to_owned();
            }
            if self.more() == 0 {
                return String::new();
            }
        }
    }

    /// Reads a line and checks it starts with `prefix`.
    fn expect(&mut self, prefix: &str) -> String {
        let line = self.line();
        assert!(
            line.to_ascii_uppercase()
                .starts_with(&prefix.to_ascii_uppercase()),
            "the client sent {line:?}, expected {prefix:?}"
        );
        line
    }

    /// The DATA up to the final `.` line, still dot-stuffed.
    fn data(&mut self) -> Vec<u8> {
        let mut from = 0;
        loop {
            if let Some(at) = find(&self.buffer[from..], b"\r\n.\r\n") {
                let end = from + at + 2;
                let data: Vec<u8> = self.buffer.drain(..end + 3).collect();
                return data[..end].to_vec();
            }
            from = self.buffer.len().saturating_sub(4);
            assert!(self.more() > 0, "the client hung up during DATA");
        }
    }

    /// Reads at least `bytes` of DATA, then hangs up.
    fn drop_after(&mut self, bytes: usize) {
        while self.buffer.len() < bytes {
            if self.more() == 0 {
                break;
            }
        }
        self.stream = FakeStream::Gone;
    }

    /// Answers STARTTLS's 220 and turns the connection into TLS with `config`.
    fn start_tls(&mut self, config: Arc<rustls::ServerConfig>) {
        assert!(
            self.buffer.is_empty(),
            "the client sent data before TLS began"
        );
        let FakeStream::Plain(mut socket) = std::mem::replace(&mut self.stream, FakeStream::Gone)
        else {
            panic!("already TLS")
        };
        let mut connection = rustls::ServerConnection::new(config).expect("a TLS server");
        while connection.is_handshaking() {
            if connection.complete_io(&mut socket).is_err() {
                return;
            }
        }
        self.stream = FakeStream::Tls(Box::new(rustls::StreamOwned::new(connection, socket)));
    }

    /// Greeting and EHLO with the given extension lines.
    fn hello(&mut self, extensions: &[&str]) {
        self.send("220 fake.example.test ESMTP scripted\r\n");
        self.expect("EHLO ");
        let mut reply = String::from("250-fake.example.test\r\n");
        for (i, extension) in extensions.iter().enumerate() {
            let separator = if i + 1 == extensions.len() { ' ' } else { '-' };
            reply.push_str(&format!("250{separator}{extension}\r\n"));
        }
        if extensions.is_empty() {
            reply = "250 fake.example.test\r\n".to_owned();
        }
        self.send(&reply);
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A server on 127.0.0.1 that runs `script` on its first connection; the handle returns what the
/// script returns (and re-raises its assertion failures on join).
fn fake_server<T: Send + 'static>(
    script: impl FnOnce(&mut Fake) -> T + Send + 'static,
) -> (u16, JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let port = listener.local_addr().expect("local address").port();
    let handle = std::thread::spawn(move || {
        let (socket, _) = listener.accept().expect("a client connects");
        socket
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut fake = Fake {
            stream: FakeStream::Plain(socket),
            buffer: Vec::new(),
        };
        script(&mut fake)
    });
    (port, handle)
}

fn join<T>(handle: JoinHandle<T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A self-signed certificate for localhost/127.0.0.1 made with `openssl req -x509`, which marks
/// it as an authority (so WebPKI alone would refuse it as a server's): (cert.pem, key.pem).
fn test_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs (apt-get install openssl)");
    assert!(
        status.success(),
        "openssl could not make a test certificate"
    );
    (cert, key)
}

/// A test authority and a localhost/127.0.0.1 server certificate it signed, as
/// `tests/helpdesk/up.sh` makes them for Postfix: (ca.pem, cert.pem, key.pem).
fn test_authority_and_certificate(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca = dir.join("ca.pem");
    let ca_key = dir.join("ca-key.pem");
    let cert = dir.join("server.pem");
    let key = dir.join("server-key.pem");
    let csr = dir.join("server.csr");
    let extensions = dir.join("server.ext");
    std::fs::write(
        &extensions,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write the extensions");
    let path = |p: &PathBuf| p.to_string_lossy().into_owned();
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1";
    let steps = [
        format!(
            "req -x509 {ec} -subj /CN=Casefile-test-CA -keyout {} -out {}",
            path(&ca_key),
            path(&ca)
        ),
        format!(
            "req {ec} -subj /CN=localhost -keyout {} -out {}",
            path(&key),
            path(&csr)
        ),
        format!(
            "x509 -req -days 1 -in {} -CA {} -CAkey {} -CAcreateserial -extfile {} -out {}",
            path(&csr),
            path(&ca),
            path(&ca_key),
            path(&extensions),
            path(&cert)
        ),
    ];
    for step in steps {
        let status = Command::new("openssl")
            .args(step.split(' '))
            .current_dir(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl runs (apt-get install openssl)");
        assert!(status.success(), "openssl {step} failed");
    }
    (ca, cert, key)
}

fn tls_server_config(cert: &Path, key: &Path) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .expect("read cert")
        .collect::<Result<_, _>>()
        .expect("parse cert");
    let key = PrivateKeyDer::from_pem_file(key).expect("read key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server certificate"),
    )
}

// ---- scripted servers: what each failure means --------------------------------------------------

#[test]
fn a_server_without_starttls_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 1024);
    let (port, server) = fake_server(|fake| {
        fake.hello(&["SIZE 10000000", "8BITMIME"]);
        fake.line()
    });
    let transport =
        SmtpTransport::new(config("127.0.0.1", port, SmtpTls::Starttls), None).expect("valid");
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("no STARTTLS");
    assert!(!error.is_retryable(), "{error:?}");
    assert!(
        error.message.contains("does not offer STARTTLS"),
        "{}",
        error.message
    );
    assert_eq!(join(server), "QUIT", "the client only said goodbye");
}

#[test]
fn a_552_after_data_is_permanent_with_size_advice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 4096);
    let (port, server) = fake_server(|fake| {
        fake.hello(&["8BITMIME"]);
        fake.expect("MAIL FROM:<ada@example.test>");
        fake.send("250 2.1.0 Ok\r\n");
        fake.expect("RCPT TO:<support@example.test>");
        fake.send("250 2.1.5 Ok\r\n");
        fake.expect("DATA");
        fake.send("354 go ahead\r\n");
        fake.data();
        fake.send("552 5.3.4 Message size exceeds fixed limit\r\n");
        fake.line()
    });
    let transport =
        SmtpTransport::new(config("127.0.0.1", port, SmtpTls::None), None).expect("valid");
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("552");
    assert!(!error.is_retryable(), "{error:?}");
    assert!(
        error
            .message
            .contains("552 5.3.4 Message size exceeds fixed limit"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("casefile submit --budget"),
        "{}",
        error.message
    );
    assert!(error.message.contains("max_size"), "{}", error.message);
    assert_eq!(join(server), "QUIT");
}

#[test]
fn a_451_is_worth_retrying() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 100);
    let (port, server) = fake_server(|fake| {
        fake.hello(&["SIZE 0"]);
        let mail = fake.expect("MAIL FROM:");
        fake.send("451 4.3.0 Temporary lookup failure\r\n");
        mail
    });
    let transport =
        SmtpTransport::new(config("localhost", port, SmtpTls::None), None).expect("valid");
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("451");
    assert!(error.is_retryable(), "{error:?}");
    assert!(
        error.message.contains("451 4.3.0 Temporary lookup failure"),
        "{}",
        error.message
    );
    assert_eq!(
        join(server),
        "MAIL FROM:<ada@example.test>",
        "SIZE 0 means no limit: no SIZE= parameter"
    );
}

#[test]
fn a_server_that_stalls_is_retried_after_the_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 100);
    // Accepts, never answers; waits until the client hangs up.
    let (port, server) = fake_server(|fake| fake.line());
    let mut settings = config("127.0.0.1", port, SmtpTls::None);
    settings.timeout = Some(Timeout(Duration::from_secs(1)));
    let transport = SmtpTransport::new(settings, None).expect("valid");
    let started = Instant::now();
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("stalled");
    assert!(error.is_retryable(), "{error:?}");
    assert!(
        error
            .message
            .contains("stopped answering for 1 s during the greeting"),
        "{}",
        error.message
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "gave up after {:?}",
        started.elapsed()
    );
    assert_eq!(join(server), "", "the client hung up without a word");
}

#[test]
fn a_connection_dropped_during_data_is_worth_retrying() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 8 * 1024 * 1024);
    let (port, server) = fake_server(|fake| {
        fake.hello(&["SIZE 100000000"]);
        fake.expect("MAIL FROM:");
        fake.send("250 Ok\r\n");
        fake.expect("RCPT TO:");
        fake.send("250 Ok\r\n");
        fake.expect("DATA");
        fake.send("354 go ahead\r\n");
        fake.drop_after(256 * 1024);
    });
    let transport =
        SmtpTransport::new(config("127.0.0.1", port, SmtpTls::None), None).expect("valid");
    let (result, reports) = deliver(&transport, &submission);
    join(server);
    let error = result.expect_err("dropped");
    assert!(error.is_retryable(), "{error:?}");
    assert!(
        error.message.contains("during sending the e-mail"),
        "{}",
        error.message
    );
    assert!(!reports.is_empty(), "progress was reported before the drop");
}

#[test]
fn auth_plain_sends_exactly_the_expected_credentials_and_535_is_permanent_naming_the_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 100);
    let expected = format!(
        "AUTH PLAIN {}",
        STANDARD.encode("\0ada@example.test\0FAKE-smtp-password")
    );
    assert_eq!(
        expected,
        "AUTH PLAIN AGFkYUBleGFtcGxlLnRlc3QARkFLRS1zbXRwLXBhc3N3b3Jk"
    );
    let (port, server) = fake_server(|fake| {
        fake.hello(&["AUTH LOGIN PLAIN", "SIZE 1000000"]);
        let auth = fake.line();
        // A server that echoes what it got: the client must scrub it from the message.
        fake.send(&format!(
            "535 5.7.8 Authentication credentials invalid ({})\r\n",
            auth.trim_start_matches("AUTH PLAIN ")
        ));
        (auth, fake.line())
    });
    let mut settings = config("127.0.0.1", port, SmtpTls::None);
    settings.username = Some("ada@example.test".to_owned());
    settings.secret = Some("work-mail".to_owned());
    let transport =
        SmtpTransport::new(settings, Some(Secret::new("FAKE-smtp-password"))).expect("valid");
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("535");
    let (auth, after) = join(server);
    assert_eq!(auth, expected);
    assert_eq!(after, "QUIT", "nothing is sent after a refused login");
    assert!(!error.is_retryable(), "{error:?}");
    assert!(error.message.contains("535 5.7.8"), "{}", error.message);
    assert!(
        error.message.contains("casefile secret set work-mail"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("CASEFILE_SECRET_WORK_MAIL"),
        "{}",
        error.message
    );
    assert!(
        !error.message.contains("FAKE-smtp-password"),
        "{}",
        error.message
    );
    assert!(
        !error
            .message
            .contains(expected.trim_start_matches("AUTH PLAIN ")),
        "{}",
        error.message
    );
}

#[test]
fn auth_login_is_used_when_only_login_is_offered_and_the_message_arrives_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 300_000);
    let (port, server) = fake_server(|fake| {
        fake.hello(&["AUTH=LOGIN", "AUTH LOGIN", "SIZE 100000000"]);
        let mut seen = vec![fake.line()];
        fake.send("334 VXNlcm5hbWU6\r\n");
        seen.push(fake.line());
        fake.send("334 UGFzc3dvcmQ6\r\n");
        seen.push(fake.line());
        fake.send("235 2.7.0 Authentication successful\r\n");
        seen.push(fake.expect("MAIL FROM:"));
        fake.send("250 Ok\r\n");
        seen.push(fake.expect("RCPT TO:"));
        fake.send("250 Ok\r\n");
        fake.expect("DATA");
        fake.send("354 go ahead\r\n");
        let data = fake.data();
        fake.send("250 2.0.0 Ok: queued as 4F2AB\r\n");
        seen.push(fake.line());
        (seen, data)
    });
    let mut settings = config("127.0.0.1", port, SmtpTls::None);
    settings.username = Some("ada".to_owned());
    settings.to = vec!["desk@example.test".to_owned()];
    settings.from = Some("noreply@example.test".to_owned());
    let transport = SmtpTransport::new(settings, Some(Secret::new("FAKE-smtp-password")))
        .expect("valid")
        .with_clock(fixed_date);
    let (result, reports) = deliver(&transport, &submission);
    let detail = result.expect("delivered");
    let (seen, data) = join(server);
    assert_eq!(
        detail,
        format!("accepted by 127.0.0.1:{port}: 250 2.0.0 Ok: queued as 4F2AB")
    );
    let message = Message::new(
        &submission,
        Some(&Mailbox {
            name: "Ada Lovelace".to_owned(),
            address: "noreply@example.test".to_owned(),
        }),
        &["desk@example.test".to_owned()],
        fixed_date(),
    )
    .expect("message")
    .reply_to("ada@example.test")
    .expect("the requester's address");
    let mut expected = Vec::new();
    message.write_to(&mut expected).expect("written");
    assert_eq!(
        seen,
        [
            "AUTH LOGIN".to_owned(),
            STANDARD.encode("ada"),
            STANDARD.encode("FAKE-smtp-password"),
            format!("MAIL FROM:<noreply@example.test> SIZE={}", expected.len()),
            "RCPT TO:<desk@example.test>".to_owned(),
            "QUIT".to_owned(),
        ]
    );
    // Undo dot-stuffing: a line starting with `..` had one `.` added.
    let unstuffed = String::from_utf8(data)
        .expect("the message is ASCII")
        .split("\r\n")
        .map(|line| line.strip_prefix('.').unwrap_or(line).to_owned())
        .collect::<Vec<_>>()
        .join("\r\n");
    assert!(unstuffed.len() < String::from_utf8_lossy(&expected).len() + 10);
    assert_eq!(unstuffed.as_bytes(), expected.as_slice());
    let last = reports.last().expect("progress reported");
    assert_eq!(
        (last.sent, last.total),
        (expected.len() as u64, expected.len() as u64)
    );
}

#[test]
fn a_message_over_the_advertised_size_is_refused_before_mail_from_with_a_budget_that_fits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 50_000);
    let (port, server) = fake_server(|fake| {
        fake.hello(&["SIZE 40000"]);
        fake.line()
    });
    let transport = SmtpTransport::new(config("127.0.0.1", port, SmtpTls::None), None)
        .expect("valid")
        .with_clock(fixed_date);
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("too large");
    assert_eq!(
        join(server),
        "QUIT",
        "no MAIL FROM for a message that cannot fit"
    );
    assert!(!error.is_retryable());
    let message = Message::new(
        &submission,
        Some(&Mailbox {
            name: "Ada Lovelace".into(),
            address: "ada@example.test".into(),
        }),
        &["support@example.test".to_owned()],
        fixed_date(),
    )
    .expect("message");
    let budget = message.attachment_budget(40_000);
    assert!(
        error
            .message
            .contains(&format!("({} bytes", message.size())),
        "{}",
        error.message
    );
    assert!(error.message.contains("(40000 bytes)"), "{}", error.message);
    assert!(
        error.message.contains(&format!(
            "casefile submit --budget \"{}\"",
            ByteSize(budget)
        )),
        "{}",
        error.message
    );
}

#[test]
fn a_configured_max_size_is_enforced_before_connecting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 50_000);
    // Nothing listens here: the size check must come first.
    let mut settings = config("127.0.0.1", 9, SmtpTls::None);
    settings.max_size = Some(ByteSize(10_000));
    let transport = SmtpTransport::new(settings, None).expect("valid");
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("too large");
    assert!(!error.is_retryable());
    assert!(
        error.message.contains("the channel's max_size"),
        "{}",
        error.message
    );
}

#[test]
fn without_a_recipient_the_error_says_to_set_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut submission = submission(dir.path(), 10);
    submission.vendor_email = None;
    let transport = SmtpTransport::new(config("127.0.0.1", 9, SmtpTls::None), None).expect("valid");
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("no recipient");
    assert!(!error.is_retryable());
    assert!(error.message.contains("to = ["), "{}", error.message);
}

#[test]
fn a_server_that_refuses_connections_is_worth_retrying() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let transport =
        SmtpTransport::new(config("127.0.0.1", port, SmtpTls::None), None).expect("valid");
    let error = transport.check().expect_err("nothing listens");
    assert!(error.is_retryable(), "{error:?}");
    assert!(
        error.message.contains("connection refused"),
        "{}",
        error.message
    );
}

#[test]
fn starttls_with_a_ca_file_then_auth_plain_over_tls_delivers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ca, cert, key) = test_authority_and_certificate(dir.path());
    let server_tls = tls_server_config(&cert, &key);
    let submission = submission(dir.path(), 100_000);
    let (port, server) = fake_server(move |fake| {
        fake.hello(&["STARTTLS", "SIZE 1000000"]);
        fake.expect("STARTTLS");
        fake.send("220 2.0.0 Ready to start TLS\r\n");
        fake.start_tls(server_tls);
        fake.expect("EHLO ");
        fake.send("250-fake.example.test\r\n250-AUTH PLAIN\r\n250 SIZE 1000000\r\n");
        let auth = fake.line();
        fake.send("235 2.7.0 Ok\r\n");
        fake.expect("MAIL FROM:");
        fake.send("250 Ok\r\n");
        fake.expect("RCPT TO:");
        fake.send("250 Ok\r\n");
        fake.expect("DATA");
        fake.send("354 go ahead\r\n");
        let data = fake.data();
        fake.send("250 2.0.0 Ok: queued\r\n");
        fake.expect("QUIT");
        fake.send("221 Bye\r\n");
        (auth, data.len())
    });
    let mut settings = config("localhost", port, SmtpTls::Starttls);
    settings.ca_file = Some(ca);
    settings.username = Some("ada".to_owned());
    let transport =
        SmtpTransport::new(settings, Some(Secret::new("FAKE-smtp-password"))).expect("valid");
    let (result, _) = deliver(&transport, &submission);
    result.expect("delivered over STARTTLS");
    let (auth, data) = join(server);
    assert_eq!(
        auth,
        format!(
            "AUTH PLAIN {}",
            STANDARD.encode("\0ada\0FAKE-smtp-password")
        )
    );
    assert!(data > 100_000);
}

#[test]
fn implicit_tls_checks_the_certificate_and_names_ca_file_when_it_is_not_trusted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key) = test_certificate(dir.path());
    let server_tls = tls_server_config(&cert, &key);
    let trusted = server_tls.clone();
    let (port, server) = fake_server(move |fake| {
        fake.start_tls(trusted);
        fake.hello(&["SIZE 5000000"]);
        fake.expect("QUIT");
        fake.send("221 Bye\r\n");
    });
    let mut settings = config("127.0.0.1", port, SmtpTls::Implicit);
    settings.ca_file = Some(cert.clone());
    let transport = SmtpTransport::new(settings, None).expect("valid");
    let report = transport.check().expect("check over implicit TLS");
    join(server);
    assert!(report.contains("TLS 1.3 (implicit)"), "{report}");
    assert!(report.contains("SIZE 5 MB"), "{report}");
    assert!(report.contains("fake.example.test"), "{report}");

    // Without ca_file the self-made authority is unknown.
    let (port, server) = fake_server(move |fake| fake.start_tls(server_tls));
    let transport =
        SmtpTransport::new(config("127.0.0.1", port, SmtpTls::Implicit), None).expect("valid");
    let error = transport.check().expect_err("untrusted certificate");
    join(server);
    assert!(!error.is_retryable(), "{error:?}");
    assert!(error.message.contains("ca_file"), "{}", error.message);
}

#[test]
fn implicit_tls_to_a_plain_smtp_port_says_to_check_tls_and_port() {
    let (port, server) = fake_server(|fake| {
        fake.send("220 fake.example.test ESMTP scripted\r\n");
        fake.line()
    });
    let transport =
        SmtpTransport::new(config("127.0.0.1", port, SmtpTls::Implicit), None).expect("valid");
    let error = transport.check().expect_err("not TLS");
    join(server);
    assert!(!error.is_retryable(), "{error:?}");
    assert!(
        error.message.contains("tls = \"implicit\"") && error.message.contains("port 465"),
        "{}",
        error.message
    );
}

#[test]
fn a_server_that_is_not_smtp_is_a_configuration_error_and_a_421_greeting_is_retried() {
    let (port, server) = fake_server(|fake| fake.send("HTTP/1.1 400 Bad Request\r\n\r\n"));
    let transport =
        SmtpTransport::new(config("127.0.0.1", port, SmtpTls::None), None).expect("valid");
    let error = transport.check().expect_err("not SMTP");
    join(server);
    assert!(!error.is_retryable(), "{error:?}");
    assert!(
        error.message.contains("not an SMTP reply"),
        "{}",
        error.message
    );

    let (port, server) =
        fake_server(|fake| fake.send("421 4.3.2 Service shutting down, try later\r\n"));
    let transport =
        SmtpTransport::new(config("127.0.0.1", port, SmtpTls::None), None).expect("valid");
    let error = transport.check().expect_err("421");
    join(server);
    assert!(error.is_retryable(), "{error:?}");
    assert!(error.message.contains("421 4.3.2"), "{}", error.message);
}

// ---- the real Postfix ---------------------------------------------------------------------------

fn postfix(settings: &HashMap<String, String>, to: &str) -> SmtpTransport {
    let port: u16 = env(settings, "SMTP_PORT").parse().expect("SMTP_PORT");
    let mut smtp = config(env(settings, "SMTP_HOST"), port, SmtpTls::Starttls);
    smtp.ca_file = Some(PathBuf::from(env(settings, "SMTP_TLS_CA")));
    smtp.tls_name = Some(env(settings, "SMTP_TLS_NAME").to_owned());
    smtp.to = vec![to.to_owned()];
    smtp.timeout = Some(Timeout(Duration::from_secs(60)));
    SmtpTransport::new(smtp, None).expect("a valid channel")
}

/// The Maildir file holding `message_id`, waiting up to 30 s for Postfix to deliver it.
fn find_in_maildir(maildir: &Path, message_id: &str, wait: Duration) -> Option<PathBuf> {
    let needle = format!("Message-ID: <{message_id}>");
    let deadline = Instant::now() + wait;
    loop {
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(maildir.join(folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                let mut head = vec![0u8; 16 * 1024];
                let Ok(mut file) = File::open(entry.path()) else {
                    continue;
                };
                let n = file.read(&mut head).unwrap_or(0);
                if String::from_utf8_lossy(&head[..n]).contains(&needle) {
                    return Some(entry.path());
                }
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn bundles_of_several_sizes_arrive_in_the_maildir_over_starttls_unchanged() {
    let Some(settings) = helpdesk_env() else {
        return;
    };
    let maildir = PathBuf::from(env(&settings, "MAILDIR"));
    let transport = postfix(&settings, "sink@example.test");
    let dir = tempfile::tempdir().expect("tempdir");
    for size in [1024, 1024 * 1024, 8 * 1024 * 1024] {
        let submission = submission(dir.path(), size);
        let started = Instant::now();
        let (result, reports) = deliver(&transport, &submission);
        let detail = result.unwrap_or_else(|error| panic!("{size} bytes: {}", error.message));
        eprintln!("{size} bytes: {detail} in {:?}", started.elapsed());
        assert!(detail.contains(": 250 2.0.0 Ok: queued as"), "{detail}");
        assert!(
            reports
                .last()
                .is_some_and(|p| p.sent == p.total && p.total > size)
        );
        let message_id = mime::message_id(&submission.id, &submission.case_code);
        let path = find_in_maildir(&maildir, &message_id, Duration::from_secs(30))
            .unwrap_or_else(|| panic!("{message_id} did not arrive in {}", maildir.display()));
        let parsed = python_parse(&path);
        assert_eq!(parsed["defects"], serde_json::json!([]));
        assert_eq!(parsed["subject"], submission.subject.as_str());
        assert_eq!(
            parsed["attachments"][0]["sha256"],
            submission.attachments[0].sha256.as_str()
        );
        assert_eq!(parsed["attachments"][0]["size"], size);
        let received = parsed["received"].to_string();
        assert!(
            received.contains("using TLSv1.3"),
            "no TLS in Received: {received}"
        );
    }
}

#[test]
fn a_bundle_sent_to_the_helpdesk_address_becomes_an_rt_ticket_with_the_same_attachment() {
    let Some(settings) = helpdesk_env() else {
        return;
    };
    let transport = postfix(&settings, env(&settings, "HELPDESK_ADDR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let submission = submission(dir.path(), 1024 * 1024);
    let (result, _) = deliver(&transport, &submission);
    result.unwrap_or_else(|error| panic!("{}", error.message));

    let rest = env(&settings, "RT_REST2_URL")
        .trim_end_matches('/')
        .to_owned();
    let token = format!("token {}", env(&settings, "RT_TOKEN"));
    let get = |url: &str, query: &[(&str, &str)]| -> serde_json::Value {
        let mut request = ureq::get(url).header("Authorization", &token);
        for (k, v) in query {
            request = request.query(*k, *v);
        }
        let mut response = request.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .expect("RT's answer");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: {e}: {text}"))
    };
    let query = format!("Subject LIKE '{}'", submission.case_code);
    let deadline = Instant::now() + Duration::from_secs(30);
    let ticket = loop {
        let found = get(
            &format!("{rest}/tickets"),
            &[("query", &query), ("fields", "Subject")],
        );
        if let Some(item) = found["items"].as_array().and_then(|items| items.first()) {
            break item.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no RT ticket with {query} after 30 s"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(ticket["Subject"], submission.subject.as_str());
    let id = ticket["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| ticket["id"].to_string());
    let attachments = get(
        &format!("{rest}/ticket/{id}/attachments"),
        &[("fields", "Filename,ContentType"), ("per_page", "100")],
    );
    let name = &submission.attachments[0].name;
    let item = attachments["items"]
        .as_array()
        .and_then(|items| items.iter().find(|item| item["Filename"] == name.as_str()))
        .unwrap_or_else(|| panic!("ticket {id} has no attachment {name}: {attachments}"));
    let attachment = get(
        &format!(
            "{rest}/attachment/{}",
            item["id"].as_str().unwrap_or_default()
        ),
        &[],
    );
    let encoded: String = attachment["Content"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let content = STANDARD
        .decode(encoded)
        .expect("RT's attachment content is base64");
    assert_eq!(
        hex(&Sha256::digest(&content)),
        submission.attachments[0].sha256
    );
}

#[test]
fn a_bundle_over_the_server_limit_is_refused_before_data_and_one_at_the_suggested_budget_is_accepted()
 {
    let Some(settings) = helpdesk_env() else {
        return;
    };
    let limit: u64 = env(&settings, "SMTP_SIZE_LIMIT")
        .parse()
        .expect("SMTP_SIZE_LIMIT");
    let maildir = PathBuf::from(env(&settings, "MAILDIR"));
    let transport = postfix(&settings, "sink@example.test");
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = limit * 3 / 4 + 1024 * 1024;
    let submission = submission(dir.path(), raw);
    let (result, _) = deliver(&transport, &submission);
    let error = result.expect_err("over the limit");
    assert!(!error.is_retryable(), "{error:?}");
    assert!(
        error.message.contains(&format!("({limit} bytes)")),
        "{}",
        error.message
    );
    assert!(error.message.contains("(its SIZE)"), "{}", error.message);
    assert!(
        error.message.contains("casefile submit --budget"),
        "{}",
        error.message
    );
    let message_id = mime::message_id(&submission.id, &submission.case_code);
    assert_eq!(
        find_in_maildir(&maildir, &message_id, Duration::ZERO),
        None,
        "nothing arrives"
    );

    // The budget the advice names fits.
    let from = Mailbox {
        name: "Ada Lovelace".into(),
        address: "ada@example.test".into(),
    };
    let message = Message::new(
        &submission,
        Some(&from),
        &["sink@example.test".to_owned()],
        fixed_date(),
    )
    .expect("message");
    let budget = message.attachment_budget(limit);
    let mut fitting = submission.clone();
    fitting.id = format!("{}.fits", submission.case_code);
    fitting.attachments[0].sha256 = random_file(&fitting.attachments[0].path, budget);
    fitting.attachments[0].size = budget;
    let (result, _) = deliver(&transport, &fitting);
    result.unwrap_or_else(|error| {
        panic!(
            "a bundle of the suggested {budget} bytes: {}",
            error.message
        )
    });
    let message_id = mime::message_id(&fitting.id, &fitting.case_code);
    let path = find_in_maildir(&maildir, &message_id, Duration::from_secs(30)).expect("it arrives");
    let parsed = python_parse(&path);
    assert_eq!(
        parsed["attachments"][0]["sha256"],
        fitting.attachments[0].sha256.as_str()
    );
}

#[test]
fn check_against_postfix_reports_tls_and_size_and_sends_no_mail() {
    let Some(settings) = helpdesk_env() else {
        return;
    };
    let transport = postfix(&settings, "sink@example.test");
    // Postfix logs each session's commands; a check's is EHLO, STARTTLS, EHLO, QUIT and no MAIL.
    let log = Path::new(env(&settings, "SMTP_TLS_CA"))
        .parent()
        .and_then(Path::parent)
        .expect("the state folder")
        .join("postfix/mail.log");
    let checks_logged = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.ends_with("ehlo=2 starttls=1 quit=1 commands=4"))
            .count()
    };
    let before = checks_logged();
    let report = transport
        .check()
        .unwrap_or_else(|error| panic!("{}", error.message));
    let limit: u64 = env(&settings, "SMTP_SIZE_LIMIT")
        .parse()
        .expect("SMTP_SIZE_LIMIT");
    assert!(report.contains("TLS 1.3 (STARTTLS)"), "{report}");
    assert!(
        report.contains(&format!("SIZE {}", ByteSize(limit))),
        "{report}"
    );
    assert!(report.contains("mx.example.test"), "{report}");
    assert!(report.contains("no login configured"), "{report}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while checks_logged() <= before {
        assert!(
            Instant::now() < deadline,
            "{} shows no new session of EHLO, STARTTLS, EHLO, QUIT alone",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
