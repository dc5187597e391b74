//! The outbox: every submission is a folder on disk before the first byte goes out, and stays
//! there with its state until it is sent or the user removes it.
//!
//! `DATA_DIR/outbox/<id>/` holds `item.json` (state, attempts, history, the channel's progress
//! checkpoint, the receipt) and the attachments. An item is created complete or not at all (built
//! in a hidden folder, then renamed), and `item.json` is replaced atomically at every change. While
//! an attempt runs, the item's `lock` file is locked, so two processes never send the same item;
//! an item left in `sending` with no lock held was interrupted (crash, kill, power loss) and is
//! resumed. Before any attempt after the first, the channel looks the case code up in the help
//! desk, so a retry never creates a second ticket.
//!
//! States: `queued` → `sending` → `sent`, or `failed-retryable` (tried again after a backoff or
//! the server's `Retry-After`), or `failed` (only the user can fix it; the item is kept and says
//! what to fix, and `retry` tries again).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Checkpoint, Delivered, DeliveryError, Progress, Retry, Submission, Transport};
use crate::draft::write_atomically;

/// The item schema version this build writes and reads.
pub const OUTBOX_SCHEMA_VERSION: u32 = 1;

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Waiting for its first attempt.
    Queued,
    /// An attempt is running, or was interrupted.
    Sending,
    /// Delivered; the item holds the receipt.
    Sent,
    /// The last attempt failed in a way a later one may get past.
    FailedRetryable,
    /// The last attempt failed in a way only the user can fix.
    Failed,
}

impl State {
    /// The state as written in `item.json` and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Sent => "sent",
            State::FailedRetryable => "failed-retryable",
            State::Failed => "failed",
        }
    }
}

/// One thing that happened to an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When.
    pub at: DateTime<Utc>,
    /// The state it led to.
    pub state: State,
    /// What happened.
    pub note: String,
}

/// One submission in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Must equal [`OUTBOX_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The channel's name (`helpdesk`).
    pub channel: String,
    /// The channel's kind (`rt`).
    pub kind: String,
    /// Where the channel delivers, as people read it.
    pub destination: String,
    /// The support tier the request was filed under, for the receipt's targets.
    pub tier: String,
    /// Where it stands.
    pub state: State,
    /// When it entered the outbox.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Attempts started so far.
    pub attempts: u32,
    /// When the next automatic attempt is due (failed-retryable items).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, and what to do.
    pub last_error: Option<String>,
    /// Everything that happened, oldest first.
    pub history: Vec<Event>,
    /// The channel's progress between steps (upload tokens, a created ticket's key).
    #[serde(default)]
    pub checkpoint: serde_json::Map<String, serde_json::Value>,
    /// What the channel reported when it delivered.
    pub delivered: Option<Delivered>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
    /// What is sent. Attachment paths point into the item's folder.
    pub submission: Submission,
}

impl Item {
    /// The item's id.
    pub fn id(&self) -> &str {
        &self.submission.id
    }

    /// The `.eml` a channel that only saves (the folder channel) wrote for this item, once it
    /// is delivered: the user still has to send it. `None` for any other channel or state.
    pub fn saved_message(&self) -> Option<PathBuf> {
        if self.kind != "folder" || self.state != State::Sent {
            return None;
        }
        let path = super::folder::path_of_file_url(self.delivered.as_ref()?.url.as_deref()?)?;
        (path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("eml")))
        .then_some(path)
    }
}

/// What goes into the outbox.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// The channel's name.
    pub channel: String,
    /// The channel's kind.
    pub kind: String,
    /// Where the channel delivers.
    pub destination: String,
    /// The request's tier.
    pub tier: String,
    /// The submission; its `id` is assigned by the outbox, and each attachment's `path` names the
    /// file to take in (copied, or moved when `move_attachments` is set). Size and sha256 are
    /// computed here.
    pub submission: Submission,
    /// Move the attachment files in instead of copying them (a bundle made for this submission).
    pub move_attachments: bool,
}

/// How long to wait between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt, doubled after each further one.
    pub initial: Duration,
    /// The longest wait, unless the server asks for more.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial: Duration::from_secs(30),
            max: Duration::from_secs(3600),
        }
    }
}

