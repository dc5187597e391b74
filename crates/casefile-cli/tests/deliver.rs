//! `casefile submit`, `outbox`, `channels` and `secret` end to end, with the folder channel and
//! the OS keychain (a real Secret Service on a private D-Bus session).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use common::{casefile, json};
use predicates::prelude::*;

/// Writes a complete generic draft in `dir` whose case code comes from `entropy`, and returns
/// its path.
pub(crate) fn write_draft(dir: &Path, entropy: u64) -> PathBuf {
    let case_code = casefile_core::case_code::CaseCode::from_entropy(entropy).to_string();
    let path = dir.join(format!("{case_code}.toml"));
    std::fs::write(
        &path,
        format!(
            r#"schema_version = 1
case_code = "{case_code}"
profile = "generic"
tier = "standard"

[contact]
name = "Ada Example"
email = "ada@example.test"
company = "Example Ltd"

[problem]
subject = "Agent stopped reporting"
description = "Since Monday the agent on build-01 reports nothing. FAKE-token should not matter."

[impact]
priority = "2"
"#
        ),
    )
    .expect("write draft");
    path
}

fn write_config(dir: &Path, text: &str) {
    std::fs::write(dir.join("config.toml"), text).expect("write config");
}

#[test]
fn submit_refuses_a_draft_with_errors_and_names_the_fields() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = write_draft(dir.path(), 1);
    let text = std::fs::read_to_string(&draft)
        .expect("read")
        .replace("ada@example.test", "");
    std::fs::write(&draft, text).expect("write");
    casefile(dir.path())
        .args(["submit", "--draft"])
        .arg(&draft)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("not ready to send").and(predicate::str::contains("email")),
        );
    assert!(!dir.path().join("data/outbox").exists(), "nothing queued");
}

#[test]
fn an_unknown_channel_is_named_with_the_ones_there_are() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = write_draft(dir.path(), 2);
    write_config(
        dir.path(),
        "[channels.desk]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\n",
    );
    casefile(dir.path())
        .args(["submit", "--via", "nope", "--draft"])
        .arg(&draft)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no channel \"nope\"; choose one of: folder, desk",
        ));
}

#[test]
fn a_secret_that_cannot_be_read_names_the_environment_variable_and_nothing_is_queued() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = write_draft(dir.path(), 3);
    write_config(
        dir.path(),
        "[channels.helpdesk]\nkind = \"rt\"\nurl = \"http://127.0.0.1:9/REST/2.0\"\nqueue = \"Support\"\n",
    );
    casefile(dir.path())
        .args(["submit", "--via", "helpdesk", "--draft"])
        .arg(&draft)
        .env_remove("CASEFILE_SECRET_HELPDESK")
        // No keychain here: a session bus that does not exist.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("keychain")
                .and(predicate::str::contains("\"helpdesk\""))
                .and(predicate::str::contains("CASEFILE_SECRET_HELPDESK")),
        );
    assert!(!dir.path().join("data/outbox").exists(), "nothing queued");
}

#[test]
fn a_password_in_the_configuration_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(
        dir.path(),
        "[channels.mail]\nkind = \"smtp\"\nhost = \"smtp.example.test\"\nusername = \"ada\"\npassword = \"FAKE-hunter2\"\n",
    );
    casefile(dir.path())
        .args(["channels", "list"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("config.toml:5")
                .and(predicate::str::contains("unknown field `password`")),
        );
}

#[test]
fn channels_list_shows_the_builtin_folder_as_default_and_secret_sources() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(
        dir.path(),
        "[delivery]\ndefault_channel = \"helpdesk\"\n\n[channels.helpdesk]\nkind = \"rt\"\nurl = \"https://rt.example.test/REST/2.0\"\nqueue = \"Support\"\n\n[channels.drop]\nkind = \"folder\"\npath = \"out\"\n",
    );
    let output = casefile(dir.path())
        .args(["--json", "channels", "list"])
        .env("CASEFILE_SECRET_HELPDESK", "FAKE-token-env")
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("FAKE-token-env"),
        "the secret is never printed"
    );
    let channels = json(&output.stdout);
    let names: Vec<&str> = channels
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["folder", "drop", "helpdesk"]);
    let helpdesk = &channels[2];
    assert_eq!(helpdesk["default"], true);
    assert_eq!(helpdesk["secret"], "helpdesk");
    assert_eq!(helpdesk["secretSource"], "environment");
    assert_eq!(channels[0]["secret"], serde_json::Value::Null);
}

