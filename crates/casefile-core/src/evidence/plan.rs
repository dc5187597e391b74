//! Planning: which files and commands a collection will take, and what it leaves out and why.
//!
//! [`plan`] expands a profile's sources for [`Env::os`] (variables, homes, globs, folders) under
//! [`Env::root`] and the user's own `--add` paths into [`PlannedItem`]s, and everything it
//! cannot or will not take into [`Skipped`] entries with a reason. It never fails as a whole:
//! one unreadable file is one skipped entry. It reads file metadata and the first 8 KiB of each
//! regular file (to tell text, and its encoding, from images and other binary content, and to
//! spot gzip); it never opens anything that is not a regular file, so a FIFO cannot block it,
//! and it follows no symbolic link out of the allowed root: the root for profile sources, the canonical home for per-user sources (`~`, `$HOME`,
//! `%APPDATA%`…: a link anywhere in a user's folder, at any depth, may not lead out of that
//! home, since a live collection's root is `/` and runs as root), and the added path itself for
//! `--add`. Casefile's own folders ([`OwnFolder`]: the data folder with the pseudonym key and the
//! mapping, the configuration folder) are never planned, however they are reached (an added
//! parent folder, a glob, a link); each is listed as skipped once, with the reason. Images are
//! taken when added (to be re-encoded without metadata), from profile folders only with binaries
//! included; other binary content only with binaries included.
//!
//! Entry names: profile files are `logs/` plus their path under the root
//! ([`super::resolve::entry_name`]); added files are `attachments/NAME` and added folders
//! `attachments/FOLDER/RELATIVE/PATH`; screenshots (the request's `screenshot` items) are
//! `screenshots/NAME`; commands are `commands/NAME.txt`. Every component is
//! sanitised by [`super::resolve::sanitize_component`]. Names that clash (also when they differ only in
//! letter case, which Windows and macOS would extract onto one file) get ` (2)`, ` (3)`... before
//! the extension. Items are sorted by entry name, and a file reached twice is planned once.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs::Metadata;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use walkdir::WalkDir;

use super::encoding::{Sniffed, sniff};
use super::resolve::{Env, entry_name, expand_per_home, sanitize_component, to_local};
use super::{FileIdentity, ItemSource, PlannedItem, SkipReason, Skipped};
use crate::profile::schema::{Os, Profile};

/// What to plan.
#[derive(Debug, Clone, Copy)]
pub struct PlanRequest<'a> {
    /// The vendor profile whose evidence sources are used.
    pub profile: &'a Profile,
    /// The system the sources are resolved against.
    pub env: &'a Env,
    /// The evidence ids to collect; `None` for every kind with sources for [`Env::os`].
    pub evidence: Option<&'a [String]>,
    /// Files and folders the user adds, taken as given (not under [`Env::root`]).
    pub add: &'a [PathBuf],
    /// Screenshots the user adds (cleaned images), planned as `screenshots/NAME`.
    pub screenshots: &'a [PathBuf],
    /// Plan binary files instead of skipping them.
    pub include_binary: bool,
    /// Casefile's own folders, never planned (see [`OwnFolder`]).
    pub own_folders: &'a [OwnFolder],
}

/// A folder (or file) of Casefile's own that never enters a bundle, and why (shown as the
/// skip's detail). It is recognised by its canonical path (what is under it, a link to it) and
/// by its device and inode (the folder met in a walk, the file or a hard link to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnFolder {
    /// The folder or file (canonicalised when planning; one that does not exist is ignored).
    pub path: PathBuf,
    /// Why it is left out, for a person.
    pub detail: String,
    /// A subfolder whose files may go in as the request's screenshots (planned from
    /// [`PlanRequest::screenshots`] only): the cleaned images Casefile stores for a draft.
    pub screenshots: Option<PathBuf>,
}

impl OwnFolder {
    /// The data folder: the pseudonym key, the mapping, drafts, the outbox; its `screenshots/`
    /// (cleaned images of drafts) go in only as a request's own screenshots.
    pub fn data(path: &Path) -> OwnFolder {
        OwnFolder {
            path: path.to_path_buf(),
            detail: "Casefile's own data folder: holds the pseudonym key and the pseudonym mapping, which would let anyone reverse every pseudonym; never sent".to_owned(),
            screenshots: Some(path.join("screenshots")),
        }
    }

    /// The configuration: `config.toml` (channels), the user-profiles folder, or the folder
    /// holding them.
    pub fn config(path: &Path) -> OwnFolder {
        OwnFolder {
            path: path.to_path_buf(),
            detail: "Casefile's own configuration (config.toml with the channels, user profiles); never sent".to_owned(),
            screenshots: None,
        }
    }
}

/// The own folder `path` is (or is inside, or links into), if any: for paths planning does not
/// walk (the snapshot's agent config files).
pub fn own_folder_of<'a>(path: &Path, own: &'a [OwnFolder]) -> Option<&'a OwnFolder> {
    let canonical = std::fs::canonicalize(path).ok()?;
    own.iter().find(|folder| {
        std::fs::canonicalize(&folder.path).is_ok_and(|folder| canonical.starts_with(folder))
    })
}

/// An own folder as planning checks it.
struct Guarded {
    canonical: PathBuf,
    identity: Option<FileIdentity>,
    detail: String,
    reported: bool,
    /// The canonical screenshots subfolder, if it has one.
    screenshots: Option<PathBuf>,
}

