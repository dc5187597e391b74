//! The Jira Service Management channel against the JSM emulator (`tests/emulators/jsm.py`, Python
//! 3 standard library, HTTPS with its own certificate): what it sends in its three steps, how it
//! resumes after a crash between them without a second request, and how it reads every failure.

mod support;

use std::time::{Duration, Instant};

use casefile_core::deliver::channel::JsmConfig;
use casefile_core::deliver::jsm::JsmTransport;
use casefile_core::deliver::{Checkpoint, Delivered, DeliveryError, Secret, Submission, Transport};
use casefile_core::profile::schema::{ByteSize, Timeout};
use serde_json::{Value, json};
use support::{Emulator, Stored, assert_permanent, attachment, header, retry_after, submission};

const EMAIL: &str = "bot@example.test";
const TOKEN: &str = "FAKE-jsm-token-1";
const ACCOUNT: &str = "5b10ac8d82e05b22cc7d4ef5";
const CUSTOMER: &str = "712020:3f1c6a2e-customer";
const CREATE: &str = "POST /rest/servicedeskapi/request";
const UPLOAD: &str = "POST /rest/servicedeskapi/servicedesk/*/attachTemporaryFile";
const ATTACH: &str = "POST /rest/servicedeskapi/request/*/attachment";

fn start(extra: &[&str]) -> Emulator {
    let mut args = vec![
        "--email",
        EMAIL,
        "--token",
        TOKEN,
        "--account-id",
        ACCOUNT,
        "--customer",
        CUSTOMER,
    ];
    args.extend_from_slice(extra);
    Emulator::start("jsm", &args)
}

fn config(emulator: &Emulator) -> JsmConfig {
    JsmConfig {
        url: emulator.url.clone(),
        service_desk_id: "5".into(),
        request_type_id: "20".into(),
        email: Some(EMAIL.into()),
        secret: Some("jsm-acme".into()),
        on_behalf_of: None,
        ca_file: Some(emulator.ca.clone()),
        max_size: None,
        timeout: Some(Timeout(Duration::from_secs(10))),
    }
}

fn channel(config: JsmConfig, token: &str) -> JsmTransport {
    JsmTransport::new(config, Some(Secret::new(token))).expect("open the channel")
}

fn plain(emulator: &Emulator) -> JsmTransport {
    channel(config(emulator), TOKEN)
}

fn send(channel: &JsmTransport, submission: &Submission) -> Result<Delivered, DeliveryError> {
    channel.deliver(submission, &mut Checkpoint::in_memory(), &mut |_| {})
}

fn attempt(
    channel: &JsmTransport,
    submission: &Submission,
    stored: &Stored,
) -> Result<Delivered, DeliveryError> {
    channel.deliver(submission, &mut stored.checkpoint(), &mut |_| {})
}

/// What the outbox does before every retry: look up, and deliver only when nothing is found.
fn outbox_retry(
    channel: &JsmTransport,
    submission: &Submission,
    stored: &Stored,
) -> Result<Delivered, DeliveryError> {
    match channel.find_existing(submission)? {
        Some(found) => Ok(found),
        None => attempt(channel, submission, stored),
    }
}

/// A submission with a bundle of `size` bytes and a small text file.
fn case(dir: &std::path::Path, code: &str, size: usize) -> Submission {
    submission(
        code,
        "jsm",
        1,
        vec![
            attachment(dir, &format!("{code}.zip"), "application/zip", size, 1),
            attachment(dir, "agent.log", "text/plain", 2000, 2),
        ],
    )
}

fn requests(emulator: &Emulator) -> Vec<Value> {
    emulator.state()["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn files_of(submission: &Submission) -> Value {
    json!(
        submission
            .attachments
            .iter()
            .map(
                |a| json!({"fileName": a.name, "size": a.size, "mimeType": a.content_type,
                            "sha256": a.sha256, "public": true})
            )
            .collect::<Vec<_>>()
    )
}

fn field<'a>(request: &'a Value, id: &str) -> &'a Value {
    request["requestFieldValues"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["fieldId"] == id))
        .map(|f| &f["value"])
        .unwrap_or(&Value::Null)
}

