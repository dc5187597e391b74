//! Collection planning, path resolution, commands and the support snapshot, against trees built
//! in temporary folders. The profiles' per-OS paths are data: every JumpCloud path is resolved
//! under a fake root for each OS.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use casefile_core::bundle::read::ZipReader;
use casefile_core::evidence::collect::{
    self, CollectContext, CollectOptions, ManifestEntry, Outcome,
};
use casefile_core::evidence::command::{self, CommandError};
use casefile_core::evidence::plan::{Plan, PlanRequest, is_binary, plan, reason_for};
use casefile_core::evidence::resolve::{Env, Home, current_os, entry_name, expand, to_local};
use casefile_core::evidence::snapshot;
use casefile_core::evidence::{CommandSpec, ItemSource, SkipReason};
use casefile_core::profile::parse;
use casefile_core::profile::schema::{ByteSize, Os, Profile};
use casefile_core::redact::PseudonymKey;

use crate::builtin;

fn write(path: &Path, content: &[u8]) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text).expect("gzip");
    encoder.finish().expect("gzip")
}

fn run_plan(profile: &Profile, env: &Env, evidence: Option<&[String]>, add: &[PathBuf]) -> Plan {
    plan(
        &PlanRequest {
            profile,
            env,
            evidence,
            add,
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

fn skipped(plan: &Plan, reason: SkipReason) -> Vec<String> {
    plan.skipped
        .iter()
        .filter(|skip| skip.reason == reason)
        .map(|skip| skip.source.clone())
        .collect()
}

/// Only `--add` paths: the profile is generic and no evidence is asked for.
fn plan_added(add: &[PathBuf], include_binary: bool) -> Plan {
    let profile = builtin("generic");
    let root = tempfile::tempdir().expect("temp dir");
    let env = Env::under_root(Os::Linux, root.path());
    plan(
        &PlanRequest {
            profile: &profile,
            env: &env,
            evidence: Some(&[]),
            add,
            screenshots: &[],
            include_binary,
            own_folders: &[],
        },
        &AtomicBool::new(false),
    )
}

// ---- ByteSize and the schema ----

#[test]
fn byte_sizes_read_in_decimal_and_binary_units_and_write_readably() {
    let cases: &[(&str, u64)] = &[
        ("123", 123),
        ("10 KB", 10_000),
        ("10KiB", 10_240),
        ("5 mb", 5_000_000),
        ("5 MiB", 5 * 1024 * 1024),
        ("1 GB", 1_000_000_000),
        ("1 gib", 1 << 30),
        ("1.5 MiB", 1_572_864),
        ("0.5 KB", 500),
        ("25 MiB", 25 << 20),
    ];
    for (text, bytes) in cases {
        assert_eq!(text.parse::<ByteSize>(), Ok(ByteSize(*bytes)), "{text}");
    }
    for (bytes, text) in [
        (25u64 << 20, "25 MiB"),
        (1_500_000_000, "1.5 GB"),
        (500, "500 B"),
        (1 << 30, "1 GiB"),
    ] {
        assert_eq!(ByteSize(bytes).to_string(), text);
        assert_eq!(
            text.parse::<ByteSize>(),
            Ok(ByteSize(bytes)),
            "{text} reads back"
        );
    }
    // Not a round size: readable approximately, exact in the alternate (serialized) form.
    assert_eq!(ByteSize(1_234_567).to_string(), "1.1 MiB");
    assert_eq!(format!("{:#}", ByteSize(1_234_567)), "1234567 B");
    assert_eq!(
        serde_json::to_string(&ByteSize(1_234_567)).expect("json"),
        "\"1234567 B\""
    );
    for bad in [
        "",
        "MiB",
        "12 parsecs",
        "1.2.3 MB",
        "99999999999999999999 GB",
    ] {
        let error = bad.parse::<ByteSize>().expect_err(bad);
        assert!(error.contains(&format!("{bad:?}")), "{error}");
        assert!(error.contains("25 MiB"), "{error}");
    }
}

#[test]
fn a_bad_size_or_duration_in_a_source_is_reported_with_its_key_and_line() {
    let jumpcloud = include_str!("../../src/profile/builtin/jumpcloud.toml");
    let source = jumpcloud.replacen("max_size = \"10 MiB\"", "max_size = \"10 MeB\"", 1);
    let errors = parse(&source, "jc.toml").expect_err("bad size");
    let line = source
        .lines()
        .position(|line| line.contains("10 MeB"))
        .expect("line")
        + 1;
    assert_eq!(errors[0].line, Some(line));
    assert_eq!(errors[0].key.as_deref(), Some("max_size"), "{}", errors[0]);
    assert!(errors[0].message.contains("\"10 MeB\""), "{}", errors[0]);

    let source = jumpcloud.replacen("timeout = \"60 seconds\"", "timeout = \"60 sekonds\"", 1);
    let errors = parse(&source, "jc.toml").expect_err("bad duration");
    assert_eq!(errors[0].key.as_deref(), Some("timeout"), "{}", errors[0]);
    assert!(
        errors[0].message.contains("\"30 seconds\""),
        "{}",
        errors[0]
    );

    let source = jumpcloud.replacen("processes = [", "process_names = [", 1);
    let errors = parse(&source, "jc.toml").expect_err("unknown key");
    assert!(
        errors[0].message.contains("unknown field `process_names`"),
        "{}",
        errors[0]
    );
}

#[test]
fn sources_without_paths_or_commands_and_bad_command_names_are_reported() {
    let generic = include_str!("../../src/profile/builtin/generic.toml");
    let source = generic.replace(
        "{ os = \"macos\", paths = [\"/var/log/system.log*\", \"/var/log/install.log*\"] },",
        "{ os = \"macos\" },",
    );
    let errors = parse(&source, "g.toml").expect_err("empty source");
    assert_eq!(
        errors[0].key.as_deref(),
        Some("evidence[0].sources[1].paths"),
        "{errors:?}"
    );
    let source = generic.replace("name = \"eventlog-system\"", "name = \"Event Log\"");
    let errors = parse(&source, "g.toml").expect_err("bad name");
    assert!(errors[0].message.contains("\"Event Log\""), "{errors:?}");
}

// ---- Resolution ----

/// A fake root with two users' homes, laid out as `os` does it.
fn fake_root(os: Os) -> (tempfile::TempDir, Env) {
    let root = tempfile::tempdir().expect("temp dir");
    let homes: &[&str] = match os {
        Os::Windows => &["Users/alice", "Users/bob", "Users/Public", "Users/Default"],
        Os::Macos => &["Users/alice", "Users/bob", "Users/Shared"],
        Os::Linux => &["home/alice", "home/bob"],
    };
    for home in homes {
        fs::create_dir_all(root.path().join(home)).expect("mkdir");
    }
    let env = Env::under_root(os, root.path());
    (root, env)
}

/// Every JumpCloud path template, per OS, and where it must resolve under the root (`{user}`
/// stands for each home: alice and bob).
const JUMPCLOUD_PATHS: &[(Os, &str, &str)] = &[
    (
        Os::Windows,
        r"C:\Windows\Temp\jcagent.log",
        "Windows/Temp/jcagent.log",
    ),
    (
        Os::Windows,
        r"C:\Windows\Temp\jcagent.log.*",
        "Windows/Temp/jcagent.log.*",
    ),
    (
        Os::Windows,
        r"C:\Windows\Temp\jcagent_updater.log",
        "Windows/Temp/jcagent_updater.log",
    ),
    (
        Os::Windows,
        r"C:\Windows\Temp\pid-agent-updater.txt",
        "Windows/Temp/pid-agent-updater.txt",
    ),
    (
        Os::Windows,
        r"C:\Windows\Logs\JCCredentialProvider\provider.log",
        "Windows/Logs/JCCredentialProvider/provider.log",
    ),
    (
        Os::Windows,
        r"C:\ProgramData\JumpCloud\CredentialProvider\provider*.log",
        "ProgramData/JumpCloud/CredentialProvider/provider*.log",
    ),
    (
        Os::Windows,
        r"C:\ProgramData\JumpCloud\DependencyLoader\loader.log",
        "ProgramData/JumpCloud/DependencyLoader/loader.log",
    ),
    (
        Os::Windows,
        r"C:\ProgramData\JumpCloud\TrayApp\**\jumpcloudtray.log",
        "ProgramData/JumpCloud/TrayApp/**/jumpcloudtray.log",
    ),
    (
        Os::Windows,
        r"%USERPROFILE%\AppData\Local\Temp\jc-user-agent.log",
        "Users/{user}/AppData/Local/Temp/jc-user-agent.log",
    ),
    (
        Os::Windows,
        r"%USERPROFILE%\AppData\Local\Temp\jcupdate.log",
        "Users/{user}/AppData/Local/Temp/jcupdate.log",
    ),
    (
        Os::Windows,
        r"C:\Windows\Temp\jcExecUpgradeScript.log",
        "Windows/Temp/jcExecUpgradeScript.log",
    ),
    (
        Os::Windows,
        r"C:\Windows\Temp\jcUninstallUpgrade.log",
        "Windows/Temp/jcUninstallUpgrade.log",
    ),
    (
        Os::Windows,
        r"C:\Windows\Temp\jcUpdate.log",
        "Windows/Temp/jcUpdate.log",
    ),
    (
        Os::Windows,
        r"C:\Windows\Temp\jcUpgradeScript.log",
        "Windows/Temp/jcUpgradeScript.log",
    ),
    (
        Os::Windows,
        r"%ProgramFiles%\JumpCloud\Plugins\Contrib\lockoutCache.json",
        "Program Files/JumpCloud/Plugins/Contrib/lockoutCache.json",
    ),
    (
        Os::Windows,
        r"%ProgramFiles%\JumpCloud\Plugins\Contrib\managedUsers.json",
        "Program Files/JumpCloud/Plugins/Contrib/managedUsers.json",
    ),
    (
        Os::Windows,
        r"%ProgramFiles%\JumpCloud\Plugins\Contrib\version.txt",
        "Program Files/JumpCloud/Plugins/Contrib/version.txt",
    ),
    (
        Os::Windows,
        r"%ProgramFiles%\JumpCloud\policyConf.json",
        "Program Files/JumpCloud/policyConf.json",
    ),
    (
        Os::Windows,
        r"%SystemRoot%\System32\drivers\etc\jcagent-proxy.conf",
        "Windows/System32/drivers/etc/jcagent-proxy.conf",
    ),
    (
        Os::Windows,
        r"%ProgramData%\JumpCloud\CredentialProvider\provider*.json",
        "ProgramData/JumpCloud/CredentialProvider/provider*.json",
    ),
    (
        Os::Windows,
        r"%SystemRoot%\System32\config\systemprofile\AppData\Roaming\JumpCloud-Remote-Assist\logs\*.log",
        "Windows/System32/config/systemprofile/AppData/Roaming/JumpCloud-Remote-Assist/logs/*.log",
    ),
    (
        Os::Windows,
        r"%SystemRoot%\Temp\jc_raasvc.log",
        "Windows/Temp/jc_raasvc.log",
    ),
    (
        Os::Windows,
        r"%USERPROFILE%\AppData\Roaming\JumpCloud Password Manager\logs\logs-live.log",
        "Users/{user}/AppData/Roaming/JumpCloud Password Manager/logs/logs-live.log",
    ),
    (
        Os::Windows,
        r"%USERPROFILE%\AppData\Roaming\JumpCloud Password Manager\data\daemon\log\*.log",
        "Users/{user}/AppData/Roaming/JumpCloud Password Manager/data/daemon/log/*.log",
    ),
    (
        Os::Windows,
        r"%ProgramFiles%\JumpCloud\AD Integration",
        "Program Files/JumpCloud/AD Integration",
    ),
    (Os::Macos, "/var/log/jcagent.log", "var/log/jcagent.log"),
    (Os::Macos, "/var/log/jc*.log*", "var/log/jc*.log*"),
    (Os::Macos, "/var/log/jumpcloud", "var/log/jumpcloud"),
    (
        Os::Macos,
        "/var/log/jumpcloud-loginwindow",
        "var/log/jumpcloud-loginwindow",
    ),
    (
        Os::Macos,
        "~/Library/Logs/JumpCloud",
        "Users/{user}/Library/Logs/JumpCloud",
    ),
    (Os::Macos, "/var/log/install.log*", "var/log/install.log*"),
    (Os::Macos, "/opt/jc/version.txt", "opt/jc/version.txt"),
    (
        Os::Macos,
        "/opt/jc/managedUsers.json",
        "opt/jc/managedUsers.json",
    ),
    (
        Os::Macos,
        "/etc/jcagent-proxy.conf",
        "etc/jcagent-proxy.conf",
    ),
    (
        Os::Macos,
        "~/Library/Logs/JumpCloud Password Manager",
        "Users/{user}/Library/Logs/JumpCloud Password Manager",
    ),
    (
        Os::Macos,
        "~/Library/Application Support/JumpCloud Password Manager/data/daemon/log",
        "Users/{user}/Library/Application Support/JumpCloud Password Manager/data/daemon/log",
    ),
    (
        Os::Macos,
        "~/Library/Logs/JumpCloud-Remote-Assist",
        "Users/{user}/Library/Logs/JumpCloud-Remote-Assist",
    ),
    (
        Os::Macos,
        "/var/root/Library/Logs/JumpCloud-Remote-Assist",
        "var/root/Library/Logs/JumpCloud-Remote-Assist",
    ),
    (
        Os::Macos,
        "/Library/Logs/DiagnosticReports/Certificate*",
        "Library/Logs/DiagnosticReports/Certificate*",
    ),
    (Os::Linux, "/var/log/jcagent.log", "var/log/jcagent.log"),
    (Os::Linux, "/var/log/jc*", "var/log/jc*"),
    (Os::Linux, "/var/log/jumpcloud", "var/log/jumpcloud"),
    (
        Os::Linux,
        "/opt/jc/jcagentInstall.log",
        "opt/jc/jcagentInstall.log",
    ),
    (Os::Linux, "/opt/jc/version.txt", "opt/jc/version.txt"),
    (
        Os::Linux,
        "/opt/jc/managedUsers.json",
        "opt/jc/managedUsers.json",
    ),
    (
        Os::Linux,
        "/opt/jc/packageUpgradeBackup.json",
        "opt/jc/packageUpgradeBackup.json",
    ),
    (
        Os::Linux,
        "/opt/jc/policyConf.json",
        "opt/jc/policyConf.json",
    ),
    (Os::Linux, "/opt/jc/policies", "opt/jc/policies"),
    (
        Os::Linux,
        "/etc/jcagent-proxy.conf",
        "etc/jcagent-proxy.conf",
    ),
    (
        Os::Linux,
        "~/.config/JumpCloud Password Manager/logs",
        "home/{user}/.config/JumpCloud Password Manager/logs",
    ),
    (
        Os::Linux,
        "~/.config/JumpCloud Password Manager/data/daemon/log",
        "home/{user}/.config/JumpCloud Password Manager/data/daemon/log",
    ),
    (
        Os::Linux,
        "~/.config/JumpCloud-Remote-Assist/logs",
        "home/{user}/.config/JumpCloud-Remote-Assist/logs",
    ),
    (Os::Linux, "/var/log/syslog", "var/log/syslog"),
    (Os::Linux, "/var/log/auth.log", "var/log/auth.log"),
    (Os::Linux, "/var/log/dmesg", "var/log/dmesg"),
    (Os::Linux, "/var/log/messages", "var/log/messages"),
    (Os::Linux, "/var/log/secure", "var/log/secure"),
    (Os::Linux, "/var/log/apt/term.log", "var/log/apt/term.log"),
    (
        Os::Linux,
        "/var/log/apt/history.log",
        "var/log/apt/history.log",
    ),
    (Os::Linux, "/var/log/dpkg.log", "var/log/dpkg.log"),
];

#[test]
fn every_jumpcloud_path_resolves_under_a_root_once_per_home_for_per_user_paths() {
    for os in [Os::Windows, Os::Macos, Os::Linux] {
        let (root, env) = fake_root(os);
        let users: Vec<&str> = env.homes.iter().map(|home| home.user.as_str()).collect();
        assert_eq!(users, vec!["alice", "bob"], "{os:?} homes");
        for (_, template, expected) in JUMPCLOUD_PATHS.iter().filter(|(o, _, _)| *o == os) {
            let want: Vec<PathBuf> = if expected.contains("{user}") {
                users
                    .iter()
                    .map(|user| root.path().join(expected.replace("{user}", user)))
                    .collect()
            } else {
                vec![root.path().join(expected)]
            };
            let got: Vec<PathBuf> = expand(template, &env)
                .unwrap_or_else(|error| panic!("{template}: {error}"))
                .iter()
                .map(|pattern| to_local(pattern, &env))
                .collect();
            assert_eq!(got, want, "{os:?} {template}");
        }
    }
}

#[test]
fn the_resolution_table_covers_every_jumpcloud_source_path() {
    let profile = builtin("jumpcloud");
    let table: BTreeSet<(String, &str)> = JUMPCLOUD_PATHS
        .iter()
        .map(|(os, template, _)| (format!("{os:?}"), *template))
        .collect();
    for evidence in &profile.evidence {
        for source in &evidence.sources {
            for path in &source.paths {
                assert!(
                    table.contains(&(format!("{:?}", source.os), path.as_str())),
                    "{} {:?} {path} is not in JUMPCLOUD_PATHS",
                    evidence.id,
                    source.os
                );
            }
        }
    }
}

#[test]
fn entry_names_are_logs_plus_the_path_under_the_root() {
    let (root, env) = fake_root(Os::Windows);
    let local = to_local(r"C:\Windows\Temp\jcagent.log", &env);
    assert_eq!(entry_name(&local, &env), "logs/Windows/Temp/jcagent.log");
    let env = Env {
        root: root.path().to_path_buf(),
        ..Env::under_root(Os::Linux, root.path())
    };
    assert_eq!(
        entry_name(&root.path().join("var/log/jcagent.log"), &env),
        "logs/var/log/jcagent.log"
    );
}

#[test]
fn an_unknown_variable_is_named_and_a_path_without_homes_yields_nothing() {
    let env = Env {
        os: Os::Windows,
        root: PathBuf::from("/mnt/c"),
        vars: Default::default(),
        homes: Vec::new(),
    };
    let error = expand(r"%JC_HOME%\x.log", &env).expect_err("unknown");
    assert!(error.contains("\"JC_HOME\""), "{error}");
    assert_eq!(expand(r"%USERPROFILE%\x.log", &env), Ok(Vec::new()));
    let env = Env {
        homes: vec![Home {
            user: "alice".into(),
            path: r"D:\Profiles\alice".into(),
        }],
        ..env
    };
    assert_eq!(
        expand(r"%LocalAppData%\x.log", &env),
        Ok(vec![r"D:\Profiles\alice\AppData\Local\x.log".to_owned()])
    );
}

// ---- Planning profile sources ----

#[test]
fn linux_jumpcloud_plan_takes_logs_rotated_gz_and_folders_once_each() {
    let (root, env) = fake_root(Os::Linux);
    let r = root.path();
    write(
        &r.join("var/log/jcagent.log"),
        b"2026-11-23 agent started\n",
    );
    write(&r.join("var/log/jcagent.log.1"), b"older\n");
    write(&r.join("var/log/jcagent.log.2.gz"), &gzip(b"oldest\n"));
    write(&r.join("var/log/jumpcloud/policy.log"), b"policy ok\n");
    write(&r.join("var/log/syslog"), b"kernel: hello\n");
    write(&r.join("opt/jc/version.txt"), b"1.2.3\n");
    write(
        &r.join("home/alice/.config/JumpCloud Password Manager/logs/main.log"),
        b"pwm\n",
    );
    let profile = builtin("jumpcloud");
    let plan = run_plan(&profile, &env, None, &[]);
    assert_eq!(
        entries(&plan),
        vec![
            "logs/home/alice/.config/JumpCloud Password Manager/logs/main.log",
            "logs/opt/jc/version.txt",
            "logs/var/log/jcagent.log",
            "logs/var/log/jcagent.log.1",
            "logs/var/log/jcagent.log.2",
            "logs/var/log/jumpcloud/policy.log",
            "logs/var/log/syslog",
        ]
    );
    let item = |entry: &str| {
        plan.items
            .iter()
            .find(|item| item.entry == entry)
            .expect("item")
    };
    // Matched by jcagent-log and by jc-agent-logs' /var/log/jc*: planned once, for the first.
    assert_eq!(
        item("logs/var/log/jcagent.log").evidence_id.as_deref(),
        Some("jcagent-log")
    );
    assert_eq!(
        item("logs/var/log/jcagent.log.1").evidence_id.as_deref(),
        Some("jc-agent-logs")
    );
    assert!(matches!(
        item("logs/var/log/jcagent.log.2").source,
        ItemSource::File { gzip: true, .. }
    ));
    assert!(matches!(
        item("logs/var/log/jcagent.log.1").source,
        ItemSource::File { gzip: false, .. }
    ));
    assert_eq!(item("logs/var/log/syslog").max_bytes, Some(25 << 20));
    // The commands are not run against a mounted disk, and say so.
    let commands = skipped(&plan, SkipReason::CommandFailed);
    assert!(
        commands.contains(&"iptables -L -n".to_owned()),
        "{commands:?}"
    );
    // Missing files are reported once per path, per-user ones once for all homes.
    let missing = skipped(&plan, SkipReason::NotFound);
    assert!(
        missing.contains(&r.join("var/log/auth.log").display().to_string()),
        "{missing:?}"
    );
    // /var/log/jc* matched files (jcagent.log among them, planned for jcagent-log): not missing.
    assert!(
        !missing
            .iter()
            .any(|source| source.ends_with("/var/log/jc*")),
        "{missing:?}"
    );
    let remote_assist: Vec<&String> = missing
        .iter()
        .filter(|source| source.contains("JumpCloud-Remote-Assist"))
        .collect();
    assert_eq!(remote_assist.len(), 1, "{remote_assist:?}");
}

#[test]
fn windows_and_macos_paths_are_planned_under_a_mounted_disk() {
    let (root, env) = fake_root(Os::Windows);
    let r = root.path();
    write(&r.join("Windows/Temp/jcagent.log"), b"agent\n");
    write(&r.join("Windows/Temp/jcagent.log.prev"), b"previous\n");
    write(
        &r.join("Users/bob/AppData/Local/Temp/jc-user-agent.log"),
        b"user agent\n",
    );
    write(
        &r.join("ProgramData/JumpCloud/TrayApp/2.1/logs/jumpcloudtray.log"),
        b"tray\n",
    );
    write(
        &r.join("ProgramData/JumpCloud/CredentialProvider/provider-1.log"),
        b"cp\n",
    );
    let profile = builtin("jumpcloud");
    let plan = run_plan(&profile, &env, None, &[]);
    assert_eq!(
        entries(&plan),
        vec![
            "logs/ProgramData/JumpCloud/CredentialProvider/provider-1.log",
            "logs/ProgramData/JumpCloud/TrayApp/2.1/logs/jumpcloudtray.log",
            "logs/Users/bob/AppData/Local/Temp/jc-user-agent.log",
            "logs/Windows/Temp/jcagent.log",
            "logs/Windows/Temp/jcagent.log.prev",
        ]
    );

    let (root, env) = fake_root(Os::Macos);
    let r = root.path();
    write(&r.join("var/log/jcagent.log"), b"agent\n");
    write(&r.join("var/log/install.log.0.gz"), &gzip(b"installed\n"));
    write(&r.join("Users/alice/Library/Logs/JumpCloud/a.log"), b"a\n");
    let plan = run_plan(&profile, &env, Some(&["jc-install-logs".to_owned()]), &[]);
    assert_eq!(entries(&plan), vec!["logs/var/log/install.log.0"]);
}

#[test]
fn an_unknown_evidence_id_is_skipped_with_the_valid_ones() {
    let (_root, env) = fake_root(Os::Linux);
    let profile = builtin("jumpcloud");
    let plan = run_plan(
        &profile,
        &env,
        Some(&["jcagent-logs".to_owned(), "screenshot".to_owned()]),
        &[],
    );
    assert!(plan.items.is_empty());
    assert_eq!(plan.skipped.len(), 2, "{:?}", plan.skipped);
    assert_eq!(plan.skipped[0].source, "jcagent-logs");
    assert_eq!(plan.skipped[0].reason, SkipReason::NotFound);
    assert!(
        plan.skipped[0]
            .detail
            .contains("jcagent-log, jc-agent-logs, jc-install-logs"),
        "{}",
        plan.skipped[0].detail
    );
    // Said in words both front ends can show (the app has no `--add`).
    assert!(
        plan.skipped[1]
            .detail
            .contains("add the file or folder yourself"),
        "{:?}",
        plan.skipped[1]
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_the_root_loops_fifos_and_devices_are_skipped_with_their_reason() {
    use std::os::unix::fs::symlink;
    let (root, env) = fake_root(Os::Linux);
    let r = root.path();
    let dir = r.join("var/log/jumpcloud");
    write(&dir.join("ok.log"), b"fine\n");
    write(&dir.join("empty.log"), b"");
    symlink("/etc/hostname", dir.join("escape.log")).expect("link");
    symlink("/dev/null", dir.join("null.log")).expect("link");
    symlink("ok.log", dir.join("inside.log")).expect("link");
    symlink("a.log", dir.join("b.log")).expect("link");
    symlink("b.log", dir.join("a.log")).expect("link");
    symlink(".", dir.join("self")).expect("link");
    symlink("missing.log", dir.join("dangling.log")).expect("link");
    let fifo = r.join("var/log/jcfifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let profile = builtin("jumpcloud");
    let plan = run_plan(&profile, &env, Some(&["jc-agent-logs".to_owned()]), &[]);
    // inside.log is ok.log again: planned once (the first name in walking order).
    assert_eq!(
        entries(&plan),
        vec![
            "logs/var/log/jumpcloud/empty.log",
            "logs/var/log/jumpcloud/inside.log"
        ]
    );
    assert_eq!(plan.items[0].size, 0, "empty files are collected");
    let names = |reason| {
        let mut names: Vec<String> = skipped(&plan, reason)
            .iter()
            .map(|source| source.rsplit('/').next().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(SkipReason::OutsideRoots),
        vec!["escape.log", "null.log"]
    );
    assert_eq!(
        names(SkipReason::SymlinkLoop),
        vec!["a.log", "b.log", "self"]
    );
    assert_eq!(names(SkipReason::NotRegularFile), vec!["jcfifo"]);
    assert_eq!(names(SkipReason::NotFound), vec!["dangling.log"]);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_skipped_as_permission_denied_unless_running_as_root() {
    use std::os::unix::fs::PermissionsExt;
    let (root, env) = fake_root(Os::Linux);
    let log = root.path().join("var/log/jcagent.log");
    write(&log, b"secret-ish\n");
    fs::set_permissions(&log, fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root reads files whatever their mode: then the file is simply planned.
    let root_bypasses = fs::File::open(&log).is_ok();
    let profile = builtin("jumpcloud");
    let plan = run_plan(&profile, &env, Some(&["jcagent-log".to_owned()]), &[]);
    if root_bypasses {
        assert_eq!(entries(&plan), vec!["logs/var/log/jcagent.log"]);
    } else {
        assert!(plan.items.is_empty());
        assert_eq!(
            skipped(&plan, SkipReason::PermissionDenied),
            vec![log.display().to_string()]
        );
    }
    // The mapping itself, independent of who runs the tests.
    use std::io::{Error, ErrorKind};
    assert_eq!(
        reason_for(&Error::from(ErrorKind::PermissionDenied)),
        SkipReason::PermissionDenied
    );
    assert_eq!(
        reason_for(&Error::from_raw_os_error(13)),
        SkipReason::PermissionDenied
    );
    assert_eq!(
        reason_for(&Error::from(ErrorKind::NotFound)),
        SkipReason::NotFound
    );
    #[cfg(target_os = "linux")]
    assert_eq!(
        reason_for(&Error::from_raw_os_error(40)),
        SkipReason::SymlinkLoop
    );
    assert_eq!(
        reason_for(&Error::from(ErrorKind::InvalidData)),
        SkipReason::Unreadable
    );
    fs::set_permissions(&log, fs::Permissions::from_mode(0o644)).expect("chmod back");
}

#[test]
fn binary_files_are_skipped_unless_included_and_a_few_nuls_stay_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().join("evidence");
    write(&d.join("agent"), b"\x7fELF\x02\x01\x01\x00\x00\x00");
    write(&d.join("cache.db"), b"SQLite format 3\0\0\0\0");
    let mut log = b"line\n".repeat(500);
    log.extend_from_slice(&[0, 0, 0]);
    write(&d.join("crash.log"), &log);
    write(&d.join("screen.PNG"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let plan = plan_added(std::slice::from_ref(&d), false);
    assert_eq!(
        entries(&plan),
        vec![
            "attachments/evidence/crash.log",
            "attachments/evidence/screen.PNG"
        ]
    );
    assert_eq!(skipped(&plan, SkipReason::Binary).len(), 2);
    let plan = plan_added(&[d], true);
    assert_eq!(plan.items.len(), 4);
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    assert!(!is_binary(&log));
}

#[test]
fn utf16_logs_in_profile_folders_are_planned_as_text_and_images_only_with_binaries() {
    let root = tempfile::tempdir().expect("temp dir");
    let logs = root.path().join("var/log/vendor");
    let text: Vec<u8> = "\u{feff}2026-11-23 10:00:00 started\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    write(&logs.join("setup.log"), &text);
    write(&logs.join("bomless.log"), &text[2..]);
    write(&logs.join("crash.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let source = format!(
        "{}\n[[evidence]]\nid = \"vendor-logs\"\nlabel = \"Vendor logs\"\ndescription = \"Logs.\"\n\
         sources = [ {{ os = \"linux\", paths = [\"/var/log/vendor/*\"] }} ]\n",
        include_str!("../../src/profile/builtin/generic.toml")
    );
    let profile = parse(&source, "generic.toml").expect("profile");
    let env = Env::under_root(Os::Linux, root.path());
    let kinds = ["vendor-logs".to_owned()];
    let planned = |include_binary| {
        plan(
            &PlanRequest {
                profile: &profile,
                env: &env,
                evidence: Some(&kinds),
                add: &[],
                screenshots: &[],
                include_binary,
                own_folders: &[],
            },
            &AtomicBool::new(false),
        )
    };
    let without = planned(false);
    assert_eq!(
        entries(&without),
        vec![
            "logs/var/log/vendor/bomless.log",
            "logs/var/log/vendor/setup.log"
        ]
    );
    let skipped: Vec<&str> = without.skipped.iter().map(|s| s.detail.as_str()).collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].contains("PNG image") && skipped[0].contains("metadata dropped"));
    assert_eq!(planned(true).items.len(), 3);
}

// ---- Planning added paths ----

#[test]
fn added_files_and_folders_become_attachments_and_clashing_names_are_numbered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(&d.join("one/notes.txt"), b"first\n");
    write(&d.join("two/notes.txt"), b"second\n");
    write(&d.join("two/NOTES.TXT"), b"third\n");
    write(&d.join("bundle/sub/a.log"), b"a\n");
    let add = vec![
        d.join("one/notes.txt"),
        d.join("two/notes.txt"),
        d.join("two/NOTES.TXT"),
        d.join("bundle"),
        d.join("missing.txt"),
    ];
    let plan = plan_added(&add, false);
    assert_eq!(
        entries(&plan),
        vec![
            "attachments/NOTES.TXT",
            "attachments/bundle/sub/a.log",
            "attachments/notes (2).txt",
            "attachments/notes (3).txt",
        ]
    );
    for item in &plan.items {
        assert_eq!(item.max_bytes, None);
        assert_eq!(item.evidence_id, None);
    }
    assert_eq!(
        skipped(&plan, SkipReason::NotFound),
        vec![d.join("missing.txt").display().to_string()]
    );
}

#[cfg(unix)]
#[test]
fn names_with_newlines_or_invalid_utf8_are_escaped_without_clashing() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().join("odd");
    write(&d.join("a\nb.log"), b"1\n");
    write(&d.join("a%0Ab.log"), b"2\n");
    write(&d.join(OsStr::from_bytes(b"caf\xe9.log")), b"3\n");
    write(&d.join("tab\there.log"), b"4\n");
    let plan = plan_added(&[d], false);
    assert_eq!(
        entries(&plan),
        vec![
            "attachments/odd/a%0Ab.log",
            "attachments/odd/a%250Ab.log",
            "attachments/odd/caf%E9.log",
            "attachments/odd/tab%09here.log",
        ]
    );
}

#[cfg(unix)]
#[test]
fn symlinks_in_an_added_folder_may_not_leave_it() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(&d.join("outside.txt"), b"not mine\n");
    write(&d.join("picked/in.txt"), b"mine\n");
    symlink(d.join("outside.txt"), d.join("picked/out.txt")).expect("link");
    symlink(d, d.join("picked/up")).expect("link");
    let plan = plan_added(&[d.join("picked")], false);
    assert_eq!(entries(&plan), vec!["attachments/picked/in.txt"]);
    let mut outside = skipped(&plan, SkipReason::OutsideRoots);
    outside.sort();
    assert_eq!(
        outside,
        vec![
            d.join("picked/out.txt").display().to_string(),
            d.join("picked/up").display().to_string()
        ]
    );
}

#[test]
fn deep_trees_are_planned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut deep = dir.path().join("deep");
    for _ in 0..200 {
        deep.push("d");
    }
    write(&deep.join("bottom.log"), b"found me\n");
    let plan = plan_added(&[dir.path().join("deep")], false);
    assert_eq!(plan.items.len(), 1);
    let entry = &plan.items[0].entry;
    assert!(entry.ends_with("/d/bottom.log"), "{entry}");
    assert_eq!(entry.split('/').filter(|part| *part == "d").count(), 200);
}

#[test]
fn a_hundred_thousand_small_files_are_planned_in_order() {
    // Creating and deleting 100 000 files is what is slow, on some disks minutes; use memory
    // (tmpfs) where there is one, since this test is about planning, not the disk.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("temp dir")
    } else {
        tempfile::tempdir().expect("temp dir")
    };
    let many = dir.path().join("many");
    for folder in 0..100 {
        let folder_path = many.join(format!("{folder:03}"));
        fs::create_dir_all(&folder_path).expect("mkdir");
        for file in 0..1000 {
            fs::write(folder_path.join(format!("{file:04}.log")), b"x\n").expect("write");
        }
    }
    let plan = plan_added(&[many], false);
    assert_eq!(plan.items.len(), 100_000);
    assert!(plan.skipped.is_empty());
    assert_eq!(plan.items[0].entry, "attachments/many/000/0000.log");
    assert_eq!(plan.items[99_999].entry, "attachments/many/099/0999.log");
    assert!(
        plan.items
            .windows(2)
            .all(|pair| pair[0].entry < pair[1].entry)
    );
}

#[test]
fn a_cancelled_plan_stops_and_returns_what_it_has() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(&dir.path().join("a.txt"), b"a\n");
    let profile = builtin("generic");
    let env = Env::under_root(Os::Linux, dir.path());
    let plan = plan(
        &PlanRequest {
            profile: &profile,
            env: &env,
            evidence: None,
            add: &[dir.path().join("a.txt")],
            screenshots: &[],
            include_binary: false,
            own_folders: &[],
        },
        &AtomicBool::new(true),
    );
    assert!(plan.items.is_empty());
}

// ---- Commands ----

fn spec(argv: &[&str], timeout: Duration, max_output: u64) -> CommandSpec {
    CommandSpec {
        argv: argv.iter().map(|arg| (*arg).to_owned()).collect(),
        timeout,
        max_output,
    }
}

#[cfg(unix)]
#[test]
fn a_command_output_and_exit_status_are_captured() {
    let output = command::run(&spec(
        &["echo", "hello", "world"],
        Duration::from_secs(30),
        1024,
    ))
    .expect("runs");
    assert_eq!(output.bytes, b"hello world\n");
    assert_eq!(output.status, Some(0));
    assert!(!output.timed_out && !output.truncated);
    let output = command::run(&spec(&["false"], Duration::from_secs(30), 1024)).expect("runs");
    assert_eq!(output.status, Some(1));
}

#[cfg(unix)]
#[test]
fn the_output_cap_keeps_the_tail() {
    let output =
        command::run(&spec(&["seq", "1", "100000"], Duration::from_secs(30), 20)).expect("runs");
    assert!(output.truncated);
    assert_eq!(output.bytes.len(), 20);
    assert!(
        output.bytes.ends_with(b"99999\n100000\n"),
        "{:?}",
        output.bytes
    );
}

#[cfg(unix)]
#[test]
fn a_command_past_its_timeout_is_killed_even_when_a_grandchild_holds_the_pipes() {
    let output =
        command::run(&spec(&["sleep", "30"], Duration::from_millis(200), 1024)).expect("runs");
    assert!(output.timed_out);
    assert_eq!(output.status, None);
    // The shell is killed; its background sleep keeps stdout open, and run() still returns.
    let output = command::run(&spec(
        &["sh", "-c", "sleep 30 & echo started; wait"],
        Duration::from_millis(300),
        1024,
    ))
    .expect("runs");
    assert!(output.timed_out);
    assert_eq!(output.bytes, b"started\n");
}

#[test]
fn a_missing_program_is_named() {
    let error = command::run(&spec(
        &["casefile-no-such-program", "--help"],
        Duration::from_secs(5),
        1024,
    ))
    .expect_err("missing");
    assert!(matches!(error, CommandError::NotFound { .. }));
    assert!(
        error.to_string().contains("\"casefile-no-such-program\""),
        "{error}"
    );
    let error = command::run(&spec(&[], Duration::from_secs(5), 1024)).expect_err("empty");
    assert!(matches!(error, CommandError::Empty));
}

#[cfg(unix)]
#[test]
fn a_command_writing_megabytes_to_stderr_does_not_deadlock() {
    let output = command::run(&spec(
        &[
            "sh",
            "-c",
            "head -c 4000000 /dev/zero | tr '\\0' e >&2; echo out",
        ],
        Duration::from_secs(60),
        1000,
    ))
    .expect("runs");
    assert!(!output.timed_out);
    assert_eq!(output.status, Some(0));
    assert!(output.truncated);
    let mut expected = b"out\n--- stderr ---\n".to_vec();
    expected.extend_from_slice(&[b'e'; 1000]);
    assert_eq!(output.bytes, expected);
}

// ---- Snapshot ----

#[cfg(unix)]
#[test]
fn a_snapshot_of_a_mounted_disk_reads_only_its_files() {
    let (root, env) = fake_root(Os::Linux);
    let r = root.path();
    write(
        &r.join("etc/os-release"),
        b"NAME=\"Ubuntu\"\nPRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nVERSION_ID=\"24.04\"\n",
    );
    write(&r.join("etc/hostname"), b"build-07.example.test\n");
    write(&r.join("etc/default/locale"), b"LANG=\"de_DE.UTF-8\"\n");
    std::os::unix::fs::symlink("/usr/share/zoneinfo/Europe/Berlin", r.join("etc/localtime"))
        .expect("link");
    write(&r.join("opt/jc/version.txt"), b"\n2.31.0\n");
    write(
        &r.join("opt/jc/jcagent.conf"),
        b"{\"systemKey\":\"hunter2-FAKE\"}\n",
    );
    let profile = builtin("jumpcloud");
    let snapshot = snapshot::take(&profile, &env);
    assert!(!snapshot.live);
    assert_eq!(snapshot.os_name.as_deref(), Some("Ubuntu 24.04.1 LTS"));
    assert_eq!(snapshot.os_version.as_deref(), Some("24.04"));
    assert_eq!(snapshot.hostname.as_deref(), Some("build-07.example.test"));
    assert_eq!(snapshot.time_zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(snapshot.locale.as_deref(), Some("de_DE.UTF-8"));
    assert_eq!(snapshot.agent_version.as_deref(), Some("2.31.0"));
    assert_eq!(snapshot.config_files(), &[r.join("opt/jc/jcagent.conf")]);
    assert!(snapshot.top_cpu.is_empty() && snapshot.cpu.is_none());
    assert_eq!(snapshot.watched_processes.len(), 2);
    let json: serde_json::Value = serde_json::from_slice(&snapshot.to_json()).expect("json");
    assert_eq!(json["live"], false);
    assert_eq!(json["agentVersion"], "2.31.0");
    let text = snapshot.to_text();
    assert!(
        text.contains("\nHostname:      build-07.example.test\n"),
        "{text}"
    );
    assert!(text.contains("\nAgent version: 2.31.0 (from "), "{text}");
    // Every line is aligned: the value starts in the same column.
    let columns: BTreeSet<usize> = text
        .lines()
        .map(|line| {
            line.find(": ").expect("label")
                + line[line.find(": ").expect("label")..]
                    .find(|c: char| c != ':' && c != ' ')
                    .expect("value")
        })
        .collect();
    assert_eq!(columns.len(), 1, "{text}");
}

#[test]
fn a_live_snapshot_describes_this_machine() {
    let env = Env::live();
    assert_eq!(env.os, current_os());
    let profile = builtin("generic");
    let snapshot = snapshot::take(&profile, &env);
    assert!(snapshot.live);
    assert!(snapshot.cpu.is_some());
    assert!(
        snapshot
            .memory
            .as_ref()
            .is_some_and(|memory| memory.total > 0)
    );
    assert!(!snapshot.top_memory.is_empty());
    assert!(snapshot.top_cpu.len() <= 10 && snapshot.top_memory.len() <= 10);
    assert!(snapshot.to_text().contains("Source:"));
}

#[test]
fn a_glob_whose_only_match_was_planned_by_an_earlier_kind_is_not_reported_missing() {
    let (root, env) = fake_root(Os::Linux);
    write(&root.path().join("var/log/jcagent.log"), b"agent\n");
    let profile = builtin("jumpcloud");
    let ids = ["jcagent-log".to_owned(), "jc-agent-logs".to_owned()];
    let plan = run_plan(&profile, &env, Some(&ids), &[]);
    assert_eq!(entries(&plan), vec!["logs/var/log/jcagent.log"]);
    let missing = skipped(&plan, SkipReason::NotFound);
    assert_eq!(
        missing,
        vec![root.path().join("var/log/jumpcloud").display().to_string()]
    );
}

// ---- The request as it leaves: one redaction for the request and the evidence ----

mod request_redaction {
    use std::collections::BTreeMap;
    use std::io::Read;
    use std::path::Path;
    use std::sync::atomic::AtomicBool;

    use casefile_core::bundle::read::ZipReader;
    use casefile_core::evidence::collect::{
        self, CollectContext, CollectOptions, Outcome, RequestDocs, redaction_rules,
    };
    use casefile_core::evidence::resolve::Env;
    use casefile_core::profile::schema::{Os, Profile};
    use casefile_core::redact::{Category, PseudonymKey, preview_with};
    use casefile_core::request::{Endpoint, EvidenceItem, Request};

    use crate::builtin;

    /// A connect key as JumpCloud's agent writes it: 40 hex digits, obviously fake.
    const CONNECT_KEY: &str = "FAKE0c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0";
    const ADDRESS: &str = "10.61.12.34";
    const HOST: &str = "build-srv-07";

    /// A draft in `dir` whose description is a pasted log with the connect key, the address and
    /// the host, with `app.log` (the same values) as its evidence.
    fn draft(dir: &Path) -> Request {
        std::fs::write(
            dir.join("app.log"),
            format!(
                "2026-12-01T10:00:00Z {HOST} agent: connectKey={CONNECT_KEY} from {ADDRESS}\n\
                 2026-12-01T10:00:01Z {HOST} agent: retrying {ADDRESS}\n"
            ),
        )
        .expect("write log");
        let mut request = Request {
            schema_version: 2,
            case_code: "CF-TEST-0001".into(),
            profile: "generic".into(),
            ..Request::default()
        };
        request.problem.subject = format!("Agent on {HOST} stops");
        request.problem.description = format!(
            "I pasted this:\n\"connectKey\": \"{CONNECT_KEY}\"\nconnecting to {ADDRESS} from {HOST}\n"
        );
        request.contact.email = "ada@example.test".into();
        request.scope.endpoints.push(Endpoint {
            hostname: HOST.into(),
            ip: ADDRESS.into(),
            ..Endpoint::default()
        });
        request.evidence.push(EvidenceItem {
            evidence_id: String::new(),
            path: "app.log".into(),
            note: "the agent's log".into(),
        });
        request
    }

    struct Run {
        outcome: Outcome,
        entries: BTreeMap<String, String>,
        _dir: tempfile::TempDir,
        dir: std::path::PathBuf,
    }

    fn options(request: &Request, profile: &Profile, dir: &Path) -> CollectOptions {
        let mut options = CollectOptions {
            evidence: Some(Vec::new()),
            snapshot: false,
            threads: 2,
            ..CollectOptions::default()
        };
        options.for_draft(request, profile, dir).expect("for_draft");
        options
    }

    /// Bundles `edit(draft)` with the generic profile on an empty mounted root.
    fn run(edit: impl FnOnce(&mut Request, &Path), disclosure: bool, key: &PseudonymKey) -> Run {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).expect("root");
        let mut request = draft(dir.path());
        edit(&mut request, dir.path());
        let profile = builtin("generic");
        let env = Env::under_root(Os::Linux, &root);
        let mut options = options(&request, &profile, dir.path());
        options.disclosure = disclosure;
        let context = CollectContext {
            profile: &profile,
            env: &env,
            key: Some(key),
            mapping_path: None,
        };
        let out = dir.path().join("bundle.zip");
        let outcome = collect::collect(&context, &options, &out, &|_| {}, &AtomicBool::new(false))
            .expect("collect");
        let mut reader = ZipReader::new(std::fs::File::open(&out).expect("open")).expect("zip");
        let mut entries = BTreeMap::new();
        for index in 0..reader.entries().len() {
            let name = reader.entries()[index].name.clone();
            let mut text = String::new();
            reader
                .open(index)
                .expect("entry")
                .read_to_string(&mut text)
                .expect("read");
            entries.insert(name, text);
        }
        let path = dir.path().to_path_buf();
        Run {
            outcome,
            entries,
            _dir: dir,
            dir: path,
        }
    }

    fn key() -> PseudonymKey {
        PseudonymKey::generate().expect("key")
    }

    #[test]
    fn a_pasted_connect_key_and_address_are_gone_from_the_request_files_with_the_same_pseudonyms_as_the_logs()
     {
        let run = run(|_, _| {}, false, &key());
        let log = &run.entries["attachments/app.log"];
        for name in ["request.md", "request.json"] {
            let text = &run.entries[name];
            for original in [CONNECT_KEY, ADDRESS, HOST] {
                assert!(!text.contains(original), "{original} in {name}:\n{text}");
            }
            assert!(text.contains("[REDACTED]"), "{name}:\n{text}");
        }
        assert!(!log.contains(CONNECT_KEY) && !log.contains(HOST), "{log}");
        // The vendor reads the same pseudonym for the host in the request and in the log.
        let host = log
            .split_whitespace()
            .find(|w| w.starts_with("host-"))
            .expect("host pseudonym in the log");
        assert!(
            run.entries["request.md"]
                .starts_with(&format!("# [CF-TEST-0001] Agent on {host} stops")),
            "{}",
            run.entries["request.md"]
        );
        let address = log
            .split_whitespace()
            .find(|w| w.starts_with("24") || w.starts_with("25"))
            .expect("address pseudonym");
        assert!(run.entries["request.md"].contains(address), "{address}");
        // The request files were leak-scanned with the rest, and redaction is recorded.
        assert!(run.outcome.leaks.is_empty(), "{:?}", run.outcome.leaks);
        let md = run
            .outcome
            .entries
            .iter()
            .find(|e| e.name == "request.md")
            .expect("request.md");
        assert!(
            md.redacted && md.redactions.get(Category::Secret) == 1,
            "{md:?}"
        );
        // The contact's address, which the vendor answers, is kept.
        assert!(run.entries["request.md"].contains("ada@example.test"));
    }

    #[test]
    fn the_request_names_evidence_by_its_place_in_the_bundle_never_a_local_path() {
        let run = run(|_, _| {}, false, &key());
        let md = &run.entries["request.md"];
        assert!(
            md.contains("- attachments/app.log: the agent's log"),
            "{md}"
        );
        let local = run.dir.display().to_string();
        for name in ["request.md", "request.json"] {
            assert!(!run.entries[name].contains(&local), "{local} in {name}");
        }
    }

    #[test]
    fn a_folder_of_evidence_is_named_by_its_folder_in_the_bundle_and_a_missing_file_by_its_name() {
        let run = run(
            |request, folder| {
                std::fs::create_dir_all(folder.join("agent-logs/old")).expect("mkdir");
                std::fs::write(folder.join("agent-logs/a.log"), "a\n").expect("write");
                std::fs::write(folder.join("agent-logs/old/b.log"), "b\n").expect("write");
                std::fs::write(folder.join("tool.bin"), b"\x7fELF\0\0\0binary").expect("write");
                for (path, note) in [("agent-logs", "the folder"), ("tool.bin", "a binary")] {
                    request.evidence.push(EvidenceItem {
                        evidence_id: String::new(),
                        path: path.into(),
                        note: note.into(),
                    });
                }
            },
            false,
            &key(),
        );
        let md = &run.entries["request.md"];
        assert!(md.contains("- attachments/agent-logs/: the folder"), "{md}");
        assert!(
            md.contains("- tool.bin (not in the bundle: manifest.json says why): a binary"),
            "{md}"
        );
    }

    #[test]
    fn a_kept_name_stays_everywhere_and_a_hidden_word_is_gone_everywhere() {
        let run = run(
            |request, _| {
                request.redaction.keep = vec![HOST.to_uppercase()];
                request.redaction.hide = vec!["Falcon".into()];
                request.problem.actual_result = "Project Falcon stopped".into();
                request.evidence[0].note = "Falcon's agent log".into();
            },
            false,
            &key(),
        );
        let log = &run.entries["attachments/app.log"];
        assert_eq!(log.matches(HOST).count(), 2, "{log}");
        assert!(run.entries["request.md"].contains(&format!("Agent on {HOST} stops")));
        assert!(
            run.outcome.leaks.is_empty(),
            "a kept name is no leak: {:?}",
            run.outcome.leaks
        );
        for (name, text) in &run.entries {
            assert!(!text.contains("Falcon"), "Falcon in {name}:\n{text}");
            assert!(
                !text.contains("[redaction]") && !text.contains("\"hide\""),
                "{name}"
            );
        }
        assert!(run.entries["request.md"].contains("Project word-"));
        // Still redacted: the secret and the address.
        assert!(!log.contains(CONNECT_KEY) && !log.contains(ADDRESS));
    }

    #[test]
    fn the_disclosure_lists_identifiers_with_counts_and_places_and_secret_kinds_without_values() {
        let run = run(
            |request, _| request.redaction.keep = vec![ADDRESS.into()],
            true,
            &key(),
        );
        let report = run.outcome.disclosure.as_ref().expect("disclosure");
        let host = report
            .identifiers
            .iter()
            .find(|i| i.original == HOST)
            .expect("the host");
        assert_eq!(host.category, "hostname");
        assert!(
            host.pseudonym
                .as_deref()
                .is_some_and(|p| p.starts_with("host-"))
        );
        // subject, description, endpoints, and twice in the log.
        assert_eq!(host.count, 5, "{host:?}");
        let places: Vec<(&str, &str, u64)> = host
            .places
            .iter()
            .map(|p| (p.kind.as_str(), p.name.as_str(), p.count))
            .collect();
        assert!(places.contains(&("field", "description", 1)), "{places:?}");
        assert!(
            places.contains(&("entry", "attachments/app.log", 2)),
            "{places:?}"
        );
        let address = report
            .identifiers
            .iter()
            .find(|i| i.original == ADDRESS)
            .expect("the kept address");
        assert!(address.kept && address.pseudonym.is_none(), "{address:?}");
        assert_eq!(
            address.count, 4,
            "description, endpoints, log twice: {address:?}"
        );
        let kinds: Vec<&str> = report.secrets.iter().map(|s| s.kind.as_str()).collect();
        assert!(!kinds.is_empty());
        let secret_places: u64 = report
            .secrets
            .iter()
            .flat_map(|s| &s.places)
            .filter(|p| p.name == "description" || p.name == "attachments/app.log")
            .map(|p| p.count)
            .sum();
        assert_eq!(secret_places, 2, "{:?}", report.secrets);
        let json = serde_json::to_string(report).expect("json");
        assert!(!json.contains(CONNECT_KEY), "no secret value in the review");
        assert_eq!(report.requester, vec!["ada@example.test".to_owned()]);
        assert_eq!(report.scanned_entries, run.entries.len());
    }

    #[test]
    fn the_preview_uses_the_bundles_rules_and_its_counts_equal_the_bundles() {
        let key = key();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).expect("root");
        let mut request = draft(dir.path());
        // A second file names the user only as the login learns it; the first file, previewed,
        // mentions it bare. A preview that learns from the one file misses it.
        std::fs::write(
            dir.path().join("auth.log"),
            "Dec  1 10:00:00 web sshd[1]: Accepted password for jsmith from 10.0.9.9 port 22\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("app.log"),
            format!("jsmith ran the agent on {HOST} from {ADDRESS} token=FAKE-token-1\n"),
        )
        .expect("write");
        request.evidence.push(EvidenceItem {
            evidence_id: String::new(),
            path: "auth.log".into(),
            note: String::new(),
        });
        let profile = builtin("generic");
        let env = Env::under_root(Os::Linux, &root);
        let options = options(&request, &profile, dir.path());
        let context = CollectContext {
            profile: &profile,
            env: &env,
            key: Some(&key),
            mapping_path: None,
        };
        let out = dir.path().join("bundle.zip");
        let outcome = collect::collect(&context, &options, &out, &|_| {}, &AtomicBool::new(false))
            .expect("collect");
        let bundled = outcome
            .entries
            .iter()
            .find(|e| e.name == "attachments/app.log")
            .expect("app.log");
        let rules =
            redaction_rules(&context, &options, &|_| {}, &AtomicBool::new(false)).expect("rules");
        let preview = preview_with(&rules.redactor(&key), &dir.path().join("app.log"), 64 << 10)
            .expect("preview");
        assert_eq!(preview.counts, bundled.redactions, "{}", preview.text);
        assert!(
            preview.counts.get(Category::Username) >= 1,
            "{}",
            preview.text
        );
        // Every span covers a replacement in the text.
        assert_eq!(preview.spans.len() as u64, preview.counts.total());
        for span in &preview.spans {
            let shown = &preview.text[span.start..span.end];
            assert!(
                shown == "[REDACTED]" || shown.contains('-') || shown.contains('.'),
                "{shown:?}"
            );
        }
        // The bundle holds exactly the preview's text for that file.
        let docs = RequestDocs::from_bundle(&out)
            .expect("read")
            .expect("request docs");
        assert_eq!(docs.case_code, "CF-TEST-0001");
        let shown = rules.request.as_ref().expect("the request as it leaves");
        assert_eq!(
            shown.markdown, docs.markdown,
            "the Review step shows what is sent"
        );
        let mut reader = ZipReader::new(std::fs::File::open(&out).expect("open")).expect("zip");
        let index = reader.find("attachments/app.log").expect("entry");
        let mut text = String::new();
        reader
            .open(index)
            .expect("entry")
            .read_to_string(&mut text)
            .expect("read");
        assert_eq!(text, preview.text);
    }
}

// ---- Windows and macOS text, images (issue 11, item 5) ----

/// Made-up identifiers planted in every encoded log; none may reach a bundle in any encoding.
const PLANTED_PASSWORD: &str = "Tr0ub4dor-8c1f2";
const PLANTED_USER: &str = "jdoe_fake";
const PLANTED_HOST: &str = "ws-fake-07";
const PLANTED_IP: &str = "10.20.30.40";

/// A small Windows-style log (CRLF) with the planted values and a non-ASCII character.
fn planted_log() -> String {
    format!(
        "2026-11-23 10:00:01 Service started; caf\u{e9} config loaded\r\n\
         2026-11-23 10:00:02 login user={PLANTED_USER} from {PLANTED_IP} host={PLANTED_HOST}\r\n\
         2026-11-23 10:00:03 password={PLANTED_PASSWORD} accepted\r\n"
    )
}

fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let mut units: Vec<u16> = text.encode_utf16().collect();
    if bom {
        units.insert(0, 0xfeff);
    }
    units
        .into_iter()
        .flat_map(|u| {
            if little {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            }
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Whether `needle` is in `bytes` as UTF-8, UTF-16LE or UTF-16BE.
fn contains_in_any_encoding(bytes: &[u8], needle: &str) -> bool {
    contains(bytes, needle.as_bytes())
        || contains(bytes, &utf16(needle, true, false))
        || contains(bytes, &utf16(needle, false, false))
}

fn assert_planted_values_gone(name: &str, bytes: &[u8]) {
    for planted in [PLANTED_PASSWORD, PLANTED_USER, PLANTED_HOST, PLANTED_IP] {
        assert!(
            !contains_in_any_encoding(bytes, planted),
            "{planted} is in {name}: {}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// Every entry of a bundle, by name.
fn bundle_entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut reader = ZipReader::new(fs::File::open(path).expect("bundle")).expect("zip");
    let names: Vec<String> = reader.entries().iter().map(|e| e.name.clone()).collect();
    names
        .into_iter()
        .enumerate()
        .map(|(index, name)| {
            let mut bytes = Vec::new();
            reader
                .open(index)
                .expect("open entry")
                .read_to_end(&mut bytes)
                .expect("read entry");
            (name, bytes)
        })
        .collect()
}

/// Collects only `add` (generic profile, a mounted empty root, no snapshot), redacted.
fn collect_added(
    add: &[PathBuf],
    tweak: impl FnOnce(&mut CollectOptions),
) -> (Outcome, BTreeMap<String, Vec<u8>>) {
    let profile = builtin("generic");
    let root = tempfile::tempdir().expect("temp dir");
    let env = Env::under_root(Os::Linux, root.path());
    let key = PseudonymKey::generate().expect("key");
    let mut options = CollectOptions {
        evidence: Some(Vec::new()),
        add: add.to_vec(),
        snapshot: false,
        threads: 2,
        ..CollectOptions::default()
    };
    tweak(&mut options);
    let out = root.path().join("bundle.zip");
    let outcome = collect::collect(
        &CollectContext {
            profile: &profile,
            env: &env,
            key: Some(&key),
            mapping_path: None,
        },
        &options,
        &out,
        &|_| {},
        &AtomicBool::new(false),
    )
    .expect("collect");
    let entries = bundle_entries(&out);
    (outcome, entries)
}

fn manifest_entry<'a>(outcome: &'a Outcome, name: &str) -> &'a ManifestEntry {
    outcome
        .entries
        .iter()
        .find(|entry| entry.name == name)
        .unwrap_or_else(|| panic!("no entry {name}: {:?}", outcome.entries))
}

fn converted_from(entry: &ManifestEntry) -> Option<&str> {
    entry.converted.as_ref().map(|c| c.from.as_str())
}

#[test]
fn utf16_utf8_bom_and_windows_1252_logs_are_decoded_redacted_and_stored_as_utf8() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("windows");
    let text = planted_log();
    let cp1252: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect();
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        ("utf16le-bom.log", utf16(&text, true, true), "utf-16le"),
        ("utf16be-bom.log", utf16(&text, false, true), "utf-16be"),
        ("utf16le-no-bom.log", utf16(&text, true, false), "utf-16le"),
        ("utf16be-no-bom.log", utf16(&text, false, false), "utf-16be"),
        (
            "utf8-bom.log",
            [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(),
            "utf-8-bom",
        ),
        ("cp1252.log", cp1252, "windows-1252"),
    ];
    for (name, bytes, _) in &files {
        write(&folder.join(name), bytes);
    }
    write(&folder.join("plain.log"), text.as_bytes());
    let (outcome, entries) = collect_added(&[folder], |_| {});
    assert!(outcome.leaks.is_empty(), "{:?}", outcome.leaks);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    let plain = &entries["attachments/windows/plain.log"];
    for (name, _, from) in &files {
        let entry = format!("attachments/windows/{name}");
        let bytes = &entries[&entry];
        assert_planted_values_gone(&entry, bytes);
        let stored = std::str::from_utf8(bytes).expect("stored as UTF-8");
        assert!(
            stored.starts_with("2026-11-23 10:00:01 Service started; caf\u{e9} config loaded\r\n"),
            "{entry}: {stored:?}"
        );
        assert_eq!(stored.matches("\r\n").count(), 3, "{entry} keeps CRLF");
        assert!(stored.contains("password=[REDACTED]"), "{entry}: {stored}");
        // Decoded, it is redacted exactly as the same text in UTF-8.
        assert_eq!(bytes, plain, "{entry}");
        let manifest = manifest_entry(&outcome, &entry);
        assert_eq!(converted_from(manifest), Some(*from), "{entry}");
        assert!(manifest.redacted);
    }
    assert_eq!(
        converted_from(manifest_entry(&outcome, "attachments/windows/plain.log")),
        None
    );
}

/// UTF-16LE text with a BOM of more than `size` bytes, one line per record, where a surrogate
/// pair (an emoji) lies across `split` (an even offset) and another starts one byte before it.
fn big_utf16(size: usize, split: usize) -> (Vec<u8>, String) {
    let mut text = String::new();
    let mut line = 0u32;
    while (text.len() + 1) * 2 < split - 400 {
        line += 1;
        text.push_str(&format!(
            "2026-11-23 10:{:02}:{:02} line {line} user={PLANTED_USER} ok \u{e9}\r\n",
            (line / 60) % 60,
            line % 60
        ));
    }
    // Pad to put a surrogate pair right across `split`: the BOM is 2 bytes, each unit 2.
    let units_before: usize = text.encode_utf16().count() + 1;
    let pad = (split / 2 - 1).saturating_sub(units_before);
    text.push_str(&"x".repeat(pad));
    text.push_str("\u{1f600} emoji across the chunk boundary\r\n");
    while text.len() * 2 < size {
        line += 1;
        text.push_str(&format!(
            "2026-11-23 11:{:02}:{:02} line {line} from {PLANTED_IP} \u{1f4a5}\r\n",
            (line / 60) % 60,
            line % 60
        ));
    }
    let bytes = utf16(&text, true, true);
    let at = split;
    let unit = u16::from_le_bytes([bytes[at - 2], bytes[at - 1]]);
    assert!(
        (0xd800..0xdc00).contains(&unit),
        "a high surrogate ends just before {split}"
    );
    (bytes, text)
}

#[test]
fn a_utf16_log_larger_than_a_chunk_decodes_across_the_boundary_with_flat_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chunk = collect::CHUNK;
    let (bytes, text) = big_utf16(chunk * 2 + chunk / 2, chunk);
    let path = dir.path().join("PowerShell_transcript.txt");
    write(&path, &bytes);
    let (outcome, entries) = collect_added(std::slice::from_ref(&path), |_| {});
    assert!(outcome.leaks.is_empty(), "{:?}", outcome.leaks);
    let entry = "attachments/PowerShell_transcript.txt";
    let stored = std::str::from_utf8(&entries[entry]).expect("UTF-8");
    assert_planted_values_gone(entry, stored.as_bytes());
    assert!(!stored.contains('\u{fffd}'), "no replacement characters");
    assert_eq!(stored.matches('\u{1f600}').count(), 1);
    assert_eq!(
        stored.matches('\u{1f4a5}').count(),
        text.matches('\u{1f4a5}').count()
    );
    assert_eq!(stored.lines().count(), text.lines().count());
    assert_eq!(stored.matches("\r\n").count(), text.matches("\r\n").count());
    let manifest = manifest_entry(&outcome, entry);
    assert_eq!(converted_from(manifest), Some("utf-16le"));
    assert_eq!(manifest.original_size, Some(bytes.len() as u64));
}

#[test]
fn a_utf16_log_is_cut_to_the_window_and_trimmed_to_the_budget_at_line_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chunk = collect::CHUNK;
    // Lines of varied content (their numbers), so deflate cannot shrink them to nothing.
    let (bytes, text) = big_utf16(chunk * 3, chunk);
    let path = dir.path().join("setup.log");
    write(&path, &bytes);
    // The window keeps 11:00 on: the 10:xx lines go.
    let since = "2026-11-23T11:00:00Z".parse().expect("instant");
    let (outcome, entries) = collect_added(std::slice::from_ref(&path), |options| {
        options.window.since = Some(since);
    });
    let entry = "attachments/setup.log";
    let stored = std::str::from_utf8(&entries[entry]).expect("UTF-8");
    assert!(!stored.contains(" 10:"), "lines before the window are cut");
    assert!(stored.contains(" 11:"));
    let reasons: Vec<_> = manifest_entry(&outcome, entry)
        .truncated
        .iter()
        .map(|t| t.reason)
        .collect();
    assert!(
        reasons.contains(&collect::TruncationReason::Window),
        "{reasons:?}"
    );

    // A budget far below the log: its oldest part goes, cut at a line start.
    let (outcome, entries) = collect_added(std::slice::from_ref(&path), |options| {
        options.budget = Some(150_000);
    });
    assert!(outcome.bundle_bytes <= 150_000, "{}", outcome.bundle_bytes);
    let stored = std::str::from_utf8(&entries[entry]).expect("UTF-8 after the trim");
    assert!(stored.len() < text.len() * 3 / 4, "{}", stored.len());
    assert!(stored.starts_with("2026-11-23 "), "{:?}", &stored[..40]);
    assert!(!stored.contains('\u{fffd}'));
    let manifest = manifest_entry(&outcome, entry);
    assert!(
        manifest
            .truncated
            .iter()
            .any(|t| t.reason == collect::TruncationReason::Budget),
        "{:?}",
        manifest.truncated
    );
    assert_eq!(converted_from(manifest), Some("utf-16le"));
}

#[test]
fn windows_event_text_and_crlf_ini_files_keep_their_line_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = format!(
        "Event[0]:\r\n  Log Name: Security\r\n  Source: Microsoft-Windows-Security-Auditing\r\n  \
         Date: 2026-11-23T10:00:02.000\r\n  Event ID: 4625\r\n  Description: \r\nAn account failed to log on.\r\n\r\n\
         Account For Which Logon Failed:\r\n\tSecurity ID:\t\tS-1-0-0\r\n\tAccount Name:\t\t{PLANTED_USER}\r\n\r\n\
         Network Information:\r\n\tSource Network Address:\t{PLANTED_IP}\r\n\tSource Port:\t\t51234\r\n"
    );
    let ini =
        format!("[Agent]\r\nServer={PLANTED_IP}\r\nPassword={PLANTED_PASSWORD}\r\nLogLevel=3\r\n");
    write(&dir.path().join("ev/security.txt"), events.as_bytes());
    write(&dir.path().join("ev/agent.ini"), &utf16(&ini, true, true));
    let (outcome, entries) = collect_added(&[dir.path().join("ev")], |_| {});
    assert!(outcome.leaks.is_empty(), "{:?}", outcome.leaks);
    for (name, original) in [("security.txt", &events), ("agent.ini", &ini)] {
        let entry = format!("attachments/ev/{name}");
        let stored = std::str::from_utf8(&entries[&entry]).expect("UTF-8");
        assert_eq!(
            stored.matches("\r\n").count(),
            original.matches("\r\n").count(),
            "{entry}: {stored:?}"
        );
        assert_eq!(stored.matches('\n').count(), original.matches('\n').count());
        assert!(!stored.contains(PLANTED_IP) && !stored.contains(PLANTED_PASSWORD));
    }
    let ini_out = std::str::from_utf8(&entries["attachments/ev/agent.ini"]).expect("UTF-8");
    assert!(ini_out.starts_with("[Agent]\r\nServer="), "{ini_out:?}");
    assert!(ini_out.contains("\r\nLogLevel=3\r\n"));
}

