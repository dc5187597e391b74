//! The vendor profile schema (version 2): the TOML a profile file holds, as Rust types.
//!
//! Every table rejects unknown keys, so a misspelt key is an error that names it. Values with a
//! grammar of their own (time zones, clock times, durations, escalation triggers) are parsed
//! while deserializing, so their errors carry the line of the bad value. The schema is
//! documented for profile authors in `docs/profile-schema.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize};

use crate::request::Environment;

/// The profile schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest profile schema version this build still reads. Version 2 only added optional
/// keys (`recommended`, `best_effort`, `version_support`, `[[releases]]`, `names`,
/// `consulting_included_tiers`, `environments`, `[[rules.routing]]`), so a version 1 file means
/// the same under version 2.
pub const MIN_SCHEMA_VERSION: u32 = 1;

/// One vendor's support policy: who to contact, when they answer, what they need.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// From [`MIN_SCHEMA_VERSION`] to [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Short lowercase identifier (`jumpcloud`), used on the command line.
    pub id: String,
    /// The vendor's name as people write it.
    pub name: String,
    /// The profile's own version (bumped when its values change).
    pub version: String,
    /// One paragraph shown when choosing a vendor.
    pub description: String,
    /// The policy document the values were read from, if any.
    #[serde(default)]
    pub seed: Option<String>,
    /// Web addresses of the vendor's support resources.
    #[serde(default)]
    pub links: Links,
    /// Addresses and numbers to reach support.
    #[serde(default)]
    pub contact: Contact,
    /// Named support calendars (`business`, `always`...), referenced by tiers.
    pub calendars: BTreeMap<String, CalendarSpec>,
    /// Support tiers; a vendor that names none has one, `standard`.
    pub tiers: Vec<Tier>,
    /// The priority scale, most severe first, with the vendor's own ids.
    pub priorities: Vec<Priority>,
    /// The priority proposed when no questionnaire rule matches.
    pub default_priority: String,
    /// Questionnaire rules; the first that matches proposes its priority.
    #[serde(default)]
    pub priority_rules: Vec<PriorityRule>,
    /// Response targets per tier and priority.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// Escalation paths and when each becomes allowed.
    #[serde(default)]
    pub escalation: Vec<Escalation>,
    /// Caps, routing, eligibility and scope rules.
    #[serde(default)]
    pub rules: Rules,
    /// Issue types, each with its checklist and required evidence.
    #[serde(default)]
    pub issue_types: Vec<IssueType>,
    /// Kinds of evidence the vendor asks for, with where to find them per OS.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// What the support snapshot reads about the vendor's agent.
    #[serde(default)]
    pub snapshot: SnapshotSpec,
    /// Changes to the core request fields: required, hidden, relabelled.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldRule>,
    /// Fields this vendor adds to the request.
    #[serde(default)]
    pub extra_fields: Vec<ExtraField>,
    /// The product's releases with their dates, for the tiers' `version_support` windows.
    #[serde(default)]
    pub releases: Vec<Release>,
}

impl Profile {
    /// The address a request is e-mailed to: the first `[[rules.routing]]` rule whose field
    /// holds one of its choices in `extra` (the request's extra fields), else `contact.email`.
    pub fn delivery_email(&self, extra: &BTreeMap<String, String>) -> Option<String> {
        self.rules
            .routing
            .iter()
            .find(|rule| {
                extra
                    .get(&rule.field)
                    .is_some_and(|value| rule.choices.iter().any(|choice| choice == value.trim()))
            })
            .map(|rule| rule.email.clone())
            .or_else(|| self.contact.email.clone())
    }
}