#[test]
fn a_request_arrives_with_its_fields_and_every_attachment_byte_for_byte() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-7K2M-9QXD", 1 << 20);
    let stored = Stored::default();
    let started = Instant::now();
    let delivered = attempt(&plain(&emulator), &submission, &stored).expect("delivered");
    eprintln!("jsm: 1 MiB + 2 kB delivered in {:?}", started.elapsed());

    let all = requests(&emulator);
    assert_eq!(all.len(), 1, "{all:?}");
    let request = &all[0];
    assert_eq!(delivered.ticket_id.as_deref(), Some("SD-1"));
    assert_eq!(
        delivered.url.as_deref(),
        Some("https://emulator.atlassian.test/servicedesk/customer/portal/5/SD-1")
    );
    assert_eq!(field(request, "summary"), submission.subject.as_str());
    assert_eq!(field(request, "description"), submission.text.as_str());
    assert_eq!(request["reporter"]["accountId"], ACCOUNT);
    assert_eq!(request["attachments"], files_of(&submission));
    assert_eq!(
        request["comments"],
        json!([{"body": "Support bundle for CF-7K2M-9QXD (sent by Casefile).", "public": true}])
    );
    assert_eq!(
        stored.values()["jsm_issue"]["key"],
        "SD-1",
        "the key is recorded"
    );
    assert!(
        stored.values().get("jsm_temporary").is_none(),
        "used ids forgotten"
    );
    assert_eq!(emulator.count(&UPLOAD.replace('*', "{desk}")), 2);
}

#[test]
fn an_8_mib_bundle_arrives_intact() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(
        "CF-8MIB-0003",
        "jsm",
        0,
        vec![attachment(
            files.path(),
            "CF-8MIB-0003.zip",
            "application/zip",
            8 << 20,
            3,
        )],
    );
    let started = Instant::now();
    send(&plain(&emulator), &submission).expect("delivered");
    eprintln!("jsm: 8 MiB delivered in {:?}", started.elapsed());
    assert_eq!(requests(&emulator)[0]["attachments"], files_of(&submission));
}

#[test]
fn a_request_raised_on_behalf_of_a_customer_is_found_again_by_its_case_code() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-BHLF-0001", 4096);
    let mut config = config(&emulator);
    config.on_behalf_of = Some(CUSTOMER.into());
    let channel = channel(config, TOKEN);
    assert_eq!(channel.find_existing(&submission).expect("look-up"), None);
    let delivered = send(&channel, &submission).expect("delivered");
    let all = requests(&emulator);
    assert_eq!(all[0]["reporter"]["accountId"], CUSTOMER);
    assert_eq!(all[0]["raisedBy"], ACCOUNT);
    let found = channel
        .find_existing(&submission)
        .expect("look-up")
        .expect("found");
    assert_eq!(found.ticket_id, delivered.ticket_id);
    assert_eq!(found.url, delivered.url);
    assert_eq!(requests(&emulator)[0]["attachments"], files_of(&submission));
}

#[test]
fn check_reads_the_desk_and_the_request_type_and_creates_nothing() {
    let emulator = start(&[]);
    let report = plain(&emulator).check().expect("check");
    assert!(report.contains("IT Help"), "{report}");
    assert!(report.contains("request type 20"), "{report}");
    let state = emulator.state();
    assert_eq!(state["requests"], json!([]));
    assert_eq!(state["temporary"], json!([]));
    assert_eq!(
        state["counts"],
        json!({
            "GET /rest/servicedeskapi/servicedesk/{desk}": 1,
            "GET /rest/servicedeskapi/servicedesk/{desk}/requesttype/{rt}/field": 1,
        })
    );
}

#[test]
fn check_names_a_required_field_casefile_does_not_fill_and_a_wrong_desk() {
    let emulator = start(&["--require-field", "customfield_10010"]);
    let error = plain(&emulator).check().expect_err("required field");
    assert_permanent(&error);
    assert!(error.message.contains("customfield_10010"), "{error}");
    let mut config = config(&emulator);
    config.service_desk_id = "9".into();
    let error = channel(config, TOKEN).check().expect_err("wrong desk");
    assert_permanent(&error);
    assert!(error.message.contains("404"), "{error}");
    assert!(error.message.contains("service_desk_id = \"9\""), "{error}");
}

#[test]
fn a_wrong_token_is_permanent_names_the_secret_and_never_shows_the_token() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-AUTH-0003", 1024);
    let channel = channel(config(&emulator), "FAKE-jsm-token-wrong");
    for error in [
        send(&channel, &submission).expect_err("401"),
        channel.check().expect_err("401"),
        channel.find_existing(&submission).expect_err("401"),
    ] {
        assert_permanent(&error);
        assert!(error.message.contains("401"), "{error}");
        assert!(
            error.message.contains("Client must be authenticated"),
            "{error}"
        );
        assert!(
            error.message.contains("casefile secret set jsm-acme"),
            "{error}"
        );
        assert!(
            error.message.contains("CASEFILE_SECRET_JSM_ACME"),
            "{error}"
        );
        assert!(!error.message.contains("FAKE-jsm-token-wrong"), "{error}");
    }
    assert_eq!(requests(&emulator).len(), 0);
}

