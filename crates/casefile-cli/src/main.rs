//! The `casefile` command: argument parsing, output and exit codes over `casefile-core`.

mod config;
mod deliver;
mod evidence;
mod output;
mod screenshot;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use casefile_core::case_code::CaseCode;
use casefile_core::config::Config;
use casefile_core::profile::{Catalog, LoadedProfile, parse};
use casefile_core::{draft, sla, template, validate, wire};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand};

use output::{Failure, Output};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (validation may still list warnings; submit: delivered)
  1  a problem you can fix: invalid input, a draft or profile with errors, an unknown id,
     a delivery refused for good (the request stays in the outbox with the reason)
  2  any other failure (file system, internal error, a server that cannot be reached)
  3  submit, outbox retry/drain: not delivered yet, kept in the outbox for a later attempt";

/// Compose, check and time support requests for software vendors.
#[derive(Debug, Parser)]
#[command(name = "casefile", version, after_help = EXIT_CODES, after_long_help = EXIT_CODES)]
struct Cli {
    /// Where drafts and other data live [default: the OS data folder, e.g. ~/.local/share/casefile].
    #[arg(long, global = true, value_name = "DIR", env = "CASEFILE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The configuration file; user profiles live in `profiles/` beside it [default: the OS config folder, e.g. ~/.config/casefile/config.toml].
    #[arg(long, global = true, value_name = "FILE", env = "CASEFILE_CONFIG")]
    config: Option<PathBuf>,
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Like --json, but the document is one compact line, the last on stdout, and nothing goes
    /// to stderr unless the command fails (warnings go into the document's "warnings"): for
    /// fleet engines that keep only the end of a command's output.
    #[arg(long, global = true)]
    json_line: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List, show and check vendor profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Compute the response targets for a tier, a priority and a submission time.
    Sla(SlaArgs),
    /// Write a new draft: a commented template of every field, with a fresh case code.
    New(NewArgs),
    /// Check a draft against its profile and list every problem.
    Validate(ValidateArgs),
    /// Collect a profile's evidence (and files you add) into a redacted bundle.
    Collect(evidence::CollectArgs),
    /// Pack a draft's request and its evidence into one bundle, ready to send.
    Bundle(evidence::BundleArgs),
    /// Review everything that would leave with a draft: each identifier (pseudonymised or kept)
    /// with its count and places, each kind of secret removed, what cannot be redacted.
    Disclose(evidence::DiscloseArgs),
    /// Move text pasted into a draft's field (a log, say) into an attachment file in the draft's
    /// evidence, leaving a one-line reference in the field.
    AttachText(AttachTextArgs),
    /// Combine bundles from several endpoints into one, each under its own folder.
    Merge(evidence::MergeArgs),
    /// Print files redacted, to try the rules.
    Redact(evidence::RedactArgs),
    /// Turn pseudonyms in support's answer back into your names, from the local mapping.
    Translate(evidence::TranslateArgs),
    /// Export, import or show the pseudonym key shared by a fleet.
    #[command(subcommand)]
    Key(evidence::KeyCommand),
    /// Carry pseudonym mappings between machines, sealed with the fleet's key, so `translate`
    /// on the machine that merges a fleet's bundles knows every endpoint's names.
    #[command(subcommand)]
    Mapping(evidence::MappingCommand),
    /// The machine in a few lines to read to support: OS, host, agent version, last agent errors.
    Summary(evidence::SummaryArgs),
    /// Make or read a collection code: the evidence a support engineer asks for, in 8 symbols.
    #[command(subcommand)]
    Code(evidence::CodeCommand),
    /// Capture the screen or a window, list windows, or clean an image (black out regions, drop
    /// metadata), optionally adding it to a draft as a screenshot.
    #[command(subcommand)]
    Screenshot(screenshot::ScreenshotCommand),
    /// Send a draft and its bundle through a channel, via the outbox, and print the receipt.
    Submit(deliver::SubmitArgs),
    /// List, show, retry, drain or remove submissions in the outbox.
    #[command(subcommand)]
    Outbox(deliver::OutboxCommand),
    /// List the configured delivery channels (the default), test, add or remove one.
    Channels(deliver::ChannelsArgs),
    /// Show the configuration, or set and unset its defaults (profile, tier, time zone, channel).
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Store or remove a channel's password or token in the OS keychain.
    #[command(subcommand)]
    Secret(deliver::SecretCommand),
}

