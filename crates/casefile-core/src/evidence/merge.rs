//! Combining bundles from several endpoints into one request, each under `endpoints/<name>/`.
//!
//! Each input keeps its own `manifest.json` inside its folder (its checksums still hold, since
//! the entries are copied unchanged); a new top-level manifest lists the endpoints and every
//! entry with its checksum. Pseudonyms agree across endpoints when their bundles were made with
//! the same key: the merge compares the key fingerprints and warns when they differ.
//!
//! Inputs come from other machines and are not trusted: each is refused, naming the file and
//! the limit, when it holds too many entries, expands too far in all or too many times its
//! compressed size ([`MergeLimits`]), or has overlapping entries (the zip reader refuses those).
//! An input's manifest saying it was redacted is only a claim: the merged bundle is read back
//! and leak-scanned ([`MergeCheck::scanner`]: this machine's names, the originals of its
//! pseudonym mapping, its key) before the merge reports it written, and the merged manifest
//! says what was checked.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::collect::{
    LeakReport, MANIFEST_SCHEMA_VERSION, RequestDocs, Tool, hex, read_full, scan_stream,
};
use super::fleet::FleetReport;
use crate::bundle::read::ZipReader;
use crate::bundle::zip::{EntryOptions, Method, ZipWriter};
use crate::redact::LeakScanner;

/// How far untrusted inputs may expand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeLimits {
    /// Entries in all inputs together.
    pub max_entries: u64,
    /// Uncompressed bytes in all inputs together.
    pub max_total: u64,
    /// An entry larger than [`ratio_free`](Self::ratio_free) may expand at most this many
    /// times its compressed size.
    pub max_ratio: u64,
    /// Up to this size, any ratio is accepted (small entries of repeated lines compress far).
    pub ratio_free: u64,
}

impl Default for MergeLimits {
    /// A million entries, 64 GiB in all, 250 times beyond 64 MiB per entry: far above what
    /// `casefile collect` makes, far below what a zip bomb claims.
    fn default() -> Self {
        MergeLimits {
            max_entries: 1_000_000,
            max_total: 64 << 30,
            max_ratio: 250,
            ratio_free: 64 << 20,
        }
    }
}

/// What a merge checks besides the zip structure.
#[derive(Default)]
pub struct MergeCheck {
    /// The limits on the inputs.
    pub limits: MergeLimits,
    /// The leak scan of the merged bundle; `None` when there is nothing to look for (no key,
    /// no mapping on this machine), which the merged manifest then says.
    pub scanner: Option<LeakScanner>,
}

/// Why a merge failed.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// An input cannot be read.
    #[error("{path}: cannot read the bundle: {source}")]
    Read {
        /// The input.
        path: PathBuf,
        /// Detail.
        source: io::Error,
    },
    /// An input is a zip but not a Casefile bundle.
    #[error(
        "{path}: not a Casefile bundle ({why}); merge bundles made by `casefile collect` or `casefile bundle`"
    )]
    NotABundle {
        /// The input.
        path: PathBuf,
        /// What is missing.
        why: String,
    },
    /// An input is over a limit (entries, expanded size, compression ratio).
    #[error(
        "{path}: {why}; it is refused as a possible zip bomb (merge only bundles Casefile made)"
    )]
    Limit {
        /// The input.
        path: PathBuf,
        /// Which limit, with the figures.
        why: String,
    },
    /// The output cannot be written.
    #[error("{path}: cannot write the merged bundle: {source}")]
    Write {
        /// The output.
        path: PathBuf,
        /// Detail.
        source: io::Error,
    },
}

impl MergeError {
    /// Whether the user can fix it (a wrong input) rather than the system (disk, permissions).
    pub fn is_user_error(&self) -> bool {
        match self {
            MergeError::NotABundle { .. } | MergeError::Limit { .. } => true,
            MergeError::Read { source, .. } => {
                matches!(
                    source.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::InvalidData
                )
            }
            MergeError::Write { .. } => false,
        }
    }
}

