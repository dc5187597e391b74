//! Response targets of every seed vendor, hand-worked: inside hours, near closing, over a
//! weekend, across DST changes, for every tier and priority each seed defines.
//!
//! Each case gives the submission instant in UTC with its vendor-local reading in a comment,
//! and each expected due instant with the arithmetic that leads to it.

use casefile_core::sla::{SlaError, response_targets};
use chrono::{DateTime, Utc};

use crate::builtin;

fn at(text: &str) -> DateTime<Utc> {
    text.parse()
        .unwrap_or_else(|error| panic!("bad instant {text}: {error}"))
}

/// Checks the (name, due) of every target for one request.
#[track_caller]
fn check(
    profile: &str,
    tier: &str,
    priority: &str,
    submitted: &str,
    expected: &[(&str, Option<&str>)],
) {
    let profile = builtin(profile);
    let sla = response_targets(&profile, tier, priority, at(submitted))
        .unwrap_or_else(|error| panic!("{} {tier} {priority}: {error}", profile.id));
    let actual: Vec<(String, Option<DateTime<Utc>>)> = sla
        .targets
        .iter()
        .map(|target| (target.name.clone(), target.due))
        .collect();
    let expected: Vec<(String, Option<DateTime<Utc>>)> = expected
        .iter()
        .map(|(name, due)| ((*name).to_owned(), due.map(at)))
        .collect();
    assert_eq!(
        actual, expected,
        "{} tier {tier} priority {priority} submitted {submitted}",
        profile.id
    );
}

// JetPatch: Mon-Fri 04:00-16:00 America/New_York, one tier. A business day is 12 hours.

#[test]
fn jetpatch_inside_hours_every_priority() {
    // Mon 23 Nov 2026 10:00 EST.
    let monday = "2026-11-23T15:00:00Z";
    // Ack 4 bh: 14:00 EST. Plan 24 bh: 6 h Mon + 12 h Tue + 6 h Wed = Wed 10:00 EST.
    check(
        "jetpatch",
        "standard",
        "1",
        monday,
        &[
            ("acknowledgment", Some("2026-11-23T19:00:00Z")),
            ("plan", Some("2026-11-25T15:00:00Z")),
            // Best efforts: 24 wall-clock hours.
            ("resolution", Some("2026-11-24T15:00:00Z")),
        ],
    );
    // Ack 1 bd: Tue 10:00 EST. Plan 5 bd: Tue, Wed, Thu, Fri, Mon 30 Nov 10:00 EST.
    check(
        "jetpatch",
        "standard",
        "2",
        monday,
        &[
            ("acknowledgment", Some("2026-11-24T15:00:00Z")),
            ("plan", Some("2026-11-30T15:00:00Z")),
        ],
    );
    // Ack 2 bd: Wed 10:00 EST. Plan: next software release, no instant.
    check(
        "jetpatch",
        "standard",
        "3",
        monday,
        &[
            ("acknowledgment", Some("2026-11-25T15:00:00Z")),
            ("plan", None),
        ],
    );
}

#[test]
fn jetpatch_target_ending_at_closing_time_is_due_at_closing_time() {
    // Mon 12:00 EST + 4 bh = 16:00 EST sharp, not Tuesday's opening.
    check(
        "jetpatch",
        "standard",
        "1",
        "2026-11-23T17:00:00Z",
        &[
            ("acknowledgment", Some("2026-11-23T21:00:00Z")),
            ("plan", Some("2026-11-25T17:00:00Z")),
            // Best efforts: 24 wall-clock hours.
            ("resolution", Some("2026-11-24T17:00:00Z")),
        ],
    );
}

#[test]
fn jetpatch_near_closing() {
    // Mon 15:00 EST: 1 h Monday, then 3 h from Tue 04:00 = Tue 07:00 EST.
    // Plan: 1 h Mon + 12 h Tue + 11 h Wed = Wed 15:00 EST.
    check(
        "jetpatch",
        "standard",
        "1",
        "2026-11-23T20:00:00Z",
        &[
            ("acknowledgment", Some("2026-11-24T12:00:00Z")),
            ("plan", Some("2026-11-25T20:00:00Z")),
            // Best efforts: 24 wall-clock hours.
            ("resolution", Some("2026-11-24T20:00:00Z")),
        ],
    );
}

