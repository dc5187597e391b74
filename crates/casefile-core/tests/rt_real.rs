//! The Request Tracker channel against a real Request Tracker 5 (`tests/helpdesk/up.sh`).
//!
//! The server's settings come from the env file named by `CASEFILE_HELPDESK_ENV`
//! (`RT_URL`, `RT_REST2_URL`, `RT_TOKEN`, `RT_USER`, `RT_PASS`, `RT_QUEUE`). Without it these tests
//! say why and pass, unless `CASEFILE_REQUIRE_HELPDESK=1` (CI), when they fail.
//!
//! The tests share one RT with other test runs, so every ticket carries a case code made fresh for
//! this run, and the tests that create or count tickets take turns (`turn()`), so that "check
//! created no ticket" counts only its own.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use casefile_core::deliver::channel::RtConfig;
use casefile_core::deliver::rt::RtTransport;
use casefile_core::deliver::{
    Attachment, Checkpoint, Delivered, DeliveryError, PriorityLevel, Requester, Secret, Submission,
    Transport,
};
use casefile_core::profile::schema::Timeout;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The test server's settings, or `None` (after saying why) when the tests should not run.
fn helpdesk() -> Option<HashMap<String, String>> {
    let Some(path) = std::env::var_os("CASEFILE_HELPDESK_ENV") else {
        let why = "CASEFILE_HELPDESK_ENV is not set: start the test servers with tests/helpdesk/up.sh and point it at their env file";
        if std::env::var("CASEFILE_REQUIRE_HELPDESK").as_deref() == Ok("1") {
            panic!("{why} (CASEFILE_REQUIRE_HELPDESK=1 requires them)");
        }
        eprintln!("skipping: {why}");
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "CASEFILE_HELPDESK_ENV={}: cannot read it: {error}",
            Path::new(&path).display()
        )
    });
    let env: HashMap<String, String> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    for key in [
        "RT_URL",
        "RT_REST2_URL",
        "RT_TOKEN",
        "RT_USER",
        "RT_PASS",
        "RT_QUEUE",
    ] {
        assert!(
            env.contains_key(key),
            "{} has no {key}",
            Path::new(&path).display()
        );
    }
    Some(env)
}

/// One test at a time against the shared server.
fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A case code no other run has used (same shape as a real one, so whole-word matching applies).
fn fresh_case_code() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64;
    let mix = now ^ (u64::from(std::process::id()) << 20);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "CF-{:04X}-{:04X}",
        mix & 0xFFFF,
        ((mix >> 16) as u32 ^ n.wrapping_mul(0x9E37)) & 0xFFFF
    )
}

fn config(env: &HashMap<String, String>) -> RtConfig {
    RtConfig {
        url: env["RT_REST2_URL"].clone(),
        queue: env["RT_QUEUE"].clone(),
        username: None,
        secret: Some("rt-test".into()),
        priorities: BTreeMap::new(),
        custom_fields: BTreeMap::from([
            ("Urgency".to_owned(), "Critical".to_owned()),
            ("AppVersion".to_owned(), "1.2.3".to_owned()),
        ]),
        ca_file: None,
        max_size: None,
        timeout: Some(Timeout(Duration::from_secs(60))),
    }
}

fn open(env: &HashMap<String, String>, config: RtConfig) -> RtTransport {
    RtTransport::new(config, Some(Secret::new(env["RT_TOKEN"].clone()))).expect("open the channel")
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

/// A submission for `case_code` at `rank` of a four-level scale, one attachment per file.
fn submission(case_code: &str, rank: usize, dir: &Path, files: &[(&str, &[u8])]) -> Submission {
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
        id: format!("{case_code}.rt"),
        case_code: case_code.to_owned(),
        subject: format!("[{case_code}] Agent stopped reporting"),
        text: "The agent stopped reporting on Monday.\n\nAll endpoints.".into(),
        request_json: "{}".into(),
        requester: Requester {
            name: "Ada Lovelace".into(),
            email: "ada.lovelace@example.test".into(),
            ..Requester::default()
        },
        priority: PriorityLevel {
            id: format!("P{}", rank + 1),
            label: String::new(),
            rank,
            levels: 4,
        },
        vendor: "Acme".into(),
        profile: "acme".into(),
        vendor_email: None,
        attachments,
    }
}

fn deliver(rt: &RtTransport, submission: &Submission) -> Result<Delivered, DeliveryError> {
    rt.deliver(submission, &mut Checkpoint::in_memory(), &mut |_| {})
}

