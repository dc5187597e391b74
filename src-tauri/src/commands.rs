//! The IPC commands. Each adapts one `casefile_core` call: it takes its inputs from the request
//! and managed state, calls the core, and returns a wire type or an [`IpcError`].

use std::path::{Path, PathBuf};

use casefile_core::config::Config;
use casefile_core::drafts;
use casefile_core::profile::schema::Profile;
use casefile_core::profile::{Catalog, LoadedProfile};
use casefile_core::request::Request;
use casefile_core::wire::{self, DraftSummary, DraftView, ProfileProblem, ProfileSummary};
use casefile_core::wizard;
use chrono::Utc;
use chrono_tz::Tz;
use tauri::State;

use crate::error::{ErrorCode, IpcError};
use crate::paths::{DataDir, DisplayTimeZone, UserProfilesDir};

/// The built-in vendor profiles plus the user's own, in listing order.
#[tauri::command]
pub(crate) async fn list_vendor_profiles(
    profiles_dir: State<'_, UserProfilesDir>,
) -> Result<Vec<ProfileSummary>, IpcError> {
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    Ok(wire::profile_summaries(&catalog))
}

/// The problems met loading the user's profile files; empty when every file loaded.
#[tauri::command]
pub(crate) async fn list_profile_problems(
    profiles_dir: State<'_, UserProfilesDir>,
) -> Result<Vec<ProfileProblem>, IpcError> {
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    Ok(wire::profile_problems(&catalog))
}

/// Creates a draft for a vendor profile (and tier, if chosen) and opens it at step 1.
#[tauri::command]
pub(crate) async fn new_draft(
    profile: String,
    tier: Option<String>,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
) -> Result<DraftView, IpcError> {
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    let loaded = find_profile(&catalog, &profile)?;
    let mut entropy = [0u8; 8];
    getrandom::fill(&mut entropy).map_err(|error| {
        IpcError::new(
            ErrorCode::Io,
            format!("cannot get randomness for the case code: {error}"),
        )
    })?;
    let path = drafts::create(
        data_dir.path()?,
        &loaded.profile,
        tier.as_deref().unwrap_or(""),
        u64::from_le_bytes(entropy),
    )?;
    let (request, step) = drafts::open(&path)?;
    view(
        &catalog,
        &path,
        step,
        request,
        view_zone(&profiles_dir, *time_zone),
    )
}

/// Moves the text of `field` (a log pasted into the description, say) into a file beside the
/// draft, adds it to the draft's evidence and leaves a one-line reference in the field (the
/// core's [`casefile_core::pasted::attach_text_to_draft`]); answers the draft's fresh view. The
/// UI saves its edits first, and takes the view's request as its own.
#[tauri::command]
pub(crate) async fn attach_pasted_text(
    path: PathBuf,
    field: String,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
) -> Result<DraftView, IpcError> {
    use casefile_core::pasted::{DraftAttachError, attach_text_to_draft};
    let path = drafts::check_path(data_dir.path()?, &path)?;
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    let written = path.clone();
    blocking(move || {
        attach_text_to_draft(&written, &field).map_err(|error| match error {
            DraftAttachError::Draft(error) => IpcError::from(error),
            DraftAttachError::Attach { .. } => {
                IpcError::new(ErrorCode::NothingToAttach, error.to_string())
            }
        })
    })
    .await?;
    let (request, step) = drafts::open(&path)?;
    view(
        &catalog,
        &path,
        step,
        request,
        view_zone(&profiles_dir, *time_zone),
    )
}

/// Every draft, newest first; one that cannot be read is listed with its problem.
#[tauri::command]
pub(crate) async fn list_drafts(
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
) -> Result<Vec<DraftSummary>, IpcError> {
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    Ok(drafts::list(data_dir.path()?, &catalog)?)
}

/// Opens a draft at the step the user left it.
#[tauri::command]
pub(crate) async fn open_draft(
    path: PathBuf,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
) -> Result<DraftView, IpcError> {
    let path = drafts::check_path(data_dir.path()?, &path)?;
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    let (request, step) = drafts::open(&path)?;
    view(
        &catalog,
        &path,
        step,
        request,
        view_zone(&profiles_dir, *time_zone),
    )
}

