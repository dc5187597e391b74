//! The leak scan: after redaction, look for any known original in the finished bundle.

use std::collections::{BTreeSet, HashMap};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Serialize;

use super::{Category, Mapping, Names, PseudonymKey};

/// Finds known originals (hostnames, usernames, mapped identifiers, removed secrets) in text.
pub struct LeakScanner {
    automaton: Option<AhoCorasick>,
    needles: Vec<(Category, String)>,
}

/// One original found where it should not be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leak {
    /// What kind of original.
    pub category: Category,
    /// The original; secrets masked as their first 2 characters + "…".
    pub what: String,
    /// Byte offset in the scanned text.
    pub offset: u64,
}

impl LeakScanner {
    /// Needles: every hostname and username in `names`, every original in `mapping`, every secret
    /// (secrets shorter than 4 bytes are ignored). Whole-word, ASCII case-insensitive.
    pub fn new(names: &Names, mapping: &Mapping, secrets: &BTreeSet<Vec<u8>>) -> LeakScanner {
        Self::build(names, mapping, secrets, None)
    }

    /// [`new`](Self::new), plus the pseudonym key itself (its 64 hex digits, as the key file and
    /// `casefile key export` write them) as a secret: with it every pseudonym can be reversed.
    /// Pass a `mapping` merged with the saved one (`mapping.json`) so that originals of earlier
    /// bundles are needles too.
    pub fn with_key(
        names: &Names,
        mapping: &Mapping,
        secrets: &BTreeSet<Vec<u8>>,
        key: &PseudonymKey,
    ) -> LeakScanner {
        Self::build(names, mapping, secrets, Some(key))
    }

    fn build(
        names: &Names,
        mapping: &Mapping,
        secrets: &BTreeSet<Vec<u8>>,
        key: Option<&PseudonymKey>,
    ) -> LeakScanner {
        let mut by_needle: HashMap<Vec<u8>, Category> = HashMap::new();
        let mut add = |category: Category, needle: &[u8]| {
            let needle = needle.trim_ascii();
            if !needle.is_empty() {
                by_needle
                    .entry(needle.to_ascii_lowercase())
                    .or_insert(category);
            }
        };
        for secret in secrets.iter().filter(|s| s.len() >= 4) {
            add(Category::Secret, secret);
        }
        if let Some(key) = key {
            let export = key.export();
            if let Some((_, hex)) = export.split_once(':') {
                add(Category::Secret, hex.as_bytes());
            }
        }
        for (category, original) in mapping.originals() {
            add(category, original.as_bytes());
        }
        for name in &names.hostnames {
            add(Category::Hostname, name.as_bytes());
        }
        for name in &names.usernames {
            add(Category::Username, name.as_bytes());
        }
        let mut needles: Vec<(Vec<u8>, Category)> = by_needle.into_iter().collect();
        needles.sort();
        let automaton = if needles.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                // A DFA scans several times faster than the default NFA; its memory grows
                // with the needles, so only when they are few (they are, per bundle).
                .kind((needles.len() <= 5_000).then_some(AhoCorasickKind::DFA))
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(needles.iter().map(|(needle, _)| needle))
                .ok()
        };
        LeakScanner {
            automaton,
            needles: needles
                .into_iter()
                .map(|(needle, category)| (category, String::from_utf8_lossy(&needle).into_owned()))
                .collect(),
        }
    }

    /// Whether there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Every whole-word occurrence of a needle in `haystack`.
    pub fn scan(&self, haystack: &[u8]) -> Vec<Leak> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let word = |b: Option<&u8>| {
            b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80)
        };
        // An entry name escapes `:` as `%3A`: the two hex digits of an escape are not part of
        // the word that follows (`session%3Aalice.log` holds `alice`).
        let escaped_before = |start: usize| {
            start >= 3
                && haystack.get(start - 3) == Some(&b'%')
                && haystack
                    .get(start - 2..start)
                    .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        };
        let mut leaks = Vec::new();
        let mut from = 0;
        while from < haystack.len() {
            let input = aho_corasick::Input::new(haystack).span(from..haystack.len());
            let Some(found) = automaton.find(input) else {
                break;
            };
            let (start, end) = (found.start(), found.end());
            let before = start.checked_sub(1).and_then(|i| haystack.get(i));
            if (word(before) && !escaped_before(start)) || word(haystack.get(end)) {
                from = start + 1;
                continue;
            }
            if let Some((category, needle)) = self.needles.get(found.pattern().as_usize()) {
                let what = if *category == Category::Secret {
                    let mut masked: String = needle.chars().take(2).collect();
                    masked.push('…');
                    masked
                } else {
                    needle.clone()
                };
                leaks.push(Leak {
                    category: *category,
                    what,
                    offset: start as u64,
                });
            }
            from = end;
        }
        leaks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner() -> LeakScanner {
        let mut names = Names::default();
        names.hostnames.insert("web01".into());
        names.usernames.insert("alice".into());
        let mut mapping = Mapping::default();
        mapping.insert("240.9.9.9".into(), Category::Ipv4, "10.1.2.3".into());
        let secrets: BTreeSet<Vec<u8>> = [b"hunter2-FAKE".to_vec(), b"abc".to_vec()].into();
        LeakScanner::new(&names, &mapping, &secrets)
    }

    #[test]
    fn finds_whole_word_originals_with_secrets_masked() {
        let leaks = scanner().scan(b"WEB01 ok; pw hunter2-fake; from 10.1.2.3; alice.");
        let found: Vec<(Category, &str, u64)> = leaks
            .iter()
            .map(|l| (l.category, l.what.as_str(), l.offset))
            .collect();
        assert_eq!(
            found,
            vec![
                (Category::Hostname, "web01", 0),
                (Category::Secret, "hu…", 13),
                (Category::Ipv4, "10.1.2.3", 32),
                (Category::Username, "alice", 42),
            ]
        );
        let json = serde_json::to_string(&leaks[1]).expect("json");
        assert_eq!(json, r#"{"category":"secret","what":"hu…","offset":13}"#);
    }

    #[test]
    fn the_key_hex_is_a_needle_and_an_escape_does_not_hide_a_name() {
        let key = PseudonymKey::generate().expect("key");
        let export = key.export();
        let hex = export.split_once(':').expect("prefix").1;
        let with_key = LeakScanner::with_key(
            &Names::default(),
            &Mapping::default(),
            &BTreeSet::new(),
            &key,
        );
        let leaks = with_key.scan(format!("casefile-key-v1:{hex}\n").as_bytes());
        assert_eq!(leaks.len(), 1, "{leaks:?}");
        assert_eq!(leaks[0].category, Category::Secret);
        assert!(
            !leaks[0].what.contains(&hex[2..]),
            "masked: {}",
            leaks[0].what
        );
        let leaks = scanner().scan(b"logs/session%3Aalice.log");
        assert_eq!(leaks.len(), 1, "{leaks:?}");
        assert_eq!(leaks[0].what, "alice");
    }

    #[test]
    fn misses_parts_of_words_and_short_secrets() {
        let scanner = scanner();
        assert!(!scanner.is_empty());
        assert!(
            scanner
                .scan(b"web012 xalice cache-web01 10.1.2.34 abc")
                .is_empty()
        );
        let empty = LeakScanner::new(&Names::default(), &Mapping::default(), &BTreeSet::new());
        assert!(empty.is_empty());
        assert!(empty.scan(b"anything").is_empty());
    }
}