#[test]
fn jetpatch_before_opening_starts_the_clock_at_opening() {
    // Mon 02:00 EST: the clock starts at 04:00; 1 bd later is Tue 04:00 EST.
    check(
        "jetpatch",
        "standard",
        "2",
        "2026-11-23T07:00:00Z",
        &[
            ("acknowledgment", Some("2026-11-24T09:00:00Z")),
            ("plan", Some("2026-11-30T09:00:00Z")),
        ],
    );
}

#[test]
fn jetpatch_over_a_weekend() {
    // Fri 27 Nov 14:00 EST: 2 h Friday, 2 h from Mon 04:00 = Mon 06:00 EST.
    // Plan 24 bh: 2 h Fri + 12 h Mon + 10 h Tue = Tue 1 Dec 14:00 EST.
    check(
        "jetpatch",
        "standard",
        "1",
        "2026-11-27T19:00:00Z",
        &[
            ("acknowledgment", Some("2026-11-30T11:00:00Z")),
            ("plan", Some("2026-12-01T19:00:00Z")),
            // Best efforts: 24 wall-clock hours.
            ("resolution", Some("2026-11-28T19:00:00Z")),
        ],
    );
    // Sat 28 Nov noon: the clock starts Mon 04:00; 4 bh = Mon 08:00 EST; 24 bh = two whole days, Tue 16:00 EST.
    check(
        "jetpatch",
        "standard",
        "1",
        "2026-11-28T17:00:00Z",
        &[
            ("acknowledgment", Some("2026-11-30T13:00:00Z")),
            ("plan", Some("2026-12-01T21:00:00Z")),
            // Best efforts: 24 wall-clock hours.
            ("resolution", Some("2026-11-29T17:00:00Z")),
        ],
    );
}

#[test]
fn jetpatch_across_dst_changes() {
    // Spring: Fri 6 Mar 2026 14:00 EST; clocks go forward Sun 8 Mar. 2 h Fri, 2 h from Mon 04:00 EDT (08:00Z).
    // Plan: 2 h Fri + 12 h Mon + 10 h Tue = Tue 10 Mar 14:00 EDT.
    check(
        "jetpatch",
        "standard",
        "1",
        "2026-03-06T19:00:00Z",
        &[
            ("acknowledgment", Some("2026-03-09T10:00:00Z")),
            ("plan", Some("2026-03-10T18:00:00Z")),
            // Best efforts: 24 wall-clock hours.
            ("resolution", Some("2026-03-07T19:00:00Z")),
        ],
    );
    // 1 bd from Fri 14:00 EST is Mon 14:00 EDT = 18:00Z.
    check(
        "jetpatch",
        "standard",
        "2",
        "2026-03-06T19:00:00Z",
        &[
            ("acknowledgment", Some("2026-03-09T18:00:00Z")),
            ("plan", Some("2026-03-13T18:00:00Z")),
        ],
    );
    // Autumn: Fri 30 Oct 2026 14:00 EDT; clocks go back Sun 1 Nov. 2 h Fri, 2 h from Mon 04:00 EST (09:00Z).
    // Plan: 2 h Fri + 12 h Mon + 10 h Tue = Tue 3 Nov 14:00 EST.
    check(
        "jetpatch",
        "standard",
        "1",
        "2026-10-30T18:00:00Z",
        &[
            ("acknowledgment", Some("2026-11-02T11:00:00Z")),
            ("plan", Some("2026-11-03T19:00:00Z")),
            // Best efforts: 24 wall-clock hours.
            ("resolution", Some("2026-10-31T18:00:00Z")),
        ],
    );
}

#[test]
fn jetpatch_priority_errors_may_escalate_when_the_acknowledgment_is_missed() {
    let profile = builtin("jetpatch");
    let sla =
        response_targets(&profile, "standard", "1", at("2026-11-23T15:00:00Z")).expect("targets");
    assert_eq!(sla.escalations.len(), 1);
    assert_eq!(
        sla.escalations[0].allowed_from,
        Some(at("2026-11-23T19:00:00Z"))
    );
    assert_eq!(
        sla.escalations[0].contacts,
        vec!["urgent@jetpatch.com".to_owned()]
    );
    let secondary =
        response_targets(&profile, "standard", "2", at("2026-11-23T15:00:00Z")).expect("targets");
    assert!(
        secondary.escalations.is_empty(),
        "the seed gives the urgent address for Priority Errors only"
    );
}

