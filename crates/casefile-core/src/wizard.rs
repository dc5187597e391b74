//! The desktop wizard's view of a draft: its seven steps and their fields as the vendor's profile
//! describes them, problems per step, the options to choose from, the proposed priority, the
//! profile rules that apply now, and a preview of the response targets.
//!
//! [`draft_view`] computes it all from the request, the profile, the instant and the user's time
//! zone; the desktop sends it after every save. Pure: no clock, no environment, no file system.
//!
//! Which step a field belongs to is decided here, once: step 1 asks for the tier, the contact and
//! the profile's extra fields (they are about who asks: customer type, account id); step 2 the
//! issue type and the problem; step 3 the environment and versions (the endpoints table is edited
//! as rows); step 4 the priority. A validation problem counts on the step of its field; problems
//! with no field of a step (schema version, case code, profile) count on Review.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::impact::{applicable_cap, propose_priority, suggested_caps};
use crate::profile::schema::{Conditions, ExtraFieldKind, Profile, UsersAffected};
use crate::request::{Environment, ImpactAnswers, Request};
use crate::sla::response_targets;
use crate::validate::{
    Severity, consulting_hits, field_label, is_required, suggested_cap_message, validate_on,
};
use crate::wire::{
    CapInfo, ChecklistOption, ChoiceOption, DraftView, FieldKind, FieldSpec, IssueTypeOption,
    Notice, NoticeKind, PriorityOption, PriorityProposal, StepId, StepSpec, TierOption, sla_report,
    validation_report,
};

/// The number of wizard steps.
pub const STEP_COUNT: u8 = 7;

/// A step number brought into `1..=7` (a sidecar from a future version, a stray value).
pub fn clamp_step(step: u8) -> u8 {
    step.clamp(1, STEP_COUNT)
}

/// Everything the wizard shows for `request` (saved at `path`, the user at `step`), computed
/// against `profile` as if it were sent at `now`, with times shown in `display`.
pub fn draft_view(
    path: String,
    step: u8,
    request: Request,
    profile: &Profile,
    now: DateTime<Utc>,
    display: Tz,
) -> DraftView {
    let problems = validate_on(&request, profile, now.with_timezone(&display).date_naive());
    let mut steps = steps(profile);
    for problem in &problems {
        let number = step_of_field(&problem.field);
        if let Some(step) = steps.iter_mut().find(|step| step.number == number) {
            match problem.severity {
                Severity::Error => step.errors += 1,
                Severity::Warning => step.warnings += 1,
            }
        }
    }
    let proposal = proposal(profile, &request);
    let effective_priority = if request.impact.priority.trim().is_empty() {
        proposal.priority.clone()
    } else {
        Some(request.impact.priority.clone())
    };
    let notices = notices(profile, &request, effective_priority.as_deref());
    let (sla, sla_problem) = sla_preview(
        profile,
        &request.tier,
        effective_priority.as_deref(),
        now,
        display,
    );
    DraftView {
        path,
        step: clamp_step(step),
        vendor: profile.name.clone(),
        steps,
        problems: validation_report(&problems).problems,
        tiers: profile
            .tiers
            .iter()
            .map(|tier| TierOption {
                id: tier.id.clone(),
                label: tier.label.clone(),
                supported: tier.supported,
                message: (!tier.supported).then(|| unsupported_message(&tier.unsupported_message)),
                note: profile.tier_notes(tier),
            })
            .collect(),
        issue_types: profile
            .issue_types
            .iter()
            .map(|issue_type| IssueTypeOption {
                id: issue_type.id.clone(),
                label: issue_type.label.clone(),
                description: issue_type.description.clone(),
                checklist: issue_type
                    .checklist
                    .iter()
                    .map(|item| ChecklistOption {
                        id: item.id.clone(),
                        text: item.text.clone(),
                    })
                    .collect(),
                required_evidence: issue_type.required_evidence.clone(),
                optional_evidence: issue_type.optional_evidence.clone(),
            })
            .collect(),
        priorities: profile
            .priorities
            .iter()
            .map(|priority| PriorityOption {
                id: priority.id.clone(),
                label: priority.label.clone(),
                definition: priority.definition.clone(),
            })
            .collect(),
        proposal,
        notices,
        sla,
        sla_problem,
        pasted_logs: crate::pasted::pasted_logs(&request)
            .into_iter()
            .map(|pasted| pasted.field)
            .collect(),
        request,
    }
}