impl Profile {
    /// What the user should know about a tier, in one paragraph: its `note`, its version
    /// support window, and the phone lines kept for it (`contact.phones` naming the tier).
    pub fn tier_notes(&self, tier: &Tier) -> Option<String> {
        let mut parts: Vec<String> = tier.note.iter().cloned().collect();
        if let Some(window) = tier.version_support {
            parts.push(format!("Version support: {}.", window.describe()));
        }
        for phone in self
            .contact
            .phones
            .iter()
            .filter(|phone| phone.tiers.contains(&tier.id))
        {
            parts.push(format!("Phone: {} ({}).", phone.number, phone.label));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// A product release and the day it came out.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The version as the vendor numbers it (`3.15`); a request's `3.15.4` belongs to the newest
    /// release at or below it.
    pub version: String,
    /// The release date, a TOML date (`2023-11-14`) or the same in a string.
    #[serde(deserialize_with = "release_date")]
    pub date: NaiveDate,
}

/// Reads a TOML date (`2023-11-14`) or a string holding one.
fn release_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum DateOrText {
        Date(toml::value::Datetime),
        Text(String),
    }
    let text = match DateOrText::deserialize(deserializer)? {
        DateOrText::Date(date) => date.to_string(),
        DateOrText::Text(text) => text,
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        serde::de::Error::custom(format!(
            "cannot read release date {text:?}: write a date as YYYY-MM-DD, e.g. 2023-11-14"
        ))
    })
}

/// How long a tier's versions are supported: only the latest release, or releases younger than
/// some months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionWindow {
    /// Only the newest release: `latest`.
    Latest,
    /// Releases out for at most this many months (`12 months`); the newest is always supported.
    Months(u32),
}

impl FromStr for VersionWindow {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normalized = text.trim().to_ascii_lowercase();
        let words: Vec<&str> = normalized.split_whitespace().collect();
        let bad = || {
            format!(
                "cannot read version support {text:?}: write \"latest\" or a number of months such as \"12 months\""
            )
        };
        match words.as_slice() {
            ["latest"] | ["latest", "only"] => Ok(VersionWindow::Latest),
            [count, "month" | "months"] => match count.parse::<u32>() {
                Ok(count) if (1..=1200).contains(&count) => Ok(VersionWindow::Months(count)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl VersionWindow {
    /// The window as people read it: `the latest release only`, `releases of the last 12 months`.
    pub fn describe(&self) -> String {
        match self {
            VersionWindow::Latest => "the latest release only".to_owned(),
            VersionWindow::Months(_) => format!("releases of the last {self}, and the latest"),
        }
    }
}

impl fmt::Display for VersionWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionWindow::Latest => f.write_str("latest"),
            VersionWindow::Months(1) => f.write_str("1 month"),
            VersionWindow::Months(count) => write!(f, "{count} months"),
        }
    }
}

/// Web addresses of support resources.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Links {
    /// Where requests are filed on the web.
    pub portal: Option<String>,
    /// The service status page.
    pub status: Option<String>,
    /// The knowledge base's home page.
    pub knowledge_base: Option<String>,
    /// A search URL with `{query}` where the search words go.
    pub knowledge_base_search: Option<String>,
}

/// Addresses and numbers to reach support.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The support e-mail address.
    pub email: Option<String>,
    /// The address partners write to instead.
    pub partner_email: Option<String>,
    /// Phone lines, each possibly limited to some tiers.
    #[serde(default)]
    pub phones: Vec<Phone>,
}

/// A support phone line.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    /// The number as the vendor writes it, with any extension or menu option.
    pub number: String,
    /// What the line is for.
    pub label: String,
    /// Tiers that may call; empty means every tier.
    #[serde(default)]
    pub tiers: Vec<String>,
}

/// When support works: a weekly schedule in one time zone, minus holidays.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// An IANA time zone name (`America/New_York`); DST follows it.
    pub time_zone: TimeZone,
    /// Days with coverage.
    pub days: Vec<Day>,
    /// Opening time, `HH:MM` local.
    pub open: ClockTime,
    /// Closing time, `HH:MM` local; `24:00` is midnight at the end of the day.
    pub close: ClockTime,
    /// Single days without coverage, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Named, rule-based holiday sets (`us-federal`).
    #[serde(default)]
    pub holiday_sets: Vec<HolidaySet>,
    /// How the schedule is described to people (`Mon-Fri 4 am - 4 pm US Eastern`).
    pub label: String,
}

/// A rule-based set of holidays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolidaySet {
    /// United States federal holidays, on their observed dates.
    UsFederal,
}

