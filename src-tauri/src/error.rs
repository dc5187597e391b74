//! The one error type every command rejects with: `{ code, message }`, where `code` is a stable
//! snake_case string the UI branches on and `message` is a sentence a user can act on.

use serde::Serialize;

/// Why a command failed, as the UI sees it. Add a code only when the UI treats it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Neither `CASEFILE_CONFIG_DIR` nor an OS configuration directory is known.
    ConfigDirUnavailable,
    /// `CASEFILE_CONFIG_DIR` is set to something other than an absolute path.
    InvalidConfigDir,
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
        let codes = [ErrorCode::ConfigDirUnavailable, ErrorCode::InvalidConfigDir]
            .map(|code| serde_json::to_value(code).expect("ErrorCode serializes"));
        assert_eq!(
            codes,
            [
                serde_json::json!("config_dir_unavailable"),
                serde_json::json!("invalid_config_dir")
            ]
        );
    }
}
