//! The questionnaire proposes a priority on each vendor's own scale, and caps lower it.

use casefile_core::impact::propose_priority;
use casefile_core::profile::schema::UsersAffected;
use casefile_core::request::{Environment, ImpactAnswers, Request};

use crate::builtin;

fn request(answers: ImpactAnswers, environment: Option<Environment>) -> Request {
    let mut request = Request::default();
    request.impact.answers = answers;
    request.scope.environment = environment;
    request
}

#[track_caller]
fn check(profile: &str, answers: ImpactAnswers, environment: Option<Environment>, expected: &str) {
    let proposal = propose_priority(&builtin(profile), &request(answers, environment));
    assert_eq!(proposal.priority, expected, "{profile}");
}

fn down() -> ImpactAnswers {
    ImpactAnswers {
        production_down: Some(true),
        users_affected: Some(UsersAffected::Most),
        ..ImpactAnswers::default()
    }
}

fn question() -> ImpactAnswers {
    ImpactAnswers {
        question_only: Some(true),
        workaround: Some(true),
        ..ImpactAnswers::default()
    }
}

#[test]
fn production_down_proposes_each_vendors_most_severe_level() {
    check("jetpatch", down(), Some(Environment::Production), "1");
    check("jumpcloud", down(), Some(Environment::Production), "1");
    check("ujet", down(), Some(Environment::Production), "0");
    check("jelastic", down(), Some(Environment::Production), "1");
    check("jumpmind", down(), Some(Environment::Production), "1");
    check("generic", down(), Some(Environment::Production), "1");
}

#[test]
fn a_question_proposes_each_vendors_least_severe_level() {
    check("jetpatch", question(), None, "3");
    check("jumpcloud", question(), None, "3");
    check("ujet", question(), None, "4");
    check("jelastic", question(), None, "4");
    check("jumpmind", question(), None, "4");
}

#[test]
fn jumpmind_keeps_priority_1_for_production_systems() {
    // "(iii) a complete or substantial loss of service when using a Development System" is Priority 2.
    check("jumpmind", down(), Some(Environment::Development), "2");
}

#[test]
fn unanswered_questions_propose_the_default() {
    check("jetpatch", ImpactAnswers::default(), None, "2");
    check("jelastic", ImpactAnswers::default(), None, "3");
}

#[test]
fn jelastic_caps_dotnet_and_mssql_at_level_2() {
    let profile = builtin("jelastic");
    let mut dotnet = request(down(), Some(Environment::Production));
    dotnet.issue_type = "dotnet".into();
    let proposal = propose_priority(&profile, &dotnet);
    assert_eq!(proposal.priority, "2");
    assert!(proposal.capped.is_some());
    let mut mentions = request(down(), Some(Environment::Production));
    mentions.problem.subject = "Our ASP.NET app cannot reach MS-SQL".into();
    // Words only suggest the cap (a warning the user confirms with the issue type): the
    // proposal stands, and the suggestion names them.
    assert_eq!(propose_priority(&profile, &mentions).priority, "1");
    let suggested = casefile_core::impact::suggested_caps(&profile, &mentions);
    assert_eq!(suggested.len(), 1);
    assert_eq!(suggested[0].words, vec!["asp.net", "ms-sql"]);
    let java = request(down(), Some(Environment::Production));
    assert_eq!(propose_priority(&profile, &java).priority, "1");
}
