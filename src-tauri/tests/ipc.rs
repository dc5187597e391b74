//! Drives the real app wiring (the real `tauri.conf.json`, capabilities and access-control list
//! from `generate_context!`) through Tauri's mock runtime, invoking commands the way the webview
//! does. Needs no display.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use casefile_core::wire::{
    BundleReport, ChannelSummary, DraftSummary, DraftView, EvidencePreview, MachineSummary,
    OutboxItemReport, ProfileProblem, ProfileSummary,
};
use casefile_desktop::{
    AppConfirm, AppKeychain, DataDir, DisplayTimeZone, FixedAnswer, UserProfilesDir, setup,
    setup_with,
};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

const BUILT_IN_IDS: [&str; 6] = [
    "jetpatch",
    "jumpcloud",
    "ujet",
    "jelastic",
    "jumpmind",
    "generic",
];

fn app(profiles_dir: UserProfilesDir) -> App<MockRuntime> {
    app_with_data(profiles_dir, DataDir::at("/nonexistent/casefile-data"))
}

fn app_with_data(profiles_dir: UserProfilesDir, data_dir: DataDir) -> App<MockRuntime> {
    setup(
        mock_builder(),
        profiles_dir,
        data_dir,
        DisplayTimeZone(chrono_tz::America::New_York),
    )
    .build(tauri::generate_context!())
    .expect("the app builds on the mock runtime")
}

/// Opens the main window from its entry in `tauri.conf.json`, as `run()` would (the mock app
/// is never run, so Tauri does not create configured windows itself).
fn main_window(app: &App<MockRuntime>) -> WebviewWindow<MockRuntime> {
    if let Some(window) = app.get_webview_window("main") {
        return window;
    }
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|window| window.label == "main");
    let config = config.expect("tauri.conf.json declares the main window");
    WebviewWindowBuilder::from_config(app.handle(), config)
        .and_then(|builder| builder.build())
        .expect("the main window opens")
}

/// Invokes `cmd` with no arguments from the app's own origin; `Err` holds the rejection value.
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str) -> Result<Value, Value> {
    invoke_with(window, cmd, serde_json::json!({}))
}

/// Invokes `cmd` with camelCase JSON arguments, as `invoke(cmd, args)` in the webview does.
fn invoke_with(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.to_owned(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid URL"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_owned(),
    };
    get_ipc_response(window, request)
        .map(|body| body.deserialize::<Value>().expect("the reply is JSON"))
}

fn temp_profiles_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

#[test]
fn lists_the_six_built_in_profiles() {
    let dir = temp_profiles_dir();
    let app = app(UserProfilesDir::at(dir.path()));
    let reply =
        invoke(&main_window(&app), "list_vendor_profiles").expect("list_vendor_profiles succeeds");
    let profiles: Vec<ProfileSummary> =
        serde_json::from_value(reply).expect("the reply is a list of ProfileSummary");
    let ids: Vec<&str> = profiles.iter().map(|profile| profile.id.as_str()).collect();
    for id in BUILT_IN_IDS {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(
        profiles.iter().all(|profile| profile.origin == "built-in"),
        "{profiles:#?}"
    );
    let problems = invoke(&main_window(&app), "list_profile_problems")
        .expect("list_profile_problems succeeds");
    assert_eq!(problems, serde_json::json!([]));
}

#[test]
fn a_malformed_user_profile_is_reported_and_the_rest_still_load() {
    let dir = temp_profiles_dir();
    fs_write(&dir.path().join("broken.toml"), "id = \"acme\"\nname = \n");
    let app = app(UserProfilesDir::at(dir.path()));
    let window = main_window(&app);

    let reply = invoke(&window, "list_profile_problems").expect("list_profile_problems succeeds");
    let problems: Vec<ProfileProblem> =
        serde_json::from_value(reply).expect("the reply is a list of ProfileProblem");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].file.ends_with("broken.toml"), "{problems:#?}");
    assert_eq!(problems[0].line, Some(2), "{problems:#?}");

    let profiles = invoke(&window, "list_vendor_profiles").expect("list_vendor_profiles succeeds");
    assert_eq!(profiles.as_array().map(Vec::len), Some(BUILT_IN_IDS.len()));
}

#[test]
fn a_config_dir_error_reaches_the_ui_as_code_and_message() {
    let app = app(UserProfilesDir::resolve(Some("relative/dir".into()), None));
    let rejection = invoke(&main_window(&app), "list_vendor_profiles")
        .expect_err("a relative override is refused");
    assert_eq!(rejection["code"], "invalid_config_dir", "{rejection}");
    assert!(
        rejection["message"]
            .as_str()
            .is_some_and(|message| message.contains("CASEFILE_CONFIG_DIR")),
        "{rejection}"
    );
}

#[test]
fn the_webview_may_call_nothing_but_casefile_commands() {
    let dir = temp_profiles_dir();
    let app = app(UserProfilesDir::at(dir.path()));
    let window = main_window(&app);
    for cmd in [
        "plugin:app|version",
        "plugin:window|close",
        "plugin:event|emit",
        "plugin:event|emit_to",
        "plugin:webview|print",
    ] {
        let rejection = invoke(&window, cmd).expect_err(cmd);
        assert!(
            rejection
                .as_str()
                .is_some_and(|message| message.contains("not allowed")),
            "{cmd}: {rejection}"
        );
    }
    assert!(
        invoke(&window, "submit_request").is_err(),
        "an unregistered command is refused"
    );
}

/// The drag-drop event reaches the page through `listen`, which the capability grants (with
/// `unlisten`); progress channels need no permission: their data fetch is not refused by the
/// access list (it fails here only because the request names no channel data).
#[test]
fn the_webview_may_listen_for_drag_drop_and_fetch_channel_data() {
    let dir = temp_profiles_dir();
    let app = app(UserProfilesDir::at(dir.path()));
    let window = main_window(&app);
    let listened = invoke_with(
        &window,
        "plugin:event|listen",
        serde_json::json!({ "event": "tauri://drag-drop", "target": { "kind": "Any" }, "handler": 7 }),
    )
    .expect("listen is allowed");
    let unlistened = invoke_with(
        &window,
        "plugin:event|unlisten",
        serde_json::json!({ "event": "tauri://drag-drop", "eventId": listened }),
    );
    assert!(unlistened.is_ok(), "{unlistened:?}");
    let fetched = invoke(&window, "plugin:__TAURI_CHANNEL__|fetch");
    let not_allowed = fetched
        .as_ref()
        .err()
        .and_then(Value::as_str)
        .is_some_and(|message| message.contains("not allowed"));
    assert!(!not_allowed, "{fetched:?}");
}

