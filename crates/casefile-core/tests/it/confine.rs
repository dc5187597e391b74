//! Confinement and hostile input: a local user who plants links, swaps files or crafts names
//! and archives cannot make a collection (often run as root) send what it must not, hang, or
//! fail as a whole. Each test builds the hostile machine under a temporary folder.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use casefile_core::bundle::read::ZipReader;
use casefile_core::bundle::zip::{EntryOptions, ZipWriter};
use casefile_core::evidence::SkipReason;
use casefile_core::evidence::collect::{self, CollectContext, CollectOptions, Outcome};
use casefile_core::evidence::merge::{self, MergeCheck, MergeLimits};
use casefile_core::evidence::plan::{Plan, PlanRequest, plan};
use casefile_core::evidence::resolve::Env;
use casefile_core::profile::parse;
use casefile_core::profile::schema::{Os, Profile};
use casefile_core::redact::{Category, Mapping, PseudonymKey};

use crate::builtin;

fn write(path: &Path, content: &[u8]) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

/// The generic profile plus one evidence kind `test-kind` with `sources` (TOML inline tables).
fn profile_with(sources: &str) -> Profile {
    let generic = include_str!("../../src/profile/builtin/generic.toml");
    let text = format!(
        "{generic}\n[[evidence]]\nid = \"test-kind\"\nlabel = \"Test\"\ndescription = \"Test evidence.\"\nsources = [\n{sources}\n]\n"
    );
    parse(&text, "test.toml").unwrap_or_else(|errors| panic!("profile: {errors:?}"))
}

fn plan_kind(profile: &Profile, env: &Env, kind: &str) -> Plan {
    plan(
        &PlanRequest {
            profile,
            env,
            evidence: Some(&[kind.to_owned()]),
            add: &[],
            screenshots: &[],
            include_binary: false,
            own_folders: &[],
        },
        &AtomicBool::new(false),
    )
}

fn entries(plan: &Plan) -> Vec<&str> {
    plan.items.iter().map(|item| item.entry.as_str()).collect()
}

