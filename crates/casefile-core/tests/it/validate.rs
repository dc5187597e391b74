//! Validation returns every problem at once, each naming its field and how to fix it.

use casefile_core::case_code::CaseCode;
use casefile_core::request::{
    Contact, DRAFT_SCHEMA_VERSION, Environment, EvidenceItem, Problem, Request,
};
use casefile_core::validate::{Severity, validate, validate_on};

use crate::builtin;

fn complete(profile: &str, tier: &str, priority: &str) -> Request {
    Request {
        schema_version: DRAFT_SCHEMA_VERSION,
        case_code: CaseCode::from_entropy(0x1_2345_6789).to_string(),
        profile: profile.into(),
        tier: tier.into(),
        contact: Contact {
            company: "Example Corp".into(),
            name: "Ada Example".into(),
            email: "ada@example.invalid".into(),
            ..Contact::default()
        },
        problem: Problem {
            subject: "Agent stopped reporting".into(),
            description: "Since Monday the agent on 12 servers stopped reporting.".into(),
            operation_requested: "Deploy patch".into(),
            expected_result: "Patched".into(),
            troubleshooting_done: "Restarted the agent".into(),
            ..Problem::default()
        },
        impact: casefile_core::request::Impact {
            priority: priority.into(),
            ..Default::default()
        },
        ..Request::default()
    }
}

fn fields(problems: &[casefile_core::validate::Problem], severity: Severity) -> Vec<String> {
    problems
        .iter()
        .filter(|problem| problem.severity == severity)
        .map(|problem| problem.field.clone())
        .collect()
}

#[test]
fn an_empty_request_lists_every_missing_field_at_once() {
    let profile = builtin("jetpatch");
    let request = Request {
        schema_version: DRAFT_SCHEMA_VERSION,
        case_code: CaseCode::from_entropy(7).to_string(),
        profile: "jetpatch".into(),
        ..Request::default()
    };
    let problems = validate(&request, &profile);
    assert_eq!(
        fields(&problems, Severity::Error),
        vec![
            "contact_name",
            "email",
            "tier",
            "subject",
            "description",
            "issue_type",
            "priority"
        ]
    );
    let subject = problems
        .iter()
        .find(|problem| problem.field == "subject")
        .expect("subject problem");
    assert_eq!(
        subject.message,
        "Subject is required by JetPatch: fill it in (short description of the request)"
    );
}

#[test]
fn a_complete_request_has_no_errors() {
    let profile = builtin("jetpatch");
    let mut request = complete("jetpatch", "standard", "2");
    request.issue_type = "connector".into();
    request.evidence.push(EvidenceItem {
        evidence_id: "connector-logs".into(),
        path: "logs/connector.zip".into(),
        note: String::new(),
    });
    request.evidence.push(EvidenceItem {
        evidence_id: "screenshot".into(),
        path: "screenshots/console.png".into(),
        note: String::new(),
    });
    assert_eq!(validate(&request, &profile), vec![]);
}

#[test]
fn a_screenshot_is_accepted_by_a_profile_that_does_not_ask_for_one() {
    let profile = builtin("generic");
    assert!(profile.evidence.iter().all(|kind| kind.id != "screenshot"));
    let mut request = complete("generic", "standard", "2");
    request.evidence.push(EvidenceItem {
        evidence_id: "screenshot".into(),
        path: "/home/ada/.local/share/casefile/screenshots/CF-X/error.png".into(),
        note: String::new(),
    });
    let errors = fields(&validate(&request, &profile), Severity::Error);
    assert!(
        !errors.iter().any(|field| field.starts_with("evidence")),
        "{errors:?}"
    );
    request.evidence[0].evidence_id = "made-up".into();
    let errors = fields(&validate(&request, &profile), Severity::Error);
    assert_eq!(errors, vec!["evidence[0].evidence_id"]);
}

