//! Profiles: the built-ins load and encode their seeds' rules; malformed files are reported by
//! file, line and key; user profiles add to and override built-ins.

use casefile_core::profile::{Catalog, Origin, parse};

use crate::builtin;

#[test]
fn the_six_builtin_profiles_load_without_problems() {
    let catalog = Catalog::load(None);
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    assert_eq!(
        catalog.ids(),
        vec![
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
fn tier_and_priority_ids_follow_the_seeds() {
    let ids = |id: &str| {
        let profile = builtin(id);
        let tiers: Vec<String> = profile.tiers.iter().map(|tier| tier.id.clone()).collect();
        let priorities: Vec<String> = profile
            .priorities
            .iter()
            .map(|priority| priority.id.clone())
            .collect();
        (tiers.join(","), priorities.join(","))
    };
    assert_eq!(ids("jetpatch"), ("standard".into(), "1,2,3".into()));
    assert_eq!(
        ids("jumpcloud"),
        ("free,standard,premium,jumpstart".into(), "1,2,3".into())
    );
    assert_eq!(ids("ujet"), ("standard,premium".into(), "0,1,2,3,4".into()));
    assert_eq!(ids("jelastic"), ("standard".into(), "1,2,3,4".into()));
    assert_eq!(
        ids("jumpmind"),
        ("poc,standard,enterprise,managed".into(), "1,2,3,4".into())
    );
}

#[test]
fn jetpatch_issue_types_carry_their_evidence_and_the_patching_checklist() {
    let profile = builtin("jetpatch");
    let issue = |id: &str| {
        profile
            .issue_types
            .iter()
            .find(|issue| issue.id == id)
            .expect("issue type")
            .clone()
    };
    assert_eq!(
        issue("manager-console").required_evidence,
        vec!["manager-logs", "screenshot"]
    );
    assert_eq!(
        issue("manager-console").optional_evidence,
        vec!["db-dump", "ui-logs", "endpoint-install"]
    );
    assert_eq!(
        issue("connector").required_evidence,
        vec!["connector-logs", "screenshot"]
    );
    assert_eq!(
        issue("agent-management").required_evidence,
        vec!["endpoint-install", "agent-binaries", "screenshot"]
    );
    let steps: Vec<String> = issue("patch-management")
        .checklist
        .iter()
        .map(|item| item.text.clone())
        .collect();
    assert_eq!(steps.len(), 6);
    assert_eq!(steps[0], "Checking Endpoint Readiness");
    assert_eq!(steps[5], "Verify Workflow Selection");
}

#[test]
fn jumpcloud_channels_per_tier_and_agent_log_paths_follow_the_seed() {
    let profile = builtin("jumpcloud");
    let channels = |id: &str| {
        let tier = profile
            .tiers
            .iter()
            .find(|tier| tier.id == id)
            .expect("tier");
        tier.channels
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(channels("free"), "");
    assert_eq!(channels("standard"), "e-mail,web");
    assert_eq!(channels("premium"), "e-mail,web,phone,chat");
    let log = profile
        .evidence
        .iter()
        .find(|evidence| evidence.id == "jcagent-log")
        .expect("jcagent log");
    let paths: Vec<(String, String)> = log
        .sources
        .iter()
        .map(|source| (format!("{:?}", source.os), source.paths.join(";")))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("Windows".into(), r"C:\Windows\Temp\jcagent.log".into()),
            ("Macos".into(), "/var/log/jcagent.log".into()),
            ("Linux".into(), "/var/log/jcagent.log".into()),
        ]
    );
}

#[test]
fn a_misspelt_key_is_reported_with_file_line_and_key() {
    let source = include_str!("../../src/profile/builtin/generic.toml")
        .replace("default_priority = \"3\"", "default_priorty = \"3\"");
    let errors = parse(&source, "mine.toml").expect_err("must fail");
    assert_eq!(errors.len(), 1);
    let line = source
        .lines()
        .position(|line| line.starts_with("default_priorty"))
        .expect("line")
        + 1;
    assert_eq!(errors[0].line, Some(line));
    assert_eq!(errors[0].key.as_deref(), Some("default_priorty"));
    assert!(
        errors[0]
            .message
            .contains("unknown field `default_priorty`"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0]
            .to_string()
            .starts_with(&format!("mine.toml:{line}:1: default_priorty: ")),
        "{}",
        errors[0]
    );
}

#[test]
fn a_bad_value_is_reported_at_its_line_with_how_to_fix_it() {
    let source = include_str!("../../src/profile/builtin/jetpatch.toml").replace(
        "within = \"4 business hours\"",
        "within = \"4 bizness hours\"",
    );
    let errors = parse(&source, "jetpatch.toml").expect_err("must fail");
    let line = source
        .lines()
        .position(|line| line.contains("4 bizness hours"))
        .expect("line")
        + 1;
    assert_eq!(errors[0].line, Some(line));
    assert_eq!(errors[0].key.as_deref(), Some("within"));
    assert!(
        errors[0].message.contains("\"4 business hours\""),
        "{}",
        errors[0].message
    );
}

#[test]
fn every_broken_reference_is_reported_at_once_with_its_key_path() {
    let source = include_str!("../../src/profile/builtin/jumpmind.toml")
        .replace("tiers = [\"poc\"]", "tiers = [\"pco\"]")
        .replace("max_priority", "max_priority_unused")
        .replace("calendar_by_priority = { \"1\" = \"always\" }\nchannels = [\"email\", \"web\", \"phone\"]\nnamed_contacts = 4", "calendar_by_priority = { \"1\" = \"alway\" }\nchannels = [\"email\", \"web\", \"phone\"]\nnamed_contacts = 4")
        .replace("max_priority_unused", "max_priority");
    let errors = parse(&source, "jumpmind.toml").expect_err("must fail");
    let keys: Vec<String> = errors
        .iter()
        .map(|error| error.key.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        keys,
        vec!["tiers[2].calendar_by_priority.1", "targets[0].tiers"],
        "{errors:?}"
    );
    assert!(
        errors[0].message.contains("unknown calendar \"alway\""),
        "{}",
        errors[0].message
    );
    assert!(
        errors[1].message.contains(
            "unknown tier \"pco\"; the profile defines enterprise, managed, poc, standard"
        ),
        "{}",
        errors[1].message
    );
    let line = source
        .lines()
        .position(|line| line.contains("\"pco\""))
        .expect("line")
        + 1;
    assert_eq!(errors[1].line, Some(line));
}

#[test]
fn a_time_zone_that_does_not_exist_is_named() {
    let source = include_str!("../../src/profile/builtin/generic.toml")
        .replace("time_zone = \"UTC\"", "time_zone = \"Mars/Olympus\"");
    let errors = parse(&source, "g.toml").expect_err("must fail");
    assert!(
        errors[0]
            .message
            .contains("unknown time zone \"Mars/Olympus\""),
        "{}",
        errors[0].message
    );
}

#[test]
fn user_profiles_add_to_and_override_builtins_and_bad_ones_are_reported_not_fatal() {
    let folder = tempfile::tempdir().expect("temp dir");
    let generic = include_str!("../../src/profile/builtin/generic.toml");
    std::fs::write(
        folder.path().join("acme.toml"),
        generic
            .replace("id = \"generic\"", "id = \"acme\"")
            .replace("Generic vendor", "Acme"),
    )
    .expect("write");
    std::fs::write(
        folder.path().join("jetpatch.toml"),
        generic
            .replace("id = \"generic\"", "id = \"jetpatch\"")
            .replace("Generic vendor", "JetPatch (our contract)"),
    )
    .expect("write");
    std::fs::write(
        folder.path().join("broken.toml"),
        "schema_version = 1\nid = [\n",
    )
    .expect("write");
    std::fs::write(folder.path().join("notes.txt"), "not a profile").expect("write");
    let catalog = Catalog::load(Some(folder.path()));
    assert_eq!(
        catalog.ids(),
        vec![
            "jetpatch",
            "jumpcloud",
            "ujet",
            "jelastic",
            "jumpmind",
            "generic",
            "acme"
        ]
    );
    let jetpatch = catalog.get("jetpatch").expect("jetpatch");
    assert_eq!(jetpatch.profile.name, "JetPatch (our contract)");
    assert!(jetpatch.overrides_builtin);
    assert!(matches!(jetpatch.origin, Origin::File(_)));
    assert_eq!(catalog.problems.len(), 1, "{:?}", catalog.problems);
    assert!(catalog.problems[0].file.ends_with("broken.toml"));
    assert_eq!(catalog.problems[0].line, Some(2));
}

#[test]
fn a_missing_user_folder_is_not_a_problem() {
    let folder = tempfile::tempdir().expect("temp dir");
    let catalog = Catalog::load(Some(&folder.path().join("does-not-exist")));
    assert!(catalog.problems.is_empty());
    assert_eq!(catalog.profiles.len(), 6);
}

#[test]
fn jetpatch_logs_on_the_endpoint_are_collected_for_every_issue_type() {
    // Seed 000 L32-33: "Attachments – Please provide the following things: JetPatch logs"; L46-47
    // "Agent Management: ... Pre-existing VAI". The Intigua folder, the one kind with sources,
    // is wired into every issue type (required for Agent Management); every other kind is one
    // the seed asks the user to attach, so none points nowhere.
    let profile = builtin("jetpatch");
    let collected: Vec<&str> = profile
        .evidence
        .iter()
        .filter(|kind| !kind.sources.is_empty())
        .map(|kind| kind.id.as_str())
        .collect();
    assert_eq!(collected, vec!["endpoint-install"]);
    for issue in &profile.issue_types {
        assert!(
            issue
                .required_evidence
                .iter()
                .chain(&issue.optional_evidence)
                .any(|id| id == "endpoint-install"),
            "{} does not collect the JetPatch logs",
            issue.id
        );
    }
    assert!(
        profile
            .evidence
            .iter()
            .all(|kind| kind.id != "pre-existing-vai")
    );
    let install = profile
        .evidence
        .iter()
        .find(|kind| kind.id == "endpoint-install")
        .expect("endpoint-install");
    assert!(install.description.contains("\"Pre-existing VAI\""));
}

#[test]
fn jetpatch_priority_errors_have_a_best_effort_24_hour_resolution() {
    // Seed 000 L107: "Licensor will use best efforts to resolve Priority Errors within
    // twenty-four (24) hours of receiving the error notification from Licensee."
    let profile = builtin("jetpatch");
    let monday = "2026-11-23T15:00:00Z".parse().expect("instant");
    let sla =
        casefile_core::sla::response_targets(&profile, "standard", "1", monday).expect("targets");
    let resolution = sla
        .targets
        .iter()
        .find(|target| target.name == "resolution")
        .expect("a resolution target");
    assert_eq!(
        resolution.label,
        "Resolution (best efforts, not a commitment)"
    );
    assert_eq!(
        resolution.due,
        Some("2026-11-24T15:00:00Z".parse().expect("instant"))
    );
    let secondary =
        casefile_core::sla::response_targets(&profile, "standard", "2", monday).expect("targets");
    assert!(
        secondary
            .targets
            .iter()
            .all(|target| target.name != "resolution")
    );
}

#[test]
fn ujet_channels_are_the_seeds_and_list_no_email() {
    // Seed 002 L8-22: "Online Support Center ✓ ✓", "Knowledgebase ✓ ✓", "Phone Support 𐄂 ✓",
    // "Chat Support 𐄂 ✓": no e-mail channel, and no address.
    let profile = builtin("ujet");
    let channels: Vec<Vec<String>> = profile
        .tiers
        .iter()
        .map(|tier| tier.channels.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(channels, vec![vec!["web"], vec!["web", "phone", "chat"]]);
    assert_eq!(profile.contact.email, None);
}

#[test]
fn ujet_says_where_the_priority_is_chosen_that_ujet_assigns_it() {
    // Seed 002 L64: "Upon receipt of a ticket, the UJET Support team will assign a priority level
    // based on the issue details."
    let profile = builtin("ujet");
    let help = profile
        .fields
        .get("priority")
        .and_then(|rule| rule.help.as_deref())
        .expect("priority help");
    assert!(
        help.contains(
            "the UJET Support team will assign a priority level based on the issue details"
        ),
        "{help}"
    );
}

#[test]
fn jumpcloud_partner_requests_are_sent_to_the_partner_address() {
    // Seed 001 L41: "Email: ... support@jumpcloud.com, or partnersupport@jumpcloud.com for
    // Partners."
    let profile = builtin("jumpcloud");
    let mut extra = std::collections::BTreeMap::new();
    assert_eq!(
        profile.delivery_email(&extra).as_deref(),
        Some("support@jumpcloud.com")
    );
    extra.insert("account".to_owned(), "administrator".to_owned());
    assert_eq!(
        profile.delivery_email(&extra).as_deref(),
        Some("support@jumpcloud.com")
    );
    extra.insert("account".to_owned(), "partner-administrator".to_owned());
    assert_eq!(
        profile.delivery_email(&extra).as_deref(),
        Some("partnersupport@jumpcloud.com")
    );
    // Delivery takes the routed address.
    let request = casefile_core::request::Request {
        profile: "jumpcloud".into(),
        extra,
        ..Default::default()
    };
    let submission = casefile_core::deliver::submission(&request, &profile, Vec::new());
    assert_eq!(
        submission.vendor_email.as_deref(),
        Some("partnersupport@jumpcloud.com")
    );
}

#[test]
fn jumpmind_tiers_carry_their_version_windows_and_managed_its_phone() {
    // Seed 004 L40: "Version Support Latest Only 12 months 24 months 36 months"; L61 "Initial
    // Contact via Phone No No Yes Yes".
    let profile = builtin("jumpmind");
    let notes: Vec<String> = profile
        .tiers
        .iter()
        .map(|tier| profile.tier_notes(tier).unwrap_or_default())
        .collect();
    assert!(
        notes[0].contains("Version support: the latest release only."),
        "{}",
        notes[0]
    );
    assert!(
        notes[1].contains("Version support: releases of the last 12 months"),
        "{}",
        notes[1]
    );
    assert!(
        notes[2].contains("releases of the last 24 months"),
        "{}",
        notes[2]
    );
    assert!(
        notes[3].contains("releases of the last 36 months"),
        "{}",
        notes[3]
    );
    for (index, tier) in profile.tiers.iter().enumerate() {
        let phone = tier
            .channels
            .contains(&casefile_core::profile::schema::ChannelKind::Phone);
        let expected = matches!(tier.id.as_str(), "enterprise" | "managed");
        assert_eq!(phone, expected, "{}", tier.id);
        assert_eq!(
            notes
                .get(index)
                .is_some_and(|note| note.contains("Phone: 888-942-5867 x5")),
            expected,
            "{}",
            tier.id
        );
    }
    let phone_first: Vec<&str> = profile.rules.phone_first[0]
        .tiers
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(phone_first, vec!["enterprise"]);
}

#[test]
fn schema_version_1_files_still_load_and_unknown_versions_are_refused() {
    let source = include_str!("../../src/profile/builtin/generic.toml");
    let one = source.replacen("schema_version = 2", "schema_version = 1", 1);
    assert!(parse(&one, "one.toml").is_ok());
    let three = source.replacen("schema_version = 2", "schema_version = 3", 1);
    let errors = parse(&three, "three.toml").expect_err("version 3 is unknown");
    assert!(
        errors[0]
            .message
            .contains("reads profile schema versions 1 to 2, not 3"),
        "{}",
        errors[0].message
    );
}

#[test]
fn routing_and_version_support_are_checked_like_other_references() {
    let source = include_str!("../../src/profile/builtin/jumpcloud.toml").replace(
        "choices = [\"partner-administrator\"]",
        "choices = [\"partner\"]",
    );
    let errors = parse(&source, "mine.toml").expect_err("unknown choice");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key.as_deref(), Some("rules.routing[0].choices"));
    assert!(
        errors[0].message.contains("unknown choice \"partner\""),
        "{}",
        errors[0].message
    );

    let source = include_str!("../../src/profile/builtin/jumpmind.toml").replace(
        "version_support = \"12 months\"",
        "version_support = \"a year\"",
    );
    let errors = parse(&source, "mine.toml").expect_err("bad window");
    assert!(
        errors[0]
            .message
            .contains("write \"latest\" or a number of months"),
        "{}",
        errors[0].message
    );
}