/// `GET` on RT's REST 2 API with the test token, as JSON.
fn rt_get(env: &HashMap<String, String>, path: &str) -> Value {
    let mut answer = ureq::get(format!("{}{path}", env["RT_REST2_URL"]))
        .header("Authorization", format!("token {}", env["RT_TOKEN"]))
        .call()
        .unwrap_or_else(|error| panic!("GET {path}: {error}"));
    let mut body = Vec::new();
    answer
        .body_mut()
        .as_reader()
        .read_to_end(&mut body)
        .expect("body");
    serde_json::from_slice(&body).unwrap_or_else(|error| panic!("GET {path}: {error}"))
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// How many tickets match `query`.
fn count(env: &HashMap<String, String>, query: &str) -> u64 {
    rt_get(env, &format!("/tickets?query={}&per_page=1", encode(query)))["total"]
        .as_u64()
        .expect("total")
}

/// The sha256 of each attachment of ticket `id` named `name`.
fn attachment_sha256(env: &HashMap<String, String>, id: &str, name: &str) -> Vec<String> {
    let list = rt_get(
        env,
        &format!("/ticket/{id}/attachments?fields=Filename&per_page=100"),
    );
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|item| item["Filename"] == name)
        .map(|item| {
            let attachment = rt_get(
                env,
                &format!("/attachment/{}", item["id"].as_str().expect("id")),
            );
            // RT wraps the base64 at 76 characters.
            let encoded: String = attachment["Content"]
                .as_str()
                .expect("Content")
                .split_whitespace()
                .collect();
            let content = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .expect("base64");
            sha256(&content)
        })
        .collect()
}

