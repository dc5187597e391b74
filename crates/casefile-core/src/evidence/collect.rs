//! The collection run: plan, run commands, take the snapshot, learn names, then stream every
//! item through redaction and compression into the bundle, and read it back for leaks.
//!
//! The write is a three-stage pipeline with constant memory. One reader thread walks the items
//! in entry order, cuts each into line-aligned chunks (to the incident window, the size cap and
//! the budget), and hands them out; worker threads redact and deflate chunks in parallel; the
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

use super::plan::{Plan, PlanRequest};
use super::resolve::Env;
use super::window::{Window, WindowFilter};
use super::{ItemSource, PlannedItem, SkipReason, Skipped, command, plan, snapshot};
use crate::bundle::deflate::{Chunk, deflate_chunk_into};
use crate::bundle::read::ZipReader;
use crate::bundle::zip::{EntryOptions, Method, ZipWriter};
use crate::profile::schema::Profile;
use crate::redact::{
    Category, Counts, Found, Leak, LeakScanner, Names, PseudonymKey, Redactor,
    private_key_state_after,
};

/// Input bytes per chunk: the unit of parallel redaction and compression.
pub const CHUNK: usize = 2 << 20;
/// A line longer than [`CHUNK`] keeps only this many bytes.
const LONG_LINE_KEEP: usize = 64 << 10;
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
    /// Add the support snapshot.
    pub snapshot: bool,
    /// Deflate level, 1 to 9.
    pub level: u32,
    /// Worker threads; 0 for one per core.
    pub threads: usize,
    /// The request, when the bundle carries one.
    pub request: Option<RequestDocs>,
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
            snapshot: true,
            level: 6,
            threads: 0,
            request: None,
        }
    }
}

impl CollectOptions {
    /// Options for what the user chose at the Evidence step: the ticked kinds (`None` leaves the
    /// default), the window (a label such as `24h` counted back from `now`, or an RFC 3339
    /// instant; times without an offset are read in `zone`, which is also the window's zone),
    /// the snapshot and binary flags. The rest keeps its defaults: redacted, level 6.
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
    /// endpoints' host names to pseudonymize, and the request as `request.md` and `request.json`.
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
        self.request = Some(RequestDocs {
            case_code: request.case_code.clone(),
            json: crate::render::request_json(request),
            markdown: crate::render::request_markdown(request, profile),
        });
        Ok(())
    }
}

/// The request's two documents and its case code.
#[derive(Debug, Clone)]
pub struct RequestDocs {
    /// The case code, recorded in the manifest.
    pub case_code: String,
    /// `request.json`.
    pub json: Vec<u8>,
    /// `request.md`.
    pub markdown: String,
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
    /// How many times the bundle was written (more than one when trimmed to the budget).
    pub passes: u32,
    /// The local mapping file, when one was kept.
    pub mapping: Option<PathBuf>,
    /// The key's fingerprint, when redacting.
    pub key_fingerprint: Option<String>,
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
    /// Replacements in this entry.
    pub redactions: Counts,
    /// Everything cut from it, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub truncated: Vec<Truncation>,
    /// The source's modification time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<DateTime<Utc>>,
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
    /// Kept byte for byte and stored (images, binaries the user included).
    Store,
}

/// Where an item's bytes come from, after commands have run.
#[derive(Debug, Clone)]
enum Content {
    File { path: PathBuf, gzip: bool },
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
}

/// What the reader learned about an item while reading it.
#[derive(Debug, Default)]
struct ReadInfo {
    original_size: Option<u64>,
    truncated: Vec<Truncation>,
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
    let Plan { items, mut skipped } = plan::plan(
        &PlanRequest {
            profile: context.profile,
            env: context.env,
            evidence: options.evidence.as_deref(),
            add: &options.add,
            screenshots: &options.screenshots,
            include_binary: options.include_binary,
        },
        cancel,
    );
    check(cancel)?;

