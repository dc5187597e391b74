//! `casefile collect`, `bundle`, `merge`, `redact`, `translate` and `key`: the evidence commands.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use casefile_core::collection_code;
use casefile_core::evidence::collect::{
    self, CollectContext, CollectError, CollectOptions, Phase, Progress,
};
use casefile_core::evidence::merge;
use casefile_core::evidence::resolve::{Env, current_os};
use casefile_core::evidence::window::Window;
use casefile_core::profile::schema::{ByteSize, Os};
use casefile_core::redact::{Found, Learner, Mapping, Names, PseudonymKey, Redactor};
use casefile_core::render;
use chrono::{DateTime, Local, Utc};
use chrono_tz::Tz;
use clap::{Args, Subcommand};

use crate::output::{Failure, Output};
use crate::{Context, display_time_zone, find_profile};

/// Options shared by `collect` and `bundle`.
#[derive(Debug, Args)]
pub(crate) struct GatherArgs {
    /// Read the profile's paths under DIR as if it were `/` (a mounted disk or a container).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The OS whose paths to use under --root [default: this machine's].
    #[arg(long, value_enum, value_name = "OS")]
    os: Option<OsArg>,
    /// Collect only this evidence kind (repeatable) [default: every kind the profile has for the OS].
    #[arg(long = "evidence", value_name = "ID")]
    evidence: Vec<String>,
    /// Add a file or folder (recursively), taken as given, not under --root (repeatable).
    #[arg(long, value_name = "PATH")]
    add: Vec<PathBuf>,
    /// Keep log records from this time on: RFC 3339, `2026-11-23`, `2026-11-23T14:00`
    /// (local time), or a duration ago like `90m`, `24h`, `7d`.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Keep log records up to this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// The largest bundle to write, e.g. `20 MiB`, `10MB`: the oldest parts of the largest
    /// logs are trimmed to fit, and the manifest says so.
    #[arg(long, value_name = "SIZE")]
    budget: Option<String>,
    /// Do not redact: secrets and names stay as they are (the bundle says so).
    #[arg(long)]
    no_redact: bool,
    /// A word to replace wherever it appears, e.g. a project's code name (repeatable).
    #[arg(long, value_name = "WORD")]
    keyword: Vec<String>,
    /// A host name to replace besides the ones learned (repeatable).
    #[arg(long, value_name = "NAME")]
    hostname: Vec<String>,
    /// A user name to replace besides the ones learned (repeatable).
    #[arg(long, value_name = "NAME")]
    username: Vec<String>,
    /// A host name, user name, e-mail or IP address the vendor may see as it is: kept
    /// everywhere instead of pseudonymised (repeatable; a draft's `[redaction] keep` adds more).
    #[arg(long, value_name = "NAME")]
    keep: Vec<String>,
    /// Include binary files as they are (not redacted) instead of skipping them.
    #[arg(long)]
    include_binary: bool,
    /// Leave out the support snapshot (OS, hardware, network, processes).
    #[arg(long)]
    no_snapshot: bool,
    /// A collection code support dictated (CC-XXXX-XXXX): it chooses the evidence kinds, the
    /// time window and whether the snapshot and binaries go in, where you did not choose.
    #[arg(long, value_name = "CODE")]
    code: Option<String>,
    /// Compression level, 1 (fastest) to 9 (smallest) [default: 3, already smaller than
    /// `zip -6` on logs].
    #[arg(long, default_value_t = casefile_core::evidence::collect::DEFAULT_LEVEL, value_parser = clap::value_parser!(u32).range(1..=9))]
    level: u32,
    /// Worker threads [default: one per core].
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Stop gathering after this long (30s, 10m, 1h): files not read by then are left out and
    /// listed in the manifest as skipped, the one being read is cut at a line end, and the
    /// bundle is still redacted, checked and written (for fleet runs with a time limit).
    #[arg(long, value_name = "DURATION")]
    deadline: Option<String>,
    /// With a draft (bundle, submit): attach its evidence files even where they lie outside
    /// the draft's folder (a draft from someone else can name any file: read the list first).
    #[arg(long)]
    pub(crate) trust_paths: bool,
}

/// Where `collect` and `bundle` write.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Where to write the bundle (a .zip).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OsArg {
    Linux,
    Macos,
    Windows,
}

