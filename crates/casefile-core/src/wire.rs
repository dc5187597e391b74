//! The JSON contract shared by the CLI's `--json` output and the desktop's IPC commands.
//!
//! **API Boundary:** these types are a wire format (camelCase, stable field names). Everything
//! else in the core converts into them; the CLI and the desktop shell serialize only these.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::profile::{Catalog, LoadedProfile, ProfileError};
use crate::sla::{Sla, describe_escalation, describe_target};
use crate::validate::{Problem, Severity};

/// A profile as listed for choosing a vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    /// Profile id.
    pub id: String,
    /// Vendor name.
    pub name: String,
    /// Profile version.
    pub version: String,
    /// `built-in` or the file it was read from.
    pub origin: String,
    /// One paragraph about the vendor's support.
    pub description: String,
    /// Tiers in profile order.
    pub tiers: Vec<TierSummary>,
    /// Priorities, most severe first.
    pub priorities: Vec<PrioritySummary>,
    /// The support portal.
    pub portal_url: Option<String>,
}

/// A tier as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierSummary {
    /// Tier id.
    pub id: String,
    /// Tier name.
    pub label: String,
}

/// A priority as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrioritySummary {
    /// Priority id.
    pub id: String,
    /// Priority name.
    pub label: String,
}

/// A problem loading a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileProblem {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// The key path at fault.
    pub key: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl From<&ProfileError> for ProfileProblem {
    fn from(error: &ProfileError) -> Self {
        ProfileProblem {
            file: error.file.clone(),
            line: error.line,
            key: error.key.clone(),
            message: error.message.clone(),
        }
    }
}

/// Summarizes one loaded profile.
pub fn profile_summary(loaded: &LoadedProfile) -> ProfileSummary {
    let profile = &loaded.profile;
    ProfileSummary {
        id: profile.id.clone(),
        name: profile.name.clone(),
        version: profile.version.clone(),
        origin: loaded.origin.to_string(),
        description: profile.description.clone(),
        tiers: profile
            .tiers
            .iter()
            .map(|tier| TierSummary {
                id: tier.id.clone(),
                label: tier.label.clone(),
            })
            .collect(),
        priorities: profile
            .priorities
            .iter()
            .map(|priority| PrioritySummary {
                id: priority.id.clone(),
                label: priority.label.clone(),
            })
            .collect(),
        portal_url: profile.links.portal.clone(),
    }
}

/// Summarizes every profile of a catalog, in listing order.
pub fn profile_summaries(catalog: &Catalog) -> Vec<ProfileSummary> {
    catalog.profiles.iter().map(profile_summary).collect()
}

/// The problems met loading a catalog.
pub fn profile_problems(catalog: &Catalog) -> Vec<ProfileProblem> {
    catalog.problems.iter().map(ProfileProblem::from).collect()
}

/// Response targets as reported to people and programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaReport {
    /// Profile id.
    pub profile: String,
    /// Tier id.
    pub tier: String,
    /// Priority id.
    pub priority: String,
    /// Submission instant, RFC 3339 UTC.
    pub submitted: DateTime<Utc>,
    /// The calendar that covers the request.
    pub coverage: String,
    /// The vendor's time zone.
    pub vendor_time_zone: String,
    /// The time zone `text` fields use.
    pub display_time_zone: String,
    /// When the business clock starts, RFC 3339 UTC.
    pub clock_starts: DateTime<Utc>,
    /// Each target.
    pub targets: Vec<TargetReport>,
    /// Each escalation path.
    pub escalations: Vec<EscalationReport>,
    /// Rules to know before relying on the targets.
    pub notices: Vec<String>,
}

/// One target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetReport {
    /// Identifier (`acknowledgment`).
    pub name: String,
    /// Name for people.
    pub label: String,
    /// The target as the profile states it (`4 business hours`).
    pub within: String,
    /// When it is due, RFC 3339 UTC; `null` when the target has no instant.
    pub due: Option<DateTime<Utc>>,
    /// One line for people, in the display time zone.
    pub text: String,
}

/// One escalation path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EscalationReport {
    /// When escalating becomes allowed, RFC 3339 UTC, or `null`.
    pub allowed_from: Option<DateTime<Utc>>,
    /// The condition (`if the acknowledgment has not come by then`).
    pub condition: String,
    /// Who receives it.
    pub contacts: Vec<String>,
    /// How to escalate.
    pub how: String,
    /// One line for people, in the display time zone.
    pub text: String,
}