/// A program that prints a file as it is (a stand-in for `wmic`, which writes UTF-16).
fn cat(path: &Path) -> Vec<String> {
    vec!["cat".into(), path.display().to_string()]
}

#[cfg(unix)]
#[test]
fn utf16_command_output_is_decoded_and_redacted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = format!(
        "Caption  IPAddress  UserName\r\nHost     {PLANTED_IP}  CORP\\{PLANTED_USER}\r\npassword={PLANTED_PASSWORD}\r\n"
    );
    let path = dir.path().join("wmic.out");
    write(&path, &utf16(&output, true, true));
    let ran = command::run(&spec(
        &cat(&path).iter().map(String::as_str).collect::<Vec<_>>(),
        Duration::from_secs(20),
        1 << 20,
    ))
    .expect("runs");
    assert_eq!(ran.bytes, output.as_bytes());
    assert_eq!(
        ran.decoded_from,
        Some(casefile_core::evidence::encoding::Encoding::Utf16Le)
    );

    // Through a whole collection: the command's entry is UTF-8, redacted, and says so.
    let argv = cat(&path)
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let os = match current_os() {
        Os::Linux => "linux",
        Os::Macos => "macos",
        Os::Windows => "windows",
    };
    let source = format!(
        "{}\n[[evidence]]\nid = \"wmic\"\nlabel = \"WMIC\"\ndescription = \"A UTF-16 tool.\"\n\
         sources = [ {{ os = \"{os}\", commands = [ {{ name = \"wmic\", argv = [{argv}] }} ] }} ]\n",
        include_str!("../../src/profile/builtin/generic.toml")
    );
    let profile = parse(&source, "generic.toml").expect("profile");
    let env = Env::live();
    let key = PseudonymKey::generate().expect("key");
    let options = CollectOptions {
        evidence: Some(vec!["wmic".into()]),
        snapshot: false,
        threads: 2,
        ..CollectOptions::default()
    };
    let out = dir.path().join("bundle.zip");
    let outcome = collect::collect(
        &CollectContext {
            profile: &profile,
            env: &env,
            key: Some(&key),
            mapping_path: None,
        },
        &options,
        &out,
        &|_| {},
        &AtomicBool::new(false),
    )
    .expect("collect");
    let entries = bundle_entries(&out);
    let stored = std::str::from_utf8(&entries["commands/wmic.txt"]).expect("UTF-8");
    assert!(
        stored.contains("Caption  IPAddress  UserName\r\n"),
        "{stored}"
    );
    assert_planted_values_gone("commands/wmic.txt", stored.as_bytes());
    assert_eq!(
        converted_from(manifest_entry(&outcome, "commands/wmic.txt")),
        Some("utf-16le")
    );
}

