//! What the app takes from its environment, resolved once at start-up so commands never read
//! the environment themselves and tests can point the app at temporary folders: where the user's
//! own vendor profiles live, the data folder (drafts), and the user's time zone.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{ErrorCode, IpcError};

/// Overrides the configuration directory; profiles are then read from `<it>/profiles`.
pub const CONFIG_DIR_VAR: &str = "CASEFILE_CONFIG_DIR";

/// The folder of user profiles, or why it could not be determined (reported by each command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfilesDir(Result<PathBuf, IpcError>);

impl UserProfilesDir {
    /// Resolves the folder from `CASEFILE_CONFIG_DIR` and the OS configuration directory.
    pub fn from_environment() -> UserProfilesDir {
        UserProfilesDir::resolve(std::env::var_os(CONFIG_DIR_VAR), dirs::config_dir())
    }

    /// `<config_dir_override>/profiles` when the override is set and not empty, otherwise
    /// `<os_config_dir>/casefile/profiles`.
    pub fn resolve(
        config_dir_override: Option<OsString>,
        os_config_dir: Option<PathBuf>,
    ) -> UserProfilesDir {
        let resolved = match config_dir_override.filter(|value| !value.is_empty()) {
            Some(value) => {
                let dir = PathBuf::from(value);
                if dir.is_absolute() {
                    Ok(dir.join("profiles"))
                } else {
                    Err(IpcError::new(
                        ErrorCode::InvalidConfigDir,
                        format!("{CONFIG_DIR_VAR} must be an absolute path, not `{}`", dir.display()),
                    ))
                }
            }
            None => os_config_dir.map(|dir| dir.join("casefile").join("profiles")).ok_or_else(|| {
                IpcError::new(
                    ErrorCode::ConfigDirUnavailable,
                    format!("cannot find your configuration folder; set {CONFIG_DIR_VAR} to an absolute path"),
                )
            }),
        };
        UserProfilesDir(resolved)
    }

    /// A fixed folder, for tests and embedders.
    pub fn at(dir: impl Into<PathBuf>) -> UserProfilesDir {
        UserProfilesDir(Ok(dir.into()))
    }

    /// The folder, or the error every command that needs it should return.
    pub fn path(&self) -> Result<&Path, IpcError> {
        self.0.as_deref().map_err(Clone::clone)
    }

    /// The user's `config.toml`, beside the profiles folder.
    pub fn config_file(&self) -> Result<PathBuf, IpcError> {
        let profiles = self.path()?;
        Ok(profiles
            .parent()
            .unwrap_or(profiles)
            .join(casefile_core::config::CONFIG_FILE_NAME))
    }
}

/// Overrides the data folder; drafts are then kept in `<it>/drafts`.
pub const DATA_DIR_VAR: &str = casefile_core::config::DATA_DIR_VAR;

/// The data folder (drafts live in its `drafts`), or why it could not be determined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir(Result<PathBuf, IpcError>);

impl DataDir {
    /// Resolves the folder from `CASEFILE_DATA_DIR` and the OS data directory, as the CLI does.
    pub fn from_environment() -> DataDir {
        DataDir::resolve(std::env::var_os(DATA_DIR_VAR), dirs::data_dir())
    }

    /// `<data_dir_override>` when set and not empty, otherwise `<os_data_dir>/casefile`.
    pub fn resolve(data_dir_override: Option<OsString>, os_data_dir: Option<PathBuf>) -> DataDir {
        let resolved = match data_dir_override.filter(|value| !value.is_empty()) {
            Some(value) => {
                let dir = PathBuf::from(value);
                if dir.is_absolute() {
                    Ok(dir)
                } else {
                    Err(IpcError::new(
                        ErrorCode::InvalidDataDir,
                        format!(
                            "{DATA_DIR_VAR} must be an absolute path, not `{}`",
                            dir.display()
                        ),
                    ))
                }
            }
            None => {
                casefile_core::config::default_data_dir(os_data_dir.as_deref()).ok_or_else(|| {
                    IpcError::new(
                        ErrorCode::DataDirUnavailable,
                        format!(
                            "cannot find your data folder; set {DATA_DIR_VAR} to an absolute path"
                        ),
                    )
                })
            }
        };
        DataDir(resolved)
    }

    /// A fixed folder, for tests and embedders.
    pub fn at(dir: impl Into<PathBuf>) -> DataDir {
        DataDir(Ok(dir.into()))
    }

    /// The folder, or the error every command that needs it should return.
    pub fn path(&self) -> Result<&Path, IpcError> {
        self.0.as_deref().map_err(Clone::clone)
    }
}

/// The time zone the app shows times in: the system's, UTC when it cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayTimeZone(pub chrono_tz::Tz);

impl DisplayTimeZone {
    /// The system's time zone, or UTC.
    pub fn from_environment() -> DisplayTimeZone {
        DisplayTimeZone(
            iana_time_zone::get_timezone()
                .ok()
                .and_then(|name| name.parse().ok())
                .unwrap_or(chrono_tz::Tz::UTC),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        config_dir_override: Option<&str>,
        os_config_dir: Option<&str>,
        expect: Result<&str, ErrorCode>,
    ) {
        let resolved = UserProfilesDir::resolve(
            config_dir_override.map(OsString::from),
            os_config_dir.map(PathBuf::from),
        );
        let actual = resolved
            .path()
            .map(Path::to_path_buf)
            .map_err(|error| error.code);
        assert_eq!(
            actual,
            expect.map(PathBuf::from),
            "override {config_dir_override:?}, os {os_config_dir:?}"
        );
    }

    #[test]
    fn resolves_the_profiles_folder() {
        check(
            None,
            Some("/home/ada/.config"),
            Ok("/home/ada/.config/casefile/profiles"),
        );
        check(
            Some("/tmp/cf"),
            Some("/home/ada/.config"),
            Ok("/tmp/cf/profiles"),
        );
        check(
            Some(""),
            Some("/home/ada/.config"),
            Ok("/home/ada/.config/casefile/profiles"),
        );
        check(
            Some("relative/dir"),
            Some("/home/ada/.config"),
            Err(ErrorCode::InvalidConfigDir),
        );
        check(None, None, Err(ErrorCode::ConfigDirUnavailable));
        check(Some("/tmp/cf"), None, Ok("/tmp/cf/profiles"));
    }

    #[test]
    fn resolves_the_data_folder() {
        let check = |data_dir_override: Option<&str>,
                     os_data_dir: Option<&str>,
                     expect: Result<&str, ErrorCode>| {
            let resolved = DataDir::resolve(
                data_dir_override.map(OsString::from),
                os_data_dir.map(PathBuf::from),
            );
            let actual = resolved
                .path()
                .map(Path::to_path_buf)
                .map_err(|error| error.code);
            assert_eq!(
                actual,
                expect.map(PathBuf::from),
                "override {data_dir_override:?}, os {os_data_dir:?}"
            );
        };
        check(
            None,
            Some("/home/ada/.local/share"),
            Ok("/home/ada/.local/share/casefile"),
        );
        check(
            Some("/tmp/cf"),
            Some("/home/ada/.local/share"),
            Ok("/tmp/cf"),
        );
        check(
            Some(""),
            Some("/home/ada/.local/share"),
            Ok("/home/ada/.local/share/casefile"),
        );
        check(Some("data"), None, Err(ErrorCode::InvalidDataDir));
        check(None, None, Err(ErrorCode::DataDirUnavailable));
    }
}
