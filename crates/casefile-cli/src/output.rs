//! Everything the CLI prints: text for people, JSON (`--json`) for programs, errors on stderr.
//!
//! Data goes to stdout, diagnostics to stderr. With `--json`, every command prints one JSON
//! document on stdout, failures included (`{"error": {"code", "message"}}`). With `--json-line`
//! the document is one line and warnings go into it (`"warnings": [...]`) instead of stderr, so
//! that an engine keeping only the last line of output gets everything.

use std::path::Path;
use std::process::ExitCode;

use casefile_core::profile::schema::{NamedContacts, Profile};
use casefile_core::profile::{Catalog, LoadedProfile, ProfileError};
use casefile_core::wire::{self, SlaReport, ValidationReport};
use serde::Serialize;
use std::io::Write as _;

use casefile_core::evidence::collect::Outcome;
use casefile_core::evidence::merge::MergeOutcome;
use casefile_core::redact::{Category, Found};

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

/// Adds `warnings` to a JSON object's `"warnings"` list (made if missing); returns those that did
/// not fit because the document is not an object.
fn with_warnings(value: &mut serde_json::Value, warnings: Vec<String>) -> Vec<String> {
    let Some(object) = value.as_object_mut().filter(|_| !warnings.is_empty()) else {
        return warnings;
    };
    let list = object
        .entry("warnings")
        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
    match list.as_array_mut() {
        Some(list) => {
            list.extend(warnings.into_iter().map(serde_json::Value::String));
            Vec::new()
        }
        None => warnings,
    }
}

/// Prints in the chosen format.
pub(crate) struct Output {
    json: bool,
}

/// `--json-line`: set once at start, read by [`Output::print_json`], which every command calls.
static JSON_LINE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Warnings held for the `--json-line` document.
static HELD_WARNINGS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

impl Output {
    /// `json_line` implies `json`.
    pub(crate) fn new(json: bool, json_line: bool) -> Output {
        JSON_LINE.store(json_line, std::sync::atomic::Ordering::Relaxed);
        Output {
            json: json || json_line,
        }
    }