/// The outcome of planning: what will be collected and what will not.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Items, sorted by entry name, each file once.
    pub items: Vec<PlannedItem>,
    /// What was asked for but will not be collected, with why.
    pub skipped: Vec<Skipped>,
}

/// How many leading bytes [`is_binary`] looks at.
pub const SAMPLE_SIZE: usize = 8 * 1024;

/// The request's evidence id for screenshots, which go under `screenshots/`.
pub const SCREENSHOT_ID: &str = "screenshot";

/// Whether a file's first bytes (up to [`SAMPLE_SIZE`]) are not text: an image or other binary
/// content, as [`super::encoding::sniff`] tells them apart.
///
/// Text is UTF-8, UTF-8 with a byte-order mark, UTF-16 (LE or BE, with a byte-order mark or
/// told by its zero bytes) or Windows-1252; collection decodes the others to UTF-8 before
/// redaction. Binary is a known signature (ELF, zip, SQLite, Windows event log, Mach-O, xz,
/// bzip2, zstd, PDF, and images: PNG, JPEG, GIF, WebP, BMP, TIFF, HEIF), or more than one byte
/// in ten a control byte other than tab, newline, carriage return, form feed, backspace and
/// escape (NUL counts). So a log with a few NULs (a crash that zero-filled a block) or colour
/// escapes is text, and bytes that are not valid UTF-8 (a Latin-1 log) do not make it binary.
/// An empty sample is text.
pub fn is_binary(sample: &[u8]) -> bool {
    !matches!(sniff(sample), Sniffed::Text(_))
}

/// Plans a collection. Stops early when `cancel` becomes true, returning what was planned so far.
pub fn plan(request: &PlanRequest<'_>, cancel: &AtomicBool) -> Plan {
    let guarded = request
        .own_folders
        .iter()
        .filter_map(|own| {
            let canonical = std::fs::canonicalize(&own.path).ok()?;
            let identity = std::fs::metadata(&canonical)
                .ok()
                .and_then(|m| FileIdentity::of(&m));
            Some(Guarded {
                canonical,
                identity,
                detail: own.detail.clone(),
                reported: false,
                screenshots: own
                    .screenshots
                    .as_ref()
                    .and_then(|dir| std::fs::canonicalize(dir).ok()),
            })
        })
        .collect();
    let mut planner = Planner {
        request,
        cancel,
        found: Vec::new(),
        skipped: Vec::new(),
        seen: BTreeSet::new(),
        guarded,
        planning_screenshots: false,
    };
    planner.profile_sources();
    for added in request.add {
        if planner.cancelled() {
            break;
        }
        planner.added(added, "attachments");
    }
    planner.planning_screenshots = true;
    for screenshot in request.screenshots {
        if planner.cancelled() {
            break;
        }
        planner.added(screenshot, "screenshots");
    }
    planner.finish()
}

/// A planned item before its entry name is made unique.
struct Found {
    entry: String,
    item: PlannedItem,
}

/// What identifies a file, to plan it once however it was reached.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum FileKey {
    /// Device and inode.
    #[cfg_attr(not(unix), allow(dead_code))]
    Inode(u64, u64),
    /// The canonical path, where inodes are not available.
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

/// What planning a file under a root needs to know about where it came from.
#[derive(Clone, Copy)]
struct Origin<'a> {
    /// The canonical root the file must stay within.
    root: &'a Path,
    /// The evidence id, for profile files.
    evidence_id: Option<&'a str>,
    /// Keep only this many trailing bytes.
    max_bytes: Option<u64>,
    /// An added file: images (told by their content) are taken, to be cleaned.
    added: bool,
    /// For a per-user source, the owner of the home (Unix uid): a file there that belongs to
    /// someone else and has other hard links may be a link to a file the user could not read.
    home_owner: Option<u32>,
}

struct Planner<'a> {
    request: &'a PlanRequest<'a>,
    cancel: &'a AtomicBool,
    found: Vec<Found>,
    skipped: Vec<Skipped>,
    seen: BTreeSet<FileKey>,
    guarded: Vec<Guarded>,
    /// The request's screenshots are being planned: the data folder's `screenshots/` is open.
    planning_screenshots: bool,
}

