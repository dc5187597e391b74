//! The webhook channel: the request and its bundle POSTed to any URL, for help desks and
//! automations Casefile has no channel of its own for.
//!
//! **The request.** One `POST url`, `multipart/form-data` with a `Content-Length` known up front:
//!
//! | part | content |
//! |---|---|
//! | `request` | `request.json` (`application/json`) |
//! | `text` | the request as a person reads it (`text/markdown; charset=utf-8`) |
//! | `bundle` | one file part per attachment, with its file name and content type, streamed from disk |
//!
//! and the headers `Idempotency-Key: <submission id>` (the same on every attempt),
//! `X-Casefile-Case: <case code>` and, when the channel names a secret,
//! `Authorization: Bearer <secret>`.
//!
//! **The answer.** Any 2xx is a delivery. When the body is JSON with `id` (or `ticket_id`) and
//! `url`, they are reported as the ticket and its link. 401/403 are permanent (the secret), 408,
//! 429 and 5xx retryable (with `Retry-After`), other statuses permanent.
//!
//! **No duplicates.** A webhook has no search, so [`find_existing`](Transport::find_existing)
//! always answers `None`: **the receiver must deduplicate by `Idempotency-Key`**, answering a
//! replayed key with the original answer and creating nothing new. A retry after a lost reply then
//! creates no second ticket.
//!
//! **Check.** A `GET url`, which a receiver must not treat as a submission: any answer under 500
//! other than 401/403 shows that the URL is reachable (a receiver that only takes POSTs may answer
//! 404 or 405; the status is reported). Nothing is sent but the credentials.

use std::fmt;

use serde_json::Value;

use super::channel::WebhookConfig;
use super::http::{Auth, Http, Multipart, Reply};
use super::{Checkpoint, Delivered, DeliveryError, Progress, Secret, Submission, Transport};

/// A configured webhook channel.
pub struct WebhookTransport {
    config: WebhookConfig,
    http: Http,
}

impl fmt::Debug for WebhookTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTransport")
            .field("url", &self.http.base())
            .field("secret", &self.config.secret)
            .finish_non_exhaustive()
    }
}

impl WebhookTransport {
    /// Opens the channel. A channel that names a secret cannot be opened without it; `secret` is
    /// sent as a bearer token.
    pub fn new(config: WebhookConfig, secret: Option<Secret>) -> Result<Self, DeliveryError> {
        let auth = match (secret, &config.secret) {
            (Some(secret), _) => Auth::Bearer(secret),
            (None, None) => Auth::None,
            (None, Some(name)) => {
                return Err(DeliveryError::permanent(format!(
                    "the webhook channel to {} names the secret {name:?}, which is not set: {}",
                    config.url,
                    secret_advice(name)
                )));
            }
        };
        let http = Http::new(
            "Webhook",
            &config.url,
            auth,
            config.ca_file.as_deref(),
            config.timeout.map(|timeout| timeout.0),
        )?;
        Ok(WebhookTransport { config, http })
    }

    fn refused(&self, reply: &Reply, doing: &str) -> DeliveryError {
        match reply.status {
            401 | 403 => {
                let advice = match &self.config.secret {
                    Some(name) => secret_advice(name),
                    None => "the channel sends no credentials: name a secret in the channel (`secret = \"NAME\"`) and set it with `casefile secret set NAME`".to_owned(),
                };
                DeliveryError::permanent(self.http.scrub(format!(
                    "the webhook at {} answered {} while {doing}: {}; the credentials were refused: {advice}",
                    self.http.base(),
                    reply.status,
                    reply.excerpt()
                )))
            }
            _ => self.http.error(
                reply,
                doing,
                self.config.secret.as_deref().unwrap_or("CHANNEL"),
            ),
        }
    }
}

