//! The Jira Service Management channel: one customer request per submission through JSM Cloud's
//! `servicedeskapi`, in three steps, with what survives a crash between them:
//!
//! 1. each attachment goes up as a temporary file
//!    (`POST /rest/servicedeskapi/servicedesk/{id}/attachTemporaryFile`, multipart with one part
//!    named `file`, streamed from disk with a known length, headers `X-Atlassian-Token: no-check`
//!    and `X-ExperimentalApi: opt-in`); its temporary id and the time go into the checkpoint
//!    (`jsm_temporary`) and are reused for 20 minutes;
//! 2. the request is created (`POST /rest/servicedeskapi/request`: `serviceDeskId`,
//!    `requestTypeId`, `requestFieldValues` with `summary` = the subject, which starts with the case
//!    code, and `description` = the request text, and `raiseOnBehalfOf` when the channel names an
//!    account id); its issue key is recorded in the checkpoint (`jsm_issue`) at once;
//! 3. the temporary files are bound to it (`POST /rest/servicedeskapi/request/{key}/attachment`,
//!    `public: true`, with a short comment naming the case code).
//!
//! **No duplicates.** JSM has no idempotency key. An attempt that finds an issue key in the
//! checkpoint never creates again: it lists the request's attachments and binds only the missing
//! files, uploading them again when their temporary ids are too old or JSM no longer knows them.
//! [`find_existing`](Transport::find_existing), which the outbox calls before every retry, searches
//! the requests by the case code (`GET /rest/servicedeskapi/request?searchTerm=…&serviceDeskId=…`,
//! all requests when raising on behalf of someone) and finishes the same repair on the request it
//! finds, so a crash between any two steps ends with one request holding every file.
//!
//! **Check.** `GET /rest/servicedeskapi/servicedesk/{id}` and the request type's field schema
//! (`…/requesttype/{rt}/field`): the request type must take `summary` and `description` and
//! require no field Casefile does not fill, and allow raising on behalf of someone when the channel
//! does. Nothing is created.
//!
//! **URL.** The request's `_links.web` (the customer portal page).

use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};

use super::channel::JsmConfig;
use super::http::{Auth, Http, Multipart, Reply, account_url, query_encode, secret_advice};
use super::{
    Attachment, Checkpoint, Delivered, DeliveryError, Progress, Secret, Submission, Transport,
};

/// The default per-file cap of a JSM Cloud site.
pub const JSM_MAX_ATTACHMENT: u64 = 1 << 30;

const API: &str = "/rest/servicedeskapi";

/// The checkpoint key of the created request (`{"key": "SD-17", "web": "https://…"}`).
const ISSUE_KEY: &str = "jsm_issue";

/// The checkpoint key of the temporary attachment ids.
const TEMPORARY_KEY: &str = "jsm_temporary";

/// How long a recorded temporary id is reused (JSM does not document their lifetime).
const TEMPORARY_REUSE: Duration = Duration::from_secs(20 * 60);

/// JSM's longest summary.
const MAX_SUMMARY: usize = 255;

/// How many pages of a request's attachment list are read at most (100 each).
const MAX_PAGES: usize = 50;

/// A configured Jira Service Management channel.
pub struct JsmTransport {
    config: JsmConfig,
    http: Http,
    /// The site URL without a trailing `/` or the API path.
    site: String,
}

impl fmt::Debug for JsmTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsmTransport")
            .field("url", &self.site)
            .field("service_desk_id", &self.config.service_desk_id)
            .field("request_type_id", &self.config.request_type_id)
            .field("email", &self.config.email)
            .finish_non_exhaustive()
    }
}

/// The request an attempt works on.
struct Issue {
    key: String,
    web: String,
}

