//! `casefile collect`, `bundle`, `merge`, `redact`, `translate` and `key` end to end: real files,
//! real bundles read back with our reader, `unzip` and Python, bad input of every kind.

mod common;

use common::{casefile, json};
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use casefile_core::bundle::read::ZipReader;
use sha2::{Digest, Sha256};

/// Runs `collect --json` with the generic profile, no snapshot, and the given extra arguments.
fn collect(dir: &Path, args: &[&str]) -> (serde_json::Value, PathBuf) {
    let out = dir.join("out.zip");
    let output = casefile(dir)
        .args([
            "--json",
            "collect",
            "--profile",
            "generic",
            "--no-snapshot",
            "-o",
        ])
        .arg(&out)
        .args(args)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "collect failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    (json(&output.stdout), out)
}

/// Every entry of a bundle, by name.
fn unpack(bundle: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut reader = ZipReader::new(fs::File::open(bundle).expect("open")).expect("zip");
    let mut entries = BTreeMap::new();
    for index in 0..reader.entries().len() {
        let name = reader.entries()[index].name.clone();
        let mut bytes = Vec::new();
        reader
            .open(index)
            .expect("entry")
            .read_to_end(&mut bytes)
            .expect("read");
        entries.insert(name, bytes);
    }
    entries
}

fn manifest(entries: &BTreeMap<String, Vec<u8>>) -> serde_json::Value {
    json(entries.get("manifest.json").expect("manifest.json"))
}

fn manifest_entry<'a>(manifest: &'a serde_json::Value, suffix: &str) -> &'a serde_json::Value {
    manifest["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["name"].as_str().is_some_and(|n| n.ends_with(suffix)))
        .unwrap_or_else(|| panic!("no entry ending in {suffix}: {manifest:#}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every entry's sha256 matches the manifest, and stock tools accept the archive.
fn assert_round_trip(bundle: &Path) -> BTreeMap<String, Vec<u8>> {
    let entries = unpack(bundle);
    let manifest = manifest(&entries);
    let listed = manifest["entries"].as_array().expect("entries");
    assert_eq!(
        listed.len() + 1,
        entries.len(),
        "manifest lists every entry but itself"
    );
    for entry in listed {
        let name = entry["name"].as_str().expect("name");
        let bytes = entries
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(
            entry["sha256"].as_str(),
            Some(hex(&Sha256::digest(bytes)).as_str()),
            "{name}"
        );
        assert_eq!(entry["size"].as_u64(), Some(bytes.len() as u64), "{name}");
    }
    let unzip = std::process::Command::new("unzip")
        .arg("-tq")
        .arg(bundle)
        .output();
    let unzip = unzip.expect("unzip is installed by scripts/setup.sh");
    assert!(
        unzip.status.success(),
        "unzip -t: {}",
        String::from_utf8_lossy(&unzip.stdout)
    );
    let python = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.namelist()))"])
        .arg(bundle)
        .output()
        .expect("python3");
    assert!(
        python.status.success(),
        "python zipfile: {}",
        String::from_utf8_lossy(&python.stderr)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(bundle).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the bundle is private");
    }
    entries
}

#[test]
fn json_line_prints_one_compact_line_and_nothing_on_stderr() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("agent.log");
    fs::write(
        &log,
        "2026-11-23T10:00:00Z connect user=jdoe-fake password=hunter2-FAKE\n",
    )
    .expect("write");
    let out = dir.path().join("out.zip");
    let output = casefile(dir.path())
        .args([
            "--json-line",
            "collect",
            "--profile",
            "generic",
            "--no-snapshot",
            "-o",
        ])
        .arg(&out)
        .arg("--add")
        .arg(&log)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let summary = json(stdout.as_bytes());
    assert_eq!(summary["bundle"], out.to_str().expect("utf-8"));
    assert!(summary["leaks"].as_array().expect("leaks").is_empty());
    // A failure is one line too, on stdout, with its code.
    let output = casefile(dir.path())
        .args([
            "--json-line",
            "collect",
            "--profile",
            "no-such-vendor",
            "-o",
        ])
        .arg(dir.path().join("other.zip"))
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(json(stdout.as_bytes())["error"]["code"].is_string());
}

#[test]
fn collect_redacts_added_logs_and_every_manifest_checksum_holds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).expect("mkdir");
    fs::write(
        logs.join("agent.log"),
        "2026-11-23T10:00:00Z connect user=jdoe-fake from 10.9.8.7/24 password=hunter2-FAKE\n\
         2026-11-23T10:00:01Z jdoe-fake retried from 10.9.8.7 mail jdoe@example.com\n\
         2026-11-23T10:00:02Z version 120.0.6099.109 task tokio::task::spawn at 10:23:45\n",
    )
    .expect("write");
    let (summary, out) = collect(dir.path(), &["--add", logs.to_str().expect("utf-8")]);
    assert!(
        summary["leaks"].as_array().expect("leaks").is_empty(),
        "{summary:#}"
    );
    let entries = assert_round_trip(&out);
    let (name, log) = entries
        .iter()
        .find(|(n, _)| n.ends_with("agent.log"))
        .expect("the log is in the bundle");
    assert!(name.starts_with("attachments/logs/"), "{name}");
    let text = String::from_utf8_lossy(log);
    for original in ["jdoe-fake", "hunter2-FAKE", "10.9.8.7", "jdoe@example.com"] {
        assert!(!text.contains(original), "{original} leaked: {text}");
    }
    // The same address bare and with a prefix gets one pseudonym; the prefix stays.
    let first = text.lines().next().expect("line");
    let second = text.lines().nth(1).expect("line");
    let address = |line: &str| {
        line.split_whitespace()
            .find(|w| w.starts_with("24") || w.starts_with("25"))
            .map(|w| w.trim_end_matches("/24").to_owned())
    };
    assert_eq!(address(first), address(second), "{text}");
    assert!(first.contains("/24"), "{first}");
    // Decoys survive.
    assert!(
        text.contains("120.0.6099.109")
            && text.contains("tokio::task::spawn")
            && text.contains("10:23:45")
    );
    let manifest = manifest(&entries);
    assert_eq!(manifest["redaction"]["enabled"], true);
    assert!(manifest_entry(&manifest, "agent.log")["redactions"]["secret"].as_u64() >= Some(1));
    // The mapping stays home and translates back.
    let mapping = dir.path().join("data/mapping.json");
    assert!(mapping.exists());
    assert!(!entries.keys().any(|n| n.contains("mapping")));
    let translated = casefile(dir.path())
        .arg("translate")
        .write_stdin(first.to_owned())
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&translated.stdout).contains("jdoe-fake"));
}

