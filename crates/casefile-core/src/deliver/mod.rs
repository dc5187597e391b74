//! Delivery: channels that carry a request and its bundle to a vendor, and the outbox that makes
//! every submission durable, retried and never duplicated.
//!
//! A [`Submission`] is what one delivery sends: the request as text and JSON, the requester, the
//! priority and the attachments (the bundle). A [`Transport`] is one configured channel (see
//! [`channel`]): it can [check](Transport::check) reachability and credentials, look for a ticket an
//! earlier attempt already created ([`Transport::find_existing`]) and [deliver](Transport::deliver).
//! Multi-step transports record their progress in a [`Checkpoint`] that the outbox persists, so a
//! retry after a crash resumes instead of creating a second ticket.

pub mod channel;
pub mod folder;
pub mod freshdesk;
pub(crate) mod http;
pub mod jsm;
pub mod mime;
pub mod outbox;
pub mod receipt;
pub mod rt;
pub mod secret;
pub mod service;
pub mod smtp;
pub mod webhook;
pub mod zendesk;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use secret::secret_env_var;

use crate::profile::schema::Profile;
use crate::render;
use crate::request::Request;

/// What one delivery sends. Built once when the submission enters the outbox and stored there, so
/// every attempt sends the same thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The outbox item id (`CF-7K2M-9QXD.helpdesk`): stable across attempts, used as the
    /// idempotency key and in the Message-ID.
    pub id: String,
    /// The request's case code (`CF-7K2M-9QXD`), put where an agent searches for it.
    pub case_code: String,
    /// The one-line subject with the case code first: `[CF-7K2M-9QXD] Agent stopped reporting`.
    pub subject: String,
    /// The request as a person reads it (Markdown, readable as plain text).
    pub text: String,
    /// The request as `request.json` (the draft's wire form).
    pub request_json: String,
    /// Who asks.
    pub requester: Requester,
    /// The priority on the vendor's scale.
    pub priority: PriorityLevel,
    /// The vendor's name (`JumpCloud`).
    pub vendor: String,
    /// The vendor profile id (`jumpcloud`).
    pub profile: String,
    /// The vendor's support address from the profile, the default recipient for e-mail.
    pub vendor_email: Option<String>,
    /// The files that go with the request: the bundle, in practice.
    pub attachments: Vec<Attachment>,
}

#[cfg(test)]
impl Submission {
    /// A submission for unit tests: case `CF-7K2M-9QXD`, requester Ada, the level `rank` of a
    /// scale of `levels` (id `P<rank+1>`), no attachments.
    pub(crate) fn example(id: &str, rank: usize, levels: usize) -> Submission {
        Submission {
            id: id.into(),
            case_code: "CF-7K2M-9QXD".into(),
            subject: "[CF-7K2M-9QXD] Agent stopped reporting".into(),
            text: "The agent stopped.".into(),
            request_json: "{}".into(),
            requester: Requester {
                name: "Ada".into(),
                email: "ada@example.test".into(),
                ..Requester::default()
            },
            priority: PriorityLevel {
                id: format!("P{}", rank + 1),
                label: String::new(),
                rank,
                levels,
            },
            vendor: "Acme".into(),
            profile: "acme".into(),
            vendor_email: None,
            attachments: Vec::new(),
        }
    }
}

/// The submission of `request` to `profile`'s vendor with `attachments`; its `id` is assigned when
/// it enters the outbox. The subject starts with the case code, where agents search for it.
pub fn submission(
    request: &Request,
    profile: &Profile,
    attachments: Vec<Attachment>,
) -> Submission {
    let priority_id = request.impact.priority.trim();
    let rank = profile
        .priorities
        .iter()
        .position(|priority| priority.id == priority_id);
    let priority = PriorityLevel {
        id: priority_id.to_owned(),
        label: rank
            .and_then(|rank| profile.priorities.get(rank))
            .map(|priority| priority.label.clone())
            .unwrap_or_else(|| priority_id.to_owned()),
        rank: rank.unwrap_or(profile.priorities.len() / 2),
        levels: profile.priorities.len().max(1),
    };
    let subject = request.problem.subject.trim();
    Submission {
        id: String::new(),
        case_code: request.case_code.clone(),
        subject: format!("[{}] {subject}", request.case_code),
        text: render::request_markdown(request, profile),
        request_json: String::from_utf8_lossy(&render::request_json(request)).into_owned(),
        requester: Requester {
            name: request.contact.name.trim().to_owned(),
            email: request.contact.email.trim().to_owned(),
            phone: request.contact.phone.trim().to_owned(),
            company: request.contact.company.trim().to_owned(),
        },
        priority,
        vendor: profile.name.clone(),
        profile: profile.id.clone(),
        vendor_email: profile.delivery_email(&request.extra),
        attachments,
    }
}

/// Who asks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Requester {
    /// Contact person.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number, possibly empty.
    pub phone: String,
    /// Company, possibly empty.
    pub company: String,
}

