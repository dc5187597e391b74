//! The disclosure review: everything that leaves with a request, and how it is redacted.
//!
//! A bundle run asked for it ([`CollectOptions::disclosure`]) reads the finished bundle back
//! once (with the leak scan) and counts, per entry, every pseudonym it issued and every
//! original the user keeps; the request's fields are counted as they were redacted. The
//! [`DisclosureReport`] lists each identifier (hosts, domains, users, e-mail, IP and MAC
//! addresses, words to hide) with its pseudonym or as kept, its count and where it occurs; each
//! kind of secret removed, with where (never a value); and what goes in unredacted. [`disclose`]
//! is the same without keeping the bundle.
//!
//! [`CollectOptions::disclosure`]: crate::evidence::collect::CollectOptions::disclosure

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::evidence::collect::{
    self, CollectContext, CollectError, CollectOptions, LeakReport, ManifestEntry, Progress,
};
use crate::redact::{Category, Mapping};
use crate::render::RedactedField;
use crate::request::Request;
use crate::wire::{
    DisclosedIdentifier, DisclosedSecret, DisclosurePlace, DisclosureReport, LeakEntry,
    UnredactedEntry,
};

/// The place name of the bundle's entry names themselves.
pub const ENTRY_NAMES: &str = "(entry names)";

/// Occurrences per needle index; only the needles found are present (an entry holds a few of
/// many).
pub(crate) type Counted = BTreeMap<usize, u64>;

/// One thing to count in what leaves: a pseudonym (standing for `original`) or a kept original.
#[derive(Debug, Clone)]
struct Needle {
    category: Category,
    original: String,
    pseudonym: Option<String>,
}

/// Counts pseudonyms and kept originals in text: whole words, ASCII case-insensitively, as the
/// leak scan matches.
pub(crate) struct Tally {
    automaton: Option<AhoCorasick>,
    needles: Vec<Needle>,
}

impl Tally {
    /// Needles: every pseudonym in `mapping` and every identifier in `keep`.
    pub(crate) fn new(mapping: &Mapping, keep: &BTreeSet<String>) -> Tally {
        let mut needles: Vec<Needle> = mapping
            .iter()
            .map(|(pseudonym, entry)| Needle {
                category: entry.category,
                original: entry.original.clone(),
                pseudonym: Some(pseudonym.to_owned()),
            })
            .collect();
        let mut seen = BTreeSet::new();
        for kept in keep {
            let kept = kept.trim();
            if kept.len() >= 2 && seen.insert(kept.to_ascii_lowercase()) {
                needles.push(Needle {
                    category: kept_category(kept),
                    original: kept.to_owned(),
                    pseudonym: None,
                });
            }
        }
        let patterns: Vec<&str> = needles
            .iter()
            .map(|n| n.pseudonym.as_deref().unwrap_or(&n.original))
            .collect();
        let automaton = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .ok()
        };
        Tally { automaton, needles }
    }

    /// How many needles there are.
    pub(crate) fn len(&self) -> usize {
        self.needles.len()
    }

    /// Adds to `counts` every whole-word occurrence in `haystack` that starts at or after `from`
    /// and before `to`.
    pub(crate) fn count(&self, haystack: &[u8], from: usize, to: usize, counts: &mut Counted) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let word = |b: Option<&u8>| {
            b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80)
        };
        let mut at = from;
        while at < to.min(haystack.len()) {
            let input = aho_corasick::Input::new(haystack).span(at..haystack.len());
            let Some(found) = automaton.find(input) else {
                break;
            };
            let (start, end) = (found.start(), found.end());
            if start >= to {
                break;
            }
            let before = start.checked_sub(1).and_then(|i| haystack.get(i));
            if word(before) || word(haystack.get(end)) {
                at = start + 1;
                continue;
            }
            *counts.entry(found.pattern().as_usize()).or_default() += 1;
            at = end;
        }
    }

    /// The counts of `text`.
    fn count_text(&self, text: &str) -> Counted {
        let mut counts = Counted::new();
        self.count(text.as_bytes(), 0, text.len(), &mut counts);
        counts
    }
}

/// The category a kept identifier is shown under, from its form.
fn kept_category(text: &str) -> Category {
    match text.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => Category::Ipv4,
        Ok(std::net::IpAddr::V6(_)) => Category::Ipv6,
        Err(_) if text.contains('@') => Category::Email,
        Err(_) if text.len() == 17 && text.bytes().filter(|b| *b == b':').count() == 5 => {
            Category::Mac
        }
        Err(_) => Category::Hostname,
    }
}

