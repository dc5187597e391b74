//! Redaction: secrets removed, identifiers replaced by consistent keyed pseudonyms.
//!
//! The flow, per bundle:
//! 1. [`Names::from_system`] and a [`Learner`] fed with all collected text find the machine's
//!    host, domain and user names (before anything is redacted, so every occurrence is caught);
//! 2. one [`Redactor`], built from a [`PseudonymKey`] and those [`Names`], is shared by the worker
//!    threads; each calls [`Redactor::redact`] on line-aligned chunks (carrying the private-key
//!    state from one chunk to the next with [`private_key_state_after`]) and collects a [`Found`];
//! 3. the merged [`Found::mapping`] (pseudonym to original) stays on the customer's machine, and a
//!    [`LeakScanner`] checks the finished bundle for any original that got through.
//!
//! Secrets become `[REDACTED]`. Identifiers become pseudonyms made from HMAC-SHA256 under the key
//! (`host-1a2b3c4d`, `domain-….example`, `user-…`, `word-…`, `email-…@redacted.invalid`, IPv4 in
//! 240.0.0.0/4, IPv6 in 2001:db8::/32, MAC `02:…`), so the same value gets the same pseudonym in every bundle made
//! with the same key, whatever its form (upper or lower case, with or without a prefix length).
//!
//! The redactor is a hand-written single pass per detector family, anchored on cheap literal
//! prefilters (`memchr` on `:` `.` `-` `@`, `memmem` on `eyJ`, `PRIVATE KEY-----`), a word-start
//! pass with prefix filters for the anchors of self-identifying tokens and vendor names
//! (`tokens.rs`), and one Aho-Corasick pass for secret key words and known names together; the
//! detectors propose edits and one merge pass writes the output. The exact rules for each category are documented on
//! [`Redactor`].
//!
//! ```
//! use casefile_core::redact::{Found, Names, PseudonymKey, Redactor};
//!
//! let key = PseudonymKey::generate()?;
//! let mut names = Names::default();
//! names.hostnames.insert("web01".to_owned());
//! let redactor = Redactor::new(&key, &names);
//! let mut found = Found::default();
//! let text = redactor.redact_text("web01: password=hunter2-FAKE from 10.1.2.3", &mut found);
//! assert!(!text.contains("web01") && !text.contains("hunter2") && !text.contains("10.1.2.3"));
//! assert!(text.contains("password=[REDACTED]"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod classes;
mod key;
mod leak;
mod mapping;
mod names;
mod scan;
mod tokens;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use key::{KeyError, PseudonymKey};
pub use leak::{Leak, LeakScanner, Part};
pub use mapping::{Mapping, MappingEntry, MappingError};
pub use names::{Learner, Names, PUBLIC_DOMAINS, STOP_LIST, is_common_word, vendor_domains};
pub use scan::{KnownSecrets, Redactor};

/// What kind of thing was redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Passwords, tokens, keys: removed.
    Secret,
    /// E-mail addresses.
    Email,
    /// IPv4 addresses.
    Ipv4,
    /// IPv6 addresses.
    Ipv6,
    /// MAC addresses.
    Mac,
    /// Host names.
    Hostname,
    /// The customer's domain names.
    Domain,
    /// User names.
    Username,
    /// The user's own keywords.
    Keyword,
}

impl Category {
    /// Every category, in a stable order.
    pub const ALL: [Category; 9] = [
        Category::Secret,
        Category::Email,
        Category::Ipv4,
        Category::Ipv6,
        Category::Mac,
        Category::Hostname,
        Category::Domain,
        Category::Username,
        Category::Keyword,
    ];

    /// The name used in JSON and reports: `secret`, `email`, `ipv4`, `ipv6`, `mac`, `hostname`,
    /// `domain`, `username`, `keyword`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secret => "secret",
            Category::Email => "email",
            Category::Ipv4 => "ipv4",
            Category::Ipv6 => "ipv6",
            Category::Mac => "mac",
            Category::Hostname => "hostname",
            Category::Domain => "domain",
            Category::Username => "username",
            Category::Keyword => "keyword",
        }
    }

    fn index(self) -> usize {
        match self {
            Category::Secret => 0,
            Category::Email => 1,
            Category::Ipv4 => 2,
            Category::Ipv6 => 3,
            Category::Mac => 4,
            Category::Hostname => 5,
            Category::Username => 6,
            Category::Keyword => 7,
            Category::Domain => 8,
        }
    }
}

