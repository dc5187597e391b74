//! The collection run: plan, run commands, take the snapshot, learn names, then stream every
//! item through redaction and compression into the bundle, and read it back for leaks.
//!
//! The write is a three-stage pipeline with constant memory. One reader thread walks the items
//! in entry order, decodes text in another encoding to UTF-8 ([`super::encoding`]), cuts each
//! into line-aligned chunks (to the incident window, the size cap and the budget, counted in
//! UTF-8 bytes), and hands them out; worker threads redact and deflate chunks in parallel (an
//! image comes as one piece and is re-encoded without its metadata, or left out); the
//! calling thread writes them to the zip in order and hashes them. A fixed number of tickets
//! bounds the chunks in flight, so memory does not grow with the size of the evidence.
//!
//! Nothing is written to `out` until the bundle is complete: it is built in a temporary file
//! beside it and renamed, so a cancelled or failed run leaves no half-written bundle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use flate2::read::MultiGzDecoder;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::encoding::{DecodeReader, Encoding, ImageKind, Sniffed};
use super::plan::{OwnFolder, Plan, PlanRequest};
use super::resolve::Env;
use super::window::{Window, WindowFilter};
use super::{FileIdentity, ItemSource, PlannedItem, SkipReason, Skipped, command, plan, snapshot};
use crate::bundle::deflate::{Chunk, deflate_chunk_into};
use crate::bundle::read::ZipReader;
use crate::bundle::zip::{EntryOptions, Method, ZipWriter};
use crate::profile::schema::Profile;
use crate::redact::{
    Category, Counts, Found, Leak, LeakScanner, Names, Part, PseudonymKey, Redactor,
    private_key_state_after,
};

/// Input bytes per chunk: the unit of parallel redaction and compression.
pub const CHUNK: usize = 2 << 20;
/// A line longer than [`CHUNK`] keeps only this many bytes.
const LONG_LINE_KEEP: usize = 64 << 10;
/// The deflate level when none is asked for. Chosen by measurement (`make bench`,
/// `examples/redact_throughput.rs`): on log trees zlib-rs at level 3 compresses about 1.5x
/// faster than at 6 and its bundle is still about 6% smaller than Info-ZIP's `zip -6`; level 2
/// is barely smaller than Info-ZIP and level 1 is a third larger.
pub const DEFAULT_LEVEL: u32 = 3;
/// The manifest's schema version.
pub const MANIFEST_SCHEMA_VERSION: u32 = 1;
/// Budget passes before giving up on fitting.
const MAX_PASSES: u32 = 5;

/// What to collect and how.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Evidence ids to collect; `None` for every kind with sources for the OS.
    pub evidence: Option<Vec<String>>,
    /// Files and folders the user adds, taken as given (not under the root).
    pub add: Vec<PathBuf>,
    /// Screenshots the user adds, as `screenshots/NAME`.
    pub screenshots: Vec<PathBuf>,
    /// The incident window.
    pub window: Window,
    /// The largest bundle allowed, in bytes.
    pub budget: Option<u64>,
    /// Redact (the default). Without it, nothing is pseudonymized or removed.
    pub redact: bool,
    /// Names to replace besides the ones learned (custom keywords, the request's hostnames).
    pub names: Names,
    /// Include binary files as they are (not redacted) instead of skipping them.
    pub include_binary: bool,
    /// Files in `add` attached for evidence kinds the profile requires (path to kind id), set by
    /// [`CollectOptions::for_draft`]: a binary one goes in as it is, named in the manifest as not
    /// redacted, even without `include_binary` (the vendor asks for it: agent binaries, a
    /// product's support snapshot `.zip`).
    pub required_binaries: BTreeMap<PathBuf, String>,
    /// Add the support snapshot.
    pub snapshot: bool,
    /// Deflate level, 1 to 9.
    pub level: u32,
    /// Worker threads; 0 for one per core.
    pub threads: usize,
    /// The draft whose request the bundle carries: redacted with the bundle's redactor and
    /// written as `request.md` and `request.json`.
    pub request: Option<DraftRequest>,
    /// Identifiers the vendor may see as they are, everywhere (a draft's `[redaction] keep`, the
    /// contact's e-mail address).
    pub keep: BTreeSet<String>,
    /// Also work out the disclosure review ([`Outcome::disclosure`]): what leaves, with counts
    /// and places. It reads the bundle back once more while the leak scan does.
    pub disclosure: bool,
    /// Casefile's data folder (pseudonym key, mapping, drafts, outbox): never collected, and
    /// the key is a leak-scan needle.
    pub data_dir: Option<PathBuf>,
    /// Casefile's configuration: the config file (`config.toml`, with the channels) and the
    /// user-profiles folder, or the folder holding both: never collected.
    pub config_paths: Vec<PathBuf>,
    /// When to stop gathering: files not read by then are left out (listed as skipped), the file
    /// being read is cut at a line end (its truncation says so), and the bundle is still
    /// redacted, checked and written. Generated entries (the request, the snapshot) always go in.
    pub deadline: Option<Instant>,
}

/// A draft's request and the folder its relative evidence paths start from.
#[derive(Debug, Clone)]
pub struct DraftRequest {
    /// The request as the user wrote it.
    pub request: crate::request::Request,
    /// The draft's folder.
    pub folder: PathBuf,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            evidence: None,
            add: Vec::new(),
            screenshots: Vec::new(),
            window: Window {
                since: None,
                until: None,
                zone: chrono_tz::UTC,
            },
            budget: None,
            redact: true,
            names: Names::default(),
            include_binary: false,
            required_binaries: BTreeMap::new(),
            snapshot: true,
            level: DEFAULT_LEVEL,
            threads: 0,
            request: None,
            keep: BTreeSet::new(),
            disclosure: false,
            data_dir: None,
            config_paths: Vec::new(),
            deadline: None,
        }
    }
}

impl CollectOptions {
    /// Options for what the user chose at the Evidence step: the ticked kinds (`None` leaves the
    /// default), the window (a label such as `24h` counted back from `now`, or an RFC 3339
    /// instant; times without an offset are read in `zone`, which is also the window's zone),
    /// the snapshot and binary flags. The rest keeps its defaults: redacted, [`DEFAULT_LEVEL`].
    pub fn for_selection(
        selection: &crate::wire::EvidenceSelection,
        now: DateTime<Utc>,
        zone: chrono_tz::Tz,
    ) -> Result<CollectOptions, String> {
        let since = match selection.since.as_deref().map(str::trim) {
            None | Some("") => None,
            // A window label (`24h`) is a duration `parse_time` reads too.
            Some(text) => Some(
                super::window::parse_time(text, now, &zone)
                    .map_err(|message| format!("since: {message}"))?,
            ),
        };
        Ok(CollectOptions {
            evidence: selection.kinds.clone(),
            window: Window {
                since,
                until: None,
                zone,
            },
            include_binary: selection.include_binary,
            snapshot: selection.snapshot,
            ..CollectOptions::default()
        })
    }

    /// Makes these options pack `request` (a draft in `draft_dir`): the issue type's evidence
    /// kinds unless kinds were chosen, the files the draft lists (relative to `draft_dir`), the
    /// endpoints' host names to pseudonymize, the draft's `[redaction]` choices (words to hide,
    /// names to keep; the contact's e-mail address is kept too, since the vendor answers it), and
    /// the request, redacted by the run, as `request.md` and `request.json`.
    /// A listed file that does not exist is an error naming it; nothing is collected then.
    pub fn for_draft(
        &mut self,
        request: &crate::request::Request,
        profile: &Profile,
        draft_dir: &Path,
    ) -> Result<(), String> {
        if self.evidence.is_none()
            && let Some(kind) = profile
                .issue_types
                .iter()
                .find(|t| t.id == request.issue_type)
        {
            let ids: Vec<String> = kind
                .required_evidence
                .iter()
                .chain(&kind.optional_evidence)
                .cloned()
                .collect();
            if !ids.is_empty() {
                self.evidence = Some(ids);
            }
        }
        for item in &request.evidence {
            if item.path.trim().is_empty() {
                continue;
            }
            let path = draft_dir.join(&item.path);
            if std::fs::symlink_metadata(&path).is_err() {
                return Err(format!(
                    "evidence path {:?} does not exist; fix the path or remove the item",
                    item.path
                ));
            }
            if item.evidence_id == super::plan::SCREENSHOT_ID {
                self.screenshots.push(path);
            } else {
                let required = profile
                    .issue_types
                    .iter()
                    .find(|t| t.id == request.issue_type)
                    .is_some_and(|kind| kind.required_evidence.contains(&item.evidence_id));
                if required {
                    self.required_binaries
                        .insert(path.clone(), item.evidence_id.clone());
                }
                self.add.push(path);
            }
        }
        for endpoint in &request.scope.endpoints {
            if !endpoint.hostname.trim().is_empty() {
                self.names
                    .hostnames
                    .insert(endpoint.hostname.trim().to_owned());
            }
        }
        apply_redaction_choices(request, &mut self.names, &mut self.keep);
        self.request = Some(DraftRequest {
            request: request.clone(),
            folder: draft_dir.to_path_buf(),
        });
        Ok(())
    }
}

/// Adds a draft's `[redaction]` choices to a run's names and kept identifiers: words to hide
/// become keywords; names to keep, and the contact's e-mail address, are kept.
pub fn apply_redaction_choices(
    request: &crate::request::Request,
    names: &mut Names,
    keep: &mut BTreeSet<String>,
) {
    names.keywords.extend(
        request
            .redaction
            .hide
            .iter()
            .map(|word| word.trim())
            .filter(|word| !word.is_empty())
            .map(str::to_owned),
    );
    keep.extend(
        request
            .redaction
            .keep
            .iter()
            .chain(std::iter::once(&request.contact.email))
            .map(|name| name.trim())
            .filter(|name| !name.is_empty())
            .map(str::to_owned),
    );
}

/// `names` without the identifiers in `keep` (compared case-insensitively), for the redactor
/// and the leak scan: a kept name is neither replaced nor reported as a leak.
pub fn without_kept(mut names: Names, keep: &BTreeSet<String>) -> Names {
    if keep.is_empty() {
        return names;
    }
    let kept: BTreeSet<String> = keep.iter().map(|k| k.trim().to_lowercase()).collect();
    for set in [
        &mut names.hostnames,
        &mut names.usernames,
        &mut names.unix_usernames,
        &mut names.domains,
        &mut names.keywords,
    ] {
        set.retain(|name| !kept.contains(&name.trim().to_lowercase()));
    }
    names
}

/// The request as it leaves: its two documents, its subject and its case code, all redacted.
#[derive(Debug, Clone)]
pub struct RequestDocs {
    /// The case code, recorded in the manifest.
    pub case_code: String,
    /// The subject as it leaves (redacted), without the case code.
    pub subject: String,
    /// `request.json`.
    pub json: Vec<u8>,
    /// `request.md`: also the ticket or e-mail body.
    pub markdown: String,
}

impl RequestDocs {
    /// The documents of `outgoing`, a request as it leaves ([`crate::render::outgoing_request`]
    /// with `redactor`, which also passes over the profile's labels in `request.md`).
    pub fn render(
        outgoing: &crate::request::Request,
        profile: &Profile,
        redactor: Option<&Redactor>,
    ) -> RequestDocs {
        RequestDocs {
            case_code: outgoing.case_code.clone(),
            subject: outgoing.problem.subject.trim().to_owned(),
            json: crate::render::request_json(outgoing),
            markdown: crate::render::request_markdown_redacted(outgoing, profile, redactor),
        }
    }

    /// The request documents a bundle holds (`request.json` and `request.md`, exactly the bytes
    /// that were leak-scanned), or `None` for a bundle without a request. A redacted bundle whose
    /// manifest says its request was not (made before the request was redacted) is an error:
    /// its text must not become a ticket.
    pub fn from_bundle(bundle: &Path) -> io::Result<Option<RequestDocs>> {
        let mut reader = ZipReader::new(File::open(bundle)?)?;
        let mut read = |name: &str| -> io::Result<Option<Vec<u8>>> {
            let Some(index) = reader.find(name) else {
                return Ok(None);
            };
            let mut bytes = Vec::new();
            reader.open(index)?.read_to_end(&mut bytes)?;
            Ok(Some(bytes))
        };
        let (Some(json), Some(markdown)) = (read("request.json")?, read("request.md")?) else {
            return Ok(None);
        };
        let manifest: serde_json::Value = match read("manifest.json")? {
            Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            None => serde_json::Value::Null,
        };
        let redacting = manifest["redaction"]["enabled"].as_bool() == Some(true);
        let request_redacted = manifest["entries"].as_array().is_some_and(|entries| {
            entries
                .iter()
                .any(|e| e["name"] == "request.md" && e["redacted"] == true)
        });
        if redacting && !request_redacted {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the request in this bundle was not redacted (it was made by an older Casefile); build the bundle again from the draft",
            ));
        }
        let request: crate::request::Request = serde_json::from_slice(&json).map_err(|error| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("request.json in the bundle is not a request: {error}"),
            )
        })?;
        Ok(Some(RequestDocs {
            case_code: request.case_code,
            subject: request.problem.subject.trim().to_owned(),
            json,
            markdown: String::from_utf8_lossy(&markdown).into_owned(),
        }))
    }
}

