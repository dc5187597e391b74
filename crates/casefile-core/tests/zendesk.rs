//! The Zendesk channel against the Zendesk emulator (`tests/emulators/zendesk.py`, Python 3
//! standard library, HTTPS with its own certificate): what it sends in `ticket` and `request`
//! mode, how it resumes from its checkpoint, and how it reads every kind of failure.

mod support;

use std::time::{Duration, Instant};

use casefile_core::deliver::channel::{ZendeskConfig, ZendeskMode};
use casefile_core::deliver::zendesk::ZendeskTransport;
use casefile_core::deliver::{Checkpoint, Delivered, DeliveryError, Secret, Submission, Transport};
use casefile_core::profile::schema::{ByteSize, Timeout};
use serde_json::{Value, json};
use support::{
    Emulator, Stored, assert_permanent, attachment, header, retry_after, steps, submission,
};

const EMAIL: &str = "agent@example.test";
const TOKEN: &str = "FAKE-zd-token-1";

fn start(extra: &[&str]) -> Emulator {
    let mut args = vec!["--email", EMAIL, "--token", TOKEN];
    args.extend_from_slice(extra);
    Emulator::start("zendesk", &args)
}

fn config(emulator: &Emulator, mode: ZendeskMode) -> ZendeskConfig {
    ZendeskConfig {
        url: emulator.url.clone(),
        mode,
        email: Some(EMAIL.into()),
        anonymous: false,
        secret: Some("zendesk-acme".into()),
        priorities: Default::default(),
        ticket_type: None,
        tags: vec!["Vendor Support".into()],
        ca_file: Some(emulator.ca.clone()),
        max_size: None,
        timeout: Some(Timeout(Duration::from_secs(10))),
    }
}

fn channel(config: ZendeskConfig, token: &str) -> ZendeskTransport {
    ZendeskTransport::new(config, Some(Secret::new(token))).expect("open the channel")
}

fn ticket_channel(emulator: &Emulator) -> ZendeskTransport {
    channel(config(emulator, ZendeskMode::Ticket), TOKEN)
}

fn send(channel: &ZendeskTransport, submission: &Submission) -> Result<Delivered, DeliveryError> {
    channel.deliver(submission, &mut Checkpoint::in_memory(), &mut |_| {})
}

fn attempt(
    channel: &ZendeskTransport,
    submission: &Submission,
    stored: &Stored,
) -> Result<Delivered, DeliveryError> {
    channel.deliver(submission, &mut stored.checkpoint(), &mut |_| {})
}

/// A submission with a bundle of `size` bytes and a small text file.
fn case(dir: &std::path::Path, code: &str, size: usize) -> Submission {
    submission(
        code,
        "zendesk",
        1,
        vec![
            attachment(dir, &format!("{code}.zip"), "application/zip", size, 1),
            attachment(dir, "agent.log", "text/plain", 2000, 2),
        ],
    )
}

fn files_of(submission: &Submission) -> Value {
    json!(
        submission
            .attachments
            .iter()
            .map(
                |a| json!({"file_name": a.name, "content_type": a.content_type,
                            "size": a.size, "sha256": a.sha256})
            )
            .collect::<Vec<_>>()
    )
}