#[test]
fn outbox_commands_on_an_empty_or_unknown_item_say_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    casefile(dir.path())
        .args(["outbox", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("The outbox is empty."));
    casefile(dir.path())
        .args(["outbox", "show", "CF-NOPE-0000.folder"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no outbox item \"CF-NOPE-0000.folder\"",
        ));
    casefile(dir.path())
        .args(["outbox", "drain"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Nothing is due"));
}

/// Whether a real Secret Service can run here (dbus-run-session and gnome-keyring-daemon).
fn keyring_tools() -> bool {
    let found = ["dbus-run-session", "gnome-keyring-daemon"]
        .iter()
        .all(|tool| {
            Process::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if !found && std::env::var_os("CASEFILE_REQUIRE_HELPDESK").is_some() {
        panic!(
            "dbus-run-session and gnome-keyring-daemon are required (scripts/setup.sh installs them)"
        );
    }
    found
}

#[test]
fn a_secret_stored_in_the_os_keychain_is_found_and_never_written_to_disk() {
    if !keyring_tools() {
        eprintln!("skipped: no dbus-run-session or gnome-keyring-daemon here");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(
        dir.path(),
        "[channels.helpdesk]\nkind = \"rt\"\nurl = \"https://rt.example.test/REST/2.0\"\nqueue = \"Support\"\n",
    );
    let draft = write_draft(dir.path(), 7);
    let binary = assert_cmd::cargo::cargo_bin("casefile");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    // A private session bus with an unlocked keyring: store, list, delete, list again.
    let script = format!(
        r#"set -e
echo -n "FAKE-unlock" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
cf() {{ "{bin}" --data-dir "{dir}/data" --config "{dir}/config.toml" "$@"; }}
printf 'FAKE-rt-token-42\n' | cf secret set helpdesk
cf --json channels list > "{dir}/stored.json"
cf secret delete helpdesk
cf --json channels list > "{dir}/deleted.json"
cf submit --via helpdesk --draft "{draft}" 2> "{dir}/missing.txt" || echo $? > "{dir}/missing.code"
"#,
        draft = draft.display(),
        bin = binary.display(),
        dir = dir.path().display()
    );
    let output = Process::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_RUNTIME_DIR", dir.path())
        .env_remove("CASEFILE_SECRET_HELPDESK")
        .output()
        .expect("dbus-run-session");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stored = json(&std::fs::read(dir.path().join("stored.json")).expect("stored"));
    let helpdesk = stored
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["name"] == "helpdesk")
        .expect("helpdesk");
    assert_eq!(helpdesk["secretSource"], "keychain");
    let deleted = json(&std::fs::read(dir.path().join("deleted.json")).expect("deleted"));
    let helpdesk = deleted
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["name"] == "helpdesk")
        .expect("helpdesk");
    assert_eq!(helpdesk["secretSource"], serde_json::Value::Null);
    // Once deleted, submit names both ways to give it, and queues nothing.
    let missing = std::fs::read_to_string(dir.path().join("missing.txt")).expect("stderr");
    assert!(
        missing.contains("casefile secret set helpdesk")
            && missing.contains("CASEFILE_SECRET_HELPDESK"),
        "{missing}"
    );
    let code = std::fs::read_to_string(dir.path().join("missing.code")).expect("exit code");
    assert_eq!(code.trim(), "1");
    assert!(!dir.path().join("data/outbox").exists(), "nothing queued");
    // The token is in no file casefile wrote.
    for entry in walk(dir.path()) {
        if entry.starts_with(&home) {
            continue; // the keyring daemon's own (encrypted) store
        }
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("FAKE-rt-token-42"),
            "{} holds the secret",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// An emulator from `tests/emulators/` (webhook over HTTP; Zendesk, Freshdesk, JSM over HTTPS
/// with their own certificate), stopped when dropped.
struct Emulator {
    child: std::process::Child,
    url: String,
    /// The certificate to trust (`ca_file`), for the HTTPS ones.
    ca: Option<PathBuf>,
    agent: ureq::Agent,
    _state: tempfile::TempDir,
}

impl Emulator {
    fn start(kind: &str, args: &[&str]) -> Emulator {
        use std::io::BufRead;
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/emulators")
            .join(format!("{kind}.py"));
        let state = tempfile::tempdir().expect("state dir");
        let mut child = Process::new("python3")
            .arg(&script)
            .arg("--state")
            .arg(state.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("start python3 {}: {error}", script.display()));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("READY line");
        let mut words = line.split_whitespace();
        assert_eq!(words.next(), Some("READY"), "the emulator said {line:?}");
        let url = words.next().expect("url").to_owned();
        let ca = words
            .next()
            .and_then(|w| w.strip_prefix("CA="))
            .map(PathBuf::from);
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(ca) = &ca {
            let pem = std::fs::read(ca).expect("read CA");
            let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                    _ => None,
                })
                .collect();
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let agent = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .build()
            .new_agent();
        Emulator {
            child,
            url,
            ca,
            agent,
            _state: state,
        }
    }

    fn faults(&self, faults: serde_json::Value) {
        self.agent
            .post(format!("{}/_emulator/faults", self.url))
            .header("Content-Type", "application/json")
            .send(faults.to_string().as_bytes())
            .expect("queue faults");
    }

    fn state(&self) -> serde_json::Value {
        let text = self
            .agent
            .get(format!("{}/_emulator/state", self.url))
            .call()
            .expect("state")
            .body_mut()
            .read_to_string()
            .expect("state body");
        json(text.as_bytes())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn webhook_config(dir: &Path, url: &str, extra: &str) {
    write_config(
        dir,
        &format!(
            "[delivery]\ndefault_channel = \"hook\"\nretry_initial = \"1 second\"\n{extra}\n[channels.hook]\nkind = \"webhook\"\nurl = \"{url}/hook\"\nsecret = \"hook\"\n"
        ),
    );
}

/// A log with planted, obviously fake secrets, for `--add`.
fn planted_log(dir: &Path) -> PathBuf {
    let path = dir.join("agent.log");
    std::fs::write(
        &path,
        "2026-12-04T10:00:00Z connect failed password=FAKE-hunter2-planted\n\
         2026-12-04T10:00:01Z retrying with Authorization: Bearer FAKE-bearer-planted\n",
    )
    .expect("write log");
    path
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

#[test]
fn submit_to_the_folder_saves_a_redacted_bundle_and_an_eml_that_carries_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = write_draft(dir.path(), 11);
    let log = planted_log(dir.path());
    let output = casefile(dir.path())
        .args(["--json", "submit", "--no-snapshot", "--draft"])
        .arg(&draft)
        .arg("--add")
        .arg(&log)
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output.stdout);
    let case = report["caseCode"].as_str().expect("case code").to_owned();
    assert_eq!(report["state"], "sent");
    assert!(
        report["receipt"]["nextStep"]
            .as_str()
            .is_some_and(|step| step.contains("send it")),
        "{report}"
    );
    let saved = dir.path().join("data/saved");
    let zip = std::fs::read(saved.join(format!("{case}.zip"))).expect("saved zip");
    // Stock tools read both back: Python's zipfile and email parser.
    let script = format!(
        r#"import email, hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = z.namelist()
assert "manifest.json" in names and "request.md" in names, names
assert any(n.endswith("agent.log") for n in names), names
blob = b"".join(z.read(n) for n in names)
assert b"FAKE-hunter2-planted" not in blob and b"FAKE-bearer-planted" not in blob
m = email.message_from_binary_file(open(sys.argv[2], "rb"))
assert "[{case}]" in m["Subject"], m["Subject"]
parts = [p for p in m.walk() if p.get_filename()]
assert [p.get_filename() for p in parts] == ["{case}.zip"], [p.get_filename() for p in parts]
print(hashlib.sha256(parts[0].get_payload(decode=True)).hexdigest())
"#
    );
    let read = Process::new("python3")
        .args(["-c", &script])
        .arg(saved.join(format!("{case}.zip")))
        .arg(saved.join(format!("{case}.eml")))
        .output()
        .expect("python3");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&read.stdout).trim(),
        sha256_hex(&zip)
    );
    assert_eq!(report["attachments"][0]["sha256"], sha256_hex(&zip));

    // The same request again is refused, and --again saves a second copy beside the first.
    casefile(dir.path())
        .args(["submit", "--no-snapshot", "--draft"])
        .arg(&draft)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--again"));
    casefile(dir.path())
        .args(["submit", "--no-snapshot", "--again", "--draft"])
        .arg(&draft)
        .assert()
        .code(0);
    assert!(saved.join(format!("{case}-2.eml")).exists());
}

#[test]
fn a_500_after_the_webhook_stored_the_request_is_retried_without_a_second_record() {
    let hook = Emulator::start("webhook", &["--token", "FAKE-hook-token"]);
    let dir = tempfile::tempdir().expect("temp dir");
    webhook_config(dir.path(), &hook.url, "");
    let draft = write_draft(dir.path(), 12);
    hook.faults(serde_json::json!([{"status": 500, "after_commit": true}]));
    let output = casefile(dir.path())
        .args(["--json", "submit", "--no-snapshot", "--draft"])
        .arg(&draft)
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output.stdout);
    assert_eq!(report["attempts"], 2);
    let state = hook.state();
    assert_eq!(state["records"].as_array().expect("records").len(), 1);
    assert_eq!(state["counts"]["replayed"], 1, "{state}");
    assert_eq!(report["receipt"]["ticketId"], state["records"][0]["id"]);
    assert_eq!(
        state["records"][0]["attachments"][0]["sha256"],
        report["attachments"][0]["sha256"]
    );
}

#[test]
fn a_429_with_retry_after_is_waited_out_and_sent_once() {
    let hook = Emulator::start("webhook", &["--token", "FAKE-hook-token"]);
    let dir = tempfile::tempdir().expect("temp dir");
    webhook_config(dir.path(), &hook.url, "");
    let draft = write_draft(dir.path(), 13);
    hook.faults(serde_json::json!([{"status": 429, "retry_after": 2}]));
    let started = std::time::Instant::now();
    let output = casefile(dir.path())
        .args(["--json", "submit", "--no-snapshot", "--draft"])
        .arg(&draft)
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "waited the 2 s the server asked for, not the 1 s backoff"
    );
    let report = json(&output.stdout);
    assert!(
        report["history"][2]["note"]
            .as_str()
            .is_some_and(|note| note.contains("429")),
        "{report}"
    );
    assert_eq!(
        hook.state()["records"].as_array().expect("records").len(),
        1
    );
}

#[test]
fn when_the_help_desk_is_down_the_request_waits_in_the_outbox_and_drain_sends_it_later() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Nothing listens on port 9 (discard) here: the connection is refused.
    webhook_config(dir.path(), "http://127.0.0.1:9", "attempts_inline = 1\n");
    let draft = write_draft(dir.path(), 14);
    let output = casefile(dir.path())
        .args(["--json", "submit", "--no-snapshot", "--draft"])
        .arg(&draft)
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(3), "exit 3: kept in the outbox");
    let report = json(&output.stdout);
    assert_eq!(report["state"], "failed-retryable");
    let id = report["id"].as_str().expect("id").to_owned();
    // A drain before the wait is over sends nothing and says it is still waiting.
    casefile(dir.path())
        .args(["outbox", "drain"])
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .assert()
        .code(3);
    // The help desk comes back (at another address); the item was kept whole.
    let hook = Emulator::start("webhook", &["--token", "FAKE-hook-token"]);
    webhook_config(dir.path(), &hook.url, "attempts_inline = 1\n");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let output = casefile(dir.path())
        .args(["--json", "outbox", "drain"])
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let state = hook.state();
    assert_eq!(state["records"].as_array().expect("records").len(), 1);
    casefile(dir.path())
        .args(["--json", "outbox", "show", &id])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"state\": \"sent\""));
}

