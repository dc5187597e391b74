//! The request as the vendor reads it: `request.md` for a person, `request.json` for a machine.
//!
//! Neither is ever rendered from the draft as the user typed it: [`outgoing_request`] first makes
//! the request that leaves, every text field redacted with the bundle's [`Redactor`] (so a host
//! reads `host-1416db43` in the request and in the logs), evidence named by its place in the
//! bundle instead of a local path, and the draft's `[redaction]` choices left out.

use std::fmt::Write as _;

use crate::profile::schema::Profile;
use crate::redact::{Found, Redactor};
use crate::request::{EvidenceItem, Request};
use crate::validate::field_label;

/// One text field of a request as it leaves: its name (`description`, `extra.customer_type`,
/// `endpoints`...), the redacted text and what was replaced in it.
#[derive(Debug, Clone)]
pub struct RedactedField {
    /// The field's name, as validation problems name it.
    pub field: String,
    /// Its text as it leaves.
    pub text: String,
    /// What the redactor replaced in it.
    pub found: Found,
}

/// Calls `visit(field, text)` for every free-text field of `request` (contact, problem, scope,
/// the priority override reason, extra fields, evidence notes), in a stable order.
pub fn visit_texts(request: &mut Request, visit: &mut dyn FnMut(&str, &mut String)) {
    let contact = &mut request.contact;
    visit("company", &mut contact.company);
    visit("contact_name", &mut contact.name);
    visit("email", &mut contact.email);
    visit("phone", &mut contact.phone);
    visit("contact_id", &mut contact.contact_id);
    let problem = &mut request.problem;
    visit("subject", &mut problem.subject);
    visit("description", &mut problem.description);
    visit("operation_requested", &mut problem.operation_requested);
    visit("expected_result", &mut problem.expected_result);
    visit("actual_result", &mut problem.actual_result);
    visit("steps_to_reproduce", &mut problem.steps_to_reproduce);
    visit("troubleshooting_done", &mut problem.troubleshooting_done);
    visit("error_messages", &mut problem.error_messages);
    visit("started_at", &mut problem.started_at);
    visit("versions", &mut request.scope.versions);
    for endpoint in &mut request.scope.endpoints {
        visit("endpoints", &mut endpoint.hostname);
        visit("endpoints", &mut endpoint.ip);
        visit("endpoints", &mut endpoint.os);
        visit("endpoints", &mut endpoint.agent_version);
    }
    visit("override_reason", &mut request.impact.override_reason);
    for (id, value) in &mut request.extra {
        visit(&format!("extra.{id}"), value);
    }
    for item in &mut request.evidence {
        visit("evidence", &mut item.note);
    }
}

/// Every free-text field of `request` as one text, a field per line block, for the name-learning
/// pass (so a host named only in the description is learned like one named in a log).
pub fn request_text(request: &Request) -> String {
    let mut copy = request.clone();
    let mut text = String::new();
    visit_texts(&mut copy, &mut |_, value| {
        text.push_str(value);
        text.push('\n');
    });
    text
}

/// The request as it leaves the machine: every text field redacted with `redactor` (none when
/// the user turned redaction off), each evidence item named by `entry_of` (its place in the
/// bundle, never a local path), and the `[redaction]` table left out. Also returns each
/// non-empty field with what was replaced in it, in [`visit_texts`] order.
pub fn outgoing_request(
    request: &Request,
    redactor: Option<&Redactor>,
    entry_of: &dyn Fn(&EvidenceItem) -> String,
) -> (Request, Vec<RedactedField>) {
    let mut out = request.clone();
    out.redaction = Default::default();
    for item in &mut out.evidence {
        item.path = entry_of(item);
    }
    let mut fields = Vec::new();
    visit_texts(&mut out, &mut |field, value| {
        if value.trim().is_empty() {
            return;
        }
        let mut found = Found::default();
        if let Some(redactor) = redactor {
            *value = redactor.redact_text(value, &mut found);
        }
        fields.push(RedactedField {
            field: field.to_owned(),
            text: value.clone(),
            found,
        });
    });
    (out, fields)
}

