//! The Settings commands through the real app wiring on Tauri's mock runtime, with temporary
//! config and data folders and an in-memory keychain.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use casefile_core::deliver::secret::{Keychain, MemoryKeychain};
use casefile_core::wire::SettingsView;
use casefile_desktop::{
    AppConfirm, AppKeychain, DataDir, DisplayTimeZone, FixedAnswer, UserProfilesDir, setup_with,
};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

const FAKE_TOKEN: &str = "FAKE-token-settings-7c1e9a";

struct Lab {
    app: App<MockRuntime>,
    config: tempfile::TempDir,
    data: tempfile::TempDir,
    keychain: Arc<MemoryKeychain>,
    /// Answers the native confirmations (yes unless a test says no) and keeps the questions.
    answer: Arc<FixedAnswer>,
}

fn lab(config_toml: Option<&str>) -> Lab {
    let config = tempfile::tempdir().expect("a config folder");
    let data = tempfile::tempdir().expect("a data folder");
    if let Some(text) = config_toml {
        std::fs::write(config.path().join("config.toml"), text).expect("config.toml");
    }
    let keychain = Arc::new(MemoryKeychain::default());
    let answer = FixedAnswer::new(true);
    let app = setup_with(
        mock_builder(),
        UserProfilesDir::at(config.path().join("profiles")),
        DataDir::at(data.path()),
        DisplayTimeZone(chrono_tz::Europe::Berlin),
        AppKeychain::new(keychain.clone()),
        AppConfirm::with(answer.clone()),
    )
    .build(tauri::generate_context!())
    .expect("the app builds on the mock runtime");
    Lab {
        app,
        config,
        data,
        keychain,
        answer,
    }
}

