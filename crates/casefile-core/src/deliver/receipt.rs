//! The receipt of a delivered request: where the ticket is, when the vendor owes an answer, and
//! how to escalate if none comes, with an escalation message ready to send.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::outbox::Item;
use crate::profile::schema::Profile;
use crate::sla::{self, format_instant};
use crate::wire::{SlaReport, sla_report};

/// What the user keeps after a request went out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// The outbox item.
    pub id: String,
    /// The case code.
    pub case_code: String,
    /// The channel's name and kind.
    pub channel: String,
    /// The channel's kind.
    pub kind: String,
    /// The help desk's ticket id, when it has one.
    pub ticket_id: Option<String>,
    /// Where to open the ticket (or the saved message).
    pub url: Option<String>,
    /// What the channel reported.
    pub detail: String,
    /// When it was delivered.
    pub sent_at: DateTime<Utc>,
    /// The response targets and escalation paths from the profile, counted from `sent_at`.
    pub sla: Option<SlaReport>,
    /// Why there are no targets, when there are none.
    pub sla_problem: Option<String>,
    /// Who to write to when escalating.
    pub escalation_to: Vec<String>,
    /// A message to send if no answer comes in time; empty when nothing was filed yet.
    pub escalation_message: String,
    /// What the user still has to do, when the channel only saved the request (the folder
    /// channel): send the saved message to the vendor. The response targets start then.
    pub next_step: Option<String>,
}

/// The receipt of a sent item, with texts in `display` (the user's time zone); `None` when the
/// item is not sent. `profile` is the request's vendor profile, when it is still installed.
pub fn receipt(item: &Item, profile: Option<&Profile>, display: Tz) -> Option<Receipt> {
    let delivered = item.delivered.as_ref()?;
    let sent_at = item.sent_at?;
    let submission = &item.submission;
    if item.kind == "folder" {
        let to = submission
            .vendor_email
            .as_deref()
            .map(|email| format!(" to {email}"))
            .unwrap_or_else(|| format!(" to {} support", submission.vendor));
        return Some(Receipt {
            id: item.id().to_owned(),
            case_code: submission.case_code.clone(),
            channel: item.channel.clone(),
            kind: item.kind.clone(),
            ticket_id: delivered.ticket_id.clone(),
            url: delivered.url.clone(),
            detail: delivered.detail.clone(),
            sent_at,
            sla: None,
            sla_problem: None,
            escalation_to: Vec::new(),
            escalation_message: String::new(),
            next_step: Some(format!(
                "Nothing has reached the vendor yet: open the saved .eml in your mail program and send it{to} (or attach the .zip to a message or portal form yourself). The response targets count from when they receive it."
            )),
        });
    }
    let (sla, sla_problem) = match profile {
        Some(profile) => {
            match sla::response_targets(profile, &item.tier, &submission.priority.id, sent_at) {
                Ok(sla) => (Some(sla), None),
                Err(error) => (None, Some(error.to_string())),
            }
        }
        None => (
            None,
            Some(format!(
                "profile {:?} is not installed, so its response targets are unknown",
                submission.profile
            )),
        ),
    };
    let mut escalation_to: Vec<String> = sla
        .iter()
        .flat_map(|sla| sla.escalations.iter().flat_map(|e| e.contacts.clone()))
        .collect();
    escalation_to.dedup();
    if escalation_to.is_empty() {
        escalation_to.extend(submission.vendor_email.clone());
    }

    let ticket = match &delivered.ticket_id {
        Some(id) => format!("ticket {id}"),
        None => "a support request".to_owned(),
    };
    let mut message = format!(
        "Subject: Escalation: {} ({ticket})\n\nHello {} support,\n\nWe filed {ticket} on {} (case code {}, priority {}).\n",
        submission.subject,
        submission.vendor,
        format_instant(sent_at, display),
        submission.case_code,
        submission.priority.label
    );
    if let Some(url) = &delivered.url {
        message.push_str(&format!("It is at {url}\n"));
    }
    if let Some(sla) = &sla {
        let due: Vec<String> = sla
            .targets
            .iter()
            .filter_map(|target| {
                target.due.map(|due| {
                    format!(
                        "- {} within {}: due {}",
                        target.label,
                        target.within,
                        format_instant(due, display)
                    )
                })
            })
            .collect();
        if !due.is_empty() {
            message.push_str(&format!(
                "\nYour response targets for this request were:\n{}\n",
                due.join("\n")
            ));
        }
    }
    let has_targets = sla
        .as_ref()
        .is_some_and(|sla| sla.targets.iter().any(|target| target.due.is_some()));
    message.push_str(if has_targets {
        "\nWe have not received the response we expected by then. Please escalate this request and tell us who is handling it.\n"
    } else {
        "\nWe have not received a response yet. Please escalate this request and tell us who is handling it.\n"
    });
    let requester = &submission.requester;
    let contact: Vec<&str> = [
        requester.name.as_str(),
        requester.email.as_str(),
        requester.phone.as_str(),
        requester.company.as_str(),
    ]
    .into_iter()
    .filter(|part| !part.trim().is_empty())
    .collect();
    message.push_str(&format!("\nContact: {}\n", contact.join(", ")));

    Some(Receipt {
        id: item.id().to_owned(),
        case_code: submission.case_code.clone(),
        channel: item.channel.clone(),
        kind: item.kind.clone(),
        ticket_id: delivered.ticket_id.clone(),
        url: delivered.url.clone(),
        detail: delivered.detail.clone(),
        sent_at,
        sla: sla.map(|sla| sla_report(&submission.profile, &sla, display)),
        sla_problem,
        escalation_to,
        escalation_message: message,
        next_step: None,
    })
}
