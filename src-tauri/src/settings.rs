//! The Settings screen's commands: the view of `config.toml`, the data folders and the
//! pseudonym key; saving defaults and channels (through `casefile_core::settings`, which keeps
//! the user's comments); channel secrets into the keychain (never echoed back); a channel check
//! that logs in and reads; the key's export and import.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use casefile_core::config::Config;
use casefile_core::deliver::Secret;
use casefile_core::deliver::secret::{Keychain, OsKeychain, Secrets};
use casefile_core::deliver::service;
use casefile_core::profile::Catalog;
use casefile_core::settings::{self, Locations};
use casefile_core::wire::{ChannelCheck, DraftDefaults, KeyExport, SettingsDefaults, SettingsView};
use tauri::{AppHandle, Runtime, State};

use crate::commands::blocking;
use crate::confirm::{AppConfirm, Question};
use crate::delivery::default_folder;
use crate::error::{ErrorCode, IpcError};
use crate::paths::{DataDir, UserProfilesDir};

/// The keychain channel secrets are stored in and read from: the OS keychain in the app, a
/// stand-in in tests.
#[derive(Clone)]
pub struct AppKeychain(Arc<dyn Keychain + Send + Sync>);

impl AppKeychain {
    /// The OS keychain.
    pub fn os() -> AppKeychain {
        AppKeychain(Arc::new(OsKeychain))
    }

    /// Any keychain (a `MemoryKeychain` in tests).
    pub fn new(keychain: Arc<dyn Keychain + Send + Sync>) -> AppKeychain {
        AppKeychain(keychain)
    }

    /// Secrets as a channel opens them: the environment first, then this keychain.
    pub(crate) fn secrets(&self) -> Secrets<'_> {
        Secrets::new(std::env::vars(), self.0.as_ref())
    }
}

/// Where the settings live, resolved from managed state for one command.
struct Places {
    config_file: PathBuf,
    profiles_dir: PathBuf,
    data_dir: PathBuf,
    keychain: Arc<dyn Keychain + Send + Sync>,
}

impl Places {
    fn new(
        profiles_dir: &UserProfilesDir,
        data_dir: &DataDir,
        keychain: &AppKeychain,
    ) -> Result<Places, IpcError> {
        Ok(Places {
            config_file: profiles_dir.config_file()?,
            profiles_dir: profiles_dir.path()?.to_owned(),
            data_dir: data_dir.path()?.to_owned(),
            keychain: Arc::clone(&keychain.0),
        })
    }

    fn catalog(&self) -> Catalog {
        Catalog::load(Some(&self.profiles_dir))
    }

    /// The environment first, then this keychain, as a channel opens.
    fn secrets(&self) -> Secrets<'_> {
        Secrets::new(std::env::vars(), self.keychain.as_ref())
    }

    fn view(&self) -> SettingsView {
        let folder = default_folder(&self.data_dir);
        settings::settings_view(
            &Locations {
                config_file: &self.config_file,
                profiles_dir: &self.profiles_dir,
                data_dir: &self.data_dir,
                default_folder: &folder,
            },
            &self.catalog(),
            &self.secrets(),
        )
    }
}

/// The Settings screen: file, folders, defaults, channels with where their secrets are, the
/// pseudonym key, and what the forms offer. A broken `config.toml` is `configProblem`.
#[tauri::command]
pub(crate) async fn get_settings(
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
) -> Result<SettingsView, IpcError> {
    let places = Places::new(&profiles_dir, &data_dir, &keychain)?;
    blocking(move || Ok(places.view())).await
}

/// Writes the four defaults (each `null` or empty one is unset) and answers the new view.
#[tauri::command]
pub(crate) async fn save_defaults(
    defaults: SettingsDefaults,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
) -> Result<SettingsView, IpcError> {
    let places = Places::new(&profiles_dir, &data_dir, &keychain)?;
    blocking(move || {
        settings::save_defaults(&places.config_file, &places.catalog(), &defaults)?;
        Ok(places.view())
    })
    .await
}

/// Adds or replaces channel `name` of `kind` with `fields` (text by field name; empty unsets).
#[tauri::command]
pub(crate) async fn save_channel(
    name: String,
    kind: String,
    fields: BTreeMap<String, String>,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
) -> Result<SettingsView, IpcError> {
    let places = Places::new(&profiles_dir, &data_dir, &keychain)?;
    blocking(move || {
        let saved = settings::save_channel(&places.config_file, &name, &kind, &fields)?;
        // A URL's secret part (a webhook key, `sig=`) goes to the keychain, bound to this
        // channel; a dropped binding shows as a missing secret in the view, to enter again.
        if let Some((secret, part)) = saved.moved_secret {
            places.keychain.set(&secret, &part)?;
            settings::bind_secret(&places.config_file, &secret)?;
        }
        Ok(places.view())
    })
    .await
}

/// Removes channel `name` from `config.toml` (its secret stays in the keychain).
#[tauri::command]
pub(crate) async fn remove_channel(
    name: String,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
) -> Result<SettingsView, IpcError> {
    let places = Places::new(&profiles_dir, &data_dir, &keychain)?;
    blocking(move || {
        settings::remove_channel(&places.config_file, &name)?;
        Ok(places.view())
    })
    .await
}