/// Builds the report of computed targets, with texts in `display` (the user's time zone).
pub fn sla_report(profile_id: &str, sla: &Sla, display: Tz) -> SlaReport {
    SlaReport {
        profile: profile_id.to_owned(),
        tier: sla.tier.clone(),
        priority: sla.priority.clone(),
        submitted: sla.submitted,
        coverage: sla.coverage.clone(),
        vendor_time_zone: sla.vendor_time_zone.name().to_owned(),
        display_time_zone: display.name().to_owned(),
        clock_starts: sla.clock_starts,
        targets: sla
            .targets
            .iter()
            .map(|target| TargetReport {
                name: target.name.clone(),
                label: target.label.clone(),
                within: target.within.to_string(),
                due: target.due,
                text: describe_target(target, display),
            })
            .collect(),
        escalations: sla
            .escalations
            .iter()
            .map(|escalation| EscalationReport {
                allowed_from: escalation.allowed_from,
                condition: escalation.condition.clone(),
                contacts: escalation.contacts.clone(),
                how: escalation.how.clone(),
                text: describe_escalation(escalation, display),
            })
            .collect(),
        notices: sla.notices.clone(),
    }
}

/// The outcome of validating a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// True when there is no error (warnings allowed).
    pub ok: bool,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Every problem, errors first.
    pub problems: Vec<ProblemReport>,
}

/// One validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemReport {
    /// The field at fault.
    pub field: String,
    /// `error` or `warning`.
    pub severity: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Builds a validation report.
pub fn validation_report(problems: &[Problem]) -> ValidationReport {
    let errors = problems
        .iter()
        .filter(|problem| problem.severity == Severity::Error)
        .count();
    ValidationReport {
        ok: errors == 0,
        errors,
        warnings: problems.len() - errors,
        problems: problems
            .iter()
            .map(|problem| ProblemReport {
                field: problem.field.clone(),
                severity: problem.severity.to_string(),
                message: problem.message.clone(),
            })
            .collect(),
    }
}

/// A delivery channel as listed for choosing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSummary {
    /// The channel's name (`folder`, `helpdesk`).
    pub name: String,
    /// `folder`, `smtp`, `rt`, `zendesk`, `freshdesk`, `jsm` or `webhook`.
    pub kind: String,
    /// Where it sends (a folder, an address, a URL).
    pub destination: String,
    /// The channel `submit` uses when none is named.
    pub default: bool,
    /// The name of the secret it needs, if any.
    pub secret: Option<String>,
    /// Where that secret was found; `null` when it is needed and set nowhere.
    pub secret_source: Option<crate::deliver::secret::SecretSource>,
}

/// An outbox item as reported to people and programs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItemReport {
    /// The item id (`CF-7K2M-9QXD.helpdesk`).
    pub id: String,
    /// The case code.
    pub case_code: String,
    /// The subject sent.
    pub subject: String,
    /// `queued`, `sending`, `sent`, `failed-retryable` or `failed`.
    pub state: String,
    /// The channel's name.
    pub channel: String,
    /// The channel's kind.
    pub kind: String,
    /// Where it goes.
    pub destination: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it entered the outbox.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When the next attempt is due, for an item waiting to be retried.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The files sent with it.
    pub attachments: Vec<AttachmentReport>,
    /// Everything that happened to it.
    pub history: Vec<crate::deliver::outbox::Event>,
    /// The receipt, once sent.
    pub receipt: Option<crate::deliver::receipt::Receipt>,
}

/// A file sent with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentReport {
    /// The file name the help desk sees.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Reports an outbox item; `profile` (the request's vendor profile, when installed) gives the
/// receipt its response targets, with texts in `display`.
pub fn outbox_item_report(
    item: &crate::deliver::outbox::Item,
    profile: Option<&crate::profile::schema::Profile>,
    display: Tz,
) -> OutboxItemReport {
    OutboxItemReport {
        id: item.id().to_owned(),
        case_code: item.submission.case_code.clone(),
        subject: item.submission.subject.clone(),
        state: item.state.as_str().to_owned(),
        channel: item.channel.clone(),
        kind: item.kind.clone(),
        destination: item.destination.clone(),
        attempts: item.attempts,
        created_at: item.created_at,
        updated_at: item.updated_at,
        next_attempt_at: item.next_attempt_at,
        last_error: item.last_error.clone(),
        attachments: item
            .submission
            .attachments
            .iter()
            .map(|attachment| AttachmentReport {
                name: attachment.name.clone(),
                size: attachment.size,
                sha256: attachment.sha256.clone(),
            })
            .collect(),
        history: item.history.clone(),
        receipt: crate::deliver::receipt::receipt(item, profile, display),
    }
}

/// The machine in a few lines for the phone (`casefile summary`, the app's phone mode).
pub use crate::evidence::summary::MachineSummary;

