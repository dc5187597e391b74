//! Known names: hostnames and usernames learned from the machine and from the evidence itself,
//! and the user's keywords.
//!
//! The [`Learner`] runs over all collected text *before* redaction. It learns names only in
//! these positions (keys ASCII case-insensitive):
//! - usernames: `user=N`, `user: N`, `username=N`, `user_name=N`, `login=N`, and the JSON forms
//!   `"user": "N"`, `"userName": "N"`, `"login": "N"`; sshd lines (lines containing `sshd`)
//!   `for N from`, `for invalid user N from`; PAM `for user N(uid=`; paths `/home/N/`,
//!   `/Users/N/`, `C:\Users\N\`; `DOMAIN\N` where DOMAIN is a NetBIOS-style upper-case name
//!   (DOMAIN is learned as a hostname). A single backslash followed by `n`, `r` or `t` is read as
//!   an escape sequence, not as `DOMAIN\N`.
//! - hostnames: the host field of syslog lines (`Nov 23 10:00:00 HOST prog[1]:` and
//!   `2026-11-23T10:00:00.123+00:00 HOST prog[1]:`), `host=N`, `hostname=N`, `host_name=N`,
//!   `"host": "N"`, `"hostname": "N"`; for a fully qualified name also its first label.
//!
//! A name is never learned if it is shorter than 3 characters, longer than 253, only digits,
//! dots and dashes (numbers, versions, dates), an IP address, a pseudonym, contains characters
//! other than ASCII letters, digits, `.`, `_`, `-`, or is in [`STOP_LIST`]. Names are kept in
//! lower case; matching is ASCII case-insensitive.

use std::collections::BTreeSet;
use std::path::Path;

/// Words never learned as names: system accounts, placeholders and common log words that would
/// wreck logs if replaced everywhere.
pub const STOP_LIST: &[&str] = &[
    "root",
    "admin",
    "administrator",
    "administrators",
    "system",
    "nobody",
    "daemon",
    "localhost",
    "localdomain",
    "localhost.localdomain",
    "user",
    "users",
    "guest",
    "unknown",
    "invalid",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "yes",
    "www-data",
    "sshd",
    "service",
    "services",
    "default",
    "the",
    "and",
    "for",
    "from",
    "with",
    "all",
    "any",
    "anonymous",
    "everyone",
    "public",
    "shared",
    "home",
    "authority",
    "builtin",
    "workgroup",
    "local",
    "localsystem",
    "network",
    "host",
    "hostname",
    "username",
    "login",
    "kernel",
    "systemd",
    "cron",
    "crond",
    "dbus",
    "messagebus",
    "syslog",
    "rsyslogd",
    "polkitd",
    "postfix",
    "mail",
    "news",
    "backup",
    "sync",
    "bin",
    "sys",
    "man",
    "lp",
    "uucp",
    "proxy",
    "list",
    "irc",
    "gnats",
    "ubuntu",
    "debian",
    "centos",
    "redhat",
    "server",
    "client",
    "example",
    "redacted",
    "error",
    "warning",
    "info",
    "debug",
    "notice",
    "trace",
];

/// Names to replace wherever they appear as whole words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Host names (lower case), fully qualified or short.
    pub hostnames: BTreeSet<String>,
    /// User names (lower case).
    pub usernames: BTreeSet<String>,
    /// The user's own keywords (project names, customer names), as given.
    pub keywords: BTreeSet<String>,
    /// Secret values the redactor's rules found in the text: removed wherever else they occur.
    pub secrets: super::scan::KnownSecrets,
}