    /// Whether `--json` or `--json-line` was given.
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// Whether `--json-line` was given: nothing may go to stderr but a failure.
    pub(crate) fn is_json_line() -> bool {
        JSON_LINE.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn print_json(value: &impl Serialize) {
        if !Self::is_json_line() {
            match serde_json::to_string_pretty(value) {
                Ok(text) => println!("{text}"),
                Err(error) => eprintln!("error: cannot write JSON: {error}"),
            }
            return;
        }
        let mut value = match serde_json::to_value(value) {
            Ok(value) => value,
            Err(error) => {
                eprintln!("error: cannot write JSON: {error}");
                return;
            }
        };
        let held: Vec<String> = HELD_WARNINGS
            .lock()
            .map(|mut held| std::mem::take(&mut *held))
            .unwrap_or_default();
        for warning in with_warnings(&mut value, held) {
            // A list has nowhere to hold them.
            eprintln!("warning: {warning}");
        }
        println!("{value}");
    }

    /// A warning: on stderr, or with `--json-line` into the document printed next.
    pub(crate) fn warn(&mut self, message: &str) {
        Self::warning(message);
    }

    /// [`warn`](Self::warn) where no `Output` is at hand.
    pub(crate) fn warning(message: &str) {
        if Self::is_json_line() {
            if let Ok(mut held) = HELD_WARNINGS.lock() {
                held.push(message.to_owned());
            }
        } else {
            eprintln!("warning: {message}");
        }
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

    pub(crate) fn collect_outcome(&mut self, outcome: &Outcome, redacted: bool) {
        if self.json {
            Self::print_json(outcome);
        } else {
            let truncated = outcome
                .entries
                .iter()
                .filter(|e| !e.truncated.is_empty())
                .count();
            println!(
                "Bundle: {} ({}, {} entries) from {} of evidence",
                outcome.bundle.display(),
                human_bytes(outcome.bundle_bytes),
                outcome.entries.len() + 1,
                human_bytes(outcome.input_bytes)
            );
            if redacted {
                let counts: Vec<String> = Category::ALL
                    .iter()
                    .filter(|c| outcome.redactions.get(**c) > 0)
                    .map(|c| format!("{} {}", outcome.redactions.get(*c), c.as_str()))
                    .collect();
                println!(
                    "Redacted: {} (key fingerprint {})",
                    if counts.is_empty() {
                        "nothing found".to_owned()
                    } else {
                        counts.join(", ")
                    },
                    outcome.key_fingerprint.as_deref().unwrap_or("-")
                );
                if let Some(mapping) = &outcome.mapping {
                    println!(
                        "Mapping from pseudonyms to your names (never sent): {}",
                        mapping.display()
                    );
                }
            } else {
                println!("Not redacted: secrets and names are in the bundle as collected.");
            }
            if outcome.passes > 1 {
                println!("Trimmed to the size budget in {} passes.", outcome.passes);
            }
            if truncated > 0 {
                println!("Truncated: {truncated} entries (see manifest.json for what and why)");
            }
            if !outcome.skipped.is_empty() {
                println!("Left out: {} items", outcome.skipped.len());
                for skip in &outcome.skipped {
                    let reason = serde_json::to_value(skip.reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    println!("  {reason:<18} {}  ({})", skip.source, skip.detail);
                }
            }
        }
        for warning in &outcome.warnings {
            self.warn(warning);
        }
        if redacted {
            if outcome.leaks.is_empty() && outcome.scanned_entries == 0 {
                if !self.json {
                    println!(
                        "Leak scan: nothing to look for (no name, address or secret was found to redact)"
                    );
                }
            } else if outcome.leaks.is_empty() {
                if !self.json {
                    let binary = outcome.entries.iter().filter(|e| !e.redacted).count();
                    println!(
                        "Leak scan: clean: every entry read back (request.md, request.json, manifest.json and the evidence) holds no known host name, user name, address or removed secret{}",
                        if binary > 0 {
                            format!(
                                "; {binary} unredacted binary entr{} searched as bytes only",
                                if binary == 1 { "y was" } else { "ies were" }
                            )
                        } else {
                            String::new()
                        }
                    );
                }
            } else {
                eprintln!(
                    "error: the leak scan found {} known original(s) in the bundle; review before sending:",
                    outcome.leaks.len()
                );
                for leak in &outcome.leaks {
                    eprintln!(
                        "  {} in {} at byte {}: {}",
                        leak.category.as_str(),
                        leak.entry,
                        leak.offset,
                        leak.what
                    );
                }
            }
        }
    }

    /// Prints the disclosure review (text; `--json` prints the report itself).
    pub(crate) fn disclosure(&mut self, report: &wire::DisclosureReport, draft: Option<&Path>) {
        if self.json {
            Self::print_json(report);
            return;
        }
        // The busiest places first; the rest counted (`--json` lists them all).
        let places = |places: &[wire::DisclosurePlace]| {
            let mut sorted: Vec<&wire::DisclosurePlace> = places.iter().collect();
            sorted.sort_by_key(|place| std::cmp::Reverse(place.count));
            let mut shown: Vec<String> = sorted
                .iter()
                .take(4)
                .map(|p| format!("{} {}", p.name, p.count))
                .collect();
            if sorted.len() > 4 {
                shown.push(format!("{} more places", sorted.len() - 4));
            }
            shown.join(", ")
        };
        println!(
            "Disclosure review{}: everything that leaves with the request (request fields are the ticket body, request.md and request.json)",
            report
                .case_code
                .as_deref()
                .map(|c| format!(" for {c}"))
                .unwrap_or_default()
        );
        if !report.redacted {
            println!("Not redacted: everything leaves as collected.");
        }
        if report.identifiers.is_empty() {
            println!("\nIdentifiers: none found.");
        } else {
            println!("\nIdentifiers ({}):", report.identifiers.len());
            for id in &report.identifiers {
                let shown = match &id.pseudonym {
                    Some(pseudonym) => format!("{} -> {pseudonym}", id.original),
                    None => format!("{} (kept: the vendor reads it)", id.original),
                };
                println!(
                    "  {:<9} {shown}  x{}  in {}",
                    id.category,
                    id.count,
                    places(&id.places)
                );
            }
        }
        if report.secrets.is_empty() {
            println!("\nSecrets removed: none found.");
        } else {
            println!("\nSecrets removed (values are never shown):");
            for secret in &report.secrets {
                println!(
                    "  {:<16} x{}  in {}",
                    secret.kind,
                    secret.count,
                    places(&secret.places)
                );
            }
        }
        if !report.unredacted.is_empty() {
            println!("\nNot redactable, sent as they are:");
            for entry in &report.unredacted {
                println!("  {}  ({})", entry.entry, entry.reason);
            }
        }
        if !report.requester.is_empty() {
            println!(
                "\nSent as the requester, as written: {}",
                report.requester.join(", ")
            );
        }
        if report.leaks.is_empty() && report.scanned_entries == 0 {
            println!("\nLeak scan: nothing to look for (nothing was redacted).");
        } else if report.leaks.is_empty() {
            println!(
                "\nLeak scan: clean over all {} entries read back.",
                report.scanned_entries
            );
        } else {
            println!(
                "\nLeak scan: {} original(s) found; do not send:",
                report.leaks.len()
            );
            for leak in &report.leaks {
                println!("  {}: {}", leak.entry, leak.what);
            }
        }
        if !report.keep.is_empty() || !report.hide.is_empty() {
            println!(
                "\nThe draft keeps: {}; hides: {}",
                if report.keep.is_empty() {
                    "-".to_owned()
                } else {
                    report.keep.join(", ")
                },
                if report.hide.is_empty() {
                    "-".to_owned()
                } else {
                    report.hide.join(", ")
                }
            );
        }
        if let Some(draft) = draft {
            println!(
                "\nTo let the vendor see a name, or to hide a word everywhere, add to {}:\n  [redaction]\n  keep = [\"build-srv-07\"]\n  hide = [{}]",
                draft.display(),
                if report.suggested_hide.is_empty() {
                    "\"Project Falcon\"".to_owned()
                } else {
                    report
                        .suggested_hide
                        .iter()
                        .map(|w| format!("{w:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
        }
    }

    pub(crate) fn merge_outcome(&mut self, outcome: &MergeOutcome) {
        if !outcome.leaks.is_empty() {
            eprintln!(
                "error: the leak scan found {} known original(s) in the merged bundle; review before sending:",
                outcome.leaks.len()
            );
            for leak in &outcome.leaks {
                eprintln!(
                    "  {} in {} at byte {}: {}",
                    leak.category.as_str(),
                    leak.entry,
                    leak.offset,
                    leak.what
                );
            }
        }
        if self.json {
            Self::print_json(outcome);
            return;
        }
        println!(
            "Bundle: {} ({}) from {} endpoint bundles",
            outcome.bundle.display(),
            human_bytes(outcome.bundle_bytes),
            outcome.endpoints.len()
        );
        for endpoint in &outcome.endpoints {
            println!(
                "  endpoints/{}/  {} entries  from {}",
                endpoint.folder, endpoint.entries, endpoint.source
            );
        }
        if let Some(fleet) = &outcome.fleet {
            println!("Fleet: {}", fleet.line);
        }
        for warning in &outcome.warnings {
            Self::warning(warning);
        }
    }

    pub(crate) fn redacted(&mut self, results: &[(String, Vec<u8>, Found)]) {
        if self.json {
            let files: Vec<serde_json::Value> = results
                .iter()
                .map(|(name, text, found)| {
                    serde_json::json!({
                        "file": name,
                        "text": String::from_utf8_lossy(text),
                        "redactions": found.counts,
                    })
                })
                .collect();
            Self::print_json(&serde_json::json!({ "files": files }));
            return;
        }
        let mut stdout = std::io::stdout().lock();
        for (name, text, found) in results {
            if results.len() > 1 {
                let _ = writeln!(stdout, "==> {name} <==");
            }
            let _ = stdout.write_all(text);
            let counts: Vec<String> = Category::ALL
                .iter()
                .filter(|c| found.counts.get(**c) > 0)
                .map(|c| format!("{} {}", found.counts.get(*c), c.as_str()))
                .collect();
            eprintln!(
                "{name}: {}",
                if counts.is_empty() {
                    "nothing redacted".to_owned()
                } else {
                    counts.join(", ")
                }
            );
        }
    }

    pub(crate) fn translated(&mut self, text: &str, known: usize) {
        if self.json {
            Self::print_json(&serde_json::json!({ "text": text, "knownPseudonyms": known }));
        } else {
            print!("{text}");
            if known == 0 {
                eprintln!(
                    "warning: no local mapping yet: nothing was collected with redaction on this machine"
                );
            }
        }
    }

    pub(crate) fn key_export(&mut self, exported: &str, fingerprint: &str) {
        if self.json {
            Self::print_json(&serde_json::json!({ "key": exported, "fingerprint": fingerprint }));
        } else {
            println!("{exported}");
            eprintln!(
                "This key (fingerprint {fingerprint}) makes the same pseudonyms on every machine that imports it. Keep it secret: with it, pseudonyms of guessed names can be checked."
            );
        }
    }

    pub(crate) fn key_show(&mut self, fingerprint: &str, path: &str) {
        if self.json {
            Self::print_json(&serde_json::json!({ "fingerprint": fingerprint, "path": path }));
        } else {
            println!("Pseudonym key {fingerprint} in {path}");
        }
    }

    pub(crate) fn key_imported(&mut self, fingerprint: &str, path: &str) {
        if self.json {
            Self::print_json(&serde_json::json!({ "fingerprint": fingerprint, "path": path }));
        } else {
            println!("Imported the pseudonym key {fingerprint} into {path}");
        }
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
    for rule in &profile.rules.routing {
        let _ = writeln!(
            out,
            "e-mail when {} is {}: {}",
            rule.field,
            rule.choices.join(" or "),
            rule.email
        );
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
        if let Some(note) = profile.tier_notes(tier) {
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

/// `1.5 MB`-style sizes (decimal units, as file managers show them).
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod json_line_tests {
    use super::*;

    #[test]
    fn warnings_join_an_objects_list_and_a_list_document_gives_them_back() {
        let mut outcome = serde_json::json!({"bundle": "b.zip", "warnings": ["kept"]});
        let left = with_warnings(&mut outcome, vec!["mapping not saved".into()]);
        assert!(left.is_empty());
        assert_eq!(
            outcome["warnings"],
            serde_json::json!(["kept", "mapping not saved"])
        );
        let mut plain = serde_json::json!({"ok": true});
        assert!(with_warnings(&mut plain, Vec::new()).is_empty());
        assert!(plain.get("warnings").is_none(), "no empty list is added");
        let mut list = serde_json::json!([1, 2]);
        assert_eq!(
            with_warnings(&mut list, vec!["w".into()]),
            vec!["w".to_owned()]
        );
    }
}
