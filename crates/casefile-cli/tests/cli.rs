//! The `casefile` binary end to end: output, JSON, exit codes, files, in a temporary data dir.

mod common;

use common::{casefile, json};
use std::path::Path;

use predicates::prelude::*;

#[test]
fn profiles_list_shows_the_six_builtins_as_text_and_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    casefile(dir.path())
        .args(["profiles", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("jumpcloud  JumpCloud"));
    let output = casefile(dir.path())
        .args(["--json", "profiles", "list"])
        .output()
        .expect("run");
    let value = json(&output.stdout);
    let ids: Vec<&str> = value["profiles"]
        .as_array()
        .expect("array")
        .iter()
        .map(|profile| profile["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "jetpatch",
            "jumpcloud",
            "ujet",
            "jelastic",
            "jumpmind",
            "generic"
        ]
    );
}

#[test]
fn sla_json_gives_targets_with_name_due_and_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = casefile(dir.path())
        .args([
            "--json",
            "sla",
            "--profile",
            "jetpatch",
            "--tier",
            "standard",
            "--priority",
            "3",
            "--at",
            "2026-11-23T10:00:00-05:00",
            "--tz",
            "UTC",
        ])
        .output()
        .expect("run");
    assert!(output.status.success());
    let value = json(&output.stdout);
    assert_eq!(value["targets"][0]["name"], "acknowledgment");
    assert_eq!(value["targets"][0]["due"], "2026-11-25T15:00:00Z");
    assert_eq!(
        value["targets"][0]["text"],
        "Acknowledgment: within 2 business days, by Wed 25 Nov 2026, 15:00 UTC your time"
    );
    assert_eq!(value["targets"][1]["name"], "plan");
    assert_eq!(value["targets"][1]["due"], serde_json::Value::Null);
}

#[test]
fn sla_with_an_unknown_tier_exits_1_and_names_the_choices() {
    let dir = tempfile::tempdir().expect("temp dir");
    casefile(dir.path())
        .args([
            "sla",
            "--profile",
            "jumpcloud",
            "--tier",
            "gold",
            "--priority",
            "1",
            "--at",
            "2026-11-23T10:00:00Z",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "choose one of: free, standard, premium, jumpstart",
        ));
    let output = casefile(dir.path())
        .args([
            "--json",
            "sla",
            "--profile",
            "jumpcloud",
            "--tier",
            "free",
            "--priority",
            "1",
            "--at",
            "2026-11-23T10:00:00Z",
        ])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output.stdout)["error"]["code"], "sla_input");
}

#[test]
fn sla_with_a_bad_instant_says_how_to_write_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    casefile(dir.path())
        .args([
            "sla",
            "--profile",
            "ujet",
            "--tier",
            "standard",
            "--priority",
            "1",
            "--at",
            "monday 9am",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("2026-11-24T09:30:00-05:00"));
}

#[test]
fn a_new_draft_validates_with_every_missing_field_then_passes_when_filled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = dir.path().join("draft.toml");
    casefile(dir.path())
        .args(["new", "--profile", "jetpatch", "-o"])
        .arg(&draft)
        .assert()
        .success();
    let text = std::fs::read_to_string(&draft).expect("draft");
    assert!(
        text.contains("# Subject (required): short description of the request"),
        "{text}"
    );
    assert!(text.contains("Running Predictive Patching"), "{text}");

    let output = casefile(dir.path())
        .args(["--json", "validate"])
        .arg(&draft)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output.stdout);
    let fields: Vec<&str> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|problem| problem["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        [
            "contact_name",
            "email",
            "subject",
            "description",
            "issue_type",
            "priority",
            "operation_requested",
            "expected_result"
        ]
    );

    let filled = text
        .replace("name = \"\"", "name = \"Ada Example\"")
        .replace("email = \"\"", "email = \"ada@example.invalid\"")
        .replace(
            "subject = \"\"",
            "subject = \"Patch job fails on 3 endpoints\"",
        )
        .replace(
            "description = \"\"",
            "description = \"Since the last update...\"",
        )
        .replace(
            "operation_requested = \"\"",
            "operation_requested = \"Deploy KB500\"",
        )
        .replace("expected_result = \"\"", "expected_result = \"Patched\"")
        .replace("issue_type = \"\"", "issue_type = \"connector\"")
        .replace("priority = \"\"", "priority = \"2\"");
    std::fs::write(&draft, filled).expect("write");
    casefile(dir.path())
        .args(["validate"])
        .arg(&draft)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "warning: evidence: JetPatch asks for Connector logs",
        ))
        .stdout(predicate::str::contains(
            "warning: evidence: JetPatch asks for Screenshot",
        ))
        .stderr(predicate::str::contains("ready to submit (2 warnings)"));
}

