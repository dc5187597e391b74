//! The Request Tracker channel: one ticket per submission through RT's REST 2 API (RT 4.4+, 5).
//!
//! **Create.** One `POST /ticket` as `multipart/form-data`: a `JSON` part with `Queue`, `Subject`
//! (which starts with the case code), `Requestor`, `Content` (the request as text), `Priority` and
//! the configured `CustomFields`, and one `Attachments` file part per attachment, streamed from
//! disk (no base64, a `Content-Length` known up front). RT answers `201 {"id": "42"}`; the ticket id
//! is recorded in the [`Checkpoint`] at once.
//!
//! **Verify and repair.** After the create, the ticket's attachments are listed and each of ours
//! must be there under its name with its exact size. Whatever is missing (RT creates a ticket and
//! its attachments together, so this should not happen, but a proxy or a full disk may disagree)
//! is uploaded again as a private comment on the same ticket and the list is read once more; if it
//! still does not add up the attempt fails as retryable. A later attempt never creates a second
//! ticket: [`deliver`](Transport::deliver) resumes from the checkpointed ticket, and
//! [`find_existing`](Transport::find_existing) finishes the same repair on the ticket it finds, so
//! either order the outbox calls them in ends with one complete ticket.
//!
//! **Find.** `GET /tickets?query=Queue = 'Q' AND Subject LIKE 'CF-…'`, newest first; the first
//! ticket whose subject holds the case code as a whole word is the one an earlier attempt made.
//! This is what keeps a retry after a crash or a lost reply from creating a second ticket.
//!
//! **Check.** `GET /rt` (the version) and `GET /queue/<queue>`: the queue exists, the account can
//! see it, and RT offers it the `create` link, which RT shows only to accounts with the
//! `CreateTicket` right. The configured custom fields must be ticket custom fields of that queue.
//! Nothing is created.
//!
//! **URL.** `url` is the REST 2 base (`https://rt.example.com/REST/2.0`); an RT web root
//! (`https://rt.example.com`) is accepted too and `/REST/2.0` added. The ticket's web page is the
//! web root + `/Ticket/Display.html?id=N`.
//!
//! **Priority.** The channel's `priorities` table maps the vendor's priority id to RT's
//! `Priority` (`High`, `Medium`, `Low`, or a number); an unmapped level takes its place on the
//! four-step scale: the two most severe steps are `High`, then `Medium`, then `Low`.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value, json};

use super::channel::RtConfig;
use super::http::{Auth, Http, Multipart, Reply};
use super::{
    Attachment, Checkpoint, Delivered, DeliveryError, Progress, Secret, Submission, Transport,
};

/// The checkpoint key holding the id of the ticket this submission created.
const TICKET_KEY: &str = "rt_ticket";

/// How many pages of a ticket's attachment list are read at most (100 each).
const MAX_PAGES: u64 = 50;

/// How this attempt came to the ticket it reports.
#[derive(Debug, Clone, Copy)]
enum Origin {
    /// This attempt created it.
    Created,
    /// An earlier attempt of `deliver` created it (the checkpoint says so).
    Resumed,
    /// The case code search found it.
    Found,
}

/// A configured Request Tracker channel.
pub struct RtTransport {
    config: RtConfig,
    http: Http,
    /// The RT web root, without a trailing slash (`https://rt.example.com`).
    web: String,
}

impl fmt::Debug for RtTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtTransport")
            .field("url", &self.http.base())
            .field("queue", &self.config.queue)
            .field("username", &self.config.username)
            .finish_non_exhaustive()
    }
}

impl RtTransport {
    /// Opens the channel. `secret` is the auth token (`Authorization: token …`), or the password
    /// when the configuration has a `username`; without it the channel cannot be opened.
    pub fn new(config: RtConfig, secret: Option<Secret>) -> Result<Self, DeliveryError> {
        let (rest, web) = split_url(&config.url);
        let secret = secret.ok_or_else(|| {
            let what = if config.username.is_some() {
                "the password"
            } else {
                "an auth token (RT: Settings > Auth Tokens)"
            };
            DeliveryError::permanent(format!(
                "the Request Tracker channel at {} has no secret: it needs {what}; {}",
                config.url,
                secret_advice(config.secret.as_deref())
            ))
        })?;
        let auth = match &config.username {
            Some(user) => Auth::Basic {
                user: user.clone(),
                secret,
            },
            None => Auth::Scheme("token", secret),
        };
        let http = Http::new(
            "Request Tracker",
            &rest,
            auth,
            config.ca_file.as_deref(),
            config.timeout.map(|timeout| timeout.0),
        )?;
        Ok(RtTransport { config, http, web })
    }

