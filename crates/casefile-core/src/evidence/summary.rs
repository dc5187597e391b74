//! The machine in a few lines, for reading aloud to a support engineer on the phone: the OS, the
//! host name, the vendor agent's version, and the last error lines of the agent's own log.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::ItemSource;
use super::plan::{PlanRequest, plan};
use super::resolve::Env;
use super::snapshot::Snapshot;
use crate::profile::schema::Profile;
use crate::redact::{Found, Names, PseudonymKey, Redactor};

/// How much of the end of the agent log is searched for errors.
const TAIL_BYTES: u64 = 256 * 1024;
/// How many error lines are read out.
const MAX_LINES: usize = 5;
/// The longest line read out, in characters.
const MAX_LINE_CHARS: usize = 200;

/// What a user reads to support on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineSummary {
    /// `Debian GNU/Linux 12 (kernel 6.1.0)`, or the OS family when nothing more is known.
    pub os: String,
    /// The host name, when known.
    pub hostname: Option<String>,
    /// The vendor agent's version, from the profile's version file.
    pub agent_version: Option<String>,
    /// The log the error lines come from (the profile's first evidence kind's newest file).
    pub agent_log: Option<String>,
    /// Its last lines that report an error, oldest first, each cut to 200 characters.
    pub last_errors: Vec<String>,
    /// What could not be found, said plainly ("no agent log found under ...").
    pub notes: Vec<String>,
    /// How many lines at the end of the agent log report an error (in the last 256 KiB).
    pub error_count: usize,
    /// The newest of them for the ear: without its time stamp, process id and level, and with
    /// the machine's own values as they are (it is read out, not sent: support's own server is
    /// read out as itself), secrets still removed.
    pub newest_error: Option<String>,
}

/// Summarises the machine `snapshot` describes, with the agent log found through `profile`'s
/// first evidence kind that has files for the OS. The error lines are redacted with `key` as the
/// bundle is (a password in a log line is not read out over the phone; an address gets the same
/// pseudonym as in the bundle).
pub fn machine_summary(
    profile: &Profile,
    env: &Env,
    snapshot: &Snapshot,
    key: &PseudonymKey,
) -> MachineSummary {
    let redactor = Redactor::new(key, &Names::default());
    let mut notes = Vec::new();
    let os = match (&snapshot.os_name, &snapshot.os_version, &snapshot.kernel) {
        (Some(name), Some(version), Some(kernel)) if !name.contains(version.as_str()) => {
            format!("{name} {version}, kernel {kernel}")
        }
        (Some(name), _, Some(kernel)) => format!("{name}, kernel {kernel}"),
        (Some(name), _, None) => name.clone(),
        _ => format!("{:?}", snapshot.os),
    };
    let mut error_count = 0;
    let mut newest_error = None;
    let (agent_log, last_errors) = match newest_agent_log(profile, env) {
        Some(path) => match error_lines(&path) {
            Ok((lines, count)) => {
                error_count = count;
                newest_error = lines.last().map(|line| for_the_ear(key, line));
                let lines: Vec<String> = lines
                    .iter()
                    .map(|line| redactor.redact_text(line, &mut Found::default()))
                    .collect();
                if lines.is_empty() {
                    notes.push(format!("no error lines at the end of {}", path.display()));
                }
                (Some(path.display().to_string()), lines)
            }
            Err(error) => {
                notes.push(format!("cannot read {}: {error}", path.display()));
                (Some(path.display().to_string()), Vec::new())
            }
        },
        None => {
            notes.push(format!("no {} log found on this machine", profile.name));
            (None, Vec::new())
        }
    };
    if snapshot.agent_version.is_none() {
        notes.push(format!(
            "the {} agent's version file was not found",
            profile.name
        ));
    }
    MachineSummary {
        os,
        hostname: snapshot.hostname.clone(),
        agent_version: snapshot.agent_version.clone(),
        agent_log,
        last_errors,
        notes,
        error_count,
        newest_error,
    }
}