fn unsupported_message(message: &Option<String>) -> String {
    message
        .clone()
        .unwrap_or_else(|| "this tier cannot file support requests".to_owned())
}

/// The step a validation problem's field belongs to.
fn step_of_field(field: &str) -> u8 {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    match base {
        "company" | "contact_name" | "email" | "phone" | "contact_id" | "tier" | "extra" => 1,
        "issue_type"
        | "checklist"
        | "subject"
        | "description"
        | "operation_requested"
        | "expected_result"
        | "actual_result"
        | "steps_to_reproduce"
        | "troubleshooting_done"
        | "error_messages"
        | "started_at" => 2,
        "environment" | "versions" | "endpoints" => 3,
        "priority" | "override_reason" => 4,
        "evidence" => 5,
        _ => 6,
    }
}

/// The seven steps with their fields and no problem counts yet.
fn steps(profile: &Profile) -> Vec<StepSpec> {
    let core = |name: &str, path: &str, kind: FieldKind| -> Option<FieldSpec> {
        let rule = profile.fields.get(name);
        if rule.and_then(|rule| rule.hidden) == Some(true) {
            return None;
        }
        Some(FieldSpec {
            id: name.to_owned(),
            path: path.to_owned(),
            label: field_label(profile, name),
            help: rule.and_then(|rule| rule.help.clone()),
            required: is_required(profile, name),
            kind,
            choices: Vec::new(),
        })
    };
    let with_choices = |field: Option<FieldSpec>, choices: Vec<ChoiceOption>| {
        field.map(|field| FieldSpec { choices, ..field })
    };
    let choice = |id: &str, label: &str| ChoiceOption {
        id: id.to_owned(),
        label: label.to_owned(),
    };

    let mut contact = vec![
        with_choices(
            core("tier", "tier", FieldKind::Choice),
            profile
                .tiers
                .iter()
                .map(|tier| choice(&tier.id, &tier.label))
                .collect(),
        ),
        core("contact_name", "contact.name", FieldKind::Text),
        core("email", "contact.email", FieldKind::Email),
        core("phone", "contact.phone", FieldKind::Phone),
        core("company", "contact.company", FieldKind::Text),
        core("contact_id", "contact.contact_id", FieldKind::Text),
    ];
    contact.extend(profile.extra_fields.iter().map(|extra| {
        Some(FieldSpec {
            id: format!("extra.{}", extra.id),
            path: format!("extra.{}", extra.id),
            label: extra.label.clone(),
            help: extra.help.clone(),
            required: extra.required,
            kind: match extra.kind {
                ExtraFieldKind::Text => FieldKind::Text,
                ExtraFieldKind::Multiline => FieldKind::Multiline,
                ExtraFieldKind::Choice => FieldKind::Choice,
            },
            choices: extra
                .choices
                .iter()
                .map(|option| choice(&option.id, &option.label))
                .collect(),
        })
    }));

    let mut problem = Vec::new();
    if !profile.issue_types.is_empty() {
        problem.push(with_choices(
            core("issue_type", "issue_type", FieldKind::Choice),
            profile
                .issue_types
                .iter()
                .map(|issue_type| choice(&issue_type.id, &issue_type.label))
                .collect(),
        ));
    }
    for (name, kind) in [
        ("subject", FieldKind::Text),
        ("description", FieldKind::Multiline),
        ("operation_requested", FieldKind::Text),
        ("expected_result", FieldKind::Multiline),
        ("actual_result", FieldKind::Multiline),
        ("steps_to_reproduce", FieldKind::Multiline),
        ("troubleshooting_done", FieldKind::Multiline),
        ("error_messages", FieldKind::Multiline),
        ("started_at", FieldKind::Text),
    ] {
        problem.push(core(name, &format!("problem.{name}"), kind));
    }

    let environments = [
        Environment::Production,
        Environment::Development,
        Environment::Poc,
    ];
    let scope = vec![
        with_choices(
            core("environment", "scope.environment", FieldKind::Choice),
            environments
                .iter()
                .map(|environment| {
                    let id = match environment {
                        Environment::Production => "production",
                        Environment::Development => "development",
                        Environment::Poc => "poc",
                    };
                    let label = match environment {
                        Environment::Production => "Production",
                        Environment::Development => "Development or test",
                        Environment::Poc => "Proof of concept",
                    };
                    choice(id, label)
                })
                .collect(),
        ),
        core("versions", "scope.versions", FieldKind::Text),
    ];

    let impact = vec![
        with_choices(
            core("priority", "impact.priority", FieldKind::Choice),
            profile
                .priorities
                .iter()
                .map(|priority| choice(&priority.id, &priority.label))
                .collect(),
        ),
        Some(FieldSpec {
            id: "override_reason".to_owned(),
            path: "impact.override_reason".to_owned(),
            label: "Why another priority than the proposed one".to_owned(),
            help: Some(format!(
                "{} reads this when the priority differs from what the answers propose",
                profile.name
            )),
            required: false,
            kind: FieldKind::Multiline,
            choices: Vec::new(),
        }),
    ];

    let step = |number: u8, id: StepId, title: &str, fields: Vec<Option<FieldSpec>>| StepSpec {
        number,
        id,
        title: title.to_owned(),
        fields: fields.into_iter().flatten().collect(),
        errors: 0,
        warnings: 0,
    };
    vec![
        step(1, StepId::Contact, "Vendor and contact", contact),
        step(2, StepId::Problem, "Problem", problem),
        step(3, StepId::Scope, "Scope", scope),
        step(4, StepId::Impact, "Impact and priority", impact),
        step(5, StepId::Evidence, "Evidence", Vec::new()),
        step(6, StepId::Review, "Review", Vec::new()),
        step(7, StepId::Send, "Send", Vec::new()),
    ]
}

