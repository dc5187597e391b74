//! The mapping from pseudonyms back to originals, for identifiers only (never secrets).
//!
//! It stays on the customer's machine: saved as JSON (mode 0600, atomically, merged with what the
//! file already holds), and used to translate a vendor's answer back into real names. A save
//! holds an exclusive lock on `mapping.json.lock` beside the file while it loads, merges and
//! writes, so two runs saving at once (the app and the CLI, two fleet jobs) both keep their
//! entries.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use super::{Category, write_private_file};

/// Pseudonym to original, for identifiers only.
///
/// A hash map (the redactor inserts on every new value of every chunk, and a sorted map's string
/// comparisons were a sixth of its time); serialized in pseudonym order, so files are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Mapping {
    entries: HashMap<String, MappingEntry>,
}

impl Serialize for Mapping {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let sorted: BTreeMap<&String, &MappingEntry> = self.entries.iter().collect();
        let mut state = serializer.serialize_struct("Mapping", 1)?;
        state.serialize_field("entries", &sorted)?;
        state.end()
    }
}

/// What one pseudonym stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingEntry {
    /// The kind of identifier.
    pub category: Category,
    /// The original as first seen (IP addresses in canonical form).
    pub original: String,
}

/// Why a mapping file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Detail.
        source: std::io::Error,
    },
    /// A sealed mapping (`casefile mapping export`) that cannot be opened here.
    #[error("{0}")]
    Sealed(String),
    /// The file is not a Casefile mapping.
    #[error(
        "{path}: not a Casefile pseudonym mapping ({source}); move it aside so a new one can be \
         written (translating older bundles back needs the old file)"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// Detail.
        source: serde_json::Error,
    },
}

/// The first word of a sealed mapping.
const SEAL_HEADER: &str = "casefile-mapping-v1";
/// What the sealing key is derived under.
const SEAL_TAG: &[u8] = b"casefile mapping seal v1";

impl Mapping {
    /// Records that `pseudonym` stands for `original`; the first original recorded is kept.
    pub fn insert(&mut self, pseudonym: String, category: Category, original: String) {
        self.entries
            .entry(pseudonym)
            .or_insert(MappingEntry { category, original });
    }

    /// Adds every entry of `other` not already present.
    pub fn merge(&mut self, other: Mapping) {
        for (pseudonym, entry) in other.entries {
            self.entries.entry(pseudonym).or_insert(entry);
        }
    }

    /// How many pseudonyms.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The original of `pseudonym`, if issued.
    pub fn get(&self, pseudonym: &str) -> Option<&MappingEntry> {
        self.entries.get(pseudonym)
    }