/// A PNG of `width` x `height` pixels with a `tEXt` chunk before `IEND`.
fn png_with_text(width: u32, height: u32, text: &[u8]) -> Vec<u8> {
    let pixels: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    let png = casefile_core::evidence::screenshot::encode_png(
        &pixels,
        width,
        height,
        image::ExtendedColorType::Rgb8,
    )
    .expect("png");
    let iend = png.len() - 12;
    let mut chunk = (text.len() as u32).to_be_bytes().to_vec();
    let mut body = b"tEXt".to_vec();
    body.extend_from_slice(text);
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    [&png[..iend], &chunk, &png[iend..]].concat()
}

/// A JPEG with an APP1 EXIF block: a GPS pointer and a camera make holding `make`.
fn jpeg_with_gps(make: &[u8]) -> Vec<u8> {
    let image =
        image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 16, y as u8 * 16, 99]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image)
        .expect("jpeg");
    // TIFF, little-endian: IFD0 at 8 with two entries (Make, GPS IFD pointer), the string after.
    let data_at: u32 = 8 + 2 + 2 * 12 + 4;
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    for (tag, kind, count, value) in [
        (0x010fu16, 2u16, make.len() as u32, data_at),
        (0x8825, 4, 1, 0),
    ] {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value.to_le_bytes());
    }
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(make);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut segment = vec![0xff, 0xe1];
    segment.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&app1);
    [&jpeg[..2], &segment, &jpeg[2..]].concat()
}