fn tickets(emulator: &Emulator) -> Vec<Value> {
    emulator.state()["tickets"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_ticket_arrives_with_its_fields_and_every_attachment_byte_for_byte() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-7K2M-9QXD", 1 << 20);
    let mut config = config(&emulator, ZendeskMode::Ticket);
    config.ticket_type = Some("problem".into());
    let channel = channel(config, TOKEN);
    let (seen, mut sink) = steps();
    let started = Instant::now();
    let delivered = channel
        .deliver(&submission, &mut Checkpoint::in_memory(), &mut sink)
        .expect("delivered");
    eprintln!("zendesk: 1 MiB + 2 kB delivered in {:?}", started.elapsed());

    let all = tickets(&emulator);
    assert_eq!(all.len(), 1, "{all:?}");
    let ticket = &all[0];
    let id = ticket["id"].as_u64().expect("id").to_string();
    assert_eq!(delivered.ticket_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        delivered.url,
        Some(format!("{}/agent/tickets/{id}", emulator.url))
    );
    assert_eq!(ticket["via"], "tickets");
    assert_eq!(ticket["subject"], submission.subject.as_str());
    assert_eq!(ticket["description"], submission.text.as_str());
    assert_eq!(ticket["comment"]["public"], true);
    assert_eq!(ticket["priority"], "high");
    assert_eq!(ticket["type"], "problem");
    assert_eq!(ticket["external_id"], "CF-7K2M-9QXD");
    assert_eq!(ticket["tags"], json!(["cf-7k2m-9qxd", "vendor_support"]));
    assert_eq!(
        ticket["requester"],
        json!({"name": "Ada Lovelace", "email": "ada@example.test"})
    );
    assert_eq!(ticket["attachments"], files_of(&submission));
    let state = emulator.state();
    assert_eq!(
        state["idempotency_keys"],
        json!(["CF-7K2M-9QXD.zendesk"]),
        "{state}"
    );
    assert_eq!(emulator.count("POST /api/v2/uploads"), 2);
    let seen = seen.borrow();
    assert!(
        seen.iter().any(|step| step.contains("CF-7K2M-9QXD.zip")),
        "{seen:?}"
    );
    assert_eq!(seen.last().map(String::as_str), Some("creating the ticket"));
}

#[test]
fn an_8_mib_bundle_is_uploaded_with_its_length_and_arrives_intact() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(
        "CF-8MIB-0001",
        "zendesk",
        0,
        vec![attachment(
            files.path(),
            "CF-8MIB-0001.zip",
            "application/zip",
            8 << 20,
            3,
        )],
    );
    let started = Instant::now();
    send(&ticket_channel(&emulator), &submission).expect("delivered");
    eprintln!("zendesk: 8 MiB delivered in {:?}", started.elapsed());
    let all = tickets(&emulator);
    assert_eq!(all[0]["attachments"], files_of(&submission));
    assert_eq!(all[0]["priority"], "urgent");
}

#[test]
fn request_mode_files_an_end_user_request_that_find_existing_then_finds() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-REQU-0001", 4096);
    let channel = channel(config(&emulator, ZendeskMode::Request), TOKEN);
    assert_eq!(channel.find_existing(&submission).expect("look-up"), None);
    let delivered = send(&channel, &submission).expect("delivered");
    let all = tickets(&emulator);
    assert_eq!(all.len(), 1);
    let request = &all[0];
    let id = request["id"].as_u64().expect("id").to_string();
    assert_eq!(request["via"], "requests");
    assert_eq!(request["subject"], submission.subject.as_str());
    assert_eq!(request["description"], submission.text.as_str());
    assert_eq!(request["requester"], Value::Null, "signed in: no requester");
    assert_eq!(request["attachments"], files_of(&submission));
    assert_eq!(
        delivered.url,
        Some(format!("{}/hc/requests/{id}", emulator.url))
    );
    assert_eq!(emulator.state()["idempotency_keys"], json!([]));
    let found = channel
        .find_existing(&submission)
        .expect("look-up")
        .expect("found");
    assert_eq!(found.ticket_id, Some(id));
    assert_eq!(found.url, delivered.url);
}

