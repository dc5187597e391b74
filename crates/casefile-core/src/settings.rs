//! Changing `config.toml` from the Settings screen and `casefile config` / `casefile channels
//! add|remove`: the defaults and the `[channels.NAME]` tables.
//!
//! Edits go through `toml_edit`, so the user's comments, blank lines and key order survive.
//! Every write builds the new text, checks that it reads as a configuration exactly as
//! [`Config::load`] reads it, and only then replaces the file atomically (mode 0600), creating
//! the folder and the file if needed. A refused change leaves the file as it was.
//!
//! Secrets never go into the file: a channel names its secret (`secret = "helpdesk"`) and the
//! value lives in the OS keychain (or `CASEFILE_SECRET_<NAME>`). A field that looks like it
//! holds a password or token instead of a name is refused.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};

use crate::config::{CONFIG_SCHEMA_VERSION, Config, ConfigError};
use crate::deliver::Secret;
use crate::deliver::channel::{ChannelConfig, DEFAULT_CHANNEL};
use crate::deliver::secret::{Secrets, secret_env_var};
use crate::profile::Catalog;
use crate::profile::schema::TimeZone;
use crate::redact::PseudonymKey;
use crate::wire::{
    ChannelFieldSpec, ChannelKindSpec, ChannelSettings, DataLocations, FieldInput, KeyInfo,
    ProfileTiers, SettingsDefaults, SettingsView, TierSummary,
};

/// The profile used when `default_profile` is not set.
pub const FALLBACK_PROFILE: &str = "generic";

/// Why a setting could not be changed; the file is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A value is refused: `field` names the setting or channel field (`default_tier`, `url`,
    /// `name`), `message` says what is wrong and how to fix it.
    #[error("{message}")]
    Invalid {
        /// The setting or field at fault.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// No configured channel has this name.
    #[error("no channel {name:?} in the configuration; channels: {}", choices.join(", "))]
    UnknownChannel {
        /// The name asked for.
        name: String,
        /// The configured channels.
        choices: Vec<String>,
    },
    /// The configuration file does not read; fix it first (the message names file and line).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Detail.
        source: std::io::Error,
    },
}

impl SettingsError {
    /// A stable code for programs: `setting_invalid`, `unknown_channel`, `config_invalid`, `io`.
    pub fn code(&self) -> &'static str {
        match self {
            SettingsError::Invalid { .. } => "setting_invalid",
            SettingsError::UnknownChannel { .. } => "unknown_channel",
            SettingsError::Config(ConfigError::Invalid { .. }) => "config_invalid",
            SettingsError::Config(ConfigError::Io { .. }) | SettingsError::Io { .. } => "io",
        }
    }

    /// The field at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            SettingsError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// One of the defaults `casefile config set|unset` changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultKey {
    /// `default_profile`.
    Profile,
    /// `default_tier`.
    Tier,
    /// `time_zone`.
    TimeZone,
    /// `[delivery] default_channel`.
    Channel,
}

impl DefaultKey {
    /// Every key, as written.
    pub const ALL: [DefaultKey; 4] = [
        DefaultKey::Profile,
        DefaultKey::Tier,
        DefaultKey::TimeZone,
        DefaultKey::Channel,
    ];

    /// The key as `casefile config set` takes it.
    pub fn name(self) -> &'static str {
        match self {
            DefaultKey::Profile => "default_profile",
            DefaultKey::Tier => "default_tier",
            DefaultKey::TimeZone => "time_zone",
            DefaultKey::Channel => "delivery.default_channel",
        }
    }

    /// Reads a key name (`default_channel` is accepted for `delivery.default_channel`).
    pub fn parse(text: &str) -> Result<DefaultKey, SettingsError> {
        match text {
            "default_profile" => Ok(DefaultKey::Profile),
            "default_tier" => Ok(DefaultKey::Tier),
            "time_zone" => Ok(DefaultKey::TimeZone),
            "delivery.default_channel" | "default_channel" => Ok(DefaultKey::Channel),
            other => Err(invalid(
                "key",
                format!(
                    "unknown setting {other:?}; the settings are: {}",
                    DefaultKey::ALL.map(DefaultKey::name).join(", ")
                ),
            )),
        }
    }

    fn get(self, defaults: &SettingsDefaults) -> Option<&String> {
        match self {
            DefaultKey::Profile => defaults.default_profile.as_ref(),
            DefaultKey::Tier => defaults.default_tier.as_ref(),
            DefaultKey::TimeZone => defaults.time_zone.as_ref(),
            DefaultKey::Channel => defaults.default_channel.as_ref(),
        }
    }

    fn slot(self, defaults: &mut SettingsDefaults) -> &mut Option<String> {
        match self {
            DefaultKey::Profile => &mut defaults.default_profile,
            DefaultKey::Tier => &mut defaults.default_tier,
            DefaultKey::TimeZone => &mut defaults.time_zone,
            DefaultKey::Channel => &mut defaults.default_channel,
        }
    }
}