impl JsmTransport {
    /// Opens the channel. `secret` is the API token (with `email`: Basic `email:token`) or an OAuth
    /// bearer token (without `email`).
    pub fn new(config: JsmConfig, secret: Option<Secret>) -> Result<Self, DeliveryError> {
        let bad = |what: String| DeliveryError::permanent(format!("jsm channel: {what}"));
        for (name, value) in [
            ("service_desk_id", &config.service_desk_id),
            ("request_type_id", &config.request_type_id),
        ] {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(bad(format!(
                    "{name} = {value:?}: give the numeric id JSM shows in the service desk's and request type's URLs"
                )));
            }
        }
        if let Some(account) = &config.on_behalf_of
            && (account.contains('@') || account.trim().is_empty())
        {
            return Err(bad(format!(
                "on_behalf_of = {account:?}: JSM raises requests on behalf of an Atlassian account id (such as 5b10ac8d82e05b22cc7d4ef5, shown in the person's profile URL), not an e-mail address"
            )));
        }
        let secret = secret.ok_or_else(|| {
            bad(format!(
                "it needs an API token (id.atlassian.com > Security > API tokens): {}",
                secret_advice(config.secret.as_deref())
            ))
        })?;
        let auth = match &config.email {
            Some(email) if !email.trim().is_empty() => Auth::Basic {
                user: email.trim().to_owned(),
                secret,
            },
            _ => Auth::Bearer(secret),
        };
        let site = account_url(&config.url, API);
        let http = Http::new(
            "Jira Service Management",
            &site,
            auth,
            config.ca_file.as_deref(),
            config.timeout.map(|timeout| timeout.0),
        )?;
        Ok(JsmTransport { config, http, site })
    }

    fn max_size(&self) -> u64 {
        self.config
            .max_size
            .map(|size| size.0)
            .unwrap_or(JSM_MAX_ATTACHMENT)
    }

    fn desk_path(&self) -> String {
        format!("{API}/servicedesk/{}", self.config.service_desk_id)
    }

    /// Turns a refusal into an error, with JSM's own account of it.
    fn fail(&self, reply: &Reply, doing: &str) -> DeliveryError {
        let explanation = explain(reply);
        let excerpt = explanation.clone().unwrap_or_else(|| reply.excerpt());
        let head = format!(
            "{} answered {} while {doing}: {excerpt}",
            self.http.service(),
            reply.status
        );
        let advice = match reply.status {
            401 => Some(format!(
                "the credentials were refused: {}, and the e-mail address in the channel",
                secret_advice(self.config.secret.as_deref())
            )),
            403 => Some(
                "the account may not do this: it must be an agent of the service desk (customer-only accounts cannot create requests through the API) and the service desk must allow attachments".to_owned(),
            ),
            404 => Some(format!(
                "check service_desk_id = {:?} and request_type_id = {:?} in the channel (numbers from the JSM URLs) and the url",
                self.config.service_desk_id, self.config.request_type_id
            )),
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

    fn get_json(&self, path: &str, doing: &str) -> Result<Value, DeliveryError> {
        let reply = self.http.get(path, &[])?;
        if !reply.ok() {
            return Err(self.fail(&reply, doing));
        }
        reply.json(self.http.service())
    }

    /// The summary: the subject on one line, at most 255 characters.
    fn summary(submission: &Submission) -> String {
        let line = submission.subject.split_whitespace().collect::<Vec<_>>();
        let line = line.join(" ");
        match line.char_indices().nth(MAX_SUMMARY) {
            Some((cut, _)) => line[..cut].to_owned(),
            None => line,
        }
    }

    /// Uploads one file as a temporary attachment; returns its temporary id.
    fn upload(
        &self,
        attachment: &Attachment,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<String, DeliveryError> {
        let mut form = Multipart::new(&attachment.sha256);
        form.attachment("file", attachment)?;
        let doing = format!("uploading {}", attachment.name);
        let reply = self.http.post_multipart(
            &format!("{}/attachTemporaryFile", self.desk_path()),
            &form,
            &[
                ("X-Atlassian-Token", "no-check"),
                ("X-ExperimentalApi", "opt-in"),
            ],
            &doing,
            progress,
        )?;
        if !reply.ok() {
            return Err(self.fail(&reply, &doing));
        }
        let body = reply.json(self.http.service())?;
        body.pointer("/temporaryAttachments/0/temporaryAttachmentId")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                DeliveryError::retryable(format!(
                    "{} accepted {} but named no temporaryAttachmentId: {}",
                    self.http.service(),
                    attachment.name,
                    reply.excerpt()
                ))
            })
    }

    /// Temporary ids for `files`: recorded young ones from the checkpoint (when `reuse`), the
    /// others uploaded now and recorded.
    fn stage(
        &self,
        files: &[&Attachment],
        checkpoint: &mut Option<&mut Checkpoint<'_>>,
        reuse: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<String>, DeliveryError> {
        let mut ids = Vec::with_capacity(files.len());
        for attachment in files {
            if reuse
                && let Some(checkpoint) = checkpoint.as_deref()
                && let Some(id) = checkpoint.staged(
                    TEMPORARY_KEY,
                    attachment,
                    TEMPORARY_REUSE,
                    chrono::Utc::now(),
                )
            {
                ids.push(id);
                continue;
            }
            let id = self.upload(attachment, progress)?;
            if let Some(checkpoint) = checkpoint.as_deref_mut() {
                checkpoint.stage(TEMPORARY_KEY, attachment, &id, chrono::Utc::now())?;
            }
            ids.push(id);
        }
        Ok(ids)
    }

    fn create(&self, submission: &Submission) -> Result<Issue, DeliveryError> {
        let mut body = json!({
            "serviceDeskId": self.config.service_desk_id,
            "requestTypeId": self.config.request_type_id,
            "requestFieldValues": {
                "summary": Self::summary(submission),
                "description": submission.text,
            },
        });
        if let Some(account) = &self.config.on_behalf_of {
            body["raiseOnBehalfOf"] = json!(account.trim());
        }
        let reply = self.http.post_json(&format!("{API}/request"), &body, &[])?;
        if !reply.ok() {
            return Err(self.fail(&reply, "creating the request"));
        }
        let answer = reply.json(self.http.service())?;
        self.issue(&answer).ok_or_else(|| {
            DeliveryError::permanent(format!(
                "{} answered {} but named no issue key: {}; look for case code {} in JSM before sending again",
                self.http.service(),
                reply.status,
                reply.excerpt(),
                submission.case_code
            ))
        })
    }

    /// The issue key and web link of a request as JSM shows it.
    fn issue(&self, request: &Value) -> Option<Issue> {
        let key = request.get("issueKey")?.as_str()?;
        if !is_issue_key(key) {
            return None;
        }
        let web = request
            .pointer("/_links/web")
            .and_then(Value::as_str)
            .filter(|web| web.starts_with("https://") || web.starts_with("http://"))
            .map(str::to_owned)
            .unwrap_or_else(|| {
                format!(
                    "{}/servicedesk/customer/portal/{}/{key}",
                    self.site, self.config.service_desk_id
                )
            });
        Some(Issue {
            key: key.to_owned(),
            web,
        })
    }

    /// The (file name, size) of every attachment the request has.
    fn attachments_of(&self, key: &str) -> Result<Vec<(String, u64)>, DeliveryError> {
        let mut found = Vec::new();
        for page in 0..MAX_PAGES {
            let path = format!(
                "{API}/request/{key}/attachment?start={}&limit=100",
                page * 100
            );
            let body = self.get_json(&path, &format!("listing the attachments of {key}"))?;
            let values = body
                .get("values")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for value in &values {
                if let (Some(name), Some(size)) = (
                    value.get("filename").and_then(Value::as_str),
                    value.get("size").and_then(Value::as_u64),
                ) {
                    found.push((name.to_owned(), size));
                }
            }
            if values.is_empty() || body.get("isLastPage").and_then(Value::as_bool) != Some(false) {
                break;
            }
        }
        Ok(found)
    }

    /// Binds `ids` to the request.
    fn attach(
        &self,
        issue: &Issue,
        ids: &[String],
        submission: &Submission,
    ) -> Result<Reply, DeliveryError> {
        let body = json!({
            "temporaryAttachmentIds": ids,
            "public": true,
            "additionalComment": {
                "body": format!("Support bundle for {} (sent by Casefile).", submission.case_code),
            },
        });
        self.http.post_json(
            &format!("{API}/request/{}/attachment", issue.key),
            &body,
            &[],
        )
    }

    /// Makes sure the request holds every attachment: binds the missing ones (all of them when
    /// `fresh`, the request having just been created), uploading again what JSM no longer knows.
    fn complete(
        &self,
        issue: Issue,
        submission: &Submission,
        mut checkpoint: Option<&mut Checkpoint<'_>>,
        fresh: bool,
        progress: &mut dyn FnMut(Progress),
        how: &str,
    ) -> Result<Delivered, DeliveryError> {
        let missing: Vec<&Attachment> = if fresh {
            submission.attachments.iter().collect()
        } else {
            missing(&submission.attachments, self.attachments_of(&issue.key)?)
        };
        if !missing.is_empty() {
            let doing = format!("attaching the files to {}", issue.key);
            progress(Progress {
                step: doing.clone(),
                sent: 0,
                total: 0,
            });
            let ids = self.stage(&missing, &mut checkpoint, true, progress)?;
            let mut reply = self.attach(&issue, &ids, submission)?;
            if reply.status == 404 && mentions_temporary(&reply) {
                // Temporary ids JSM no longer knows (expired, or used): upload again, once.
                let ids = self.stage(&missing, &mut checkpoint, false, progress)?;
                reply = self.attach(&issue, &ids, submission)?;
            }
            if !reply.ok() {
                return Err(self.fail(&reply, &doing));
            }
            if let Some(checkpoint) = checkpoint {
                checkpoint.remove(TEMPORARY_KEY)?;
            }
        }
        let bound = if fresh || missing.is_empty() {
            String::new()
        } else {
            format!(", {} missing file(s) attached", missing.len())
        };
        Ok(Delivered {
            ticket_id: Some(issue.key.clone()),
            url: Some(issue.web),
            detail: format!(
                "JSM request {} {how} with {} file(s){bound}",
                issue.key,
                submission.attachments.len()
            ),
        })
    }
}

impl Transport for JsmTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        let desk = self.get_json(&self.desk_path(), "reading the service desk")?;
        let fields = self.get_json(
            &format!(
                "{}/requesttype/{}/field",
                self.desk_path(),
                self.config.request_type_id
            ),
            "reading the request type's fields",
        )?;
        let list = fields
            .get("requestTypeFields")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let ids: Vec<&str> = list
            .iter()
            .filter_map(|field| field.get("fieldId")?.as_str())
            .collect();
        let service = self.http.service();
        let rt = &self.config.request_type_id;
        for needed in ["summary", "description"] {
            if !ids.contains(&needed) {
                return Err(DeliveryError::permanent(format!(
                    "{service}: request type {rt} has no {needed} field, which Casefile fills; pick a request type that has summary and description (request_type_id)"
                )));
            }
        }
        let unfilled: Vec<&str> = list
            .iter()
            .filter(|field| field.get("required").and_then(Value::as_bool) == Some(true))
            .filter_map(|field| field.get("fieldId")?.as_str())
            .filter(|id| !matches!(*id, "summary" | "description"))
            .collect();
        if !unfilled.is_empty() {
            return Err(DeliveryError::permanent(format!(
                "{service}: request type {rt} requires {}, which Casefile does not fill; make them optional in JSM or pick another request type",
                unfilled.join(", ")
            )));
        }
        if self.config.on_behalf_of.is_some()
            && fields.get("canRaiseOnBehalfOf").and_then(Value::as_bool) == Some(false)
        {
            return Err(DeliveryError::permanent(format!(
                "{service}: the account may not raise requests on behalf of others here; use an agent's token or remove on_behalf_of"
            )));
        }
        let name = desk
            .get("projectName")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let project = desk
            .get("projectKey")
            .and_then(Value::as_str)
            .unwrap_or("?");
        Ok(format!(
            "{service}: service desk {} ({name}, {project}), request type {rt} takes summary and description; nothing was created",
            self.config.service_desk_id
        ))
    }

    fn max_attachment(&self) -> Option<u64> {
        Some(self.max_size())
    }

    fn find_existing(&self, submission: &Submission) -> Result<Option<Delivered>, DeliveryError> {
        let code = submission.case_code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        let mut path = format!(
            "{API}/request?searchTerm={}&serviceDeskId={}&limit=50",
            query_encode(code),
            self.config.service_desk_id
        );
        if self.config.on_behalf_of.is_some() {
            // Requests raised for someone else are not the caller's own.
            path.push_str("&requestOwnership=ALL_REQUESTS");
        }
        let body = self.get_json(&path, "looking the case code up")?;
        let found = body
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|request| {
                request
                    .get("requestFieldValues")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|field| {
                        field.get("fieldId").and_then(Value::as_str) == Some("summary")
                            && field
                                .get("value")
                                .and_then(Value::as_str)
                                .is_some_and(|summary| summary.contains(code))
                    })
            })
            .filter_map(|request| {
                let id = request
                    .get("issueId")
                    .and_then(Value::as_str)
                    .and_then(|id| id.parse::<u64>().ok())
                    .unwrap_or(u64::MAX);
                Some((id, self.issue(request)?))
            })
            .min_by_key(|(id, _)| *id)
            .map(|(_, issue)| issue);
        match found {
            Some(issue) => self
                .complete(
                    issue,
                    submission,
                    None,
                    false,
                    &mut |_| {},
                    "found (an earlier attempt created it)",
                )
                .map(Some),
            None => Ok(None),
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
                "{} is {} bytes; this JSM site takes at most {max} bytes per file (max_size): make a smaller bundle (--budget) or raise max_size if the site allows more",
                big.name, big.size
            )));
        }
        let recorded = checkpoint.get(ISSUE_KEY).and_then(|value| {
            let key = value.get("key")?.as_str()?;
            let web = value.get("web")?.as_str()?;
            is_issue_key(key).then(|| Issue {
                key: key.to_owned(),
                web: web.to_owned(),
            })
        });
        if let Some(issue) = recorded {
            return self.complete(
                issue,
                submission,
                Some(checkpoint),
                false,
                progress,
                "created by an earlier attempt",
            );
        }
        let files: Vec<&Attachment> = submission.attachments.iter().collect();
        let mut staged = Some(&mut *checkpoint);
        self.stage(&files, &mut staged, true, progress)?;
        progress(Progress {
            step: "creating the request".to_owned(),
            sent: 0,
            total: 0,
        });
        let issue = self.create(submission)?;
        checkpoint.set(ISSUE_KEY, json!({"key": issue.key, "web": issue.web}))?;
        self.complete(
            issue,
            submission,
            Some(checkpoint),
            true,
            progress,
            "created",
        )
    }
}