    let mut work = Vec::new();
    if let Some(request) = &options.request {
        for (entry, bytes) in [
            ("request.json", request.json.clone()),
            ("request.md", request.markdown.clone().into_bytes()),
        ] {
            work.push(generated(entry, bytes, None, Mode::Verbatim));
        }
    }
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
            let entry = format!("snapshot/files/{}", relative_entry(path));
            match std::fs::symlink_metadata(path) {
                Ok(meta) if meta.is_file() => work.push(Work {
                    entry,
                    source: Some(path.display().to_string()),
                    evidence: None,
                    content: Content::File {
                        path: path.clone(),
                        gzip: false,
                    },
                    mode: Mode::Text { windowed: false },
                    max_bytes: Some(1 << 20),
                    budget_keep: None,
                    modified: meta.modified().ok(),
                    trimmable: false,
                    notes: Vec::new(),
                }),
                Ok(_) => skipped.push(Skipped {
                    source: path.display().to_string(),
                    reason: SkipReason::NotRegularFile,
                    detail: "an agent config path that is not a regular file".into(),
                }),
                Err(e) => skipped.push(skip_for_io(&path.display().to_string(), &e)),
            }
        }
    }
    dedupe_entries(&mut work);
    work.sort_by(|a, b| entry_order(&a.entry).cmp(&entry_order(&b.entry)));
    if work.is_empty() {
        return Err(CollectError::Empty(
            "no source of the profile exists on this machine and nothing was added; add files with --add"
                .into(),
        ));
    }

    // Learn names, then build the redactor.
    let redactor = if options.redact {
        let key = context.key.ok_or(CollectError::NoKey)?;
        let mut names = Names::from_system(&context.env.root, context.env.is_live());
        names.public_domains = crate::redact::vendor_domains(context.profile);
        names.merge(options.names.clone());
        names.merge(learn(&work, threads, progress, cancel)?);
        let redactor = Redactor::new(key, &names);
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
        let PassResult {
            mut entries,
            zip,
            per_item,
            pass_skipped,
            mut found,
            input_bytes,
        } = write_pass(
            &work,
            redactor.as_ref().map(|(r, _, _)| r),
            options,
            threads,
            file,
            phase,
            progress,
            cancel,
        )?;
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
            case_code: options.request.as_ref().map(|r| r.case_code.clone()),
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

        if let Some(budget) = options.budget
            && bundle_bytes > budget
            && passes < MAX_PASSES
        {
            plan_trim(&mut work, &per_item, bundle_bytes, budget)?;
            continue;
        }

        // Read it back for leaks.
        check(cancel)?;
        let leaks = match &redactor {
            Some((_, names, _)) => {
                report(Phase::Verify, 0, entries.len(), "");
                let scanner = LeakScanner::new(names, &found.mapping, &found.secrets);
                verify(temp.path(), &scanner, threads, cancel)?
            }
            None => Vec::new(),
        };
        check(cancel)?;
        temp.as_file().sync_all().map_err(write_error)?;
        temp.persist(out).map_err(|e| write_error(e.error))?;
        let mapping = match (context.mapping_path, &redactor) {
            (Some(path), Some(_)) if !found.mapping.is_empty() => {
                // The bundle is good without it; a mapping that cannot be saved is reported
                // by the caller finding `mapping: None`.
                found.mapping.save(path).ok().map(|()| path.to_path_buf())
            }
            _ => None,
        };
        report(Phase::Done, entries.len(), entries.len(), "");
        return Ok(Outcome {
            bundle: out.to_path_buf(),
            bundle_bytes,
            input_bytes,
            entries,
            skipped: all_skipped,
            redactions: found.counts,
            leaks,
            passes,
            mapping,
            key_fingerprint: redactor.map(|(_, _, f)| f),
        });
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

const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "bmp"];

/// Turns a planned item into work, running it if it is a command.
fn prepare(item: PlannedItem, include_binary: bool) -> Result<Work, Skipped> {
    let extension = Path::new(&item.entry)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let is_image = IMAGE_EXTENSIONS.contains(&extension.as_str());
    let mut notes = Vec::new();
    let (content, mode) = match item.source {
        ItemSource::File { path, gzip } => {
            let mode = if is_image {
                Mode::Store
            } else if include_binary && is_binary_file(&path) {
                // The plan skips binaries unless the user asked for them: stored as they are.
                Mode::Store
            } else {
                Mode::Text { windowed: true }
            };
            (Content::File { path, gzip }, mode)
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
    })
}

