//! The user's configuration file (`config.toml`): defaults and where user profiles live.
//!
//! User profiles are the `*.toml` files in the `profiles` folder beside the configuration file,
//! unless `profiles_dir` says otherwise. A missing configuration file means all defaults.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::deliver::channel::ChannelConfig;
use crate::profile::schema::Timeout;

use crate::profile::line_column;
use crate::profile::schema::TimeZone;

/// The environment variable that overrides the data folder (drafts, outbox).
pub const DATA_DIR_VAR: &str = "CASEFILE_DATA_DIR";

/// The data folder when [`DATA_DIR_VAR`] is not set: `casefile` in the OS data folder
/// (`~/.local/share`, `~/Library/Application Support`, `%APPDATA%`), if the OS has one.
pub fn default_data_dir(os_data_dir: Option<&Path>) -> Option<PathBuf> {
    os_data_dir.map(|dir| dir.join("casefile"))
}

/// The configuration file's name in the configuration folder.
pub const CONFIG_FILE_NAME: &str = "config.toml";

/// The configuration schema version this build reads.
pub const CONFIG_SCHEMA_VERSION: u32 = 1;

/// The user's configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Must equal [`CONFIG_SCHEMA_VERSION`] when given.
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// The profile `casefile new` uses when none is given.
    #[serde(default)]
    pub default_profile: Option<String>,
    /// The tier new drafts start with.
    #[serde(default)]
    pub default_tier: Option<String>,
    /// The time zone response targets are shown in, instead of the system's.
    #[serde(default)]
    pub time_zone: Option<TimeZone>,
    /// Where user profiles live, instead of `profiles/` beside this file.
    #[serde(default)]
    pub profiles_dir: Option<PathBuf>,
    /// Delivery settings: the default channel and how failed attempts are retried.
    #[serde(default)]
    pub delivery: DeliverySettings,
    /// The configured destinations, by name (`[channels.helpdesk]`).
    #[serde(skip)]
    pub channels: BTreeMap<String, ChannelConfig>,
    /// The `[channels.*]` tables as written, with their keys' places in the file: read into
    /// `channels` one by one so an error names its channel and line.
    #[serde(default, rename = "channels")]
    raw_channels: BTreeMap<String, BTreeMap<Spanned<String>, toml::Value>>,
    /// Where each stored secret may be sent (`secret-bindings.toml` beside this file), read by
    /// [`Config::load`]; checked when a channel opens.
    #[serde(skip)]
    pub secret_bindings: crate::deliver::secret::SecretBindings,
}

