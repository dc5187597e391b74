//! The whole wizard in the real app: a Generic request written in steps 1 to 4, a log added and
//! a redacted bundle built at step 5, the request reviewed at step 6 and sent through a folder
//! channel at step 7; then the saved bundle and `.eml` are read back from disk.

use std::io::Read;
use std::time::Duration;

use casefile_e2e::{
    Session, agree_to_native_dialog, button, click, element, field, heading, next, press,
    wait_for_text,
};

const SUBJECT: &str = "Nightly sync stops with a timeout";
const PLANTED: &str = "FAKE-e2e-password-7731";

#[tokio::test(flavor = "multi_thread")]
async fn a_generic_request_goes_through_all_seven_steps_and_lands_in_the_folder() {
    let config_dir = tempfile::tempdir().expect("a temporary folder");
    let outgoing = config_dir.path().join("outgoing");
    // The built-in folder channel, pointed at a folder of this test's own.
    std::fs::write(
        config_dir.path().join("config.toml"),
        format!(
            "[channels.folder]\nkind = \"folder\"\npath = \"{}\"\n",
            outgoing.display()
        ),
    )
    .expect("config.toml");
    let log = config_dir.path().join("sync.log");
    std::fs::write(
        &log,
        format!(
            "2026-12-04T09:00:00Z sync started\n2026-12-04T09:05:00Z timeout; password={PLANTED}\n"
        ),
    )
    .expect("a log");

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

    // 1 Vendor and contact.
    element(client, &heading("Step 1: Vendor and contact")).await;
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

    // 2 Problem.
    element(client, &heading("Step 2: Problem")).await;
    field(client, "Subject")
        .await
        .send_keys(SUBJECT)
        .await
        .expect("subject");
    field(client, "Description")
        .await
        .send_keys("Since Monday the nightly sync stops after five minutes.")
        .await
        .expect("description");
    next(client, 3).await;

    // 3 Scope: nothing required.
    element(client, &heading("Step 3: Scope")).await;
    next(client, 4).await;

    // 4 Impact and priority: the vendor's level 2 (High).
    element(client, &heading("Step 4: Impact and priority")).await;
    click(
        client,
        "//fieldset[.//legend[starts-with(normalize-space(), 'Priority')]]//input[@type='radio' and @value='2']",
    )
    .await;
    next(client, 5).await;

    // 5 Evidence: the log added by its path, no snapshot (it is slow and this machine's), built.
    element(client, &heading("Step 5: Evidence")).await;
    element(client, "//input[@id='added-path']")
        .await
        .send_keys(&log.display().to_string())
        .await
        .expect("the log's path");
    click(client, &button("Add file")).await;
    // A typed path (not picked or dropped) is read only after the native confirmation.
    assert!(
        agree_to_native_dialog("Read these files", Duration::from_secs(30)),
        "the app did not ask before reading the typed path"
    );
    wait_for_text(client, "sync.log", Duration::from_secs(15)).await;
    // The choices of what is collected are behind a disclosure; the step leads with a summary.
    click(
        client,
        "//button[starts-with(normalize-space(), 'Change what')]",
    )
    .await;
    let snapshot = element(
        client,
        "//label[.//span[normalize-space()='Add the support snapshot']]//input[@type='checkbox']",
    )
    .await;
    if snapshot.prop("checked").await.ok().flatten().as_deref() == Some("true") {
        press(client, &snapshot, "the snapshot tick box").await;
    }
    click(client, &button("Build the bundle")).await;
    element(client, "//h3[normalize-space()='The bundle']").await;
    next(client, 6).await;

    // 6 Review: the request as the vendor reads it.
    element(client, &heading("Step 6: Review")).await;
    wait_for_text(client, SUBJECT, Duration::from_secs(15)).await;
    next(client, 7).await;

    // 7 Send, through the folder channel.
    element(client, &heading("Step 7: Send")).await;
    // The folder channel sends nothing: the button and the result say so.
    click(client, &button("Save e-mail for sending")).await;
    wait_for_text(client, "Still to do:", Duration::from_secs(30)).await;
    element(client, "//h3[normalize-space()='Saved, not sent yet']").await;
    element(client, &button("Open the e-mail")).await;
    session.close().await;

    // On disk: the bundle and an e-mail carrying it, the secret gone from both.
    let mut names: Vec<String> = std::fs::read_dir(&outgoing)
        .expect("the outgoing folder")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with(".eml") && names[1].ends_with(".zip"),
        "{names:?}"
    );
    let zip_path = outgoing.join(&names[1]);
    let eml = std::fs::read_to_string(outgoing.join(&names[0])).expect("the .eml");
    assert!(eml.contains(SUBJECT), "the subject is in the message");
    assert!(!eml.contains(PLANTED));
    let listing = std::process::Command::new("unzip")
        .arg("-l")
        .arg(&zip_path)
        .output()
        .expect("unzip -l");
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    assert!(
        listing.contains("request.md") && listing.contains("sync.log"),
        "{listing}"
    );
    let mut bundle = Vec::new();
    std::fs::File::open(&zip_path)
        .expect("the zip")
        .read_to_end(&mut bundle)
        .expect("read the zip");
    let unpacked = std::process::Command::new("unzip")
        .arg("-p")
        .arg(&zip_path)
        .output()
        .expect("unzip -p");
    let text = String::from_utf8_lossy(&unpacked.stdout);
    assert!(text.contains(SUBJECT), "request.md carries the subject");
    assert!(text.contains("sync started"), "the log is in the bundle");
    assert!(!text.contains(PLANTED), "the planted password is redacted");
}