/// The real servers' settings from `tests/helpdesk/up.sh` (`scripts/with-helpdesk.sh` sets
/// `CASEFILE_HELPDESK_ENV`); `None` with a note when they are not running, a failure in CI.
fn helpdesk() -> Option<std::collections::HashMap<String, String>> {
    let Some(path) = std::env::var_os("CASEFILE_HELPDESK_ENV") else {
        assert!(
            std::env::var("CASEFILE_REQUIRE_HELPDESK").map_or(true, |v| v != "1"),
            "CASEFILE_REQUIRE_HELPDESK=1 but CASEFILE_HELPDESK_ENV is not set: run under scripts/with-helpdesk.sh"
        );
        eprintln!("skipped: no real help desk (run under scripts/with-helpdesk.sh)");
        return None;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read CASEFILE_HELPDESK_ENV {path:?}: {error}"));
    Some(
        text.lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect(),
    )
}

#[test]
fn submit_through_request_tracker_creates_one_ticket_with_the_bundle() {
    let Some(env) = helpdesk() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(
        dir.path(),
        &format!(
            "[channels.rt]\nkind = \"rt\"\nurl = \"{}\"\nqueue = \"{}\"\n",
            env["RT_REST2_URL"], env["RT_QUEUE"]
        ),
    );
    let draft = write_draft(dir.path(), 21);
    let log = planted_log(dir.path());
    let output = casefile(dir.path())
        .args([
            "--json",
            "submit",
            "--via",
            "rt",
            "--no-snapshot",
            "--draft",
        ])
        .arg(&draft)
        .arg("--add")
        .arg(&log)
        .env("CASEFILE_SECRET_RT", &env["RT_TOKEN"])
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output.stdout);
    let ticket = report["receipt"]["ticketId"].as_str().expect("ticket id");
    let case = report["caseCode"].as_str().expect("case");
    let get = |path: &str| {
        let text = ureq::get(format!("{}{path}", env["RT_REST2_URL"]))
            .header("Authorization", format!("token {}", env["RT_TOKEN"]))
            .call()
            .expect("RT answers")
            .body_mut()
            .read_to_string()
            .expect("body");
        json(text.as_bytes())
    };
    let found = get(&format!(
        "/tickets?query=Subject%20LIKE%20%27{case}%27&fields=Subject"
    ));
    assert_eq!(found["count"], 1, "{found}");
    assert_eq!(
        found["items"][0]["id"].to_string().trim_matches('"'),
        ticket
    );
    let attachments = get(&format!(
        "/ticket/{ticket}/attachments?fields=Filename&per_page=100"
    ));
    assert!(
        attachments["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|a| a["Filename"] == format!("{case}.zip")),
        "{attachments}"
    );
    // `channels test` logs in and reads the queue; it creates nothing.
    casefile(dir.path())
        .args(["channels", "test", "rt"])
        .env("CASEFILE_SECRET_RT", &env["RT_TOKEN"])
        .assert()
        .code(0);
    let again = get(&format!(
        "/tickets?query=Subject%20LIKE%20%27{case}%27&fields=Subject"
    ));
    assert_eq!(again["count"], 1, "{again}");
    // The receipt points at the ticket in RT's web UI.
    assert!(
        report["receipt"]["url"]
            .as_str()
            .is_some_and(|url| url.contains(ticket)),
        "{report}"
    );
}

#[test]
fn submit_by_smtp_delivers_a_message_that_carries_the_bundle() {
    let Some(env) = helpdesk() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(
        dir.path(),
        &format!(
            "[channels.mail]\nkind = \"smtp\"\nhost = \"{}\"\nport = {}\ntls = \"starttls\"\nca_file = \"{}\"\ntls_name = \"{}\"\nto = [\"vendor-support@example.test\"]\n",
            env["SMTP_HOST"], env["SMTP_PORT"], env["SMTP_TLS_CA"], env["SMTP_TLS_NAME"]
        ),
    );
    let draft = write_draft(dir.path(), 22);
    let output = casefile(dir.path())
        .args([
            "--json",
            "submit",
            "--via",
            "mail",
            "--no-snapshot",
            "--draft",
        ])
        .arg(&draft)
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output.stdout);
    let case = report["caseCode"].as_str().expect("case").to_owned();
    let sha = report["attachments"][0]["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();
    // Postfix delivers to the Maildir a moment later; Python's email parser reads it back.
    let script = format!(
        r#"import email, glob, hashlib, sys, time
for _ in range(300):
    for path in glob.glob(sys.argv[1] + "/new/*"):
        m = email.message_from_binary_file(open(path, "rb"))
        if "[{case}]" in (m["Subject"] or ""):
            assert "vendor-support@example.test" in m["To"], m["To"]
            parts = [p for p in m.walk() if p.get_filename()]
            print(hashlib.sha256(parts[0].get_payload(decode=True)).hexdigest())
            sys.exit(0)
    time.sleep(0.1)
sys.exit("no message for {case} in " + sys.argv[1])
"#
    );
    let read = Process::new("python3")
        .args(["-c", &script, &env["MAILDIR"]])
        .output()
        .expect("python3");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&read.stdout).trim(), sha);
}