#[test]
fn new_without_output_writes_into_the_data_dir_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = casefile(dir.path())
        .args([
            "--json",
            "new",
            "--profile",
            "jumpmind",
            "--tier",
            "enterprise",
        ])
        .output()
        .expect("run");
    assert!(output.status.success());
    let value = json(&output.stdout);
    let path = Path::new(value["path"].as_str().expect("path")).to_owned();
    assert!(path.starts_with(dir.path().join("data").join("drafts")));
    assert!(
        std::fs::read_to_string(&path)
            .expect("draft")
            .contains("tier = \"enterprise\"")
    );
    let draft = dir.path().join("d.toml");
    std::fs::write(&draft, "keep me").expect("write");
    casefile(dir.path())
        .args(["new", "-o"])
        .arg(&draft)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(&draft).expect("kept"), "keep me");
}

#[test]
fn a_broken_draft_names_its_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = dir.path().join("broken.toml");
    std::fs::write(
        &draft,
        "schema_version = 1\ncase_code = \"x\"\nprofile = \"generic\"\n[problem]\nsubject = \n",
    )
    .expect("write");
    casefile(dir.path())
        .arg("validate")
        .arg(&draft)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broken.toml:5:"));
    casefile(dir.path())
        .arg("validate")
        .arg(dir.path().join("missing.toml"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn profiles_validate_reports_line_and_key_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("acme.toml");
    std::fs::write(&file, "schema_version = 1\nid = \"acme\"\nname = \"Acme\"\nversion = \"1\"\ndescription = \"d\"\ndefault_priority = \"1\"\n[calendars.b]\nlabel = \"b\"\ntime_zone = \"Europe/Berlin\"\ndays = [\"mon\"]\nopen = \"9:00\"\nclose = \"17:00\"\n").expect("write");
    casefile(dir.path())
        .args(["profiles", "validate"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "acme.toml:11:8: open: cannot read clock time \"9:00\"",
        ));
    casefile(dir.path())
        .args(["profiles", "validate"])
        .arg(dir.path().join("none.toml"))
        .assert()
        .code(1);
}

#[test]
fn user_profiles_from_the_config_folder_override_builtins() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("profiles")).expect("mkdir");
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../casefile-core/src/profile/builtin/generic.toml"
    ))
    .expect("generic");
    std::fs::write(
        dir.path().join("profiles").join("acme.toml"),
        source
            .replace("id = \"generic\"", "id = \"acme\"")
            .replace("Generic vendor", "Acme Corp"),
    )
    .expect("write");
    casefile(dir.path())
        .args(["profiles", "show", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Acme Corp (acme)"));
    casefile(dir.path())
        .args(["profiles", "show", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("acme"));
}

#[test]
fn a_broken_config_file_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.toml"), "default_profil = \"x\"\n").expect("write");
    casefile(dir.path())
        .args(["profiles", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "config.toml:1: unknown field `default_profil`",
        ));
}

#[test]
fn help_documents_the_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    casefile(dir.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("1  a problem you can fix"));
}

#[test]
fn profiles_show_gives_version_windows_phones_per_tier_and_the_partner_address() {
    // Jumpmind: "Version Support Latest Only 12 months 24 months 36 months", "Initial Contact via
    // Phone No No Yes Yes"; JumpCloud: "partnersupport@jumpcloud.com for Partners".
    let dir = tempfile::tempdir().expect("temp dir");
    casefile(dir.path())
        .args(["profiles", "show", "jumpmind"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Version support: releases of the last 12 months",
        ))
        .stdout(predicate::str::contains(
            "Version support: releases of the last 36 months, and the latest. Phone: 888-942-5867 x5",
        ));
    casefile(dir.path())
        .args(["profiles", "show", "jumpcloud"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "e-mail when account is partner-administrator: partnersupport@jumpcloud.com",
        ));
}

#[test]
fn validate_warns_when_the_product_version_is_outside_the_tiers_window() {
    // Jumpmind Standard: "Version Support ... 12 months"; 3.13 came out on 2021-11-17.
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = dir.path().join("draft.toml");
    casefile(dir.path())
        .args(["new", "--profile", "jumpmind", "--tier", "standard", "-o"])
        .arg(&draft)
        .assert()
        .success();
    let text = std::fs::read_to_string(&draft).expect("draft");
    assert!(text.contains("versions = \"\""), "{text}");
    std::fs::write(
        &draft,
        text.replace("versions = \"\"", "versions = \"3.13.4\""),
    )
    .expect("write");
    let output = casefile(dir.path())
        .args(["--json", "validate"])
        .arg(&draft)
        .output()
        .expect("run");
    let report = json(&output.stdout);
    let versions: Vec<&serde_json::Value> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|problem| problem["field"] == "versions")
        .collect();
    assert_eq!(versions.len(), 1, "{report}");
    assert_eq!(versions[0]["severity"], "warning");
    let message = versions[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("SymmetricDS version \"3.13.4\" is outside the supported versions"),
        "{message}"
    );
}
