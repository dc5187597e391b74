//! The Freshdesk channel against the Freshdesk emulator (`tests/emulators/freshdesk.py`, Python 3
//! standard library, HTTPS with its own certificate): what it sends, how it avoids a second ticket,
//! and how it reads every kind of failure.

mod support;

use std::time::{Duration, Instant};

use casefile_core::deliver::channel::FreshdeskConfig;
use casefile_core::deliver::freshdesk::FreshdeskTransport;
use casefile_core::deliver::{Checkpoint, Delivered, DeliveryError, Secret, Submission, Transport};
use casefile_core::profile::schema::{ByteSize, Timeout};
use serde_json::{Value, json};
use support::{Emulator, Stored, assert_permanent, attachment, header, retry_after, submission};

const KEY: &str = "FAKE-fd-key-1";

fn start(extra: &[&str]) -> Emulator {
    let mut args = vec!["--api-key", KEY];
    args.extend_from_slice(extra);
    Emulator::start("freshdesk", &args)
}

fn config(emulator: &Emulator) -> FreshdeskConfig {
    FreshdeskConfig {
        url: emulator.url.clone(),
        secret: Some("freshdesk-acme".into()),
        priorities: Default::default(),
        ticket_type: None,
        tags: vec!["casefile".into()],
        ca_file: Some(emulator.ca.clone()),
        max_size: None,
        timeout: Some(Timeout(Duration::from_secs(10))),
    }
}

fn channel(config: FreshdeskConfig, key: &str) -> FreshdeskTransport {
    FreshdeskTransport::new(config, Some(Secret::new(key))).expect("open the channel")
}

fn send(channel: &FreshdeskTransport, submission: &Submission) -> Result<Delivered, DeliveryError> {
    channel.deliver(submission, &mut Checkpoint::in_memory(), &mut |_| {})
}

/// A submission with a bundle of `size` bytes and a small text file.
fn case(dir: &std::path::Path, code: &str, size: usize) -> Submission {
    submission(
        code,
        "freshdesk",
        1,
        vec![
            attachment(dir, &format!("{code}.zip"), "application/zip", size, 1),
            attachment(dir, "agent.log", "text/plain", 2000, 2),
        ],
    )
}

