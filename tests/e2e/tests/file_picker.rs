//! The native file picker in the real app: "Pick files…" at the Evidence step opens the system's
//! dialog (GTK here, opened by Rust: the webview has no dialog permission), a file is chosen in it
//! the way a user types a path into it, and the file is added to the request's evidence.
//! `xdotool` drives the dialog, which is not part of the page WebDriver sees.

use std::process::Command;
use std::time::{Duration, Instant};

use casefile_e2e::{Session, button, click, element, heading, wait_for_text};

const DIALOG_TITLE: &str = "Add files to the evidence";

/// The X window id of the dialog, once it is mapped.
fn dialog_window(within: Duration) -> Option<String> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", DIALOG_TITLE])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&found.stdout);
        if let Some(id) = text.lines().next().filter(|id| !id.trim().is_empty()) {
            return Some(id.trim().to_owned());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

fn xdotool(args: &[&str]) {
    let status = Command::new("xdotool")
        .args(args)
        .status()
        .expect("xdotool runs (scripts/setup.sh installs it)");
    assert!(status.success(), "xdotool {args:?} failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_chosen_in_the_system_dialog_is_added_to_the_evidence() {
    let config_dir = tempfile::tempdir().expect("a temporary folder");
    let notes = config_dir.path().join("agent-notes.txt");
    std::fs::write(&notes, "what the agent printed before it stopped\n").expect("a file");

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
    // The steps can be visited in any order: straight to 5.
    click(client, "(//nav[@aria-label='Steps']//button)[5]").await;
    element(client, &heading("Step 5: Evidence")).await;

    click(client, &button("Pick files…")).await;
    let dialog = dialog_window(Duration::from_secs(20)).expect("the file dialog opens");
    xdotool(&["windowfocus", "--sync", &dialog]);
    // GTK's file chooser takes a typed path that starts with "/" in its location field.
    xdotool(&[
        "type",
        "--delay",
        "20",
        "--window",
        &dialog,
        &notes.display().to_string(),
    ]);
    std::thread::sleep(Duration::from_millis(500));
    xdotool(&["key", "--window", &dialog, "Return"]);

    wait_for_text(client, "agent-notes.txt", Duration::from_secs(20)).await;
    element(
        client,
        &format!(
            "//ul[@aria-label='Added files']//*[contains(normalize-space(), '{}')]",
            notes.display()
        ),
    )
    .await;
    session.close().await;
}