    /// The web page of ticket `id`.
    fn ticket_url(&self, id: &str) -> String {
        format!("{}/Ticket/Display.html?id={id}", self.web)
    }

    /// Turns a refusal into an error, with RT-specific advice for 401 and for 403, which names
    /// `right`, the RT right the request needs on the queue.
    fn refused(&self, reply: &Reply, doing: &str, right: &str) -> DeliveryError {
        let service = format!("Request Tracker at {}", self.http.base());
        let excerpt = reply.excerpt();
        match reply.status {
            401 => DeliveryError::permanent(self.http.scrub(format!(
                "{service} answered 401 while {doing}: {excerpt}; the credentials were refused: {}{}",
                secret_advice(self.config.secret.as_deref()),
                match &self.config.username {
                    Some(user) => format!(", and check the user name {user:?} in the channel"),
                    None => String::new(),
                }
            ))),
            403 => DeliveryError::permanent(self.http.scrub(format!(
                "{service} answered 403 while {doing}: {excerpt}; check the channel's queue {:?} (the name as RT spells it) and that the account has the {right} right on it",
                self.config.queue
            ))),
            // 401 is handled above, so the secret name Http::error would advise on is unused.
            _ => self
                .http
                .error(reply, doing, self.config.secret.as_deref().unwrap_or("CHANNEL")),
        }
    }

    /// `GET path` as JSON, a non-2xx answer turned into an error.
    fn get_json(&self, path: &str, doing: &str, right: &str) -> Result<Value, DeliveryError> {
        let reply = self.http.get(path, &[])?;
        if !reply.ok() {
            return Err(self.refused(&reply, doing, right));
        }
        reply.json(&format!("Request Tracker at {}", self.http.base()))
    }

    /// Refuses attachments over the configured limit before anything is sent.
    fn check_sizes(&self, submission: &Submission) -> Result<(), DeliveryError> {
        let Some(limit) = self.max_attachment() else {
            return Ok(());
        };
        match submission.attachments.iter().find(|a| a.size > limit) {
            Some(big) => Err(DeliveryError::permanent(format!(
                "{} is {} bytes, over the {limit} bytes this Request Tracker channel takes (max_size): make a smaller bundle (--budget) or raise max_size if RT accepts more",
                big.name, big.size
            ))),
            None => Ok(()),
        }
    }