/// `line` as it is said on the phone: the leading time stamp, `[process]`/`name[pid]:` and
/// level are left out, identifiers stay as they are (every word of the line is kept), and
/// secrets are removed as in the bundle.
fn for_the_ear(key: &PseudonymKey, line: &str) -> String {
    let kept: BTreeSet<String> = line
        .split(|c: char| c.is_whitespace() || "\"'<>()[]{},;=".contains(c))
        .map(|word| word.trim_end_matches(['.', ':']))
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect();
    let redactor = Redactor::with_kept(key, &Names::default(), &kept);
    let cleaned = redactor.redact_text(line, &mut Found::default());
    let mut rest = cleaned.trim();
    // A syslog line (`Dec  4 09:00:31 HOST name[pid]: ...`) names its host after the time.
    let mut syslog_host = false;
    while let Some(word) = rest.split_whitespace().next() {
        let bare = word.trim_matches(|c: char| "[]():".contains(c));
        let stamp = !bare.is_empty()
            && bare.chars().any(|c| c.is_ascii_digit())
            && bare
                .chars()
                .all(|c| c.is_ascii_digit() || "-:.TZ+/,".contains(c));
        let process = word.starts_with('[') && word.ends_with(']')
            || word.ends_with("]:")
            || word.ends_with(':') && word.len() > 1 && !word[..word.len() - 1].contains(' ');
        let level = is_error(bare) && bare.chars().all(|c| c.is_ascii_alphabetic())
            || matches!(
                bare.to_ascii_lowercase().as_str(),
                "warn" | "warning" | "info" | "debug" | "notice"
            );
        let month = matches!(
            bare.to_ascii_lowercase().as_str(),
            "jan"
                | "feb"
                | "mar"
                | "apr"
                | "may"
                | "jun"
                | "jul"
                | "aug"
                | "sep"
                | "oct"
                | "nov"
                | "dec"
        );
        let host = syslog_host && !stamp;
        if month {
            syslog_host = true;
        }
        if stamp || month || process || level || host {
            if host {
                syslog_host = false;
            }
            rest = rest[word.len()..].trim_start();
        } else {
            break;
        }
    }
    if rest.is_empty() {
        cleaned.trim().to_owned()
    } else {
        rest.to_owned()
    }
}

/// The newest file of the profile's first evidence kind with paths for this OS (the agent's own
/// log, by the profiles' convention); other kinds (system logs) are not the agent's.
fn newest_agent_log(profile: &Profile, env: &Env) -> Option<std::path::PathBuf> {
    let cancel = AtomicBool::new(false);
    let evidence = profile.evidence.iter().find(|evidence| {
        evidence
            .sources
            .iter()
            .any(|source| source.os == env.os && !source.paths.is_empty())
    })?;
    let ids = [evidence.id.clone()];
    let planned = plan(
        &PlanRequest {
            profile,
            env,
            evidence: Some(&ids),
            add: &[],
            screenshots: &[],
            include_binary: false,
            own_folders: &[],
        },
        &cancel,
    );
    planned
        .items
        .iter()
        .filter_map(|item| match &item.source {
            ItemSource::File { path, gzip: false } => Some((item.modified, path)),
            _ => None,
        })
        .max_by_key(|(modified, _)| *modified)
        .map(|(_, path)| path.clone())
}

/// The last lines in the tail of `path` that report an error, and how many lines there do.
fn error_lines(path: &std::path::Path) -> std::io::Result<(Vec<String>, usize)> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let start = size.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // cut in the middle
    }
    let count = lines.iter().filter(|line| is_error(line)).count();
    let mut found: Vec<String> = lines
        .iter()
        .rev()
        .filter(|line| is_error(line))
        .take(MAX_LINES)
        .map(|line| {
            let line = line.trim();
            if line.chars().count() > MAX_LINE_CHARS {
                let cut: String = line.chars().take(MAX_LINE_CHARS).collect();
                format!("{cut}…")
            } else {
                line.to_owned()
            }
        })
        .collect();
    found.reverse();
    Ok((found, count))
}

