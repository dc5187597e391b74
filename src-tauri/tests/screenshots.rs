//! The screenshot commands through Tauri's mock runtime: capture a window drawn for the test
//! (under Xvfb), black out a box, accept it into the draft's screenshots folder, discard, bad
//! ids, boxes and paths; the dialog plugin's own commands stay closed to the webview. Also
//! writes the UI fixtures for these replies (`CASEFILE_BLESS_FIXTURES=1`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use casefile_core::wire::{DraftView, PendingScreenshot, SavedScreenshot, WindowInfo};
use casefile_desktop::{
    AppConfirm, AppKeychain, DataDir, DisplayTimeZone, FixedAnswer, UserProfilesDir, setup,
    setup_with,
};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

struct Harness {
    app: App<MockRuntime>,
    _profiles: tempfile::TempDir,
    data: tempfile::TempDir,
    /// Answers the native confirmations (yes unless a test says no) and keeps the questions.
    answer: Arc<FixedAnswer>,
}

fn harness() -> Harness {
    let profiles = tempfile::tempdir().expect("profiles folder");
    let data = tempfile::tempdir().expect("data folder");
    let answer = FixedAnswer::new(true);
    let app = setup_with(
        mock_builder(),
        UserProfilesDir::at(profiles.path()),
        DataDir::at(data.path()),
        DisplayTimeZone(chrono_tz::UTC),
        AppKeychain::new(Arc::new(
            casefile_core::deliver::secret::MemoryKeychain::default(),
        )),
        AppConfirm::with(answer.clone()),
    )
    .build(tauri::generate_context!())
    .expect("the app builds on the mock runtime");
    Harness {
        app,
        _profiles: profiles,
        data,
        answer,
    }
}

fn main_window(app: &App<MockRuntime>) -> WebviewWindow<MockRuntime> {
    if let Some(window) = app.get_webview_window("main") {
        return window;
    }
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|window| window.label == "main")
        .expect("tauri.conf.json declares the main window");
    WebviewWindowBuilder::from_config(app.handle(), config)
        .and_then(|builder| builder.build())
        .expect("the main window opens")
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.to_owned(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid URL"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_owned(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("JSON"))
}

fn new_draft(window: &WebviewWindow<MockRuntime>) -> String {
    let view: DraftView = serde_json::from_value(
        invoke(
            window,
            "new_draft",
            json!({ "profile": "jetpatch", "tier": null }),
        )
        .expect("new_draft"),
    )
    .expect("a DraftView");
    view.path
}

#[test]
fn the_webview_may_call_the_screenshot_commands_but_not_open_dialogs_itself() {
    let harness = harness();
    let window = main_window(&harness.app);
    for cmd in [
        "plugin:dialog|open",
        "plugin:dialog|save",
        "plugin:dialog|message",
    ] {
        let rejection = invoke(&window, cmd, json!({})).expect_err(cmd);
        assert!(
            rejection
                .as_str()
                .is_some_and(|message| message.contains("not allowed")),
            "{cmd}: {rejection}"
        );
    }
    let outside = harness.data.path().join("elsewhere.toml");
    for (cmd, args) in [
        (
            "accept_screenshot",
            json!({ "path": outside, "id": "x", "name": "x", "blackOut": [] }),
        ),
        ("discard_screenshot", json!({ "path": outside, "id": "x" })),
        ("pick_screenshots", json!({ "path": outside })),
        ("pending_screenshots", json!({ "path": outside })),
        (
            "import_screenshots",
            json!({ "path": outside, "files": ["/etc/hostname"] }),
        ),
        (
            "capture_screenshot",
            json!({ "path": outside, "target": { "kind": "screen" }, "delaySeconds": 0 }),
        ),
    ] {
        let rejection = invoke(&window, cmd, args).expect_err(cmd);
        assert_eq!(rejection["code"], "draft_not_found", "{cmd}: {rejection}");
    }
}

