//! The Evidence and Review steps' commands and phone mode: preview a selection, read a
//! collection code, build the bundle with progress (and cancel it), preview a file's redaction
//! with the bundle's own rules, render the request as it leaves, the disclosure review, and
//! summarise the machine. Collection runs on a blocking thread.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use casefile_core::deliver::service;
use casefile_core::evidence::collect::{
    self, CollectContext, CollectOptions, Phase, Progress, RedactionRules, RequestDocs,
};
use casefile_core::evidence::plan::{self, PlanRequest};
use casefile_core::evidence::resolve::Env;
use casefile_core::evidence::{snapshot, summary};
use casefile_core::redact::{self, PseudonymKey};
use casefile_core::render;
use casefile_core::wire::{
    self, BundleReport, DisclosureReport, EvidencePreview, EvidenceSelection, HighlightedPreview,
    MachineSummary, SavedEvidence,
};
use casefile_core::{collection_code, drafts};
use chrono::Utc;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::commands::{DraftFile, blocking, display_zone, load_config};
use crate::confirm::{AppConfirm, ApprovedFiles, draft_may_collect, profile_trusted};
use crate::delivery::default_folder;
use crate::error::{ErrorCode, IpcError};
use crate::paths::{DataDir, DisplayTimeZone, UserProfilesDir};

/// How much of a file `redaction_preview` shows.
const PREVIEW_BYTES: usize = 64 * 1024;
/// The least time between two progress messages of the same phase.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The files the last `preview_evidence` listed: the only ones `redaction_preview` reads, so the
/// webview cannot have any other file on the machine read to it.
#[derive(Debug, Default)]
pub(crate) struct PreviewedFiles(Mutex<BTreeSet<PathBuf>>);

/// The redaction rules `redaction_preview` used last, with what they were made from (the
/// draft, its request and the selection as JSON): previews of several files of one selection
/// learn the names once.
#[derive(Debug, Default)]
pub(crate) struct PreviewRules(Mutex<Option<(String, RedactionRules)>>);

/// The cancel flag of the running `build_bundle`, set by `cancel_bundle`.
#[derive(Debug, Default)]
pub(crate) struct BundleCancel(Arc<AtomicBool>);

/// The options for `selection` on `draft`: the ticked kinds (else the issue type's, else
/// every kind for this OS), the window in the display zone, the draft's added files.
fn options_for(
    draft: &DraftFile,
    selection: &EvidenceSelection,
    zone: chrono_tz::Tz,
) -> Result<CollectOptions, IpcError> {
    let mut options = CollectOptions::for_selection(selection, Utc::now(), zone)
        .map_err(|message| IpcError::new(ErrorCode::InvalidSelection, message))?;
    let draft_dir = draft.path.parent().unwrap_or(Path::new("."));
    options
        .for_draft(&draft.request, draft.profile()?, draft_dir)
        .map_err(|message| {
            IpcError::new(
                ErrorCode::NotFound,
                format!("{}: {message}", draft.path.display()),
            )
        })?;
    Ok(options)
}

/// A progress callback that passes `channel` one message per phase change and at most one per
/// [`PROGRESS_EVERY`] within a phase (a closed window cannot receive progress; the work goes on).
fn throttled(channel: &Channel<Progress>) -> impl Fn(&Progress) + Sync + '_ {
    let last = Mutex::new(None::<(Phase, Instant)>);
    move |progress: &Progress| {
        let Ok(mut last) = last.lock() else {
            return;
        };
        let due = match *last {
            Some((phase, at)) => {
                phase != progress.phase
                    || progress.phase == Phase::Done
                    || at.elapsed() >= PROGRESS_EVERY
            }
            None => true,
        };
        if due {
            *last = Some((progress.phase, Instant::now()));
            let _ = channel.send(progress.clone());
        }
    }
}