/// The defaults as `config` sets them.
pub fn defaults_of(config: &Config) -> SettingsDefaults {
    SettingsDefaults {
        default_profile: config.default_profile.clone(),
        default_tier: config.default_tier.clone(),
        time_zone: config.time_zone.map(|zone| zone.0.name().to_owned()),
        default_channel: config.delivery.default_channel.clone(),
    }
}

/// The profile and tier a new draft starts with when the user names none: the configured
/// defaults when they are (still) known, else the fallback profile and, when a profile has one
/// tier only, that tier; `None` for the tier means "choose it in the wizard".
pub fn new_draft_defaults(config: &Config, catalog: &Catalog) -> (String, Option<String>) {
    let profile = config
        .default_profile
        .as_deref()
        .filter(|id| catalog.get(id).is_some())
        .unwrap_or(FALLBACK_PROFILE)
        .to_owned();
    let tiers = catalog
        .get(&profile)
        .map(|loaded| loaded.profile.tiers.as_slice())
        .unwrap_or_default();
    let tier = match config.default_tier.as_deref() {
        Some(tier) if tiers.iter().any(|candidate| candidate.id == tier) => Some(tier.to_owned()),
        _ if tiers.len() == 1 => tiers.first().map(|tier| tier.id.clone()),
        _ => None,
    };
    (profile, tier)
}

/// Sets (`Some`) or unsets (`None`) one default in the file at `path`, checked against the
/// profiles in `catalog` and the configured channels.
pub fn set_default(
    path: &Path,
    catalog: &Catalog,
    key: DefaultKey,
    value: Option<&str>,
) -> Result<(), SettingsError> {
    let config = Config::load(path)?;
    let mut defaults = defaults_of(&config);
    *key.slot(&mut defaults) = value.map(str::to_owned);
    save_defaults_checked(path, catalog, &config, &defaults, Some(key))
}

/// Writes all four defaults at once (the Settings form): each `None` or empty one is unset.
pub fn save_defaults(
    path: &Path,
    catalog: &Catalog,
    defaults: &SettingsDefaults,
) -> Result<(), SettingsError> {
    let config = Config::load(path)?;
    save_defaults_checked(path, catalog, &config, defaults, None)
}

fn save_defaults_checked(
    path: &Path,
    catalog: &Catalog,
    config: &Config,
    defaults: &SettingsDefaults,
    changed: Option<DefaultKey>,
) -> Result<(), SettingsError> {
    let mut defaults = defaults.clone();
    for key in DefaultKey::ALL {
        let slot = key.slot(&mut defaults);
        *slot = slot
            .take()
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty());
    }
    check_defaults(catalog, config, &defaults, changed)?;
    let mut doc = read_document(path)?;
    for key in DefaultKey::ALL {
        let value = key.get(&defaults).cloned().map(Value::from);
        match (key, value) {
            (DefaultKey::Channel, Some(value)) => set_key(
                table_entry(doc.as_table_mut(), "delivery")?,
                "default_channel",
                Some(value),
            ),
            (DefaultKey::Channel, None) => {
                if let Some(delivery) = doc.get_mut("delivery").and_then(Item::as_table_like_mut) {
                    set_key(delivery, "default_channel", None);
                }
            }
            (key, value) => set_key(doc.as_table_mut(), key.name(), value),
        }
    }
    write_checked(path, &doc)
}

fn check_defaults(
    catalog: &Catalog,
    config: &Config,
    defaults: &SettingsDefaults,
    changed: Option<DefaultKey>,
) -> Result<(), SettingsError> {
    let profile_id = defaults
        .default_profile
        .as_deref()
        .unwrap_or(FALLBACK_PROFILE);
    let profile = catalog.get(profile_id);
    if let Some(id) = &defaults.default_profile
        && profile.is_none()
    {
        return Err(invalid(
            "default_profile",
            format!(
                "default_profile: no profile {id:?}; choose one of: {}",
                catalog.ids().join(", ")
            ),
        ));
    }
    if let (Some(tier), Some(profile)) = (&defaults.default_tier, profile) {
        let tiers: Vec<&str> = profile
            .profile
            .tiers
            .iter()
            .map(|tier| tier.id.as_str())
            .collect();
        if !tiers.contains(&tier.as_str()) {
            let advice = if changed == Some(DefaultKey::Profile) {
                " (or unset default_tier first: `casefile config unset default_tier`)"
            } else {
                ""
            };
            return Err(invalid(
                "default_tier",
                format!(
                    "default_tier: {} has no tier {tier:?}; choose one of: {}{advice}",
                    profile.profile.name,
                    tiers.join(", ")
                ),
            ));
        }
    }
    if let Some(zone) = &defaults.time_zone {
        zone.parse::<TimeZone>()
            .map_err(|message| invalid("time_zone", format!("time_zone: {message}")))?;
    }
    if let Some(channel) = &defaults.default_channel
        && config.channel(channel).is_none()
    {
        return Err(invalid(
            "default_channel",
            format!(
                "default_channel: no channel {channel:?}; choose one of: {} (or add the channel first)",
                config.channel_names().join(", ")
            ),
        ));
    }
    Ok(())
}

