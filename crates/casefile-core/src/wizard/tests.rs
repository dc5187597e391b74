//! The wizard view against the built-in profiles, pinned to what the seed documents say.

use std::collections::BTreeSet;

use super::*;
use crate::case_code::CaseCode;
use crate::profile::Catalog;
use crate::profile::schema::FieldRule;
use crate::request::{DRAFT_SCHEMA_VERSION, Problem as RequestProblem};
use crate::wire::{DraftView, NoticeKind};

/// Monday 23 November 2026, 10:00 US Eastern.
const MONDAY_MORNING: &str = "2026-11-23T15:00:00Z";

fn profile(id: &str) -> Profile {
    let catalog = Catalog::load(None);
    catalog
        .get(id)
        .unwrap_or_else(|| panic!("built-in profile {id}"))
        .profile
        .clone()
}

fn request(profile: &Profile) -> Request {
    Request {
        schema_version: DRAFT_SCHEMA_VERSION,
        case_code: CaseCode::from_entropy(42).to_string(),
        profile: profile.id.clone(),
        ..Request::default()
    }
}

/// The view of `request` under `profile`, sent Monday morning, shown in New York time.
fn check(profile: &Profile, request: Request) -> DraftView {
    let now = MONDAY_MORNING.parse().expect("a valid instant");
    draft_view(
        "/drafts/x.toml".to_owned(),
        1,
        request,
        profile,
        now,
        chrono_tz::America::New_York,
    )
}

fn field<'a>(view: &'a DraftView, id: &str) -> Option<&'a FieldSpec> {
    view.steps
        .iter()
        .flat_map(|step| &step.fields)
        .find(|field| field.id == id)
}

fn step_of(view: &DraftView, id: &str) -> Option<u8> {
    view.steps
        .iter()
        .find(|step| step.fields.iter().any(|field| field.id == id))
        .map(|step| step.number)
}

fn notices(view: &DraftView, kind: NoticeKind) -> Vec<&Notice> {
    view.notices
        .iter()
        .filter(|notice| notice.kind == kind)
        .collect()
}

#[test]
fn every_builtin_profile_gets_seven_numbered_steps_with_distinct_fields() {
    for loaded in &Catalog::load(None).profiles {
        let view = check(&loaded.profile, request(&loaded.profile));
        let numbers: Vec<u8> = view.steps.iter().map(|step| step.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7], "{}", loaded.profile.id);
        let titles: Vec<&str> = view.steps.iter().map(|step| step.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Vendor and contact",
                "Problem",
                "Scope",
                "Impact and priority",
                "Evidence",
                "Review",
                "Send"
            ]
        );
        let ids: Vec<&str> = view
            .steps
            .iter()
            .flat_map(|step| &step.fields)
            .map(|field| field.id.as_str())
            .collect();
        let distinct: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(distinct.len(), ids.len(), "{ids:?}");
        for field in view.steps.iter().flat_map(|step| &step.fields) {
            assert_eq!(
                field.kind == FieldKind::Choice,
                !field.choices.is_empty(),
                "{}: {field:?}",
                loaded.profile.id
            );
        }
        assert!(view.steps[4..].iter().all(|step| step.fields.is_empty()));
        assert_eq!(view.vendor, loaded.profile.name);
    }
}

#[test]
fn fields_sit_on_the_steps_the_contract_names() {
    let jetpatch = profile("jetpatch");
    let view = check(&jetpatch, request(&jetpatch));
    for (id, step) in [
        ("tier", 1),
        ("contact_name", 1),
        ("email", 1),
        ("phone", 1),
        ("company", 1),
        ("contact_id", 1),
        ("issue_type", 2),
        ("subject", 2),
        ("description", 2),
        ("error_messages", 2),
        ("started_at", 2),
        ("environment", 3),
        ("versions", 3),
        ("priority", 4),
        ("override_reason", 4),
    ] {
        assert_eq!(step_of(&view, id), Some(step), "{id}");
    }
    assert_eq!(
        field(&view, "email").map(|f| f.kind),
        Some(FieldKind::Email)
    );
    assert_eq!(
        field(&view, "phone").map(|f| f.kind),
        Some(FieldKind::Phone)
    );
    assert_eq!(
        field(&view, "description").map(|f| f.kind),
        Some(FieldKind::Multiline)
    );
    assert_eq!(
        field(&view, "contact_name").map(|f| f.path.as_str()),
        Some("contact.name")
    );
    assert_eq!(
        field(&view, "priority").map(|f| f.path.as_str()),
        Some("impact.priority")
    );
    let generic = profile("generic");
    let view = check(&generic, request(&generic));
    assert_eq!(
        step_of(&view, "issue_type"),
        None,
        "generic has no issue types"
    );
}

