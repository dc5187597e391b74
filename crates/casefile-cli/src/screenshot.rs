//! `casefile screenshot`: capture the screen or a window, list windows, clean an image (black
//! out regions, drop metadata), and add the result to a draft as a screenshot.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use casefile_core::evidence::plan::SCREENSHOT_ID;
use casefile_core::evidence::screenshot::capture::{self, Target};
use casefile_core::evidence::screenshot::{
    self, BlackOut, Cleaned, ScreenshotError, Store, Stored, write_private,
};
use casefile_core::request::EvidenceItem;
use casefile_core::wire::SavedScreenshot;
use clap::{Args, Subcommand};

use crate::output::{Failure, Output};
use crate::{Context, load_draft};

#[derive(Debug, Subcommand)]
pub(crate) enum ScreenshotCommand {
    /// Capture the whole screen or one window into a PNG with no metadata.
    Capture(CaptureArgs),
    /// List the windows that can be captured (id, size, title).
    Windows,
    /// Clean an image: black out regions, apply the EXIF orientation, drop all metadata.
    Clean(CleanArgs),
}

/// Where a cleaned image goes and how.
#[derive(Debug, Args)]
pub(crate) struct Destination {
    /// Write the PNG here.
    #[arg(short, long, value_name = "OUT.png", required_unless_present = "draft")]
    output: Option<PathBuf>,
    /// Store the PNG in this draft's screenshots folder (DATA_DIR/screenshots/CASE/) and add it
    /// to the draft's evidence as a screenshot.
    #[arg(long, value_name = "DRAFT.toml")]
    draft: Option<PathBuf>,
    /// The file name in the draft's screenshots folder [default: the input's or the window's name].
    #[arg(long, value_name = "NAME", requires = "draft")]
    name: Option<String>,
    /// Fill a rectangle with black: X,Y,WIDTH,HEIGHT in image pixels from the top left
    /// (after the EXIF orientation). Repeatable.
    #[arg(long = "black-out", value_name = "X,Y,W,H")]
    black_out: Vec<BlackOut>,
    /// Replace OUT.png if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CaptureArgs {
    /// Capture this window (its id, its title or a unique part of it) instead of the screen.
    #[arg(long, value_name = "TITLE-OR-ID")]
    window: Option<String>,
    /// Wait this many seconds first (to open a menu or switch windows).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    delay: u64,
    #[command(flatten)]
    to: Destination,
}

#[derive(Debug, Args)]
pub(crate) struct CleanArgs {
    /// The image: PNG, JPEG, GIF, WebP or BMP.
    input: PathBuf,
    #[command(flatten)]
    to: Destination,
}

fn failure(error: ScreenshotError) -> Failure {
    if error.is_user_fixable() {
        Failure::user(error.code(), error.to_string())
    } else {
        Failure::other(error.code(), error.to_string())
    }
}

pub(crate) fn screenshot_command(
    context: &Context,
    command: &ScreenshotCommand,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    match command {
        ScreenshotCommand::Windows => {
            let windows = capture::list_windows().map_err(failure)?;
            if out.is_json() {
                Output::print_json(&windows);
            } else if windows.is_empty() {
                println!("No windows with a title are on the screen.");
            } else {
                for window in &windows {
                    println!(
                        "{:>10}  {:>5}x{:<5}  {}",
                        window.id, window.width, window.height, window.title
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ScreenshotCommand::Capture(args) => {
            check_destination(&args.to)?;
            let (target, name) = match &args.window {
                None => (Target::Screen, "screen".to_owned()),
                Some(query) => {
                    let windows = capture::list_windows().map_err(failure)?;
                    let window = capture::find_window(&windows, query).map_err(failure)?;
                    (Target::Window(window.id), window.title)
                }
            };
            if args.delay > 0 {
                std::thread::sleep(Duration::from_secs(args.delay.min(60)));
            }
            let shot = capture::capture(target).map_err(failure)?;
            let cleaned =
                screenshot::clean(&shot.png, &name, &args.to.black_out).map_err(failure)?;
            finish(context, &args.to, &name, cleaned, out)
        }
        ScreenshotCommand::Clean(args) => {
            check_destination(&args.to)?;
            let cleaned =
                screenshot::clean_file(&args.input, &args.to.black_out).map_err(failure)?;
            let name = args
                .input
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            finish(context, &args.to, &name, cleaned, out)
        }
    }
}

/// Refuses an existing OUT.png without --force, a missing folder, and a draft that cannot be
/// read, before any work is done.
fn check_destination(to: &Destination) -> Result<(), Failure> {
    if let Some(output) = &to.output {
        if output.exists() && !to.force {
            return Err(Failure::user(
                "exists",
                format!(
                    "{} exists; choose another -o FILE or add --force to replace it",
                    output.display()
                ),
            ));
        }
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(Failure::user(
                "no_folder",
                format!(
                    "{}: the folder does not exist; create it first",
                    parent.display()
                ),
            ));
        }
    }
    if let Some(draft) = &to.draft {
        load_draft(draft)?;
    }
    Ok(())
}

fn finish(
    context: &Context,
    to: &Destination,
    name: &str,
    cleaned: Cleaned,
    out: &mut Output,
) -> Result<ExitCode, Failure> {
    let mut saved = Vec::new();
    if let Some(output) = &to.output {
        write_private(output, &cleaned.png).map_err(failure)?;
        saved.push(SavedScreenshot::new(output, &cleaned));
    }
    let mut draft_path = None;
    if let Some(draft) = &to.draft {
        let stored = add_to_draft(context, draft, to.name.as_deref().unwrap_or(name), cleaned)?;
        saved.push(SavedScreenshot::new(&stored.path, &stored.cleaned));
        draft_path = Some(draft.clone());
    }
    if out.is_json() {
        Output::print_json(&saved);
        return Ok(ExitCode::SUCCESS);
    }
    for report in &saved {
        println!(
            "Wrote {} ({}x{}, {} black-out box{}).",
            report.path,
            report.width,
            report.height,
            report.boxes,
            if report.boxes == 1 { "" } else { "es" }
        );
    }
    if let Some(first) = saved.first() {
        if first.stripped.is_empty() {
            println!("No metadata was found; the image was re-encoded from its pixels.");
        } else {
            println!("Removed: {}.", first.stripped.join(", "));
        }
    }
    if let Some(draft) = draft_path {
        println!(
            "Added to {} as a screenshot; it goes into the bundle under screenshots/.",
            draft.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Stores the cleaned image in the draft's screenshots folder and appends it to the draft's
/// evidence; returns where it was stored (an absolute path).
fn add_to_draft(
    context: &Context,
    draft: &Path,
    name: &str,
    cleaned: Cleaned,
) -> Result<Stored, Failure> {
    let mut request = load_draft(draft)?;
    if request.case_code.trim().is_empty() {
        return Err(Failure::user(
            "draft_invalid",
            format!(
                "{} has no case_code; a draft made by `casefile new` has one",
                draft.display()
            ),
        ));
    }
    let store = Store::new(&context.data_dir, &request.case_code);
    let mut stored = store.save(name, cleaned).map_err(failure)?;
    if let Ok(absolute) = std::path::absolute(&stored.path) {
        stored.path = absolute;
    }
    request.evidence.push(EvidenceItem {
        evidence_id: SCREENSHOT_ID.to_owned(),
        path: stored.path.display().to_string(),
        note: String::new(),
    });
    casefile_core::draft::save(draft, &request)
        .map_err(|error| Failure::other("io", error.to_string()))?;
    Ok(stored)
}