fn any_answer(answers: &ImpactAnswers) -> bool {
    answers.production_down.is_some()
        || answers.data_loss.is_some()
        || answers.workaround.is_some()
        || answers.users_affected.is_some()
        || answers.question_only.is_some()
}

/// The proposal: the core's [`propose_priority`], held back while nothing decides it.
fn proposal(profile: &Profile, request: &Request) -> PriorityProposal {
    let core = propose_priority(profile, request);
    let cap = applicable_cap(profile, request).map(|cap| CapInfo {
        max_priority: cap.max_priority.clone(),
        message: cap.message.clone(),
    });
    if core.rule.is_none() && !any_answer(&request.impact.answers) {
        return PriorityProposal {
            priority: None,
            reasons: Vec::new(),
            cap,
        };
    }
    let mut reasons = match core
        .rule
        .and_then(|index| profile.priority_rules.get(index))
    {
        Some(rule) => condition_phrases(&rule.when),
        None => vec![format!(
            "{}'s usual priority: none of its rules matches the answers",
            profile.name
        )],
    };
    if let Some(message) = &core.capped {
        reasons.push(format!("capped at {}: {message}", core.priority));
    }
    PriorityProposal {
        priority: Some(core.priority),
        reasons,
        cap,
    }
}

/// A questionnaire rule's conditions as people read them.
fn condition_phrases(when: &Conditions) -> Vec<String> {
    let mut phrases = Vec::new();
    let mut say = |condition: Option<bool>, yes: &str, no: &str| {
        if let Some(value) = condition {
            phrases.push(if value { yes } else { no }.to_owned());
        }
    };
    say(
        when.production_down,
        "production is down",
        "production is not down",
    );
    say(
        when.data_loss,
        "data is lost or corrupted",
        "no data is lost",
    );
    say(
        when.workaround,
        "a workaround exists",
        "there is no workaround",
    );
    say(
        when.question_only,
        "it is a question, a cosmetic issue or an enhancement request",
        "it is more than a question",
    );
    if let Some(least) = when.users_at_least {
        phrases.push(
            match least {
                UsersAffected::None => "users may be affected",
                UsersAffected::One => "at least one user is affected",
                UsersAffected::Some => "several users are affected",
                UsersAffected::Most => "most users are affected",
            }
            .to_owned(),
        );
    }
    if let Some(environment) = when.environment {
        phrases.push(format!("the environment is {environment}"));
    }
    phrases
}

