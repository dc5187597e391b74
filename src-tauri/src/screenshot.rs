//! The Evidence step's screenshot and file-picker commands: list windows, capture the screen or
//! a window (the app's own window hidden meanwhile), pick image files or any files with the
//! native dialog (opened from Rust; the webview has no dialog permission), and accept a pending
//! screenshot with its black-out boxes or discard it. Images are cleaned and stored by
//! `casefile_core::evidence::screenshot`; the UI adds the stored path to `request.evidence`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use casefile_core::drafts;
use casefile_core::evidence::screenshot::capture::{self, Target};
use casefile_core::evidence::screenshot::{self, ScreenshotError, Store};
use casefile_core::wire::{
    BlackOut, CaptureTarget, PendingScreenshot, SavedScreenshot, WindowInfo,
};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::commands::{DraftFile, blocking};
use crate::confirm::{AppConfirm, ApprovedFiles, Question};
use crate::error::{ErrorCode, IpcError};
use crate::paths::{DataDir, UserProfilesDir};

/// How long the window takes to disappear from the screen before a capture.
const HIDE_SETTLE: Duration = Duration::from_millis(300);
/// The longest delay the UI may ask for.
const MAX_DELAY_SECONDS: u64 = 30;
/// What the image picker offers.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "bmp"];

/// The draft's screenshot store: `DATA_DIR/screenshots/<CASE>/`, named after the draft file
/// (which the drafts folder vouches for), not after the editable case code.
fn store_for(
    path: &Path,
    profiles_dir: &UserProfilesDir,
    data_dir: &DataDir,
) -> Result<Store, IpcError> {
    let draft = DraftFile::open(path, profiles_dir, data_dir)?;
    Ok(drafts::screenshots(data_dir.path()?, &draft.path))
}

/// The windows that can be captured.
#[tauri::command]
pub(crate) async fn list_windows() -> Result<Vec<WindowInfo>, IpcError> {
    blocking(|| Ok(capture::list_windows()?)).await
}

/// Captures the screen or a window after `delay_seconds` (the app's window hidden meanwhile)
/// and keeps it as a pending screenshot of the draft at `path`.
#[tauri::command]
pub(crate) async fn capture_screenshot<R: Runtime>(
    app: AppHandle<R>,
    path: PathBuf,
    target: CaptureTarget,
    delay_seconds: u64,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
) -> Result<PendingScreenshot, IpcError> {
    let store = store_for(&path, &profiles_dir, &data_dir)?;
    let (target, name) = match target {
        CaptureTarget::Screen => (Target::Screen, "screen".to_owned()),
        CaptureTarget::Window { id } => {
            let windows = blocking(|| Ok(capture::list_windows()?)).await?;
            let window = windows
                .into_iter()
                .find(|window| window.id == id)
                .ok_or_else(|| {
                    IpcError::from(ScreenshotError::WindowNotFound(format!(
                        "{id} (closed since the list was made?)"
                    )))
                })?;
            (Target::Window(window.id), window.title)
        }
    };
    let window = app.get_webview_window("main");
    if let Some(window) = &window {
        window.hide().map_err(|error| {
            IpcError::new(
                ErrorCode::CaptureFailed,
                format!("the app's window could not be hidden for the capture: {error}"),
            )
        })?;
    }
    let wait = HIDE_SETTLE + Duration::from_secs(delay_seconds.min(MAX_DELAY_SECONDS));
    let shot = blocking(move || {
        std::thread::sleep(wait);
        Ok(capture::capture(target)?)
    })
    .await;
    if let Some(window) = &window {
        // Showing the window again matters more than reporting why it could not be shown.
        let _ = window.show();
        let _ = window.set_focus();
    }
    let shot = shot?;
    blocking(move || Ok(store.add_pending_image(&shot.png, &name)?)).await
}

/// Opens the native file dialog on a blocking thread: the chosen paths, or none if cancelled.
async fn pick<R: Runtime>(app: &AppHandle<R>, images: bool) -> Result<Vec<PathBuf>, IpcError> {
    let mut dialog = app.dialog().file();
    dialog = if images {
        dialog
            .set_title("Pick screenshots")
            .add_filter("Images", IMAGE_EXTENSIONS)
    } else {
        dialog.set_title("Add files to the evidence")
    };
    blocking(move || {
        Ok(dialog
            .blocking_pick_files()
            .unwrap_or_default()
            .iter()
            .filter_map(|file| file.as_path().map(Path::to_path_buf))
            .collect())
    })
    .await
}