    /// Every pseudonym with what it stands for, in pseudonym order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &MappingEntry)> {
        let mut sorted: Vec<(&String, &MappingEntry)> = self.entries.iter().collect();
        sorted.sort_unstable_by_key(|(pseudonym, _)| *pseudonym);
        sorted
            .into_iter()
            .map(|(pseudonym, entry)| (pseudonym.as_str(), entry))
    }

    /// Every original with its category (an original written in several forms may appear once
    /// per form).
    pub fn originals(&self) -> impl Iterator<Item = (Category, &str)> {
        let mut sorted: Vec<(&String, &MappingEntry)> = self.entries.iter().collect();
        sorted.sort_unstable_by_key(|(pseudonym, _)| *pseudonym);
        sorted
            .into_iter()
            .map(|(_, entry)| (entry.category, entry.original.as_str()))
    }

    /// Only the entries for learned names (host and user names, keywords): the originals that
    /// a later run may not know, unlike addresses and e-mails, which are found by their shape
    /// in every run. The leak scan looks for these from earlier bundles.
    pub fn learned_names(&self) -> Mapping {
        Mapping {
            entries: self
                .entries
                .iter()
                .filter(|(_, entry)| {
                    matches!(
                        entry.category,
                        Category::Hostname
                            | Category::Username
                            | Category::Keyword
                            | Category::Domain
                    )
                })
                .map(|(pseudonym, entry)| (pseudonym.clone(), entry.clone()))
                .collect(),
        }
    }

    /// Without the entries whose original is in `kept` (compared ASCII case-insensitively): names
    /// the user now lets the vendor see are no leak, whatever an earlier bundle did with them.
    pub fn without_originals(mut self, kept: &std::collections::BTreeSet<String>) -> Mapping {
        if !kept.is_empty() {
            let kept: std::collections::BTreeSet<String> =
                kept.iter().map(|k| k.trim().to_ascii_lowercase()).collect();
            self.entries
                .retain(|_, entry| !kept.contains(&entry.original.trim().to_ascii_lowercase()));
        }
        self
    }

    /// Reads a mapping file; a missing file is an empty mapping.
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Mapping::default());
            }
            Err(source) => {
                return Err(MappingError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        serde_json::from_slice(&text).map_err(|source| MappingError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Writes the mapping as JSON (mode 0600, atomically), merged with what `path` already holds,
    /// so mappings of earlier bundles are kept. The load, merge and write happen under an
    /// exclusive lock on [`lock_path`] (waiting for another process's save to finish), so
    /// concurrent saves never lose each other's entries.
    pub fn save(&self, path: &Path) -> Result<(), MappingError> {
        let io = |source| MappingError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs_err::create_dir_all(folder).map_err(io)?;
        }
        let lock_file = lock_path(path);
        let lock = open_lock(&lock_file).map_err(|source| MappingError::Io {
            path: lock_file.clone(),
            source,
        })?;
        lock.lock().map_err(|source| MappingError::Io {
            path: lock_file.clone(),
            source,
        })?;
        let mut merged = Mapping::load(path)?;
        merged.merge(self.clone());
        let json = serde_json::to_vec_pretty(&merged).map_err(|source| MappingError::Parse {
            path: path.to_owned(),
            source,
        })?;
        let written = write_private_file(path, &json, true).map_err(io);
        // Closing the file releases the lock; unlocking first says so.
        let _ = lock.unlock();
        written
    }

    /// The mapping sealed with the pseudonym key, to carry to the machine that merges a fleet's
    /// bundles (never into a bundle): one line, `casefile-mapping-v1 FINGERPRINT BASE64`, the
    /// JSON encrypted and authenticated with ChaCha20-Poly1305 under a key derived from the
    /// pseudonym key, so only a machine holding the same key opens it.
    pub fn seal(&self, key: &super::PseudonymKey) -> Result<String, MappingError> {
        use base64::Engine as _;
        use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
        use ring::rand::{SecureRandom, SystemRandom};
        let failed = |what: &str| MappingError::Sealed(format!("cannot seal the mapping: {what}"));
        let json = serde_json::to_vec(self).map_err(|_| failed("not serialisable"))?;
        let sealing = key.keyed().digest(SEAL_TAG, b"");
        let aead = UnboundKey::new(&CHACHA20_POLY1305, &sealing)
            .map(LessSafeKey::new)
            .map_err(|_| failed("no key"))?;
        let mut nonce = [0u8; 12];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| failed("the system has no random numbers"))?;
        let mut sealed = json;
        aead.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(SEAL_HEADER.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| failed("encryption failed"))?;
        let mut payload = nonce.to_vec();
        payload.extend_from_slice(&sealed);
        Ok(format!(
            "{SEAL_HEADER} {} {}\n",
            key.fingerprint(),
            base64::engine::general_purpose::STANDARD.encode(payload)
        ))
    }

    /// [`seal`](Self::seal) into a new private file (mode 0600 on Unix) at `path`.
    pub fn seal_to(&self, key: &super::PseudonymKey, path: &Path) -> Result<(), MappingError> {
        let sealed = self.seal(key)?;
        write_private_file(path, sealed.as_bytes(), true).map_err(|source| MappingError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// Opens what [`seal`](Self::seal) wrote, with the same pseudonym key; the error says whose
    /// key it needs when it is another.
    pub fn unseal(text: &str, key: &super::PseudonymKey) -> Result<Mapping, MappingError> {
        use base64::Engine as _;
        use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
        let bad = |why: String| MappingError::Sealed(why);
        let mut parts = text.split_whitespace();
        if parts.next() != Some(SEAL_HEADER) {
            return Err(bad(format!(
                "not a sealed mapping: it starts with {SEAL_HEADER} (made with `casefile mapping export`)"
            )));
        }
        let (Some(fingerprint), Some(payload), None) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("a sealed mapping is one line of three parts; this one is cut or joined with another".into()));
        };
        if fingerprint != key.fingerprint() {
            return Err(bad(format!(
                "sealed with the key of fingerprint {fingerprint}, and this machine's key is {}; import the fleet's key (`casefile key import`) first",
                key.fingerprint()
            )));
        }
        let mut payload = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .map_err(|_| bad("the sealed mapping is damaged (not base64)".into()))?;
        if payload.len() < 12 + CHACHA20_POLY1305.tag_len() {
            return Err(bad("the sealed mapping is damaged (too short)".into()));
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&payload[..12]);
        let sealing = key.keyed().digest(SEAL_TAG, b"");
        let aead = UnboundKey::new(&CHACHA20_POLY1305, &sealing)
            .map(LessSafeKey::new)
            .map_err(|_| bad("no key".into()))?;
        let opened = aead
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(SEAL_HEADER.as_bytes()),
                &mut payload[12..],
            )
            .map_err(|_| bad("the sealed mapping is damaged or was changed".into()))?;
        serde_json::from_slice(opened)
            .map_err(|error| bad(format!("the sealed mapping holds no mapping: {error}")))
    }

    /// `text` with every pseudonym (as a whole word) replaced by its original.
    pub fn translate(&self, text: &str) -> String {
        let pseudonyms: Vec<&str> = self.entries.keys().map(String::as_str).collect();
        let Ok(automaton) = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&pseudonyms)
        else {
            return text.to_owned();
        };
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for found in automaton.find_iter(text) {
            let (start, end) = (found.start(), found.end());
            let before = start.checked_sub(1).and_then(|i| bytes.get(i));
            let after = bytes.get(end);
            if before.is_some_and(|b| b.is_ascii_alphanumeric())
                || after.is_some_and(|b| b.is_ascii_alphanumeric())
            {
                continue;
            }
            let (Some(gap), Some(entry)) = (
                text.get(copied..start),
                pseudonyms
                    .get(found.pattern().as_usize())
                    .and_then(|p| self.entries.get(*p)),
            ) else {
                continue;
            };
            out.push_str(gap);
            out.push_str(&entry.original);
            copied = end;
        }
        out.push_str(text.get(copied..).unwrap_or_default());
        out
    }
}