/// Whether `key` looks like a Jira issue key (`SD-17`); keys go into URL paths.
fn is_issue_key(key: &str) -> bool {
    let Some((project, number)) = key.rsplit_once('-') else {
        return false;
    };
    project
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_uppercase())
        && project
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The attachments not on the request yet, matching each listed file (name and size) once.
fn missing(attachments: &[Attachment], mut present: Vec<(String, u64)>) -> Vec<&Attachment> {
    attachments
        .iter()
        .filter(|attachment| {
            match present
                .iter()
                .position(|(name, size)| *name == attachment.name && *size == attachment.size)
            {
                Some(index) => {
                    present.swap_remove(index);
                    false
                }
                None => true,
            }
        })
        .collect()
}

/// Whether a refusal is about temporary attachment ids.
fn mentions_temporary(reply: &Reply) -> bool {
    String::from_utf8_lossy(&reply.body)
        .to_ascii_lowercase()
        .contains("temporary")
}

/// JSM's own account of a refusal: `errorMessage` and each `errors[]` entry, or Jira's
/// `errorMessages` and `errors` map.
fn explain(reply: &Reply) -> Option<String> {
    let body: Value = serde_json::from_slice(&reply.body).ok()?;
    let mut parts: Vec<String> = Vec::new();
    if let Some(message) = body.get("errorMessage").and_then(Value::as_str) {
        parts.push(message.to_owned());
    }
    for message in body
        .get("errorMessages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        parts.push(message.to_owned());
    }
    match body.get("errors") {
        Some(Value::Array(errors)) => {
            for error in errors {
                let field = error.get("fieldId").and_then(Value::as_str).unwrap_or("");
                let message = error
                    .get("errorMessage")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                parts.push(format!("{field}: {message}"));
            }
        }
        Some(Value::Object(errors)) => {
            for (field, message) in errors {
                parts.push(format!("{field}: {}", message.as_str().unwrap_or("")));
            }
        }
        _ => {}
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn config() -> JsmConfig {
        JsmConfig {
            url: "https://acme.atlassian.net/rest/servicedeskapi/".into(),
            service_desk_id: "5".into(),
            request_type_id: "20".into(),
            email: Some("bot@example.test".into()),
            secret: Some("jsm".into()),
            on_behalf_of: None,
            ca_file: None,
            max_size: None,
            timeout: None,
        }
    }

    fn file(name: &str, size: u64) -> Attachment {
        Attachment {
            name: name.into(),
            path: PathBuf::from("/nonexistent"),
            content_type: "application/zip".into(),
            size,
            sha256: String::new(),
        }
    }

    #[test]
    fn an_e_mail_address_as_on_behalf_of_and_odd_ids_are_config_errors() {
        let mut bad = config();
        bad.on_behalf_of = Some("ada@example.test".into());
        let error = JsmTransport::new(bad, Some(Secret::new("x"))).expect_err("e-mail");
        assert!(error.message.contains("account id"), "{error}");
        let mut bad = config();
        bad.service_desk_id = "5/../6".into();
        let error = JsmTransport::new(bad, Some(Secret::new("x"))).expect_err("id");
        assert!(error.message.contains("service_desk_id"), "{error}");
        let error = JsmTransport::new(config(), None).expect_err("no token");
        assert!(error.message.contains("casefile secret set jsm"), "{error}");
        let transport = JsmTransport::new(config(), Some(Secret::new("x"))).expect("open");
        assert_eq!(transport.site, "https://acme.atlassian.net");
    }

    #[test]
    fn issue_keys_are_checked_before_they_go_into_paths() {
        assert!(is_issue_key("SD-17"));
        assert!(is_issue_key("IT_2-1"));
        assert!(!is_issue_key("sd-17"));
        assert!(!is_issue_key("SD-17/../x"));
        assert!(!is_issue_key("-17"));
        assert!(!is_issue_key("SD-"));
    }

    #[test]
    fn missing_attachments_are_matched_by_name_and_size_each_used_once() {
        let files = [file("a.zip", 3), file("a.zip", 3), file("b.zip", 4)];
        let present = vec![("a.zip".to_owned(), 3), ("b.zip".to_owned(), 5)];
        let missing: Vec<(&str, u64)> = missing(&files, present)
            .iter()
            .map(|a| (a.name.as_str(), a.size))
            .collect();
        assert_eq!(missing, [("a.zip", 3), ("b.zip", 4)]);
    }

    #[test]
    fn the_summary_is_one_line_of_at_most_255_characters() {
        let mut submission = Submission {
            subject: "[CF-1] two\nlines".into(),
            ..Submission::example("CF-1.jsm", 0, 1)
        };
        assert_eq!(JsmTransport::summary(&submission), "[CF-1] two lines");
        submission.subject = format!("[CF-1] {}", "é".repeat(300));
        let summary = JsmTransport::summary(&submission);
        assert_eq!(summary.chars().count(), 255);
        assert!(summary.starts_with("[CF-1] "));
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let transport =
            JsmTransport::new(config(), Some(Secret::new("FAKE-jsm-debug"))).expect("open");
        assert!(!format!("{transport:?}").contains("FAKE-jsm-debug"));
    }
}
