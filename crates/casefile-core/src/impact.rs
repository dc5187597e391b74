//! The impact questionnaire: from a few answers to a proposed priority on the vendor's own scale.
//!
//! The profile's `priority_rules` are tried in order and the first whose conditions all hold
//! proposes its priority; an unanswered question never satisfies a condition. A cap that applies
//! to the request by its issue type (Jelastic: .NET and MS-SQL at most level 2) lowers the
//! proposal; a cap only its words suggest ([`suggested_caps`]) is a warning the user confirms by
//! choosing the issue type.

use crate::profile::schema::{Cap, Conditions, Profile};
use crate::request::{Environment, ImpactAnswers, Request};

/// A proposed priority and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The proposed priority id.
    pub priority: String,
    /// The index of the rule that matched, or `None` for the profile's default.
    pub rule: Option<usize>,
    /// The cap's message, when a cap lowered the proposal.
    pub capped: Option<String>,
}

/// Proposes a priority for a request from its questionnaire answers, environment and caps.
pub fn propose_priority(profile: &Profile, request: &Request) -> Proposal {
    let answers = &request.impact.answers;
    let environment = request.scope.environment;
    let matched = profile
        .priority_rules
        .iter()
        .position(|rule| matches(&rule.when, answers, environment));
    let priority = matched.map_or(profile.default_priority.as_str(), |index| {
        profile.priority_rules[index].priority.as_str()
    });
    let mut proposal = Proposal {
        priority: priority.to_owned(),
        rule: matched,
        capped: None,
    };
    if let Some(cap) = applicable_cap(profile, request)
        && more_severe(profile, &proposal.priority, &cap.max_priority)
    {
        proposal.priority = cap.max_priority.clone();
        proposal.capped = Some(cap.message.clone());
    }
    proposal
}

fn matches(
    conditions: &Conditions,
    answers: &ImpactAnswers,
    environment: Option<Environment>,
) -> bool {
    fn holds<T: PartialEq>(wanted: Option<T>, actual: Option<T>) -> bool {
        wanted.is_none() || (actual.is_some() && wanted == actual)
    }
    holds(conditions.production_down, answers.production_down)
        && holds(conditions.data_loss, answers.data_loss)
        && holds(conditions.workaround, answers.workaround)
        && holds(conditions.question_only, answers.question_only)
        && holds(conditions.environment, environment)
        && conditions
            .users_at_least
            .is_none_or(|least| answers.users_affected.is_some_and(|users| users >= least))
}

/// The most restrictive cap that applies to the request by its issue type.
pub fn applicable_cap<'a>(profile: &'a Profile, request: &Request) -> Option<&'a Cap> {
    profile
        .rules
        .caps
        .iter()
        .filter(|cap| cap.issue_types.contains(&request.issue_type))
        .max_by_key(|cap| rank(profile, &cap.max_priority))
}

/// A cap the request's words suggest but its issue type does not confirm, with the words.
#[derive(Debug, Clone)]
pub struct SuggestedCap<'a> {
    /// The cap.
    pub cap: &'a Cap,
    /// The keywords and names found, as the profile writes them.
    pub words: Vec<&'a str>,
}

/// Caps whose keywords or names the subject or description mentions, other than those the issue
/// type already applies.
pub fn suggested_caps<'a>(profile: &'a Profile, request: &Request) -> Vec<SuggestedCap<'a>> {
    let text = format!(
        "{}\n{}",
        request.problem.subject, request.problem.description
    );
    let lower = text.to_lowercase();
    profile
        .rules
        .caps
        .iter()
        .filter(|cap| !cap.issue_types.contains(&request.issue_type))
        .filter_map(|cap| {
            let words: Vec<&str> = cap
                .keywords
                .iter()
                .filter(|keyword| mentions(&lower, &keyword.to_lowercase()))
                .chain(cap.names.iter().filter(|name| mentions(&text, name)))
                .map(String::as_str)
                .collect();
            (!words.is_empty()).then_some(SuggestedCap { cap, words })
        })
        .collect()
}

/// Whether `keyword` appears in `text` as a whole word ("on .NET 8", "(ASP.NET)"), never inside
/// a longer word ("dotnetty"), a host name ("shop.example.net", "mssql.example.com"), a URL
/// ("https://example.com/dotnet") or an e-mail address. Case is compared as given.
pub(crate) fn mentions(text: &str, keyword: &str) -> bool {
    if keyword.trim().is_empty() {
        return false;
    }
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(keyword).any(|(start, _)| {
        let end = start + keyword.len();
        let (Some(head), Some(tail)) = (text.get(..start), text.get(end..)) else {
            return false;
        };
        // The whitespace-separated token the match sits in.
        let token_start = head.rfind(char::is_whitespace).map_or(0, |index| index + 1);
        let token_end = tail
            .find(char::is_whitespace)
            .map_or(text.len(), |index| end + index);
        let token = text.get(token_start..token_end).unwrap_or_default();
        if token.contains("://") || token.contains('@') {
            return false;
        }
        let before = head.chars().next_back();
        let mut rest = tail.chars();
        let after = rest.next();
        let next = rest.next();
        // Before: a start, a space or punctuation, but not a word character, nor a dot or slash
        // that would make the keyword the end of a host name or a path.
        let starts_clean = before.is_none_or(|c| !word_char(c) && !matches!(c, '.' | '/'));
        // After: an end, a space or punctuation; a dot, hyphen or slash only when no word
        // character follows it (a full stop ends a sentence; "mssql.example.com" is a host).
        let ends_clean = match after {
            None => true,
            Some(c) if word_char(c) => false,
            Some('.' | '/' | '-') => next.is_none_or(|c| !word_char(c)),
            Some(_) => true,
        };
        starts_clean && ends_clean
    })
}

/// The position of a priority on the scale, 0 the most severe; unknown ids rank last.
pub fn rank(profile: &Profile, priority: &str) -> usize {
    profile
        .priorities
        .iter()
        .position(|candidate| candidate.id == priority)
        .unwrap_or(usize::MAX)
}

/// Whether priority `a` is more severe than priority `b`.
pub fn more_severe(profile: &Profile, a: &str, b: &str) -> bool {
    rank(profile, a) < rank(profile, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_whole_words_only() {
        assert!(mentions("the app on .net 8 crashes", ".net"));
        assert!(mentions("ms-sql backups fail", "ms-sql"));
        assert!(mentions("our asp.net site.", "asp.net"));
        assert!(mentions("(.net) and mssql.", "mssql"));
        assert!(!mentions("see example.network", ".net"));
        assert!(!mentions("dotnetty", "net"));
    }

    #[test]
    fn keywords_never_match_inside_host_names_urls_or_addresses() {
        assert!(!mentions("shop.example.net is down", ".net"));
        assert!(!mentions("shop.example.net.", ".net"));
        assert!(!mentions("mssql.example.com refuses connections", "mssql"));
        assert!(!mentions("see https://example.com/dotnet/faq", "dotnet"));
        assert!(!mentions("write to dotnet@example.com", "dotnet"));
        assert!(!mentions("the dotnet-team.example.org host", "dotnet"));
    }

    #[test]
    fn names_match_with_their_capitals() {
        assert!(mentions("backups on SQL Server 2019 fail", "SQL Server"));
        assert!(!mentions("the SQL server (MySQL) is down", "SQL Server"));
        assert!(!mentions("our MySQL Server is down", "SQL Server"));
    }
}