/// `[delivery]`: which channel `submit` uses by default and how the outbox retries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySettings {
    /// The channel used when none is named [default: `folder`].
    #[serde(default)]
    pub default_channel: Option<String>,
    /// The wait after a first failed attempt, doubled after each further one [default: 30 seconds].
    #[serde(default)]
    pub retry_initial: Option<Timeout>,
    /// The longest wait between attempts [default: 1 hour].
    #[serde(default)]
    pub retry_max: Option<Timeout>,
    /// How many attempts `submit` makes before leaving a request in the outbox [default: 3];
    /// it only waits between them when the wait is at most 30 seconds.
    #[serde(default)]
    pub attempts_inline: Option<u32>,
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("{path}: cannot read the configuration: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Detail.
        source: std::io::Error,
    },
    /// The file is not a valid configuration.
    #[error("{path}{location}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// `:line:column`, or empty.
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads one `[channels.NAME]` table by its `kind`; an error comes with the key it is about.
pub(crate) fn read_channel(
    table: &BTreeMap<Spanned<String>, toml::Value>,
) -> Result<ChannelConfig, (String, String)> {
    use crate::deliver::channel as c;
    let mut values: toml::Table = table
        .iter()
        .map(|(key, value)| (key.get_ref().clone(), value.clone()))
        .collect();
    let kinds = "folder, smtp, rt, zendesk, freshdesk, jsm, webhook";
    let kind = match values.remove("kind") {
        Some(toml::Value::String(kind)) => kind,
        Some(other) => {
            return Err((
                "kind".into(),
                format!("kind must be a string, one of: {kinds}; found {other}"),
            ));
        }
        None => {
            return Err((
                String::new(),
                format!("missing kind; add kind = \"...\" with one of: {kinds}"),
            ));
        }
    };
    fn read<T: serde::de::DeserializeOwned>(values: toml::Table) -> Result<T, (String, String)> {
        serde_path_to_error::deserialize(toml::Value::Table(values)).map_err(|error| {
            let key = error.path().to_string();
            let message = error.inner().message().trim().replace('\n', " ");
            if key == "." || key.is_empty() {
                (
                    message.split('`').nth(1).unwrap_or_default().to_owned(),
                    message,
                )
            } else {
                (
                    key.split('.').next().unwrap_or_default().to_owned(),
                    format!("{key}: {message}"),
                )
            }
        })
    }
    Ok(match kind.as_str() {
        "folder" => ChannelConfig::Folder(read::<c::FolderConfig>(values)?),
        "smtp" => ChannelConfig::Smtp(read::<c::SmtpConfig>(values)?),
        "rt" => ChannelConfig::Rt(read::<c::RtConfig>(values)?),
        "zendesk" => ChannelConfig::Zendesk(read::<c::ZendeskConfig>(values)?),
        "freshdesk" => ChannelConfig::Freshdesk(read::<c::FreshdeskConfig>(values)?),
        "jsm" => ChannelConfig::Jsm(read::<c::JsmConfig>(values)?),
        "webhook" => ChannelConfig::Webhook(read::<c::WebhookConfig>(values)?),
        other => {
            return Err((
                "kind".into(),
                format!("unknown kind {other:?}; use one of: {kinds}"),
            ));
        }
    })
}

/// Refuses a channel URL that carries a credential, with where the credential goes instead;
/// the message shows the URL without it.
pub(crate) fn check_channel_url(name: &str, channel: &ChannelConfig) -> Result<(), String> {
    use crate::deliver::channel::{url_secret, url_without_secrets};
    let Some(url) = channel.url() else {
        return Ok(());
    };
    let shown = url_without_secrets(url);
    if let Some(what) = url_secret(url) {
        let advice = if what.contains("user:password") {
            format!(
                "remove it from the URL, put the user in the channel's user name or e-mail field, and store the password with `casefile secret set {}` (or the app's Settings)",
                channel.secret_name(name).unwrap_or(name)
            )
        } else {
            format!(
                "the URL itself is a credential, so it must not be written here: run `casefile channels add {name} --kind {} --set url=URL` (or save it in the app's Settings), which keeps the URL with {{secret}} in place of that part and stores the part in the keychain",
                channel.kind()
            )
        };
        return Err(format!(
            "[channels.{name}]: url {shown} holds {what}; {advice}"
        ));
    }
    if url.contains(crate::deliver::http::SECRET_PLACE) && channel.secret_name(name).is_none() {
        return Err(format!(
            "[channels.{name}]: url {shown} has a {{secret}} place but the channel names no secret; add secret = \"{name}\" and store the URL's secret part with `casefile secret set {name}`"
        ));
    }
    Ok(())
}