/// What saving a channel changed beyond `config.toml`, for the front end to act on.
#[derive(Debug, Default)]
pub struct ChannelSaved {
    /// The URL held a credential (a webhook key in its path, `sig=`, `code=`…): it was
    /// written with `{secret}` in its place, and this secret (its name and the part) must be
    /// stored in the keychain now, then bound with [`bind_secret`].
    pub moved_secret: Option<(String, Secret)>,
    /// The channel's destination changed (or it names a secret bound to another destination)
    /// while this secret was bound: the binding is dropped, and the secret must be stored
    /// again before the channel opens.
    pub unbound_secret: Option<String>,
}

/// Adds channel `name` of `kind`, or replaces it, with `fields` (field name to text, as the
/// form and `--set key=value` give them; an empty value leaves the field unset). Keys the form
/// does not edit (priority maps, custom fields) are kept when the kind stays the same.
///
/// A secret stays bound to the destination it was stored for: a change of kind, URL, host,
/// port, certificate name or `ca_file`, or naming a secret stored for another destination,
/// drops its binding (answered in [`ChannelSaved::unbound_secret`]). A URL that carries a
/// credential is written with `{secret}` in its place ([`ChannelSaved::moved_secret`]).
pub fn save_channel(
    path: &Path,
    name: &str,
    kind: &str,
    fields: &BTreeMap<String, String>,
) -> Result<ChannelSaved, SettingsError> {
    let old = Config::load(path)?;
    check_channel_name(name)?;
    let mut fields = fields.clone();
    let mut moved_secret = None;
    if let Some(url) = fields.get("url").cloned()
        && let Some((template, part)) = crate::deliver::channel::split_url_secret(url.trim())
    {
        let secret_name = match fields.get("secret").map(|s| s.trim()) {
            Some(given) if !given.is_empty() => given.to_owned(),
            _ => name.to_owned(),
        };
        fields.insert("url".to_owned(), template);
        fields.insert("secret".to_owned(), secret_name.clone());
        moved_secret = Some((secret_name, Secret::new(part)));
    }
    let fields = &fields;
    let spec = kind_spec(kind).ok_or_else(|| {
        invalid(
            "kind",
            format!(
                "[channels.{name}]: unknown kind {kind:?}; use one of: {}",
                KINDS.map(|kind| kind.0).join(", ")
            ),
        )
    })?;
    let mut values: Vec<(String, Option<Value>)> = Vec::new();
    for (key, text) in fields {
        let key = key.trim();
        if key == "kind" {
            continue;
        }
        refuse_secret_value(name, key, text)?;
        let field = spec.fields.iter().find(|field| field.name == key);
        let value = match field {
            Some(field) => field_value(name, field, text)?,
            // Unknown keys go to the reader, which names them and the keys it knows.
            None => Some(Value::from(text.trim())),
        };
        values.push((key.to_owned(), value));
    }

    let mut doc = read_document(path)?;
    let channels = table_entry(doc.as_table_mut(), "channels")?;
    let same_kind = channels
        .get(name)
        .and_then(Item::as_table_like)
        .and_then(|table| table.get("kind"))
        .and_then(Item::as_str)
        == Some(kind);
    if !same_kind {
        channels.remove(name);
    }
    let table = table_entry(channels, name)?;
    set_key(table, "kind", Some(Value::from(kind)));
    for field in &spec.fields {
        if !fields.contains_key(&field.name) {
            set_key(table, &field.name, None);
        }
    }
    for (key, value) in values {
        set_key(table, &key, value);
    }

    // The same per-kind reader `Config::load` uses, so the messages read the same.
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        channels: BTreeMap<String, BTreeMap<toml::Spanned<String>, toml::Value>>,
    }
    let text = doc.to_string();
    let raw: Raw = toml::from_str(&text)
        .map_err(|error| invalid("", format!("[channels.{name}]: {}", error.message().trim())))?;
    let table = raw.channels.get(name).cloned().unwrap_or_default();
    let channel = crate::config::read_channel(&table)
        .map_err(|(key, message)| invalid(&key, format!("[channels.{name}]: {message}")))?;
    check_channel(name, &channel)?;
    let mut bindings = old.secret_bindings.clone();
    let unbound_secret = channel.secret_name(name).and_then(|secret| {
        let fingerprint = channel.binding_fingerprint();
        let moved = if bindings.has(secret) {
            !bindings.allows(secret, &channel)
        } else {
            old.channels.iter().any(|(other, config)| {
                config.secret_name(other) == Some(secret)
                    && config.binding_fingerprint() != fingerprint
            })
        };
        moved.then(|| secret.to_owned())
    });
    write_checked(path, &doc)?;
    if let Some(secret) = &unbound_secret {
        bindings.drop_binding(secret);
        bindings.save(path).map_err(bindings_error)?;
    }
    Ok(ChannelSaved {
        moved_secret,
        unbound_secret,
    })
}

fn bindings_error(error: crate::deliver::secret::BindingsError) -> SettingsError {
    SettingsError::Config(ConfigError::Invalid {
        path: error.path,
        location: String::new(),
        message: error.message,
    })
}