/// The UI's JSON fixtures (checked against the TypeScript types by `ui/src/lib/types.test.ts`)
/// must have the shape of what the commands really send. `CASEFILE_BLESS_FIXTURES=1` rewrites
/// them from the real replies instead.
#[test]
fn ui_fixtures_have_the_shape_of_the_real_replies() {
    let dir = temp_profiles_dir();
    fs_write(&dir.path().join("broken.toml"), "id = \"acme\"\nname = \n");
    std::fs::write(dir.path().join("latin1.toml"), b"name = \"Caf\xe9\"\n")
        .expect("a non-UTF-8 profile");
    let app = app(UserProfilesDir::at(dir.path()));
    let window = main_window(&app);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/fixtures");
    let bless = std::env::var("CASEFILE_BLESS_FIXTURES").is_ok_and(|value| value == "1");
    for (cmd, fixture) in [
        ("list_vendor_profiles", "profile-summaries.json"),
        ("list_profile_problems", "profile-problems.json"),
    ] {
        let real = invoke(&window, cmd).expect(cmd);
        let path = fixtures.join(fixture);
        if bless {
            // Stable, readable paths instead of the temporary folder's.
            let text = serde_json::to_string_pretty(&real).expect("JSON serializes");
            let text = text.replace(
                &dir.path().display().to_string(),
                "/home/user/.config/casefile/profiles",
            );
            std::fs::write(&path, text + "\n").expect("the fixture is writable");
        }
        let text = std::fs::read_to_string(&path).expect("the fixture exists");
        let fixture_value: Value = serde_json::from_str(&text).expect("the fixture is JSON");
        assert_eq!(
            shape(&fixture_value),
            shape(&real),
            "{fixture} differs in shape from the reply to {cmd}"
        );
    }
}

/// Every key path in `value` (`[].tiers[].id`) with the JSON types seen there; `null` is
/// ignored so optional fields compare equal whether or not the sample sets them.
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

fn fs_write(path: &Path, contents: &str) {
    std::fs::write(path, contents)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
}

/// An app with empty temporary profile and data folders (kept alive by the returned guards).
fn drafts_app() -> (App<MockRuntime>, tempfile::TempDir, tempfile::TempDir) {
    let profiles = temp_profiles_dir();
    let data = tempfile::tempdir().expect("a temporary data folder");
    let app = app_with_data(
        UserProfilesDir::at(profiles.path()),
        DataDir::at(data.path()),
    );
    (app, profiles, data)
}

fn draft_view(reply: Value) -> DraftView {
    serde_json::from_value(reply).expect("the reply is a DraftView")
}

#[test]
fn a_draft_is_created_edited_and_reopened_at_the_step_the_user_left() {
    let (app, _profiles, data) = drafts_app();
    let window = main_window(&app);
    let created = invoke_with(
        &window,
        "new_draft",
        serde_json::json!({ "profile": "jetpatch", "tier": "standard" }),
    )
    .map(draft_view)
    .expect("new_draft succeeds");
    assert_eq!(created.step, 1);
    assert_eq!(created.vendor, "JetPatch");
    assert_eq!(created.request.tier, "standard");
    assert_eq!(created.steps.len(), 7);
    let path = Path::new(&created.path);
    assert_eq!(path.parent(), Some(data.path().join("drafts").as_path()));
    assert!(path.ends_with(format!("{}.toml", created.request.case_code)));

    let mut request = created.request.clone();
    request.problem.subject = "Patching fails on two endpoints".into();
    request.issue_type = "patch-management".into();
    request.impact.answers.production_down = Some(true);
    let saved = invoke_with(
        &window,
        "save_draft",
        serde_json::json!({ "path": created.path, "request": request, "step": 3 }),
    )
    .map(draft_view)
    .expect("save_draft succeeds");
    assert_eq!(saved.step, 3);
    assert_eq!(saved.request, request);
    assert_eq!(saved.proposal.priority.as_deref(), Some("1"));
    assert!(saved.sla.is_some(), "{:?}", saved.sla_problem);

    let reopened = invoke_with(
        &window,
        "open_draft",
        serde_json::json!({ "path": created.path }),
    )
    .map(draft_view)
    .expect("open_draft succeeds");
    assert_eq!(reopened.step, 3);
    assert_eq!(reopened.request, request);

    let listed: Vec<DraftSummary> = invoke(&window, "list_drafts")
        .map(|reply| serde_json::from_value(reply).expect("a list of DraftSummary"))
        .expect("list_drafts succeeds");
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0].subject, "Patching fails on two endpoints");
    assert_eq!(listed[0].step, 3);
    assert_eq!(listed[0].vendor, "JetPatch");

    let deleted = invoke_with(
        &window,
        "delete_draft",
        serde_json::json!({ "path": created.path }),
    );
    assert_eq!(deleted, Ok(Value::Null));
    assert_eq!(invoke(&window, "list_drafts"), Ok(serde_json::json!([])));
    let gone = invoke_with(
        &window,
        "open_draft",
        serde_json::json!({ "path": created.path }),
    )
    .expect_err("the draft is gone");
    assert_eq!(gone["code"], "draft_not_found", "{gone}");
}

#[test]
fn a_draft_with_a_syntax_error_is_draft_invalid_naming_its_line() {
    let (app, _profiles, data) = drafts_app();
    let window = main_window(&app);
    let drafts = data.path().join("drafts");
    std::fs::create_dir_all(&drafts).expect("the drafts folder");
    let path = drafts.join("CF-0000-0000.toml");
    fs_write(
        &path,
        "schema_version = 1\ncase_code = \"CF-0000-0000\"\nprofile = \"generic\n",
    );
    let rejection = invoke_with(&window, "open_draft", serde_json::json!({ "path": path }))
        .expect_err("a broken draft cannot be opened");
    assert_eq!(rejection["code"], "draft_invalid", "{rejection}");
    let message = rejection["message"].as_str().unwrap_or_default();
    assert!(message.contains("CF-0000-0000.toml:3:"), "{message}");

    let listed: Vec<DraftSummary> = invoke(&window, "list_drafts")
        .map(|reply| serde_json::from_value(reply).expect("a list of DraftSummary"))
        .expect("a broken draft does not break the list");
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0]
            .problem
            .as_deref()
            .is_some_and(|problem| problem.contains("CF-0000-0000.toml:3:")),
        "{listed:#?}"
    );
}

#[test]
fn only_drafts_in_the_drafts_folder_can_be_opened_saved_or_deleted() {
    let (app, _profiles, data) = drafts_app();
    let window = main_window(&app);
    let outside = data.path().join("config.toml");
    fs_write(&outside, "keep = true\n");
    for (cmd, args) in [
        ("open_draft", serde_json::json!({ "path": outside })),
        ("delete_draft", serde_json::json!({ "path": outside })),
        ("open_draft", serde_json::json!({ "path": "/etc/passwd" })),
        (
            "open_draft",
            serde_json::json!({ "path": data.path().join("drafts/../config.toml") }),
        ),
    ] {
        let rejection = invoke_with(&window, cmd, args).expect_err(cmd);
        assert_eq!(rejection["code"], "draft_not_found", "{cmd}: {rejection}");
    }
    assert!(
        outside.exists(),
        "nothing outside the drafts folder is deleted"
    );

    let created = invoke_with(
        &window,
        "new_draft",
        serde_json::json!({ "profile": "generic" }),
    )
    .map(draft_view)
    .expect("new_draft succeeds");
    let rejection = invoke_with(
        &window,
        "save_draft",
        serde_json::json!({ "path": outside, "request": created.request, "step": 2 }),
    )
    .expect_err("save outside the folder");
    assert_eq!(rejection["code"], "draft_not_found", "{rejection}");
    assert_eq!(
        std::fs::read_to_string(&outside).ok().as_deref(),
        Some("keep = true\n")
    );
}