fn check_secret_name(name: &str) -> Result<(), IpcError> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(IpcError::new(
            ErrorCode::SettingInvalid,
            format!("{name:?} is not a secret name: use the name the channel gives (letters, digits, '-', '_', '.')"),
        )
        .with_field("secret"));
    }
    Ok(())
}

/// Stores `value` under secret `name` in the keychain. The value is never sent back.
#[tauri::command]
pub(crate) async fn set_secret(
    name: String,
    value: String,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
) -> Result<SettingsView, IpcError> {
    check_secret_name(&name)?;
    let value = value.trim_end_matches(['\r', '\n']).to_owned();
    if value.trim().is_empty() {
        return Err(IpcError::new(
            ErrorCode::SettingInvalid,
            "the password or token is empty; type or paste it, then save",
        )
        .with_field("value"));
    }
    let places = Places::new(&profiles_dir, &data_dir, &keychain)?;
    blocking(move || {
        places.keychain.set(&name, &Secret::new(value))?;
        // The secret goes only where the channels that name it send now.
        settings::bind_secret(&places.config_file, &name)?;
        Ok(places.view())
    })
    .await
}

/// Removes secret `name` from the keychain (nothing happens when there is none).
#[tauri::command]
pub(crate) async fn delete_secret(
    name: String,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
) -> Result<SettingsView, IpcError> {
    check_secret_name(&name)?;
    let places = Places::new(&profiles_dir, &data_dir, &keychain)?;
    blocking(move || {
        places.keychain.delete(&name)?;
        Ok(places.view())
    })
    .await
}

/// Opens channel `name` with its secret and checks that the help desk answers and accepts the
/// credentials, as `casefile channels test` does; nothing is created.
#[tauri::command]
pub(crate) async fn test_channel(
    name: String,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
) -> Result<ChannelCheck, IpcError> {
    let places = Places::new(&profiles_dir, &data_dir, &keychain)?;
    blocking(move || {
        let config = Config::load(&places.config_file)?;
        let (channel, transport) = service::open_channel(
            &config,
            &name,
            &places.secrets(),
            &default_folder(&places.data_dir),
        )?;
        match transport.check() {
            Ok(detail) => Ok(ChannelCheck {
                channel: name,
                kind: channel.kind().to_owned(),
                detail,
            }),
            Err(error) => Err(IpcError::new(
                if error.is_retryable() {
                    ErrorCode::ChannelUnreachable
                } else {
                    ErrorCode::ChannelRefused
                },
                format!("{name}: {}", error.message),
            )),
        }
    })
    .await
}

/// The pseudonym key as export text (made first if there is none yet), after the user
/// confirms in a native dialog (a no is `not_confirmed`). Keep it secret.
#[tauri::command]
pub(crate) async fn export_key<R: Runtime>(
    app: AppHandle<R>,
    data_dir: State<'_, DataDir>,
    confirm: State<'_, AppConfirm>,
) -> Result<KeyExport, IpcError> {
    let question = Question {
        title: "Show the pseudonym key?".to_owned(),
        message: "The key turns every pseudonym in your bundles (host-…, user-…) back into the real names. Show it only to copy it to your other machines, and keep it secret.".to_owned(),
        agree: "Show the key".to_owned(),
    };
    confirm
        .require(&app, question, "exporting the pseudonym key")
        .await?;
    let data = data_dir.path()?.to_owned();
    blocking(move || Ok(settings::export_key(&data)?)).await
}

/// Replaces the pseudonym key with an exported one, after the user confirms the new key's
/// fingerprint in a native dialog (a no is `not_confirmed`); bundles made from now on use it.
#[tauri::command]
pub(crate) async fn import_key<R: Runtime>(
    app: AppHandle<R>,
    text: String,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
    confirm: State<'_, AppConfirm>,
) -> Result<SettingsView, IpcError> {
    let places = Places::new(&profiles_dir, &data_dir, &keychain)?;
    let new = casefile_core::redact::PseudonymKey::import(&text)?;
    let old = places.view().key.fingerprint;
    let question = Question {
        title: "Replace the pseudonym key?".to_owned(),
        message: format!(
            "Bundles made from now on will use the key {} instead of {}. Whoever holds the new key can turn their pseudonyms back into your names, and bundles already sent can no longer be translated here. Replace it only with your organisation's own key.",
            new.fingerprint(),
            old.as_deref().unwrap_or("none (no key yet)")
        ),
        agree: "Replace the key".to_owned(),
    };
    confirm
        .require(&app, question, "importing the pseudonym key")
        .await?;
    blocking(move || {
        settings::import_key(&places.data_dir, &text)?;
        Ok(places.view())
    })
    .await
}

/// The profile and tier the start screen preselects for a new request (the core decides from
/// the configuration's defaults).
#[tauri::command]
pub(crate) async fn new_draft_defaults(
    profiles_dir: State<'_, UserProfilesDir>,
) -> Result<DraftDefaults, IpcError> {
    let config = Config::load(&profiles_dir.config_file()?)?;
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    if config.default_profile.is_none() {
        return Ok(DraftDefaults {
            profile: None,
            tier: None,
        });
    }
    let (profile, tier) = settings::new_draft_defaults(&config, &catalog);
    Ok(DraftDefaults {
        profile: Some(profile),
        tier,
    })
}