fn skipped_names(skipped: &[casefile_core::evidence::Skipped], reason: SkipReason) -> Vec<String> {
    let mut names: Vec<String> = skipped
        .iter()
        .filter(|skip| skip.reason == reason)
        .map(|skip| {
            skip.source
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    names.sort();
    names
}

/// Runs a redacting collection into `dir/out.zip`: the outcome and every entry by name.
fn run(
    profile: &Profile,
    env: &Env,
    options: &CollectOptions,
    key: &PseudonymKey,
    mapping: Option<&Path>,
    dir: &Path,
) -> (Outcome, BTreeMap<String, Vec<u8>>) {
    let out = dir.join("out.zip");
    let context = CollectContext {
        profile,
        env,
        key: Some(key),
        mapping_path: mapping,
    };
    let outcome = collect::collect(&context, options, &out, &|_| {}, &AtomicBool::new(false))
        .unwrap_or_else(|error| panic!("collect: {error}"));
    let mut reader = ZipReader::new(fs::File::open(&out).expect("open")).expect("zip");
    let mut unpacked = BTreeMap::new();
    for index in 0..reader.entries().len() {
        let name = reader.entries()[index].name.clone();
        let mut bytes = Vec::new();
        reader
            .open(index)
            .expect("entry")
            .read_to_end(&mut bytes)
            .expect("read");
        unpacked.insert(name, bytes);
    }
    (outcome, unpacked)
}

fn options(evidence: &[&str]) -> CollectOptions {
    CollectOptions {
        evidence: Some(evidence.iter().map(|id| (*id).to_owned()).collect()),
        snapshot: false,
        threads: 2,
        ..CollectOptions::default()
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

// ---- H1: per-user sources stay inside each home ----

#[cfg(unix)]
#[test]
fn a_link_in_a_users_folder_may_not_lead_out_of_that_home_at_any_depth_or_through_a_glob() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().expect("temp dir");
    let r = root.path();
    for home in ["home/alice", "home/bob"] {
        fs::create_dir_all(r.join(home)).expect("mkdir");
    }
    // Root-only files inside the collection's root, but in nobody's home.
    write(
        &r.join("secret-dir/secret.conf"),
        b"root:$6$FAKEsalt$FAKEhash:\n",
    );
    write(&r.join("secret-dir/trace.log"), b"FAKE-root-only trace\n");
    write(&r.join("home/bob/private/bob.log"), b"bob's own log\n");
    let alice = r.join("home/alice");
    // The finding: the whole per-user folder is a link to a root-only folder.
    fs::create_dir_all(alice.join(".config/JumpCloud Password Manager")).expect("mkdir");
    symlink(
        r.join("secret-dir"),
        alice.join(".config/JumpCloud Password Manager/logs"),
    )
    .expect("link");
    // Deeper: a real folder holding a link into another user's home.
    write(
        &alice.join(".config/JumpCloud-Remote-Assist/logs/ok.log"),
        b"alice's own log\n",
    );
    symlink(
        r.join("home/bob/private"),
        alice.join(".config/JumpCloud-Remote-Assist/logs/deep"),
    )
    .expect("link");
    let env = Env::under_root(Os::Linux, r);
    let planned = plan_kind(&builtin("jumpcloud"), &env, "jc-user-apps");
    assert_eq!(
        entries(&planned),
        vec!["logs/home/alice/.config/JumpCloud-Remote-Assist/logs/ok.log"],
        "{:?}",
        planned.skipped
    );
    assert_eq!(
        skipped_names(&planned.skipped, SkipReason::OutsideRoots),
        vec!["deep", "logs"]
    );

    // A glob whose match is a link out of the home.
    fs::create_dir_all(alice.join("app")).expect("mkdir");
    symlink(r.join("secret-dir"), alice.join("app/x")).expect("link");
    write(&alice.join("app/y/trace.log"), b"alice's trace\n");
    let profile = profile_with(r#"{ os = "linux", paths = ["~/app/*/trace.log"] }"#);
    let planned = plan_kind(&profile, &env, "test-kind");
    assert_eq!(
        entries(&planned),
        vec!["logs/home/alice/app/y/trace.log"],
        "{:?}",
        planned.skipped
    );
    assert_eq!(
        skipped_names(&planned.skipped, SkipReason::OutsideRoots),
        vec!["trace.log"]
    );
}

#[cfg(unix)]
#[test]
fn a_hard_link_in_a_home_to_another_users_file_is_not_collected() {
    let root = tempfile::tempdir().expect("temp dir");
    let r = root.path();
    let logs = r.join("home/alice/app/logs");
    write(&logs.join("own.log"), b"alice's own log\n");
    // Her own file with a second link is hers: collected.
    fs::hard_link(logs.join("own.log"), logs.join("own-again.log")).expect("link");
    write(
        &r.join("secret-dir/shadow"),
        b"root:$6$FAKEsalt$FAKEhash:\n",
    );
    let env = Env::under_root(Os::Linux, r);
    let profile = profile_with(r#"{ os = "linux", paths = ["~/app/logs"] }"#);
    // Another user's file, hard-linked into her home (only root can set this up here).
    let foreign = r.join("secret-dir/shadow");
    if std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).is_err() {
        let planned = plan_kind(&profile, &env, "test-kind");
        assert_eq!(
            entries(&planned),
            vec!["logs/home/alice/app/logs/own-again.log"]
        );
        return;
    }
    fs::hard_link(&foreign, logs.join("shadow")).expect("link");
    let planned = plan_kind(&profile, &env, "test-kind");
    assert_eq!(
        entries(&planned),
        vec!["logs/home/alice/app/logs/own-again.log"],
        "{:?}",
        planned.skipped
    );
    assert_eq!(
        skipped_names(&planned.skipped, SkipReason::OutsideRoots),
        vec!["shadow"]
    );
}

// ---- L6: a planned file swapped before it is read ----

#[cfg(unix)]
#[test]
fn a_planned_file_swapped_for_a_link_or_a_fifo_is_skipped_with_the_reason_never_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().canonicalize().expect("canonical");
    write(&d.join("a.log"), b"planned content\n");
    write(&d.join("b.log"), b"planned content\n");
    write(&d.join("secret.txt"), b"FAKE-root-only-secret\n");
    let (a, b, secret) = (d.join("a.log"), d.join("b.log"), d.join("secret.txt"));
    // Commands run after planning and before any file is read: this one swaps both files.
    let script = format!(
        "rm '{a}' '{b}' && ln -s '{secret}' '{a}' && mkfifo '{b}'",
        a = a.display(),
        b = b.display(),
        secret = secret.display()
    );
    let profile = profile_with(&format!(
        "{{ os = \"{os}\", paths = ['{a}', '{b}'], commands = [ {{ name = \"swap\", argv = [\"sh\", \"-c\", \"{script}\"], timeout = \"30 seconds\" }} ] }}",
        os = match casefile_core::evidence::resolve::current_os() {
            Os::Macos => "macos",
            _ => "linux",
        },
        a = a.display(),
        b = b.display(),
    ));
    // Old code blocked forever opening the FIFO; this writer ends such a wait so the test
    // fails instead of hanging (it finds no reader, or no FIFO, when the run did not block).
    let fifo = b.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(30));
        use std::os::unix::fs::OpenOptionsExt;
        let _ = fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo);
    });
    let key = PseudonymKey::generate().expect("key");
    let out = tempfile::tempdir().expect("out");
    let (outcome, unpacked) = run(
        &profile,
        &Env::live(),
        &options(&["test-kind"]),
        &key,
        None,
        out.path(),
    );
    assert!(
        unpacked.keys().any(|name| name.starts_with("commands/")),
        "the swap ran: {:?}",
        unpacked.keys()
    );
    for (name, bytes) in &unpacked {
        assert!(!contains(bytes, "FAKE-root-only-secret"), "{name} holds it");
        assert!(
            !name.ends_with("/a.log") && !name.ends_with("/b.log"),
            "{name}"
        );
    }
    let changed: Vec<&casefile_core::evidence::Skipped> = outcome
        .skipped
        .iter()
        .filter(|skip| skip.reason == SkipReason::Changed)
        .collect();
    assert_eq!(changed.len(), 2, "{:?}", outcome.skipped);
    assert!(
        changed
            .iter()
            .any(|skip| skip.detail.contains("symbolic link to another file")),
        "{changed:?}"
    );
    assert!(
        changed.iter().any(|skip| skip.detail.contains("FIFO")),
        "{changed:?}"
    );
}