impl Config {
    /// Reads the configuration at `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = match fs_err::read_to_string(path) {
            Ok(source) => source,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(source) => {
                return Err(ConfigError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let mut config = Config::parse(&source, path)?;
        config.secret_bindings =
            crate::deliver::secret::SecretBindings::load(path).map_err(|error| {
                ConfigError::Invalid {
                    path: error.path,
                    location: String::new(),
                    message: error.message,
                }
            })?;
        Ok(config)
    }

    /// Reads configuration text `source`; errors name `path` as the file it came from.
    pub fn parse(source: &str, path: &Path) -> Result<Config, ConfigError> {
        let source = source.to_owned();
        let invalid = |location: String, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            location,
            message,
        };
        let mut config: Config = toml::from_str(&source).map_err(|error| {
            let location = error
                .span()
                .map(|span| format!(":{}", line_column(&source, span.start).0))
                .unwrap_or_default();
            invalid(location, error.message().trim().replace('\n', " "))
        })?;
        if let Some(version) = config
            .schema_version
            .filter(|version| *version != CONFIG_SCHEMA_VERSION)
        {
            return Err(invalid(
                String::new(),
                format!(
                    "schema_version {version} is not {CONFIG_SCHEMA_VERSION}; this build reads version {CONFIG_SCHEMA_VERSION}"
                ),
            ));
        }
        for (name, table) in std::mem::take(&mut config.raw_channels) {
            let line = |start: usize| format!(":{}", line_column(&source, start).0);
            let first = table.keys().map(|key| key.span().start).min();
            let located = |key: &str| {
                table
                    .keys()
                    .find(|spanned| spanned.get_ref() == key)
                    .map(|spanned| line(spanned.span().start))
                    .or_else(|| first.map(line))
                    .unwrap_or_default()
            };
            let channel = read_channel(&table).map_err(|(key, message)| {
                invalid(located(&key), format!("[channels.{name}]: {message}"))
            })?;
            check_channel_url(&name, &channel)
                .map_err(|message| invalid(located("url"), message))?;
            config.channels.insert(name, channel);
        }
        for name in config.channels.keys() {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(invalid(
                    String::new(),
                    format!(
                        "channel name {name:?} may only hold letters, digits, '-' and '_'; rename [channels.{name}]"
                    ),
                ));
            }
        }
        if let Some(name) = &config.delivery.default_channel
            && name != crate::deliver::channel::DEFAULT_CHANNEL
            && !config.channels.contains_key(name)
        {
            return Err(invalid(
                String::new(),
                format!(
                    "[delivery] default_channel {name:?} is not a configured channel; add [channels.{name}] or choose one of: {}",
                    config.channel_names().join(", ")
                ),
            ));
        }
        Ok(config)
    }

    /// Every channel name, the built-in `folder` included.
    pub fn channel_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.channels.keys().cloned().collect();
        if !self
            .channels
            .contains_key(crate::deliver::channel::DEFAULT_CHANNEL)
        {
            names.insert(0, crate::deliver::channel::DEFAULT_CHANNEL.to_owned());
        }
        names
    }

    /// The channel called `name`: a configured one, or the built-in folder channel.
    pub fn channel(&self, name: &str) -> Option<ChannelConfig> {
        match self.channels.get(name) {
            Some(channel) => Some(channel.clone()),
            None if name == crate::deliver::channel::DEFAULT_CHANNEL => Some(
                ChannelConfig::Folder(crate::deliver::channel::FolderConfig::default()),
            ),
            None => None,
        }
    }

    /// The folder of user profiles for a configuration file at `path`.
    pub fn profiles_dir(&self, path: &Path) -> PathBuf {
        let beside = path.parent().unwrap_or_else(|| Path::new(".")).to_owned();
        match &self.profiles_dir {
            Some(dir) if dir.is_relative() => beside.join(dir),
            Some(dir) => dir.clone(),
            None => beside.join("profiles"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_gives_defaults_and_profiles_beside_it() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("config.toml");
        let config = Config::load(&path).expect("defaults");
        assert_eq!(config.profiles_dir(&path), folder.path().join("profiles"));
    }

    #[test]
    fn a_bad_key_is_named_with_its_line() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("config.toml");
        std::fs::write(
            &path,
            "default_profile = \"jetpatch\"\ndefault_teir = \"premium\"\n",
        )
        .expect("write");
        let error = Config::load(&path).expect_err("must fail").to_string();
        assert!(
            error.contains("config.toml:2: unknown field `default_teir`"),
            "{error}"
        );
    }
}