#[test]
fn jetpatch_patching_checklist_steps_not_ticked_are_warnings() {
    let profile = builtin("jetpatch");
    let mut request = complete("jetpatch", "standard", "2");
    request.issue_type = "patch-management".into();
    request.checklist_done = vec![
        "endpoint-readiness".into(),
        "predictive-patching".into(),
        "system-tasks".into(),
        "windows-update-agent".into(),
        "single-group".into(),
    ];
    request.evidence.push(EvidenceItem {
        evidence_id: "screenshot".into(),
        path: "screenshots/patching.png".into(),
        note: String::new(),
    });
    let problems = validate(&request, &profile);
    assert_eq!(fields(&problems, Severity::Error), Vec::<String>::new());
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0]
            .message
            .contains("step 6 \"Verify Workflow Selection\" is not ticked"),
        "{}",
        problems[0].message
    );
}

#[test]
fn required_evidence_to_attach_by_hand_is_a_warning_naming_it() {
    let profile = builtin("jetpatch");
    let mut request = complete("jetpatch", "standard", "2");
    request.issue_type = "connector".into();
    let problems = validate(&request, &profile);
    assert_eq!(
        fields(&problems, Severity::Warning),
        vec!["evidence", "evidence"]
    );
    assert!(
        problems[0].message.contains("Connector logs"),
        "{}",
        problems[0].message
    );
}

#[test]
fn required_evidence_the_profile_collects_is_not_reported_missing() {
    // jcagent.log has sources: the Evidence step and `casefile bundle` collect it by default.
    let profile = builtin("jumpcloud");
    let mut request = complete("jumpcloud", "standard", "2");
    request.issue_type = "agent".into();
    let problems = validate(&request, &profile);
    assert_eq!(fields(&problems, Severity::Warning), Vec::<String>::new());
}

#[test]
fn jumpcloud_free_tier_is_refused_with_the_knowledge_base() {
    let profile = builtin("jumpcloud");
    let mut request = complete("jumpcloud", "free", "3");
    request.issue_type = "console".into();
    request
        .extra
        .insert("account".into(), "administrator".into());
    let problems = validate(&request, &profile);
    assert_eq!(fields(&problems, Severity::Error), vec!["tier"]);
    assert!(
        problems[0]
            .message
            .contains("https://support.jumpcloud.com"),
        "{}",
        problems[0].message
    );
}

#[test]
fn jelastic_level_1_on_dotnet_is_an_error_and_developers_are_sent_to_their_hoster() {
    let profile = builtin("jelastic");
    let mut request = complete("jelastic", "standard", "1");
    request.issue_type = "dotnet".into();
    request
        .extra
        .insert("customer_type".into(), "developer".into());
    let problems = validate(&request, &profile);
    assert_eq!(
        fields(&problems, Severity::Error),
        vec!["priority", "extra.customer_type"]
    );
    assert!(
        problems[0].message.contains("Choose priority 2 or lower"),
        "{}",
        problems[0].message
    );
    assert!(
        problems[1].message.contains("Hoster's Support"),
        "{}",
        problems[1].message
    );
}

#[test]
fn jumpmind_enterprise_priority_1_warns_to_call_and_consulting_is_flagged() {
    let profile = builtin("jumpmind");
    let mut request = complete("jumpmind", "enterprise", "1");
    request.issue_type = "product-usage".into();
    request.scope.environment = Some(Environment::Production);
    request.problem.description =
        "Please help us design our synchronization; we also need performance tuning.".into();
    let problems = validate(&request, &profile);
    assert_eq!(fields(&problems, Severity::Error), Vec::<String>::new());
    assert_eq!(
        fields(&problems, Severity::Warning),
        vec!["priority", "description"]
    );
    assert!(
        problems[0].message.contains("888-942-5867 x5"),
        "{}",
        problems[0].message
    );
    assert!(
        problems[1].message.contains("performance tuning"),
        "{}",
        problems[1].message
    );
    assert!(
        problems[1].message.contains("sales@jumpmind.com"),
        "{}",
        problems[1].message
    );
}