impl Names {
    /// Names of the machine at `root` (`/` for this one): its hostname (`etc/hostname`, and with
    /// `live` also the running system's) and the first label of a qualified one; users from
    /// `etc/passwd` with 1000 <= uid < 65534; folder names under `home/` and `Users/`. Files that
    /// cannot be read are skipped. The stop list applies.
    pub fn from_system(root: &Path, live: bool) -> Names {
        let mut names = Names::default();
        if live && let Some(host) = sysinfo::System::host_name() {
            names.learn_host(&host);
        }
        if let Ok(text) = std::fs::read_to_string(root.join("etc").join("hostname"))
            && let Some(line) = text.lines().map(str::trim).find(|l| !l.starts_with('#'))
        {
            names.learn_host(line);
        }
        if let Ok(text) = std::fs::read_to_string(root.join("etc").join("passwd")) {
            for line in text.lines() {
                let mut fields = line.split(':');
                let (Some(name), Some(_), Some(uid)) =
                    (fields.next(), fields.next(), fields.next())
                else {
                    continue;
                };
                if uid
                    .parse::<u32>()
                    .is_ok_and(|uid| (1000..65534).contains(&uid))
                {
                    names.learn_user(name);
                }
            }
        }
        for folder in ["home", "Users"] {
            let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir())
                    && let Some(name) = entry.file_name().to_str()
                {
                    names.learn_user(name);
                }
            }
        }
        names
    }

    /// Adds every name of `other`.
    pub fn merge(&mut self, other: Names) {
        self.hostnames.extend(other.hostnames);
        self.usernames.extend(other.usernames);
        self.keywords.extend(other.keywords);
        self.secrets.merge(other.secrets);
    }

    fn learn_host(&mut self, raw: &str) {
        let raw = raw.trim().trim_end_matches('.');
        if let Some(name) = plausible_name(raw) {
            if let Some((first, _)) = name.split_once('.')
                && let Some(label) = plausible_name(first)
            {
                self.hostnames.insert(label);
            }
            self.hostnames.insert(name);
        }
    }

    fn learn_user(&mut self, raw: &str) {
        if let Some(name) = plausible_name(raw.trim()) {
            self.usernames.insert(name);
        }
    }
}

/// `raw` in lower case if it may be learned as a name.
fn plausible_name(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    if bytes.len() < 3 || bytes.len() > 253 {
        return None;
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return None;
    }
    if bytes
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-'))
    {
        return None;
    }
    if matches!(bytes.first(), Some(b'.' | b'-')) || matches!(bytes.last(), Some(b'.' | b'-')) {
        return None;
    }
    let lower = raw.to_ascii_lowercase();
    if STOP_LIST.contains(&lower.as_str()) || super::scan::is_pseudonym(lower.as_bytes()) {
        return None;
    }
    Some(lower)
}

/// Learns names from evidence text; see the module documentation for the positions.
#[derive(Debug, Default)]
pub struct Learner {
    names: Names,
    /// Raw values already considered, as (is host, bytes): most repeat on every line.
    seen: std::collections::HashSet<(bool, Vec<u8>)>,
}

/// What a word at a word start means to the learner.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// `user`, `username`, `user_name`, `login`: a username key.
    UserKey,
    /// `host`, `hostname`, `host_name`: a hostname key.
    HostKey,
    /// `home`, `users` between path separators.
    PathFolder,
    /// `for`.
    For,
}