/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

impl RetryPolicy {
    /// The wait after failed attempt number `attempts` (1-based), or the server's `Retry-After`.
    pub fn wait(&self, attempts: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(MAX_RETRY_AFTER);
        }
        let doublings = attempts.saturating_sub(1).min(20);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// Why the outbox could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Detail.
        source: io::Error,
    },
    /// `item.json` is not readable.
    #[error("{path}: not a readable outbox item ({message}); move it aside or remove the folder")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No item has this id.
    #[error("no outbox item {id:?}; see `casefile outbox list`")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// Another process is sending this item right now.
    #[error("outbox item {id} is being sent by another casefile process; wait for it to finish")]
    Busy {
        /// The item.
        id: String,
    },
    /// The same request already went, or is going, to the same channel.
    #[error(
        "{case_code} was already submitted to channel {channel} (outbox item {id}, {state}); see `casefile outbox show {id}`, retry it with `casefile outbox retry {id}`, or pass --again to submit a second time"
    )]
    AlreadySubmitted {
        /// The request's case code.
        case_code: String,
        /// The channel.
        channel: String,
        /// The existing item.
        id: String,
        /// Its state.
        state: &'static str,
    },
}

impl OutboxError {
    /// Whether the user can fix it by changing what they asked.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            OutboxError::NotFound { .. }
                | OutboxError::Busy { .. }
                | OutboxError::AlreadySubmitted { .. }
        )
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutboxError + '_ {
    move |source| OutboxError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The outbox folder.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

/// The lock held while an item is being sent; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct ItemLock {
    _file: File,
}

impl Outbox {
    /// The outbox in `data_dir` (`data_dir/outbox`); nothing is created until an item is.
    pub fn new(data_dir: &Path) -> Outbox {
        Outbox {
            dir: data_dir.join("outbox"),
        }
    }