/// What a collection would take, before it runs: for the Evidence step's tick boxes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidencePreview {
    /// Each kind of the profile with its files.
    pub kinds: Vec<EvidenceKindPreview>,
    /// Files the user added.
    pub added: Vec<PlannedFile>,
    /// What was asked for but will not be collected, with why.
    pub skipped: Vec<SkippedReport>,
    /// Bytes to read, after each file's size cap.
    pub total_bytes: u64,
    /// A rough size of the zip: text logs compress to about a tenth.
    pub estimated_bundle_bytes: u64,
}

/// One evidence kind in a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceKindPreview {
    /// Evidence id.
    pub id: String,
    /// The vendor's name for it.
    pub label: String,
    /// What it is.
    pub description: String,
    /// The files and commands found for it here.
    pub files: Vec<PlannedFile>,
    /// Bytes to read for it.
    pub bytes: u64,
}

/// One planned file or command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedFile {
    /// The entry name in the bundle (before pseudonymization).
    pub entry: String,
    /// The path read, or the command run.
    pub source: String,
    /// Bytes to read (after the size cap); 0 for a command.
    pub size: u64,
    /// Last modified, when known.
    pub modified: Option<DateTime<Utc>>,
}

/// Something that will not be collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedReport {
    /// The path, glob or command.
    pub source: String,
    /// Why, as a code (`not-found`, `permission-denied`, `binary`, ...).
    pub reason: String,
    /// Detail for a person.
    pub detail: String,
}

/// The preview of `plan` for `profile`.
pub fn evidence_preview(
    plan: &crate::evidence::plan::Plan,
    profile: &crate::profile::schema::Profile,
) -> EvidencePreview {
    use crate::evidence::ItemSource;
    let file = |item: &crate::evidence::PlannedItem| PlannedFile {
        entry: item.entry.clone(),
        source: match &item.source {
            ItemSource::File { path, .. } => path.display().to_string(),
            ItemSource::Command(command) => command.argv.join(" "),
            ItemSource::Generated(_) => item.entry.clone(),
        },
        size: item.max_bytes.map_or(item.size, |cap| cap.min(item.size)),
        modified: item.modified.map(DateTime::<Utc>::from),
    };
    let kinds: Vec<EvidenceKindPreview> = profile
        .evidence
        .iter()
        .map(|evidence| {
            let files: Vec<PlannedFile> = plan
                .items
                .iter()
                .filter(|item| item.evidence_id.as_deref() == Some(evidence.id.as_str()))
                .map(file)
                .collect();
            EvidenceKindPreview {
                id: evidence.id.clone(),
                label: evidence.label.clone(),
                description: evidence.description.clone(),
                bytes: files.iter().map(|f| f.size).sum(),
                files,
            }
        })
        .collect();
    let added: Vec<PlannedFile> = plan
        .items
        .iter()
        .filter(|item| item.evidence_id.is_none())
        .map(file)
        .collect();
    let total_bytes: u64 =
        kinds.iter().map(|k| k.bytes).sum::<u64>() + added.iter().map(|f| f.size).sum::<u64>();
    EvidencePreview {
        skipped: plan.skipped.iter().map(skipped_report).collect(),
        kinds,
        added,
        total_bytes,
        estimated_bundle_bytes: total_bytes / 10 + 64 * 1024,
    }
}

/// The evidence the user chose at the Evidence step (kept beside the draft by
/// [`crate::drafts::save_selection`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceSelection {
    /// Evidence ids ticked; `None` for the default: the issue type's kinds, else every kind
    /// with sources on this OS.
    pub kinds: Option<Vec<String>>,
    /// Keep log records from this long ago on (`24h`, a collection code's window label) or from
    /// this instant (RFC 3339); `None` keeps everything.
    pub since: Option<String>,
    /// Add the support snapshot.
    pub snapshot: bool,
    /// Include binary files as they are.
    pub include_binary: bool,
}

/// What a collection code selects, for `profile`: its kinds (every kind of the profile when the
/// code names none), its window label, and its flags.
pub fn evidence_selection(
    selection: &crate::collection_code::Selection,
    profile: &crate::profile::schema::Profile,
) -> EvidenceSelection {
    let kinds = if selection.evidence.is_empty() {
        profile.evidence.iter().map(|e| e.id.clone()).collect()
    } else {
        selection.evidence.clone()
    };
    EvidenceSelection {
        kinds: Some(kinds),
        since: selection.window_label().map(str::to_owned),
        snapshot: selection.snapshot,
        include_binary: selection.include_binary,
    }
}