#[test]
fn bad_input_never_stops_the_run_and_each_case_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).expect("mkdir");
    fs::write(tree.join("empty.log"), b"").expect("write");
    fs::write(tree.join("crlf.log"), b"line one\r\nline two\r\n").expect("write");
    fs::write(
        tree.join("bytes.log"),
        b"caf\xe9 \xff\xfe ok\nnul\x00inside\n",
    )
    .expect("write");
    fs::write(tree.join("name\nwith newline.log"), b"x\n").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let odd = std::ffi::OsStr::from_bytes(b"bad-\xff-utf8.log");
        fs::write(tree.join(odd), b"y\n").expect("write");
        std::os::unix::fs::symlink(tree.join("loop-b"), tree.join("loop-a")).expect("link");
        std::os::unix::fs::symlink(tree.join("loop-a"), tree.join("loop-b")).expect("link");
        std::os::unix::fs::symlink("/etc/hostname", tree.join("outside")).expect("link");
        let fifo = std::process::Command::new("mkfifo")
            .arg(tree.join("pipe"))
            .status();
        assert!(fifo.expect("mkfifo").success());
    }
    let mut deep = tree.join("deep");
    for level in 0..200 {
        deep = deep.join(format!("d{level}"));
    }
    fs::create_dir_all(&deep).expect("deep tree");
    fs::write(deep.join("bottom.log"), b"found at the bottom\n").expect("write");
    // A 100 MB line between two normal ones.
    {
        let mut file = fs::File::create(tree.join("long-line.log")).expect("create");
        file.write_all(b"before\n").expect("write");
        let block = vec![b'a'; 1 << 20];
        for _ in 0..100 {
            file.write_all(&block).expect("write");
        }
        file.write_all(b"\nafter password=hunter2-FAKE\n")
            .expect("write");
    }

    let (summary, out) = collect(dir.path(), &["--add", tree.to_str().expect("utf-8")]);
    let entries = assert_round_trip(&out);
    let manifest = manifest(&entries);
    let find = |suffix: &str| {
        entries
            .iter()
            .find(|(n, _)| n.ends_with(suffix))
            .map(|(_, b)| b.clone())
            .unwrap_or_else(|| panic!("no {suffix} in {:?}", entries.keys().collect::<Vec<_>>()))
    };
    assert_eq!(find("empty.log"), b"");
    assert_eq!(find("crlf.log"), b"line one\r\nline two\r\n");
    // Not UTF-8 and no UTF-8 sequence in it: read as Windows-1252 and stored as UTF-8.
    assert_eq!(
        find("bytes.log"),
        "caf\u{e9} \u{ff}\u{fe} ok\nnul\0inside\n".as_bytes()
    );
    assert_eq!(
        manifest_entry(&manifest, "bytes.log")["converted"]["from"],
        "windows-1252"
    );
    assert_eq!(find("bottom.log"), b"found at the bottom\n");
    let long = find("long-line.log");
    assert!(long.len() < 1 << 20, "the 100 MB line was cut");
    let long = String::from_utf8_lossy(&long);
    assert!(
        long.starts_with("before\n") && long.contains("line cut"),
        "{}",
        &long[..200]
    );
    assert!(
        long.ends_with("after password=[REDACTED]\n"),
        "{}",
        &long[long.len() - 80..]
    );
    let truncation = &manifest_entry(&manifest, "long-line.log")["truncated"][0];
    assert_eq!(truncation["reason"], "long-lines");
    // Entry names are safe whatever the file names were.
    for name in entries.keys() {
        assert!(!name.chars().any(char::is_control), "{name:?}");
        assert!(
            !name.starts_with('/') && !name.split('/').any(|p| p == ".."),
            "{name:?}"
        );
    }
    // Links out of the tree, loops and the FIFO are skipped with a reason.
    let skipped: Vec<(String, String)> = summary["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap_or("").to_owned(),
                s["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    #[cfg(unix)]
    for (suffix, reason) in [
        ("outside", "outside-roots"),
        ("pipe", "not-regular-file"),
        ("loop-a", "symlink-loop"),
    ] {
        assert!(
            skipped
                .iter()
                .any(|(s, r)| s.ends_with(suffix) && r == reason),
            "{suffix} should be skipped as {reason}: {skipped:?}"
        );
    }
}

#[test]
fn a_hundred_thousand_small_files_all_land_in_the_bundle() {
    // Creating and deleting 100 000 files on this kind of disk takes minutes; memory is quick.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    };
    let dir = dir.expect("temp dir");
    let tree = dir.path().join("many");
    for group in 0..100 {
        let sub = tree.join(format!("g{group:03}"));
        fs::create_dir_all(&sub).expect("mkdir");
        for n in 0..1000 {
            fs::write(
                sub.join(format!("f{n:04}.log")),
                format!("file {group} {n}\n"),
            )
            .expect("write");
        }
    }
    let (summary, out) = collect(dir.path(), &["--add", tree.to_str().expect("utf-8")]);
    let skipped_here: Vec<&serde_json::Value> = summary["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter(|s| s["source"].as_str().is_some_and(|p| p.contains("many")))
        .collect();
    assert!(skipped_here.is_empty(), "{skipped_here:?}");
    let reader = ZipReader::new(fs::File::open(&out).expect("open")).expect("zip");
    assert_eq!(
        reader.entries().len(),
        100_001,
        "every file plus the manifest"
    );
    let unzip = std::process::Command::new("unzip")
        .arg("-tq")
        .arg(&out)
        .output()
        .expect("unzip");
    assert!(
        unzip.status.success(),
        "{}",
        String::from_utf8_lossy(&unzip.stdout)
    );
}

#[test]
fn the_time_window_keeps_records_whole_and_skips_old_rotated_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("logs");
    fs::create_dir(&tree).expect("mkdir");
    fs::write(
        tree.join("app.log"),
        "2026-11-23T09:00:00Z before\n\tat trace.before\n\
         2026-11-23T10:30:00Z inside\n\tat trace.inside\n\
         2026-11-23T12:00:00Z after\n",
    )
    .expect("write");
    let (summary, out) = collect(
        dir.path(),
        &[
            "--add",
            tree.to_str().expect("utf-8"),
            "--since",
            "2026-11-23T10:00:00Z",
            "--until",
            "2026-11-23T11:00:00Z",
        ],
    );
    let entries = assert_round_trip(&out);
    let (_, log) = entries
        .iter()
        .find(|(n, _)| n.ends_with("app.log"))
        .expect("app.log");
    assert_eq!(
        String::from_utf8_lossy(log),
        "2026-11-23T10:30:00Z inside\n\tat trace.inside\n"
    );
    assert_eq!(
        manifest_entry(&manifest(&entries), "app.log")["truncated"][0]["reason"],
        "window"
    );
    assert!(summary["leaks"].as_array().expect("leaks").is_empty());
}

#[test]
fn a_budget_trims_the_oldest_part_of_the_largest_log_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("logs");
    fs::create_dir(&tree).expect("mkdir");
    // Poorly compressible lines: a counter and a hash-like value.
    let mut big = String::new();
    for n in 0..200_000u64 {
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        big.push_str(&format!("2026-11-23T10:00:00Z line {n} value {h:016x}\n"));
    }
    fs::write(tree.join("big.log"), &big).expect("write");
    fs::write(tree.join("small.log"), "2026-11-23T10:00:00Z small\n").expect("write");
    let budget = 1_000_000u64;
    let (summary, out) = collect(
        dir.path(),
        &["--add", tree.to_str().expect("utf-8"), "--budget", "1 MB"],
    );
    let size = fs::metadata(&out).expect("meta").len();
    assert!(size <= budget, "{size} > {budget}");
    assert!(summary["passes"].as_u64() >= Some(2));
    let entries = assert_round_trip(&out);
    let manifest = manifest(&entries);
    let big_entry = manifest_entry(&manifest, "big.log");
    assert_eq!(big_entry["truncated"][0]["reason"], "budget");
    let (_, log) = entries
        .iter()
        .find(|(n, _)| n.ends_with("big.log"))
        .expect("big.log");
    let text = String::from_utf8_lossy(log);
    assert!(
        text.contains(" line 199999 value ") && text.ends_with('\n'),
        "the newest lines are kept"
    );
    assert!(!text.contains(" line 0 value"), "the oldest lines went");
    assert_eq!(
        entries.get("attachments/logs/small.log").map(Vec::as_slice),
        Some(&b"2026-11-23T10:00:00Z small\n"[..])
    );
}