#[test]
fn an_anonymous_request_names_the_requester_and_sends_no_credentials() {
    let emulator = Emulator::start("zendesk", &["--allow-anonymous"]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-ANON-0001", 2048);
    let mut config = config(&emulator, ZendeskMode::Request);
    config.anonymous = true;
    config.email = None;
    config.secret = None;
    let channel = ZendeskTransport::new(config, None).expect("open");
    let report = channel.check().expect("check");
    assert!(report.contains("anonymous"), "{report}");
    send(&channel, &submission).expect("delivered");
    let all = tickets(&emulator);
    assert_eq!(
        all[0]["requester"],
        json!({"name": "Ada Lovelace", "email": "ada@example.test"})
    );
    assert_eq!(all[0]["attachments"], files_of(&submission));
}

#[test]
fn check_names_the_agent_and_creates_nothing() {
    let emulator = start(&[]);
    let report = ticket_channel(&emulator).check().expect("check");
    assert!(report.contains(EMAIL), "{report}");
    assert!(report.contains("agent"), "{report}");
    let state = emulator.state();
    assert_eq!(state["tickets"], json!([]));
    assert_eq!(state["uploads"], json!([]));
    assert_eq!(state["counts"], json!({"GET /api/v2/users/me": 1}));
}

#[test]
fn check_refuses_an_end_user_account_for_ticket_mode() {
    let emulator = start(&["--role", "end-user"]);
    let error = ticket_channel(&emulator).check().expect_err("end user");
    assert_permanent(&error);
    assert!(error.message.contains("mode = \"request\""), "{error}");
}

#[test]
fn a_wrong_token_is_permanent_names_the_secret_and_never_shows_the_token() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-AUTH-0001", 1024);
    let channel = channel(
        config(&emulator, ZendeskMode::Ticket),
        "FAKE-zd-token-wrong",
    );
    for error in [
        send(&channel, &submission).expect_err("401"),
        channel.check().expect_err("401"),
    ] {
        assert_permanent(&error);
        assert!(error.message.contains("401"), "{error}");
        assert!(
            error.message.contains("Couldn't authenticate you"),
            "{error}"
        );
        assert!(
            error.message.contains("casefile secret set zendesk-acme"),
            "{error}"
        );
        assert!(
            error.message.contains("CASEFILE_SECRET_ZENDESK_ACME"),
            "{error}"
        );
        assert!(!error.message.contains("FAKE-zd-token-wrong"), "{error}");
    }
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_429_with_retry_after_is_retryable_after_that_wait() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RATE-0001", 1024);
    emulator.faults(json!({"match": "POST /api/v2/tickets", "status": 429, "retry_after": 7}));
    let error = send(&ticket_channel(&emulator), &submission).expect_err("429");
    assert_eq!(retry_after(&error), Some(Duration::from_secs(7)), "{error}");
    assert!(error.message.contains("429"), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_plain_text_429_without_retry_after_is_retryable_with_no_wait_given() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RATE-0002", 1024);
    emulator.faults(json!({"match": "POST /api/v2/uploads", "status": 429}));
    let error = send(&ticket_channel(&emulator), &submission).expect_err("429");
    assert_eq!(retry_after(&error), None, "{error}");
    assert!(error.message.contains("Too Many Requests"), "{error}");
}

#[test]
fn a_500_is_retryable_and_creates_nothing() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-FIVE-0001", 1024);
    emulator.faults(json!({"match": "POST /api/v2/tickets", "status": 500}));
    let error = send(&ticket_channel(&emulator), &submission).expect_err("500");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("500"), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_file_over_the_servers_cap_is_a_permanent_413_with_advice() {
    let emulator = start(&["--max-upload", "100000"]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-HUGE-0001", 200_000);
    let error = send(&ticket_channel(&emulator), &submission).expect_err("413");
    assert_permanent(&error);
    assert!(error.message.contains("413"), "{error}");
    assert!(error.message.contains("--budget"), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_file_over_max_size_is_refused_before_anything_is_sent() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-HUGE-0002", 300_000);
    let mut config = config(&emulator, ZendeskMode::Ticket);
    config.max_size = Some(ByteSize(100_000));
    let channel = channel(config, TOKEN);
    assert_eq!(channel.max_attachment(), Some(100_000));
    let error = send(&channel, &submission).expect_err("too big");
    assert_permanent(&error);
    assert!(error.message.contains("CF-HUGE-0002.zip"), "{error}");
    assert!(error.message.contains("--budget"), "{error}");
    assert_eq!(emulator.state()["counts"], json!({}));
}

#[test]
fn a_connection_reset_in_the_middle_of_an_upload_is_retryable() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RSET-0001", 8 << 20);
    emulator.faults(json!({"match": "POST /api/v2/uploads", "reset": true}));
    let error = send(&ticket_channel(&emulator), &submission).expect_err("reset");
    assert!(error.is_retryable(), "{error}");
    assert_eq!(tickets(&emulator).len(), 0);
}

#[test]
fn a_server_that_stalls_past_a_1_s_timeout_is_retryable() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-SLOW-0001", 1024);
    let mut config = config(&emulator, ZendeskMode::Ticket);
    config.timeout = Some(Timeout(Duration::from_secs(1)));
    emulator.faults(json!({"match": "POST /api/v2/tickets", "stall": 30}));
    let error = send(&channel(config, TOKEN), &submission).expect_err("stall");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("in time"), "{error}");
}

