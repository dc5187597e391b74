//! The commented draft template `casefile new` writes: every field, with the profile's labels,
//! help, choices and definitions in comments, ready to fill in and read back as a [`Request`].
//!
//! [`Request`]: crate::request::Request

use std::fmt::Write as _;

use crate::profile::schema::{ExtraFieldKind, Profile};
use crate::request::DRAFT_SCHEMA_VERSION;
use crate::validate::{field_label, is_required};

/// Renders a new, empty draft for `profile` with its case code, pre-set tier (may be empty).
pub fn draft_template(profile: &Profile, case_code: &str, tier: &str) -> String {
    let mut out = String::new();
    let quote = |text: &str| toml::Value::String(text.to_owned()).to_string();
    let field = |out: &mut String, name: &str, key: &str, value: &str| {
        if profile.fields.get(name).and_then(|rule| rule.hidden) == Some(true) {
            return;
        }
        let requirement = if is_required(profile, name) {
            "required"
        } else {
            "optional"
        };
        let _ = write!(out, "# {} ({requirement})", field_label(profile, name));
        if let Some(help) = profile
            .fields
            .get(name)
            .and_then(|rule| rule.help.as_deref())
        {
            let _ = write!(out, ": {help}");
        }
        let _ = writeln!(out, "\n{key} = {}", quote(value));
    };

    let _ = writeln!(
        out,
        "# Casefile support request draft for {} (profile {} {}).",
        profile.name, profile.id, profile.version
    );
    let _ = writeln!(
        out,
        "# Fill in the fields, then check it with `casefile validate FILE`. Multi-line text goes"
    );
    let _ = writeln!(
        out,
        "# between triple quotes: description = \"\"\"...\"\"\"."
    );
    let _ = writeln!(out, "schema_version = {DRAFT_SCHEMA_VERSION}");
    let _ = writeln!(
        out,
        "# Read this code to support on the phone; it names this request everywhere."
    );
    let _ = writeln!(out, "case_code = {}", quote(case_code));
    let _ = writeln!(out, "profile = {}", quote(&profile.id));
    let _ = writeln!(out, "# Support tier (required), one of:");
    for tier in &profile.tiers {
        let support = if tier.supported {
            String::new()
        } else {
            " (knowledge base only: cannot file requests)".to_owned()
        };
        let _ = writeln!(out, "#   {:<12} {}{support}", tier.id, tier.label);
    }
    let _ = writeln!(out, "tier = {}", quote(tier));
    if !profile.issue_types.is_empty() {
        let _ = writeln!(out, "# Issue type (required), one of:");
        for issue_type in &profile.issue_types {
            let _ = writeln!(
                out,
                "#   {:<18} {}: {}",
                issue_type.id, issue_type.label, issue_type.description
            );
            for (number, item) in issue_type.checklist.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "#   {:<18}   checklist step {} ({}): {}",
                    "",
                    number + 1,
                    item.id,
                    item.text
                );
            }
        }
        let _ = writeln!(out, "issue_type = \"\"");
        let _ = writeln!(
            out,
            "# Ids of the checklist steps you have gone through, e.g. [\"endpoint-readiness\"]."
        );
        let _ = writeln!(out, "checklist_done = []");
    }

    let _ = writeln!(out, "\n[contact]");
    field(&mut out, "company", "company", "");
    field(&mut out, "contact_name", "name", "");
    field(&mut out, "email", "email", "");
    field(&mut out, "phone", "phone", "");
    field(&mut out, "contact_id", "contact_id", "");

    let _ = writeln!(out, "\n[problem]");
    for name in [
        "subject",
        "description",
        "operation_requested",
        "expected_result",
        "actual_result",
        "steps_to_reproduce",
        "troubleshooting_done",
        "error_messages",
        "started_at",
    ] {
        field(&mut out, name, name, "");
    }

    let _ = writeln!(out, "\n[scope]");
    if profile
        .fields
        .get("environment")
        .and_then(|rule| rule.hidden)
        != Some(true)
    {
        let requirement = if is_required(profile, "environment") {
            "required"
        } else {
            "optional"
        };
        let _ = writeln!(
            out,
            "# Environment ({requirement}): \"production\", \"development\" or \"poc\"."
        );
        let _ = writeln!(out, "# environment = \"production\"");
    }
    field(&mut out, "versions", "versions", "");
    let _ = writeln!(
        out,
        "# {}: one [[scope.endpoints]] table per affected machine:",
        field_label(profile, "endpoints")
    );
    let _ = writeln!(
        out,
        "# [[scope.endpoints]]\n# hostname = \"web-01\"\n# ip = \"192.0.2.10\"\n# os = \"Ubuntu 24.04\"\n# agent_version = \"1.2.3\""
    );

    let _ = writeln!(out, "\n[impact]");
    let _ = writeln!(
        out,
        "# Priority (required), on {}'s scale, most severe first:",
        profile.name
    );
    for priority in &profile.priorities {
        let _ = writeln!(
            out,
            "#   {:<3} {}: {}",
            priority.id, priority.label, priority.definition
        );
    }
    let _ = writeln!(out, "priority = \"\"");
    let _ = writeln!(
        out,
        "# If you chose another priority than the questionnaire proposed, say why."
    );
    let _ = writeln!(out, "override_reason = \"\"");
    let _ = writeln!(out, "\n[impact.answers]");
    let _ = writeln!(
        out,
        "# Questionnaire (true/false; users_affected: \"none\", \"one\", \"some\" or \"most\"):"
    );
    let _ = writeln!(
        out,
        "# production_down = false\n# data_loss = false\n# workaround = true\n# users_affected = \"some\"\n# question_only = false"
    );

    if !profile.extra_fields.is_empty() {
        let _ = writeln!(out, "\n[extra]");
        for extra in &profile.extra_fields {
            let requirement = if extra.required {
                "required"
            } else {
                "optional"
            };
            let _ = write!(out, "# {} ({requirement})", extra.label);
            if let Some(help) = &extra.help {
                let _ = write!(out, ": {help}");
            }
            let _ = writeln!(out);
            if extra.kind == ExtraFieldKind::Choice {
                for choice in &extra.choices {
                    let _ = writeln!(out, "#   {:<18} {}", choice.id, choice.label);
                }
            }
            let _ = writeln!(out, "{} = \"\"", extra.id);
        }
    }

    let _ = writeln!(
        out,
        "\n# Evidence: one [[evidence]] table per file; evidence_id says which of the vendor's requests it answers."
    );
    for evidence in &profile.evidence {
        let _ = writeln!(out, "#   {:<18} {}", evidence.id, evidence.label);
    }
    let _ = writeln!(
        out,
        "# [[evidence]]\n# evidence_id = \"\"\n# path = \"/path/to/file\"\n# note = \"\""
    );
    let _ = writeln!(
        out,
        "\n# Redaction (optional). Everything that leaves (this request, the ticket and the bundle) is\n\
         # redacted alike: secrets removed, host and user names, addresses and e-mail pseudonymised.\n\
         # keep: names the vendor may see as they are, everywhere; hide: words to replace everywhere.\n\
         # `casefile disclose --draft FILE` lists what leaves and how.\n\
         # [redaction]\n# keep = [\"build-srv-07\"]\n# hide = [\"Project Falcon\"]"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::from_toml;
    use crate::profile::Catalog;

    #[test]
    fn every_builtin_template_reads_back_as_an_empty_request_with_its_code() {
        let catalog = Catalog::load(None);
        for loaded in &catalog.profiles {
            let text = draft_template(&loaded.profile, "CF-0000-0000", "standard");
            let request = from_toml(&text, std::path::Path::new("template.toml"))
                .unwrap_or_else(|error| panic!("{}: {error}\n{text}", loaded.profile.id));
            assert_eq!(request.profile, loaded.profile.id);
            assert_eq!(request.case_code, "CF-0000-0000");
            assert_eq!(request.tier, "standard");
            assert!(request.problem.subject.is_empty());
            assert!(text.contains("# [redaction]\n# keep = ["), "{text}");
            let uncommented = text.replace("# [redaction]\n# keep", "[redaction]\nkeep");
            let uncommented = uncommented.replace("# hide = [", "hide = [");
            let request = from_toml(&uncommented, std::path::Path::new("template.toml"))
                .unwrap_or_else(|error| panic!("{}: {error}", loaded.profile.id));
            assert_eq!(request.redaction.keep, vec!["build-srv-07".to_owned()]);
            assert_eq!(request.redaction.hide, vec!["Project Falcon".to_owned()]);
        }
    }
}
