//! `casefile submit`, `outbox`, `channels` and `secret`: delivery from the shell.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use casefile_core::deliver::channel::ChannelConfig;
use casefile_core::deliver::outbox::{Item, Outbox, OutboxError, State};
use casefile_core::deliver::receipt::Receipt;
use casefile_core::deliver::secret::{Keychain, OsKeychain, SecretSource, Secrets};
use casefile_core::deliver::service::{self, MAX_INLINE_WAIT, SubmitError};
use casefile_core::deliver::{Progress, Secret, Transport, secret_env_var};
use casefile_core::evidence::collect::RequestDocs;
use casefile_core::profile::schema::ByteSize;
use casefile_core::redact::{Names, PseudonymKey};
use casefile_core::wire::{self, OutboxItemReport};
use chrono::Utc;
use clap::{Args, Subcommand};

use crate::evidence::{GatherArgs, bundle_draft};
use crate::output::{Failure, Output};
use crate::{Context, display_time_zone};

/// Exit code: the request is kept in the outbox for a later attempt.
const EXIT_QUEUED: u8 = 3;

#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// The draft to send.
    #[arg(long, value_name = "FILE")]
    draft: PathBuf,
    /// Send this bundle instead of collecting one from the draft (one `casefile bundle --draft`
    /// made from this draft: its request.md is the ticket body).
    #[arg(long, value_name = "ZIP", conflicts_with = "no_evidence")]
    bundle: Option<PathBuf>,
    /// Send the request alone, without a bundle; its text is still redacted and leak-scanned.
    #[arg(long)]
    no_evidence: bool,
    /// The channel to send through [default: the config's [delivery] default_channel, else folder].
    #[arg(long, value_name = "CHANNEL")]
    via: Option<String>,
    /// Submit even though this request already went to this channel.
    #[arg(long)]
    again: bool,
    /// Put the request in the outbox without sending it now (`outbox drain` sends it).
    #[arg(long)]
    queue_only: bool,
    #[command(flatten)]
    gather: GatherArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum OutboxCommand {
    /// List every submission with its state.
    List,
    /// Show one submission: state, history, last error, receipt.
    Show {
        /// The item id, e.g. CF-7K2M-9QXD.helpdesk.
        id: String,
    },
    /// Try one submission again now, whatever its wait.
    Retry {
        /// The item id.
        id: String,
    },
    /// Send every submission that is due: queued, interrupted, or past its retry wait.
    Drain,
    /// Remove a submission and its files from the outbox.
    Remove {
        /// The item id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ChannelsArgs {
    #[command(subcommand)]
    command: Option<ChannelsCommand>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ChannelsCommand {
    /// List the configured channels and whether their secrets are set (the default).
    List,
    /// Show one channel: where it sends, its secret, and the largest bundle it takes (the
    /// attachment limit a fleet run divides among its hosts).
    Show {
        /// The channel's name.
        name: String,
    },
    /// Check that a channel's server answers and accepts its credentials, without sending anything.
    Test {
        /// The channel's name.
        name: String,
    },
    /// Add a channel to config.toml, or replace one; the password or token goes to the
    /// keychain with `casefile secret set`, never into the file.
    Add {
        /// The channel's name: letters, digits, '-' and '_'.
        name: String,
        /// folder, smtp, rt, zendesk, freshdesk, jsm or webhook.
        #[arg(long)]
        kind: String,
        /// A field of that kind, e.g. --set url=https://rt.example.com/REST/2.0 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Remove a channel from config.toml (not while it is the default channel).
    Remove {
        /// The channel's name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SecretCommand {
    /// Store a channel's password or token in the OS keychain, read from standard input.
    Set {
        /// The secret's name (the channel's name unless the channel says `secret = "..."`).
        name: String,
    },
    /// Remove a secret from the OS keychain.
    Delete {
        /// The secret's name.
        name: String,
    },
}

fn outbox_failure(error: OutboxError) -> Failure {
    if error.is_user_error() {
        Failure::user("outbox", error.to_string())
    } else {
        Failure::other("outbox", error.to_string())
    }
}

pub(crate) fn secrets() -> Secrets<'static> {
    static KEYCHAIN: OsKeychain = OsKeychain;
    Secrets::new(std::env::vars(), &KEYCHAIN)
}

/// Where the folder channel saves when its config names no path.
pub(crate) fn default_folder(context: &Context) -> PathBuf {
    service::default_folder(dirs::document_dir().as_deref(), &context.data_dir)
}

/// What `channels show` reports.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ChannelShown {
    #[serde(flatten)]
    summary: casefile_core::wire::ChannelSummary,
    /// The largest bundle the channel takes, in bytes; `null` when it sets no limit or the
    /// limit could not be learnt (then `attachmentLimitError` says why).
    attachment_limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_limit_error: Option<String>,
}

fn channel_show(context: &Context, name: &str, out: &mut Output) -> Result<ExitCode, Failure> {
    let folder = default_folder(context);
    let (reports, problems) = service::channel_summaries(&context.config, &secrets(), &folder);
    let Some(summary) = reports.into_iter().find(|r| r.name == name) else {
        let error = service::OpenError::Unknown {
            name: name.to_owned(),
            choices: context.config.channel_names(),
        };
        return Err(Failure::user(error.code(), error.to_string()));
    };
    for problem in &problems {
        out.warn(problem);
    }
    let (attachment_limit, attachment_limit_error) =
        match service::attachment_limit(&context.config, name, &folder) {
            Ok(limit) => (limit, None),
            Err(error) => (None, Some(error.to_string())),
        };
    if let Some(error) = &attachment_limit_error {
        out.warn(&format!(
            "the size limit of channel {name} is not known: {error}"
        ));
    }
    let shown = ChannelShown {
        summary,
        attachment_limit,
        attachment_limit_error,
    };
    if out.is_json() {
        Output::print_json(&shown);
    } else {
        let summary = &shown.summary;
        println!(
            "{}{} ({}): {}",
            summary.name,
            if summary.default { " (default)" } else { "" },
            summary.kind,
            summary.destination
        );
        match &summary.secret {
            Some(secret) => println!(
                "secret: {secret} ({})",
                match summary.secret_source {
                    Some(SecretSource::Environment) => "from the environment",
                    Some(SecretSource::Keychain) => "in the keychain",
                    None => "MISSING",
                }
            ),
            None => println!("secret: none needed"),
        }
        match (shown.attachment_limit, &shown.attachment_limit_error) {
            (Some(limit), _) => println!("largest bundle: {limit} bytes"),
            (None, None) => println!("largest bundle: no limit"),
            (None, Some(_)) => println!("largest bundle: not known (see the warning)"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens channel `name` with its secret.
fn open_channel(
    context: &Context,
    name: &str,
) -> Result<(ChannelConfig, Box<dyn Transport>), Failure> {
    service::open_channel(&context.config, name, &secrets(), &default_folder(context))
        .map_err(|error| Failure::user(error.code(), error.to_string()))
}

pub(crate) fn submit_command(
    context: &Context,
    args: &SubmitArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let request = crate::load_draft(&args.draft)?;
    let profile = &crate::draft_profile(context, &args.draft, &request)?.profile;
    let channel = context.config.delivery.channel_name(args.via.as_deref());
    let outbox = Outbox::new(&context.data_dir);
    let (config, transport) = service::open_for_submission(
        &context.config,
        &outbox,
        &request,
        profile,
        &channel,
        args.again,
        &secrets(),
        &default_folder(context),
    )
    .map_err(|error| match error {
        SubmitError::NotReady(errors) => Failure::user(
            "draft_invalid",
            format!(
                "{} is not ready to send; fix these fields (see `casefile validate {}`):\n  {}",
                args.draft.display(),
                args.draft.display(),
                errors.join("\n  ")
            ),
        ),
        SubmitError::Open(error) => Failure::user(error.code(), error.to_string()),
        SubmitError::Outbox(error) => outbox_failure(error),
        SubmitError::TooLarge { .. } => Failure::user("too_large", error.to_string()),
    })?;

    if args.no_evidence {
        let key = PseudonymKey::load_or_create(&context.data_dir)
            .map_err(|error| Failure::other("key", error.to_string()))?;
        let (docs, leaks) = casefile_core::render::redacted_alone(
            &request,
            profile,
            &key,
            Names::from_system(std::path::Path::new("/"), true),
        );
        if let Some(leak) = leaks.first() {
            return Err(Failure::user(
                "leaks",
                format!(
                    "the request still holds a known original after redaction ({}: {}), so it was not sent; edit the text or hide the word with [redaction] hide in {}",
                    leak.category.as_str(),
                    leak.what,
                    args.draft.display()
                ),
            ));
        }
        let item = service::enqueue_request(
            &outbox,
            &request,
            &docs,
            profile,
            &channel,
            &config,
            Vec::new(),
            false,
            args.again,
            Utc::now(),
        )
        .map_err(outbox_failure)?;
        return finish_submit(context, &outbox, &item, transport.as_ref(), args, out);
    }

    // The bundle: the one given, or one collected now, sized for the channel.
    let (bundle, made_here, _guard) = match &args.bundle {
        Some(path) => {
            if !path.is_file() {
                return Err(Failure::user(
                    "not_found",
                    format!("--bundle {}: no such file", path.display()),
                ));
            }
            service::check_bundle_size(path, &channel, transport.as_ref()).map_err(|error| {
                Failure::user(
                    "too_large",
                    format!(
                        "--bundle: {error} (`casefile bundle --budget SIZE`, or submit without --bundle)"
                    ),
                )
            })?;
            match RequestDocs::from_bundle(path) {
                Ok(Some(docs)) if docs.case_code == request.case_code => {}
                Ok(Some(docs)) => {
                    return Err(Failure::user(
                        "bundle_mismatch",
                        format!(
                            "--bundle {}: made for {}, not {}; make it with `casefile bundle --draft {}`",
                            path.display(),
                            docs.case_code,
                            request.case_code,
                            args.draft.display()
                        ),
                    ));
                }
                Ok(None) => {
                    return Err(Failure::user(
                        "bundle_without_request",
                        format!(
                            "--bundle {}: it holds no request.md and request.json (made by `casefile collect`?), so the ticket would carry text that was never redacted; make it with `casefile bundle --draft {}`",
                            path.display(),
                            args.draft.display()
                        ),
                    ));
                }
                Err(error) => {
                    return Err(Failure::user(
                        "bundle_invalid",
                        format!("--bundle {}: {error}", path.display()),
                    ));
                }
            }
            (path.clone(), false, None)
        }
        None => {
            std::fs::create_dir_all(&context.data_dir).map_err(|error| {
                Failure::other("io", format!("{}: {error}", context.data_dir.display()))
            })?;
            let scratch = tempfile::Builder::new()
                .prefix(".bundle-")
                .tempdir_in(&context.data_dir)
                .map_err(|error| Failure::other("io", error.to_string()))?;
            let path = scratch.path().join(format!("{}.zip", request.case_code));
            if !out.is_json() {
                eprintln!("collecting evidence for {} ...", request.case_code);
            }
            let (outcome, _) = bundle_draft(
                context,
                &args.draft,
                &request,
                profile,
                &args.gather,
                transport.max_attachment(),
                false,
                &path,
            )?;
            if !outcome.leaks.is_empty() {
                return Err(Failure::user(
                    "leaks",
                    format!(
                        "the bundle still holds {} possible secret(s) after redaction, so it was not sent; look at them with `casefile bundle --draft {} -o FILE` and remove or redact them (--keyword) first",
                        outcome.leaks.len(),
                        args.draft.display()
                    ),
                ));
            }
            (path, true, Some(scratch))
        }
    };
    let item = service::enqueue_submission(
        &outbox,
        &request,
        profile,
        &channel,
        &config,
        &bundle,
        made_here,
        args.again,
        Utc::now(),
    )
    .map_err(outbox_failure)?;
    finish_submit(context, &outbox, &item, transport.as_ref(), args, out)
}

/// Sends a queued submission now (unless `--queue-only`) and reports it.
fn finish_submit(
    context: &Context,
    outbox: &Outbox,
    item: &Item,
    transport: &dyn Transport,
    args: &SubmitArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    if args.queue_only {
        return Ok(report_item(context, item, out));
    }
    let attempts = context.config.delivery.attempts();
    let item = send(context, outbox, item.id(), transport, attempts, out)?;
    Ok(report_item(context, &item, out))
}

/// Attempts item `id` up to `attempts` times, waiting between attempts only when the wait is
/// short, with an upload bar on a terminal.
fn send(
    context: &Context,
    outbox: &Outbox,
    id: &str,
    transport: &dyn Transport,
    attempts: u32,
    out: &Output,
) -> Result<Item, Failure> {
    let bar = UploadBar::new(!out.is_json() && std::io::stderr().is_terminal());
    let quiet = out.is_json();
    let item = outbox
        .send(
            id,
            transport,
            &context.config.delivery.retry_policy(),
            attempts,
            MAX_INLINE_WAIT,
            &mut |item, wait: Duration| {
                bar.clear();
                if !quiet {
                    eprintln!(
                        "attempt {} failed: {}\nretrying in {:.0} s ...",
                        item.attempts,
                        item.last_error.as_deref().unwrap_or("unknown error"),
                        wait.as_secs_f64().ceil()
                    );
                }
            },
            &mut |p| bar.show(&p),
        )
        .map_err(outbox_failure)?;
    bar.clear();
    Ok(item)
}

fn item_report(context: &Context, item: &Item) -> OutboxItemReport {
    let display = display_time_zone(None, &context.config).unwrap_or(chrono_tz::Tz::UTC);
    let profile = context
        .catalog
        .get(&item.submission.profile)
        .map(|loaded| &loaded.profile);
    wire::outbox_item_report(item, profile, display)
}

/// Prints an item after an attempt (or after queueing) and picks the exit code from its state.
fn report_item(context: &Context, item: &Item, out: &Output) -> ExitCode {
    let report = item_report(context, item);
    if out.is_json() {
        Output::print_json(&report);
    } else {
        print_item(&report, false);
    }
    exit_for(item.state)
}

fn exit_for(state: State) -> ExitCode {
    match state {
        State::Sent => ExitCode::SUCCESS,
        State::Failed => ExitCode::from(1),
        State::Queued | State::Sending | State::FailedRetryable => ExitCode::from(EXIT_QUEUED),
    }
}

fn print_item(report: &OutboxItemReport, history: bool) {
    match report.state.as_str() {
        "sent" if report.kind == "folder" => println!(
            "Saved {} through {} ({}).",
            report.case_code, report.channel, report.kind
        ),
        "sent" => println!(
            "Sent {} through {} ({}) to {}.",
            report.case_code, report.channel, report.kind, report.destination
        ),
        "queued" => println!(
            "{} is in the outbox as {}; send it with `casefile outbox drain`.",
            report.case_code, report.id
        ),
        "failed" => println!(
            "{} was NOT sent through {}, and will not be retried until you fix this:\n  {}\nIt is kept in the outbox as {}; after fixing, run `casefile outbox retry {}`.",
            report.case_code,
            report.channel,
            report.last_error.as_deref().unwrap_or("unknown error"),
            report.id,
            report.id
        ),
        _ => println!(
            "{} is not sent yet ({}): {}\nIt is kept in the outbox as {}{}; `casefile outbox drain` sends it when due, `casefile outbox retry {}` now.",
            report.case_code,
            report.state,
            report.last_error.as_deref().unwrap_or("interrupted"),
            report.id,
            report
                .next_attempt_at
                .map(|at| format!(
                    ", next attempt after {}",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ))
                .unwrap_or_default(),
            report.id
        ),
    }
    if history {
        println!("  item:        {}", report.id);
        println!("  state:       {}", report.state);
        println!(
            "  channel:     {} ({}) → {}",
            report.channel, report.kind, report.destination
        );
        println!("  attempts:    {}", report.attempts);
        for attachment in &report.attachments {
            println!(
                "  attachment:  {} ({}, sha256 {})",
                attachment.name,
                ByteSize(attachment.size),
                attachment.sha256
            );
        }
        println!("  history:");
        for event in &report.history {
            println!(
                "    {}  {:<16} {}",
                event.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                event.state.as_str(),
                event.note
            );
        }
    }
    if let Some(receipt) = &report.receipt {
        print_receipt(receipt);
    }
}

fn print_receipt(receipt: &Receipt) {
    println!();
    match (&receipt.ticket_id, &receipt.url) {
        (Some(id), Some(url)) => println!("Ticket {id}: {url}"),
        (Some(id), None) => println!("Ticket {id}"),
        (None, Some(url)) => println!("Saved: {url}"),
        (None, None) => {}
    }
    println!("{}", receipt.detail);
    if let Some(sla) = &receipt.sla {
        if !sla.targets.is_empty() {
            println!(
                "\nResponse targets ({}, {}):",
                sla.coverage, sla.display_time_zone
            );
            for target in &sla.targets {
                println!("  {}", target.text);
            }
        }
        if !sla.escalations.is_empty() {
            println!("\nIf no answer comes in time:");
            for escalation in &sla.escalations {
                println!("  {}", escalation.text);
            }
        }
        for notice in &sla.notices {
            println!("Note: {notice}");
        }
    }
    if let Some(problem) = &receipt.sla_problem {
        println!("\nNo response targets: {problem}");
    }
    if let Some(step) = &receipt.next_step {
        println!("\n{step}");
    }
    if receipt.escalation_message.is_empty() {
        return;
    }
    println!(
        "\nEscalation message (to {}):\n",
        if receipt.escalation_to.is_empty() {
            "the vendor's support".to_owned()
        } else {
            receipt.escalation_to.join(", ")
        }
    );
    for line in receipt.escalation_message.lines() {
        println!("  {line}");
    }
}

pub(crate) fn outbox_command(
    context: &Context,
    command: &OutboxCommand,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let outbox = Outbox::new(&context.data_dir);
    match command {
        OutboxCommand::List => {
            let (items, problems) = outbox.list().map_err(outbox_failure)?;
            for problem in &problems {
                out.warn(problem);
            }
            if out.is_json() {
                let reports: Vec<OutboxItemReport> = items
                    .iter()
                    .map(|item| item_report(context, item))
                    .collect();
                Output::print_json(&reports);
            } else if items.is_empty() {
                println!("The outbox is empty.");
            } else {
                println!(
                    "{:<28} {:<16} {:<12} {:>8}  WHAT",
                    "ITEM", "STATE", "CHANNEL", "ATTEMPTS"
                );
                for item in &items {
                    let what = match item.state {
                        State::Sent => item
                            .delivered
                            .as_ref()
                            .map(|d| match (&d.ticket_id, &d.url) {
                                (Some(id), Some(url)) => format!("ticket {id} {url}"),
                                (Some(id), None) => format!("ticket {id}"),
                                (None, Some(url)) => url.clone(),
                                (None, None) => d.detail.clone(),
                            })
                            .unwrap_or_default(),
                        State::FailedRetryable => format!(
                            "next attempt after {}: {}",
                            item.next_attempt_at
                                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                                .unwrap_or_else(|| "now".into()),
                            item.last_error.as_deref().unwrap_or_default()
                        ),
                        State::Failed => item.last_error.clone().unwrap_or_default(),
                        State::Queued | State::Sending => item.submission.subject.clone(),
                    };
                    println!(
                        "{:<28} {:<16} {:<12} {:>8}  {}",
                        item.id(),
                        item.state.as_str(),
                        item.channel,
                        item.attempts,
                        what
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Show { id } => {
            let item = outbox.load(id).map_err(outbox_failure)?;
            let report = item_report(context, &item);
            if out.is_json() {
                Output::print_json(&report);
            } else {
                print_item(&report, true);
            }
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Retry { id } => {
            let item = outbox.load(id).map_err(outbox_failure)?;
            if item.state == State::Sent {
                return Ok(report_item(context, &item, out));
            }
            let (_, transport) = open_channel(context, &item.channel)?;
            let item = send(context, &outbox, id, transport.as_ref(), 1, out)?;
            Ok(report_item(context, &item, out))
        }
        OutboxCommand::Drain => drain(context, &outbox, out),
        OutboxCommand::Remove { id } => {
            let item = outbox.remove(id).map_err(outbox_failure)?;
            if out.is_json() {
                Output::print_json(
                    &serde_json::json!({ "removed": item.id(), "state": item.state.as_str() }),
                );
            } else {
                println!(
                    "Removed {} ({}) from the outbox.",
                    item.id(),
                    item.state.as_str()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn drain(context: &Context, outbox: &Outbox, out: &mut Output) -> Result<ExitCode, Failure> {
    let due = outbox.due(Utc::now()).map_err(outbox_failure)?;
    let mut results = Vec::new();
    let mut worst = State::Sent;
    for item in due {
        let id = item.id().to_owned();
        let attempt = open_channel(context, &item.channel)
            .and_then(|(_, transport)| send(context, outbox, &id, transport.as_ref(), 1, out));
        let item = match attempt {
            Ok(item) => item,
            Err(failure) => {
                // The channel cannot be opened (config or secret): the item stays as it was.
                out.warn(&format!("{id}: {}", failure.message));
                worst = State::Failed;
                continue;
            }
        };
        worst = match (worst, item.state) {
            (State::Failed, _) | (_, State::Failed) => State::Failed,
            (State::FailedRetryable, _) | (_, State::FailedRetryable) => State::FailedRetryable,
            _ => State::Sent,
        };
        results.push(item);
    }
    // Items still waiting for their next attempt are not lost, but not sent either: say so.
    let (items, _) = outbox.list().map_err(outbox_failure)?;
    let waiting: Vec<&Item> = items
        .iter()
        .filter(|item| item.state == State::FailedRetryable)
        .collect();
    if !waiting.is_empty() && worst == State::Sent {
        worst = State::FailedRetryable;
    }
    if out.is_json() {
        let reports: Vec<OutboxItemReport> = results
            .iter()
            .map(|item| item_report(context, item))
            .collect();
        Output::print_json(&reports);
    } else if results.is_empty() && waiting.is_empty() && worst == State::Sent {
        println!("Nothing is due in the outbox.");
    } else {
        for item in &results {
            println!(
                "{:<28} {:<16} {}",
                item.id(),
                item.state.as_str(),
                match item.state {
                    State::Sent => item
                        .delivered
                        .as_ref()
                        .map(|d| d.detail.clone())
                        .unwrap_or_default(),
                    _ => item.last_error.clone().unwrap_or_default(),
                }
            );
        }
        for item in waiting
            .iter()
            .filter(|item| !results.iter().any(|r| r.id() == item.id()))
        {
            println!(
                "{:<28} {:<16} waiting; next attempt after {} (`casefile outbox retry {}` sends it now)",
                item.id(),
                item.state.as_str(),
                item.next_attempt_at
                    .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default(),
                item.id()
            );
        }
    }
    Ok(exit_for(worst))
}

pub(crate) fn channels_command(
    context: &Context,
    args: &ChannelsArgs,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    match args.command.as_ref().unwrap_or(&ChannelsCommand::List) {
        ChannelsCommand::Add { name, kind, set } => {
            crate::config::channels_add(context, name, kind, set, out)
        }
        ChannelsCommand::Remove { name } => crate::config::channels_remove(context, name, out),
        ChannelsCommand::List => {
            let (reports, problems) =
                service::channel_summaries(&context.config, &secrets(), &default_folder(context));
            for problem in &problems {
                out.warn(problem);
            }
            if out.is_json() {
                Output::print_json(&reports);
            } else {
                for report in &reports {
                    let secret = match (&report.secret, report.secret_source) {
                        (None, _) => "no secret needed".to_owned(),
                        (Some(name), Some(SecretSource::Environment)) => {
                            format!("secret {name}: from {}", secret_env_var(name))
                        }
                        (Some(name), Some(SecretSource::Keychain)) => {
                            format!("secret {name}: in the keychain")
                        }
                        (Some(name), None) => format!(
                            "secret {name}: MISSING (casefile secret set {name}, or {})",
                            secret_env_var(name)
                        ),
                    };
                    println!(
                        "{}{:<14} {:<10} {}  [{}]",
                        if report.default { "* " } else { "  " },
                        report.name,
                        report.kind,
                        report.destination,
                        secret
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ChannelsCommand::Show { name } => channel_show(context, name, out),
        ChannelsCommand::Test { name } => {
            let (config, transport) = open_channel(context, name)?;
            match transport.check() {
                Ok(found) => {
                    if out.is_json() {
                        Output::print_json(&serde_json::json!({
                            "channel": name, "kind": config.kind(), "ok": true, "detail": found,
                        }));
                    } else {
                        println!("{name} ({}): OK: {found}", config.kind());
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => Err(if error.is_retryable() {
                    Failure::other("channel_unreachable", format!("{name}: {}", error.message))
                } else {
                    Failure::user("channel_refused", format!("{name}: {}", error.message))
                }),
            }
        }
    }
}

pub(crate) fn secret_command(
    context: &Context,
    command: &SecretCommand,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let keychain = OsKeychain;
    match command {
        SecretCommand::Set { name } => {
            let value = read_secret(name)?;
            keychain
                .set(name, &value)
                .map_err(|error| Failure::user("secret_unavailable", error.to_string()))?;
            // From now on the secret goes only where the channels naming it send today.
            casefile_core::settings::bind_secret(&context.config_path, name)
                .map_err(|error| Failure::user(error.code(), error.to_string()))?;
            if out.is_json() {
                Output::print_json(&serde_json::json!({ "stored": name }));
            } else {
                println!("Stored secret {name} in the OS keychain.");
            }
        }
        SecretCommand::Delete { name } => {
            let removed = keychain
                .delete(name)
                .map_err(|error| Failure::user("secret_unavailable", error.to_string()))?;
            if out.is_json() {
                Output::print_json(&serde_json::json!({ "deleted": name, "existed": removed }));
            } else if removed {
                println!("Removed secret {name} from the OS keychain.");
            } else {
                println!("The OS keychain holds no secret {name}.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a secret: hidden at a terminal prompt, else the first line of standard input.
fn read_secret(name: &str) -> Result<Secret, Failure> {
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Secret {name}: "))
            .map_err(|error| Failure::other("io", format!("cannot read the secret: {error}")))?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(|error| Failure::other("io", format!("cannot read the secret: {error}")))?;
        text.lines().next().unwrap_or_default().to_owned()
    };
    if value.trim().is_empty() {
        return Err(Failure::user(
            "secret_empty",
            "the secret is empty; type it at the prompt or pipe it in (`printf %s TOKEN | casefile secret set NAME`)".into(),
        ));
    }
    Ok(Secret::new(value.trim_end_matches(['\r', '\n'])))
}

/// An upload progress line on stderr, only on a terminal.
struct UploadBar {
    enabled: bool,
}

impl UploadBar {
    fn new(enabled: bool) -> UploadBar {
        UploadBar { enabled }
    }

    fn show(&self, progress: &Progress) {
        if !self.enabled {
            return;
        }
        let line = if progress.total > 0 {
            format!(
                "{}: {} of {} ({:.0}%)",
                progress.step,
                ByteSize(progress.sent),
                ByteSize(progress.total),
                progress.sent as f64 * 100.0 / progress.total as f64
            )
        } else {
            format!("{}: {}", progress.step, ByteSize(progress.sent))
        };
        eprint!("\r\x1b[2K{line}");
    }

    fn clear(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}