#[derive(Debug, Subcommand)]
enum ProfilesCommand {
    /// List the built-in and user profiles.
    List,
    /// Show one profile: tiers, hours, priorities, targets, rules.
    Show {
        /// The profile id, e.g. jumpcloud.
        id: String,
    },
    /// Check a profile file and list every problem with its line and key.
    Validate {
        /// The profile file.
        file: PathBuf,
    },
    /// Trust a user profile to run its commands and read its paths (as you, or as root on a
    /// fleet): lists them and records their fingerprint; an edited profile needs trust again.
    Trust {
        /// The profile id, e.g. acme.
        id: String,
    },
}

#[derive(Debug, Args)]
struct SlaArgs {
    /// The profile id.
    #[arg(long)]
    profile: String,
    /// The tier id, e.g. premium.
    #[arg(long)]
    tier: String,
    /// The priority id on the vendor's scale, e.g. 1.
    #[arg(long)]
    priority: String,
    /// The submission instant in RFC 3339, e.g. 2026-11-24T09:30:00-05:00 [default: now].
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// The time zone to show due times in [default: the config's time_zone, else the system's].
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
}

#[derive(Debug, Args)]
struct NewArgs {
    /// The profile id [default: the config's default_profile, else generic].
    #[arg(long)]
    profile: Option<String>,
    /// Start with this tier [default: the config's default_tier, else the profile's only tier].
    #[arg(long)]
    tier: Option<String>,
    /// Where to write the draft [default: DATA_DIR/drafts/CASE-CODE.toml]; `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// The draft file.
    draft: PathBuf,
}

#[derive(Debug, Args)]
struct AttachTextArgs {
    /// The draft file; the attachment is written beside it.
    #[arg(long, value_name = "FILE")]
    draft: PathBuf,
    /// The field whose text to move: description, error_messages, steps_to_reproduce... or extra.ID.
    #[arg(long, value_name = "NAME")]
    field: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Output::new(cli.json, cli.json_line);
    match run(&cli, &mut out) {
        Ok(code) => code,
        Err(failure) => out.failure(&failure),
    }
}

/// What the commands share: configuration, paths and the profile catalog.
struct Context {
    config: Config,
    config_path: PathBuf,
    data_dir: PathBuf,
    catalog: Catalog,
}

fn context(cli: &Cli) -> Result<Context, Failure> {
    let config_path = match &cli.config {
        Some(path) => path.clone(),
        None => dirs::config_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("casefile")
            .join(casefile_core::config::CONFIG_FILE_NAME),
    };
    let config = Config::load(&config_path)
        .map_err(|error| Failure::user("config_invalid", error.to_string()))?;
    let data_dir = match &cli.data_dir {
        Some(dir) => dir.clone(),
        None => casefile_core::config::default_data_dir(dirs::data_dir().as_deref())
            .unwrap_or_else(|| PathBuf::from(".").join("casefile")),
    };
    let catalog = Catalog::load(Some(&config.profiles_dir(&config_path)));
    Ok(Context {
        config,
        config_path,
        data_dir,
        catalog,
    })
}

