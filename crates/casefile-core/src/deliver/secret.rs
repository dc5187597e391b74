//! Where channel secrets come from: the environment (`CASEFILE_SECRET_<NAME>`, for unattended
//! use) first, then the OS keychain (Keychain on macOS, Credential Manager on Windows, the Secret
//! Service on Linux), under the service name `casefile` and the secret's name.
//!
//! Secrets never live in the configuration file, drafts, the outbox or logs: a channel only names
//! its secret. The caller hands in the environment, so tests and the desktop app decide what it is.

use std::collections::BTreeMap;

use super::Secret;

/// The keychain service name entries are stored under.
pub const KEYCHAIN_SERVICE: &str = "casefile";

/// The environment variable that holds secret `name`: `CASEFILE_SECRET_` and the name in upper
/// case with every other character than a letter or digit turned into `_`
/// (`helpdesk-rt` → `CASEFILE_SECRET_HELPDESK_RT`).
pub fn secret_env_var(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("CASEFILE_SECRET_{name}")
}

/// Where a secret was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretSource {
    /// The `CASEFILE_SECRET_<NAME>` environment variable.
    Environment,
    /// The OS keychain.
    Keychain,
}

/// Why a secret could not be read or stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(String);

/// A store of named secrets: the OS keychain, or a stand-in.
pub trait Keychain {
    /// The secret stored under `name`, if any.
    fn get(&self, name: &str) -> Result<Option<Secret>, SecretError>;
    /// Stores `secret` under `name`, replacing any earlier one.
    fn set(&self, name: &str, secret: &Secret) -> Result<(), SecretError>;
    /// Removes the secret under `name`; false when there was none.
    fn delete(&self, name: &str) -> Result<bool, SecretError>;
}

/// The OS keychain.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeychain;

impl OsKeychain {
    fn entry(name: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(KEYCHAIN_SERVICE, name).map_err(|error| keychain_error(name, &error))
    }
}

fn keychain_error(name: &str, error: &keyring::Error) -> SecretError {
    let env = secret_env_var(name);
    SecretError(match error {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => format!(
            "the OS keychain cannot be reached for secret {name:?} ({error}); unlock it or start a keyring service, or set the environment variable {env} instead"
        ),
        other => format!(
            "the OS keychain refused secret {name:?}: {other}; set the environment variable {env} instead"
        ),
    })
}

impl Keychain for OsKeychain {
    fn get(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        match Self::entry(name)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(keychain_error(name, &error)),
        }
    }

    fn set(&self, name: &str, secret: &Secret) -> Result<(), SecretError> {
        Self::entry(name)?
            .set_password(secret.expose())
            .map_err(|error| keychain_error(name, &error))
    }

    fn delete(&self, name: &str) -> Result<bool, SecretError> {
        match Self::entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(keychain_error(name, &error)),
        }
    }
}

/// Looks secrets up: the environment first, then the keychain.
pub struct Secrets<'a> {
    environment: BTreeMap<String, String>,
    keychain: &'a dyn Keychain,
}

impl<'a> Secrets<'a> {
    /// Secrets from `environment` (the process's variables, or a test's) and `keychain`.
    pub fn new(
        environment: impl IntoIterator<Item = (String, String)>,
        keychain: &'a dyn Keychain,
    ) -> Self {
        Secrets {
            environment: environment
                .into_iter()
                .filter(|(name, _)| name.starts_with("CASEFILE_SECRET_"))
                .collect(),
            keychain,
        }
    }

    /// The secret `name` and where it came from; `None` when neither has it.
    pub fn get(&self, name: &str) -> Result<Option<(Secret, SecretSource)>, SecretError> {
        if let Some(value) = self.environment.get(&secret_env_var(name))
            && !value.is_empty()
        {
            return Ok(Some((
                Secret::new(value.clone()),
                SecretSource::Environment,
            )));
        }
        Ok(self
            .keychain
            .get(name)?
            .map(|secret| (secret, SecretSource::Keychain)))
    }

    /// The keychain, to store or remove secrets.
    pub fn keychain(&self) -> &dyn Keychain {
        self.keychain
    }
}

/// The file beside `config.toml` that records where each secret may go.
pub const BINDINGS_FILE_NAME: &str = "secret-bindings.toml";

/// Where each stored secret may be sent: for a secret's name, the
/// [`ChannelConfig::binding_fingerprint`](super::channel::ChannelConfig::binding_fingerprint)s
/// of the destinations it was stored for. The file (`secret-bindings.toml` beside
/// `config.toml`) holds no secret, only those hashes.
///
/// A secret is bound when its value is stored (`casefile secret set`, the Settings password
/// field) to every channel that names it then. Changing a channel's kind, URL, host, port,
/// certificate name or `ca_file`, or naming a secret that is bound elsewhere, drops the binding:
/// the secret must be stored again before that channel opens, so a changed destination never
/// receives the old secret. A secret with no entry at all (stored before bindings existed, or
/// given only in the environment to an unattended run) opens as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretBindings {
    /// Must be 1.
    #[serde(default = "bindings_version")]
    pub schema_version: u32,
    /// Secret name to the fingerprints of the destinations it may go to; empty means "store
    /// it again".
    #[serde(default)]
    pub secrets: BTreeMap<String, Vec<String>>,
}

