//! A log pasted into a text field, offered as an attachment instead.
//!
//! Users paste whole logs into the description. In a field the log is sent in the ticket body,
//! untrimmed; as an attachment it is trimmed to the incident window and size budget with the
//! rest of the evidence, and the ticket stays readable. (Both are redacted alike.) [`pasted_logs`]
//! finds such fields (validation warns about each); [`attach_text`] moves one into a file in the
//! draft's evidence and leaves a one-line reference in the field.

use std::path::{Path, PathBuf};

use crate::request::{EvidenceItem, Request};

/// A field with at least this many lines is checked for log text.
pub const MIN_LINES: usize = 30;
/// A field of at least this many bytes is checked for log text.
pub const MIN_BYTES: usize = 8 * 1024;
/// A field this long is offered as an attachment whatever it holds.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// A field that holds pasted log text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastedLog {
    /// The field's name (`description`, `extra.details`...), as validation names fields.
    pub field: String,
    /// Its lines.
    pub lines: usize,
    /// Its size in bytes.
    pub bytes: usize,
}

impl PastedLog {
    /// The validation warning for it.
    pub fn message(&self) -> String {
        format!(
            "holds {} lines ({} KB) that look like a pasted log: attach it as a file instead, so it is trimmed to the incident window with the evidence and the ticket stays readable",
            self.lines,
            self.bytes.div_ceil(1000)
        )
    }
}

/// Whether a line looks like a log record: it carries a time of day (`10:42:07`), an ISO date
/// (`2026-11-23`), or a level word (`ERROR`, `WARN`, `INFO`, `DEBUG`, `TRACE`, `FATAL`).
fn looks_like_log_line(line: &str) -> bool {
    let bytes = line.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let time = (0..bytes.len()).any(|i| {
        digit(i)
            && digit(i + 1)
            && bytes.get(i + 2) == Some(&b':')
            && digit(i + 3)
            && digit(i + 4)
            && bytes.get(i + 5) == Some(&b':')
            && digit(i + 6)
            && digit(i + 7)
    });
    let date = (0..bytes.len()).any(|i| {
        (0..4).all(|k| digit(i + k))
            && bytes.get(i + 4) == Some(&b'-')
            && digit(i + 5)
            && digit(i + 6)
            && bytes.get(i + 7) == Some(&b'-')
    });
    time || date || {
        let upper = line.to_ascii_uppercase();
        ["ERROR", "WARN", "INFO", "DEBUG", "TRACE", "FATAL"]
            .iter()
            .any(|level| upper.contains(level))
    }
}

/// Whether `text` looks like a pasted log: over [`MAX_FIELD_BYTES`], or at least [`MIN_LINES`]
/// lines or [`MIN_BYTES`] bytes of which at least half the non-empty lines look like records.
pub fn is_pasted_log(text: &str) -> bool {
    if text.len() >= MAX_FIELD_BYTES {
        return true;
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() < MIN_LINES && text.len() < MIN_BYTES {
        return false;
    }
    let records = lines.iter().filter(|l| looks_like_log_line(l)).count();
    records * 2 >= lines.len() && records >= 3
}

/// Every free-text field of `request` that holds a pasted log.
pub fn pasted_logs(request: &Request) -> Vec<PastedLog> {
    let mut found = Vec::new();
    let mut copy = request.clone();
    crate::render::visit_texts(&mut copy, &mut |field, text| {
        // Endpoint cells and evidence notes are short by nature and cannot be moved.
        if !matches!(field, "endpoints" | "evidence") && is_pasted_log(text) {
            found.push(PastedLog {
                field: field.to_owned(),
                lines: text.lines().count(),
                bytes: text.len(),
            });
        }
    });
    found
}

/// Why a field's text could not be moved into an attachment.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// No such field, or one that cannot be moved.
    #[error(
        "there is no text field {0:?} to move; use one of: description, error_messages, steps_to_reproduce, troubleshooting_done, actual_result, expected_result, operation_requested or extra.ID"
    )]
    UnknownField(String),
    /// The field is empty.
    #[error("field {0} is empty: there is nothing to attach")]
    Empty(String),
    /// The file could not be written.
    #[error("{path}: cannot write the attachment: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Detail.
        source: std::io::Error,
    },
}