/// A day of the week, written `mon` to `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Day {
    /// The chrono weekday.
    pub fn weekday(self) -> Weekday {
        match self {
            Day::Mon => Weekday::Mon,
            Day::Tue => Weekday::Tue,
            Day::Wed => Weekday::Wed,
            Day::Thu => Weekday::Thu,
            Day::Fri => Weekday::Fri,
            Day::Sat => Weekday::Sat,
            Day::Sun => Weekday::Sun,
        }
    }
}

/// A support tier.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The vendor's tier name in lowercase (`premium`).
    pub id: String,
    /// The tier name as the vendor writes it.
    pub label: String,
    /// The calendar that covers this tier's requests.
    pub calendar: String,
    /// Calendars that replace `calendar` for some priorities (Priority 1 around the clock).
    #[serde(default)]
    pub calendar_by_priority: BTreeMap<String, String>,
    /// How the tier may reach support.
    pub channels: Vec<ChannelKind>,
    /// False when the tier gets no support requests at all (knowledge base only).
    #[serde(default = "yes")]
    pub supported: bool,
    /// Said to the user when `supported` is false.
    #[serde(default)]
    pub unsupported_message: Option<String>,
    /// How many named contacts the customer may register.
    #[serde(default)]
    pub named_contacts: Option<NamedContacts>,
    /// Anything else the user should know about the tier.
    #[serde(default)]
    pub note: Option<String>,
    /// Which product versions the tier supports, judged against `[[releases]]`.
    #[serde(default)]
    pub version_support: Option<VersionWindow>,
}

fn yes() -> bool {
    true
}

/// How many named contacts a tier allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum NamedContacts {
    /// At most this many.
    Count(u32),
    /// No limit, written `"unlimited"`.
    Unlimited(Unlimited),
}

/// The word `unlimited`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unlimited {
    /// No limit.
    Unlimited,
}

/// A way to reach support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// E-mail.
    Email,
    /// The web portal or a help-desk API.
    Web,
    /// Telephone.
    Phone,
    /// Live chat.
    Chat,
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChannelKind::Email => "e-mail",
            ChannelKind::Web => "web",
            ChannelKind::Phone => "phone",
            ChannelKind::Chat => "chat",
        })
    }
}

/// One level of the vendor's priority scale.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Priority {
    /// The vendor's own number or name for the level (`1`).
    pub id: String,
    /// The level's name (`Priority Errors`, `Severity 1`).
    pub label: String,
    /// The vendor's definition, shown beside the level.
    pub definition: String,
    /// The environments the definition speaks of (Priority 1 "for a Production System"); a
    /// request in another environment at this priority gets a warning. Empty: any.
    #[serde(default)]
    pub environments: Vec<Environment>,
}

/// Answers that make a questionnaire rule match; every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Production is down.
    pub production_down: Option<bool>,
    /// Data is lost or corrupted.
    pub data_loss: Option<bool>,
    /// A workaround exists.
    pub workaround: Option<bool>,
    /// At least this many users are affected.
    pub users_at_least: Option<UsersAffected>,
    /// The request is a question, a cosmetic issue or an enhancement request.
    pub question_only: Option<bool>,
    /// The environment the problem is in.
    pub environment: Option<Environment>,
}

/// How many users a problem touches, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UsersAffected {
    /// Nobody yet (a question or a risk).
    None,
    /// One user or one endpoint.
    One,
    /// Several users, not most.
    Some,
    /// Most or all users.
    Most,
}

/// A questionnaire rule: when the answers match, propose this priority.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityRule {
    /// The proposed priority id.
    pub priority: String,
    /// What must hold.
    pub when: Conditions,
}

/// A response target for some tiers and priorities.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Tiers it applies to; empty means every supported tier.
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Priorities it applies to.
    pub priorities: Vec<String>,
    /// A short identifier (`acknowledgment`), also used by escalation triggers.
    pub name: String,
    /// How the target is named to people (`Acknowledgment`).
    pub label: String,
    /// How long the vendor has.
    pub within: Within,
    /// The vendor promises only its best efforts, not the time: shown as such.
    #[serde(default)]
    pub best_effort: bool,
}

