//! Response targets: when the vendor owes an answer, and when escalation becomes allowed.
//!
//! [`response_targets`] takes a profile, tier, priority and the submission instant, and computes
//! each of the tier's targets for that priority on the calendar that covers it (the tier's
//! business hours, or a 24x7 calendar for some priorities). Wall-clock targets (`30 minutes`)
//! ignore the calendar; business targets count only open time; `next software release` has no
//! instant. Pure: no clock, no environment.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::calendar::{Calendar, NeverOpen};
use crate::profile::schema::{EscalationAfter, Profile, Within};

/// The targets and escalation windows for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    /// Tier id.
    pub tier: String,
    /// Priority id.
    pub priority: String,
    /// When the request was submitted.
    pub submitted: DateTime<Utc>,
    /// The calendar that covers the request, as described to people.
    pub coverage: String,
    /// The vendor's time zone.
    pub vendor_time_zone: Tz,
    /// When the business clock starts: the submission, or the next opening after it.
    pub clock_starts: DateTime<Utc>,
    /// Each target, in profile order.
    pub targets: Vec<TargetDue>,
    /// Each escalation path that applies, in profile order.
    pub escalations: Vec<EscalationDue>,
    /// Rules the user must know before relying on the targets (call first, and so on).
    pub notices: Vec<String>,
}

/// One response target with its due instant.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetDue {
    /// Identifier (`acknowledgment`).
    pub name: String,
    /// How people call it (`Acknowledgment`).
    pub label: String,
    /// The target as the profile states it.
    pub within: Within,
    /// When it is due; `None` when the target has no instant (next software release).
    pub due: Option<DateTime<Utc>>,
}

/// An escalation path and when it opens.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationDue {
    /// When escalating becomes allowed; `None` when it depends on an event with no instant.
    pub allowed_from: Option<DateTime<Utc>>,
    /// The condition as people read it (`if no acknowledgment by then`).
    pub condition: String,
    /// Who receives it.
    pub contacts: Vec<String>,
    /// How to escalate.
    pub how: String,
}

/// Why targets cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlaError {
    /// The tier is not in the profile.
    #[error("profile {profile:?} has no tier {tier:?}; choose one of: {known}")]
    UnknownTier {
        /// Profile id.
        profile: String,
        /// The tier asked for.
        tier: String,
        /// The tiers the profile has, comma-separated.
        known: String,
    },
    /// The priority is not in the profile.
    #[error("profile {profile:?} has no priority {priority:?}; choose one of: {known}")]
    UnknownPriority {
        /// Profile id.
        profile: String,
        /// The priority asked for.
        priority: String,
        /// The priorities the profile has, comma-separated.
        known: String,
    },
    /// The tier gets no support requests.
    #[error("the {tier} tier cannot file support requests: {message}")]
    Unsupported {
        /// Tier label.
        tier: String,
        /// The profile's explanation.
        message: String,
    },
    /// The calendar never opens.
    #[error("calendar {calendar:?}: {source}")]
    NeverOpen {
        /// Calendar id.
        calendar: String,
        /// Detail.
        source: NeverOpen,
    },
}

impl SlaError {
    /// True when the caller gave a bad tier or priority (a user-fixable problem).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, SlaError::NeverOpen { .. })
    }
}

