//! Running a command for evidence: an argument vector (never a shell), no input, a timeout and
//! a cap on the output that keeps its tail.
//!
//! Standard output and standard error are read by two threads at once, so a command that fills
//! one pipe while Casefile waits on the other cannot deadlock. Each keeps its last
//! `max_output` bytes in a ring. On timeout the child is killed; a grandchild that inherited the
//! pipes may keep them open, so the readers are given a short grace period after the kill and
//! then abandoned (their threads end when the grandchild does), and `run` returns.

use std::collections::VecDeque;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::CommandSpec;

/// What a command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The tail of standard output, then, when standard error is not empty, a line
    /// `--- stderr ---` and the tail of standard error.
    pub bytes: Vec<u8>,
    /// The exit code; `None` when killed (timeout) or ended by a signal.
    pub status: Option<i32>,
    /// The command ran past its timeout and was killed.
    pub timed_out: bool,
    /// Some output was dropped to respect `max_output` (stdout or stderr, each capped).
    pub truncated: bool,
    /// How long it ran.
    pub duration: Duration,
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
pub const STDERR_SEPARATOR: &[u8] = b"\n--- stderr ---\n";

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
    let (sender, receiver) = mpsc::channel();
    let readers = [
        child.stdout.take().map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        child.stderr.take().map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    ];
    for (index, pipe) in readers.into_iter().enumerate() {
        let sender = sender.clone();
        match pipe {
            Some(pipe) => {
                thread::spawn(move || {
                    let _ = sender.send((index, read_tail(pipe, cap)));
                });
            }
            None => {
                let _ = sender.send((index, (Vec::new(), false)));
            }
        }
    }
    drop(sender);

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
    // the readers until then, or for a short grace after a timeout.
    let mut outputs: [(Vec<u8>, bool); 2] = [(Vec::new(), false), (Vec::new(), false)];
    let mut pending = 2;
    let reading_deadline = if timed_out {
        Some(Instant::now() + GRACE)
    } else {
        // A normal exit: give grandchildren holding the pipes the command's own timeout at most.
        Some(deadline.max(Instant::now()) + GRACE)
    };
    while pending > 0 {
        let wait = reading_deadline
            .map(|until| until.saturating_duration_since(Instant::now()))
            .unwrap_or(GRACE);
        match receiver.recv_timeout(wait) {
            Ok((index, output)) => {
                if let Some(slot) = outputs.get_mut(index) {
                    *slot = output;
                }
                pending -= 1;
            }
            Err(_) => break,
        }
    }
    let [(stdout, stdout_cut), (stderr, stderr_cut)] = outputs;
    let mut bytes = stdout;
    if !stderr.is_empty() {
        bytes.extend_from_slice(STDERR_SEPARATOR);
        bytes.extend_from_slice(&stderr);
    }
    Ok(CommandOutput {
        bytes,
        status,
        timed_out,
        truncated: stdout_cut || stderr_cut,
        duration: started.elapsed(),
    })
}

/// Reads a pipe to its end, keeping the last `cap` bytes; returns them and whether any were
/// dropped.
fn read_tail(mut pipe: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut ring: VecDeque<u8> = VecDeque::new();
    let mut dropped = false;
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => {
                let chunk = buffer.get(..read).unwrap_or_default();
                ring.extend(chunk);
                if ring.len() > cap {
                    let excess = ring.len() - cap;
                    ring.drain(..excess);
                    dropped = true;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    (ring.into_iter().collect(), dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_ring_keeps_the_last_bytes_and_says_so() {
        let (tail, cut) = read_tail(&b"0123456789"[..], 4);
        assert_eq!(tail, b"6789");
        assert!(cut);
        let (all, cut) = read_tail(&b"0123"[..], 4);
        assert_eq!(all, b"0123");
        assert!(!cut);
    }
}