fn anchor(word: &[u8]) -> Option<Anchor> {
    let is = |name: &[u8]| word.eq_ignore_ascii_case(name);
    match word.len() {
        3 if is(b"for") => Some(Anchor::For),
        4 if is(b"user") => Some(Anchor::UserKey),
        4 if is(b"host") => Some(Anchor::HostKey),
        4 if is(b"home") => Some(Anchor::PathFolder),
        5 if is(b"login") => Some(Anchor::UserKey),
        5 if is(b"users") => Some(Anchor::PathFolder),
        8 if is(b"username") => Some(Anchor::UserKey),
        8 if is(b"hostname") => Some(Anchor::HostKey),
        9 if is(b"user_name") => Some(Anchor::UserKey),
        9 if is(b"host_name") => Some(Anchor::HostKey),
        _ => None,
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// The run of name bytes starting at `from`.
fn name_at(text: &[u8], from: usize) -> &[u8] {
    let rest = text.get(from..).unwrap_or_default();
    let len = rest
        .iter()
        .position(|&b| !is_name_byte(b))
        .unwrap_or(rest.len());
    rest.get(..len).unwrap_or_default()
}

fn line_of(text: &[u8], at: usize) -> &[u8] {
    let start = memchr::memrchr(b'\n', text.get(..at).unwrap_or_default()).map_or(0, |i| i + 1);
    let end =
        memchr::memchr(b'\n', text.get(at..).unwrap_or_default()).map_or(text.len(), |i| at + i);
    text.get(start..end).unwrap_or_default()
}

impl Learner {
    /// An empty learner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns from a piece of text (whole lines; any encoding, invalid UTF-8 is skipped over).
    pub fn feed(&mut self, text: &[u8]) {
        self.feed_anchors(text);
        self.feed_domains(text);
        self.feed_syslog(text);
        self.names.secrets.learn(text);
    }

    /// Adds what `other` learned.
    pub fn merge(&mut self, other: Learner) {
        self.names.merge(other.names);
    }

    /// The names learned.
    pub fn finish(self) -> Names {
        self.names
    }

    fn learn(&mut self, host: bool, raw: &[u8]) {
        if self.seen.len() < 100_000 {
            if self.seen.contains(&(host, raw.to_vec())) {
                return;
            }
            self.seen.insert((host, raw.to_vec()));
        }
        let Ok(raw) = std::str::from_utf8(raw) else {
            return;
        };
        if host {
            self.names.learn_host(raw);
        } else {
            self.names.learn_user(raw);
        }
    }

    fn feed_anchors(&mut self, text: &[u8]) {
        let byte = |i: usize| text.get(i).copied().unwrap_or(0);
        for start in super::scan::WordStarts::new(text) {
            // Cheap rejection before comparing words: anchors start with f, u, h or l and are 3
            // to 9 bytes long.
            if !matches!(byte(start) | 0x20, b'f' | b'u' | b'h' | b'l') {
                continue;
            }
            let len = super::scan::word_len(text, start);
            let i = start + len;
            if !(3..=9).contains(&len) {
                continue;
            }
            let Some(kind) = anchor(text.get(start..i).unwrap_or_default()) else {
                continue;
            };
            let prev = start.checked_sub(1).map_or(0, byte);
            match kind {
                Anchor::PathFolder => {
                    let separator = byte(i);
                    if !matches!(prev, b'/' | b'\\') || separator != prev {
                        continue;
                    }
                    let name = name_at(text, i + 1);
                    let after = text.get(i + 1 + name.len()).copied();
                    if matches!(
                        after,
                        None | Some(
                            b'/' | b'\\' | b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b':'
                        )
                    ) {
                        self.learn(false, name);
                    }
                }
                Anchor::For => {
                    if prev == b' ' && byte(i) == b' ' {
                        self.learn_for(text, i + 1);
                    }
                }
                Anchor::UserKey | Anchor::HostKey => {
                    if let Some(value) = assigned_value(text, i) {
                        self.learn_value(kind == Anchor::HostKey, value);
                    }
                }
            }
        }
    }

    /// After `for `: `invalid user N from`, `N from` (sshd lines), `user N(uid=` (PAM).
    fn learn_for(&mut self, text: &[u8], end: usize) {
        let rest = text.get(end..).unwrap_or_default();
        if let Some(after_user) = rest.strip_prefix(b"user ") {
            let name = name_at(after_user, 0);
            if after_user
                .get(name.len()..)
                .is_some_and(|r| r.starts_with(b"(uid="))
            {
                self.learn(false, name);
                return;
            }
        }
        let (skip, rest) = match rest.strip_prefix(b"invalid user ") {
            Some(r) => (13, r),
            None => (0, rest),
        };
        let name = name_at(rest, 0);
        let tail = rest.get(name.len()..).unwrap_or_default();
        if !name.is_empty()
            && tail.starts_with(b" from ")
            && memchr::memmem::find(line_of(text, end + skip), b"sshd").is_some()
        {
            self.learn(false, name);
        }
    }

    /// A value after `user=`: `CORP\alice` teaches both; an e-mail address teaches nothing.
    fn learn_value(&mut self, host: bool, value: &[u8]) {
        if value.contains(&b'@') {
            return;
        }
        if let Some(split) = memchr::memchr(b'\\', value) {
            let domain = value.get(..split).unwrap_or_default();
            let name = value.get(split..).unwrap_or_default();
            let name = name.get(name.iter().take_while(|&&b| b == b'\\').count()..);
            self.learn(true, domain);
            self.learn(false, name.unwrap_or_default());
        } else {
            self.learn(host, value);
        }
    }

    /// `DOMAIN\name` anywhere.
    fn feed_domains(&mut self, text: &[u8]) {
        let mut from = 0;
        while let Some(at) = text
            .get(from..)
            .and_then(|rest| memchr::memchr(b'\\', rest))
            .map(|at| from + at)
        {
            from = at + 1;
            let slashes = if text.get(at + 1) == Some(&b'\\') {
                2
            } else {
                1
            };
            // The domain: upper-case NetBIOS characters back to a boundary.
            let head = text.get(..at).unwrap_or_default();
            let len = head
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'-')
                .count();
            let domain_start = at - len;
            if !(2..=15).contains(&len)
                || domain_start
                    .checked_sub(1)
                    .and_then(|i| text.get(i))
                    .is_some_and(|b| {
                        !matches!(
                            b,
                            b' ' | b'\t' | b'=' | b':' | b'"' | b'\'' | b'(' | b'[' | b','
                        )
                    })
            {
                continue;
            }
            let name_start = at + slashes;
            let name = name_at(text, name_start);
            if name.is_empty()
                || (slashes == 1 && matches!(name.first(), Some(b'n' | b'r' | b't')))
                || text.get(name_start + name.len()) == Some(&b'\\')
            {
                continue;
            }
            self.learn(true, text.get(domain_start..at).unwrap_or_default());
            self.learn(false, name);
            from = name_start + name.len();
        }
    }

    /// The host field of syslog lines.
    fn feed_syslog(&mut self, text: &[u8]) {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', text).chain(std::iter::once(text.len())) {
            if let Some(host) = text.get(start..end).and_then(syslog_host) {
                self.learn(true, host);
            }
            start = end + 1;
        }
    }
}