#[test]
fn labels_help_and_requirements_are_the_vendors() {
    // JumpCloud: "Detailed issue description", "Troubleshooting actions taken" (required).
    let jumpcloud = profile("jumpcloud");
    let view = check(&jumpcloud, request(&jumpcloud));
    let description = field(&view, "description").expect("description");
    assert_eq!(description.label, "Detailed issue description");
    let troubleshooting = field(&view, "troubleshooting_done").expect("troubleshooting");
    assert_eq!(troubleshooting.label, "Troubleshooting actions taken");
    assert!(troubleshooting.required);
    // JetPatch: "Endpoints and/or patches", "Operation requested", "Expected result".
    let jetpatch = profile("jetpatch");
    let view = check(&jetpatch, request(&jetpatch));
    let versions = field(&view, "versions").expect("versions");
    assert_eq!(versions.label, "Patches");
    assert!(
        versions
            .help
            .as_deref()
            .is_some_and(|help| help.contains("patches"))
    );
    // "(when relevant)": asked for, not required; a warning on step 2 while empty.
    assert!(field(&view, "operation_requested").is_some_and(|f| !f.required));
    assert!(field(&view, "expected_result").is_some_and(|f| !f.required));
    assert!(
        view.problems
            .iter()
            .any(|problem| problem.field == "operation_requested")
    );
    assert!(field(&view, "issue_type").is_some_and(|f| f.required));
    assert!(field(&view, "phone").is_some_and(|f| !f.required));
}

#[test]
fn hidden_fields_are_left_out() {
    let mut generic = profile("generic");
    for name in ["phone", "contact_id", "started_at"] {
        generic.fields.insert(
            name.to_owned(),
            FieldRule {
                hidden: Some(true),
                ..FieldRule::default()
            },
        );
    }
    let view = check(&generic, request(&generic));
    for name in ["phone", "contact_id", "started_at"] {
        assert!(field(&view, name).is_none(), "{name} is hidden");
    }
    assert!(field(&view, "email").is_some());
}

#[test]
fn extra_fields_are_asked_on_step_one_with_their_choices() {
    // Jelastic: "We provide support for Hosting Providers and Enterprize users only".
    let jelastic = profile("jelastic");
    let view = check(&jelastic, request(&jelastic));
    assert_eq!(step_of(&view, "extra.customer_type"), Some(1));
    let customer_type = field(&view, "extra.customer_type").expect("customer type");
    assert_eq!(customer_type.path, "extra.customer_type");
    assert_eq!(customer_type.kind, FieldKind::Choice);
    assert!(customer_type.required);
    let choices: Vec<&str> = customer_type
        .choices
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert!(choices.contains(&"hosting-provider") && choices.contains(&"enterprise"));

    let mut developer = request(&jelastic);
    developer
        .extra
        .insert("customer_type".into(), "developer".into());
    let view = check(&jelastic, developer);
    let eligibility = notices(&view, NoticeKind::Eligibility);
    assert_eq!(eligibility.len(), 1, "{:?}", view.notices);
    assert!(eligibility[0].message.contains("Hoster's Support"));
    assert_eq!(eligibility[0].field.as_deref(), Some("extra.customer_type"));
}

#[test]
fn jetpatch_patch_management_lists_its_checklist_and_warns_on_step_two() {
    // "Patch Management: ... please following the patching checklist and try again".
    let jetpatch = profile("jetpatch");
    let mut patching = request(&jetpatch);
    patching.issue_type = "patch-management".into();
    patching.checklist_done = vec!["endpoint-readiness".into()];
    let view = check(&jetpatch, patching);
    let option = view
        .issue_types
        .iter()
        .find(|issue_type| issue_type.id == "patch-management")
        .expect("patch management");
    assert_eq!(option.checklist.len(), 6);
    assert_eq!(option.checklist[0].text, "Checking Endpoint Readiness");
    let manager = view
        .issue_types
        .iter()
        .find(|issue_type| issue_type.id == "manager-console")
        .expect("manager console");
    assert_eq!(manager.required_evidence, ["manager-logs", "screenshot"]);
    // Five of six steps not ticked, and the operation requested and expected result asked for
    // "when relevant" left empty: seven warnings on the Problem step.
    assert_eq!(view.steps[1].warnings, 7, "{:#?}", view.problems);
}