#[test]
fn a_budget_smaller_than_the_fixed_entries_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("a.log");
    fs::write(&file, "x\n").expect("write");
    let output = casefile(dir.path())
        .args(["collect", "--profile", "generic", "--budget", "100", "-o"])
        .arg(dir.path().join("out.zip"))
        .arg("--add")
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("budget") && stderr.contains("--budget"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.zip").exists());
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "no half-written bundle");
}

#[test]
fn an_interrupted_run_leaves_no_half_written_bundle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("logs");
    fs::create_dir(&tree).expect("mkdir");
    let line = "2026-11-23T10:00:00Z user=jdoe-fake connected from 10.1.2.3 ok\n".repeat(4096);
    for n in 0..40 {
        fs::write(tree.join(format!("{n}.log")), line.repeat(10)).expect("write");
    }
    let binary = assert_cmd::cargo::cargo_bin("casefile");
    let mut child = std::process::Command::new(binary)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args([
            "collect",
            "--profile",
            "generic",
            "--no-snapshot",
            "--threads",
            "1",
            "-o",
        ])
        .arg(dir.path().join("out.zip"))
        .arg("--add")
        .arg(&tree)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until the partial bundle exists, then interrupt.
    let partial = || {
        fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".zip.partial"))
    };
    while !partial() {
        if let Ok(Some(_)) = child.try_wait() {
            panic!("the run finished before it could be interrupted; make the input bigger");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let pid = child.id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    assert!(!dir.path().join("out.zip").exists());
    assert!(!partial(), "the partial bundle was removed");
}

#[test]
fn merge_puts_each_endpoint_in_its_folder_with_agreeing_pseudonyms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    fs::create_dir(&a).expect("mkdir");
    fs::create_dir(&b).expect("mkdir");
    fs::write(
        a.join("one.log"),
        "user=jdoe-fake logged in from 192.0.2.10\n",
    )
    .expect("write");
    fs::write(
        b.join("two.log"),
        "user=jdoe-fake logged out from 192.0.2.10\n",
    )
    .expect("write");
    let bundle = |src: &Path, name: &str| {
        let out = dir.path().join(name);
        casefile(dir.path())
            .args(["collect", "--profile", "generic", "--no-snapshot", "-o"])
            .arg(&out)
            .arg("--add")
            .arg(src)
            .assert()
            .success();
        out
    };
    // Fleet tools name the fetched bundles after the real hosts.
    let one = bundle(&a, "wks-finance-07.zip");
    let two = bundle(&b, "db-orion-fake.zip");
    let merged = dir.path().join("merged.zip");
    let output = casefile(dir.path())
        .args(["--json", "merge"])
        .arg(&one)
        .arg(&two)
        .arg("-o")
        .arg(&merged)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = json(&output.stdout);
    assert!(
        summary["warnings"].as_array().expect("warnings").is_empty(),
        "{summary:#}"
    );
    let entries = unpack(&merged);
    let manifest = manifest(&entries);
    for entry in manifest["entries"].as_array().expect("entries") {
        let name = entry["name"].as_str().expect("name");
        assert_eq!(
            entry["sha256"].as_str(),
            Some(hex(&Sha256::digest(&entries[name])).as_str())
        );
    }
    let text = |suffix: &str| {
        entries
            .iter()
            .find(|(n, _)| n.starts_with("endpoints/") && n.ends_with(suffix))
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_else(|| panic!("no {suffix}"))
    };
    // Bundles without a host name (no snapshot) are numbered, never named after their files;
    // the file names stay out of the merged bundle.
    assert!(
        entries
            .keys()
            .any(|n| n.starts_with("endpoints/endpoint-1/"))
            && entries
                .keys()
                .any(|n| n.starts_with("endpoints/endpoint-2/")),
        "{:?}",
        entries.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &entries {
        let text = String::from_utf8_lossy(bytes);
        for host in ["wks-finance-07", "db-orion-fake"] {
            assert!(
                !name.contains(host) && !text.contains(host),
                "{host} in {name}"
            );
        }
    }
    let (first, second) = (text("one.log"), text("two.log"));
    let pseudonym = |line: &str| line.split_whitespace().next().map(str::to_owned);
    assert_eq!(pseudonym(&first), pseudonym(&second), "{first} / {second}");
    assert!(!first.contains("jdoe-fake"));
    assert_eq!(
        first.split_whitespace().last(),
        second.split_whitespace().last()
    );
}

#[test]
fn merge_with_a_fleet_summary_accounts_for_every_host_by_pseudonym() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = |name: &str, text: &str| {
        let log = dir.path().join(format!("{name}.log"));
        fs::write(&log, text).expect("write");
        let out = dir.path().join(format!("{name}.zip"));
        casefile(dir.path())
            .args(["collect", "--profile", "generic", "--no-snapshot", "-o"])
            .arg(&out)
            .arg("--add")
            .arg(&log)
            .assert()
            .success();
        out
    };
    let one = bundle("one", "user=jdoe-fake logged in from 192.0.2.10\n");
    let two = bundle("two", "user=jdoe-fake logged out\n");
    let summary = dir.path().join("summary.json");
    fs::write(
        &summary,
        r#"{"hosts": [
          {"host": "wks-finance-07", "status": "ok", "bytes": 1200},
          {"host": "wks-finance-08", "status": "ok", "bytes": 1100},
          {"host": "db-orion-fake", "status": "failed", "reason": "casefile on db-orion-fake exited 2"},
          {"host": "edge-fake-9.corp.example", "status": "unreachable", "reason": "ssh: connect to host 10.9.8.7 port 22: Connection refused"}
        ]}"#,
    )
    .expect("summary");
    let merged = dir.path().join("merged.zip");
    let output = casefile(dir.path())
        .args(["--json", "merge"])
        .arg(&one)
        .arg(&two)
        .arg("--summary")
        .arg(&summary)
        .arg("-o")
        .arg(&merged)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = json(&output.stdout)["fleet"]["line"]
        .as_str()
        .expect("the fleet line")
        .to_owned();
    assert!(
        line.starts_with("2 of 4 endpoints; 1 failed: host-"),
        "{line}"
    );
    assert!(line.contains("; 1 unreachable: host-"), "{line}");
    let entries = unpack(&merged);
    let manifest = manifest(&entries);
    assert_eq!(manifest["fleet"]["line"], line.as_str());
    assert_eq!(manifest["fleet"]["ok"], 2);
    for (name, bytes) in &entries {
        let text = String::from_utf8_lossy(bytes);
        for real in [
            "wks-finance-0",
            "db-orion-fake",
            "edge-fake-9",
            "corp.example",
            "10.9.8.7",
        ] {
            assert!(!text.contains(real), "{real} in {name}");
        }
    }

    // A summary's host standing in clear in an endpoint's bundle is a leak the merge reports.
    let three = bundle("three", "peer db-orion-fake did not answer\n");
    let output = casefile(dir.path())
        .args(["merge"])
        .arg(&one)
        .arg(&three)
        .arg("--summary")
        .arg(&summary)
        .arg("-o")
        .arg(dir.path().join("merged-2.zip"))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("db-orion-fake"));

    // A summary that is not one says which file and what it should be.
    fs::write(&summary, r#"{"hosts": [{"host": "a", "status": "lost"}]}"#).expect("write");
    let output = casefile(dir.path())
        .args(["merge"])
        .arg(&one)
        .arg("--summary")
        .arg(&summary)
        .arg("-o")
        .arg(dir.path().join("merged-3.zip"))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("summary.json") && stderr.contains("unreachable"),
        "{stderr}"
    );
}

