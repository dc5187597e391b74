//! Collection codes: what a support engineer dictates on the phone to get exactly the evidence
//! they need ("type CC-4G7K-2MQ8"), instead of talking a user through tick boxes.
//!
//! A code is `CC-` and eight Crockford base32 symbols, read as forgivingly as a case code and
//! checked the same way (one wrong or two swapped symbols are caught). Seven symbols carry 35
//! bits, most significant first:
//!
//! | bits | what |
//! |---|---|
//! | 1 | format version, 0 |
//! | 4 | time window: none, 1 h, 6 h, 24 h, 3 d, 7 d, 14 d, 30 d (the rest reserved) |
//! | 1 | leave out the support snapshot |
//! | 1 | include binary files |
//! | 20 | evidence kinds, one bit per kind in the profile's order; none set means every kind |
//! | 8 | the profile's fingerprint: its id and evidence ids, so a code made for another vendor or
//! another version of the profile is refused instead of collecting the wrong things |
//!
//! The code is made and read against the same profile; it names no paths, so it carries nothing
//! a user could not have chosen in the app.

use std::fmt;
use std::time::Duration;

use crate::case_code::{ALPHABET, check_symbol, symbol_value};
use crate::profile::schema::Profile;

const PREFIX: &str = "CC";
const DATA_SYMBOLS: usize = 7;
/// How many evidence kinds a code can select.
pub const MAX_KINDS: usize = 20;

/// The time windows a code can carry.
pub const WINDOWS: [(&str, u64); 7] = [
    ("1h", 3600),
    ("6h", 6 * 3600),
    ("24h", 24 * 3600),
    ("3d", 3 * 86400),
    ("7d", 7 * 86400),
    ("14d", 14 * 86400),
    ("30d", 30 * 86400),
];

/// What a collection code asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Evidence ids to collect, in profile order; empty for every kind.
    pub evidence: Vec<String>,
    /// Keep log records from this long ago on (one of [`WINDOWS`]); `None` keeps everything.
    pub window: Option<Duration>,
    /// Collect the support snapshot.
    pub snapshot: bool,
    /// Include binary files as they are.
    pub include_binary: bool,
}

impl Selection {
    /// The window as written in a code (`24h`), if any.
    pub fn window_label(&self) -> Option<&'static str> {
        let seconds = self.window?.as_secs();
        WINDOWS
            .iter()
            .find(|(_, s)| *s == seconds)
            .map(|(label, _)| *label)
    }
}

/// Why a code cannot be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The text is not a collection code.
    #[error(
        "{0:?} is not a collection code: it has CC- and 8 symbols (digits and letters except I, L, O, U), like CC-4G7K-2MQ8"
    )]
    Malformed(String),
    /// A symbol was misheard or mistyped.
    #[error(
        "collection code {0:?} does not check out: a symbol was probably misheard or mistyped; ask for it again"
    )]
    Check(String),
    /// Made for another profile or another version of it.
    #[error(
        "collection code {code:?} was made for another vendor profile or another version of {profile}; ask support which profile they meant, or for a new code"
    )]
    OtherProfile {
        /// The code.
        code: String,
        /// The profile it was read against.
        profile: String,
    },
    /// A code from a newer Casefile.
    #[error("collection code {0:?} uses a newer format than this build reads; update Casefile")]
    Newer(String),
    /// An evidence id the profile does not have.
    #[error("profile {profile} has no evidence kind {id:?}; choose from: {choices}")]
    UnknownEvidence {
        /// The profile.
        profile: String,
        /// The id.
        id: String,
        /// The profile's evidence ids.
        choices: String,
    },
    /// An evidence kind past the ones a code can name.
    #[error(
        "evidence kind {id:?} is number {position} in profile {profile}; a collection code can name only the first {MAX_KINDS}"
    )]
    TooFar {
        /// The profile.
        profile: String,
        /// The id.
        id: String,
        /// Its 1-based position.
        position: usize,
    },
    /// A window a code cannot carry.
    #[error("a collection code carries a window of 1h, 6h, 24h, 3d, 7d, 14d or 30d, not {0:?}")]
    Window(String),
}