#[test]
fn a_draft_for_an_unknown_profile_is_profile_not_found() {
    let (app, _profiles, _data) = drafts_app();
    let rejection = invoke_with(
        &main_window(&app),
        "new_draft",
        serde_json::json!({ "profile": "acme", "tier": null }),
    )
    .expect_err("no such profile");
    assert_eq!(rejection["code"], "profile_not_found", "{rejection}");
    assert!(
        rejection["message"]
            .as_str()
            .is_some_and(|message| message.contains("jetpatch")),
        "the message lists the profiles: {rejection}"
    );
}

/// The draft fixtures the UI's types are checked against, made from real replies: a fresh
/// generic draft, a JetPatch draft with an issue type, answers and a priority, and the list.
/// `CASEFILE_BLESS_FIXTURES=1` rewrites them.
#[test]
fn ui_draft_fixtures_have_the_shape_of_the_real_replies() {
    let (app, _profiles, data) = drafts_app();
    let window = main_window(&app);
    let generic = invoke_with(
        &window,
        "new_draft",
        serde_json::json!({ "profile": "generic", "tier": null }),
    )
    .expect("new_draft generic");
    let created = invoke_with(
        &window,
        "new_draft",
        serde_json::json!({ "profile": "jetpatch", "tier": "standard" }),
    )
    .map(draft_view)
    .expect("new_draft jetpatch");
    let mut request = created.request.clone();
    request.contact.name = "Ada Example".into();
    request.contact.email = "ada@example.com".into();
    request.problem.subject = "Patching fails on two endpoints".into();
    request.issue_type = "patch-management".into();
    request.checklist_done = vec!["endpoint-readiness".into()];
    request.impact.answers.production_down = Some(true);
    request.impact.priority = "1".into();
    let jetpatch = invoke_with(
        &window,
        "save_draft",
        serde_json::json!({ "path": created.path, "request": request, "step": 2 }),
    )
    .expect("save_draft jetpatch");
    fs_write(
        &data.path().join("drafts").join("CF-0000-0000.toml"),
        "schema_version = 1\ncase_code = \n",
    );
    let listed = invoke(&window, "list_drafts").expect("list_drafts");

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/fixtures");
    let bless = std::env::var("CASEFILE_BLESS_FIXTURES").is_ok_and(|value| value == "1");
    for (real, fixture) in [
        (generic, "draft-view-generic.json"),
        (jetpatch, "draft-view-jetpatch.json"),
        (listed, "draft-summaries.json"),
    ] {
        let path = fixtures.join(fixture);
        if bless {
            let text = serde_json::to_string_pretty(&real).expect("JSON serializes");
            let text = text.replace(
                &data.path().display().to_string(),
                "/home/user/.local/share/casefile",
            );
            std::fs::write(&path, text + "\n").expect("the fixture is writable");
        }
        let text = std::fs::read_to_string(&path).expect("the fixture exists");
        let fixture_value: Value = serde_json::from_str(&text).expect("the fixture is JSON");
        assert_eq!(
            shape(&fixture_value),
            shape(&real),
            "{fixture} differs in shape from the real reply"
        );
    }
}

// ---- Evidence, Review, Send and the Outbox ----

/// An app over temporary config, data and log folders. The config folder holds `profiles/lab.toml`
/// (the generic profile plus an `app-logs` kind, first, reading `<logs>/*.log`) and the given
/// `config.toml`. Channel messages are captured; with `cancel_on_progress`, the first one
/// invokes `cancel_bundle` before the run goes on.
struct Lab {
    app: App<MockRuntime>,
    config: tempfile::TempDir,
    data: tempfile::TempDir,
    logs: tempfile::TempDir,
    messages: Arc<Mutex<Vec<Value>>>,
    /// Answers the native confirmations (yes unless a test says no) and keeps the questions.
    answer: Arc<FixedAnswer>,
}

fn lab(config_toml: &str, cancel_on_progress: bool) -> Lab {
    let config = tempfile::tempdir().expect("a config folder");
    let data = tempfile::tempdir().expect("a data folder");
    let logs = tempfile::tempdir().expect("a log folder");
    let profiles = config.path().join("profiles");
    std::fs::create_dir_all(&profiles).expect("the profiles folder");
    let generic = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/casefile-core/src/profile/builtin/generic.toml"),
    )
    .expect("the generic profile");
    let pattern = logs.path().join("*.log").display().to_string();
    let missing = logs
        .path()
        .join("old")
        .join("app.log")
        .display()
        .to_string();
    let kind = format!(
        "[[evidence]]\nid = \"app-logs\"\nlabel = \"Application logs\"\ndescription = \"The lab app's logs.\"\nsources = [\n  {{ os = \"linux\", paths = [{pattern:?}, {missing:?}] }},\n  {{ os = \"macos\", paths = [{pattern:?}, {missing:?}] }},\n]\n\n"
    );
    let at = generic
        .find("[[evidence]]")
        .expect("generic has evidence kinds");
    let profile = format!("{}{kind}{}", &generic[..at], &generic[at..])
        .replacen("id = \"generic\"", "id = \"lab\"", 1)
        .replacen("name = \"Generic vendor\"", "name = \"Lab vendor\"", 1);
    fs_write(&profiles.join("lab.toml"), &profile);
    fs_write(&config.path().join("config.toml"), config_toml);
    fs_write(
        &logs.path().join("app.log"),
        "2026-01-05T10:00:00Z INFO started on web01\n2026-01-05T10:00:01Z ERROR cannot reach 10.1.2.3: password=hunter2-FAKE\n",
    );

    let messages = Arc::new(Mutex::new(Vec::new()));
    let captured = Arc::clone(&messages);
    let cancelled = AtomicBool::new(false);
    let builder = mock_builder().channel_interceptor(move |webview, _callback, _index, body| {
        if let InvokeResponseBody::Json(json) = body
            && let Ok(value) = serde_json::from_str::<Value>(json)
            && let Ok(mut messages) = captured.lock()
        {
            messages.push(value);
        }
        if cancel_on_progress && !cancelled.swap(true, Ordering::SeqCst) {
            let window = webview
                .app_handle()
                .get_webview_window("main")
                .expect("the main window");
            invoke(&window, "cancel_bundle").expect("cancel_bundle succeeds");
        }
        true
    });
    let answer = FixedAnswer::new(true);
    let app = setup_with(
        builder,
        UserProfilesDir::at(&profiles),
        DataDir::at(data.path()),
        DisplayTimeZone(chrono_tz::Europe::Berlin),
        AppKeychain::new(Arc::new(
            casefile_core::deliver::secret::MemoryKeychain::default(),
        )),
        AppConfirm::with(answer.clone()),
    )
    .build(tauri::generate_context!())
    .expect("the app builds on the mock runtime");
    Lab {
        app,
        config,
        data,
        logs,
        messages,
        answer,
    }
}