/// Binds secret `name`, just stored, to the destination of every configured channel that
/// names it: from now on it is sent only there (see
/// [`SecretBindings`](crate::deliver::secret::SecretBindings)). Call it after storing a
/// secret's value (`casefile secret set`, the Settings password field).
pub fn bind_secret(path: &Path, name: &str) -> Result<(), SettingsError> {
    let config = Config::load(path)?;
    let mut bindings = config.secret_bindings.clone();
    bindings.bind(
        name,
        config
            .channel_names()
            .iter()
            .filter_map(|channel| config.channel(channel).map(|c| (channel.clone(), c)))
            .filter(|(channel, config)| config.secret_name(channel) == Some(name))
            .map(|(_, config)| config.binding_fingerprint()),
    );
    bindings.save(path).map_err(bindings_error)
}

/// Removes channel `name`; refused while it is the default channel. False when the file has
/// no such channel (the built-in folder channel cannot be removed).
pub fn remove_channel(path: &Path, name: &str) -> Result<(), SettingsError> {
    let config = Config::load(path)?;
    if !config.channels.contains_key(name) {
        return Err(SettingsError::UnknownChannel {
            name: name.to_owned(),
            choices: config.channels.keys().cloned().collect(),
        });
    }
    if config.delivery.default_channel.as_deref() == Some(name) {
        return Err(invalid(
            "default_channel",
            format!(
                "channel {name} is the default channel; choose another default channel first (`casefile config set default_channel folder`)"
            ),
        ));
    }
    let mut doc = read_document(path)?;
    if let Some(channels) = doc.get_mut("channels").and_then(Item::as_table_like_mut) {
        channels.remove(name);
        if channels.is_empty() {
            doc.remove("channels");
        }
    }
    write_checked(path, &doc)?;
    // A secret no remaining channel names is bound nowhere: a channel added later with it
    // needs it stored again.
    if let Some(secret) = config.channels.get(name).and_then(|c| c.secret_name(name))
        && !config
            .channels
            .iter()
            .any(|(other, c)| other != name && c.secret_name(other) == Some(secret))
    {
        let mut bindings = config.secret_bindings.clone();
        bindings.drop_binding(secret);
        bindings.save(path).map_err(bindings_error)?;
    }
    Ok(())
}

/// Channel names: letters, digits, `-` and `_`, as `Config::load` requires.
fn check_channel_name(name: &str) -> Result<(), SettingsError> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(
            "name",
            format!(
                "channel name {name:?} may only hold letters, digits, '-' and '_' (1 to 64 of them), e.g. helpdesk or rt-prod"
            ),
        ));
    }
    Ok(())
}

/// Keys people use for a password itself; refused with where the value belongs instead.
const SECRET_KEYS: [&str; 9] = [
    "password",
    "passwd",
    "pass",
    "token",
    "api_key",
    "apikey",
    "api_token",
    "auth_token",
    "secret_value",
];

/// Refuses a password or token in place of a secret's name, or in a URL.
fn refuse_secret_value(channel: &str, key: &str, text: &str) -> Result<(), SettingsError> {
    let keychain = format!(
        "store it in the keychain instead (Settings: the channel's password field; CLI: `casefile secret set {channel}`) or set {}",
        secret_env_var(channel)
    );
    if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
        return Err(invalid(
            key,
            format!(
                "[channels.{channel}]: {key}: passwords and tokens never go into config.toml; {keychain}"
            ),
        ));
    }
    let text = text.trim();
    if key == "secret" && !text.is_empty() && looks_like_secret_value(text) {
        return Err(invalid(
            key,
            format!(
                "[channels.{channel}]: secret names the keychain entry (e.g. {channel:?}), it must not hold the password or token itself (letters, digits, '-', '_' and '.', at most 64); {keychain}"
            ),
        ));
    }
    if key == "url"
        && let Some((_, rest)) = text.split_once("://")
        && let Some(authority) = rest.split(['/', '?', '#']).next()
        && let Some((userinfo, _)) = authority.rsplit_once('@')
        && userinfo.contains(':')
    {
        return Err(invalid(
            key,
            format!(
                "[channels.{channel}]: url holds a password (user:password@); remove it from the URL and {keychain}"
            ),
        ));
    }
    Ok(())
}

/// Whether `text` is more like a password or token than a secret's name.
fn looks_like_secret_value(text: &str) -> bool {
    let name_like = text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_like {
        return true;
    }
    // A long run of letters and digits with no separator is how API keys and tokens look.
    let longest_run = text.split(['-', '_', '.']).map(str::len).max().unwrap_or(0);
    let digits = text.chars().filter(char::is_ascii_digit).count();
    longest_run >= 20 && digits >= 2
}

/// The TOML value a field's text stands for; `None` for an empty one (unset).
fn field_value(
    channel: &str,
    field: &ChannelFieldSpec,
    text: &str,
) -> Result<Option<Value>, SettingsError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = |what: &str| {
        invalid(
            &field.name,
            format!(
                "[channels.{channel}]: {}: {text:?} is not {what}",
                field.name
            ),
        )
    };
    Ok(Some(match field.input {
        FieldInput::Number => {
            let number: u16 = text
                .parse()
                .map_err(|_| bad("a whole number from 1 to 65535"))?;
            Value::from(i64::from(number))
        }
        FieldInput::Checkbox => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Value::from(true),
            "false" | "no" | "off" | "0" => return Ok(None),
            _ => return Err(bad("true or false")),
        },
        FieldInput::List => {
            let mut array = toml_edit::Array::new();
            for item in text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
            {
                array.push(item);
            }
            Value::Array(array)
        }
        FieldInput::Select if !field.options.iter().any(|option| option == text) => {
            return Err(bad(&format!("one of: {}", field.options.join(", "))));
        }
        _ => Value::from(text),
    }))
}