/// How long a vendor has to meet a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    /// Wall-clock minutes from submission, whatever the calendar.
    Minutes(u32),
    /// Minutes counted only while the tier's calendar is open.
    BusinessMinutes(u32),
    /// Business days: the same time of day, this many business days after the clock starts.
    BusinessDays(u32),
    /// By the close of the first business day after the day of submission.
    NextBusinessDay,
    /// With the vendor's next software release: no instant can be computed.
    NextSoftwareRelease,
}

impl FromStr for Within {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normalized = text.trim().to_ascii_lowercase();
        let words: Vec<&str> = normalized.split_whitespace().collect();
        match words.as_slice() {
            ["next", "business", "day"] => return Ok(Within::NextBusinessDay),
            ["next", "software", "release"] => return Ok(Within::NextSoftwareRelease),
            _ => {}
        }
        let hint = "write a count and a unit such as \"30 minutes\", \"4 hours\", \"4 business hours\", \"30 business minutes\", \"2 business days\", or \"next business day\" or \"next software release\"";
        let (count, unit) = match words.as_slice() {
            [count, unit] => (count, vec![*unit]),
            [count, qualifier, unit] => (count, vec![*qualifier, *unit]),
            _ => return Err(format!("cannot read response target {text:?}: {hint}")),
        };
        let count: u32 = count.parse().map_err(|_| {
            format!("cannot read response target {text:?}: {count:?} is not a whole number; {hint}")
        })?;
        if count == 0 {
            return Err(format!("response target {text:?} is zero; {hint}"));
        }
        let unit: Vec<&str> = unit
            .iter()
            .map(|word| {
                if *word == "business" {
                    word
                } else {
                    word.trim_end_matches('s')
                }
            })
            .collect();
        let too_big = || format!("response target {text:?} is longer than a year");
        match unit.as_slice() {
            ["minute"] => Ok(Within::Minutes(count)),
            ["hour"] => count
                .checked_mul(60)
                .filter(|m| *m <= 527_040)
                .map(Within::Minutes)
                .ok_or_else(too_big),
            ["business", "minute"] => Ok(Within::BusinessMinutes(count)),
            ["business", "hour"] => count
                .checked_mul(60)
                .filter(|m| *m <= 527_040)
                .map(Within::BusinessMinutes)
                .ok_or_else(too_big),
            ["business", "day"] if count <= 366 => Ok(Within::BusinessDays(count)),
            ["business", "day"] => Err(too_big()),
            _ => Err(format!(
                "cannot read response target {text:?}: unknown unit; {hint}"
            )),
        }
    }
}

impl fmt::Display for Within {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn plural(count: u32, unit: &str) -> String {
            if count == 1 {
                format!("1 {unit}")
            } else {
                format!("{count} {unit}s")
            }
        }
        let text = match *self {
            Within::Minutes(m) if m % 60 == 0 => plural(m / 60, "hour"),
            Within::Minutes(m) => plural(m, "minute"),
            Within::BusinessMinutes(m) if m % 60 == 0 => plural(m / 60, "business hour"),
            Within::BusinessMinutes(m) => plural(m, "business minute"),
            Within::BusinessDays(d) => plural(d, "business day"),
            Within::NextBusinessDay => "next business day".to_owned(),
            Within::NextSoftwareRelease => "next software release".to_owned(),
        };
        f.write_str(&text)
    }
}

/// Deserializes a value through its [`FromStr`], so the error carries the value's line.
macro_rules! deserialize_from_str {
    ($type:ty) => {
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Serializes a value as its [`fmt::Display`] text, which its [`FromStr`] reads back.
macro_rules! serialize_as_text {
    ($type:ty) => {
        impl Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    };
}

deserialize_from_str!(Within);
deserialize_from_str!(TimeZone);
deserialize_from_str!(ClockTime);
deserialize_from_str!(EscalationAfter);
deserialize_from_str!(ByteSize);
deserialize_from_str!(Timeout);
deserialize_from_str!(VersionWindow);
serialize_as_text!(VersionWindow);
serialize_as_text!(Within);
serialize_as_text!(TimeZone);
serialize_as_text!(ClockTime);
serialize_as_text!(EscalationAfter);
serialize_as_text!(Timeout);

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl fmt::Display for EscalationAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EscalationAfter::AnyTime => f.write_str("any time"),
            EscalationAfter::MissedTarget(name) => write!(f, "missed {name}"),
            EscalationAfter::Elapsed(within) => write!(f, "{within}"),
        }
    }
}

