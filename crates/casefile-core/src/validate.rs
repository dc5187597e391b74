//! Request validation against its vendor profile: every problem at once, each naming its field.
//!
//! Errors block submission (a required field is empty, the tier cannot file requests, the
//! priority is above a cap the issue type applies); warnings do not (a checklist step not
//! ticked, required evidence not attached yet, a field the vendor asks for when relevant left
//! empty, words that suggest a cap, a request that reads like consulting, a product version
//! outside the tier's support window). Pure: no clock (the day is passed in), no file system.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use chrono::{Months, NaiveDate};

use crate::case_code::CaseCode;
use crate::impact::{applicable_cap, mentions, more_severe, suggested_caps};
use crate::profile::schema::{ExtraFieldKind, Profile, Release, VersionWindow};
use crate::request::{DRAFT_SCHEMA_VERSION, Request};

/// How much a problem matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Blocks submission.
    Error,
    /// Worth fixing; does not block submission.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field at fault: a core field name (`email`), `extra.ID`, `endpoints[N].ip`, or `checklist`.
    pub field: String,
    /// How much it matters.
    pub severity: Severity,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// The label the profile gives a core field, or a readable default.
pub fn field_label<'a>(profile: &'a Profile, field: &'a str) -> String {
    if let Some(label) = profile
        .fields
        .get(field)
        .and_then(|rule| rule.label.as_ref())
    {
        return label.clone();
    }
    match field {
        "contact_name" => "Contact name".to_owned(),
        "email" => "E-mail".to_owned(),
        "contact_id" => "Named-contact id or support PIN".to_owned(),
        "steps_to_reproduce" => "Steps to reproduce".to_owned(),
        "troubleshooting_done" => "Troubleshooting already done".to_owned(),
        "started_at" => "When it started".to_owned(),
        "issue_type" => "Issue type".to_owned(),
        other => {
            let text = other.replace('_', " ");
            let mut characters = text.chars();
            characters.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(characters).collect()
            })
        }
    }
}

/// Whether a core field must be filled under this profile.
pub fn is_required(profile: &Profile, field: &str) -> bool {
    let default = match field {
        "contact_name" | "email" | "tier" | "subject" | "description" | "priority" => true,
        "issue_type" => !profile.issue_types.is_empty(),
        _ => false,
    };
    profile
        .fields
        .get(field)
        .and_then(|rule| rule.required)
        .unwrap_or(default)
}

/// Whether the vendor asks for a core field when relevant (a warning while it is empty).
pub fn is_recommended(profile: &Profile, field: &str) -> bool {
    profile
        .fields
        .get(field)
        .and_then(|rule| rule.recommended)
        .unwrap_or(false)
}

/// [`validate`], plus the checks that need today's date (`today`, the user's local date): the
/// product version against the tier's `version_support` window.
pub fn validate_on(request: &Request, profile: &Profile, today: NaiveDate) -> Vec<Problem> {
    let mut problems = validate(request, profile);
    if let Some(problem) = version_support_problem(request, profile, today) {
        problems.push(problem);
        problems.sort_by_key(|problem| problem.severity);
    }
    problems
}

