//! Casefile's desktop shell: a Tauri 2 window around the Svelte UI in `ui/`.
//!
//! This crate only adapts. Each IPC command (in `commands.rs`) calls one `casefile_core` function
//! and returns a `casefile_core::wire` type or an [`IpcError`]; there is no logic here. The app is
//! assembled by [`setup`], which is generic over the runtime so tests can drive the same wiring
//! with `tauri::test::mock_builder()`.

mod commands;
mod confirm;
mod delivery;
mod error;
mod evidence;
mod paths;
mod screenshot;
mod settings;

use tauri::{Builder, DragDropEvent, Manager, Runtime, WindowEvent};

pub use crate::confirm::{AppConfirm, Confirm, FixedAnswer, Question};
pub use crate::error::{ErrorCode, IpcError};
pub use crate::paths::{CONFIG_DIR_VAR, DATA_DIR_VAR, DataDir, DisplayTimeZone, UserProfilesDir};
pub use crate::settings::AppKeychain;

/// Registers the commands and the state they read on `builder`, with the OS keychain.
pub fn setup<R: Runtime>(
    builder: Builder<R>,
    profiles_dir: UserProfilesDir,
    data_dir: DataDir,
    time_zone: DisplayTimeZone,
) -> Builder<R> {
    setup_with_keychain(
        builder,
        profiles_dir,
        data_dir,
        time_zone,
        AppKeychain::os(),
    )
}

/// [`setup`] with the keychain the Settings commands store channel secrets in and read them
/// from (tests pass a `MemoryKeychain`).
pub fn setup_with_keychain<R: Runtime>(
    builder: Builder<R>,
    profiles_dir: UserProfilesDir,
    data_dir: DataDir,
    time_zone: DisplayTimeZone,
    keychain: AppKeychain,
) -> Builder<R> {
    setup_with(
        builder,
        profiles_dir,
        data_dir,
        time_zone,
        keychain,
        AppConfirm::Native,
    )
}

/// [`setup_with_keychain`] with the way native confirmations are asked (tests pass a
/// [`Confirm`] that answers and records the questions).
pub fn setup_with<R: Runtime>(
    builder: Builder<R>,
    profiles_dir: UserProfilesDir,
    data_dir: DataDir,
    time_zone: DisplayTimeZone,
    keychain: AppKeychain,
    confirm: AppConfirm,
) -> Builder<R> {
    builder
        .manage(profiles_dir)
        .manage(keychain)
        .manage(data_dir)
        .manage(time_zone)
        .manage(confirm)
        .manage(confirm::ApprovedFiles::default())
        .manage(evidence::BundleCancel::default())
        .manage(evidence::PreviewedFiles::default())
        .manage(evidence::PreviewRules::default())
        .on_window_event(|window, event| {
            // Files dropped on the window reach Rust before the webview: the user chose them,
            // so the request may name them without another question.
            if let WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) = event
                && let Ok(data) = window.state::<DataDir>().path()
            {
                window
                    .state::<confirm::ApprovedFiles>()
                    .add(data, paths.iter().cloned());
            }
        })
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            commands::attach_pasted_text,
            commands::delete_draft,
            commands::list_drafts,
            commands::list_profile_problems,
            commands::list_vendor_profiles,
            commands::new_draft,
            commands::open_draft,
            commands::save_draft,
            evidence::build_bundle,
            evidence::cancel_bundle,
            evidence::disclosure_review,
            evidence::machine_summary,
            evidence::preview_evidence,
            evidence::read_collection_code,
            evidence::redaction_preview,
            evidence::render_request,
            evidence::save_selection,
            evidence::saved_evidence,
            delivery::list_channels,
            delivery::list_outbox,
            delivery::open_saved_email,
            delivery::remove_outbox,
            delivery::retry_outbox,
            delivery::show_saved_email,
            delivery::submit_draft,
            settings::delete_secret,
            settings::export_key,
            settings::get_settings,
            settings::import_key,
            settings::new_draft_defaults,
            settings::remove_channel,
            settings::save_channel,
            settings::save_defaults,
            settings::set_secret,
            settings::test_channel,
            screenshot::accept_screenshot,
            screenshot::capture_screenshot,
            screenshot::discard_screenshot,
            screenshot::import_screenshots,
            screenshot::list_windows,
            screenshot::pending_screenshots,
            screenshot::pick_files,
            screenshot::pick_screenshots
        ])
}

/// Runs the desktop app until its window closes.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let app = setup(
        Builder::default(),
        UserProfilesDir::from_environment(),
        DataDir::from_environment(),
        DisplayTimeZone::from_environment(),
    )
    .run(tauri::generate_context!());
    if let Err(error) = app {
        eprintln!("error: casefile could not start: {error}");
        std::process::exit(1);
    }
}