impl Planner<'_> {
    /// True (and the folder reported as skipped, once) when `canonical`, a canonical path, is
    /// one of Casefile's own folders or inside one.
    fn is_own(&mut self, canonical: &Path) -> bool {
        let screenshots = self.planning_screenshots;
        let Some(index) = self.guarded.iter().position(|guarded| {
            canonical.starts_with(&guarded.canonical)
                && !(screenshots
                    && guarded
                        .screenshots
                        .as_ref()
                        .is_some_and(|dir| canonical.starts_with(dir)))
        }) else {
            return false;
        };
        self.report_own(index);
        true
    }

    /// True (and reported) when the folder with `metadata` (followed) is one of Casefile's own.
    fn is_own_folder(&mut self, path: &Path, metadata: Option<&Metadata>) -> bool {
        let identity = metadata.and_then(FileIdentity::of);
        let index = match identity {
            Some(identity) => self
                .guarded
                .iter()
                .position(|guarded| guarded.identity == Some(identity)),
            None => std::fs::canonicalize(path).ok().and_then(|canonical| {
                self.guarded
                    .iter()
                    .position(|guarded| canonical.starts_with(&guarded.canonical))
            }),
        };
        let Some(index) = index else {
            return false;
        };
        self.report_own(index);
        true
    }

    fn report_own(&mut self, index: usize) {
        if let Some(guarded) = self.guarded.get_mut(index)
            && !guarded.reported
        {
            guarded.reported = true;
            let source = guarded.canonical.clone();
            let detail = guarded.detail.clone();
            self.skip(&source, SkipReason::CasefileData, detail);
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    fn skip(&mut self, source: &Path, reason: SkipReason, detail: impl Into<String>) {
        self.skipped.push(Skipped {
            source: source.display().to_string(),
            reason,
            detail: detail.into(),
        });
    }

    fn profile_sources(&mut self) {
        let request = self.request;
        let env = request.env;
        let profile = request.profile;
        let os = env.os;
        let os_name = os_name(os);
        let wanted: Vec<&crate::profile::schema::Evidence> = match request.evidence {
            None => profile
                .evidence
                .iter()
                .filter(|evidence| evidence.sources.iter().any(|source| source.os == os))
                .collect(),
            Some(ids) => {
                let mut wanted = Vec::new();
                for id in ids {
                    match profile.evidence.iter().find(|evidence| &evidence.id == id) {
                        Some(evidence) if evidence.sources.iter().any(|s| s.os == os) => {
                            wanted.push(evidence);
                        }
                        // Screenshots are the user's to add; when some are, nothing is missing.
                        Some(evidence)
                            if evidence.id == SCREENSHOT_ID && !request.screenshots.is_empty() => {}
                        Some(evidence) => self.skipped.push(Skipped {
                            source: id.clone(),
                            reason: SkipReason::NotFound,
                            detail: format!(
                                "{} has nothing Casefile can collect on {os_name}; add the file or folder yourself",
                                evidence.label
                            ),
                        }),
                        None => {
                            let valid: Vec<&str> = profile
                                .evidence
                                .iter()
                                .map(|evidence| evidence.id.as_str())
                                .collect();
                            self.skipped.push(Skipped {
                                source: id.clone(),
                                reason: SkipReason::NotFound,
                                detail: format!(
                                    "the {} profile has no evidence kind {id:?}; it has {}",
                                    profile.id,
                                    if valid.is_empty() {
                                        "none".to_owned()
                                    } else {
                                        valid.join(", ")
                                    }
                                ),
                            });
                        }
                    }
                }
                wanted
            }
        };
        let root = match fs_err::canonicalize(&env.root) {
            Ok(root) => root,
            Err(error) => {
                for evidence in &wanted {
                    self.skipped.push(Skipped {
                        source: evidence.id.clone(),
                        reason: SkipReason::NotFound,
                        detail: format!("the root folder cannot be opened: {error}"),
                    });
                }
                return;
            }
        };
        for evidence in wanted {
            for source in evidence.sources.iter().filter(|source| source.os == os) {
                let origin = Origin {
                    root: &root,
                    evidence_id: Some(&evidence.id),
                    max_bytes: Some(source.max_size_or_default().0),
                    added: false,
                    home_owner: None,
                };
                for template in &source.paths {
                    if self.cancelled() {
                        return;
                    }
                    self.template(template, origin);
                }
                for command in &source.commands {
                    let entry = format!(
                        "commands/{}.txt",
                        sanitize_component(OsStr::new(&command.name))
                    );
                    if !env.is_live() {
                        self.skipped.push(Skipped {
                            source: command.argv.join(" "),
                            reason: SkipReason::CommandFailed,
                            detail: format!(
                                "not run: collecting from {} (not the running system), whose commands cannot run here",
                                env.root.display()
                            ),
                        });
                        continue;
                    }
                    self.found.push(Found {
                        entry: entry.clone(),
                        item: PlannedItem {
                            entry,
                            source: ItemSource::Command(command.spec()),
                            evidence_id: Some(evidence.id.clone()),
                            size: 0,
                            modified: None,
                            max_bytes: None,
                            sniffed: None,
                            identity: None,
                            required_binary: false,
                        },
                    });
                }
            }
        }
    }

    /// Plans every match of one profile path template; the matches of a per-user pattern must
    /// stay inside that user's canonical home.
    fn template(&mut self, template: &str, origin: Origin<'_>) {
        let env = self.request.env;
        let patterns = match expand_per_home(template, env) {
            Ok(patterns) => patterns,
            Err(error) => {
                self.skipped.push(Skipped {
                    source: template.to_owned(),
                    reason: SkipReason::NotFound,
                    detail: error,
                });
                return;
            }
        };
        let mut matched_any = false;
        let mut looked = Vec::new();
        for (pattern, home) in &patterns {
            let local = to_local(pattern, env);
            let home_root = match home {
                Some(home) => match self.home_root(&to_local(&home.path, env), origin.root) {
                    Ok(root) => Some(root),
                    Err(reported) => {
                        looked.push(local.display().to_string());
                        matched_any |= reported;
                        continue;
                    }
                },
                None => None,
            };
            let origin = Origin {
                root: home_root.as_deref().unwrap_or(origin.root),
                home_owner: home_root.as_deref().and_then(owner_of),
                ..origin
            };
            let mut matches = Vec::new();
            self.glob(&local, &mut matches);
            matched_any |= !matches.is_empty();
            for path in matches {
                if self.cancelled() {
                    return;
                }
                self.path(&path, origin, &|path| entry_name(path, env));
            }
            looked.push(local.display().to_string());
        }
        // Something that exists but was planned already (by an earlier kind) or skipped with
        // its own reason is not "not found".
        if !matched_any {
            let detail = match looked.len() {
                0 => "no user homes to look in".to_owned(),
                1 => "nothing matches".to_owned(),
                n => format!("nothing matches in any of {n} homes"),
            };
            self.skipped.push(Skipped {
                source: looked
                    .first()
                    .cloned()
                    .unwrap_or_else(|| template.to_owned()),
                reason: SkipReason::NotFound,
                detail,
            });
        }
    }

    /// A user's home as the root its per-user sources must stay in: canonicalised, and itself
    /// inside the collection's `root`. `Err(true)` when it cannot be resolved or leads out of
    /// the root (reported as skipped, once per home), `Err(false)` when it does not exist.
    fn home_root(&mut self, home: &Path, root: &Path) -> Result<PathBuf, bool> {
        match std::fs::canonicalize(home) {
            Ok(canonical) if canonical.starts_with(root) => Ok(canonical),
            Ok(canonical) => {
                let source = home.display().to_string();
                if !self.skipped.iter().any(|skip| skip.source == source) {
                    self.skip(
                        home,
                        SkipReason::OutsideRoots,
                        format!(
                            "this home is a symbolic link to {}, outside {}; nothing in it is collected",
                            canonical.display(),
                            root.display()
                        ),
                    );
                }
                Err(true)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Err(false),
            Err(error) => {
                let source = home.display().to_string();
                if !self.skipped.iter().any(|skip| skip.source == source) {
                    self.unresolvable(home, &error);
                }
                Err(true)
            }
        }
    }

    /// Every existing path matching a local pattern (`*`, `?`, `[...]` within a component,
    /// `**` for any number of folders). A pattern without glob characters is returned as is,
    /// whether or not it exists.
    fn glob(&mut self, pattern: &Path, out: &mut Vec<PathBuf>) {
        let components: Vec<Component<'_>> = pattern.components().collect();
        let first_glob = components.iter().position(|component| match component {
            Component::Normal(name) => name.to_str().is_some_and(has_glob),
            _ => false,
        });
        let Some(first_glob) = first_glob else {
            // A missing literal path is reported once per template by the caller.
            if !is_missing(pattern) {
                out.push(pattern.to_path_buf());
            }
            return;
        };
        let base: PathBuf = components.iter().take(first_glob).collect();
        let rest: Vec<String> = components
            .iter()
            .skip(first_glob)
            .map(|component| component.as_os_str().to_string_lossy().into_owned())
            .collect();
        let case_sensitive = self.request.env.os == Os::Linux;
        self.walk_glob(&base, &rest, case_sensitive, out);
    }

    fn walk_glob(
        &mut self,
        dir: &Path,
        rest: &[String],
        case_sensitive: bool,
        out: &mut Vec<PathBuf>,
    ) {
        let Some((first, tail)) = rest.split_first() else {
            out.push(dir.to_path_buf());
            return;
        };
        if self.cancelled() {
            return;
        }
        if first == "**" {
            // Zero folders, then every folder below (symbolic links are not followed here).
            self.walk_glob(dir, tail, case_sensitive, out);
            for entry in WalkDir::new(dir)
                .min_depth(1)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_dir())
            {
                self.walk_glob(entry.path(), tail, case_sensitive, out);
            }
            return;
        }
        if !has_glob(first) {
            let next = dir.join(first);
            if tail.is_empty() || next.is_dir() {
                if tail.is_empty() && is_missing(&next) {
                    return;
                }
                self.walk_glob(&next, tail, case_sensitive, out);
            }
            return;
        }
        let Ok(pattern) = glob::Pattern::new(first) else {
            self.skip(
                &dir.join(first),
                SkipReason::NotFound,
                "not a valid glob pattern (check the [...] brackets)",
            );
            return;
        };
        let options = glob::MatchOptions {
            case_sensitive,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return,
            Err(error) if error.kind() == io::ErrorKind::NotADirectory => return,
            Err(error) => {
                let reason = reason_for(&error);
                self.skip(dir, reason, error.to_string());
                return;
            }
        };
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .collect();
        names.sort();
        for name in names {
            let matched = name
                .to_str()
                .is_some_and(|name| pattern.matches_with(name, options));
            if matched {
                let next = dir.join(&name);
                if tail.is_empty() || next.is_dir() {
                    self.walk_glob(&next, tail, case_sensitive, out);
                }
            }
        }
    }

    /// Plans one path found for a profile source or added by the user: a file, or everything
    /// under a folder. `name` gives a file's entry name. The path, with every symbolic link in
    /// it resolved, must stay within the origin's root.
    fn path(&mut self, path: &Path, origin: Origin<'_>, name: &dyn Fn(&Path) -> String) {
        match std::fs::canonicalize(path) {
            Ok(target) if self.is_own(&target) => return,
            Ok(target) if target.starts_with(origin.root) => {}
            Ok(target) => {
                self.skip(
                    path,
                    SkipReason::OutsideRoots,
                    format!(
                        "leads through a symbolic link to {}, outside {}",
                        target.display(),
                        origin.root.display()
                    ),
                );
                return;
            }
            Err(error) => {
                self.unresolvable(path, &error);
                return;
            }
        }
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                self.skip(path, reason_for(&error), error.to_string());
                return;
            }
        };
        if metadata.is_dir() {
            self.folder(path, origin, name);
        } else {
            self.file(path, &metadata, origin, name);
        }
    }

    /// Records why a path cannot be resolved: a loop, a dangling link, a missing file...
    fn unresolvable(&mut self, path: &Path, error: &io::Error) {
        if is_loop(error) {
            self.skip(path, SkipReason::SymlinkLoop, error.to_string());
        } else if error.kind() == io::ErrorKind::NotFound {
            match std::fs::read_link(path) {
                Ok(target) => self.skip(
                    path,
                    SkipReason::NotFound,
                    format!(
                        "a symbolic link to {}, which does not exist",
                        target.display()
                    ),
                ),
                Err(_) => self.skip(path, SkipReason::NotFound, "does not exist"),
            }
        } else {
            self.skip(path, reason_for(error), error.to_string());
        }
    }

    /// Plans everything under a folder; symbolic links are followed only within the root.
    fn folder(&mut self, dir: &Path, origin: Origin<'_>, name: &dyn Fn(&Path) -> String) {
        let mut walk = WalkDir::new(dir)
            .min_depth(1)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        while let Some(next) = walk.next() {
            if self.cancelled() {
                return;
            }
            let entry = match next {
                Ok(entry) => entry,
                Err(error) => {
                    let path = error.path().unwrap_or(dir).to_path_buf();
                    if let Some(ancestor) = error.loop_ancestor() {
                        self.skip(
                            &path,
                            SkipReason::SymlinkLoop,
                            format!(
                                "a symbolic link back to {}, which contains it",
                                ancestor.display()
                            ),
                        );
                    } else if let Some(io_error) = error.io_error() {
                        if io_error.kind() == io::ErrorKind::NotFound {
                            let target = std::fs::read_link(&path)
                                .map(|target| target.display().to_string())
                                .unwrap_or_default();
                            self.skip(
                                &path,
                                SkipReason::NotFound,
                                format!("a symbolic link to {target}, which does not exist"),
                            );
                        } else if is_loop(io_error) {
                            self.skip(&path, SkipReason::SymlinkLoop, io_error.to_string());
                        } else {
                            self.skip(&path, reason_for(io_error), io_error.to_string());
                        }
                    } else {
                        self.skip(&path, SkipReason::Unreadable, error.to_string());
                    }
                    continue;
                }
            };
            if entry.path_is_symlink() {
                match std::fs::canonicalize(entry.path()) {
                    Ok(target) if self.is_own(&target) => {
                        if entry.file_type().is_dir() {
                            walk.skip_current_dir();
                        }
                        continue;
                    }
                    Ok(target) if target.starts_with(origin.root) => {}
                    Ok(target) => {
                        self.skip(
                            entry.path(),
                            SkipReason::OutsideRoots,
                            format!(
                                "a symbolic link to {}, outside {}",
                                target.display(),
                                origin.root.display()
                            ),
                        );
                        if entry.file_type().is_dir() {
                            walk.skip_current_dir();
                        }
                        continue;
                    }
                    Err(error) => {
                        let reason = if is_loop(&error) {
                            SkipReason::SymlinkLoop
                        } else {
                            reason_for(&error)
                        };
                        self.skip(entry.path(), reason, error.to_string());
                        if entry.file_type().is_dir() {
                            walk.skip_current_dir();
                        }
                        continue;
                    }
                }
            }
            if entry.file_type().is_dir() {
                if !self.guarded.is_empty() {
                    let metadata = entry.metadata().ok();
                    if self.is_own_folder(entry.path(), metadata.as_ref()) {
                        walk.skip_current_dir();
                    }
                }
                continue;
            }
            match entry.metadata() {
                Ok(metadata) => self.file(entry.path(), &metadata, origin, name),
                Err(error) => {
                    let detail = error.to_string();
                    let reason = error.io_error().map_or(SkipReason::Unreadable, reason_for);
                    self.skip(entry.path(), reason, detail);
                }
            }
        }
    }

    /// Plans one file whose (followed) metadata is known.
    fn file(
        &mut self,
        path: &Path,
        metadata: &Metadata,
        origin: Origin<'_>,
        name: &dyn Fn(&Path) -> String,
    ) {
        if !metadata.is_file() {
            self.skip(path, SkipReason::NotRegularFile, kind_of(metadata));
            return;
        }
        if let Some(identity) = FileIdentity::of(metadata)
            && let Some(index) = self
                .guarded
                .iter()
                .position(|guarded| guarded.identity == Some(identity))
        {
            // An own file (the config file), or a hard link to one.
            self.report_own(index);
            return;
        }
        if let Some(owner) = origin.home_owner
            && is_foreign_hard_link(metadata, owner)
        {
            self.skip(
                path,
                SkipReason::OutsideRoots,
                "a hard link in a user's home to a file of another user; it may be a file the user could not read, so it is not collected",
            );
            return;
        }
        let key = file_key(path, metadata);
        if self.seen.contains(&key) {
            return;
        }
        let sample = match read_sample(path, FileIdentity::of(metadata)) {
            Ok(sample) => sample,
            Err(error) => {
                self.skip(path, reason_for(&error), error.to_string());
                return;
            }
        };
        let mut entry = name(path);
        let gzip = sample.starts_with(&[0x1f, 0x8b]);
        let content = if gzip {
            if let Some(stripped) = strip_suffix_ignore_case(&entry, ".gz") {
                entry = stripped;
            }
            gunzip_sample(&sample)
        } else {
            sample
        };
        let include_binary = self.request.include_binary;
        let sniffed = sniff(&content);
        let refused = match sniffed {
            Sniffed::Text(_) => None,
            Sniffed::Image(kind) if !kind.cleanable() => Some(format!(
                "a {} image ({} bytes), which Casefile cannot re-encode without its metadata (such as the GPS position); convert it to PNG or JPEG and add that",
                kind.name().to_uppercase(),
                metadata.len()
            )),
            Sniffed::Image(_) if origin.added || include_binary => None,
            Sniffed::Image(kind) => Some(format!(
                "a {} image ({} bytes) in a log folder; include binary files to send it (re-encoded, its metadata dropped)",
                kind.name().to_uppercase(),
                metadata.len()
            )),
            Sniffed::Binary if include_binary => None,
            Sniffed::Binary => Some(format!(
                "binary content ({} bytes); binary files are not redacted, include them explicitly to send them",
                metadata.len()
            )),
        };
        if let Some(detail) = refused {
            self.skip(path, SkipReason::Binary, detail);
            return;
        }
        self.seen.insert(key);
        self.found.push(Found {
            entry: entry.clone(),
            item: PlannedItem {
                entry,
                source: ItemSource::File {
                    path: path.to_path_buf(),
                    gzip,
                },
                evidence_id: origin.evidence_id.map(str::to_owned),
                size: metadata.len(),
                modified: metadata.modified().ok(),
                max_bytes: origin.max_bytes,
                sniffed: Some(sniffed),
                identity: FileIdentity::of(metadata),
                required_binary: false,
            },
        });
    }

    /// Plans a path the user added: a file as `FOLDER/NAME` (`attachments`, `screenshots`), a
    /// folder as `FOLDER/ADDED/...`; symbolic links inside may not leave it.
    fn added(&mut self, added: &Path, folder: &'static str) {
        let top = added
            .file_name()
            .map(sanitize_component)
            .unwrap_or_else(|| "attachment".to_owned());
        let root = match std::fs::canonicalize(added) {
            Ok(root) => root,
            Err(error) => {
                self.unresolvable(added, &error);
                return;
            }
        };
        let base = added.to_path_buf();
        let name = move |path: &Path| -> String {
            let relative = path.strip_prefix(&base).unwrap_or(Path::new(""));
            let mut entry = format!("{folder}/{top}");
            for component in relative.components() {
                if let Component::Normal(part) = component {
                    entry.push('/');
                    entry.push_str(&sanitize_component(part));
                }
            }
            entry
        };
        let origin = Origin {
            root: &root,
            evidence_id: None,
            max_bytes: None,
            added: true,
            home_owner: None,
        };
        self.path(added, origin, &name);
    }

    /// Makes entry names unique and sorts the items.
    fn finish(self) -> Plan {
        let mut found = self.found;
        found.sort_by(|a, b| {
            a.entry
                .cmp(&b.entry)
                .then_with(|| source_text(&a.item).cmp(&source_text(&b.item)))
        });
        let mut taken = BTreeSet::new();
        let mut items = Vec::with_capacity(found.len());
        for Found { entry, mut item } in found {
            let mut unique = entry.clone();
            let mut counter = 2;
            while taken.contains(&unique.to_lowercase()) {
                unique = numbered(&entry, counter);
                counter += 1;
            }
            taken.insert(unique.to_lowercase());
            item.entry = unique;
            items.push(item);
        }
        items.sort_by(|a, b| a.entry.cmp(&b.entry));
        Plan {
            items,
            skipped: self.skipped,
        }
    }
}