fn run(cli: &Cli, out: &mut Output) -> Result<ExitCode, Failure> {
    if let Command::Profiles(ProfilesCommand::Validate { file }) = &cli.command {
        return profiles_validate(file, out);
    }
    let context = context(cli)?;
    for problem in &context.catalog.problems {
        out.warn(&format!("skipped a user profile: {problem}"));
    }
    match &cli.command {
        Command::Profiles(ProfilesCommand::List) => {
            out.profiles_list(&context.catalog);
            Ok(ExitCode::SUCCESS)
        }
        Command::Profiles(ProfilesCommand::Show { id }) => {
            out.profile_show(find_profile(&context.catalog, id)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Profiles(ProfilesCommand::Validate { .. }) => Ok(ExitCode::SUCCESS),
        Command::Profiles(ProfilesCommand::Trust { id }) => profiles_trust(&context, id, out),
        Command::Sla(args) => sla_command(&context, args, out),
        Command::New(args) => new_command(&context, args, out),
        Command::Validate(args) => validate_command(&context, &args.draft, out),
        Command::Collect(args) => evidence::collect_command(&context, args, out),
        Command::Bundle(args) => evidence::bundle_command(&context, args, out),
        Command::Disclose(args) => evidence::disclose_command(&context, args, out),
        Command::AttachText(args) => attach_text_command(args, out),
        Command::Merge(args) => evidence::merge_command(&context, args, out),
        Command::Redact(args) => evidence::redact_command(&context, args, out),
        Command::Translate(args) => evidence::translate_command(&context, args, out),
        Command::Key(command) => evidence::key_command(&context, command, out),
        Command::Mapping(command) => evidence::mapping_command(&context, command, out),
        Command::Summary(args) => evidence::summary_command(&context, args, out),
        Command::Code(command) => evidence::code_command(&context, command, out),
        Command::Screenshot(command) => screenshot::screenshot_command(&context, command, out),
        Command::Submit(args) => deliver::submit_command(&context, args, out),
        Command::Outbox(command) => deliver::outbox_command(&context, command, out),
        Command::Channels(args) => deliver::channels_command(&context, args, out),
        Command::Config(command) => config::config_command(&context, command, out),
        Command::Secret(command) => deliver::secret_command(&context, command, out),
    }
}

impl Context {
    /// The profile `given` names, else the config's `default_profile`, else `generic`.
    fn profile_or_default(&self, given: Option<&str>) -> Result<&LoadedProfile, Failure> {
        let id = given
            .or(self.config.default_profile.as_deref())
            .unwrap_or("generic");
        find_profile(&self.catalog, id)
    }
}

fn find_profile<'a>(catalog: &'a Catalog, id: &str) -> Result<&'a LoadedProfile, Failure> {
    catalog.get(id).ok_or_else(|| {
        Failure::user(
            "unknown_profile",
            format!(
                "no profile {id:?}; choose one of: {} (see `casefile profiles list`)",
                catalog.ids().join(", ")
            ),
        )
    })
}

