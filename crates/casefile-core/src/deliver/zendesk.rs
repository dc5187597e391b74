//! The Zendesk channel: uploads each attachment, then creates an agent-side ticket
//! (`POST /api/v2/tickets` with an `Idempotency-Key`) or an end-user request
//! (`POST /api/v2/requests`).
//!
//! Steps and what survives a crash between them:
//! 1. each attachment goes up as a raw body (`POST /api/v2/uploads?filename=…`, streamed from disk
//!    with its length and its own content type); its token and the time are recorded in the
//!    checkpoint (`uploads`) at once, and a retry reuses tokens younger than 55 minutes (Zendesk
//!    keeps them 60) instead of uploading again;
//! 2. the ticket is created with the tokens. In `ticket` mode the submission id is the
//!    `Idempotency-Key`, so a retry after a lost answer gets the first ticket back
//!    (`x-idempotency-lookup: hit`) instead of a second one; `external_id` is the case code, which
//!    [`Transport::find_existing`] looks up. In `request` mode Zendesk has no idempotency, so the
//!    outbox's look-up (a request search for the case code) is what prevents duplicates; an
//!    anonymous channel cannot search, so there a retry after a lost answer may file a second
//!    request.
//!
//! Upload tokens the server no longer knows (expired early, already used) make Zendesk refuse the
//! ticket (422 on `uploads`); the channel then uploads the files again once and retries, in
//! `ticket` mode under a new idempotency key (`<submission id>.u<time>`, recorded in the checkpoint
//! before it is used), since Zendesk may keep the refusal under the old key and would answer the
//! new body with `IdempotentRequestError`. When that error comes anyway (an earlier attempt used
//! the key with other tokens), the ticket is looked up by `external_id`.
//!
//! URLs for people: `<url>/agent/tickets/<id>` (ticket) and `<url>/hc/requests/<id>` (request).
//! `check()` reads `GET /api/v2/users/me.json` and creates nothing; an end-user account is refused
//! for `ticket` mode.

use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};

use super::channel::{ZendeskConfig, ZendeskMode};
use super::http::{Auth, Http, Reply, account_url, query_encode, secret_advice};
use super::{
    Attachment, Checkpoint, Delivered, DeliveryError, Progress, Secret, Submission, Transport,
};

/// Zendesk's per-file upload cap.
pub const ZENDESK_MAX_UPLOAD: u64 = 50 * 1024 * 1024;

/// How long a recorded upload token is reused (Zendesk keeps unused uploads for 60 minutes).
const TOKEN_REUSE: Duration = Duration::from_secs(55 * 60);

/// The checkpoint key of the upload tokens (name, SHA-256, token, time per file).
const UPLOADS_KEY: &str = "uploads";

/// The checkpoint key of the `Idempotency-Key` in use when it is not the submission id.
const KEY_KEY: &str = "zendesk_idempotency_key";

const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];
const TYPES: [&str; 4] = ["problem", "incident", "question", "task"];

/// A configured Zendesk channel.
pub struct ZendeskTransport {
    config: ZendeskConfig,
    http: Http,
    /// The account URL without a trailing `/` or `/api/v2`.
    account: String,
}

impl fmt::Debug for ZendeskTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZendeskTransport")
            .field("url", &self.account)
            .field("mode", &self.config.mode)
            .field("email", &self.config.email)
            .field("anonymous", &self.config.anonymous)
            .finish_non_exhaustive()
    }
}

impl ZendeskTransport {
    /// Opens the channel. `secret` is the API token (with `email`: `{email}/token:{secret}` Basic
    /// auth) or an OAuth bearer token (without `email`); an anonymous request channel needs none.
    pub fn new(config: ZendeskConfig, secret: Option<Secret>) -> Result<Self, DeliveryError> {
        let bad = |what: String| DeliveryError::permanent(format!("zendesk channel: {what}"));
        for (id, priority) in &config.priorities {
            if !PRIORITIES.contains(&priority.as_str()) {
                return Err(bad(format!(
                    "priorities.{id} = {priority:?} is not a Zendesk priority; use one of {}",
                    PRIORITIES.join(", ")
                )));
            }
        }
        if let Some(kind) = &config.ticket_type
            && !TYPES.contains(&kind.as_str())
        {
            return Err(bad(format!(
                "ticket_type = {kind:?} is not a Zendesk ticket type; use one of {}",
                TYPES.join(", ")
            )));
        }
        let auth = if config.anonymous {
            if config.mode != ZendeskMode::Request {
                return Err(bad(
                    "anonymous = true only works with mode = \"request\" (tickets need an agent's credentials)".to_owned(),
                ));
            }
            Auth::None
        } else {
            let secret = secret.ok_or_else(|| {
                bad(format!(
                    "it needs an API token: {}",
                    secret_advice(config.secret.as_deref())
                ))
            })?;
            match &config.email {
                Some(email) if !email.trim().is_empty() => Auth::Basic {
                    user: format!("{}/token", email.trim()),
                    secret,
                },
                _ => Auth::Bearer(secret),
            }
        };
        let account = account_url(&config.url, "/api/v2");
        let http = Http::new(
            "Zendesk",
            &account,
            auth,
            config.ca_file.as_deref(),
            config.timeout.map(|timeout| timeout.0),
        )?;
        Ok(ZendeskTransport {
            config,
            http,
            account,
        })
    }