// JumpCloud: Standard and JumpStart weekdays 09:00-17:00 America/Denver; Premium 24 x 7 x 365.

#[test]
fn jumpcloud_inside_hours_every_tier_and_severity() {
    // Mon 23 Nov 2026 10:00 MST.
    let monday = "2026-11-23T17:00:00Z";
    for tier in ["standard", "jumpstart"] {
        // 4 bh: 14:00 MST. 8 bh: 7 h Mon + 1 h Tue = Tue 10:00 MST. Next business day: Tue's close, 17:00 MST.
        check(
            "jumpcloud",
            tier,
            "1",
            monday,
            &[("first-response", Some("2026-11-23T21:00:00Z"))],
        );
        check(
            "jumpcloud",
            tier,
            "2",
            monday,
            &[("first-response", Some("2026-11-24T17:00:00Z"))],
        );
        check(
            "jumpcloud",
            tier,
            "3",
            monday,
            &[("first-response", Some("2026-11-25T00:00:00Z"))],
        );
    }
    check(
        "jumpcloud",
        "premium",
        "1",
        monday,
        &[("first-response", Some("2026-11-23T18:00:00Z"))],
    );
    check(
        "jumpcloud",
        "premium",
        "2",
        monday,
        &[("first-response", Some("2026-11-23T19:00:00Z"))],
    );
    check(
        "jumpcloud",
        "premium",
        "3",
        monday,
        &[("first-response", Some("2026-11-23T21:00:00Z"))],
    );
}

#[test]
fn jumpcloud_free_tier_gets_the_knowledge_base_only() {
    let profile = builtin("jumpcloud");
    for priority in ["1", "2", "3"] {
        let error = response_targets(&profile, "free", priority, at("2026-11-23T17:00:00Z"))
            .expect_err("free has no targets");
        assert!(matches!(error, SlaError::Unsupported { .. }), "{error}");
        assert!(error.to_string().contains("knowledge base"), "{error}");
    }
}

#[test]
fn jumpcloud_near_closing_and_over_a_weekend() {
    // Mon 16:00 MST, Severity 2: 1 h Mon + 7 h Tue = Tue 16:00 MST.
    check(
        "jumpcloud",
        "standard",
        "2",
        "2026-11-23T23:00:00Z",
        &[("first-response", Some("2026-11-24T23:00:00Z"))],
    );
    // Fri 27 Nov 15:00 MST, Severity 1: 2 h Fri + 2 h Mon = Mon 11:00 MST.
    check(
        "jumpcloud",
        "standard",
        "1",
        "2026-11-27T22:00:00Z",
        &[("first-response", Some("2026-11-30T18:00:00Z"))],
    );
    // Sat 28 Nov, Severity 3: the next business day is Monday; due at its close, 17:00 MST.
    check(
        "jumpcloud",
        "standard",
        "3",
        "2026-11-28T19:00:00Z",
        &[("first-response", Some("2026-12-01T00:00:00Z"))],
    );
    // Premium on a Saturday at 03:00 MST: wall clock.
    check(
        "jumpcloud",
        "premium",
        "1",
        "2026-11-28T10:00:00Z",
        &[("first-response", Some("2026-11-28T11:00:00Z"))],
    );
}

#[test]
fn jumpcloud_across_dst_changes() {
    // Premium, Sun 1 Nov 2026 00:30 MDT (06:30Z), 4 h across the fall-back: 10:30Z, which is 03:30 MST.
    check(
        "jumpcloud",
        "premium",
        "3",
        "2026-11-01T06:30:00Z",
        &[("first-response", Some("2026-11-01T10:30:00Z"))],
    );
    // Standard, Fri 6 Mar 2026 15:00 MST: 2 h Fri, then Mon 9 Mar 09:00 MDT (15:00Z) + 2 h.
    check(
        "jumpcloud",
        "standard",
        "1",
        "2026-03-06T22:00:00Z",
        &[("first-response", Some("2026-03-09T17:00:00Z"))],
    );
}