/// A valid collection code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionCode {
    symbols: [u8; DATA_SYMBOLS + 1],
}

impl fmt::Display for CollectionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = |value: &u8| char::from(ALPHABET[usize::from(*value & 31)]);
        let first: String = self.symbols[..4].iter().map(letter).collect();
        let second: String = self.symbols[4..].iter().map(letter).collect();
        write!(f, "{PREFIX}-{first}-{second}")
    }
}

/// Parses a window label (`24h`, `7d`) into one a code can carry.
pub fn parse_window(label: &str) -> Result<Duration, CodeError> {
    let wanted = label.trim().to_ascii_lowercase();
    WINDOWS
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, seconds)| Duration::from_secs(*seconds))
        .ok_or_else(|| CodeError::Window(label.to_owned()))
}

/// A hash of the profile's id and evidence ids, in 8 bits (FNV-1a, folded).
fn fingerprint(profile: &Profile) -> u64 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut feed = |text: &str| {
        for byte in text.bytes().chain(std::iter::once(0)) {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    feed(&profile.id);
    for evidence in &profile.evidence {
        feed(&evidence.id);
    }
    u64::from((hash ^ (hash >> 8) ^ (hash >> 16) ^ (hash >> 24)) & 0xff)
}

/// Makes the code for `selection` against `profile`.
pub fn make(profile: &Profile, selection: &Selection) -> Result<CollectionCode, CodeError> {
    let mut mask: u64 = 0;
    for id in &selection.evidence {
        let position = profile
            .evidence
            .iter()
            .position(|evidence| evidence.id == *id)
            .ok_or_else(|| CodeError::UnknownEvidence {
                profile: profile.id.clone(),
                id: id.clone(),
                choices: profile
                    .evidence
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if position >= MAX_KINDS {
            return Err(CodeError::TooFar {
                profile: profile.id.clone(),
                id: id.clone(),
                position: position + 1,
            });
        }
        mask |= 1 << position;
    }
    let window = match selection.window {
        None => 0,
        Some(window) => {
            let seconds = window.as_secs();
            WINDOWS
                .iter()
                .position(|(_, s)| *s == seconds)
                .map(|index| index as u64 + 1)
                .ok_or_else(|| CodeError::Window(format!("{seconds} seconds")))?
        }
    };
    let bits = (window << 30)
        | (u64::from(!selection.snapshot) << 29)
        | (u64::from(selection.include_binary) << 28)
        | (mask << 8)
        | fingerprint(profile);
    let mut symbols = [0u8; DATA_SYMBOLS + 1];
    for (index, symbol) in symbols.iter_mut().take(DATA_SYMBOLS).enumerate() {
        let shift = 5 * (DATA_SYMBOLS - 1 - index);
        *symbol = ((bits >> shift) & 31) as u8;
    }
    symbols[DATA_SYMBOLS] = check_symbol(&symbols[..DATA_SYMBOLS]);
    Ok(CollectionCode { symbols })
}

/// Reads `text` as a collection code made against `profile`.
pub fn read(profile: &Profile, text: &str) -> Result<Selection, CodeError> {
    let mut values = Vec::with_capacity(DATA_SYMBOLS + 3);
    for character in text.trim().chars() {
        if character == '-' || character == ' ' {
            continue;
        }
        values.push(symbol_value(character).ok_or_else(|| CodeError::Malformed(text.to_owned()))?);
    }
    let prefix: Vec<u8> = PREFIX.chars().filter_map(symbol_value).collect();
    if values.len() == DATA_SYMBOLS + 1 + prefix.len() && values.starts_with(&prefix) {
        values.drain(..prefix.len());
    }
    if values.len() != DATA_SYMBOLS + 1 {
        return Err(CodeError::Malformed(text.to_owned()));
    }
    if check_symbol(&values[..DATA_SYMBOLS]) != values[DATA_SYMBOLS] {
        return Err(CodeError::Check(text.to_owned()));
    }
    let bits = values[..DATA_SYMBOLS]
        .iter()
        .fold(0u64, |bits, value| (bits << 5) | u64::from(*value));
    if bits >> 34 != 0 {
        return Err(CodeError::Newer(text.to_owned()));
    }
    if bits & 0xff != fingerprint(profile) {
        return Err(CodeError::OtherProfile {
            code: text.to_owned(),
            profile: profile.id.clone(),
        });
    }
    let window = match (bits >> 30) & 0xf {
        0 => None,
        index => match WINDOWS.get(index as usize - 1) {
            Some((_, seconds)) => Some(Duration::from_secs(*seconds)),
            None => return Err(CodeError::Newer(text.to_owned())),
        },
    };
    let mask = (bits >> 8) & ((1 << MAX_KINDS) - 1);
    let evidence: Vec<String> = profile
        .evidence
        .iter()
        .take(MAX_KINDS)
        .enumerate()
        .filter(|(index, _)| mask & (1 << index) != 0)
        .map(|(_, evidence)| evidence.id.clone())
        .collect();
    if mask >> profile.evidence.len().min(MAX_KINDS) != 0 {
        return Err(CodeError::OtherProfile {
            code: text.to_owned(),
            profile: profile.id.clone(),
        });
    }
    Ok(Selection {
        evidence,
        window,
        snapshot: (bits >> 29) & 1 == 0,
        include_binary: (bits >> 28) & 1 == 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Catalog;

    fn profile(id: &str) -> Profile {
        Catalog::load(None)
            .get(id)
            .map(|loaded| loaded.profile.clone())
            .expect("built-in profile")
    }

    #[test]
    fn a_selection_survives_the_round_trip_for_every_builtin_profile() {
        for id in ["generic", "jetpatch", "jumpcloud", "jumpmind"] {
            let profile = profile(id);
            let chosen: Vec<String> = profile
                .evidence
                .iter()
                .step_by(2)
                .map(|e| e.id.clone())
                .collect();
            let selection = Selection {
                evidence: chosen,
                window: Some(Duration::from_secs(24 * 3600)),
                snapshot: false,
                include_binary: true,
            };
            let code = make(&profile, &selection).expect("make").to_string();
            assert!(code.starts_with("CC-") && code.len() == 12, "{code}");
            assert_eq!(read(&profile, &code).expect("read"), selection, "{id}");
            // Lower case, spaces and O for 0 read the same.
            let spoken = code.to_lowercase().replace('-', " ").replace('0', "o");
            assert_eq!(read(&profile, &spoken).expect("spoken"), selection);
        }
    }

    #[test]
    fn every_single_wrong_symbol_is_caught() {
        let profile = profile("jumpcloud");
        let code = make(&profile, &Selection::default())
            .expect("make")
            .to_string();
        let symbols: Vec<char> = code.chars().collect();
        for position in (3..symbols.len()).filter(|p| symbols[*p] != '-') {
            for replacement in ALPHABET.iter().map(|b| char::from(*b)) {
                if replacement == symbols[position] {
                    continue;
                }
                let mut wrong = symbols.clone();
                wrong[position] = replacement;
                let wrong: String = wrong.into_iter().collect();
                assert!(read(&profile, &wrong).is_err(), "{wrong} was accepted");
            }
        }
    }

    #[test]
    fn a_code_for_another_profile_is_refused_not_misread() {
        let jetpatch = profile("jetpatch");
        let code = make(
            &jetpatch,
            &Selection {
                evidence: vec![jetpatch.evidence[0].id.clone()],
                ..Selection::default()
            },
        )
        .expect("make")
        .to_string();
        assert!(matches!(
            read(&profile("jumpcloud"), &code),
            Err(CodeError::OtherProfile { .. })
        ));
    }

    #[test]
    fn unknown_evidence_and_odd_windows_are_named() {
        let jumpcloud = profile("jumpcloud");
        let error = make(
            &jumpcloud,
            &Selection {
                evidence: vec!["nope".into()],
                ..Selection::default()
            },
        )
        .expect_err("unknown id");
        assert!(error.to_string().contains("\"nope\""), "{error}");
        assert!(parse_window("2h").is_err());
        assert_eq!(parse_window("7D").expect("7d").as_secs(), 7 * 86400);
    }
}
