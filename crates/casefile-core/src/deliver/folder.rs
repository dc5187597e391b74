//! The folder channel, the zero-configuration default: saves the bundle and a ready-to-send
//! `.eml` (the request as text, addressed to the vendor's support address, from the requester,
//! with the bundle attached) into a folder.
//!
//! Files are written atomically (a hidden temporary file in the folder, renamed without
//! replacing anything) and readable by the owner only. The names come from the case code:
//! `CF-7K2M-9QXD.zip` and `CF-7K2M-9QXD.eml`. A repeated delivery of the same submission finds
//! its own files (the `.eml` carries the submission's Message-ID, the copy has the bundle's
//! sha256) and writes nothing; another submission with the same case code gets the next free
//! name (`CF-7K2M-9QXD-2.eml`) instead of overwriting; a file someone else put there is never
//! replaced.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::mime::{self, Mailbox, Message, MimeError};
use super::{Checkpoint, Delivered, DeliveryError, Progress, Submission, Transport};

/// How many names (`CF-…`, `CF-…-2`, …) one case code may use in a folder.
const MAX_SLOTS: usize = 1000;

/// Saves requests into a folder.
#[derive(Debug, Clone)]
pub struct FolderTransport {
    folder: PathBuf,
    clock: fn() -> DateTime<Utc>,
}

/// What a name in the folder holds for a submission.
enum Slot {
    /// This submission's files, complete.
    Ours,
    /// Free, or holding only this submission's own copies from an interrupted attempt.
    Free,
    /// Somebody else's.
    Taken,
}

impl FolderTransport {
    /// Saves into `folder`, creating it when needed.
    pub fn new(folder: PathBuf) -> Self {
        FolderTransport {
            folder,
            clock: Utc::now,
        }
    }

    /// Uses `clock` for the `.eml`'s `Date` instead of the system clock.
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// The `.eml` and attachment paths of name number `slot` (0 = the bare case code).
    fn paths(&self, submission: &Submission, slot: usize) -> (PathBuf, Vec<PathBuf>) {
        let base = file_stem(&submission.case_code);
        let stem = if slot == 0 {
            base
        } else {
            format!("{base}-{}", slot + 1)
        };
        let attachments = submission
            .attachments
            .iter()
            .enumerate()
            .map(|(i, attachment)| {
                if i == 0 {
                    self.folder
                        .join(format!("{stem}.{}", extension(&attachment.name)))
                } else {
                    self.folder
                        .join(format!("{stem}-{}", file_name(&attachment.name)))
                }
            })
            .collect();
        (self.folder.join(format!("{stem}.eml")), attachments)
    }

    fn classify(
        &self,
        submission: &Submission,
        hashes: &[String],
        eml: &Path,
        copies: &[PathBuf],
    ) -> Result<Slot, DeliveryError> {
        let copies_ours = |require: bool| -> Result<bool, DeliveryError> {
            for ((copy, attachment), hash) in copies.iter().zip(&submission.attachments).zip(hashes)
            {
                match fs::metadata(copy) {
                    Err(error) if error.kind() == io::ErrorKind::NotFound => {
                        if require {
                            return Ok(false);
                        }
                    }
                    Err(error) => return Err(io_error(copy, "cannot read", &error)),
                    Ok(meta) => {
                        let expected = if attachment.size == 0 {
                            meta.len()
                        } else {
                            attachment.size
                        };
                        if meta.len() != expected
                            || sha256_file(copy)
                                .map_err(|error| io_error(copy, "cannot read", &error))?
                                != *hash
                        {
                            return Ok(false);
                        }
                    }
                }
            }
            Ok(true)
        };
        if path_exists(eml)? {
            let id = mime::message_id(&submission.id, &submission.case_code);
            if eml_has_message_id(eml, &id).map_err(|error| io_error(eml, "cannot read", &error))?
                && copies_ours(true)?
            {
                return Ok(Slot::Ours);
            }
            return Ok(Slot::Taken);
        }
        if copies_ours(false)? {
            Ok(Slot::Free)
        } else {
            Ok(Slot::Taken)
        }
    }