/// What a bundle run knows when it writes the review.
pub(crate) struct Inputs<'a> {
    pub(crate) request: Option<&'a Request>,
    pub(crate) redacted: bool,
    pub(crate) tally: Option<&'a Tally>,
    pub(crate) fields: &'a [RedactedField],
    pub(crate) entries: &'a [ManifestEntry],
    pub(crate) entry_counts: &'a [(String, Counted)],
    pub(crate) scanned_entries: usize,
    pub(crate) leaks: &'a [LeakReport],
    pub(crate) keep: &'a BTreeSet<String>,
}

/// The request files carry the fields, which are listed by field instead.
fn is_request_entry(name: &str) -> bool {
    name == "request.json" || name == "request.md"
}

/// Adds a place that is not listed yet (each bundle entry is met once): no search, so a value
/// in 100,000 entries costs 100,000 pushes.
fn push_place(places: &mut Vec<DisclosurePlace>, kind: &str, name: &str, count: u64) {
    if count > 0 {
        places.push(DisclosurePlace {
            kind: kind.to_owned(),
            name: name.to_owned(),
            count,
        });
    }
}

/// Adds `count` at `place` of kind `kind`, to the place's count if it is listed already.
fn add_place(places: &mut Vec<DisclosurePlace>, kind: &str, name: &str, count: u64) {
    if count == 0 {
        return;
    }
    match places.iter_mut().find(|p| p.kind == kind && p.name == name) {
        Some(place) => place.count += count,
        None => places.push(DisclosurePlace {
            kind: kind.to_owned(),
            name: name.to_owned(),
            count,
        }),
    }
}

/// The review of one run.
pub(crate) fn report(inputs: &Inputs<'_>) -> DisclosureReport {
    let mut identifiers = Vec::new();
    if let Some(tally) = inputs.tally {
        let mut places: Vec<Vec<DisclosurePlace>> = vec![Vec::new(); tally.len()];
        for field in inputs.fields {
            for (index, n) in tally.count_text(&field.text) {
                if let Some(p) = places.get_mut(index) {
                    add_place(p, "field", &field.field, n);
                }
            }
        }
        for (entry, counts) in inputs.entry_counts {
            if is_request_entry(entry) {
                continue;
            }
            for (&index, n) in counts {
                if let Some(p) = places.get_mut(index) {
                    push_place(p, "entry", entry, *n);
                }
            }
        }
        let names: String = inputs
            .entries
            .iter()
            .map(|e| format!("{}\n", e.name))
            .collect();
        for (index, n) in tally.count_text(&names) {
            if let Some(p) = places.get_mut(index) {
                push_place(p, "entry", ENTRY_NAMES, n);
            }
        }
        // A pseudonym issued for several spellings of one original is listed once.
        let mut by_pseudonym: BTreeMap<String, usize> = BTreeMap::new();
        for (needle, places) in tally.needles.iter().zip(places) {
            let count: u64 = places.iter().map(|p| p.count).sum();
            if count == 0 {
                continue;
            }
            let key = needle
                .pseudonym
                .clone()
                .unwrap_or_else(|| format!("kept:{}", needle.original.to_ascii_lowercase()));
            if let Some(&at) = by_pseudonym.get(&key)
                && let Some(existing) = identifiers.get_mut(at)
            {
                let existing: &mut DisclosedIdentifier = existing;
                existing.count += count;
                for place in places {
                    add_place(&mut existing.places, &place.kind, &place.name, place.count);
                }
                continue;
            }
            by_pseudonym.insert(key, identifiers.len());
            identifiers.push(DisclosedIdentifier {
                category: needle.category.as_str().to_owned(),
                original: needle.original.clone(),
                pseudonym: needle.pseudonym.clone(),
                kept: needle.pseudonym.is_none(),
                count,
                places,
            });
        }
    }
    identifiers.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.category.cmp(&b.category))
            .then_with(|| a.original.cmp(&b.original))
    });

    let mut secrets: BTreeMap<&str, Vec<DisclosurePlace>> = BTreeMap::new();
    for field in inputs.fields {
        for (kind, n) in &field.found.secret_kinds {
            add_place(secrets.entry(kind).or_default(), "field", &field.field, *n);
        }
    }
    for entry in inputs.entries.iter().filter(|e| !is_request_entry(&e.name)) {
        for (kind, n) in &entry.secret_kinds {
            push_place(secrets.entry(kind).or_default(), "entry", &entry.name, *n);
        }
    }
    let secrets = secrets
        .into_iter()
        .map(|(kind, places)| DisclosedSecret {
            kind: kind.to_owned(),
            count: places.iter().map(|p| p.count).sum(),
            places,
        })
        .collect();

    let unredacted = inputs
        .entries
        .iter()
        .filter(|e| !e.redacted)
        .map(|e| UnredactedEntry {
            entry: e.name.clone(),
            reason: if !inputs.redacted {
                "redaction is off for this bundle".to_owned()
            } else if e.name.starts_with("screenshots/") {
                "an image: cleaned of metadata, its pixels are sent as they are".to_owned()
            } else {
                "binary content cannot be redacted: it is sent exactly as it is on disk".to_owned()
            },
        })
        .collect();

    let (requester, keep, hide, suggested) = match inputs.request {
        Some(request) => {
            let requester = [&request.contact.name, &request.contact.email]
                .into_iter()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            (
                requester,
                request.redaction.keep.clone(),
                request.redaction.hide.clone(),
                suggested_hide(request),
            )
        }
        None => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
    };
    let _ = inputs.keep;
    DisclosureReport {
        case_code: inputs.request.map(|r| r.case_code.clone()),
        redacted: inputs.redacted,
        identifiers,
        secrets,
        unredacted,
        requester,
        keep,
        hide,
        suggested_hide: suggested,
        scanned_entries: inputs.scanned_entries,
        leaks: inputs
            .leaks
            .iter()
            .map(|leak| LeakEntry {
                entry: leak.entry.clone(),
                what: leak.what.clone(),
            })
            .collect(),
    }
}

