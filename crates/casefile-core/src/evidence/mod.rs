//! Evidence collection: plan what to gather, gather it, and report what was left out and why.
//!
//! [`plan`] turns a profile's sources for one OS, plus the paths the user adds, into
//! [`PlannedItem`]s and [`Skipped`] entries; [`command`] runs commands with a timeout and an
//! output cap; [`snapshot`] describes the machine; [`window`] cuts logs to the incident window;
//! [`collect`] runs the whole thing into a bundle (see [`crate::bundle`]), redacting on the way
//! (see [`crate::redact`]).

pub mod collect;
pub mod command;
pub mod merge;
pub mod plan;
pub mod resolve;
pub mod screenshot;
pub mod snapshot;
pub mod summary;
pub mod window;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// One thing that will go into the bundle.
#[derive(Debug, Clone)]
pub struct PlannedItem {
    /// The entry name inside the bundle, before pseudonymization: `/`-separated, relative, no
    /// `..`, no control characters (`logs/var/log/jcagent.log`, `attachments/notes/a.txt`).
    pub entry: String,
    /// Where the bytes come from.
    pub source: ItemSource,
    /// The profile evidence id this item was planned for, if any.
    pub evidence_id: Option<String>,
    /// Size on disk when planned (for a `.gz` file, the compressed size).
    pub size: u64,
    /// Last modification time, when known.
    pub modified: Option<SystemTime>,
    /// Keep only the last this-many bytes of the (decompressed) content.
    pub max_bytes: Option<u64>,
    /// The planned file's identity (files only, where the OS gives one): reading checks that
    /// the file it opens is still this one, so a file swapped after planning is not read.
    pub identity: Option<FileIdentity>,
    /// A binary file the user attached for evidence the profile requires: stored as it is (it
    /// cannot be redacted) and named so in the manifest, instead of skipped.
    pub required_binary: bool,
}

/// What identifies a file on this machine: its device and inode (Unix). Two paths with the
/// same identity are the same file, whatever links lead to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileIdentity {
    /// The device the file is on.
    pub device: u64,
    /// The file's inode number on that device.
    pub inode: u64,
}

impl FileIdentity {
    /// The identity in `metadata`; `None` where the OS has no inodes (Windows).
    pub fn of(metadata: &std::fs::Metadata) -> Option<FileIdentity> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileIdentity {
                device: metadata.dev(),
                inode: metadata.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            None
        }
    }
}

/// Where an item's bytes come from.
#[derive(Debug, Clone)]
pub enum ItemSource {
    /// A regular file; `gzip` when it is a gzip-compressed log to be stored decompressed.
    File {
        /// The path to open.
        path: PathBuf,
        /// Decompress while reading.
        gzip: bool,
    },
    /// A command to run; its standard output (and standard error, after a separator) is the content.
    Command(CommandSpec),
    /// Bytes made by Casefile itself (the support snapshot, a command's captured output).
    Generated(Vec<u8>),
}

/// A command to run as an argument vector, never through a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Kill the command after this long.
    pub timeout: Duration,
    /// Keep at most this many bytes of output (the tail).
    pub max_output: u64,
}

/// Something that was asked for but is not (wholly) in the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// The path, glob or command, as the user would recognise it (pseudonymized before it is
    /// written to a bundle).
    pub source: String,
    /// Why.
    pub reason: SkipReason,
    /// Detail for a person: the OS error, the link target, the size.
    pub detail: String,
}

/// Why an item was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Nothing matched the path or glob.
    NotFound,
    /// The OS refused to open or list it.
    PermissionDenied,
    /// A FIFO, socket, device or other non-regular file.
    NotRegularFile,
    /// A symbolic link that leaves the allowed roots.
    OutsideRoots,
    /// A symbolic link loop.
    SymlinkLoop,
    /// Binary content, left out of redaction; include it explicitly to send it.
    Binary,
    /// Dropped because the size budget could not fit it even trimmed.
    OverBudget,
    /// Wholly outside the `--since`/`--until` window.
    OutsideWindow,
    /// A command that could not run, failed, or timed out.
    CommandFailed,
    /// Any other read error.
    Unreadable,
    /// Casefile's own data or configuration folder (the pseudonym key, the mapping, drafts,
    /// the outbox, `config.toml`, user profiles): never sent, whatever the path or link.
    CasefileData,
    /// The file was replaced (by a link, a FIFO, another file) between planning and reading.
    Changed,
    /// A compressed log whose decompressed size is over the cap (or its compression ratio is
    /// implausible for a log): left out rather than expanded.
    TooLarge,
}