/// Computes the response targets and escalation windows of a request.
pub fn response_targets(
    profile: &Profile,
    tier_id: &str,
    priority_id: &str,
    submitted: DateTime<Utc>,
) -> Result<Sla, SlaError> {
    let tier = profile
        .tiers
        .iter()
        .find(|tier| tier.id == tier_id)
        .ok_or_else(|| SlaError::UnknownTier {
            profile: profile.id.clone(),
            tier: tier_id.to_owned(),
            known: profile
                .tiers
                .iter()
                .map(|tier| tier.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    if !profile
        .priorities
        .iter()
        .any(|priority| priority.id == priority_id)
    {
        return Err(SlaError::UnknownPriority {
            profile: profile.id.clone(),
            priority: priority_id.to_owned(),
            known: profile
                .priorities
                .iter()
                .map(|priority| priority.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if !tier.supported {
        return Err(SlaError::Unsupported {
            tier: tier.label.clone(),
            message: tier.unsupported_message.clone().unwrap_or_default(),
        });
    }
    let calendar_id = tier
        .calendar_by_priority
        .get(priority_id)
        .unwrap_or(&tier.calendar);
    // `parse` has checked that every calendar a tier names exists.
    let Some(spec) = profile.calendars.get(calendar_id) else {
        return Err(SlaError::NeverOpen {
            calendar: calendar_id.clone(),
            source: NeverOpen,
        });
    };
    let calendar = Calendar::new(spec);
    let never_open = |source| SlaError::NeverOpen {
        calendar: calendar_id.clone(),
        source,
    };
    let clock_starts = calendar.clock_start(submitted).map_err(never_open)?;

    let applies = |tiers: &[String], priorities: &[String]| {
        (tiers.is_empty() || tiers.iter().any(|id| id == tier_id))
            && (priorities.is_empty() || priorities.iter().any(|id| id == priority_id))
    };
    let mut targets = Vec::new();
    for target in profile
        .targets
        .iter()
        .filter(|target| applies(&target.tiers, &target.priorities))
    {
        let due =
            due_instant(&calendar, target.within, submitted, clock_starts).map_err(never_open)?;
        targets.push(TargetDue {
            name: target.name.clone(),
            // A best-effort target is shown as such wherever its label goes.
            label: if target.best_effort {
                format!("{} (best efforts, not a commitment)", target.label)
            } else {
                target.label.clone()
            },
            within: target.within,
            due,
        });
    }

    let mut escalations = Vec::new();
    for escalation in profile
        .escalation
        .iter()
        .filter(|escalation| applies(&escalation.tiers, &escalation.priorities))
    {
        let (allowed_from, condition) = match &escalation.after {
            EscalationAfter::AnyTime => (Some(submitted), "at any time".to_owned()),
            EscalationAfter::MissedTarget(name) => {
                match targets.iter().find(|target| &target.name == name) {
                    Some(target) => (
                        target.due,
                        format!(
                            "if the {} has not come by then",
                            target.label.to_lowercase()
                        ),
                    ),
                    // The target does not apply to this tier and priority: neither does the path.
                    None => continue,
                }
            }
            EscalationAfter::Elapsed(within) => (
                due_instant(&calendar, *within, submitted, clock_starts).map_err(never_open)?,
                format!("{within} after submission"),
            ),
        };
        escalations.push(EscalationDue {
            allowed_from,
            condition,
            contacts: escalation.contacts.clone(),
            how: escalation.how.clone(),
        });
    }

    let notices = profile
        .rules
        .phone_first
        .iter()
        .filter(|rule| applies(&rule.tiers, &rule.priorities))
        .map(|rule| format!("{} Call {}.", rule.message, rule.phone))
        .collect();

    Ok(Sla {
        tier: tier.id.clone(),
        priority: priority_id.to_owned(),
        submitted,
        coverage: spec.label.clone(),
        vendor_time_zone: calendar.time_zone,
        clock_starts,
        targets,
        escalations,
        notices,
    })
}

fn due_instant(
    calendar: &Calendar,
    within: Within,
    submitted: DateTime<Utc>,
    clock_starts: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, NeverOpen> {
    Ok(Some(match within {
        Within::Minutes(minutes) => submitted + TimeDelta::minutes(i64::from(minutes)),
        Within::BusinessMinutes(minutes) => {
            calendar.add_business_time(clock_starts, TimeDelta::minutes(i64::from(minutes)))?
        }
        Within::BusinessDays(days) => calendar.add_business_days(clock_starts, days)?,
        Within::NextBusinessDay => calendar.next_business_day_close(submitted)?,
        Within::NextSoftwareRelease => return Ok(None),
    }))
}

/// An instant as people read it in a time zone: `Tue 24 Nov 2026, 10:00 EST`.
pub fn format_instant(instant: DateTime<Utc>, time_zone: Tz) -> String {
    instant
        .with_timezone(&time_zone)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// One line per target, as people read it in `time_zone` (the user's own).
pub fn describe_target(target: &TargetDue, time_zone: Tz) -> String {
    match target.due {
        Some(due) => format!(
            "{}: within {}, by {} your time",
            target.label,
            target.within,
            format_instant(due, time_zone)
        ),
        None => format!("{}: {} (no fixed time)", target.label, target.within),
    }
}

/// One line per escalation path, as people read it in `time_zone`.
pub fn describe_escalation(escalation: &EscalationDue, time_zone: Tz) -> String {
    let when = match escalation.allowed_from {
        Some(from) => format!(
            "allowed from {} your time ({})",
            format_instant(from, time_zone),
            escalation.condition
        ),
        None => format!("allowed {}", escalation.condition),
    };
    format!(
        "Escalate to {}: {}. {}",
        escalation.contacts.join(" or "),
        when,
        escalation.how
    )
}
