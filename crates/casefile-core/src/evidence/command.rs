//! Running a command for evidence: an argument vector (never a shell), no input, a timeout and
//! a cap on the output that keeps its tail.
//!
//! Standard output and standard error are read by two threads at once, so a command that fills
//! one pipe while Casefile waits on the other cannot deadlock. Each keeps its last
//! `max_output` bytes in a ring. On timeout the child is killed; a grandchild that inherited the
//! pipes may keep them open, so the readers are given a short grace period after the kill and
//! then abandoned (their threads end when the grandchild does), and `run` returns. Output in
//! UTF-16 or another encoding (`wmic`) is decoded to UTF-8, each stream on its own.
//!
//! A command runs with a cleaned environment ([`command_env`]): nothing of Casefile's own
//! environment reaches it but a short allow-list (`PATH`, `HOME`, the locale forced to `C`, and
//! on Windows the variables programs need to start), so `CASEFILE_SECRET_*` channel secrets,
//! tokens and proxies set for Casefile never do.

use std::collections::VecDeque;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use super::CommandSpec;
use super::encoding::Encoding;

/// What a command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The tail of standard output, then, when standard error is not empty, a line
    /// `--- stderr ---` (on a line of its own) and the tail of standard error.
    pub bytes: Vec<u8>,
    /// The exit code; `None` when killed (timeout) or ended by a signal.
    pub status: Option<i32>,
    /// The command ran past its timeout and was killed.
    pub timed_out: bool,
    /// Some output was dropped to respect `max_output` (stdout or stderr, each capped).
    pub truncated: bool,
    /// How long it ran.
    pub duration: Duration,
    /// The encoding the output was decoded from to UTF-8, when it was not UTF-8 (`wmic` and
    /// other Windows tools write UTF-16 to a pipe); each stream is judged on its own.
    pub decoded_from: Option<Encoding>,
}

/// Why a command could not run.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The argument vector is empty.
    #[error("the command has no program: give argv at least the program's name")]
    Empty,
    /// The program does not exist.
    #[error("program {program:?} not found: it is not installed or not on PATH")]
    NotFound {
        /// argv\[0\].
        program: String,
    },
    /// The program exists but could not be started.
    #[error("cannot start {program:?}: {source}")]
    CannotStart {
        /// argv\[0\].
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The line between standard output and standard error in [`CommandOutput::bytes`].
pub const STDERR_SEPARATOR: &[u8] = b"--- stderr ---\n";

/// How long to keep reading after a kill before abandoning pipes held open by grandchildren.
const GRACE: Duration = Duration::from_millis(500);

/// How often to check whether the child has ended.
const POLL: Duration = Duration::from_millis(10);

/// Runs a command: no shell, standard input closed, output tails kept, killed after the timeout.
pub fn run(spec: &CommandSpec) -> Result<CommandOutput, CommandError> {
    let (program, args) = spec.argv.split_first().ok_or(CommandError::Empty)?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(command_env(|name| std::env::var(name).ok()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                CommandError::NotFound {
                    program: program.clone(),
                }
            } else {
                CommandError::CannotStart {
                    program: program.clone(),
                    source,
                }
            }
        })?;
    let cap = usize::try_from(spec.max_output).unwrap_or(usize::MAX);
    let (done, finished) = mpsc::channel();
    let tails = [
        Arc::new(Mutex::new(Tail::default())),
        Arc::new(Mutex::new(Tail::default())),
    ];
    let pipes = [
        child
            .stdout
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    ];
    let mut pending = 0;
    for (pipe, tail) in pipes.into_iter().zip(&tails) {
        if let Some(pipe) = pipe {
            pending += 1;
            let done = done.clone();
            let tail = Arc::clone(tail);
            thread::spawn(move || {
                read_tail(pipe, cap, &tail);
                let _ = done.send(());
            });
        }
    }
    drop(done);

    let deadline = started + spec.timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(POLL),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };

    // The pipes close when the child and every process that inherited them are gone. Wait for
    // the readers until then: after a timeout for a short grace, after a normal exit at most
    // until the command's own deadline (plus the grace). Then take what they have read.
    let reading_deadline = if timed_out {
        Instant::now() + GRACE
    } else {
        deadline.max(Instant::now()) + GRACE
    };
    while pending > 0 {
        let wait = reading_deadline.saturating_duration_since(Instant::now());
        if finished.recv_timeout(wait).is_err() {
            break;
        }
        pending -= 1;
    }
    let take = |tail: &Arc<Mutex<Tail>>| {
        let mut tail = tail
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (std::mem::take(&mut tail.bytes), tail.dropped)
    };
    let (stdout, stdout_cut) = take(&tails[0]);
    let (stderr, stderr_cut) = take(&tails[1]);
    let (stdout, stdout_from) = decode(stdout);
    let (stderr, stderr_from) = decode(stderr);
    let mut bytes = stdout;
    if !stderr.is_empty() {
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(STDERR_SEPARATOR);
        bytes.extend(stderr);
    }
    Ok(CommandOutput {
        bytes,
        status,
        timed_out,
        truncated: stdout_cut || stderr_cut,
        duration: started.elapsed(),
        decoded_from: stdout_from.or(stderr_from),
    })
}