/// What [`attach_text`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    /// The file written.
    pub file: PathBuf,
    /// The evidence item added to the request.
    pub item: EvidenceItem,
    /// The line left in the field.
    pub reference: String,
}

/// Moves the text of `field` into a new file `<CASE>-<field>.log` in `folder` (numbered when the
/// name is taken), adds the file to the request's evidence (its path relative to `draft_dir`
/// when it is inside it, so the draft can move with its folder) and leaves a one-line
/// reference in the field. The caller saves the request.
pub fn attach_text(
    request: &mut Request,
    field: &str,
    folder: &Path,
    draft_dir: &Path,
) -> Result<Attached, AttachError> {
    if matches!(field, "endpoints" | "evidence") {
        return Err(AttachError::UnknownField(field.to_owned()));
    }
    let mut text = None;
    crate::render::visit_texts(request, &mut |name, value| {
        if name == field && text.is_none() {
            text = Some(value.clone());
        }
    });
    let text = text.ok_or_else(|| AttachError::UnknownField(field.to_owned()))?;
    if text.trim().is_empty() {
        return Err(AttachError::Empty(field.to_owned()));
    }
    let stem = format!(
        "{}-{}",
        request.case_code,
        field.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-")
    );
    let mut file = folder.join(format!("{stem}.log"));
    let mut n = 2;
    while std::fs::symlink_metadata(&file).is_ok() {
        file = folder.join(format!("{stem}-{n}.log"));
        n += 1;
    }
    let mut contents = text.clone();
    if !contents.ends_with('\n') {
        contents.push('\n');
    }
    crate::draft::write_atomically(&file, contents.as_bytes()).map_err(|error| match error {
        crate::draft::DraftError::Io { source, .. } => AttachError::Io {
            path: file.clone(),
            source,
        },
        other => AttachError::Io {
            path: file.clone(),
            source: std::io::Error::other(other.to_string()),
        },
    })?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let reference = format!(
        "(The log pasted here, {} lines, is attached as {name}.)",
        text.lines().count()
    );
    crate::render::visit_texts(request, &mut |name, value| {
        if name == field && *value == text {
            value.clone_from(&reference);
        }
    });
    let path = match (
        std::fs::canonicalize(&file),
        std::fs::canonicalize(draft_dir),
    ) {
        (Ok(file), Ok(dir)) => file
            .strip_prefix(&dir)
            .map(Path::to_path_buf)
            .unwrap_or(file),
        _ => file.clone(),
    };
    let item = EvidenceItem {
        evidence_id: String::new(),
        path: path.to_string_lossy().into_owned(),
        note: format!("the log pasted into {field}"),
    };
    request.evidence.push(item.clone());
    Ok(Attached {
        file,
        item,
        reference,
    })
}