fn bindings_version() -> u32 {
    1
}

/// Why the bindings file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct BindingsError {
    /// The file.
    pub path: std::path::PathBuf,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl SecretBindings {
    /// The bindings file for the configuration file `config_file`.
    pub fn path_for(config_file: &std::path::Path) -> std::path::PathBuf {
        config_file.with_file_name(BINDINGS_FILE_NAME)
    }

    /// Reads the bindings beside `config_file`; a missing file means none.
    pub fn load(config_file: &std::path::Path) -> Result<SecretBindings, BindingsError> {
        let path = Self::path_for(config_file);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SecretBindings::default());
            }
            Err(error) => {
                return Err(BindingsError {
                    path,
                    message: format!("cannot read the secret bindings: {error}"),
                });
            }
        };
        toml::from_str(&text).map_err(|error| BindingsError {
            path,
            message: format!(
                "{}; the file only records where each secret may go: delete it and store the channel secrets again",
                error.message().trim()
            ),
        })
    }

    /// Writes the bindings beside `config_file` (atomically, mode 0600).
    pub fn save(&self, config_file: &std::path::Path) -> Result<(), BindingsError> {
        let path = Self::path_for(config_file);
        let error = |message: String| BindingsError {
            path: path.clone(),
            message,
        };
        let text = format!(
            "# Where each channel secret may be sent (hashes of the destinations, no secrets).\n# Written by Casefile; a changed destination needs its secret stored again.\n{}",
            toml::to_string(self).map_err(|e| error(e.to_string()))?
        );
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs_err::create_dir_all(folder).map_err(|e| error(e.to_string()))?;
        }
        crate::draft::write_atomically(&path, text.as_bytes()).map_err(|e| error(e.to_string()))
    }

    /// Whether secret `name` may be sent to `channel`'s destination.
    pub fn allows(&self, name: &str, channel: &super::channel::ChannelConfig) -> bool {
        match self.secrets.get(name) {
            None => true,
            Some(bound) => bound.contains(&channel.binding_fingerprint()),
        }
    }

    /// Whether secret `name` has an entry (bound somewhere, or dropped).
    pub fn has(&self, name: &str) -> bool {
        self.secrets.contains_key(name)
    }

    /// Binds secret `name` to exactly `destinations` (fingerprints).
    pub fn bind(&mut self, name: &str, destinations: impl IntoIterator<Item = String>) {
        let mut list: Vec<String> = destinations.into_iter().collect();
        list.sort();
        list.dedup();
        self.secrets.insert(name.to_owned(), list);
    }

    /// Drops every binding of secret `name`: it must be stored again before it is sent.
    pub fn drop_binding(&mut self, name: &str) {
        self.secrets.insert(name.to_owned(), Vec::new());
    }
}

/// A keychain kept in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryKeychain(std::sync::Mutex<BTreeMap<String, String>>);

impl Keychain for MemoryKeychain {
    fn get(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        let map = self.0.lock().map_err(|_| SecretError("poisoned".into()))?;
        Ok(map.get(name).cloned().map(Secret::new))
    }

    fn set(&self, name: &str, secret: &Secret) -> Result<(), SecretError> {
        let mut map = self.0.lock().map_err(|_| SecretError("poisoned".into()))?;
        map.insert(name.to_owned(), secret.expose().to_owned());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<bool, SecretError> {
        let mut map = self.0.lock().map_err(|_| SecretError("poisoned".into()))?;
        Ok(map.remove(name).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_become_upper_case_environment_variables() {
        assert_eq!(secret_env_var("helpdesk-rt"), "CASEFILE_SECRET_HELPDESK_RT");
        assert_eq!(secret_env_var("zd.prod"), "CASEFILE_SECRET_ZD_PROD");
    }

    #[test]
    fn the_environment_wins_over_the_keychain_and_empty_values_do_not_count() {
        let keychain = MemoryKeychain::default();
        keychain
            .set("rt", &Secret::new("FAKE-from-keychain"))
            .expect("set");
        let secrets = Secrets::new(
            [
                ("CASEFILE_SECRET_RT".to_owned(), "FAKE-from-env".to_owned()),
                ("CASEFILE_SECRET_ZD".to_owned(), String::new()),
                ("HOME".to_owned(), "/root".to_owned()),
            ],
            &keychain,
        );
        let (secret, source) = secrets.get("rt").expect("get").expect("found");
        assert_eq!(
            (secret.expose(), source),
            ("FAKE-from-env", SecretSource::Environment)
        );
        assert!(secrets.get("zd").expect("get").is_none());
        keychain.set("zd", &Secret::new("FAKE-zd")).expect("set");
        let (secret, source) = secrets.get("zd").expect("get").expect("found");
        assert_eq!(
            (secret.expose(), source),
            ("FAKE-zd", SecretSource::Keychain)
        );
    }
}