/// What opening the channel checks without a network (URLs, TLS settings, the CA file), with
/// a stand-in secret: the real one is looked up only when the channel is used.
fn check_channel(name: &str, channel: &ChannelConfig) -> Result<(), SettingsError> {
    let url = match channel {
        ChannelConfig::Rt(config) => Some(&config.url),
        ChannelConfig::Zendesk(config) => Some(&config.url),
        ChannelConfig::Freshdesk(config) => Some(&config.url),
        ChannelConfig::Jsm(config) => Some(&config.url),
        ChannelConfig::Webhook(config) => Some(&config.url),
        ChannelConfig::Folder(_) | ChannelConfig::Smtp(_) => None,
    };
    if let Some(url) = url {
        crate::deliver::http::check_url(url.trim().trim_end_matches('/'))
            .map_err(|error| invalid("url", format!("channel {name}: {}", error.message)))?;
    }
    let stand_in = Secret::new("stand-in secret for checking the settings");
    channel
        .open(Some(stand_in), Path::new("."))
        .map(drop)
        .map_err(|error| {
            let field = if error.message.contains("ca_file") {
                "ca_file"
            } else if error.message.contains("tls") {
                "tls"
            } else if error.message.contains("host") {
                "host"
            } else {
                ""
            };
            invalid(field, format!("channel {name}: {}", error.message))
        })
}

/// The file's text as a document; an empty one (with the schema version) when it is missing.
fn read_document(path: &Path) -> Result<DocumentMut, SettingsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => format!(
            "# Casefile configuration. Secrets are not kept here: they live in the OS keychain.\nschema_version = {CONFIG_SCHEMA_VERSION}\n"
        ),
        Err(source) => {
            return Err(SettingsError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    text.parse::<DocumentMut>().map_err(|error| {
        SettingsError::Config(ConfigError::Invalid {
            path: path.to_owned(),
            location: String::new(),
            message: error.message().trim().to_owned(),
        })
    })
}

/// The table under `key` in `parent`, made (as a `[section]`) when missing.
fn table_entry<'a>(
    parent: &'a mut dyn toml_edit::TableLike,
    key: &str,
) -> Result<&'a mut dyn toml_edit::TableLike, SettingsError> {
    if parent.get(key).and_then(Item::as_table_like).is_none() {
        let mut table = Table::new();
        table.set_implicit(key == "channels");
        parent.insert(key, Item::Table(table));
    }
    parent
        .get_mut(key)
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| invalid(key, format!("{key} is not a table in config.toml")))
}

/// Sets `key` to `value` (keeping its place and trailing comment) or removes it.
fn set_key(table: &mut dyn toml_edit::TableLike, key: &str, value: Option<Value>) {
    match value {
        Some(mut value) => {
            if let Some(old) = table.get(key).and_then(Item::as_value) {
                *value.decor_mut() = old.decor().clone();
            }
            table.insert(key, Item::Value(value));
        }
        None => {
            table.remove(key);
        }
    }
}

/// Checks that the edited document reads as a configuration, then replaces the file atomically.
fn write_checked(path: &Path, doc: &DocumentMut) -> Result<(), SettingsError> {
    let text = doc.to_string();
    Config::parse(&text, path)?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SettingsError::Io { path, source }
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    fs_err::create_dir_all(&folder).map_err(io(&folder))?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".config-")
        .suffix(".tmp")
        .tempfile_in(&folder)
        .map_err(io(&folder))?;
    temporary.write_all(text.as_bytes()).map_err(io(path))?;
    temporary.as_file().sync_all().map_err(io(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io(path))?;
    }
    temporary.persist(path).map_err(|error| SettingsError::Io {
        path: path.to_owned(),
        source: error.error,
    })?;
    if let Ok(handle) = std::fs::File::open(&folder) {
        let _ = handle.sync_all();
    }
    Ok(())
}

/// Where a front end finds things, for [`settings_view`].
#[derive(Debug, Clone)]
pub struct Locations<'a> {
    /// `config.toml`.
    pub config_file: &'a Path,
    /// The folder of user profiles.
    pub profiles_dir: &'a Path,
    /// The data folder.
    pub data_dir: &'a Path,
    /// Where the folder channel saves when its configuration names no path.
    pub default_folder: &'a Path,
}