    fn max_size(&self) -> u64 {
        self.config
            .max_size
            .map(|size| size.0)
            .unwrap_or(ZENDESK_MAX_UPLOAD)
    }

    fn fail(&self, reply: &Reply, doing: &str) -> DeliveryError {
        self.http
            .error_explained(reply, doing, self.config.secret.as_deref(), explain(reply))
    }

    /// The Zendesk priority for the submission's level.
    fn priority(&self, submission: &Submission) -> &str {
        match self.config.priorities.get(&submission.priority.id) {
            Some(priority) => priority,
            None => PRIORITIES[submission.priority.four_step().min(3)],
        }
    }

    /// The tags: the case code and the configured ones, as Zendesk stores them.
    fn tags(&self, submission: &Submission) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for tag in std::iter::once(&submission.case_code).chain(&self.config.tags) {
            let tag = zendesk_tag(tag);
            if !tag.is_empty() && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags
    }

    /// Uploads every attachment that has no young token in the checkpoint; returns the tokens
    /// in attachment order.
    fn upload_all(
        &self,
        submission: &Submission,
        checkpoint: &mut Checkpoint<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<String>, DeliveryError> {
        let mut tokens = Vec::with_capacity(submission.attachments.len());
        for attachment in &submission.attachments {
            let now = chrono::Utc::now();
            if let Some(token) = checkpoint.staged(UPLOADS_KEY, attachment, TOKEN_REUSE, now) {
                tokens.push(token);
                continue;
            }
            let token = self.upload(attachment, progress)?;
            checkpoint.stage(UPLOADS_KEY, attachment, &token, chrono::Utc::now())?;
            tokens.push(token);
        }
        Ok(tokens)
    }

    fn upload(
        &self,
        attachment: &Attachment,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<String, DeliveryError> {
        let name = file_name(&attachment.name);
        let path = format!("/api/v2/uploads.json?filename={}", query_encode(&name));
        let doing = format!("uploading {name}");
        let reply = self.http.post_file(
            &path,
            &attachment.content_type,
            &attachment.path,
            attachment.size,
            &[],
            &doing,
            progress,
        )?;
        if !reply.ok() {
            return Err(self.fail(&reply, &doing));
        }
        let body = reply.json(self.http.service())?;
        body.pointer("/upload/token")
            .and_then(Value::as_str)
            .filter(|token| !token.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                DeliveryError::retryable(format!(
                    "{} accepted {name} but its answer has no upload.token: {}",
                    self.http.service(),
                    reply.excerpt()
                ))
            })
    }

    fn ticket_body(&self, submission: &Submission, tokens: &[String]) -> Value {
        let mut ticket = json!({
            "subject": submission.subject,
            "comment": {"body": submission.text, "public": true, "uploads": tokens},
            "priority": self.priority(submission),
            "tags": self.tags(submission),
            "external_id": submission.case_code,
        });
        if let Some(requester) = requester(submission) {
            ticket["requester"] = requester;
        }
        if let Some(kind) = &self.config.ticket_type {
            ticket["type"] = json!(kind);
        }
        json!({ "ticket": ticket })
    }

    fn request_body(
        &self,
        submission: &Submission,
        tokens: &[String],
    ) -> Result<Value, DeliveryError> {
        let mut request = json!({
            "subject": submission.subject,
            "comment": {"body": submission.text, "uploads": tokens},
        });
        if self.config.anonymous {
            let requester = requester(submission).ok_or_else(|| {
                DeliveryError::permanent(
                    "an anonymous Zendesk request needs the contact's e-mail address: fill in the contact e-mail in the request",
                )
            })?;
            request["requester"] = requester;
        }
        Ok(json!({ "request": request }))
    }

    /// Creates the ticket or request; `key` is the ticket's `Idempotency-Key`.
    fn create(
        &self,
        submission: &Submission,
        tokens: &[String],
        key: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reply, DeliveryError> {
        let (path, body, step) = match self.config.mode {
            ZendeskMode::Ticket => (
                "/api/v2/tickets.json",
                self.ticket_body(submission, tokens),
                "creating the ticket",
            ),
            ZendeskMode::Request => (
                "/api/v2/requests.json",
                self.request_body(submission, tokens)?,
                "creating the request",
            ),
        };
        progress(Progress {
            step: step.to_owned(),
            sent: 0,
            total: 0,
        });
        let key = [("Idempotency-Key", key)];
        let headers: &[(&str, &str)] = match self.config.mode {
            ZendeskMode::Ticket if !key[0].1.is_empty() => &key,
            _ => &[],
        };
        self.http.post_json(path, &body, headers)
    }

    fn delivered(&self, id: &str, how: &str) -> Delivered {
        let (what, url) = match self.config.mode {
            ZendeskMode::Ticket => ("ticket", format!("{}/agent/tickets/{id}", self.account)),
            ZendeskMode::Request => ("request", format!("{}/hc/requests/{id}", self.account)),
        };
        Delivered {
            ticket_id: Some(id.to_owned()),
            url: Some(url),
            detail: format!("Zendesk {what} #{id} {how}"),
        }
    }
}

impl Transport for ZendeskTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        let reply = self.http.get("/api/v2/users/me.json", &[])?;
        if !reply.ok() {
            return Err(self.fail(&reply, "reading the signed-in user"));
        }
        let body = reply.json(self.http.service())?;
        let user = body.get("user").cloned().unwrap_or(Value::Null);
        let role = user
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        if self.config.anonymous {
            return Ok(format!(
                "{}: reachable; requests are sent anonymously (the account must let anyone submit)",
                self.http.service()
            ));
        }
        if user.get("id").is_none_or(Value::is_null) {
            return Err(DeliveryError::permanent(format!(
                "{} did not recognise the credentials (it answered as an anonymous user): {}",
                self.http.service(),
                secret_advice(self.config.secret.as_deref())
            )));
        }
        if self.config.mode == ZendeskMode::Ticket && role == "end-user" {
            return Err(DeliveryError::permanent(format!(
                "{}: the account is an end user, which cannot create tickets; use an agent's token or set mode = \"request\"",
                self.http.service()
            )));
        }
        let name = user.get("name").and_then(Value::as_str).unwrap_or("?");
        let email = user.get("email").and_then(Value::as_str).unwrap_or("?");
        let mode = match self.config.mode {
            ZendeskMode::Ticket => "tickets",
            ZendeskMode::Request => "end-user requests",
        };
        Ok(format!(
            "{}: authenticated as {name} <{email}> ({role}); creates {mode}",
            self.http.service()
        ))
    }