impl Lab {
    fn window(&self) -> WebviewWindow<MockRuntime> {
        main_window(&self.app)
    }

    /// A lab draft with every required field filled in, saved at step 5.
    fn ready_draft(&self) -> DraftView {
        let window = self.window();
        let created = invoke_with(
            &window,
            "new_draft",
            serde_json::json!({ "profile": "lab", "tier": null }),
        )
        .map(draft_view)
        .expect("new_draft lab");
        let mut request = created.request.clone();
        request.contact.name = "Ada Example".into();
        request.contact.email = "ada@example.com".into();
        request.contact.company = "Example Ltd".into();
        request.problem.subject = "The lab app cannot reach its database".into();
        request.problem.description = "Since this morning every request fails.".into();
        request.problem.expected_result = "Requests succeed.".into();
        request.problem.actual_result = "Every request fails with a timeout.".into();
        request.problem.operation_requested = "Find the cause.".into();
        request.problem.steps_to_reproduce = "1. Start the app\n2. Open the home page".into();
        request.problem.troubleshooting_done = "Restarted the app.".into();
        request.problem.error_messages = "cannot reach database".into();
        request.problem.started_at = "2026-01-05 10:00".into();
        request.scope.environment = Some(casefile_core::request::Environment::Production);
        request.scope.versions = "lab 1.2.3".into();
        request.impact.answers.production_down = Some(true);
        request.impact.priority = "1".into();
        let added = self.logs.path().join("screen.txt");
        fs_write(&added, "what the screen said\n");
        request.evidence.push(casefile_core::request::EvidenceItem {
            evidence_id: String::new(),
            path: added.display().to_string(),
            note: String::new(),
        });
        let saved = invoke_with(
            &window,
            "save_draft",
            serde_json::json!({ "path": created.path, "request": request, "step": 5 }),
        )
        .map(draft_view)
        .expect("save_draft lab");
        let errors: Vec<_> = saved
            .problems
            .iter()
            .filter(|problem| problem.severity == "error")
            .collect();
        assert!(errors.is_empty(), "the draft is not ready: {errors:#?}");
        saved
    }

    fn messages(&self) -> Vec<Value> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

fn selection(kinds: &[&str]) -> Value {
    serde_json::json!({ "kinds": kinds, "since": null, "snapshot": false, "includeBinary": false })
}

fn build(lab: &Lab, path: &str, channel: Option<&str>) -> Result<Value, Value> {
    invoke_with(
        &lab.window(),
        "build_bundle",
        serde_json::json!({
            "path": path,
            "selection": selection(&["app-logs"]),
            "channel": channel,
            "onProgress": "__CHANNEL__:11",
        }),
    )
}

#[test]
fn preview_lists_a_planted_file_under_its_kind_and_an_added_file() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let reply = invoke_with(
        &lab.window(),
        "preview_evidence",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]) }),
    )
    .expect("preview_evidence succeeds");
    let preview: EvidencePreview = serde_json::from_value(reply).expect("an EvidencePreview");
    let kind = preview
        .kinds
        .iter()
        .find(|kind| kind.id == "app-logs")
        .expect("the app-logs kind is listed");
    assert_eq!(kind.files.len(), 1, "{preview:#?}");
    assert!(kind.files[0].source.ends_with("app.log"), "{preview:#?}");
    assert!(kind.bytes > 0);
    assert!(
        preview
            .added
            .iter()
            .any(|file| file.source.ends_with("screen.txt")),
        "{preview:#?}"
    );
    assert!(preview.total_bytes >= kind.bytes);
}

#[test]
fn build_bundle_writes_the_zip_with_the_request_and_reports_progress() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let reply = build(&lab, &draft.path, None).expect("build_bundle succeeds");
    let report: BundleReport = serde_json::from_value(reply).expect("a BundleReport");
    let expected = lab
        .data
        .path()
        .join("bundles")
        .join(format!("{}.zip", draft.request.case_code));
    assert_eq!(Path::new(&report.bundle), expected);
    let bytes = std::fs::read(&expected).expect("the bundle is written");
    assert_eq!(report.bundle_bytes, bytes.len() as u64);
    assert!(
        report
            .entries
            .iter()
            .any(|entry| entry.name == "request.md"),
        "{report:#?}"
    );
    assert!(
        report
            .entries
            .iter()
            .any(|entry| entry.evidence.as_deref() == Some("app-logs")),
        "{report:#?}"
    );
    assert!(
        report.redactions.total() > 0,
        "the password and address are redacted"
    );
    assert!(report.leaks.is_empty(), "{report:#?}");
    let phases: Vec<String> = lab
        .messages()
        .iter()
        .filter_map(|message| message["phase"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        phases.first().map(String::as_str),
        Some("plan"),
        "{phases:?}"
    );
    assert_eq!(
        phases.last().map(String::as_str),
        Some("done"),
        "{phases:?}"
    );

    // A second build replaces the first.
    build(&lab, &draft.path, None).expect("a second build_bundle succeeds");
    assert!(expected.is_file());
}

#[test]
fn the_selection_and_the_last_bundle_come_back_with_a_reopened_draft() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let window = lab.window();
    let saved = invoke_with(
        &window,
        "saved_evidence",
        serde_json::json!({ "path": draft.path }),
    )
    .expect("saved_evidence succeeds");
    assert_eq!(
        saved,
        serde_json::json!({ "selection": null, "bundle": null, "bundleCurrent": false })
    );

    let built = build(&lab, &draft.path, None).expect("build_bundle succeeds");
    let saved = invoke_with(
        &window,
        "saved_evidence",
        serde_json::json!({ "path": draft.path }),
    )
    .expect("saved_evidence succeeds");
    assert_eq!(saved["selection"], selection(&["app-logs"]));
    assert_eq!(saved["bundle"], built, "the report as build_bundle gave it");
    assert_eq!(saved["bundleCurrent"], true);

    // Another selection: kept, and the bundle no longer matches it.
    invoke_with(
        &window,
        "save_selection",
        serde_json::json!({ "path": draft.path, "selection": selection(&[]) }),
    )
    .expect("save_selection succeeds");
    let saved = invoke_with(
        &window,
        "saved_evidence",
        serde_json::json!({ "path": draft.path }),
    )
    .expect("saved_evidence succeeds");
    assert_eq!(saved["selection"], selection(&[]));
    assert_eq!(saved["bundleCurrent"], false);
    assert_eq!(saved["bundle"], built);
}

