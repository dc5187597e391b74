//! What the help-desk channel tests share: starting an emulator from `tests/emulators/`, scripting
//! its faults, reading its state, sending it raw requests, and building submissions whose
//! attachments are real files with known SHA-256.
#![allow(dead_code)]

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use casefile_core::deliver::{
    Attachment, Checkpoint, DeliveryError, PriorityLevel, Requester, Retry, Submission,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// One running emulator; stopped when dropped.
pub(crate) struct Emulator {
    child: Child,
    /// `https://127.0.0.1:PORT`.
    pub(crate) url: String,
    /// The emulator's self-signed certificate, to trust as `ca_file`.
    pub(crate) ca: PathBuf,
    agent: ureq::Agent,
    _state: tempfile::TempDir,
}

impl Emulator {
    /// Starts `tests/emulators/<kind>.py` with `args` and waits for its READY line.
    pub(crate) fn start(kind: &str, args: &[&str]) -> Emulator {
        let state = tempfile::tempdir().expect("state dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/emulators")
            .join(format!("{kind}.py"));
        let mut child = Command::new("python3")
            .arg(&script)
            .arg("--state")
            .arg(state.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", script.display()));
        let stdout = child.stdout.take().expect("stdout");
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = send.send(line);
        });
        let line = match receive.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("{kind} emulator did not print READY within 20 s");
            }
        };
        let mut words = line.split_whitespace();
        assert_eq!(words.next(), Some("READY"), "{kind} emulator said {line:?}");
        let url = words.next().expect("url").to_owned();
        let ca = PathBuf::from(
            words
                .next()
                .and_then(|w| w.strip_prefix("CA="))
                .expect("CA="),
        );
        let pem = std::fs::read(&ca).expect("read CA");
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                _ => None,
            })
            .collect();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .tls_config(tls)
            .build()
            .into();
        Emulator {
            child,
            url,
            ca,
            agent,
            _state: state,
        }
    }

    /// Queues faults (a JSON object or a list of them).
    pub(crate) fn faults(&self, faults: Value) {
        let (status, _, body) =
            self.raw("POST", "/_emulator/faults", &[], Some(faults.to_string()));
        assert_eq!(status, 200, "faults refused: {body}");
    }

    /// The emulator's records and request counts.
    pub(crate) fn state(&self) -> Value {
        let (status, _, body) = self.raw("GET", "/_emulator/state", &[], None);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("state JSON")
    }

    /// How many requests route `route` (`POST /api/v2/tickets`) has seen.
    pub(crate) fn count(&self, route: &str) -> u64 {
        self.state()["counts"][route].as_u64().unwrap_or(0)
    }

    /// Sends one raw request; returns status, headers (lowercased names) and body.
    pub(crate) fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> (u16, Vec<(String, String)>, String) {
        self.raw_bytes(method, path, headers, body.map(String::into_bytes))
    }

    /// [`Emulator::raw`] with a byte body.
    pub(crate) fn raw_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> (u16, Vec<(String, String)>, String) {
        let uri = format!("{}{path}", self.url);
        let mut request = ureq::http::Request::builder().method(method).uri(&uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let result = match body {
            Some(bytes) => self.agent.run(request.body(bytes).expect("request")),
            None => self.agent.run(request.body(()).expect("request")),
        };
        let mut response = result.unwrap_or_else(|error| panic!("{method} {path}: {error}"));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let mut text = String::new();
        response
            .body_mut()
            .as_reader()
            .read_to_string(&mut text)
            .expect("body");
        (status, headers, text)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `Authorization: Basic` value.
pub(crate) fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A header's value from [`Emulator::raw`].
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A file of `size` reproducible but not repetitive bytes.
pub(crate) fn write_file(dir: &Path, name: &str, size: usize, seed: u8) -> PathBuf {
    let mut bytes = Vec::with_capacity(size);
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    while bytes.len() < size {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(size);
    let path = dir.join(name);
    std::fs::write(&path, &bytes).expect("write attachment");
    path
}

/// An attachment of `size` bytes written to `dir`.
pub(crate) fn attachment(
    dir: &Path,
    name: &str,
    content_type: &str,
    size: usize,
    seed: u8,
) -> Attachment {
    let path = write_file(dir, name, size, seed);
    let bytes = std::fs::read(&path).expect("read back");
    Attachment {
        name: name.to_owned(),
        path,
        content_type: content_type.to_owned(),
        size: bytes.len() as u64,
        sha256: hex(&Sha256::digest(&bytes)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A submission for case `code` with `attachments`, at rank `rank` of a four-level scale.
pub(crate) fn submission(
    code: &str,
    channel: &str,
    rank: usize,
    attachments: Vec<Attachment>,
) -> Submission {
    Submission {
        id: format!("{code}.{channel}"),
        case_code: code.to_owned(),
        subject: format!("[{code}] Agent stopped reporting after the 7.2 update"),
        text: format!(
            "Case {code}\n\nProblem: the agent stopped reporting <since> 09:00 & nothing \"helps\".\n\nImpact: 40 endpoints."
        ),
        request_json: format!("{{\"case_code\":\"{code}\"}}"),
        requester: Requester {
            name: "Ada Lovelace".into(),
            email: "ada@example.test".into(),
            phone: "+1 555 0100".into(),
            company: "Analytical Engines".into(),
        },
        priority: PriorityLevel {
            id: format!("P{}", rank + 1),
            label: format!("Priority {}", rank + 1),
            rank,
            levels: 4,
        },
        vendor: "Acme".into(),
        profile: "acme".into(),
        vendor_email: Some("support@acme.example".into()),
        attachments,
    }
}

/// A checkpoint store that outlives attempts, as the outbox's `item.json` does.
#[derive(Clone, Default)]
pub(crate) struct Stored(pub(crate) Rc<RefCell<Map<String, Value>>>);

impl Stored {
    /// A checkpoint starting from what was stored, saving every change back.
    pub(crate) fn checkpoint(&self) -> Checkpoint<'static> {
        let store = self.0.clone();
        Checkpoint::new(self.0.borrow().clone(), move |values| {
            *store.borrow_mut() = values.clone();
            Ok(())
        })
    }

    /// The stored values.
    pub(crate) fn values(&self) -> Map<String, Value> {
        self.0.borrow().clone()
    }
}

/// The wait a retryable error asks for; panics when the error is permanent.
pub(crate) fn retry_after(error: &DeliveryError) -> Option<Duration> {
    match error.retry {
        Retry::Later { after } => after,
        Retry::Never => panic!("expected a retryable error, got a permanent one: {error}"),
    }
}

/// Fails unless `error` is permanent.
pub(crate) fn assert_permanent(error: &DeliveryError) {
    assert!(
        !error.is_retryable(),
        "expected a permanent error, got a retryable one: {error}"
    );
}

/// A progress sink that keeps the steps it saw.
pub(crate) fn steps() -> (
    Rc<RefCell<Vec<String>>>,
    impl FnMut(casefile_core::deliver::Progress),
) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |progress: casefile_core::deliver::Progress| {
        let mut seen = sink.borrow_mut();
        if seen.last() != Some(&progress.step) {
            seen.push(progress.step);
        }
    })
}
