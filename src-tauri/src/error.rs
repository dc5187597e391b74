//! The one error type every command rejects with: `{ code, message }`, where `code` is a stable
//! snake_case string the UI branches on and `message` is a sentence a user can act on.

use casefile_core::config::ConfigError;
use casefile_core::deliver::outbox::OutboxError;
use casefile_core::deliver::secret::SecretError;
use casefile_core::deliver::service::{OpenError, SubmitError};
use casefile_core::draft::DraftError;
use casefile_core::evidence::collect::CollectError;
use casefile_core::evidence::screenshot::ScreenshotError;
use casefile_core::redact::KeyError;
use casefile_core::settings::SettingsError;
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
    /// `config.toml` cannot be read as a configuration; the message names the file and line.
    ConfigInvalid,
    /// A collection code does not read (mistyped, misheard, made for another profile).
    InvalidCode,
    /// The evidence selection cannot be used (a `since` that is not a window or a time).
    InvalidSelection,
    /// The user cancelled the bundle; nothing was written.
    Cancelled,
    /// Nothing could be collected, or the channel's size limit is too small for the bundle.
    Collect,
    /// A file the command needs (an added evidence file, a file to preview, an outbox item) is gone.
    NotFound,
    /// `redaction_preview` reads only the files the last evidence preview listed.
    NotInPreview,
    /// `attach_pasted_text` names no text field, or an empty one: there is nothing to move.
    NothingToAttach,
    /// `submit_draft` needs the bundle `build_bundle` makes, and there is none for this case.
    BundleMissing,
    /// The bundle is bigger than the chosen channel takes.
    TooLarge,
    /// The request has validation errors; the message lists the fields.
    DraftNotReady,
    /// The request already went to this channel; submit again with `again` to send it twice.
    AlreadySubmitted,
    /// No channel has the name asked for.
    UnknownChannel,
    /// The channel needs a secret that is set nowhere.
    SecretMissing,
    /// The OS keychain could not be asked for the channel's secret.
    SecretUnavailable,
    /// The channel's settings in `config.toml` are wrong.
    ChannelInvalid,
    /// Another process is sending this outbox item right now.
    Busy,
    /// A setting or channel field is refused; `field` names it, the file is unchanged.
    SettingInvalid,
    /// A channel check could not reach the help desk (network, DNS, a timeout).
    ChannelUnreachable,
    /// A channel check reached the help desk, which refused (credentials, permissions).
    ChannelRefused,
    /// The text to import is not an exported pseudonym key, or the key file is damaged.
    KeyInvalid,
    /// The file system refused, or the system could not provide randomness.
    Io,
    /// Capturing the screen is not possible here (Wayland without X, macOS, Windows): pick files.
    CaptureUnavailable,
    /// The display failed a capture.
    CaptureFailed,
    /// No window with this id is on the screen (closed or minimised since the list was made).
    WindowNotFound,
    /// A picked file is not an image Casefile reads, or is damaged.
    ImageInvalid,
    /// An image declares more pixels than Casefile opens.
    ImageTooLarge,
    /// A black-out box is empty or lies outside the image.
    BlackOutInvalid,
    /// The user said no to a native confirmation (a profile to trust, files the request names,
    /// images to import, the pseudonym key); nothing was done.
    NotConfirmed,
}

/// What a command returns instead of its value; serialized as `{ "code": …, "message": … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    /// The stable classification.
    pub code: ErrorCode,
    /// What went wrong and how to fix it, safe to show to the user.
    pub message: String,
    /// The form field the error belongs beside (`url`, `default_tier`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IpcError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> IpcError {
        IpcError {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The same error, shown beside form field `field`.
    pub fn with_field(mut self, field: impl Into<String>) -> IpcError {
        self.field = Some(field.into()).filter(|field: &String| !field.is_empty());
        self
    }
}

impl From<SettingsError> for IpcError {
    fn from(error: SettingsError) -> IpcError {
        match error {
            SettingsError::Invalid { field, message } => {
                IpcError::new(ErrorCode::SettingInvalid, message).with_field(field)
            }
            SettingsError::UnknownChannel { .. } => {
                IpcError::new(ErrorCode::UnknownChannel, error.to_string())
            }
            SettingsError::Config(error) => error.into(),
            SettingsError::Io { .. } => IpcError::new(ErrorCode::Io, error.to_string()),
        }
    }
}

impl From<KeyError> for IpcError {
    fn from(error: KeyError) -> IpcError {
        let code = match &error {
            KeyError::BadImport(_) | KeyError::Malformed { .. } => ErrorCode::KeyInvalid,
            KeyError::Random(_) | KeyError::Io { .. } => ErrorCode::Io,
        };
        IpcError::new(code, error.to_string())
    }
}