// ---- H2: a trim that starts inside a private key ----

/// A fake key body line: 64 base64 characters starting with `FAKE`.
fn key_line(n: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut line = String::from("FAKE");
    while line.len() < 64 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        line.push(char::from(ALPHABET[(state >> 58) as usize]));
    }
    line
}

#[test]
fn a_size_cap_that_starts_inside_a_private_key_keeps_the_rest_of_the_key_redacted() {
    let root = tempfile::tempdir().expect("temp dir");
    let mut log = String::new();
    for n in 0..3000 {
        log.push_str(&format!("2026-11-23 10:00:00 INFO before {n}\n"));
    }
    log.push_str("-----BEGIN RSA PRIVATE KEY-----\n");
    let body: Vec<String> = (0..400).map(key_line).collect();
    let mut middle = 0;
    for (n, line) in body.iter().enumerate() {
        if n == 200 {
            middle = log.len() + 10;
        }
        log.push_str(line);
        log.push('\n');
    }
    log.push_str("-----END RSA PRIVATE KEY-----\n");
    for n in 0..3000 {
        log.push_str(&format!("2026-11-23 10:00:01 INFO after {n}\n"));
    }
    write(&root.path().join("var/log/app.log"), log.as_bytes());
    let keep = log.len() - middle;
    let profile = profile_with(&format!(
        "{{ os = \"linux\", paths = [\"/var/log/app.log\"], max_size = \"{keep}\" }}"
    ));
    let env = Env::under_root(Os::Linux, root.path());
    let key = PseudonymKey::generate().expect("key");
    let out = tempfile::tempdir().expect("out");
    let (outcome, unpacked) = run(
        &profile,
        &env,
        &options(&["test-kind"]),
        &key,
        None,
        out.path(),
    );
    let text = String::from_utf8_lossy(
        unpacked
            .get("logs/var/log/app.log")
            .unwrap_or_else(|| panic!("no log: {:?}", unpacked.keys())),
    )
    .into_owned();
    assert!(text.contains("INFO after 2999"), "the tail is kept");
    assert!(!text.contains("INFO before"), "the head was trimmed");
    let clear: Vec<&String> = body
        .iter()
        .filter(|line| text.contains(line.as_str()))
        .collect();
    assert!(clear.is_empty(), "{} key lines in clear", clear.len());
    let entry = outcome
        .entries
        .iter()
        .find(|entry| entry.name == "logs/var/log/app.log")
        .expect("entry");
    assert!(!entry.truncated.is_empty(), "the cut is recorded");
}