/// How many replacements were made, per category.
///
/// Serialized as a JSON object of the non-zero categories: `{"secret": 3, "ipv4": 10}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    counts: [u64; 9],
}

impl Counts {
    /// Adds `n` replacements of category `c`.
    pub fn add(&mut self, c: Category, n: u64) {
        if let Some(slot) = self.counts.get_mut(c.index()) {
            *slot = slot.saturating_add(n);
        }
    }

    /// The replacements of category `c`.
    pub fn get(&self, c: Category) -> u64 {
        self.counts.get(c.index()).copied().unwrap_or(0)
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Counts) {
        for c in Category::ALL {
            self.add(c, other.get(c));
        }
    }

    /// All replacements.
    pub fn total(&self) -> u64 {
        self.counts
            .iter()
            .fold(0u64, |sum, n| sum.saturating_add(*n))
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let non_zero: Vec<(Category, u64)> = Category::ALL
            .into_iter()
            .map(|c| (c, self.get(c)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let mut map = serializer.serialize_map(Some(non_zero.len()))?;
        for (c, n) in non_zero {
            map.serialize_entry(c.as_str(), &n)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Counts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<Category, u64>::deserialize(deserializer)?;
        let mut counts = Counts::default();
        for (c, n) in map {
            counts.add(c, n);
        }
        Ok(counts)
    }
}

/// What one or more [`Redactor`] calls replaced.
#[derive(Debug, Default, Clone)]
pub struct Found {
    /// Replacements per category.
    pub counts: Counts,
    /// Every pseudonym issued, with its original.
    pub mapping: Mapping,
    /// Every removed secret value of 4 bytes or more, for the leak scan; kept in memory only.
    pub secrets: BTreeSet<Vec<u8>>,
    /// Secrets removed, per kind (`password`, `jwt`, `private-key`…): what the disclosure review
    /// shows instead of the values.
    pub secret_kinds: BTreeMap<&'static str, u64>,
    /// Where each replacement landed in the output, when asked for (`Some`, for previews that
    /// highlight them); `None`, the default, records nothing.
    pub spans: Option<Vec<Span>>,
}

/// One replacement in redacted output: bytes `start..end` of the output (as returned by the
/// call that recorded it) are a pseudonym, `[REDACTED]`, or an original the user keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// Offset of the first byte in the output.
    pub start: usize,
    /// Offset just past the last byte.
    pub end: usize,
    /// What was found.
    pub category: Category,
    /// For a secret, its kind (`password`, `jwt`, `private-key`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// The original was left as it is, because the user keeps it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub kept: bool,
}

impl Found {
    /// Adds everything `other` found.
    pub fn merge(&mut self, other: Found) {
        self.counts.merge(&other.counts);
        self.mapping.merge(other.mapping);
        self.secrets.extend(other.secrets);
        for (kind, n) in other.secret_kinds {
            let slot = self.secret_kinds.entry(kind).or_default();
            *slot = slot.saturating_add(n);
        }
        if let (Some(spans), Some(more)) = (self.spans.as_mut(), other.spans) {
            spans.extend(more);
        }
    }
}

/// Where the local pseudonym mapping is kept in a data folder: `mapping.json`.
pub fn mapping_path(data_dir: &Path) -> PathBuf {
    data_dir.join("mapping.json")
}

/// A file's start as a bundle shows it: see [`preview_with`].
#[derive(Debug, Clone)]
pub struct FilePreview {
    /// The redacted text (or, for a binary file, a sentence saying so).
    pub text: String,
    /// Whether the file is longer than what was read.
    pub truncated: bool,
    /// Replacements per category in `text`.
    pub counts: Counts,
    /// Where each replacement, or each original the user keeps, is in `text` (byte offsets).
    pub spans: Vec<Span>,
}

/// The first `max_bytes` of the file at `path`, redacted by `redactor`. Built from the
/// bundle's own rules ([`crate::evidence::collect::redaction_rules`]: the names learned over the
/// whole selection and the request, the draft's words to hide and names to keep), this is
/// exactly what the bundle holds for that file (for a file within `max_bytes`, with the same
/// counts). A binary file gives a sentence saying so instead of its bytes.
pub fn preview_with(
    redactor: &Redactor,
    path: &Path,
    max_bytes: usize,
) -> std::io::Result<FilePreview> {
    let (bytes, truncated) = read_start(path, max_bytes)?;
    if is_binary_start(&bytes) {
        return Ok(binary_preview(path, truncated));
    }
    // UTF-16 and other non-UTF-8 text is shown as a bundle stores it: decoded to UTF-8.
    let bytes = crate::evidence::encoding::to_utf8(&bytes).0.into_owned();
    let mut found = Found {
        spans: Some(Vec::new()),
        ..Found::default()
    };
    let mut out = Vec::with_capacity(bytes.len());
    redactor.redact(&bytes, false, &mut out, &mut found);
    let (text, spans) = lossy_text(&out, found.spans.unwrap_or_default());
    Ok(FilePreview {
        text,
        truncated,
        counts: found.counts,
        spans,
    })
}

/// `bytes` as text, invalid UTF-8 replaced by U+FFFD, with `spans` moved to match.
fn lossy_text(bytes: &[u8], mut spans: Vec<Span>) -> (String, Vec<Span>) {
    let mut text = String::with_capacity(bytes.len());
    // (end of an invalid run in `bytes`, how much later everything after it is in `text`)
    let mut shifts: Vec<(usize, isize)> = Vec::new();
    let mut at = 0usize;
    let mut shift = 0isize;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        at += chunk.valid().len();
        let invalid = chunk.invalid().len();
        if invalid > 0 {
            text.push(char::REPLACEMENT_CHARACTER);
            at += invalid;
            shift += char::REPLACEMENT_CHARACTER.len_utf8() as isize - invalid as isize;
            shifts.push((at, shift));
        }
    }
    if !shifts.is_empty() {
        let moved = |offset: usize| {
            let index = shifts.partition_point(|(end, _)| *end <= offset);
            let delta = index
                .checked_sub(1)
                .and_then(|i| shifts.get(i))
                .map_or(0, |(_, delta)| *delta);
            offset.saturating_add_signed(delta).min(text.len())
        };
        for span in &mut spans {
            span.start = moved(span.start);
            span.end = moved(span.end);
        }
    }
    (text, spans)
}

/// The first `max_bytes` of the file at `path`, redacted with names from this machine and from
/// that part of the file alone. A bundle learns names over its whole selection and the request:
/// for a preview that matches the bundle, use [`preview_with`]. Returns the text, whether the
/// file is longer than what was read, and the replacements.
pub fn preview_file(
    key: &PseudonymKey,
    path: &Path,
    max_bytes: usize,
) -> std::io::Result<(String, bool, Counts)> {
    let (bytes, truncated) = read_start(path, max_bytes)?;
    if is_binary_start(&bytes) {
        let preview = binary_preview(path, truncated);
        return Ok((preview.text, preview.truncated, preview.counts));
    }
    let bytes = crate::evidence::encoding::to_utf8(&bytes).0.into_owned();
    let mut names = Names::from_system(Path::new("/"), true);
    let mut learner = Learner::new();
    learner.feed(&bytes);
    names.merge(learner.finish());
    let preview = preview_with(&Redactor::new(key, &names), path, max_bytes)?;
    Ok((preview.text, preview.truncated, preview.counts))
}

/// The first `max_bytes` of a file, and whether it is longer.
fn read_start(path: &Path, max_bytes: usize) -> std::io::Result<(Vec<u8>, bool)> {
    use std::io::Read;
    let file = fs_err::File::open(path)?;
    let length = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(max_bytes.min(usize::try_from(length).unwrap_or(max_bytes)));
    file.take(u64::try_from(max_bytes).unwrap_or(u64::MAX))
        .read_to_end(&mut bytes)?;
    let truncated = length > bytes.len() as u64;
    Ok((bytes, truncated))
}

fn is_binary_start(bytes: &[u8]) -> bool {
    let sample = bytes
        .get(..bytes.len().min(crate::evidence::plan::SAMPLE_SIZE))
        .unwrap_or_default();
    crate::evidence::plan::is_binary(sample)
}

fn binary_preview(path: &Path, truncated: bool) -> FilePreview {
    FilePreview {
        text: format!(
            "{} is a binary file or an image: it is not shown; a binary goes into a bundle as it is only when binary files are included, an image only re-encoded without its metadata",
            path.display()
        ),
        truncated,
        counts: Counts::default(),
        spans: Vec::new(),
    }
}

/// Whether a chunk that starts in state `in_private_key` ends inside a private-key block.
///
/// Cheap (a `memmem` for `PRIVATE KEY-----`); a caller splitting one file into chunks for
/// parallel redaction computes each chunk's starting state with it.
pub fn private_key_state_after(chunk: &[u8], in_private_key: bool) -> bool {
    walk_private_keys(chunk, in_private_key, |_, _, _| {})
}

const PK_TAIL: &[u8] = b"PRIVATE KEY";
const PK_BEGIN: &[u8] = b"-----BEGIN ";
const PK_END: &[u8] = b"-----END ";
/// PuTTY's `.ppk` files: the private part is the `N` base64 lines after `Private-Lines: N`.
const PPK_PRIVATE: &[u8] = b"Private-Lines:";

/// Which private-key marker a line holds, and where.
enum Marker {
    /// `-----BEGIN … PRIVATE KEY-----` (or `… PRIVATE KEY BLOCK-----`, or PuTTY's
    /// `Private-Lines: N`): where the marker ends within the line.
    Begin(usize),
    /// `-----END … PRIVATE KEY-----`: where the marker starts and ends.
    End(usize, usize),
}

/// The first private-key marker in `line` at or after `from`.
fn find_marker(line: &[u8], from: usize) -> Option<Marker> {
    if let Some(rest) = line.get(from..)
        && rest.trim_ascii_start().starts_with(PPK_PRIVATE)
    {
        return Some(Marker::Begin(line.len()));
    }
    let mut search = from;
    loop {
        let rest = line.get(search..)?;
        let tail = search + memchr::memmem::find(rest, PK_TAIL)?;
        let mut end = tail + PK_TAIL.len();
        if line.get(end..).is_some_and(|r| r.starts_with(b" BLOCK")) {
            end += 6;
        }
        if line.get(end..end + 5) != Some(b"-----") {
            search = end;
            continue;
        }
        end += 5;
        let head = line.get(from..tail).unwrap_or_default();
        let begin = memchr::memmem::rfind(head, PK_BEGIN).map(|at| from + at);
        let finish = memchr::memmem::rfind(head, PK_END).map(|at| from + at);
        match (begin, finish) {
            (Some(b), Some(e)) if e > b => return Some(Marker::End(e, end)),
            (Some(_), _) => return Some(Marker::Begin(end)),
            (None, Some(e)) => return Some(Marker::End(e, end)),
            (None, None) => search = end,
        }
    }
}

/// What a line inside a key block holds.
enum Body {
    /// Key material (base64, armour headers such as `Proc-Type:`, `Version:`, `Private-MAC:`):
    /// blanked whole.
    Whole,
    /// Text ending in a long base64 run (a key line behind a log prefix): the run from here.
    Tail(usize),
    /// Nothing.
    Blank,
    /// Anything else: the block has ended without its END marker.
    Not,
}

/// Classifies `text`, a line (or the rest of one) inside a key block.
fn body_line(text: &[u8]) -> Body {
    let trimmed = text.trim_ascii();
    if !has_text(trimmed) {
        return Body::Blank;
    }
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_');
    if trimmed
        .iter()
        .all(|&b| is_b64(b) || matches!(b, b'\\' | b'"' | b'\'' | b',' | b' ' | b'\t'))
        && !trimmed.contains(&b' ')
    {
        return Body::Whole;
    }
    const HEADERS: &[&[u8]] = &[
        b"Proc-Type:",
        b"DEK-Info:",
        b"Version:",
        b"Comment:",
        b"Hash:",
        b"Charset:",
        b"MessageID:",
        b"Private-MAC:",
        b"Encryption:",
        b"Public-Lines:",
        b"Key-Derivation:",
        b"Argon2-Memory:",
        b"Argon2-Passes:",
        b"Argon2-Parallelism:",
        b"Argon2-Salt:",
    ];
    if HEADERS.iter().any(|h| trimmed.starts_with(h)) {
        return Body::Whole;
    }
    let last = trimmed
        .rsplit(|b| b.is_ascii_whitespace())
        .next()
        .unwrap_or_default();
    let quote = |b: &u8| matches!(b, b'"' | b'\'' | b',');
    let lead = last.iter().take_while(|b| quote(b)).count();
    let run = last.get(lead..).unwrap_or_default();
    let run = run
        .get(..run.len() - run.iter().rev().take_while(|b| quote(b)).count())
        .unwrap_or_default();
    if run.len() >= 40 && run.iter().all(|&b| is_b64(b)) {
        let offset = memchr::memmem::rfind(text, run).unwrap_or(0);
        return Body::Tail(offset);
    }
    Body::Not
}

/// Walks the lines of `input` that lie inside private-key blocks and calls
/// `redact(start, end, first_of_block)` with each byte range to blank (a line's content without
/// its `\r\n`, or the part of a line between markers). Returns the state at the end.
///
/// A block starts at a BEGIN marker and ends at its END marker, or at the first line that does
/// not look like key material (see [`body_line`]): a stray BEGIN marker in a message, or a key
/// cut short, blanks only itself.
fn walk_private_keys(
    input: &[u8],
    mut inside: bool,
    mut redact: impl FnMut(usize, usize, bool),
) -> bool {
    let mut pos = 0;
    // A block continued from an earlier chunk was counted there.
    let mut first = false;
    // The next occurrence of each marker at or after `pos`, searched again only once passed
    // (a search that finds nothing would otherwise read the rest of the input at every block).
    let mut next_pem = memchr::memmem::find(input, PK_TAIL);
    let mut next_ppk = memchr::memmem::find(input, PPK_PRIVATE);
    let find_from = |needle: &[u8], cached: &mut Option<usize>, pos: usize| -> Option<usize> {
        if cached.is_some_and(|at| at < pos) {
            *cached = input
                .get(pos..)
                .and_then(|rest| memchr::memmem::find(rest, needle))
                .map(|at| pos + at);
        }
        *cached
    };
    while pos < input.len() {
        if !inside {
            // Jump to the line of the next marker; lines before it are outside any block.
            let next = match (
                find_from(PK_TAIL, &mut next_pem, pos),
                find_from(PPK_PRIVATE, &mut next_ppk, pos),
            ) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return false,
            };
            pos = memchr::memrchr(b'\n', input.get(..next).unwrap_or_default())
                .map_or(0, |nl| nl + 1)
                .max(pos);
        }
        let line_end = memchr::memchr(b'\n', input.get(pos..).unwrap_or_default())
            .map_or(input.len(), |at| pos + at);
        let next = (line_end + 1).min(input.len().max(line_end));
        let line = input.get(pos..line_end).unwrap_or_default();
        let content = line.strip_suffix(b"\r").unwrap_or(line);
        let mut cursor = 0;
        while cursor <= content.len() {
            if inside {
                if let Some(Marker::End(start, end)) = find_marker(content, cursor) {
                    if content.get(cursor..start).is_some_and(has_text) {
                        redact(pos + cursor, pos + start, first);
                        first = false;
                    }
                    inside = false;
                    cursor = end;
                    continue;
                }
                match body_line(content.get(cursor..).unwrap_or_default()) {
                    Body::Whole => {
                        redact(pos + cursor, pos + content.len(), first);
                        first = false;
                    }
                    Body::Tail(offset) => {
                        redact(pos + cursor + offset, pos + content.len(), first);
                        first = false;
                    }
                    Body::Blank => {}
                    Body::Not => {
                        // The block ended without an END marker; this line is outside it.
                        inside = false;
                        first = false;
                        continue;
                    }
                }
                break;
            } else {
                match find_marker(content, cursor) {
                    Some(Marker::Begin(end)) => {
                        inside = true;
                        first = true;
                        cursor = end;
                    }
                    Some(Marker::End(_, end)) => cursor = end,
                    None => break,
                }
            }
        }
        if line_end >= input.len() {
            break;
        }
        pos = next;
    }
    inside
}

