//! The desktop's drafts folder, `DATA_DIR/drafts`: one `<CASE>.toml` per request (the draft
//! format of [`draft`], unchanged, so the CLI reads what the app writes) and beside it a small
//! `<CASE>.state.json` recording the wizard step the user was at, the evidence they chose at
//! step 5, and the last bundle built for the draft (with a fingerprint of the request and the
//! selection it was built from, so a reopened draft knows whether it is still current).
//!
//! Both files are written atomically. The state is a convenience: a missing or unreadable state
//! file means step 1 and nothing chosen yet, never an error; a draft that cannot be read is listed
//! with its error.
//! Every path the desktop sends back is checked to be a draft in the folder before it is read,
//! written or deleted.
//!
//! [`draft`]: crate::draft

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case_code::CaseCode;
use crate::draft::{self, DraftError};
use crate::profile::Catalog;
use crate::profile::schema::Profile;
use crate::request::Request;
use crate::template::draft_template;
use crate::validate::{Severity, validate};
use crate::wire::{BundleReport, DraftSummary, EvidenceSelection, SavedEvidence};
use crate::wizard::clamp_step;

/// The state file's schema version.
const STATE_SCHEMA_VERSION: u32 = 1;

/// Where the user was in the wizard and what they chose there, kept beside the draft.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DraftState {
    schema_version: u32,
    step: u8,
    /// The Evidence step's choices, once the user made any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selection: Option<EvidenceSelection>,
    /// The last bundle built for the draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bundle: Option<BuiltBundle>,
}

/// A bundle built for a draft and what it was built from.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuiltBundle {
    report: BundleReport,
    /// [`fingerprint`] of the request and selection at build time.
    fingerprint: String,
}

/// The drafts folder under a data folder.
pub fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("drafts")
}

/// The state file beside a draft: `CF-7K2M-9QXD.toml` → `CF-7K2M-9QXD.state.json`.
pub fn state_path(draft: &Path) -> PathBuf {
    draft.with_extension("state.json")
}

