//! The leak scan: after redaction, look for any known original in the finished bundle.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Serialize;

use super::{Category, Mapping, Names, PseudonymKey};

/// Finds known originals (hostnames, usernames, mapped identifiers, removed secrets) in text.
pub struct LeakScanner {
    automaton: Option<AhoCorasick>,
    /// Category, needle (lower case), and the exact bytes when only that case is a leak (Unix
    /// user names are case-sensitive).
    needles: Vec<(Category, String, Option<Vec<u8>>)>,
    /// Every needle as UTF-8, UTF-16LE and UTF-16BE, built on the first [`LeakScanner::scan_binary`].
    encoded: OnceLock<Option<Encoded>>,
}

/// The needles in every encoding a bundle may hold them in.
struct Encoded {
    automaton: AhoCorasick,
    /// Per pattern: the needle's index and its encoding.
    patterns: Vec<(usize, Form)>,
}

/// How a needle is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// A needle's category and, for a case-sensitive one, its exact bytes.
type Needle = (Category, Option<Vec<u8>>);

/// Where a scanned block sits in a longer text that is scanned in blocks overlapping by more
/// than the longest needle (twice over, for UTF-16). At a block's edge the bytes that decide
/// whether a match is a whole word lie in the neighbouring block, so a match there is left to
/// the block that holds both its sides: a match in the first two bytes of a block that
/// continues another was judged in that one, a match ending in the last two of a block that
/// more text follows is judged in the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The whole text.
    Whole,
    /// A block, whether it continues an earlier one, and whether more follows.
    Block {
        /// It starts inside the previous block's overlap.
        continued: bool,
        /// More text follows it.
        more: bool,
    },
}

