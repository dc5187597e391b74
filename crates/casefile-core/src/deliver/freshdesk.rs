//! The Freshdesk channel: one ticket per submission through the Freshdesk API v2.
//!
//! **Create.** One `POST /api/v2/tickets` as `multipart/form-data` with a `Content-Length` known
//! up front: `email` and `name` (the requester), `subject` (which starts with the case code),
//! `description` (the request as HTML: the text escaped, blank-line separated paragraphs in `<p>`,
//! line breaks as `<br>`), `status` 2 (Open), `priority` 1..4 (the channel's `priorities` table,
//! else the four-step scale: urgent 4, high 3, medium 2, low 1), `source` 2 (Portal), `type` when
//! configured, one `tags[]` part per tag (the case code, then the configured tags) and one
//! `attachments[]` file part per attachment, streamed from disk with its file name and content
//! type. Freshdesk answers `201` with the ticket.
//!
//! **Size.** Freshdesk takes at most 20 MB of attachments per ticket (20 MiB here, or the
//! channel's `max_size`), counted over all files; a bigger submission is refused before anything
//! is sent, advising a smaller bundle budget.
//!
//! **No duplicates.** Freshdesk has no idempotency key. [`find_existing`](Transport::find_existing)
//! (which the outbox calls before every retry) asks the search API for tickets tagged with the case
//! code (`GET /api/v2/search/tickets?query="tag:'CF-…'"`). Freshdesk's search index may lag a
//! little behind a new ticket, so a retry very soon after a lost answer could still make a second
//! ticket.
//!
//! **Check.** `GET /api/v2/agents/me` (the API key's agent) and, when a `ticket_type` is set,
//! `GET /api/v2/ticket_fields` to see that the type is in the account's list. Nothing is created.
//!
//! **URL.** The agent view, `<url>/a/tickets/<id>` (the API key belongs to an agent).

use std::fmt;

use serde_json::Value;

use super::channel::FreshdeskConfig;
use super::http::{Auth, Http, Multipart, Reply, account_url, query_encode, secret_advice};
use super::{Checkpoint, Delivered, DeliveryError, Progress, Secret, Submission, Transport};

/// Freshdesk's cap on the attachments of one ticket, all files together.
pub const FRESHDESK_MAX_ATTACHMENTS: u64 = 20 * 1024 * 1024;

/// The longest tag Freshdesk takes.
const MAX_TAG: usize = 32;

/// A configured Freshdesk channel.
pub struct FreshdeskTransport {
    config: FreshdeskConfig,
    http: Http,
    /// The account URL without a trailing `/` or `/api/v2`.
    account: String,
}

impl fmt::Debug for FreshdeskTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FreshdeskTransport")
            .field("url", &self.account)
            .field("secret", &self.config.secret)
            .field("ticket_type", &self.config.ticket_type)
            .finish_non_exhaustive()
    }
}

impl FreshdeskTransport {
    /// Opens the channel. `secret` is the agent's API key (sent as Basic `api_key:X`).
    pub fn new(config: FreshdeskConfig, secret: Option<Secret>) -> Result<Self, DeliveryError> {
        let bad = |what: String| DeliveryError::permanent(format!("freshdesk channel: {what}"));
        for (id, priority) in &config.priorities {
            if !(1..=4).contains(priority) {
                return Err(bad(format!(
                    "priorities.{id} = {priority} is not a Freshdesk priority; use 1 (low), 2 (medium), 3 (high) or 4 (urgent)"
                )));
            }
        }
        for tag in &config.tags {
            if tag.trim().is_empty() || tag.contains(',') || tag.chars().count() > MAX_TAG {
                return Err(bad(format!(
                    "tag {tag:?}: Freshdesk tags have 1 to {MAX_TAG} characters and no commas"
                )));
            }
        }
        if let Some(kind) = &config.ticket_type
            && kind.trim().is_empty()
        {
            return Err(bad(
                "ticket_type is empty; remove it or name a type from the account's list".to_owned(),
            ));
        }
        let secret = secret.ok_or_else(|| {
            bad(format!(
                "it needs the agent's API key (Freshdesk: Profile settings > Your API Key): {}",
                secret_advice(config.secret.as_deref())
            ))
        })?;
        let account = account_url(&config.url, "/api/v2");
        let http = Http::new(
            "Freshdesk",
            &account,
            Auth::BasicKey {
                secret,
                password: "X",
            },
            config.ca_file.as_deref(),
            config.timeout.map(|timeout| timeout.0),
        )?;
        Ok(FreshdeskTransport {
            config,
            http,
            account,
        })
    }