impl From<SecretError> for IpcError {
    fn from(error: SecretError) -> IpcError {
        IpcError::new(ErrorCode::SecretUnavailable, error.to_string())
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

impl From<ConfigError> for IpcError {
    fn from(error: ConfigError) -> IpcError {
        let code = match &error {
            ConfigError::Invalid { .. } => ErrorCode::ConfigInvalid,
            ConfigError::Io { .. } => ErrorCode::Io,
        };
        IpcError::new(code, error.to_string())
    }
}

impl From<OpenError> for IpcError {
    fn from(error: OpenError) -> IpcError {
        let code = match &error {
            OpenError::Unknown { .. } => ErrorCode::UnknownChannel,
            OpenError::SecretMissing { .. } | OpenError::SecretUnbound { .. } => {
                ErrorCode::SecretMissing
            }
            OpenError::SecretUnavailable(_) => ErrorCode::SecretUnavailable,
            OpenError::Invalid { .. } => ErrorCode::ChannelInvalid,
        };
        IpcError::new(code, error.to_string())
    }
}

impl From<OutboxError> for IpcError {
    fn from(error: OutboxError) -> IpcError {
        let code = match &error {
            OutboxError::NotFound { id } => {
                return IpcError::new(
                    ErrorCode::NotFound,
                    format!("no outbox item {id:?}: it was removed; refresh the Outbox"),
                );
            }
            OutboxError::AlreadySubmitted {
                case_code,
                channel,
                id,
                state,
            } => {
                return IpcError::new(
                    ErrorCode::AlreadySubmitted,
                    format!(
                        "{case_code} was already submitted to channel {channel} (outbox item {id}, {state}); see it in the Outbox and retry it there, or send again to submit it a second time"
                    ),
                );
            }
            OutboxError::Busy { .. } => ErrorCode::Busy,
            OutboxError::Io { .. } | OutboxError::Invalid { .. } => ErrorCode::Io,
        };
        IpcError::new(code, error.to_string())
    }
}

impl From<SubmitError> for IpcError {
    fn from(error: SubmitError) -> IpcError {
        match error {
            SubmitError::NotReady(errors) => IpcError::new(
                ErrorCode::DraftNotReady,
                format!(
                    "the request is not ready to send; fix these fields first:\n  {}",
                    errors.join("\n  ")
                ),
            ),
            SubmitError::Open(error) => error.into(),
            SubmitError::Outbox(error) => error.into(),
            SubmitError::TooLarge { .. } => IpcError::new(
                ErrorCode::TooLarge,
                format!("{error}: build it again at the Evidence step for this channel"),
            ),
        }
    }
}

impl From<CollectError> for IpcError {
    fn from(error: CollectError) -> IpcError {
        let code = match &error {
            CollectError::Cancelled => ErrorCode::Cancelled,
            CollectError::BudgetTooSmall { .. } | CollectError::Empty(_) | CollectError::NoKey => {
                ErrorCode::Collect
            }
            CollectError::Write { .. } | CollectError::Verify { .. } => ErrorCode::Io,
        };
        IpcError::new(code, error.to_string())
    }
}

impl From<ScreenshotError> for IpcError {
    fn from(error: ScreenshotError) -> IpcError {
        let code = match &error {
            ScreenshotError::Invalid { .. } => ErrorCode::ImageInvalid,
            ScreenshotError::TooLarge { .. } => ErrorCode::ImageTooLarge,
            ScreenshotError::BadBox { .. } => ErrorCode::BlackOutInvalid,
            ScreenshotError::PendingNotFound { .. } => ErrorCode::NotFound,
            ScreenshotError::CaptureUnavailable { .. } => ErrorCode::CaptureUnavailable,
            ScreenshotError::Capture(_) => ErrorCode::CaptureFailed,
            ScreenshotError::WindowNotFound(_) => ErrorCode::WindowNotFound,
            ScreenshotError::Io { .. } => ErrorCode::Io,
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
            ErrorCode::ConfigInvalid,
            ErrorCode::InvalidCode,
            ErrorCode::InvalidSelection,
            ErrorCode::Cancelled,
            ErrorCode::Collect,
            ErrorCode::NotFound,
            ErrorCode::NotInPreview,
            ErrorCode::NothingToAttach,
            ErrorCode::BundleMissing,
            ErrorCode::TooLarge,
            ErrorCode::DraftNotReady,
            ErrorCode::AlreadySubmitted,
            ErrorCode::UnknownChannel,
            ErrorCode::SecretMissing,
            ErrorCode::SecretUnavailable,
            ErrorCode::ChannelInvalid,
            ErrorCode::Busy,
            ErrorCode::SettingInvalid,
            ErrorCode::ChannelUnreachable,
            ErrorCode::ChannelRefused,
            ErrorCode::KeyInvalid,
            ErrorCode::Io,
            ErrorCode::CaptureUnavailable,
            ErrorCode::CaptureFailed,
            ErrorCode::WindowNotFound,
            ErrorCode::ImageInvalid,
            ErrorCode::ImageTooLarge,
            ErrorCode::BlackOutInvalid,
            ErrorCode::NotConfirmed,
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
                "config_invalid",
                "invalid_code",
                "invalid_selection",
                "cancelled",
                "collect",
                "not_found",
                "not_in_preview",
                "nothing_to_attach",
                "bundle_missing",
                "too_large",
                "draft_not_ready",
                "already_submitted",
                "unknown_channel",
                "secret_missing",
                "secret_unavailable",
                "channel_invalid",
                "busy",
                "setting_invalid",
                "channel_unreachable",
                "channel_refused",
                "key_invalid",
                "io",
                "capture_unavailable",
                "capture_failed",
                "window_not_found",
                "image_invalid",
                "image_too_large",
                "black_out_invalid",
                "not_confirmed",
            ]
            .map(|code| serde_json::json!(code))
        );
    }
}