/// After a key ending at `end`: optional closing quote, `=` or `:`, optional quote, the value.
fn assigned_value(text: &[u8], end: usize) -> Option<&[u8]> {
    let mut p = end;
    if matches!(text.get(p), Some(b'"' | b'\'')) {
        p += 1;
    }
    while matches!(text.get(p), Some(b' ' | b'\t')) {
        p += 1;
    }
    if !matches!(text.get(p), Some(b'=' | b':')) {
        return None;
    }
    p += 1;
    while matches!(text.get(p), Some(b' ' | b'\t' | b'"' | b'\'')) {
        p += 1;
    }
    let rest = text.get(p..)?;
    let len = rest
        .iter()
        .position(|&b| !(is_name_byte(b) || b == b'\\' || b == b'@'))
        .unwrap_or(rest.len());
    rest.get(..len).filter(|v| !v.is_empty())
}

const MONTHS: &[&[u8]] = &[
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// The HOST of `Mmm dd hh:mm:ss HOST prog[pid]:` or `<ISO time> HOST prog[pid]:`.
fn syslog_host(line: &[u8]) -> Option<&[u8]> {
    let rest = match line.first()? {
        b'A'..=b'Z' => {
            let month = line.get(..3)?;
            if !MONTHS.contains(&month) || line.get(3) != Some(&b' ') {
                return None;
            }
            let mut p = 4;
            if line.get(p) == Some(&b' ') {
                p += 1;
            }
            let day = digits(line, p);
            if !(1..=2).contains(&day) || line.get(p + day) != Some(&b' ') {
                return None;
            }
            p += day + 1;
            let time = line.get(p..p + 8)?;
            if !is_clock(time) || line.get(p + 8) != Some(&b' ') {
                return None;
            }
            line.get(p + 9..)?
        }
        b'0'..=b'9' => {
            let date = line.get(..19)?;
            let ok = digits(date, 0) == 4
                && date.get(4) == Some(&b'-')
                && digits(date, 5) == 2
                && date.get(7) == Some(&b'-')
                && digits(date, 8) == 2
                && date.get(10) == Some(&b'T')
                && is_clock(date.get(11..19)?);
            if !ok {
                return None;
            }
            let space = memchr::memchr(b' ', line.get(19..)?)? + 19;
            let zone = line.get(19..space)?;
            if zone.len() > 16
                || !zone
                    .iter()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b':' | b'+' | b'-' | b'Z'))
            {
                return None;
            }
            line.get(space + 1..)?
        }
        _ => return None,
    };
    let host_len = memchr::memchr(b' ', rest)?;
    let host = rest.get(..host_len)?;
    let prog = rest.get(host_len + 1..)?;
    let prog_end = prog.iter().position(|&b| b == b':' || b == b' ')?;
    if prog.get(prog_end) != Some(&b':') || prog_end == 0 {
        return None;
    }
    let prog_name = prog.get(..prog_end)?;
    // `prog:` or `prog[123]:`.
    let ok = match memchr::memchr(b'[', prog_name) {
        Some(open) => {
            prog_name.last() == Some(&b']')
                && prog_name
                    .get(open + 1..prog_name.len() - 1)
                    .is_some_and(|pid| !pid.is_empty() && pid.iter().all(u8::is_ascii_digit))
        }
        None => !prog_name.contains(&b']'),
    };
    ok.then_some(host)
}