/// What a merge produced.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeOutcome {
    /// The merged bundle.
    pub bundle: PathBuf,
    /// Its size.
    pub bundle_bytes: u64,
    /// One per input.
    pub endpoints: Vec<EndpointSummary>,
    /// Things the user should know (keys that differ, bundles not redacted).
    pub warnings: Vec<String>,
    /// Known originals the leak scan found in the merged bundle: empty when it held (or when
    /// nothing was scanned; see `leak_scanned`).
    pub leaks: Vec<LeakReport>,
    /// Whether the merged bundle was leak-scanned.
    pub leak_scanned: bool,
    /// The fleet run's account of its hosts, as the merged bundle holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fleet: Option<FleetReport>,
}

/// One endpoint's part of a merged bundle.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSummary {
    /// Its folder under `endpoints/`.
    pub folder: String,
    /// The input bundle's file name (reported to the user, never written into the merged
    /// bundle).
    pub source: String,
    /// Entries copied.
    pub entries: usize,
    /// The key fingerprint its pseudonyms were made with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    /// Whether its own manifest says it was redacted: a claim of the machine that made it,
    /// checked only by the merge's leak scan.
    pub redacted: bool,
}

/// An endpoint as the merged manifest names it: without the input's file name, which stays on
/// the merging machine (fleet tools name the files after real hosts).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestEndpoint<'a> {
    folder: &'a str,
    entries: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fingerprint: Option<&'a str>,
    redacted: bool,
}