impl Transport for WebhookTransport {
    fn check(&self) -> Result<String, DeliveryError> {
        let reply = self.http.get("", &[])?;
        match reply.status {
            401 | 403 | 408 | 429 | 500.. => Err(self.refused(&reply, "checking it with a GET")),
            status => Ok(format!(
                "webhook at {} is reachable (a GET answered {status}); nothing was submitted",
                self.http.base()
            )),
        }
    }

    fn max_attachment(&self) -> Option<u64> {
        self.config.max_size.map(|size| size.0)
    }

    /// Always `None`: the receiver deduplicates by `Idempotency-Key` (see the module doc).
    fn find_existing(&self, _submission: &Submission) -> Result<Option<Delivered>, DeliveryError> {
        Ok(None)
    }

    fn deliver(
        &self,
        submission: &Submission,
        _checkpoint: &mut Checkpoint<'_>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Delivered, DeliveryError> {
        if let Some(limit) = self.max_attachment()
            && let Some(big) = submission.attachments.iter().find(|a| a.size > limit)
        {
            return Err(DeliveryError::permanent(format!(
                "{} is {} bytes, over the {limit} bytes this webhook channel takes (max_size): make a smaller bundle (--budget) or raise max_size if the receiver accepts more",
                big.name, big.size
            )));
        }
        let mut form = Multipart::new(&submission.id);
        form.typed(
            "request",
            submission.request_json.as_bytes(),
            Some("application/json"),
        );
        form.typed(
            "text",
            submission.text.as_bytes(),
            Some("text/markdown; charset=utf-8"),
        );
        for attachment in &submission.attachments {
            form.attachment("bundle", attachment)?;
        }
        let headers = [
            ("Idempotency-Key", submission.id.as_str()),
            ("X-Casefile-Case", submission.case_code.as_str()),
        ];
        let step = format!("posting {} to the webhook", submission.case_code);
        let reply = self
            .http
            .post_multipart("", &form, &headers, &step, progress)?;
        if !reply.ok() {
            return Err(self.refused(&reply, &format!("receiving {}", submission.case_code)));
        }
        let answer: Option<Value> = serde_json::from_slice(&reply.body).ok();
        let field = |names: &[&str]| {
            answer.as_ref().and_then(|body| {
                names.iter().find_map(|name| match &body[*name] {
                    Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
                    Value::Number(number) => Some(number.to_string()),
                    _ => None,
                })
            })
        };
        let ticket_id = field(&["id", "ticket_id"]);
        let url = field(&["url"]);
        let mut detail = format!(
            "accepted by the webhook at {} ({})",
            self.http.base(),
            reply.status
        );
        if let Some(id) = &ticket_id {
            detail.push_str(&format!(" as {id}"));
        }
        Ok(Delivered {
            ticket_id,
            url,
            detail,
        })
    }
}

fn secret_advice(name: &str) -> String {
    format!(
        "check the secret {name:?} (set it with `casefile secret set {name}` or the environment variable {})",
        super::secret_env_var(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secret: Option<&str>) -> WebhookConfig {
        WebhookConfig {
            url: "http://127.0.0.1:9/hook".into(),
            secret: secret.map(str::to_owned),
            ca_file: None,
            max_size: None,
            timeout: None,
        }
    }

    #[test]
    fn a_named_secret_that_is_not_set_is_permanent_and_says_how_to_set_it() {
        let error = WebhookTransport::new(config(Some("hook")), None).expect_err("no secret");
        assert!(!error.is_retryable());
        assert!(
            error.message.contains("casefile secret set hook"),
            "{error}"
        );
        assert!(error.message.contains("CASEFILE_SECRET_HOOK"), "{error}");
        assert!(WebhookTransport::new(config(None), None).is_ok());
    }

    #[test]
    fn a_remote_plain_http_url_is_refused() {
        let mut remote = config(None);
        remote.url = "http://hooks.example.com/casefile".into();
        let error = WebhookTransport::new(remote, None).expect_err("plain http");
        assert!(error.message.contains("use https"), "{error}");
    }
}
