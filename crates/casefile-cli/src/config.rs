//! `casefile config show|set|unset` and `casefile channels add|remove`: the Settings screen's
//! changes from the shell, over the same core functions (`casefile_core::settings`).

use std::collections::BTreeMap;
use std::process::ExitCode;

use casefile_core::deliver::secret::SecretSource;
use casefile_core::settings::{self, DefaultKey, Locations, SettingsError};
use clap::Subcommand;

use crate::Context;
use crate::deliver::{default_folder, secrets};
use crate::output::{Failure, Output};

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Show the configuration file, the defaults, the channels, the data folders and the key.
    Show,
    /// Set a default: default_profile, default_tier, time_zone or delivery.default_channel.
    Set {
        /// The setting (`default_channel` is short for `delivery.default_channel`).
        key: String,
        /// Its value: a profile id, a tier of that profile, an IANA zone, a channel name.
        value: String,
    },
    /// Remove a default, so the built-in one applies.
    Unset {
        /// The setting.
        key: String,
    },
}

/// A settings error as the CLI reports it (exit 1 when the user can fix it).
pub(crate) fn settings_failure(error: SettingsError) -> Failure {
    let code = error.code();
    match error {
        SettingsError::Io { .. }
        | SettingsError::Config(casefile_core::config::ConfigError::Io { .. }) => {
            Failure::other(code, error.to_string())
        }
        _ => Failure::user(code, error.to_string()),
    }
}