    /// The outbox folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder of item `id`.
    pub fn item_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Every item, oldest first, and a message for each folder that is not a readable item.
    pub fn list(&self) -> Result<(Vec<Item>, Vec<String>), OutboxError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok((Vec::new(), Vec::new()));
            }
            Err(error) => return Err(io_error(&self.dir)(error)),
        };
        let mut items = Vec::new();
        let mut problems = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error(&self.dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.path().is_dir() {
                continue;
            }
            match self.load(&name) {
                Ok(item) => items.push(item),
                Err(error) => problems.push(error.to_string()),
            }
        }
        items.sort_by(|a, b| (a.created_at, a.id()).cmp(&(b.created_at, b.id())));
        Ok((items, problems))
    }

    /// The item `id`.
    pub fn load(&self, id: &str) -> Result<Item, OutboxError> {
        if !is_item_id(id) {
            return Err(OutboxError::NotFound { id: id.to_owned() });
        }
        let dir = self.item_dir(id);
        let path = dir.join("item.json");
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(OutboxError::NotFound { id: id.to_owned() });
            }
            Err(error) => return Err(io_error(&path)(error)),
        };
        let mut item: Item =
            serde_json::from_slice(&bytes).map_err(|error| OutboxError::Invalid {
                path: path.clone(),
                message: error.to_string(),
            })?;
        if item.schema_version != OUTBOX_SCHEMA_VERSION {
            return Err(OutboxError::Invalid {
                path,
                message: format!(
                    "schema_version {} is not {OUTBOX_SCHEMA_VERSION}",
                    item.schema_version
                ),
            });
        }
        for attachment in &mut item.submission.attachments {
            attachment.path = dir.join(&attachment.path);
        }
        Ok(item)
    }

    fn save(&self, item: &Item) -> Result<(), OutboxError> {
        write_item(&self.item_dir(item.id()), item)
    }

    /// Items already submitted for `case_code` through `channel`.
    pub fn find(&self, case_code: &str, channel: &str) -> Result<Vec<Item>, OutboxError> {
        let (items, _) = self.list()?;
        Ok(items
            .into_iter()
            .filter(|item| item.submission.case_code == case_code && item.channel == channel)
            .collect())
    }

    /// Puts a submission in the outbox, complete with its attachments, before anything is sent.
    /// Refuses a second submission of the same case code to the same channel unless `again`.
    pub fn enqueue(
        &self,
        new: NewItem,
        again: bool,
        now: DateTime<Utc>,
    ) -> Result<Item, OutboxError> {
        let NewItem {
            channel,
            kind,
            destination,
            tier,
            mut submission,
            move_attachments,
        } = new;
        let earlier = self.find(&submission.case_code, &channel)?;
        if let Some(item) = earlier.last().filter(|_| !again) {
            return Err(OutboxError::AlreadySubmitted {
                case_code: submission.case_code.clone(),
                channel,
                id: item.id().to_owned(),
                state: item.state.as_str(),
            });
        }
        let base = format!("{}.{channel}", submission.case_code);
        let mut id = base.clone();
        let mut n = 1;
        while self.item_dir(&id).exists() {
            n += 1;
            id = format!("{base}.{n}");
        }
        submission.id = id.clone();
        fs::create_dir_all(&self.dir).map_err(io_error(&self.dir))?;
        let staging = tempfile::Builder::new()
            .prefix(&format!(".new-{id}-"))
            .tempdir_in(&self.dir)
            .map_err(io_error(&self.dir))?;
        for attachment in &mut submission.attachments {
            let name = attachment_file_name(&attachment.name);
            let target = staging.path().join(&name);
            let (size, sha256) = take_in(&attachment.path, &target, move_attachments)?;
            attachment.size = size;
            attachment.sha256 = sha256;
            attachment.path = PathBuf::from(name);
        }
        let item = Item {
            schema_version: OUTBOX_SCHEMA_VERSION,
            channel,
            kind,
            destination,
            tier,
            state: State::Queued,
            created_at: now,
            updated_at: now,
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            history: vec![Event {
                at: now,
                state: State::Queued,
                note: "entered the outbox".to_owned(),
            }],
            checkpoint: serde_json::Map::new(),
            delivered: None,
            sent_at: None,
            submission,
        };
        write_item(staging.path(), &item)?;
        let staging = staging.keep();
        let target = self.item_dir(&id);
        fs::rename(&staging, &target).map_err(io_error(&target))?;
        sync_dir(&self.dir);
        self.load(&id)
    }

    /// Locks item `id` for sending; [`OutboxError::Busy`] when another process holds it.
    pub fn lock(&self, id: &str) -> Result<ItemLock, OutboxError> {
        let dir = self.item_dir(id);
        if !is_item_id(id) || !dir.join("item.json").exists() {
            return Err(OutboxError::NotFound { id: id.to_owned() });
        }
        let path = dir.join("lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(ItemLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(OutboxError::Busy { id: id.to_owned() }),
            Err(fs::TryLockError::Error(error)) => Err(io_error(&path)(error)),
        }
    }

    /// Items an automatic pass should attempt at `now`: queued ones, retryable ones whose wait is
    /// over, and interrupted ones (left in `sending` with no process holding them).
    pub fn due(&self, now: DateTime<Utc>) -> Result<Vec<Item>, OutboxError> {
        let (items, _) = self.list()?;
        Ok(items
            .into_iter()
            .filter(|item| match item.state {
                State::Queued => true,
                State::FailedRetryable => item.next_attempt_at.is_none_or(|at| at <= now),
                State::Sending => self.lock(item.id()).is_ok(),
                State::Sent | State::Failed => false,
            })
            .collect())
    }

    /// Makes one attempt at item `id` through `transport`, whatever its state but `sent` (a sent
    /// item is returned as it is). `clock` gives the time at each step.
    pub fn attempt(
        &self,
        id: &str,
        transport: &dyn Transport,
        policy: &RetryPolicy,
        clock: &dyn Fn() -> DateTime<Utc>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Item, OutboxError> {
        let _lock = self.lock(id)?;
        let mut item = self.load(id)?;
        if item.state == State::Sent {
            return Ok(item);
        }
        let resumed = item.attempts > 0;
        let interrupted = item.state == State::Sending;
        item.attempts += 1;
        item.state = State::Sending;
        item.next_attempt_at = None;
        let now = clock();
        item.updated_at = now;
        item.history.push(Event {
            at: now,
            state: State::Sending,
            note: if interrupted {
                format!(
                    "attempt {} (the previous one was interrupted)",
                    item.attempts
                )
            } else {
                format!("attempt {}", item.attempts)
            },
        });
        self.save(&item)?;

        let outcome = self.run(&mut item, transport, resumed, progress)?;
        let now = clock();
        item.updated_at = now;
        match outcome {
            Ok((delivered, note)) => {
                item.state = State::Sent;
                item.sent_at = Some(now);
                item.last_error = None;
                item.history.push(Event {
                    at: now,
                    state: State::Sent,
                    note: format!("{note}: {}", delivered.detail),
                });
                item.delivered = Some(delivered);
            }
            Err(error) => {
                let (state, note) = match error.retry {
                    Retry::Later { after } => {
                        let wait = policy.wait(item.attempts, after);
                        let at = now + chrono::TimeDelta::from_std(wait).unwrap_or_default();
                        item.next_attempt_at = Some(at);
                        (
                            State::FailedRetryable,
                            format!(
                                "{} (next attempt after {})",
                                error.message,
                                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                            ),
                        )
                    }
                    Retry::Never => (State::Failed, error.message.clone()),
                };
                item.state = state;
                item.last_error = Some(error.message);
                item.history.push(Event {
                    at: now,
                    state,
                    note,
                });
            }
        }
        self.save(&item)?;
        if item.state == State::Sent {
            // The help desk has the files now; the item keeps their names, sizes and sha256 as
            // the record of what was sent, and a bundle of a gigabyte is not kept twice.
            let dir = self.item_dir(item.id());
            for attachment in &item.submission.attachments {
                if attachment.path.starts_with(&dir) {
                    let _ = fs::remove_file(&attachment.path);
                }
            }
        }
        Ok(item)
    }

    #[allow(clippy::type_complexity)]
    fn run(
        &self,
        item: &mut Item,
        transport: &dyn Transport,
        resumed: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Result<(Delivered, &'static str), DeliveryError>, OutboxError> {
        for attachment in &item.submission.attachments {
            if let Err(problem) = check_attachment(attachment) {
                return Ok(Err(DeliveryError::permanent(problem)));
            }
        }
        if resumed {
            match transport.find_existing(&item.submission) {
                Ok(Some(found)) => {
                    return Ok(Ok((found, "found the ticket an earlier attempt created")));
                }
                Ok(None) => {}
                Err(error) => return Ok(Err(error)),
            }
        }
        let dir = self.item_dir(item.id());
        let snapshot = item.clone();
        let mut checkpoint = Checkpoint::new(item.checkpoint.clone(), move |values| {
            let mut saved = snapshot.clone();
            saved.checkpoint = values.clone();
            write_item(&dir, &saved).map_err(|error| io::Error::other(error.to_string()))
        });
        let result = transport.deliver(&item.submission, &mut checkpoint, progress);
        item.checkpoint = checkpoint.values().clone();
        Ok(result.map(|delivered| (delivered, "delivered")))
    }

    /// Removes item `id` and its files (not while it is being sent).
    pub fn remove(&self, id: &str) -> Result<Item, OutboxError> {
        let lock = self.lock(id)?;
        let item = self.load(id)?;
        let dir = self.item_dir(id);
        drop(lock);
        fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
        Ok(item)
    }
}

/// Whether `id` can name an item: one plain folder name inside the outbox.
fn is_item_id(id: &str) -> bool {
    !id.is_empty() && !id.starts_with('.') && !id.contains(['/', '\\'])
}

fn attachment_file_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() || clean.starts_with('.') || clean == "item.json" || clean == "lock" {
        format!("attachment-{clean}")
    } else {
        clean
    }
}