fn source_text(item: &PlannedItem) -> String {
    match &item.source {
        ItemSource::File { path, .. } => path.display().to_string(),
        ItemSource::Command(spec) => spec.argv.join(" "),
        ItemSource::Generated(_) => String::new(),
    }
}

/// `logs/a/b.log` numbered 2: `logs/a/b (2).log`; the extension is what follows the last dot
/// of the last component (not a leading dot).
fn numbered(entry: &str, counter: u32) -> String {
    let (folder, file) = match entry.rfind('/') {
        Some(slash) => entry.split_at(slash + 1),
        None => ("", entry),
    };
    match file.rfind('.').filter(|&dot| dot > 0) {
        Some(dot) => format!("{folder}{} ({counter}){}", &file[..dot], &file[dot..]),
        None => format!("{folder}{file} ({counter})"),
    }
}

/// True when nothing at all is at `path` (not even a dangling link); other errors, such as a
/// folder that may not be listed, are left for planning to report.
fn is_missing(path: &Path) -> bool {
    matches!(std::fs::symlink_metadata(path), Err(error) if error.kind() == io::ErrorKind::NotFound)
}

fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

fn strip_suffix_ignore_case(text: &str, suffix: &str) -> Option<String> {
    let split = text.len().checked_sub(suffix.len())?;
    let (head, tail) = (text.get(..split)?, text.get(split..)?);
    (tail.eq_ignore_ascii_case(suffix) && !head.ends_with('/')).then(|| head.to_owned())
}