#[test]
fn images_in_an_added_folder_are_re_encoded_without_metadata_whatever_their_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("shots");
    let png = png_with_text(
        8,
        6,
        b"Comment\0GPS 48.8584N 2.2945E password=pngsecret-8c1f",
    );
    let jpeg = jpeg_with_gps(b"camera-serial-8c1f\0");
    assert!(contains(&png, b"pngsecret-8c1f") && contains(&jpeg, b"camera-serial-8c1f"));
    write(&folder.join("map.png"), &png);
    write(&folder.join("photo.jpg"), &jpeg);
    // An image named like a log is an image; a log named like an image is text.
    write(&folder.join("capture.log"), &png);
    write(
        &folder.join("notes.png"),
        format!("password={PLANTED_PASSWORD} from {PLANTED_IP}\n").as_bytes(),
    );
    let (outcome, entries) = collect_added(&[folder], |_| {});
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    for (name, from, dropped) in [
        ("map.png", "png", "PNG text chunks"),
        ("capture.log", "png", "PNG text chunks"),
        ("photo.jpg", "jpeg", "EXIF (GPS position, camera)"),
    ] {
        let entry = format!("attachments/shots/{name}");
        let bytes = &entries[&entry];
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{entry} is a fresh PNG"
        );
        for gone in [
            &b"pngsecret"[..],
            b"camera-serial",
            b"tEXt",
            b"Exif",
            b"GPS",
        ] {
            assert!(!contains(bytes, gone), "{entry} still holds {gone:?}");
        }
        let decoded = image::load_from_memory(bytes).expect("decodes");
        assert!(decoded.width() > 0);
        let manifest = manifest_entry(&outcome, &entry);
        let converted = manifest.converted.as_ref().expect("converted");
        assert_eq!(
            (converted.from.as_str(), converted.to.as_str()),
            (from, "png")
        );
        assert!(
            converted.dropped.iter().any(|d| d == dropped),
            "{entry}: {:?}",
            converted.dropped
        );
    }
    let notes = std::str::from_utf8(&entries["attachments/shots/notes.png"]).expect("text");
    assert!(notes.contains("password=[REDACTED]"), "{notes}");
    assert!(!notes.contains(PLANTED_IP));
    assert!(manifest_entry(&outcome, "attachments/shots/notes.png").redacted);
}