/// The request as pretty JSON (the draft's own schema, `schema_version` included; render the
/// [`outgoing_request`], not the draft).
pub fn request_json(request: &Request) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(request).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The request as it leaves when no bundle goes with it: every field redacted by a redactor
/// made as a bundle's is (`names`, usually [`Names::from_system`](crate::redact::Names::from_system),
/// plus the names learned from the request's own text, its endpoints and its `[redaction]`
/// choices), evidence named by file name only, then leak-scanned like a bundle. Returns the
/// documents and what the leak scan found (not empty: do not send).
pub fn redacted_alone(
    request: &Request,
    profile: &Profile,
    key: &crate::redact::PseudonymKey,
    mut names: crate::redact::Names,
) -> (
    crate::evidence::collect::RequestDocs,
    Vec<crate::redact::Leak>,
) {
    use crate::evidence::collect::{RequestDocs, apply_redaction_choices, without_kept};
    let mut keep = std::collections::BTreeSet::new();
    apply_redaction_choices(request, &mut names, &mut keep);
    for endpoint in &request.scope.endpoints {
        if !endpoint.hostname.trim().is_empty() {
            names.hostnames.insert(endpoint.hostname.trim().to_owned());
        }
    }
    let mut learner = crate::redact::Learner::new();
    learner.feed(request_text(request).as_bytes());
    names.merge(learner.finish());
    let names = without_kept(names, &keep);
    let redactor = Redactor::with_kept(key, &names, &keep);
    let entry_of = |item: &EvidenceItem| {
        let file = std::path::Path::new(&item.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        redactor.redact_text(&file, &mut Found::default())
    };
    let (outgoing, fields) = outgoing_request(request, Some(&redactor), &entry_of);
    let mut found = Found::default();
    for field in fields {
        found.merge(field.found);
    }
    let docs = RequestDocs::render(&outgoing, profile, Some(&redactor));
    let scanner = crate::redact::LeakScanner::new(&names, &found.mapping, &found.secrets);
    let mut leaks = scanner.scan(&docs.json);
    leaks.extend(scanner.scan(docs.markdown.as_bytes()));
    (docs, leaks)
}

/// The request as Markdown, with the profile's own labels, in the order support reads it:
/// what is wrong, how bad, where, who, then what was already tried and what comes with it.
/// What leaves is [`request_markdown_redacted`] of the [`outgoing_request`], never the draft.
pub fn request_markdown(request: &Request, profile: &Profile) -> String {
    request_markdown_redacted(request, profile, None)
}

/// [`request_markdown`] with the words around the values (the profile's labels, the headings)
/// also passed through `redactor`, so that a word the user hides is gone from them too. The
/// values are taken as they are: render the [`outgoing_request`], whose fields are redacted.
pub fn request_markdown_redacted(
    request: &Request,
    profile: &Profile,
    redactor: Option<&Redactor>,
) -> String {
    let t = |text: &str| -> String {
        match redactor {
            Some(redactor) => redactor.redact_text(text, &mut Found::default()),
            None => text.to_owned(),
        }
    };
    let mut md = String::new();
    let label = |field: &str| t(&field_label(profile, field));
    let subject = if request.problem.subject.trim().is_empty() {
        "(no subject)"
    } else {
        request.problem.subject.trim()
    };
    let _ = writeln!(md, "# [{}] {}\n", request.case_code, one_line(subject));

    let tier = profile
        .tiers
        .iter()
        .find(|tier| tier.id == request.tier)
        .map_or(request.tier.clone(), |tier| t(&tier.label));
    let priority = profile
        .priorities
        .iter()
        .find(|p| p.id == request.impact.priority)
        .map_or(request.impact.priority.clone(), |p| {
            format!("{} ({})", t(&p.label), p.id)
        });
    let issue_type = profile
        .issue_types
        .iter()
        .find(|kind| kind.id == request.issue_type)
        .map(|kind| t(&kind.label));
    let mut facts = vec![
        ("Case code", request.case_code.clone()),
        ("Vendor", t(&profile.name)),
        (
            "Support tier",
            if tier.is_empty() { "-".into() } else { tier },
        ),
        (
            "Priority",
            if priority.is_empty() {
                "-".into()
            } else {
                priority
            },
        ),
    ];
    if let Some(issue_type) = issue_type {
        facts.push(("Issue type", issue_type));
    }
    for (name, value) in facts {
        let _ = writeln!(md, "- **{}:** {}", t(name), one_line(&value));
    }
    if !request.impact.override_reason.trim().is_empty() {
        let _ = writeln!(
            md,
            "- **{} {}:** {}",
            t("Priority chosen over the proposed"),
            request.impact.proposed_priority,
            one_line(&request.impact.override_reason)
        );
    }
    md.push('\n');

    let problem = &request.problem;
    for (field, value) in [
        ("description", &problem.description),
        ("operation_requested", &problem.operation_requested),
        ("expected_result", &problem.expected_result),
        ("actual_result", &problem.actual_result),
        ("error_messages", &problem.error_messages),
        ("steps_to_reproduce", &problem.steps_to_reproduce),
        ("troubleshooting_done", &problem.troubleshooting_done),
        ("started_at", &problem.started_at),
    ] {
        section(&mut md, &label(field), value);
    }

    let scope = &request.scope;
    if scope.environment.is_some() || !scope.endpoints.is_empty() || !scope.versions.is_empty() {
        md.push_str(&t("## Scope\n\n"));
        if let Some(environment) = &scope.environment {
            let _ = writeln!(md, "- **{}:** {environment}", label("environment"));
        }
        if !scope.versions.trim().is_empty() {
            let _ = writeln!(
                md,
                "- **{}:** {}",
                label("versions"),
                one_line(&scope.versions)
            );
        }
        if !scope.endpoints.is_empty() {
            md.push_str(&t(
                "\n| Hostname | IP | OS | Agent version |\n|---|---|---|---|\n",
            ));
            for endpoint in &scope.endpoints {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} |",
                    cell(&endpoint.hostname),
                    cell(&endpoint.ip),
                    cell(&endpoint.os),
                    cell(&endpoint.agent_version)
                );
            }
        }
        md.push('\n');
    }

    let contact = &request.contact;
    md.push_str(&t("## Contact\n\n"));
    for (field, value) in [
        ("contact_name", &contact.name),
        ("company", &contact.company),
        ("email", &contact.email),
        ("phone", &contact.phone),
        ("contact_id", &contact.contact_id),
    ] {
        if !value.trim().is_empty() {
            let _ = writeln!(md, "- **{}:** {}", label(field), one_line(value));
        }
    }
    for field in &profile.extra_fields {
        if let Some(value) = request
            .extra
            .get(&field.id)
            .filter(|v| !v.trim().is_empty())
        {
            let shown = field
                .choices
                .iter()
                .find(|c| &c.id == value)
                .map_or(value.clone(), |c| t(&c.label));
            let _ = writeln!(md, "- **{}:** {}", t(&field.label), one_line(&shown));
        }
    }
    md.push('\n');

    if let Some(kind) = profile
        .issue_types
        .iter()
        .find(|t| t.id == request.issue_type)
        && !kind.checklist.is_empty()
    {
        md.push_str(&t("## Checklist\n\n"));
        for item in &kind.checklist {
            let done = request.checklist_done.contains(&item.id);
            let _ = writeln!(
                md,
                "- [{}] {}",
                if done { "x" } else { " " },
                one_line(&t(&item.text))
            );
        }
        md.push('\n');
    }

    if !request.evidence.is_empty() {
        md.push_str(&t("## Evidence\n\n"));
        for item in &request.evidence {
            let name = profile
                .evidence
                .iter()
                .find(|e| e.id == item.evidence_id)
                .map_or(t(&item.evidence_id), |e| t(&e.label));
            let _ = write!(md, "- {}", one_line(&item.path));
            if !name.is_empty() {
                let _ = write!(md, " ({})", one_line(&name));
            }
            if !item.note.trim().is_empty() {
                let _ = write!(md, ": {}", one_line(&item.note));
            }
            md.push('\n');
        }
        md.push('\n');
    }
    md.push_str(&t("The attached bundle's `manifest.json` lists every collected file with its checksum, and what was left out and why.\n"));
    md
}