fn profiles_trust(context: &Context, id: &str, out: &Output) -> Result<ExitCode, Failure> {
    let loaded = find_profile(&context.catalog, id)?;
    let reach = casefile_core::trust::trust_profile(&context.config_path, loaded)
        .map_err(|error| Failure::other(error.code(), error.to_string()))?;
    let built_in = loaded.origin == casefile_core::profile::Origin::BuiltIn;
    if out.is_json() {
        Output::print_json(&serde_json::json!({
            "profile": id,
            "builtIn": built_in,
            "commands": reach.commands,
            "paths": reach.paths,
        }));
    } else if built_in {
        println!("{id} is built in; built-in profiles are always trusted.");
    } else if reach.is_empty() {
        println!(
            "{id} ({}) runs no command and reads no file; nothing to trust.",
            loaded.origin
        );
    } else {
        print!("{}", reach.listing());
        println!(
            "Trusted {id} ({}): these commands and paths may now be used; if the file changes, it must be trusted again.",
            loaded.origin
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses a user profile that runs commands or reads paths and is not trusted (as it is now).
pub(crate) fn check_profile_trust(context: &Context, id: &str) -> Result<(), Failure> {
    let Some(loaded) = context.catalog.get(id) else {
        return Ok(());
    };
    casefile_core::trust::check_profile(&context.config_path, loaded).map_err(|error| match error {
        casefile_core::trust::TrustError::Untrusted { .. } => {
            Failure::user(error.code(), error.to_string())
        }
        other => Failure::other(other.code(), other.to_string()),
    })
}

/// Refuses a draft whose evidence names files outside its folder (and its screenshots folder),
/// listing them with the way to accept them (`--trust-paths`).
pub(crate) fn check_draft_paths(
    context: &Context,
    draft: &Path,
    request: &casefile_core::request::Request,
) -> Result<(), Failure> {
    let draft_dir = match draft.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let screenshots = context
        .data_dir
        .join("screenshots")
        .join(&request.case_code);
    let outside =
        casefile_core::trust::draft_paths_needing_trust(request, draft_dir, &[&screenshots]);
    if outside.is_empty() {
        return Ok(());
    }
    Err(Failure::user(
        "paths_untrusted",
        format!(
            "{} names evidence outside its folder, which a draft from someone else can use to take any file of yours:\n  {}\nIf you meant to send these, run again with --trust-paths (or move the files beside the draft).",
            draft.display(),
            outside.join("\n  ")
        ),
    ))
}

fn profiles_validate(file: &Path, out: &mut Output) -> Result<ExitCode, Failure> {
    let source = std::fs::read_to_string(file).map_err(|error| {
        let failure = format!("{}: cannot read the profile: {error}", file.display());
        if error.kind() == std::io::ErrorKind::NotFound {
            Failure::user("not_found", failure)
        } else {
            Failure::other("io", failure)
        }
    })?;
    let result = parse(&source, &file.display().to_string());
    let ok = result.is_ok();
    out.profile_validation(file, &result);
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn sla_command(context: &Context, args: &SlaArgs, out: &mut Output) -> Result<ExitCode, Failure> {
    let loaded = find_profile(&context.catalog, &args.profile)?;
    let submitted = match &args.at {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|instant| instant.with_timezone(&Utc))
            .map_err(|error| Failure::user("invalid_time", format!("--at {text:?} is not an RFC 3339 instant ({error}); write it like 2026-11-24T09:30:00-05:00 or 2026-11-24T14:30:00Z")))?,
        None => Utc::now(),
    };
    let display = display_time_zone(args.tz.as_deref(), &context.config)?;
    let targets = sla::response_targets(&loaded.profile, &args.tier, &args.priority, submitted)
        .map_err(|error| {
            if error.is_user_error() {
                Failure::user("sla_input", error.to_string())
            } else {
                Failure::other("sla", error.to_string())
            }
        })?;
    out.sla(&wire::sla_report(&loaded.profile.id, &targets, display));
    Ok(ExitCode::SUCCESS)
}

fn display_time_zone(flag: Option<&str>, config: &Config) -> Result<Tz, Failure> {
    if let Some(name) = flag {
        return name.parse().map_err(|_| {
            Failure::user("invalid_time_zone", format!("--tz {name:?} is not a time zone; use an IANA name such as America/New_York, Europe/Berlin or UTC"))
        });
    }
    if let Some(zone) = config.time_zone {
        return Ok(zone.0);
    }
    Ok(iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
        .unwrap_or(Tz::UTC))
}

fn new_command(context: &Context, args: &NewArgs, out: &mut Output) -> Result<ExitCode, Failure> {
    let profile = &context.profile_or_default(args.profile.as_deref())?.profile;
    let tier = match args
        .tier
        .clone()
        .or_else(|| context.config.default_tier.clone())
    {
        Some(tier) => {
            if !profile.tiers.iter().any(|candidate| candidate.id == tier) {
                let known: Vec<&str> = profile.tiers.iter().map(|tier| tier.id.as_str()).collect();
                return Err(Failure::user(
                    "unknown_tier",
                    format!(
                        "{} has no tier {tier:?}; choose one of: {}",
                        profile.name,
                        known.join(", ")
                    ),
                ));
            }
            tier
        }
        None if profile.tiers.len() == 1 => profile.tiers[0].id.clone(),
        None => String::new(),
    };
    let mut entropy = [0u8; 8];
    getrandom::fill(&mut entropy).map_err(|error| {
        Failure::other(
            "random",
            format!("cannot get randomness for the case code: {error}"),
        )
    })?;
    let case_code = CaseCode::from_entropy(u64::from_le_bytes(entropy)).to_string();
    let text = template::draft_template(profile, &case_code, &tier);

    if args.output.as_deref() == Some(Path::new("-")) {
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let path = match &args.output {
        Some(path) => path.clone(),
        None => context
            .data_dir
            .join("drafts")
            .join(format!("{case_code}.toml")),
    };
    if path.exists() && !args.force {
        return Err(Failure::user(
            "exists",
            format!(
                "{} exists; choose another -o FILE or add --force to replace it",
                path.display()
            ),
        ));
    }
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|error| {
            Failure::other(
                "io",
                format!("{}: cannot create the folder: {error}", parent.display()),
            )
        })?;
    }
    draft::write_atomically(&path, text.as_bytes())
        .map_err(|error| Failure::other("io", error.to_string()))?;
    out.new_draft(&path, &case_code, &profile.id);
    Ok(ExitCode::SUCCESS)
}

/// Loads a draft, with the failure class its error deserves.
fn load_draft(path: &Path) -> Result<casefile_core::request::Request, Failure> {
    draft::load(path).map_err(|error| match error {
        draft::DraftError::Io { ref source, .. }
            if source.kind() != std::io::ErrorKind::NotFound =>
        {
            Failure::other("io", error.to_string())
        }
        _ => Failure::user("draft_invalid", error.to_string()),
    })
}

/// The profile a draft names, or an error that points at the draft's `profile` field.
fn draft_profile<'a>(
    context: &'a Context,
    path: &Path,
    request: &casefile_core::request::Request,
) -> Result<&'a LoadedProfile, Failure> {
    find_profile(&context.catalog, &request.profile).map_err(|failure| {
        Failure::user(
            failure.code,
            format!("{}: field profile: {}", path.display(), failure.message),
        )
    })
}

