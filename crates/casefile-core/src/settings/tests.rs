use super::*;
use crate::deliver::secret::{Keychain, MemoryKeychain, SecretSource};

const COMMENTED: &str = "# My Casefile settings, hand-written.\nschema_version = 1\ndefault_profile = \"jumpcloud\" # the vendor we use most\n\n# Where requests go.\n[delivery]\nattempts_inline = 2\n";

fn config_file(text: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("casefile").join("config.toml");
    if let Some(text) = text {
        fs_err::create_dir_all(path.parent().expect("parent")).expect("folder");
        fs_err::write(&path, text).expect("write");
    }
    (folder, path)
}

fn read(path: &Path) -> String {
    fs_err::read_to_string(path).expect("read config")
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

fn catalog() -> Catalog {
    Catalog::load(None)
}

fn refused<T: std::fmt::Debug>(result: Result<T, SettingsError>) -> (String, String) {
    match result {
        Err(SettingsError::Invalid { field, message }) => (field, message),
        other => panic!("expected a refused value, got {other:?}"),
    }
}

#[test]
fn the_users_comments_survive_every_kind_of_edit() {
    let (_folder, path) = config_file(Some(COMMENTED));
    let comments = [
        "# My Casefile settings, hand-written.",
        "# the vendor we use most",
        "# Where requests go.",
    ];
    let check = |step: &str| {
        let text = read(&path);
        for comment in comments {
            assert!(
                text.contains(comment),
                "after {step}: {comment:?} lost in\n{text}"
            );
        }
        Config::load(&path).unwrap_or_else(|error| panic!("after {step}: {error}"));
    };
    set_default(&path, &catalog(), DefaultKey::Tier, Some("premium")).expect("tier");
    check("set default_tier");
    set_default(
        &path,
        &catalog(),
        DefaultKey::TimeZone,
        Some("Europe/Berlin"),
    )
    .expect("zone");
    check("set time_zone");
    save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Support"),
        ]),
    )
    .expect("add channel");
    check("add channel");
    set_default(&path, &catalog(), DefaultKey::Channel, Some("helpdesk")).expect("channel");
    check("set default_channel");
    set_default(&path, &catalog(), DefaultKey::Channel, None).expect("unset channel");
    check("unset default_channel");
    remove_channel(&path, "helpdesk").expect("remove");
    check("remove channel");
    set_default(&path, &catalog(), DefaultKey::Tier, None).expect("unset tier");
    check("unset default_tier");
    let text = read(&path);
    assert!(
        text.contains("default_profile = \"jumpcloud\" # the vendor we use most"),
        "{text}"
    );
    assert!(text.contains("attempts_inline = 2"), "{text}");
    assert!(!text.contains("helpdesk"), "{text}");
}

#[test]
fn a_value_replaced_in_place_keeps_its_line_and_trailing_comment() {
    let (_folder, path) = config_file(Some(COMMENTED));
    set_default(&path, &catalog(), DefaultKey::Profile, Some("ujet")).expect("profile");
    let text = read(&path);
    assert!(
        text.contains("schema_version = 1\ndefault_profile = \"ujet\" # the vendor we use most\n"),
        "{text}"
    );
}