    /// The sha256 of each attachment as queued (computed when the submission lacks it).
    fn hashes(&self, submission: &Submission) -> Result<Vec<String>, DeliveryError> {
        submission
            .attachments
            .iter()
            .map(|attachment| {
                if attachment.sha256.len() == 64 {
                    Ok(attachment.sha256.to_ascii_lowercase())
                } else {
                    sha256_file(&attachment.path).map_err(|error| {
                        DeliveryError::permanent(format!(
                            "attachment {} ({}): cannot read it: {error}; submit the request again",
                            attachment.name,
                            attachment.path.display()
                        ))
                    })
                }
            })
            .collect()
    }

    fn delivered(eml: &Path, copies: &[PathBuf]) -> Delivered {
        let mut detail = format!("saved {}", eml.display());
        if !copies.is_empty() {
            let names: Vec<String> = copies.iter().map(|p| p.display().to_string()).collect();
            detail.push_str(&format!(" and {}", names.join(", ")));
        }
        Delivered {
            ticket_id: None,
            url: Some(file_url(eml)),
            detail,
        }
    }

    /// Copies `from` into the folder as `to`, checking its sha256 on the way.
    fn copy_in(
        &self,
        from: &Path,
        to: &Path,
        hash: &str,
        name: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), DeliveryError> {
        let mut source = File::open(from).map_err(|error| {
            DeliveryError::permanent(format!(
                "attachment {name} ({}): cannot read it: {error}; submit the request again",
                from.display()
            ))
        })?;
        let total = source.metadata().map(|m| m.len()).unwrap_or(0);
        let step = format!("saving {name} in {}", self.folder.display());
        let mut temp = self.temp_file()?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        let mut copied = 0u64;
        loop {
            let n = match source.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(io_error(from, "cannot read", &error)),
            };
            hasher.update(&buffer[..n]);
            temp.write_all(&buffer[..n])
                .map_err(|error| io_error(temp.path(), "cannot write", &error))?;
            copied += n as u64;
            progress(Progress {
                step: step.clone(),
                sent: copied,
                total,
            });
        }
        let got: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if got != hash {
            return Err(DeliveryError::permanent(format!(
                "attachment {name} ({}) changed since it was queued (its sha256 is {got}, {hash} expected); submit the request again",
                from.display()
            )));
        }
        self.persist(temp, to)
    }

    fn temp_file(&self) -> Result<tempfile::NamedTempFile, DeliveryError> {
        tempfile::Builder::new()
            .prefix(".casefile-")
            .suffix(".part")
            .tempfile_in(&self.folder)
            .map_err(|error| io_error(&self.folder, "cannot write in", &error))
    }

    /// Syncs `temp` and renames it to `to` without replacing anything; owner-only permissions.
    fn persist(&self, temp: tempfile::NamedTempFile, to: &Path) -> Result<(), DeliveryError> {
        temp.as_file()
            .sync_all()
            .map_err(|error| io_error(temp.path(), "cannot write", &error))?;
        private(temp.path()).map_err(|error| io_error(temp.path(), "cannot protect", &error))?;
        temp.persist_noclobber(to).map_err(|error| {
            if error.error.kind() == io::ErrorKind::AlreadyExists {
                DeliveryError::retryable(format!(
                    "{} appeared while Casefile was saving it (another program or a second Casefile); it will be retried under another name",
                    to.display()
                ))
            } else {
                io_error(to, "cannot save", &error.error)
            }
        })?;
        Ok(())
    }

    fn create_folder(&self) -> Result<(), DeliveryError> {
        if self.folder.is_dir() {
            return Ok(());
        }
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&self.folder)
            .map_err(|error| io_error(&self.folder, "cannot create the folder", &error))
    }
}