pub(crate) fn config_command(
    context: &Context,
    command: &ConfigCommand,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let path = &context.config_path;
    match command {
        ConfigCommand::Show => {
            let profiles_dir = context.config.profiles_dir(path);
            let folder = default_folder(context);
            let view = settings::settings_view(
                &Locations {
                    config_file: path,
                    profiles_dir: &profiles_dir,
                    data_dir: &context.data_dir,
                    default_folder: &folder,
                },
                &context.catalog,
                &secrets(),
            );
            for problem in &view.problems {
                out.warn(problem);
            }
            if out.is_json() {
                Output::print_json(&view);
                return Ok(ExitCode::SUCCESS);
            }
            let unset = |value: &Option<String>, fallback: &str| {
                value
                    .clone()
                    .unwrap_or_else(|| format!("(not set: {fallback})"))
            };
            println!(
                "Configuration  {}{}",
                view.config_file,
                if view.config_exists {
                    ""
                } else {
                    " (not created yet)"
                }
            );
            println!("Profiles       {}", view.profiles_dir);
            println!("Data           {}", view.data.data_dir);
            println!();
            println!(
                "default_profile           {}",
                unset(&view.defaults.default_profile, settings::FALLBACK_PROFILE)
            );
            println!(
                "default_tier              {}",
                unset(&view.defaults.default_tier, "chosen per request")
            );
            println!(
                "time_zone                 {}",
                unset(&view.defaults.time_zone, "the system's")
            );
            println!(
                "delivery.default_channel  {}",
                unset(&view.defaults.default_channel, "folder")
            );
            println!();
            println!("Channels:");
            for channel in &view.channels {
                let secret = match (&channel.secret, channel.secret_source) {
                    (None, _) => "no secret needed".to_owned(),
                    (Some(name), Some(SecretSource::Environment)) => {
                        format!("secret {name}: from the environment")
                    }
                    (Some(name), Some(SecretSource::Keychain)) => {
                        format!("secret {name}: in the keychain")
                    }
                    (Some(name), None) => format!("secret {name}: MISSING"),
                };
                println!(
                    "{}{:<14} {:<10} {}  [{}]",
                    if channel.default { "* " } else { "  " },
                    channel.name,
                    channel.kind,
                    channel.destination,
                    secret
                );
            }
            println!();
            match (&view.key.fingerprint, &view.key.problem) {
                (_, Some(problem)) => println!("Pseudonym key  {problem}"),
                (Some(fingerprint), None) => {
                    println!(
                        "Pseudonym key  {} (fingerprint {fingerprint})",
                        view.key.file
                    )
                }
                (None, None) => println!(
                    "Pseudonym key  {} (made with the first bundle)",
                    view.key.file
                ),
            }
            if let Some(problem) = &view.config_problem {
                return Err(Failure::user("config_invalid", problem.clone()));
            }
        }
        ConfigCommand::Set { key, value } => {
            let key = DefaultKey::parse(key).map_err(settings_failure)?;
            settings::set_default(path, &context.catalog, key, Some(value))
                .map_err(settings_failure)?;
            report(out, key, Some(value));
        }
        ConfigCommand::Unset { key } => {
            let key = DefaultKey::parse(key).map_err(settings_failure)?;
            settings::set_default(path, &context.catalog, key, None).map_err(settings_failure)?;
            report(out, key, None);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report(out: &Output, key: DefaultKey, value: Option<&str>) {
    if out.is_json() {
        Output::print_json(&serde_json::json!({ "key": key.name(), "value": value }));
    } else {
        match value {
            Some(value) => println!("Set {} = {value:?}.", key.name()),
            None => println!("Unset {}.", key.name()),
        }
    }
}

/// `casefile channels add NAME --kind KIND --set key=value ...`.
pub(crate) fn channels_add(
    context: &Context,
    name: &str,
    kind: &str,
    set: &[String],
    out: &Output,
) -> Result<ExitCode, Failure> {
    let mut fields = BTreeMap::new();
    for pair in set {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Failure::user(
                "setting_invalid",
                format!(
                    "--set {pair:?}: write key=value, e.g. --set url=https://rt.example.com/REST/2.0"
                ),
            ));
        };
        fields.insert(key.trim().to_owned(), value.to_owned());
    }
    let existed = context.config.channels.contains_key(name);
    let saved = settings::save_channel(&context.config_path, name, kind, &fields)
        .map_err(settings_failure)?;
    let moved = match &saved.moved_secret {
        Some((secret, part)) => {
            use casefile_core::deliver::secret::{Keychain, OsKeychain};
            OsKeychain.set(secret, part).map_err(|error| {
                Failure::user(
                    "secret_unavailable",
                    format!(
                        "channel {name} was saved with {{secret}} in place of its URL's secret part, but the part could not be stored: {error}; store it with `casefile secret set {secret}` (the text the URL had where {{secret}} now stands)"
                    ),
                )
            })?;
            settings::bind_secret(&context.config_path, secret).map_err(settings_failure)?;
            Some(secret.clone())
        }
        None => None,
    };
    if out.is_json() {
        Output::print_json(&serde_json::json!({
            "channel": name,
            "kind": kind,
            "replaced": existed,
            "movedSecret": moved,
            "unboundSecret": saved.unbound_secret,
        }));
    } else {
        println!(
            "{} channel {name} ({kind}) in {}.",
            if existed { "Replaced" } else { "Added" },
            context.config_path.display()
        );
        if let Some(secret) = &moved {
            println!(
                "The URL's secret part is in the OS keychain as {secret}; config.toml keeps the URL with {{secret}} in its place."
            );
        }
        if let Some(secret) = saved
            .unbound_secret
            .as_ref()
            .filter(|s| moved.as_ref() != Some(s))
        {
            crate::output::Output::warning(&format!(
                "channel {name} now sends to another destination, so the secret {secret} is no longer sent until you store it again: `casefile secret set {secret}`"
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `casefile channels remove NAME`.
pub(crate) fn channels_remove(
    context: &Context,
    name: &str,
    out: &Output,
) -> Result<ExitCode, Failure> {
    settings::remove_channel(&context.config_path, name).map_err(settings_failure)?;
    if out.is_json() {
        Output::print_json(&serde_json::json!({ "removed": name }));
    } else {
        println!(
            "Removed channel {name} from {}.",
            context.config_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
