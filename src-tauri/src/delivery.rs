//! The Send step's and the Outbox's commands: list channels, submit a draft with its bundle,
//! list, retry and remove outbox items. Sending runs on a blocking thread and reports upload
//! progress on a Tauri channel.

use std::path::{Path, PathBuf};

use casefile_core::config::Config;
use casefile_core::deliver::Progress;
use casefile_core::deliver::Transport;
use casefile_core::deliver::outbox::{Item, Outbox, State as ItemState};
use casefile_core::deliver::service::{self, MAX_INLINE_WAIT};
use casefile_core::profile::Catalog;
use casefile_core::wire::{self, ChannelSummary, OutboxItemReport};
use chrono::Utc;
use chrono_tz::Tz;
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::{DraftFile, blocking, display_zone, load_config};
use crate::error::{ErrorCode, IpcError};
use crate::paths::{DataDir, DisplayTimeZone, UserProfilesDir};
use crate::settings::AppKeychain;

/// Where the folder channel saves when its configuration names no path.
pub(crate) fn default_folder(data_dir: &Path) -> PathBuf {
    service::default_folder(dirs::document_dir().as_deref(), data_dir)
}

/// Every channel with where it sends and whether its secret is set.
#[tauri::command]
pub(crate) async fn list_channels(
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    keychain: State<'_, AppKeychain>,
) -> Result<Vec<ChannelSummary>, IpcError> {
    let config = load_config(&profiles_dir)?;
    let data = data_dir.path()?.to_owned();
    let keychain = keychain.inner().clone();
    blocking(move || {
        // A keychain that cannot be asked shows the secret as not set; sending says why.
        let (summaries, _problems) =
            service::channel_summaries(&config, &keychain.secrets(), &default_folder(&data));
        Ok(summaries)
    })
    .await
}

/// Submits the draft with its bundle through `channel`: validated, put in the outbox, then
/// sent with a few attempts in a row. A failed send is a report, not a rejection.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub(crate) async fn submit_draft(
    path: PathBuf,
    channel: String,
    again: bool,
    on_progress: Channel<Progress>,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
    keychain: State<'_, AppKeychain>,
) -> Result<OutboxItemReport, IpcError> {
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    let config = load_config(&profiles_dir)?;
    let zone = display_zone(Some(&config), *time_zone);
    let data = data_dir.path()?.to_owned();
    let bundle = draft.bundle_path(&data_dir)?;
    if !bundle.is_file() {
        return Err(IpcError::new(
            ErrorCode::BundleMissing,
            format!(
                "there is no bundle for {} yet ({} is missing); build it at the Evidence step first",
                draft.request.case_code,
                bundle.display()
            ),
        ));
    }
    let keychain = keychain.inner().clone();
    blocking(move || {
        let profile = draft.profile()?;
        let outbox = Outbox::new(&data);
        let (channel_config, transport) = service::open_for_submission(
            &config,
            &outbox,
            &draft.request,
            profile,
            &channel,
            again,
            &keychain.secrets(),
            &default_folder(&data),
        )?;
        service::check_bundle_size(&bundle, &channel, transport.as_ref())?;
        let item = service::enqueue_submission(
            &outbox,
            &draft.request,
            profile,
            &channel,
            &channel_config,
            &bundle,
            false,
            again,
            Utc::now(),
        )?;
        let attempts = config.delivery.attempts();
        let item = send(
            &config,
            &outbox,
            &item,
            transport.as_ref(),
            attempts,
            &on_progress,
        )?;
        Ok(wire::outbox_item_report(&item, Some(profile), zone))
    })
    .await
}

/// Attempts `item` up to `attempts` times (waiting in between only briefly), with progress.
fn send(
    config: &Config,
    outbox: &Outbox,
    item: &Item,
    transport: &dyn Transport,
    attempts: u32,
    on_progress: &Channel<Progress>,
) -> Result<Item, IpcError> {
    Ok(outbox.send(
        item.id(),
        transport,
        &config.delivery.retry_policy(),
        attempts,
        MAX_INLINE_WAIT,
        &mut |_, _| {},
        // A closed window cannot receive progress; the upload goes on regardless.
        &mut |progress| _ = on_progress.send(progress),
    )?)
}

/// The outbox report of `item`, with the receipt's targets from its profile when installed.
fn report(catalog: &Catalog, item: &Item, zone: Tz) -> OutboxItemReport {
    let profile = catalog
        .get(&item.submission.profile)
        .map(|loaded| &loaded.profile);
    wire::outbox_item_report(item, profile, zone)
}