/// Where a run happens.
pub struct CollectContext<'a> {
    /// The vendor profile whose sources are collected.
    pub profile: &'a Profile,
    /// The machine (or mounted disk) and its users.
    pub env: &'a Env,
    /// The pseudonym key; required when redacting.
    pub key: Option<&'a PseudonymKey>,
    /// Where the local pseudonym mapping is kept (merged), if anywhere.
    pub mapping_path: Option<&'a Path>,
}

/// A phase of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Resolving sources.
    Plan,
    /// Running commands and taking the snapshot.
    Commands,
    /// Reading the evidence once to learn host and user names.
    Learn,
    /// Writing the bundle.
    Write,
    /// Writing it again, trimmed to the budget.
    Trim,
    /// Reading the bundle back for leaks.
    Verify,
    /// Finished.
    Done,
}

/// Where a run stands: sent often while it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// Items finished in this phase.
    pub items_done: usize,
    /// Items in this phase.
    pub items_total: usize,
    /// Input bytes finished in this phase.
    pub bytes_done: u64,
    /// Input bytes in this phase (an estimate for compressed logs).
    pub bytes_total: u64,
    /// The item being worked on (its entry name, pseudonymized when redacting).
    pub current: String,
}

/// Why a run failed. Partial collections are not failures: see [`Outcome::skipped`].
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The user cancelled; nothing was written.
    #[error("cancelled: no bundle was written")]
    Cancelled,
    /// The bundle cannot be written.
    #[error("{path}: cannot write the bundle: {source}")]
    Write {
        /// The bundle or its temporary file.
        path: PathBuf,
        /// Detail.
        source: io::Error,
    },
    /// The bundle cannot be read back for the leak scan.
    #[error("{path}: cannot read the bundle back to check it: {source}")]
    Verify {
        /// The bundle's temporary file.
        path: PathBuf,
        /// Detail.
        source: io::Error,
    },
    /// Redaction was asked for without a key.
    #[error("no pseudonym key: create one with `casefile key import` or let casefile create it")]
    NoKey,
    /// What cannot be trimmed is already over the budget.
    #[error(
        "the budget of {budget} bytes is too small: the request, snapshot and manifest alone need about {needed} bytes; raise --budget or leave the snapshot out"
    )]
    BudgetTooSmall {
        /// The budget.
        budget: u64,
        /// What the untrimmable entries need.
        needed: u64,
    },
    /// Nothing to collect at all.
    #[error("nothing to collect: {0}")]
    Empty(String),
}

/// What a run produced.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The bundle written.
    pub bundle: PathBuf,
    /// Its size.
    pub bundle_bytes: u64,
    /// Bytes read from the evidence (decompressed), after size caps and the window.
    pub input_bytes: u64,
    /// Every entry, as in the manifest.
    pub entries: Vec<ManifestEntry>,
    /// Everything asked for but left out, with the reason.
    pub skipped: Vec<Skipped>,
    /// Replacements per category over the whole bundle.
    pub redactions: Counts,
    /// Known originals found in the finished bundle: empty when redaction held.
    pub leaks: Vec<LeakReport>,
    /// Entries the leak scan read back (all of them), or 0 when it had nothing to look for
    /// (nothing was redacted) or redaction was off.
    pub scanned_entries: usize,
    /// How many times the bundle was written (more than one when trimmed to the budget).
    pub passes: u32,
    /// The local mapping file, when one was kept.
    pub mapping: Option<PathBuf>,
    /// The key's fingerprint, when redacting.
    pub key_fingerprint: Option<String>,
    /// The disclosure review, when [`CollectOptions::disclosure`] asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<crate::wire::DisclosureReport>,
    /// What the user should know although the bundle is good (the mapping could not be
    /// saved, so `casefile translate` cannot read this bundle's pseudonyms back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Where the time went, stage by stage (wall-clock seconds).
    pub stages: StageTimes,
}

/// Wall-clock seconds per stage of a run: planning and running commands (`prepare`), learning
/// names, writing the bundle (reading, redacting, compressing; every pass when trimmed to a
/// budget) and reading it back for leaks (`verify`).
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageTimes {
    /// Planning, commands and the support snapshot.
    pub prepare: f64,
    /// Learning names from the evidence.
    pub learn: f64,
    /// Reading, redacting, compressing and writing.
    pub write: f64,
    /// The read-back leak scan.
    pub verify: f64,
}

/// Seconds since `start`, to the millisecond.
fn seconds_since(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// A known original found in the finished bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeakReport {
    /// The entry it was found in.
    pub entry: String,
    /// What kind of original.
    pub category: Category,
    /// The original (secrets masked).
    pub what: String,
    /// Offset in the entry's content.
    pub offset: u64,
}

/// One entry of the bundle, as recorded in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntry {
    /// The entry name.
    pub name: String,
    /// Where it came from (pseudonymized when redacting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The profile's evidence id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// Bytes in the bundle (uncompressed).
    pub size: u64,
    /// Bytes in the bundle (compressed).
    pub compressed_size: u64,
    /// The source's own size, when known (decompressed size for `.gz` logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_size: Option<u64>,
    /// SHA-256 of the entry's content, lowercase hex.
    pub sha256: String,
    /// Whether the content went through redaction.
    pub redacted: bool,
    /// A binary file attached for evidence the profile requires, stored as it is: the
    /// disclosure review lists it as not redactable.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required_binary: bool,
    /// Why the content was not redacted, when it was kept anyway (a required binary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Replacements in this entry.
    pub redactions: Counts,
    /// Everything cut from it, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub truncated: Vec<Truncation>,
    /// How the content was converted on the way in: text decoded to UTF-8, an image re-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converted: Option<Conversion>,
    /// The source's modification time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<DateTime<Utc>>,
    /// Secrets removed from it, per kind, for the disclosure review (not in the manifest).
    #[serde(skip)]
    pub secret_kinds: BTreeMap<&'static str, u64>,
}

/// A conversion of an entry's content: text in another encoding stored as UTF-8
/// (`{"from": "utf-16le", "to": "utf-8"}`), or an image re-encoded from its pixels as a PNG with
/// its metadata dropped (`{"from": "jpeg", "to": "png", "dropped": ["EXIF (GPS, camera)"]}`).
/// The entry keeps its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversion {
    /// The source's encoding ([`Encoding::name`]) or image format ([`ImageKind::name`]).
    pub from: String,
    /// What the entry holds: `utf-8` or `png`.
    pub to: String,
    /// For images, the metadata found and dropped, as the screenshot editor names it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
}

impl Conversion {
    /// Text decoded from `encoding` to UTF-8; `None` for UTF-8 itself.
    fn text(encoding: Encoding) -> Option<Conversion> {
        encoding.needs_decoding().then(|| Conversion {
            from: encoding.name().to_owned(),
            to: "utf-8".to_owned(),
            dropped: Vec::new(),
        })
    }
}

/// Something cut from an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Truncation {
    /// Why.
    pub reason: TruncationReason,
    /// Bytes removed.
    pub bytes_removed: u64,
    /// Detail for a person.
    pub detail: String,
}

/// Why part of an entry was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TruncationReason {
    /// The source's size cap: the oldest part was left out.
    SizeCap,
    /// The bundle's size budget: the oldest part was left out.
    Budget,
    /// Lines outside the incident window.
    Window,
    /// Lines longer than the chunk size were cut.
    LongLines,
    /// The file changed size while it was read.
    ChangedWhileRead,
    /// A read error ended the file early.
    ReadError,
    /// The command's output was over its cap, or it timed out.
    Command,
    /// The collection's deadline came while the file was read: the rest was left out.
    Deadline,
}

/// The bundle's `manifest.json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// [`MANIFEST_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `casefile` and its version.
    pub tool: Tool,
    /// When the bundle was made.
    pub created_at: DateTime<Utc>,
    /// The request's case code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_code: Option<String>,
    /// The profile and its version.
    pub profile: ProfileRef,
    /// The OS whose sources were collected.
    pub os: String,
    /// Whether this machine was collected (`false` for a mounted disk or container).
    pub live: bool,
    /// The endpoint's (pseudonymized) hostname, naming its folder when bundles are merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The incident window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowRecord>,
    /// Redaction settings and totals.
    pub redaction: RedactionRecord,
    /// The size budget, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<u64>,
    /// Every entry but this manifest, in bundle order.
    pub entries: Vec<ManifestEntry>,
    /// Everything left out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// The tool that made a bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// `casefile`.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
}

/// A profile by id and version.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileRef {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
}

/// The window as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct WindowRecord {
    /// Start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// End.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// Redaction as recorded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedactionRecord {
    /// Whether text was redacted.
    pub enabled: bool,
    /// The key's fingerprint: bundles with the same one have agreeing pseudonyms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    /// Replacements per category.
    pub counts: Counts,
}

/// How an item's bytes are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Text: windowed (for logs), redacted, deflated.
    Text { windowed: bool },
    /// Written by the user or already safe: deflated as is (the request).
    Verbatim,
    /// Kept byte for byte and stored (binaries the user included).
    Store,
    /// An image: decoded and re-encoded as a PNG without metadata by a worker, then stored.
    Image(ImageKind),
}

impl Mode {
    /// Whether the entry is stored in the zip rather than deflated.
    fn stored(self) -> bool {
        matches!(self, Mode::Store | Mode::Image(_))
    }
}

/// Where an item's bytes come from, after commands have run.
#[derive(Debug, Clone)]
enum Content {
    /// A file; decompressed when `gzip`, then decoded from `encoding` to UTF-8.
    File {
        path: PathBuf,
        gzip: bool,
        encoding: Encoding,
        /// The planned file's identity, checked when it is opened.
        identity: Option<FileIdentity>,
    },
    Bytes(Arc<Vec<u8>>),
}

/// One entry to write.
#[derive(Debug, Clone)]
struct Work {
    entry: String,
    source: Option<String>,
    evidence: Option<String>,
    content: Content,
    mode: Mode,
    max_bytes: Option<u64>,
    budget_keep: Option<u64>,
    modified: Option<SystemTime>,
    trimmable: bool,
    /// Cuts known before reading (command output caps).
    notes: Vec<Truncation>,
    /// The text conversion, known before reading (images are converted by a worker).
    converted: Option<Conversion>,
    /// Stored as it is: a binary attached for evidence the profile requires.
    required_binary: bool,
}

/// What the reader learned about an item while reading it.
#[derive(Debug, Default)]
struct ReadInfo {
    original_size: Option<u64>,
    truncated: Vec<Truncation>,
    /// An image's re-encoding, set by the worker that cleaned it.
    converted: Option<Conversion>,
}

enum Job {
    Chunk {
        seq: u64,
        item: usize,
        data: Vec<u8>,
        pem: bool,
        last: Option<ReadInfo>,
    },
    Skip {
        seq: u64,
        item: usize,
        reason: SkipReason,
        detail: String,
    },
}

// Only a few are in flight at a time; boxing would cost an allocation per chunk.
#[allow(clippy::large_enum_variant)]
enum Done {
    Chunk {
        seq: u64,
        item: usize,
        plain: Vec<u8>,
        chunk: Chunk,
        input_len: usize,
        found: Found,
        last: Option<ReadInfo>,
    },
    Skip {
        seq: u64,
        item: usize,
        reason: SkipReason,
        detail: String,
    },
}

impl Done {
    fn seq(&self) -> u64 {
        match self {
            Done::Chunk { seq, .. } | Done::Skip { seq, .. } => *seq,
        }
    }
}

/// Recycled chunk buffers: a fresh 2 MiB allocation is mapped from the OS and costs a page
/// fault for every 4 KiB, which showed as a fifth of the run's time before buffers were reused.
#[derive(Default)]
struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    fn get(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_default()
    }

    fn put(&self, mut buffer: Vec<u8>) {
        if buffer.capacity() == 0 || buffer.capacity() > 4 * CHUNK {
            return;
        }
        buffer.clear();
        if let Ok(mut free) = self.0.lock()
            && free.len() < 12
        {
            free.push(buffer);
        }
    }
}

/// Per-entry result of one write pass, for the budget.
#[derive(Debug, Clone, Copy, Default)]
struct Written {
    input: u64,
    compressed: u64,
}