/// What a selection would collect on this machine, per kind, with sizes and what is skipped.
/// An untrusted user profile, or files the draft names outside the drafts folder that the user
/// did not pick or drop here, are asked about first (natively); a no is `not_confirmed`.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub(crate) async fn preview_evidence<R: Runtime>(
    app: AppHandle<R>,
    path: PathBuf,
    selection: EvidenceSelection,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
    previewed: State<'_, PreviewedFiles>,
    confirm: State<'_, AppConfirm>,
    approved: State<'_, ApprovedFiles>,
) -> Result<EvidencePreview, IpcError> {
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    draft_may_collect(&app, &confirm, &approved, &profiles_dir, &data_dir, &draft).await?;
    let zone = display_zone(Some(&load_config(&profiles_dir)?), *time_zone);
    // Listed as the bundle will take them: Casefile's own folders left out.
    let own_folders: Vec<plan::OwnFolder> = data_dir
        .path()
        .ok()
        .map(plan::OwnFolder::data)
        .into_iter()
        .chain(
            own_config_paths(&profiles_dir)
                .iter()
                .map(|path| plan::OwnFolder::config(path)),
        )
        .collect();
    let preview = blocking(move || {
        let options = options_for(&draft, &selection, zone)?;
        let profile = draft.profile()?;
        let env = Env::live();
        let mut plan = plan::plan(
            &PlanRequest {
                profile,
                env: &env,
                evidence: options.evidence.as_deref(),
                add: &options.add,
                screenshots: &options.screenshots,
                include_binary: options.include_binary,
                own_folders: &own_folders,
            },
            &AtomicBool::new(false),
        );
        // Binaries attached for required evidence go in as they are: list them as the bundle will.
        collect::keep_required_binaries(&options.required_binaries, &mut plan);
        Ok(wire::evidence_preview(&plan, profile))
    })
    .await?;
    let files = preview
        .kinds
        .iter()
        .flat_map(|kind| &kind.files)
        .chain(&preview.added)
        .map(|file| PathBuf::from(&file.source))
        .collect();
    if let Ok(mut previewed) = previewed.0.lock() {
        *previewed = files;
    }
    Ok(preview)
}

/// The selection and last bundle kept with the draft, for a reopened Evidence step.
#[tauri::command]
pub(crate) async fn saved_evidence(
    path: PathBuf,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
) -> Result<SavedEvidence, IpcError> {
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    Ok(drafts::saved_evidence(&draft.path, &draft.request)?)
}

/// Keeps the Evidence step's selection with the draft.
#[tauri::command]
pub(crate) async fn save_selection(
    path: PathBuf,
    selection: EvidenceSelection,
    data_dir: State<'_, DataDir>,
) -> Result<(), IpcError> {
    let path = drafts::check_path(data_dir.path()?, &path)?;
    Ok(drafts::save_selection(&path, &selection)?)
}

/// The selection a collection code (dictated by support) stands for, for the draft's profile.
#[tauri::command]
pub(crate) async fn read_collection_code(
    path: PathBuf,
    code: String,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
) -> Result<EvidenceSelection, IpcError> {
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    let profile = draft.profile()?;
    let selection = collection_code::read(profile, &code)
        .map_err(|error| IpcError::new(ErrorCode::InvalidCode, error.to_string()))?;
    Ok(wire::evidence_selection(&selection, profile))
}

/// Collects the selection and the request into `DATA_DIR/bundles/<CASE>.zip` (replacing an
/// earlier one atomically), fitted to `channel`'s size limit, reporting progress on `on_progress`.
/// Asks first, as `preview_evidence` does, about an untrusted profile or unapproved files.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub(crate) async fn build_bundle<R: Runtime>(
    app: AppHandle<R>,
    path: PathBuf,
    selection: EvidenceSelection,
    channel: Option<String>,
    on_progress: Channel<Progress>,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
    cancel: State<'_, BundleCancel>,
    confirm: State<'_, AppConfirm>,
    approved: State<'_, ApprovedFiles>,
) -> Result<BundleReport, IpcError> {
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    draft_may_collect(&app, &confirm, &approved, &profiles_dir, &data_dir, &draft).await?;
    let config = load_config(&profiles_dir)?;
    let zone = display_zone(Some(&config), *time_zone);
    let data = data_dir.path()?.to_owned();
    let config_paths = own_config_paths(&profiles_dir);
    let output = draft.bundle_path(&data_dir)?;
    let cancel = Arc::clone(&cancel.0);
    cancel.store(false, Ordering::SeqCst);
    blocking(move || {
        let mut options = bundle_options(
            &draft,
            &selection,
            zone,
            channel.as_deref(),
            &config,
            &data,
            config_paths.clone(),
        )?;
        // The Review step shows the bundle's disclosure review without a second run.
        options.disclosure = true;
        let key = PseudonymKey::load_or_create(&data)
            .map_err(|error| IpcError::new(ErrorCode::Io, error.to_string()))?;
        let mapping = redact::mapping_path(&data);
        if let Some(folder) = output.parent() {
            std::fs::create_dir_all(folder).map_err(|error| {
                IpcError::new(ErrorCode::Io, format!("{}: {error}", folder.display()))
            })?;
        }
        let env = Env::live();
        let context = CollectContext {
            profile: draft.profile()?,
            env: &env,
            key: Some(&key),
            mapping_path: Some(&mapping),
        };
        let progress = throttled(&on_progress);
        let outcome = collect::collect(&context, &options, &output, &progress, &cancel)?;
        let kept = outcome.leaks.is_empty();
        if !kept {
            // A bundle that still holds originals must not be sendable: `submit_draft` then finds
            // no bundle. The report says what leaked, so the user can fix it and build again.
            let _ = std::fs::remove_file(&output);
        }
        let report = wire::bundle_report(&outcome, options.budget);
        drafts::record_bundle(
            &draft.path,
            &draft.request,
            &selection,
            kept.then_some(&report),
        )?;
        Ok(report)
    })
    .await
}

