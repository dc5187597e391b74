//! Native confirmations asked from Rust, never from the webview: what the user agrees to cannot
//! be faked by script in the page. Asked before using an untrusted user profile, before reading
//! files a draft names outside the drafts folder that the user did not pick or drop here, before
//! importing images not picked or dropped, and before showing or replacing the pseudonym key.
//!
//! The question goes through [`AppConfirm`] in managed state: the OS message dialog in the app
//! (`tauri-plugin-dialog`), or any [`Confirm`] in tests, which answer yes or no and see the
//! question.
//!
//! The files the user picked with the native dialog or dropped on the window (the drag-drop
//! event reaches Rust first) are [`ApprovedFiles`]; those confirmed are added to them. They are
//! kept in `DATA_DIR/approved-files.json`, written only here, so a reopened draft does not ask
//! again for files the user chose.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use casefile_core::profile::LoadedProfile;
use casefile_core::trust::{self, TrustError};
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use crate::commands::{DraftFile, blocking};
use crate::error::{ErrorCode, IpcError};
use crate::paths::{DataDir, UserProfilesDir};

/// A question for the user: the window title, the text (what will happen, with the commands,
/// paths or key it is about) and the label of the button that agrees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The dialog's title.
    pub title: String,
    /// What the user agrees to, in full.
    pub message: String,
    /// The agreeing button (`Trust and collect`); the other one cancels.
    pub agree: String,
}

/// Something that can ask the user a [`Question`]: true when they agree.
pub trait Confirm: Send + Sync {
    /// Asks `question` and waits for the answer (called on a blocking thread).
    fn confirm(&self, question: &Question) -> bool;
}

/// A [`Confirm`] that gives one answer (which can be changed) and keeps every question asked:
/// what the mock-runtime tests use in place of the dialog.
#[derive(Debug, Default)]
pub struct FixedAnswer {
    yes: std::sync::atomic::AtomicBool,
    asked: Mutex<Vec<Question>>,
}

impl FixedAnswer {
    /// Answers `yes` to everything until [`FixedAnswer::answer`] changes it.
    pub fn new(yes: bool) -> Arc<FixedAnswer> {
        let answer = FixedAnswer::default();
        answer.answer(yes);
        Arc::new(answer)
    }

    /// From now on answers `yes`.
    pub fn answer(&self, yes: bool) {
        self.yes.store(yes, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every question asked so far, oldest first.
    pub fn asked(&self) -> Vec<Question> {
        self.asked
            .lock()
            .map(|asked| asked.clone())
            .unwrap_or_default()
    }
}

impl Confirm for FixedAnswer {
    fn confirm(&self, question: &Question) -> bool {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(question.clone());
        }
        self.yes.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// How the app asks: the OS message dialog, or a stand-in (tests).
#[derive(Clone, Default)]
pub enum AppConfirm {
    /// The native message dialog of `tauri-plugin-dialog`.
    #[default]
    Native,
    /// Any other answerer.
    With(Arc<dyn Confirm>),
}

impl AppConfirm {
    /// A stand-in answerer (a test's).
    pub fn with(confirm: Arc<dyn Confirm>) -> AppConfirm {
        AppConfirm::With(confirm)
    }

    /// Asks `question`; true when the user agrees.
    pub(crate) async fn ask<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        question: Question,
    ) -> Result<bool, IpcError> {
        match self {
            AppConfirm::With(confirm) => {
                let confirm = Arc::clone(confirm);
                blocking(move || Ok(confirm.confirm(&question))).await
            }
            AppConfirm::Native => {
                let dialog = app
                    .dialog()
                    .message(question.message)
                    .title(question.title)
                    .kind(MessageDialogKind::Warning)
                    .buttons(MessageDialogButtons::OkCancelCustom(
                        question.agree,
                        "Cancel".to_owned(),
                    ));
                blocking(move || Ok(dialog.blocking_show())).await
            }
        }
    }

    /// Asks `question` and fails with `not_confirmed` (naming `what`) unless the user agrees.
    pub(crate) async fn require<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        question: Question,
        what: &str,
    ) -> Result<(), IpcError> {
        if self.ask(app, question).await? {
            Ok(())
        } else {
            Err(IpcError::new(
                ErrorCode::NotConfirmed,
                format!("{what}: you did not confirm it, so nothing was done"),
            ))
        }
    }
}

/// The files the user picked with the native dialog, dropped on the window, or confirmed:
/// the only files outside the drafts folder that a draft's evidence may name without asking.
#[derive(Debug, Default)]
pub(crate) struct ApprovedFiles(Mutex<Option<BTreeSet<PathBuf>>>);

/// The file in the data folder that keeps the approved files across sessions.
const APPROVED_FILE: &str = "approved-files.json";

impl ApprovedFiles {
    fn with<T>(&self, data: &Path, act: impl FnOnce(&mut BTreeSet<PathBuf>) -> T) -> T {
        let mut guard = match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let set = guard.get_or_insert_with(|| {
            std::fs::read(data.join(APPROVED_FILE))
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .unwrap_or_default()
        });
        act(set)
    }