fn is_binary_file(path: &Path) -> bool {
    let mut sample = [0u8; 8192];
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    let mut n = 0;
    while n < sample.len() {
        match file.read(&mut sample[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    // A gzip log is text once decompressed.
    !sample.starts_with(&[0x1f, 0x8b]) && plan::is_binary(&sample[..n])
}

/// Request first, then manifest-described entries by name.
fn entry_order(entry: &str) -> (u8, &str) {
    match entry {
        "request.json" => (0, entry),
        "request.md" => (1, entry),
        _ => (2, entry),
    }
}

/// Makes entry names unique (the plan already does; snapshot files may collide with it).
fn dedupe_entries(work: &mut [Work]) {
    let mut seen = BTreeSet::new();
    for item in work.iter_mut() {
        let mut name = item.entry.clone();
        let mut n = 2;
        while !seen.insert(name.clone()) {
            name = numbered(&item.entry, n);
            n += 1;
        }
        item.entry = name;
    }
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

/// Reads every text item once, in parallel, to learn host and user names.
fn learn(
    work: &[Work],
    threads: usize,
    progress: &(dyn Fn(&Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<Names, CollectError> {
    let texts: Vec<&Work> = work
        .iter()
        .filter(|w| matches!(w.mode, Mode::Text { .. }))
        .collect();
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
                        let Some(item) = texts.get(index) else { break };
                        progress(&Progress {
                            phase: Phase::Learn,
                            items_done: index,
                            items_total: total,
                            bytes_done: 0,
                            bytes_total: 0,
                            current: String::new(),
                        });
                        let Ok((mut reader, _)) = open_content(&item.content) else {
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
    Ok(merged.finish())
}

/// Opens an item's content for reading: (reader, size on disk).
fn open_content(content: &Content) -> io::Result<(Box<dyn Read + Send>, u64)> {
    match content {
        Content::File { path, gzip } => {
            let file = File::open(path)?;
            let meta = file.metadata()?;
            if !meta.is_file() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a regular file",
                ));
            }
            let size = meta.len();
            let limited = BufReader::with_capacity(256 << 10, file.take(size));
            if *gzip {
                Ok((Box::new(MultiGzDecoder::new(limited)), size))
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
    let names: Vec<String> = {
        let mut scratch = Found::default();
        work.iter()
            .map(|w| match redactor {
                Some(r) => r.redact_text(&w.entry, &mut scratch),
                None => w.entry.clone(),
            })
            .collect()
    };

    std::thread::scope(|scope| {
        // The reader.
        let reader_window = options.window;
        scope.spawn(move || {
            let job_tx = job_tx;
            read_all(work, reader_window, &job_tx, &ticket_rx, pool, cancel);
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
        write_in_order(
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
        )
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
fn read_all(
    work: &[Work],
    window: Window,
    jobs: &SyncSender<Job>,
    tickets: &Receiver<()>,
    pool: &Pool,
    cancel: &AtomicBool,
) {
    let mut seq = 0u64;
    let mut send = |job: Job| -> bool {
        if cancel.load(Ordering::Relaxed) || tickets.recv().is_err() {
            return false;
        }
        jobs.send(job).is_ok()
    };
    for (index, item) in work.iter().enumerate() {
        if !read_item(index, item, window, pool, &mut seq, &mut send) {
            return;
        }
    }
}

/// Reads one item into chunks; false when the run is over (cancelled or the writer stopped).
fn read_item(
    index: usize,
    item: &Work,
    window: Window,
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
    let (mut reader, disk_size) = match open_content(&item.content) {
        Ok(opened) => opened,
        Err(e) => {
            let skipped = skip_for_io("", &e);
            return send(skip(skipped.reason, skipped.detail, next_seq()));
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
    let mut full_size = if is_gzip { None } else { Some(disk_size) };
    if let (Some(keep), true) = (keep, matches!(item.mode, Mode::Text { .. })) {
        // How long is the content? For gzip, count it first (a second decompression only for
        // logs that may be over their cap).
        if full_size.is_none() && disk_size.saturating_mul(2) > keep {
            let mut counter = match open_content(&item.content) {
                Ok((r, _)) => r,
                Err(_) => Box::new(io::empty()),
            };
            full_size = io::copy(&mut counter, &mut io::sink()).ok();
        }
        if let Some(size) = full_size.filter(|&size| size > keep) {
            let start = size - keep;
            // Skip to `start`, then to the next line start.
            let skipped = skip_bytes(&mut reader, start).unwrap_or(0);
            let partial = discard_line(&mut reader).0;
            let removed = skipped + partial;
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
    info.original_size = full_size;
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
    let mut pem = false;
    let mut carry: Vec<u8> = Vec::new();
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
            // One line longer than a chunk: keep its start, drop the rest of it.
            let mut kept = buf;
            kept.truncate(LONG_LINE_KEEP);
            let (dropped, found_end) = discard_line(&mut reader);
            let removed = (CHUNK - LONG_LINE_KEEP) as u64 + dropped;
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
        pem = private_key_state_after(&piece, pem);
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

fn skip_bytes(reader: &mut dyn Read, n: u64) -> io::Result<u64> {
    io::copy(&mut reader.take(n), &mut io::sink())
}

/// Reads and drops bytes up to and including the next newline: (bytes dropped, found one).
/// Byte by byte, since what follows the newline cannot be pushed back; the readers are
/// buffered, so this costs a call per byte, not a system call.
fn discard_line(reader: &mut dyn Read) -> (u64, bool) {
    let mut dropped = 0u64;
    let mut byte = [0u8; 1];
    loop {
        match reader.read(&mut byte) {
            Ok(0) => return (dropped, false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (dropped, false),
            Ok(_) => {
                dropped += 1;
                if byte[0] == b'\n' {
                    return (dropped, true);
                }
            }
        }
    }
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
                last,
            } => {
                let mode = work.get(item).map_or(Mode::Store, |w| w.mode);
                let mut found = Found::default();
                let input_len = data.len();
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
                let chunk = if mode == Mode::Store {
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
                            method: if w.mode == Mode::Store {
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
                    if w.mode == Mode::Store {
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
                        entries.push(ManifestEntry {
                            name: names[item].clone(),
                            source: w.source.clone(),
                            evidence: w.evidence.clone(),
                            size: summary.size,
                            compressed_size: summary.compressed_size,
                            original_size: info.original_size,
                            sha256: hex(&hasher.finalize()),
                            redacted: redacting && matches!(w.mode, Mode::Text { .. }),
                            redactions: item_found.counts.clone(),
                            truncated,
                            modified: w.modified.map(DateTime::<Utc>::from),
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

/// Reads the finished bundle back and looks for known originals in every redacted entry and
/// the manifest.
fn verify(
    path: &Path,
    scanner: &LeakScanner,
    threads: usize,
    cancel: &AtomicBool,
) -> Result<Vec<LeakReport>, CollectError> {
    if scanner.is_empty() {
        return Ok(Vec::new());
    }
    let verify_error = |source| CollectError::Verify {
        path: path.to_path_buf(),
        source,
    };
    let count = ZipReader::new(File::open(path).map_err(verify_error)?)
        .map_err(verify_error)?
        .entries()
        .len();
    let results: Vec<io::Result<Vec<LeakReport>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|t| {
                scope.spawn(move || -> io::Result<Vec<LeakReport>> {
                    let mut reader = ZipReader::new(File::open(path)?)?;
                    let mut leaks = Vec::new();
                    for index in (t..count).step_by(threads.max(1)) {
                        if cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let name = reader.entries()[index].name.clone();
                        if name == "request.json" || name == "request.md" {
                            // Written by the user, on purpose.
                            continue;
                        }
                        let mut entry = reader.open(index)?;
                        leaks.extend(scan_stream(&mut entry, scanner)?.into_iter().map(|leak| {
                            LeakReport {
                                entry: name.clone(),
                                category: leak.category,
                                what: leak.what,
                                offset: leak.offset,
                            }
                        }));
                    }
                    Ok(leaks)
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
    for result in results {
        leaks.extend(result.map_err(verify_error)?);
    }
    leaks.sort_by(|a, b| (&a.entry, a.offset).cmp(&(&b.entry, b.offset)));
    leaks.dedup_by(|a, b| a.entry == b.entry && a.what == b.what && a.category == b.category);
    Ok(leaks)
}

/// Scans a stream in blocks that overlap by a line's worth, so a needle across two blocks is
/// still found; a hit is reported once per entry and original.
fn scan_stream(reader: &mut dyn Read, scanner: &LeakScanner) -> io::Result<Vec<Leak>> {
    const BLOCK: usize = 1 << 20;
    const OVERLAP: usize = 4096;
    let mut buf = vec![0u8; BLOCK + OVERLAP];
    let mut kept = 0usize;
    let mut base = 0u64;
    let mut seen = BTreeSet::new();
    let mut leaks = Vec::new();
    loop {
        let n = read_full(reader, &mut buf[kept..kept + BLOCK])?;
        if n == 0 {
            break;
        }
        let len = kept + n;
        for mut leak in scanner.scan(&buf[..len]) {
            if seen.insert((leak.category, leak.what.clone())) {
                leak.offset += base;
                leaks.push(leak);
            }
        }
        let keep = OVERLAP.min(len);
        buf.copy_within(len - keep..len, 0);
        base += (len - keep) as u64;
        kept = keep;
    }
    Ok(leaks)
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