#[test]
fn malformed_values_are_named() {
    let profile = builtin("generic");
    let mut request = complete("generic", "standard", "3");
    request.contact.email = "ada at example".into();
    request.contact.phone = "call me".into();
    request.case_code = "CF-0000-0001".into();
    request
        .scope
        .endpoints
        .push(casefile_core::request::Endpoint {
            hostname: "web1".into(),
            ip: "10.0.0.300".into(),
            ..Default::default()
        });
    request.extra.insert("colour".into(), "blue".into());
    let problems = validate(&request, &profile);
    assert_eq!(
        fields(&problems, Severity::Error),
        vec!["case_code", "email", "phone", "endpoints[0].ip"]
    );
    assert_eq!(fields(&problems, Severity::Warning), vec!["extra.colour"]);
}

fn warnings_about<'a>(
    problems: &'a [casefile_core::validate::Problem],
    field: &str,
) -> Vec<&'a str> {
    problems
        .iter()
        .filter(|problem| problem.severity == Severity::Warning && problem.field == field)
        .map(|problem| problem.message.as_str())
        .collect()
}

#[test]
fn jetpatch_operation_requested_and_expected_result_are_asked_for_when_relevant_not_required() {
    // Seed 000 L27-30: "should include the following information (when relevant): ...
    // Operation requested, Expected result".
    let profile = builtin("jetpatch");
    let mut request = complete("jetpatch", "standard", "2");
    request.issue_type = "connector".into();
    request.problem.operation_requested.clear();
    request.problem.expected_result.clear();
    let problems = validate(&request, &profile);
    assert_eq!(fields(&problems, Severity::Error), Vec::<String>::new());
    let operation = warnings_about(&problems, "operation_requested");
    assert_eq!(operation.len(), 1, "{problems:#?}");
    assert!(
        operation[0].contains("JetPatch asks for it when relevant")
            && operation[0].contains("\"Operation requested\""),
        "{}",
        operation[0]
    );
    assert_eq!(warnings_about(&problems, "expected_result").len(), 1);
}

#[test]
fn jetpatch_asks_for_screenshots_with_every_issue_type() {
    // Seed 000 L32-34: "Attachments – Please provide the following things: ... Screenshots"
    // (no "(if relevant)", unlike Script and Activity output): a warning while none is attached.
    let profile = builtin("jetpatch");
    for issue_type in [
        "manager-console",
        "connector",
        "patch-management",
        "agent-management",
    ] {
        let mut request = complete("jetpatch", "standard", "2");
        request.issue_type = issue_type.into();
        let problems = validate(&request, &profile);
        let evidence = warnings_about(&problems, "evidence");
        assert!(
            evidence
                .iter()
                .any(|message| message.contains("asks for Screenshot")),
            "{issue_type}: {evidence:?}"
        );
        request.evidence.push(EvidenceItem {
            evidence_id: "screenshot".into(),
            path: "screenshots/error.png".into(),
            note: String::new(),
        });
        let problems = validate(&request, &profile);
        assert!(
            warnings_about(&problems, "evidence")
                .iter()
                .all(|message| !message.contains("Screenshot")),
            "{issue_type}"
        );
    }
}

#[test]
fn jetpatch_agent_management_collects_the_pre_existing_vai_and_asks_for_the_binaries() {
    // Seed 000 L46-48: "Agent Management: ... please include the following - Pre-existing VAI
    // - Agent Binaries": the VAI comes from the Intigua folder (collected), the binaries by hand.
    let profile = builtin("jetpatch");
    let mut request = complete("jetpatch", "standard", "2");
    request.issue_type = "agent-management".into();
    request.evidence.push(EvidenceItem {
        evidence_id: "screenshot".into(),
        path: "screenshots/agent.png".into(),
        note: String::new(),
    });
    let problems = validate(&request, &profile);
    let evidence = warnings_about(&problems, "evidence");
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    assert!(evidence[0].contains("Agent binaries"), "{}", evidence[0]);
}

#[test]
fn jelastic_host_names_and_a_generic_sql_server_never_cap_level_1() {
    // Seed 003 L11: "Maximum severity level for the issues with .Net and MS-SQL": the
    // technologies, not "shop.example.net" nor "the SQL server (MySQL)".
    let profile = builtin("jelastic");
    for description in [
        "shop.example.net is down for every customer",
        "https://shop.example.net/checkout returns 502",
        "the SQL server (MySQL) is down",
    ] {
        let mut request = complete("jelastic", "standard", "1");
        request.issue_type = "platform".into();
        request
            .extra
            .insert("customer_type".into(), "hosting-provider".into());
        request.problem.description = description.into();
        let problems = validate(&request, &profile);
        assert_eq!(
            problems,
            vec![],
            "{description:?} must not bring the .NET / MS-SQL cap"
        );
    }
}