impl<'a> From<&'a EndpointSummary> for ManifestEndpoint<'a> {
    fn from(endpoint: &'a EndpointSummary) -> Self {
        ManifestEndpoint {
            folder: &endpoint.folder,
            entries: endpoint.entries,
            key_fingerprint: endpoint.key_fingerprint.as_deref(),
            redacted: endpoint.redacted,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MergedManifest<'a> {
    schema_version: u32,
    tool: Tool,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    case_code: Option<&'a str>,
    merged: bool,
    endpoints: Vec<ManifestEndpoint<'a>>,
    /// The fleet run's account of every host it targeted, by pseudonym.
    #[serde(skip_serializing_if = "Option::is_none")]
    fleet: Option<&'a FleetReport>,
    entries: &'a [MergedEntry],
    verification: Verification,
}

/// What the merge itself checked, as opposed to what each input's manifest claims.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verification {
    /// Each input's zip structure: entry count, expanded size, ratio, no overlapping entries.
    limits_checked: bool,
    /// Whether every entry (request files aside) was scanned for known originals.
    leak_scanned: bool,
    /// What the scan looked for.
    detail: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MergedEntry {
    name: String,
    size: u64,
    compressed_size: u64,
    sha256: String,
}

/// Merges `inputs` into `out`, with `request` (if any) at the top. A fleet run's `fleet` report
/// goes into the manifest and, as one sentence under "Endpoints", into `request.md`.
pub fn merge(
    inputs: &[PathBuf],
    request: Option<&RequestDocs>,
    fleet: Option<&FleetReport>,
    out: &Path,
    check: &MergeCheck,
) -> Result<MergeOutcome, MergeError> {
    let write_error = |source| MergeError::Write {
        path: out.to_path_buf(),
        source,
    };
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".casefile-")
        .suffix(".zip.partial")
        .tempfile_in(parent)
        .map_err(write_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o600))
            .map_err(write_error)?;
    }
    let mut zip = ZipWriter::new(temp.as_file_mut());
    let mut entries = Vec::new();
    let mut endpoints = Vec::new();
    let mut folders = BTreeSet::new();
    let limits = check.limits;
    let scanner = check.scanner.as_ref().filter(|scanner| !scanner.is_empty());
    let mut total_entries = 0u64;
    let mut total_bytes = 0u64;
    let options = |method| EntryOptions {
        modified: SystemTime::now(),
        unix_mode: 0o600,
        method,
    };

    if let Some(request) = request {
        let mut markdown = request.markdown.clone();
        if let Some(fleet) = fleet {
            if !markdown.ends_with('\n') {
                markdown.push('\n');
            }
            markdown.push_str(&format!("\n## Endpoints\n\n{}\n", fleet.line));
        }
        for (name, bytes) in [
            ("request.json", request.json.as_slice()),
            ("request.md", markdown.as_bytes()),
        ] {
            let summary = zip
                .add_entry(name, &options(Method::Deflate), bytes, 6)
                .map_err(write_error)?;
            entries.push(MergedEntry {
                name: name.into(),
                size: summary.size,
                compressed_size: summary.compressed_size,
                sha256: hex(&Sha256::digest(bytes)),
            });
        }
    }

    for input in inputs {
        let read_error = |source| MergeError::Read {
            path: input.clone(),
            source,
        };
        let mut reader =
            ZipReader::new(File::open(input).map_err(read_error)?).map_err(read_error)?;
        let limit = |why: String| MergeError::Limit {
            path: input.clone(),
            why,
        };
        for entry in reader.entries() {
            total_entries += 1;
            total_bytes = total_bytes.saturating_add(entry.size);
            if entry.size > limits.ratio_free
                && entry.size > entry.compressed_size.saturating_mul(limits.max_ratio)
            {
                return Err(limit(format!(
                    "entry {:?} expands from {} to {} bytes, more than {} times its size",
                    entry.name, entry.compressed_size, entry.size, limits.max_ratio
                )));
            }
        }
        if total_entries > limits.max_entries {
            return Err(limit(format!(
                "the inputs hold more than {} entries in all",
                limits.max_entries
            )));
        }
        if total_bytes > limits.max_total {
            return Err(limit(format!(
                "the inputs expand to more than {} bytes in all ({total_bytes} with this one)",
                limits.max_total
            )));
        }
        let Some(manifest_index) = reader.find("manifest.json") else {
            return Err(MergeError::NotABundle {
                path: input.clone(),
                why: "it has no manifest.json".into(),
            });
        };
        let mut manifest_bytes = Vec::new();
        reader
            .open(manifest_index)
            .and_then(|r| r.take(64 << 20).read_to_end(&mut manifest_bytes))
            .map_err(read_error)?;
        let manifest: serde_json::Value =
            serde_json::from_slice(&manifest_bytes).map_err(|e| MergeError::NotABundle {
                path: input.clone(),
                why: format!("its manifest.json is not valid JSON: {e}"),
            })?;
        // The endpoint's (pseudonymised) name from its manifest, else its place in the list:
        // never the input's file name, which fleet tools make from the real host name.
        let base = manifest
            .get("endpoint")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map_or_else(|| format!("endpoint-{}", endpoints.len() + 1), safe_folder);
        let mut folder = base.clone();
        let mut n = 2;
        while !folders.insert(folder.clone()) {
            folder = format!("{base}-{n}");
            n += 1;
        }
        let count = reader.entries().len();
        let mut buf = vec![0u8; 256 << 10];
        for index in 0..count {
            let entry = reader.entries()[index].clone();
            let name = format!("endpoints/{folder}/{}", entry.name);
            // Read through once to hash it (the reader checks its CRC32 and size at the end),
            // then copy its stored bytes as they are: no second compression.
            let mut hasher = Sha256::new();
            let mut source = reader.open(index).map_err(read_error)?;
            loop {
                let n = read_full(&mut source, &mut buf).map_err(read_error)?;
                hasher.update(&buf[..n]);
                if n < buf.len() {
                    break;
                }
            }
            drop(source);
            let mut raw = reader.open_raw(index).map_err(read_error)?;
            let summary = zip
                .add_raw_entry(
                    &name,
                    &options(entry.method),
                    &mut raw,
                    entry.crc32,
                    entry.size,
                )
                .map_err(write_error)?;
            entries.push(MergedEntry {
                name,
                size: summary.size,
                compressed_size: summary.compressed_size,
                sha256: hex(&hasher.finalize()),
            });
        }
        let redaction = manifest.get("redaction");
        endpoints.push(EndpointSummary {
            folder,
            source: input
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            entries: count,
            key_fingerprint: redaction
                .and_then(|r| r.get("keyFingerprint"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            redacted: redaction
                .and_then(|r| r.get("enabled"))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        });
    }

    let mut warnings = Vec::new();
    let fingerprints: BTreeSet<&str> = endpoints
        .iter()
        .filter_map(|e| e.key_fingerprint.as_deref())
        .collect();
    if fingerprints.len() > 1 {
        warnings.push(format!(
            "the bundles were made with different pseudonym keys ({}): the same host or user has different pseudonyms in different endpoints; share one key with `casefile key export` and `casefile key import`",
            fingerprints.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    for endpoint in endpoints.iter().filter(|e| !e.redacted) {
        warnings.push(format!(
            "{} was not redacted: its secrets and names are in the merged bundle as collected",
            endpoint.source
        ));
    }

    let verification = Verification {
        limits_checked: true,
        leak_scanned: scanner.is_some(),
        detail: if scanner.is_some() {
            "every entry but the request was scanned on the merging machine for its known host and user names, the originals of its pseudonym mapping, and its pseudonym key; each endpoint's redaction is as its own manifest records".to_owned()
        } else {
            "not leak-scanned: the merging machine has no pseudonym key or mapping to look for; each endpoint's redaction is as its own manifest records".to_owned()
        },
    };
    let manifest = MergedManifest {
        schema_version: MANIFEST_SCHEMA_VERSION,
        tool: Tool {
            name: "casefile",
            version: env!("CARGO_PKG_VERSION"),
        },
        created_at: Utc::now(),
        case_code: request.map(|r| r.case_code.as_str()),
        merged: true,
        endpoints: endpoints.iter().map(ManifestEndpoint::from).collect(),
        fleet,
        entries: &entries,
        verification,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    zip.add_entry("manifest.json", &options(Method::Deflate), &bytes, 6)
        .map_err(write_error)?;
    let file = zip.finish().map_err(write_error)?;
    file.flush().map_err(write_error)?;
    let bundle_bytes = file.seek(SeekFrom::End(0)).map_err(write_error)?;
    let leaks = match scanner {
        Some(scanner) => scan_merged(temp.path(), scanner).map_err(write_error)?,
        None => Vec::new(),
    };
    if scanner.is_none() {
        warnings.push(
            "the merged bundle was not leak-scanned: this machine has no pseudonym key or mapping to look for; each endpoint's redaction is as its own machine made it".to_owned(),
        );
    }
    temp.as_file().sync_all().map_err(write_error)?;
    temp.persist(out).map_err(|e| write_error(e.error))?;
    Ok(MergeOutcome {
        bundle: out.to_path_buf(),
        bundle_bytes,
        endpoints,
        warnings,
        leaks,
        leak_scanned: scanner.is_some(),
        fleet: fleet.cloned(),
    })
}

/// Reads the merged bundle back and scans every entry but the request for known originals.
fn scan_merged(path: &Path, scanner: &LeakScanner) -> io::Result<Vec<LeakReport>> {
    if scanner.is_empty() {
        return Ok(Vec::new());
    }
    let mut reader = ZipReader::new(File::open(path)?)?;
    let mut leaks = Vec::new();
    for index in 0..reader.entries().len() {
        let Some((name, raw)) = reader.entries().get(index).map(|e| {
            (
                e.name.clone(),
                e.method == crate::bundle::zip::Method::Stored,
            )
        }) else {
            continue;
        };
        // Every entry, the request included (it is redacted like the evidence); content stored
        // as it is is also searched in UTF-16.
        let mut entry = reader.open(index)?;
        leaks.extend(
            scan_stream(&mut entry, scanner, raw, None)?
                .into_iter()
                .map(|leak| LeakReport {
                    entry: name.clone(),
                    category: leak.category,
                    what: leak.what,
                    offset: leak.offset,
                }),
        );
    }
    Ok(leaks)
}

/// A folder name from a host pseudonym: letters, digits, `.`, `-`, `_`.
fn safe_folder(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('.').to_owned();
    if cleaned.is_empty() {
        "endpoint".into()
    } else {
        cleaned
    }
}