fn os_name(os: Os) -> &'static str {
    match os {
        Os::Windows => "Windows",
        Os::Macos => "macOS",
        Os::Linux => "Linux",
    }
}

/// Reads up to [`SAMPLE_SIZE`] bytes from the start of a regular file.
fn read_sample(path: &Path, identity: Option<FileIdentity>) -> io::Result<Vec<u8>> {
    let file = open_planned(path, identity)?;
    let mut sample = Vec::with_capacity(SAMPLE_SIZE);
    file.take(SAMPLE_SIZE as u64).read_to_end(&mut sample)?;
    Ok(sample)
}

/// A compressed log's decompressed size went over its cap ([`GzipCap`]).
#[derive(Debug)]
pub struct TooLarge(pub String);

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TooLarge {}

/// The most a gzip log may expand to, whatever its size.
pub const GZIP_MAX_OUTPUT: u64 = 4 << 30;
/// Up to this much, any compression ratio is accepted.
pub const GZIP_FREE_OUTPUT: u64 = 64 << 20;
/// Beyond [`GZIP_FREE_OUTPUT`], a gzip log may expand at most this many times its size (logs
/// compress 5 to 50 times; a bomb of zeros a thousand times).
pub const GZIP_MAX_RATIO: u64 = 250;

/// A reader of decompressed gzip output that fails with a [`TooLarge`] error once the output
/// passes the cap for a file of `compressed` bytes: [`GZIP_MAX_OUTPUT`], and
/// [`GZIP_MAX_RATIO`] times `compressed` beyond [`GZIP_FREE_OUTPUT`].
pub struct GzipCap<R> {
    inner: R,
    read: u64,
    cap: u64,
    compressed: u64,
}