#[test]
fn jelastic_dotnet_words_suggest_the_cap_as_a_warning_naming_them() {
    // Seed 003 L11: "Maximum severity level for the issues with .Net and MS-SQL". Words only
    // suggest it (a warning naming them); the .NET issue type confirms it (an error).
    let profile = builtin("jelastic");
    let mut request = complete("jelastic", "standard", "1");
    request.issue_type = "platform".into();
    request
        .extra
        .insert("customer_type".into(), "enterprise".into());
    request.problem.description =
        "Our ASP.NET shop on SQL Server 2019 is down at example.net".into();
    let problems = validate(&request, &profile);
    assert_eq!(fields(&problems, Severity::Error), Vec::<String>::new());
    let warnings = warnings_about(&problems, "priority");
    assert_eq!(warnings.len(), 1, "{problems:#?}");
    assert!(
        warnings[0].contains("\"asp.net\", \"SQL Server\"")
            && warnings[0].contains("choose the issue type .NET or MS-SQL to confirm")
            && warnings[0].contains("Maximum severity level for the issues with .Net and MS-SQL"),
        "{}",
        warnings[0]
    );
    // At level 2 there is nothing to warn about; with the .NET issue type, level 1 is an error.
    request.impact.priority = "2".into();
    assert!(warnings_about(&validate(&request, &profile), "priority").is_empty());
    request.impact.priority = "1".into();
    request.issue_type = "dotnet".into();
    assert_eq!(
        fields(&validate(&request, &profile), Severity::Error),
        vec!["priority"]
    );
}

#[test]
fn jumpmind_consulting_warning_matches_whole_words_on_tiers_without_consulting() {
    // Seed 004 L68: "Consulting Hours Included Yes No No Yes" (POC | Standard | Enterprise |
    // Managed); L97-98: "Support is not consultative in nature".
    let profile = builtin("jumpmind");
    let consulting = "Please help us design our synchronization.";
    let mut request = complete("jumpmind", "standard", "3");
    request.issue_type = "product-usage".into();
    request.scope.environment = Some(Environment::Production);
    request.problem.description = consulting.into();
    assert_eq!(
        warnings_about(&validate(&request, &profile), "description").len(),
        1
    );
    for tier in ["poc", "managed"] {
        request.tier = tier.into();
        assert!(
            warnings_about(&validate(&request, &profile), "description").is_empty(),
            "{tier} includes consulting"
        );
    }
    // "architect" is a keyword; "architecture" is not it.
    request.tier = "standard".into();
    request.problem.description = "Which architecture does the sync engine use?".into();
    assert!(warnings_about(&validate(&request, &profile), "description").is_empty());
}

#[test]
fn jumpmind_managed_may_call_but_only_enterprise_priority_1_is_phone_first() {
    // Seed 004 L61 "Initial Contact via Phone No No Yes Yes"; L213 "All Enterprise Priority 1
    // calls should be initiated by phone."
    let profile = builtin("jumpmind");
    let mut request = complete("jumpmind", "managed", "1");
    request.issue_type = "defect".into();
    request.scope.environment = Some(Environment::Production);
    request.evidence.push(EvidenceItem {
        evidence_id: "support-snapshot".into(),
        path: "snapshot.zip".into(),
        note: String::new(),
    });
    assert_eq!(validate(&request, &profile), vec![]);
    request.tier = "enterprise".into();
    let problems = validate(&request, &profile);
    let warnings = warnings_about(&problems, "priority");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("888-942-5867 x5"));
}

