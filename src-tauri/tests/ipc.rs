//! Drives the real app wiring (the real `tauri.conf.json`, capabilities and access-control list
//! from `generate_context!`) through Tauri's mock runtime, invoking commands the way the webview
//! does. Needs no display.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use casefile_core::wire::{ProfileProblem, ProfileSummary};
use casefile_desktop::{UserProfilesDir, setup};
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
    setup(mock_builder(), profiles_dir)
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
    let request = InvokeRequest {
        cmd: cmd.to_owned(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid URL"),
        body: InvokeBody::default(),
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
        invoke(&window, "list_drafts").is_err(),
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