#[test]
fn dropped_images_become_pending_screenshots_that_survive_a_restart() {
    let harness = harness();
    let window = main_window(&harness.app);
    let path = new_draft(&window);
    let image = harness.data.path().join("error dialog.png");
    image::RgbImage::from_pixel(6, 4, image::Rgb([200, 10, 10]))
        .save(&image)
        .expect("a PNG");
    let text = harness.data.path().join("notes.txt");
    std::fs::write(&text, "FAKE-token-not-an-image").expect("a text file");

    // Not picked and not dropped here: the user is asked natively, and a no reads nothing.
    harness.answer.answer(false);
    let declined = invoke(
        &window,
        "import_screenshots",
        json!({ "path": path, "files": [image] }),
    )
    .expect_err("not confirmed");
    assert_eq!(declined["code"], "not_confirmed", "{declined}");
    let asked = harness.answer.asked();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].message.contains("error dialog.png"),
        "the question lists the file: {asked:?}"
    );
    let none = invoke(&window, "pending_screenshots", json!({ "path": path }))
        .expect("pending_screenshots");
    assert_eq!(none, json!([]), "nothing is read after a no");
    harness.answer.answer(true);

    let refused = invoke(
        &window,
        "import_screenshots",
        json!({ "path": path, "files": [image, text] }),
    )
    .expect_err("a text file is not an image");
    assert_eq!(refused["code"], "image_invalid", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|message| message.contains("notes.txt")),
        "{refused}"
    );
    let none = invoke(&window, "pending_screenshots", json!({ "path": path }))
        .expect("pending_screenshots");
    assert_eq!(none, json!([]), "nothing is kept when one file fails");

    let imported: Vec<PendingScreenshot> = serde_json::from_value(
        invoke(
            &window,
            "import_screenshots",
            json!({ "path": path, "files": [image] }),
        )
        .expect("import_screenshots"),
    )
    .expect("pending screenshots");
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].name, "error dialog");
    assert_eq!((imported[0].width, imported[0].height), (6, 4));

    // A new app over the same data (the old one was closed mid-edit) finds it waiting.
    let again = setup(
        mock_builder(),
        UserProfilesDir::at(harness._profiles.path()),
        DataDir::at(harness.data.path()),
        DisplayTimeZone(chrono_tz::UTC),
    )
    .build(tauri::generate_context!())
    .expect("a second app");
    let window = main_window(&again);
    let waiting: Vec<PendingScreenshot> = serde_json::from_value(
        invoke(&window, "pending_screenshots", json!({ "path": path }))
            .expect("pending_screenshots"),
    )
    .expect("pending screenshots");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].id, imported[0].id);
    invoke(
        &window,
        "discard_screenshot",
        json!({ "path": path, "id": waiting[0].id }),
    )
    .expect("discard");
    let after = invoke(&window, "pending_screenshots", json!({ "path": path }))
        .expect("pending_screenshots");
    assert_eq!(after, json!([]));
}