/// Whether a line reports an error: one of its words (not a part of a word, so a package called
/// `libexception` is not one) says so.
fn is_error(line: &str) -> bool {
    line.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            matches!(
                word.to_ascii_lowercase().as_str(),
                "error"
                    | "errors"
                    | "err"
                    | "fatal"
                    | "fail"
                    | "failed"
                    | "failure"
                    | "panic"
                    | "exception"
                    | "critical"
                    | "crit"
                    | "emerg"
                    | "alert"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Catalog;
    use crate::profile::schema::Os;

    fn key() -> PseudonymKey {
        PseudonymKey::import(&format!("casefile-key-v1:{}", "07".repeat(32))).expect("a test key")
    }

    #[test]
    fn the_last_error_lines_of_the_agent_log_are_read_out_oldest_first() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("var/log")).expect("mkdir");
        std::fs::create_dir_all(root.path().join("opt/jc")).expect("mkdir");
        std::fs::write(root.path().join("opt/jc/version.txt"), "2.9.0\n").expect("write");
        let mut log = String::new();
        for i in 0..20 {
            log.push_str(&format!("2026-12-04T10:{i:02}:00Z INFO heartbeat ok\n"));
            log.push_str(&format!(
                "2026-12-04T10:{i:02}:30Z ERROR cannot reach console {i}\n"
            ));
        }
        log.push_str("2026-12-04T10:59:00Z ERROR login refused password=FAKE-summary-secret\n");
        log.push_str(&format!(
            "{} ERROR {}\n",
            "2026-12-04T11:00:00Z",
            "x".repeat(500)
        ));
        std::fs::write(root.path().join("var/log/jcagent.log"), log).expect("write");
        let catalog = Catalog::load(None);
        let profile = &catalog.get("jumpcloud").expect("jumpcloud").profile;
        let env = Env::under_root(Os::Linux, root.path());
        let snapshot = super::super::snapshot::take(profile, &env);
        let summary = machine_summary(profile, &env, &snapshot, &key());
        assert_eq!(summary.agent_version.as_deref(), Some("2.9.0"));
        assert!(
            summary
                .agent_log
                .as_deref()
                .is_some_and(|log| log.ends_with("jcagent.log")),
            "{summary:?}"
        );
        assert_eq!(summary.last_errors.len(), 5);
        assert!(summary.last_errors[0].contains("console 17"), "{summary:?}");
        assert!(summary.last_errors[2].contains("console 19"));
        assert!(summary.last_errors[3].contains("login refused"));
        assert!(
            !summary.last_errors[3].contains("FAKE-summary-secret"),
            "a secret in a log line is not read out: {summary:?}"
        );
        assert!(summary.last_errors[4].ends_with('…'));
        assert!(summary.last_errors[4].chars().count() <= MAX_LINE_CHARS + 1);
        assert_eq!(summary.error_count, 22, "{summary:?}");
    }

    #[test]
    fn the_newest_error_is_said_in_words_with_the_machines_own_values() {
        let key = key();
        let said = |line: &str| for_the_ear(&key, line);
        assert_eq!(
            said(
                "2026-12-04 09:00:31 [jcagent] ERROR checkin to 34.120.5.6 failed: 401; connectKey=FAKE-ear-secret-991"
            ),
            "checkin to 34.120.5.6 failed: 401; connectKey=[REDACTED]"
        );
        assert_eq!(
            said(
                "Dec  4 09:00:31 build-srv-07 jcagent[4242]: ERROR TLS handshake with agent.jumpcloud.com failed"
            ),
            "TLS handshake with agent.jumpcloud.com failed"
        );
        assert_eq!(
            said("2026-12-04T10:00:00Z ERROR"),
            "2026-12-04T10:00:00Z ERROR"
        );
    }

    #[test]
    fn a_machine_without_the_agent_says_so() {
        let root = tempfile::tempdir().expect("temp dir");
        let catalog = Catalog::load(None);
        let profile = &catalog.get("jumpcloud").expect("jumpcloud").profile;
        let env = Env::under_root(Os::Linux, root.path());
        let snapshot = super::super::snapshot::take(profile, &env);
        let summary = machine_summary(profile, &env, &snapshot, &key());
        assert_eq!(summary.agent_log, None);
        assert!(summary.last_errors.is_empty());
        assert!(
            summary.notes.iter().any(|n| n.contains("no JumpCloud log")),
            "{summary:?}"
        );
    }
}