#[test]
fn a_sealed_mapping_lets_the_merging_machine_translate_an_endpoints_pseudonyms() {
    let endpoint = tempfile::tempdir().expect("temp dir");
    let controller = tempfile::tempdir().expect("temp dir");
    let key = casefile(endpoint.path())
        .args(["key", "export"])
        .output()
        .expect("run");
    casefile(controller.path())
        .args(["key", "import", "-"])
        .write_stdin(key.stdout)
        .assert()
        .success();
    let log = endpoint.path().join("agent.log");
    fs::write(&log, "user=jdoe-fake logged in from 192.0.2.10\n").expect("write");
    let (_, bundle) = collect(endpoint.path(), &["--add", log.to_str().expect("utf-8")]);
    let entries = unpack(&bundle);
    let text = entries
        .iter()
        .find(|(name, _)| name.ends_with("agent.log"))
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .expect("the log");
    assert!(!text.contains("jdoe-fake"));

    let sealed = endpoint.path().join("endpoint.mapping");
    casefile(endpoint.path())
        .args(["mapping", "export", "-o"])
        .arg(&sealed)
        .assert()
        .success();
    let carried = fs::read_to_string(&sealed).expect("sealed");
    assert!(
        !carried.contains("jdoe-fake") && !carried.contains("192.0.2.10"),
        "{carried}"
    );
    // Before the import the controller cannot translate; after it, it can.
    let translate = |dir: &Path| {
        let output = casefile(dir)
            .arg("translate")
            .write_stdin(text.clone())
            .output()
            .expect("run");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(!translate(controller.path()).contains("jdoe-fake"));
    casefile(controller.path())
        .args(["mapping", "import"])
        .arg(&sealed)
        .assert()
        .success();
    let back = translate(controller.path());
    assert!(
        back.contains("jdoe-fake") && back.contains("192.0.2.10"),
        "{back}"
    );

    // A machine with another key is told which key it needs.
    let stranger = tempfile::tempdir().expect("temp dir");
    casefile(stranger.path())
        .args(["key", "show"])
        .assert()
        .success();
    let output = casefile(stranger.path())
        .args(["mapping", "import"])
        .arg(&sealed)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("casefile key import") && stderr.contains("endpoint.mapping"),
        "{stderr}"
    );
}