#[test]
fn an_image_that_cannot_be_cleaned_is_skipped_never_sent_raw() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("photos");
    // A phone's HEIC photo, and a PNG whose pixels are damaged.
    write(
        &folder.join("IMG_0001.HEIC"),
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic GPS",
    );
    let mut broken = png_with_text(8, 8, b"Comment\0password=broken-8c1f");
    broken.truncate(60);
    write(&folder.join("broken.png"), &broken);
    write(&folder.join("readme.txt"), b"two photos\n");
    for include_binary in [false, true] {
        let (outcome, entries) = collect_added(std::slice::from_ref(&folder), |options| {
            options.include_binary = include_binary;
        });
        assert_eq!(
            entries.keys().collect::<Vec<_>>(),
            vec!["attachments/photos/readme.txt", "manifest.json"],
            "include binary {include_binary}"
        );
        let skipped: Vec<_> = outcome
            .skipped
            .iter()
            .map(|s| (s.reason, s.detail.clone()))
            .collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(
            skipped
                .iter()
                .all(|(reason, _)| *reason == SkipReason::Binary)
        );
        assert!(
            skipped.iter().any(|(_, d)| d.contains("HEIF")),
            "{skipped:?}"
        );
        assert!(
            skipped.iter().any(|(_, d)| d.contains("left out")),
            "{skipped:?}"
        );
    }
}