#[test]
fn the_first_change_makes_the_folder_and_a_private_file() {
    let (_folder, path) = config_file(None);
    set_default(&path, &catalog(), DefaultKey::Profile, Some("ujet")).expect("profile");
    let config = Config::load(&path).expect("loads");
    assert_eq!(config.default_profile.as_deref(), Some("ujet"));
    assert_eq!(config.schema_version, Some(CONFIG_SCHEMA_VERSION));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs_err::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn defaults_are_checked_against_profiles_tiers_zones_and_channels() {
    let (_folder, path) = config_file(Some(COMMENTED));
    let before = read(&path);
    let cases: [(DefaultKey, &str, &str, &str); 4] = [
        (
            DefaultKey::Profile,
            "acme",
            "default_profile",
            "no profile \"acme\"",
        ),
        (
            DefaultKey::Tier,
            "platinum",
            "default_tier",
            "has no tier \"platinum\"",
        ),
        (
            DefaultKey::TimeZone,
            "Mars/Olympus",
            "time_zone",
            "unknown time zone",
        ),
        (
            DefaultKey::Channel,
            "helpdesk",
            "default_channel",
            "no channel \"helpdesk\"",
        ),
    ];
    for (key, value, field, expect) in cases {
        let (got_field, message) = refused(set_default(&path, &catalog(), key, Some(value)));
        assert_eq!(got_field, field, "{message}");
        assert!(message.contains(expect), "{key:?}: {message}");
        assert_eq!(read(&path), before, "{key:?} changed the file");
    }
    // A profile without the configured tier is refused, with the way out.
    set_default(&path, &catalog(), DefaultKey::Tier, Some("premium")).expect("jumpcloud premium");
    let (field, message) = refused(set_default(
        &path,
        &catalog(),
        DefaultKey::Profile,
        Some("generic"),
    ));
    assert_eq!(field, "default_tier");
    assert!(message.contains("unset default_tier"), "{message}");
    // The form sends all four at once; empty means unset; the folder channel always exists.
    save_defaults(
        &path,
        &catalog(),
        &SettingsDefaults {
            default_profile: Some("generic".into()),
            default_tier: Some(" ".into()),
            time_zone: Some("America/New_York".into()),
            default_channel: Some("folder".into()),
        },
    )
    .expect("all four");
    let config = Config::load(&path).expect("loads");
    assert_eq!(
        defaults_of(&config),
        SettingsDefaults {
            default_profile: Some("generic".into()),
            default_tier: None,
            time_zone: Some("America/New_York".into()),
            default_channel: Some("folder".into()),
        }
    );
}

#[test]
fn an_invalid_channel_is_refused_with_the_readers_message_and_the_file_is_unchanged() {
    let (_folder, path) = config_file(Some(COMMENTED));
    let before = read(&path);
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 7] = [
        ("rt", &[("queue", "Support")], "url", "missing field `url`"),
        (
            "rt",
            &[("url", "rt.example.com"), ("queue", "Q")],
            "url",
            "write a full URL",
        ),
        (
            "webhook",
            &[("url", "http://hooks.example.com/casefile")],
            "url",
            "plain http is only allowed to this machine",
        ),
        (
            "smtp",
            &[("host", "mail.example.com"), ("port", "seventy")],
            "port",
            "not a whole number",
        ),
        (
            "smtp",
            &[
                ("host", "mail.example.com"),
                ("tls", "none"),
                ("allow_plain", "true"),
            ],
            "tls",
            "only allowed to this machine",
        ),
        (
            "webhook",
            &[("url", "https://x.example.com"), ("colour", "red")],
            "colour",
            "unknown field `colour`",
        ),
        ("pigeon", &[], "kind", "unknown kind \"pigeon\""),
    ];
    for (kind, given, field, expect) in cases {
        let (got_field, message) = refused(save_channel(&path, "helpdesk", kind, &fields(given)));
        assert!(message.contains(expect), "{kind} {given:?}: {message}");
        assert_eq!(got_field, field, "{kind} {given:?}: {message}");
        assert_eq!(read(&path), before, "{kind} {given:?} changed the file");
    }
    // The missing-field message reads as Config::load's does for the same table.
    let (_other, broken) = config_file(Some(
        "[channels.helpdesk]\nkind = \"rt\"\nqueue = \"Support\"\n",
    ));
    let loaded = Config::load(&broken).expect_err("missing url").to_string();
    let (_, message) = refused(save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[("queue", "Support")]),
    ));
    assert!(loaded.ends_with(&message), "{loaded} vs {message}");
    // Bad names too.
    for name in ["", "help desk", "rt/prod", "ünï"] {
        let (field, _) = refused(save_channel(
            &path,
            name,
            "webhook",
            &fields(&[("url", "https://x.example.com")]),
        ));
        assert_eq!(field, "name", "{name:?}");
    }
    assert_eq!(read(&path), before);
}