#[test]
fn a_key_block_that_begins_at_the_end_of_a_cut_long_line_stays_redacted() {
    let root = tempfile::tempdir().expect("temp dir");
    let mut log = String::from("2026-11-23 10:00:00 INFO start\n");
    // A 3 MiB line (cut to its first 64 KiB) that ends with a BEGIN marker.
    log.push_str(&"z".repeat(3 << 20));
    log.push_str(" dump: -----BEGIN RSA PRIVATE KEY-----\n");
    let body: Vec<String> = (1000..1040).map(key_line).collect();
    for line in &body {
        log.push_str(line);
        log.push('\n');
    }
    log.push_str("-----END RSA PRIVATE KEY-----\n2026-11-23 10:00:01 INFO after\n");
    let file = root.path().join("ev/dump.log");
    write(&file, log.as_bytes());
    let env = Env::under_root(Os::Linux, root.path());
    let mut options = options(&[]);
    options.add = vec![file];
    let key = PseudonymKey::generate().expect("key");
    let out = tempfile::tempdir().expect("out");
    let (_, unpacked) = run(&builtin("generic"), &env, &options, &key, None, out.path());
    let text = String::from_utf8_lossy(unpacked.get("attachments/dump.log").expect("dump.log"))
        .into_owned();
    assert!(text.contains("line cut"), "the long line was cut");
    assert!(text.contains("INFO after"), "the block ended");
    let clear: Vec<&String> = body
        .iter()
        .filter(|line| text.contains(line.as_str()))
        .collect();
    assert!(clear.is_empty(), "{} key lines in clear", clear.len());
}

// ---- L2: entry names ----

#[cfg(unix)]
#[test]
fn entry_names_are_redacted_before_they_are_made_unique_and_from_their_unescaped_form() {
    let root = tempfile::tempdir().expect("temp dir");
    let ev = root.path().join("ev");
    for name in ["password=a.txt", "password=b.txt", "session:alice.log"] {
        write(&ev.join(name), b"hello\n");
    }
    let env = Env::under_root(Os::Linux, root.path());
    let mut options = options(&[]);
    options.add = vec![ev];
    options.names.usernames.insert("alice".to_owned());
    let key = PseudonymKey::generate().expect("key");
    let out = tempfile::tempdir().expect("out");
    let (outcome, unpacked) = run(&builtin("generic"), &env, &options, &key, None, out.path());
    let names: Vec<&String> = unpacked.keys().collect();
    assert!(
        names.contains(&&"attachments/ev/password=[REDACTED]".to_owned())
            && names.contains(&&"attachments/ev/password=[REDACTED] (2)".to_owned()),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|name| name.starts_with("attachments/ev/session%3Auser-")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|name| name.contains("alice")),
        "{names:?}"
    );
    let manifest = unpacked.get("manifest.json").expect("manifest");
    assert!(!contains(manifest, "alice"));
    assert!(outcome.leaks.is_empty(), "{:?}", outcome.leaks);
}

// ---- H3: Casefile's own folders ----