impl Part {
    /// Whether a match at `start..end` of a `len`-byte block is left to a neighbouring block.
    fn undecided(self, start: usize, end: usize, len: usize) -> bool {
        match self {
            Part::Whole => false,
            Part::Block { continued, more } => (continued && start < 2) || (more && end + 2 > len),
        }
    }
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
    /// Needles: every host, domain and user name in `names` and every original in `mapping`
    /// that the redactor replaces wherever it stands (names that are common words, and values
    /// replaced only where they stand as a name, such as `admin` in `invalid user admin`, are
    /// not needles), every secret (secrets shorter than 4 bytes are ignored). Whole-word, ASCII
    /// case-insensitive except Unix user names.
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
        if let Some(key) = key {
            let export = key.export();
            if let Some((_, hex)) = export.split_once(':') {
                add(Category::Secret, hex.as_bytes(), false);
            }
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
            encoded: OnceLock::new(),
        }
    }

    /// The encoded needles: each in UTF-8, UTF-16LE and UTF-16BE.
    fn encoded(&self) -> Option<&Encoded> {
        self.encoded
            .get_or_init(|| {
                let mut patterns = Vec::with_capacity(self.needles.len() * 3);
                let mut bytes: Vec<Vec<u8>> = Vec::with_capacity(self.needles.len() * 3);
                for (index, (_, needle, _)) in self.needles.iter().enumerate() {
                    let units: Vec<u16> = needle.encode_utf16().collect();
                    patterns.push((index, Form::Utf8));
                    bytes.push(needle.as_bytes().to_vec());
                    patterns.push((index, Form::Utf16Le));
                    bytes.push(units.iter().flat_map(|u| u.to_le_bytes()).collect());
                    patterns.push((index, Form::Utf16Be));
                    bytes.push(units.iter().flat_map(|u| u.to_be_bytes()).collect());
                }
                if bytes.is_empty() {
                    return None;
                }
                let automaton = AhoCorasick::builder()
                    .kind((bytes.len() <= 5_000).then_some(AhoCorasickKind::DFA))
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&bytes)
                    .ok()?;
                Some(Encoded {
                    automaton,
                    patterns,
                })
            })
            .as_ref()
    }

    /// Whether there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Every whole-word occurrence of a needle, as UTF-8, UTF-16LE or UTF-16BE, in content
    /// stored as it is (a binary file the user included, which may hold UTF-16 text). A word
    /// boundary in UTF-16 is a code unit that is not an ASCII letter, digit, `_` or `-`.
    pub fn scan_binary(&self, haystack: &[u8]) -> Vec<Leak> {
        self.scan_binary_part(haystack, Part::Whole)
    }

    /// [`scan_binary`](Self::scan_binary) of one block of a longer text: see [`Part`].
    pub fn scan_binary_part(&self, haystack: &[u8], part: Part) -> Vec<Leak> {
        let Some(encoded) = self.encoded() else {
            return Vec::new();
        };
        let word = |b: Option<&u8>| {
            b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80)
        };
        // An ASCII word character as a UTF-16 code unit (low byte, high byte); a high byte
        // beyond the haystack counts as zero, so a match one byte off the text's own alignment
        // judges the same characters.
        let wide_word = |low: Option<&u8>, high: Option<&u8>| {
            high.is_none_or(|&h| h == 0)
                && low.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        let at = |i: Option<usize>| i.and_then(|i| haystack.get(i));
        let mut leaks = Vec::new();
        let mut from = 0;
        while from < haystack.len() {
            let input = aho_corasick::Input::new(haystack).span(from..haystack.len());
            let Some(found) = encoded.automaton.find(input) else {
                break;
            };
            let (start, end) = (found.start(), found.end());
            let Some(&(index, form)) = encoded.patterns.get(found.pattern().as_usize()) else {
                break;
            };
            let bounded = match form {
                Form::Utf8 => !word(at(start.checked_sub(1))) && !word(haystack.get(end)),
                Form::Utf16Le => {
                    !wide_word(at(start.checked_sub(2)), at(start.checked_sub(1)))
                        && !wide_word(haystack.get(end), at(end.checked_add(1)))
                }
                Form::Utf16Be => {
                    !wide_word(at(start.checked_sub(1)), at(start.checked_sub(2)))
                        && !wide_word(at(end.checked_add(1)), haystack.get(end))
                }
            };
            if !bounded {
                from = start + 1;
                continue;
            }
            if part.undecided(start, end, haystack.len()) {
                from = start + 1;
                continue;
            }
            if let Some(leak) = self.leak(index, start) {
                leaks.push(leak);
            }
            from = end;
        }
        leaks
    }

    /// Whether needle `index` at `haystack[start..end]` is where the redactor leaves it:
    /// another letter case of a case-sensitive (Unix) user name.
    fn left_by_the_redactor(
        &self,
        index: usize,
        haystack: &[u8],
        start: usize,
        end: usize,
    ) -> bool {
        self.needles.get(index).is_some_and(|(_, _, exact)| {
            exact
                .as_deref()
                .is_some_and(|e| Some(e) != haystack.get(start..end))
        })
    }

    /// The report for needle `index` found at `offset`, secrets masked.
    fn leak(&self, index: usize, offset: usize) -> Option<Leak> {
        let (category, needle, _) = self.needles.get(index)?;
        let what = if *category == Category::Secret {
            let mut masked: String = needle.chars().take(2).collect();
            masked.push('…');
            masked
        } else {
            needle.clone()
        };
        Some(Leak {
            category: *category,
            what,
            offset: offset as u64,
        })
    }

    /// Every whole-word occurrence of a needle in `haystack`.
    pub fn scan(&self, haystack: &[u8]) -> Vec<Leak> {
        self.scan_part(haystack, Part::Whole)
    }

    /// [`scan`](Self::scan) of one block of a longer text: see [`Part`].
    pub fn scan_part(&self, haystack: &[u8], part: Part) -> Vec<Leak> {
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
            if (word(before) && !escaped_before(start))
                || word(haystack.get(end))
                || part.undecided(start, end, haystack.len())
            {
                from = start + 1;
                continue;
            }
            if self.left_by_the_redactor(found.pattern().as_usize(), haystack, start, end) {
                from = end;
                continue;
            }
            if let Some(leak) = self.leak(found.pattern().as_usize(), start) {
                leaks.push(leak);
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
        // Another case of a Unix user name, a common word replaced only in its places: neither
        // is a leak; a learned name in a dotted path is (the redactor replaces it there).
        assert!(scanner.scan(b"bobby Oracle Corporation admin").is_empty());
        assert_eq!(scanner.scan(b"nova.web01.api org.alice").len(), 2);
        assert_eq!(scanner.scan(b"login Bobby").len(), 1);
        let empty = LeakScanner::new(&Names::default(), &Mapping::default(), &BTreeSet::new());
        assert!(empty.is_empty());
        assert!(empty.scan(b"anything").is_empty());
        assert!(empty.scan_binary(b"anything").is_empty());
    }

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if little {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn binary_content_is_searched_for_utf16_forms_of_every_needle() {
        let scanner = scanner();
        for little in [true, false] {
            let mut blob = b"\x00\x01MZ\x90".to_vec();
            blob.extend(utf16(
                "user ALICE on web01 pw hunter2-FAKE from 10.1.2.3.",
                little,
            ));
            blob.extend_from_slice(b"\xff\x00 web01 ");
            let found: Vec<(Category, String)> = scanner
                .scan_binary(&blob)
                .into_iter()
                .map(|l| (l.category, l.what))
                .collect();
            assert_eq!(
                found,
                vec![
                    (Category::Username, "alice".into()),
                    (Category::Hostname, "web01".into()),
                    (Category::Secret, "hu…".into()),
                    (Category::Ipv4, "10.1.2.3".into()),
                    (Category::Hostname, "web01".into()),
                ],
                "little-endian {little}"
            );
            // Text scanning does not see UTF-16.
            assert!(scanner.scan(&utf16("alice web01", little)).is_empty());
            // Parts of words are not leaks in UTF-16 either.
            let parts = utf16("xalice web012 10.1.2.34", little);
            assert!(
                scanner.scan_binary(&parts).is_empty(),
                "little-endian {little}"
            );
        }
    }
}