/// What a reopened draft had at the Evidence step: the selection and the last bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedEvidence {
    /// The selection last used; `None` when the user never changed the defaults.
    pub selection: Option<EvidenceSelection>,
    /// The last bundle built, while its file is still there unchanged.
    pub bundle: Option<BundleReport>,
    /// The bundle was built from the draft and selection as they are now.
    pub bundle_current: bool,
}

/// A bundle just built, for the Evidence step's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleReport {
    /// The bundle file.
    pub bundle: String,
    /// Its size.
    pub bundle_bytes: u64,
    /// Bytes read from the evidence, after size caps and the window.
    pub input_bytes: u64,
    /// The channel's largest attachment, when known (the budget the bundle was fitted to).
    pub limit: Option<u64>,
    /// Every entry.
    pub entries: Vec<BundleEntryReport>,
    /// What was asked for but left out, with why.
    pub skipped: Vec<SkippedReport>,
    /// Replacements per category over the whole bundle (`secret`, `email`, `ipv4`, ...).
    pub redactions: crate::redact::Counts,
    /// Originals the leak scan found in the finished bundle: not empty means do not send.
    pub leaks: Vec<LeakEntry>,
    /// The disclosure review, when the bundle was built with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<DisclosureReport>,
}

/// One entry of a built bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntryReport {
    /// The entry name.
    pub name: String,
    /// The evidence kind it belongs to, if any.
    pub evidence: Option<String>,
    /// Bytes stored (after redaction, before compression).
    pub size: u64,
    /// Replacements made in it.
    pub redactions: u64,
    /// Whether part of it was left out (size cap, window, budget).
    pub truncated: bool,
}

/// An original the leak scan found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeakEntry {
    /// The entry it is in.
    pub entry: String,
    /// What was found (secrets masked).
    pub what: String,
}

/// Reports a collection's outcome; `limit` is the channel's largest attachment, when known.
pub fn bundle_report(
    outcome: &crate::evidence::collect::Outcome,
    limit: Option<u64>,
) -> BundleReport {
    BundleReport {
        bundle: outcome.bundle.display().to_string(),
        bundle_bytes: outcome.bundle_bytes,
        input_bytes: outcome.input_bytes,
        limit,
        entries: outcome
            .entries
            .iter()
            .map(|entry| BundleEntryReport {
                name: entry.name.clone(),
                evidence: entry.evidence.clone(),
                size: entry.size,
                redactions: entry.redactions.total(),
                truncated: !entry.truncated.is_empty(),
            })
            .collect(),
        skipped: outcome.skipped.iter().map(skipped_report).collect(),
        redactions: outcome.redactions.clone(),
        leaks: outcome
            .leaks
            .iter()
            .map(|leak| LeakEntry {
                entry: leak.entry.clone(),
                what: leak.what.clone(),
            })
            .collect(),
        disclosure: outcome.disclosure.clone(),
    }
}

/// Everything that leaves with a request and how it is redacted: the disclosure review
/// (`casefile disclose`, `bundle --show-disclosure`, the desktop's Review step).
///
/// The request's fields are what `request.md`, `request.json` and the ticket or e-mail body
/// carry (the body is `request.md`); bundle entries are the evidence, the snapshot and
/// `manifest.json`; `(entry names)` is the names of the entries themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisclosureReport {
    /// The request's case code, when the bundle carries a request.
    pub case_code: Option<String>,
    /// Whether anything was redacted (false: `--no-redact`, everything leaves as collected).
    pub redacted: bool,
    /// Every identifier that leaves pseudonymised or kept, most frequent first.
    pub identifiers: Vec<DisclosedIdentifier>,
    /// Every kind of secret removed, with where; never a value.
    pub secrets: Vec<DisclosedSecret>,
    /// Entries that go in as they are, because they cannot be redacted (binary files).
    pub unredacted: Vec<UnredactedEntry>,
    /// Sent as they are so the help desk knows who asks: the contact's name and e-mail.
    pub requester: Vec<String>,
    /// The draft's names to keep (`[redaction] keep`).
    pub keep: Vec<String>,
    /// The draft's words to hide (`[redaction] hide`).
    pub hide: Vec<String>,
    /// Words from the request (company, contact, endpoints) not hidden yet, to offer as words to
    /// hide.
    pub suggested_hide: Vec<String>,
    /// Every entry the leak scan read back (the request files and the manifest included).
    pub scanned_entries: usize,
    /// Originals the leak scan found: not empty means do not send.
    pub leaks: Vec<LeakEntry>,
}