#[cfg(unix)]
#[test]
fn casefiles_data_and_config_folders_never_enter_a_bundle_through_a_parent_or_a_link() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().expect("temp dir");
    let home = root.path().join("u");
    let data = home.join(".local/share/casefile");
    let config = home.join(".config/casefile");
    let key = PseudonymKey::generate().expect("key");
    key.save(&data).expect("key file");
    let mut earlier = Mapping::default();
    earlier.insert(
        "host-1a2b3c4d".into(),
        Category::Hostname,
        "earlier-web-fake".into(),
    );
    earlier
        .save(&casefile_core::redact::mapping_path(&data))
        .expect("mapping");
    write(&config.join("config.toml"), b"[channels]\n");
    // A draft's cleaned screenshot, stored in the data folder: it goes in as a screenshot.
    let shot = data.join("screenshots/CF-TEST-0001/shot.png");
    // (A real image: every image is re-encoded on its way into a bundle.)
    let pixels = vec![128u8; 4 * 4 * 3];
    let png = casefile_core::evidence::screenshot::encode_png(
        &pixels,
        4,
        4,
        image::ExtendedColorType::Rgb8,
    )
    .expect("png");
    write(&shot, &png);
    write(&home.join("app/app.log"), b"an application log\n");
    // A link elsewhere into the data folder.
    let other = root.path().join("other");
    fs::create_dir_all(&other).expect("mkdir");
    symlink(data.join("pseudonym.key"), other.join("key.txt")).expect("link");
    symlink(&data, other.join("data")).expect("link");
    let env = Env::under_root(Os::Linux, root.path());
    let mut options = options(&[]);
    options.add = vec![home.clone(), other.clone(), data.join("mapping.json")];
    options.screenshots = vec![shot];
    options.data_dir = Some(data.clone());
    options.config_paths = vec![config.join("config.toml"), config.join("profiles")];
    let out = tempfile::tempdir().expect("out");
    let (outcome, unpacked) = run(&builtin("generic"), &env, &options, &key, None, out.path());
    let names: Vec<&String> = unpacked.keys().collect();
    assert!(
        names.contains(&&"attachments/u/app/app.log".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&&"screenshots/shot.png".to_owned()),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|name| name.starts_with("attachments/") && name.ends_with("shot.png")),
        "only as the request's screenshot: {names:?}"
    );
    for name in &names {
        for own in ["pseudonym.key", "mapping.json", "config.toml", "key.txt"] {
            assert!(!name.contains(own), "{name} went in");
        }
    }
    let export = key.export();
    let hex = export.split_once(':').expect("hex").1;
    for (name, bytes) in &unpacked {
        assert!(!contains(bytes, hex), "{name} holds the key");
    }
    let own: Vec<&casefile_core::evidence::Skipped> = outcome
        .skipped
        .iter()
        .filter(|skip| skip.reason == SkipReason::CasefileData)
        .collect();
    assert_eq!(own.len(), 2, "each folder once: {:?}", outcome.skipped);
    assert!(
        own.iter().any(|skip| skip.detail.contains("pseudonym key")),
        "{own:?}"
    );
}

#[test]
fn the_key_and_the_originals_of_earlier_bundles_are_leak_scan_needles() {
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let key = PseudonymKey::generate().expect("key");
    let mapping = casefile_core::redact::mapping_path(&data);
    let mut earlier = Mapping::default();
    earlier.insert(
        "host-1a2b3c4d".into(),
        Category::Hostname,
        "earlier-web-fake".into(),
    );
    earlier.save(&mapping).expect("mapping");
    // The key's hex (a copy, looking like a checksum) and a name only an earlier bundle
    // knew, in a file of their own.
    let export = key.export();
    let hex = export.split_once(':').expect("hex").1;
    let notes = root.path().join("ev/notes.txt");
    write(
        &notes,
        format!("checksum {hex}\nthe box earlier-web-fake was rebuilt\n").as_bytes(),
    );
    let env = Env::under_root(Os::Linux, root.path());
    let mut options = options(&[]);
    options.add = vec![notes];
    let out = tempfile::tempdir().expect("out");
    let (outcome, _) = run(
        &builtin("generic"),
        &env,
        &options,
        &key,
        Some(&mapping),
        out.path(),
    );
    let found: Vec<(Category, &str)> = outcome
        .leaks
        .iter()
        .map(|leak| (leak.category, leak.what.as_str()))
        .collect();
    assert!(
        found
            .iter()
            .any(|(category, _)| *category == Category::Secret),
        "the key: {found:?}"
    );
    assert!(
        found.contains(&(Category::Hostname, "earlier-web-fake")),
        "{found:?}"
    );
}

// ---- L4: a mapping that cannot be saved ----

#[test]
fn a_mapping_that_cannot_be_saved_is_reported_as_a_warning_and_the_bundle_kept() {
    let root = tempfile::tempdir().expect("temp dir");
    let notes = root.path().join("ev/notes.txt");
    write(&notes, b"connected from 10.20.30.40\n");
    // The mapping's folder is a file: nothing can be saved there.
    let blocker = root.path().join("data");
    fs::write(&blocker, b"a file").expect("write");
    let env = Env::under_root(Os::Linux, root.path());
    let mut options = options(&[]);
    options.add = vec![notes];
    let key = PseudonymKey::generate().expect("key");
    let out = tempfile::tempdir().expect("out");
    let (outcome, unpacked) = run(
        &builtin("generic"),
        &env,
        &options,
        &key,
        Some(&blocker.join("mapping.json")),
        out.path(),
    );
    assert!(outcome.mapping.is_none());
    assert!(
        outcome
            .warnings
            .iter()
            .any(|warning| warning.contains("mapping was not saved")
                && warning.contains("translate")),
        "{:?}",
        outcome.warnings
    );
    assert!(unpacked.contains_key("attachments/notes.txt"));
}

// ---- L9: gzip bombs ----

