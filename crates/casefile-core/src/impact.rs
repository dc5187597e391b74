//! The impact questionnaire: from a few answers to a proposed priority on the vendor's own scale.
//!
//! The profile's `priority_rules` are tried in order and the first whose conditions all hold
//! proposes its priority; an unanswered question never satisfies a condition. A cap that applies
//! to the request (Jelastic: .NET and MS-SQL at most level 2) lowers the proposal.

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

/// The most restrictive cap that applies to the request, by issue type or by keyword.
pub fn applicable_cap<'a>(profile: &'a Profile, request: &Request) -> Option<&'a Cap> {
    let text = format!(
        "{}\n{}",
        request.problem.subject, request.problem.description
    )
    .to_lowercase();
    profile
        .rules
        .caps
        .iter()
        .filter(|cap| {
            cap.issue_types.contains(&request.issue_type)
                || cap
                    .keywords
                    .iter()
                    .any(|keyword| mentions(&text, &keyword.to_lowercase()))
        })
        .max_by_key(|cap| rank(profile, &cap.max_priority))
}

/// Whether `keyword` appears in `text` as a whole word (".net" matches "on .NET 8", not "dotnetty").
fn mentions(text: &str, keyword: &str) -> bool {
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(keyword).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + keyword.len()..].chars().next();
        let starts_clean = !keyword.starts_with(word_char) || before.is_none_or(|c| !word_char(c));
        let ends_clean = !keyword.ends_with(word_char) || after.is_none_or(|c| !word_char(c));
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
        assert!(!mentions("see example.network", ".net"));
        assert!(!mentions("dotnetty", "net"));
    }
}
