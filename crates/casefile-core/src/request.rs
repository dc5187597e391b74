//! The support request: every field a customer fills in, as it is saved in a draft.
//!
//! The field names here are the names validation problems and profile `fields` rules use
//! (`subject`, `contact_id`, `extra.customer_type`...); see [`FIELD_NAMES`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::profile::schema::UsersAffected;

/// The draft schema version this build writes, and the newest it reads. Version 2 added the
/// optional `[redaction]` table; a version 1 draft (without it) reads unchanged.
pub const DRAFT_SCHEMA_VERSION: u32 = 2;

/// The oldest draft schema version this build reads.
pub const OLDEST_DRAFT_SCHEMA_VERSION: u32 = 1;

/// The core request fields a profile may require, hide or relabel, in the order they are asked.
pub const FIELD_NAMES: &[&str] = &[
    "company",
    "contact_name",
    "email",
    "phone",
    "contact_id",
    "tier",
    "subject",
    "description",
    "operation_requested",
    "expected_result",
    "actual_result",
    "steps_to_reproduce",
    "troubleshooting_done",
    "error_messages",
    "started_at",
    "environment",
    "endpoints",
    "versions",
    "issue_type",
    "priority",
    "evidence",
];

/// Fields no profile may hide: without them a request cannot be answered.
pub const CORE_FIELDS: &[&str] = &[
    "contact_name",
    "email",
    "tier",
    "subject",
    "description",
    "priority",
];

/// A support request, complete or not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Must equal [`DRAFT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The case code that names this request everywhere (`CF-7K2M-9QXD`).
    pub case_code: String,
    /// The vendor profile id.
    pub profile: String,
    /// The support tier id.
    #[serde(default)]
    pub tier: String,
    /// The issue type id, if the profile defines issue types.
    #[serde(default)]
    pub issue_type: String,
    /// Who is asking.
    #[serde(default)]
    pub contact: Contact,
    /// What is wrong.
    #[serde(default)]
    pub problem: Problem,
    /// Where it is wrong.
    #[serde(default)]
    pub scope: Scope,
    /// How bad it is.
    #[serde(default)]
    pub impact: Impact,
    /// Ids of the issue type's checklist items the user has gone through.
    #[serde(default)]
    pub checklist_done: Vec<String>,
    /// Files and collected items that go with the request.
    #[serde(default)]
    pub evidence: Vec<EvidenceItem>,
    /// Values of the profile's extra fields, by field id.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    /// The user's redaction choices for this request (schema version 2); never sent.
    #[serde(default, skip_serializing_if = "Redaction::is_empty")]
    pub redaction: Redaction,
}

/// The user's redaction choices, applied to everything that leaves with the request (the
/// request text, the ticket body and the bundle): names the vendor may see, and words to hide.
///
/// ```toml
/// [redaction]
/// keep = ["build-srv-07"]   # left as it is everywhere, though it would be pseudonymised
/// hide = ["Project Falcon"] # replaced by a word-… pseudonym everywhere, like --keyword
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redaction {
    /// Host names, user names, e-mail, IP or MAC addresses the vendor may see as they are.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Words to replace wherever they appear, as `word-<8 hex>` pseudonyms.
    #[serde(default)]
    pub hide: Vec<String>,
}

impl Redaction {
    /// Whether nothing is chosen (the table is then left out of the draft).
    pub fn is_empty(&self) -> bool {
        self.keep.iter().all(|k| k.trim().is_empty())
            && self.hide.iter().all(|h| h.trim().is_empty())
    }
}

/// Who is asking.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Company name.
    #[serde(default)]
    pub company: String,
    /// Contact person.
    #[serde(default)]
    pub name: String,
    /// E-mail address.
    #[serde(default)]
    pub email: String,
    /// Phone number.
    #[serde(default)]
    pub phone: String,
    /// Named-contact id or support PIN.
    #[serde(default)]
    pub contact_id: String,
}