#[test]
fn jumpcloud_escalation_is_allowed_at_any_time_by_cc() {
    let profile = builtin("jumpcloud");
    let submitted = at("2026-11-23T17:00:00Z");
    let sla = response_targets(&profile, "standard", "3", submitted).expect("targets");
    assert_eq!(sla.escalations.len(), 1);
    assert_eq!(sla.escalations[0].allowed_from, Some(submitted));
    assert!(
        sla.escalations[0]
            .how
            .contains("CC escalations@jumpcloud.com")
    );
}

// UJET: Standard Mon-Fri 09:00-18:00 America/Los_Angeles; Premium 24/7 excluding US federal holidays.

#[test]
fn ujet_inside_hours_every_tier_and_priority() {
    // Mon 23 Nov 2026 10:00 PST.
    let monday = "2026-11-23T18:00:00Z";
    check(
        "ujet",
        "standard",
        "0",
        monday,
        &[("response", Some("2026-11-23T18:30:00Z"))],
    );
    check(
        "ujet",
        "standard",
        "1",
        monday,
        &[("response", Some("2026-11-23T19:00:00Z"))],
    );
    check(
        "ujet",
        "standard",
        "2",
        monday,
        &[("response", Some("2026-11-23T22:00:00Z"))],
    );
    // Next business day: Tue's close, 18:00 PST.
    check(
        "ujet",
        "standard",
        "3",
        monday,
        &[("response", Some("2026-11-25T02:00:00Z"))],
    );
    // 2 bd: Wed 10:00 PST.
    check(
        "ujet",
        "standard",
        "4",
        monday,
        &[("response", Some("2026-11-25T18:00:00Z"))],
    );
    check(
        "ujet",
        "premium",
        "0",
        monday,
        &[("response", Some("2026-11-23T18:15:00Z"))],
    );
    check(
        "ujet",
        "premium",
        "1",
        monday,
        &[("response", Some("2026-11-23T18:30:00Z"))],
    );
    check(
        "ujet",
        "premium",
        "2",
        monday,
        &[("response", Some("2026-11-23T20:00:00Z"))],
    );
    check(
        "ujet",
        "premium",
        "3",
        monday,
        &[("response", Some("2026-11-23T22:00:00Z"))],
    );
    // Next business day on a 24/7 calendar: the end of Tuesday, midnight PST.
    check(
        "ujet",
        "premium",
        "4",
        monday,
        &[("response", Some("2026-11-25T08:00:00Z"))],
    );
}

#[test]
fn ujet_standard_priority_0_runs_on_the_wall_clock_even_at_weekends() {
    // Sat 28 Nov 10:00 PST: 30 minutes, not business minutes.
    check(
        "ujet",
        "standard",
        "0",
        "2026-11-28T18:00:00Z",
        &[("response", Some("2026-11-28T18:30:00Z"))],
    );
}

#[test]
fn ujet_near_closing_and_over_a_weekend() {
    // Mon 17:00 PST, Priority 2: 1 h Mon + 3 h Tue = Tue 12:00 PST.
    check(
        "ujet",
        "standard",
        "2",
        "2026-11-24T01:00:00Z",
        &[("response", Some("2026-11-24T20:00:00Z"))],
    );
    // Fri 27 Nov 17:30 PST, Priority 1: 30 min Fri + 30 min Mon = Mon 09:30 PST.
    check(
        "ujet",
        "standard",
        "1",
        "2026-11-28T01:30:00Z",
        &[("response", Some("2026-11-30T17:30:00Z"))],
    );
    // Premium works weekends: Sat 10:00 PST + 2 bh.
    check(
        "ujet",
        "premium",
        "2",
        "2026-11-28T18:00:00Z",
        &[("response", Some("2026-11-28T20:00:00Z"))],
    );
}

