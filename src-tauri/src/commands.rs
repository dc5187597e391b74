//! The IPC commands. Each adapts one `casefile_core` call: it takes its inputs from the request
//! and managed state, calls the core, and returns a wire type or an [`IpcError`].

use casefile_core::profile::Catalog;
use casefile_core::wire::{self, ProfileProblem, ProfileSummary};
use tauri::State;

use crate::error::IpcError;
use crate::paths::UserProfilesDir;

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
