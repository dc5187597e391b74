//! `casefile config show|set|unset` and `casefile channels add|remove`, read back with
//! `casefile channels --json` and `casefile config show --json`.

mod common;

use common::{casefile, json};

const HAND_WRITTEN: &str =
    "# Written by hand; keep this comment.\n[delivery]\nattempts_inline = 2\n";

#[test]
fn config_set_and_unset_change_the_defaults_and_keep_comments() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.toml"), HAND_WRITTEN).expect("config");
    for (key, value) in [
        ("default_profile", "jumpcloud"),
        ("default_tier", "premium"),
        ("time_zone", "Europe/Berlin"),
    ] {
        casefile(dir.path())
            .args(["config", "set", key, value])
            .assert()
            .success();
    }
    let output = casefile(dir.path())
        .args(["--json", "config", "show"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let view = json(&output.stdout);
    assert_eq!(view["defaults"]["defaultProfile"], "jumpcloud");
    assert_eq!(view["defaults"]["defaultTier"], "premium");
    assert_eq!(view["defaults"]["timeZone"], "Europe/Berlin");
    assert_eq!(view["configExists"], true);

    // `new` starts with the configured profile and tier.
    let output = casefile(dir.path())
        .args(["new", "-o", "-"])
        .output()
        .expect("runs");
    let draft = String::from_utf8_lossy(&output.stdout);
    assert!(draft.contains("profile = \"jumpcloud\""), "{draft}");
    assert!(draft.contains("tier = \"premium\""), "{draft}");

    casefile(dir.path())
        .args(["config", "unset", "default_tier"])
        .assert()
        .success();
    let output = casefile(dir.path())
        .args(["--json", "config", "show"])
        .output()
        .expect("runs");
    assert_eq!(
        json(&output.stdout)["defaults"]["defaultTier"],
        serde_json::Value::Null
    );
    let text = std::fs::read_to_string(dir.path().join("config.toml")).expect("config");
    assert!(
        text.contains("# Written by hand; keep this comment."),
        "{text}"
    );
    assert!(text.contains("attempts_inline = 2"), "{text}");
}

#[test]
fn config_set_refuses_an_unknown_tier_with_exit_1_and_the_choices() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = casefile(dir.path())
        .args(["--json", "config", "set", "default_tier", "platinum"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = json(&output.stdout);
    assert_eq!(error["error"]["code"], "setting_invalid", "{error}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("choose one of: standard"), "{stderr}");
    assert!(
        !dir.path().join("config.toml").exists(),
        "a refused change made the file"
    );

    let output = casefile(dir.path())
        .args(["config", "set", "colour", "blue"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("default_profile, default_tier"));
}

#[test]
fn channels_show_gives_the_size_limit_a_fleet_run_divides_without_the_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    casefile(dir.path())
        .args([
            "channels",
            "add",
            "helpdesk",
            "--kind",
            "rt",
            "--set",
            "url=https://rt.example.test/REST/2.0",
            "--set",
            "queue=Support",
            "--set",
            "secret=rt-fleet",
            "--set",
            "max_size=25 MB",
        ])
        .assert()
        .success();
    let output = casefile(dir.path())
        .args(["--json", "channels", "show", "helpdesk"])
        .env_remove("CASEFILE_SECRET_RT_FLEET")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let shown = json(&output.stdout);
    assert_eq!(shown["name"], "helpdesk");
    assert_eq!(shown["kind"], "rt");
    assert_eq!(shown["attachmentLimit"], 25_000_000);
    assert!(shown.get("attachmentLimitError").is_none(), "{shown}");
    // The built-in folder channel takes any size.
    let output = casefile(dir.path())
        .args(["--json", "channels", "show", "folder"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert!(json(&output.stdout)["attachmentLimit"].is_null());
    // An unknown name says which there are.
    let output = casefile(dir.path())
        .args(["channels", "show", "nope"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("helpdesk") && stderr.contains("folder"),
        "{stderr}"
    );
}

#[test]
fn channels_add_and_remove_read_back_with_channels_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.toml"), HAND_WRITTEN).expect("config");
    casefile(dir.path())
        .args([
            "channels",
            "add",
            "helpdesk",
            "--kind",
            "rt",
            "--set",
            "url=https://rt.example.test/REST/2.0",
            "--set",
            "queue=Support",
            "--set",
            "secret=rt-prod",
        ])
        .assert()
        .success();
    casefile(dir.path())
        .args(["config", "set", "default_channel", "helpdesk"])
        .assert()
        .success();
    let listed = |dir: &std::path::Path| {
        let output = casefile(dir)
            .args(["--json", "channels"])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        json(&output.stdout)
    };
    let channels = listed(dir.path());
    let helpdesk = channels
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "helpdesk"))
        .unwrap_or_else(|| panic!("no helpdesk in {channels}"))
        .clone();
    assert_eq!(helpdesk["kind"], "rt");
    assert_eq!(helpdesk["destination"], "https://rt.example.test/REST/2.0");
    assert_eq!(helpdesk["secret"], "rt-prod");
    assert_eq!(helpdesk["default"], true);

    // The default channel stays until another default is chosen.
    let output = casefile(dir.path())
        .args(["channels", "remove", "helpdesk"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    casefile(dir.path())
        .args(["config", "unset", "default_channel"])
        .assert()
        .success();
    casefile(dir.path())
        .args(["channels", "remove", "helpdesk"])
        .assert()
        .success();
    let names: Vec<String> = listed(dir.path())
        .as_array()
        .map(|all| {
            all.iter()
                .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, ["folder"]);
    let text = std::fs::read_to_string(dir.path().join("config.toml")).expect("config");
    assert!(
        text.contains("# Written by hand; keep this comment."),
        "{text}"
    );
}

#[test]
fn channels_add_refuses_a_password_and_a_remote_http_url_and_leaves_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.toml"), HAND_WRITTEN).expect("config");
    for set in [
        ["url=https://hooks.example.test/x", "password=FAKE-hunter2"],
        ["url=http://hooks.example.test/x", "timeout=30 seconds"],
        ["url=https://hooks.example.test/x", "colour=red"],
    ] {
        let mut command = casefile(dir.path());
        command.args(["channels", "add", "hook", "--kind", "webhook"]);
        for pair in set {
            command.args(["--set", pair]);
        }
        let output = command.output().expect("runs");
        assert_eq!(output.status.code(), Some(1), "{set:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("FAKE-hunter2"), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("config.toml")).expect("config"),
            HAND_WRITTEN,
            "{set:?} changed the file"
        );
    }
}

#[test]
fn a_channel_url_holding_a_secret_is_refused_in_config_toml_without_repeating_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("config.toml"),
        "[channels.hook]\nkind = \"webhook\"\nurl = \"https://hooks.slack.com/services/T0000/B0000/FAKEslackKEY123\"\n",
    )
    .expect("config");
    let output = casefile(dir.path())
        .args(["channels", "--json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("FAKEslackKEY123"), "{stderr}");
    assert!(stderr.contains("casefile channels add hook"), "{stderr}");
    assert!(stderr.contains("config.toml:3"), "{stderr}");
}

#[test]
fn changing_a_channels_url_stops_its_secret_from_following_until_it_is_stored_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let add = |url: &str| {
        casefile(dir.path())
            .args(["--json", "channels", "add", "helpdesk", "--kind", "rt"])
            .args(["--set", &format!("url={url}"), "--set", "queue=Support"])
            .output()
            .expect("runs")
    };
    let first = add("https://127.0.0.1:9/REST/2.0");
    assert!(first.status.success(), "{first:?}");
    assert_eq!(
        json(&first.stdout)["unboundSecret"],
        serde_json::Value::Null
    );
    let moved = add("https://attacker.example.test/REST/2.0");
    assert!(moved.status.success(), "{moved:?}");
    assert_eq!(json(&moved.stdout)["unboundSecret"], "helpdesk");
    // The secret is in the environment; the channel still will not take it anywhere.
    let test = casefile(dir.path())
        .args(["--json", "channels", "test", "helpdesk"])
        .env("CASEFILE_SECRET_HELPDESK", "FAKE-rt-token-42")
        .output()
        .expect("runs");
    assert_eq!(test.status.code(), Some(1), "{test:?}");
    let stderr = String::from_utf8_lossy(&test.stderr);
    assert!(stderr.contains("casefile secret set helpdesk"), "{stderr}");
    assert!(!stderr.contains("FAKE-rt-token-42"), "{stderr}");
    assert_eq!(json(&test.stdout)["error"]["code"], "secret_unbound");
}