    fn max_attachment(&self) -> Option<u64> {
        Some(self.max_size())
    }

    fn find_existing(&self, submission: &Submission) -> Result<Option<Delivered>, DeliveryError> {
        let code = submission.case_code.as_str();
        if code.is_empty() {
            return Ok(None);
        }
        match self.config.mode {
            ZendeskMode::Ticket => {
                let path = format!("/api/v2/tickets.json?external_id={}", query_encode(code));
                let reply = self.http.get(&path, &[])?;
                if !reply.ok() {
                    return Err(self.fail(&reply, "looking the case code up"));
                }
                let body = reply.json(self.http.service())?;
                let found = body
                    .get("tickets")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|ticket| {
                        ticket.get("external_id").and_then(Value::as_str) == Some(code)
                    })
                    .find_map(|ticket| id_of(ticket.get("id")?));
                Ok(found.map(|id| self.delivered(&id, "found: an earlier attempt created it")))
            }
            ZendeskMode::Request if self.config.anonymous => Ok(None),
            ZendeskMode::Request => {
                let path = format!("/api/v2/requests/search.json?query={}", query_encode(code));
                let reply = self.http.get(&path, &[])?;
                if !reply.ok() {
                    return Err(self.fail(&reply, "looking the case code up"));
                }
                let body = reply.json(self.http.service())?;
                let found = body
                    .get("requests")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|request| {
                        request
                            .get("subject")
                            .and_then(Value::as_str)
                            .is_some_and(|subject| subject.contains(code))
                    })
                    .find_map(|request| id_of(request.get("id")?));
                Ok(found.map(|id| self.delivered(&id, "found: an earlier attempt created it")))
            }
        }
    }

    fn deliver(
        &self,
        submission: &Submission,
        checkpoint: &mut Checkpoint<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError> {
        let max = self.max_size();
        if let Some(big) = submission.attachments.iter().find(|a| a.size > max) {
            return Err(DeliveryError::permanent(format!(
                "{} is {} bytes; Zendesk takes at most {max} bytes per file: make a smaller bundle (--budget) or use another channel",
                big.name, big.size
            )));
        }
        let what = match self.config.mode {
            ZendeskMode::Ticket => "creating the ticket",
            ZendeskMode::Request => "creating the request",
        };
        let mut key = checkpoint
            .get(KEY_KEY)
            .and_then(Value::as_str)
            .unwrap_or(&submission.id)
            .to_owned();
        let mut tokens = self.upload_all(submission, checkpoint, progress)?;
        let mut reply = self.create(submission, &tokens, &key, progress)?;
        if !tokens.is_empty() && refuses_uploads(&reply) {
            // The server no longer knows a token (expired early, or used by a ticket whose
            // answer was lost, which the outbox's look-up before this attempt did not find):
            // upload the files again, once. The refused create made nothing, but Zendesk may
            // keep its answer under the key, so the new body goes with a new key, recorded
            // before it is used so that a later attempt repeats it.
            checkpoint.remove(UPLOADS_KEY)?;
            tokens = self.upload_all(submission, checkpoint, progress)?;
            if !submission.id.is_empty() {
                key = format!(
                    "{}.u{}",
                    submission.id,
                    chrono::Utc::now().format("%Y%m%d%H%M%S")
                );
                checkpoint.set(KEY_KEY, json!(key))?;
            }
            reply = self.create(submission, &tokens, &key, progress)?;
        }
        if reply.status == 400 && error_code(&reply) == Some("IdempotentRequestError") {
            // The key was used with another body (new upload tokens after an earlier attempt
            // created the ticket): the ticket exists, find it.
            if let Some(found) = self.find_existing(submission)? {
                return Ok(found);
            }
            return Err(DeliveryError::permanent(format!(
                "{} refused the ticket: an earlier attempt used the idempotency key {} with other content, and no ticket with external_id {} was found; look for the case code in Zendesk before sending again",
                self.http.service(),
                submission.id,
                submission.case_code
            )));
        }
        if !reply.ok() {
            return Err(self.fail(&reply, what));
        }
        let body = reply.json(self.http.service())?;
        let object = match self.config.mode {
            ZendeskMode::Ticket => "ticket",
            ZendeskMode::Request => "request",
        };
        let id = body
            .get(object)
            .and_then(|object| id_of(object.get("id")?))
            .ok_or_else(|| {
                DeliveryError::permanent(format!(
                    "{} answered {} but named no {object} id: {}; look for case code {} in Zendesk before sending again",
                    self.http.service(),
                    reply.status,
                    reply.excerpt(),
                    submission.case_code
                ))
            })?;
        let replayed = reply.header("x-idempotency-lookup") == Some("hit");
        let files = submission.attachments.len();
        let how = if replayed {
            format!("created by an earlier attempt (idempotency key replayed), {files} file(s)")
        } else {
            format!("created with {files} file(s)")
        };
        Ok(self.delivered(&id, &how))
    }
}