fn custom_field(ticket: &Value, name: &str) -> Vec<String> {
    ticket["CustomFields"]
        .as_array()
        .expect("CustomFields")
        .iter()
        .filter(|field| field["name"] == name)
        .flat_map(|field| field["values"].as_array().cloned().unwrap_or_default())
        .filter_map(|value| value.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn bundles_of_1_kib_1_mib_and_8_mib_arrive_byte_identical_with_the_fields_mapped() {
    let Some(env) = helpdesk() else { return };
    let _turn = turn();
    let rt = open(&env, config(&env));
    let files = tempfile::tempdir().expect("temp dir");
    for (size, rank, priority) in [
        (1 << 10, 3, "Low"),
        (1 << 20, 2, "Medium"),
        (8 << 20, 0, "High"),
    ] {
        let code = fresh_case_code();
        let bytes = noise(size, size as u64);
        let name = format!("{code}.zip");
        let submission = submission(&code, rank, files.path(), &[(&name, &bytes)]);
        let mut progress = Vec::new();
        let started = Instant::now();
        let delivered = rt
            .deliver(&submission, &mut Checkpoint::in_memory(), &mut |p| {
                progress.push(p)
            })
            .unwrap_or_else(|error| panic!("{size} bytes: {error}"));
        eprintln!(
            "delivered {size} bytes to RT in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        let id = delivered.ticket_id.clone().expect("ticket id");
        assert_eq!(
            delivered.url.as_deref(),
            Some(format!("{}/Ticket/Display.html?id={id}", env["RT_URL"]).as_str())
        );
        assert!(
            delivered.detail.contains("1 attachment verified"),
            "{}",
            delivered.detail
        );
        let last = progress.last().expect("progress");
        assert_eq!(last.sent, last.total);
        assert!(last.total > size as u64);

        let ticket = rt_get(&env, &format!("/ticket/{id}"));
        assert_eq!(ticket["Subject"], submission.subject.as_str());
        assert_eq!(ticket["Priority"], priority);
        assert_eq!(ticket["Requestor"][0]["id"], "ada.lovelace@example.test");
        assert_eq!(custom_field(&ticket, "Urgency"), ["Critical"]);
        assert_eq!(custom_field(&ticket, "AppVersion"), ["1.2.3"]);
        assert_eq!(attachment_sha256(&env, &id, &name), [sha256(&bytes)]);
    }
}

#[test]
fn the_priorities_table_sets_rts_priority_and_a_rejected_custom_field_is_reported() {
    let Some(env) = helpdesk() else { return };
    let _turn = turn();
    let mut config = config(&env);
    config.priorities.insert("P1".into(), "Medium".into());
    config
        .custom_fields
        .insert("Urgency".into(), "Bogus".into());
    let rt = open(&env, config);
    let files = tempfile::tempdir().expect("temp dir");
    let code = fresh_case_code();
    let submission = submission(&code, 0, files.path(), &[("b.zip", &noise(100, 1))]);
    let delivered = deliver(&rt, &submission).expect("delivered");
    let ticket = rt_get(
        &env,
        &format!("/ticket/{}", delivered.ticket_id.expect("id")),
    );
    assert_eq!(ticket["Priority"], "Medium");
    assert!(
        delivered.detail.contains("Urgency") && delivered.detail.contains("Bogus"),
        "{}",
        delivered.detail
    );
}

#[test]
fn find_existing_finds_the_ticket_by_case_code_and_nothing_for_an_unknown_code() {
    let Some(env) = helpdesk() else { return };
    let _turn = turn();
    let rt = open(&env, config(&env));
    let files = tempfile::tempdir().expect("temp dir");
    let code = fresh_case_code();
    let submission = submission(&code, 1, files.path(), &[("b.zip", &noise(5000, 2))]);
    let delivered = deliver(&rt, &submission).expect("delivered");
    let found = rt
        .find_existing(&submission)
        .expect("search")
        .expect("the ticket");
    assert_eq!(found.ticket_id, delivered.ticket_id);
    assert_eq!(found.url, delivered.url);
    assert!(found.detail.contains("earlier attempt"), "{}", found.detail);

    let unknown = self::submission(&fresh_case_code(), 1, files.path(), &[]);
    assert_eq!(rt.find_existing(&unknown).expect("search"), None);
    let query = format!("Queue = '{}' AND Subject LIKE '{code}'", env["RT_QUEUE"]);
    assert_eq!(count(&env, &query), 1);
}

#[test]
fn a_retry_with_the_checkpoint_completes_the_same_ticket_instead_of_creating_another() {
    let Some(env) = helpdesk() else { return };
    let _turn = turn();
    let rt = open(&env, config(&env));
    let files = tempfile::tempdir().expect("temp dir");
    let code = fresh_case_code();
    let submission = submission(&code, 1, files.path(), &[("b.zip", &noise(2000, 3))]);
    let mut values = serde_json::Map::new();
    let first = rt
        .deliver(
            &submission,
            &mut Checkpoint::new(serde_json::Map::new(), |saved| {
                values = saved.clone();
                Ok(())
            }),
            &mut |_| {},
        )
        .expect("first");
    assert_eq!(
        values.get("rt_ticket").and_then(Value::as_str),
        first.ticket_id.as_deref()
    );
    let again = rt
        .deliver(
            &submission,
            &mut Checkpoint::new(values, |_| Ok(())),
            &mut |_| {},
        )
        .expect("again");
    assert_eq!(again.ticket_id, first.ticket_id);
    let query = format!("Queue = '{}' AND Subject LIKE '{code}'", env["RT_QUEUE"]);
    assert_eq!(count(&env, &query), 1);
}

#[test]
fn a_ticket_found_without_its_bundle_gets_the_bundle_attached() {
    let Some(env) = helpdesk() else { return };
    let _turn = turn();
    let code = fresh_case_code();
    // An earlier attempt's ticket that lacks the bundle, made by hand.
    let mut answer = ureq::post(format!("{}/ticket", env["RT_REST2_URL"]))
        .header("Authorization", format!("token {}", env["RT_TOKEN"]))
        .header("Content-Type", "application/json")
        .send(
            json!({
                "Queue": env["RT_QUEUE"],
                "Subject": format!("[{code}] Agent stopped reporting"),
                "Content": "no bundle yet",
                "ContentType": "text/plain",
            })
            .to_string()
            .as_bytes(),
        )
        .expect("create by hand");
    let made: Value =
        serde_json::from_str(&answer.body_mut().read_to_string().expect("body")).expect("json");
    let id = made["id"].as_str().expect("id").to_owned();

    let rt = open(&env, config(&env));
    let files = tempfile::tempdir().expect("temp dir");
    let bytes = noise(300_000, 4);
    let submission = submission(&code, 1, files.path(), &[("bundle.zip", &bytes)]);
    let found = rt
        .find_existing(&submission)
        .expect("search and repair")
        .expect("the ticket");
    assert_eq!(found.ticket_id.as_deref(), Some(id.as_str()));
    assert!(found.detail.contains("attached again"), "{}", found.detail);
    assert_eq!(attachment_sha256(&env, &id, "bundle.zip"), [sha256(&bytes)]);
    // Complete now: a second look attaches nothing more.
    let again = rt
        .find_existing(&submission)
        .expect("search")
        .expect("ticket");
    assert!(!again.detail.contains("attached again"), "{}", again.detail);
    assert_eq!(attachment_sha256(&env, &id, "bundle.zip").len(), 1);
}

#[test]
fn a_bad_token_is_permanent_names_the_secret_and_never_shows_the_token() {
    let Some(env) = helpdesk() else { return };
    let token = "FAKE-token-1-14-0123456789abcdef";
    let rt = RtTransport::new(config(&env), Some(Secret::new(token))).expect("open");
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(
        &fresh_case_code(),
        1,
        files.path(),
        &[("b.zip", &noise(10, 5))],
    );
    for error in [
        rt.check().expect_err("check"),
        deliver(&rt, &submission).expect_err("deliver"),
        rt.find_existing(&submission).expect_err("find"),
    ] {
        assert!(!error.is_retryable(), "{error}");
        assert!(error.message.contains("401"), "{error}");
        assert!(
            error.message.contains("casefile secret set rt-test"),
            "{error}"
        );
        assert!(error.message.contains("CASEFILE_SECRET_RT_TEST"), "{error}");
        assert!(!error.message.contains(token), "{error}");
        assert!(!format!("{error:?}").contains(token));
    }
}

#[test]
fn basic_auth_with_a_username_and_password_works() {
    let Some(env) = helpdesk() else { return };
    let mut config = config(&env);
    config.username = Some(env["RT_USER"].clone());
    let rt = RtTransport::new(config, Some(Secret::new(env["RT_PASS"].clone()))).expect("open");
    let report = rt.check().expect("check");
    assert!(report.starts_with("Request Tracker 5"), "{report}");
}

#[test]
fn an_unknown_queue_is_permanent_with_advice() {
    let Some(env) = helpdesk() else { return };
    let mut config = config(&env);
    config.queue = "No Such Queue".into();
    let rt = open(&env, config);
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission(
        &fresh_case_code(),
        1,
        files.path(),
        &[("b.zip", &noise(10, 6))],
    );
    let error = deliver(&rt, &submission).expect_err("deliver");
    assert!(!error.is_retryable(), "{error}");
    assert!(error.message.contains("403"), "{error}");
    assert!(error.message.contains("\"No Such Queue\""), "{error}");
    assert!(error.message.contains("CreateTicket"), "{error}");
    let error = rt.check().expect_err("check");
    assert!(!error.is_retryable(), "{error}");
    assert!(
        error.message.contains("no queue \"No Such Queue\""),
        "{error}"
    );
}

#[test]
fn check_reports_the_version_and_queue_and_creates_no_ticket() {
    let Some(env) = helpdesk() else { return };
    let _turn = turn();
    let mine = format!("Creator = '{}'", env["RT_USER"]);
    let before = count(&env, &mine);
    let report = open(&env, config(&env)).check().expect("check");
    assert!(report.starts_with("Request Tracker 5"), "{report}");
    assert!(report.contains(&env["RT_REST2_URL"]), "{report}");
    assert!(
        report.ends_with(&format!("queue {}", env["RT_QUEUE"])),
        "{report}"
    );
    assert_eq!(count(&env, &mine), before);
}

#[test]
fn check_names_a_custom_field_the_queue_does_not_have() {
    let Some(env) = helpdesk() else { return };
    let mut config = config(&env);
    config.custom_fields.insert("Colour".into(), "blue".into());
    let error = open(&env, config).check().expect_err("unknown field");
    assert!(!error.is_retryable(), "{error}");
    assert!(error.message.contains("Colour"), "{error}");
    assert!(error.message.contains("Urgency"), "{error}");
}

#[test]
fn request_tracker_not_running_is_retryable() {
    // Needs no server: a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let rt = RtTransport::new(
        RtConfig {
            url: format!("http://127.0.0.1:{port}/REST/2.0"),
            queue: "Support".into(),
            username: None,
            secret: Some("rt-test".into()),
            priorities: BTreeMap::new(),
            custom_fields: BTreeMap::new(),
            ca_file: None,
            max_size: None,
            timeout: Some(Timeout(Duration::from_secs(2))),
        },
        Some(Secret::new("FAKE-token-down")),
    )
    .expect("open");
    let files = tempfile::tempdir().expect("temp dir");
    let submission = submission("CF-DOWN-0001", 1, files.path(), &[("b.zip", &noise(10, 7))]);
    for error in [
        rt.check().expect_err("check"),
        deliver(&rt, &submission).expect_err("deliver"),
        rt.find_existing(&submission).expect_err("find"),
    ] {
        assert!(error.is_retryable(), "{error}");
        assert!(!error.message.contains("FAKE-token-down"), "{error}");
    }
}