impl Lab {
    fn window(&self) -> WebviewWindow<MockRuntime> {
        if let Some(window) = self.app.get_webview_window("main") {
            return window;
        }
        let config = self
            .app
            .config()
            .app
            .windows
            .iter()
            .find(|window| window.label == "main")
            .expect("tauri.conf.json declares the main window");
        WebviewWindowBuilder::from_config(self.app.handle(), config)
            .and_then(|builder| builder.build())
            .expect("the main window opens")
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.to_owned(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("a valid URL"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_owned(),
        };
        get_ipc_response(&self.window(), request)
            .map(|body| body.deserialize::<Value>().expect("the reply is JSON"))
    }

    fn settings(&self) -> SettingsView {
        let reply = self
            .invoke("get_settings", serde_json::json!({}))
            .expect("get_settings");
        serde_json::from_value(reply).expect("a SettingsView")
    }

    fn config_text(&self) -> String {
        std::fs::read_to_string(self.config.path().join("config.toml")).unwrap_or_default()
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn save_channel_then_get_settings_shows_it_with_its_fields_and_keeps_comments() {
    let lab = lab(Some("# Mine; keep this.\nschema_version = 1\n"));
    let reply = lab
        .invoke(
            "save_channel",
            serde_json::json!({
                "name": "helpdesk",
                "kind": "rt",
                "fields": { "url": "https://rt.example.test/REST/2.0", "queue": "Support", "secret": "rt-prod" },
            }),
        )
        .expect("save_channel");
    let view: SettingsView = serde_json::from_value(reply).expect("a SettingsView");
    assert_eq!(view, lab.settings());
    let helpdesk = view
        .channels
        .iter()
        .find(|channel| channel.name == "helpdesk")
        .expect("the channel is listed");
    assert_eq!(helpdesk.kind, "rt");
    assert_eq!(helpdesk.values["queue"], "Support");
    assert_eq!(helpdesk.secret.as_deref(), Some("rt-prod"));
    assert_eq!(helpdesk.secret_source, None, "no secret stored yet");
    assert!(view.config_exists);
    assert!(
        lab.config_text().starts_with("# Mine; keep this.\n"),
        "{}",
        lab.config_text()
    );

    let before = lab.config_text();
    let rejection = lab
        .invoke(
            "save_channel",
            serde_json::json!({
                "name": "helpdesk",
                "kind": "rt",
                "fields": { "url": "http://rt.example.test/REST/2.0", "queue": "Support" },
            }),
        )
        .expect_err("remote http is refused");
    assert_eq!(rejection["code"], "setting_invalid", "{rejection}");
    assert_eq!(rejection["field"], "url", "{rejection}");
    assert_eq!(lab.config_text(), before);

    lab.invoke("remove_channel", serde_json::json!({ "name": "helpdesk" }))
        .expect("remove_channel");
    assert!(lab.settings().channels.iter().all(|c| c.name != "helpdesk"));
    let rejection = lab
        .invoke("remove_channel", serde_json::json!({ "name": "helpdesk" }))
        .expect_err("gone");
    assert_eq!(rejection["code"], "unknown_channel", "{rejection}");
}

#[test]
fn set_secret_stores_into_the_keychain_and_the_value_is_never_in_a_reply_or_a_file() {
    let lab = lab(None);
    let mut replies = Vec::new();
    replies.push(
        lab.invoke(
            "save_channel",
            serde_json::json!({ "name": "hook", "kind": "webhook", "fields": { "url": "https://hooks.example.test/x", "secret": "hook-token" } }),
        )
        .expect("save_channel"),
    );
    replies.push(
        lab.invoke(
            "set_secret",
            serde_json::json!({ "name": "hook-token", "value": FAKE_TOKEN }),
        )
        .expect("set_secret"),
    );
    let stored = lab
        .keychain
        .get("hook-token")
        .expect("get")
        .expect("stored");
    assert_eq!(stored.expose(), FAKE_TOKEN);
    let view: SettingsView =
        serde_json::from_value(replies[1].clone()).expect("set_secret answers the view");
    let hook = view
        .channels
        .iter()
        .find(|c| c.name == "hook")
        .expect("hook");
    let json = serde_json::to_value(hook).expect("serializes");
    assert_eq!(json["secretSource"], "keychain", "{json}");
    // The Send step's channel list reads the same keychain.
    let channels = lab
        .invoke("list_channels", serde_json::json!({}))
        .expect("list_channels");
    let listed = channels
        .as_array()
        .and_then(|channels| channels.iter().find(|c| c["name"] == "hook"))
        .expect("hook is listed");
    assert_eq!(listed["secretSource"], "keychain", "{channels}");
    replies.push(channels);
    replies.push(
        lab.invoke("get_settings", serde_json::json!({}))
            .expect("get_settings"),
    );
    replies.push(
        lab.invoke("export_key", serde_json::json!({}))
            .expect("export_key"),
    );
    for reply in &replies {
        assert!(
            !reply.to_string().contains(FAKE_TOKEN),
            "the secret in a reply: {reply}"
        );
    }
    for dir in [lab.config.path(), lab.data.path()] {
        for file in files_under(dir) {
            let bytes = std::fs::read(&file).expect("readable");
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(FAKE_TOKEN),
                "{} holds the secret",
                file.display()
            );
        }
    }
    assert!(
        !files_under(lab.config.path()).is_empty(),
        "config.toml was written"
    );

    let empty = lab
        .invoke(
            "set_secret",
            serde_json::json!({ "name": "hook-token", "value": "  " }),
        )
        .expect_err("an empty secret");
    assert_eq!(
        (empty["code"].as_str(), empty["field"].as_str()),
        (Some("setting_invalid"), Some("value"))
    );
    lab.invoke("delete_secret", serde_json::json!({ "name": "hook-token" }))
        .expect("delete_secret");
    assert!(lab.keychain.get("hook-token").expect("get").is_none());
}

#[test]
fn defaults_are_saved_checked_and_used_for_new_drafts() {
    let lab = lab(None);
    let rejection = lab
        .invoke(
            "save_defaults",
            serde_json::json!({ "defaults": { "defaultProfile": "jumpcloud", "defaultTier": "gold", "timeZone": null, "defaultChannel": null } }),
        )
        .expect_err("no such tier");
    assert_eq!(rejection["field"], "default_tier", "{rejection}");
    assert!(!lab.config.path().join("config.toml").exists());
    let reply = lab
        .invoke(
            "save_defaults",
            serde_json::json!({ "defaults": { "defaultProfile": "jumpcloud", "defaultTier": "premium", "timeZone": "Asia/Tokyo", "defaultChannel": "folder" } }),
        )
        .expect("save_defaults");
    assert_eq!(reply["defaults"]["timeZone"], "Asia/Tokyo");
    let defaults = lab
        .invoke("new_draft_defaults", serde_json::json!({}))
        .expect("new_draft_defaults");
    assert_eq!(
        defaults,
        serde_json::json!({ "profile": "jumpcloud", "tier": "premium" })
    );
}

#[test]
fn an_imported_key_replaces_the_current_one_and_a_bad_one_is_key_invalid() {
    let lab = lab(None);
    assert!(!lab.settings().key.exists);
    let first = lab
        .invoke("export_key", serde_json::json!({}))
        .expect("export_key");
    let line = first["line"].as_str().expect("a line").to_owned();
    assert!(line.starts_with("casefile-key-v1:"), "{line}");
    assert_eq!(
        lab.settings().key.fingerprint.as_deref(),
        first["fingerprint"].as_str()
    );

    let other = format!("casefile-key-v1:{}", "ab".repeat(32));
    let view = lab
        .invoke("import_key", serde_json::json!({ "text": other }))
        .expect("import_key");
    assert_ne!(view["key"]["fingerprint"], first["fingerprint"]);
    let bad = lab
        .invoke(
            "import_key",
            serde_json::json!({ "text": "casefile-key-v1:123" }),
        )
        .expect_err("not a key");
    assert_eq!(bad["code"], "key_invalid", "{bad}");
    assert!(!bad.to_string().contains(&line));
}

#[test]
fn test_channel_checks_the_folder_channel_and_names_an_unknown_one() {
    let lab = lab(None);
    let check = lab
        .invoke("test_channel", serde_json::json!({ "name": "folder" }))
        .expect("test_channel");
    assert_eq!(check["kind"], "folder", "{check}");
    let unknown = lab
        .invoke("test_channel", serde_json::json!({ "name": "nowhere" }))
        .expect_err("unknown");
    assert_eq!(unknown["code"], "unknown_channel");
    lab.invoke(
        "save_channel",
        serde_json::json!({ "name": "desk", "kind": "zendesk", "fields": { "url": "https://acme.zendesk.example" } }),
    )
    .expect("save_channel");
    let missing = lab
        .invoke("test_channel", serde_json::json!({ "name": "desk" }))
        .expect_err("no secret");
    assert_eq!(missing["code"], "secret_missing", "{missing}");
}

#[test]
fn the_key_is_shown_or_replaced_only_after_a_native_confirmation() {
    let lab = lab(None);
    lab.answer.answer(false);
    let refused = lab
        .invoke("export_key", serde_json::json!({}))
        .expect_err("declined");
    assert_eq!(refused["code"], "not_confirmed", "{refused}");
    assert!(
        !refused.to_string().contains("casefile-key-v1:"),
        "{refused}"
    );
    assert!(!lab.settings().key.exists, "no key was even made");

    lab.answer.answer(true);
    let first = lab
        .invoke("export_key", serde_json::json!({}))
        .expect("export_key");
    let other = format!("casefile-key-v1:{}", "cd".repeat(32));
    lab.answer.answer(false);
    let declined = lab
        .invoke("import_key", serde_json::json!({ "text": other }))
        .expect_err("declined");
    assert_eq!(declined["code"], "not_confirmed", "{declined}");
    assert_eq!(
        lab.settings().key.fingerprint.as_deref(),
        first["fingerprint"].as_str(),
        "the key is unchanged"
    );
    let asked = lab.answer.asked();
    let question = asked.last().expect("asked");
    assert!(
        question
            .message
            .contains(first["fingerprint"].as_str().expect("fingerprint")),
        "the question names the current key: {question:?}"
    );
    lab.answer.answer(true);
    let view = lab
        .invoke("import_key", serde_json::json!({ "text": other }))
        .expect("import_key");
    assert_ne!(view["key"]["fingerprint"], first["fingerprint"]);
}

#[test]
fn a_secret_never_follows_a_changed_url_or_another_channel_to_test_channel() {
    let lab = lab(None);
    lab.invoke(
        "save_channel",
        serde_json::json!({ "name": "helpdesk", "kind": "webhook", "fields": { "url": "https://hooks.example.test/casefile", "secret": "helpdesk" } }),
    )
    .expect("save_channel");
    lab.invoke(
        "set_secret",
        serde_json::json!({ "name": "helpdesk", "value": FAKE_TOKEN }),
    )
    .expect("set_secret");
    // Another channel naming that secret, pointed elsewhere: the secret is not sent there.
    lab.invoke(
        "save_channel",
        serde_json::json!({ "name": "x", "kind": "webhook", "fields": { "url": "https://127.0.0.1:9/steal", "secret": "helpdesk" } }),
    )
    .expect("save_channel x");
    let refused = lab
        .invoke("test_channel", serde_json::json!({ "name": "x" }))
        .expect_err("unbound");
    assert_eq!(refused["code"], "secret_missing", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("stored for another destination")),
        "{refused}"
    );
    // The view shows the secret as not set, so the form asks for it again.
    let view = lab.settings();
    let helpdesk = view
        .channels
        .iter()
        .find(|c| c.name == "helpdesk")
        .expect("helpdesk");
    assert_eq!(helpdesk.secret_source, None);
    // Entered again: bound to where the channels naming it send now.
    lab.invoke(
        "set_secret",
        serde_json::json!({ "name": "helpdesk", "value": "FAKE-entered-again" }),
    )
    .expect("set_secret");
    // Then the URL changes: the secret is held back again.
    lab.invoke(
        "save_channel",
        serde_json::json!({ "name": "helpdesk", "kind": "webhook", "fields": { "url": "https://127.0.0.1:9/changed", "secret": "helpdesk" } }),
    )
    .expect("save_channel");
    let refused = lab
        .invoke("test_channel", serde_json::json!({ "name": "helpdesk" }))
        .expect_err("unbound");
    assert_eq!(refused["code"], "secret_missing", "{refused}");
}

#[test]
fn a_webhook_url_carrying_its_key_is_kept_with_secret_in_its_place_and_the_key_in_the_keychain() {
    let lab = lab(None);
    let key = "FAKEslackKEYabc123";
    let view = lab
        .invoke(
            "save_channel",
            serde_json::json!({ "name": "slack", "kind": "webhook", "fields": { "url": format!("https://hooks.slack.com/services/T0/B0/{key}") } }),
        )
        .expect("save_channel");
    assert!(!view.to_string().contains(key), "{view}");
    assert!(!lab.config_text().contains(key), "{}", lab.config_text());
    assert!(
        lab.config_text().contains("{secret}"),
        "{}",
        lab.config_text()
    );
    let stored = lab.keychain.get("slack").expect("get").expect("stored");
    assert_eq!(stored.expose(), key);
}

/// The Settings fixtures the UI's types and the browser walks use, from real replies.
/// `CASEFILE_BLESS_FIXTURES=1` rewrites them.
#[test]
fn ui_settings_fixtures_have_the_shape_of_the_real_replies() {
    let lab = lab(Some(
        "# Casefile settings.\nschema_version = 1\ndefault_profile = \"jumpcloud\"\ndefault_tier = \"premium\"\n\n[delivery]\ndefault_channel = \"helpdesk\"\n\n[channels.helpdesk]\nkind = \"rt\"\nurl = \"https://rt.example.test/REST/2.0\"\nqueue = \"Support\"\nusername = \"ada\"\n\n[channels.helpdesk.priorities]\n1 = \"Urgent\"\n\n[channels.mail]\nkind = \"smtp\"\nhost = \"smtp.example.test\"\nto = [\"support@vendor.example\"]\n",
    ));
    lab.keychain
        .set("helpdesk", &casefile_core::deliver::Secret::new(FAKE_TOKEN))
        .expect("stored");
    let key = lab
        .invoke("export_key", serde_json::json!({}))
        .expect("export_key");
    let view = lab
        .invoke("get_settings", serde_json::json!({}))
        .expect("get_settings");
    let check = lab
        .invoke("test_channel", serde_json::json!({ "name": "folder" }))
        .expect("test_channel");
    let defaults = lab
        .invoke("new_draft_defaults", serde_json::json!({}))
        .expect("new_draft_defaults");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/fixtures");
    let bless = std::env::var("CASEFILE_BLESS_FIXTURES").is_ok_and(|value| value == "1");
    for (real, fixture) in [
        (view, "settings-view.json"),
        (key, "key-export.json"),
        (check, "channel-check.json"),
        (defaults, "draft-defaults.json"),
    ] {
        let path = fixtures.join(fixture);
        if bless {
            let text = serde_json::to_string_pretty(&real).expect("JSON serializes");
            let text = text
                .replace(
                    &lab.data.path().display().to_string(),
                    "/home/user/.local/share/casefile",
                )
                .replace(
                    &lab.config.path().display().to_string(),
                    "/home/user/.config/casefile",
                );
            // A fixed, obviously fake key in place of the random one.
            let text = match real.get("line").and_then(Value::as_str) {
                Some(line) => text.replace(line, &format!("casefile-key-v1:{}", "0f".repeat(32))),
                None => text,
            };
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

/// Every key path with its JSON types (`null` ignored); maps keyed by field names are folded
/// into `{}` so the sample's fields need not match one for one.
fn shape(
    value: &Value,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<&'static str>> {
    fn walk(
        value: &Value,
        path: String,
        out: &mut std::collections::BTreeMap<String, std::collections::BTreeSet<&'static str>>,
    ) {
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
                    let key = if path.ends_with(".values") { "{}" } else { key };
                    walk(field, format!("{path}.{key}"), out);
                }
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(value, String::new(), &mut out);
    out
}