/// One identifier that leaves: pseudonymised (with its pseudonym) or kept as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisclosedIdentifier {
    /// `hostname`, `username`, `email`, `ipv4`, `ipv6`, `mac` or `keyword`.
    pub category: String,
    /// The original, as found (shown only on this machine).
    pub original: String,
    /// What the vendor reads instead; `None` when kept.
    pub pseudonym: Option<String>,
    /// The user keeps it: the vendor reads the original.
    pub kept: bool,
    /// Occurrences in everything that leaves.
    pub count: u64,
    /// Where it occurs.
    pub places: Vec<DisclosurePlace>,
}

/// Where something occurs, and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisclosurePlace {
    /// `field` (a request field, such as `description` or `extra.customer_type`) or `entry` (a
    /// bundle entry, such as `attachments/app.log`, or `(entry names)`).
    pub kind: String,
    /// The field or entry.
    pub name: String,
    /// Occurrences there.
    pub count: u64,
}

/// One kind of secret removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisclosedSecret {
    /// The kind (`password`, `jwt`, `private-key`, `secret-value`…).
    pub kind: String,
    /// How many were removed.
    pub count: u64,
    /// Where they were.
    pub places: Vec<DisclosurePlace>,
}

/// An entry that leaves without redaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnredactedEntry {
    /// The entry.
    pub entry: String,
    /// Why it is not redacted.
    pub reason: String,
}

/// One replacement in a redaction preview's text, to highlight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewSpan {
    /// Offset of the first byte in the preview's text (UTF-8 bytes).
    pub start: usize,
    /// Offset just past the last byte.
    pub end: usize,
    /// `secret`, `email`, `ipv4`, `ipv6`, `mac`, `hostname`, `username` or `keyword`.
    pub category: String,
    /// For a secret, its kind.
    pub kind: Option<String>,
    /// The original is shown because the user keeps it.
    pub kept: bool,
}

fn skipped_report(skipped: &crate::evidence::Skipped) -> SkippedReport {
    SkippedReport {
        source: skipped.source.clone(),
        reason: serde_json::to_value(skipped.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        detail: skipped.detail.clone(),
    }
}

/// A file as the bundle would show it, redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedactionPreview {
    /// The file.
    pub file: String,
    /// Its first 64 KiB, redacted.
    pub text: String,
    /// Whether the file is longer than what is shown.
    pub truncated: bool,
    /// Replacements per category in what is shown.
    pub redactions: crate::redact::Counts,
}

/// A file as the bundle will show it, redacted by exactly the bundle's rules (see
/// [`crate::redact::preview_with`]), with every replacement's place to highlight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HighlightedPreview {
    /// The file.
    pub file: String,
    /// Its start, redacted.
    pub text: String,
    /// Whether the file is longer than what is shown.
    pub truncated: bool,
    /// Replacements per category in what is shown.
    pub redactions: crate::redact::Counts,
    /// Where each replacement (or kept original) is in `text`.
    pub spans: Vec<PreviewSpan>,
}

/// The preview of `file` for the desktop, from [`crate::redact::preview_with`].
pub fn highlighted_preview(
    file: &std::path::Path,
    preview: crate::redact::FilePreview,
) -> HighlightedPreview {
    HighlightedPreview {
        file: file.display().to_string(),
        text: preview.text,
        truncated: preview.truncated,
        redactions: preview.counts,
        spans: preview
            .spans
            .into_iter()
            .map(|span| PreviewSpan {
                start: span.start,
                end: span.end,
                category: span.category.as_str().to_owned(),
                kind: span.kind.map(str::to_owned),
                kept: span.kept,
            })
            .collect(),
    }
}

/// A draft as listed on the Drafts screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftSummary {
    /// The draft file.
    pub path: String,
    /// The case code (from the file, or its name when the file cannot be read).
    pub case_code: String,
    /// Profile id; empty when the file cannot be read.
    pub profile: String,
    /// The profile's vendor name; the profile id when no such profile is loaded.
    pub vendor: String,
    /// The subject so far.
    pub subject: String,
    /// The wizard step the user was at, 1 to 7.
    pub step: u8,
    /// When the draft was last saved, RFC 3339 UTC.
    pub updated_at: DateTime<Utc>,
    /// Number of validation errors.
    pub errors: usize,
    /// Why the draft cannot be opened (`FILE:LINE:COLUMN: message`), or `null` when it can.
    pub problem: Option<String>,
}