#[test]
fn key_export_and_import_share_pseudonyms_between_machines() {
    let one = tempfile::tempdir().expect("temp dir");
    let two = tempfile::tempdir().expect("temp dir");
    let exported = casefile(one.path())
        .args(["key", "export"])
        .output()
        .expect("run");
    assert!(exported.status.success());
    let key = String::from_utf8(exported.stdout).expect("text");
    assert!(key.starts_with("casefile-key-v1:"), "{key}");
    casefile(two.path())
        .args(["key", "import", "-"])
        .write_stdin(key.clone())
        .assert()
        .success();
    let redact = |dir: &Path| {
        let file = dir.join("in.log");
        fs::write(&file, "host=wks-finance-07 ip 198.51.100.7\n").expect("write");
        let output = casefile(dir)
            .arg("redact")
            .arg(&file)
            .output()
            .expect("run");
        assert!(output.status.success());
        String::from_utf8(output.stdout).expect("text")
    };
    let (a, b) = (redact(one.path()), redact(two.path()));
    assert_eq!(a, b);
    assert!(
        !a.contains("wks-finance-07") && !a.contains("198.51.100.7"),
        "{a}"
    );

    // A different key is not replaced without --force; a malformed one is refused.
    let three = tempfile::tempdir().expect("temp dir");
    casefile(three.path())
        .args(["key", "show"])
        .assert()
        .success();
    let refused = casefile(three.path())
        .args(["key", "import", "-"])
        .write_stdin(key)
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let bad = casefile(three.path())
        .args(["key", "import", "-"])
        .write_stdin("not a key")
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("casefile-key-v1"));
}

#[test]
fn bundle_packs_the_drafts_request_and_its_evidence() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = dir.path().join("draft.toml");
    casefile(dir.path())
        .args(["new", "--profile", "generic", "-o"])
        .arg(&draft)
        .assert()
        .success();
    let mut text = fs::read_to_string(&draft).expect("draft");
    fs::write(
        dir.path().join("app.log"),
        "2026-11-23T10:00:00Z failed token=abcd-FAKE-1234\n",
    )
    .expect("write");
    text.push_str("\n[[evidence]]\npath = \"app.log\"\nnote = \"the failure\"\n");
    text = text.replacen("subject = \"\"", "subject = \"Sync fails\"", 1);
    fs::write(&draft, text).expect("write");
    let out = dir.path().join("bundle.zip");
    let output = casefile(dir.path())
        .args(["--json", "bundle", "--no-snapshot", "--draft"])
        .arg(&draft)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries = assert_round_trip(&out);
    let names: Vec<&String> = entries.keys().collect();
    assert!(
        entries.contains_key("request.json") && entries.contains_key("request.md"),
        "{names:?}"
    );
    assert!(String::from_utf8_lossy(&entries["request.md"]).contains("Sync fails"));
    let log = entries
        .iter()
        .find(|(n, _)| n.ends_with("app.log"))
        .expect("evidence")
        .1;
    assert!(!String::from_utf8_lossy(log).contains("abcd-FAKE-1234"));
    assert!(
        manifest(&entries)["caseCode"]
            .as_str()
            .is_some_and(|c| c.starts_with("CF-"))
    );
}