fn check_attachment(attachment: &super::Attachment) -> Result<(), String> {
    let size = fs::metadata(&attachment.path)
        .map_err(|error| {
            format!(
                "attachment {} is missing from the outbox ({}: {error}); submit the request again",
                attachment.name,
                attachment.path.display()
            )
        })?
        .len();
    if size != attachment.size {
        return Err(format!(
            "attachment {} changed in the outbox ({} bytes, {} expected); submit the request again",
            attachment.name, size, attachment.size
        ));
    }
    Ok(())
}

/// Copies (or moves) `from` to `to`, returning its size and sha256.
fn take_in(from: &Path, to: &Path, move_it: bool) -> Result<(u64, String), OutboxError> {
    if move_it && fs::rename(from, to).is_ok() {
        return hash_file(to);
    }
    let mut source = File::open(from).map_err(io_error(from))?;
    let mut target = File::create(to).map_err(io_error(to))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = source.read(&mut buffer).map_err(io_error(from))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        target.write_all(&buffer[..n]).map_err(io_error(to))?;
        size += n as u64;
    }
    target.sync_all().map_err(io_error(to))?;
    if move_it {
        let _ = fs::remove_file(from);
    }
    Ok((size, hex(&hasher.finalize())))
}

fn hash_file(path: &Path) -> Result<(u64, String), OutboxError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut hasher = Sha256::new();
    let size = io::copy(&mut file, &mut hasher).map_err(io_error(path))?;
    Ok((size, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_item(dir: &Path, item: &Item) -> Result<(), OutboxError> {
    let mut stored = item.clone();
    for attachment in &mut stored.submission.attachments {
        if let Ok(relative) = attachment.path.strip_prefix(dir) {
            attachment.path = relative.to_owned();
        }
    }
    let path = dir.join("item.json");
    let mut json = serde_json::to_vec_pretty(&stored).map_err(|error| OutboxError::Invalid {
        path: path.clone(),
        message: error.to_string(),
    })?;
    json.push(b'\n');
    write_atomically(&path, &json).map_err(|error| OutboxError::Io {
        path: path.clone(),
        source: io::Error::other(error.to_string()),
    })
}

fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;
    use crate::deliver::{Attachment, PriorityLevel, Requester};

    fn submission(folder: &Path) -> Submission {
        let bundle = folder.join("bundle.zip");
        fs::write(&bundle, b"PK fake zip").expect("write");
        Submission {
            id: String::new(),
            case_code: "CF-TEST-0001".into(),
            subject: "[CF-TEST-0001] Agent offline".into(),
            text: "It stopped.".into(),
            request_json: "{}".into(),
            requester: Requester {
                name: "Ada Example".into(),
                email: "ada@example.test".into(),
                ..Requester::default()
            },
            priority: PriorityLevel {
                id: "2".into(),
                label: "High".into(),
                rank: 1,
                levels: 4,
            },
            vendor: "Example".into(),
            profile: "generic".into(),
            vendor_email: Some("support@example.test".into()),
            attachments: vec![Attachment {
                name: "CF-TEST-0001.zip".into(),
                path: bundle,
                content_type: "application/zip".into(),
                size: 0,
                sha256: String::new(),
            }],
        }
    }

    fn new_item(folder: &Path) -> NewItem {
        NewItem {
            channel: "desk".into(),
            kind: "webhook".into(),
            destination: "http://127.0.0.1:1/".into(),
            tier: "standard".into(),
            submission: submission(folder),
            move_attachments: false,
        }
    }

    /// A transport that answers from a script and records what it was asked.
    struct Scripted {
        answers: RefCell<Vec<Result<Delivered, DeliveryError>>>,
        existing: RefCell<Option<Delivered>>,
        delivers: Cell<u32>,
        lookups: Cell<u32>,
    }

    impl Scripted {
        fn new(answers: Vec<Result<Delivered, DeliveryError>>) -> Self {
            Scripted {
                answers: RefCell::new(answers),
                existing: RefCell::new(None),
                delivers: Cell::new(0),
                lookups: Cell::new(0),
            }
        }
    }

    impl Transport for Scripted {
        fn check(&self) -> Result<String, DeliveryError> {
            Ok("fine".into())
        }
        fn max_attachment(&self) -> Option<u64> {
            None
        }
        fn find_existing(&self, _: &Submission) -> Result<Option<Delivered>, DeliveryError> {
            self.lookups.set(self.lookups.get() + 1);
            Ok(self.existing.borrow().clone())
        }
        fn deliver(
            &self,
            submission: &Submission,
            checkpoint: &mut Checkpoint<'_>,
            _: &mut dyn FnMut(Progress),
        ) -> Result<Delivered, DeliveryError> {
            self.delivers.set(self.delivers.get() + 1);
            assert_eq!(
                fs::read(&submission.attachments[0].path).expect("attachment"),
                b"PK fake zip"
            );
            checkpoint
                .set("step", serde_json::json!(self.delivers.get()))
                .expect("checkpoint");
            self.answers.borrow_mut().remove(0)
        }
    }

    fn clock() -> DateTime<Utc> {
        "2026-12-04T10:00:00Z".parse().expect("instant")
    }

    fn ticket(id: &str) -> Delivered {
        Delivered {
            ticket_id: Some(id.into()),
            url: None,
            detail: format!("ticket {id}"),
        }
    }

    #[test]
    fn an_item_is_complete_on_disk_before_any_attempt() {
        let folder = tempfile::tempdir().expect("temp dir");
        let outbox = Outbox::new(&folder.path().join("data"));
        let item = outbox
            .enqueue(new_item(folder.path()), false, clock())
            .expect("enqueue");
        assert_eq!(item.id(), "CF-TEST-0001.desk");
        assert_eq!(item.state, State::Queued);
        let attachment = &item.submission.attachments[0];
        assert_eq!(attachment.size, 11);
        assert_eq!(attachment.sha256.len(), 64);
        assert!(attachment.path.starts_with(outbox.item_dir(item.id())));
        assert!(
            folder.path().join("bundle.zip").exists(),
            "copied, not moved"
        );
        let stored =
            fs::read_to_string(outbox.item_dir(item.id()).join("item.json")).expect("read");
        assert!(
            stored.contains("\"path\": \"CF-TEST-0001.zip\""),
            "{stored}"
        );
        assert_eq!(outbox.due(clock()).expect("due").len(), 1);
    }

    #[test]
    fn a_second_submission_to_the_same_channel_is_refused_unless_asked_for() {
        let folder = tempfile::tempdir().expect("temp dir");
        let outbox = Outbox::new(&folder.path().join("data"));
        outbox
            .enqueue(new_item(folder.path()), false, clock())
            .expect("first");
        let error = outbox
            .enqueue(new_item(folder.path()), false, clock())
            .expect_err("duplicate");
        assert!(error.to_string().contains("--again"), "{error}");
        let again = outbox
            .enqueue(new_item(folder.path()), true, clock())
            .expect("again");
        assert_eq!(again.id(), "CF-TEST-0001.desk.2");
    }

    #[test]
    fn a_retryable_failure_waits_then_a_retry_looks_the_ticket_up_first() {
        let folder = tempfile::tempdir().expect("temp dir");
        let outbox = Outbox::new(&folder.path().join("data"));
        let id = outbox
            .enqueue(new_item(folder.path()), false, clock())
            .expect("enqueue")
            .id()
            .to_owned();
        let transport = Scripted::new(vec![
            Err(DeliveryError::retry_after(
                "busy",
                Some(Duration::from_secs(7)),
            )),
            Ok(ticket("42")),
        ]);
        let policy = RetryPolicy::default();
        let item = outbox
            .attempt(&id, &transport, &policy, &clock, &mut |_| {})
            .expect("attempt");
        assert_eq!(item.state, State::FailedRetryable);
        assert_eq!(
            item.next_attempt_at,
            Some("2026-12-04T10:00:07Z".parse().expect("instant"))
        );
        assert_eq!(item.checkpoint.get("step"), Some(&serde_json::json!(1)));
        assert!(outbox.due(clock()).expect("due").is_empty());
        let item = outbox
            .attempt(&id, &transport, &policy, &clock, &mut |_| {})
            .expect("attempt");
        assert_eq!(item.state, State::Sent);
        assert_eq!(
            transport.lookups.get(),
            1,
            "looked up before the second attempt"
        );
        assert_eq!(transport.delivers.get(), 2);
        // The sent item keeps the record of its files, not a second copy of them.
        let attachment = &item.submission.attachments[0];
        assert!(!attachment.path.exists(), "the copy in the outbox is gone");
        assert_eq!(attachment.size, b"PK fake zip".len() as u64);
        // A sent item is never sent again.
        let item = outbox
            .attempt(&id, &transport, &policy, &clock, &mut |_| {})
            .expect("attempt");
        assert_eq!(item.delivered, Some(ticket("42")));
        assert_eq!(transport.delivers.get(), 2);
    }

    #[test]
    fn a_ticket_found_by_the_lookup_is_not_created_again() {
        let folder = tempfile::tempdir().expect("temp dir");
        let outbox = Outbox::new(&folder.path().join("data"));
        let id = outbox
            .enqueue(new_item(folder.path()), false, clock())
            .expect("enqueue")
            .id()
            .to_owned();
        let transport = Scripted::new(vec![Err(DeliveryError::retryable("reply lost"))]);
        outbox
            .attempt(
                &id,
                &transport,
                &RetryPolicy::default(),
                &clock,
                &mut |_| {},
            )
            .expect("attempt");
        *transport.existing.borrow_mut() = Some(ticket("7"));
        let item = outbox
            .attempt(
                &id,
                &transport,
                &RetryPolicy::default(),
                &clock,
                &mut |_| {},
            )
            .expect("attempt");
        assert_eq!(item.state, State::Sent);
        assert_eq!(item.delivered, Some(ticket("7")));
        assert_eq!(transport.delivers.get(), 1);
        assert!(
            item.history
                .last()
                .expect("event")
                .note
                .contains("earlier attempt")
        );
    }

    #[test]
    fn a_permanent_failure_keeps_the_item_with_what_to_fix() {
        let folder = tempfile::tempdir().expect("temp dir");
        let outbox = Outbox::new(&folder.path().join("data"));
        let id = outbox
            .enqueue(new_item(folder.path()), false, clock())
            .expect("enqueue")
            .id()
            .to_owned();
        let transport = Scripted::new(vec![Err(DeliveryError::permanent("token refused: set it"))]);
        let item = outbox
            .attempt(
                &id,
                &transport,
                &RetryPolicy::default(),
                &clock,
                &mut |_| {},
            )
            .expect("attempt");
        assert_eq!(item.state, State::Failed);
        assert_eq!(item.last_error.as_deref(), Some("token refused: set it"));
        assert!(outbox.due(clock()).expect("due").is_empty());
        assert!(
            outbox.load(&id).expect("kept").submission.attachments[0]
                .path
                .exists()
        );
    }

    #[test]
    fn an_item_being_sent_is_locked_against_a_second_sender() {
        let folder = tempfile::tempdir().expect("temp dir");
        let outbox = Outbox::new(&folder.path().join("data"));
        let id = outbox
            .enqueue(new_item(folder.path()), false, clock())
            .expect("enqueue")
            .id()
            .to_owned();
        let held = outbox.lock(&id).expect("lock");
        let transport = Scripted::new(vec![Ok(ticket("1"))]);
        let error = outbox
            .attempt(
                &id,
                &transport,
                &RetryPolicy::default(),
                &clock,
                &mut |_| {},
            )
            .expect_err("busy");
        assert!(matches!(error, OutboxError::Busy { .. }));
        drop(held);
        assert_eq!(
            outbox
                .attempt(
                    &id,
                    &transport,
                    &RetryPolicy::default(),
                    &clock,
                    &mut |_| {}
                )
                .expect("attempt")
                .state,
            State::Sent
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_retry_after_wins() {
        let policy = RetryPolicy {
            initial: Duration::from_secs(30),
            max: Duration::from_secs(300),
        };
        let waits: Vec<u64> = (1..=6).map(|n| policy.wait(n, None).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 300, 300]);
        assert_eq!(
            policy.wait(1, Some(Duration::from_secs(900))).as_secs(),
            900
        );
    }
}