/// Everything the wizard shows for one draft, recomputed after every save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    /// The draft file.
    pub path: String,
    /// The wizard step the user was at, 1 to 7.
    pub step: u8,
    /// The request, in the draft file's own (snake_case) structure.
    pub request: crate::request::Request,
    /// The profile's vendor name.
    pub vendor: String,
    /// The seven steps, numbered 1 to 7.
    pub steps: Vec<StepSpec>,
    /// Every validation problem, errors first.
    pub problems: Vec<ProblemReport>,
    /// The profile's tiers, in profile order.
    pub tiers: Vec<TierOption>,
    /// The profile's issue types, in profile order; empty when it has none.
    pub issue_types: Vec<IssueTypeOption>,
    /// The priority scale, most severe first.
    pub priorities: Vec<PriorityOption>,
    /// The priority the questionnaire proposes.
    pub proposal: PriorityProposal,
    /// The profile's rules that apply to the request now.
    pub notices: Vec<Notice>,
    /// Response targets if the request were sent now, texts in the user's time zone.
    pub sla: Option<SlaReport>,
    /// Why there is no response-target preview, when there is none.
    pub sla_problem: Option<String>,
    /// The free-text fields holding a pasted log (each also has a warning): the desktop offers
    /// to move each into an attachment.
    #[serde(default)]
    pub pasted_logs: Vec<String>,
}

/// Which wizard step a [`StepSpec`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    /// 1, Vendor and contact.
    Contact,
    /// 2, Problem.
    Problem,
    /// 3, Scope.
    Scope,
    /// 4, Impact and priority.
    Impact,
    /// 5, Evidence.
    Evidence,
    /// 6, Review.
    Review,
    /// 7, Send.
    Send,
}

/// One wizard step and the fields it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepSpec {
    /// 1 to 7, the number a phone agent names.
    pub number: u8,
    /// Which step.
    pub id: StepId,
    /// The step's title.
    pub title: String,
    /// The fields the step shows, in order.
    pub fields: Vec<FieldSpec>,
    /// Validation errors on this step's fields.
    pub errors: usize,
    /// Validation warnings on this step's fields.
    pub warnings: usize,
}

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Multiline,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// One of `choices`.
    Choice,
    /// A date.
    Date,
    /// A number.
    Number,
    /// A web address.
    Url,
}

/// One field of a wizard step, as the vendor's profile describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSpec {
    /// The validation field name (`contact_name`, `extra.customer_type`), as in [`ProblemReport`].
    pub id: String,
    /// Dotted path into the request (`contact.name`, `impact.priority`, `extra.customer_type`).
    pub path: String,
    /// The vendor's label.
    pub label: String,
    /// The vendor's help, if any.
    pub help: Option<String>,
    /// Whether the field must be filled.
    pub required: bool,
    /// How it is edited.
    pub kind: FieldKind,
    /// The choices, for `choice` fields; empty otherwise.
    pub choices: Vec<ChoiceOption>,
}

/// One choice of a choice field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceOption {
    /// Stored value.
    pub id: String,
    /// Shown value.
    pub label: String,
}

/// A tier as offered in the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierOption {
    /// Tier id.
    pub id: String,
    /// Tier name.
    pub label: String,
    /// False when the tier cannot file support requests.
    pub supported: bool,
    /// The vendor's explanation when the tier is not supported.
    pub message: Option<String>,
    /// Anything else to know about the tier.
    pub note: Option<String>,
}

/// An issue type as offered in the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueTypeOption {
    /// Issue type id.
    pub id: String,
    /// The vendor's name for it.
    pub label: String,
    /// When to choose it.
    pub description: String,
    /// Steps to go through first, ticked in `request.checklist_done`.
    pub checklist: Vec<ChecklistOption>,
    /// Evidence ids the vendor requires.
    pub required_evidence: Vec<String>,
    /// Evidence ids the vendor asks for when possible.
    pub optional_evidence: Vec<String>,
}

/// One checklist step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChecklistOption {
    /// Step id, recorded when ticked.
    pub id: String,
    /// The step, in the vendor's words.
    pub text: String,
}

/// A priority level with the vendor's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityOption {
    /// Priority id.
    pub id: String,
    /// Priority name.
    pub label: String,
    /// The vendor's definition.
    pub definition: String,
}

/// The priority the questionnaire proposes, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityProposal {
    /// The proposed priority id; `null` until the answers say enough.
    pub priority: Option<String>,
    /// Why, one phrase each (`production is down`, `capped at 2: ...`).
    pub reasons: Vec<String>,
    /// The cap that applies to the request, if any.
    pub cap: Option<CapInfo>,
}

/// A priority cap that applies to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapInfo {
    /// The most severe priority allowed.
    pub max_priority: String,
    /// The vendor's explanation.
    pub message: String,
}

