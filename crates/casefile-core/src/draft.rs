//! Drafts on disk: a request as a TOML file, written atomically so a crash never leaves half a draft.
//!
//! [`save`] writes a temporary file beside the target, flushes it to the disk, renames it over
//! the target and flushes the folder, so the file on disk is always either the old draft or the
//! new one. [`load`] reads a draft back and names the line and key of anything wrong with it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::profile::line_column;
use crate::request::{DRAFT_SCHEMA_VERSION, Request};

/// Why a draft could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Detail.
        source: std::io::Error,
    },
    /// The file is not a valid draft.
    #[error("{path}{location}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// `:line:column`, or empty.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The draft was written by a newer version of Casefile.
    #[error(
        "{path}: draft schema version {found} is newer than this build reads ({DRAFT_SCHEMA_VERSION}); update Casefile to open it"
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
    },
    /// A new draft would replace an existing file.
    #[error("{path} exists already; Casefile never writes a new draft over another")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The path is not a draft in the drafts folder.
    #[error("{path} is not a draft in {folder}: open drafts from the Drafts list")]
    NotADraft {
        /// The path given.
        path: PathBuf,
        /// The drafts folder.
        folder: PathBuf,
    },
    /// The request could not be written as TOML.
    #[error("cannot write the draft as TOML: {0}")]
    Serialize(String),
}

/// Renders a request as draft TOML.
pub fn to_toml(request: &Request) -> Result<String, DraftError> {
    toml::to_string_pretty(request).map_err(|error| DraftError::Serialize(error.to_string()))
}

/// Reads a request from draft TOML; `path` names the file in errors.
pub fn from_toml(source: &str, path: &Path) -> Result<Request, DraftError> {
    let request: Request = toml::from_str(source).map_err(|error| {
        let location = error
            .span()
            .map(|span| {
                let (line, column) = line_column(source, span.start);
                format!(":{line}:{column}")
            })
            .unwrap_or_default();
        DraftError::Parse {
            path: path.to_owned(),
            location,
            message: error.message().trim().replace('\n', " "),
        }
    })?;
    if request.schema_version > DRAFT_SCHEMA_VERSION {
        return Err(DraftError::NewerSchema {
            path: path.to_owned(),
            found: request.schema_version,
        });
    }
    Ok(request)
}

/// Reads a draft file.
pub fn load(path: &Path) -> Result<Request, DraftError> {
    let source = fs_err::read_to_string(path).map_err(|source| DraftError::Io {
        path: path.to_owned(),
        source,
    })?;
    from_toml(&source, path)
}

/// Writes a draft file atomically.
pub fn save(path: &Path, request: &Request) -> Result<(), DraftError> {
    write_atomically(path, to_toml(request)?.as_bytes())
}

/// Writes `contents` to `path` so that a crash leaves either the old file or the new one.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), DraftError> {
    let io = |source| DraftError::Io {
        path: path.to_owned(),
        source,
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".casefile-")
        .suffix(".tmp")
        .tempfile_in(&folder)
        .map_err(io)?;
    temporary.write_all(contents).map_err(io)?;
    temporary.as_file().sync_all().map_err(io)?;
    temporary.persist(path).map_err(|error| io(error.error))?;
    // Flush the rename itself; not every platform can open a folder, which is fine.
    if let Ok(handle) = std::fs::File::open(&folder) {
        let _ = handle.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Contact, Problem};

    fn sample() -> Request {
        Request {
            schema_version: DRAFT_SCHEMA_VERSION,
            case_code: "CF-0000-0000".into(),
            profile: "generic".into(),
            tier: "standard".into(),
            contact: Contact {
                name: "Ada Example".into(),
                email: "ada@example.invalid".into(),
                ..Contact::default()
            },
            problem: Problem {
                subject: "Agent stops \"checking in\"".into(),
                description: "line one\nline two".into(),
                ..Problem::default()
            },
            ..Request::default()
        }
    }

    #[test]
    fn a_saved_draft_loads_back_equal() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("draft.toml");
        save(&path, &sample()).expect("save");
        assert_eq!(load(&path).expect("load"), sample());
    }

    #[test]
    fn saving_over_a_draft_leaves_no_temporary_files() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("draft.toml");
        save(&path, &sample()).expect("first save");
        let mut changed = sample();
        changed.problem.subject = "changed".into();
        save(&path, &changed).expect("second save");
        let names: Vec<_> = fs_err::read_dir(folder.path())
            .expect("list")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("draft.toml")]);
        assert_eq!(load(&path).expect("load").problem.subject, "changed");
    }

    #[test]
    fn a_bad_draft_names_its_line_and_key() {
        let source = "schema_version = 1\ncase_code = \"CF-0000-0000\"\nprofile = \"generic\"\n[problem]\nsubjekt = \"typo\"\n";
        let error = from_toml(source, Path::new("d.toml")).expect_err("must fail");
        let text = error.to_string();
        assert!(text.starts_with("d.toml:5:1: "), "{text}");
        assert!(text.contains("subjekt"), "{text}");
    }

    #[test]
    fn a_draft_from_a_newer_casefile_is_refused_with_advice() {
        let source = "schema_version = 9\ncase_code = \"x\"\nprofile = \"generic\"\n";
        let error = from_toml(source, Path::new("d.toml")).expect_err("must fail");
        assert!(error.to_string().contains("update Casefile"), "{error}");
    }
}
