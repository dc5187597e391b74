//! Autosave, for real: a draft typed into the real app survives the app being killed with
//! SIGKILL, and reopening it from the start screen brings back what was typed, at the step the
//! user had reached.

use std::path::Path;

use casefile_e2e::{Session, button, click, element, field, heading, wait_until_saved};

const SUBJECT: &str = "Login page times out after the upgrade";
const CONTACT: &str = "Ada Example";

/// The draft files in the data folder (the sidecars with the step are `*.state.json`).
fn draft_files(data_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(data_dir.join("drafts")) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "toml"))
        .map(|entry| std::fs::read_to_string(entry.path()).expect("a readable draft"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_survives_the_app_being_killed_and_reopens_at_the_step_left() {
    let config_dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = config_dir.path().join("data");

    // First run: a new Generic request, a contact name on step 1, a subject on step 2.
    let Some(session) = Session::start_or_skip(config_dir.path()).await else {
        return;
    };
    let client = &session.client;
    element(client, &heading("New request")).await;
    click(
        client,
        "//label[.//strong[normalize-space()='Generic vendor']]//input[@type='radio']",
    )
    .await;
    click(client, &button("Start request")).await;
    element(client, &heading("Step 1: Vendor and contact")).await;
    field(client, "Contact name")
        .await
        .send_keys(CONTACT)
        .await
        .expect("type the contact name");

    // The e-mail is still missing, so Next first lists it; go on anyway.
    click(client, &button("Next: step 2")).await;
    click(client, &button("Continue to step 2 anyway")).await;
    element(client, &heading("Step 2: Problem")).await;
    field(client, "Subject")
        .await
        .send_keys(SUBJECT)
        .await
        .expect("type the subject");
    wait_until_saved(client).await;
    let on_disk = draft_files(&data_dir);
    assert_eq!(on_disk.len(), 1, "one draft file: {on_disk:?}");
    assert!(on_disk[0].contains(SUBJECT), "{}", on_disk[0]);

    let pid = session.app_pid().expect("the app's process");
    session.kill_app_hard().await;
    assert!(
        !Path::new(&format!("/proc/{pid}/exe")).exists(),
        "the app process {pid} is gone"
    );

    // Second run on the same data folder: the draft is listed and reopens where it was left.
    let session = Session::start(config_dir.path())
        .await
        .unwrap_or_else(|error| panic!("the app starts again: {error:?}"));
    let client = &session.client;
    let drafts = element(client, "//ul[@aria-labelledby='drafts-heading']").await;
    let listed = drafts.text().await.expect("the drafts list text");
    assert!(listed.contains(SUBJECT), "{listed}");
    assert!(listed.contains("left at step 2"), "{listed}");
    click(
        client,
        "//ul[@aria-labelledby='drafts-heading']//li[contains(., 'Login page times out')]//button[starts-with(normalize-space(), 'Continue')]",
    )
    .await;
    element(client, &heading("Step 2: Problem")).await;
    let subject = field(client, "Subject")
        .await
        .prop("value")
        .await
        .expect("the subject's value");
    assert_eq!(subject.as_deref(), Some(SUBJECT));

    click(
        client,
        "//nav[@aria-label='Steps']//button[contains(normalize-space(), 'Step 1:')]",
    )
    .await;
    element(client, &heading("Step 1: Vendor and contact")).await;
    let contact = field(client, "Contact name")
        .await
        .prop("value")
        .await
        .expect("the contact name's value");
    assert_eq!(contact.as_deref(), Some(CONTACT));

    session.close().await;
}