/// What kind of rule a [`Notice`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Call support before sending.
    PhoneFirst,
    /// A priority cap applies.
    Cap,
    /// The customer may not be eligible for support.
    Eligibility,
    /// The request reads like consulting.
    Scope,
    /// The chosen tier cannot file requests.
    Tier,
    /// Search the vendor's knowledge base first.
    KnowledgeBase,
}

/// A profile rule that applies to the request now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// Which kind of rule.
    pub kind: NoticeKind,
    /// The profile's words.
    pub message: String,
    /// For `phone_first`: the number to call first.
    pub phone: Option<String>,
    /// The field it concerns, when one does.
    pub field: Option<String>,
}

/// The Settings screen's view of the configuration, the data folders and the pseudonym key,
/// plus what its forms offer (the channel kinds with their fields, the profiles with tiers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The configuration file.
    pub config_file: String,
    /// Whether it exists yet (it is made by the first change).
    pub config_exists: bool,
    /// Why the file cannot be read (file, line and what to fix); the defaults and channels
    /// are then empty and nothing can be changed until the file is fixed.
    pub config_problem: Option<String>,
    /// The folder of user vendor profiles.
    pub profiles_dir: String,
    /// The data folder and its parts.
    pub data: DataLocations,
    /// The defaults as set in the file; `null` when not set.
    pub defaults: SettingsDefaults,
    /// Every channel, the built-in folder channel included.
    pub channels: Vec<ChannelSettings>,
    /// The pseudonym key.
    pub key: KeyInfo,
    /// The channel kinds the forms offer, with their fields.
    pub kinds: Vec<ChannelKindSpec>,
    /// Every profile id with its tiers, for the default profile and tier choices.
    pub profiles: Vec<ProfileTiers>,
    /// Problems met while building the view (a keychain that cannot be asked).
    pub problems: Vec<String>,
}

/// Where Casefile keeps its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataLocations {
    /// The data folder.
    pub data_dir: String,
    /// Drafts.
    pub drafts: String,
    /// The outbox.
    pub outbox: String,
    /// Bundles built by the app.
    pub bundles: String,
    /// Screenshots added as evidence.
    pub screenshots: String,
}

/// The defaults of `config.toml`; `None` is "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDefaults {
    /// `default_profile`: the profile new requests start with.
    pub default_profile: Option<String>,
    /// `default_tier`: a tier of that profile.
    pub default_tier: Option<String>,
    /// `time_zone`: the IANA zone times are shown in, instead of the system's.
    pub time_zone: Option<String>,
    /// `[delivery] default_channel`: the channel a request goes through unless another is chosen.
    pub default_channel: Option<String>,
}

/// One channel as the Settings screen edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSettings {
    /// The channel's name.
    pub name: String,
    /// Its kind (`rt`).
    pub kind: String,
    /// Where it sends.
    pub destination: String,
    /// The form's fields as text, by field name (lists joined with `, `); unset ones are absent.
    pub values: std::collections::BTreeMap<String, String>,
    /// Keys in the file the form does not edit (priority maps, custom fields); kept on save.
    pub other_keys: Vec<String>,
    /// The secret it needs, if any.
    pub secret: Option<String>,
    /// Where that secret is found; `null` when it is needed and set nowhere.
    pub secret_source: Option<crate::deliver::secret::SecretSource>,
    /// The environment variable that would hold the secret.
    pub secret_env: Option<String>,
    /// Whether it is the default channel.
    pub default: bool,
    /// True for the built-in folder channel that has no `[channels.folder]` table.
    pub built_in: bool,
}

/// The pseudonym key as the Settings screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    /// The key file.
    pub file: String,
    /// Whether it exists yet (the first bundle or export makes it).
    pub exists: bool,
    /// Its fingerprint, safe to share; `null` when there is no key yet.
    pub fingerprint: Option<String>,
    /// Why the key file cannot be read, if it cannot.
    pub problem: Option<String>,
}

/// A channel kind and the fields its form shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelKindSpec {
    /// The kind as written (`smtp`).
    pub kind: String,
    /// Its name for people.
    pub label: String,
    /// One sentence on what it does.
    pub description: String,
    /// The fields, in form order.
    pub fields: Vec<ChannelFieldSpec>,
}

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldInput {
    /// Free text.
    Text,
    /// An `https://` URL.
    Url,
    /// A whole number.
    Number,
    /// On or off.
    Checkbox,
    /// One of `options`.
    Select,
    /// Comma-separated values.
    List,
    /// A file or folder path.
    Path,
    /// A size such as `20 MB`.
    Size,
    /// A duration such as `60 seconds`.
    Duration,
}

