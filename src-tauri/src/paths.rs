//! Where the user's own vendor profiles live, resolved once at start-up so commands never read
//! the environment themselves and tests can point the app at a temporary folder.

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
}
