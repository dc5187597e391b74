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