#[test]
fn a_500_after_the_ticket_was_made_then_a_retry_gets_the_same_ticket_by_idempotency_key() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-ONCE-0001", 64 * 1024);
    let channel = ticket_channel(&emulator);
    let stored = Stored::default();
    emulator.faults(json!({"match": "POST /api/v2/tickets", "status": 500, "after_commit": true}));
    let error = attempt(&channel, &submission, &stored).expect_err("the 500");
    assert!(error.is_retryable(), "{error}");
    assert_eq!(tickets(&emulator).len(), 1, "the ticket was made");

    // The retry without the outbox's look-up: the idempotency key alone prevents a second ticket.
    let delivered = attempt(&channel, &submission, &stored).expect("the retry");
    assert!(
        delivered.detail.contains("idempotency"),
        "{}",
        delivered.detail
    );
    let all = tickets(&emulator);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        delivered.ticket_id,
        Some(all[0]["id"].as_u64().expect("id").to_string())
    );
    assert_eq!(all[0]["attachments"], files_of(&submission));
    assert_eq!(
        emulator.count("POST /api/v2/uploads"),
        2,
        "recorded tokens reused"
    );
    // The outbox's look-up before a retry finds it too.
    let found = channel
        .find_existing(&submission)
        .expect("look-up")
        .expect("found");
    assert_eq!(found.ticket_id, delivered.ticket_id);
}

#[test]
fn a_crash_between_upload_and_create_reuses_the_recorded_upload_tokens() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RSUM-0001", 64 * 1024);
    let channel = ticket_channel(&emulator);
    let stored = Stored::default();
    // The create never arrives (as if the process died after the uploads).
    emulator.faults(json!({"match": "POST /api/v2/tickets", "reset": true}));
    attempt(&channel, &submission, &stored).expect_err("the lost create");
    let recorded = stored.values()["uploads"]
        .as_array()
        .cloned()
        .expect("tokens recorded");
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert_eq!(channel.find_existing(&submission).expect("look-up"), None);

    attempt(&channel, &submission, &stored).expect("the retry");
    assert_eq!(emulator.count("POST /api/v2/uploads"), 2, "no upload again");
    let all = tickets(&emulator);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["attachments"], files_of(&submission));
    let state = emulator.state();
    let consumed: Vec<&Value> = state["uploads"]
        .as_array()
        .expect("uploads")
        .iter()
        .map(|upload| &upload["consumed_by"])
        .collect();
    assert_eq!(consumed, [&all[0]["id"], &all[0]["id"]]);
}

#[test]
fn upload_tokens_that_expired_between_attempts_are_uploaded_again() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-XPRD-0001", 64 * 1024);
    let channel = ticket_channel(&emulator);
    let stored = Stored::default();
    emulator.faults(json!({"match": "POST /api/v2/tickets", "status": 503, "retry_after": 1}));
    attempt(&channel, &submission, &stored).expect_err("the 503");
    emulator.faults(json!([{"expire_tokens": true}]));

    attempt(&channel, &submission, &stored).expect("the retry");
    assert_eq!(emulator.count("POST /api/v2/uploads"), 4, "uploaded again");
    let all = tickets(&emulator);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["attachments"], files_of(&submission));
    let key = stored.values()["zendesk_idempotency_key"]
        .as_str()
        .expect("new key recorded")
        .to_owned();
    assert!(key.starts_with("CF-XPRD-0001.zendesk.u"), "{key}");
    assert!(
        emulator.state()["idempotency_keys"]
            .as_array()
            .expect("keys")
            .contains(&json!(key))
    );
}