impl Transport for FolderTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        let folder = self.folder.display();
        match fs::metadata(&self.folder) {
            Ok(meta) if !meta.is_dir() => Err(DeliveryError::permanent(format!(
                "{folder} is a file, not a folder; set path in the folder channel to a folder"
            ))),
            Ok(_) => match tempfile::tempfile_in(&self.folder) {
                Ok(_) => Ok(format!("saves into {folder} (exists, writable)")),
                Err(error) => Err(DeliveryError::permanent(format!(
                    "cannot write in {folder}: {error}; choose a folder you can write to (path in the folder channel)"
                ))),
            },
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let parent = self
                    .folder
                    .ancestors()
                    .skip(1)
                    .find(|ancestor| ancestor.is_dir());
                match parent {
                    Some(parent) if tempfile::tempfile_in(parent).is_ok() => Ok(format!(
                        "saves into {folder} (does not exist yet; it will be created in {})",
                        parent.display()
                    )),
                    Some(parent) => Err(DeliveryError::permanent(format!(
                        "{folder} does not exist and cannot be created: {} is not writable; choose another folder (path in the folder channel)",
                        parent.display()
                    ))),
                    None => Err(DeliveryError::permanent(format!(
                        "{folder} does not exist and none of its parents does; choose another folder (path in the folder channel)"
                    ))),
                }
            }
            Err(error) => Err(io_error(&self.folder, "cannot read", &error)),
        }
    }

    fn max_attachment(&self) -> Option<u64> {
        None
    }

    fn find_existing(&self, submission: &Submission) -> Result<Option<Delivered>, DeliveryError> {
        if !self.folder.is_dir() {
            return Ok(None);
        }
        let hashes = self.hashes(submission)?;
        for slot in 0..MAX_SLOTS {
            let (eml, copies) = self.paths(submission, slot);
            if !path_exists(&eml)? && !copies.iter().any(|copy| copy.exists()) {
                return Ok(None);
            }
            if let Slot::Ours = self.classify(submission, &hashes, &eml, &copies)? {
                return Ok(Some(Self::delivered(&eml, &copies)));
            }
        }
        Ok(None)
    }

    fn deliver(
        &self,
        submission: &Submission,
        _checkpoint: &mut Checkpoint<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError> {
        self.create_folder()?;
        let hashes = self.hashes(submission)?;
        for slot in 0..MAX_SLOTS {
            let (eml, copies) = self.paths(submission, slot);
            match self.classify(submission, &hashes, &eml, &copies)? {
                Slot::Ours => return Ok(Self::delivered(&eml, &copies)),
                Slot::Taken => continue,
                Slot::Free => {}
            }
            for ((copy, attachment), hash) in
                copies.iter().zip(&submission.attachments).zip(&hashes)
            {
                if !copy.exists() {
                    self.copy_in(&attachment.path, copy, hash, &attachment.name, progress)?;
                }
            }
            let message = draft(submission, (self.clock)()).map_err(|error| {
                DeliveryError::permanent(format!("{error}; submit the request again"))
            })?;
            let mut temp = self.temp_file()?;
            message
                .write_to(temp.as_file_mut())
                .map_err(|error| match error {
                    MimeError::Output(error) => io_error(temp.path(), "cannot write", &error),
                    other => DeliveryError::permanent(format!("{other}; submit the request again")),
                })?;
            self.persist(temp, &eml)?;
            return Ok(Self::delivered(&eml, &copies));
        }
        Err(DeliveryError::permanent(format!(
            "{} already holds {MAX_SLOTS} requests named {}; move some of them elsewhere",
            self.folder.display(),
            file_stem(&submission.case_code)
        )))
    }
}

/// The draft message: to the vendor's support address, from the requester; an address an
/// e-mail cannot carry is left out for the user to fill in rather than failing the save.
fn draft(submission: &Submission, date: DateTime<Utc>) -> Result<Message, MimeError> {
    let mut from = Some(Mailbox {
        name: submission.requester.name.clone(),
        address: submission.requester.email.trim().to_owned(),
    })
    .filter(|from| !from.address.is_empty());
    let mut to: Vec<String> = submission
        .vendor_email
        .iter()
        .map(|address| address.trim().to_owned())
        .filter(|address| !address.is_empty())
        .collect();
    loop {
        match Message::draft(submission, from.as_ref(), &to, date) {
            Err(MimeError::Address { field: "From", .. }) if from.is_some() => from = None,
            Err(MimeError::Address { field: "To", .. }) if !to.is_empty() => to.clear(),
            other => return other,
        }
    }
}

/// The case code as a file name: letters, digits, `-` and `_`.
fn file_stem(case_code: &str) -> String {
    let stem: String = case_code
        .trim()
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.trim_matches('_').is_empty() {
        "casefile-request".to_owned()
    } else {
        stem
    }
}

/// The extension of `name` (`zip`), or `bin`.
fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| {
            !ext.is_empty() && ext.len() <= 10 && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .unwrap_or("bin")
        .to_ascii_lowercase()
}