#[test]
fn the_leak_scan_finds_a_utf16_needle_in_a_stored_binary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("dump");
    // The log teaches the user name and maps the address; the binary (an ELF file, so never
    // decoded as text) holds both in UTF-16LE, as Windows binaries and registry hives do.
    write(&folder.join("agent.log"), planted_log().as_bytes());
    let mut binary = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    binary.extend(utf16(
        &format!("owner {PLANTED_USER} at {PLANTED_IP}\0"),
        true,
        false,
    ));
    binary.extend_from_slice(&[0u8; 64]);
    write(&folder.join("agent.bin"), &binary);
    let (outcome, entries) = collect_added(&[folder], |options| {
        options.include_binary = true;
    });
    assert_eq!(
        entries["attachments/dump/agent.bin"], binary,
        "stored as it is"
    );
    let mut found: Vec<(String, String)> = outcome
        .leaks
        .iter()
        .map(|leak| (leak.entry.clone(), leak.what.clone()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "attachments/dump/agent.bin".to_owned(),
                PLANTED_IP.to_owned()
            ),
            (
                "attachments/dump/agent.bin".to_owned(),
                PLANTED_USER.to_owned()
            ),
        ]
    );
}

#[test]
fn a_screenshot_item_pointing_at_a_raw_photo_goes_out_cleaned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = dir.path().join("IMG_2041.jpg");
    write(&photo, &jpeg_with_gps(b"camera-serial-8c1f\0"));
    let (outcome, entries) = collect_added(&[], |options| {
        options.screenshots = vec![photo.clone()];
    });
    let bytes = &entries["screenshots/IMG_2041.jpg"];
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(!contains(bytes, b"camera-serial") && !contains(bytes, b"Exif"));
    let converted = manifest_entry(&outcome, "screenshots/IMG_2041.jpg")
        .converted
        .clone()
        .expect("converted");
    assert_eq!(converted.dropped, vec!["EXIF (GPS position, camera)"]);
}