#[test]
fn pending_ids_from_the_webview_cannot_name_other_files() {
    let harness = harness();
    let window = main_window(&harness.app);
    let path = new_draft(&window);
    for id in [
        "../../drafts/x",
        "",
        "0123456789abcdef0123456789abcdef",
        "/etc/passwd",
    ] {
        for cmd in ["accept_screenshot", "discard_screenshot"] {
            let rejection = invoke(
                &window,
                cmd,
                json!({ "path": path, "id": id, "name": "x", "blackOut": [] }),
            )
            .expect_err(cmd);
            assert_eq!(rejection["code"], "not_found", "{cmd} {id:?}: {rejection}");
        }
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod x11 {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{
        AtomEnum, ConnectionExt as _, CreateWindowAux, PropMode, Window, WindowClass,
    };
    use x11rb::rust_connection::RustConnection;
    use x11rb::wrapper::ConnectionExt as _;

    /// A 160x100 window filled with #2a9d8f at (300,200); the connection keeps it alive.
    pub(super) fn window(title: &[u8]) -> Option<(RustConnection, Window)> {
        let (conn, screen) = x11rb::connect(None).ok()?;
        let root = conn.setup().roots[screen].root;
        let id = conn.generate_id().ok()?;
        conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            id,
            root,
            300,
            200,
            160,
            100,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new()
                .background_pixel(0x2a_9d8f)
                .override_redirect(1),
        )
        .ok()?;
        conn.change_property8(
            PropMode::REPLACE,
            id,
            AtomEnum::WM_NAME,
            AtomEnum::STRING,
            title,
        )
        .ok()?;
        conn.map_window(id).ok()?;
        conn.flush().ok()?;
        // A round trip: the window is mapped once the server answers.
        conn.get_input_focus().ok()?.reply().ok()?;
        Some((conn, id))
    }
}

fn display_or_skip() -> bool {
    let present = std::env::var_os("DISPLAY").is_some_and(|display| !display.is_empty());
    if !present {
        assert_ne!(
            std::env::var("E2E_REQUIRED").as_deref(),
            Ok("1"),
            "E2E_REQUIRED=1 but DISPLAY is not set: run under xvfb-run"
        );
        eprintln!("skipped: capturing needs an X display (run under xvfb-run)");
    }
    present
}

#[test]
fn a_capture_without_a_display_says_capturing_is_unavailable() {
    if std::env::var_os("DISPLAY").is_some() {
        eprintln!("skipped: DISPLAY is set (the capture test covers this machine)");
        return;
    }
    let harness = harness();
    let window = main_window(&harness.app);
    let path = new_draft(&window);
    let rejection = invoke(
        &window,
        "capture_screenshot",
        json!({ "path": path, "target": { "kind": "screen" }, "delaySeconds": 0 }),
    )
    .expect_err("no display");
    assert_eq!(rejection["code"], "capture_unavailable", "{rejection}");
    assert!(
        rejection["message"]
            .as_str()
            .is_some_and(|m| m.contains("Pick image files"))
    );
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn a_window_is_captured_blacked_out_accepted_into_the_draft_and_pending_items_discarded() {
    if !display_or_skip() {
        return;
    }
    let harness = harness();
    let window = main_window(&harness.app);
    let path = new_draft(&window);
    let case = Path::new(&path)
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let (_conn, id) = x11::window(b"FAKE Agent console").expect("a test window");

    let listed: Vec<WindowInfo> =
        serde_json::from_value(invoke(&window, "list_windows", json!({})).expect("list_windows"))
            .expect("WindowInfo[]");
    let ours = listed
        .iter()
        .find(|w| w.id == id)
        .unwrap_or_else(|| panic!("{listed:?}"));
    assert_eq!(
        (ours.title.as_str(), ours.width, ours.height),
        ("FAKE Agent console", 160, 100)
    );

    let capture = || {
        invoke(
            &window,
            "capture_screenshot",
            json!({ "path": path, "target": { "kind": "window", "id": id }, "delaySeconds": 0 }),
        )
        .map(|reply| serde_json::from_value::<PendingScreenshot>(reply).expect("PendingScreenshot"))
    };
    let pending = capture().expect("capture_screenshot");
    assert_eq!((pending.width, pending.height), (160, 100));
    assert_eq!(pending.name, "FAKE Agent console");
    assert!(pending.data_url.starts_with("data:image/png;base64,"));
    let pending_file = harness
        .data
        .path()
        .join("screenshots")
        .join(&case)
        .join(".pending")
        .join(&pending.id);
    assert!(pending_file.is_file());

    // A box outside the image is refused and the pending capture stays for another try.
    let refused = invoke(
        &window,
        "accept_screenshot",
        json!({ "path": path, "id": pending.id, "name": "console",
                "blackOut": [{ "x": 500, "y": 0, "width": 10, "height": 10 }] }),
    )
    .expect_err("outside");
    assert_eq!(refused["code"], "black_out_invalid", "{refused}");
    assert!(pending_file.is_file());

    let saved: SavedScreenshot = serde_json::from_value(
        invoke(
            &window,
            "accept_screenshot",
            json!({ "path": path, "id": pending.id, "name": "Agent console",
                    "blackOut": [{ "x": 0, "y": 0, "width": 80, "height": 50 }] }),
        )
        .expect("accept_screenshot"),
    )
    .expect("SavedScreenshot");
    assert_eq!((saved.width, saved.height, saved.boxes), (160, 100, 1));
    let stored = harness
        .data
        .path()
        .join("screenshots")
        .join(&case)
        .join("Agent console.png");
    assert_eq!(Path::new(&saved.path), stored);
    assert!(!pending_file.exists(), "the pending original is deleted");
    let image = image::open(&stored).expect("png").into_rgb8();
    assert_eq!(image.get_pixel(10, 10).0, [0, 0, 0]);
    assert_eq!(image.get_pixel(79, 49).0, [0, 0, 0]);
    assert_eq!(image.get_pixel(80, 50).0, [0x2a, 0x9d, 0x8f]);
    assert_eq!(image.get_pixel(159, 99).0, [0x2a, 0x9d, 0x8f]);
    let again = invoke(
        &window,
        "accept_screenshot",
        json!({ "path": path, "id": pending.id, "name": "x", "blackOut": [] }),
    )
    .expect_err("accepted already");
    assert_eq!(again["code"], "not_found");

    let second = capture().expect("capture again");
    invoke(
        &window,
        "discard_screenshot",
        json!({ "path": path, "id": second.id }),
    )
    .expect("discard");
    let gone = invoke(
        &window,
        "discard_screenshot",
        json!({ "path": path, "id": second.id }),
    )
    .expect_err("discarded already");
    assert_eq!(gone["code"], "not_found");

    let closed = invoke(
        &window,
        "capture_screenshot",
        json!({ "path": path, "target": { "kind": "window", "id": 0x7fff_fff0u32 }, "delaySeconds": 0 }),
    )
    .expect_err("no such window");
    assert_eq!(closed["code"], "window_not_found", "{closed}");

    // The UI's fixtures: these replies, with the temporary folder made readable.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/fixtures");
    let bless = std::env::var("CASEFILE_BLESS_FIXTURES").is_ok_and(|value| value == "1");
    let windows = json!([serde_json::to_value(ours).expect("json")]);
    for (real, fixture) in [
        (windows, "windows.json"),
        (
            serde_json::to_value(&pending).expect("json"),
            "pending-screenshot.json",
        ),
        (
            serde_json::to_value(&saved).expect("json"),
            "saved-screenshot.json",
        ),
    ] {
        let file = fixtures.join(fixture);
        if bless {
            let text = serde_json::to_string_pretty(&real).expect("JSON");
            let text = text
                .replace(
                    &harness.data.path().display().to_string(),
                    "/home/user/.local/share/casefile",
                )
                .replace(&case, "CF-A4ME-98VK");
            std::fs::write(&file, text + "\n").expect("the fixture is writable");
        }
        let text = std::fs::read_to_string(&file).expect("the fixture exists");
        let fixture_value: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            shape(&fixture_value),
            shape(&real),
            "{fixture} differs in shape"
        );
    }
}

/// Every key path with the JSON types seen there (as in tests/ipc.rs).
fn shape(value: &Value) -> BTreeMap<String, BTreeSet<&'static str>> {
    fn walk(value: &Value, path: String, out: &mut BTreeMap<String, BTreeSet<&'static str>>) {
        let kinds = out.entry(path.clone()).or_default();
        match value {
            Value::Null => {}
            Value::Bool(_) => _ = kinds.insert("boolean"),
            Value::Number(_) => _ = kinds.insert("number"),
            Value::String(_) => _ = kinds.insert("string"),
            Value::Array(items) => {
                kinds.insert("array");
                for item in items {
                    walk(item, format!("{path}[]"), out);
                }
            }
            Value::Object(fields) => {
                kinds.insert("object");
                for (key, field) in fields {
                    walk(field, format!("{path}.{key}"), out);
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(value, String::new(), &mut out);
    out
}