/// Why a draft file's field could not be moved into an attachment.
#[derive(Debug, thiserror::Error)]
pub enum DraftAttachError {
    /// The draft could not be read or written.
    #[error(transparent)]
    Draft(#[from] crate::draft::DraftError),
    /// The field could not be moved.
    #[error("{path}: {source}")]
    Attach {
        /// The draft.
        path: PathBuf,
        /// Why.
        source: AttachError,
    },
}

/// [`attach_text`] on the draft file at `path`, the attachment written beside it. The file is
/// edited in place, its comments and layout kept (the template's help stays), unless the edit
/// cannot be made that way; then it is rewritten.
pub fn attach_text_to_draft(path: &Path, field: &str) -> Result<Attached, DraftAttachError> {
    let source = fs_err::read_to_string(path).map_err(|source| crate::draft::DraftError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut request = crate::draft::from_toml(&source, path)?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let attached = attach_text(&mut request, field, &folder, &folder).map_err(|source| {
        DraftAttachError::Attach {
            path: path.to_owned(),
            source,
        }
    })?;
    let edited = edit_in_place(&source, field, &attached)
        .filter(|text| crate::draft::from_toml(text, path).is_ok_and(|r| r == request));
    match edited {
        Some(text) => crate::draft::write_atomically(path, text.as_bytes())?,
        None => crate::draft::save(path, &request)?,
    }
    Ok(attached)
}

/// The draft source with `field` set to the reference and the evidence item appended, keeping
/// comments; `None` when the field is not where the draft format puts it.
fn edit_in_place(source: &str, field: &str, attached: &Attached) -> Option<String> {
    use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
    let mut doc: DocumentMut = source.parse().ok()?;
    let (table, key) = match field {
        "company" | "email" | "phone" | "contact_id" => ("contact", field),
        "contact_name" => ("contact", "name"),
        "versions" => ("scope", "versions"),
        "override_reason" => ("impact", "override_reason"),
        _ => match field.strip_prefix("extra.") {
            Some(id) => ("extra", id),
            None => ("problem", field),
        },
    };
    let section = doc.get_mut(table)?.as_table_like_mut()?;
    match section.get_mut(key) {
        // In place, so the comment above the key stays.
        Some(item) => *item = value(attached.reference.clone()),
        None => {
            section.insert(key, value(attached.reference.clone()));
        }
    }
    let mut item = Table::new();
    item.insert("evidence_id", value(attached.item.evidence_id.clone()));
    item.insert("path", value(attached.item.path.clone()));
    item.insert("note", value(attached.item.note.clone()));
    match doc.get_mut("evidence") {
        None => {
            let mut tables = ArrayOfTables::new();
            tables.push(item);
            doc.insert("evidence", Item::ArrayOfTables(tables));
        }
        Some(existing) => existing.as_array_of_tables_mut()?.push(item),
    }
    Some(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(lines: usize) -> String {
        (0..lines)
            .map(|i| {
                format!(
                    "2026-11-23T10:{:02}:00Z INFO agent checked in ({i})\n",
                    i % 60
                )
            })
            .collect()
    }

    #[test]
    fn a_long_log_in_a_field_is_found_and_prose_is_not() {
        let mut request = Request::default();
        request.problem.description = log(200);
        request.problem.steps_to_reproduce = "Open the app.\nClick Sync.\n".repeat(40);
        request.problem.error_messages = "ERROR: sync failed".into();
        let found = pasted_logs(&request);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "description");
        assert_eq!(found[0].lines, 200);
        assert!(
            found[0].message().contains("200 lines"),
            "{}",
            found[0].message()
        );
    }

    #[test]
    fn attaching_moves_the_text_to_a_file_in_the_evidence_and_leaves_a_reference() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut request = Request {
            case_code: "CF-TEST-0001".into(),
            ..Request::default()
        };
        request.problem.description = log(50);
        let attached =
            attach_text(&mut request, "description", dir.path(), dir.path()).expect("attach");
        assert_eq!(
            std::fs::read_to_string(&attached.file).expect("file"),
            log(50)
        );
        assert_eq!(attached.item.path, "CF-TEST-0001-description.log");
        assert_eq!(request.evidence, vec![attached.item.clone()]);
        assert_eq!(request.problem.description, attached.reference);
        assert!(attached.reference.contains("50 lines"));
        // A second paste gets its own file.
        request.problem.description = log(40);
        let second =
            attach_text(&mut request, "description", dir.path(), dir.path()).expect("again");
        assert_eq!(second.item.path, "CF-TEST-0001-description-2.log");
        assert!(matches!(
            attach_text(&mut request, "nope", dir.path(), dir.path()),
            Err(AttachError::UnknownField(_))
        ));
    }

    #[test]
    fn a_draft_file_keeps_its_comments_when_a_field_is_attached() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("CF-TEST-0001.toml");
        let source = format!(
            "# my notes\nschema_version = 1\ncase_code = \"CF-TEST-0001\"\nprofile = \"generic\"\n\n[problem]\n# what happened\ndescription = '''\n{}'''\n",
            log(60)
        );
        std::fs::write(&path, source).expect("write");
        let attached = attach_text_to_draft(&path, "description").expect("attach");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.contains("# my notes") && text.contains("# what happened"),
            "{text}"
        );
        let request = crate::draft::load(&path).expect("still a draft");
        assert_eq!(request.problem.description, attached.reference);
        assert_eq!(request.evidence[0].path, "CF-TEST-0001-description.log");
        assert!(dir.path().join("CF-TEST-0001-description.log").is_file());
    }
}