#[test]
fn an_untrusted_user_profile_is_asked_about_natively_and_a_no_collects_nothing() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let window = lab.window();
    lab.answer.answer(false);
    let refused = build(&lab, &draft.path, None).expect_err("declined");
    assert_eq!(refused["code"], "not_confirmed", "{refused}");
    let asked = lab.answer.asked();
    let question = asked.first().expect("asked");
    assert!(question.title.contains("lab"), "{question:?}");
    // The question lists what the profile reads, from the profile itself.
    assert!(
        question
            .message
            .contains(&lab.logs.path().join("*.log").display().to_string()),
        "{question:?}"
    );
    assert!(question.message.contains("wevtutil"), "{question:?}");
    assert!(
        !lab.data.path().join("bundles").exists()
            || std::fs::read_dir(lab.data.path().join("bundles"))
                .map(|mut d| d.next().is_none())
                .unwrap_or(true),
        "nothing was written"
    );
    let refused = invoke_with(
        &window,
        "preview_evidence",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]) }),
    )
    .expect_err("declined");
    assert_eq!(refused["code"], "not_confirmed", "{refused}");

    // Yes: trusted from now on (recorded beside config.toml), and not asked again.
    lab.answer.answer(true);
    invoke_with(
        &window,
        "preview_evidence",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]) }),
    )
    .expect("preview_evidence");
    assert!(lab.config.path().join("trusted-profiles.toml").is_file());
    let before = lab.answer.asked().len();
    build(&lab, &draft.path, None).expect("build_bundle");
    assert_eq!(lab.answer.asked().len(), before, "asked again");
}

#[test]
fn files_a_draft_names_outside_the_drafts_folder_are_read_only_after_a_confirmation() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let window = lab.window();
    // Trust the lab profile first, so the only question left is about the files.
    invoke_with(
        &window,
        "preview_evidence",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]) }),
    )
    .expect("preview_evidence");
    let asked = lab.answer.asked();
    let files = asked
        .iter()
        .find(|question| question.title.contains("files"))
        .expect("asked about the files");
    assert!(files.message.contains("screen.txt"), "{files:?}");

    // What script in the page could do: point the draft at another file, then preview it.
    let secret_file = lab.config.path().join("id_rsa");
    fs_write(
        &secret_file,
        "password=FAKE-never-read-to-the-webview
",
    );
    let mut request = draft.request.clone();
    request.evidence.push(casefile_core::request::EvidenceItem {
        evidence_id: "screenshot".into(),
        path: secret_file.display().to_string(),
        note: String::new(),
    });
    invoke_with(
        &window,
        "save_draft",
        serde_json::json!({ "path": draft.path, "request": request, "step": 5 }),
    )
    .expect("save_draft");
    lab.answer.answer(false);
    let refused = invoke_with(
        &window,
        "preview_evidence",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]) }),
    )
    .expect_err("declined");
    assert_eq!(refused["code"], "not_confirmed", "{refused}");
    let question = lab.answer.asked().last().cloned().expect("asked");
    assert!(question.message.contains("id_rsa"), "{question:?}");
    assert!(
        !question.message.contains("screen.txt"),
        "already confirmed files are not asked again: {question:?}"
    );
    let unread = invoke_with(
        &window,
        "redaction_preview",
        serde_json::json!({
            "path": draft.path,
            "selection": selection(&["app-logs"]),
            "file": secret_file,
        }),
    )
    .expect_err("never listed");
    assert_eq!(unread["code"], "not_in_preview", "{unread}");
    let refused = build(&lab, &draft.path, None).expect_err("declined");
    assert_eq!(refused["code"], "not_confirmed", "{refused}");
}

#[test]
fn redaction_preview_reads_only_files_the_evidence_preview_listed() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let window = lab.window();
    let log = lab.logs.path().join("app.log");
    let secret_file = lab.config.path().join("not-evidence.txt");
    fs_write(&secret_file, "password=FAKE-never-read-to-the-webview\n");

    let args = |file: &Path| serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]), "file": file });
    let before =
        invoke_with(&window, "redaction_preview", args(&log)).expect_err("nothing previewed yet");
    assert_eq!(before["code"], "not_in_preview", "{before}");

    invoke_with(
        &window,
        "preview_evidence",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]) }),
    )
    .expect("preview_evidence succeeds");
    let preview =
        invoke_with(&window, "redaction_preview", args(&log)).expect("a listed file previews");
    let text = preview["text"].as_str().expect("text");
    assert!(text.contains("INFO started"), "{text}");
    assert!(!text.contains("hunter2-FAKE"), "{text}");

    let refused = invoke_with(&window, "redaction_preview", args(&secret_file))
        .expect_err("a file outside the preview is refused");
    assert_eq!(refused["code"], "not_in_preview", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|message| message.contains("not-evidence.txt")),
        "{refused}"
    );
}

fn review(lab: &Lab, path: &str) -> Result<Value, Value> {
    invoke_with(
        &lab.window(),
        "disclosure_review",
        serde_json::json!({
            "path": path,
            "selection": selection(&["app-logs"]),
            "channel": null,
            "onProgress": "__CHANNEL__:12",
        }),
    )
}

/// Saves `request` into the draft at `path` (step 6), as the UI's autosave does.
fn save(lab: &Lab, path: &str, request: &casefile_core::request::Request) -> DraftView {
    invoke_with(
        &lab.window(),
        "save_draft",
        serde_json::json!({ "path": path, "request": request, "step": 6 }),
    )
    .map(draft_view)
    .expect("save_draft")
}