/// An IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl FromStr for TimeZone {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse::<chrono_tz::Tz>().map(TimeZone).map_err(|_| {
            format!("unknown time zone {text:?}: use an IANA name such as \"America/New_York\" or \"Europe/Berlin\"")
        })
    }
}

/// A local clock time in minutes after midnight, `00:00` to `24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(pub u32);

impl FromStr for ClockTime {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "cannot read clock time {text:?}: write it as HH:MM from 00:00 to 24:00, e.g. \"09:00\" or \"17:30\""
            )
        };
        let (hours, minutes) = text.split_once(':').ok_or_else(bad)?;
        if hours.len() != 2 || minutes.len() != 2 {
            return Err(bad());
        }
        let hours: u32 = hours.parse().map_err(|_| bad())?;
        let minutes: u32 = minutes.parse().map_err(|_| bad())?;
        if minutes > 59 || hours > 24 || (hours == 24 && minutes != 0) {
            return Err(bad());
        }
        Ok(ClockTime(hours * 60 + minutes))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// An escalation path.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// Tiers it applies to; empty means every tier.
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Priorities it applies to; empty means every priority.
    #[serde(default)]
    pub priorities: Vec<String>,
    /// When escalating becomes allowed.
    pub after: EscalationAfter,
    /// Who receives escalations (addresses, names).
    pub contacts: Vec<String>,
    /// How to escalate, in the vendor's terms.
    pub how: String,
}

/// When escalation becomes allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationAfter {
    /// At any time after submission: `any time`.
    AnyTime,
    /// When the named target passes without an answer: `missed acknowledgment`.
    MissedTarget(String),
    /// After a duration, counted like a target: `4 business hours`.
    Elapsed(Within),
}

impl FromStr for EscalationAfter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("any time") {
            return Ok(EscalationAfter::AnyTime);
        }
        if let Some(target) = trimmed.strip_prefix("missed ") {
            return Ok(EscalationAfter::MissedTarget(target.trim().to_owned()));
        }
        trimmed
            .parse()
            .map(EscalationAfter::Elapsed)
            .map_err(|error| format!("{error}; or write \"any time\" or \"missed TARGET-NAME\""))
    }
}

/// Caps, routing, eligibility and scope rules.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Priority caps for some kinds of issue.
    #[serde(default)]
    pub caps: Vec<Cap>,
    /// Requests that must be started by phone.
    #[serde(default)]
    pub phone_first: Vec<PhoneFirst>,
    /// Who may file requests at all, by the value of a field.
    #[serde(default)]
    pub eligibility: Vec<Eligibility>,
    /// What support covers and what is consulting.
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Other delivery addresses, chosen by the value of a field.
    #[serde(default)]
    pub routing: Vec<Routing>,
}

/// Sends requests to another address when a choice field holds one of some values.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// The id of a choice extra field.
    pub field: String,
    /// The choice ids that route to `email`.
    pub choices: Vec<String>,
    /// The address such requests are e-mailed to instead of `contact.email`.
    pub email: String,
}

/// A priority cap: requests about some subjects may be at most this severe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    /// The most severe priority allowed.
    pub max_priority: String,
    /// Issue types the cap applies to.
    #[serde(default)]
    pub issue_types: Vec<String>,
    /// Words that suggest the cap when they appear in the subject or description, matched as
    /// whole words in any case, never inside a host name, URL or e-mail address.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Like `keywords`, but matched with their capitals as written: product names that are also
    /// common words (`SQL Server`, not "the SQL server").
    #[serde(default)]
    pub names: Vec<String>,
    /// Said to the user when the cap applies.
    pub message: String,
}