#[test]
fn ujet_premium_excludes_holidays() {
    // Thanksgiving, Thu 26 Nov 2026 10:00 PST: business minutes wait for Fri 00:00 PST.
    check(
        "ujet",
        "premium",
        "1",
        "2026-11-26T18:00:00Z",
        &[("response", Some("2026-11-27T08:30:00Z"))],
    );
    // Priority 0 is wall-clock minutes, holiday or not.
    check(
        "ujet",
        "premium",
        "0",
        "2026-11-26T18:00:00Z",
        &[("response", Some("2026-11-26T18:15:00Z"))],
    );
    // Wed 25 Nov, next business day: Thursday is a holiday, so the end of Friday.
    check(
        "ujet",
        "premium",
        "4",
        "2026-11-25T18:00:00Z",
        &[("response", Some("2026-11-28T08:00:00Z"))],
    );
}

#[test]
fn ujet_across_dst_changes() {
    // Standard, Fri 6 Mar 2026 16:00 PST, 4 bh: 2 h Fri, Mon 9 Mar 09:00 PDT (16:00Z) + 2 h.
    check(
        "ujet",
        "standard",
        "2",
        "2026-03-07T00:00:00Z",
        &[("response", Some("2026-03-09T18:00:00Z"))],
    );
    // Premium, Sun 8 Mar 2026 01:30 PST, 4 bh: four real hours, 06:30 PDT.
    check(
        "ujet",
        "premium",
        "3",
        "2026-03-08T09:30:00Z",
        &[("response", Some("2026-03-08T13:30:00Z"))],
    );
}

// Jelastic: wall-clock hours, one tier.

#[test]
fn jelastic_every_level() {
    let monday = "2026-11-23T15:00:00Z";
    check(
        "jelastic",
        "standard",
        "1",
        monday,
        &[("initial-response", Some("2026-11-23T17:00:00Z"))],
    );
    check(
        "jelastic",
        "standard",
        "2",
        monday,
        &[("initial-response", Some("2026-11-23T21:00:00Z"))],
    );
    check(
        "jelastic",
        "standard",
        "3",
        monday,
        &[("initial-response", Some("2026-11-24T03:00:00Z"))],
    );
    check(
        "jelastic",
        "standard",
        "4",
        monday,
        &[("initial-response", Some("2026-11-24T15:00:00Z"))],
    );
    // Weekends and nights count: Sat 23:00Z + 2 h.
    check(
        "jelastic",
        "standard",
        "1",
        "2026-11-28T23:00:00Z",
        &[("initial-response", Some("2026-11-29T01:00:00Z"))],
    );
    // Across the EU spring DST change (29 Mar 2026 01:00Z): 24 real hours.
    check(
        "jelastic",
        "standard",
        "4",
        "2026-03-28T12:00:00Z",
        &[("initial-response", Some("2026-03-29T12:00:00Z"))],
    );
}

// Jumpmind: Mon-Fri 08:00-17:00 America/New_York; Priority 1 on Enterprise and Managed 24 x 7.

#[test]
fn jumpmind_inside_hours_every_tier_and_priority() {
    // Mon 23 Nov 2026 10:00 EST.
    let monday = "2026-11-23T15:00:00Z";
    for priority in ["1", "2", "3", "4"] {
        // POC: 2 bd throughout, Wed 10:00 EST.
        check(
            "jumpmind",
            "poc",
            priority,
            monday,
            &[("initial-response", Some("2026-11-25T15:00:00Z"))],
        );
    }
    check(
        "jumpmind",
        "standard",
        "1",
        monday,
        &[("initial-response", Some("2026-11-23T21:00:00Z"))],
    );
    check(
        "jumpmind",
        "standard",
        "2",
        monday,
        &[("initial-response", Some("2026-11-24T15:00:00Z"))],
    );
    check(
        "jumpmind",
        "standard",
        "3",
        monday,
        &[("initial-response", Some("2026-11-25T15:00:00Z"))],
    );
    check(
        "jumpmind",
        "standard",
        "4",
        monday,
        &[("initial-response", Some("2026-11-25T15:00:00Z"))],
    );
    for tier in ["enterprise", "managed"] {
        check(
            "jumpmind",
            tier,
            "1",
            monday,
            &[("initial-response", Some("2026-11-23T17:00:00Z"))],
        );
        check(
            "jumpmind",
            tier,
            "2",
            monday,
            &[("initial-response", Some("2026-11-23T21:00:00Z"))],
        );
        check(
            "jumpmind",
            tier,
            "3",
            monday,
            &[("initial-response", Some("2026-11-24T15:00:00Z"))],
        );
        check(
            "jumpmind",
            tier,
            "4",
            monday,
            &[("initial-response", Some("2026-11-24T15:00:00Z"))],
        );
    }
}