fn section(md: &mut String, title: &str, body: &str) {
    if body.trim().is_empty() {
        return;
    }
    let _ = writeln!(md, "## {title}\n\n{}\n", body.trim_end());
}

/// Newlines folded, for list items and headings.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    let text = one_line(text);
    if text.is_empty() {
        "-".into()
    } else {
        text.replace('|', "\\|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Catalog;
    use crate::request::{Endpoint, EvidenceItem};

    #[test]
    fn markdown_uses_the_profiles_labels_and_ticks_the_checklist() {
        let catalog = Catalog::load(None);
        let profile = &catalog.get("jetpatch").expect("built in").profile;
        let kind = profile
            .issue_types
            .iter()
            .find(|t| !t.checklist.is_empty())
            .expect("jetpatch has a checklist");
        let mut request = Request {
            case_code: "CF-TEST-0000".into(),
            profile: "jetpatch".into(),
            issue_type: kind.id.clone(),
            ..Request::default()
        };
        request.problem.subject = "Patching fails\non two hosts".into();
        request.problem.description = "Line one\nline two".into();
        request.checklist_done = vec![kind.checklist[0].id.clone()];
        request.scope.endpoints = vec![Endpoint {
            hostname: "wks|01".into(),
            ..Endpoint::default()
        }];
        request.evidence = vec![EvidenceItem {
            evidence_id: String::new(),
            path: "/tmp/a.log".into(),
            note: "the failure".into(),
        }];
        let md = request_markdown(&request, profile);
        assert!(
            md.starts_with("# [CF-TEST-0000] Patching fails on two hosts\n"),
            "{md}"
        );
        assert!(md.contains("Line one\nline two"), "{md}");
        assert!(
            md.contains(&format!("- [x] {}", one_line(&kind.checklist[0].text))),
            "{md}"
        );
        if let Some(second) = kind.checklist.get(1) {
            assert!(
                md.contains(&format!("- [ ] {}", one_line(&second.text))),
                "{md}"
            );
        }
        assert!(md.contains("| wks\\|01 | - | - | - |"), "{md}");
        assert!(md.contains("- /tmp/a.log: the failure"), "{md}");
    }

    #[test]
    fn json_is_the_draft_schema() {
        let request = Request {
            schema_version: 1,
            case_code: "CF-X".into(),
            ..Request::default()
        };
        let value: serde_json::Value =
            serde_json::from_slice(&request_json(&request)).expect("valid JSON");
        assert_eq!(value["schema_version"], 1);
        assert_eq!(value["case_code"], "CF-X");
    }
}