#[test]
fn a_collection_code_selects_the_evidence_window_and_snapshot_support_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A JumpCloud machine under --root: the agent log with an old and a new record, and syslog.
    let root = dir.path().join("root");
    fs::create_dir_all(root.join("var/log")).expect("mkdir");
    let now = chrono::Utc::now();
    let old = (now - chrono::TimeDelta::days(3)).to_rfc3339();
    let new = (now - chrono::TimeDelta::hours(1)).to_rfc3339();
    fs::write(
        root.join("var/log/jcagent.log"),
        format!("{old} old record\n{new} new record\n"),
    )
    .expect("write");
    fs::write(
        root.join("var/log/syslog"),
        "Dec  4 10:00:00 host kernel: hello\n",
    )
    .expect("write");

    let made = casefile(dir.path())
        .args([
            "--json",
            "code",
            "make",
            "--profile",
            "jumpcloud",
            "--evidence",
            "jcagent-log",
            "--since",
            "24h",
            "--no-snapshot",
        ])
        .output()
        .expect("make");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let code = json(&made.stdout)["code"]
        .as_str()
        .expect("code")
        .to_owned();
    // Read back as dictated: lower case, spaces.
    let spoken = code.to_lowercase().replace('-', " ");
    let read = casefile(dir.path())
        .args(["--json", "code", "read", &spoken, "--profile", "jumpcloud"])
        .output()
        .expect("read");
    let read = json(&read.stdout);
    assert_eq!(read["code"], code.as_str());
    assert_eq!(read["evidence"], serde_json::json!(["jcagent-log"]));

    let out = dir.path().join("out.zip");
    let output = casefile(dir.path())
        .args([
            "--json",
            "collect",
            "--profile",
            "jumpcloud",
            "--os",
            "linux",
            "--root",
        ])
        .arg(&root)
        .args(["--code", &code, "-o"])
        .arg(&out)
        .output()
        .expect("collect");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries = unpack(&out);
    let names: Vec<&String> = entries.keys().collect();
    assert!(
        !names.iter().any(|n| n.starts_with("snapshot/")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.ends_with("syslog")), "{names:?}");
    let log = entries
        .iter()
        .find(|(name, _)| name.ends_with("jcagent.log"))
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .expect("the agent log");
    assert!(
        log.contains("new record") && !log.contains("old record"),
        "{log}"
    );

    // A mistyped code is refused before anything is collected.
    let mut wrong: Vec<char> = code.chars().collect();
    wrong[4] = if wrong[4] == 'Z' { 'Y' } else { 'Z' };
    let wrong: String = wrong.into_iter().collect();
    casefile(dir.path())
        .args(["collect", "--profile", "jumpcloud", "--code", &wrong, "-o"])
        .arg(dir.path().join("never.zip"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("does not check out"));
    assert!(!dir.path().join("never.zip").exists());
}

#[test]
fn summary_reads_out_the_agent_version_and_its_last_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("root");
    fs::create_dir_all(root.join("var/log")).expect("mkdir");
    fs::create_dir_all(root.join("opt/jc")).expect("mkdir");
    fs::write(root.join("opt/jc/version.txt"), "2.9.1\n").expect("write");
    fs::write(
        root.join("var/log/jcagent.log"),
        "2026-12-04T10:00:00Z INFO ok\n2026-12-04T10:01:00Z ERROR websocket closed: 401\n",
    )
    .expect("write");
    // System logs are not the agent's: their errors are not read out.
    fs::write(root.join("var/log/syslog"), "kernel: error on sda\n").expect("write");
    let output = casefile(dir.path())
        .args([
            "--json",
            "summary",
            "--profile",
            "jumpcloud",
            "--os",
            "linux",
            "--root",
        ])
        .arg(&root)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = json(&output.stdout);
    assert_eq!(summary["agentVersion"], "2.9.1");
    assert_eq!(
        summary["lastErrors"],
        serde_json::json!(["2026-12-04T10:01:00Z ERROR websocket closed: 401"])
    );
}

/// A fake JumpCloud connect key (40 characters, obviously fake) and a private address, as a user
/// pastes them into the description.
const CONNECT_KEY: &str = "FAKE0c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0";
const ADDRESS: &str = "10.61.12.34";

/// A generic draft in `dir` whose description holds a pasted log line with the connect key and
/// the address, the endpoint `build-srv-07`, and `app.log` (the same values) as evidence.
fn draft_with_pasted_secrets(dir: &Path) -> PathBuf {
    let draft = dir.join("draft.toml");
    casefile(dir)
        .args(["new", "--profile", "generic", "-o"])
        .arg(&draft)
        .assert()
        .success();
    fs::write(
        dir.join("app.log"),
        format!(
            "2026-12-01T10:00:00Z build-srv-07 agent: connectKey={CONNECT_KEY} from {ADDRESS}\n"
        ),
    )
    .expect("write");
    let text = fs::read_to_string(&draft)
        .expect("draft")
        .replacen("\nsubject = \"\"", "\nsubject = \"Agent on build-srv-07 stops\"", 1)
        .replacen(
            "\ndescription = \"\"",
            &format!(
                "\ndescription = '''\n2026-12-01 agent: \"connectKey\": \"{CONNECT_KEY}\" from {ADDRESS}\n'''"
            ),
            1,
        );
    fs::write(
        &draft,
        format!(
            "{text}\n[[scope.endpoints]]\nhostname = \"build-srv-07\"\n\n[[evidence]]\npath = \"app.log\"\nnote = \"the agent log\"\n"
        ),
    )
    .expect("write");
    draft
}

#[test]
fn bundle_redacts_the_request_like_its_evidence_and_shows_the_disclosure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = draft_with_pasted_secrets(dir.path());
    let out = dir.path().join("bundle.zip");
    let output = casefile(dir.path())
        .args([
            "--json",
            "bundle",
            "--no-snapshot",
            "--show-disclosure",
            "--draft",
        ])
        .arg(&draft)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries = assert_round_trip(&out);
    let log = String::from_utf8_lossy(&entries["attachments/app.log"]).into_owned();
    let host = log
        .split_whitespace()
        .find(|w| w.starts_with("host-"))
        .expect("a host pseudonym")
        .to_owned();
    for name in ["request.md", "request.json"] {
        let text = String::from_utf8_lossy(&entries[name]);
        for original in [CONNECT_KEY, ADDRESS, "build-srv-07"] {
            assert!(!text.contains(original), "{original} in {name}:\n{text}");
        }
        assert!(
            text.contains(&host),
            "{name} names the host as the log does:\n{text}"
        );
        assert!(
            !text.contains(&dir.path().display().to_string()),
            "a local path in {name}"
        );
    }
    assert!(String::from_utf8_lossy(&entries["request.md"]).contains("- attachments/app.log"));
    let report = json(&output.stdout);
    let disclosure = &report["disclosure"];
    let identifier = disclosure["identifiers"]
        .as_array()
        .expect("identifiers")
        .iter()
        .find(|i| i["original"] == "build-srv-07")
        .expect("the host is listed");
    assert_eq!(identifier["pseudonym"], host.as_str());
    // The subject, the endpoint and the log.
    assert_eq!(identifier["count"], 3, "{identifier}");
}