#[test]
fn the_disclosure_review_lists_what_leaves_and_a_kept_name_stays_real_everywhere() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let data_before: BTreeSet<_> = std::fs::read_dir(lab.data.path())
        .expect("the data folder")
        .flatten()
        .map(|entry| entry.file_name())
        .collect();

    // No bundle yet: the review is made in a scratch folder that is removed afterwards.
    let reply = review(&lab, &draft.path).expect("disclosure_review succeeds");
    let report: casefile_core::wire::DisclosureReport =
        serde_json::from_value(reply).expect("a DisclosureReport");
    let address = report
        .identifiers
        .iter()
        .find(|id| id.original == "10.1.2.3")
        .unwrap_or_else(|| panic!("the address is listed: {report:#?}"));
    assert!(!address.kept, "{address:#?}");
    assert!(
        address
            .pseudonym
            .as_deref()
            .is_some_and(|p| p != "10.1.2.3"),
        "{address:#?}"
    );
    assert!(
        address
            .places
            .iter()
            .any(|place| place.kind == "entry" && place.name.ends_with("app.log")),
        "{address:#?}"
    );
    let password = report
        .secrets
        .iter()
        .find(|secret| secret.kind == "password")
        .unwrap_or_else(|| panic!("the password is counted: {report:#?}"));
    assert_eq!(password.count, 1, "{password:#?}");
    let text = serde_json::to_string(&report).expect("JSON");
    assert!(
        !text.contains("hunter2-FAKE"),
        "a secret's value is never shown: {text}"
    );
    assert!(report.leaks.is_empty(), "{report:#?}");
    assert!(report.scanned_entries > 0, "{report:#?}");
    assert!(
        report
            .suggested_hide
            .iter()
            .any(|word| word == "Example Ltd"),
        "{report:#?}"
    );
    let data_after: BTreeSet<_> = std::fs::read_dir(lab.data.path())
        .expect("the data folder")
        .flatten()
        .map(|entry| entry.file_name())
        .filter(|name| name != "bundles")
        .collect();
    assert!(
        data_after.is_subset(
            &data_before
                .iter()
                .cloned()
                // The key, and the files the user confirmed reading (asked before the review).
                .chain(["pseudonym.key", "approved-files.json"].map(std::ffi::OsString::from))
                .collect()
        ),
        "the scratch bundle is gone: {data_after:?}"
    );
    assert!(
        !lab.data.path().join("bundles").exists(),
        "no bundle is kept"
    );
    assert!(
        !lab.messages().is_empty(),
        "the review reports its progress"
    );

    // A bundle built now carries the same review, and the review reuses it.
    let built: BundleReport =
        serde_json::from_value(build(&lab, &draft.path, None).expect("build_bundle"))
            .expect("a BundleReport");
    let carried = built
        .disclosure
        .clone()
        .expect("the bundle carries its review");
    let reused = review(&lab, &draft.path).expect("disclosure_review succeeds");
    assert_eq!(
        serde_json::from_value::<casefile_core::wire::DisclosureReport>(reused)
            .expect("a DisclosureReport"),
        carried
    );

    // The user keeps the address real and hides a word: the review (and the next bundle) follow.
    let mut request = draft.request.clone();
    request.redaction.keep = vec!["10.1.2.3".into()];
    request.redaction.hide = vec!["database".into()];
    save(&lab, &draft.path, &request);
    let reply = review(&lab, &draft.path).expect("disclosure_review succeeds");
    let report: casefile_core::wire::DisclosureReport =
        serde_json::from_value(reply).expect("a DisclosureReport");
    let kept = report
        .identifiers
        .iter()
        .find(|id| id.original == "10.1.2.3")
        .unwrap_or_else(|| panic!("the kept address is listed: {report:#?}"));
    assert!(kept.kept && kept.pseudonym.is_none(), "{kept:#?}");
    assert_eq!(report.keep, vec!["10.1.2.3".to_owned()]);
    assert_eq!(report.hide, vec!["database".to_owned()]);
    assert!(
        report
            .identifiers
            .iter()
            .any(|id| id.category == "keyword" && id.original.eq_ignore_ascii_case("database")),
        "the hidden word is pseudonymised: {report:#?}"
    );
    let rebuilt = build(&lab, &draft.path, None).expect("build_bundle");
    let bundle = std::fs::read(rebuilt["bundle"].as_str().expect("bundle")).expect("the zip");
    let log = zip_entry(&bundle, "app.log");
    assert!(
        log.contains("10.1.2.3"),
        "the kept address is in the bundle: {log}"
    );
    assert!(!log.contains("hunter2-FAKE"), "{log}");
    let markdown = zip_entry(&bundle, "request.md");
    assert!(
        !markdown.to_lowercase().contains("database"),
        "the hidden word is gone from the request: {markdown}"
    );
    assert!(markdown.contains("word-"), "{markdown}");
}

/// The text of the first entry of the zip `bytes` whose name ends with `suffix` (stored or
/// deflated), read with the core's own reader.
fn zip_entry(bytes: &[u8], suffix: &str) -> String {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("bundle.zip");
    std::fs::write(&path, bytes).expect("write the zip");
    let mut reader =
        casefile_core::bundle::ZipReader::new(std::fs::File::open(&path).expect("open"))
            .expect("a zip");
    let index = reader
        .entries()
        .iter()
        .position(|entry| entry.name.ends_with(suffix))
        .unwrap_or_else(|| panic!("no entry ends with {suffix}"));
    let mut text = String::new();
    reader
        .open(index)
        .expect("the entry opens")
        .read_to_string(&mut text)
        .expect("UTF-8 text");
    text
}

#[test]
fn redaction_preview_highlights_every_replacement_with_the_bundle_rules() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    // Non-ASCII text before the replacements, so byte offsets differ from character offsets.
    fs_write(
        &lab.logs.path().join("app.log"),
        "2026-01-05T10:00:00Z INFO Grüße from web01 — ünïcode\n2026-01-05T10:00:01Z ERROR cannot reach 10.1.2.3: password=hunter2-FAKE\n",
    );
    let window = lab.window();
    invoke_with(
        &window,
        "preview_evidence",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]) }),
    )
    .expect("preview_evidence succeeds");
    let reply = invoke_with(
        &window,
        "redaction_preview",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]), "file": lab.logs.path().join("app.log") }),
    )
    .expect("redaction_preview succeeds");
    let preview: casefile_core::wire::HighlightedPreview =
        serde_json::from_value(reply).expect("a HighlightedPreview");
    assert!(!preview.text.contains("hunter2-FAKE"), "{}", preview.text);
    assert!(!preview.text.contains("10.1.2.3"), "{}", preview.text);
    let marked: Vec<(&str, &str)> = preview
        .spans
        .iter()
        .map(|span| {
            (
                span.category.as_str(),
                preview
                    .text
                    .get(span.start..span.end)
                    .expect("spans fall on characters"),
            )
        })
        .collect();
    assert!(
        marked
            .iter()
            .any(|(category, text)| *category == "secret" && text.contains("REDACTED")),
        "{marked:?}"
    );
    assert!(
        marked.iter().any(|(category, _)| *category == "ipv4"),
        "{marked:?}"
    );
    let total: u64 = preview.redactions.total();
    assert_eq!(
        total as usize,
        preview.spans.iter().filter(|s| !s.kept).count(),
        "{preview:#?}"
    );

    // The draft keeps the address: the preview shows it, marked as kept.
    let mut request = draft.request.clone();
    request.redaction.keep = vec!["10.1.2.3".into()];
    save(&lab, &draft.path, &request);
    let reply = invoke_with(
        &window,
        "redaction_preview",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]), "file": lab.logs.path().join("app.log") }),
    )
    .expect("redaction_preview succeeds");
    let preview: casefile_core::wire::HighlightedPreview =
        serde_json::from_value(reply).expect("a HighlightedPreview");
    assert!(preview.text.contains("10.1.2.3"), "{}", preview.text);
    assert!(
        preview
            .spans
            .iter()
            .any(|span| span.kept && preview.text.get(span.start..span.end) == Some("10.1.2.3")),
        "{preview:#?}"
    );
}