/// A rule that a request must be started by phone.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneFirst {
    /// Tiers it applies to.
    pub tiers: Vec<String>,
    /// Priorities it applies to.
    pub priorities: Vec<String>,
    /// The number to call.
    pub phone: String,
    /// Said to the user.
    pub message: String,
}

/// Who may file requests, by the value of one field.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// The id of a choice field (usually an extra field).
    pub field: String,
    /// The choice ids that may file requests.
    pub allowed: Vec<String>,
    /// Said to the user when their choice is not allowed.
    pub message: String,
}

/// What support covers and what the vendor treats as consulting.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Kinds of request support covers.
    pub support: Vec<String>,
    /// Kinds of request that are consulting.
    pub consulting: Vec<String>,
    /// Phrases that make a request read like consulting, matched as whole words in any case.
    pub consulting_keywords: Vec<String>,
    /// Tiers whose plan includes consulting: no consulting warning for them.
    #[serde(default)]
    pub consulting_included_tiers: Vec<String>,
    /// Said to the user when a request reads like consulting.
    pub message: String,
}

/// An issue type, with what the vendor asks for it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IssueType {
    /// Short identifier.
    pub id: String,
    /// The vendor's name for it.
    pub label: String,
    /// When to choose it.
    pub description: String,
    /// Steps to go through before filing, each ticked in the request.
    #[serde(default)]
    pub checklist: Vec<ChecklistItem>,
    /// Evidence ids the vendor requires for this type.
    #[serde(default)]
    pub required_evidence: Vec<String>,
    /// Evidence ids the vendor asks for when possible.
    #[serde(default)]
    pub optional_evidence: Vec<String>,
}

/// One checklist step.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// Short identifier, recorded in the request when ticked.
    pub id: String,
    /// The step, in the vendor's words.
    pub text: String,
}

/// A kind of evidence and where to find it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Short identifier.
    pub id: String,
    /// The vendor's name for it.
    pub label: String,
    /// What it is and how to get it.
    pub description: String,
    /// Where it is on each OS.
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// Where a kind of evidence lives on one OS.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The OS.
    pub os: Os,
    /// Paths or globs in the OS's native form (`C:\Windows\Temp\jcagent.log*`,
    /// `~/Library/Logs/JumpCloud/**/*.log`, `%ProgramData%\JumpCloud\**\*.log`). A directory
    /// means everything under it.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Keep only the tail of each matched file beyond this size; [`DEFAULT_MAX_SIZE`] when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<ByteSize>,
    /// Commands whose output is evidence, run as argument vectors (never through a shell).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<SourceCommand>,
}

impl Source {
    /// The size cap for each matched file: `max_size` or [`DEFAULT_MAX_SIZE`].
    pub fn max_size_or_default(&self) -> ByteSize {
        self.max_size.unwrap_or(DEFAULT_MAX_SIZE)
    }
}

/// Files bigger than this keep only their tail, unless a source sets `max_size` (sos's default).
pub const DEFAULT_MAX_SIZE: ByteSize = ByteSize(25 * 1024 * 1024);

/// A command is killed after this long unless it sets `timeout`.
pub const DEFAULT_COMMAND_TIMEOUT: Timeout = Timeout(std::time::Duration::from_secs(30));

/// A command keeps at most this much output (the tail) unless it sets `max_output`.
pub const DEFAULT_MAX_OUTPUT: ByteSize = ByteSize(1024 * 1024);

/// A command whose output is evidence.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceCommand {
    /// Short name, used for the output's entry name (`commands/iptables.txt`).
    pub name: String,
    /// Program and arguments; the program is looked up on `PATH` unless it is a path.
    pub argv: Vec<String>,
    /// Kill the command after this long; [`DEFAULT_COMMAND_TIMEOUT`] when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Timeout>,
    /// Keep at most this much output (the tail); [`DEFAULT_MAX_OUTPUT`] when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output: Option<ByteSize>,
}

