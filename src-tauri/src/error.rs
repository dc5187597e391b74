//! The one error type every command rejects with: `{ code, message }`, where `code` is a stable
//! snake_case string the UI branches on and `message` is a sentence a user can act on.

use casefile_core::draft::DraftError;
use serde::Serialize;

/// Why a command failed, as the UI sees it. Add a code only when the UI treats it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Neither `CASEFILE_CONFIG_DIR` nor an OS configuration directory is known.
    ConfigDirUnavailable,
    /// `CASEFILE_CONFIG_DIR` is set to something other than an absolute path.
    InvalidConfigDir,
    /// Neither `CASEFILE_DATA_DIR` nor an OS data directory is known.
    DataDirUnavailable,
    /// `CASEFILE_DATA_DIR` is set to something other than an absolute path.
    InvalidDataDir,
    /// The draft does not exist (any more), or the path is not a draft in the drafts folder.
    DraftNotFound,
    /// The draft file cannot be read as a draft; the message names the file, line and key.
    DraftInvalid,
    /// No loaded vendor profile has the id asked for or named by the draft.
    ProfileNotFound,
    /// The file system refused, or the system could not provide randomness.
    Io,
}

/// What a command returns instead of its value; serialized as `{ "code": …, "message": … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    /// The stable classification.
    pub code: ErrorCode,
    /// What went wrong and how to fix it, safe to show to the user.
    pub message: String,
}

impl IpcError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> IpcError {
        IpcError {
            code,
            message: message.into(),
        }
    }
}

impl From<DraftError> for IpcError {
    fn from(error: DraftError) -> IpcError {
        let code = match &error {
            DraftError::NotADraft { .. } => ErrorCode::DraftNotFound,
            DraftError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                return IpcError::new(
                    ErrorCode::DraftNotFound,
                    format!(
                        "{error}: the draft is gone (deleted or moved); choose another from the Drafts list"
                    ),
                );
            }
            DraftError::Parse { .. } | DraftError::NewerSchema { .. } => ErrorCode::DraftInvalid,
            DraftError::Io { .. } | DraftError::Exists { .. } | DraftError::Serialize(_) => {
                ErrorCode::Io
            }
        };
        IpcError::new(code, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let error = IpcError::new(
            ErrorCode::InvalidConfigDir,
            "CASEFILE_CONFIG_DIR must be absolute",
        );
        let json = serde_json::to_value(&error).expect("IpcError serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "invalid_config_dir",
                "message": "CASEFILE_CONFIG_DIR must be absolute",
            })
        );
    }

    #[test]
    fn every_code_is_stable_snake_case() {
        let codes = [
            ErrorCode::ConfigDirUnavailable,
            ErrorCode::InvalidConfigDir,
            ErrorCode::DataDirUnavailable,
            ErrorCode::InvalidDataDir,
            ErrorCode::DraftNotFound,
            ErrorCode::DraftInvalid,
            ErrorCode::ProfileNotFound,
            ErrorCode::Io,
        ]
        .map(|code| serde_json::to_value(code).expect("ErrorCode serializes"));
        assert_eq!(
            codes,
            [
                "config_dir_unavailable",
                "invalid_config_dir",
                "data_dir_unavailable",
                "invalid_data_dir",
                "draft_not_found",
                "draft_invalid",
                "profile_not_found",
                "io",
            ]
            .map(|code| serde_json::json!(code))
        );
    }
}