#[test]
fn a_decoded_line_longer_than_a_chunk_is_cut_at_a_character_boundary() {
    let dir = tempfile::tempdir().expect("temp dir");
    // One line of three-byte characters, longer than a chunk once decoded.
    let line = "\u{20ac}".repeat(collect::CHUNK / 3 + 1000);
    let text = format!("before\r\n{line}\r\nafter password={PLANTED_PASSWORD}\r\n");
    let path = dir.path().join("prices.log");
    write(&path, &utf16(&text, true, true));
    let (outcome, entries) = collect_added(std::slice::from_ref(&path), |_| {});
    let stored = std::str::from_utf8(&entries["attachments/prices.log"]).expect("valid UTF-8");
    assert!(stored.starts_with("before\r\n\u{20ac}\u{20ac}"));
    assert!(stored.contains("line cut") && stored.ends_with("after password=[REDACTED]\r\n"));
    let cut = &manifest_entry(&outcome, "attachments/prices.log").truncated;
    assert_eq!(cut.len(), 1, "{cut:?}");
    let kept = stored.matches('\u{20ac}').count() * 3;
    assert_eq!(cut[0].bytes_removed as usize, line.len() + 2 - kept);
}

#[test]
fn the_redaction_preview_shows_utf16_text_decoded_and_redacted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("setup.log");
    write(&path, &utf16(&planted_log(), false, true));
    let key = PseudonymKey::generate().expect("key");
    let (text, truncated, counts) =
        casefile_core::redact::preview_file(&key, &path, 1 << 20).expect("preview");
    assert!(!truncated);
    assert!(
        text.starts_with("2026-11-23 10:00:01 Service started; caf\u{e9}"),
        "{text}"
    );
    assert_planted_values_gone("the preview", text.as_bytes());
    assert!(counts.total() >= 3, "{counts:?}");
}