#[test]
fn a_429_is_retryable_after_its_retry_after_or_with_no_wait_when_it_gives_none() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RATE-0004", 1024);
    emulator.faults(json!([
        {"match": CREATE, "status": 429, "retry_after": 5},
        {"match": CREATE, "status": 429},
    ]));
    let error = send(&plain(&emulator), &submission).expect_err("429");
    assert_eq!(retry_after(&error), Some(Duration::from_secs(5)), "{error}");
    let error = send(&plain(&emulator), &submission).expect_err("429");
    assert_eq!(retry_after(&error), None, "{error}");
    assert_eq!(requests(&emulator).len(), 0);
}

#[test]
fn a_500_is_retryable_and_creates_nothing() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-FIVE-0003", 1024);
    emulator.faults(json!({"match": CREATE, "status": 500}));
    let error = send(&plain(&emulator), &submission).expect_err("500");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("500"), "{error}");
    assert_eq!(requests(&emulator).len(), 0);
}

#[test]
fn a_file_over_the_sites_limit_is_a_permanent_413_with_advice() {
    let emulator = start(&["--max-file", "100000"]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-HUGE-0005", 150_000);
    let error = send(&plain(&emulator), &submission).expect_err("413");
    assert_permanent(&error);
    assert!(error.message.contains("413"), "{error}");
    assert!(
        error.message.contains("larger than the attachment limit"),
        "{error}"
    );
    assert!(error.message.contains("--budget"), "{error}");
    assert_eq!(requests(&emulator).len(), 0);
}

#[test]
fn a_file_over_max_size_is_refused_before_anything_is_sent() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-HUGE-0006", 300_000);
    let mut config = config(&emulator);
    config.max_size = Some(ByteSize(100_000));
    let error = send(&channel(config, TOKEN), &submission).expect_err("too big");
    assert_permanent(&error);
    assert!(error.message.contains("--budget"), "{error}");
    assert_eq!(emulator.state()["counts"], json!({}));
}

#[test]
fn a_connection_reset_in_the_middle_of_an_upload_is_retryable() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RSET-0003", 8 << 20);
    emulator.faults(json!({"match": UPLOAD, "reset": true}));
    let error = send(&plain(&emulator), &submission).expect_err("reset");
    assert!(error.is_retryable(), "{error}");
    assert_eq!(requests(&emulator).len(), 0);
}

#[test]
fn a_server_that_stalls_past_a_1_s_timeout_is_retryable() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-SLOW-0003", 1024);
    let mut config = config(&emulator);
    config.timeout = Some(Timeout(Duration::from_secs(1)));
    emulator.faults(json!({"match": CREATE, "stall": 30}));
    let error = send(&channel(config, TOKEN), &submission).expect_err("stall");
    assert!(error.is_retryable(), "{error}");
    assert!(error.message.contains("in time"), "{error}");
}

#[test]
fn a_500_after_the_request_was_made_then_the_outbox_look_up_leaves_one_complete_request() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-ONCE-0003", 64 * 1024);
    let channel = plain(&emulator);
    let stored = Stored::default();
    emulator.faults(json!({"match": CREATE, "status": 500, "after_commit": true}));
    let error = attempt(&channel, &submission, &stored).expect_err("the 500");
    assert!(error.is_retryable(), "{error}");
    assert!(stored.values().get("jsm_issue").is_none());

    let delivered = outbox_retry(&channel, &submission, &stored).expect("retry");
    let all = requests(&emulator);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(delivered.ticket_id.as_deref(), Some("SD-1"));
    assert_eq!(all[0]["attachments"], files_of(&submission));
    assert_eq!(emulator.count(CREATE), 1);
}

#[test]
fn a_crash_after_the_create_resumes_from_the_checkpoint_and_attaches_to_the_same_request() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RSUM-0002", 64 * 1024);
    let channel = plain(&emulator);
    let stored = Stored::default();
    // The attach step never arrives (as if the process died right after the create).
    emulator.faults(json!({"match": ATTACH, "reset": true}));
    attempt(&channel, &submission, &stored).expect_err("the lost attach");
    assert_eq!(stored.values()["jsm_issue"]["key"], "SD-1");

    let delivered = attempt(&channel, &submission, &stored).expect("the retry");
    assert_eq!(delivered.ticket_id.as_deref(), Some("SD-1"));
    let all = requests(&emulator);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["attachments"], files_of(&submission));
    assert_eq!(emulator.count(CREATE), 1);
    let uploads =
        emulator.count("POST /rest/servicedeskapi/servicedesk/{desk}/attachTemporaryFile");
    assert_eq!(uploads, 2, "the recorded temporary ids were reused");
}