fn digits(text: &[u8], from: usize) -> usize {
    text.get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

fn is_clock(time: &[u8]) -> bool {
    time.len() == 8
        && digits(time, 0) == 2
        && time.get(2) == Some(&b':')
        && digits(time, 3) == 2
        && time.get(5) == Some(&b':')
        && digits(time, 6) == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learn(text: &str) -> Names {
        let mut learner = Learner::new();
        learner.feed(text.as_bytes());
        learner.finish()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn learns_usernames_from_assignments_json_sshd_pam_and_paths() {
        let names = learn(concat!(
            "login ok user=alice1 x\n",
            "User: Bobby\n",
            "{\"userName\": \"carol\", \"login\": \"dave_x\"}\n",
            "{\"username\":\"erin\"}\n",
            "Nov 23 10:00:00 web01 sshd[123]: Accepted publickey for frank from 10.1.2.3 port 22\n",
            "Nov 23 10:00:01 web01 sshd[124]: Failed password for invalid user grace from 10.1.2.4\n",
            "Nov 23 10:00:02 web01 su[1]: pam_unix(su:session): session opened for user heidi(uid=1001) by (uid=0)\n",
            "open /home/ivan/.bashrc\n",
            "C:\\Users\\Judy\\AppData\\x.log and /Users/kim/Library\n",
            "logon CORP\\mallory ok\n",
        ));
        assert_eq!(
            names.usernames,
            set(&[
                "alice1", "bobby", "carol", "dave_x", "erin", "frank", "grace", "heidi", "ivan",
                "judy", "kim", "mallory"
            ])
        );
        assert!(names.hostnames.contains("corp"));
    }

    #[test]
    fn learns_hostnames_from_syslog_and_keys_with_first_labels() {
        let names = learn(concat!(
            "Nov  3 10:00:00 web01 cron[99]: job\n",
            "2026-11-23T10:00:00.123+00:00 db02.corp.example postgres[7]: ready\n",
            "2026-11-23T10:00:00Z cache03 kernel: x\n",
            "connect host=mq04.corp.example:5672\n",
            "{\"hostname\": \"edge05\"}\n",
        ));
        assert_eq!(
            names.hostnames,
            set(&[
                "cache03",
                "db02",
                "db02.corp.example",
                "edge05",
                "mq04",
                "mq04.corp.example",
                "web01"
            ])
        );
    }

    #[test]
    fn never_learns_stop_words_short_names_numbers_ips_or_prose() {
        let names = learn(concat!(
            "user=root user=ab user=12345 host=10.1.2.3 host=localhost\n",
            "waiting for data from upstream\n",
            "Nov 23 10:00:00 web01 not a syslog line\n",
            "json \"message\":\"ERROR\\nStack trace\" C:\\Windows\\System32\n",
            "users=5 hostile=x user=alice@example.com\n",
            "host=host-1a2b3c4d\n",
        ));
        assert!(names.usernames.is_empty(), "{:?}", names.usernames);
        assert!(names.hostnames.is_empty(), "{:?}", names.hostnames);
    }

    #[test]
    fn from_system_reads_hostname_passwd_and_home_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).expect("etc");
        std::fs::write(root.join("etc/hostname"), "Box01.corp.example\n").expect("hostname");
        std::fs::write(
            root.join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n\
             nobody:x:65534:65534::/:/bin/false\nsvc:x:999:999::/:/bin/false\n",
        )
        .expect("passwd");
        std::fs::create_dir_all(root.join("home/bob")).expect("home");
        std::fs::create_dir_all(root.join("Users/Public")).expect("users");
        let names = Names::from_system(root, false);
        assert_eq!(names.hostnames, set(&["box01", "box01.corp.example"]));
        assert_eq!(names.usernames, set(&["alice", "bob"]));
    }
}
