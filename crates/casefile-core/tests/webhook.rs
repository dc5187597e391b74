//! The webhook channel against the webhook emulator (`tests/emulators/webhook.py`, Python 3
//! standard library): what it sends, and how it reads every kind of failure.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use casefile_core::deliver::channel::WebhookConfig;
use casefile_core::deliver::webhook::WebhookTransport;
use casefile_core::deliver::{
    Attachment, Checkpoint, DeliveryError, PriorityLevel, Requester, Retry, Secret, Submission,
    Transport,
};
use casefile_core::profile::schema::Timeout;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A running emulator, stopped when dropped.
struct Emulator {
    child: Child,
    url: String,
    _state: tempfile::TempDir,
}

impl Emulator {
    fn start(token: Option<&str>) -> Emulator {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/emulators/webhook.py");
        let state = tempfile::tempdir().expect("state dir");
        let mut command = Command::new("python3");
        command
            .arg(&script)
            .arg("--state")
            .arg(state.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(token) = token {
            command.arg("--token").arg(token);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start python3 {}: {error}", script.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the READY line");
        let url = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("the emulator said {line:?} instead of READY <url>"))
            .to_owned();
        Emulator {
            child,
            url,
            _state: state,
        }
    }

    fn hook(&self) -> String {
        format!("{}/hook", self.url)
    }

    fn faults(&self, faults: Value) {
        let answer = ureq::post(format!("{}/_emulator/faults", self.url))
            .header("Content-Type", "application/json")
            .send(faults.to_string().as_bytes())
            .expect("queue faults");
        assert_eq!(answer.status(), 200);
    }