#[test]
fn a_passed_deadline_leaves_unread_files_out_and_lists_them_in_a_valid_bundle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("agent.log");
    write(&log, b"2026-11-23T10:00:00Z user=jdoe-fake connected\n");
    let (outcome, entries) = collect_added(&[log], |options| {
        options.deadline = Some(std::time::Instant::now());
    });
    assert!(
        !entries.keys().any(|name| name.ends_with("agent.log")),
        "{:?}",
        entries.keys().collect::<Vec<_>>()
    );
    let skipped: Vec<_> = outcome
        .skipped
        .iter()
        .filter(|skip| skip.reason == SkipReason::Deadline)
        .collect();
    assert_eq!(skipped.len(), 1, "{:?}", outcome.skipped);
    assert!(skipped[0].detail.contains("deadline"), "{:?}", skipped[0]);
    // The manifest says so, in a bundle that reads back.
    let manifest: serde_json::Value =
        serde_json::from_slice(&entries["manifest.json"]).expect("manifest");
    assert!(
        manifest["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .any(|skip| skip["reason"] == "deadline"),
        "{manifest:#}"
    );
    assert!(outcome.leaks.is_empty());
}

#[test]
fn a_deadline_far_away_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("agent.log");
    write(&log, b"2026-11-23T10:00:00Z user=jdoe-fake connected\n");
    let (outcome, entries) = collect_added(&[log], |options| {
        options.deadline = Some(std::time::Instant::now() + Duration::from_secs(3600));
    });
    assert!(entries.keys().any(|name| name.ends_with("agent.log")));
    assert!(
        outcome
            .skipped
            .iter()
            .all(|skip| skip.reason != SkipReason::Deadline)
    );
}