impl SourceCommand {
    /// The command as a [`crate::evidence::CommandSpec`], with defaults applied.
    pub fn spec(&self) -> crate::evidence::CommandSpec {
        crate::evidence::CommandSpec {
            argv: self.argv.clone(),
            timeout: self.timeout.unwrap_or(DEFAULT_COMMAND_TIMEOUT).0,
            max_output: self.max_output.unwrap_or(DEFAULT_MAX_OUTPUT).0,
        }
    }
}

/// What the support snapshot reads from the vendor's agent, per OS.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotSpec {
    /// Files holding the installed agent's version, one per OS.
    #[serde(default)]
    pub version_files: Vec<VersionFile>,
    /// The agent's configuration files; the pipeline adds them to the bundle after redaction.
    #[serde(default)]
    pub config_files: Vec<ConfigFiles>,
    /// Process names to show in the snapshot whether or not they are among the busiest.
    #[serde(default)]
    pub processes: Vec<String>,
}

/// The file holding the installed agent's version on one OS.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VersionFile {
    /// The OS.
    pub os: Os,
    /// The path, in the OS's native form (variables allowed, no globs).
    pub path: String,
}

/// The agent's configuration files on one OS.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFiles {
    /// The OS.
    pub os: Os,
    /// Paths in the OS's native form (variables allowed, no globs).
    pub paths: Vec<String>,
}

/// A number of bytes, written `123`, `500 KB`, `25 MiB`, `1.5 GiB` (units are case-insensitive;
/// `KB`/`MB`/`GB`/`TB` are powers of 1000, `KiB`/`MiB`/`GiB`/`TiB` powers of 1024).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            format!(
                "cannot read size {text:?}: {why}; write a number of bytes with an optional unit, e.g. \"500000\", \"500 KB\", \"25 MiB\", \"1.5 GiB\" (B, KB, MB, GB, TB count in 1000s; KiB, MiB, GiB, TiB in 1024s)"
            )
        };
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let unit = unit.trim().to_ascii_lowercase();
        let multiplier: u64 = match unit.as_str() {
            "" | "b" | "byte" | "bytes" => 1,
            "k" | "kb" => 1_000,
            "kib" => 1 << 10,
            "m" | "mb" => 1_000_000,
            "mib" => 1 << 20,
            "g" | "gb" => 1_000_000_000,
            "gib" => 1 << 30,
            "t" | "tb" => 1_000_000_000_000,
            "tib" => 1 << 40,
            _ => return Err(bad(&format!("unknown unit {unit:?}"))),
        };
        if number.is_empty() {
            return Err(bad("no number"));
        }
        let value = match number.split_once('.') {
            None => number
                .parse::<u64>()
                .ok()
                .and_then(|whole| whole.checked_mul(multiplier))
                .ok_or_else(|| bad("too large"))?,
            Some((whole, fraction)) => {
                if fraction.is_empty() || fraction.contains('.') || fraction.len() > 9 {
                    return Err(bad("not a number"));
                }
                let whole: u64 = if whole.is_empty() {
                    0
                } else {
                    whole.parse().map_err(|_| bad("too large"))?
                };
                let digits: u64 = fraction.parse().map_err(|_| bad("not a number"))?;
                let scale = 10u64.pow(fraction.len() as u32);
                let whole_bytes = whole.checked_mul(multiplier);
                // fraction * multiplier fits: digits < 10^9 and multiplier <= 2^40.
                let fraction_bytes =
                    u128::from(digits) * u128::from(multiplier) / u128::from(scale);
                whole_bytes
                    .and_then(|bytes| bytes.checked_add(u64::try_from(fraction_bytes).ok()?))
                    .ok_or_else(|| bad("too large"))?
            }
        };
        Ok(ByteSize(value))
    }
}

impl ByteSize {
    /// The size in the largest unit that writes it exactly with at most one decimal (`25 MiB`,
    /// `1.5 GB`, `123 B`), if there is one; reads back through [`FromStr`] as the same value.
    fn exact(self) -> Option<String> {
        const UNITS: [(u64, &str); 8] = [
            (1 << 40, "TiB"),
            (1_000_000_000_000, "TB"),
            (1 << 30, "GiB"),
            (1_000_000_000, "GB"),
            (1 << 20, "MiB"),
            (1_000_000, "MB"),
            (1 << 10, "KiB"),
            (1_000, "KB"),
        ];
        let bytes = u128::from(self.0);
        for (size, unit) in UNITS {
            let size = u128::from(size);
            if bytes < size {
                continue;
            }
            if bytes % size == 0 {
                return Some(format!("{} {unit}", bytes / size));
            }
            if bytes * 10 % size == 0 {
                let tenths = bytes * 10 / size;
                return Some(format!("{}.{} {unit}", tenths / 10, tenths % 10));
            }
        }
        (self.0 < 1024).then(|| format!("{} B", self.0))
    }
}