    fn state(&self) -> Value {
        let text = ureq::get(format!("{}/_emulator/state", self.url))
            .call()
            .expect("state")
            .body_mut()
            .read_to_string()
            .expect("state body");
        serde_json::from_str(&text).expect("state json")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn channel(emulator: &Emulator, secret: Option<(&str, &str)>, timeout: u64) -> WebhookTransport {
    WebhookTransport::new(
        WebhookConfig {
            url: emulator.hook(),
            secret: secret.map(|(name, _)| name.to_owned()),
            ca_file: None,
            max_size: None,
            timeout: Some(Timeout(Duration::from_secs(timeout))),
        },
        secret.map(|(_, value)| Secret::new(value)),
    )
    .expect("open the channel")
}

/// Deterministic bytes that do not compress.
fn noise(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A submission with one attachment per `(name, bytes)`, its files in `dir`.
fn submission(dir: &Path, files: &[(&str, Vec<u8>)]) -> Submission {
    let attachments = files
        .iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::File::create(&path)
                .and_then(|mut file| file.write_all(bytes))
                .expect("write attachment");
            Attachment {
                name: (*name).to_owned(),
                path,
                content_type: "application/zip".into(),
                size: bytes.len() as u64,
                sha256: sha256(bytes),
            }
        })
        .collect();
    Submission {
        id: "CF-7K2M-9QXD.hook".into(),
        case_code: "CF-7K2M-9QXD".into(),
        subject: "[CF-7K2M-9QXD] Agent stopped reporting".into(),
        text: "# Agent stopped reporting\n\nSince Monday — *all* endpoints.\n".into(),
        request_json:
            r#"{"schema":1,"case_code":"CF-7K2M-9QXD","subject":"Agent stopped reporting"}"#.into(),
        requester: Requester {
            name: "Ada Lovelace".into(),
            email: "ada@example.test".into(),
            ..Requester::default()
        },
        priority: PriorityLevel {
            id: "2".into(),
            label: "High".into(),
            rank: 1,
            levels: 4,
        },
        vendor: "Acme".into(),
        profile: "acme".into(),
        vendor_email: None,
        attachments,
    }
}

fn send(
    channel: &WebhookTransport,
    submission: &Submission,
) -> Result<casefile_core::deliver::Delivered, DeliveryError> {
    channel.deliver(submission, &mut Checkpoint::in_memory(), &mut |_| {})
}

#[test]
fn a_submission_arrives_once_with_its_request_text_bundles_and_headers() {
    let emulator = Emulator::start(Some("FAKE-token-hook-1"));
    let files = tempfile::tempdir().expect("temp dir");
    let bundle = noise(300 * 1024, 1);
    let extra = noise(1000, 2);
    let submission = submission(
        files.path(),
        &[
            ("CF-7K2M-9QXD.zip", bundle.clone()),
            ("screen.zip", extra.clone()),
        ],
    );
    let channel = channel(&emulator, Some(("hook", "FAKE-token-hook-1")), 10);
    let mut sent = Vec::new();
    let delivered = channel
        .deliver(&submission, &mut Checkpoint::in_memory(), &mut |p| {
            sent.push(p)
        })
        .expect("delivered");
    assert_eq!(delivered.ticket_id.as_deref(), Some("WH-1"));
    assert_eq!(
        delivered.url,
        Some(format!("{}/records/WH-1", emulator.url))
    );
    assert!(delivered.detail.contains("WH-1"), "{}", delivered.detail);
    let last = sent.last().expect("progress reported");
    assert_eq!(last.sent, last.total);
    assert!(last.total > bundle.len() as u64);

    let state = emulator.state();
    assert_eq!(state["counts"]["created"], 1, "{state}");
    let record = &state["records"][0];
    assert_eq!(record["idempotency_key"], "CF-7K2M-9QXD.hook");
    assert_eq!(record["case"], "CF-7K2M-9QXD");
    assert_eq!(record["path"], "/hook");
    assert_eq!(
        record["request"],
        serde_json::from_str::<Value>(&submission.request_json).expect("json")
    );
    assert_eq!(record["text"], submission.text.as_str());
    assert_eq!(record["text_type"], "text/markdown; charset=utf-8");
    assert_eq!(
        record["attachments"],
        json!([
            {"name": "CF-7K2M-9QXD.zip", "content_type": "application/zip",
             "size": bundle.len(), "sha256": sha256(&bundle)},
            {"name": "screen.zip", "content_type": "application/zip",
             "size": extra.len(), "sha256": sha256(&extra)},
        ])
    );
}

#[test]
fn a_500_after_the_receiver_committed_then_a_retry_leaves_exactly_one_record() {
    let emulator = Emulator::start(None);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(files.path(), &[("b.zip", noise(4096, 3))]);
    let channel = channel(&emulator, None, 10);
    emulator.faults(json!([{"status": 500, "after_commit": true}]));
    let error = send(&channel, &submission).expect_err("the 500");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("500"), "{error}");
    assert_eq!(channel.find_existing(&submission).expect("find"), None);
    let delivered = send(&channel, &submission).expect("the retry");
    assert_eq!(delivered.ticket_id.as_deref(), Some("WH-1"));
    let state = emulator.state();
    assert_eq!(
        state["records"].as_array().map(Vec::len),
        Some(1),
        "{state}"
    );
    assert_eq!(state["counts"]["created"], 1);
    assert_eq!(state["counts"]["replayed"], 1);
}

#[test]
fn a_plain_500_is_retryable_and_records_nothing() {
    let emulator = Emulator::start(None);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(files.path(), &[("b.zip", noise(4096, 4))]);
    emulator.faults(json!([{"status": 500}]));
    let error = send(&channel(&emulator, None, 10), &submission).expect_err("500");
    assert!(error.is_retryable(), "{error}");
    assert_eq!(emulator.state()["counts"]["created"], 0);
}

#[test]
fn a_429_with_retry_after_is_retryable_after_that_wait() {
    let emulator = Emulator::start(None);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(files.path(), &[("b.zip", noise(4096, 5))]);
    emulator.faults(json!([{"status": 429, "retry_after": 1}]));
    let error = send(&channel(&emulator, None, 10), &submission).expect_err("429");
    assert_eq!(
        error.retry,
        Retry::Later {
            after: Some(Duration::from_secs(1))
        },
        "{error}"
    );
    assert_eq!(emulator.state()["counts"]["created"], 0);
}