#[test]
fn jumpmind_priority_1_on_a_development_system_is_a_warning() {
    // Seed 004 L120: "Priority 1 (Urgent) – An Issue that results in a critical business impact
    // for a Production System"; L128: Priority 2 "(iii) a complete or substantial loss of service
    // when using a Development System".
    let profile = builtin("jumpmind");
    let mut request = complete("jumpmind", "standard", "1");
    request.issue_type = "product-usage".into();
    request.scope.environment = Some(Environment::Development);
    let problems = validate(&request, &profile);
    assert_eq!(fields(&problems, Severity::Error), Vec::<String>::new());
    let warnings = warnings_about(&problems, "priority");
    assert_eq!(warnings.len(), 1, "{problems:#?}");
    assert!(
        warnings[0].contains("Priority 1 (Urgent) is for production systems")
            && warnings[0].contains("development system"),
        "{}",
        warnings[0]
    );
    request.scope.environment = Some(Environment::Production);
    assert!(warnings_about(&validate(&request, &profile), "priority").is_empty());
}

#[test]
fn jumpmind_versions_outside_the_tiers_support_window_are_a_warning() {
    // Seed 004 L40: "Version Support Latest Only 12 months 24 months 36 months".
    let profile = builtin("jumpmind");
    let day = |text: &str| text.parse::<chrono::NaiveDate>().expect("a date");
    let check = |tier: &str, version: &str, today: &str| {
        let mut request = complete("jumpmind", tier, "3");
        request.issue_type = "product-usage".into();
        request.scope.environment = Some(Environment::Production);
        request.scope.versions = version.into();
        validate_on(&request, &profile, day(today))
            .into_iter()
            .filter(|problem| problem.field == "versions")
            .map(|problem| (problem.severity, problem.message))
            .collect::<Vec<_>>()
    };
    // 3.15 is the newest release the profile lists: supported on every tier.
    assert_eq!(check("poc", "SymmetricDS 3.15.4", "2026-11-23"), vec![]);
    // POC: "Latest Only".
    let poc = check("poc", "3.14.9", "2026-11-23");
    assert_eq!(poc.len(), 1);
    assert_eq!(poc[0].0, Severity::Warning);
    assert!(poc[0].1.contains("latest release only"), "{}", poc[0].1);
    // Managed, 36 months: 3.14 (2022-07-27) is inside until 2025-07-27.
    assert_eq!(check("managed", "3.14.9", "2025-07-27"), vec![]);
    let managed = check("managed", "3.14.9", "2025-07-28");
    assert_eq!(managed.len(), 1);
    assert!(
        managed[0].1.contains("left that window on 2025-07-27"),
        "{}",
        managed[0].1
    );
    // Standard, 12 months: versions compare by number, 3.9 is older than 3.12.
    let old = check("standard", "3.9.2", "2021-01-01");
    assert!(old[0].1.contains("older than 3.12"), "{}", old[0].1);
    assert_eq!(check("standard", "3.13.1", "2022-11-16"), vec![]);
    // No version, no judgement; the plain validate has no date and never judges.
    assert_eq!(check("standard", "", "2026-11-23"), vec![]);
    let mut request = complete("jumpmind", "poc", "3");
    request.scope.versions = "3.12".into();
    assert!(
        validate(&request, &profile)
            .iter()
            .all(|problem| problem.field != "versions")
    );
}

#[test]
fn jumpcloud_requests_come_from_active_administrators() {
    // Seed 001 L32: "support requests can be submitted by active Administrators associated with
    // your JumpCloud or Partner account".
    let profile = builtin("jumpcloud");
    let mut request = complete("jumpcloud", "standard", "3");
    request.issue_type = "console".into();
    assert_eq!(
        fields(&validate(&request, &profile), Severity::Error),
        vec!["extra.account"]
    );
    request.extra.insert("account".into(), "other".into());
    let problems = validate(&request, &profile);
    assert_eq!(fields(&problems, Severity::Error), vec!["extra.account"]);
    assert!(
        problems[0]
            .message
            .contains("active Administrators associated with your JumpCloud or Partner account"),
        "{}",
        problems[0].message
    );
    for allowed in ["administrator", "partner-administrator"] {
        request.extra.insert("account".into(), allowed.into());
        assert_eq!(
            fields(&validate(&request, &profile), Severity::Error),
            Vec::<String>::new()
        );
    }
}