/// Collects evidence into a bundle at `out`.
pub fn collect(
    context: &CollectContext<'_>,
    options: &CollectOptions,
    out: &Path,
    progress: &(dyn Fn(&Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<Outcome, CollectError> {
    match run(context, options, Some(out), progress, cancel)? {
        Ran::Bundle(outcome) => Ok(*outcome),
        Ran::Rules(_) => Err(CollectError::Write {
            path: out.to_path_buf(),
            source: io::Error::other("the run stopped before writing"),
        }),
    }
}

/// The redaction rules a bundle with `options` would use, without writing it: the same plan,
/// commands, snapshot and name-learning pass over the whole selection and the request, the
/// draft's words to hide and names to keep, and the request as it would leave. Redaction
/// previews use them so that they show exactly what the bundle will hold.
pub fn redaction_rules(
    context: &CollectContext<'_>,
    options: &CollectOptions,
    progress: &(dyn Fn(&Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<RedactionRules, CollectError> {
    match run(context, options, None, progress, cancel)? {
        Ran::Rules(rules) => Ok(*rules),
        Ran::Bundle(_) => Err(CollectError::Empty("no rules were made".into())),
    }
}

/// The names a run replaces and the identifiers it keeps: see [`redaction_rules`].
#[derive(Debug, Clone, Default)]
pub struct RedactionRules {
    /// Whether the run redacts at all.
    pub redact: bool,
    /// Host names, user names and words to hide (the kept ones taken out).
    pub names: Names,
    /// Identifiers left as they are.
    pub keep: BTreeSet<String>,
    /// The request as it would leave (`request.md`, `request.json`, the ticket's subject and
    /// body), when the options carry a draft.
    pub request: Option<RequestDocs>,
}

impl RedactionRules {
    /// The run's redactor under `key`.
    pub fn redactor(&self, key: &PseudonymKey) -> Redactor {
        Redactor::with_kept(key, &self.names, &self.keep)
    }
}

/// What a run made: a bundle, or only the rules.
enum Ran {
    Bundle(Box<Outcome>),
    Rules(Box<RedactionRules>),
}

/// The run: with `out`, a bundle; without, it stops once the redaction rules are known.
fn run(
    context: &CollectContext<'_>,
    options: &CollectOptions,
    out: Option<&Path>,
    progress: &(dyn Fn(&Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<Ran, CollectError> {
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        options.threads
    };
    let report = |phase, items_done, items_total, current: &str| {
        progress(&Progress {
            phase,
            items_done,
            items_total,
            bytes_done: 0,
            bytes_total: 0,
            current: current.to_owned(),
        });
    };
    report(Phase::Plan, 0, 0, "");
    let mut stages = StageTimes::default();
    let started = Instant::now();
    let own_folders: Vec<OwnFolder> = options
        .data_dir
        .iter()
        .map(|dir| OwnFolder::data(dir))
        .chain(
            options
                .config_paths
                .iter()
                .map(|path| OwnFolder::config(path)),
        )
        .collect();
    let mut planned = plan::plan(
        &PlanRequest {
            profile: context.profile,
            env: context.env,
            evidence: options.evidence.as_deref(),
            add: &options.add,
            screenshots: &options.screenshots,
            include_binary: options.include_binary,
            own_folders: &own_folders,
        },
        cancel,
    );
    check(cancel)?;
    keep_required_binaries(&options.required_binaries, &mut planned);
    let Plan { items, mut skipped } = planned;

    let mut work = Vec::new();
    let commands = items
        .iter()
        .filter(|i| matches!(i.source, ItemSource::Command(_)))
        .count();
    let mut commands_done = 0;
    for item in items {
        check(cancel)?;
        if let ItemSource::Command(_) = &item.source {
            report(Phase::Commands, commands_done, commands, &item.entry);
            commands_done += 1;
        }
        match prepare(item, options.include_binary) {
            Ok(w) => work.push(w),
            Err(skip) => skipped.push(skip),
        }
    }
    let mut endpoint_name = None;
    if options.snapshot {
        report(Phase::Commands, commands_done, commands, "snapshot");
        let snap = snapshot::take(context.profile, context.env);
        endpoint_name = snap.hostname.clone().filter(|h| !h.is_empty());
        for (entry, bytes) in [
            ("snapshot/system.json", snap.to_json()),
            ("snapshot/system.txt", snap.to_text().into_bytes()),
        ] {
            work.push(generated(
                entry,
                bytes,
                Some("support snapshot"),
                Mode::Text { windowed: false },
            ));
        }
        for path in snap.config_files() {
            if let Some(own) = plan::own_folder_of(path, &own_folders) {
                skipped.push(Skipped {
                    source: path.display().to_string(),
                    reason: SkipReason::CasefileData,
                    detail: own.detail.clone(),
                });
                continue;
            }
            let entry = format!("snapshot/files/{}", relative_entry(path));
            match std::fs::symlink_metadata(path) {
                Ok(meta) if meta.is_file() => {
                    // A Windows agent's config may be UTF-16: decoded like any text file.
                    let identity = FileIdentity::of(&meta);
                    let encoding = text_encoding(&sniff_file(path, false, identity));
                    work.push(Work {
                        entry,
                        source: Some(path.display().to_string()),
                        evidence: None,
                        content: Content::File {
                            path: path.clone(),
                            gzip: false,
                            encoding,
                            identity,
                        },
                        mode: Mode::Text { windowed: false },
                        max_bytes: Some(1 << 20),
                        budget_keep: None,
                        modified: meta.modified().ok(),
                        trimmable: false,
                        notes: Vec::new(),
                        converted: Conversion::text(encoding),
                        required_binary: false,
                    })
                }
                Ok(_) => skipped.push(Skipped {
                    source: path.display().to_string(),
                    reason: SkipReason::NotRegularFile,
                    detail: "an agent config path that is not a regular file".into(),
                }),
                Err(e) => skipped.push(skip_for_io(&path.display().to_string(), &e)),
            }
        }
    }
    if work.is_empty() && options.request.is_none() {
        return Err(CollectError::Empty(
            "no source of the profile exists on this machine and nothing was added; add files with --add"
                .into(),
        ));
    }

    stages.prepare = seconds_since(started);
    let learning = Instant::now();
    // Learn names, then build the redactor.
    let redactor = if options.redact {
        let key = context.key.ok_or(CollectError::NoKey)?;
        let mut names = Names::from_system(&context.env.root, context.env.is_live());
        names.public_domains = crate::redact::vendor_domains(context.profile);
        names.merge(options.names.clone());
        let (learned, unread) = learn(&work, threads, options.deadline, progress, cancel)?;
        names.merge(learned);
        // What the deadline kept from learning is not collected either: it was not read.
        if !unread.is_empty() {
            let mut index = 0;
            work.retain(|item| {
                let keep = !unread.contains(&index);
                index += 1;
                if !keep {
                    skipped.push(deadline_skip(item, "names were still being learned"));
                }
                keep
            });
        }
        if let Some(draft) = &options.request {
            // The request's own text is learned like the evidence.
            let mut learner = crate::redact::Learner::new();
            learner.feed(crate::render::request_text(&draft.request).as_bytes());
            names.merge(learner.finish());
        }
        let names = without_kept(names, &options.keep);
        let redactor = Redactor::with_kept(key, &names, &options.keep);
        // Pseudonyms already issued on this machine are taken: a new value never gets one.
        if let Some(path) = context.mapping_path
            && let Ok(existing) = crate::redact::Mapping::load(path)
        {
            redactor.reserve(&existing);
        }
        Some((redactor, names, key.fingerprint()))
    } else {
        None
    };
    // Entry names are redacted first, then made unique, so two names that redact alike
    // (`password=a.txt`, `password=b.txt`) get numbers instead of clashing in the zip.
    let mut name_found = Found::default();
    if let Some((redactor, _, _)) = &redactor {
        // Folder names repeat across many entries: each distinct component is redacted once.
        let mut components = std::collections::HashMap::new();
        for item in &mut work {
            item.entry = redact_entry_name(&item.entry, redactor, &mut name_found, &mut components);
        }
    }
    dedupe_entries(&mut work);
    work.sort_by(|a, b| entry_order(&a.entry).cmp(&entry_order(&b.entry)));
    stages.learn = seconds_since(learning);

    // The request as it leaves, redacted by the same redactor, evidence named by bundle entry.
    let mut request_fields = Vec::new();
    let mut request_found = Found::default();
    let mut request_docs = None;
    if let Some(draft) = &options.request {
        let redacting = redactor.as_ref().map(|(r, _, _)| r);
        let entry_of = |item: &crate::request::EvidenceItem| {
            evidence_entry(&work, &draft.folder, item, redacting)
        };
        let (outgoing, fields) =
            crate::render::outgoing_request(&draft.request, redacting, &entry_of);
        for field in &fields {
            request_found.merge(field.found.clone());
        }
        request_fields = fields;
        let docs = RequestDocs::render(&outgoing, context.profile, redacting);
        work.insert(
            0,
            generated("request.json", docs.json.clone(), None, Mode::Verbatim),
        );
        work.insert(
            1,
            generated(
                "request.md",
                docs.markdown.clone().into_bytes(),
                None,
                Mode::Verbatim,
            ),
        );
        request_docs = Some(docs);
    }
    let Some(out) = out else {
        return Ok(Ran::Rules(Box::new(RedactionRules {
            redact: redactor.is_some(),
            names: redactor
                .as_ref()
                .map(|(_, names, _)| names.clone())
                .unwrap_or_default(),
            keep: options.keep.clone(),
            request: request_docs,
        })));
    };

    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let write_error = |source| CollectError::Write {
        path: out.to_path_buf(),
        source,
    };
    let mut passes = 0;
    loop {
        passes += 1;
        check(cancel)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".casefile-")
            .suffix(".zip.partial")
            .tempfile_in(parent)
            .map_err(write_error)?;
        set_private(temp.path()).map_err(write_error)?;
        let phase = if passes == 1 {
            Phase::Write
        } else {
            Phase::Trim
        };
        let file = temp.as_file_mut();
        let writing = Instant::now();
        let PassResult {
            mut entries,
            zip,
            per_item,
            pass_skipped,
            mut found,
            input_bytes,
            deadline_cut,
        } = write_pass(
            &work,
            redactor.as_ref().map(|(r, _, _)| r),
            options,
            threads,
            file,
            phase,
            progress,
            // Only the first pass races the deadline; trimming passes repeat its cut.
            if passes == 1 { options.deadline } else { None },
            cancel,
        )?;
        // The request documents were redacted field by field before the pass.
        for entry in &mut entries {
            if is_request_entry(&entry.name) {
                entry.redacted = redactor.is_some();
                entry.redactions = request_found.counts.clone();
                entry.secret_kinds = request_found.secret_kinds.clone();
            }
        }
        found.merge(request_found.clone());
        found.merge(name_found.clone());
        let mut all_skipped = skipped.clone();
        all_skipped.extend(pass_skipped);
        // Pseudonymize what the manifest says about sources and skipped items.
        if let Some((redactor, _, _)) = &redactor {
            for entry in &mut entries {
                entry.source = entry
                    .source
                    .as_ref()
                    .map(|s| redactor.redact_text(s, &mut found));
            }
            for skip in &mut all_skipped {
                skip.source = redactor.redact_text(&skip.source, &mut found);
                skip.detail = redactor.redact_text(&skip.detail, &mut found);
            }
        }
        let endpoint = endpoint_name.as_ref().map(|name| match &redactor {
            Some((r, _, _)) => r.redact_text(name, &mut found),
            None => name.clone(),
        });
        let manifest = Manifest {
            schema_version: MANIFEST_SCHEMA_VERSION,
            tool: Tool {
                name: "casefile",
                version: env!("CARGO_PKG_VERSION"),
            },
            created_at: Utc::now(),
            case_code: options
                .request
                .as_ref()
                .map(|r| r.request.case_code.clone()),
            profile: ProfileRef {
                id: context.profile.id.clone(),
                version: context.profile.version.clone(),
            },
            os: format!("{:?}", context.env.os).to_lowercase(),
            live: context.env.is_live(),
            endpoint,
            window: (!options.window.is_open()).then_some(WindowRecord {
                since: options.window.since,
                until: options.window.until,
            }),
            redaction: RedactionRecord {
                enabled: redactor.is_some(),
                key_fingerprint: redactor.as_ref().map(|(_, _, f)| f.clone()),
                counts: found.counts.clone(),
            },
            budget: options.budget,
            entries: entries.clone(),
            skipped: all_skipped.clone(),
        };
        let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        let mut zip = zip;
        let options_for_manifest = EntryOptions {
            modified: SystemTime::now(),
            unix_mode: 0o600,
            method: Method::Deflate,
        };
        zip.add_entry(
            "manifest.json",
            &options_for_manifest,
            &manifest_bytes,
            options.level,
        )
        .map_err(write_error)?;
        let file = zip.finish().map_err(write_error)?;
        file.flush().map_err(write_error)?;
        let bundle_bytes = file.seek(SeekFrom::End(0)).map_err(write_error)?;
        stages.write += seconds_since(writing);

        if let Some(budget) = options.budget
            && bundle_bytes > budget
            && passes < MAX_PASSES
        {
            let mut per_item = per_item;
            if let Some(cut) = deadline_cut {
                // What the deadline cut short or kept out stays out of the trimmed passes
                // (generated entries never race it).
                let (mut kept, mut kept_written) = (Vec::new(), Vec::new());
                for (index, (item, written)) in work.drain(..).zip(per_item).enumerate() {
                    if index >= cut && matches!(item.content, Content::File { .. }) {
                        skipped.push(deadline_skip(&item, "the evidence was read"));
                    } else {
                        kept.push(item);
                        kept_written.push(written);
                    }
                }
                work = kept;
                per_item = kept_written;
            }
            plan_trim(&mut work, &per_item, bundle_bytes, budget)?;
            continue;
        }

        // Read it back for leaks.
        check(cancel)?;
        let verifying = Instant::now();
        let tally = options
            .disclosure
            .then(|| crate::disclose::Tally::new(&found.mapping, &options.keep));
        let mut warnings = Vec::new();
        let (leaks, entry_counts, scanned_entries) = match (&redactor, context.key) {
            (Some((_, names, _)), Some(key)) => {
                report(Phase::Verify, 0, entries.len(), "");
                // Names of earlier bundles (the saved mapping) and the key itself are needles
                // too: neither may ever leave, whatever this run learned. (Addresses and
                // e-mails are found by their shape in every run, so only learned names.)
                let mut needles = found.mapping.clone();
                if let Some(path) = context.mapping_path {
                    match crate::redact::Mapping::load(path) {
                        Ok(earlier) => {
                            needles.merge(earlier.learned_names().without_originals(&options.keep))
                        }
                        Err(error) => warnings.push(format!(
                            "the leak scan could not read the originals of earlier bundles: {error}"
                        )),
                    }
                }
                let scanner = LeakScanner::with_key(names, &needles, &found.secrets, key);
                verify(temp.path(), &scanner, tally.as_ref(), threads, cancel)?
            }
            _ => (Vec::new(), Vec::new(), 0),
        };
        stages.verify = seconds_since(verifying);
        let disclosure = options.disclosure.then(|| {
            crate::disclose::report(&crate::disclose::Inputs {
                request: options.request.as_ref().map(|d| &d.request),
                redacted: redactor.is_some(),
                tally: tally.as_ref(),
                fields: &request_fields,
                entries: &entries,
                entry_counts: &entry_counts,
                scanned_entries,
                leaks: &leaks,
                keep: &options.keep,
            })
        });
        check(cancel)?;
        temp.as_file().sync_all().map_err(write_error)?;
        temp.persist(out).map_err(|e| write_error(e.error))?;
        let mapping = match (context.mapping_path, &redactor) {
            (Some(path), Some(_)) if !found.mapping.is_empty() => {
                // The bundle is good without it, so a failed save is a warning, not an error
                // that would throw the bundle away; but it must be said, since without the
                // mapping `casefile translate` cannot read support's answer back.
                match found.mapping.save(path) {
                    Ok(()) => Some(path.to_path_buf()),
                    Err(error) => {
                        warnings.push(format!(
                            "the pseudonym mapping was not saved ({error}); the bundle is complete, but `casefile translate` cannot turn its pseudonyms back into your names"
                        ));
                        None
                    }
                }
            }
            _ => None,
        };
        report(Phase::Done, entries.len(), entries.len(), "");
        return Ok(Ran::Bundle(Box::new(Outcome {
            bundle: out.to_path_buf(),
            bundle_bytes,
            input_bytes,
            entries,
            skipped: all_skipped,
            redactions: found.counts,
            leaks,
            scanned_entries,
            passes,
            mapping,
            key_fingerprint: redactor.map(|(_, _, f)| f),
            disclosure,
            warnings,
            stages,
        })));
    }
}

fn is_request_entry(name: &str) -> bool {
    name == "request.json" || name == "request.md"
}

/// Where a request's evidence item is in the bundle: the entry of a file, `FOLDER/` for a folder
/// (both as the bundle names them, pseudonymised when redacting), or the file's name with a note
/// when nothing of it went in. Never the local path.
fn evidence_entry(
    work: &[Work],
    folder: &Path,
    item: &crate::request::EvidenceItem,
    redactor: Option<&Redactor>,
) -> String {
    let path = folder.join(&item.path);
    let place = work.iter().find_map(|w| {
        let Content::File { path: source, .. } = &w.content else {
            return None;
        };
        if *source == path {
            return Some(w.entry.clone());
        }
        let depth = source.strip_prefix(&path).ok()?.components().count();
        let parts: Vec<&str> = w.entry.split('/').collect();
        let top = parts.get(..parts.len().saturating_sub(depth))?;
        Some(format!("{}/", top.join("/")))
    });
    let name = place.unwrap_or_else(|| {
        let file = Path::new(&item.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{file} (not in the bundle: manifest.json says why)")
    });
    match redactor {
        Some(redactor) => redactor.redact_text(&name, &mut Found::default()),
        None => name,
    }
}

fn check(cancel: &AtomicBool) -> Result<(), CollectError> {
    if cancel.load(Ordering::Relaxed) {
        Err(CollectError::Cancelled)
    } else {
        Ok(())
    }
}

/// An entry made by Casefile itself (the request, the snapshot), not trimmable.
fn generated(entry: &str, bytes: Vec<u8>, source: Option<&str>, mode: Mode) -> Work {
    Work {
        entry: entry.into(),
        source: source.map(str::to_owned),
        evidence: None,
        content: Content::Bytes(Arc::new(bytes)),
        mode,
        max_bytes: None,
        budget_keep: None,
        modified: Some(SystemTime::now()),
        trimmable: false,
        notes: Vec::new(),
        converted: None,
        required_binary: false,
    }
}

/// A local path as an entry path: relative, `/`-separated.
fn relative_entry(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Turns a planned item into work, running it if it is a command.
///
/// A file is judged by its content, never its name ([`super::encoding::sniff`]): text in any
/// encoding is redacted (decoded to UTF-8 first), an image is cleaned like a screenshot (an
/// image Casefile cannot clean is skipped), and other binary content is stored as it is when
/// the user included binary files (the plan skips it otherwise).
fn prepare(item: PlannedItem, include_binary: bool) -> Result<Work, Skipped> {
    let required_binary = item.required_binary;
    let mut notes = Vec::new();
    let mut converted = None;
    let (content, mode) = match item.source {
        ItemSource::File { path, gzip } => {
            let sniffed = item
                .sniffed
                .unwrap_or_else(|| sniff_file(&path, gzip, item.identity));
            let mode = match sniffed {
                Sniffed::Image(kind) if kind.cleanable() && !gzip => Mode::Image(kind),
                Sniffed::Image(kind) => {
                    return Err(Skipped {
                        source: path.display().to_string(),
                        reason: SkipReason::Binary,
                        detail: format!(
                            "a {}{} image, which Casefile cannot re-encode without its metadata; convert it to PNG or JPEG and add that",
                            if gzip { "compressed " } else { "" },
                            kind.name().to_uppercase()
                        ),
                    });
                }
                // The plan skips binaries unless the user asked for them: stored as they are.
                Sniffed::Binary if include_binary || required_binary => Mode::Store,
                Sniffed::Binary | Sniffed::Text(_) => Mode::Text { windowed: true },
            };
            let encoding = text_encoding(&sniffed);
            converted = Conversion::text(encoding);
            (
                Content::File {
                    path,
                    gzip,
                    encoding,
                    identity: item.identity,
                },
                mode,
            )
        }
        ItemSource::Generated(bytes) => (
            Content::Bytes(Arc::new(bytes)),
            Mode::Text { windowed: false },
        ),
        ItemSource::Command(spec) => {
            let shown = spec.argv.join(" ");
            match command::run(&spec) {
                Ok(output) => {
                    if output.timed_out {
                        notes.push(Truncation {
                            reason: TruncationReason::Command,
                            bytes_removed: 0,
                            detail: format!(
                                "timed out after {}s and was stopped; output so far is kept",
                                spec.timeout.as_secs()
                            ),
                        });
                    }
                    if output.truncated {
                        notes.push(Truncation {
                            reason: TruncationReason::Command,
                            bytes_removed: 0,
                            detail: format!(
                                "output over {} bytes: the end is kept",
                                spec.max_output
                            ),
                        });
                    }
                    converted = output.decoded_from.and_then(Conversion::text);
                    let mut bytes = format!(
                        "$ {shown}\n# exit status: {}, {} ms\n",
                        output
                            .status
                            .map_or_else(|| "none (killed)".into(), |s| s.to_string()),
                        output.duration.as_millis()
                    )
                    .into_bytes();
                    bytes.extend_from_slice(&output.bytes);
                    (
                        Content::Bytes(Arc::new(bytes)),
                        Mode::Text { windowed: false },
                    )
                }
                Err(e) => {
                    return Err(Skipped {
                        source: shown,
                        reason: SkipReason::CommandFailed,
                        detail: e.to_string(),
                    });
                }
            }
        }
    };
    let trimmable = matches!(mode, Mode::Text { .. })
        && (item.entry.starts_with("logs/") || item.entry.starts_with("attachments/"));
    Ok(Work {
        source: match &content {
            Content::File { path, .. } => Some(path.display().to_string()),
            Content::Bytes(_) => None,
        },
        entry: item.entry,
        evidence: item.evidence_id,
        content,
        mode,
        max_bytes: item.max_bytes,
        budget_keep: None,
        modified: item.modified.or_else(|| Some(SystemTime::now())),
        trimmable,
        notes,
        converted,
        required_binary: required_binary && matches!(mode, Mode::Store),
    })
}

/// The binary files the planner skipped that the draft attached for evidence the profile
/// requires (`required`, [`CollectOptions::required_binaries`]): planned after all, flagged
/// `required_binary`, so they go in as they are and the manifest names them as not redacted.
/// The Evidence step's preview applies it too, so it shows what the bundle will hold.
pub fn keep_required_binaries(required: &BTreeMap<PathBuf, String>, plan: &mut Plan) {
    if required.is_empty() {
        return;
    }
    let Plan { items, skipped } = plan;
    skipped.retain(|skip| {
        if skip.reason != SkipReason::Binary {
            return true;
        }
        let Some((path, evidence_id)) = required
            .iter()
            .find(|(path, _)| path.display().to_string() == skip.source)
        else {
            return true;
        };
        let Ok(metadata) = std::fs::metadata(path) else {
            return true;
        };
        let name = path
            .file_name()
            .map(super::resolve::sanitize_component)
            .unwrap_or_else(|| "attachment".to_owned());
        items.push(PlannedItem {
            entry: format!("attachments/{name}"),
            source: ItemSource::File {
                path: path.clone(),
                gzip: false,
            },
            evidence_id: Some(evidence_id.clone()),
            size: metadata.len(),
            modified: metadata.modified().ok(),
            max_bytes: None,
            sniffed: None,
            required_binary: true,
            identity: FileIdentity::of(&metadata),
        });
        false
    });
}

/// What a file's first 8 KiB are (decompressed for a gzip log); text when it cannot be read
/// (reading it later reports the error). Opened as planned ([`plan::open_planned`]).
fn sniff_file(path: &Path, gzip: bool, identity: Option<FileIdentity>) -> Sniffed {
    let Ok(file) = plan::open_planned(path, identity) else {
        return Sniffed::Text(Encoding::Utf8);
    };
    let mut sample = Vec::with_capacity(plan::SAMPLE_SIZE);
    let limit = plan::SAMPLE_SIZE as u64;
    // A sample ends mid-stream, so an "unexpected end" error after some output is normal.
    let _ = if gzip {
        MultiGzDecoder::new(BufReader::new(file))
            .take(limit)
            .read_to_end(&mut sample)
    } else {
        file.take(limit).read_to_end(&mut sample)
    };
    super::encoding::sniff(&sample)
}

/// The encoding to decode a file from: its own for text, none (UTF-8) for anything else.
fn text_encoding(sniffed: &Sniffed) -> Encoding {
    match sniffed {
        Sniffed::Text(encoding) => *encoding,
        Sniffed::Image(_) | Sniffed::Binary => Encoding::Utf8,
    }
}

/// Request first, then manifest-described entries by name.
fn entry_order(entry: &str) -> (u8, &str) {
    match entry {
        "request.json" => (0, entry),
        "request.md" => (1, entry),
        _ => (2, entry),
    }
}

/// Makes entry names unique, also ignoring letter case (which Windows and macOS would extract
/// onto one file): the plan's names are unique, but redacted names may clash
/// (`password=a.txt` and `password=b.txt` both become `password=[REDACTED]`), and snapshot
/// files may clash with planned ones. A clash gets ` (2)`, ` (3)`... before the extension, as
/// in planning; names that were unique keep their place, the later of a clash is numbered.
fn dedupe_entries(work: &mut [Work]) {
    let mut order: Vec<usize> = (0..work.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&work[a].entry, &work[b].entry);
        entry_order(a).cmp(&entry_order(b))
    });
    let mut seen: BTreeSet<String> = work.iter().map(|w| w.entry.to_lowercase()).collect();
    let mut kept = BTreeSet::new();
    for index in order {
        let Some(item) = work.get_mut(index) else {
            continue;
        };
        if kept.insert(item.entry.to_lowercase()) {
            continue;
        }
        let mut n = 2;
        let mut name = numbered(&item.entry, n);
        while seen.contains(&name.to_lowercase()) {
            n += 1;
            name = numbered(&item.entry, n);
        }
        seen.insert(name.to_lowercase());
        kept.insert(name.to_lowercase());
        item.entry = name;
    }
}

/// An entry name redacted component by component, before it is made unique: each component
/// is decoded from its `%XX` escapes first, so the redactor sees the name as it was on disk
/// (`session:alice.log`, not `session%3Aalice.log`, where the `A` of `%3A` would glue itself
/// to `alice`), then escaped again. The first component (`logs`, `attachments`...) is
/// Casefile's own and kept. `cache` holds components already redacted.
fn redact_entry_name(
    entry: &str,
    redactor: &Redactor,
    found: &mut Found,
    cache: &mut std::collections::HashMap<String, String>,
) -> String {
    let mut redact = |part: &str| -> String {
        if let Some(done) = cache.get(part) {
            return done.clone();
        }
        let done = redact_component(part, redactor, found);
        cache.insert(part.to_owned(), done.clone());
        done
    };
    let mut parts = entry.split('/');
    let mut out = String::with_capacity(entry.len());
    if let Some(first) = parts.next() {
        if entry.contains('/') {
            out.push_str(first);
        } else {
            out.push_str(&redact(first));
        }
    }
    for part in parts {
        out.push('/');
        out.push_str(&redact(part));
    }
    out
}

fn redact_component(component: &str, redactor: &Redactor, found: &mut Found) -> String {
    let decoded = unescape_component(component);
    match String::from_utf8(decoded) {
        Ok(text) => {
            let redacted = redactor.redact_text(&text, found);
            if redacted == text {
                component.to_owned()
            } else {
                super::resolve::sanitize_component(std::ffi::OsStr::new(&redacted))
            }
        }
        // Not UTF-8 on disk: redact the escaped form (its escapes stand for bytes no name
        // the redactor knows is made of).
        Err(_) => redactor.redact_text(component, found),
    }
}

/// Decodes the `%XX` escapes of [`super::resolve::sanitize_component`].
fn unescape_component(component: &str) -> Vec<u8> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = (byte == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                out.push(value);
                i += 3;
            }
            None => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// `a/b.log` -> `a/b (2).log`.
fn numbered(entry: &str, n: usize) -> String {
    let (dir, file) = entry.rsplit_once('/').map_or(("", entry), |(d, f)| (d, f));
    let (stem, ext) = match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (file, String::new()),
    };
    let file = format!("{stem} ({n}){ext}");
    if dir.is_empty() {
        file
    } else {
        format!("{dir}/{file}")
    }
}

fn skip_for_io(source: &str, e: &io::Error) -> Skipped {
    let reason = match e.kind() {
        io::ErrorKind::NotFound => SkipReason::NotFound,
        io::ErrorKind::PermissionDenied => SkipReason::PermissionDenied,
        _ => SkipReason::Unreadable,
    };
    Skipped {
        source: source.to_owned(),
        reason,
        detail: e.to_string(),
    }
}

#[cfg(unix)]
fn set_private(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn set_private(_path: &Path) -> io::Result<()> {
    Ok(())
}

/// Reads every text item once, in parallel and largest first, to learn host and user names;
/// returns them and the indexes in `work` of the files left unread because `deadline` came
/// first.
fn learn(
    work: &[Work],
    threads: usize,
    deadline: Option<Instant>,
    progress: &(dyn Fn(&Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<(Names, BTreeSet<usize>), CollectError> {
    // Largest first, so that no thread is left alone with a big log at the end.
    let mut texts: Vec<(u64, usize, &Work)> = work
        .iter()
        .enumerate()
        .filter(|(_, w)| matches!(w.mode, Mode::Text { .. }))
        .map(|(index, w)| {
            let size = match &w.content {
                // A gzip member holds several times its size in text.
                Content::File { path, gzip, .. } => {
                    std::fs::symlink_metadata(path).map_or(0, |m| m.len())
                        * if *gzip { 6 } else { 1 }
                }
                Content::Bytes(bytes) => bytes.len() as u64,
            };
            (size, index, w)
        })
        .collect();
    texts.sort_by_key(|&(size, _, _)| std::cmp::Reverse(size));
    let unread = Mutex::new(BTreeSet::new());
    let total = texts.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let learners: Vec<crate::redact::Learner> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut learner = crate::redact::Learner::new();
                    let mut buf = vec![0u8; 256 << 10];
                    loop {
                        if cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(_, position, item)) = texts.get(index) else {
                            break;
                        };
                        if past(deadline) && matches!(item.content, Content::File { .. }) {
                            if let Ok(mut unread) = unread.lock() {
                                unread.insert(position);
                            }
                            continue;
                        }
                        progress(&Progress {
                            phase: Phase::Learn,
                            items_done: index,
                            items_total: total,
                            bytes_done: 0,
                            bytes_total: 0,
                            current: String::new(),
                        });
                        let Ok((mut reader, _)) = open_text(&item.content) else {
                            continue;
                        };
                        // Whole lines only, so names are not split across feeds.
                        let mut carry = Vec::new();
                        loop {
                            match reader.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    carry.extend_from_slice(&buf[..n]);
                                    if let Some(end) = memchr::memrchr(b'\n', &carry) {
                                        learner.feed(&carry[..=end]);
                                        carry.drain(..=end);
                                    } else if carry.len() > CHUNK {
                                        learner.feed(&carry);
                                        carry.clear();
                                    }
                                }
                            }
                        }
                        learner.feed(&carry);
                    }
                    learner
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    check(cancel)?;
    let mut merged = crate::redact::Learner::new();
    for learner in learners {
        merged.merge(learner);
    }
    Ok((merged.finish(), unread.into_inner().unwrap_or_default()))
}

/// Whether `deadline` has come.
fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() >= deadline)
}

/// An item left out because the collection's deadline came before it was read (`when` says
/// during which step).
fn deadline_skip(item: &Work, when: &str) -> Skipped {
    Skipped {
        source: item.source.clone().unwrap_or_else(|| item.entry.clone()),
        reason: SkipReason::Deadline,
        detail: format!("not read: the collection's deadline came while {when}"),
    }
}

/// Opens an item's content for reading: (reader, size on disk). A file is opened with
/// [`plan::open_planned`] (no link followed, never blocking, still the planned regular file);
/// a gzip log's output is capped by [`plan::GzipCap`].
fn open_content(content: &Content) -> io::Result<(Box<dyn Read + Send>, u64)> {
    match content {
        Content::File {
            path,
            gzip,
            identity,
            ..
        } => {
            let file = plan::open_planned(path, *identity)?;
            let meta = file.metadata()?;
            let size = meta.len();
            let limited = BufReader::with_capacity(256 << 10, file.take(size));
            if *gzip {
                Ok((
                    Box::new(plan::GzipCap::new(MultiGzDecoder::new(limited), size)),
                    size,
                ))
            } else {
                Ok((Box::new(limited), size))
            }
        }
        Content::Bytes(bytes) => {
            let len = bytes.len() as u64;
            Ok((
                Box::new(io::Cursor::new(SharedBytes(Arc::clone(bytes)))),
                len,
            ))
        }
    }
}

/// Opens an item's content as UTF-8: [`open_content`], then the decode stage for a file in
/// another encoding (UTF-16, Windows-1252, a UTF-8 byte-order mark), streaming in constant
/// memory. The size is the source's, before decoding.
fn open_text(content: &Content) -> io::Result<(Box<dyn Read + Send>, u64)> {
    let (reader, size) = open_content(content)?;
    match content {
        Content::File { encoding, .. } if encoding.needs_decoding() => {
            Ok((Box::new(DecodeReader::new(reader, *encoding)), size))
        }
        _ => Ok((reader, size)),
    }
}

/// Shared bytes as `AsRef<[u8]>` for a cursor.
struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// The result of one write pass: the zip, still open for the manifest.
struct PassResult<'f> {
    entries: Vec<ManifestEntry>,
    zip: ZipWriter<&'f mut File>,
    per_item: Vec<Written>,
    pass_skipped: Vec<Skipped>,
    found: Found,
    input_bytes: u64,
    /// The first item the deadline kept from being read whole (the reader's `work` index).
    deadline_cut: Option<usize>,
}

/// Writes every item into a new zip on `file`, redacting and compressing in parallel.
#[allow(clippy::too_many_arguments)]
fn write_pass<'f>(
    work: &[Work],
    redactor: Option<&Redactor>,
    options: &CollectOptions,
    threads: usize,
    file: &'f mut File,
    phase: Phase,
    progress: &(dyn Fn(&Progress) + Sync),
    deadline: Option<Instant>,
    cancel: &AtomicBool,
) -> Result<PassResult<'f>, CollectError> {
    file.set_len(0)
        .and_then(|()| file.rewind())
        .map_err(|source| CollectError::Write {
            path: PathBuf::from("(temporary bundle)"),
            source,
        })?;
    let tickets = threads * 3 + 2;
    let (job_tx, job_rx) = sync_channel::<Job>(threads * 2);
    let (done_tx, done_rx) = sync_channel::<Done>(tickets);
    let (ticket_tx, ticket_rx) = sync_channel::<()>(tickets);
    for _ in 0..tickets {
        let _ = ticket_tx.send(());
    }
    let job_rx = Arc::new(Mutex::new(job_rx));
    let pool = Pool::default();
    let pool = &pool;
    let bytes_total = work_sizes(work);
    // Entry names were redacted (and made unique) before the first pass.
    let names: Vec<String> = work.iter().map(|w| w.entry.clone()).collect();

    std::thread::scope(|scope| {
        // The reader.
        let reader_window = options.window;
        let reader = scope.spawn(move || {
            let job_tx = job_tx;
            read_all(
                work,
                reader_window,
                deadline,
                &job_tx,
                &ticket_rx,
                pool,
                cancel,
            )
        });
        // The workers.
        for _ in 0..threads {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            let level = options.level;
            scope.spawn(move || work_chunks(work, redactor, level, &job_rx, &done_tx, pool));
        }
        drop(done_tx);
        // The writer: this thread.
        let mut result = write_in_order(
            work,
            &names,
            redactor.is_some(),
            file,
            done_rx,
            &ticket_tx,
            pool,
            phase,
            bytes_total,
            progress,
            cancel,
        );
        let cut = reader.join().unwrap_or(None);
        if let Ok(pass) = result.as_mut() {
            pass.deadline_cut = cut;
        }
        result
    })
}

/// The sum of the on-disk sizes of file items, for the progress bar.
fn work_sizes(work: &[Work]) -> u64 {
    work.iter()
        .map(|w| match &w.content {
            Content::File { path, .. } => std::fs::metadata(path).map_or(0, |m| m.len()),
            Content::Bytes(bytes) => bytes.len() as u64,
        })
        .sum()
}

/// The reader stage: every item, in order, cut into chunks.
/// Returns the first item the deadline kept from being read whole.
fn read_all(
    work: &[Work],
    window: Window,
    deadline: Option<Instant>,
    jobs: &SyncSender<Job>,
    tickets: &Receiver<()>,
    pool: &Pool,
    cancel: &AtomicBool,
) -> Option<usize> {
    let mut seq = 0u64;
    let mut send = |job: Job| -> bool {
        if cancel.load(Ordering::Relaxed) || tickets.recv().is_err() {
            return false;
        }
        jobs.send(job).is_ok()
    };
    let mut cut = None;
    for (index, item) in work.iter().enumerate() {
        // Generated entries (the request, the snapshot) always go in; files only until the
        // deadline.
        let deadline = deadline.filter(|_| matches!(item.content, Content::File { .. }));
        if past(deadline) {
            cut.get_or_insert(index);
            let skip = deadline_skip(item, "the evidence was read");
            let job = Job::Skip {
                seq,
                item: index,
                reason: skip.reason,
                detail: skip.detail,
            };
            seq += 1;
            if !send(job) {
                return cut;
            }
            continue;
        }
        let mut cut_short = false;
        if !read_item(
            index,
            item,
            window,
            deadline,
            &mut cut_short,
            pool,
            &mut seq,
            &mut send,
        ) {
            return cut;
        }
        if cut_short {
            cut.get_or_insert(index);
        }
    }
    cut
}

/// Reads one item into chunks; false when the run is over (cancelled or the writer stopped).
#[allow(clippy::too_many_arguments)]
fn read_item(
    index: usize,
    item: &Work,
    window: Window,
    deadline: Option<Instant>,
    cut_short: &mut bool,
    pool: &Pool,
    seq: &mut u64,
    send: &mut dyn FnMut(Job) -> bool,
) -> bool {
    let mut next_seq = || {
        let s = *seq;
        *seq += 1;
        s
    };
    let skip = |reason, detail: String, seq| Job::Skip {
        seq,
        item: index,
        reason,
        detail,
    };
    let (mut reader, disk_size) = match open_text(&item.content) {
        Ok(opened) => opened,
        Err(e) => {
            return send(skip(plan::reason_for(&e), e.to_string(), next_seq()));
        }
    };
    let modified = item
        .modified
        .map(DateTime::<Utc>::from)
        .unwrap_or_else(Utc::now);
    let windowed = matches!(item.mode, Mode::Text { windowed: true }) && !window.is_open();
    if windowed && window.ends_before(modified) {
        return send(skip(
            SkipReason::OutsideWindow,
            format!("last written {modified}, before the window starts"),
            next_seq(),
        ));
    }
    let mut info = ReadInfo::default();
    let keep = match (item.max_bytes, item.budget_keep) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let is_gzip = matches!(item.content, Content::File { gzip: true, .. });
    // Caps and trims count decoded (UTF-8) bytes, whose number only reading tells, as for gzip.
    let decoding =
        matches!(item.content, Content::File { encoding, .. } if encoding.needs_decoding());
    let mut full_size = if is_gzip || decoding {
        None
    } else {
        Some(disk_size)
    };
    if let Content::File {
        path,
        gzip: true,
        identity,
        ..
    } = &item.content
    {
        // A gzip log whose trailer already says it expands past its cap (a bomb) is skipped
        // with the reason before anything of it is written. The trailer holds the last
        // member's size modulo 4 GiB, so a bomb that hides behind it is still stopped by the
        // cap while it is read (and the entry says where it was cut).
        if let Some(claimed) = gzip_trailer_size(path, *identity)
            && claimed > plan::gzip_cap(disk_size)
        {
            return send(skip(
                SkipReason::TooLarge,
                format!(
                    "a compressed log of {disk_size} bytes that says it expands to {claimed} bytes, past its cap of {} bytes: left out rather than expanded",
                    plan::gzip_cap(disk_size)
                ),
                next_seq(),
            ));
        }
    }
    if let (Some(keep), true) = (keep, matches!(item.mode, Mode::Text { .. })) {
        // How long is the content? For gzip or decoded text, count it first (a second
        // decompression only for logs that may be over their cap; decoding makes at most three
        // bytes of one).
        let growth = if is_gzip { 2 } else { 3 };
        if full_size.is_none() && disk_size.saturating_mul(growth) > keep {
            let counted = open_text(&item.content)
                .and_then(|(mut counter, _)| io::copy(&mut counter, &mut io::sink()));
            match counted {
                Ok(size) => full_size = Some(size),
                Err(e) if plan::reason_for(&e) == SkipReason::TooLarge => {
                    return send(skip(SkipReason::TooLarge, e.to_string(), next_seq()));
                }
                Err(_) => {}
            }
        }
    }
    // Whether the kept part starts inside a private-key block (a trim that cut into one).
    let mut pem_at_start = false;
    let mut carry: Vec<u8> = Vec::new();
    if let (Some(keep), true) = (keep, matches!(item.mode, Mode::Text { .. }))
        && let Some(size) = full_size.filter(|&size| size > keep)
    {
        {
            let start = size - keep;
            // Skip to `start`, then to the next line start, following private-key blocks
            // through the skipped part so a key cut in the middle stays redacted.
            let (removed, pem, rest) = skip_to_line(&mut reader, start);
            pem_at_start = pem;
            carry = rest;
            let reason =
                if item.budget_keep == Some(keep) && item.max_bytes.is_none_or(|m| keep < m) {
                    TruncationReason::Budget
                } else {
                    TruncationReason::SizeCap
                };
            info.truncated.push(Truncation {
                reason,
                bytes_removed: removed,
                detail: match reason {
                    TruncationReason::Budget => format!(
                        "the oldest {removed} bytes were left out to fit the bundle's size budget"
                    ),
                    _ => format!(
                        "the oldest {removed} bytes were left out: the source's size cap is {keep} bytes"
                    ),
                },
            });
        }
    }
    info.original_size = if decoding && !is_gzip {
        Some(disk_size)
    } else {
        full_size
    };
    if let Mode::Image(_) = item.mode {
        // One piece: a worker cleans the whole image.
        let mut data = Vec::new();
        let limit = super::screenshot::MAX_FILE_BYTES;
        return match (&mut reader).take(limit + 1).read_to_end(&mut data) {
            Err(e) => {
                let skipped = skip_for_io("", &e);
                send(skip(skipped.reason, skipped.detail, next_seq()))
            }
            Ok(_) if data.len() as u64 > limit => send(skip(
                SkipReason::Binary,
                format!(
                    "an image over {} MiB, more than Casefile re-encodes; it is left out rather than sent with its metadata",
                    limit >> 20
                ),
                next_seq(),
            )),
            Ok(_) => send(Job::Chunk {
                seq: next_seq(),
                item: index,
                data,
                pem: false,
                last: Some(info),
            }),
        };
    }
    if !matches!(item.mode, Mode::Text { .. }) {
        // Stored or verbatim: plain chunks, no lines.
        loop {
            let mut data = pool.get();
            // `read_to_end` zeroes only what it reads into, not a whole chunk per small file.
            let n = (&mut reader).take(CHUNK as u64).read_to_end(&mut data);
            if let Err(e) = &n {
                info.truncated.push(read_error(e));
            }
            if n.is_err() || data.len() < CHUNK {
                let last = Some(std::mem::take(&mut info));
                return send(Job::Chunk {
                    seq: next_seq(),
                    item: index,
                    data,
                    pem: false,
                    last,
                });
            }
            if !send(Job::Chunk {
                seq: next_seq(),
                item: index,
                data,
                pem: false,
                last: None,
            }) {
                return false;
            }
        }
    }

    let mut filter = WindowFilter::new(window, modified);
    let mut pem = pem_at_start;
    // The state after a cut long line, which the kept piece alone does not tell.
    let mut long_line_state: Option<bool> = None;
    let mut started = false;
    let mut long_lines = 0u64;
    let mut long_removed = 0u64;
    let mut eof = false;
    while !eof {
        let mut buf = pool.get();
        buf.extend_from_slice(&carry);
        carry.clear();
        let before = buf.len();
        let want = CHUNK.saturating_sub(before).max(1) as u64;
        let n = match (&mut reader).take(want).read_to_end(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                // What was read before the error is in `buf`.
                info.truncated.push(read_error(&e));
                eof = true;
                0
            }
        };
        if (n as u64) < want {
            eof = true;
        }

        let mut piece = if eof {
            buf
        } else if let Some(end) = memchr::memrchr(b'\n', &buf) {
            carry.extend_from_slice(&buf[end + 1..]);
            buf.truncate(end + 1);
            buf
        } else {
            // One line longer than a chunk: keep its start, drop the rest of it. The private-key
            // state after it is taken from its start and its last bytes, so a key block that
            // begins at the end of a cut line stays redacted on the lines that follow.
            let mut kept = buf;
            let full = kept.len();
            // At a character boundary, so text decoded to UTF-8 stays valid UTF-8.
            let mut cut = LONG_LINE_KEEP.min(full);
            while cut + 3 > LONG_LINE_KEEP && kept.get(cut).is_some_and(|b| b & 0xc0 == 0x80) {
                cut -= 1;
            }
            let mut tail: Vec<u8> = kept
                .get(cut..)
                .and_then(|rest| rest.get(rest.len().saturating_sub(LONG_LINE_KEEP)..))
                .unwrap_or_default()
                .to_vec();
            kept.truncate(cut);
            let (dropped, found_end) = discard_line(&mut reader, &mut tail);
            let mut line = kept.clone();
            line.push(b' ');
            line.extend_from_slice(&tail);
            line.push(b'\n');
            long_line_state = Some(private_key_state_after(&line, pem));
            let removed = (full - cut) as u64 + dropped;
            long_lines += 1;
            long_removed += removed;
            kept.extend_from_slice(
                format!(" [casefile: line cut, {removed} more bytes left out]\n").as_bytes(),
            );
            if !found_end {
                eof = true;
            }
            kept
        };
        if !eof && past(deadline) {
            // Stop at this line end: the rest of the file is left out.
            eof = true;
            *cut_short = true;
            info.truncated.push(Truncation {
                reason: TruncationReason::Deadline,
                bytes_removed: 0,
                detail: "the collection's deadline came while the file was read; the rest of it was left out".into(),
            });
        }
        if windowed {
            let mut kept = pool.get();
            filter.filter(&piece, &mut kept);
            pool.put(std::mem::replace(&mut piece, kept));
            if filter.past_end() {
                eof = true;
            }
        }
        if piece.is_empty() && !eof {
            continue;
        }
        if eof {
            if long_lines > 0 {
                info.truncated.push(Truncation {
                    reason: TruncationReason::LongLines,
                    bytes_removed: long_removed,
                    detail: format!(
                        "{long_lines} line(s) longer than {CHUNK} bytes were cut to their first {LONG_LINE_KEEP} bytes"
                    ),
                });
            }
            let (lines, bytes) = filter.dropped();
            if windowed && lines > 0 {
                info.truncated.push(Truncation {
                    reason: TruncationReason::Window,
                    bytes_removed: bytes,
                    detail: format!("{lines} line(s) outside the incident window were left out"),
                });
            }
            if !started && piece.is_empty() && windowed && filter.saw_time() && lines > 0 {
                return send(skip(
                    SkipReason::OutsideWindow,
                    "every record is outside the incident window".into(),
                    next_seq(),
                ));
            }
            if let Content::File { path, .. } = &item.content {
                let now = std::fs::metadata(path).map_or(disk_size, |m| m.len());
                if now != disk_size && !filter.past_end() {
                    info.truncated.push(Truncation {
                        reason: TruncationReason::ChangedWhileRead,
                        bytes_removed: 0,
                        detail: format!(
                            "the file changed size while it was read ({disk_size} then {now} bytes); the first {disk_size} bytes as they were read are kept"
                        ),
                    });
                }
            }
            let state = pem;
            return send(Job::Chunk {
                seq: next_seq(),
                item: index,
                data: piece,
                pem: state,
                last: Some(std::mem::take(&mut info)),
            });
        }
        started = true;
        let state = pem;
        pem = long_line_state
            .take()
            .unwrap_or_else(|| private_key_state_after(&piece, pem));
        if !send(Job::Chunk {
            seq: next_seq(),
            item: index,
            data: piece,
            pem: state,
            last: None,
        }) {
            return false;
        }
    }
    true
}

fn read_error(e: &io::Error) -> Truncation {
    Truncation {
        reason: TruncationReason::ReadError,
        bytes_removed: 0,
        detail: format!("reading stopped early: {e}; what was read is kept"),
    }
}

/// Fills `buf` as far as the reader goes; the count read, or the error (after partial data,
/// the count is lost, so errors end the item).
pub(crate) fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return if n > 0 { Ok(n) } else { Err(e) };
            }
        }
    }
    Ok(n)
}