    /// Adds `files` (resolved) and keeps the set on disk.
    pub(crate) fn add(&self, data: &Path, files: impl IntoIterator<Item = PathBuf>) {
        self.with(data, |set| {
            set.extend(files.into_iter().map(|file| trust::resolve(&file)));
            if let Ok(json) = serde_json::to_vec_pretty(set) {
                // Losing the record only means asking again next session.
                let _ = std::fs::create_dir_all(data);
                let _ = casefile_core::draft::write_atomically(&data.join(APPROVED_FILE), &json);
            }
        });
    }

    /// Whether `file` was approved (itself, or a folder holding it).
    pub(crate) fn contains(&self, data: &Path, file: &Path) -> bool {
        let file = trust::resolve(file);
        self.with(data, |set| {
            set.iter().any(|approved| file.starts_with(approved))
        })
    }
}

/// Asks before a user profile that runs commands or reads paths is used, unless trusted as it
/// is now; a yes records the trust (as `casefile profiles trust` does).
pub(crate) async fn profile_trusted<R: Runtime>(
    app: &AppHandle<R>,
    confirm: &AppConfirm,
    profiles_dir: &UserProfilesDir,
    loaded: &LoadedProfile,
) -> Result<(), IpcError> {
    let config_file = profiles_dir.config_file()?;
    let (id, file, reach, changed) = match trust::check_profile(&config_file, loaded) {
        Ok(()) => return Ok(()),
        Err(TrustError::Untrusted {
            id,
            file,
            reach,
            changed,
        }) => (id, file, reach, changed),
        Err(other) => return Err(IpcError::new(ErrorCode::Io, other.to_string())),
    };
    let question = Question {
        title: format!("Trust the profile {id}?"),
        message: format!(
            "The vendor profile {id} ({file}){} runs commands as you and reads the files it names. Use it only if you trust whoever wrote it.\n\n{}",
            if changed {
                " has changed since you trusted it. It"
            } else {
                ""
            },
            reach.listing()
        ),
        agree: "Trust and continue".to_owned(),
    };
    confirm
        .require(app, question, &format!("the profile {id}"))
        .await?;
    trust::trust_profile(&config_file, loaded)
        .map(drop)
        .map_err(|error| IpcError::new(ErrorCode::Io, error.to_string()))
}

/// Asks before the draft's evidence files outside the drafts folder and the draft's
/// screenshots folder are read, unless the user picked, dropped or confirmed them already; a
/// yes approves them.
pub(crate) async fn draft_files_approved<R: Runtime>(
    app: &AppHandle<R>,
    confirm: &AppConfirm,
    approved: &ApprovedFiles,
    data_dir: &DataDir,
    draft: &DraftFile,
) -> Result<(), IpcError> {
    let data = data_dir.path()?.to_owned();
    let draft_dir = draft.path.parent().unwrap_or(Path::new("."));
    // The draft's screenshots folder (`DATA_DIR/screenshots/<CASE>/`), named after the file.
    let screenshots = data
        .join("screenshots")
        .join(draft.path.file_stem().unwrap_or_default());
    let draft_dir_owned = draft_dir.to_owned();
    let outside: Vec<String> =
        trust::draft_paths_needing_trust(&draft.request, draft_dir, &[&screenshots])
            .into_iter()
            .filter(|written| !approved.contains(&data, &draft_dir_owned.join(written)))
            .collect();
    if outside.is_empty() {
        return Ok(());
    }
    let question = Question {
        title: "Read these files?".to_owned(),
        message: format!(
            "This request names files you did not pick or drop in Casefile. They will be read, redacted and put into the bundle:\n\n  {}\n\nA request from someone else can name any file of yours; continue only if you meant to send these.",
            outside.join("\n  ")
        ),
        agree: "Read them".to_owned(),
    };
    confirm
        .require(app, question, "reading the request's files")
        .await?;
    approved.add(&data, outside.iter().map(|written| draft_dir.join(written)));
    Ok(())
}

/// Both checks before a draft's evidence is listed or collected: its profile is trusted and its
/// files outside the drafts folder are approved.
pub(crate) async fn draft_may_collect<R: Runtime>(
    app: &AppHandle<R>,
    confirm: &AppConfirm,
    approved: &ApprovedFiles,
    profiles_dir: &UserProfilesDir,
    data_dir: &DataDir,
    draft: &DraftFile,
) -> Result<(), IpcError> {
    profile_trusted(app, confirm, profiles_dir, draft.loaded()?).await?;
    draft_files_approved(app, confirm, approved, data_dir, draft).await
}