#[test]
fn jumpmind_enterprise_priority_one_is_started_by_phone() {
    // "All Enterprise Priority 1 calls should be initiated by phone. Phone: 888-942-5867 x5".
    let jumpmind = profile("jumpmind");
    let mut urgent = request(&jumpmind);
    urgent.tier = "enterprise".into();
    urgent.impact.priority = "1".into();
    let view = check(&jumpmind, urgent.clone());
    let phone_first = notices(&view, NoticeKind::PhoneFirst);
    assert_eq!(phone_first.len(), 1, "{:?}", view.notices);
    assert_eq!(phone_first[0].phone.as_deref(), Some("888-942-5867 x5"));
    assert!(phone_first[0].message.contains("initiated by phone"));
    assert_eq!(phone_first[0].field.as_deref(), Some("priority"));

    // The proposal counts too: production down on a production system proposes 1.
    urgent.impact.priority.clear();
    urgent.impact.answers.production_down = Some(true);
    urgent.scope.environment = Some(Environment::Production);
    let view = check(&jumpmind, urgent.clone());
    assert_eq!(view.proposal.priority.as_deref(), Some("1"));
    assert_eq!(notices(&view, NoticeKind::PhoneFirst).len(), 1);

    // Standard support at Priority 1 is not phone-first.
    urgent.tier = "standard".into();
    let view = check(&jumpmind, urgent);
    assert!(notices(&view, NoticeKind::PhoneFirst).is_empty());
}

#[test]
fn jelastic_caps_dotnet_issues_at_level_two() {
    // "Maximum severity level for the issues with .Net and MS-SQL". The .NET issue type applies
    // the cap; words in the subject only suggest it.
    let jelastic = profile("jelastic");
    let mut dotnet = request(&jelastic);
    dotnet.tier = "standard".into();
    dotnet.issue_type = "platform".into();
    dotnet.problem = RequestProblem {
        subject: "ASP site on .NET 8 returns 502".into(),
        ..RequestProblem::default()
    };
    dotnet.scope.environment = Some(Environment::Production);
    dotnet.impact.answers.production_down = Some(true);
    let view = check(&jelastic, dotnet.clone());
    // Suggested: the proposal stands, a notice names the words and how to confirm.
    assert_eq!(view.proposal.priority.as_deref(), Some("1"));
    assert!(view.proposal.cap.is_none());
    let cap = notices(&view, NoticeKind::Cap);
    assert_eq!(cap.len(), 1, "{:?}", view.notices);
    assert!(
        cap[0].message.contains("\".net\"") && cap[0].message.contains("issue type .NET"),
        "{}",
        cap[0].message
    );

    // Confirmed by the issue type: the proposal is capped.
    dotnet.issue_type = "dotnet".into();
    let view = check(&jelastic, dotnet.clone());
    assert_eq!(view.proposal.priority.as_deref(), Some("2"));
    assert!(
        view.proposal
            .reasons
            .iter()
            .any(|reason| reason.starts_with("capped at 2: ")),
        "{:?}",
        view.proposal.reasons
    );
    assert!(
        view.proposal
            .reasons
            .contains(&"production is down".to_owned())
    );
    let cap = view.proposal.cap.as_ref().expect("the cap applies");
    assert_eq!(cap.max_priority, "2");
    assert_eq!(notices(&view, NoticeKind::Cap).len(), 1);

    // Choosing level 1 anyway is an error on the Impact step.
    dotnet.impact.priority = "1".into();
    let view = check(&jelastic, dotnet);
    assert!(view.steps[3].errors >= 1, "{:#?}", view.problems);
}

