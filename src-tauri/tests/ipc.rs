//! Drives the real app wiring (the real `tauri.conf.json`, capabilities and access-control list
//! from `generate_context!`) through Tauri's mock runtime, invoking commands the way the webview
//! does. Needs no display.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use casefile_core::wire::{DraftSummary, DraftView, ProfileProblem, ProfileSummary};
use casefile_desktop::{DataDir, DisplayTimeZone, UserProfilesDir, setup};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
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
        "plugin:event|listen",
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
