//! A JetPatch patching request filed from the real app alone: the Patch Management issue type's
//! checklist is shown and ticked in place, the questionnaire proposes the vendor's Priority Error
//! and the user takes it, an activity output file goes in as evidence, and the request is saved
//! through a folder channel. The bundle on disk is read back with `unzip`: request.md carries the
//! ticked checklist and the priority in JetPatch's own words, request.json the ticks' ids.

use std::time::Duration;

use casefile_e2e::{
    Session, agree_to_native_dialog, answer, button, choice, click, element, field, heading, next,
    press, saved_files, unzip, wait_for_text,
};

const SUBJECT: &str = "May patches fail on two Windows endpoints";
const PLANTED: &str = "FAKE-jetpatch-e2e-token-5521";

/// The Patch Management checklist as the JetPatch profile words it (its seed's
/// "Troubleshooting Patching Issues" steps).
const CHECKLIST: [&str; 6] = [
    "Checking Endpoint Readiness",
    "Running Predictive Patching",
    "Verifying System Tasks",
    "Additional Windows Specific Checks: check for potential Windows Update Agent issues",
    "Additional Windows Specific Checks: ensure endpoints are only assigned to one group",
    "Verify Workflow Selection",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_jetpatch_patching_request_is_filed_with_its_checklist_ticked() {
    let config_dir = tempfile::tempdir().expect("a temporary folder");
    let outgoing = config_dir.path().join("outgoing");
    std::fs::write(
        config_dir.path().join("config.toml"),
        format!(
            "[channels.folder]\nkind = \"folder\"\npath = \"{}\"\n",
            outgoing.display()
        ),
    )
    .expect("config.toml");
    let activity = config_dir.path().join("activity-output.txt");
    std::fs::write(
        &activity,
        format!("Deploy May patches to WIN-EP-01: FAILED 0x80240022\nconnector token={PLANTED}\n"),
    )
    .expect("an activity output");

    let Some(session) = Session::start_or_skip(config_dir.path()).await else {
        return;
    };
    let client = &session.client;
    element(client, &heading("New request")).await;
    click(
        client,
        "//label[.//strong[normalize-space()='JetPatch']]//input[@type='radio']",
    )
    .await;
    click(client, &button("Start request")).await;

    // 1 Vendor and contact: JetPatch has one tier, already chosen.
    element(client, &heading("Step 1: Vendor and contact")).await;
    let tier = element(client, &choice("Standard maintenance and support")).await;
    assert_eq!(
        tier.prop("checked").await.ok().flatten().as_deref(),
        Some("true"),
        "the only tier is pre-set"
    );
    field(client, "Contact name")
        .await
        .send_keys("Ada Example")
        .await
        .expect("contact name");
    field(client, "E-mail")
        .await
        .send_keys("ada@example.test")
        .await
        .expect("e-mail");
    next(client, 2).await;

    // 2 Problem: the issue type brings its checklist, ticked in place.
    element(client, &heading("Step 2: Problem")).await;
    click(client, &choice("Patch Management")).await;
    element(
        client,
        "//fieldset[legend[normalize-space()='Checklist for Patch Management']]",
    )
    .await;
    wait_for_text(
        client,
        "\"Checking Endpoint Readiness\" is not ticked",
        Duration::from_secs(15),
    )
    .await;
    for item in CHECKLIST {
        click(client, &choice(item)).await;
    }
    field(client, "Subject")
        .await
        .send_keys(SUBJECT)
        .await
        .expect("subject");
    field(client, "Description")
        .await
        .send_keys("WIN-EP-01 and WIN-EP-02 fail the May patch deployment with 0x80240022.")
        .await
        .expect("description");
    field(client, "Operation requested")
        .await
        .send_keys("Deploy May patches")
        .await
        .expect("operation");
    field(client, "Expected result")
        .await
        .send_keys("Both endpoints patched and rebooted.")
        .await
        .expect("expected result");
    next(client, 3).await;

    // 3 Scope: nothing required here.
    element(client, &heading("Step 3: Scope")).await;
    next(client, 4).await;

    // 4 Impact and priority: the answers propose Priority Error; the user takes it.
    element(client, &heading("Step 4: Impact and priority")).await;
    click(client, &answer("Is a production system down?", "Yes")).await;
    click(client, &answer("Are data lost or corrupted?", "No")).await;
    click(client, &answer("Is there a workaround?", "No")).await;
    click(client, &answer("How many users are affected?", "Some")).await;
    click(
        client,
        &answer(
            "Is this only a question, a cosmetic issue or an enhancement request?",
            "No",
        ),
    )
    .await;
    wait_for_text(
        client,
        "Proposed priority: Priority Error",
        Duration::from_secs(15),
    )
    .await;
    click(
        client,
        &button("Use the proposed priority (Priority Error)"),
    )
    .await;
    next(client, 5).await;

    // 5 Evidence: the activity output, added by its path; no snapshot.
    element(client, &heading("Step 5: Evidence")).await;
    element(client, "//input[@id='added-path']")
        .await
        .send_keys(&activity.display().to_string())
        .await
        .expect("the activity output's path");
    click(client, &button("Add file")).await;
    // A typed path (not picked or dropped) is read only after the native confirmation.
    assert!(
        agree_to_native_dialog("Read these files", Duration::from_secs(30)),
        "the app did not ask before reading the typed path"
    );
    wait_for_text(client, "activity-output.txt", Duration::from_secs(15)).await;
    // The choices of what is collected are behind a disclosure; the step leads with a summary.
    click(
        client,
        "//button[starts-with(normalize-space(), 'Change what')]",
    )
    .await;
    let snapshot = element(client, &choice("Add the support snapshot")).await;
    if snapshot.prop("checked").await.ok().flatten().as_deref() == Some("true") {
        press(client, &snapshot, "the snapshot tick box").await;
    }
    click(client, &button("Build the bundle")).await;
    element(client, "//h3[normalize-space()='The bundle']").await;
    wait_for_text(client, "Leak check passed", Duration::from_secs(15)).await;
    next(client, 6).await;

    // 6 Review: the checklist as JetPatch will read it.
    element(client, &heading("Step 6: Review")).await;
    wait_for_text(
        client,
        "[x] Checking Endpoint Readiness",
        Duration::from_secs(15),
    )
    .await;
    next(client, 7).await;

    // 7 Send, through the folder channel.
    element(client, &heading("Step 7: Send")).await;
    click(client, &button("Save e-mail for sending")).await;
    wait_for_text(client, "Still to do:", Duration::from_secs(30)).await;
    session.close().await;

    let (eml, zip) = saved_files(&outgoing);
    let listing = unzip(&["-l"], &zip);
    assert!(
        listing.contains("request.md")
            && listing.contains("request.json")
            && listing.contains("attachments/activity-output.txt"),
        "{listing}"
    );
    let markdown = unzip(&["-p", "request.md"], &zip);
    assert!(markdown.contains(SUBJECT), "{markdown}");
    assert!(markdown.contains("Priority Error"), "{markdown}");
    for item in CHECKLIST {
        assert!(
            markdown.contains(&format!("- [x] {item}")),
            "{item} ticked in:\n{markdown}"
        );
    }
    let request: serde_json::Value =
        serde_json::from_str(&unzip(&["-p", "request.json"], &zip)).expect("request.json");
    let ticked = request["checklist_done"].as_array().map_or(0, Vec::len);
    assert_eq!(ticked, 6, "{request:#}");
    assert_eq!(request["issue_type"], "patch-management");
    assert_eq!(request["impact"]["priority"], "1");
    let attached = unzip(&["-p", "attachments/activity-output.txt"], &zip);
    assert!(attached.contains("0x80240022"), "{attached}");
    assert!(!attached.contains(PLANTED), "the token is redacted");
    let message = std::fs::read_to_string(&eml).expect("the .eml");
    assert!(message.contains(SUBJECT));
    assert!(!message.contains(PLANTED));
}
