//! The leak scan: after redaction, look for any known original in the finished bundle.

use std::collections::{BTreeSet, HashMap};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Serialize;

use super::{Category, Mapping, Names};

/// Finds known originals (hostnames, usernames, mapped identifiers, removed secrets) in text.
pub struct LeakScanner {
    automaton: Option<AhoCorasick>,
    /// Category, needle (lower case), and the exact bytes when only that case is a leak (Unix
    /// user names are case-sensitive).
    needles: Vec<(Category, String, Option<Vec<u8>>)>,
}

/// A needle's category and, for a case-sensitive one, its exact bytes.
type Needle = (Category, Option<Vec<u8>>);

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
    /// Needles: every host, domain and user name in `names` and every original in `mapping`
    /// that the redactor replaces wherever it stands (names that are common words, and values
    /// replaced only where they stand as a name, such as `admin` in `invalid user admin`, are
    /// not needles), every secret (secrets shorter than 4 bytes are ignored). Whole-word, ASCII
    /// case-insensitive except Unix user names; a name without a dot inside a dotted path
    /// (`nova.api.openstack`) is not a leak, as the redactor leaves it there.
    pub fn new(names: &Names, mapping: &Mapping, secrets: &BTreeSet<Vec<u8>>) -> LeakScanner {
        let mut by_needle: HashMap<Vec<u8>, Needle> = HashMap::new();
        let mut add = |category: Category, needle: &[u8], exact: bool| {
            let needle = needle.trim_ascii();
            if needle.is_empty() {
                return;
            }
            if matches!(
                category,
                Category::Hostname | Category::Username | Category::Domain
            ) && !super::names::replaced_everywhere(needle, &names.public_domains)
            {
                return;
            }
            let exact_bytes = exact.then(|| needle.to_vec());
            by_needle
                .entry(needle.to_ascii_lowercase())
                .and_modify(|slot| {
                    // Case-insensitive wins: some source says any case is a leak.
                    if slot.1.as_deref() != exact_bytes.as_deref() {
                        slot.1 = None;
                    }
                })
                .or_insert((category, exact_bytes));
        };
        for secret in secrets.iter().filter(|s| s.len() >= 4) {
            add(Category::Secret, secret, false);
        }
        for name in &names.hostnames {
            add(Category::Hostname, name.as_bytes(), false);
        }
        for name in &names.domains {
            add(Category::Domain, name.as_bytes(), false);
        }
        for name in &names.usernames {
            add(Category::Username, name.as_bytes(), false);
        }
        for name in &names.unix_usernames {
            add(Category::Username, name.as_bytes(), true);
        }
        for (category, original) in mapping.originals() {
            add(
                category,
                original.as_bytes(),
                category == Category::Username,
            );
        }
        let mut needles: Vec<(Vec<u8>, Needle)> = by_needle.into_iter().collect();
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
                .map(|(needle, (category, exact))| {
                    (
                        category,
                        String::from_utf8_lossy(&needle).into_owned(),
                        exact,
                    )
                })
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
        let mut leaks = Vec::new();
        let mut from = 0;
        while from < haystack.len() {
            let input = aho_corasick::Input::new(haystack).span(from..haystack.len());
            let Some(found) = automaton.find(input) else {
                break;
            };
            let (start, end) = (found.start(), found.end());
            let before = start.checked_sub(1).and_then(|i| haystack.get(i));
            if word(before) || word(haystack.get(end)) {
                from = start + 1;
                continue;
            }
            if let Some((category, needle, exact)) = self.needles.get(found.pattern().as_usize()) {
                let text = haystack.get(start..end).unwrap_or_default();
                let other_case = exact.as_deref().is_some_and(|e| e != text);
                let component = *category != Category::Secret
                    && !needle.contains('.')
                    && super::scan::inside_dotted_path(haystack, start, end);
                if other_case || component {
                    from = end;
                    continue;
                }
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
        names.unix_usernames.insert("Bobby".into());
        names.unix_usernames.insert("oracle".into());
        let mut mapping = Mapping::default();
        mapping.insert("user-11111111".into(), Category::Username, "admin".into());
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
    fn misses_parts_of_words_and_short_secrets() {
        let scanner = scanner();
        assert!(!scanner.is_empty());
        assert!(
            scanner
                .scan(b"web012 xalice cache-web01 10.1.2.34 abc")
                .is_empty()
        );
        // Another case of a Unix user name, a common word replaced only in its places, a name
        // inside a dotted component path: none is a leak.
        assert!(
            scanner
                .scan(b"bobby Oracle Corporation admin nova.web01.api org.alice")
                .is_empty()
        );
        assert_eq!(scanner.scan(b"login Bobby").len(), 1);
        let empty = LeakScanner::new(&Names::default(), &Mapping::default(), &BTreeSet::new());
        assert!(empty.is_empty());
        assert!(empty.scan(b"anything").is_empty());
    }
}