/// The size a gzip file's trailer gives (its last member's, modulo 4 GiB), if it can be read.
fn gzip_trailer_size(path: &Path, identity: Option<FileIdentity>) -> Option<u64> {
    let mut file = plan::open_planned(path, identity).ok()?;
    file.seek(SeekFrom::End(-4)).ok()?;
    let mut trailer = [0u8; 4];
    file.read_exact(&mut trailer).ok()?;
    Some(u64::from(u32::from_le_bytes(trailer)))
}

/// Skips `start` bytes, then the rest of the line they end in, and returns (bytes skipped,
/// whether the next line is inside a private-key block, bytes read past the skip). The
/// private-key state is followed line by line through everything skipped, so a trim that
/// starts inside `-----BEGIN … PRIVATE KEY-----` … `-----END …` keeps the rest of the block
/// redacted. A line longer than [`LONG_LINE_KEEP`] is followed by its last bytes only (a
/// marker line is short).
fn skip_to_line(reader: &mut dyn Read, start: u64) -> (u64, bool, Vec<u8>) {
    let mut buf = vec![0u8; 256 << 10];
    let mut line: Vec<u8> = Vec::new();
    let mut pem = false;
    let mut skipped = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let block = buf.get(..n).unwrap_or_default();
        // Within the skip, everything goes; past it, up to and including the next newline.
        let room = usize::try_from(start.saturating_sub(skipped)).unwrap_or(usize::MAX);
        let line_end = block
            .get(room..)
            .and_then(|tail| memchr::memchr(b'\n', tail))
            .map(|at| room + at + 1);
        let Some(end) = line_end else {
            skipped += n as u64;
            pem = follow_key_state(&mut line, block, pem);
            continue;
        };
        let (gone, rest) = block.split_at(end);
        skipped += gone.len() as u64;
        pem = follow_key_state(&mut line, gone, pem);
        return (skipped, pem, rest.to_vec());
    }
    pem = private_key_state_after(&line, pem);
    (skipped, pem, Vec::new())
}