#[test]
fn jumpmind_near_closing_and_over_a_weekend() {
    // Standard P1, Mon 16:00 EST: 1 h Mon + 5 h from Tue 08:00 = Tue 13:00 EST.
    check(
        "jumpmind",
        "standard",
        "1",
        "2026-11-23T21:00:00Z",
        &[("initial-response", Some("2026-11-24T18:00:00Z"))],
    );
    // POC, Fri 27 Nov 10:00 EST: 2 bd = Tue 1 Dec 10:00 EST.
    check(
        "jumpmind",
        "poc",
        "1",
        "2026-11-27T15:00:00Z",
        &[("initial-response", Some("2026-12-01T15:00:00Z"))],
    );
    // Enterprise P1 on Saturday night runs around the clock; P2 waits for Monday 08:00.
    check(
        "jumpmind",
        "enterprise",
        "1",
        "2026-11-29T03:30:00Z",
        &[("initial-response", Some("2026-11-29T05:30:00Z"))],
    );
    check(
        "jumpmind",
        "enterprise",
        "2",
        "2026-11-29T03:30:00Z",
        &[("initial-response", Some("2026-11-30T19:00:00Z"))],
    );
}

#[test]
fn jumpmind_across_dst_changes() {
    // Managed P1, Sun 1 Nov 2026 01:30 EDT (the first of two 01:30s): two real hours later.
    check(
        "jumpmind",
        "managed",
        "1",
        "2026-11-01T05:30:00Z",
        &[("initial-response", Some("2026-11-01T07:30:00Z"))],
    );
    // Standard P3, Fri 6 Mar 2026 16:00 EST: 2 bd = Tue 10 Mar 16:00 EDT.
    check(
        "jumpmind",
        "standard",
        "3",
        "2026-03-06T21:00:00Z",
        &[("initial-response", Some("2026-03-10T20:00:00Z"))],
    );
}

#[test]
fn jumpmind_enterprise_priority_1_says_call_first() {
    let profile = builtin("jumpmind");
    let submitted = at("2026-11-23T15:00:00Z");
    let enterprise = response_targets(&profile, "enterprise", "1", submitted).expect("targets");
    assert_eq!(enterprise.notices.len(), 1);
    assert!(
        enterprise.notices[0].contains("888-942-5867 x5"),
        "{:?}",
        enterprise.notices
    );
    let standard = response_targets(&profile, "standard", "1", submitted).expect("targets");
    assert!(standard.notices.is_empty());
    let enterprise_p2 = response_targets(&profile, "enterprise", "2", submitted).expect("targets");
    assert!(enterprise_p2.notices.is_empty());
}

#[test]
fn unknown_tier_and_priority_name_the_choices() {
    let profile = builtin("jetpatch");
    let error = response_targets(&profile, "gold", "1", at("2026-11-23T15:00:00Z"))
        .expect_err("no such tier");
    assert_eq!(
        error.to_string(),
        "profile \"jetpatch\" has no tier \"gold\"; choose one of: standard"
    );
    let error = response_targets(&profile, "standard", "9", at("2026-11-23T15:00:00Z"))
        .expect_err("no such priority");
    assert_eq!(
        error.to_string(),
        "profile \"jetpatch\" has no priority \"9\"; choose one of: 1, 2, 3"
    );
}

#[test]
fn texts_read_in_the_users_time_zone() {
    let profile = builtin("jetpatch");
    let sla =
        response_targets(&profile, "standard", "1", at("2026-11-23T15:00:00Z")).expect("targets");
    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().expect("zone");
    let text = casefile_core::sla::describe_target(&sla.targets[0], berlin);
    assert_eq!(
        text,
        "Acknowledgment: within 4 business hours, by Mon 23 Nov 2026, 20:00 CET your time"
    );
    let text = casefile_core::sla::describe_target(&sla.targets[1], berlin);
    assert_eq!(
        text,
        "Plan for error correction or workaround: within 24 business hours, by Wed 25 Nov 2026, 16:00 CET your time"
    );
}