/// `name` with only characters safe in a file name.
fn file_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .take(100)
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "attachment".to_owned()
    } else {
        clean
    }
}

/// A `file://` URL for `path`.
/// The local path a `file://` URL made by [`file_url`] names; `None` for anything else.
pub fn path_of_file_url(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let mut bytes = Vec::with_capacity(rest.len());
    let mut input = rest.bytes();
    while let Some(byte) = input.next() {
        if byte == b'%' {
            let high = (input.next()? as char).to_digit(16)?;
            let low = (input.next()? as char).to_digit(16)?;
            bytes.push((high * 16 + low) as u8);
        } else {
            bytes.push(byte);
        }
    }
    let text = String::from_utf8(bytes).ok()?;
    // `file:///C:/...` on Windows: the drive letter follows the slash.
    let windows_drive = text.len() > 2 && text.as_bytes()[2] == b':' && text.starts_with('/');
    let text = if windows_drive { &text[1..] } else { &text[..] };
    let path = PathBuf::from(text);
    path.is_absolute().then_some(path)
}

fn file_url(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let text = absolute.to_string_lossy().replace('\\', "/");
    let mut url = String::from("file://");
    if !text.starts_with('/') {
        url.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~:".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

fn path_exists(path: &Path) -> Result<bool, DeliveryError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(io_error(path, "cannot read", &error)),
    }
}

/// Whether the `.eml` at `path` carries Message-ID `id` in its headers.
fn eml_has_message_id(path: &Path, id: &str) -> io::Result<bool> {
    let mut head = Vec::new();
    File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let headers = text.split("\r\n\r\n").next().unwrap_or_default();
    let wanted = format!("message-id: <{}>", id.to_ascii_lowercase());
    Ok(headers
        .split("\r\n")
        .any(|line| line.trim().to_ascii_lowercase() == wanted))
}

fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Owner-only permissions (a no-op where permissions are not Unix modes).
fn private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A file-system failure: retryable (a full disk or a removed drive may come back).
fn io_error(path: &Path, doing: &str, error: &io::Error) -> DeliveryError {
    let advice = match error.kind() {
        io::ErrorKind::PermissionDenied => {
            "choose a folder you can write to (path in the folder channel)"
        }
        _ => "check the folder and free some disk space; it will be retried",
    };
    let message = format!("{doing} {}: {error}; {advice}", path.display());
    if error.kind() == io::ErrorKind::PermissionDenied {
        DeliveryError::permanent(message)
    } else {
        DeliveryError::retryable(message)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::deliver::mime::testing::python_parse;
    use crate::deliver::{Attachment, PriorityLevel, Requester};

    fn date() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 5, 0)
            .single()
            .expect("a valid date")
    }

    fn submission(dir: &Path, id: &str, content: &[u8]) -> Submission {
        let path = dir.join(format!("{id}-bundle.zip"));
        fs::write(&path, content).expect("write the bundle");
        Submission {
            id: id.to_owned(),
            case_code: "CF-7K2M-9QXD".to_owned(),
            subject: "[CF-7K2M-9QXD] Agent stopped reporting".to_owned(),
            text: "The agent stopped reporting at 09:00.\n".to_owned(),
            request_json: "{}".to_owned(),
            requester: Requester {
                name: "Ada Lovelace".to_owned(),
                email: "ada@example.test".to_owned(),
                ..Requester::default()
            },
            priority: PriorityLevel {
                id: "2".to_owned(),
                label: "High".to_owned(),
                rank: 1,
                levels: 4,
            },
            vendor: "Acme".to_owned(),
            profile: "acme".to_owned(),
            vendor_email: Some("support@acme.example".to_owned()),
            attachments: vec![Attachment {
                name: "CF-7K2M-9QXD.zip".to_owned(),
                path,
                content_type: "application/zip".to_owned(),
                size: content.len() as u64,
                sha256: Sha256::digest(content)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            }],
        }
    }

    fn deliver(transport: &FolderTransport, submission: &Submission) -> Delivered {
        transport
            .deliver(submission, &mut Checkpoint::in_memory(), &mut |_| {})
            .expect("saved")
    }

    fn listing(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .expect("the folder")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn saves_the_bundle_and_an_eml_python_reads_with_the_same_attachment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("Casefile/requests");
        let content: Vec<u8> = (0..200_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        let submission = submission(dir.path(), "CF-7K2M-9QXD.folder", &content);
        let transport = FolderTransport::new(folder.clone()).with_clock(date);
        let delivered = deliver(&transport, &submission);
        assert_eq!(listing(&folder), ["CF-7K2M-9QXD.eml", "CF-7K2M-9QXD.zip"]);
        let eml = folder.join("CF-7K2M-9QXD.eml");
        let zip = folder.join("CF-7K2M-9QXD.zip");
        assert_eq!(
            delivered.detail,
            format!("saved {} and {}", eml.display(), zip.display())
        );
        let url = delivered.url.expect("a URL");
        assert!(
            url.starts_with("file:///") && url.ends_with("/Casefile/requests/CF-7K2M-9QXD.eml"),
            "{url}"
        );
        assert_eq!(fs::read(&zip).expect("the copy"), content);
        let parsed = python_parse(&eml);
        assert_eq!(parsed["defects"], serde_json::json!([]));
        assert_eq!(parsed["to"], "support@acme.example");
        assert_eq!(parsed["from_address"], "ada@example.test");
        assert_eq!(parsed["subject"], submission.subject.as_str());
        assert_eq!(parsed["attachments"][0]["filename"], "CF-7K2M-9QXD.zip");
        assert_eq!(
            parsed["attachments"][0]["sha256"],
            submission.attachments[0].sha256.as_str()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for file in [&eml, &zip] {
                let mode = fs::metadata(file).expect("metadata").permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", file.display());
            }
            let mode = fs::metadata(&folder)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn a_second_delivery_of_the_same_submission_is_found_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("out");
        let submission = submission(dir.path(), "CF-7K2M-9QXD.folder", b"PK fake zip");
        let transport = FolderTransport::new(folder.clone());
        assert_eq!(transport.find_existing(&submission).expect("looked"), None);
        let first = deliver(&transport, &submission);
        let eml = folder.join("CF-7K2M-9QXD.eml");
        let written = fs::read(&eml).expect("eml");
        let found = transport.find_existing(&submission).expect("looked");
        assert_eq!(found.as_ref(), Some(&first));
        // Another clock would write another Date: a second save would show.
        let later = transport.clone().with_clock(date);
        assert_eq!(deliver(&later, &submission), first);
        assert_eq!(fs::read(&eml).expect("eml"), written);
        assert_eq!(listing(&folder), ["CF-7K2M-9QXD.eml", "CF-7K2M-9QXD.zip"]);
    }

    #[test]
    fn another_submission_with_the_same_case_code_gets_its_own_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("out");
        let transport = FolderTransport::new(folder.clone());
        let first = submission(dir.path(), "CF-7K2M-9QXD.folder", b"first bundle");
        let second = submission(dir.path(), "CF-7K2M-9QXD.folder-2", b"second bundle");
        deliver(&transport, &first);
        let delivered = deliver(&transport, &second);
        assert!(
            delivered.detail.contains("CF-7K2M-9QXD-2.eml"),
            "{}",
            delivered.detail
        );
        assert_eq!(
            listing(&folder),
            [
                "CF-7K2M-9QXD-2.eml",
                "CF-7K2M-9QXD-2.zip",
                "CF-7K2M-9QXD.eml",
                "CF-7K2M-9QXD.zip"
            ]
        );
        assert_eq!(
            fs::read(folder.join("CF-7K2M-9QXD.zip")).expect("zip"),
            b"first bundle"
        );
        assert_eq!(
            fs::read(folder.join("CF-7K2M-9QXD-2.zip")).expect("zip"),
            b"second bundle"
        );
        assert_eq!(
            transport.find_existing(&second).expect("looked"),
            Some(delivered)
        );
        // Same id, other content: not the same submission.
        let changed = submission(dir.path(), "CF-7K2M-9QXD.folder", b"rebuilt bundle");
        assert!(transport.find_existing(&changed).expect("looked").is_none());
    }

    #[test]
    fn an_interrupted_save_is_completed_and_a_strangers_file_is_never_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("out");
        fs::create_dir_all(&folder).expect("folder");
        let submission = submission(dir.path(), "CF-7K2M-9QXD.folder", b"the bundle");
        // A crash after the copy, before the .eml.
        fs::write(folder.join("CF-7K2M-9QXD.zip"), b"the bundle").expect("copy");
        // Someone's own file under the next name.
        fs::write(folder.join("CF-7K2M-9QXD-2.zip"), b"not ours").expect("stranger");
        let transport = FolderTransport::new(folder.clone());
        let delivered = deliver(&transport, &submission);
        assert!(
            delivered.detail.contains("CF-7K2M-9QXD.eml"),
            "{}",
            delivered.detail
        );
        assert_eq!(
            listing(&folder),
            ["CF-7K2M-9QXD-2.zip", "CF-7K2M-9QXD.eml", "CF-7K2M-9QXD.zip"]
        );

        let other = FolderTransport::new(folder.clone());
        fs::write(
            folder.join("CF-7K2M-9QXD.eml"),
            b"Subject: mine\r\n\r\nhello",
        )
        .expect("eml");
        let delivered = deliver(&other, &submission);
        assert!(
            delivered.detail.contains("CF-7K2M-9QXD-3.eml"),
            "{}",
            delivered.detail
        );
        assert_eq!(
            fs::read(folder.join("CF-7K2M-9QXD-2.zip")).expect("zip"),
            b"not ours"
        );
        assert_eq!(
            fs::read(folder.join("CF-7K2M-9QXD.eml")).expect("eml"),
            b"Subject: mine\r\n\r\nhello"
        );
    }

    #[test]
    fn an_attachment_changed_since_queueing_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let submission = submission(dir.path(), "CF-7K2M-9QXD.folder", b"the bundle");
        fs::write(&submission.attachments[0].path, b"the bundlX").expect("tamper");
        let transport = FolderTransport::new(dir.path().join("out"));
        let error = transport
            .deliver(&submission, &mut Checkpoint::in_memory(), &mut |_| {})
            .expect_err("changed");
        assert!(!error.is_retryable());
        assert!(
            error.message.contains("changed since it was queued"),
            "{}",
            error.message
        );
        assert_eq!(
            listing(&dir.path().join("out")),
            Vec::<String>::new(),
            "no half files left"
        );
    }

    #[test]
    fn check_says_whether_the_folder_can_be_used_and_creates_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("not/yet");
        let report = FolderTransport::new(missing.clone())
            .check()
            .expect("usable");
        assert!(report.contains("does not exist yet"), "{report}");
        assert!(!missing.exists() && !dir.path().join("not").exists());
        let report = FolderTransport::new(dir.path().to_owned())
            .check()
            .expect("usable");
        assert!(report.contains("exists, writable"), "{report}");
        assert_eq!(listing(dir.path()), Vec::<String>::new());
        let file = dir.path().join("file");
        fs::write(&file, b"x").expect("file");
        let error = FolderTransport::new(file).check().expect_err("a file");
        assert!(error.message.contains("is a file"), "{}", error.message);
    }

    #[test]
    fn a_draft_without_usable_addresses_is_still_saved_for_the_user_to_complete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut submission = submission(dir.path(), "CF-7K2M-9QXD.folder", b"zip");
        submission.vendor_email = None;
        submission.requester.email = "not an address".to_owned();
        let folder = dir.path().join("out");
        deliver(&FolderTransport::new(folder.clone()), &submission);
        let parsed = python_parse(&folder.join("CF-7K2M-9QXD.eml"));
        assert_eq!(parsed["to"], "");
        assert_eq!(parsed["from_address"], "");
        assert_eq!(parsed["attachments"][0]["size"], 3);
    }

    #[test]
    fn file_urls_escape_what_urls_cannot_carry() {
        assert_eq!(
            file_url(Path::new("/home/ada/My Cases/CF-1.eml")),
            "file:///home/ada/My%20Cases/CF-1.eml"
        );
    }

    #[test]
    fn file_urls_read_back_as_the_path_they_name() {
        let path = Path::new("/home/ada/My Cases/Ünïcode %/CF-1.eml");
        assert_eq!(path_of_file_url(&file_url(path)).as_deref(), Some(path));
        assert_eq!(path_of_file_url("https://example.com/CF-1.eml"), None);
        assert_eq!(path_of_file_url("file://relative/CF-1.eml"), None);
        assert_eq!(path_of_file_url("file:///home/ada/bad%2"), None);
    }
}