/// Feeds `bytes` to the private-key state: whole lines are walked, the unfinished last line
/// is kept in `line` (at most its last [`LONG_LINE_KEEP`] bytes).
fn follow_key_state(line: &mut Vec<u8>, bytes: &[u8], mut pem: bool) -> bool {
    match memchr::memrchr(b'\n', bytes) {
        Some(end) => {
            line.extend_from_slice(bytes.get(..=end).unwrap_or_default());
            pem = private_key_state_after(line, pem);
            line.clear();
            line.extend_from_slice(bytes.get(end + 1..).unwrap_or_default());
        }
        None => line.extend_from_slice(bytes),
    }
    if line.len() > 2 * LONG_LINE_KEEP {
        let cut = line.len() - LONG_LINE_KEEP;
        line.drain(..cut);
    }
    pem
}

/// Reads and drops bytes up to and including the next newline: (bytes dropped, found one).
/// The last [`LONG_LINE_KEEP`] bytes dropped (newline excluded) are left in `tail`, after what
/// it held. Byte by byte, since what follows the newline cannot be pushed back; the readers
/// are buffered, so this costs a call per byte, not a system call.
fn discard_line(reader: &mut dyn Read, tail: &mut Vec<u8>) -> (u64, bool) {
    let mut dropped = 0u64;
    let mut byte = [0u8; 1];
    let found = loop {
        match reader.read(&mut byte) {
            Ok(0) => break false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break false,
            Ok(_) => {
                dropped += 1;
                if byte[0] == b'\n' {
                    break true;
                }
                tail.push(byte[0]);
                if tail.len() > 2 * LONG_LINE_KEEP {
                    tail.drain(..tail.len() - LONG_LINE_KEEP);
                }
            }
        }
    };
    if tail.len() > LONG_LINE_KEEP {
        tail.drain(..tail.len() - LONG_LINE_KEEP);
    }
    (dropped, found)
}