fn validate_command(context: &Context, path: &Path, out: &mut Output) -> Result<ExitCode, Failure> {
    let request = load_draft(path)?;
    let profile = &draft_profile(context, path, &request)?.profile;
    // Today's date, for the tier's supported-versions window.
    let today = chrono::Local::now().date_naive();
    let problems = validate::validate_on(&request, profile, today);
    let report = wire::validation_report(&problems);
    out.validation(path, &report);
    if !out.is_json() {
        for pasted in casefile_core::pasted::pasted_logs(&request) {
            eprintln!(
                "hint: move the log out of {} into an attachment: casefile attach-text --draft {} --field {}",
                pasted.field,
                path.display(),
                pasted.field
            );
        }
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn attach_text_command(args: &AttachTextArgs, out: &mut Output) -> Result<ExitCode, Failure> {
    use casefile_core::pasted::{DraftAttachError, attach_text_to_draft};
    let attached = attach_text_to_draft(&args.draft, &args.field).map_err(|error| match error {
        DraftAttachError::Draft(draft::DraftError::Io { ref source, .. })
            if source.kind() != std::io::ErrorKind::NotFound =>
        {
            Failure::other("io", error.to_string())
        }
        DraftAttachError::Draft(_) => Failure::user("draft_invalid", error.to_string()),
        DraftAttachError::Attach { .. } => Failure::user("attach_text", error.to_string()),
    })?;
    if out.is_json() {
        Output::print_json(&serde_json::json!({
            "file": attached.file.display().to_string(),
            "evidencePath": attached.item.path,
            "reference": attached.reference,
        }));
    } else {
        println!(
            "Moved {} into {}; it goes into the bundle as an attachment, and the field now reads:\n  {}",
            args.field,
            attached.file.display(),
            attached.reference
        );
    }
    Ok(ExitCode::SUCCESS)
}