/// Whether `bytes` holds anything but white space (and escaped `\n` sequences).
fn has_text(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii();
    !trimmed.is_empty() && trimmed != b"\\n" && trimmed != b"\\r\\n"
}

/// Writes `contents` to `path` with mode 0600 so that a crash leaves the old file or the new
/// one. With `replace` false, an existing file is kept and `AlreadyExists` returned.
fn write_private_file(path: &Path, contents: &[u8], replace: bool) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    // tempfile creates its files with mode 0600 on Unix, and the rename keeps it.
    let mut temporary = tempfile::Builder::new()
        .prefix(".casefile-")
        .suffix(".tmp")
        .tempfile_in(&folder)?;
    temporary.write_all(contents)?;
    temporary.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    if replace {
        temporary.persist(path).map_err(|error| error.error)?;
    } else {
        temporary
            .persist_noclobber(path)
            .map_err(|error| error.error)?;
    }
    if let Ok(handle) = std::fs::File::open(&folder) {
        let _ = handle.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_serialize_only_non_zero_categories_and_round_trip() {
        let mut counts = Counts::default();
        counts.add(Category::Secret, 3);
        counts.add(Category::Ipv4, 10);
        let json = serde_json::to_string(&counts).expect("json");
        assert_eq!(json, r#"{"secret":3,"ipv4":10}"#);
        let back: Counts = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, counts);
        let mut more = Counts::default();
        more.add(Category::Ipv4, 1);
        more.merge(&counts);
        assert_eq!(more.get(Category::Ipv4), 11);
        assert_eq!(more.total(), 14);
    }

    #[test]
    fn category_names_match_serde() {
        for c in Category::ALL {
            let json = serde_json::to_string(&c).expect("json");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }

    fn blank_keys(text: &str) -> String {
        let mut out = text.as_bytes().to_vec();
        let mut ranges = Vec::new();
        walk_private_keys(text.as_bytes(), false, |s, e, _| ranges.push((s, e)));
        for (s, e) in ranges.into_iter().rev() {
            out.splice(s..e, b"#".iter().copied());
        }
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn pgp_putty_openssh_and_pkcs8_private_keys_are_blanked() {
        let text = "\
-----BEGIN PGP PRIVATE KEY BLOCK-----
Version: GnuPG v2

lQOYBFAKEFAKEbase64bodyFAKE
=FAKE
-----END PGP PRIVATE KEY BLOCK-----
PuTTY-User-Key-File-3: ssh-ed25519
Public-Lines: 1
AAAAC3NzaC1lZDI1NTE5publicFAKE
Private-Lines: 1
AAAAIFAKEprivateFAKE
Private-MAC: 0123456789abcdefFAKE
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAFAKE
-----END OPENSSH PRIVATE KEY-----
-----BEGIN ENCRYPTED PRIVATE KEY-----
MIIFHDBOBgkqhkiG9w0BFAKE
-----END ENCRYPTED PRIVATE KEY-----
after
";
        let expected = "\
-----BEGIN PGP PRIVATE KEY BLOCK-----
#

#
#
-----END PGP PRIVATE KEY BLOCK-----
PuTTY-User-Key-File-3: ssh-ed25519
Public-Lines: 1
AAAAC3NzaC1lZDI1NTE5publicFAKE
Private-Lines: 1
#
#
-----BEGIN OPENSSH PRIVATE KEY-----
#
-----END OPENSSH PRIVATE KEY-----
-----BEGIN ENCRYPTED PRIVATE KEY-----
#
-----END ENCRYPTED PRIVATE KEY-----
after
";
        assert_eq!(blank_keys(text), expected);
        assert!(!private_key_state_after(text.as_bytes(), false));
    }

    #[test]
    fn a_begin_marker_without_end_blanks_only_itself() {
        let stray = "ERROR expected \"-----BEGIN RSA PRIVATE KEY-----\" header\nnext line\n";
        assert_eq!(blank_keys(stray), stray);
        assert!(!private_key_state_after(stray.as_bytes(), false));
        // A key cut at a line cap: the key text goes, the log lines after it stay.
        let cut = "{\"k\": \"-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAFAKEFAKE\n\
                   2026-01-01 INFO service started\nmore\n";
        assert_eq!(
            blank_keys(cut),
            "{\"k\": \"-----BEGIN RSA PRIVATE KEY-----#\n2026-01-01 INFO service started\nmore\n"
        );
        // A key whose lines carry a log prefix loses the key text and keeps the prefix.
        let prefixed = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nINFO {}\n-----END RSA PRIVATE KEY-----\n",
            "MIIEFAKE".repeat(8)
        );
        assert_eq!(
            blank_keys(&prefixed),
            "-----BEGIN RSA PRIVATE KEY-----\nINFO #\n-----END RSA PRIVATE KEY-----\n"
        );
    }

    #[test]
    fn kept_identifiers_stay_as_written_and_secrets_next_to_them_still_go() {
        let key = PseudonymKey::generate().expect("key");
        let mut names = Names::default();
        names.hostnames.insert("build-srv-07".into());
        names.hostnames.insert("web01".into());
        let kept: BTreeSet<String> = [
            "BUILD-SRV-07",
            "10.0.0.5",
            "ada@example.test",
            "aa:bb:cc:dd:ee:ff",
        ]
        .map(str::to_owned)
        .into();
        let redactor = Redactor::with_kept(&key, &names, &kept);
        let mut found = Found {
            spans: Some(Vec::new()),
            ..Found::default()
        };
        let input = "build-srv-07 web01 10.0.0.5 10.0.0.6 Ada@Example.test AA:BB:CC:DD:EE:FF password=FAKE-pw";
        let text = redactor.redact_text(input, &mut found);
        for kept in [
            "build-srv-07",
            "10.0.0.5",
            "Ada@Example.test",
            "AA:BB:CC:DD:EE:FF",
        ] {
            assert!(text.contains(kept), "{kept} kept: {text}");
        }
        assert!(
            !text.contains("web01") && !text.contains("10.0.0.6"),
            "{text}"
        );
        assert!(text.contains("password=[REDACTED]"), "{text}");
        assert_eq!(found.counts.total(), 3, "kept ones are not counted: {text}");
        assert!(found.mapping.originals().all(|(_, o)| o != "10.0.0.5"));
        let spans = found.spans.unwrap_or_default();
        assert_eq!(spans.iter().filter(|s| s.kept).count(), 4);
        for span in &spans {
            let shown = &text[span.start..span.end];
            match span.category {
                Category::Secret => {
                    assert_eq!(shown, "[REDACTED]");
                    assert_eq!(span.kind, Some("password"));
                }
                _ if span.kept => assert!(input.contains(shown), "{shown}"),
                _ => assert!(!input.contains(shown), "{shown}"),
            }
        }
    }

    #[test]
    fn a_preview_moves_its_spans_past_invalid_utf8() {
        let spans = vec![Span {
            start: 3,
            end: 13,
            category: Category::Secret,
            kind: Some("password"),
            kept: false,
        }];
        let (text, spans) = lossy_text(b"a\xff [REDACTED] b", spans);
        assert_eq!(&text[spans[0].start..spans[0].end], "[REDACTED]");
    }

    #[test]
    fn private_key_state_follows_begin_and_end_lines() {
        let begin = b"x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEFAKE\n";
        assert!(private_key_state_after(begin, false));
        assert!(private_key_state_after(b"MIIEFAKE\nmore\n", true));
        assert!(!private_key_state_after(
            b"MIIEFAKE\n-----END RSA PRIVATE KEY-----\nafter\n",
            true
        ));
        assert!(!private_key_state_after(b"no keys here\n", false));
        assert!(!private_key_state_after(
            b"k: \"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\"\n",
            false
        ));
        assert!(!private_key_state_after(
            b"-----BEGIN PUBLIC KEY-----\nMIIB\n",
            false
        ));
    }
}
