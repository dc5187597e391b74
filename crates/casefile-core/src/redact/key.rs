//! The per-customer pseudonym key: 32 random bytes under which every pseudonym is derived.
//!
//! Stored as `<data_dir>/pseudonym.key` in the export format `casefile-key-v1:<64 hex>`, mode
//! 0600, written atomically. It never goes into a bundle; its [`PseudonymKey::fingerprint`] may.

use std::fmt;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::write_private_file;

type HmacSha256 = Hmac<Sha256>;

/// The key file's name inside the data directory.
const FILE_NAME: &str = "pseudonym.key";
/// The export format's prefix; 64 hex digits follow.
const EXPORT_PREFIX: &str = "casefile-key-v1:";

/// The secret key behind every pseudonym; bundles made under the same key agree on pseudonyms.
///
/// `Debug` shows only the fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct PseudonymKey {
    bytes: [u8; 32],
}

/// Why a pseudonym key could not be made, read, written or imported.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The operating system gave no random bytes.
    #[error("could not get random bytes from the operating system for a new pseudonym key: {0}")]
    Random(String),
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Detail.
        source: std::io::Error,
    },
    /// The key file exists but does not hold a key.
    #[error(
        "{path}: not a Casefile pseudonym key ({message}); restore it from the exported \
         `casefile-key-v1:` text, or delete it to start a new key (pseudonyms will then differ \
         from earlier bundles)"
    )]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Text given to [`PseudonymKey::import`] is not an exported key.
    #[error(
        "not a Casefile key export: {0}; expected `casefile-key-v1:` followed by 64 hex digits, \
         as printed by the key export on the machine that made the key"
    )]
    BadImport(String),
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PseudonymKey(fingerprint {})", self.fingerprint())
    }
}