#[test]
fn a_gzip_log_that_expands_past_its_cap_is_skipped_or_cut_with_the_reason() {
    let root = tempfile::tempdir().expect("temp dir");
    let gzip = |text: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(text).expect("gzip");
        encoder.finish().expect("gzip")
    };
    // One member of 70 MiB of short lines (about 300 KiB): its trailer says so.
    let bomb = gzip(&b"x\n".repeat(35 << 20));
    assert!(bomb.len() < (70 << 20) / 250, "{}", bomb.len());
    write(&root.path().join("var/log/big.log.gz"), &bomb);
    // 1 MiB members repeated: the last member's trailer says 1 MiB; the cap cuts it.
    let member = gzip(&b"y\n".repeat(512 * 1024));
    write(&root.path().join("var/log/many.log.gz"), &member.repeat(70));
    write(&root.path().join("var/log/small.log.gz"), &member);
    let profile =
        profile_with(r#"{ os = "linux", paths = ["/var/log/*.log.gz"], max_size = "1 GiB" }"#);
    let env = Env::under_root(Os::Linux, root.path());
    let key = PseudonymKey::generate().expect("key");
    let out = tempfile::tempdir().expect("out");
    // Not redacted: the caps do not depend on it, and 64 MiB is slow to redact unoptimised.
    let mut options = options(&["test-kind"]);
    options.redact = false;
    let (outcome, unpacked) = run(&profile, &env, &options, &key, None, out.path());
    assert!(!unpacked.contains_key("logs/var/log/big.log"));
    let too_large: Vec<&casefile_core::evidence::Skipped> = outcome
        .skipped
        .iter()
        .filter(|skip| skip.reason == SkipReason::TooLarge)
        .collect();
    assert_eq!(too_large.len(), 1, "{:?}", outcome.skipped);
    assert!(too_large[0].source.ends_with("big.log.gz"), "{too_large:?}");
    assert_eq!(
        unpacked.get("logs/var/log/small.log").map(Vec::len),
        Some(1 << 20),
        "a small one is expanded"
    );
    let many = unpacked.get("logs/var/log/many.log").expect("many.log");
    assert!(many.len() <= (64 << 20) + (2 << 20), "{}", many.len());
    let entry = outcome
        .entries
        .iter()
        .find(|entry| entry.name == "logs/var/log/many.log")
        .expect("entry");
    assert!(
        entry
            .truncated
            .iter()
            .any(|cut| cut.detail.contains("expands past")),
        "{:?}",
        entry.truncated
    );
}

// ---- L1: merge inputs from other machines ----

/// A zip of `entries` (deflated), as `ZipWriter` writes it.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.add_entry(name, &EntryOptions::default(), bytes, 6)
            .expect("entry");
    }
    zip.finish().expect("finish").into_inner()
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn le16(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes(
        bytes[at..at + 2].try_into().expect("2 bytes"),
    ))
}

/// Where each central-directory entry of a (small, non-ZIP64) zip starts.
fn central_entries(zip: &[u8]) -> Vec<usize> {
    let eocd = zip.len() - 22;
    assert_eq!(le32(zip, eocd), 0x0605_4b50, "no comment, no ZIP64");
    let count = le16(zip, eocd + 10);
    let mut at = le32(zip, eocd + 16) as usize;
    let mut found = Vec::new();
    for _ in 0..count {
        found.push(at);
        at += 46 + le16(zip, at + 28) + le16(zip, at + 30) + le16(zip, at + 32);
    }
    found
}

#[test]
fn the_reader_refuses_entries_that_overlap_as_zip_bombs_use_them() {
    let names: Vec<String> = (0..20).map(|n| format!("copy-{n:02}.log")).collect();
    let data = vec![b'a'; 64 << 10];
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|name| (name.as_str(), data.as_slice()))
        .collect();
    let mut bomb = zip_of(&entries);
    // Every directory entry points at the first local header: one stream read 20 times.
    for at in central_entries(&bomb) {
        bomb[at + 42..at + 46].copy_from_slice(&0u32.to_le_bytes());
    }
    let error = ZipReader::new(std::io::Cursor::new(bomb)).expect_err("overlap");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert!(error.to_string().contains("overlap"), "{error}");
    // Honest archives still read.
    assert!(ZipReader::new(std::io::Cursor::new(zip_of(&entries))).is_ok());
}