/// A priority on the vendor's scale, with where it sits so channels can map it to their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityLevel {
    /// The vendor's id (`1`, `P2`, `urgent`).
    pub id: String,
    /// The vendor's label (`Priority 1 - Critical`).
    pub label: String,
    /// Position on the scale, 0 = most severe.
    pub rank: usize,
    /// How many levels the scale has.
    pub levels: usize,
}

impl PriorityLevel {
    /// The level on a four-step scale, 0 = urgent/critical .. 3 = low, spreading the vendor's
    /// scale evenly: the most severe level is always 0 and the least severe always 3.
    pub fn four_step(&self) -> usize {
        if self.levels <= 1 {
            return 1;
        }
        let step =
            (self.rank.min(self.levels - 1) * 3 * 2 + (self.levels - 1)) / ((self.levels - 1) * 2);
        step.min(3)
    }
}

/// One file that goes with the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file name the help desk shows (`CF-7K2M-9QXD.zip`).
    pub name: String,
    /// Where the bytes are (inside the outbox item).
    pub path: PathBuf,
    /// MIME type (`application/zip`).
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// What a successful delivery reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delivered {
    /// The help desk's ticket id or key (`42`, `SD-17`); none for e-mail and folders.
    pub ticket_id: Option<String>,
    /// Where a person opens the ticket (or, for a folder, the saved `.eml`).
    pub url: Option<String>,
    /// One line on what happened (`saved /home/ada/Casefile/CF-7K2M-9QXD.eml`,
    /// `accepted by 127.0.0.1:2525: 250 2.0.0 Ok: queued as 4F2`).
    pub detail: String,
}

/// Whether a failed attempt is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Retry {
    /// A later attempt may succeed (network, 5xx, 429); `after` is the server's `Retry-After`.
    Later {
        /// How long the server asked to wait, if it said.
        #[serde(with = "opt_secs")]
        after: Option<Duration>,
    },
    /// Repeating will not help until the user changes something (credentials, size, config).
    Never,
}

/// Why a delivery attempt failed. The message says what happened and how to fix it, and never
/// contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    /// Whether to try again.
    pub retry: Retry,
    /// What happened and what to do.
    pub message: String,
}

impl DeliveryError {
    /// A failure a later attempt may get past.
    pub fn retryable(message: impl Into<String>) -> Self {
        DeliveryError {
            retry: Retry::Later { after: None },
            message: message.into(),
        }
    }

    /// A failure a later attempt may get past, after the server's requested wait.
    pub fn retry_after(message: impl Into<String>, after: Option<Duration>) -> Self {
        DeliveryError {
            retry: Retry::Later { after },
            message: message.into(),
        }
    }

    /// A failure only the user can fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        DeliveryError {
            retry: Retry::Never,
            message: message.into(),
        }
    }

    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self.retry, Retry::Later { .. })
    }
}

/// A password or token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

/// Progress of an upload, for progress bars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// What is happening (`uploading CF-7K2M-9QXD.zip`, `creating the ticket`).
    pub step: String,
    /// Bytes sent so far in this step.
    pub sent: u64,
    /// Bytes this step sends in all (0 when unknown).
    pub total: u64,
}

/// Progress a multi-step transport has made, kept in the outbox item and written to disk before
/// [`Checkpoint::set`] returns, so that a retry after a crash can resume where it stopped.
pub struct Checkpoint<'a> {
    values: serde_json::Map<String, serde_json::Value>,
    save: SaveFn<'a>,
}

type SaveFn<'a> =
    Box<dyn FnMut(&serde_json::Map<String, serde_json::Value>) -> std::io::Result<()> + 'a>;

impl<'a> Checkpoint<'a> {
    /// A checkpoint starting from `values` that calls `save` with every new state.
    pub fn new(
        values: serde_json::Map<String, serde_json::Value>,
        save: impl FnMut(&serde_json::Map<String, serde_json::Value>) -> std::io::Result<()> + 'a,
    ) -> Self {
        Checkpoint {
            values,
            save: Box::new(save),
        }
    }

    /// A checkpoint kept in memory only (tests, `channels test`).
    pub fn in_memory() -> Checkpoint<'static> {
        Checkpoint::new(serde_json::Map::new(), |_| Ok(()))
    }

    /// A recorded value.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.values.get(key)
    }

    /// Records `value` under `key` durably.
    pub fn set(&mut self, key: &str, value: serde_json::Value) -> Result<(), DeliveryError> {
        self.values.insert(key.to_owned(), value);
        (self.save)(&self.values).map_err(|error| {
            DeliveryError::retryable(format!(
                "cannot record delivery progress in the outbox: {error}; free some disk space and retry"
            ))
        })
    }

    /// Forgets `key` durably.
    pub fn remove(&mut self, key: &str) -> Result<(), DeliveryError> {
        if self.values.remove(key).is_some() {
            (self.save)(&self.values).map_err(|error| {
                DeliveryError::retryable(format!(
                    "cannot record delivery progress in the outbox: {error}; free some disk space and retry"
                ))
            })?;
        }
        Ok(())
    }

    /// All recorded values.
    pub fn values(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.values
    }
}

