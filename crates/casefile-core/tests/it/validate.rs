//! Validation returns every problem at once, each naming its field and how to fix it.

use casefile_core::case_code::CaseCode;
use casefile_core::request::{
    Contact, DRAFT_SCHEMA_VERSION, Environment, EvidenceItem, Problem, Request,
};
use casefile_core::validate::{Severity, validate};

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
            "operation_requested",
            "expected_result",
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
    assert_eq!(fields(&problems, Severity::Warning), vec!["evidence"]);
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