impl fmt::Display for ByteSize {
    /// Exact when a unit allows (`25 MiB`, `1.5 GB`), else approximate in binary units
    /// (`1.2 MiB`); the alternate form `{:#}` writes inexact sizes in bytes instead, which
    /// [`FromStr`] reads back exactly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(exact) = self.exact() {
            return f.write_str(&exact);
        }
        if f.alternate() {
            return write!(f, "{} B", self.0);
        }
        let (size, unit) = [(1u64 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB")]
            .into_iter()
            .find(|(size, _)| self.0 >= *size)
            .unwrap_or((1 << 10, "KiB"));
        let tenths = u128::from(self.0) * 10 / u128::from(size);
        write!(f, "{}.{} {unit}", tenths / 10, tenths % 10)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{self:#}"))
    }
}

/// How long to wait, written `30 seconds`, `2 minutes`, `500 ms`, `1 hour` or `30s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timeout(pub std::time::Duration);

impl FromStr for Timeout {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "cannot read duration {text:?}: write a whole number and a unit, e.g. \"500 ms\", \"30 seconds\", \"2 minutes\", \"1 hour\""
            )
        };
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let count: u64 = number.parse().map_err(|_| bad())?;
        let millis: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "ms" | "millisecond" | "milliseconds" => 1,
            "s" | "sec" | "secs" | "second" | "seconds" => 1_000,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hour" | "hours" => 3_600_000,
            _ => return Err(bad()),
        };
        let total = count.checked_mul(millis).ok_or_else(bad)?;
        if total == 0 {
            return Err(format!(
                "duration {text:?} is zero; give a command time to run, e.g. \"30 seconds\""
            ));
        }
        Ok(Timeout(std::time::Duration::from_millis(total)))
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        if millis.is_multiple_of(3_600_000) {
            write!(f, "{} hours", millis / 3_600_000)
        } else if millis.is_multiple_of(60_000) {
            write!(f, "{} minutes", millis / 60_000)
        } else if millis.is_multiple_of(1_000) {
            write!(f, "{} seconds", millis / 1_000)
        } else {
            write!(f, "{millis} ms")
        }
    }
}

/// An operating system family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// Microsoft Windows.
    Windows,
    /// Apple macOS.
    Macos,
    /// Linux.
    Linux,
}

/// Changes to one core request field.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// The field must be filled.
    #[serde(default)]
    pub required: Option<bool>,
    /// The field is not asked for.
    #[serde(default)]
    pub hidden: Option<bool>,
    /// The vendor's name for the field.
    #[serde(default)]
    pub label: Option<String>,
    /// Help shown beside the field.
    #[serde(default)]
    pub help: Option<String>,
    /// The vendor asks for it when relevant: a warning, not an error, while it is empty.
    #[serde(default)]
    pub recommended: Option<bool>,
}

/// A field the vendor adds.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraField {
    /// Short identifier, the key in the request's `extra` table.
    pub id: String,
    /// Label.
    pub label: String,
    /// What kind of value it takes.
    pub kind: ExtraFieldKind,
    /// The field must be filled.
    #[serde(default)]
    pub required: bool,
    /// Help shown beside the field.
    #[serde(default)]
    pub help: Option<String>,
    /// The choices, for `choice` fields.
    #[serde(default)]
    pub choices: Vec<Choice>,
}

/// The kind of value an extra field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExtraFieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Multiline,
    /// One of `choices`.
    Choice,
}

/// One choice of a choice field.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stored value.
    pub id: String,
    /// Shown value.
    pub label: String,
}