#[test]
fn request_mode_500_after_commit_then_the_outbox_look_up_finds_the_one_request() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RONE-0001", 4096);
    let channel = channel(config(&emulator, ZendeskMode::Request), TOKEN);
    let stored = Stored::default();
    emulator.faults(json!({"match": "POST /api/v2/requests", "status": 500, "after_commit": true}));
    attempt(&channel, &submission, &stored).expect_err("the 500");
    // What the outbox does before every retry: look up, and deliver only when nothing is found.
    let delivered = match channel.find_existing(&submission).expect("look-up") {
        Some(found) => found,
        None => attempt(&channel, &submission, &stored).expect("retry"),
    };
    let all = tickets(&emulator);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        delivered.ticket_id,
        Some(all[0]["id"].as_u64().expect("id").to_string())
    );
    assert_eq!(emulator.count("POST /api/v2/requests"), 1);
}

#[test]
fn the_emulator_is_strict_about_uploads_fields_and_idempotency_keys() {
    // A payload the real service would refuse must fail the channel tests: the emulator's
    // strictness, checked with raw requests in Zendesk's error shapes.
    let emulator = start(&[]);
    let basic = support::basic(&format!("{EMAIL}/token"), TOKEN);
    let auth = [
        ("Authorization", basic.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, _, body) = emulator.raw_bytes(
        "POST",
        "/api/v2/uploads.json",
        &[
            ("Authorization", basic.as_str()),
            ("Content-Type", "application/zip"),
        ],
        Some(b"PK".to_vec()),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("\"RecordInvalid\"") && body.contains("filename"),
        "{body}"
    );

    let (status, _, body) = emulator.raw(
        "POST",
        "/api/v2/requests.json",
        &auth,
        Some(json!({"request": {"comment": {"body": "hi"}}}).to_string()),
    );
    assert_eq!(status, 422, "{body}");
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["error"], "RecordInvalid");
    assert_eq!(body["details"]["base"][0]["field_key"], "subject");

    let ticket = |subject: &str| json!({"ticket": {"subject": subject, "comment": {"body": "x"}}});
    let keyed = [auth[0], auth[1], ("Idempotency-Key", "CF-RAW-0001.zendesk")];
    let (status, headers, _) = emulator.raw(
        "POST",
        "/api/v2/tickets.json",
        &keyed,
        Some(ticket("one").to_string()),
    );
    assert_eq!(status, 201);
    assert_eq!(header(&headers, "x-idempotency-lookup"), Some("miss"));
    assert!(header(&headers, "location").is_some());
    assert!(header(&headers, "x-rate-limit-remaining").is_some());
    let (status, headers, _) = emulator.raw(
        "POST",
        "/api/v2/tickets.json",
        &keyed,
        Some(ticket("one").to_string()),
    );
    assert_eq!(status, 201);
    assert_eq!(header(&headers, "x-idempotency-lookup"), Some("hit"));
    let (status, _, body) = emulator.raw(
        "POST",
        "/api/v2/tickets.json",
        &keyed,
        Some(ticket("two").to_string()),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("IdempotentRequestError"), "{body}");
    let (status, _, body) = emulator.raw(
        "POST",
        "/api/v2/tickets.json",
        &auth,
        Some(
            json!({"ticket": {"subject": "s", "comment": {"body": "x"}, "tag": ["t"]}}).to_string(),
        ),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("tag"), "{body}");
    assert_eq!(tickets(&emulator).len(), 1);
}