/// The Settings screen's view: the file, the data folders, the defaults, every channel with
/// where its secret is found, the pseudonym key, and what the forms offer.
pub fn settings_view(
    locations: &Locations<'_>,
    catalog: &Catalog,
    secrets: &Secrets<'_>,
) -> SettingsView {
    let data = locations.data_dir;
    let (config, config_problem) = match Config::load(locations.config_file) {
        Ok(config) => (Some(config), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let mut problems = Vec::new();
    let channels = config
        .as_ref()
        .map(|config| channel_settings(config, secrets, locations.default_folder, &mut problems))
        .unwrap_or_default();
    let key_file = PseudonymKey::file_path(data);
    let (fingerprint, key_problem) = match PseudonymKey::load(data) {
        Ok(key) => (key.map(|key| key.fingerprint()), None),
        Err(error) => (None, Some(error.to_string())),
    };
    SettingsView {
        config_file: locations.config_file.display().to_string(),
        config_exists: locations.config_file.is_file(),
        config_problem,
        profiles_dir: locations.profiles_dir.display().to_string(),
        data: DataLocations {
            data_dir: data.display().to_string(),
            drafts: data.join("drafts").display().to_string(),
            outbox: data.join("outbox").display().to_string(),
            bundles: data.join("bundles").display().to_string(),
            screenshots: data.join("screenshots").display().to_string(),
        },
        defaults: config.as_ref().map(defaults_of).unwrap_or_default(),
        channels,
        key: KeyInfo {
            file: key_file.display().to_string(),
            exists: key_file.exists(),
            fingerprint,
            problem: key_problem,
        },
        kinds: channel_kinds(),
        profiles: catalog
            .profiles
            .iter()
            .map(|loaded| ProfileTiers {
                id: loaded.profile.id.clone(),
                name: loaded.profile.name.clone(),
                tiers: loaded
                    .profile
                    .tiers
                    .iter()
                    .map(|tier| TierSummary {
                        id: tier.id.clone(),
                        label: tier.label.clone(),
                    })
                    .collect(),
            })
            .collect(),
        problems,
    }
}

fn channel_settings(
    config: &Config,
    secrets: &Secrets<'_>,
    default_folder: &Path,
    problems: &mut Vec<String>,
) -> Vec<ChannelSettings> {
    let (summaries, found) =
        crate::deliver::service::channel_summaries(config, secrets, default_folder);
    problems.extend(found);
    summaries
        .into_iter()
        .map(|summary| {
            let channel = config.channel(&summary.name);
            let (values, other_keys) = channel.as_ref().map(field_values).unwrap_or_default();
            ChannelSettings {
                built_in: !config.channels.contains_key(&summary.name),
                secret_env: summary.secret.as_deref().map(secret_env_var),
                name: summary.name,
                kind: summary.kind,
                destination: summary.destination,
                values,
                other_keys,
                secret: summary.secret,
                secret_source: summary.secret_source,
                default: summary.default,
            }
        })
        .collect()
}

/// A channel's fields as the form's text, plus the keys the form does not edit.
fn field_values(channel: &ChannelConfig) -> (BTreeMap<String, String>, Vec<String>) {
    let mut values = BTreeMap::new();
    let mut others = Vec::new();
    let Ok(toml::Value::Table(table)) = toml::Value::try_from(channel) else {
        return (values, others);
    };
    let spec = kind_spec(channel.kind());
    for (key, value) in table {
        if key == "kind" {
            continue;
        }
        let known = spec
            .as_ref()
            .is_some_and(|spec| spec.fields.iter().any(|field| field.name == key));
        let text = match value {
            toml::Value::String(text) => Some(text),
            toml::Value::Integer(number) => Some(number.to_string()),
            toml::Value::Boolean(true) => Some("true".to_owned()),
            toml::Value::Boolean(false) => None,
            toml::Value::Array(items) => Some(
                items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map_or_else(|| item.to_string(), str::to_owned)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            )
            .filter(|text| !text.is_empty()),
            toml::Value::Table(table) => Some(table.to_string()).filter(|_| !table.is_empty()),
            other => Some(other.to_string()),
        };
        let Some(text) = text else {
            continue;
        };
        if known {
            values.insert(key, text);
        } else {
            others.push(key);
        }
    }
    (values, others)
}

type FieldRow = (
    &'static str,
    &'static str,
    FieldInput,
    bool,
    &'static [&'static str],
    &'static str,
);

const URL_HELP: &str = "https:// (plain http only to this machine)";
const SECRET_HELP: &str = "The name of the keychain entry that holds the password or token [default: the channel's name]. Never the password itself.";
const CA_HELP: &str =
    "A PEM file of the certificate authorities to trust instead of the public ones (a company CA).";
const SIZE_HELP: &str = "The largest attachment to send, e.g. 20 MB.";
const TIMEOUT_HELP: &str =
    "How long to wait for each answer, e.g. 60 seconds [default: 120 seconds].";

/// Each kind: name, label, description, fields (name, label, input, required, options, help).
const KINDS: [(&str, &str, &str, &[FieldRow]); 7] = [
    (
        "folder",
        "Folder",
        "Saves the request, the bundle and a ready e-mail (.eml) in a folder, to send by hand.",
        &[(
            "path",
            "Folder",
            FieldInput::Path,
            false,
            &[],
            "Where to save [default: Casefile in your Documents folder].",
        )],
    ),
    (
        "smtp",
        "E-mail (SMTP)",
        "Sends the request as an e-mail with the bundle attached through your mail server.",
        &[
            (
                "host",
                "Server",
                FieldInput::Text,
                true,
                &[],
                "The SMTP server's host name, e.g. smtp.example.com.",
            ),
            (
                "port",
                "Port",
                FieldInput::Number,
                false,
                &[],
                "[default: 587 for STARTTLS, 465 for implicit TLS, 25 for none]",
            ),
            (
                "tls",
                "Encryption",
                FieldInput::Select,
                false,
                &["starttls", "implicit", "none"],
                "starttls (port 587, default), implicit (port 465), or none (only to this machine, with Allow plain text).",
            ),
            (
                "allow_plain",
                "Allow plain text",
                FieldInput::Checkbox,
                false,
                &[],
                "Needed for encryption none, which only works to this machine.",
            ),
            (
                "username",
                "User name",
                FieldInput::Text,
                false,
                &[],
                "The login; when set, the password is the channel's secret.",
            ),
            (
                "secret",
                "Secret name",
                FieldInput::Text,
                false,
                &[],
                SECRET_HELP,
            ),
            (
                "from",
                "From",
                FieldInput::Text,
                false,
                &[],
                "The sender address [default: the requester's e-mail address].",
            ),
            (
                "to",
                "To",
                FieldInput::List,
                false,
                &[],
                "Recipients, separated by commas [default: the vendor's support address].",
            ),
            (
                "tls_name",
                "Certificate name",
                FieldInput::Text,
                false,
                &[],
                "The name the server's certificate must carry [default: the server].",
            ),
            ("ca_file", "CA file", FieldInput::Path, false, &[], CA_HELP),
            (
                "max_size",
                "Largest message",
                FieldInput::Size,
                false,
                &[],
                "The largest message when the server does not say, e.g. 20 MB.",
            ),
            (
                "timeout",
                "Timeout",
                FieldInput::Duration,
                false,
                &[],
                "How long to wait for the server at each step [default: 60 seconds].",
            ),
        ],
    ),
    (
        "rt",
        "Request Tracker",
        "Creates a ticket in Request Tracker 4.4 or 5 through its REST 2 API.",
        &[
            (
                "url",
                "REST 2 URL",
                FieldInput::Url,
                true,
                &[],
                "e.g. https://rt.example.com/REST/2.0; https:// (plain http only to this machine).",
            ),
            (
                "queue",
                "Queue",
                FieldInput::Text,
                true,
                &[],
                "The queue tickets go to, e.g. Support.",
            ),
            (
                "username",
                "User name",
                FieldInput::Text,
                false,
                &[],
                "Log in with this user and the secret as password; without it the secret is an auth token.",
            ),
            (
                "secret",
                "Secret name",
                FieldInput::Text,
                false,
                &[],
                SECRET_HELP,
            ),
            ("ca_file", "CA file", FieldInput::Path, false, &[], CA_HELP),
            (
                "max_size",
                "Largest attachment",
                FieldInput::Size,
                false,
                &[],
                SIZE_HELP,
            ),
            (
                "timeout",
                "Timeout",
                FieldInput::Duration,
                false,
                &[],
                TIMEOUT_HELP,
            ),
        ],
    ),
    (
        "zendesk",
        "Zendesk",
        "Creates a Zendesk ticket, or an end-user request as a customer files it.",
        &[
            (
                "url",
                "Account URL",
                FieldInput::Url,
                true,
                &[],
                "e.g. https://acme.zendesk.com; https:// (plain http only to this machine).",
            ),
            (
                "mode",
                "Creates",
                FieldInput::Select,
                false,
                &["ticket", "request"],
                "ticket (agent side, default) or request (end user).",
            ),
            (
                "email",
                "E-mail",
                FieldInput::Text,
                false,
                &[],
                "For API-token login (email/token); without it the secret is an OAuth token.",
            ),
            (
                "anonymous",
                "Anonymous",
                FieldInput::Checkbox,
                false,
                &[],
                "End-user requests without credentials, when the account allows it.",
            ),
            (
                "secret",
                "Secret name",
                FieldInput::Text,
                false,
                &[],
                SECRET_HELP,
            ),
            (
                "ticket_type",
                "Ticket type",
                FieldInput::Select,
                false,
                &["problem", "incident", "question", "task"],
                "problem, incident, question or task.",
            ),
            (
                "tags",
                "Tags",
                FieldInput::List,
                false,
                &[],
                "Added to every ticket, separated by commas (the case code is always added).",
            ),
            ("ca_file", "CA file", FieldInput::Path, false, &[], CA_HELP),
            (
                "max_size",
                "Largest attachment",
                FieldInput::Size,
                false,
                &[],
                "The largest attachment [default: 50 MB].",
            ),
            (
                "timeout",
                "Timeout",
                FieldInput::Duration,
                false,
                &[],
                TIMEOUT_HELP,
            ),
        ],
    ),
    (
        "freshdesk",
        "Freshdesk",
        "Creates a Freshdesk ticket; the secret is the API key.",
        &[
            (
                "url",
                "Account URL",
                FieldInput::Url,
                true,
                &[],
                "e.g. https://acme.freshdesk.com; https:// (plain http only to this machine).",
            ),
            (
                "secret",
                "Secret name",
                FieldInput::Text,
                false,
                &[],
                SECRET_HELP,
            ),
            (
                "ticket_type",
                "Ticket type",
                FieldInput::Text,
                false,
                &[],
                "Must be in the account's list of types.",
            ),
            (
                "tags",
                "Tags",
                FieldInput::List,
                false,
                &[],
                "Added to every ticket, separated by commas (the case code is always added).",
            ),
            ("ca_file", "CA file", FieldInput::Path, false, &[], CA_HELP),
            (
                "max_size",
                "Largest attachment",
                FieldInput::Size,
                false,
                &[],
                "The largest attachment [default: 20 MB].",
            ),
            (
                "timeout",
                "Timeout",
                FieldInput::Duration,
                false,
                &[],
                TIMEOUT_HELP,
            ),
        ],
    ),
    (
        "jsm",
        "Jira Service Management",
        "Raises a Jira Service Management Cloud request.",
        &[
            (
                "url",
                "Site URL",
                FieldInput::Url,
                true,
                &[],
                "e.g. https://acme.atlassian.net; https:// (plain http only to this machine).",
            ),
            (
                "service_desk_id",
                "Service desk id",
                FieldInput::Text,
                true,
                &[],
                "The service desk's number, e.g. 4.",
            ),
            (
                "request_type_id",
                "Request type id",
                FieldInput::Text,
                true,
                &[],
                "The request type's number, e.g. 17.",
            ),
            (
                "email",
                "E-mail",
                FieldInput::Text,
                false,
                &[],
                "For email:api_token login; without it the secret is a bearer token.",
            ),
            (
                "secret",
                "Secret name",
                FieldInput::Text,
                false,
                &[],
                SECRET_HELP,
            ),
            (
                "on_behalf_of",
                "On behalf of",
                FieldInput::Text,
                false,
                &[],
                "An Atlassian account id (not an e-mail address) to raise the request for.",
            ),
            ("ca_file", "CA file", FieldInput::Path, false, &[], CA_HELP),
            (
                "max_size",
                "Largest attachment",
                FieldInput::Size,
                false,
                &[],
                SIZE_HELP,
            ),
            (
                "timeout",
                "Timeout",
                FieldInput::Duration,
                false,
                &[],
                TIMEOUT_HELP,
            ),
        ],
    ),
    (
        "webhook",
        "Webhook",
        "POSTs the request and the bundle to any URL.",
        &[
            ("url", "URL", FieldInput::Url, true, &[], URL_HELP),
            (
                "secret",
                "Secret name",
                FieldInput::Text,
                false,
                &[],
                "The keychain entry sent as a bearer token; none sends no credentials. Never the token itself.",
            ),
            ("ca_file", "CA file", FieldInput::Path, false, &[], CA_HELP),
            (
                "max_size",
                "Largest attachment",
                FieldInput::Size,
                false,
                &[],
                SIZE_HELP,
            ),
            (
                "timeout",
                "Timeout",
                FieldInput::Duration,
                false,
                &[],
                TIMEOUT_HELP,
            ),
        ],
    ),
];

fn spec_of(row: &(&str, &str, &str, &[FieldRow])) -> ChannelKindSpec {
    let (kind, label, description, fields) = *row;
    ChannelKindSpec {
        kind: kind.to_owned(),
        label: label.to_owned(),
        description: description.to_owned(),
        fields: fields
            .iter()
            .map(
                |&(name, label, input, required, options, help)| ChannelFieldSpec {
                    name: name.to_owned(),
                    label: label.to_owned(),
                    help: help.to_owned(),
                    required,
                    input,
                    options: options.iter().map(|option| (*option).to_owned()).collect(),
                    secret_name: name == "secret",
                },
            )
            .collect(),
    }
}

/// Every channel kind with the fields its form shows.
pub fn channel_kinds() -> Vec<ChannelKindSpec> {
    KINDS.iter().map(spec_of).collect()
}

/// One kind's form, if `kind` is one.
pub fn kind_spec(kind: &str) -> Option<ChannelKindSpec> {
    KINDS.iter().find(|row| row.0 == kind).map(spec_of)
}

/// Whether `name` is the built-in folder channel (listed without configuration).
pub fn is_built_in(config: &Config, name: &str) -> bool {
    name == DEFAULT_CHANNEL && !config.channels.contains_key(name)
}

/// The pseudonym key of `data_dir` as export text (made first when there is none yet).
pub fn export_key(data_dir: &Path) -> Result<crate::wire::KeyExport, crate::redact::KeyError> {
    let key = PseudonymKey::load_or_create(data_dir)?;
    Ok(crate::wire::KeyExport {
        line: key.export(),
        fingerprint: key.fingerprint(),
    })
}

/// Replaces the pseudonym key in `data_dir` with the exported `text`; answers the new key's
/// fingerprint. Bundles made from now on use it.
pub fn import_key(data_dir: &Path, text: &str) -> Result<String, crate::redact::KeyError> {
    let key = PseudonymKey::import(text)?;
    key.save(data_dir)?;
    Ok(key.fingerprint())
}

#[cfg(test)]
mod tests;