#[test]
fn a_secret_value_never_lands_in_the_file() {
    let (_folder, path) = config_file(Some(COMMENTED));
    let before = read(&path);
    let token = "FAKE-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    let attempts: [(&str, &str, &str); 5] = [
        ("password", "FAKE-hunter2", "password"),
        ("token", token, "token"),
        ("secret", "FAKE tok3n with spaces", "secret"),
        ("secret", token, "secret"),
        (
            "url",
            "https://ada:FAKE-pass@rt.example.com/REST/2.0",
            "url",
        ),
    ];
    for (key, value, field) in attempts {
        let mut given = fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Support"),
        ]);
        given.insert(key.to_owned(), value.to_owned());
        let (got_field, message) = refused(save_channel(&path, "helpdesk", "rt", &given));
        assert_eq!(got_field, field, "{message}");
        assert!(message.contains("keychain"), "{message}");
        assert!(
            !message.contains(value),
            "the message repeats the secret: {message}"
        );
        assert_eq!(read(&path), before);
    }
    // A name is fine; the value goes to the keychain and only the name is in the file.
    save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Support"),
            ("secret", "rt-prod"),
        ]),
    )
    .expect("a secret name is fine");
    let keychain = MemoryKeychain::default();
    keychain.set("rt-prod", &Secret::new(token)).expect("store");
    let text = read(&path);
    assert!(text.contains("secret = \"rt-prod\""), "{text}");
    assert!(!text.contains("FAKE"), "{text}");
}

#[test]
fn remove_then_add_round_trips_and_edits_keep_unmanaged_keys() {
    let original = "schema_version = 1\n\n# Our RT.\n[channels.helpdesk]\nkind = \"rt\"\nurl = \"https://rt.example.com/REST/2.0\"\nqueue = \"Support\"\n\n[channels.helpdesk.priorities]\n1 = \"Urgent\"\n";
    let (_folder, path) = config_file(Some(original));
    let before = Config::load(&path).expect("loads");
    save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Escalations"),
            ("username", "ada"),
        ]),
    )
    .expect("edit");
    let edited = Config::load(&path).expect("loads");
    let ChannelConfig::Rt(rt) = &edited.channels["helpdesk"] else {
        panic!("not rt: {edited:?}");
    };
    assert_eq!(rt.queue, "Escalations");
    assert_eq!(rt.priorities.get("1").map(String::as_str), Some("Urgent"));
    assert!(read(&path).contains("# Our RT."));

    remove_channel(&path, "helpdesk").expect("remove");
    assert!(Config::load(&path).expect("loads").channels.is_empty());
    assert!(matches!(
        remove_channel(&path, "helpdesk"),
        Err(SettingsError::UnknownChannel { .. })
    ));
    save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Support"),
        ]),
    )
    .expect("add again");
    let again = Config::load(&path).expect("loads");
    let (ChannelConfig::Rt(first), ChannelConfig::Rt(second)) =
        (&before.channels["helpdesk"], &again.channels["helpdesk"])
    else {
        panic!("not rt");
    };
    assert_eq!((&first.url, &first.queue), (&second.url, &second.queue));
    // The default channel cannot be removed from under the configuration.
    set_default(&path, &catalog(), DefaultKey::Channel, Some("helpdesk")).expect("default");
    let (field, _) = refused(remove_channel(&path, "helpdesk"));
    assert_eq!(field, "default_channel");
}

#[test]
fn changing_a_channels_kind_replaces_its_fields() {
    let (_folder, path) = config_file(None);
    save_channel(
        &path,
        "desk",
        "rt",
        &fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Support"),
        ]),
    )
    .expect("rt");
    save_channel(
        &path,
        "desk",
        "webhook",
        &fields(&[("url", "https://hooks.example.com/x")]),
    )
    .expect("webhook");
    let text = read(&path);
    assert!(!text.contains("queue"), "{text}");
    assert!(matches!(
        Config::load(&path).expect("loads").channels["desk"],
        ChannelConfig::Webhook(_)
    ));
}