/// The most a gzip file of `compressed` bytes may expand to (see [`GzipCap`]).
pub fn gzip_cap(compressed: u64) -> u64 {
    compressed
        .saturating_mul(GZIP_MAX_RATIO)
        .clamp(GZIP_FREE_OUTPUT, GZIP_MAX_OUTPUT)
}

impl<R: Read> GzipCap<R> {
    /// Caps `inner`, the decompressed stream of a file of `compressed` bytes.
    pub fn new(inner: R, compressed: u64) -> GzipCap<R> {
        GzipCap {
            inner,
            read: 0,
            cap: gzip_cap(compressed),
            compressed,
        }
    }
}

impl<R: Read> Read for GzipCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.cap {
            return Err(io::Error::other(TooLarge(format!(
                "a compressed log of {} bytes that expands past {} bytes (the cap is {GZIP_MAX_RATIO} times its size beyond {GZIP_FREE_OUTPUT} bytes, and {GZIP_MAX_OUTPUT} bytes at most): left out rather than expanded",
                self.compressed, self.cap
            ))));
        }
        Ok(n)
    }
}

/// The first decompressed bytes of a gzip sample (as many as the sample yields).
fn gunzip_sample(sample: &[u8]) -> Vec<u8> {
    let mut decoder = flate2::read::GzDecoder::new(sample).take(SAMPLE_SIZE as u64);
    let mut out = Vec::new();
    // A sample ends mid-stream, so an "unexpected end" error after some output is normal.
    let _ = decoder.read_to_end(&mut out);
    out
}