/// The lock file that serialises saves of the mapping at `path`: `mapping.json.lock`.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

fn open_lock(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_mapping_opens_only_with_its_key_and_unchanged() {
        let mut mapping = Mapping::default();
        mapping.insert(
            "host-1416db43".into(),
            Category::Hostname,
            "wks-finance-07".into(),
        );
        mapping.insert("240.59.250.38".into(), Category::Ipv4, "10.20.30.41".into());
        let key = crate::redact::PseudonymKey::generate().expect("key");
        let sealed = mapping.seal(&key).expect("seal");
        assert!(sealed.starts_with("casefile-mapping-v1 ") && sealed.ends_with('\n'));
        assert_eq!(sealed.lines().count(), 1);
        for original in ["wks-finance-07", "10.20.30.41", "host-1416db43"] {
            assert!(!sealed.contains(original), "{original} in {sealed}");
        }
        assert_eq!(Mapping::unseal(&sealed, &key).expect("open"), mapping);
        // Two seals of one mapping differ (a fresh nonce each).
        assert_ne!(mapping.seal(&key).expect("seal"), sealed);

        let other = crate::redact::PseudonymKey::generate().expect("key");
        let error = Mapping::unseal(&sealed, &other).expect_err("another key");
        assert!(error.to_string().contains("casefile key import"), "{error}");
        let mut changed = sealed.trim_end().to_owned();
        let last = changed.pop().expect("a character");
        changed.push(if last == 'A' { 'B' } else { 'A' });
        let error = Mapping::unseal(&changed, &key).expect_err("changed");
        assert!(error.to_string().contains("damaged"), "{error}");
        let error = Mapping::unseal("{\"entries\": {}}", &key).expect_err("not sealed");
        assert!(
            error.to_string().contains("casefile mapping export"),
            "{error}"
        );
    }

    #[test]
    fn save_merges_with_the_existing_file_and_keeps_first_originals() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("maps").join("mapping.json");
        let mut first = Mapping::default();
        first.insert("host-11111111".into(), Category::Hostname, "web01".into());
        first.save(&path).expect("save");
        let mut second = Mapping::default();
        second.insert("user-22222222".into(), Category::Username, "alice".into());
        second.insert("host-11111111".into(), Category::Hostname, "other".into());
        second.save(&path).expect("save");
        let loaded = Mapping::load(&path).expect("load");
        assert_eq!(loaded.len(), 2);
        assert_eq!(
            loaded.get("host-11111111").map(|e| e.original.as_str()),
            Some("web01")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn concurrent_saves_keep_every_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mapping.json");
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let path = &path;
                scope.spawn(move || {
                    for round in 0..25 {
                        let mut mapping = Mapping::default();
                        mapping.insert(
                            format!("host-{thread:04}{round:04}"),
                            Category::Hostname,
                            format!("web-{thread}-{round}"),
                        );
                        mapping.save(path).expect("save");
                    }
                });
            }
        });
        assert_eq!(Mapping::load(&path).expect("load").len(), 200);
        assert!(lock_path(&path).ends_with("mapping.json.lock"));
    }

    #[test]
    fn a_failed_save_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The mapping's folder is a file: nothing can be written there.
        let blocker = dir.path().join("data");
        std::fs::write(&blocker, "a file").expect("write");
        let mut mapping = Mapping::default();
        mapping.insert("host-11111111".into(), Category::Hostname, "web01".into());
        let error = mapping
            .save(&blocker.join("mapping.json"))
            .expect_err("cannot save");
        assert!(error.to_string().contains("data"), "{error}");
    }

    #[test]
    fn load_of_a_missing_file_is_empty_and_of_garbage_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mapping.json");
        assert!(Mapping::load(&path).expect("missing").is_empty());
        std::fs::write(&path, "not json").expect("write");
        let error = Mapping::load(&path).expect_err("garbage");
        assert!(error.to_string().contains("mapping.json"), "{error}");
    }

    #[test]
    fn translate_replaces_whole_pseudonyms_only() {
        let mut mapping = Mapping::default();
        mapping.insert("host-1a2b3c4d".into(), Category::Hostname, "web01".into());
        mapping.insert("240.1.2.3".into(), Category::Ipv4, "10.0.0.7".into());
        assert_eq!(
            mapping.translate("restart host-1a2b3c4d at 240.1.2.3, not 240.1.2.34"),
            "restart web01 at 10.0.0.7, not 240.1.2.34"
        );
        assert_eq!(mapping.translate("xhost-1a2b3c4d"), "xhost-1a2b3c4d");
        assert_eq!(Mapping::default().translate("as is"), "as is");
    }
}