/// The name the draft's other files go by: its file name without `.toml` (which the drafts
/// folder vouches for), not the editable case code inside it.
fn case_stem(draft: &Path) -> String {
    draft
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Where the bundle built for `draft` is kept: `DATA_DIR/bundles/<CASE>.zip`.
pub fn bundle_path(data_dir: &Path, draft: &Path) -> PathBuf {
    data_dir
        .join("bundles")
        .join(format!("{}.zip", case_stem(draft)))
}

/// The screenshots folder of `draft`: `DATA_DIR/screenshots/<CASE>/`.
pub fn screenshots(data_dir: &Path, draft: &Path) -> crate::evidence::screenshot::Store {
    crate::evidence::screenshot::Store::new(data_dir, &case_stem(draft))
}

/// Checks that `path` names a draft file directly in the drafts folder of `data_dir`.
pub fn check_path(data_dir: &Path, path: &Path) -> Result<PathBuf, DraftError> {
    let folder = folder(data_dir);
    let name = path.file_name().and_then(|name| name.to_str());
    let is_draft = path.parent() == Some(folder.as_path())
        && name.is_some_and(|name| name.ends_with(".toml") && !name.starts_with('.'));
    if is_draft {
        Ok(path.to_owned())
    } else {
        Err(DraftError::NotADraft {
            path: path.to_owned(),
            folder,
        })
    }
}

/// Creates a draft for `profile` with a fresh case code made from `entropy` (35 bits are used),
/// pre-set to `tier` (the only tier when empty and the profile has one), at step 1. The file is
/// the commented template `casefile new` writes. Returns its path.
pub fn create(
    data_dir: &Path,
    profile: &Profile,
    tier: &str,
    entropy: u64,
) -> Result<PathBuf, DraftError> {
    let case_code = CaseCode::from_entropy(entropy).to_string();
    let tier = match profile.tiers.as_slice() {
        [only] if tier.trim().is_empty() => only.id.as_str(),
        _ => tier.trim(),
    };
    let folder = folder(data_dir);
    fs_err::create_dir_all(&folder).map_err(|source| DraftError::Io {
        path: folder.clone(),
        source,
    })?;
    let path = folder.join(format!("{case_code}.toml"));
    if path.exists() {
        return Err(DraftError::Exists { path });
    }
    let text = draft_template(profile, &case_code, tier);
    draft::write_atomically(&path, text.as_bytes())?;
    write_state(
        &path,
        DraftState {
            step: 1,
            ..DraftState::default()
        },
    )?;
    Ok(path)
}

/// Reads a draft and the step the user was at (1 when unknown).
pub fn open(path: &Path) -> Result<(Request, u8), DraftError> {
    let request = draft::load(path)?;
    Ok((request, read_step(path)))
}

/// Saves a draft and the step the user is at, each file atomically.
pub fn save(path: &Path, request: &Request, step: u8) -> Result<(), DraftError> {
    draft::save(path, request)?;
    let mut state = read_state(path);
    state.step = clamp_step(step);
    write_state(path, state)
}

/// Keeps the Evidence step's choices with the draft.
pub fn save_selection(path: &Path, selection: &EvidenceSelection) -> Result<(), DraftError> {
    let mut state = read_state(path);
    state.selection = Some(selection.clone());
    write_state(path, state)
}

/// Records the bundle just built for the draft from `request` and `selection` (the selection
/// is kept too); `None` forgets an earlier one (its file is gone).
pub fn record_bundle(
    path: &Path,
    request: &Request,
    selection: &EvidenceSelection,
    report: Option<&BundleReport>,
) -> Result<(), DraftError> {
    let mut state = read_state(path);
    state.selection = Some(selection.clone());
    state.bundle = report
        .map(|report| {
            Ok::<_, DraftError>(BuiltBundle {
                report: report.clone(),
                fingerprint: fingerprint(request, selection)?,
            })
        })
        .transpose()?;
    write_state(path, state)
}

/// The Evidence step's saved choices and last bundle for the draft holding `request`. The
/// bundle is only given while its file is still there with the size it was built with; it is
/// `current` when the request and the selection are what it was built from.
pub fn saved_evidence(path: &Path, request: &Request) -> Result<SavedEvidence, DraftError> {
    let state = read_state(path);
    let mut saved = SavedEvidence {
        selection: state.selection.clone(),
        bundle: None,
        bundle_current: false,
    };
    if let (Some(built), Some(selection)) = (state.bundle, state.selection) {
        let on_disk = fs_err::metadata(&built.report.bundle).is_ok_and(|metadata| {
            metadata.is_file() && metadata.len() == built.report.bundle_bytes
        });
        if on_disk {
            saved.bundle_current = fingerprint(request, &selection)? == built.fingerprint;
            saved.bundle = Some(built.report);
        }
    }
    Ok(saved)
}

/// A digest of what a bundle is built from: the request as the draft file holds it and the
/// evidence selection.
fn fingerprint(request: &Request, selection: &EvidenceSelection) -> Result<String, DraftError> {
    use sha2::{Digest, Sha256};
    let request = draft::to_toml(request)?;
    let selection = serde_json::to_string(selection)
        .map_err(|error| DraftError::Serialize(error.to_string()))?;
    let digest = Sha256::new()
        .chain_update(request.as_bytes())
        .chain_update([0])
        .chain_update(selection.as_bytes())
        .finalize();
    Ok(digest.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Deletes a draft (checked with [`check_path`]) and what the app made for it: its state file,
/// its bundle and its screenshots. What went into the outbox stays there.
pub fn delete(data_dir: &Path, path: &Path) -> Result<(), DraftError> {
    fs_err::remove_file(path).map_err(|source| DraftError::Io {
        path: path.to_owned(),
        source,
    })?;
    let gone = |result: std::io::Result<()>, at: PathBuf| match result {
        Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
            Err(DraftError::Io { path: at, source })
        }
        _ => Ok(()),
    };
    let state = state_path(path);
    gone(std::fs::remove_file(&state), state)?;
    let bundle = bundle_path(data_dir, path);
    gone(std::fs::remove_file(&bundle), bundle)?;
    let shots = screenshots(data_dir, path).dir().to_owned();
    gone(std::fs::remove_dir_all(&shots), shots)
}

/// Every draft in the folder, newest first; a draft that cannot be read is listed with its
/// error in `problem`. A folder that does not exist yet holds no drafts.
pub fn list(data_dir: &Path, catalog: &Catalog) -> Result<Vec<DraftSummary>, DraftError> {
    let folder = folder(data_dir);
    let entries = match fs_err::read_dir(&folder) {
        Ok(entries) => entries,
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(DraftError::Io {
                path: folder,
                source,
            });
        }
    };
    let mut summaries = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| DraftError::Io {
            path: folder.clone(),
            source,
        })?;
        let path = entry.path();
        if check_path(data_dir, &path).is_err() || !path.is_file() {
            continue;
        }
        summaries.push(summary(&path, catalog));
    }
    summaries.sort_by(|a, b| {
        b.updated_at
            .cmp(&a.updated_at)
            .then_with(|| a.path.cmp(&b.path))
    });
    Ok(summaries)
}