/// A bundle-like zip: a manifest claiming redaction and one log.
fn claimed_bundle(dir: &Path, name: &str, log: &[u8]) -> std::path::PathBuf {
    let manifest =
        br#"{"endpoint":"host-0a0b0c0d","redaction":{"enabled":true,"keyFingerprint":"0a0b0c0d"}}"#;
    let path = dir.join(name);
    fs::write(
        &path,
        zip_of(&[("logs/app.log", log), ("manifest.json", manifest)]),
    )
    .expect("write");
    path
}

#[test]
fn merge_refuses_an_input_over_its_limits_naming_the_file_and_the_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = claimed_bundle(dir.path(), "one.zip", b"a line\n");
    let two = claimed_bundle(dir.path(), "two.zip", b"another line\n");
    let out = dir.path().join("merged.zip");
    let merge_with = |limits: MergeLimits, inputs: &[std::path::PathBuf]| {
        let check = MergeCheck {
            limits,
            scanner: None,
        };
        merge::merge(inputs, None, None, &out, &check)
    };
    let error = merge_with(
        MergeLimits {
            max_entries: 3,
            ..MergeLimits::default()
        },
        &[one.clone(), two.clone()],
    )
    .expect_err("entries");
    assert!(error.is_user_error());
    let message = error.to_string();
    assert!(
        message.contains("two.zip") && message.contains("more than 3 entries"),
        "{message}"
    );
    let error = merge_with(
        MergeLimits {
            max_total: 10,
            ..MergeLimits::default()
        },
        std::slice::from_ref(&one),
    )
    .expect_err("total");
    assert!(
        error.to_string().contains("one.zip") && error.to_string().contains("more than 10 bytes"),
        "{error}"
    );
    // An entry that claims to expand a thousand times.
    let mut bomb = fs::read(&one).expect("read");
    let first = central_entries(&bomb)[0];
    let compressed = le32(&bomb, first + 20);
    bomb[first + 24..first + 28].copy_from_slice(&(compressed * 1000).to_le_bytes());
    let inflated = dir.path().join("inflated.zip");
    fs::write(&inflated, bomb).expect("write");
    let error = merge_with(
        MergeLimits {
            ratio_free: 0,
            ..MergeLimits::default()
        },
        &[inflated],
    )
    .expect_err("ratio");
    assert!(
        error.to_string().contains("inflated.zip")
            && error.to_string().contains("more than 250 times"),
        "{error}"
    );
    assert!(!out.exists(), "nothing written");
    assert!(merge_with(MergeLimits::default(), &[one, two]).is_ok());
}

#[test]
fn merge_does_not_trust_an_inputs_claim_of_redaction_and_scans_the_result() {
    let dir = tempfile::tempdir().expect("temp dir");
    let honest = claimed_bundle(dir.path(), "honest.zip", b"user-1a2b3c4d logged in\n");
    let lying = claimed_bundle(dir.path(), "lying.zip", b"jdoe-fake logged in\n");
    let mut names = casefile_core::redact::Names::default();
    names.usernames.insert("jdoe-fake".to_owned());
    let key = PseudonymKey::generate().expect("key");
    let scanner = casefile_core::redact::LeakScanner::with_key(
        &names,
        &Mapping::default(),
        &std::collections::BTreeSet::new(),
        &key,
    );
    let check = MergeCheck {
        limits: MergeLimits::default(),
        scanner: Some(scanner),
    };
    let out = dir.path().join("merged.zip");
    let outcome = merge::merge(&[honest, lying], None, None, &out, &check).expect("merge");
    assert!(outcome.leak_scanned);
    let leaks: Vec<(&str, &str)> = outcome
        .leaks
        .iter()
        .map(|leak| (leak.entry.as_str(), leak.what.as_str()))
        .collect();
    assert_eq!(leaks.len(), 1, "{leaks:?}");
    assert!(
        leaks[0].0.ends_with("/logs/app.log") && leaks[0].1 == "jdoe-fake",
        "{leaks:?}"
    );
    let mut reader = ZipReader::new(fs::File::open(&out).expect("open")).expect("zip");
    let index = reader.find("manifest.json").expect("manifest");
    let mut manifest = String::new();
    reader
        .open(index)
        .expect("entry")
        .read_to_string(&mut manifest)
        .expect("read");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("json");
    assert_eq!(
        manifest["verification"]["leakScanned"], true,
        "{manifest:#}"
    );
    assert_eq!(manifest["verification"]["limitsChecked"], true);
}