#[test]
fn the_view_shows_channels_with_their_fields_and_where_each_secret_is() {
    let (folder, path) = config_file(Some(
        "[delivery]\ndefault_channel = \"desk\"\n\n[channels.desk]\nkind = \"zendesk\"\nurl = \"https://acme.zendesk.com\"\ntags = [\"vip\", \"casefile\"]\n\n[channels.hook]\nkind = \"webhook\"\nurl = \"https://hooks.example.com\"\nsecret = \"hook-token\"\n",
    ));
    let data = folder.path().join("data");
    let keychain = MemoryKeychain::default();
    keychain
        .set("desk", &Secret::new("FAKE-zd"))
        .expect("store");
    let secrets = Secrets::new(
        [(
            "CASEFILE_SECRET_HOOK_TOKEN".to_owned(),
            "FAKE-hook".to_owned(),
        )],
        &keychain,
    );
    let view = settings_view(
        &Locations {
            config_file: &path,
            profiles_dir: &folder.path().join("profiles"),
            data_dir: &data,
            default_folder: &folder.path().join("Documents"),
        },
        &catalog(),
        &secrets,
    );
    assert!(view.config_exists && view.config_problem.is_none());
    assert_eq!(view.defaults.default_channel.as_deref(), Some("desk"));
    let names: Vec<&str> = view.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["folder", "desk", "hook"]);
    let desk = &view.channels[1];
    assert!(desk.default && !desk.built_in);
    assert_eq!(
        desk.values.get("tags").map(String::as_str),
        Some("vip, casefile")
    );
    assert_eq!(desk.secret_source, Some(SecretSource::Keychain));
    let hook = &view.channels[2];
    assert_eq!(hook.secret_source, Some(SecretSource::Environment));
    assert_eq!(
        hook.secret_env.as_deref(),
        Some("CASEFILE_SECRET_HOOK_TOKEN")
    );
    assert!(view.channels[0].built_in);
    assert!(!view.key.exists && view.key.fingerprint.is_none());
    assert!(view.data.outbox.ends_with("outbox"));
    assert_eq!(view.kinds.len(), 7);
    assert!(
        view.profiles
            .iter()
            .any(|p| p.id == "jetpatch" && !p.tiers.is_empty())
    );
    let json = serde_json::to_string(&view).expect("serializes");
    assert!(!json.contains("FAKE"), "a secret value in the view: {json}");

    let exported = export_key(&data).expect("export");
    let again = settings_view(
        &Locations {
            config_file: &path,
            profiles_dir: &folder.path().join("profiles"),
            data_dir: &data,
            default_folder: &folder.path().join("Documents"),
        },
        &catalog(),
        &secrets,
    );
    assert_eq!(
        again.key.fingerprint.as_deref(),
        Some(exported.fingerprint.as_str())
    );
}

#[test]
fn a_broken_file_is_reported_in_the_view_and_edits_are_refused() {
    let (folder, path) = config_file(Some("default_teir = \"x\"\n"));
    let keychain = MemoryKeychain::default();
    let view = settings_view(
        &Locations {
            config_file: &path,
            profiles_dir: folder.path(),
            data_dir: folder.path(),
            default_folder: folder.path(),
        },
        &catalog(),
        &Secrets::new([], &keychain),
    );
    assert!(
        view.config_problem
            .as_deref()
            .is_some_and(|p| p.contains("config.toml:1"))
    );
    let error =
        set_default(&path, &catalog(), DefaultKey::Profile, Some("generic")).expect_err("refused");
    assert_eq!(error.code(), "config_invalid");
    assert_eq!(read(&path), "default_teir = \"x\"\n");
}

#[test]
fn an_imported_key_replaces_the_old_one() {
    let folder = tempfile::tempdir().expect("temp");
    let first = export_key(folder.path()).expect("made");
    let other = PseudonymKey::generate().expect("key");
    let fingerprint =
        import_key(folder.path(), &format!("  {}\n", other.export())).expect("import");
    assert_eq!(fingerprint, other.fingerprint());
    assert_ne!(fingerprint, first.fingerprint);
    assert!(import_key(folder.path(), "casefile-key-v1:nothex").is_err());
    assert_eq!(
        PseudonymKey::load(folder.path())
            .expect("load")
            .map(|k| k.fingerprint()),
        Some(fingerprint)
    );
}