/// Checks a request against its profile and returns every problem, errors first.
pub fn validate(request: &Request, profile: &Profile) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut add = |field: &str, severity: Severity, message: String| {
        problems.push(Problem {
            field: field.to_owned(),
            severity,
            message,
        });
    };

    if request.schema_version != DRAFT_SCHEMA_VERSION {
        add(
            "schema_version",
            Severity::Error,
            format!(
                "draft schema version {} is not {DRAFT_SCHEMA_VERSION}; make a new draft with `casefile new`",
                request.schema_version
            ),
        );
    }
    if let Err(error) = request.case_code.parse::<CaseCode>() {
        add(
            "case_code",
            Severity::Error,
            format!("{error}; a new draft gets a fresh code from `casefile new`"),
        );
    }
    if request.profile != profile.id {
        add(
            "profile",
            Severity::Error,
            format!(
                "the draft is for profile {:?} but was checked against {:?}",
                request.profile, profile.id
            ),
        );
    }

    let values = [
        ("company", request.contact.company.as_str()),
        ("contact_name", request.contact.name.as_str()),
        ("email", request.contact.email.as_str()),
        ("phone", request.contact.phone.as_str()),
        ("contact_id", request.contact.contact_id.as_str()),
        ("tier", request.tier.as_str()),
        ("subject", request.problem.subject.as_str()),
        ("description", request.problem.description.as_str()),
        (
            "operation_requested",
            request.problem.operation_requested.as_str(),
        ),
        ("expected_result", request.problem.expected_result.as_str()),
        ("actual_result", request.problem.actual_result.as_str()),
        (
            "steps_to_reproduce",
            request.problem.steps_to_reproduce.as_str(),
        ),
        (
            "troubleshooting_done",
            request.problem.troubleshooting_done.as_str(),
        ),
        ("error_messages", request.problem.error_messages.as_str()),
        ("started_at", request.problem.started_at.as_str()),
        ("versions", request.scope.versions.as_str()),
        ("issue_type", request.issue_type.as_str()),
        ("priority", request.impact.priority.as_str()),
    ];
    for (field, value) in values {
        if value.trim().is_empty() && is_required(profile, field) {
            let help = profile
                .fields
                .get(field)
                .and_then(|rule| rule.help.as_deref())
                .map(|help| format!(" ({help})"))
                .unwrap_or_default();
            add(
                field,
                Severity::Error,
                format!(
                    "{} is required by {}: fill it in{help}",
                    field_label(profile, field),
                    profile.name
                ),
            );
        } else if value.trim().is_empty() && is_recommended(profile, field) {
            let help = profile
                .fields
                .get(field)
                .and_then(|rule| rule.help.as_deref())
                .map(|help| format!(" ({help})"))
                .unwrap_or_default();
            add(
                field,
                Severity::Warning,
                format!(
                    "{} is empty: {} asks for it when relevant{help}; fill it in, or leave it empty if it does not apply",
                    field_label(profile, field),
                    profile.name
                ),
            );
        }
    }
    if request.scope.environment.is_none() && is_required(profile, "environment") {
        add(
            "environment",
            Severity::Error,
            format!(
                "{} is required: choose production, development or poc",
                field_label(profile, "environment")
            ),
        );
    }
    if request.scope.endpoints.is_empty() && is_required(profile, "endpoints") {
        add(
            "endpoints",
            Severity::Error,
            format!(
                "{} is required: list at least one affected machine",
                field_label(profile, "endpoints")
            ),
        );
    }
    if request.evidence.is_empty() && is_required(profile, "evidence") {
        add(
            "evidence",
            Severity::Error,
            format!(
                "{} is required: attach at least one file",
                field_label(profile, "evidence")
            ),
        );
    }

    let email = request.contact.email.trim();
    if !email.is_empty() && !looks_like_email(email) {
        add(
            "email",
            Severity::Error,
            format!("{email:?} is not an e-mail address: write it as name@example.com"),
        );
    }
    let phone = request.contact.phone.trim();
    if !phone.is_empty() && !looks_like_phone(phone) {
        add(
            "phone",
            Severity::Error,
            format!(
                "{phone:?} is not a phone number: use digits, spaces, +, -, ( ) and an extension like x5"
            ),
        );
    }
    if request.problem.subject.chars().count() > 150 {
        add(
            "subject",
            Severity::Error,
            format!(
                "the subject has {} characters; keep it under 150 and put the details in the description",
                request.problem.subject.chars().count()
            ),
        );
    }
    if request.problem.subject.contains('\n') {
        add(
            "subject",
            Severity::Error,
            "the subject must be one line; put the details in the description".to_owned(),
        );
    }

    let tier = profile.tiers.iter().find(|tier| tier.id == request.tier);
    match tier {
        None if !request.tier.trim().is_empty() => {
            let known: Vec<&str> = profile.tiers.iter().map(|tier| tier.id.as_str()).collect();
            add(
                "tier",
                Severity::Error,
                format!(
                    "{} has no tier {:?}; choose one of: {}",
                    profile.name,
                    request.tier,
                    known.join(", ")
                ),
            );
        }
        Some(tier) if !tier.supported => {
            add(
                "tier",
                Severity::Error,
                format!(
                    "{} {}: {}",
                    profile.name,
                    tier.label,
                    tier.unsupported_message
                        .as_deref()
                        .unwrap_or("this tier cannot file support requests")
                ),
            );
        }
        _ => {}
    }

    let priority_known = profile
        .priorities
        .iter()
        .any(|priority| priority.id == request.impact.priority);
    if !request.impact.priority.trim().is_empty() && !priority_known {
        let known: Vec<&str> = profile
            .priorities
            .iter()
            .map(|priority| priority.id.as_str())
            .collect();
        add(
            "priority",
            Severity::Error,
            format!(
                "{} has no priority {:?}; choose one of: {}",
                profile.name,
                request.impact.priority,
                known.join(", ")
            ),
        );
    }
    if priority_known {
        if let Some(cap) = applicable_cap(profile, request)
            && more_severe(profile, &request.impact.priority, &cap.max_priority)
        {
            add(
                "priority",
                Severity::Error,
                format!(
                    "{} Choose priority {} or lower.",
                    cap.message, cap.max_priority
                ),
            );
        }
        for suggested in suggested_caps(profile, request) {
            if more_severe(
                profile,
                &request.impact.priority,
                &suggested.cap.max_priority,
            ) {
                add(
                    "priority",
                    Severity::Warning,
                    suggested_cap_message(profile, &suggested),
                );
            }
        }
        if let (Some(priority), Some(environment)) = (
            profile
                .priorities
                .iter()
                .find(|priority| priority.id == request.impact.priority),
            request.scope.environment,
        ) && !priority.environments.is_empty()
            && !priority.environments.contains(&environment)
        {
            let named: Vec<String> = priority
                .environments
                .iter()
                .map(ToString::to_string)
                .collect();
            add(
                "priority",
                Severity::Warning,
                format!(
                    "{} {} is for {} systems (\"{}\"), and this request is about a {environment} system: choose a lower priority, or say why in the override reason",
                    profile.name,
                    priority.label,
                    named.join(" or "),
                    priority.definition
                ),
            );
        }
        if let Some(tier) = tier {
            for rule in &profile.rules.phone_first {
                if rule.tiers.contains(&tier.id)
                    && rule.priorities.contains(&request.impact.priority)
                {
                    add(
                        "priority",
                        Severity::Warning,
                        format!(
                            "{} Call {} first, then send this request as the follow-up.",
                            rule.message, rule.phone
                        ),
                    );
                }
            }
        }
    }

    let issue_type = profile
        .issue_types
        .iter()
        .find(|issue_type| issue_type.id == request.issue_type);
    if issue_type.is_none() && !request.issue_type.trim().is_empty() {
        let known: Vec<&str> = profile
            .issue_types
            .iter()
            .map(|issue_type| issue_type.id.as_str())
            .collect();
        add(
            "issue_type",
            Severity::Error,
            format!(
                "{} has no issue type {:?}; choose one of: {}",
                profile.name,
                request.issue_type,
                if known.is_empty() {
                    "none (leave it empty)".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        );
    }
    let checklist_ids: BTreeSet<&str> = issue_type
        .map(|issue_type| {
            issue_type
                .checklist
                .iter()
                .map(|item| item.id.as_str())
                .collect()
        })
        .unwrap_or_default();
    for done in &request.checklist_done {
        if !checklist_ids.contains(done.as_str()) {
            add(
                "checklist",
                Severity::Error,
                format!(
                    "{done:?} is not a step of this issue type's checklist; remove it from checklist_done"
                ),
            );
        }
    }
    if let Some(issue_type) = issue_type {
        for (number, item) in issue_type.checklist.iter().enumerate() {
            if !request.checklist_done.contains(&item.id) {
                add(
                    "checklist",
                    Severity::Warning,
                    format!(
                        "{} asks you to go through this first: step {} \"{}\" is not ticked",
                        profile.name,
                        number + 1,
                        item.text
                    ),
                );
            }
        }
        let attached: BTreeSet<&str> = request
            .evidence
            .iter()
            .map(|item| item.evidence_id.as_str())
            .collect();
        for evidence_id in &issue_type.required_evidence {
            let kind = profile
                .evidence
                .iter()
                .find(|evidence| &evidence.id == evidence_id);
            // A kind with sources is collected by default (the app's Evidence step and
            // `casefile bundle` both start from the issue type's kinds, and say when nothing
            // was found); only what the user must attach by hand can be missing here.
            let collected = kind.is_some_and(|kind| !kind.sources.is_empty());
            if !collected && !attached.contains(evidence_id.as_str()) {
                let label = kind.map_or(evidence_id.as_str(), |evidence| evidence.label.as_str());
                add(
                    "evidence",
                    Severity::Warning,
                    format!(
                        "{} asks for {label} with {} requests; attach it at the Evidence step",
                        profile.name, issue_type.label
                    ),
                );
            }
        }
    }
    let evidence_ids: BTreeSet<&str> = profile
        .evidence
        .iter()
        .map(|evidence| evidence.id.as_str())
        .collect();
    for (index, item) in request.evidence.iter().enumerate() {
        if item.path.trim().is_empty() {
            add(
                &format!("evidence[{index}].path"),
                Severity::Error,
                "an evidence item needs a path; remove the item or give the file".to_owned(),
            );
        }
        // A screenshot is Casefile's own kind: every profile takes one, whether it asks or not.
        let own = item.evidence_id == crate::evidence::plan::SCREENSHOT_ID;
        if !item.evidence_id.is_empty() && !own && !evidence_ids.contains(item.evidence_id.as_str())
        {
            add(
                &format!("evidence[{index}].evidence_id"),
                Severity::Error,
                format!(
                    "{:?} is not one of {}'s evidence kinds ({})",
                    item.evidence_id,
                    profile.name,
                    evidence_ids.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }

    for (index, endpoint) in request.scope.endpoints.iter().enumerate() {
        if endpoint.hostname.trim().is_empty() && endpoint.ip.trim().is_empty() {
            add(
                &format!("endpoints[{index}]"),
                Severity::Error,
                "an endpoint needs a hostname or an IP address".to_owned(),
            );
        }
        let ip = endpoint.ip.trim();
        if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
            add(
                &format!("endpoints[{index}].ip"),
                Severity::Error,
                format!("{ip:?} is not an IPv4 or IPv6 address"),
            );
        }
    }

    for field in &profile.extra_fields {
        let name = format!("extra.{}", field.id);
        let value = request
            .extra
            .get(&field.id)
            .map_or("", |value| value.trim());
        if value.is_empty() {
            if field.required {
                add(
                    &name,
                    Severity::Error,
                    format!(
                        "{} is required by {}: fill it in",
                        field.label, profile.name
                    ),
                );
            }
            continue;
        }
        if field.kind == ExtraFieldKind::Choice
            && !field.choices.iter().any(|choice| choice.id == value)
        {
            let choices: Vec<&str> = field
                .choices
                .iter()
                .map(|choice| choice.id.as_str())
                .collect();
            add(
                &name,
                Severity::Error,
                format!(
                    "{value:?} is not a choice of {}; choose one of: {}",
                    field.label,
                    choices.join(", ")
                ),
            );
        }
        if field.kind == ExtraFieldKind::Text && value.contains('\n') {
            add(
                &name,
                Severity::Error,
                format!("{} takes one line", field.label),
            );
        }
    }
    for key in request.extra.keys() {
        if !profile.extra_fields.iter().any(|field| &field.id == key) {
            add(
                &format!("extra.{key}"),
                Severity::Warning,
                format!("{} has no field {key:?}; it will not be sent", profile.name),
            );
        }
    }
    for rule in &profile.rules.eligibility {
        if let Some(value) = request
            .extra
            .get(&rule.field)
            .filter(|value| !value.trim().is_empty())
            && !rule.allowed.iter().any(|allowed| allowed == value.trim())
        {
            add(
                &format!("extra.{}", rule.field),
                Severity::Error,
                rule.message.clone(),
            );
        }
    }

    if let Some(scope) = &profile.rules.scope {
        let hits = consulting_hits(profile, request);
        if !hits.is_empty() {
            add(
                "description",
                Severity::Warning,
                format!("{} (it mentions: {})", scope.message, hits.join(", ")),
            );
        }
    }

    problems.sort_by_key(|problem| problem.severity);
    problems
}

/// The profile's consulting keywords that the request's subject or description mentions as
/// whole words; none when the request's tier includes consulting.
pub(crate) fn consulting_hits<'a>(profile: &'a Profile, request: &Request) -> Vec<&'a str> {
    let Some(scope) = &profile.rules.scope else {
        return Vec::new();
    };
    if scope.consulting_included_tiers.contains(&request.tier) {
        return Vec::new();
    }
    let text = format!(
        "{}\n{}",
        request.problem.subject, request.problem.description
    )
    .to_lowercase();
    scope
        .consulting_keywords
        .iter()
        .filter(|keyword| mentions(&text, &keyword.to_lowercase()))
        .map(String::as_str)
        .collect()
}

/// The warning for a cap that only the request's words suggest: the words, the cap, and how to
/// confirm it (the issue type) or set it aside.
pub(crate) fn suggested_cap_message(
    profile: &Profile,
    suggested: &crate::impact::SuggestedCap<'_>,
) -> String {
    let cap = suggested.cap;
    let words = suggested
        .words
        .iter()
        .map(|word| format!("\"{word}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let types: Vec<&str> = cap
        .issue_types
        .iter()
        .filter_map(|id| profile.issue_types.iter().find(|issue| &issue.id == id))
        .map(|issue| issue.label.as_str())
        .collect();
    let confirm = if types.is_empty() {
        format!(
            "if it is about them, choose priority {} or lower",
            cap.max_priority
        )
    } else {
        format!(
            "if it is about them, choose the issue type {} to confirm (the cap then applies: priority {} or lower)",
            types.join(" or "),
            cap.max_priority
        )
    };
    format!(
        "The request mentions {words}. {} {confirm}; if the words mean something else (a host name, another product), leave the priority as it is.",
        cap.message
    )
}

/// The warning when the request's product version (`versions`) is outside the tier's
/// `version_support` window on `today`; `None` when it is inside, or when the tier, the version
/// or the profile's releases are not known.
pub fn version_support_problem(
    request: &Request,
    profile: &Profile,
    today: NaiveDate,
) -> Option<Problem> {
    let tier = profile.tiers.iter().find(|tier| tier.id == request.tier)?;
    let window = tier.version_support?;
    let wanted = version_numbers(&request.scope.versions)?;
    let mut releases: Vec<(Vec<u64>, &Release)> = profile
        .releases
        .iter()
        .filter_map(|release| Some((version_numbers(&release.version)?, release)))
        .collect();
    releases.sort_by(|a, b| compare_versions(&a.0, &b.0));
    let (newest_numbers, newest) = releases.last()?;
    // A version at or above the newest release the profile lists counts as the latest.
    if compare_versions(&wanted, newest_numbers) != Ordering::Less {
        return None;
    }
    let line = releases
        .iter()
        .rev()
        .find(|(numbers, _)| compare_versions(numbers, &wanted) != Ordering::Greater)
        .map(|(_, release)| *release);
    let field = field_label(profile, "versions");
    let version = request.scope.versions.trim();
    let why = match (window, line) {
        (VersionWindow::Latest, _) => format!(
            "{} {} supports the latest release only ({} of {})",
            profile.name, tier.label, newest.version, newest.date
        ),
        (VersionWindow::Months(months), Some(line)) => {
            let until = line.date.checked_add_months(Months::new(months))?;
            if today <= until {
                return None;
            }
            format!(
                "{} {} supports releases for {window}; {} came out on {} and left that window on {until}",
                profile.name, tier.label, line.version, line.date
            )
        }
        (VersionWindow::Months(months), None) => {
            let oldest = releases.first().map(|(_, release)| *release)?;
            format!(
                "{} {} supports releases for {months} months; {version} is older than {} of {}, the oldest release the profile lists",
                profile.name, tier.label, oldest.version, oldest.date
            )
        }
    };
    Some(Problem {
        field: "versions".to_owned(),
        severity: Severity::Warning,
        message: format!(
            "{field} {version:?} is outside the supported versions: {why}. Upgrade, or ask {} whether this version is still supported.",
            profile.name
        ),
    })
}

/// The first version number in `text` (`SymmetricDS 3.15.4` gives `[3, 15, 4]`): digits and
/// dots, read up to the first character that is neither.
pub fn version_numbers(text: &str) -> Option<Vec<u64>> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let rest = text.get(start..)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let numbers: Option<Vec<u64>> = rest
        .get(..end)?
        .trim_end_matches('.')
        .split('.')
        .map(|part| part.parse().ok())
        .collect();
    numbers.filter(|numbers| !numbers.is_empty())
}

/// Compares versions part by part, a missing part counting as 0 (`3.15` = `3.15.0` < `3.16`).
fn compare_versions(a: &[u64], b: &[u64]) -> Ordering {
    let length = a.len().max(b.len());
    (0..length)
        .map(|index| {
            let left = a.get(index).copied().unwrap_or(0);
            let right = b.get(index).copied().unwrap_or(0);
            left.cmp(&right)
        })
        .find(|ordering| *ordering != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
}

fn looks_like_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    digits >= 5
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().x/".contains(c) || c.eq_ignore_ascii_case(&'x'))
}