    fn max_total(&self) -> u64 {
        self.config
            .max_size
            .map(|size| size.0)
            .unwrap_or(FRESHDESK_MAX_ATTACHMENTS)
    }

    /// Turns a refusal into an error, with Freshdesk's own account of it and advice for the
    /// cases the channel can name.
    fn fail(&self, reply: &Reply, doing: &str) -> DeliveryError {
        let explanation = explain(reply);
        let excerpt = explanation.clone().unwrap_or_else(|| reply.excerpt());
        let head = format!(
            "{} answered {} while {doing}: {excerpt}",
            self.http.service(),
            reply.status
        );
        let fields = error_fields(reply);
        let advice = match reply.status {
            401 => Some(format!(
                "the API key was refused: {}",
                secret_advice(self.config.secret.as_deref())
            )),
            400 if fields.iter().any(|f| f == "attachments") => Some(
                "the attachments are too large for one Freshdesk ticket: make a smaller bundle (--budget) or lower the channel's max_size".to_owned(),
            ),
            400 if fields.iter().any(|f| f == "type") => Some(
                "set the channel's ticket_type to one of the account's ticket types (Admin > Ticket Fields > Type), or remove it".to_owned(),
            ),
            400 if fields.iter().any(|f| f == "email" || f == "requester_id") => Some(
                "fill in a valid contact e-mail address in the request".to_owned(),
            ),
            _ => None,
        };
        match advice {
            Some(advice) => DeliveryError::permanent(self.http.scrub(format!("{head}; {advice}"))),
            None => {
                self.http
                    .error_explained(reply, doing, self.config.secret.as_deref(), explanation)
            }
        }
    }

    /// The Freshdesk priority for the submission's level.
    fn priority(&self, submission: &Submission) -> u8 {
        match self.config.priorities.get(&submission.priority.id) {
            Some(priority) => *priority,
            None => [4, 3, 2, 1][submission.priority.four_step().min(3)],
        }
    }

    /// The tags: the case code, then the configured ones, without repeats.
    fn tags(&self, submission: &Submission) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for tag in std::iter::once(&submission.case_code).chain(&self.config.tags) {
            let tag = tag.trim();
            if !tag.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                tags.push(tag.to_owned());
            }
        }
        tags
    }

    fn form(&self, submission: &Submission) -> Result<Multipart, DeliveryError> {
        let email = submission.requester.email.trim();
        if email.is_empty() {
            return Err(DeliveryError::permanent(
                "Freshdesk needs the requester's e-mail address: fill in the contact e-mail in the request",
            ));
        }
        let mut form = Multipart::new(&submission.id);
        form.text("email", email);
        let name = submission.requester.name.trim();
        if !name.is_empty() {
            form.text("name", name);
        }
        form.text("subject", &submission.subject)
            .text("description", &html(&submission.text))
            .text("status", "2")
            .text("priority", &self.priority(submission).to_string())
            .text("source", "2");
        if let Some(kind) = &self.config.ticket_type {
            form.text("type", kind.trim());
        }
        for tag in self.tags(submission) {
            form.text("tags[]", &tag);
        }
        for attachment in &submission.attachments {
            form.attachment("attachments[]", attachment)?;
        }
        Ok(form)
    }

    fn delivered(&self, id: &str, how: &str) -> Delivered {
        Delivered {
            ticket_id: Some(id.to_owned()),
            url: Some(format!("{}/a/tickets/{id}", self.account)),
            detail: format!("Freshdesk ticket #{id} {how}"),
        }
    }
}