impl Checkpoint<'_> {
    /// The server-side id under which `attachment` was staged (an upload token, a temporary
    /// attachment id), as recorded under `key` by [`Checkpoint::stage`], if it was staged less than
    /// `max_age` before `now` and the file is still the same (name and SHA-256).
    pub fn staged(
        &self,
        key: &str,
        attachment: &Attachment,
        max_age: Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<String> {
        self.get(key)?.as_array()?.iter().find_map(|entry| {
            if entry.get("name")?.as_str()? != attachment.name
                || entry.get("sha256")?.as_str()? != attachment.sha256
            {
                return None;
            }
            let at = chrono::DateTime::parse_from_rfc3339(entry.get("at")?.as_str()?).ok()?;
            let age = (now - at.with_timezone(&chrono::Utc)).to_std().ok()?;
            if age >= max_age {
                return None;
            }
            entry.get("id")?.as_str().map(str::to_owned)
        })
    }

    /// Records durably, under `key`, that `attachment` was staged on the server as `id` at `now`
    /// (replacing an earlier record of the same file).
    pub fn stage(
        &mut self,
        key: &str,
        attachment: &Attachment,
        id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), DeliveryError> {
        let mut list: Vec<serde_json::Value> = self
            .get(key)
            .and_then(|value| value.as_array())
            .cloned()
            .unwrap_or_default();
        list.retain(|entry| {
            entry.get("name").and_then(|v| v.as_str()) != Some(attachment.name.as_str())
        });
        list.push(serde_json::json!({
            "name": attachment.name,
            "sha256": attachment.sha256,
            "id": id,
            "at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }));
        self.set(key, serde_json::Value::Array(list))
    }
}

/// One configured channel, ready to send.
pub trait Transport {
    /// Checks reachability and credentials without creating anything; says what it found
    /// (`RT 5.0.3 at http://127.0.0.1:8080, queue Support, authenticated as root`).
    fn check(&self) -> Result<String, DeliveryError>;

    /// The largest attachment this channel takes, in raw bytes, when it is known before sending
    /// (a help desk's documented cap or the configured `max_size`; e-mail counts base64).
    fn max_attachment(&self) -> Option<u64>;

    /// Looks for a ticket an earlier attempt of `submission` created (by case code); `None` when
    /// there is none or the channel cannot tell (e-mail).
    fn find_existing(&self, submission: &Submission) -> Result<Option<Delivered>, DeliveryError>;

    /// Delivers `submission`, recording multi-step progress in `checkpoint` and reporting bytes
    /// sent to `progress`.
    fn deliver(
        &self,
        submission: &Submission,
        checkpoint: &mut Checkpoint<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError>;
}

mod opt_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => s.serialize_some(&duration.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let seconds = Option::<f64>::deserialize(d)?;
        Ok(seconds
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(rank: usize, levels: usize) -> usize {
        PriorityLevel {
            id: String::new(),
            label: String::new(),
            rank,
            levels,
        }
        .four_step()
    }

    #[test]
    fn vendor_scales_spread_over_four_steps_with_both_ends_fixed() {
        assert_eq!(
            (0..4).map(|r| level(r, 4)).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        assert_eq!((0..3).map(|r| level(r, 3)).collect::<Vec<_>>(), [0, 2, 3]);
        assert_eq!(
            (0..5).map(|r| level(r, 5)).collect::<Vec<_>>(),
            [0, 1, 2, 2, 3]
        );
        assert_eq!((0..2).map(|r| level(r, 2)).collect::<Vec<_>>(), [0, 3]);
        assert_eq!(level(0, 1), 1);
    }

    #[test]
    fn a_staged_file_is_reused_only_while_young_and_unchanged() {
        let attachment = Attachment {
            name: "CF-TEST-0001.zip".into(),
            path: PathBuf::from("/nonexistent/CF-TEST-0001.zip"),
            content_type: "application/zip".into(),
            size: 3,
            sha256: "ab".repeat(32),
        };
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-02T10:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let minutes = |m: i64| start + chrono::TimeDelta::minutes(m);
        let mut checkpoint = Checkpoint::in_memory();
        checkpoint
            .stage("uploads", &attachment, "tok-1", start)
            .expect("stage");
        let max = Duration::from_secs(55 * 60);
        assert_eq!(
            checkpoint.staged("uploads", &attachment, max, minutes(54)),
            Some("tok-1".to_owned())
        );
        assert_eq!(
            checkpoint.staged("uploads", &attachment, max, minutes(55)),
            None
        );
        assert_eq!(
            checkpoint.staged("uploads", &attachment, max, minutes(-1)),
            None
        );
        let mut changed = attachment.clone();
        changed.sha256 = "cd".repeat(32);
        assert_eq!(
            checkpoint.staged("uploads", &changed, max, minutes(1)),
            None
        );
        checkpoint
            .stage("uploads", &attachment, "tok-2", minutes(60))
            .expect("stage again");
        assert_eq!(
            checkpoint.staged("uploads", &attachment, max, minutes(61)),
            Some("tok-2".to_owned())
        );
        assert_eq!(
            checkpoint
                .get("uploads")
                .and_then(|v| v.as_array())
                .map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let secret = Secret::new("hunter2-FAKE");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