#[test]
fn a_crash_after_the_create_is_finished_by_the_outbox_look_up() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-RSUM-0003", 64 * 1024);
    let channel = plain(&emulator);
    let stored = Stored::default();
    emulator.faults(json!({"match": ATTACH, "status": 503}));
    let error = attempt(&channel, &submission, &stored).expect_err("the 503");
    assert!(error.is_retryable(), "{error}");
    assert_eq!(requests(&emulator)[0]["attachments"], json!([]));

    let delivered = outbox_retry(&channel, &submission, &stored).expect("retry");
    assert_eq!(delivered.ticket_id.as_deref(), Some("SD-1"));
    assert!(delivered.detail.contains("missing"), "{}", delivered.detail);
    let all = requests(&emulator);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["attachments"], files_of(&submission));
    // Found again later: nothing is attached twice.
    let again = outbox_retry(&channel, &submission, &stored).expect("again");
    assert_eq!(again.ticket_id.as_deref(), Some("SD-1"));
    assert_eq!(requests(&emulator)[0]["attachments"], files_of(&submission));
}

#[test]
fn an_attach_answered_500_after_it_was_done_is_not_repeated() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-ATCH-0001", 4096);
    let channel = plain(&emulator);
    let stored = Stored::default();
    emulator.faults(json!({"match": ATTACH, "status": 500, "after_commit": true}));
    attempt(&channel, &submission, &stored).expect_err("the 500");
    attempt(&channel, &submission, &stored).expect("the retry");
    assert_eq!(requests(&emulator)[0]["attachments"], files_of(&submission));
    assert_eq!(emulator.count(ATTACH.replace('*', "{key}").as_str()), 1);
}

#[test]
fn temporary_ids_that_expired_between_attempts_are_uploaded_again() {
    let emulator = start(&[]);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = case(files.path(), "CF-XPRD-0002", 64 * 1024);
    let channel = plain(&emulator);
    let stored = Stored::default();
    emulator.faults(json!({"match": ATTACH, "status": 500}));
    attempt(&channel, &submission, &stored).expect_err("the 500");
    emulator.faults(json!([{"expire_tokens": true}]));

    attempt(&channel, &submission, &stored).expect("the retry");
    let uploads =
        emulator.count("POST /rest/servicedeskapi/servicedesk/{desk}/attachTemporaryFile");
    assert_eq!(uploads, 4, "uploaded again");
    let all = requests(&emulator);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["attachments"], files_of(&submission));
}

#[test]
fn the_emulator_is_strict_about_xsrf_part_names_and_request_fields() {
    // A payload the real service would refuse must fail the channel tests: the emulator's
    // strictness, checked with raw requests in JSM's error shapes.
    let emulator = start(&[]);
    let auth = support::basic(EMAIL, TOKEN);
    let boundary = "b0undary";
    let multipart = |name: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"a.zip\"\r\nContent-Type: application/zip\r\n\r\nPK\r\n--{boundary}--\r\n"
        )
    };
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let path = "/rest/servicedeskapi/servicedesk/5/attachTemporaryFile";
    let (status, _, body) = emulator.raw(
        "POST",
        path,
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", content_type.as_str()),
        ],
        Some(multipart("file")),
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("XSRF check failed"), "{body}");
    let (status, headers, body) = emulator.raw(
        "POST",
        path,
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", content_type.as_str()),
            ("X-Atlassian-Token", "no-check"),
        ],
        Some(multipart("attachment")),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"errorMessage\""), "{body}");
    assert!(header(&headers, "x-arequestid").is_some());

    let create = |body: Value| {
        emulator.raw(
            "POST",
            "/rest/servicedeskapi/request",
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            Some(body.to_string()),
        )
    };
    let (status, _, body) = create(json!({
        "serviceDeskId": "5", "requestTypeId": "20",
        "requestFieldValues": {"summary": "s"},
    }));
    assert_eq!(status, 400, "{body}");
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["errors"][0]["fieldId"], "description");
    let (status, _, body) = create(json!({
        "serviceDeskId": "5", "requestTypeId": "20",
        "requestFieldValues": {"summary": "s", "description": "d"},
        "raiseOnBehalfOf": "ada@example.test",
    }));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("accountId"), "{body}");
    assert_eq!(requests(&emulator).len(), 0);
}