/// Words from `request` a user may want hidden and has not chosen yet: the company, the
/// contact's name, the endpoints' host names and addresses (these two are pseudonymised anyway
/// where they are recognised; hiding them also catches other spellings).
pub fn suggested_hide(request: &Request) -> Vec<String> {
    let chosen: BTreeSet<String> = request
        .redaction
        .hide
        .iter()
        .chain(&request.redaction.keep)
        .map(|w| w.trim().to_lowercase())
        .collect();
    let mut seen = BTreeSet::new();
    let candidates = [&request.contact.company, &request.contact.name]
        .into_iter()
        .chain(request.scope.endpoints.iter().map(|e| &e.hostname));
    candidates
        .map(|word| word.trim().to_owned())
        .filter(|word| word.len() >= 2)
        .filter(|word| !chosen.contains(&word.to_lowercase()))
        .filter(|word| seen.insert(word.to_lowercase()))
        .collect()
}

/// The disclosure review of a bundle made with `options` (its [`CollectOptions::disclosure`]
/// is turned on): the bundle is built in `scratch` (a folder on the same machine, such as the
/// data folder) and removed, so what is counted is exactly what a bundle would hold.
pub fn disclose(
    context: &CollectContext<'_>,
    options: &CollectOptions,
    scratch: &Path,
    progress: &(dyn Fn(&Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<DisclosureReport, CollectError> {
    let folder = tempfile::Builder::new()
        .prefix(".disclose-")
        .tempdir_in(scratch)
        .map_err(|source| CollectError::Write {
            path: scratch.to_path_buf(),
            source,
        })?;
    let mut options = options.clone();
    options.disclosure = true;
    let outcome = collect::collect(
        context,
        &options,
        &folder.path().join("bundle.zip"),
        progress,
        cancel,
    )?;
    outcome.disclosure.ok_or_else(|| {
        CollectError::Empty("the run made no disclosure review; build the bundle again".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_counts_whole_words_once_each_within_its_range() {
        let mut mapping = Mapping::default();
        mapping.insert("host-1a2b3c4d".into(), Category::Hostname, "web01".into());
        let keep: BTreeSet<String> = ["build-srv-07".to_owned()].into();
        let tally = Tally::new(&mapping, &keep);
        let text = b"host-1a2b3c4d and build-srv-07, xhost-1a2b3c4d, BUILD-SRV-07 host-1a2b3c4d";
        let counts = tally.count_text(std::str::from_utf8(text).expect("utf-8"));
        assert_eq!(counts, Counted::from([(0, 2), (1, 2)]));
        let mut split = Counted::new();
        tally.count(text, 0, 10, &mut split);
        tally.count(text, 10, text.len(), &mut split);
        assert_eq!(split, counts, "a range boundary never counts twice");
    }

    #[test]
    fn suggestions_leave_out_words_already_chosen() {
        let mut request = Request::default();
        request.contact.company = "Example Ltd".into();
        request.contact.name = "Ada Example".into();
        request.scope.endpoints.push(crate::request::Endpoint {
            hostname: "build-srv-07".into(),
            ..Default::default()
        });
        request.redaction.keep = vec!["BUILD-SRV-07".into()];
        assert_eq!(suggested_hide(&request), vec!["Example Ltd", "Ada Example"]);
    }
}