#[test]
fn disclose_lists_identifiers_with_counts_and_places_and_secret_kinds_without_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = draft_with_pasted_secrets(dir.path());
    // The user lets the vendor see the host.
    let text = fs::read_to_string(&draft).expect("draft");
    fs::write(
        &draft,
        format!("{text}\n[redaction]\nkeep = [\"build-srv-07\"]\nhide = [\"agent\"]\n"),
    )
    .expect("write");
    let output = casefile(dir.path())
        .args(["--json", "disclose", "--no-snapshot", "--draft"])
        .arg(&draft)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!text.contains(CONNECT_KEY), "no secret value in the review");
    let report = json(&output.stdout);
    let identifiers = report["identifiers"].as_array().expect("identifiers");
    let find = |original: &str| {
        identifiers
            .iter()
            .find(|i| i["original"] == original)
            .unwrap_or_else(|| panic!("{original} not listed: {report:#}"))
    };
    let address = find(ADDRESS);
    assert_eq!(address["category"], "ipv4");
    assert_eq!(address["count"], 2);
    let places: Vec<(String, u64)> = address["places"]
        .as_array()
        .expect("places")
        .iter()
        .map(|p| {
            (
                format!(
                    "{}:{}",
                    p["kind"].as_str().unwrap_or(""),
                    p["name"].as_str().unwrap_or("")
                ),
                p["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        places,
        vec![
            ("field:description".to_owned(), 1),
            ("entry:attachments/app.log".to_owned(), 1)
        ]
    );
    let host = find("build-srv-07");
    assert_eq!(host["kept"], true);
    assert!(host["pseudonym"].is_null());
    let agent = find("agent");
    assert_eq!(agent["category"], "keyword");
    assert!(
        agent["pseudonym"]
            .as_str()
            .is_some_and(|p| p.starts_with("word-"))
    );
    let secrets = report["secrets"].as_array().expect("secrets");
    let removed: u64 = secrets
        .iter()
        .map(|s| s["count"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(removed, 2, "{report:#}");
    assert!(secrets.iter().all(|s| s["kind"].as_str().is_some()));
    // Nothing was kept: the review's bundle is thrown away.
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("data"))
        .expect("data")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".disclose-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn validate_offers_to_move_a_pasted_log_into_an_attachment_and_attach_text_does_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = dir.path().join("draft.toml");
    casefile(dir.path())
        .args(["new", "--profile", "generic", "-o"])
        .arg(&draft)
        .assert()
        .success();
    let log: String = (0..120)
        .map(|i| {
            format!(
                "2026-12-01T10:00:{:02}Z ERROR agent: sync failed ({i})\n",
                i % 60
            )
        })
        .collect();
    let text = fs::read_to_string(&draft).expect("draft").replacen(
        "\ndescription = \"\"",
        &format!("\ndescription = '''\n{log}'''"),
        1,
    );
    fs::write(&draft, text).expect("write");
    let validate = casefile(dir.path())
        .arg("validate")
        .arg(&draft)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&validate.stdout);
    let stderr = String::from_utf8_lossy(&validate.stderr);
    assert!(
        stdout.contains("warning: description: holds 120 lines"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "casefile attach-text --draft {} --field description",
            draft.display()
        )),
        "{stderr}"
    );
    casefile(dir.path())
        .args(["attach-text", "--field", "description", "--draft"])
        .arg(&draft)
        .assert()
        .success();
    let text = fs::read_to_string(&draft).expect("draft");
    assert!(
        text.contains("# Fill in the fields"),
        "comments kept:\n{text}"
    );
    let case = text
        .lines()
        .find_map(|l| l.strip_prefix("case_code = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("case code")
        .to_owned();
    let file = dir.path().join(format!("{case}-description.log"));
    assert_eq!(fs::read_to_string(&file).expect("attachment"), log);
    assert!(
        text.contains(&format!("path = \"{case}-description.log\"")),
        "{text}"
    );
    let again = casefile(dir.path())
        .arg("validate")
        .arg(&draft)
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&again.stdout).contains("pasted log"));
}

#[test]
fn a_binary_attached_for_required_evidence_goes_in_as_it_is_and_the_manifest_says_so() {
    // Jumpmind, seed 004 L158-160: "Support Snapshot – ... 'Take Snapshot' which will download a
    // support snapshot ... Attach this snapshot" (a .zip). Without "Include binary files", a
    // binary attached for a required kind goes in unchanged; any other binary is still skipped.
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = dir.path().join("draft.toml");
    casefile(dir.path())
        .args(["new", "--profile", "jumpmind", "--tier", "standard", "-o"])
        .arg(&draft)
        .assert()
        .success();
    let snapshot: Vec<u8> = b"PK\x03\x04FAKE-symmetricds-snapshot\x00\x01\x02"
        .iter()
        .copied()
        .chain((0u8..=255).cycle().take(4096))
        .collect();
    fs::write(dir.path().join("snapshot.zip"), &snapshot).expect("write");
    fs::write(
        dir.path().join("other.zip"),
        b"PK\x03\x04FAKE-other\x00\x00",
    )
    .expect("write");
    let mut text = fs::read_to_string(&draft).expect("draft");
    text = text.replacen("issue_type = \"\"", "issue_type = \"defect\"", 1);
    text.push_str("\n[[evidence]]\nevidence_id = \"support-snapshot\"\npath = \"snapshot.zip\"\n");
    text.push_str("\n[[evidence]]\npath = \"other.zip\"\n");
    fs::write(&draft, text).expect("write");
    let out = dir.path().join("bundle.zip");
    let output = casefile(dir.path())
        .args(["--json", "bundle", "--no-snapshot", "--draft"])
        .arg(&draft)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries = assert_round_trip(&out);
    assert_eq!(
        entries.get("attachments/snapshot.zip"),
        Some(&snapshot),
        "{:?}",
        entries.keys().collect::<Vec<_>>()
    );
    assert!(!entries.contains_key("attachments/other.zip"));
    let manifest = manifest(&entries);
    let entry = manifest["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|entry| entry["name"] == "attachments/snapshot.zip")
        .expect("the snapshot's manifest entry");
    assert_eq!(entry["redacted"], false);
    assert_eq!(entry["requiredBinary"], true);
    assert_eq!(entry["evidence"], "support-snapshot");
    assert_eq!(
        entry["reason"],
        "required by the profile; binary, not redactable"
    );
}

#[test]
fn redact_reads_utf16_text_as_a_bundle_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("transcript.txt");
    let text = "PS C:\\Users\\tnakamura\\Documents> agentctl --password 'Wd4!kLp9-Zr2x' from 198.51.100.7\r\n";
    let utf16: Vec<u8> = [0xfeffu16]
        .into_iter()
        .chain(text.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    fs::write(&file, utf16).expect("write");
    let output = casefile(dir.path())
        .arg("redact")
        .arg(&file)
        .output()
        .expect("run");
    assert!(output.status.success());
    let out = String::from_utf8(output.stdout).expect("UTF-8 out");
    assert!(out.contains("agentctl --password"), "{out}");
    for gone in ["tnakamura", "Wd4!kLp9-Zr2x", "198.51.100.7"] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_profiles_commands_run_without_casefiles_secrets_in_their_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let generic = include_str!("../../casefile-core/src/profile/builtin/generic.toml");
    let profile = generic.replacen("id = \"generic\"", "id = \"envtest\"", 1)
        + "\n[[evidence]]\nid = \"env-dump\"\nlabel = \"Environment\"\ndescription = \"What a command sees.\"\nsources = [\n  { os = \"linux\", commands = [ { name = \"env\", argv = [\"env\"], timeout = \"10 seconds\" } ] },\n  { os = \"macos\", commands = [ { name = \"env-macos\", argv = [\"env\"], timeout = \"10 seconds\" } ] },\n]\n";
    fs::create_dir_all(dir.path().join("profiles")).expect("mkdir");
    fs::write(dir.path().join("profiles/envtest.toml"), profile).expect("profile");
    // A user profile that runs commands is used only once trusted.
    casefile(dir.path())
        .args(["profiles", "trust", "envtest"])
        .assert()
        .success();
    let out = dir.path().join("out.zip");
    let output = casefile(dir.path())
        .env("CASEFILE_SECRET_HELPDESK", "FAKE-helpdesk-token-0000")
        .env("SOME_API_TOKEN", "FAKE-other-token-0000")
        .args([
            "--json",
            "collect",
            "--profile",
            "envtest",
            "--evidence",
            "env-dump",
            "--no-snapshot",
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries = unpack(&out);
    let env = String::from_utf8_lossy(entries.get("commands/env.txt").expect("env.txt"));
    assert!(!env.contains("CASEFILE_SECRET"), "{env}");
    assert!(!env.contains("SOME_API_TOKEN"), "{env}");
    assert!(env.contains("LC_ALL=C"), "{env}");
    assert!(env.contains("PATH="), "{env}");
}

#[test]
fn merge_fails_with_the_leaks_when_an_input_claims_redaction_but_holds_a_known_name() {
    use casefile_core::bundle::zip::{EntryOptions, ZipWriter};
    let dir = tempfile::tempdir().expect("temp dir");
    let a = dir.path().join("a");
    fs::create_dir(&a).expect("mkdir");
    fs::write(a.join("one.log"), "user=jdoe-fake logged in\n").expect("write");
    // A redacted bundle made here: the mapping now knows jdoe-fake.
    let honest = dir.path().join("honest.zip");
    casefile(dir.path())
        .args(["collect", "--profile", "generic", "--no-snapshot", "-o"])
        .arg(&honest)
        .arg("--add")
        .arg(&a)
        .assert()
        .success();
    // A bundle from elsewhere whose manifest claims redaction, with the name in clear.
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in [
        ("logs/app.log", &b"session of jdoe-fake opened\n"[..]),
        (
            "manifest.json",
            &br#"{"endpoint":"other","redaction":{"enabled":true}}"#[..],
        ),
    ] {
        zip.add_entry(name, &EntryOptions::default(), bytes, 6)
            .expect("entry");
    }
    let lying = dir.path().join("lying.zip");
    fs::write(&lying, zip.finish().expect("zip").into_inner()).expect("write");
    let merged = dir.path().join("merged.zip");
    let output = casefile(dir.path())
        .args(["--json", "merge"])
        .arg(&honest)
        .arg(&lying)
        .arg("-o")
        .arg(&merged)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1), "leaks fail the merge");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("endpoints/other/logs/app.log") && stderr.contains("jdoe-fake"),
        "{stderr}"
    );
    let summary = json(&output.stdout);
    assert_eq!(summary["leakScanned"], true, "{summary:#}");
}

#[test]
fn a_name_kept_after_an_earlier_bundle_pseudonymised_it_is_no_leak() {
    // The first bundle records `build-srv-07` in the mapping; the user then lets the vendor see
    // it. The leak scan looks for the names of earlier bundles, but never for a kept one.
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = draft_with_pasted_secrets(dir.path());
    for (out, keep) in [("first.zip", None), ("kept.zip", Some("build-srv-07"))] {
        let mut command = casefile(dir.path());
        command
            .args(["bundle", "--no-snapshot", "--draft"])
            .arg(&draft);
        if let Some(name) = keep {
            command.args(["--keep", name]);
        }
        let output = command
            .arg("-o")
            .arg(dir.path().join(out))
            .output()
            .expect("run");
        assert!(
            output.status.success(),
            "{out}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let entries = assert_round_trip(&dir.path().join("kept.zip"));
    let log = String::from_utf8_lossy(&entries["attachments/app.log"]).into_owned();
    assert!(log.contains("build-srv-07"), "{log}");
}