impl PseudonymKey {
    /// A new random key.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|error| KeyError::Random(error.to_string()))?;
        Ok(Self { bytes })
    }

    /// The key stored in `data_dir`, or a new one saved there if there is none.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        if let Some(key) = Self::load(data_dir)? {
            return Ok(key);
        }
        let key = Self::generate()?;
        let path = data_dir.join(FILE_NAME);
        fs_err::create_dir_all(data_dir).map_err(|source| KeyError::Io {
            path: data_dir.to_owned(),
            source,
        })?;
        match write_private_file(&path, key.export_line().as_bytes(), false) {
            Ok(()) => Ok(key),
            // Another process created the key first: use that one, so both agree.
            Err(source) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::load(data_dir)?.ok_or(KeyError::Io { path, source })
            }
            Err(source) => Err(KeyError::Io { path, source }),
        }
    }

    /// The key file in `data_dir`.
    pub fn file_path(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    /// The key stored in `data_dir`; `None` if there is no key file.
    pub fn load(data_dir: &Path) -> Result<Option<Self>, KeyError> {
        let path = data_dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) if source.kind() == std::io::ErrorKind::InvalidData => {
                return Err(KeyError::Malformed {
                    path,
                    message: "the file is not text".to_owned(),
                });
            }
            Err(source) => return Err(KeyError::Io { path, source }),
        };
        match Self::import(&text) {
            Ok(key) => Ok(Some(key)),
            Err(KeyError::BadImport(message)) => Err(KeyError::Malformed { path, message }),
            Err(other) => Err(other),
        }
    }

    /// Writes the key to `<data_dir>/pseudonym.key` (mode 0600, atomically), creating the folder.
    pub fn save(&self, data_dir: &Path) -> Result<(), KeyError> {
        fs_err::create_dir_all(data_dir).map_err(|source| KeyError::Io {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(FILE_NAME);
        write_private_file(&path, self.export_line().as_bytes(), true)
            .map_err(|source| KeyError::Io { path, source })
    }

    /// The key as text to carry to another machine: `casefile-key-v1:<64 lowercase hex>`.
    pub fn export(&self) -> String {
        let mut text = String::with_capacity(EXPORT_PREFIX.len() + 64);
        text.push_str(EXPORT_PREFIX);
        push_hex(&mut text, &self.bytes);
        text
    }

    /// Reads an [`export`](Self::export)ed key; surrounding white space and letter case are
    /// ignored.
    pub fn import(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let Some(prefix) = text.get(..EXPORT_PREFIX.len()) else {
            return Err(KeyError::BadImport(format!(
                "{:?} is too short",
                shorten(text)
            )));
        };
        if !prefix.eq_ignore_ascii_case(EXPORT_PREFIX) {
            return Err(KeyError::BadImport(format!(
                "{:?} does not start with `casefile-key-v1:`",
                shorten(text)
            )));
        }
        let hex = text.get(EXPORT_PREFIX.len()..).unwrap_or_default();
        if hex.len() != 64 {
            return Err(KeyError::BadImport(format!(
                "{} characters follow the prefix, not 64",
                hex.chars().count()
            )));
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
            let (Some(high), Some(low)) = (
                pair.first().and_then(|&c| hex_value(c)),
                pair.get(1).and_then(|&c| hex_value(c)),
            ) else {
                return Err(KeyError::BadImport(
                    "the 64 characters after the prefix must be hex digits 0-9 and a-f".to_owned(),
                ));
            };
            *byte = high << 4 | low;
        }
        Ok(Self { bytes })
    }

    /// First 8 hex digits of HMAC(key, "casefile fingerprint"): safe to write into a manifest
    /// so that two bundles can be checked for having used the same key.
    pub fn fingerprint(&self) -> String {
        let digest = self.keyed().digest(b"casefile fingerprint", b"");
        hex8(&digest)
    }

    /// The export text plus a newline, as stored in the key file.
    fn export_line(&self) -> String {
        let mut line = self.export();
        line.push('\n');
        line
    }

    /// A keyed hasher for deriving pseudonyms.
    pub(crate) fn keyed(&self) -> Keyed {
        // HMAC pads keys shorter than the block with zeros, so a zero-padded 64-byte block is
        // the same key, and `KeyInit::new` on a full block cannot fail.
        let mut block = hmac::digest::Key::<HmacSha256>::default();
        for (slot, byte) in block.iter_mut().zip(self.bytes) {
            *slot = byte;
        }
        Keyed {
            mac: <HmacSha256 as hmac::digest::KeyInit>::new(&block),
        }
    }
}

/// HMAC-SHA256 with the key already absorbed; cloned per digest, which is cheaper than keying.
#[derive(Clone)]
pub(crate) struct Keyed {
    mac: HmacSha256,
}

impl Keyed {
    /// HMAC(key, tag || 0 || value).
    pub(crate) fn digest(&self, tag: &[u8], value: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(tag);
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }
}

/// The first four bytes of `digest` as 8 lowercase hex digits.
pub(crate) fn hex8(digest: &[u8; 32]) -> String {
    let mut text = String::with_capacity(8);
    push_hex(&mut text, digest.get(..4).unwrap_or_default());
    text
}

fn push_hex(text: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// At most 24 characters of `text`, for error messages (never the whole of a long paste).
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(24).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_then_import_gives_the_same_key() {
        let key = PseudonymKey::generate().expect("random");
        let text = key.export();
        assert!(text.starts_with("casefile-key-v1:"));
        assert_eq!(text.len(), 16 + 64);
        assert_eq!(PseudonymKey::import(&text).expect("import"), key);
        let shouted = format!("  {}\n", text.to_uppercase());
        assert_eq!(PseudonymKey::import(&shouted).expect("import"), key);
    }

    #[test]
    fn import_rejects_wrong_prefix_length_and_digits() {
        let good = format!("casefile-key-v1:{}", "ab".repeat(32));
        assert!(PseudonymKey::import(&good).is_ok());
        for bad in [
            String::new(),
            "hunter2-FAKE".to_owned(),
            format!("casefile-key-v2:{}", "ab".repeat(32)),
            format!("casefile-key-v1:{}", "ab".repeat(31)),
            format!("casefile-key-v1:{}", "ab".repeat(33)),
            format!("casefile-key-v1:{}zz", "ab".repeat(31)),
            format!("casefile-key-v1:{}é", "ab".repeat(31)),
        ] {
            let error = PseudonymKey::import(&bad).expect_err(&bad);
            assert!(error.to_string().contains("casefile-key-v1:"), "{error}");
        }
    }

    #[test]
    fn fingerprint_is_eight_hex_and_depends_on_the_key() {
        let a = PseudonymKey::import(&format!("casefile-key-v1:{}", "01".repeat(32))).expect("a");
        let b = PseudonymKey::import(&format!("casefile-key-v1:{}", "02".repeat(32))).expect("b");
        assert_eq!(a.fingerprint().len(), 8);
        assert!(a.fingerprint().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert!(!format!("{a:?}").contains(&"01".repeat(32)));
    }

    #[test]
    fn load_or_create_creates_once_then_loads_the_same_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("nested").join("data");
        assert!(PseudonymKey::load(&data).expect("load").is_none());
        let created = PseudonymKey::load_or_create(&data).expect("create");
        let loaded = PseudonymKey::load_or_create(&data).expect("load");
        assert_eq!(created, loaded);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join(FILE_NAME))
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn save_replaces_and_a_damaged_file_is_reported_with_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = PseudonymKey::generate().expect("random");
        key.save(dir.path()).expect("save");
        assert_eq!(PseudonymKey::load(dir.path()).expect("load"), Some(key));
        std::fs::write(dir.path().join(FILE_NAME), "hunter2-FAKE").expect("write");
        let error = PseudonymKey::load(dir.path()).expect_err("damaged");
        assert!(error.to_string().contains("pseudonym.key"), "{error}");
        assert!(PseudonymKey::load_or_create(dir.path()).is_err());
    }
}