#[test]
fn new_drafts_start_with_the_configured_profile_and_tier_while_they_exist() {
    let catalog = catalog();
    let mut config = Config::default();
    config.default_profile = Some("jumpcloud".into());
    config.default_tier = Some("premium".into());
    assert_eq!(
        new_draft_defaults(&config, &catalog),
        ("jumpcloud".to_owned(), Some("premium".to_owned()))
    );
    config.default_tier = Some("gone".into());
    assert_eq!(new_draft_defaults(&config, &catalog).1, None);
    config.default_profile = Some("gone".into());
    assert_eq!(new_draft_defaults(&config, &catalog).0, FALLBACK_PROFILE);
}

fn bound_channel(path: &Path, keychain: &MemoryKeychain) {
    save_channel(
        path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Support"),
        ]),
    )
    .expect("rt");
    keychain
        .set("helpdesk", &Secret::new("FAKE-rt-token"))
        .expect("store");
    bind_secret(path, "helpdesk").expect("bind");
}

fn opens(path: &Path, keychain: &MemoryKeychain, channel: &str) -> Result<(), String> {
    let config = Config::load(path).expect("loads");
    crate::deliver::service::open_channel(
        &config,
        channel,
        &Secrets::new([], keychain),
        Path::new("."),
    )
    .map(drop)
    .map_err(|error| format!("{}: {error}", error.code()))
}

#[test]
fn changing_a_channels_url_drops_its_secret_binding_until_the_secret_is_stored_again() {
    let (_folder, path) = config_file(None);
    let keychain = MemoryKeychain::default();
    bound_channel(&path, &keychain);
    opens(&path, &keychain, "helpdesk").expect("bound to its own URL");
    // Same destination, other fields: the binding holds.
    let saved = save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://RT.example.com/REST/2.0/"),
            ("queue", "Escalations"),
        ]),
    )
    .expect("edit");
    assert!(saved.unbound_secret.is_none(), "{saved:?}");
    opens(&path, &keychain, "helpdesk").expect("same destination");
    // Another URL: the secret is not sent there.
    let saved = save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://attacker.example.net/REST/2.0"),
            ("queue", "Support"),
        ]),
    )
    .expect("edit");
    assert_eq!(saved.unbound_secret.as_deref(), Some("helpdesk"));
    let error = opens(&path, &keychain, "helpdesk").expect_err("unbound");
    assert!(error.starts_with("secret_unbound"), "{error}");
    assert!(error.contains("casefile secret set helpdesk"), "{error}");
    assert!(!error.contains("FAKE"), "{error}");
    // Going back does not bring the old binding back either: it was dropped.
    save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Support"),
        ]),
    )
    .expect("back");
    assert!(opens(&path, &keychain, "helpdesk").is_err());
    // Stored again: bound to where it sends now.
    bind_secret(&path, "helpdesk").expect("bind");
    opens(&path, &keychain, "helpdesk").expect("bound again");
    let bindings = read(&crate::deliver::secret::SecretBindings::path_for(&path));
    assert!(!bindings.contains("FAKE"), "{bindings}");
}

#[test]
fn a_channels_kind_host_or_ca_change_also_drops_the_binding() {
    let (folder, path) = config_file(None);
    let keychain = MemoryKeychain::default();
    bound_channel(&path, &keychain);
    let ca = folder.path().join("ca.pem");
    let changes: [(&str, Vec<(&str, &str)>); 2] = [
        (
            "webhook",
            vec![
                ("url", "https://rt.example.com/REST/2.0"),
                ("secret", "helpdesk"),
            ],
        ),
        (
            "smtp",
            vec![
                ("host", "mail.attacker.example.net"),
                ("username", "ada"),
                ("secret", "helpdesk"),
            ],
        ),
    ];
    for (kind, given) in changes {
        bound_channel(&path, &keychain);
        let saved = save_channel(&path, "helpdesk", kind, &fields(&given)).expect(kind);
        assert_eq!(saved.unbound_secret.as_deref(), Some("helpdesk"), "{kind}");
        assert!(opens(&path, &keychain, "helpdesk").is_err(), "{kind}");
    }
    // A CA the change brings in: the name is enough to drop it (the file is checked on open).
    bound_channel(&path, &keychain);
    let saved = save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://rt.example.com/REST/2.0"),
            ("queue", "Support"),
            ("ca_file", &ca.display().to_string()),
        ]),
    );
    // The CA file does not exist, so the save itself is refused and the binding stays.
    assert!(saved.is_err());
    opens(&path, &keychain, "helpdesk").expect("unchanged");
}