/// The profile's rules that apply to the request now, at `priority` (chosen, else proposed).
fn notices(profile: &Profile, request: &Request, priority: Option<&str>) -> Vec<Notice> {
    let mut notices = Vec::new();
    let mut add = |kind, message: String, phone: Option<String>, field: &str| {
        notices.push(Notice {
            kind,
            message,
            phone,
            field: Some(field.to_owned()),
        });
    };
    let tier = profile.tiers.iter().find(|tier| tier.id == request.tier);
    if let Some(tier) = tier.filter(|tier| !tier.supported) {
        add(
            NoticeKind::Tier,
            unsupported_message(&tier.unsupported_message),
            None,
            "tier",
        );
    }
    if let (Some(tier), Some(priority)) = (tier, priority) {
        for rule in &profile.rules.phone_first {
            if rule.tiers.contains(&tier.id) && rule.priorities.iter().any(|id| id == priority) {
                add(
                    NoticeKind::PhoneFirst,
                    rule.message.clone(),
                    Some(rule.phone.clone()),
                    "priority",
                );
            }
        }
    }
    if let Some(cap) = applicable_cap(profile, request) {
        add(NoticeKind::Cap, cap.message.clone(), None, "priority");
    }
    for suggested in suggested_caps(profile, request) {
        add(
            NoticeKind::Cap,
            suggested_cap_message(profile, &suggested),
            None,
            "priority",
        );
    }
    for rule in &profile.rules.eligibility {
        if let Some(value) = request
            .extra
            .get(&rule.field)
            .filter(|value| !value.trim().is_empty())
            && !rule.allowed.iter().any(|allowed| allowed == value.trim())
        {
            add(
                NoticeKind::Eligibility,
                rule.message.clone(),
                None,
                &format!("extra.{}", rule.field),
            );
        }
    }
    if let Some(scope) = &profile.rules.scope
        && !consulting_hits(profile, request).is_empty()
    {
        add(
            NoticeKind::Scope,
            scope.message.clone(),
            None,
            "description",
        );
    }
    let subject = request.problem.subject.trim();
    let search = profile
        .links
        .knowledge_base_search
        .as_deref()
        .filter(|_| !subject.is_empty());
    if let Some(template) = search {
        add(
            NoticeKind::KnowledgeBase,
            format!(
                "{} may already answer this: search its knowledge base for your subject, {}",
                profile.name,
                template.replace("{query}", &percent_encode(subject))
            ),
            None,
            "subject",
        );
    } else if let Some(home) = &profile.links.knowledge_base {
        add(
            NoticeKind::KnowledgeBase,
            format!(
                "{} may already answer this: search its knowledge base first, {home}",
                profile.name
            ),
            None,
            "subject",
        );
    }
    notices
}

/// `text` as one URL query component: unreserved bytes as they are, the rest `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The response targets if sent `now`, or why there are none.
fn sla_preview(
    profile: &Profile,
    tier: &str,
    priority: Option<&str>,
    now: DateTime<Utc>,
    display: Tz,
) -> (Option<crate::wire::SlaReport>, Option<String>) {
    if tier.trim().is_empty() {
        return (
            None,
            Some(format!(
                "Choose your support tier (step 1) to see when {} owes an answer.",
                profile.name
            )),
        );
    }
    let Some(priority) = priority else {
        return (
            None,
            Some(format!(
                "Answer the impact questions or choose a priority (step 4) to see when {} owes an answer.",
                profile.name
            )),
        );
    };
    match response_targets(profile, tier, priority, now) {
        Ok(sla) if sla.targets.is_empty() && sla.escalations.is_empty() => (
            None,
            Some(format!(
                "The {} profile states no response targets for tier {tier} at priority {priority}.",
                profile.name
            )),
        ),
        Ok(sla) => (Some(sla_report(&profile.id, &sla, display)), None),
        Err(error) => (None, Some(format!("No response targets: {error}."))),
    }
}

#[cfg(test)]
mod tests;
