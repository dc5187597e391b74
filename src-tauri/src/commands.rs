//! The IPC commands. Each adapts one `casefile_core` call: it takes its inputs from the request
//! and managed state, calls the core, and returns a wire type or an [`IpcError`].

use std::path::{Path, PathBuf};

use casefile_core::drafts;
use casefile_core::profile::{Catalog, LoadedProfile};
use casefile_core::request::Request;
use casefile_core::wire::{self, DraftSummary, DraftView, ProfileProblem, ProfileSummary};
use casefile_core::wizard;
use chrono::Utc;
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
    view(&catalog, &path, step, request, *time_zone)
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
    view(&catalog, &path, step, request, *time_zone)
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
    view(&catalog, &path, step, request, *time_zone)
}

/// Deletes a draft.
#[tauri::command]
pub(crate) async fn delete_draft(
    path: PathBuf,
    data_dir: State<'_, DataDir>,
) -> Result<(), IpcError> {
    let path = drafts::check_path(data_dir.path()?, &path)?;
    Ok(drafts::delete(&path)?)
}

fn find_profile<'a>(catalog: &'a Catalog, id: &str) -> Result<&'a LoadedProfile, IpcError> {
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

fn view(
    catalog: &Catalog,
    path: &Path,
    step: u8,
    request: Request,
    time_zone: DisplayTimeZone,
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
        time_zone.0,
    ))
}