/// The requester object, when the submission has an e-mail address.
fn requester(submission: &Submission) -> Option<Value> {
    let email = submission.requester.email.trim();
    if email.is_empty() {
        return None;
    }
    let name = submission.requester.name.trim();
    Some(json!({"name": if name.is_empty() { email } else { name }, "email": email}))
}

/// An id that may be a number or a string, as text; only digits are accepted (ids go into URLs).
fn id_of(value: &Value) -> Option<String> {
    let text = match value {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.clone(),
        _ => return None,
    };
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// Zendesk's `error` field.
fn error_code(reply: &Reply) -> Option<&'static str> {
    let body: Value = serde_json::from_slice(&reply.body).ok()?;
    match body.get("error")?.as_str()? {
        "IdempotentRequestError" => Some("IdempotentRequestError"),
        "RecordInvalid" => Some("RecordInvalid"),
        _ => None,
    }
}

/// Whether a 422 is about the comment's upload tokens.
fn refuses_uploads(reply: &Reply) -> bool {
    if reply.status != 422 {
        return false;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&reply.body) else {
        return false;
    };
    body.pointer("/details/uploads").is_some()
}

/// Zendesk's own account of a refusal: `error`, `description` and each validation detail.
fn explain(reply: &Reply) -> Option<String> {
    let body: Value = serde_json::from_slice(&reply.body).ok()?;
    let mut parts: Vec<String> = Vec::new();
    match (body.get("error"), body.get("description")) {
        (Some(Value::String(error)), Some(Value::String(description))) => {
            parts.push(format!("{error}: {description}"));
        }
        (Some(Value::String(error)), _) => parts.push(error.clone()),
        _ => return None,
    }
    if let Some(details) = body.get("details").and_then(Value::as_object) {
        for (field, problems) in details {
            for problem in problems.as_array().into_iter().flatten() {
                if let Some(text) = problem.get("description").and_then(Value::as_str) {
                    parts.push(format!("{field}: {text}"));
                }
            }
        }
    }
    Some(parts.join("; "))
}