/// Picks image files with the native dialog; each becomes a pending screenshot of the draft at
/// `path`. A cancelled dialog gives none. If one file is not an image, none is kept and the
/// error names it.
#[tauri::command]
pub(crate) async fn pick_screenshots<R: Runtime>(
    app: AppHandle<R>,
    path: PathBuf,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    approved: State<'_, ApprovedFiles>,
) -> Result<Vec<PendingScreenshot>, IpcError> {
    let store = store_for(&path, &profiles_dir, &data_dir)?;
    let files = pick(&app, true).await?;
    approved.add(data_dir.path()?, files.iter().cloned());
    blocking(move || Ok(pending_from_files(&store, &files)?)).await
}

/// Images the user dropped on the window or typed the path of, each made a pending screenshot
/// of the draft at `path` so it passes through the black-out editor and loses its metadata like
/// a picked one. If one is not an image, none is kept and the error names it. Files that did not
/// come from the picker or a drop on the window are read only after a native confirmation
/// listing them (a no is `not_confirmed`), so the webview cannot have any image read to it.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub(crate) async fn import_screenshots<R: Runtime>(
    app: AppHandle<R>,
    path: PathBuf,
    files: Vec<PathBuf>,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    confirm: State<'_, AppConfirm>,
    approved: State<'_, ApprovedFiles>,
) -> Result<Vec<PendingScreenshot>, IpcError> {
    let store = store_for(&path, &profiles_dir, &data_dir)?;
    let data = data_dir.path()?;
    let unknown: Vec<String> = files
        .iter()
        .filter(|file| !approved.contains(data, file))
        .map(|file| file.display().to_string())
        .collect();
    if !unknown.is_empty() {
        let question = Question {
            title: "Import these images?".to_owned(),
            message: format!(
                "Casefile was asked to open images you did not pick or drop here:\n\n  {}\n\nThey become screenshots of this request. Continue only if you asked for them.",
                unknown.join("\n  ")
            ),
            agree: "Import".to_owned(),
        };
        confirm
            .require(&app, question, "importing the images")
            .await?;
        approved.add(data, files.iter().cloned());
    }
    blocking(move || Ok(pending_from_files(&store, &files)?)).await
}

/// The draft's pending screenshots left from an earlier session (the app was closed while one
/// was in the editor), oldest first, so the user can finish or discard them.
#[tauri::command]
pub(crate) async fn pending_screenshots(
    path: PathBuf,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
) -> Result<Vec<PendingScreenshot>, IpcError> {
    let store = store_for(&path, &profiles_dir, &data_dir)?;
    blocking(move || Ok(store.pending())).await
}

/// Each file as a pending screenshot; on the first failure, the ones already made are dropped.
fn pending_from_files(
    store: &Store,
    files: &[PathBuf],
) -> Result<Vec<PendingScreenshot>, ScreenshotError> {
    let mut made: Vec<PendingScreenshot> = Vec::new();
    for file in files {
        let name = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let result = screenshot::read_image_file(file)
            .and_then(|bytes| store.add_pending_image(&bytes, &name));
        match result {
            Ok(pending) => made.push(pending),
            Err(error) => {
                for pending in &made {
                    let _ = store.discard(&pending.id);
                }
                return Err(error);
            }
        }
    }
    Ok(made)
}

/// Picks any files with the native dialog: their absolute paths (none if cancelled), for the UI
/// to add to `request.evidence` as it does dropped files.
/// The picked files are approved: the draft may name them without another question.
#[tauri::command]
pub(crate) async fn pick_files<R: Runtime>(
    app: AppHandle<R>,
    data_dir: State<'_, DataDir>,
    approved: State<'_, ApprovedFiles>,
) -> Result<Vec<String>, IpcError> {
    let files = pick(&app, false).await?;
    approved.add(data_dir.path()?, files.iter().cloned());
    Ok(files
        .into_iter()
        .map(|path| path.display().to_string())
        .collect())
}

/// Cleans a pending screenshot with its black-out boxes into the draft's screenshots folder as
/// `name` (numbered if taken) and deletes the pending original. The UI adds the returned path
/// to `request.evidence` as a `screenshot` item.
#[tauri::command]
pub(crate) async fn accept_screenshot(
    path: PathBuf,
    id: String,
    name: String,
    black_out: Vec<BlackOut>,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
) -> Result<SavedScreenshot, IpcError> {
    let store = store_for(&path, &profiles_dir, &data_dir)?;
    blocking(move || {
        let stored = store.accept(&id, &name, &black_out)?;
        Ok(SavedScreenshot::new(&stored.path, &stored.cleaned))
    })
    .await
}

/// Deletes a pending screenshot.
#[tauri::command]
pub(crate) async fn discard_screenshot(
    path: PathBuf,
    id: String,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
) -> Result<(), IpcError> {
    let store = store_for(&path, &profiles_dir, &data_dir)?;
    blocking(move || Ok(store.discard(&id)?)).await
}