/// One field of a channel kind's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelFieldSpec {
    /// The key in `config.toml`.
    pub name: String,
    /// Its label.
    pub label: String,
    /// What it means, its default, an example.
    pub help: String,
    /// Whether the channel needs it.
    pub required: bool,
    /// How it is entered.
    pub input: FieldInput,
    /// The choices of a `select`.
    pub options: Vec<String>,
    /// True for the field that names the secret (the value goes to the keychain, never here).
    pub secret_name: bool,
}

/// A profile with its tiers, for choosing defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileTiers {
    /// Profile id.
    pub id: String,
    /// Vendor name.
    pub name: String,
    /// Its tiers in profile order.
    pub tiers: Vec<TierSummary>,
}

/// The pseudonym key's export, for carrying to another machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyExport {
    /// `casefile-key-v1:` and 64 hex digits. Keep it secret.
    pub line: String,
    /// The key's fingerprint.
    pub fingerprint: String,
}

/// A channel that answered a check (logged in and read; nothing created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelCheck {
    /// The channel.
    pub channel: String,
    /// Its kind.
    pub kind: String,
    /// What the check found (`RT 5.0.3 at ..., queue Support, authenticated as ada`).
    pub detail: String,
}

/// The profile and tier a new request starts with (from the configuration, when still valid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftDefaults {
    /// The profile id; `null` when the configuration sets none (the user chooses).
    pub profile: Option<String>,
    /// The tier id; `null` to choose it in the wizard.
    pub tier: Option<String>,
}

pub use crate::evidence::screenshot::BlackOut;
pub use crate::evidence::screenshot::capture::WindowInfo;

/// What `capture_screenshot` captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CaptureTarget {
    /// The whole screen.
    Screen,
    /// One window, by its id from `list_windows`.
    Window {
        /// The window's id.
        id: u32,
    },
}

/// A capture or a picked image waiting for the user to black out regions and accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingScreenshot {
    /// The pending item's id (random; only the store's own ids are accepted back).
    pub id: String,
    /// A proposed name: the picked file's or the window's, or `screen`.
    pub name: String,
    /// Width in pixels, after the EXIF orientation (the space black-out boxes are in).
    pub width: u32,
    /// Height in pixels, after the EXIF orientation.
    pub height: u32,
    /// The image as it will be cleaned (oriented, no metadata), `data:image/png;base64,...`.
    pub data_url: String,
    /// Metadata the original carries that cleaning drops.
    pub stripped: Vec<String>,
}

/// A screenshot cleaned and written: where, its size, what was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedScreenshot {
    /// The cleaned PNG.
    pub path: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Metadata found and dropped (`EXIF (GPS position, camera)`, `PNG text chunks`...).
    pub stripped: Vec<String>,
    /// How many black-out boxes were applied.
    pub boxes: usize,
}

impl SavedScreenshot {
    /// The report for a cleaned image written to `path`.
    pub fn new(path: &std::path::Path, cleaned: &crate::evidence::screenshot::Cleaned) -> Self {
        SavedScreenshot {
            path: path.display().to_string(),
            width: cleaned.width,
            height: cleaned.height,
            stripped: cleaned.stripped.clone(),
            boxes: cleaned.boxes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::plan::{PlanRequest, plan};
    use crate::evidence::resolve::Env;
    use crate::profile::schema::Os;

    #[test]
    fn the_evidence_preview_groups_files_by_kind_and_lists_what_is_missing() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("var/log")).expect("mkdir");
        std::fs::write(root.path().join("var/log/jcagent.log"), vec![b'a'; 5000]).expect("log");
        let added = root.path().join("notes.txt");
        std::fs::write(&added, "hello").expect("notes");
        let catalog = Catalog::load(None);
        let profile = &catalog.get("jumpcloud").expect("jumpcloud").profile;
        let env = Env::under_root(Os::Linux, root.path());
        let planned = plan(
            &PlanRequest {
                profile,
                env: &env,
                evidence: None,
                add: std::slice::from_ref(&added),
                screenshots: &[],
                include_binary: false,
                own_folders: &[],
            },
            &std::sync::atomic::AtomicBool::new(false),
        );
        let preview = evidence_preview(&planned, profile);
        let agent = preview
            .kinds
            .iter()
            .find(|kind| kind.id == "jcagent-log")
            .expect("the agent log kind");
        assert_eq!(agent.bytes, 5000);
        assert!(agent.files[0].source.ends_with("jcagent.log"));
        assert_eq!(preview.added.len(), 1);
        assert_eq!(preview.total_bytes, 5005);
        assert!(
            preview.skipped.iter().any(|s| s.reason == "not-found"),
            "{:?}",
            preview.skipped
        );
    }
}