/// A tag as Zendesk stores it: lower case, and only letters, digits, `_`, `-`, `/` and `:`
/// (anything else becomes `_`; Zendesk would split at spaces).
pub(crate) fn zendesk_tag(text: &str) -> String {
    let tag: String = text
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | ':') {
                c
            } else {
                '_'
            }
        })
        .collect();
    tag.trim_matches('_').to_owned()
}

/// The last component of a name (Zendesk refuses a `filename` that holds a path).
fn file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    if last.is_empty() {
        "attachment.bin".to_owned()
    } else {
        last.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ZendeskConfig {
        ZendeskConfig {
            url: "https://acme.zendesk.com/api/v2/".into(),
            mode: ZendeskMode::Ticket,
            email: Some("agent@example.test".into()),
            anonymous: false,
            secret: Some("zendesk".into()),
            priorities: Default::default(),
            ticket_type: None,
            tags: vec!["Vendor Support".into(), "cf-7k2m-9qxd".into()],
            ca_file: None,
            max_size: None,
            timeout: None,
        }
    }

    fn submission(rank: usize) -> Submission {
        Submission::example("CF-7K2M-9QXD.zendesk", rank, 4)
    }

    #[test]
    fn the_ticket_carries_case_code_tags_priority_and_external_id() {
        let mut config = config();
        config.priorities.insert("P2".into(), "urgent".into());
        config.ticket_type = Some("problem".into());
        let transport = ZendeskTransport::new(config, Some(Secret::new("FAKE-zd"))).expect("open");
        let body = transport.ticket_body(&submission(3), &["tok".into()]);
        assert_eq!(body["ticket"]["priority"], "low");
        assert_eq!(body["ticket"]["type"], "problem");
        assert_eq!(body["ticket"]["external_id"], "CF-7K2M-9QXD");
        assert_eq!(
            body["ticket"]["tags"],
            json!(["cf-7k2m-9qxd", "vendor_support"])
        );
        assert_eq!(body["ticket"]["comment"]["uploads"], json!(["tok"]));
        assert_eq!(body["ticket"]["requester"]["email"], "ada@example.test");
        let mapped = transport.ticket_body(&submission(1), &[]);
        assert_eq!(mapped["ticket"]["priority"], "urgent");
        assert_eq!(transport.account, "https://acme.zendesk.com");
    }

    #[test]
    fn bad_priorities_types_and_anonymous_tickets_are_config_errors() {
        let mut bad = config();
        bad.priorities.insert("P1".into(), "critical".into());
        let error = ZendeskTransport::new(bad, Some(Secret::new("x"))).expect_err("priority");
        assert!(error.message.contains("priorities.P1"), "{error}");
        let mut bad = config();
        bad.ticket_type = Some("bug".into());
        assert!(ZendeskTransport::new(bad, Some(Secret::new("x"))).is_err());
        let mut bad = config();
        bad.anonymous = true;
        let error = ZendeskTransport::new(bad, None).expect_err("anonymous ticket");
        assert!(error.message.contains("mode = \"request\""), "{error}");
        let error = ZendeskTransport::new(config(), None).expect_err("no secret");
        assert!(
            error.message.contains("casefile secret set zendesk"),
            "{error}"
        );
    }

    #[test]
    fn tags_and_file_names_are_made_acceptable_to_zendesk() {
        assert_eq!(zendesk_tag("CF-7K2M-9QXD"), "cf-7k2m-9qxd");
        assert_eq!(zendesk_tag(" Vendor Support! "), "vendor_support");
        assert_eq!(file_name("bundle/CF-1.zip"), "CF-1.zip");
        assert_eq!(file_name("C:\\x\\CF-1.zip"), "CF-1.zip");
        assert_eq!(file_name("/"), "attachment.bin");
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let transport =
            ZendeskTransport::new(config(), Some(Secret::new("FAKE-zd-debug"))).expect("open");
        assert!(!format!("{transport:?}").contains("FAKE-zd-debug"));
    }
}