    /// Creates the ticket; returns its id.
    fn create(
        &self,
        submission: &Submission,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<String, DeliveryError> {
        let fields = ticket_json(&self.config, submission);
        let mut form = Multipart::new(&submission.id);
        form.typed(
            "JSON",
            fields.to_string().as_bytes(),
            Some("application/json"),
        );
        add_files(&mut form, submission.attachments.iter())?;
        let step = format!(
            "creating the Request Tracker ticket for {}",
            submission.case_code
        );
        let reply = self
            .http
            .post_multipart("/ticket", &form, &[], &step, progress)?;
        if !reply.ok() {
            return Err(self.refused(&reply, "creating the ticket", "CreateTicket"));
        }
        let body = reply.json(&format!("Request Tracker at {}", self.http.base()))?;
        id_of(&body).ok_or_else(|| {
            DeliveryError::retryable(format!(
                "Request Tracker at {} answered {} to the ticket creation without a ticket id: {}; the next attempt looks the ticket up by its case code before creating another",
                self.http.base(),
                reply.status,
                reply.excerpt()
            ))
        })
    }

    /// The ticket's attachments as (file name, size).
    fn attachments(&self, id: &str) -> Result<Vec<(String, u64)>, DeliveryError> {
        let mut found = Vec::new();
        let mut page = 1;
        loop {
            let body = self.get_json(
                &format!(
                    "/ticket/{id}/attachments?fields=Filename,ContentLength&per_page=100&page={page}"
                ),
                &format!("listing the attachments of ticket {id}"),
                "ShowTicket",
            )?;
            for item in body["items"].as_array().into_iter().flatten() {
                let name = item["Filename"].as_str().unwrap_or_default();
                if name.is_empty() {
                    continue;
                }
                let size = match &item["ContentLength"] {
                    Value::String(text) => text.trim().parse().ok(),
                    other => other.as_u64(),
                };
                if let Some(size) = size {
                    found.push((name.to_owned(), size));
                }
            }
            let pages = body["pages"].as_f64().unwrap_or(1.0);
            if (page as f64) >= pages || page >= MAX_PAGES {
                return Ok(found);
            }
            page += 1;
        }
    }

    /// Checks that ticket `id` holds every attachment of `submission`, uploads what is missing as a
    /// comment, and reports the ticket.
    fn complete(
        &self,
        id: &str,
        submission: &Submission,
        how: Origin,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError> {
        let mut notes = Vec::new();
        let missing = missing(&submission.attachments, &self.attachments(id)?);
        if !missing.is_empty() {
            let names = list(missing.iter().map(|a| a.name.as_str()));
            let mut form = Multipart::new(&submission.id);
            let comment = json!({
                "Content": format!(
                    "Casefile {}: attaching {names}, which the ticket did not hold after it was created.",
                    submission.case_code
                ),
                "ContentType": "text/plain",
            });
            form.typed(
                "JSON",
                comment.to_string().as_bytes(),
                Some("application/json"),
            );
            add_files(&mut form, missing.iter().copied())?;
            let step = format!("attaching {names} to Request Tracker ticket {id}");
            let reply = self.http.post_multipart(
                &format!("/ticket/{id}/comment"),
                &form,
                &[],
                &step,
                progress,
            )?;
            if !reply.ok() {
                return Err(self.refused(
                    &reply,
                    &format!("attaching {names} to ticket {id}"),
                    "CommentOnTicket",
                ));
            }
            let still = missing_names(&submission.attachments, &self.attachments(id)?);
            if !still.is_empty() {
                return Err(DeliveryError::retryable(format!(
                    "Request Tracker ticket {id} at {} still lacks {still} (or holds it with another size) after uploading it again; the next attempt uploads it again to the same ticket",
                    self.ticket_url(id)
                )));
            }
            notes.push(format!("{names} attached again as a comment"));
        }
        notes.extend(self.field_warnings(id)?);
        let count = submission.attachments.len();
        let mut detail = format!(
            "{} ticket {id} in queue {}{}, {count} attachment{} verified",
            match how {
                Origin::Created => "created",
                Origin::Resumed => "completed",
                Origin::Found => "found",
            },
            self.config.queue,
            match how {
                Origin::Found => " (made by an earlier attempt)",
                _ => "",
            },
            if count == 1 { "" } else { "s" }
        );
        if !notes.is_empty() {
            detail.push_str("; ");
            detail.push_str(&notes.join("; "));
        }
        Ok(Delivered {
            ticket_id: Some(id.to_owned()),
            url: Some(self.ticket_url(id)),
            detail,
        })
    }

    /// Reads the ticket back and names the custom fields RT did not take (RT ignores unknown
    /// fields and values outside a select list without saying so).
    fn field_warnings(&self, id: &str) -> Result<Vec<String>, DeliveryError> {
        if self.config.custom_fields.is_empty() {
            return Ok(Vec::new());
        }
        let ticket = self.get_json(
            &format!("/ticket/{id}"),
            &format!("reading ticket {id}"),
            "ShowTicket",
        )?;
        let mut have: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for field in ticket["CustomFields"].as_array().into_iter().flatten() {
            let name = field["name"].as_str().unwrap_or_default().to_owned();
            let values = field["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            have.insert(name, values);
        }
        Ok(self
            .config
            .custom_fields
            .iter()
            .filter(|(name, value)| {
                !have
                    .get(name.as_str())
                    .is_some_and(|values| values.iter().any(|v| v == *value))
            })
            .map(|(name, value)| {
                format!(
                    "RT did not set custom field {name:?} to {value:?} (check the field's name and allowed values in queue {})",
                    self.config.queue
                )
            })
            .collect())
    }
}

impl Transport for RtTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        let about = self.get_json("/rt", "asking for its version", "SeeQueue")?;
        let version = about["Version"].as_str().unwrap_or("(version not given)");
        let reply = self
            .http
            .get(&format!("/queue/{}", encode(&self.config.queue)), &[])?;
        if reply.status == 404 {
            return Err(DeliveryError::permanent(format!(
                "Request Tracker at {} has no queue {:?} that this account can see: check the channel's queue (the name as RT spells it) and the account's SeeQueue right",
                self.http.base(),
                self.config.queue
            )));
        }
        if !reply.ok() {
            return Err(self.refused(
                &reply,
                &format!("looking up queue {:?}", self.config.queue),
                "SeeQueue",
            ));
        }
        let queue = reply.json(&format!("Request Tracker at {}", self.http.base()))?;
        let can_create = queue["_hyperlinks"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|link| link["ref"] == "create" && link["type"] == "ticket");
        if !can_create {
            return Err(DeliveryError::permanent(format!(
                "Request Tracker at {}: the account may not create tickets in queue {:?}; ask the RT administrator for the CreateTicket right on it",
                self.http.base(),
                self.config.queue
            )));
        }
        let fields: Vec<&str> = queue["TicketCustomFields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|field| field["name"].as_str())
            .collect();
        let unknown: Vec<&str> = self
            .config
            .custom_fields
            .keys()
            .map(String::as_str)
            .filter(|name| !fields.contains(name))
            .collect();
        if !unknown.is_empty() {
            return Err(DeliveryError::permanent(format!(
                "Request Tracker queue {:?} has no ticket custom field {}: fix custom_fields in the channel (the queue has {})",
                self.config.queue,
                list(unknown.into_iter()),
                if fields.is_empty() {
                    "none".to_owned()
                } else {
                    list(fields.into_iter())
                }
            )));
        }
        Ok(format!(
            "Request Tracker {version} at {}, queue {}",
            self.http.base(),
            self.config.queue
        ))
    }

    fn max_attachment(&self) -> Option<u64> {
        self.config.max_size.map(|size| size.0)
    }

    fn find_existing(&self, submission: &Submission) -> Result<Option<Delivered>, DeliveryError> {
        let code = submission.case_code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        let query = format!(
            "Queue = '{}' AND Subject LIKE '{}'",
            sql_quote(&self.config.queue),
            sql_quote(code)
        );
        let body = self.get_json(
            &format!(
                "/tickets?query={}&orderby=id&order=DESC&per_page=100&fields=Subject",
                encode(&query)
            ),
            &format!("searching for a ticket with case code {code}"),
            "ShowTicket",
        )?;
        let found = body["items"].as_array().into_iter().flatten().find(|item| {
            item["Subject"]
                .as_str()
                .is_some_and(|subject| holds_code(subject, code))
        });
        let Some(id) = found.and_then(id_of) else {
            return Ok(None);
        };
        self.complete(&id, submission, Origin::Found, &mut |_| {})
            .map(Some)
    }

    fn deliver(
        &self,
        submission: &Submission,
        checkpoint: &mut Checkpoint<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError> {
        self.check_sizes(submission)?;
        let (id, how) = match checkpoint.get(TICKET_KEY).and_then(Value::as_str) {
            Some(id) => (id.to_owned(), Origin::Resumed),
            None => {
                let id = self.create(submission, progress)?;
                checkpoint.set(TICKET_KEY, Value::String(id.clone()))?;
                (id, Origin::Created)
            }
        };
        self.complete(&id, submission, how, progress)
    }
}

/// The REST 2 base and the web root of a configured `url`.
fn split_url(url: &str) -> (String, String) {
    let url = url.trim().trim_end_matches('/');
    let suffix = "/rest/2.0";
    if url.len() >= suffix.len()
        && url.is_char_boundary(url.len() - suffix.len())
        && url[url.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    {
        (url.to_owned(), url[..url.len() - suffix.len()].to_owned())
    } else {
        (format!("{url}/REST/2.0"), url.to_owned())
    }
}

/// The `JSON` part of the create request.
fn ticket_json(config: &RtConfig, submission: &Submission) -> Value {
    let mut fields = serde_json::Map::new();
    fields.insert("Queue".into(), json!(config.queue));
    fields.insert("Subject".into(), json!(submission.subject));
    if !submission.requester.email.trim().is_empty() {
        fields.insert("Requestor".into(), json!(submission.requester.email.trim()));
    }
    fields.insert("Content".into(), json!(submission.text));
    fields.insert("ContentType".into(), json!("text/plain"));
    fields.insert("Priority".into(), json!(priority(config, submission)));
    if !config.custom_fields.is_empty() {
        fields.insert("CustomFields".into(), json!(config.custom_fields));
    }
    Value::Object(fields)
}

/// RT's `Priority` for the submission's level.
fn priority(config: &RtConfig, submission: &Submission) -> String {
    if let Some(mapped) = config.priorities.get(&submission.priority.id) {
        return mapped.clone();
    }
    match submission.priority.four_step() {
        0 | 1 => "High",
        2 => "Medium",
        _ => "Low",
    }
    .to_owned()
}

/// Adds one `Attachments` file part per attachment.
fn add_files<'a>(
    form: &mut Multipart,
    attachments: impl Iterator<Item = &'a Attachment>,
) -> Result<(), DeliveryError> {
    for attachment in attachments {
        form.attachment("Attachments", attachment)?;
    }
    Ok(())
}

/// Our attachments the ticket does not hold (by name and size, each ticket file counted once).
fn missing<'a>(ours: &'a [Attachment], theirs: &[(String, u64)]) -> Vec<&'a Attachment> {
    let mut left: Vec<Option<&(String, u64)>> = theirs.iter().map(Some).collect();
    let mut missing = Vec::new();
    for attachment in ours {
        let slot = left.iter_mut().find(|slot| {
            slot.is_some_and(|(name, size)| *name == attachment.name && *size == attachment.size)
        });
        match slot {
            Some(slot) => *slot = None,
            None => missing.push(attachment),
        }
    }
    missing
}

fn missing_names(ours: &[Attachment], theirs: &[(String, u64)]) -> String {
    list(missing(ours, theirs).iter().map(|a| a.name.as_str()))
}

/// `a`, `a and b`, `a, b and c`.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The ticket `id` of an RT answer, which RT writes as a string or a number; only digits are
/// taken, since the id goes into URL paths.
fn id_of(body: &Value) -> Option<String> {
    let id = match &body["id"] {
        Value::String(id) => id.trim().to_owned(),
        Value::Number(id) => id.to_string(),
        _ => return None,
    };
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Whether `subject` holds `code` as a whole word (so `CF-AB` does not match `CF-ABC`).
fn holds_code(subject: &str, code: &str) -> bool {
    let subject = subject.to_ascii_uppercase();
    let code = code.to_ascii_uppercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
    subject.match_indices(&code).any(|(at, _)| {
        !word(subject[..at].chars().next_back()) && !word(subject[at + code.len()..].chars().next())
    })
}

/// A TicketSQL string literal's content: quotes and backslashes escaped.
fn sql_quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// How to set the channel's secret.
fn secret_advice(name: Option<&str>) -> String {
    match name {
        Some(name) => format!(
            "check the secret {name:?} (set it with `casefile secret set {name}` or the environment variable {})",
            super::secret_env_var(name)
        ),
        None => "check the channel's secret, named like the channel (set it with `casefile secret set CHANNEL` or the environment variable CASEFILE_SECRET_<CHANNEL>, CHANNEL being the channel's name)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn config() -> RtConfig {
        RtConfig {
            url: "http://127.0.0.1:9/REST/2.0".into(),
            queue: "Support".into(),
            username: None,
            secret: Some("helpdesk".into()),
            priorities: BTreeMap::new(),
            custom_fields: BTreeMap::new(),
            ca_file: None,
            max_size: None,
            timeout: None,
        }
    }

    fn submission(rank: usize, levels: usize) -> Submission {
        Submission::example("CF-7K2M-9QXD.helpdesk", rank, levels)
    }

    fn attachment(name: &str, size: u64) -> Attachment {
        Attachment {
            name: name.into(),
            path: PathBuf::from("/nonexistent"),
            content_type: "application/zip".into(),
            size,
            sha256: String::new(),
        }
    }

    #[test]
    fn unmapped_priorities_fall_to_high_medium_low_on_the_four_step_scale() {
        let names: Vec<String> = (0..4)
            .map(|rank| priority(&config(), &submission(rank, 4)))
            .collect();
        assert_eq!(names, ["High", "High", "Medium", "Low"]);
    }

    #[test]
    fn the_priorities_table_wins_over_the_scale() {
        let mut config = config();
        config.priorities.insert("P1".into(), "90".into());
        assert_eq!(priority(&config, &submission(0, 4)), "90");
        assert_eq!(priority(&config, &submission(1, 4)), "High");
    }

    #[test]
    fn the_ticket_json_carries_queue_subject_requestor_text_priority_and_custom_fields() {
        let mut config = config();
        config
            .custom_fields
            .insert("Urgency".into(), "Critical".into());
        let fields = ticket_json(&config, &submission(3, 4));
        assert_eq!(
            fields,
            json!({
                "Queue": "Support",
                "Subject": "[CF-7K2M-9QXD] Agent stopped reporting",
                "Requestor": "ada@example.test",
                "Content": "The agent stopped.",
                "ContentType": "text/plain",
                "Priority": "Low",
                "CustomFields": {"Urgency": "Critical"},
            })
        );
        let mut anonymous = submission(3, 4);
        anonymous.requester.email = " ".into();
        assert!(ticket_json(&config, &anonymous).get("Requestor").is_none());
    }

    #[test]
    fn the_rest_base_and_the_web_root_come_from_either_form_of_url() {
        assert_eq!(
            split_url("https://rt.example.com/REST/2.0/"),
            (
                "https://rt.example.com/REST/2.0".to_owned(),
                "https://rt.example.com".to_owned()
            )
        );
        assert_eq!(
            split_url("https://rt.example.com/rt"),
            (
                "https://rt.example.com/rt/REST/2.0".to_owned(),
                "https://rt.example.com/rt".to_owned()
            )
        );
        let rt = RtTransport::new(config(), Some(Secret::new("FAKE-token-1"))).expect("open");
        assert_eq!(
            rt.ticket_url("42"),
            "http://127.0.0.1:9/Ticket/Display.html?id=42"
        );
    }

    #[test]
    fn ticket_ids_are_read_as_strings_or_numbers_and_only_digits_are_taken() {
        assert_eq!(id_of(&json!({"id": "42"})), Some("42".to_owned()));
        assert_eq!(id_of(&json!({"id": 7})), Some("7".to_owned()));
        assert_eq!(id_of(&json!({"id": "../queue/1"})), None);
        assert_eq!(id_of(&json!({"id": ""})), None);
        assert_eq!(id_of(&json!({"type": "ticket"})), None);
    }

    #[test]
    fn a_case_code_matches_only_as_a_whole_word() {
        assert!(holds_code("[CF-7K2M-9QXD] Agent down", "CF-7K2M-9QXD"));
        assert!(holds_code("Re: [cf-7k2m-9qxd] Agent down", "CF-7K2M-9QXD"));
        assert!(!holds_code("[CF-7K2M-9QXDZ] Agent down", "CF-7K2M-9QXD"));
        assert!(!holds_code("[XCF-7K2M-9QXD] Agent down", "CF-7K2M-9QXD"));
        assert!(!holds_code("Agent down", "CF-7K2M-9QXD"));
    }

    #[test]
    fn ticket_sql_literals_and_query_strings_are_escaped() {
        assert_eq!(sql_quote(r"O'Brien\x"), r"O\'Brien\\x");
        assert_eq!(
            encode("Queue = 'Support' AND Subject LIKE 'CF-1'"),
            "Queue%20%3D%20%27Support%27%20AND%20Subject%20LIKE%20%27CF-1%27"
        );
        assert_eq!(encode("Größe/1"), "Gr%C3%B6%C3%9Fe%2F1");
    }

    #[test]
    fn missing_attachments_are_matched_by_name_and_size_each_used_once() {
        let ours = [
            attachment("a.zip", 10),
            attachment("a.zip", 10),
            attachment("b.zip", 5),
        ];
        let theirs = [("a.zip".to_owned(), 10), ("b.zip".to_owned(), 4)];
        let names: Vec<(&str, u64)> = missing(&ours, &theirs)
            .iter()
            .map(|a| (a.name.as_str(), a.size))
            .collect();
        assert_eq!(names, [("a.zip", 10), ("b.zip", 5)]);
        assert!(missing(&ours[..1], &theirs).is_empty());
    }

    #[test]
    fn a_missing_secret_is_permanent_and_says_how_to_set_it() {
        let error = RtTransport::new(config(), None).expect_err("no secret");
        assert!(!error.is_retryable());
        assert!(
            error.message.contains("casefile secret set helpdesk"),
            "{error}"
        );
        assert!(
            error.message.contains("CASEFILE_SECRET_HELPDESK"),
            "{error}"
        );
        let mut unnamed = config();
        unnamed.secret = None;
        let error = RtTransport::new(unnamed, None).expect_err("no secret");
        assert!(
            error.message.contains("casefile secret set CHANNEL"),
            "{error}"
        );
    }

    #[test]
    fn debug_output_shows_where_but_never_the_secret() {
        let rt = RtTransport::new(config(), Some(Secret::new("FAKE-token-dbg"))).expect("open");
        let shown = format!("{rt:?}");
        assert!(shown.contains("Support"), "{shown}");
        assert!(!shown.contains("FAKE-token-dbg"), "{shown}");
    }
}