/// The owner of a folder (Unix uid).
fn owner_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|metadata| metadata.uid())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether a file belongs to someone other than `owner` and has more than one hard link.
fn is_foreign_hard_link(metadata: &Metadata, owner: u32) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        metadata.uid() != owner && metadata.nlink() > 1
    }
    #[cfg(not(unix))]
    {
        let _ = (metadata, owner);
        false
    }
}

fn file_key(path: &Path, metadata: &Metadata) -> FileKey {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        FileKey::Inode(metadata.dev(), metadata.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        FileKey::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

/// What a non-regular file is, for a person.
fn kind_of(metadata: &Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        let what = if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else {
            "not a regular file"
        };
        format!("{what}; only regular files are collected")
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        "not a regular file; only regular files are collected".to_owned()
    }
}

fn is_loop(error: &io::Error) -> bool {
    // ELOOP is 40 on Linux and 62 on macOS and the BSDs.
    matches!(error.raw_os_error(), Some(40) if cfg!(target_os = "linux"))
        || matches!(error.raw_os_error(), Some(62) if cfg!(target_os = "macos"))
}

/// Why [`open_planned`] refused a file: it is no longer the planned regular file.
#[derive(Debug)]
pub struct Changed(pub String);

impl std::fmt::Display for Changed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Changed {}

fn changed(detail: impl Into<String>) -> io::Error {
    io::Error::other(Changed(detail.into()))
}

/// Opens a planned file for reading without being fooled by a swap: the last component is not
/// followed (`O_NOFOLLOW`), the open never waits (`O_NONBLOCK`, so a FIFO put in its place cannot
/// hang the run), and the opened file must be a regular file with the planned `identity`
/// (device and inode). A file planned through a symbolic link inside its root is opened through
/// the link again only when `identity` is known, and then must still be that file. Anything
/// else fails with a [`Changed`] error ([`reason_for`] gives [`SkipReason::Changed`]).
///
/// Non-blocking mode has no effect on reads of a regular file, so the file is read as usual.
/// On Windows the file is opened with `FILE_FLAG_OPEN_REPARSE_POINT`, so a symbolic link or
/// junction put in its place is opened itself and fails the regular-file check (a file planned
/// through a link is therefore skipped there); there are no inodes to compare, so a plain
/// file swapped for another plain file is not noticed on Windows.
pub fn open_planned(path: &Path, identity: Option<FileIdentity>) -> io::Result<std::fs::File> {
    let (file, followed) = match open_no_follow(path) {
        Ok(file) => (file, false),
        Err(error) if is_link_refused(&error) => {
            if identity.is_none() {
                return Err(changed(
                    "is a symbolic link now; it was not one when planned, so it is not followed",
                ));
            }
            (open_following(path)?, true)
        }
        Err(error) => return Err(error),
    };
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(changed(format!(
            "is no longer the regular file that was planned: it is {}",
            kind_of(&metadata)
                .split(';')
                .next()
                .unwrap_or("not a regular file")
        )));
    }
    if let (Some(planned), Some(now)) = (identity, FileIdentity::of(&metadata))
        && planned != now
    {
        return Err(changed(if followed {
            "is now a symbolic link to another file than the one planned (its device and inode differ); it is not followed"
        } else {
            "was replaced by another file after it was planned (its device and inode differ); the replacement is not read"
        }));
    }
    Ok(file)
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(unix)]
fn open_following(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(unix)]
fn is_link_refused(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::ELOOP)
}