#[test]
fn a_pasted_log_moves_into_an_attachment_beside_the_draft() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let mut request = draft.request.clone();
    request.problem.description = (0..60)
        .map(|i| {
            format!(
                "2026-01-05T10:{:02}:00Z INFO agent checked in ({i})\n",
                i % 60
            )
        })
        .collect();
    let saved = save(&lab, &draft.path, &request);
    assert_eq!(saved.pasted_logs, vec!["description".to_owned()]);
    assert!(
        saved
            .problems
            .iter()
            .any(|problem| problem.field == "description" && problem.message.contains("pasted log")),
        "the core warns about the pasted log: {:#?}",
        saved.problems
    );
    let reply = invoke_with(
        &lab.window(),
        "attach_pasted_text",
        serde_json::json!({ "path": draft.path, "field": "description" }),
    )
    .expect("attach_pasted_text succeeds");
    let view = draft_view(reply);
    assert!(
        view.request.problem.description.contains("attached as"),
        "{}",
        view.request.problem.description
    );
    let item = view
        .request
        .evidence
        .iter()
        .find(|item| item.path.ends_with("-description.log"))
        .unwrap_or_else(|| panic!("the attachment is evidence: {:#?}", view.request.evidence));
    let folder = Path::new(&draft.path).parent().expect("the drafts folder");
    assert!(folder.join(&item.path).is_file(), "{item:#?}");
    assert!(
        !view
            .problems
            .iter()
            .any(|problem| problem.message.contains("pasted log")),
        "{:#?}",
        view.problems
    );
    let refused = invoke_with(
        &lab.window(),
        "attach_pasted_text",
        serde_json::json!({ "path": draft.path, "field": "no_such_field" }),
    )
    .expect_err("an unknown field is refused");
    assert_eq!(refused["code"], "nothing_to_attach", "{refused}");
}

#[test]
fn cancel_bundle_stops_the_build_and_leaves_no_file() {
    let lab = lab("", true);
    let draft = lab.ready_draft();
    let rejection = build(&lab, &draft.path, None).expect_err("the build is cancelled");
    assert_eq!(rejection["code"], "cancelled", "{rejection}");
    let bundles = lab.data.path().join("bundles");
    let left: Vec<_> = std::fs::read_dir(&bundles)
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "files left behind: {left:?}");
    assert!(
        !lab.messages().is_empty(),
        "progress arrived before the cancel"
    );
}

#[test]
fn a_collection_code_reads_back_and_a_mistyped_one_is_invalid_code() {
    let lab = lab("", false);
    let draft = lab.ready_draft();
    let catalog = casefile_core::profile::Catalog::load(Some(&lab.config.path().join("profiles")));
    let profile = &catalog.get("lab").expect("the lab profile loads").profile;
    let code = casefile_core::collection_code::make(
        profile,
        &casefile_core::collection_code::Selection {
            evidence: vec!["app-logs".into()],
            window: Some(std::time::Duration::from_secs(86_400)),
            snapshot: false,
            include_binary: false,
        },
    )
    .expect("a code")
    .to_string();
    let reply = invoke_with(
        &lab.window(),
        "read_collection_code",
        serde_json::json!({ "path": draft.path, "code": code }),
    )
    .expect("the code reads");
    assert_eq!(
        reply,
        serde_json::json!({ "kinds": ["app-logs"], "since": "24h", "snapshot": false, "includeBinary": false })
    );
    // One symbol changed: the check symbol catches it.
    let last = code.chars().last().expect("a symbol");
    let other = if last == '7' { '8' } else { '7' };
    let mistyped = format!("{}{other}", &code[..code.len() - 1]);
    let rejection = invoke_with(
        &lab.window(),
        "read_collection_code",
        serde_json::json!({ "path": draft.path, "code": mistyped }),
    )
    .expect_err("a mistyped code");
    assert_eq!(rejection["code"], "invalid_code", "{rejection}");
    assert!(
        rejection["message"]
            .as_str()
            .is_some_and(|message| message.contains("mistyped")),
        "{rejection}"
    );
}

#[test]
fn submit_through_the_folder_channel_saves_the_request_once() {
    let drop = tempfile::tempdir().expect("a drop folder");
    let lab = lab(
        &format!(
            "[channels.drop]\nkind = \"folder\"\npath = {:?}\n",
            drop.path().display().to_string()
        ),
        false,
    );
    let draft = lab.ready_draft();
    let submit = |again: bool| {
        invoke_with(
            &lab.window(),
            "submit_draft",
            serde_json::json!({ "path": draft.path, "channel": "drop", "again": again, "onProgress": "__CHANNEL__:12" }),
        )
    };
    let missing = submit(false).expect_err("no bundle yet");
    assert_eq!(missing["code"], "bundle_missing", "{missing}");

    build(&lab, &draft.path, Some("drop")).expect("build_bundle succeeds");
    let reply = submit(false).expect("submit_draft succeeds");
    let report: OutboxItemReport = serde_json::from_value(reply).expect("an OutboxItemReport");
    assert_eq!(report.state, "sent", "{report:#?}");
    let receipt = report.receipt.as_ref().expect("a receipt");
    assert!(receipt.next_step.is_some(), "{receipt:#?}");
    let case = &draft.request.case_code;
    for file in [format!("{case}.eml"), format!("{case}.zip")] {
        assert!(drop.path().join(&file).is_file(), "{file} is in the folder");
    }
    assert!(
        lab.data
            .path()
            .join("bundles")
            .join(format!("{case}.zip"))
            .is_file(),
        "the built bundle stays for another channel"
    );

    // The item knows the e-mail it saved, for "Open the e-mail" and "Show in folder".
    let item = casefile_core::deliver::outbox::Outbox::new(lab.data.path())
        .load(&report.id)
        .expect("the outbox item");
    assert_eq!(
        item.saved_message(),
        Some(drop.path().join(format!("{case}.eml")))
    );

    let again = submit(false).expect_err("a second submit without again");
    assert_eq!(again["code"], "already_submitted", "{again}");
    assert!(
        again["message"]
            .as_str()
            .is_some_and(|message| message.contains("again")),
        "{again}"
    );
}