fn summary(path: &Path, catalog: &Catalog) -> DraftSummary {
    let updated_at = fs_err::metadata(path)
        .and_then(|metadata| metadata.modified())
        .map(DateTime::<Utc>::from)
        .unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut summary = DraftSummary {
        path: path.display().to_string(),
        case_code: stem,
        profile: String::new(),
        vendor: String::new(),
        subject: String::new(),
        step: read_step(path),
        updated_at,
        errors: 0,
        problem: None,
    };
    match draft::load(path) {
        Ok(request) => {
            match catalog.get(&request.profile) {
                Some(loaded) => {
                    summary.vendor = loaded.profile.name.clone();
                    summary.errors = validate(&request, &loaded.profile)
                        .iter()
                        .filter(|problem| problem.severity == Severity::Error)
                        .count();
                }
                None => {
                    summary.vendor = request.profile.clone();
                    summary.problem = Some(format!(
                        "{}: no vendor profile {:?} is loaded; add it to your profiles folder or fix the draft's profile",
                        path.display(),
                        request.profile
                    ));
                }
            }
            summary.case_code = request.case_code;
            summary.profile = request.profile;
            summary.subject = request.problem.subject;
        }
        Err(error) => summary.problem = Some(error.to_string()),
    }
    summary
}

fn read_step(draft: &Path) -> u8 {
    read_state(draft).step
}

/// The state beside `draft`; missing or unreadable means step 1 and nothing chosen.
fn read_state(draft: &Path) -> DraftState {
    let mut state = fs_err::read_to_string(state_path(draft))
        .ok()
        .and_then(|text| serde_json::from_str::<DraftState>(&text).ok())
        .unwrap_or_default();
    state.step = clamp_step(state.step);
    state
}