/// What is wrong.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// One line.
    #[serde(default)]
    pub subject: String,
    /// The details.
    #[serde(default)]
    pub description: String,
    /// The operation the user asked the product to do.
    #[serde(default)]
    pub operation_requested: String,
    /// What should have happened.
    #[serde(default)]
    pub expected_result: String,
    /// What happened instead.
    #[serde(default)]
    pub actual_result: String,
    /// How to make it happen again.
    #[serde(default)]
    pub steps_to_reproduce: String,
    /// What the user already tried.
    #[serde(default)]
    pub troubleshooting_done: String,
    /// Error messages, verbatim.
    #[serde(default)]
    pub error_messages: String,
    /// When it started, as the user says it.
    #[serde(default)]
    pub started_at: String,
}

/// Where the problem is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The kind of system affected.
    #[serde(default)]
    pub environment: Option<Environment>,
    /// The machines affected.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// Patches, versions or builds involved.
    #[serde(default)]
    pub versions: String,
}

/// The kind of system a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A production system.
    Production,
    /// A development or test system.
    Development,
    /// A proof of concept or evaluation.
    Poc,
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Production => "production",
            Environment::Development => "development",
            Environment::Poc => "proof of concept",
        })
    }
}

/// An affected machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Host name.
    #[serde(default)]
    pub hostname: String,
    /// IP address.
    #[serde(default)]
    pub ip: String,
    /// Operating system and version.
    #[serde(default)]
    pub os: String,
    /// The vendor agent's version on it.
    #[serde(default)]
    pub agent_version: String,
}

/// How bad the problem is, and the priority chosen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Impact {
    /// The questionnaire's answers.
    #[serde(default)]
    pub answers: ImpactAnswers,
    /// The priority id the questionnaire proposed, recorded when the user chose another.
    #[serde(default)]
    pub proposed_priority: String,
    /// The priority id chosen.
    #[serde(default)]
    pub priority: String,
    /// Why the user chose a priority other than the proposed one.
    #[serde(default)]
    pub override_reason: String,
}

/// Answers to the impact questionnaire; `None` is not answered yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactAnswers {
    /// Is production down?
    #[serde(default)]
    pub production_down: Option<bool>,
    /// Is data lost or corrupted?
    #[serde(default)]
    pub data_loss: Option<bool>,
    /// Is there a workaround?
    #[serde(default)]
    pub workaround: Option<bool>,
    /// How many users are affected?
    #[serde(default)]
    pub users_affected: Option<UsersAffected>,
    /// Is this a question, a cosmetic issue or an enhancement request?
    #[serde(default)]
    pub question_only: Option<bool>,
}

/// A file or collected item that goes with the request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceItem {
    /// The profile's evidence id this item provides, if any (`manager-logs`).
    #[serde(default)]
    pub evidence_id: String,
    /// Path of the file or folder.
    pub path: String,
    /// What it shows.
    #[serde(default)]
    pub note: String,
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn a_version_2_draft_reads_its_redaction_table_and_a_version_1_draft_still_reads() {
        let version_2 = "schema_version = 2\ncase_code = \"CF-0000-0000\"\nprofile = \"generic\"\n\n[redaction]\nkeep = [\"build-srv-07\"]\nhide = [\"Project Falcon\"]\n";
        let request = crate::draft::from_toml(version_2, Path::new("d.toml")).expect("v2");
        assert_eq!(request.redaction.keep, vec!["build-srv-07".to_owned()]);
        assert_eq!(request.redaction.hide, vec!["Project Falcon".to_owned()]);
        let text = crate::draft::to_toml(&request).expect("toml");
        assert!(text.contains("[redaction]"), "{text}");

        let version_1 = "schema_version = 1\ncase_code = \"CF-0000-0000\"\nprofile = \"generic\"\n";
        let request = crate::draft::from_toml(version_1, Path::new("d.toml")).expect("v1");
        assert!(request.redaction.is_empty());
        let text = crate::draft::to_toml(&request).expect("toml");
        assert!(
            !text.contains("redaction"),
            "an empty table is left out: {text}"
        );

        let newer = "schema_version = 3\ncase_code = \"CF-0000-0000\"\nprofile = \"generic\"\n";
        let error = crate::draft::from_toml(newer, Path::new("d.toml")).expect_err("v3");
        assert!(error.to_string().contains("update Casefile"), "{error}");
    }
}