impl Transport for FreshdeskTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        let reply = self.http.get("/api/v2/agents/me", &[])?;
        if !reply.ok() {
            return Err(self.fail(&reply, "reading the API key's agent"));
        }
        let me = reply.json(self.http.service())?;
        let name = me
            .pointer("/contact/name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let email = me
            .pointer("/contact/email")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let mut report = format!("{}: authenticated as {name} <{email}>", self.http.service());
        if let Some(kind) = &self.config.ticket_type {
            let reply = self.http.get("/api/v2/ticket_fields", &[])?;
            if !reply.ok() {
                return Err(self.fail(&reply, "reading the ticket fields"));
            }
            let fields = reply.json(self.http.service())?;
            let choices: Vec<&str> = fields
                .as_array()
                .into_iter()
                .flatten()
                .find(|field| field.get("name").and_then(Value::as_str) == Some("ticket_type"))
                .and_then(|field| field.get("choices"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if !choices.contains(&kind.trim()) {
                return Err(DeliveryError::permanent(format!(
                    "{}: ticket_type {kind:?} is not one of the account's ticket types ({}); set one of them or remove ticket_type",
                    self.http.service(),
                    choices.join(", ")
                )));
            }
            report.push_str(&format!("; ticket type {kind:?} exists"));
        }
        Ok(report)
    }

    fn max_attachment(&self) -> Option<u64> {
        Some(self.max_total())
    }

    fn find_existing(&self, submission: &Submission) -> Result<Option<Delivered>, DeliveryError> {
        let code = submission.case_code.trim();
        // The filter language has no escapes: only look up codes it can carry.
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Ok(None);
        }
        let query = format!("\"tag:'{code}'\"");
        let path = format!("/api/v2/search/tickets?query={}", query_encode(&query));
        let reply = self.http.get(&path, &[])?;
        if !reply.ok() {
            return Err(self.fail(&reply, "looking the case code up"));
        }
        let body = reply.json(self.http.service())?;
        let found = body
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|ticket| {
                ticket
                    .get("tags")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(|tag| tag.eq_ignore_ascii_case(code))
            })
            .filter_map(|ticket| id_of(ticket.get("id")?))
            .min_by_key(|id| id.parse::<u64>().unwrap_or(u64::MAX));
        Ok(found.map(|id| self.delivered(&id, "found: an earlier attempt created it")))
    }

    fn deliver(
        &self,
        submission: &Submission,
        _checkpoint: &mut Checkpoint<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError> {
        let total: u64 = submission.attachments.iter().map(|a| a.size).sum();
        let max = self.max_total();
        if total > max {
            return Err(DeliveryError::permanent(format!(
                "the attachments are {total} bytes together; Freshdesk takes at most {max} bytes per ticket (all files together{}): make a smaller bundle (--budget) or use another channel",
                if self.config.max_size.is_some() {
                    ", the channel's max_size"
                } else {
                    ""
                }
            )));
        }
        let form = self.form(submission)?;
        let step = format!("sending {} to Freshdesk", submission.case_code);
        let reply = self
            .http
            .post_multipart("/api/v2/tickets", &form, &[], &step, progress)?;
        if !reply.ok() {
            return Err(self.fail(&reply, "creating the ticket"));
        }
        let body = reply.json(self.http.service())?;
        let id = body.get("id").and_then(id_of).ok_or_else(|| {
            DeliveryError::permanent(format!(
                "{} answered {} but named no ticket id: {}; look for case code {} in Freshdesk before sending again",
                self.http.service(),
                reply.status,
                reply.excerpt(),
                submission.case_code
            ))
        })?;
        let files = body
            .get("attachments")
            .and_then(Value::as_array)
            .map_or(submission.attachments.len(), Vec::len);
        if files != submission.attachments.len() {
            return Err(DeliveryError::permanent(format!(
                "{} created ticket #{id} with {files} of the {} attachments: open {}/a/tickets/{id} and add the bundle by hand (a retry would make a second ticket)",
                self.http.service(),
                submission.attachments.len(),
                self.account
            )));
        }
        Ok(self.delivered(&id, &format!("created with {files} file(s)")))
    }
}