fn tickets(emulator: &Emulator) -> Vec<Value> {
    emulator.state()["tickets"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The attachments as the emulator records them.
fn files_of(emulator_ticket: &Value) -> Vec<Value> {
    emulator_ticket["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .map(|a| json!({"name": a["name"], "content_type": a["content_type"], "size": a["size"], "sha256": a["sha256"]}))
        .collect()
}

fn expected_files(submission: &Submission) -> Vec<Value> {
    submission
        .attachments
        .iter()
        .map(|a| json!({"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}))
        .collect()
}

#[test]
fn a_ticket_arrives_with_its_fields_and_every_attachment_byte_for_byte() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-7K2M-9QXD", 1 << 20);
    let mut config = config(&emulator);
    config.ticket_type = Some("Problem".into());
    let started = Instant::now();
    let delivered = send(&channel(config, KEY), &submission).expect("delivered");
    eprintln!(
        "freshdesk: 1 MiB + 2 kB delivered in {:?}",
        started.elapsed()
    );

    let all = tickets(&emulator);
    assert_eq!(all.len(), 1, "{all:?}");
    let ticket = &all[0];
    let id = ticket["id"].as_u64().expect("id").to_string();
    assert_eq!(delivered.ticket_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        delivered.url,
        Some(format!("{}/a/tickets/{id}", emulator.url))
    );
    assert_eq!(ticket["email"], "ada@example.test");
    assert_eq!(ticket["name"], "Ada Lovelace");
    assert_eq!(ticket["subject"], submission.subject.as_str());
    assert_eq!(
        ticket["description"],
        "<p>Case CF-7K2M-9QXD</p>\n<p>Problem: the agent stopped reporting &lt;since&gt; 09:00 &amp; nothing &quot;helps&quot;.</p>\n<p>Impact: 40 endpoints.</p>"
    );
    assert_eq!(ticket["status"], 2);
    assert_eq!(ticket["priority"], 3);
    assert_eq!(ticket["source"], 2);
    assert_eq!(ticket["type"], "Problem");
    assert_eq!(ticket["tags"], json!(["CF-7K2M-9QXD", "casefile"]));
    assert_eq!(files_of(ticket), expected_files(&submission));
}

#[test]
fn an_8_mib_bundle_arrives_intact_with_an_urgent_priority() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(
        "CF-8MIB-0002",
        "freshdesk",
        0,
        vec![attachment(
            files.path(),
            "CF-8MIB-0002.zip",
            "application/zip",
            8 << 20,
            3,
        )],
    );
    let started = Instant::now();
    send(&channel(config(&emulator), KEY), &submission).expect("delivered");
    eprintln!("freshdesk: 8 MiB delivered in {:?}", started.elapsed());
    let all = tickets(&emulator);
    assert_eq!(files_of(&all[0]), expected_files(&submission));
    assert_eq!(all[0]["priority"], 4);
}

#[test]
fn check_names_the_agent_and_the_ticket_type_and_creates_nothing() {
    let emulator = start(&[]);
    let mut config = config(&emulator);
    config.ticket_type = Some("Incident".into());
    let report = channel(config.clone(), KEY).check().expect("check");
    assert!(report.contains("agent@example.test"), "{report}");
    assert!(report.contains("Incident"), "{report}");
    config.ticket_type = Some("Bug".into());
    let error = channel(config, KEY).check().expect_err("unknown type");
    assert_permanent(&error);
    assert!(error.message.contains("\"Bug\""), "{error}");
    assert!(error.message.contains("Question, Incident"), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
    assert_eq!(emulator.count("POST /api/v2/tickets"), 0);
}

#[test]
fn a_wrong_api_key_is_permanent_names_the_secret_and_never_shows_the_key() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-AUTH-0002", 1024);
    let channel = channel(config(&emulator), "FAKE-fd-key-wrong");
    for error in [
        send(&channel, &submission).expect_err("401"),
        channel.check().expect_err("401"),
    ] {
        assert_permanent(&error);
        assert!(error.message.contains("401"), "{error}");
        assert!(error.message.contains("invalid_credentials"), "{error}");
        assert!(
            error.message.contains("casefile secret set freshdesk-acme"),
            "{error}"
        );
        assert!(
            error.message.contains("CASEFILE_SECRET_FRESHDESK_ACME"),
            "{error}"
        );
        assert!(!error.message.contains("FAKE-fd-key-wrong"), "{error}");
    }
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_429_with_retry_after_is_retryable_after_that_wait() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RATE-0003", 1024);
    emulator.faults(json!({"match": "POST /api/v2/tickets", "status": 429, "retry_after": 30}));
    let error = send(&channel(config(&emulator), KEY), &submission).expect_err("429");
    assert_eq!(
        retry_after(&error),
        Some(Duration::from_secs(30)),
        "{error}"
    );
    assert!(error.message.contains("rate_limit_exceeded"), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_500_is_retryable_and_creates_nothing() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-FIVE-0002", 1024);
    emulator.faults(json!({"status": 500}));
    let error = send(&channel(config(&emulator), KEY), &submission).expect_err("500");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("500"), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn attachments_over_20_mib_together_are_refused_before_anything_is_sent() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(
        "CF-HUGE-0003",
        "freshdesk",
        1,
        vec![
            attachment(files.path(), "a.zip", "application/zip", 11 << 20, 4),
            attachment(files.path(), "b.zip", "application/zip", 10 << 20, 5),
        ],
    );
    let channel = channel(config(&emulator), KEY);
    assert_eq!(channel.max_attachment(), Some(20 << 20));
    let error = send(&channel, &submission).expect_err("too big");
    assert_permanent(&error);
    assert!(error.message.contains("--budget"), "{error}");
    assert!(
        error.message.contains(&(21u64 << 20).to_string()),
        "{error}"
    );
    assert_eq!(emulator.state()["counts"], json!({}));
}

#[test]
fn the_servers_attachment_budget_refusal_is_permanent_with_advice() {
    let emulator = start(&["--max-attachments", "100000"]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-HUGE-0004", 150_000);
    let mut config = config(&emulator);
    config.max_size = Some(ByteSize(1 << 20));
    let error = send(&channel(config, KEY), &submission).expect_err("400");
    assert_permanent(&error);
    assert!(error.message.contains("400"), "{error}");
    assert!(error.message.contains("attachments:"), "{error}");
    assert!(error.message.contains("--budget"), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_ticket_type_the_account_does_not_have_is_permanent_and_names_the_setting() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-TYPE-0001", 1024);
    let mut config = config(&emulator);
    config.ticket_type = Some("Bug".into());
    let error = send(&channel(config, KEY), &submission).expect_err("400");
    assert_permanent(&error);
    assert!(
        error.message.contains("type: It should be one of"),
        "{error}"
    );
    assert!(error.message.contains("ticket_type"), "{error}");
}

#[test]
fn a_413_is_permanent_with_advice() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-BIG-0005", 4096);
    emulator.faults(json!({"match": "POST /api/v2/tickets", "status": 413}));
    let error = send(&channel(config(&emulator), KEY), &submission).expect_err("413");
    assert_permanent(&error);
    assert!(error.message.contains("413"), "{error}");
    assert!(error.message.contains("--budget"), "{error}");
}

#[test]
fn a_connection_reset_in_the_middle_of_the_upload_is_retryable() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RSET-0002", 8 << 20);
    emulator.faults(json!({"reset": true}));
    let error = send(&channel(config(&emulator), KEY), &submission).expect_err("reset");
    assert!(error.is_retryable(), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_server_that_stalls_past_a_1_s_timeout_is_retryable() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-SLOW-0002", 1024);
    let mut config = config(&emulator);
    config.timeout = Some(Timeout(Duration::from_secs(1)));
    emulator.faults(json!({"stall": 30}));
    let error = send(&channel(config, KEY), &submission).expect_err("stall");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("in time"), "{error}");
}

#[test]
fn a_500_after_the_ticket_was_made_then_the_outbox_look_up_leaves_exactly_one_ticket() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-ONCE-0002", 64 * 1024);
    let channel = channel(config(&emulator), KEY);
    let stored = Stored::default();
    assert_eq!(channel.find_existing(&submission).expect("look-up"), None);
    emulator.faults(json!({"match": "POST /api/v2/tickets", "status": 500, "after_commit": true}));
    let error = channel
        .deliver(&submission, &mut stored.checkpoint(), &mut |_| {})
        .expect_err("the 500");
    assert!(error.is_retryable(), "{error}");
    // What the outbox does before every retry: look up, and deliver only when nothing is found.
    let delivered = match channel.find_existing(&submission).expect("look-up") {
        Some(found) => found,
        None => channel
            .deliver(&submission, &mut stored.checkpoint(), &mut |_| {})
            .expect("retry"),
    };
    let all = tickets(&emulator);
    assert_eq!(all.len(), 1, "{all:?}");
    let id = all[0]["id"].as_u64().expect("id").to_string();
    assert_eq!(delivered.ticket_id, Some(id.clone()));
    assert_eq!(
        delivered.url,
        Some(format!("{}/a/tickets/{id}", emulator.url))
    );
    assert_eq!(emulator.count("POST /api/v2/tickets"), 1);
    assert_eq!(files_of(&all[0]), expected_files(&submission));
}

#[test]
fn the_emulator_is_strict_about_parts_requesters_and_queries() {
    // A payload the real service would refuse must fail the channel tests: the emulator's
    // strictness, checked with raw requests in Freshdesk's error envelope.
    let emulator = start(&[]);
    let auth = support::basic(KEY, "X");
    let boundary = "b0undary";
    let part = |name: &str, head: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{head}\r\n\r\n{value}\r\n"
        )
    };
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let post = |parts: &[String]| {
        let body = format!("{}--{boundary}--\r\n", parts.concat());
        emulator.raw(
            "POST",
            "/api/v2/tickets",
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", content_type.as_str()),
            ],
            Some(body),
        )
    };
    let fields = [
        part("subject", "", "s"),
        part("description", "", "d"),
        part("status", "", "2"),
        part("priority", "", "1"),
    ];
    // An attachment without a content type, tags without [], and no requester.
    let mut parts = fields.to_vec();
    parts.push(part("attachments[]", "; filename=\"a.zip\"", "PK"));
    parts.push(part("tags", "", "t"));
    let (status, headers, body) = post(&parts);
    assert_eq!(status, 400, "{body}");
    assert!(header(&headers, "x-request-id").is_some());
    assert!(header(&headers, "x-ratelimit-remaining").is_some());
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["description"], "Validation failed");
    let codes: Vec<(&str, &str)> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        codes.contains(&("attachments", "datatype_mismatch")),
        "{codes:?}"
    );
    assert!(codes.contains(&("tags", "datatype_mismatch")), "{codes:?}");
    // A valid form but for the status.
    let mut parts = fields.to_vec();
    parts[2] = part("status", "", "1");
    parts.push(part("email", "", "ada@example.test"));
    let (status, _, body) = post(&parts);
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("\"status\"") && body.contains("invalid_value"),
        "{body}"
    );
    // A search without the double quotes the filter API wants.
    let (status, _, body) = emulator.raw(
        "GET",
        "/api/v2/search/tickets?query=tag:'x'",
        &[("Authorization", auth.as_str())],
        None,
    );
    assert_eq!(status, 400, "{body}");
    // The password must be X.
    let (status, _, body) = emulator.raw(
        "GET",
        "/api/v2/agents/me",
        &[("Authorization", support::basic(KEY, "secret").as_str())],
        None,
    );
    assert_eq!(status, 401, "{body}");
    assert_eq!(tickets(&emulator).len(), 0);
}