#[test]
fn naming_another_channels_secret_needs_the_secret_again() {
    let (_folder, path) = config_file(None);
    let keychain = MemoryKeychain::default();
    bound_channel(&path, &keychain);
    let saved = save_channel(
        &path,
        "x",
        "webhook",
        &fields(&[
            ("url", "https://attacker.example.net/hook"),
            ("secret", "helpdesk"),
        ]),
    )
    .expect("a new channel");
    assert_eq!(saved.unbound_secret.as_deref(), Some("helpdesk"));
    let error = opens(&path, &keychain, "x").expect_err("not for x");
    assert!(error.starts_with("secret_unbound"), "{error}");
    // The old binding is dropped too: whoever stores it again decides where it goes.
    assert!(opens(&path, &keychain, "helpdesk").is_err());
}

#[test]
fn a_legacy_secret_without_a_binding_still_opens_until_its_destination_changes() {
    let (_folder, path) = config_file(Some(
        "[channels.helpdesk]\nkind = \"rt\"\nurl = \"https://rt.example.com/REST/2.0\"\nqueue = \"Support\"\n",
    ));
    let keychain = MemoryKeychain::default();
    keychain
        .set("helpdesk", &Secret::new("FAKE-rt-token"))
        .expect("store");
    opens(&path, &keychain, "helpdesk").expect("no binding yet");
    save_channel(
        &path,
        "helpdesk",
        "rt",
        &fields(&[
            ("url", "https://attacker.example.net/REST/2.0"),
            ("queue", "Support"),
        ]),
    )
    .expect("edit");
    assert!(opens(&path, &keychain, "helpdesk").is_err());
}

#[test]
fn a_webhook_url_that_is_a_credential_is_refused_in_the_file_and_moved_to_the_keychain() {
    let key = "FAKEexampleKEY0123456789";
    let slack = format!("https://hooks.slack.com/services/T00000000/B00000000/{key}");
    let azure = format!(
        "https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers&sig={key}"
    );
    for url in [&slack, &azure] {
        let (_folder, path) = config_file(Some(&format!(
            "[channels.hook]\nkind = \"webhook\"\nurl = \"{url}\"\n"
        )));
        let error = Config::load(&path).expect_err("refused").to_string();
        assert!(error.contains("casefile channels add hook"), "{error}");
        assert!(!error.contains(key), "the message repeats the key: {error}");
        assert!(error.contains("<secret>"), "{error}");

        let (_folder, path) = config_file(None);
        let saved = save_channel(&path, "hook", "webhook", &fields(&[("url", url)]))
            .expect("moved, not refused");
        let (name, part) = saved.moved_secret.expect("moved");
        assert_eq!((name.as_str(), part.expose()), ("hook", key));
        let text = read(&path);
        assert!(!text.contains(key), "{text}");
        assert!(
            text.contains("{secret}") && text.contains("secret = \"hook\""),
            "{text}"
        );
        let config = Config::load(&path).expect("loads");
        let destination = config.channel("hook").expect("hook").destination();
        assert!(!destination.contains(key), "{destination}");
    }
    // Shown without the credential, wherever the URL is printed.
    for (url, hidden) in [
        ("https://ada:FAKE-pass@rt.example.com/REST/2.0", "FAKE-pass"),
        ("https://x.example.com/hook?code=FAKEcode&x=1", "FAKEcode"),
        ("https://x.example.com/hook?token=FAKEtok", "FAKEtok"),
        (
            "https://discord.com/api/webhooks/123/FAKEtoken",
            "FAKEtoken",
        ),
    ] {
        let shown = crate::deliver::channel::url_without_secrets(url);
        assert!(!shown.contains(hidden), "{shown}");
        assert!(crate::deliver::channel::url_secret(url).is_some(), "{url}");
    }
    assert!(
        crate::deliver::channel::url_secret("https://rt.example.com/REST/2.0?queue=1").is_none()
    );
}