#[cfg(windows)]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    use std::os::windows::fs::OpenOptionsExt;
    // Opens a reparse point (symbolic link, junction) itself instead of what it points at.
    const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)
}

#[cfg(not(any(unix, windows)))]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(not(unix))]
fn open_following(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(not(unix))]
fn is_link_refused(_error: &io::Error) -> bool {
    false
}

/// The skip reason for an I/O error met opening or reading a file: not found, permission
/// denied, a symbolic link loop, a file changed since planning ([`open_planned`]), a
/// decompressed size over its cap, or unreadable. Collection uses it for errors met while
/// reading.
pub fn reason_for(error: &io::Error) -> SkipReason {
    if error.get_ref().is_some_and(|inner| inner.is::<Changed>()) {
        return SkipReason::Changed;
    }
    if error.get_ref().is_some_and(|inner| inner.is::<TooLarge>()) {
        return SkipReason::TooLarge;
    }
    match error.kind() {
        io::ErrorKind::NotFound => SkipReason::NotFound,
        io::ErrorKind::PermissionDenied => SkipReason::PermissionDenied,
        _ if is_loop(error) => SkipReason::SymlinkLoop,
        _ => SkipReason::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_rule_reads_magic_and_control_bytes() {
        assert!(!is_binary(b""));
        assert!(!is_binary(b"2026-11-23 10:00:00 INFO started\n"));
        let mut log = b"line one\n".repeat(100);
        log.extend_from_slice(&[0; 5]);
        assert!(!is_binary(&log), "a few NULs keep a log text");
        assert!(!is_binary("caf\u{e9} \x1b[31mred\x1b[0m\n".as_bytes()));
        assert!(!is_binary(b"latin-1 caf\xe9\n"));
        assert!(is_binary(b"\x7fELF\x02\x01\x01"));
        assert!(is_binary(b"SQLite format 3\0rest"));
        assert!(is_binary(&[0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
        // UTF-16 is text (decoded when collected); an image is not.
        let utf16: Vec<u8> = "\u{feff}user=alice\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(!is_binary(&utf16));
        assert!(!is_binary(&utf16[2..]), "without its byte-order mark too");
        assert!(is_binary(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
    }

    #[test]
    fn screenshots_land_in_their_own_folder_and_satisfy_the_screenshot_kind() {
        let folder = tempfile::tempdir().expect("temp dir");
        let shot = folder.path().join("login error.png");
        std::fs::write(&shot, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake pixels").expect("png");
        let other = folder.path().join("notes.txt");
        std::fs::write(&other, "FAKE-token-notes").expect("notes");
        let catalog = crate::profile::Catalog::load(None);
        let profile = &catalog.get("jetpatch").expect("jetpatch").profile;
        let env = super::super::resolve::Env::under_root(Os::Linux, folder.path());
        let kinds = [SCREENSHOT_ID.to_owned()];
        let request = |screenshots: &'_ [PathBuf]| {
            let planned = plan(
                &PlanRequest {
                    profile,
                    env: &env,
                    evidence: Some(&kinds),
                    add: std::slice::from_ref(&other),
                    screenshots,
                    include_binary: false,
                    own_folders: &[],
                },
                &AtomicBool::new(false),
            );
            let entries: Vec<String> = planned.items.iter().map(|i| i.entry.clone()).collect();
            (entries, planned.skipped)
        };
        let (entries, skipped) = request(std::slice::from_ref(&shot));
        assert_eq!(
            entries,
            vec!["attachments/notes.txt", "screenshots/login error.png"]
        );
        assert!(skipped.is_empty(), "{skipped:?}");
        // Without screenshots, the kind is reported as the user's to attach.
        let (entries, skipped) = request(&[]);
        assert_eq!(entries, vec!["attachments/notes.txt"]);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
    }

    #[test]
    fn a_drafts_screenshot_items_are_planned_as_screenshots() {
        let folder = tempfile::tempdir().expect("temp dir");
        std::fs::write(folder.path().join("a.png"), b"\x89PNG\r\n\x1a\n").expect("png");
        std::fs::write(folder.path().join("b.txt"), b"text").expect("txt");
        let catalog = crate::profile::Catalog::load(None);
        let profile = &catalog.get("jetpatch").expect("jetpatch").profile;
        let mut request = crate::request::Request::default();
        for (evidence_id, path) in [("screenshot", "a.png"), ("", "b.txt")] {
            request.evidence.push(crate::request::EvidenceItem {
                evidence_id: evidence_id.to_owned(),
                path: path.to_owned(),
                note: String::new(),
            });
        }
        let mut options = super::super::collect::CollectOptions::default();
        options
            .for_draft(&request, profile, folder.path())
            .expect("for draft");
        assert_eq!(options.screenshots, vec![folder.path().join("a.png")]);
        assert_eq!(options.add, vec![folder.path().join("b.txt")]);
    }

    #[test]
    fn numbering_goes_before_the_extension() {
        assert_eq!(numbered("logs/a/b.log", 2), "logs/a/b (2).log");
        assert_eq!(numbered("attachments/notes", 3), "attachments/notes (3)");
        assert_eq!(numbered("logs/.hidden", 2), "logs/.hidden (2)");
    }
}