#[test]
fn a_connection_reset_in_the_middle_of_the_upload_is_retryable() {
    let emulator = Emulator::start(None);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(files.path(), &[("big.zip", noise(8 << 20, 6))]);
    emulator.faults(json!([{"reset": true}]));
    let error = send(&channel(&emulator, None, 10), &submission).expect_err("reset");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("connection"), "{error}");
    let state = emulator.state();
    assert_eq!(state["counts"]["created"], 0, "{state}");
    assert_eq!(state["counts"]["faults"], 1, "{state}");
}

#[test]
fn a_receiver_that_stalls_past_a_1_s_timeout_is_retryable() {
    let emulator = Emulator::start(None);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(files.path(), &[("b.zip", noise(4096, 7))]);
    emulator.faults(json!([{"stall": 30}]));
    let error = send(&channel(&emulator, None, 1), &submission).expect_err("stall");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("in time"), "{error}");
}

#[test]
fn a_wrong_token_is_permanent_names_the_secret_and_never_shows_the_token() {
    let emulator = Emulator::start(Some("FAKE-token-right"));
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(files.path(), &[("b.zip", noise(4096, 8))]);
    let channel = channel(&emulator, Some(("hook-prod", "FAKE-token-wrong")), 10);
    for error in [
        send(&channel, &submission).expect_err("401"),
        channel.check().expect_err("401"),
    ] {
        assert!(!error.is_retryable(), "{error}");
        assert!(error.message.contains("401"), "{error}");
        assert!(
            error.message.contains("casefile secret set hook-prod"),
            "{error}"
        );
        assert!(
            error.message.contains("CASEFILE_SECRET_HOOK_PROD"),
            "{error}"
        );
        assert!(!error.message.contains("FAKE-token-wrong"), "{error}");
    }
    assert_eq!(emulator.state()["counts"]["created"], 0);
}

#[test]
fn check_finds_the_receiver_reachable_and_submits_nothing() {
    let emulator = Emulator::start(Some("FAKE-token-check"));
    let report = channel(&emulator, Some(("hook", "FAKE-token-check")), 10)
        .check()
        .expect("reachable");
    assert!(report.contains("405"), "{report}");
    assert!(report.contains(&emulator.hook()), "{report}");
    assert_eq!(emulator.state()["counts"]["created"], 0);
}

#[test]
fn a_receiver_that_is_not_running_is_retryable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let channel = WebhookTransport::new(
        WebhookConfig {
            url: format!("http://127.0.0.1:{port}/hook"),
            secret: None,
            ca_file: None,
            max_size: None,
            timeout: Some(Timeout(Duration::from_secs(2))),
        },
        None,
    )
    .expect("open");
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(files.path(), &[("b.zip", noise(100, 9))]);
    assert!(
        send(&channel, &submission)
            .expect_err("down")
            .is_retryable()
    );
    assert!(channel.check().expect_err("down").is_retryable());
}

#[test]
fn the_emulator_refuses_a_submission_without_a_bundle_or_an_idempotency_key() {
    // The emulator is strict, so the test of what the channel sends can fail.
    let emulator = Emulator::start(None);
    let boundary = "xyz";
    let part = |name: &str, kind: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: {kind}\r\n\r\n{value}\r\n"
        )
    };
    let body = format!(
        "{}{}--{boundary}--\r\n",
        part("request", "application/json", "{}"),
        part("text", "text/markdown", "hi")
    );
    let post = |key: Option<&str>| {
        let mut request = ureq::post(emulator.hook())
            .config()
            .http_status_as_error(false)
            .build()
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            );
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let mut answer = request.send(body.as_bytes()).expect("answer");
        (
            answer.status().as_u16(),
            answer.body_mut().read_to_string().expect("body"),
        )
    };
    let (status, text) = post(Some("k1"));
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("bundle"), "{text}");
    let (status, text) = post(None);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("Idempotency-Key"), "{text}");
    assert_eq!(emulator.state()["counts"]["rejected"], 2);
}