/// The request text as Freshdesk's HTML description: escaped, paragraphs at blank lines, line
/// breaks kept.
fn html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    let normalized = escaped.replace("\r\n", "\n");
    normalized
        .split("\n\n")
        .map(|paragraph| paragraph.trim_matches('\n'))
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| format!("<p>{}</p>", paragraph.replace('\n', "<br>\n")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A ticket id (a number, or digits as text); only digits are accepted (ids go into URLs).
fn id_of(value: &Value) -> Option<String> {
    let text = match value {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.clone(),
        _ => return None,
    };
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// The fields Freshdesk's error envelope names.
fn error_fields(reply: &Reply) -> Vec<String> {
    serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|body| body.get("errors").and_then(Value::as_array).cloned())
        .into_iter()
        .flatten()
        .filter_map(|error| error.get("field")?.as_str().map(str::to_owned))
        .collect()
}

/// Freshdesk's own account of a refusal: `description` and each `errors[]` entry
/// (`status: It should be one of these values: '2,3,4,5' (invalid_value)`), or `message (code)`.
fn explain(reply: &Reply) -> Option<String> {
    let body: Value = serde_json::from_slice(&reply.body).ok()?;
    if let Some(errors) = body.get("errors").and_then(Value::as_array) {
        let mut parts: Vec<String> = Vec::new();
        if let Some(description) = body.get("description").and_then(Value::as_str) {
            parts.push(description.to_owned());
        }
        for error in errors {
            let field = error.get("field").and_then(Value::as_str).unwrap_or("");
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            let code = error.get("code").and_then(Value::as_str).unwrap_or("");
            parts.push(format!("{field}: {message} ({code})"));
        }
        return Some(parts.join("; "));
    }
    let message = body.get("message").and_then(Value::as_str)?;
    Some(match body.get("code").and_then(Value::as_str) {
        Some(code) => format!("{message} ({code})"),
        None => message.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> FreshdeskConfig {
        FreshdeskConfig {
            url: "https://acme.freshdesk.com/api/v2/".into(),
            secret: Some("freshdesk".into()),
            priorities: Default::default(),
            ticket_type: None,
            tags: vec!["casefile".into(), "cf-7k2m-9qxd".into()],
            ca_file: None,
            max_size: None,
            timeout: None,
        }
    }

    fn submission(rank: usize) -> Submission {
        Submission::example("CF-7K2M-9QXD.freshdesk", rank, 4)
    }

    #[test]
    fn priorities_follow_the_table_then_the_four_step_scale() {
        let mut config = config();
        config.priorities.insert("P4".into(), 2);
        let transport =
            FreshdeskTransport::new(config, Some(Secret::new("FAKE-fd"))).expect("open");
        let levels: Vec<u8> = (0..4).map(|r| transport.priority(&submission(r))).collect();
        assert_eq!(levels, [4, 3, 2, 2]);
        assert_eq!(transport.account, "https://acme.freshdesk.com");
    }

    #[test]
    fn the_case_code_is_the_first_tag_and_repeats_are_dropped() {
        let transport =
            FreshdeskTransport::new(config(), Some(Secret::new("FAKE-fd"))).expect("open");
        assert_eq!(transport.tags(&submission(0)), ["CF-7K2M-9QXD", "casefile"]);
    }

    #[test]
    fn bad_priorities_tags_and_a_missing_key_are_config_errors() {
        let mut bad = config();
        bad.priorities.insert("P1".into(), 5);
        let error = FreshdeskTransport::new(bad, Some(Secret::new("x"))).expect_err("priority");
        assert!(error.message.contains("priorities.P1"), "{error}");
        let mut bad = config();
        bad.tags.push("a,b".into());
        assert!(FreshdeskTransport::new(bad, Some(Secret::new("x"))).is_err());
        let error = FreshdeskTransport::new(config(), None).expect_err("no key");
        assert!(
            error.message.contains("casefile secret set freshdesk"),
            "{error}"
        );
        let mut remote = config();
        remote.url = "http://acme.freshdesk.com".into();
        let error = FreshdeskTransport::new(remote, Some(Secret::new("x"))).expect_err("http");
        assert!(error.message.contains("use https"), "{error}");
    }

    #[test]
    fn the_description_is_escaped_html_in_paragraphs() {
        assert_eq!(
            html("Case <1> & \"2\"\r\nline two\n\n\n## It's\n"),
            "<p>Case &lt;1&gt; &amp; &quot;2&quot;<br>\nline two</p>\n<p>## It&#39;s</p>"
        );
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let transport =
            FreshdeskTransport::new(config(), Some(Secret::new("FAKE-fd-debug"))).expect("open");
        assert!(!format!("{transport:?}").contains("FAKE-fd-debug"));
    }
}