#[test]
fn jumpmind_tier_notes_show_the_version_window_and_versions_outside_it_warn() {
    // "Version Support Latest Only 12 months 24 months 36 months".
    let jumpmind = profile("jumpmind");
    let mut old = request(&jumpmind);
    old.tier = "standard".into();
    old.scope.versions = "3.13.4".into();
    let view = check(&jumpmind, old.clone());
    let standard = view
        .tiers
        .iter()
        .find(|tier| tier.id == "standard")
        .and_then(|tier| tier.note.as_deref())
        .unwrap_or_default();
    assert!(
        standard.contains("Version support: releases of the last 12 months"),
        "{standard}"
    );
    let versions: Vec<_> = view
        .problems
        .iter()
        .filter(|problem| problem.field == "versions")
        .collect();
    assert_eq!(versions.len(), 1, "{:#?}", view.problems);
    assert_eq!(view.steps[2].warnings, 1, "on the Scope step");
    old.scope.versions = "3.15.2".into();
    let view = check(&jumpmind, old);
    assert!(
        view.problems
            .iter()
            .all(|problem| problem.field != "versions")
    );
}

#[test]
fn ujet_priority_field_says_ujet_assigns_the_final_priority() {
    // "Upon receipt of a ticket, the UJET Support team will assign a priority level based on the
    // issue details."
    let ujet = profile("ujet");
    let view = check(&ujet, request(&ujet));
    let priority = field(&view, "priority").expect("priority");
    assert!(
        priority
            .help
            .as_deref()
            .is_some_and(|help| help.contains("UJET assigns the final priority itself")),
        "{:?}",
        priority.help
    );
}

#[test]
fn jumpcloud_asks_who_files_among_the_vendor_fields_of_step_one() {
    // "support requests can be submitted by active Administrators associated with your JumpCloud
    // or Partner account"; "partnersupport@jumpcloud.com for Partners".
    let jumpcloud = profile("jumpcloud");
    let view = check(&jumpcloud, request(&jumpcloud));
    let account = field(&view, "extra.account").expect("the account field");
    assert_eq!(step_of(&view, "extra.account"), Some(1));
    assert!(account.required);
    let choices: Vec<&str> = account.choices.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(choices, ["administrator", "partner-administrator", "other"]);
}

#[test]
fn jumpcloud_free_accounts_get_the_knowledge_base_and_no_targets() {
    // "Knowledge Base access is available to free account customers".
    let jumpcloud = profile("jumpcloud");
    let mut free = request(&jumpcloud);
    free.tier = "free".into();
    free.impact.priority = "3".into();
    let view = check(&jumpcloud, free);
    let option = view
        .tiers
        .iter()
        .find(|tier| tier.id == "free")
        .expect("free");
    assert!(!option.supported);
    assert!(
        option
            .message
            .as_deref()
            .is_some_and(|m| m.contains("knowledge base"))
    );
    let tier = notices(&view, NoticeKind::Tier);
    assert_eq!(tier.len(), 1);
    assert_eq!(tier[0].field.as_deref(), Some("tier"));
    assert!(view.sla.is_none());
    assert!(
        view.sla_problem
            .as_deref()
            .is_some_and(|problem| problem.contains("cannot file support requests")),
        "{:?}",
        view.sla_problem
    );
    assert!(view.steps[0].errors >= 1, "the tier is an error on step 1");
    let standard = view.tiers.iter().find(|tier| tier.id == "standard");
    assert!(standard.is_some_and(|tier| tier.supported && tier.message.is_none()));
}

#[test]
fn no_priority_is_proposed_before_an_answer() {
    let generic = profile("generic");
    let view = check(&generic, request(&generic));
    assert_eq!(view.proposal.priority, None);
    assert!(view.proposal.reasons.is_empty());

    let mut answered = request(&generic);
    answered.impact.answers.workaround = Some(true);
    let view = check(&generic, answered);
    assert_eq!(view.proposal.priority.as_deref(), Some("3"));
    assert_eq!(view.proposal.reasons, ["a workaround exists"]);

    let mut unmatched = request(&generic);
    unmatched.impact.answers.production_down = Some(false);
    let view = check(&generic, unmatched);
    assert_eq!(view.proposal.priority.as_deref(), Some("3"), "the default");
    assert!(view.proposal.reasons[0].contains("usual priority"));
}

#[test]
fn priorities_come_most_severe_first_with_their_definitions() {
    let jetpatch = profile("jetpatch");
    let view = check(&jetpatch, request(&jetpatch));
    let ids: Vec<&str> = view.priorities.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(view.priorities[0].label, "Priority Error");
    assert!(!view.priorities[0].definition.is_empty());
}

