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
    loop {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", DIALOG_TITLE])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&found.stdout);
        if let Some(id) = text.lines().next().filter(|id| !id.trim().is_empty()) {
            return Some(id.trim().to_owned());
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs xdotool; `false` when it fails (the dialog went away meanwhile, say).
fn xdotool(args: &[&str]) -> bool {
    Command::new("xdotool")
        .args(args)
        .status()
        .expect("xdotool runs (scripts/setup.sh installs it)")
        .success()
}

/// Whether the dialog is gone, waiting up to `within` for it to close.
fn dialog_closed(within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if dialog_window(Duration::ZERO).is_none() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
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
    let path = notes.display().to_string();
    // A dialog that has just been mapped may not take keys yet (a loaded machine): type the path
    // again until the dialog closes with it, as a user would.
    let mut closed = false;
    for _ in 0..4 {
        let Some(dialog) = dialog_window(Duration::from_secs(20)) else {
            break;
        };
        std::thread::sleep(Duration::from_millis(700));
        // Ctrl+L opens GTK's location field; the path typed there is the file chosen.
        let typed = xdotool(&["windowfocus", "--sync", &dialog])
            && xdotool(&["key", "--window", &dialog, "ctrl+l"])
            && {
                std::thread::sleep(Duration::from_millis(300));
                xdotool(&["type", "--delay", "20", "--window", &dialog, &path])
            }
            && {
                std::thread::sleep(Duration::from_millis(300));
                xdotool(&["key", "--window", &dialog, "Return"])
            };
        if dialog_closed(Duration::from_secs(5)) {
            closed = true;
            break;
        }
        eprintln!("the dialog is still open (keys sent: {typed}); typing the path again");
    }
    assert!(closed, "the file dialog did not take the typed path");
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