/// The worker stage: redact and compress chunks.
fn work_chunks(
    work: &[Work],
    redactor: Option<&Redactor>,
    level: u32,
    jobs: &Mutex<Receiver<Job>>,
    done: &SyncSender<Done>,
    pool: &Pool,
) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let result = match job {
            Job::Skip {
                seq,
                item,
                reason,
                detail,
            } => Done::Skip {
                seq,
                item,
                reason,
                detail,
            },
            Job::Chunk {
                seq,
                item,
                data,
                pem,
                mut last,
            } => {
                let mode = work.get(item).map_or(Mode::Store, |w| w.mode);
                let mut found = Found::default();
                let input_len = data.len();
                // An image is cleaned whole (it comes as one chunk), or left out.
                let data = match mode {
                    Mode::Image(kind) => {
                        let entry = work.get(item).map_or("", |w| w.entry.as_str());
                        match clean_image(kind, &data, entry) {
                            Ok((png, conversion)) => {
                                if let Some(info) = last.as_mut() {
                                    info.converted = Some(conversion);
                                }
                                png
                            }
                            Err(detail) => {
                                let skip = Done::Skip {
                                    seq,
                                    item,
                                    reason: SkipReason::Binary,
                                    detail,
                                };
                                if done.send(skip).is_err() {
                                    return;
                                }
                                continue;
                            }
                        }
                    }
                    _ => data,
                };
                let plain = match (mode, redactor) {
                    (Mode::Text { .. }, Some(redactor)) => {
                        let mut out = pool.get();
                        out.reserve(data.len() + data.len() / 8);
                        redactor.redact(&data, pem, &mut out, &mut found);
                        pool.put(data);
                        out
                    }
                    _ => data,
                };
                let chunk = if mode.stored() {
                    let mut hasher = crc32fast::Hasher::new();
                    hasher.update(&plain);
                    Chunk {
                        data: Vec::new(),
                        crc32: hasher.finalize(),
                        len: plain.len() as u64,
                    }
                } else {
                    deflate_chunk_into(&plain, level, last.is_some(), pool.get())
                };
                Done::Chunk {
                    seq,
                    item,
                    plain,
                    chunk,
                    input_len,
                    found,
                    last,
                }
            }
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

/// Re-encodes an image from its pixels as a PNG without metadata, as screenshots are
/// ([`super::screenshot::clean`]); the error says why it is left out instead.
fn clean_image(
    kind: ImageKind,
    bytes: &[u8],
    entry: &str,
) -> Result<(Vec<u8>, Conversion), String> {
    match super::screenshot::clean(bytes, entry, &[]) {
        Ok(cleaned) => Ok((
            cleaned.png,
            Conversion {
                from: kind.name().to_owned(),
                to: "png".to_owned(),
                dropped: cleaned.stripped,
            },
        )),
        Err(error) => Err(format!(
            "{error}; images go out only re-encoded without their metadata, so it is left out"
        )),
    }
}

/// The writer stage: entries in order, hashed, into the zip.
#[allow(clippy::too_many_arguments)]
fn write_in_order<'f>(
    work: &[Work],
    names: &[String],
    redacting: bool,
    file: &'f mut File,
    done: Receiver<Done>,
    tickets: &SyncSender<()>,
    pool: &Pool,
    phase: Phase,
    bytes_total: u64,
    progress: &(dyn Fn(&Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<PassResult<'f>, CollectError> {
    let write_error = |source| CollectError::Write {
        path: PathBuf::from("(temporary bundle)"),
        source,
    };
    let mut zip = ZipWriter::new(file);
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    let mut per_item = vec![Written::default(); work.len()];
    let mut found_all = Found::default();
    let mut input_bytes = 0u64;
    let mut current: Option<(usize, Sha256, Found, u64)> = None;
    let mut items_done = 0usize;
    let mut last_report = Instant::now() - Duration::from_secs(1);
    for message in done.iter() {
        if cancel.load(Ordering::Relaxed) {
            return Err(CollectError::Cancelled);
        }
        pending.insert(message.seq(), message);
        while let Some(message) = pending.remove(&next) {
            next += 1;
            let _ = tickets.send(());
            match message {
                Done::Skip {
                    item,
                    reason,
                    detail,
                    ..
                } => {
                    let w = &work[item];
                    skipped.push(Skipped {
                        source: w.source.clone().unwrap_or_else(|| w.entry.clone()),
                        reason,
                        detail,
                    });
                    items_done += 1;
                }
                Done::Chunk {
                    item,
                    plain,
                    chunk,
                    input_len,
                    found,
                    last,
                    ..
                } => {
                    let w = &work[item];
                    if current.as_ref().is_none_or(|(i, ..)| *i != item) {
                        let options = EntryOptions {
                            modified: w.modified.unwrap_or(
                                SystemTime::UNIX_EPOCH + Duration::from_secs(315_532_800),
                            ),
                            unix_mode: 0o600,
                            method: if w.mode.stored() {
                                Method::Stored
                            } else {
                                Method::Deflate
                            },
                        };
                        zip.start_entry(&names[item], &options)
                            .map_err(write_error)?;
                        current = Some((item, Sha256::new(), Found::default(), 0));
                    }
                    let Some((_, hasher, item_found, item_input)) = current.as_mut() else {
                        continue;
                    };
                    hasher.update(&plain);
                    *item_input += input_len as u64;
                    input_bytes += input_len as u64;
                    item_found.merge(found);
                    if w.mode.stored() {
                        zip.write_stored(&plain).map_err(write_error)?;
                    } else {
                        zip.write_chunk(&chunk).map_err(write_error)?;
                    }
                    pool.put(plain);
                    pool.put(chunk.data);
                    if let Some(info) = last {
                        let summary = zip.finish_entry().map_err(write_error)?;
                        let Some((_, hasher, item_found, item_input)) = current.take() else {
                            continue;
                        };
                        per_item[item] = Written {
                            input: item_input,
                            compressed: summary.compressed_size,
                        };
                        let mut truncated = w.notes.clone();
                        truncated.extend(info.truncated);
                        let converted = info.converted.or_else(|| w.converted.clone());
                        entries.push(ManifestEntry {
                            name: names[item].clone(),
                            source: w.source.clone(),
                            evidence: w.evidence.clone(),
                            size: summary.size,
                            compressed_size: summary.compressed_size,
                            original_size: info.original_size,
                            sha256: hex(&hasher.finalize()),
                            redacted: redacting && matches!(w.mode, Mode::Text { .. }),
                            required_binary: w.required_binary,
                            reason: w.required_binary.then(|| {
                                "required by the profile; binary, not redactable".to_owned()
                            }),
                            redactions: item_found.counts.clone(),
                            truncated,
                            converted,
                            modified: w.modified.map(DateTime::<Utc>::from),
                            secret_kinds: item_found.secret_kinds.clone(),
                        });
                        found_all.merge(item_found);
                        items_done += 1;
                    }
                    if last_report.elapsed() >= Duration::from_millis(100) {
                        last_report = Instant::now();
                        progress(&Progress {
                            phase,
                            items_done,
                            items_total: work.len(),
                            bytes_done: input_bytes,
                            bytes_total: bytes_total.max(input_bytes),
                            current: names[item].clone(),
                        });
                    }
                }
            }
        }
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(CollectError::Cancelled);
    }
    if current.is_some() || !pending.is_empty() {
        // The reader stopped early without being cancelled: a worker died.
        return Err(write_error(io::Error::other(
            "the collection stopped unexpectedly",
        )));
    }
    Ok(PassResult {
        entries,
        zip,
        per_item,
        pass_skipped: skipped,
        found: found_all,
        input_bytes,
        // The reader tells, once it has finished.
        deadline_cut: None,
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Sets `budget_keep` on the largest trimmable items so the next pass fits `budget`: the
/// largest logs lose their oldest part first, down to a common compressed size.
fn plan_trim(
    work: &mut [Work],
    written: &[Written],
    bundle_bytes: u64,
    budget: u64,
) -> Result<(), CollectError> {
    let trimmable: u64 = work
        .iter()
        .zip(written)
        .filter(|(w, _)| w.trimmable)
        .map(|(_, s)| s.compressed)
        .sum();
    let fixed = bundle_bytes.saturating_sub(trimmable);
    // Headroom for the manifest growing with truncation notes, and chunk-boundary noise.
    let margin = 4096 + budget / 100;
    let Some(target) = budget.checked_sub(fixed + margin).filter(|&t| t > 0) else {
        return Err(CollectError::BudgetTooSmall {
            budget,
            needed: fixed + margin,
        });
    };
    let mut sizes: Vec<u64> = work
        .iter()
        .zip(written)
        .filter(|(w, _)| w.trimmable)
        .map(|(_, s)| s.compressed)
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    // Water level: the largest cap such that sum(min(size, cap)) <= target.
    let mut cap = 0u64;
    let mut rest: u64 = sizes.iter().sum();
    for (i, &size) in sizes.iter().enumerate() {
        rest -= size;
        let count = i as u64 + 1;
        // With the first `count` items capped at `c`: count * c + rest <= target.
        if rest <= target {
            let c = (target - rest) / count;
            if c >= sizes.get(i + 1).copied().unwrap_or(0) {
                cap = c.min(size);
                break;
            }
        }
    }
    for (w, s) in work.iter_mut().zip(written) {
        if w.trimmable && s.compressed > cap && s.compressed > 0 {
            let ratio = s.input as f64 / s.compressed as f64;
            let keep = (cap as f64 * ratio * 0.97) as u64;
            let keep = w.budget_keep.map_or(keep, |k| k.min(keep));
            w.budget_keep = Some(keep);
        }
    }
    Ok(())
}

/// Per-entry occurrence counts of the disclosure tally's needles.
type EntryCounts = Vec<(String, crate::disclose::Counted)>;

/// Reads the finished bundle back and looks for known originals in every entry: the request
/// files, the evidence and the manifest. With a `tally`, also counts what leaves in each entry.
/// Returns the leaks, the counts and how many entries were read.
fn verify(
    path: &Path,
    scanner: &LeakScanner,
    tally: Option<&crate::disclose::Tally>,
    threads: usize,
    cancel: &AtomicBool,
) -> Result<(Vec<LeakReport>, EntryCounts, usize), CollectError> {
    if scanner.is_empty() && tally.is_none() {
        return Ok((Vec::new(), Vec::new(), 0));
    }
    let verify_error = |source| CollectError::Verify {
        path: path.to_path_buf(),
        source,
    };
    // Largest first, each thread taking the next entry when it is free: a static split let one
    // thread read the big logs while the other had finished.
    let order: Vec<usize> = {
        let reader =
            ZipReader::new(File::open(path).map_err(verify_error)?).map_err(verify_error)?;
        let mut order: Vec<usize> = (0..reader.entries().len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(reader.entries()[i].size));
        order
    };
    let count = order.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (order, next) = (&order, &next);
    type Read = (Vec<LeakReport>, EntryCounts);
    let results: Vec<io::Result<Read>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(move || -> io::Result<Read> {
                    let mut reader = ZipReader::new(File::open(path)?)?;
                    let mut leaks = Vec::new();
                    let mut counted = Vec::new();
                    while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                        if cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let name = reader.entries()[index].name.clone();
                        // Content stored as it is (a binary the user included) may hold text in
                        // UTF-16: looked at in every encoding.
                        let raw = reader
                            .entries()
                            .get(index)
                            .is_some_and(|e| e.method == Method::Stored);
                        let mut entry = reader.open(index)?;
                        let mut counts = tally.map(|_| crate::disclose::Counted::new());
                        let found =
                            scan_stream(&mut entry, scanner, raw, tally.zip(counts.as_mut()))?;
                        if let Some(counts) = counts {
                            counted.push((name.clone(), counts));
                        }
                        leaks.extend(found.into_iter().map(|leak| LeakReport {
                            entry: name.clone(),
                            category: leak.category,
                            what: leak.what,
                            offset: leak.offset,
                        }));
                    }
                    Ok((leaks, counted))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(io::Error::other("leak scan failed")))
            })
            .collect()
    });
    check(cancel)?;
    let mut leaks = Vec::new();
    let mut counted = Vec::new();
    for result in results {
        let (found, counts) = result.map_err(verify_error)?;
        leaks.extend(found);
        counted.extend(counts);
    }
    leaks.sort_by(|a, b| (&a.entry, a.offset).cmp(&(&b.entry, b.offset)));
    leaks.dedup_by(|a, b| a.entry == b.entry && a.what == b.what && a.category == b.category);
    counted.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((leaks, counted, count))
}

/// The leak scan's block, and the overlap between blocks (a line's worth).
const SCAN_BLOCK: usize = 1 << 20;
const SCAN_OVERLAP: usize = 4096;

/// Scans a stream in blocks that overlap by a line's worth, so a needle across two blocks is
/// still found; a hit is reported once per entry and original. `raw` content is searched for
/// the needles' UTF-16 forms too ([`LeakScanner::scan_binary`]). With a tally, also counts its
/// needles, each occurrence once (by where it starts).
pub(crate) fn scan_stream(
    reader: &mut dyn Read,
    scanner: &LeakScanner,
    raw: bool,
    tally: Option<(&crate::disclose::Tally, &mut crate::disclose::Counted)>,
) -> io::Result<Vec<Leak>> {
    thread_local! {
        /// The block buffer, kept for the thread's next entry: most entries are small, and a
        /// fresh megabyte cleared for each cost more than scanning it.
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut buf = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.resize(SCAN_BLOCK + SCAN_OVERLAP, 0);
    let result = scan_blocks(reader, scanner, raw, tally, &mut buf);
    BUFFER.with(|b| *b.borrow_mut() = buf);
    result
}

fn scan_blocks(
    reader: &mut dyn Read,
    scanner: &LeakScanner,
    raw: bool,
    mut tally: Option<(&crate::disclose::Tally, &mut crate::disclose::Counted)>,
    buf: &mut [u8],
) -> io::Result<Vec<Leak>> {
    const BLOCK: usize = SCAN_BLOCK;
    const OVERLAP: usize = SCAN_OVERLAP;
    let mut kept = 0usize;
    let mut base = 0u64;
    let mut counted_to = 0u64;
    let mut seen = BTreeSet::new();
    let mut leaks = Vec::new();
    let mut report = |found: Vec<Leak>, base: u64| {
        for mut leak in found {
            if seen.insert((leak.category, leak.what.clone())) {
                leak.offset += base;
                leaks.push(leak);
            }
        }
    };
    // Whether the last block read was full, so that more may follow it.
    let mut more = false;
    loop {
        let n = read_full(reader, &mut buf[kept..kept + BLOCK])?;
        if n == 0 {
            // The carried tail was searched but not all of it counted yet.
            if let Some((tally, counts)) = tally.as_mut() {
                let from = usize::try_from(counted_to - base).unwrap_or(0);
                tally.count(&buf[..kept], from, kept, counts);
            }
            // Nor judged at its very end, where the block before expected more text.
            if more {
                let part = Part::Block {
                    continued: base > 0,
                    more: false,
                };
                let found = if raw {
                    scanner.scan_binary_part(&buf[..kept], part)
                } else {
                    scanner.scan_part(&buf[..kept], part)
                };
                report(found, base);
            }
            break;
        }
        // `read_full` stops short only at the end.
        more = n == BLOCK;
        let len = kept + n;
        let keep = OVERLAP.min(len);
        if let Some((tally, counts)) = tally.as_mut() {
            // Each occurrence is counted once, by where it starts: up to the first carried byte
            // here (so the next block has the byte before its first match), the rest later.
            let from = usize::try_from(counted_to - base).unwrap_or(0);
            let to = (len - keep + 1).min(len);
            tally.count(&buf[..len], from, to, counts);
            counted_to = base + to as u64;
        }
        let part = Part::Block {
            continued: base > 0,
            more,
        };
        let found = if raw {
            scanner.scan_binary_part(&buf[..len], part)
        } else {
            scanner.scan_part(&buf[..len], part)
        };
        report(found, base);
        buf.copy_within(len - keep..len, 0);
        base += (len - keep) as u64;
        kept = keep;
    }
    Ok(leaks)
}

#[cfg(test)]
mod deadline_tests {
    use super::*;

    #[test]
    fn a_deadline_that_comes_while_a_file_is_read_cuts_it_at_a_line_end() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("big.log");
        let line = b"2026-11-23T10:00:00Z worker finished a job without trouble\n";
        let text: Vec<u8> = line.iter().copied().cycle().take(3 * CHUNK).collect();
        std::fs::write(&path, &text).expect("write");
        let item = Work {
            entry: "logs/big.log".into(),
            source: Some(path.display().to_string()),
            evidence: None,
            content: Content::File {
                path: path.clone(),
                gzip: false,
                encoding: Encoding::Utf8,
                identity: None,
            },
            mode: Mode::Text { windowed: false },
            max_bytes: None,
            budget_keep: None,
            modified: None,
            trimmable: true,
            notes: Vec::new(),
            converted: None,
            required_binary: false,
        };
        let window = Window {
            since: None,
            until: None,
            zone: chrono_tz::UTC,
        };
        let (pool, mut seq, mut cut_short) = (Pool::default(), 0, false);
        let mut jobs = Vec::new();
        let read = read_item(
            0,
            &item,
            window,
            Some(Instant::now()),
            &mut cut_short,
            &pool,
            &mut seq,
            &mut |job| {
                jobs.push(job);
                true
            },
        );
        assert!(read && cut_short);
        let [
            Job::Chunk {
                data,
                last: Some(info),
                ..
            },
        ] = jobs.as_slice()
        else {
            panic!("one last chunk, got {} jobs", jobs.len());
        };
        assert!(!data.is_empty() && data.len() <= CHUNK && data.ends_with(b"\n"));
        assert!(
            info.truncated
                .iter()
                .any(|t| t.reason == TruncationReason::Deadline),
            "{:?}",
            info.truncated
        );
    }
}

#[cfg(test)]
mod selection_tests {
    use super::*;
    use crate::wire::EvidenceSelection;

    fn check(since: Option<&str>, expect: Result<Option<&str>, &str>) {
        let now: DateTime<Utc> = "2026-11-23T20:00:00Z".parse().expect("instant");
        let selection = EvidenceSelection {
            kinds: Some(vec!["app-logs".into()]),
            since: since.map(str::to_owned),
            snapshot: false,
            include_binary: true,
        };
        let actual = CollectOptions::for_selection(&selection, now, chrono_tz::UTC);
        match (actual, expect) {
            (Ok(options), Ok(since)) => {
                assert_eq!(options.evidence, selection.kinds);
                assert!(!options.snapshot && options.include_binary && options.redact);
                assert_eq!(
                    options.window.since,
                    since.map(|s| s.parse().expect("instant")),
                    "{since:?}"
                );
            }
            (Err(message), Err(part)) => assert!(message.contains(part), "{message}"),
            (actual, expect) => panic!("{since:?}: {actual:?} is not {expect:?}"),
        }
    }

    #[test]
    fn a_selection_becomes_options() {
        check(None, Ok(None));
        check(Some("24h"), Ok(Some("2026-11-22T20:00:00Z")));
        check(Some("30d"), Ok(Some("2026-10-24T20:00:00Z")));
        check(
            Some("2026-11-20T08:00:00Z"),
            Ok(Some("2026-11-20T08:00:00Z")),
        );
        check(Some("last week"), Err("since: \"last week\" is not a time"));
    }
}

#[cfg(test)]
mod verify_tests {
    use super::*;

    /// A bundle holding `entries`, for the leak scan.
    fn bundle(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        let mut zip = ZipWriter::new(file.as_file_mut());
        let options = EntryOptions {
            modified: SystemTime::now(),
            unix_mode: 0o600,
            method: Method::Deflate,
        };
        for (name, bytes) in entries {
            zip.add_entry(name, &options, bytes, 6).expect("entry");
        }
        zip.finish().expect("finish");
        file
    }

    #[test]
    fn the_leak_scan_reads_the_request_files_too() {
        let file = bundle(&[
            ("request.json", b"{\"description\": \"all fine\"}\n"),
            ("request.md", b"# [CF-TEST-0001] web01 stopped\n"),
            ("logs/app.log", b"host-1a2b3c4d stopped\n"),
        ]);
        let mut names = Names::default();
        names.hostnames.insert("web01".into());
        let scanner = LeakScanner::new(&names, &Default::default(), &BTreeSet::new());
        let (leaks, _, scanned) =
            verify(file.path(), &scanner, None, 2, &AtomicBool::new(false)).expect("verify");
        assert_eq!(scanned, 3);
        let found: Vec<(&str, &str)> = leaks
            .iter()
            .map(|l| (l.entry.as_str(), l.what.as_str()))
            .collect();
        assert_eq!(found, vec![("request.md", "web01")]);
    }

    #[test]
    fn a_bundle_whose_request_was_never_redacted_gives_no_ticket_text() {
        let json: &[u8] = br#"{"schema_version": 2, "case_code": "CF-TEST-0001", "profile": "generic", "problem": {"subject": "host-1a2b3c4d stops"}}"#;
        let manifest = |redacted: bool| {
            format!(
                r#"{{"redaction": {{"enabled": true}}, "entries": [{{"name": "request.md", "redacted": {redacted}}}]}}"#
            )
        };
        let old = manifest(false);
        let file = bundle(&[
            ("request.json", json),
            ("request.md", b"# [CF-TEST-0001] web01 stops\n"),
            ("manifest.json", old.as_bytes()),
        ]);
        let error = RequestDocs::from_bundle(file.path()).expect_err("refused");
        assert!(
            error.to_string().contains("build the bundle again"),
            "{error}"
        );
        let new = manifest(true);
        let file = bundle(&[
            ("request.json", json),
            ("request.md", b"# [CF-TEST-0001] host-1a2b3c4d stops\n"),
            ("manifest.json", new.as_bytes()),
        ]);
        let docs = RequestDocs::from_bundle(file.path())
            .expect("read")
            .expect("docs");
        assert_eq!(docs.subject, "host-1a2b3c4d stops");
        assert_eq!(docs.case_code, "CF-TEST-0001");
        let none = bundle(&[("logs/app.log", b"x\n")]);
        assert!(
            RequestDocs::from_bundle(none.path())
                .expect("read")
                .is_none()
        );
    }

    #[test]
    fn the_disclosure_tally_counts_each_occurrence_once_across_read_blocks() {
        // Occurrences on both sides of the 1 MiB block edge and inside the carried overlap.
        let mut text = Vec::new();
        while text.len() < (1 << 20) - 6 {
            text.extend_from_slice(b"host-1a2b3c4d x ");
        }
        text.truncate((1 << 20) - 6);
        text.extend_from_slice(b" host-1a2b3c4d end\n");
        let expected = text
            .split(|b| *b == b' ')
            .filter(|w| *w == b"host-1a2b3c4d")
            .count() as u64;
        let mut mapping = crate::redact::Mapping::default();
        mapping.insert("host-1a2b3c4d".into(), Category::Hostname, "web01".into());
        let tally = crate::disclose::Tally::new(&mapping, &BTreeSet::new());
        let scanner = LeakScanner::new(&Names::default(), &Default::default(), &BTreeSet::new());
        let mut counts = crate::disclose::Counted::new();
        scan_stream(
            &mut text.as_slice(),
            &scanner,
            false,
            Some((&tally, &mut counts)),
        )
        .expect("scan");
        assert_eq!(counts, crate::disclose::Counted::from([(0, expected)]));
    }

    #[test]
    fn a_name_cut_by_a_read_block_edge_is_judged_with_the_bytes_on_both_sides() {
        // `wks-finance-07x` is another word, wherever the 1 MiB block edge falls in it; the
        // same name standing alone at an edge, or at the very end, is a leak.
        let mut names = Names::default();
        names.hostnames.insert("wks-finance-07".into());
        let scanner = LeakScanner::new(&names, &Default::default(), &BTreeSet::new());
        let edges = [
            SCAN_BLOCK,
            SCAN_BLOCK + (SCAN_BLOCK - SCAN_OVERLAP),
            2 * SCAN_BLOCK,
        ];
        for edge in edges {
            for (tail, leaks) in [(&b"x old profile\n"[..], 0), (b" found\n", 1)] {
                for raw in [false, true] {
                    let mut text = vec![b'.'; edge - b"wks-finance-07".len()];
                    text.extend_from_slice(b"wks-finance-07");
                    text.extend_from_slice(tail);
                    let found =
                        scan_stream(&mut text.as_slice(), &scanner, raw, None).expect("scan");
                    assert_eq!(
                        found.len(),
                        leaks,
                        "edge {edge}, {tail:?}, raw {raw}: {found:?}"
                    );
                }
            }
            let mut text = vec![b'.'; edge - b"wks-finance-07".len()];
            text.extend_from_slice(b"wks-finance-07");
            let found = scan_stream(&mut text.as_slice(), &scanner, false, None).expect("scan");
            assert_eq!(found.len(), 1, "a leak at the very end, edge {edge}");
        }
    }
}