#[test]
fn the_preview_shows_targets_for_the_chosen_or_proposed_priority() {
    let jetpatch = profile("jetpatch");
    let mut chosen = request(&jetpatch);
    chosen.tier = "standard".into();
    let view = check(&jetpatch, chosen.clone());
    assert!(view.sla.is_none());
    assert!(
        view.sla_problem
            .as_deref()
            .is_some_and(|p| p.contains("step 4"))
    );

    chosen.impact.priority = "1".into();
    let view = check(&jetpatch, chosen.clone());
    let sla = view.sla.expect("targets");
    assert_eq!(view.sla_problem, None);
    assert_eq!(sla.priority, "1");
    assert_eq!(sla.display_time_zone, "America/New_York");
    // Four business hours inside the 4 am - 4 pm Eastern window: 14:00 Eastern.
    assert_eq!(
        sla.targets[0].due,
        Some("2026-11-23T19:00:00Z".parse().expect("instant"))
    );
    assert!(
        sla.targets[0].text.contains("14:00 EST"),
        "{}",
        sla.targets[0].text
    );

    chosen.tier.clear();
    let view = check(&jetpatch, chosen);
    assert!(
        view.sla_problem
            .as_deref()
            .is_some_and(|p| p.contains("step 1"))
    );

    let generic = profile("generic");
    let mut no_targets = request(&generic);
    no_targets.tier = "standard".into();
    no_targets.impact.priority = "2".into();
    let view = check(&generic, no_targets);
    assert!(view.sla.is_none());
    assert!(
        view.sla_problem
            .as_deref()
            .is_some_and(|p| p.contains("no response targets"))
    );
}

#[test]
fn problems_count_on_the_step_of_their_field() {
    let generic = profile("generic");
    let mut draft = request(&generic);
    draft.contact.email = "not an address".into();
    draft.scope.endpoints = vec![crate::request::Endpoint::default()];
    draft.case_code = "CF-bad".into();
    let view = check(&generic, draft);
    let counts: Vec<(usize, usize)> = view
        .steps
        .iter()
        .map(|step| (step.errors, step.warnings))
        .collect();
    // 1: contact name, e-mail format, tier; 2: subject, description; 3: the empty endpoint;
    // 4: priority; 6: the case code.
    assert_eq!(
        counts,
        [(3, 0), (2, 0), (1, 0), (1, 0), (0, 0), (1, 0), (0, 0)],
        "{:#?}",
        view.problems
    );
    let total: usize = counts
        .iter()
        .map(|(errors, warnings)| errors + warnings)
        .sum();
    assert_eq!(total, view.problems.len());
}

#[test]
fn consulting_requests_and_the_knowledge_base_are_noticed() {
    // Jumpmind: "Support is not consultative in nature".
    let jumpmind = profile("jumpmind");
    let mut consulting = request(&jumpmind);
    consulting.problem.description = "Please help us design our sync topology".into();
    let view = check(&jumpmind, consulting);
    let scope = notices(&view, NoticeKind::Scope);
    assert_eq!(scope.len(), 1, "{:?}", view.notices);
    assert_eq!(scope[0].field.as_deref(), Some("description"));
    assert!(
        notices(&view, NoticeKind::KnowledgeBase).is_empty(),
        "no KB link"
    );

    // JetPatch: "JetPatch Knowledge Center", searched for the subject.
    let jetpatch = profile("jetpatch");
    let mut offline = request(&jetpatch);
    let view = check(&jetpatch, offline.clone());
    let home = notices(&view, NoticeKind::KnowledgeBase);
    assert!(home[0].message.contains("https://kc.jetpatch.com/hc/en-us"));
    offline.problem.subject = "Agent offline & silent".into();
    let view = check(&jetpatch, offline);
    let search = notices(&view, NoticeKind::KnowledgeBase);
    assert_eq!(search.len(), 1);
    assert!(
        search[0]
            .message
            .contains("search?query=Agent%20offline%20%26%20silent"),
        "{}",
        search[0].message
    );
}

#[test]
fn a_step_out_of_range_is_brought_back_into_one_to_seven() {
    assert_eq!(clamp_step(0), 1);
    assert_eq!(clamp_step(4), 4);
    assert_eq!(clamp_step(200), 7);
}