/// Saves the edited request and the step (autosave) and answers the recomputed view.
#[tauri::command]
pub(crate) async fn save_draft(
    path: PathBuf,
    request: Request,
    step: u8,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
) -> Result<DraftView, IpcError> {
    let path = drafts::check_path(data_dir.path()?, &path)?;
    let catalog = Catalog::load(Some(profiles_dir.path()?));
    drafts::save(&path, &request, step)?;
    view(
        &catalog,
        &path,
        step,
        request,
        view_zone(&profiles_dir, *time_zone),
    )
}

/// Deletes a draft.
#[tauri::command]
pub(crate) async fn delete_draft(
    path: PathBuf,
    data_dir: State<'_, DataDir>,
) -> Result<(), IpcError> {
    let data = data_dir.path()?;
    let path = drafts::check_path(data, &path)?;
    Ok(drafts::delete(data, &path)?)
}

/// The zone for a draft view. A broken `config.toml` does not stop a draft from opening: the
/// system's zone is used, and the channel list reports the configuration's error.
fn view_zone(profiles_dir: &UserProfilesDir, system: DisplayTimeZone) -> Tz {
    display_zone(load_config(profiles_dir).ok().as_ref(), system)
}

pub(crate) fn find_profile<'a>(
    catalog: &'a Catalog,
    id: &str,
) -> Result<&'a LoadedProfile, IpcError> {
    catalog.get(id).ok_or_else(|| {
        IpcError::new(
            ErrorCode::ProfileNotFound,
            format!(
                "no vendor profile {id:?}; choose one of: {}",
                catalog.ids().join(", ")
            ),
        )
    })
}

/// A draft from the webview, checked to be in the drafts folder, with the catalog its profile is in.
pub(crate) struct DraftFile {
    /// The draft file.
    pub(crate) path: PathBuf,
    /// Its request.
    pub(crate) request: Request,
    /// The built-in and user profiles.
    pub(crate) catalog: Catalog,
}

impl DraftFile {
    /// Opens the draft at `path` (only inside `DATA_DIR/drafts`).
    pub(crate) fn open(
        path: &Path,
        profiles_dir: &UserProfilesDir,
        data_dir: &DataDir,
    ) -> Result<DraftFile, IpcError> {
        let path = drafts::check_path(data_dir.path()?, path)?;
        let catalog = Catalog::load(Some(profiles_dir.path()?));
        let (request, _) = drafts::open(&path)?;
        Ok(DraftFile {
            path,
            request,
            catalog,
        })
    }

    /// The profile the draft names, or an error naming the draft's `profile` field.
    pub(crate) fn profile(&self) -> Result<&Profile, IpcError> {
        self.loaded().map(|loaded| &loaded.profile)
    }

    /// The profile the draft names with where it came from (for the trust check).
    pub(crate) fn loaded(&self) -> Result<&casefile_core::profile::LoadedProfile, IpcError> {
        find_profile(&self.catalog, &self.request.profile).map_err(|error| {
            IpcError::new(
                error.code,
                format!("{}: field profile: {}", self.path.display(), error.message),
            )
        })
    }

    /// Where the case's bundle is kept: `DATA_DIR/bundles/<CASE>.zip`.
    pub(crate) fn bundle_path(&self, data_dir: &DataDir) -> Result<PathBuf, IpcError> {
        Ok(drafts::bundle_path(data_dir.path()?, &self.path))
    }
}

/// The user's `config.toml` (beside the profiles folder), read afresh so edits apply at once;
/// a missing file gives the defaults.
pub(crate) fn load_config(profiles_dir: &UserProfilesDir) -> Result<Config, IpcError> {
    Ok(Config::load(&profiles_dir.config_file()?)?)
}

/// The zone times are shown in: the configuration's `time_zone` when set, else the system's.
pub(crate) fn display_zone(config: Option<&Config>, system: DisplayTimeZone) -> Tz {
    config
        .and_then(|config| config.time_zone)
        .map_or(system.0, |zone| zone.0)
}

/// Runs blocking work (file system, collection, network) off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|error| IpcError::new(ErrorCode::Io, format!("the work stopped: {error}")))?
}

fn view(
    catalog: &Catalog,
    path: &Path,
    step: u8,
    request: Request,
    time_zone: Tz,
) -> Result<DraftView, IpcError> {
    let loaded = find_profile(catalog, &request.profile).map_err(|error| {
        IpcError::new(
            error.code,
            format!("{}: field profile: {}", path.display(), error.message),
        )
    })?;
    Ok(wizard::draft_view(
        path.display().to_string(),
        step,
        request,
        &loaded.profile,
        Utc::now(),
        time_zone,
    ))
}