#[test]
fn a_submit_killed_while_waiting_for_the_answer_is_finished_by_drain_without_a_second_record() {
    let hook = Emulator::start("webhook", &["--token", "FAKE-hook-token"]);
    let dir = tempfile::tempdir().expect("temp dir");
    webhook_config(dir.path(), &hook.url, "");
    let draft = write_draft(dir.path(), 15);
    // The help desk holds the request for 2 s before storing it and answering.
    hook.faults(serde_json::json!([{"stall": 2}]));
    let mut submit = Process::new(assert_cmd::cargo::cargo_bin("casefile"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .args(["submit", "--no-snapshot", "--draft"])
        .arg(&draft)
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start submit");
    let until = |what: &str, done: &dyn Fn(&serde_json::Value) -> bool| {
        for _ in 0..200 {
            if done(&hook.state()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the emulator never saw {what}: {}", hook.state());
    };
    until("the request", &|state| state["counts"]["requests"] == 1);
    // The power goes: no chance to write anything more.
    submit.kill().expect("kill");
    submit.wait().expect("wait");
    let listed = casefile(dir.path())
        .args(["--json", "outbox", "list"])
        .output()
        .expect("list");
    let listed = json(&listed.stdout);
    assert_eq!(listed[0]["state"], "sending", "{listed}");
    // The help desk stored it anyway and answered nobody.
    until("the stored record", &|state| {
        state["records"].as_array().is_some_and(|r| r.len() == 1)
    });
    let output = casefile(dir.path())
        .args(["--json", "outbox", "drain"])
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .output()
        .expect("drain");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let drained = json(&output.stdout);
    assert_eq!(drained[0]["state"], "sent");
    let state = hook.state();
    assert_eq!(state["records"].as_array().expect("records").len(), 1);
    assert_eq!(drained[0]["receipt"]["ticketId"], state["records"][0]["id"]);
}

#[test]
fn channels_test_reaches_the_webhook_with_the_secret_and_submits_nothing() {
    let hook = Emulator::start("webhook", &["--token", "FAKE-hook-token"]);
    let dir = tempfile::tempdir().expect("temp dir");
    webhook_config(dir.path(), &hook.url, "");
    casefile(dir.path())
        .args(["channels", "test", "hook"])
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("hook"));
    // A wrong token is refused, named by its variable, and not shown.
    casefile(dir.path())
        .args(["channels", "test", "hook"])
        .env("CASEFILE_SECRET_HOOK", "FAKE-wrong-token")
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("CASEFILE_SECRET_HOOK")
                .and(predicate::str::contains("FAKE-wrong-token").not()),
        );
    assert_eq!(
        hook.state()["records"].as_array().expect("records").len(),
        0
    );
}

/// Submits a fresh draft with a planted log through the emulated help desk `kind`, configured
/// by `settings` (the keys after `kind`, `url` and `ca_file`); returns the JSON report, the
/// emulator's state, and the emulator.
fn submit_to_emulator(
    kind: &str,
    args: &[&str],
    settings: &str,
    secret: &str,
    entropy: u64,
) -> (serde_json::Value, serde_json::Value, Emulator) {
    let emulator = Emulator::start(kind, args);
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(
        dir.path(),
        &format!(
            "[channels.desk]\nkind = \"{kind}\"\nurl = \"{}\"\nca_file = \"{}\"\n{settings}",
            emulator.url,
            emulator.ca.as_ref().expect("an HTTPS emulator").display()
        ),
    );
    let draft = write_draft(dir.path(), entropy);
    let log = planted_log(dir.path());
    let output = casefile(dir.path())
        .args([
            "--json",
            "submit",
            "--via",
            "desk",
            "--no-snapshot",
            "--draft",
        ])
        .arg(&draft)
        .arg("--add")
        .arg(&log)
        .env("CASEFILE_SECRET_DESK", secret)
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output.stdout);
    let state = emulator.state();
    // The bundle arrived whole: its sha256 is in what the help desk stored.
    let sha = report["attachments"][0]["sha256"].as_str().expect("sha256");
    assert!(state.to_string().contains(sha), "{state}");
    assert!(
        !state.to_string().contains(secret),
        "the token is not echoed into the ticket"
    );
    (report, state, emulator)
}

#[test]
fn submit_through_zendesk_uploads_the_bundle_and_creates_one_ticket() {
    let (report, state, _zendesk) = submit_to_emulator(
        "zendesk",
        &["--email", "agent@example.test", "--token", "FAKE-zd-token"],
        "email = \"agent@example.test\"\n",
        "FAKE-zd-token",
        31,
    );
    let tickets = state["tickets"].as_array().expect("tickets");
    assert_eq!(tickets.len(), 1, "{state}");
    let id = report["receipt"]["ticketId"].as_str().expect("ticket id");
    assert!(
        report["receipt"]["url"]
            .as_str()
            .is_some_and(|url| url.ends_with(&format!("/agent/tickets/{id}"))),
        "{report}"
    );
}

#[test]
fn submit_through_freshdesk_creates_one_ticket_with_the_bundle() {
    let (report, state, _freshdesk) = submit_to_emulator(
        "freshdesk",
        &["--api-key", "FAKE-fd-key"],
        "",
        "FAKE-fd-key",
        32,
    );
    assert_eq!(state["tickets"].as_array().expect("tickets").len(), 1);
    assert!(report["receipt"]["ticketId"].is_string(), "{report}");
}

#[test]
fn submit_through_jira_service_management_raises_one_request_with_the_bundle() {
    let (report, state, _jsm) = submit_to_emulator(
        "jsm",
        &[
            "--email",
            "bot@example.test",
            "--token",
            "FAKE-jsm-token",
            "--account-id",
            "5b10ac8d82e05b22cc7d4ef5",
        ],
        "service_desk_id = \"5\"\nrequest_type_id = \"20\"\nemail = \"bot@example.test\"\n",
        "FAKE-jsm-token",
        33,
    );
    assert_eq!(state["requests"].as_array().expect("requests").len(), 1);
    assert!(
        report["receipt"]["ticketId"]
            .as_str()
            .is_some_and(|key| key.starts_with("SD-")),
        "{report}"
    );
}

#[test]
fn a_submit_killed_between_upload_and_ticket_creation_is_finished_by_drain_reusing_the_upload() {
    let zendesk = Emulator::start(
        "zendesk",
        &["--email", "agent@example.test", "--token", "FAKE-zd-token"],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(
        dir.path(),
        &format!(
            "[channels.desk]\nkind = \"zendesk\"\nurl = \"{}\"\nca_file = \"{}\"\nemail = \"agent@example.test\"\n",
            zendesk.url,
            zendesk.ca.as_ref().expect("ca").display()
        ),
    );
    let draft = write_draft(dir.path(), 34);
    // The ticket request hangs, then the connection drops: the ticket is never created.
    zendesk.faults(serde_json::json!([
        {"match": "POST /api/v2/tickets", "stall": 3, "reset": true}
    ]));
    let mut submit = Process::new(assert_cmd::cargo::cargo_bin("casefile"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .args(["submit", "--via", "desk", "--no-snapshot", "--draft"])
        .arg(&draft)
        .env("CASEFILE_SECRET_DESK", "FAKE-zd-token")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start submit");
    let mut waited = 0;
    while zendesk.state()["counts"]["POST /api/v2/tickets"] != 1 {
        assert!(waited < 400, "no ticket request came: {}", zendesk.state());
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    // Uploaded, ticket requested: the process dies before any answer.
    submit.kill().expect("kill");
    submit.wait().expect("wait");
    assert_eq!(zendesk.state()["counts"]["POST /api/v2/uploads"], 1);
    // Let the emulator drop the hanging request, so the help desk has the upload and no ticket.
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(
        zendesk.state()["tickets"]
            .as_array()
            .expect("tickets")
            .len(),
        0
    );
    let output = casefile(dir.path())
        .args(["--json", "outbox", "drain"])
        .env("CASEFILE_SECRET_DESK", "FAKE-zd-token")
        .output()
        .expect("drain");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let state = zendesk.state();
    assert_eq!(
        state["tickets"].as_array().expect("tickets").len(),
        1,
        "{state}"
    );
    assert_eq!(
        state["counts"]["POST /api/v2/uploads"], 1,
        "the upload token from before the crash was reused: {state}"
    );
    let drained = json(&output.stdout);
    assert_eq!(drained[0]["state"], "sent");
}

#[test]
fn the_receipt_of_a_ticket_counts_the_vendors_targets_from_the_send_and_prepares_an_escalation() {
    let hook = Emulator::start("webhook", &["--token", "FAKE-hook-token"]);
    let dir = tempfile::tempdir().expect("temp dir");
    webhook_config(dir.path(), &hook.url, "");
    let case_code = casefile_core::case_code::CaseCode::from_entropy(16).to_string();
    let draft = dir.path().join("jetpatch.toml");
    std::fs::write(
        &draft,
        format!(
            r#"schema_version = 1
case_code = "{case_code}"
profile = "jetpatch"
tier = "standard"
issue_type = "agent-management"

[contact]
name = "Ada Example"
email = "ada@example.test"

[problem]
subject = "Agent offline"
description = "The agent on web-01 stopped reporting."
operation_requested = "Restart the agent"
expected_result = "The agent reports"

[impact]
priority = "2"
"#
        ),
    )
    .expect("write draft");
    let output = casefile(dir.path())
        .args(["--json", "submit", "--no-snapshot", "--draft"])
        .arg(&draft)
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let receipt = &json(&output.stdout)["receipt"];
    let targets = receipt["sla"]["targets"].as_array().expect("targets");
    assert!(!targets.is_empty(), "{receipt}");
    assert_eq!(receipt["escalationTo"][0], "support@jetpatch.com");
    let message = receipt["escalationMessage"].as_str().expect("message");
    assert!(
        message.contains(&format!("[{case_code}]"))
            && message.contains("WH-1")
            && message.contains("Acknowledgment within 1 business day: due")
            && message.contains("Ada Example, ada@example.test"),
        "{message}"
    );
    assert_eq!(receipt["nextStep"], serde_json::Value::Null);
}

#[test]
fn a_bundle_bigger_than_the_channel_takes_is_refused_before_it_is_queued() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_config(
        dir.path(),
        "[channels.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\nmax_size = \"1 KiB\"\n",
    );
    let draft = write_draft(dir.path(), 17);
    let bundle = dir.path().join("big.zip");
    std::fs::write(&bundle, vec![0u8; 4096]).expect("bundle");
    casefile(dir.path())
        .args(["submit", "--via", "hook", "--draft"])
        .arg(&draft)
        .arg("--bundle")
        .arg(&bundle)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("takes at most 1.0 KiB")
                .or(predicate::str::contains("takes at most 1 KiB")),
        );
    assert!(!dir.path().join("data/outbox").exists(), "nothing queued");
}

/// A fake JumpCloud connect key and a private address, pasted into a draft's description.
const CONNECT_KEY: &str = "FAKE0c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0";
const ADDRESS: &str = "10.61.12.34";

/// `write_draft` with a description that holds a pasted agent log line with the connect key and
/// the address, and the endpoint `build-srv-07` named in the subject.
fn write_draft_with_pasted_secrets(dir: &Path, entropy: u64) -> PathBuf {
    let path = write_draft(dir, entropy);
    let text = std::fs::read_to_string(&path)
        .expect("read")
        .replace(
            "description = \"Since Monday the agent on build-01 reports nothing. FAKE-token should not matter.\"",
            &format!(
                "description = '''\nThe agent log says:\n\"connectKey\": \"{CONNECT_KEY}\", \"server\": \"{ADDRESS}\"\n'''"
            ),
        )
        .replace(
            "subject = \"Agent stopped reporting\"",
            "subject = \"Agent on build-srv-07 stopped reporting\"",
        );
    assert!(text.contains(CONNECT_KEY));
    std::fs::write(
        &path,
        format!("{text}\n[[scope.endpoints]]\nhostname = \"build-srv-07\"\n"),
    )
    .expect("write");
    path
}

/// Every text part of a saved e-mail, decoded (the body is quoted-printable), and its subject.
fn eml_text(eml: &Path) -> String {
    let script = r#"import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
out = [str(m["Subject"])]
for part in m.walk():
    if part.get_content_maintype() == "text":
        out.append(part.get_payload(decode=True).decode("utf-8"))
print("\n".join(out))
"#;
    let read = Process::new("python3")
        .args(["-c", script])
        .arg(eml)
        .output()
        .expect("python3");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    String::from_utf8_lossy(&read.stdout).into_owned()
}

#[test]
fn a_secret_and_an_address_pasted_into_the_description_are_gone_from_the_saved_eml() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = write_draft_with_pasted_secrets(dir.path(), 21);
    // With the bundle, then the request alone (no bundle: still redacted).
    for extra in [&["--no-snapshot"][..], &["--no-evidence", "--again"][..]] {
        let output = casefile(dir.path())
            .args(["--json", "submit"])
            .args(extra)
            .arg("--draft")
            .arg(&draft)
            .output()
            .expect("run");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{extra:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let case = casefile_core::case_code::CaseCode::from_entropy(21).to_string();
    let saved = dir.path().join("data/saved");
    let mut hosts = Vec::new();
    for eml in [format!("{case}.eml"), format!("{case}-2.eml")] {
        let text = eml_text(&saved.join(&eml));
        for original in [CONNECT_KEY, ADDRESS, "build-srv-07"] {
            assert!(!text.contains(original), "{original} in {eml}:\n{text}");
        }
        assert!(text.contains("[REDACTED]"), "{text}");
        assert!(
            text.contains("ada@example.test"),
            "the contact stays: {text}"
        );
        hosts.push(
            text.split_whitespace()
                .find(|w| w.starts_with("host-"))
                .map(str::to_owned),
        );
    }
    assert!(hosts[0].is_some());
    assert_eq!(
        hosts[0], hosts[1],
        "the same pseudonym with and without the bundle"
    );
    assert!(
        !saved.join(format!("{case}-2.zip")).exists(),
        "nothing attached"
    );
}

#[test]
fn a_secret_pasted_into_the_description_never_reaches_the_webhook() {
    let hook = Emulator::start("webhook", &["--token", "FAKE-hook-token"]);
    let dir = tempfile::tempdir().expect("temp dir");
    webhook_config(dir.path(), &hook.url, "");
    let draft = write_draft_with_pasted_secrets(dir.path(), 22);
    let output = casefile(dir.path())
        .args(["--json", "submit", "--no-snapshot", "--draft"])
        .arg(&draft)
        .env("CASEFILE_SECRET_HOOK", "FAKE-hook-token")
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let state = hook.state();
    let record = &state["records"][0];
    let text = record["text"].as_str().expect("text");
    let request = record["request"].to_string();
    for original in [CONNECT_KEY, ADDRESS, "build-srv-07"] {
        assert!(!text.contains(original), "{original} in the text:\n{text}");
        assert!(
            !request.contains(original),
            "{original} in the request part"
        );
    }
    assert!(
        text.contains("[REDACTED]") && text.contains("host-"),
        "{text}"
    );
}