#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// The vendor profile whose sources to collect [default: the config's default_profile, else generic].
    #[arg(long)]
    profile: Option<String>,
    #[command(flatten)]
    gather: GatherArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct BundleArgs {
    /// The draft: its request goes in as request.md and request.json, its evidence list is collected.
    #[arg(long, value_name = "FILE")]
    draft: PathBuf,
    /// After building, print the disclosure review: every identifier that leaves (pseudonymised
    /// or kept) with counts and places, every kind of secret removed, what is not redactable.
    #[arg(long)]
    show_disclosure: bool,
    #[command(flatten)]
    gather: GatherArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DiscloseArgs {
    /// The draft whose request and evidence to review.
    #[arg(long, value_name = "FILE")]
    draft: PathBuf,
    #[command(flatten)]
    gather: GatherArgs,
}

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The bundles to combine, one per endpoint.
    #[arg(required = true, num_args = 1.., value_name = "BUNDLE")]
    bundles: Vec<PathBuf>,
    /// The request to put at the top (request.md and request.json).
    #[arg(long, value_name = "FILE")]
    draft: Option<PathBuf>,
    /// Where to write the combined bundle.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
    /// A fleet run's summary.json (each host ok, failed with its reason, or unreachable): the
    /// merged manifest and request.md then say "3 of 5 endpoints; 2 unreachable: ...", by
    /// pseudonym (needs the fleet's key: `casefile key import`).
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct RedactArgs {
    /// Text files to redact; `-` for standard input.
    #[arg(required = true, num_args = 1.., value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A word to replace wherever it appears (repeatable).
    #[arg(long, value_name = "WORD")]
    keyword: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TranslateArgs {
    /// A file with pseudonyms (support's answer); `-` or nothing for standard input.
    file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Print the pseudonym key, to import on other machines so their bundles agree. Keep it secret.
    Export,
    /// Use a key exported on another machine.
    Import {
        /// The file holding the key; `-` or nothing for standard input.
        file: Option<PathBuf>,
        /// Replace a different key already here (its earlier pseudonyms will no longer match).
        #[arg(long)]
        force: bool,
    },
    /// Show the key's fingerprint (safe to share: bundles with the same fingerprint agree).
    Show,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MappingCommand {
    /// Print this machine's pseudonym mapping sealed with its key (one line; only a machine
    /// with the same key opens it). It holds your real names: it never goes into a bundle.
    Export {
        /// Write it to this file (mode 0600) instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Add sealed mappings from other machines to this one's, for `casefile translate`.
    Import {
        /// Sealed mappings (`casefile mapping export`); `-` for standard input.
        #[arg(required = true, num_args = 1.., value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

pub(crate) fn mapping_command(
    context: &Context,
    command: &MappingCommand,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let path = mapping_path(context);
    let key = PseudonymKey::load(&context.data_dir)
        .map_err(|e| Failure::other("key", e.to_string()))?
        .ok_or_else(|| {
            Failure::user(
                "no_key",
                format!(
                    "no pseudonym key in {}: sealed mappings need the fleet's key; import it with `casefile key import`",
                    context.data_dir.display()
                ),
            )
        })?;
    match command {
        MappingCommand::Export { output } => {
            let mapping =
                Mapping::load(&path).map_err(|e| Failure::other("mapping", e.to_string()))?;
            match output {
                Some(file) => {
                    mapping
                        .seal_to(&key, file)
                        .map_err(|e| Failure::other("mapping", e.to_string()))?;
                    if out.is_json() {
                        Output::print_json(&serde_json::json!({
                            "file": file, "entries": mapping.len(), "fingerprint": key.fingerprint(),
                        }));
                    } else {
                        println!(
                            "Sealed {} pseudonym(s) into {} (key {})",
                            mapping.len(),
                            file.display(),
                            key.fingerprint()
                        );
                    }
                }
                None => print!(
                    "{}",
                    mapping
                        .seal(&key)
                        .map_err(|e| Failure::other("mapping", e.to_string()))?
                ),
            }
        }
        MappingCommand::Import { files } => {
            let mut added = Mapping::default();
            for file in files {
                let text = read_input(Some(file))?;
                let opened = Mapping::unseal(&String::from_utf8_lossy(&text), &key)
                    .map_err(|e| Failure::user("mapping", format!("{}: {e}", file.display())))?;
                added.merge(opened);
            }
            added
                .save(&path)
                .map_err(|e| Failure::other("mapping", e.to_string()))?;
            if out.is_json() {
                Output::print_json(&serde_json::json!({
                    "files": files.len(), "entries": added.len(), "mapping": path,
                }));
            } else {
                println!(
                    "Added {} pseudonym(s) from {} file(s) to {}",
                    added.len(),
                    files.len(),
                    path.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn key_path_hint(data_dir: &Path) -> String {
    data_dir.join("pseudonym.key").display().to_string()
}

fn load_key(context: &Context) -> Result<PseudonymKey, Failure> {
    PseudonymKey::load_or_create(&context.data_dir)
        .map_err(|e| Failure::other("key", e.to_string()))
}

fn mapping_path(context: &Context) -> PathBuf {
    casefile_core::redact::mapping_path(&context.data_dir)
}

/// Reads `--since`/`--until` (local times in this machine's zone).
fn parse_time(flag: &str, text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Failure> {
    casefile_core::evidence::window::parse_time(text, now, &Local)
        .map_err(|message| Failure::user("invalid_time", format!("--{flag} {message}")))
}

fn check_output(path: &Path, force: bool) -> Result<(), Failure> {
    if path.exists() && !force {
        return Err(Failure::user(
            "exists",
            format!(
                "{} exists; choose another -o FILE or add --force to replace it",
                path.display()
            ),
        ));
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) if !parent.is_dir() => Err(Failure::user(
            "no_folder",
            format!(
                "{}: the folder does not exist; create it first",
                parent.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Builds the run's options from the shared flags.
/// The system to read: this machine, or a disk or container mounted at `root` seen as `os`.
fn env_for(root: Option<&Path>, os: Option<OsArg>) -> Result<Env, Failure> {
    let os = os.map(|os| match os {
        OsArg::Linux => Os::Linux,
        OsArg::Macos => Os::Macos,
        OsArg::Windows => Os::Windows,
    });
    let env = match root {
        Some(root) => {
            if !root.is_dir() {
                return Err(Failure::user(
                    "invalid_root",
                    format!(
                        "--root {}: not a folder; give the folder where the disk or container is mounted",
                        root.display()
                    ),
                ));
            }
            Env::under_root(os.unwrap_or_else(current_os), root)
        }
        None => {
            if os.is_some_and(|os| os != current_os()) {
                return Err(Failure::user(
                    "invalid_os",
                    "--os only applies with --root: this machine's own paths are always its own OS's".into(),
                ));
            }
            Env::live()
        }
    };
    Ok(env)
}

pub(crate) fn gather_options(
    context: &Context,
    args: &GatherArgs,
    profile: &casefile_core::profile::schema::Profile,
) -> Result<(Env, CollectOptions), Failure> {
    let code = match &args.code {
        Some(text) => Some(
            collection_code::read(profile, text)
                .map_err(|error| Failure::user("invalid_code", format!("--code: {error}")))?,
        ),
        None => None,
    };
    let env = env_for(args.root.as_deref(), args.os)?;
    for path in &args.add {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(Failure::user(
                "not_found",
                format!("--add {}: no such file or folder", path.display()),
            ));
        }
    }
    let now = Utc::now();
    let since = match (&args.since, code.as_ref().and_then(|code| code.window)) {
        (Some(text), _) => Some(parse_time("since", text, now)?),
        (None, Some(window)) => Some(now - chrono::TimeDelta::from_std(window).unwrap_or_default()),
        (None, None) => None,
    };
    let until = args
        .until
        .as_deref()
        .map(|t| parse_time("until", t, now))
        .transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(Failure::user(
            "invalid_window",
            format!("--since ({since}) is after --until ({until}); swap them"),
        ));
    }
    let zone: Tz = display_time_zone(None, &context.config)?;
    let budget = match &args.budget {
        Some(text) => Some(
            text.parse::<ByteSize>()
                .map_err(|e| Failure::user("invalid_budget", format!("--budget: {e}")))?
                .0,
        ),
        None => None,
    };
    let mut names = Names::default();
    names.keywords.extend(
        args.keyword
            .iter()
            .filter(|w| !w.trim().is_empty())
            .cloned(),
    );
    names.hostnames.extend(args.hostname.iter().cloned());
    names.usernames.extend(args.username.iter().cloned());
    let keep = args
        .keep
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    let chosen = match (&code, args.evidence.is_empty()) {
        (Some(code), true) if !code.evidence.is_empty() => code.evidence.clone(),
        _ => args.evidence.clone(),
    };
    let deadline = match &args.deadline {
        Some(text) => Some(
            std::time::Instant::now()
                + casefile_core::evidence::window::parse_duration(text).map_err(|message| {
                    Failure::user("invalid_duration", format!("--deadline {message}"))
                })?,
        ),
        None => None,
    };
    let options = CollectOptions {
        evidence: (!chosen.is_empty()).then_some(chosen),
        add: args.add.clone(),
        screenshots: Vec::new(),
        window: Window { since, until, zone },
        budget,
        redact: !args.no_redact,
        names,
        include_binary: args.include_binary || code.as_ref().is_some_and(|c| c.include_binary),
        snapshot: !args.no_snapshot && code.as_ref().is_none_or(|c| c.snapshot),
        level: args.level,
        threads: args.threads,
        request: None,
        keep,
        disclosure: false,
        // Never collected, whatever --add, a draft or a profile names.
        data_dir: Some(context.data_dir.clone()),
        // The config file and the profiles folder, not the config file's folder: `--config`
        // may put the file in any folder.
        config_paths: vec![
            context.config_path.clone(),
            context.config.profiles_dir(&context.config_path),
        ],
        deadline,
        ..CollectOptions::default()
    };
    Ok((env, options))
}

pub(crate) fn collect_command(
    context: &Context,
    args: &CollectArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let profile = &context.profile_or_default(args.profile.as_deref())?.profile;
    check_output(&args.output.output, args.output.force)?;
    let (env, options) = gather_options(context, &args.gather, profile)?;
    let outcome = run_collect(context, profile, &env, &options, &args.output.output)?;
    Ok(report_collect(&outcome, options.redact, out))
}

pub(crate) fn bundle_command(
    context: &Context,
    args: &BundleArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    check_output(&args.output.output, args.output.force)?;
    let request = crate::load_draft(&args.draft)?;
    let profile = &crate::draft_profile(context, &args.draft, &request)?.profile;
    let (outcome, redacted) = bundle_draft(
        context,
        &args.draft,
        &request,
        profile,
        &args.gather,
        None,
        args.show_disclosure,
        &args.output.output,
    )?;
    let code = report_collect(&outcome, redacted, out);
    if !out.is_json()
        && let Some(disclosure) = &outcome.disclosure
    {
        println!();
        out.disclosure(disclosure, Some(&args.draft));
    }
    Ok(code)
}

/// `casefile disclose`: the disclosure review of a draft, from a bundle built and thrown away.
pub(crate) fn disclose_command(
    context: &Context,
    args: &DiscloseArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let request = crate::load_draft(&args.draft)?;
    let profile = &crate::draft_profile(context, &args.draft, &request)?.profile;
    let (env, mut options) = gather_options(context, &args.gather, profile)?;
    let draft_dir = args.draft.parent().unwrap_or(Path::new("."));
    options
        .for_draft(&request, profile, draft_dir)
        .map_err(|message| {
            Failure::user("not_found", format!("{}: {message}", args.draft.display()))
        })?;
    let key = if options.redact {
        Some(load_key(context)?)
    } else {
        None
    };
    std::fs::create_dir_all(&context.data_dir).map_err(|error| {
        Failure::other("io", format!("{}: {error}", context.data_dir.display()))
    })?;
    let cancel = cancel_on_interrupt();
    let bar = ProgressBar::new(!out.is_json() && std::io::stderr().is_terminal());
    let run_context = CollectContext {
        profile,
        env: &env,
        key: key.as_ref(),
        // A review only: the mapping of a bundle never made is not kept.
        mapping_path: None,
    };
    let result = casefile_core::disclose::disclose(
        &run_context,
        &options,
        &context.data_dir,
        &|p| bar.show(p),
        &cancel,
    );
    bar.clear();
    let report = result.map_err(collect_failure)?;
    out.disclosure(&report, Some(&args.draft));
    Ok(if report.leaks.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Packs `request` (loaded from `draft`) and its evidence into a bundle at `output`: the issue
/// type's evidence kinds unless `--evidence` chose, the draft's listed files, and the request as
/// request.md and request.json. `budget` caps the size besides `--budget`. Returns the outcome and
/// whether it was redacted.
#[allow(clippy::too_many_arguments)]
pub(crate) fn bundle_draft(
    context: &Context,
    draft: &Path,
    request: &casefile_core::request::Request,
    profile: &casefile_core::profile::schema::Profile,
    gather: &GatherArgs,
    budget: Option<u64>,
    disclosure: bool,
    output: &Path,
) -> Result<(collect::Outcome, bool), Failure> {
    let (env, mut options) = gather_options(context, gather, profile)?;
    options.disclosure = disclosure;
    if let Some(limit) = budget {
        options.budget = Some(options.budget.map_or(limit, |given| given.min(limit)));
    }
    let draft_dir = draft.parent().unwrap_or(Path::new("."));
    if !gather.trust_paths {
        crate::check_draft_paths(context, draft, request)?;
    }
    options
        .for_draft(request, profile, draft_dir)
        .map_err(|message| Failure::user("not_found", format!("{}: {message}", draft.display())))?;
    let outcome = run_collect(context, profile, &env, &options, output)?;
    Ok((outcome, options.redact))
}

fn run_collect(
    context: &Context,
    profile: &casefile_core::profile::schema::Profile,
    env: &Env,
    options: &CollectOptions,
    output: &Path,
) -> Result<collect::Outcome, Failure> {
    crate::check_profile_trust(context, &profile.id)?;
    let key = if options.redact {
        Some(load_key(context)?)
    } else {
        None
    };
    let mapping = mapping_path(context);
    let cancel = cancel_on_interrupt();
    let bar =
        ProgressBar::new(!crate::output::Output::is_json_line() && std::io::stderr().is_terminal());
    let run_context = CollectContext {
        profile,
        env,
        key: key.as_ref(),
        mapping_path: Some(&mapping),
    };
    let result = collect::collect(&run_context, options, output, &|p| bar.show(p), &cancel);
    bar.clear();
    result.map_err(collect_failure)
}

fn collect_failure(e: CollectError) -> Failure {
    match e {
        CollectError::Cancelled => Failure::user("cancelled", e.to_string()),
        CollectError::BudgetTooSmall { .. } | CollectError::Empty(_) | CollectError::NoKey => {
            Failure::user("collect", e.to_string())
        }
        CollectError::Write { .. } | CollectError::Verify { .. } => {
            Failure::other("io", e.to_string())
        }
    }
}

/// Prints a collection's outcome; exit 1 when the leak scan found something.
fn report_collect(outcome: &collect::Outcome, redacted: bool, out: &mut Output) -> ExitCode {
    out.collect_outcome(outcome, redacted);
    if outcome.leaks.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Ctrl-C cancels the run cleanly (no half-written bundle); a second one exits at once.
fn cancel_on_interrupt() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&flag);
    let _ = ctrlc::set_handler(move || {
        if handler_flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    flag
}

/// A one-line progress bar on stderr, only on a terminal.
struct ProgressBar {
    enabled: bool,
    last: Mutex<Option<Instant>>,
}

impl ProgressBar {
    fn new(enabled: bool) -> ProgressBar {
        ProgressBar {
            enabled,
            last: Mutex::new(None),
        }
    }

    fn show(&self, progress: &Progress) {
        if !self.enabled {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < Duration::from_millis(100))
            && progress.phase != Phase::Done
        {
            return;
        }
        *last = Some(Instant::now());
        let phase = match progress.phase {
            Phase::Plan => "planning",
            Phase::Commands => "running commands",
            Phase::Learn => "learning names",
            Phase::Write => "writing",
            Phase::Trim => "trimming to budget",
            Phase::Verify => "checking for leaks",
            Phase::Done => "done",
        };
        let line = if progress.bytes_total > 0 {
            let fraction = (progress.bytes_done as f64 / progress.bytes_total as f64).min(1.0);
            let filled = (fraction * 30.0) as usize;
            format!(
                "{phase:<18} [{}{}] {:>5.1}% {}/{} items  {}",
                "#".repeat(filled),
                "-".repeat(30 - filled),
                fraction * 100.0,
                progress.items_done,
                progress.items_total,
                shorten(&progress.current, 40)
            )
        } else if progress.items_total > 0 {
            format!(
                "{phase:<18} {}/{} items",
                progress.items_done, progress.items_total
            )
        } else {
            phase.to_owned()
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }

    fn clear(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        text.to_owned()
    } else {
        let tail: String = text.chars().skip(count - max + 1).collect();
        format!("…{tail}")
    }
}

pub(crate) fn merge_command(
    context: &Context,
    args: &MergeArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    check_output(&args.output, args.force)?;
    let request = match &args.draft {
        Some(path) => {
            let request = crate::load_draft(path)?;
            let profile = &find_profile(&context.catalog, &request.profile)?.profile;
            let key = load_key(context)?;
            let (docs, leaks) = render::redacted_alone(
                &request,
                profile,
                &key,
                Names::from_system(Path::new("/"), true),
            );
            if let Some(leak) = leaks.first() {
                return Err(Failure::user(
                    "leaks",
                    format!(
                        "{}: the request still holds a known original after redaction ({}: {}); edit the text or hide it with [redaction] hide",
                        path.display(),
                        leak.category.as_str(),
                        leak.what
                    ),
                ));
            }
            Some(docs)
        }
        None => None,
    };
    // The inputs' manifests only claim redaction: the merged bundle is scanned for this
    // machine's names, the originals of its mapping and its key (never created here).
    let mapping = Mapping::load(&mapping_path(context))
        .map_err(|e| Failure::other("mapping", e.to_string()))?;
    let key =
        PseudonymKey::load(&context.data_dir).map_err(|e| Failure::other("key", e.to_string()))?;
    let mut names = Names::from_system(Path::new("/"), true);
    // The fleet's host names, by pseudonym; and never in the merged bundle in clear.
    let fleet = match &args.summary {
        Some(path) => {
            let summary = casefile_core::evidence::fleet::FleetSummary::read(path)
                .map_err(|message| Failure::user("summary_invalid", message))?;
            let Some(key) = &key else {
                return Err(Failure::user(
                    "no_key",
                    format!(
                        "{}: naming the fleet's hosts by pseudonym needs the key their bundles were made with; import it first with `casefile key import`",
                        path.display()
                    ),
                ));
            };
            summary.learn_into(&mut names);
            Some(summary.report(&casefile_core::redact::Redactor::new(key, &names)))
        }
        None => None,
    };
    let secrets = std::collections::BTreeSet::new();
    let scanner = match &key {
        Some(key) => casefile_core::redact::LeakScanner::with_key(&names, &mapping, &secrets, key),
        None => casefile_core::redact::LeakScanner::new(&names, &mapping, &secrets),
    };
    let check = merge::MergeCheck {
        limits: merge::MergeLimits::default(),
        scanner: Some(scanner),
    };
    let outcome = merge::merge(
        &args.bundles,
        request.as_ref(),
        fleet.as_ref(),
        &args.output,
        &check,
    )
    .map_err(|e| {
        if e.is_user_error() {
            Failure::user("merge", e.to_string())
        } else {
            Failure::other("io", e.to_string())
        }
    })?;
    out.merge_outcome(&outcome);
    Ok(if outcome.leaks.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_input(path: Option<&Path>) -> Result<Vec<u8>, Failure> {
    match path {
        None => read_stdin(),
        Some(p) if p == Path::new("-") => read_stdin(),
        Some(p) => std::fs::read(p).map_err(|e| {
            let message = format!("{}: cannot read: {e}", p.display());
            if e.kind() == std::io::ErrorKind::NotFound {
                Failure::user("not_found", message)
            } else {
                Failure::other("io", message)
            }
        }),
    }
}

fn read_stdin() -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::other("io", format!("cannot read standard input: {e}")))?;
    Ok(bytes)
}

pub(crate) fn redact_command(
    context: &Context,
    args: &RedactArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let key = load_key(context)?;
    let inputs: Vec<(String, Vec<u8>)> = args
        .files
        .iter()
        .map(|path| {
            // UTF-16 and other non-UTF-8 text is redacted as UTF-8, as in a bundle.
            let bytes = read_input(Some(path))?;
            let text = casefile_core::evidence::encoding::to_utf8(&bytes)
                .0
                .into_owned();
            Ok((path.display().to_string(), text))
        })
        .collect::<Result<_, Failure>>()?;
    let mut names = Names::from_system(Path::new("/"), true);
    names.keywords.extend(args.keyword.iter().cloned());
    let mut learner = Learner::new();
    for (_, bytes) in &inputs {
        learner.feed(bytes);
    }
    names.merge(learner.finish());
    let redactor = Redactor::new(&key, &names);
    if let Ok(existing) = Mapping::load(&mapping_path(context)) {
        redactor.reserve(&existing);
    }
    let mut results = Vec::new();
    for (name, bytes) in &inputs {
        let mut found = Found::default();
        let mut text = Vec::with_capacity(bytes.len());
        redactor.redact(bytes, false, &mut text, &mut found);
        results.push((name.clone(), text, found));
    }
    let mut mapping = Mapping::default();
    for (_, _, found) in &results {
        mapping.merge(found.mapping.clone());
    }
    if !mapping.is_empty()
        && let Err(error) = mapping.save(&mapping_path(context))
    {
        out.warn(&format!(
            "the pseudonym mapping was not saved ({error}); `casefile translate` cannot turn these pseudonyms back into your names"
        ));
    }
    out.redacted(&results);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn translate_command(
    context: &Context,
    args: &TranslateArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let path = mapping_path(context);
    let mapping = if path.exists() {
        Mapping::load(&path).map_err(|e| Failure::other("mapping", e.to_string()))?
    } else {
        Mapping::default()
    };
    let bytes = read_input(args.file.as_deref())?;
    let text = String::from_utf8_lossy(&bytes);
    out.translated(&mapping.translate(&text), mapping.len());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn key_command(
    context: &Context,
    command: &KeyCommand,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    match command {
        KeyCommand::Export => {
            let key = load_key(context)?;
            out.key_export(&key.export(), &key.fingerprint());
        }
        KeyCommand::Show => {
            let key = load_key(context)?;
            out.key_show(&key.fingerprint(), &key_path_hint(&context.data_dir));
        }
        KeyCommand::Import { file, force } => {
            let text = String::from_utf8(read_input(file.as_deref())?).map_err(|_| {
                Failure::user(
                    "invalid_key",
                    "the key is not text; give the line `casefile key export` printed".into(),
                )
            })?;
            let key = PseudonymKey::import(&text)
                .map_err(|e| Failure::user("invalid_key", e.to_string()))?;
            let existing = PseudonymKey::load(&context.data_dir)
                .map_err(|e| Failure::other("key", e.to_string()))?;
            if let Some(existing) = existing
                && existing.fingerprint() != key.fingerprint()
                && !force
            {
                return Err(Failure::user(
                    "key_exists",
                    format!(
                        "{} already holds a different key (fingerprint {}); bundles made with it would no longer match new ones. Add --force to replace it",
                        key_path_hint(&context.data_dir),
                        existing.fingerprint()
                    ),
                ));
            }
            key.save(&context.data_dir)
                .map_err(|e| Failure::other("key", e.to_string()))?;
            out.key_imported(&key.fingerprint(), &key_path_hint(&context.data_dir));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub(crate) enum CodeCommand {
    /// Make a collection code to dictate to a user: the evidence kinds, a time window, and
    /// whether the snapshot and binaries go in.
    Make {
        /// The vendor profile the user collects with [default: the config's default_profile, else generic].
        #[arg(long)]
        profile: Option<String>,
        /// An evidence kind to collect (repeatable) [default: every kind].
        #[arg(long = "evidence", value_name = "ID")]
        evidence: Vec<String>,
        /// Keep log records from this long ago on: 1h, 6h, 24h, 3d, 7d, 14d or 30d.
        #[arg(long, value_name = "WINDOW")]
        since: Option<String>,
        /// Leave out the support snapshot.
        #[arg(long)]
        no_snapshot: bool,
        /// Include binary files.
        #[arg(long)]
        include_binary: bool,
    },
    /// Show what a collection code selects.
    Read {
        /// The code, e.g. CC-4G7K-2MQ8.
        code: String,
        /// The vendor profile it was made for [default: the config's default_profile, else generic].
        #[arg(long)]
        profile: Option<String>,
    },
}

pub(crate) fn code_command(
    context: &Context,
    command: &CodeCommand,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let invalid =
        |error: collection_code::CodeError| Failure::user("invalid_code", error.to_string());
    let (profile, code, selection) = match command {
        CodeCommand::Make {
            profile,
            evidence,
            since,
            no_snapshot,
            include_binary,
        } => {
            let profile = &context.profile_or_default(profile.as_deref())?.profile;
            let selection = collection_code::Selection {
                evidence: evidence.clone(),
                window: since
                    .as_deref()
                    .map(collection_code::parse_window)
                    .transpose()
                    .map_err(invalid)?,
                snapshot: !no_snapshot,
                include_binary: *include_binary,
            };
            let code = collection_code::make(profile, &selection).map_err(invalid)?;
            (profile, code.to_string(), selection)
        }
        CodeCommand::Read { code, profile } => {
            let profile = &context.profile_or_default(profile.as_deref())?.profile;
            let selection = collection_code::read(profile, code).map_err(invalid)?;
            let canonical = collection_code::make(profile, &selection).map_err(invalid)?;
            (profile, canonical.to_string(), selection)
        }
    };
    let kinds: Vec<(&str, &str)> = profile
        .evidence
        .iter()
        .filter(|e| selection.evidence.is_empty() || selection.evidence.contains(&e.id))
        .map(|e| (e.id.as_str(), e.label.as_str()))
        .collect();
    if out.is_json() {
        Output::print_json(&serde_json::json!({
            "code": code,
            "profile": profile.id,
            "evidence": kinds.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            "since": selection.window_label(),
            "snapshot": selection.snapshot,
            "includeBinary": selection.include_binary,
        }));
    } else {
        println!("{code}  ({} profile)", profile.name);
        println!(
            "  evidence: {}",
            if kinds.is_empty() {
                "none (this profile lists no evidence kinds)".to_owned()
            } else {
                kinds
                    .iter()
                    .map(|(id, label)| format!("{label} ({id})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        println!(
            "  logs from: {}",
            selection
                .window_label()
                .map_or_else(|| "all of them".to_owned(), |w| format!("the last {w}"))
        );
        println!(
            "  snapshot: {}; binary files: {}",
            if selection.snapshot { "yes" } else { "no" },
            if selection.include_binary {
                "yes"
            } else {
                "no"
            }
        );
        if matches!(command, CodeCommand::Make { .. }) {
            println!(
                "The user types it at the Evidence step, or runs `casefile collect --profile {} --code {code} -o FILE`.",
                profile.id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub(crate) struct SummaryArgs {
    /// The vendor profile whose agent to describe [default: the config's default_profile, else generic].
    #[arg(long)]
    profile: Option<String>,
    /// Describe the system mounted at DIR instead of this machine.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The OS of the system under --root [default: this machine's].
    #[arg(long, value_enum, value_name = "OS")]
    os: Option<OsArg>,
}

pub(crate) fn summary_command(
    context: &Context,
    args: &SummaryArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let profile = &context.profile_or_default(args.profile.as_deref())?.profile;
    crate::check_profile_trust(context, &profile.id)?;
    let env = env_for(args.root.as_deref(), args.os)?;
    let snapshot = casefile_core::evidence::snapshot::take(profile, &env);
    let key = load_key(context)?;
    let summary = casefile_core::evidence::summary::machine_summary(profile, &env, &snapshot, &key);
    if out.is_json() {
        Output::print_json(&summary);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Operating system: {}", summary.os);
    println!(
        "Host name: {}",
        summary.hostname.as_deref().unwrap_or("unknown")
    );
    println!(
        "{} agent version: {}",
        profile.name,
        summary.agent_version.as_deref().unwrap_or("not found")
    );
    if let Some(log) = &summary.agent_log {
        match (summary.error_count, &summary.newest_error) {
            (0, _) => println!("No error lines at the end of {log}."),
            (count, Some(newest)) => println!(
                "{count} error line{} at the end of {log}; the newest: {newest}",
                if count == 1 { "" } else { "s" }
            ),
            (count, None) => println!("{count} error lines at the end of {log}."),
        }
        println!("Last errors in {log}:");
        for line in &summary.last_errors {
            println!("  {line}");
        }
    }
    for note in &summary.notes {
        println!("Note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
