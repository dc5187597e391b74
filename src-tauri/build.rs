//! Build script: `tauri-build` checks `tauri.conf.json` and compiles the capabilities into the
//! access-control list that `generate_context!` embeds.
//!
//! Declaring the app's commands here makes Tauri generate an `allow-<command>` permission for
//! each and check app commands against the capabilities too; without it every registered
//! command is open to every local page. Keep this list equal to `generate_handler!` in lib.rs
//! (the mock-runtime test in tests/ipc.rs fails if a command is missing here).

const COMMANDS: &[&str] = &[
    "accept_screenshot",
    "attach_pasted_text",
    "build_bundle",
    "cancel_bundle",
    "capture_screenshot",
    "delete_draft",
    "delete_secret",
    "disclosure_review",
    "discard_screenshot",
    "export_key",
    "get_settings",
    "import_key",
    "import_screenshots",
    "list_channels",
    "list_drafts",
    "list_outbox",
    "list_profile_problems",
    "list_vendor_profiles",
    "list_windows",
    "machine_summary",
    "new_draft",
    "new_draft_defaults",
    "open_draft",
    "open_saved_email",
    "pending_screenshots",
    "pick_files",
    "pick_screenshots",
    "preview_evidence",
    "read_collection_code",
    "redaction_preview",
    "remove_channel",
    "remove_outbox",
    "render_request",
    "retry_outbox",
    "save_channel",
    "save_defaults",
    "save_draft",
    "save_selection",
    "saved_evidence",
    "set_secret",
    "show_saved_email",
    "submit_draft",
    "test_channel",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