/// Cancels the running `build_bundle`, which then rejects with `cancelled` and writes nothing.
#[tauri::command]
pub(crate) async fn cancel_bundle(cancel: State<'_, BundleCancel>) -> Result<(), IpcError> {
    cancel.0.store(true, Ordering::SeqCst);
    Ok(())
}

/// The options of a bundle of `selection` as `build_bundle` makes it: fitted to `channel`'s
/// size limit (read without its secret), Casefile's own folders never collected.
#[allow(clippy::too_many_arguments)]
fn bundle_options(
    draft: &DraftFile,
    selection: &EvidenceSelection,
    zone: chrono_tz::Tz,
    channel: Option<&str>,
    config: &casefile_core::config::Config,
    data: &Path,
    config_paths: Vec<PathBuf>,
) -> Result<CollectOptions, IpcError> {
    let mut options = options_for(draft, selection, zone)?;
    options.budget = match channel {
        Some(name) => service::attachment_limit(config, name, &default_folder(data))?,
        None => None,
    };
    options.data_dir = Some(data.to_path_buf());
    options.config_paths = config_paths;
    Ok(options)
}

/// Casefile's configuration, never collected: `<config>/profiles`, and `<config>/config.toml`
/// beside it.
fn own_config_paths(profiles_dir: &UserProfilesDir) -> Vec<PathBuf> {
    profiles_dir
        .path()
        .ok()
        .map(|profiles| {
            let mut paths = vec![profiles.to_path_buf()];
            paths.extend(profiles.parent().map(|dir| dir.join("config.toml")));
            paths
        })
        .unwrap_or_default()
}

/// The start of a file as the bundle will show it: redacted by exactly the rules a bundle of
/// `selection` on the draft at `path` uses (names learned over the whole selection and the
/// request, the draft's words to hide and names to keep), with each replacement's place to
/// highlight. Only files the last `preview_evidence` listed are read.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub(crate) async fn redaction_preview<R: Runtime>(
    app: AppHandle<R>,
    path: PathBuf,
    selection: EvidenceSelection,
    file: PathBuf,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
    previewed: State<'_, PreviewedFiles>,
    rules: State<'_, PreviewRules>,
    confirm: State<'_, AppConfirm>,
    approved: State<'_, ApprovedFiles>,
) -> Result<HighlightedPreview, IpcError> {
    let listed = previewed
        .0
        .lock()
        .is_ok_and(|previewed| previewed.contains(&file));
    if !listed {
        return Err(IpcError::new(
            ErrorCode::NotInPreview,
            format!(
                "{}: only files the Evidence step lists can be previewed; add the file to the evidence first",
                file.display()
            ),
        ));
    }
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    // The rules come from the bundle's own learning pass: its commands and files, asked about
    // as `preview_evidence` asks.
    draft_may_collect(&app, &confirm, &approved, &profiles_dir, &data_dir, &draft).await?;
    let zone = display_zone(Some(&load_config(&profiles_dir)?), *time_zone);
    let data = data_dir.path()?.to_owned();
    let config_paths = own_config_paths(&profiles_dir);
    let made_from = format!(
        "{}\n{:?}\n{:?}",
        draft.path.display(),
        draft.request,
        selection
    );
    let cached = rules.0.lock().ok().and_then(|cached| {
        cached
            .as_ref()
            .filter(|(from, _)| *from == made_from)
            .map(|(_, rules)| rules.clone())
    });
    let (made, preview) = blocking(move || {
        let key = PseudonymKey::load_or_create(&data)
            .map_err(|error| IpcError::new(ErrorCode::Io, error.to_string()))?;
        let made = match cached {
            Some(rules) => rules,
            None => {
                let mut options = options_for(&draft, &selection, zone)?;
                options.data_dir = Some(data.clone());
                options.config_paths = config_paths;
                let env = Env::live();
                let mapping = redact::mapping_path(&data);
                let context = CollectContext {
                    profile: draft.profile()?,
                    env: &env,
                    key: Some(&key),
                    mapping_path: Some(&mapping),
                };
                collect::redaction_rules(&context, &options, &|_| {}, &AtomicBool::new(false))?
            }
        };
        let preview =
            redact::preview_with(&made.redactor(&key), &file, PREVIEW_BYTES).map_err(|error| {
                let code = if error.kind() == std::io::ErrorKind::NotFound {
                    ErrorCode::NotFound
                } else {
                    ErrorCode::Io
                };
                IpcError::new(code, format!("{}: cannot read: {error}", file.display()))
            })?;
        Ok((made, wire::highlighted_preview(&file, preview)))
    })
    .await?;
    if let Ok(mut cached) = rules.0.lock() {
        *cached = Some((made_from, made));
    }
    Ok(preview)
}