/// Every outbox item, newest first.
#[tauri::command]
pub(crate) async fn list_outbox(
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
) -> Result<Vec<OutboxItemReport>, IpcError> {
    let zone = display_zone(load_config(&profiles_dir).ok().as_ref(), *time_zone);
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    let data = data_dir.path()?.to_owned();
    blocking(move || {
        // Unreadable item folders are left out here; `casefile outbox list` names them.
        let (items, _problems) = Outbox::new(&data).list()?;
        Ok(items
            .iter()
            .rev()
            .map(|item| report(&catalog, item, zone))
            .collect())
    })
    .await
}

/// Sends outbox item `id` again now, whatever its wait; a sent item is reported as it is.
#[tauri::command]
pub(crate) async fn retry_outbox(
    id: String,
    on_progress: Channel<Progress>,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
    keychain: State<'_, AppKeychain>,
) -> Result<OutboxItemReport, IpcError> {
    let config = load_config(&profiles_dir)?;
    let zone = display_zone(Some(&config), *time_zone);
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    let data = data_dir.path()?.to_owned();
    let keychain = keychain.inner().clone();
    blocking(move || {
        let outbox = Outbox::new(&data);
        let item = outbox.load(&id)?;
        if item.state == ItemState::Sent {
            return Ok(report(&catalog, &item, zone));
        }
        let (_, transport) = service::open_channel(
            &config,
            &item.channel,
            &keychain.secrets(),
            &default_folder(&data),
        )?;
        let item = send(&config, &outbox, &item, transport.as_ref(), 1, &on_progress)?;
        Ok(report(&catalog, &item, zone))
    })
    .await
}

/// Removes outbox item `id` and its files.
#[tauri::command]
pub(crate) async fn remove_outbox(
    id: String,
    data_dir: State<'_, DataDir>,
) -> Result<(), IpcError> {
    let data = data_dir.path()?.to_owned();
    blocking(move || {
        Outbox::new(&data).remove(&id)?;
        Ok(())
    })
    .await
}

/// The `.eml` the folder channel saved for outbox item `id`, still on disk.
fn saved_email(data: &Path, id: &str) -> Result<PathBuf, IpcError> {
    let item = Outbox::new(data).load(id)?;
    let path = item.saved_message().ok_or_else(|| {
        IpcError::new(
            ErrorCode::NotFound,
            format!("{id} was not saved as an e-mail to send (it went out through its channel, or is not sent yet)"),
        )
    })?;
    if !path.is_file() {
        return Err(IpcError::new(
            ErrorCode::NotFound,
            format!(
                "the saved e-mail is no longer at {}: it was moved or deleted",
                path.display()
            ),
        ));
    }
    Ok(path)
}

/// Hands `path` to the system: its default program (`reveal` false), or the file manager
/// showing its folder. There is no opener plugin in this app; these are the programs the
/// desktops themselves use, run with an argument vector and no shell.
fn open_with_system(path: &Path, reveal: bool) -> Result<(), IpcError> {
    let mut command = if cfg!(target_os = "macos") {
        let mut command = std::process::Command::new("open");
        if reveal {
            command.arg("-R");
        }
        command.arg(path);
        command
    } else if cfg!(windows) {
        let mut command = std::process::Command::new("explorer");
        if reveal {
            let mut select = std::ffi::OsString::from("/select,");
            select.push(path);
            command.arg(select);
        } else {
            command.arg(path);
        }
        command
    } else {
        let mut command = std::process::Command::new("xdg-open");
        command.arg(if reveal {
            path.parent().unwrap_or(path)
        } else {
            path
        });
        command
    };
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|error| {
            IpcError::new(
                ErrorCode::Io,
                format!(
                    "the system could not open {}: {error}; open it from your file manager",
                    path.display()
                ),
            )
        })?;
    // Reaped in the background: the mail program may stay open for a long time.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Opens the e-mail the folder channel saved for outbox item `id` in the system's mail program
/// (it is marked unsent, so the mail program opens it as a draft to send).
#[tauri::command]
pub(crate) async fn open_saved_email(
    id: String,
    data_dir: State<'_, DataDir>,
) -> Result<(), IpcError> {
    let data = data_dir.path()?.to_owned();
    blocking(move || open_with_system(&saved_email(&data, &id)?, false)).await
}

/// Shows the folder holding the e-mail and bundle the folder channel saved for outbox item `id`.
#[tauri::command]
pub(crate) async fn show_saved_email(
    id: String,
    data_dir: State<'_, DataDir>,
) -> Result<(), IpcError> {
    let data = data_dir.path()?.to_owned();
    blocking(move || open_with_system(&saved_email(&data, &id)?, true)).await
}