#[test]
fn submit_through_an_unreachable_webhook_is_kept_in_the_outbox() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let lab = lab(
        &format!(
            "[delivery]\nattempts_inline = 1\n\n[channels.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/casefile\"\n"
        ),
        false,
    );
    let draft = lab.ready_draft();
    build(&lab, &draft.path, Some("hook")).expect("build_bundle succeeds");
    let reply = invoke_with(
        &lab.window(),
        "submit_draft",
        serde_json::json!({ "path": draft.path, "channel": "hook", "again": false, "onProgress": "__CHANNEL__:13" }),
    )
    .expect("a failed send is a report, not a rejection");
    let report: OutboxItemReport = serde_json::from_value(reply).expect("an OutboxItemReport");
    assert_eq!(report.state, "failed-retryable", "{report:#?}");
    assert!(report.last_error.is_some(), "{report:#?}");
    // Nothing was saved to open: the app says so instead of opening something else.
    for command in ["open_saved_email", "show_saved_email"] {
        let refused = invoke_with(
            &lab.window(),
            command,
            serde_json::json!({ "id": report.id }),
        )
        .expect_err("no saved e-mail");
        assert_eq!(refused["code"], "not_found", "{command}: {refused}");
    }

    let listed: Vec<OutboxItemReport> = invoke(&lab.window(), "list_outbox")
        .map(|reply| serde_json::from_value(reply).expect("a list of OutboxItemReport"))
        .expect("list_outbox succeeds");
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0].id, report.id);
    assert_eq!(listed[0].state, "failed-retryable");

    let retried: OutboxItemReport = invoke_with(
        &lab.window(),
        "retry_outbox",
        serde_json::json!({ "id": report.id, "onProgress": "__CHANNEL__:14" }),
    )
    .map(|reply| serde_json::from_value(reply).expect("an OutboxItemReport"))
    .expect("retry_outbox succeeds");
    assert_eq!(retried.state, "failed-retryable");
    assert_eq!(retried.attempts, 2);

    let removed = invoke_with(
        &lab.window(),
        "remove_outbox",
        serde_json::json!({ "id": report.id }),
    );
    assert_eq!(removed, Ok(Value::Null));
    assert_eq!(
        invoke(&lab.window(), "list_outbox"),
        Ok(serde_json::json!([]))
    );
    let gone = invoke_with(
        &lab.window(),
        "remove_outbox",
        serde_json::json!({ "id": "../bundles" }),
    )
    .expect_err("not an outbox item");
    assert_eq!(gone["code"], "not_found", "{gone}");
}

#[test]
fn a_broken_config_is_config_invalid_naming_its_line() {
    let lab = lab(
        "[channels.drop]\nkind = \"folder\"\npaht = \"/tmp\"\n",
        false,
    );
    let rejection = invoke(&lab.window(), "list_channels").expect_err("a broken config");
    assert_eq!(rejection["code"], "config_invalid", "{rejection}");
    assert!(
        rejection["message"]
            .as_str()
            .is_some_and(|message| message.contains("config.toml:3")),
        "{rejection}"
    );
}

const CHANNEL_SECRET_VAR: &str = "CASEFILE_SECRET_HOOK_TOKEN";

/// The secret is read from the process environment, which a test cannot set for itself without
/// `unsafe`: the test runs itself again in a child process with the variable set.
#[test]
fn list_channels_shows_a_secret_from_the_environment() {
    let name = "list_channels_shows_a_secret_from_the_environment";
    if std::env::var_os(CHANNEL_SECRET_VAR).is_none() {
        let exe = std::env::current_exe().expect("the test binary");
        let output = std::process::Command::new(exe)
            .args([name, "--exact", "--test-threads=1"])
            .env(CHANNEL_SECRET_VAR, "token-FAKE")
            .output()
            .expect("the test runs again");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    }
    let lab = lab(
        "[delivery]\ndefault_channel = \"hook\"\n\n[channels.hook]\nkind = \"webhook\"\nurl = \"https://hooks.example.com/casefile\"\nsecret = \"hook-token\"\n",
        false,
    );
    let channels: Vec<ChannelSummary> = invoke(&lab.window(), "list_channels")
        .map(|reply| serde_json::from_value(reply).expect("a list of ChannelSummary"))
        .expect("list_channels succeeds");
    let hook = channels
        .iter()
        .find(|channel| channel.name == "hook")
        .expect("the hook channel is listed");
    assert!(hook.default);
    assert_eq!(hook.secret.as_deref(), Some("hook-token"));
    let json = serde_json::to_value(hook).expect("serializes");
    assert_eq!(json["secretSource"], "environment", "{json}");
    assert!(
        channels.iter().any(|channel| channel.name == "folder"),
        "{channels:#?}"
    );
}

/// The Evidence, Send and Outbox fixtures the UI's types are checked against, made from real
/// replies. `CASEFILE_BLESS_FIXTURES=1` rewrites them.
#[test]
fn ui_delivery_fixtures_have_the_shape_of_the_real_replies() {
    let drop = tempfile::tempdir().expect("a drop folder");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let lab = lab(
        &format!(
            "[delivery]\nattempts_inline = 1\ndefault_channel = \"drop\"\n\n[channels.drop]\nkind = \"folder\"\npath = {:?}\n\n[channels.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/casefile\"\n",
            drop.path().display().to_string()
        ),
        false,
    );
    let draft = lab.ready_draft();
    let window = lab.window();
    let preview = invoke_with(
        &window,
        "preview_evidence",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]) }),
    )
    .expect("preview_evidence");
    let bundle = build(&lab, &draft.path, Some("drop")).expect("build_bundle");
    let highlighted = invoke_with(
        &window,
        "redaction_preview",
        serde_json::json!({ "path": draft.path, "selection": selection(&["app-logs"]), "file": lab.logs.path().join("app.log") }),
    )
    .expect("redaction_preview");
    let disclosure = review(&lab, &draft.path).expect("disclosure_review");
    for channel in ["drop", "hook"] {
        invoke_with(
            &window,
            "submit_draft",
            serde_json::json!({ "path": draft.path, "channel": channel, "again": false, "onProgress": "__CHANNEL__:15" }),
        )
        .expect("submit_draft");
    }
    let outbox = invoke(&window, "list_outbox").expect("list_outbox");
    let channels = invoke(&window, "list_channels").expect("list_channels");
    let summary = invoke_with(
        &window,
        "machine_summary",
        serde_json::json!({ "path": draft.path }),
    )
    .expect("machine_summary");
    let summary_value: MachineSummary =
        serde_json::from_value(summary.clone()).expect("a MachineSummary");
    assert!(
        summary_value
            .agent_log
            .as_deref()
            .is_some_and(|log| log.ends_with("app.log")),
        "{summary_value:#?}"
    );
    assert_eq!(summary_value.last_errors.len(), 1, "{summary_value:#?}");

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/fixtures");
    let bless = std::env::var("CASEFILE_BLESS_FIXTURES").is_ok_and(|value| value == "1");
    for (real, fixture) in [
        (preview, "evidence-preview.json"),
        (bundle, "bundle-report.json"),
        (highlighted, "highlighted-preview.json"),
        (disclosure, "disclosure-review.json"),
        (outbox, "outbox-items.json"),
        (channels, "channels.json"),
        (summary, "machine-summary.json"),
    ] {
        let path = fixtures.join(fixture);
        if bless {
            let text = serde_json::to_string_pretty(&real).expect("JSON serializes");
            let text = text
                .replace(
                    &lab.data.path().display().to_string(),
                    "/home/user/.local/share/casefile",
                )
                .replace(&lab.logs.path().display().to_string(), "/var/log/lab")
                .replace(
                    &drop.path().display().to_string(),
                    "/home/user/Documents/Casefile",
                );
            std::fs::write(&path, text + "\n").expect("the fixture is writable");
        }
        let text = std::fs::read_to_string(&path).expect("the fixture exists");
        let fixture_value: Value = serde_json::from_str(&text).expect("the fixture is JSON");
        assert_eq!(
            shape(&fixture_value),
            shape(&real),
            "{fixture} differs in shape from the real reply"
        );
    }
}
