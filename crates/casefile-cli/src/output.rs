//! Everything the CLI prints: text for people, JSON (`--json`) for programs, errors on stderr.
//!
//! Data goes to stdout, diagnostics to stderr. With `--json`, every command prints one JSON
//! document on stdout, failures included (`{"error": {"code", "message"}}`).

use std::path::Path;
use std::process::ExitCode;

use casefile_core::profile::schema::{NamedContacts, Profile};
use casefile_core::profile::{Catalog, LoadedProfile, ProfileError};
use casefile_core::wire::{self, SlaReport, ValidationReport};
use serde::Serialize;

/// A command failure with its exit code class and a stable code for scripts.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    user_fixable: bool,
}

impl Failure {
    /// A problem the user can fix (exit code 1).
    pub(crate) fn user(code: &'static str, message: String) -> Failure {
        Failure {
            code,
            message,
            user_fixable: true,
        }
    }

    /// Any other failure (exit code 2).
    pub(crate) fn other(code: &'static str, message: String) -> Failure {
        Failure {
            code,
            message,
            user_fixable: false,
        }
    }
}

/// Prints in the chosen format.
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Output {
        Output { json }
    }

    fn print_json(value: &impl Serialize) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => println!("{text}"),
            Err(error) => eprintln!("error: cannot write JSON: {error}"),
        }
    }

    pub(crate) fn warn(&mut self, message: &str) {
        eprintln!("warning: {message}");
    }

    pub(crate) fn failure(&mut self, failure: &Failure) -> ExitCode {
        if self.json {
            Self::print_json(
                &serde_json::json!({ "error": { "code": failure.code, "message": failure.message } }),
            );
        }
        eprintln!("error: {}", failure.message);
        ExitCode::from(if failure.user_fixable { 1 } else { 2 })
    }

    pub(crate) fn profiles_list(&mut self, catalog: &Catalog) {
        let summaries = wire::profile_summaries(catalog);
        if self.json {
            Self::print_json(
                &serde_json::json!({ "profiles": summaries, "problems": wire::profile_problems(catalog) }),
            );
            return;
        }
        let width = summaries
            .iter()
            .map(|summary| summary.id.len())
            .max()
            .unwrap_or(2);
        for summary in &summaries {
            let tiers: Vec<&str> = summary.tiers.iter().map(|tier| tier.id.as_str()).collect();
            let priorities: Vec<&str> = summary
                .priorities
                .iter()
                .map(|priority| priority.id.as_str())
                .collect();
            println!(
                "{:<width$}  {} {}  tiers: {}  priorities: {}  ({})",
                summary.id,
                summary.name,
                summary.version,
                tiers.join(", "),
                priorities.join(", "),
                summary.origin
            );
        }
    }

    pub(crate) fn profile_show(&mut self, loaded: &LoadedProfile) {
        if self.json {
            Self::print_json(
                &serde_json::json!({ "origin": loaded.origin.to_string(), "profile": loaded.profile }),
            );
            return;
        }
        print!(
            "{}",
            describe_profile(&loaded.profile, &loaded.origin.to_string())
        );
    }

    pub(crate) fn profile_validation(
        &mut self,
        file: &Path,
        result: &Result<Profile, Vec<ProfileError>>,
    ) {
        if self.json {
            let problems: Vec<wire::ProfileProblem> = match result {
                Ok(_) => Vec::new(),
                Err(errors) => errors.iter().map(wire::ProfileProblem::from).collect(),
            };
            let id = result.as_ref().ok().map(|profile| profile.id.clone());
            Self::print_json(
                &serde_json::json!({ "ok": result.is_ok(), "id": id, "problems": problems }),
            );
            return;
        }
        match result {
            Ok(profile) => println!(
                "{}: valid profile {:?} ({} {})",
                file.display(),
                profile.id,
                profile.name,
                profile.version
            ),
            Err(errors) => {
                for error in errors {
                    println!("{error}");
                }
                eprintln!(
                    "error: {} problem{} in {}",
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" },
                    file.display()
                );
            }
        }
    }

    pub(crate) fn sla(&mut self, report: &SlaReport) {
        if self.json {
            Self::print_json(report);
            return;
        }
        println!(
            "{} tier {}, priority {}; coverage: {}",
            report.profile, report.tier, report.priority, report.coverage
        );
        for notice in &report.notices {
            println!("! {notice}");
        }
        for target in &report.targets {
            println!("{}", target.text);
        }
        for escalation in &report.escalations {
            println!("{}", escalation.text);
        }
    }

    pub(crate) fn new_draft(&mut self, path: &Path, case_code: &str, profile: &str) {
        if self.json {
            Self::print_json(
                &serde_json::json!({ "path": path, "caseCode": case_code, "profile": profile }),
            );
            return;
        }
        println!("{}", path.display());
        eprintln!(
            "new {profile} draft, case code {case_code}; fill it in, then run `casefile validate {}`",
            path.display()
        );
    }

    pub(crate) fn validation(&mut self, path: &Path, report: &ValidationReport) {
        if self.json {
            Self::print_json(report);
            return;
        }
        for problem in &report.problems {
            println!(
                "{}: {}: {}: {}",
                path.display(),
                problem.severity,
                problem.field,
                problem.message
            );
        }
        if report.ok {
            eprintln!(
                "{}: ready to submit ({} warning{})",
                path.display(),
                report.warnings,
                if report.warnings == 1 { "" } else { "s" }
            );
        } else {
            eprintln!(
                "error: {} error{} and {} warning{} in {}",
                report.errors,
                plural(report.errors),
                report.warnings,
                plural(report.warnings),
                path.display()
            );
        }
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// A readable description of a profile: what a user needs before filing.
fn describe_profile(profile: &Profile, origin: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}) version {}, {origin}",
        profile.name, profile.id, profile.version
    );
    let _ = writeln!(out, "{}", profile.description);
    for (label, link) in [
        ("portal", &profile.links.portal),
        ("status", &profile.links.status),
        ("knowledge base", &profile.links.knowledge_base),
    ] {
        if let Some(link) = link {
            let _ = writeln!(out, "{label}: {link}");
        }
    }
    if let Some(email) = &profile.contact.email {
        let _ = writeln!(out, "e-mail: {email}");
    }
    if let Some(email) = &profile.contact.partner_email {
        let _ = writeln!(out, "partner e-mail: {email}");
    }
    for phone in &profile.contact.phones {
        let _ = writeln!(out, "phone: {} ({})", phone.number, phone.label);
    }
    let _ = writeln!(out, "\nTiers:");
    for tier in &profile.tiers {
        let channels: Vec<String> = tier.channels.iter().map(ToString::to_string).collect();
        let coverage = profile
            .calendars
            .get(&tier.calendar)
            .map_or(tier.calendar.as_str(), |calendar| calendar.label.as_str());
        let _ = writeln!(
            out,
            "  {:<12} {}: {}; channels: {}",
            tier.id,
            tier.label,
            coverage,
            if channels.is_empty() {
                "none".to_owned()
            } else {
                channels.join(", ")
            }
        );
        for (priority, calendar) in &tier.calendar_by_priority {
            let coverage = profile
                .calendars
                .get(calendar)
                .map_or(calendar.as_str(), |calendar| calendar.label.as_str());
            let _ = writeln!(out, "  {:<12} priority {priority}: {coverage}", "");
        }
        if let Some(contacts) = tier.named_contacts {
            let count = match contacts {
                NamedContacts::Count(count) => count.to_string(),
                NamedContacts::Unlimited(_) => "unlimited".to_owned(),
            };
            let _ = writeln!(out, "  {:<12} named contacts: {count}", "");
        }
        if let Some(message) = tier
            .unsupported_message
            .as_ref()
            .filter(|_| !tier.supported)
        {
            let _ = writeln!(out, "  {:<12} {message}", "");
        }
        if let Some(note) = &tier.note {
            let _ = writeln!(out, "  {:<12} {note}", "");
        }
    }
    let _ = writeln!(
        out,
        "\nPriorities (most severe first) and response targets:"
    );
    for priority in &profile.priorities {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            priority.id, priority.label, priority.definition
        );
        for target in profile
            .targets
            .iter()
            .filter(|target| target.priorities.contains(&priority.id))
        {
            let tiers = if target.tiers.is_empty() {
                "all tiers".to_owned()
            } else {
                target.tiers.join(", ")
            };
            let _ = writeln!(out, "      {} ({tiers}): {}", target.label, target.within);
        }
    }
    if !profile.escalation.is_empty() {
        let _ = writeln!(out, "\nEscalation:");
        for escalation in &profile.escalation {
            let _ = writeln!(
                out,
                "  after {}: {} ({})",
                escalation.after,
                escalation.contacts.join(" or "),
                escalation.how
            );
        }
    }
    let rules = &profile.rules;
    if !rules.caps.is_empty()
        || !rules.phone_first.is_empty()
        || !rules.eligibility.is_empty()
        || rules.scope.is_some()
    {
        let _ = writeln!(out, "\nRules:");
        for cap in &rules.caps {
            let _ = writeln!(
                out,
                "  cap at priority {}: {}",
                cap.max_priority, cap.message
            );
        }
        for rule in &rules.phone_first {
            let _ = writeln!(
                out,
                "  call {} first ({} priority {}): {}",
                rule.phone,
                rule.tiers.join(", "),
                rule.priorities.join(", "),
                rule.message
            );
        }
        for rule in &rules.eligibility {
            let _ = writeln!(out, "  eligibility ({}): {}", rule.field, rule.message);
        }
        if let Some(scope) = &rules.scope {
            let _ = writeln!(out, "  support covers: {}", scope.support.join("; "));
            let _ = writeln!(
                out,
                "  consulting, not support: {}",
                scope.consulting.join("; ")
            );
        }
    }
    if !profile.issue_types.is_empty() {
        let _ = writeln!(out, "\nIssue types:");
        for issue_type in &profile.issue_types {
            let _ = writeln!(
                out,
                "  {:<18} {}: {}",
                issue_type.id, issue_type.label, issue_type.description
            );
            for (number, item) in issue_type.checklist.iter().enumerate() {
                let _ = writeln!(out, "  {:<18}   {}. {}", "", number + 1, item.text);
            }
            let evidence: Vec<String> = issue_type
                .required_evidence
                .iter()
                .map(|id| {
                    profile
                        .evidence
                        .iter()
                        .find(|evidence| &evidence.id == id)
                        .map_or(id.clone(), |evidence| evidence.label.clone())
                })
                .collect();
            if !evidence.is_empty() {
                let _ = writeln!(out, "  {:<18}   requires: {}", "", evidence.join(", "));
            }
        }
    }
    out
}