/// `request.md` exactly as the vendor will read it: from the case's bundle when it was built
/// from the draft as it is now, else redacted as the request alone would be (names from this
/// machine and the request, the draft's `[redaction]` choices).
#[tauri::command]
pub(crate) async fn render_request(
    path: PathBuf,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
) -> Result<String, IpcError> {
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    let data = data_dir.path()?.to_owned();
    blocking(move || {
        let saved = drafts::saved_evidence(&draft.path, &draft.request)?;
        if saved.bundle_current
            && let Some(bundle) = &saved.bundle
            && let Ok(Some(docs)) = RequestDocs::from_bundle(Path::new(&bundle.bundle))
        {
            return Ok(docs.markdown);
        }
        let key = PseudonymKey::load_or_create(&data)
            .map_err(|error| IpcError::new(ErrorCode::Io, error.to_string()))?;
        let names = redact::Names::from_system(Path::new("/"), true);
        let (docs, _) = render::redacted_alone(&draft.request, draft.profile()?, &key, names);
        Ok(docs.markdown)
    })
    .await
}

/// The disclosure review of the draft at `path` with `selection` (fitted to `channel`'s size
/// limit, as `build_bundle` fits it): the one the case's bundle carries when it was built from
/// the draft and selection as they are now, else made by building the bundle in a scratch folder
/// of the data folder and removing it (the mapping is not touched). Progress goes to
/// `on_progress`; `cancel_bundle` stops it.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub(crate) async fn disclosure_review<R: Runtime>(
    app: AppHandle<R>,
    path: PathBuf,
    selection: EvidenceSelection,
    channel: Option<String>,
    on_progress: Channel<Progress>,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    time_zone: State<'_, DisplayTimeZone>,
    cancel: State<'_, BundleCancel>,
    confirm: State<'_, AppConfirm>,
    approved: State<'_, ApprovedFiles>,
) -> Result<DisclosureReport, IpcError> {
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    draft_may_collect(&app, &confirm, &approved, &profiles_dir, &data_dir, &draft).await?;
    let config_paths = own_config_paths(&profiles_dir);
    let config = load_config(&profiles_dir)?;
    let zone = display_zone(Some(&config), *time_zone);
    let data = data_dir.path()?.to_owned();
    let cancel = Arc::clone(&cancel.0);
    cancel.store(false, Ordering::SeqCst);
    blocking(move || {
        let saved = drafts::saved_evidence(&draft.path, &draft.request)?;
        if saved.bundle_current
            && saved.selection.as_ref() == Some(&selection)
            && let Some(disclosure) = saved.bundle.and_then(|bundle| bundle.disclosure)
        {
            return Ok(disclosure);
        }
        let options = bundle_options(
            &draft,
            &selection,
            zone,
            channel.as_deref(),
            &config,
            &data,
            config_paths,
        )?;
        let key = PseudonymKey::load_or_create(&data)
            .map_err(|error| IpcError::new(ErrorCode::Io, error.to_string()))?;
        let env = Env::live();
        let context = CollectContext {
            profile: draft.profile()?,
            env: &env,
            key: Some(&key),
            // A review only: the mapping of a bundle never sent is not kept.
            mapping_path: None,
        };
        let progress = throttled(&on_progress);
        Ok(casefile_core::disclose::disclose(
            &context, &options, &data, &progress, &cancel,
        )?)
    })
    .await
}

/// This machine in a few lines to read aloud: OS, host name, agent version, last errors (an
/// untrusted user profile is asked about first, since it reads the profile's paths).
#[tauri::command]
pub(crate) async fn machine_summary<R: Runtime>(
    app: AppHandle<R>,
    path: PathBuf,
    profiles_dir: State<'_, UserProfilesDir>,
    data_dir: State<'_, DataDir>,
    confirm: State<'_, AppConfirm>,
) -> Result<MachineSummary, IpcError> {
    let draft = DraftFile::open(&path, &profiles_dir, &data_dir)?;
    profile_trusted(&app, &confirm, &profiles_dir, draft.loaded()?).await?;
    let data = data_dir.path()?.to_owned();
    blocking(move || {
        let profile = draft.profile()?;
        let key = PseudonymKey::load_or_create(&data)
            .map_err(|error| IpcError::new(ErrorCode::Io, error.to_string()))?;
        let env = Env::live();
        let snapshot = snapshot::take(profile, &env);
        Ok(summary::machine_summary(profile, &env, &snapshot, &key))
    })
    .await
}