fn write_state(draft: &Path, mut state: DraftState) -> Result<(), DraftError> {
    state.schema_version = STATE_SCHEMA_VERSION;
    let text =
        serde_json::to_string(&state).map_err(|error| DraftError::Serialize(error.to_string()))?;
    draft::write_atomically(&state_path(draft), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(catalog: &Catalog) -> &Profile {
        &catalog.get("generic").expect("built in").profile
    }

    #[test]
    fn a_new_draft_is_the_cli_template_at_step_one() {
        let data = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        let path = create(data.path(), generic(&catalog), "", 42).expect("create");
        let code = CaseCode::from_entropy(42).to_string();
        assert_eq!(
            path,
            data.path().join("drafts").join(format!("{code}.toml"))
        );
        let text = fs_err::read_to_string(&path).expect("read");
        assert!(
            text.starts_with("# Casefile support request draft"),
            "{text}"
        );
        let (request, step) = open(&path).expect("open");
        assert_eq!(request.case_code, code);
        assert_eq!(request.tier, "standard", "generic's only tier is pre-set");
        assert_eq!(step, 1);
    }

    #[test]
    fn a_new_draft_never_replaces_an_existing_one() {
        let data = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        create(data.path(), generic(&catalog), "", 7).expect("first");
        let error = create(data.path(), generic(&catalog), "", 7).expect_err("same code");
        assert!(matches!(error, DraftError::Exists { .. }), "{error}");
    }

    #[test]
    fn saving_keeps_the_request_and_the_step() {
        let data = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        let path = create(data.path(), generic(&catalog), "", 1).expect("create");
        let (mut request, _) = open(&path).expect("open");
        request.problem.subject = "Agent stops checking in".into();
        save(&path, &request, 3).expect("save");
        assert_eq!(open(&path).expect("reopen"), (request, 3));
        save(&path, &open(&path).expect("open").0, 99).expect("save");
        assert_eq!(open(&path).expect("reopen").1, 7, "brought into 1..=7");
    }

    #[test]
    fn a_missing_or_broken_state_file_means_step_one() {
        let data = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        let path = create(data.path(), generic(&catalog), "", 1).expect("create");
        fs_err::write(state_path(&path), "{not json").expect("write");
        assert_eq!(open(&path).expect("open").1, 1);
        fs_err::remove_file(state_path(&path)).expect("remove");
        assert_eq!(open(&path).expect("open").1, 1);
    }

    #[test]
    fn listing_shows_newest_first_and_broken_drafts_with_their_error() {
        let data = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        assert!(
            list(data.path(), &catalog).expect("list").is_empty(),
            "no folder yet"
        );
        let older = create(data.path(), generic(&catalog), "", 1).expect("create");
        let newer = create(data.path(), generic(&catalog), "", 2).expect("create");
        let old_time = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&older)
            .and_then(|file| file.set_modified(old_time))
            .expect("backdate");
        let broken = folder(data.path()).join("CF-BROK-EN00.toml");
        fs_err::write(&broken, "schema_version = 1\ncase_code = \n").expect("write");
        std::fs::File::options()
            .write(true)
            .open(&broken)
            .and_then(|file| file.set_modified(old_time - std::time::Duration::from_secs(60)))
            .expect("backdate");
        fs_err::write(folder(data.path()).join("notes.txt"), "not a draft").expect("write");

        let listed = list(data.path(), &catalog).expect("list");
        let paths: Vec<&str> = listed.iter().map(|draft| draft.path.as_str()).collect();
        let expected = [&newer, &older, &broken].map(|path| path.display().to_string());
        assert_eq!(paths, expected);
        assert_eq!(listed[0].vendor, "Generic vendor");
        assert_eq!(listed[0].profile, "generic");
        assert_eq!(listed[0].step, 1);
        assert!(listed[0].errors > 0, "an empty draft has errors");
        assert_eq!(listed[0].problem, None);
        let problem = listed[2]
            .problem
            .as_deref()
            .expect("the broken draft's error");
        assert!(problem.contains("CF-BROK-EN00.toml:2:"), "{problem}");
        assert_eq!(listed[2].case_code, "CF-BROK-EN00");
    }

    fn report_for(bundle: &Path, bytes: u64) -> BundleReport {
        BundleReport {
            bundle: bundle.display().to_string(),
            bundle_bytes: bytes,
            input_bytes: 10,
            limit: None,
            entries: Vec::new(),
            skipped: Vec::new(),
            redactions: crate::redact::Counts::default(),
            leaks: Vec::new(),
            disclosure: None,
        }
    }

    fn last_day() -> EvidenceSelection {
        EvidenceSelection {
            kinds: Some(vec!["os-logs".into()]),
            since: Some("24h".into()),
            snapshot: false,
            include_binary: false,
        }
    }

    #[test]
    fn the_selection_and_last_bundle_survive_reopening_and_later_saves() {
        let data = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        let path = create(data.path(), generic(&catalog), "", 1).expect("create");
        let (request, _) = open(&path).expect("open");
        let nothing = saved_evidence(&path, &request).expect("saved");
        assert_eq!(nothing.selection, None);
        assert_eq!(nothing.bundle, None);

        let bundle = data.path().join("bundles").join("case.zip");
        fs_err::create_dir_all(bundle.parent().expect("parent")).expect("mkdir");
        fs_err::write(&bundle, b"PK-fake-zip").expect("write");
        let report = report_for(&bundle, 11);
        record_bundle(&path, &request, &last_day(), Some(&report)).expect("record");
        save(&path, &request, 6).expect("an autosave keeps the evidence state");

        let saved = saved_evidence(&path, &request).expect("saved");
        assert_eq!(saved.selection, Some(last_day()));
        assert_eq!(saved.bundle, Some(report));
        assert!(saved.bundle_current);
        assert_eq!(open(&path).expect("open").1, 6);
    }

    #[test]
    fn a_bundle_is_stale_after_the_request_or_selection_changes_and_gone_with_its_file() {
        let data = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        let path = create(data.path(), generic(&catalog), "", 1).expect("create");
        let (mut request, _) = open(&path).expect("open");
        let bundle = data.path().join("case.zip");
        fs_err::write(&bundle, b"PK-fake-zip").expect("write");
        record_bundle(&path, &request, &last_day(), Some(&report_for(&bundle, 11)))
            .expect("record");

        request.problem.subject = "Edited after the build".into();
        save(&path, &request, 5).expect("save");
        let saved = saved_evidence(&path, &request).expect("saved");
        assert!(
            saved.bundle.is_some() && !saved.bundle_current,
            "request changed"
        );

        let (request, _) = open(&path).expect("open");
        record_bundle(&path, &request, &last_day(), Some(&report_for(&bundle, 11)))
            .expect("record");
        let mut wider = last_day();
        wider.since = Some("7d".into());
        save_selection(&path, &wider).expect("save selection");
        let saved = saved_evidence(&path, &request).expect("saved");
        assert_eq!(saved.selection, Some(wider));
        assert!(
            saved.bundle.is_some() && !saved.bundle_current,
            "selection changed"
        );

        fs_err::write(&bundle, b"PK-other-size-zip").expect("rewrite");
        assert_eq!(
            saved_evidence(&path, &request).expect("saved").bundle,
            None,
            "replaced"
        );
        fs_err::remove_file(&bundle).expect("remove");
        assert_eq!(
            saved_evidence(&path, &request).expect("saved").bundle,
            None,
            "gone"
        );
        record_bundle(&path, &request, &last_day(), None).expect("forget");
        let text = fs_err::read_to_string(state_path(&path)).expect("state");
        assert!(!text.contains("bundle"), "{text}");
    }

    #[test]
    fn deleting_removes_the_draft_its_state_bundle_and_screenshots() {
        let data = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        let path = create(data.path(), generic(&catalog), "", 1).expect("create");
        let bundle = bundle_path(data.path(), &path);
        fs_err::create_dir_all(bundle.parent().expect("parent")).expect("mkdir");
        fs_err::write(&bundle, "PK-fake").expect("bundle");
        let shots = screenshots(data.path(), &path);
        fs_err::create_dir_all(shots.dir()).expect("mkdir");
        fs_err::write(shots.dir().join("error.png"), "fake png").expect("screenshot");
        let other = create(data.path(), generic(&catalog), "", 2).expect("another");
        let kept = bundle_path(data.path(), &other);
        fs_err::write(&kept, "PK-other").expect("bundle");
        delete(data.path(), &path).expect("delete");
        assert!(!path.exists() && !state_path(&path).exists());
        assert!(!bundle.exists() && !shots.dir().exists());
        assert!(kept.exists(), "another draft's bundle stays");
        delete(data.path(), &other).expect("a draft without screenshots is deleted too");
        let error = delete(data.path(), &path).expect_err("gone");
        assert!(
            matches!(&error, DraftError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
            "{error}"
        );
    }

    #[test]
    fn only_drafts_in_the_folder_are_accepted() {
        let data = Path::new("/data");
        let check = |path: &str| check_path(data, Path::new(path)).is_ok();
        assert!(check("/data/drafts/CF-7K2M-9QXD.toml"));
        assert!(!check("/data/drafts/../config.toml"));
        assert!(!check("/data/CF-7K2M-9QXD.toml"));
        assert!(!check("/data/drafts/sub/CF-7K2M-9QXD.toml"));
        assert!(!check("/data/drafts/CF-7K2M-9QXD.state.json"));
        assert!(!check("/data/drafts/.casefile-x.toml"));
        assert!(!check("/etc/passwd"));
        let error = check_path(data, Path::new("/etc/passwd")).expect_err("outside");
        assert!(error.to_string().contains("/data/drafts"), "{error}");
    }
}