/// A stream's bytes as UTF-8 ([`super::encoding::to_utf8`]), with the encoding it was in.
fn decode(tail: VecDeque<u8>) -> (Vec<u8>, Option<Encoding>) {
    let bytes: Vec<u8> = tail.into_iter().collect();
    match super::encoding::to_utf8(&bytes) {
        (std::borrow::Cow::Owned(decoded), from) => (decoded, from),
        (std::borrow::Cow::Borrowed(_), from) => (bytes, from),
    }
}

/// The `PATH` a command gets when Casefile's own has none (or one that is not plain text).
#[cfg(not(windows))]
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// The `PATH` a command gets when Casefile's own has none.
#[cfg(windows)]
pub const DEFAULT_PATH: &str = r"C:\Windows\system32;C:\Windows;C:\Windows\System32\Wbem;C:\Windows\System32\WindowsPowerShell\v1.0";

/// Variables passed on to commands as they are, when set (Windows needs these to start
/// programs and find its folders; none of them holds a secret).
#[cfg(windows)]
const PASSED_ON: &[&str] = &[
    "HOME",
    "SystemRoot",
    "windir",
    "SystemDrive",
    "TEMP",
    "TMP",
    "ProgramData",
    "ProgramFiles",
    "ProgramFiles(x86)",
    "ProgramW6432",
    "CommonProgramFiles",
    "ALLUSERSPROFILE",
    "USERPROFILE",
    "COMPUTERNAME",
    "PATHEXT",
    "NUMBER_OF_PROCESSORS",
    "PROCESSOR_ARCHITECTURE",
    "OS",
    "ComSpec",
];
/// Variables passed on to commands as they are, when set.
#[cfg(not(windows))]
const PASSED_ON: &[&str] = &["HOME", "TMPDIR", "TZ"];

/// The whole environment of a command, from `lookup` (Casefile's own environment): `PATH`
/// (or [`DEFAULT_PATH`]), `LANG` and `LC_ALL` set to `C` so tools answer in one stable language,
/// and the few [`PASSED_ON`] variables that are set. Nothing else: not `CASEFILE_SECRET_*`,
/// not tokens, not proxies.
pub fn command_env(lookup: impl Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "PATH".to_owned(),
            lookup("PATH")
                .filter(|path| !path.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_PATH.to_owned()),
        ),
        ("LANG".to_owned(), "C".to_owned()),
        ("LC_ALL".to_owned(), "C".to_owned()),
    ];
    for name in PASSED_ON {
        if let Some(value) = lookup(name) {
            env.push(((*name).to_owned(), value));
        }
    }
    env
}

/// The last bytes read from a pipe.
#[derive(Default)]
struct Tail {
    bytes: VecDeque<u8>,
    dropped: bool,
}

/// Reads a pipe to its end into `tail`, keeping the last `cap` bytes (and whether any were
/// dropped); `tail` is up to date after every read, so a reader abandoned mid-way has kept
/// what it read.
fn read_tail(mut pipe: impl Read, cap: usize, tail: &Mutex<Tail>) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => {
                let chunk = buffer.get(..read).unwrap_or_default();
                let mut tail = tail
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                tail.bytes.extend(chunk);
                if tail.bytes.len() > cap {
                    let excess = tail.bytes.len() - cap;
                    tail.bytes.drain(..excess);
                    tail.dropped = true;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commands_environment_is_the_allow_list_only() {
        let ours = |name: &str| match name {
            "PATH" => Some("/opt/bin:/usr/bin".to_owned()),
            "HOME" => Some("/root".to_owned()),
            "CASEFILE_SECRET_HELPDESK" => Some("FAKE-secret".to_owned()),
            "LANG" => Some("de_DE.UTF-8".to_owned()),
            _ => None,
        };
        let env = command_env(ours);
        let names: Vec<&str> = env.iter().map(|(name, _)| name.as_str()).collect();
        assert!(!names.contains(&"CASEFILE_SECRET_HELPDESK"), "{env:?}");
        assert!(env.contains(&("PATH".to_owned(), "/opt/bin:/usr/bin".to_owned())));
        assert!(env.contains(&("LANG".to_owned(), "C".to_owned())));
        assert!(env.contains(&("LC_ALL".to_owned(), "C".to_owned())));
        let bare = command_env(|_| None);
        assert_eq!(bare.first().map(|(_, v)| v.as_str()), Some(DEFAULT_PATH));
    }

    #[test]
    fn the_tail_ring_keeps_the_last_bytes_and_says_so() {
        let tail = Mutex::new(Tail::default());
        read_tail(&b"0123456789"[..], 4, &tail);
        let tail = tail.into_inner().expect("lock");
        assert_eq!(tail.bytes, b"6789");
        assert!(tail.dropped);
        let all = Mutex::new(Tail::default());
        read_tail(&b"0123"[..], 4, &all);
        let all = all.into_inner().expect("lock");
        assert_eq!(all.bytes, b"0123");
        assert!(!all.dropped);
    }
}
