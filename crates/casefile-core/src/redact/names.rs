//! Known names: host, domain and user names learned from the machine and from the evidence
//! itself the way an administrator would find them, and the user's keywords.
//!
//! [`spots`] finds the places where a name *stands as a name*; the [`Learner`] runs it over all
//! collected text before redaction to learn names, and the [`super::Redactor`] runs it again to
//! replace whatever stands in those places (except placeholders and built-in accounts such as
//! `root`, `nobody`, `SYSTEM`, `-`, `unknown`, numeric ids and versions). The places (key words
//! ASCII case-insensitive):
//! - users: `user=N`, `user: N`, `username=`, `user_name=`, `login=`, `ruser=`, `logname=`, Java's
//!   `user.name=` and the JSON forms (`key= next` is an empty value); `for user N` (an English
//!   word only before `by`, `(` or the end of the line), `invalid user N`, `for N from`/`port`/
//!   `[preauth]` (sshd lines); `/home/N/`, `/Users/N/`; the user of URL user info; Windows
//!   `C:\Users\N\` (not `Default`, `Public`, `Shared`), `DOMAIN\N` (DOMAIN a NetBIOS-style
//!   upper-case name, a host), event text `Account Name: N` (a name ending in `$` is a computer),
//!   and the XML `TargetUserName`, `SubjectUserName` data elements; `user@host` shell prompts.
//! - hosts: the host field of syslog lines (`Nov 23 10:00:00 HOST prog[1]:`, the ISO-time form,
//!   syslog-ng's `HOST/HOST` and `src@HOST`, with or without a `- 1131566941 2005.11.09 HOST`
//!   cluster prefix, whose BlueGene location `R02-M0-NA-C:J16-U11` is two names), the node column
//!   of HPC cluster logs, `host=`, `hostname=`, `rhost=`, Java's `host.name=`, `Computer:`,
//!   `Account Domain:`, `Workstation Name:`, `Client Name:`, the XML `WorkstationName`,
//!   `TargetDomainName`, `SubjectDomainName`; `hostname`/`host name` followed by `reported as`,
//!   `is`, `to`, `set to` or `changed to` and a name; `server: NAME:port`; sshd's `maps to
//!   NAME`; URL hosts (`scheme://[user@]HOST[:port]`); `HOST:port` for a dotted name; a peer name
//!   next to its address (`1.2.3.4 (NAME)`, `NAME [1.2.3.4]`, `NAME/1.2.3.4`); `Resolved NAME
//!   to`, `node NAME` (a name with a digit).
//!
//! What is learned: a name of 3 to 253 bytes of ASCII letters, digits, `.`, `_` and `-`, not
//! only digits, dots and dashes, not an IP address or a pseudonym, not in [`STOP_LIST`]. Host
//! and Windows names are kept in lower case and matched ASCII case-insensitively; Unix user
//! names are kept as written and matched case-sensitively. A qualified host name also teaches
//! its first label and its domain (the labels after the first, unless that is a public domain
//! or a bare public suffix such as `co.uk`); a peer's name (URL host, `HOST:port`, `rhost=`, a
//! name beside an address) teaches its domain but not its first label alone, and the domain of
//! a name that encodes an address is learned too. The machine ([`Names::from_system`]) also
//! gives its DNS search domains and its Kerberos, AD or SSSD realm as domains.
//!
//! A learned name that is a common English word or a software component word
//! ([`is_common_word`]: `api`, `boot`, `ftp`, `www`, `test`, `oracle`…) is replaced only where
//! it stands as a name, never in running text or inside dotted component paths. The word list
//! `common_words.txt` is SCOWL's sizes 10 and 20 (its notice is in the file).

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

/// Values that stand in a name's place but are no one's name: never replaced, even there.
const NEVER_REPLACED: &[&str] = &[
    "root",
    "nobody",
    "daemon",
    "system",
    "localsystem",
    "localhost",
    "localhost.localdomain",
    "unknown",
    "invalid",
    "none",
    "null",
    "nil",
    "n/a",
    "-",
    "true",
    "false",
    "user",
    "username",
    "hostname",
    "example",
    "changeme",
    "placeholder",
    "redacted",
    "as",
    "is",
    "to",
];

/// Software component words that are not in the English word list but appear in component
/// names, paths and protocol text (`nova.api`, `/var/www`, `ANONYMOUS FTP`, `com.apple.xpc`).
const COMPONENT_WORDS: &[&str] = &[
    "api",
    "app",
    "apps",
    "www",
    "ftp",
    "ftpd",
    "ftpuser",
    "sftp",
    "ssh",
    "http",
    "https",
    "smtp",
    "imap",
    "pop3",
    "dns",
    "dhcp",
    "ntp",
    "ntpd",
    "nfs",
    "ldap",
    "ldaps",
    "sql",
    "mysql",
    "postgres",
    "postgresql",
    "pgsql",
    "oracle",
    "redis",
    "mongo",
    "mongodb",
    "nginx",
    "apache",
    "httpd",
    "tomcat",
    "jetty",
    "java",
    "python",
    "perl",
    "ruby",
    "node",
    "nodejs",
    "npm",
    "git",
    "svn",
    "cvs",
    "xpc",
    "launchd",
    "kernel",
    "boot",
    "init",
    "cron",
    "sudo",
    "sshd",
    "samba",
    "smb",
    "cifs",
    "vnc",
    "rdp",
    "web",
    "webmaster",
    "webadmin",
    "db",
    "dba",
    "dev",
    "devops",
    "prod",
    "stage",
    "staging",
    "qa",
    "ops",
    "test",
    "tester",
    "testuser",
    "demo",
    "deploy",
    "build",
    "builder",
    "jenkins",
    "ci",
    "cd",
    "hadoop",
    "hdfs",
    "yarn",
    "spark",
    "hive",
    "hbase",
    "kafka",
    "zookeeper",
    "nova",
    "neutron",
    "glance",
    "keystone",
    "cinder",
    "swift",
    "horizon",
    "heat",
    "docker",
    "k8s",
    "kube",
    "kubernetes",
    "pi",
    "ubnt",
    "cisco",
    "admin",
    "administrator",
    "guest",
    "support",
    "info",
    "operator",
    "manager",
    "monitor",
    "nagios",
    "zabbix",
    "backup",
    "ftpadmin",
    "mailman",
    "postmaster",
    "openstack",
    "compute",
    "client",
    "server",
    "daemon",
    "agent",
    "service",
    "scheduler",
    "conductor",
    "wsgi",
    "osapi",
    "rpc",
    "statd",
    "rpcbind",
    "portmap",
    "xinetd",
    "inetd",
    "dbus",
    "avahi",
    "cups",
    "bluetooth",
    "wifi",
    "wlan",
    "eth0",
    "en0",
    "lo0",
    "usb",
    "pci",
    "acpi",
    "cpu",
    "gpu",
    "ram",
    "disk",
    "raid",
    "lvm",
    "tmp",
    "var",
    "etc",
    "usr",
    "opt",
    "srv",
    "mnt",
    "proc",
    "dev",
    "sys",
    "lib",
    "bin",
    "sbin",
    "share",
    "html",
    "cgi",
    "bash",
    "zsh",
    "csh",
    "tcsh",
    "shell",
    "login",
    "logon",
    "auth",
    "pam",
    "unix",
    "linux",
    "windows",
    "darwin",
    "macos",
    "ios",
    "android",
    "chrome",
    "firefox",
    "safari",
    "jumpcloud",
    "jcagent",
    "wheel",
    "staff",
    "sshusers",
    "nogroup",
    "users",
    "mail",
    "news",
    "games",
    "list",
    "irc",
    "gnats",
    "proxy",
    "sync",
    "whoopsie",
    "lightdm",
    "gdm",
    "colord",
    "pulse",
    "rtkit",
    "saned",
    "usbmux",
    "dnsmasq",
    "uuidd",
    "tss",
    "tcpdump",
    "landscape",
    "pollinate",
    "lxd",
    "ubuntu",
    "debian",
    "centos",
    "redhat",
    "fedora",
    "suse",
    "alpine",
    "arch",
    "matlab",
];

/// Whether `lower` (a lower-cased name) is a common English word or a software component word:
/// such a learned name is replaced only where it stands as a name.
pub fn is_common_word(lower: &str) -> bool {
    static WORDS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| {
        include_str!("common_words.txt")
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .chain(COMPONENT_WORDS.iter().copied())
            .chain(STOP_LIST.iter().copied())
            .collect()
    });
    words.contains(lower)
}

/// Whether `lower` is in the English word list (not the component words).
fn is_english_word(lower: &str) -> bool {
    static WORDS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    WORDS
        .get_or_init(|| {
            include_str!("common_words.txt")
                .lines()
                .filter(|line| !line.starts_with('#') && !line.is_empty())
                .collect()
        })
        .contains(lower)
}

/// Well-known public services whose names stay readable: support needs to see that the agent
/// talked to `console.jumpcloud.com` or `windowsupdate.com`. The vendor's own domains are added
/// per bundle through [`Names::public_domains`].
pub const PUBLIC_DOMAINS: &[&str] = &[
    "microsoft.com",
    "windows.com",
    "windowsupdate.com",
    "live.com",
    "office.com",
    "office365.com",
    "microsoftonline.com",
    "msftncsi.com",
    "apple.com",
    "icloud.com",
    "mzstatic.com",
    "google.com",
    "googleapis.com",
    "gstatic.com",
    "googleusercontent.com",
    "amazonaws.com",
    "amazon.com",
    "cloudfront.net",
    "github.com",
    "githubusercontent.com",
    "gitlab.com",
    "ubuntu.com",
    "canonical.com",
    "launchpad.net",
    "snapcraft.io",
    "debian.org",
    "redhat.com",
    "fedoraproject.org",
    "centos.org",
    "apache.org",
    "mozilla.org",
    "mozilla.com",
    "python.org",
    "pypi.org",
    "npmjs.org",
    "npmjs.com",
    "docker.com",
    "docker.io",
    "kernel.org",
    "gnu.org",
    "cloudflare.com",
    "akamai.net",
    "akamaiedge.net",
    "digicert.com",
    "letsencrypt.org",
    "sectigo.com",
    "verisign.com",
    "okta.com",
    "jumpcloud.com",
    "slack.com",
    "zoom.us",
    "dropbox.com",
    "java.com",
    "oracle.com",
    "openssl.org",
    "openstack.org",
    "example.com",
    "example.org",
    "example.net",
];

/// Last labels of private name spaces: any name ending in one is the customer's.
const PRIVATE_SUFFIXES: &[&str] = &[
    "internal", "local", "lan", "corp", "intranet", "private", "home", "localnet",
];

/// Two-letter country code top-level domains, without those that are common file extensions
/// (`.cc`, `.py`, `.rs`, `.sh`, `.so`, `.pl`, `.pm`, `.md`, `.mk`, `.ml`, `.ps`, `.am`, `.in`,
/// `.ac`, `.cf`, `.cl`, `.gd`, `.la`, `.mo`, `.sc`, `.sv`, `.tf`): `main.tf:12` is no host.
const CC_TLDS: &str = "ad ae af ag al ao aq ar at au aw ax az ba bb bd be bf bg bh bi bj bm \
bn bo br bs bt bw by bz ca cd cg ch ci ck cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec \
ee eg er es et eu fi fj fk fm fo fr ga ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn \
hr ht hu id ie il im io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz lb lc li lk lr ls \
lt lu lv ly ma mc me mg mh mn mp mq mr mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz \
om pa pe pf pg ph pk pn pr pt pw qa re ro ru rw sa sb sd se sg si sk sl sm sn sr ss st su sx \
sy sz tc td tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws \
ye yt za zm zw";

/// Generic top-level domains seen in logs.
const GENERIC_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "arpa", "name", "pro",
    "mobi", "cloud", "online", "site", "tech", "xyz", "top", "app", "dev", "example", "asia",
    "club", "shop", "store", "website", "travel", "jobs", "museum", "coop", "aero",
];

/// Whether `label` (any case) is a top-level domain as far as names in logs go.
pub(crate) fn is_tld(label: &[u8]) -> bool {
    let mut lower = [0u8; 8];
    let Some(slot) = lower.get_mut(..label.len()) else {
        return false;
    };
    for (to, from) in slot.iter_mut().zip(label) {
        *to = from.to_ascii_lowercase();
    }
    let lower: &[u8] = slot;
    match lower {
        [a, b] if a.is_ascii_lowercase() && b.is_ascii_lowercase() => {
            cc_tlds().binary_search(&[*a, *b]).is_ok()
        }
        _ => lower.len() >= 3 && GENERIC_TLDS.iter().any(|tld| tld.as_bytes() == lower),
    }
}

/// [`CC_TLDS`] as a sorted array.
fn cc_tlds() -> &'static [[u8; 2]] {
    static SORTED: std::sync::OnceLock<Vec<[u8; 2]>> = std::sync::OnceLock::new();
    SORTED.get_or_init(|| {
        let mut all: Vec<[u8; 2]> = CC_TLDS
            .split_ascii_whitespace()
            .filter_map(|tld| match tld.as_bytes() {
                [a, b] => Some([*a, *b]),
                _ => None,
            })
            .collect();
        all.sort_unstable();
        all
    })
}

/// Whether a dotted name's last label is a private name space (`.internal`, `.local`, `.lan`,
/// `.corp`, `.home.arpa`, `.intranet`, `.private`).
pub(crate) fn has_private_suffix(lower: &[u8]) -> bool {
    let last = lower.rsplit(|&b| b == b'.').next().unwrap_or_default();
    PRIVATE_SUFFIXES.iter().any(|s| s.as_bytes() == last) || lower.ends_with(b".home.arpa")
}

/// Whether a dotted name holds a private label anywhere but first (`x.fareast.corp.microsoft.com`):
/// an organisation's internal name space even under a public domain.
fn has_private_label(lower: &[u8]) -> bool {
    lower
        .split(|&b| b == b'.')
        .skip(1)
        .any(|label| PRIVATE_SUFFIXES.iter().any(|s| s.as_bytes() == label))
}

/// Whether a name encodes an IPv4 address: four consecutive groups of 1-3 digits, each at most
/// 255, separated by `-` or `.` (`220-135-151-1.hinet-ip.hinet.net`, `ip-10-0-0-1.ec2.internal`,
/// `dsl-static-059.45.101.203.touchtelindia.net`), or twelve digits in a row
/// (`n219076184117.netvigator.com`).
pub(crate) fn encodes_address(name: &[u8]) -> bool {
    let mut groups = 0;
    let mut run = 0usize;
    let mut value = 0u32;
    let mut digits_in_row = 0;
    for &b in name.iter().chain(std::iter::once(&b' ')) {
        if b.is_ascii_digit() {
            run += 1;
            digits_in_row += 1;
            value = value.saturating_mul(10).saturating_add(u32::from(b - b'0'));
            if digits_in_row == 12 {
                return true;
            }
            continue;
        }
        digits_in_row = 0;
        let ok_group = (1..=3).contains(&run) && value <= 255;
        if ok_group && matches!(b, b'-' | b'.') {
            groups += 1;
        } else if ok_group {
            groups += 1;
            if groups >= 4 {
                return true;
            }
            groups = 0;
        } else {
            groups = 0;
        }
        if groups >= 4 {
            return true;
        }
        run = 0;
        value = 0;
    }
    false
}

/// Whether `lower` is a public or vendor domain or under one.
fn under(lower: &[u8], domains: impl IntoIterator<Item = impl AsRef<[u8]>>) -> bool {
    domains.into_iter().any(|d| {
        let d = d.as_ref();
        lower == d
            || (lower.len() > d.len()
                && lower.ends_with(d)
                && lower.get(lower.len() - d.len() - 1) == Some(&b'.'))
    })
}

/// Whether a lower-cased dotted name is a public or vendor service that stays readable: under
/// [`PUBLIC_DOMAINS`] or `extra`, with no private label and no encoded address.
pub(crate) fn is_public_name(lower: &[u8], extra: &BTreeSet<String>) -> bool {
    static PUBLIC: std::sync::OnceLock<std::collections::HashSet<&'static [u8]>> =
        std::sync::OnceLock::new();
    let public = PUBLIC.get_or_init(|| PUBLIC_DOMAINS.iter().map(|d| d.as_bytes()).collect());
    // The name itself and every suffix after a dot, looked up (not compared with each domain).
    let listed = std::iter::once(lower)
        .chain(memchr::memchr_iter(b'.', lower).filter_map(|dot| lower.get(dot + 1..)))
        .any(|suffix| public.contains(suffix));
    (listed || (!extra.is_empty() && under(lower, extra)))
        && !has_private_label(lower)
        && !encodes_address(lower)
}

/// Whether a dotted name is only a public suffix: a TLD, or `co.uk`, `edu.hk`, `com.cn`-style.
fn is_public_suffix(lower: &[u8]) -> bool {
    let labels: Vec<&[u8]> = lower.split(|&b| b == b'.').collect();
    match labels.as_slice() {
        [one] => is_tld(one),
        [second, tld] => {
            tld.len() == 2
                && [
                    &b"com"[..],
                    b"net",
                    b"org",
                    b"edu",
                    b"gov",
                    b"ac",
                    b"co",
                    b"or",
                    b"ne",
                    b"go",
                ]
                .contains(second)
        }
        _ => false,
    }
}

/// Names to replace: host, domain and user names, and the user's keywords.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Host names (lower case), fully qualified or short; matched case-insensitively.
    pub hostnames: BTreeSet<String>,
    /// User names from case-insensitive sources (Windows accounts, names given by the user), in
    /// lower case.
    pub usernames: BTreeSet<String>,
    /// Unix user names, as written; matched case-sensitively (`alice` is not `Alice`).
    pub unix_usernames: BTreeSet<String>,
    /// The customer's domains (lower case): every name ending in one is replaced whole.
    pub domains: BTreeSet<String>,
    /// Domains that stay readable (lower case): the vendor's own (its contact e-mail, portal
    /// and knowledge-base hosts: [`vendor_domains`]), added to [`PUBLIC_DOMAINS`].
    pub public_domains: BTreeSet<String>,
    /// The user's own keywords (project names, customer names), as given.
    pub keywords: BTreeSet<String>,
    /// Secret values the redactor's rules found in the text: removed wherever else they occur.
    pub secrets: super::scan::KnownSecrets,
}

impl Names {
    /// Names of the machine at `root` (`/` for this one): its hostname (`etc/hostname`, and with
    /// `live` also the running system's) and the first label and domain of a qualified one; its
    /// FQDN from `etc/hosts` (the names on the line of the hostname); DNS search domains and
    /// `domain` from `etc/resolv.conf`; the realm and AD/IPA domains of `etc/krb5.conf`
    /// (`default_realm`) and `etc/sssd/sssd.conf` (`domains`, `ad_domain`, `ipa_domain`,
    /// `krb5_realm`); users from `etc/passwd` with 1000 <= uid < 65534; folder names under
    /// `home/` and `Users/`. Files that cannot be read are skipped. The stop list applies.
    pub fn from_system(root: &Path, live: bool) -> Names {
        let mut names = Names::default();
        let read = |parts: &[&str]| {
            let path = parts
                .iter()
                .fold(root.to_path_buf(), |p, part| p.join(part));
            std::fs::read_to_string(path).ok()
        };
        let mut own = Vec::new();
        if live && let Some(host) = sysinfo::System::host_name() {
            own.push(host);
        }
        if let Some(text) = read(&["etc", "hostname"])
            && let Some(line) = text.lines().map(str::trim).find(|l| !l.starts_with('#'))
        {
            own.push(line.to_owned());
        }
        for host in &own {
            names.learn_host(host);
        }
        if let Some(text) = read(&["etc", "hosts"]) {
            for line in text.lines() {
                let line = line.split('#').next().unwrap_or_default();
                let mut fields = line.split_ascii_whitespace();
                let _address = fields.next();
                let aliases: Vec<&str> = fields.collect();
                let short: Vec<String> = own
                    .iter()
                    .map(|h| h.split('.').next().unwrap_or_default().to_ascii_lowercase())
                    .collect();
                if aliases.iter().any(|a| {
                    short.contains(&a.split('.').next().unwrap_or_default().to_ascii_lowercase())
                }) {
                    for alias in aliases {
                        names.learn_host(alias);
                    }
                }
            }
        }
        if let Some(text) = read(&["etc", "resolv.conf"]) {
            for line in text.lines() {
                let mut fields = line.split_ascii_whitespace();
                if matches!(fields.next(), Some("search" | "domain")) {
                    for domain in fields {
                        names.learn_domain(domain);
                    }
                }
            }
        }
        let realm_keys = [
            "default_realm",
            "domains",
            "ad_domain",
            "ipa_domain",
            "krb5_realm",
            "dns_discovery_domain",
        ];
        for parts in [&["etc", "krb5.conf"][..], &["etc", "sssd", "sssd.conf"]] {
            let Some(text) = read(parts) else {
                continue;
            };
            for line in text.lines() {
                if let Some((key, value)) = line.split_once('=')
                    && realm_keys.contains(&key.trim())
                {
                    for domain in value.split([',', ' ']) {
                        names.learn_domain(domain);
                    }
                }
            }
        }
        if let Some(text) = read(&["etc", "passwd"]) {
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
                    names.learn_unix_user(name);
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
                    if folder == "home" {
                        names.learn_unix_user(name);
                    } else {
                        names.learn_user(name);
                    }
                }
            }
        }
        names
    }

    /// Adds every name of `other`.
    pub fn merge(&mut self, other: Names) {
        self.hostnames.extend(other.hostnames);
        self.usernames.extend(other.usernames);
        self.unix_usernames.extend(other.unix_usernames);
        self.domains.extend(other.domains);
        self.public_domains.extend(other.public_domains);
        self.keywords.extend(other.keywords);
        self.secrets.merge(other.secrets);
    }

    /// Learns a host name, its first label and its domain (unless public).
    pub fn learn_host(&mut self, raw: &str) {
        let raw = raw.trim().trim_end_matches('.');
        let Some(name) = plausible_name(raw) else {
            return;
        };
        if name.contains('.') {
            if is_public_name(name.as_bytes(), &self.public_domains)
                || is_public_suffix(name.as_bytes())
            {
                return;
            }
            if let Some((first, rest)) = name.split_once('.') {
                if let Some(label) = plausible_name(first)
                    && !label.bytes().all(|b| b.is_ascii_digit())
                {
                    self.hostnames.insert(label);
                }
                self.learn_domain(rest);
            }
        }
        self.hostnames.insert(name);
    }

    /// Learns a peer's host name and its domain, but not its first label alone.
    pub fn learn_peer(&mut self, raw: &str) {
        let raw = raw.trim().trim_end_matches('.');
        let Some(name) = plausible_name(raw) else {
            return;
        };
        if let Some((_, rest)) = name.split_once('.') {
            if is_public_name(name.as_bytes(), &self.public_domains)
                || is_public_suffix(name.as_bytes())
            {
                return;
            }
            self.learn_domain(rest);
        }
        self.hostnames.insert(name);
    }

    /// Learns a domain of the customer (not a public one, not a bare public suffix).
    pub fn learn_domain(&mut self, raw: &str) {
        let raw = raw.trim().trim_end_matches('.');
        let Some(lower) = plausible_name(raw) else {
            return;
        };
        if !lower.contains('.')
            || is_public_suffix(lower.as_bytes())
            || is_public_name(lower.as_bytes(), &self.public_domains)
            || !lower
                .rsplit('.')
                .next()
                .is_some_and(|l| l.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return;
        }
        self.domains.insert(lower);
    }

    /// Learns a user name from a case-insensitive source (Windows, given by the user).
    pub fn learn_user(&mut self, raw: &str) {
        if let Some(name) = plausible_name(raw.trim()) {
            self.usernames.insert(name);
        }
    }

    /// Learns a Unix user name, kept as written.
    pub fn learn_unix_user(&mut self, raw: &str) {
        let raw = raw.trim();
        if plausible_name(raw).is_some() {
            self.unix_usernames.insert(raw.to_owned());
        }
    }
}

/// `raw` in lower case if it may be learned as a name.
fn plausible_name(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    if bytes.len() < 3 || bytes.len() > 253 {
        return None;
    }
    if !bytes.iter().all(|&b| is_name_byte(b)) {
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

/// Whether `value` standing in a name's place is replaced there: not empty, only name bytes,
/// not a placeholder or built-in account ([`NEVER_REPLACED`]), not a pseudonym or address.
pub(crate) fn replaceable_in_place(value: &[u8]) -> bool {
    if value.is_empty() || value.len() > 253 || !value.iter().all(|&b| is_name_byte(b)) {
        return false;
    }
    if value.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && value.iter().filter(|&&b| b == b'.').count() == 3
    {
        return false;
    }
    let unknown = value
        .get(..7)
        .is_some_and(|head| head.eq_ignore_ascii_case(b"unknown"));
    !is_version(value)
        && !unknown
        && !value.iter().all(|&b| b == b'x' || b == b'X')
        && !NEVER_REPLACED
            .iter()
            .any(|never| value.eq_ignore_ascii_case(never.as_bytes()))
        && !super::scan::is_pseudonym(value)
}

/// The vendor's own domains in `profile` (portal, status and knowledge-base hosts, contact and
/// partner e-mail domains), as registrable domains (`support.jumpcloud.com` gives
/// `jumpcloud.com`): names under them stay readable in the bundle.
pub fn vendor_domains(profile: &crate::profile::schema::Profile) -> BTreeSet<String> {
    let links = &profile.links;
    let urls = [
        &links.portal,
        &links.status,
        &links.knowledge_base,
        &links.knowledge_base_search,
    ];
    let hosts = urls.into_iter().flatten().filter_map(|url| {
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next()?;
        let host = authority.rsplit('@').next()?;
        Some(host.split(':').next()?.to_ascii_lowercase())
    });
    let mails = [&profile.contact.email, &profile.contact.partner_email]
        .into_iter()
        .flatten()
        .filter_map(|mail| {
            mail.rsplit_once('@')
                .map(|(_, d)| d.trim().to_ascii_lowercase())
        });
    hosts
        .chain(mails)
        .filter_map(|host| registrable(&host))
        .collect()
}

/// The registrable domain of a host name: its last two labels, or three under a public suffix
/// such as `co.uk`.
fn registrable(host: &str) -> Option<String> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let n = labels.len();
    if n < 2 {
        return None;
    }
    let two = labels.get(n - 2..)?.join(".");
    if is_public_suffix(two.as_bytes()) && n >= 3 {
        return Some(labels.get(n - 3..)?.join("."));
    }
    Some(two)
}

/// Whether the redactor replaces the name `value` wherever it stands as a whole token: a
/// plausible learned name that is no common word and no public name. Names replaced only in
/// their places (`admin` in `invalid user admin`) are not.
pub(crate) fn replaced_everywhere(value: &[u8], public: &BTreeSet<String>) -> bool {
    let Ok(text) = std::str::from_utf8(value) else {
        return false;
    };
    let Some(lower) = plausible_name(text) else {
        return false;
    };
    let public_name = lower.contains('.') && is_public_name(lower.as_bytes(), public);
    !(is_common_word(&lower) || public_name)
}

/// Whether `value` is a version number: an optional `v`, digits and dots with at least one dot,
/// and an optional `-`, `_`, `+` or `~` tail (`v18.2.0`, `1.8.0_292`, `2.6.9-5.0.5.EL`).
fn is_version(value: &[u8]) -> bool {
    let body = value
        .strip_prefix(b"v")
        .or_else(|| value.strip_prefix(b"V"))
        .unwrap_or(value);
    let head_len = body
        .iter()
        .position(|&b| matches!(b, b'-' | b'_' | b'+' | b'~'))
        .unwrap_or(body.len());
    let head = body.get(..head_len).unwrap_or_default();
    head.first().is_some_and(u8::is_ascii_digit)
        && head.contains(&b'.')
        && head.iter().all(|&b| b.is_ascii_digit() || b == b'.')
}

/// What stands in a name's place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A Unix user name (case-sensitive).
    User,
    /// A user name from a case-insensitive source: a Windows account, URL user info.
    WindowsUser,
    /// A host name, short or qualified.
    Host,
    /// A peer's host name (a URL host, `HOST:port`, `rhost=`, a name beside an address): its
    /// first label is not learned on its own (`caldav.163.com` must not make `/caldav/` a name).
    Peer,
    /// Not a place: any dotted name ending in a top-level domain ([`dotted_names`]), passed on so
    /// that callers judge domains in the same pass.
    Dotted,
}

/// Learns names from evidence text; see the module documentation for the places.
#[derive(Debug, Default)]
pub struct Learner {
    names: Names,
    /// Raw values already considered, as role tag + bytes: most repeat on every line.
    seen: std::collections::HashSet<Vec<u8>>,
    /// The key being looked up, reused.
    key: Vec<u8>,
}

impl Learner {
    /// An empty learner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns from a piece of text (whole lines; any encoding, invalid UTF-8 is skipped over).
    pub fn feed(&mut self, text: &[u8]) {
        spots(text, |start, end, role| {
            if let Some(value) = text.get(start..end) {
                if role == Role::Dotted {
                    self.learn_encoded(value);
                } else {
                    self.learn(role, value);
                }
            }
        });
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

    /// Whether `raw` under `tag` was considered already (and marks it so).
    fn seen_before(&mut self, tag: u8, raw: &[u8]) -> bool {
        self.key.clear();
        self.key.push(tag);
        self.key.extend_from_slice(raw);
        if self.seen.contains(self.key.as_slice()) {
            return true;
        }
        if self.seen.len() < 100_000 {
            self.seen.insert(self.key.clone());
        }
        false
    }

    fn learn(&mut self, role: Role, raw: &[u8]) {
        if self.seen_before(role as u8, raw) {
            return;
        }
        let Ok(raw) = std::str::from_utf8(raw) else {
            return;
        };
        match role {
            Role::Host => self.names.learn_host(raw),
            Role::Peer => self.names.learn_peer(raw),
            Role::Dotted => {}
            Role::User => self.names.learn_unix_user(raw),
            Role::WindowsUser => self.names.learn_user(raw),
        }
    }

    /// The domain of a name that encodes an address (`calvisitor-10-105-160-95.calvisitor.1918.
    /// berkeley.edu` teaches `calvisitor.1918.berkeley.edu`).
    fn learn_encoded(&mut self, name: &[u8]) {
        if encodes_address(name)
            && let Some(dot) = memchr::memchr(b'.', name)
            && let Some(rest) = name.get(dot + 1..)
            && rest.contains(&b'.')
            && !encodes_address(rest)
            && let Ok(rest) = std::str::from_utf8(rest)
            && !self.seen_before(b'd', rest.as_bytes())
        {
            self.names.learn_domain(rest);
        }
    }
}

/// Calls `each(start, end)` for every dotted name in `text` that ends in a top-level domain:
/// runs of letters, digits, `-` and `_` joined by single dots, not touching a name byte or `.`
/// on either side, whose first label is not a generic TLD (`com.apple.xpc` is a component).
pub(crate) fn dotted_names(text: &[u8], mut each: impl FnMut(usize, usize)) {
    let mut from = 0;
    while let Some(dot) = text
        .get(from..)
        .and_then(|rest| memchr::memchr(b'.', rest))
        .map(|i| from + i)
    {
        from = dot + 1;
        let label_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if dot == 0 || !text.get(dot - 1).is_some_and(|&b| label_byte(b)) {
            continue;
        }
        let mut start = dot;
        while start > 0
            && text
                .get(start - 1)
                .is_some_and(|&b| label_byte(b) || b == b'.')
        {
            start -= 1;
        }
        let mut end = dot + 1;
        while text.get(end).is_some_and(|&b| label_byte(b) || b == b'.') {
            end += 1;
        }
        from = end.max(from);
        // A sentence's full stop is not part of the name.
        while end > start && text.get(end - 1) == Some(&b'.') {
            end -= 1;
        }
        let Some(name) = text.get(start..end) else {
            continue;
        };
        if name.first() == Some(&b'.')
            || name.first() == Some(&b'-')
            || memchr::memmem::find(name, b"..").is_some()
            || !name.contains(&b'.')
            || text.get(start.wrapping_sub(1)).is_some_and(|&b| b >= 0x80)
            || text.get(end).is_some_and(|&b| b >= 0x80)
        {
            continue;
        }
        let last = name.rsplit(|&b| b == b'.').next().unwrap_or_default();
        let first = name.split(|&b| b == b'.').next().unwrap_or_default();
        if !last.iter().all(u8::is_ascii_alphabetic)
            || !(is_tld(last)
                || PRIVATE_SUFFIXES
                    .iter()
                    .any(|s| last.eq_ignore_ascii_case(s.as_bytes())))
            || [&b"com"[..], b"org", b"net", b"io", b"edu", b"gov"]
                .iter()
                .any(|g| first.eq_ignore_ascii_case(g))
        {
            continue;
        }
        each(start, end);
    }
}

/// Calls `each(start, end, role)` for every place in `text` where a name stands as a name; see
/// the module documentation for the places. The value is not checked beyond its shape.
pub(crate) fn spots(text: &[u8], mut each: impl FnMut(usize, usize, Role)) {
    anchor_spots(text, &mut each);
    spots_but_anchors(text, &mut each);
}

/// [`spots`] except those announced by a key word at a word start ([`anchor_spot`]).
pub(crate) fn spots_but_anchors(text: &[u8], mut each: impl FnMut(usize, usize, Role)) {
    backslash_spots(text, &mut each);
    line_spots(text, &mut each);
    punctuation_spots(text, &mut each);
    compound_key_spots(text, &mut each);
}

/// `ProxyUser=NAME`, `db_user = NAME`, `SMTP_USERNAME="NAME"`, `jdbc.login=NAME`: a key whose
/// last component (after `_`, `-`, `.` or a lower- to upper-case step) is a user key word; the
/// bare key words are anchors ([`anchor_spot`]).
fn compound_key_spots(text: &[u8], each: &mut impl FnMut(usize, usize, Role)) {
    const SUFFIXES: [&[u8]; 4] = [b"username", b"user_name", b"user", b"login"];
    for eq in memchr::memchr_iter(b'=', text) {
        let byte = |i: usize| text.get(i).copied().unwrap_or(0);
        if matches!(byte(eq + 1), b'=' | b'~') || eq == 0 {
            continue;
        }
        let mut key_end = eq;
        while key_end > 0 && matches!(byte(key_end - 1), b' ' | b'\t' | b'"' | b'\'') {
            key_end -= 1;
        }
        let mut key_start = key_end;
        while key_start > 0
            && key_end - key_start < 64
            && (byte(key_start - 1).is_ascii_alphanumeric()
                || matches!(byte(key_start - 1), b'_' | b'-' | b'.'))
        {
            key_start -= 1;
        }
        let key = text.get(key_start..key_end).unwrap_or_default();
        let Some(suffix) = SUFFIXES.iter().find(|suffix| {
            key.len() > suffix.len()
                && key
                    .get(key.len() - suffix.len()..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
        }) else {
            continue;
        };
        let cut = key.len() - suffix.len();
        let (last, first) = (byte(key_start + cut - 1), byte(key_start + cut));
        let boundary = matches!(last, b'_' | b'-' | b'.')
            || (last.is_ascii_lowercase() && first.is_ascii_uppercase());
        if !boundary {
            continue;
        }
        let mut p = eq + 1;
        while matches!(byte(p), b' ' | b'\t' | b'"' | b'\'') {
            p += 1;
        }
        value_spots(text, p, Role::User, each);
    }
}

/// The key words [`anchor`] knows, for the first-two-letters filter.
const ANCHOR_WORDS: &[&str] = &[
    "for",
    "user",
    "host",
    "home",
    "node",
    "name",
    "maps",
    "login",
    "ruser",
    "users",
    "rhost",
    "client",
    "source",
    "caller",
    "server",
    "invalid",
    "illegal",
    "logname",
    "account",
    "username",
    "hostname",
    "resolved",
    "computer",
    "machine",
    "user_name",
    "host_name",
    "workstation",
    "authenticating",
    "targetusername",
    "subjectusername",
    "workstationname",
    "targetdomainname",
    "subjectdomainname",
];

/// Bit `(b0 << 8) | b1` is set when a key word starts with the lower-case bytes `b0 b1`.
static ANCHOR_PAIRS: [u64; 1024] = {
    let mut table = [0u64; 1024];
    let mut w = 0;
    while w < ANCHOR_WORDS.len() {
        let word = ANCHOR_WORDS[w].as_bytes();
        let pair = (word[0] as usize) << 8 | word[1] as usize;
        table[pair >> 6] |= 1 << (pair & 63);
        w += 1;
    }
    table
};

/// What a word at a word start means.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// `user`, `username`, `user_name`, `login`, `ruser`, `logname`: a user name key.
    UserKey,
    /// `host`, `hostname`, `host_name`, `rhost`: a host name key.
    HostKey,
    /// `home`, `users` between path separators.
    PathFolder,
    /// `for`.
    For,
    /// `invalid`, `illegal`, `authenticating` (sshd: `invalid user N`).
    Invalid,
    /// `Resolved`.
    Resolved,
    /// `node`.
    Node,
    /// Windows event text: `Account`, `Workstation`, `Client`, `Computer`, `Source`, `Caller`.
    Event,
    /// XML data element names: `TargetUserName`, `SubjectUserName`, `WorkstationName`…
    Data(Role),
    /// `name` in Java system properties `host.name=` and `user.name=`.
    PropertyName,
    /// `server: NAME:port` (a short host name with a port).
    Server,
    /// `maps to NAME` (sshd's reverse-mapping warning).
    Maps,
}

fn anchor(word: &[u8]) -> Option<Anchor> {
    let is = |name: &[u8]| word.eq_ignore_ascii_case(name);
    let found = match word.len() {
        3 if is(b"for") => Anchor::For,
        4 if is(b"user") => Anchor::UserKey,
        4 if is(b"host") => Anchor::HostKey,
        4 if is(b"home") => Anchor::PathFolder,
        4 if is(b"node") => Anchor::Node,
        4 if is(b"name") => Anchor::PropertyName,
        4 if is(b"maps") => Anchor::Maps,
        5 if is(b"login") || is(b"ruser") => Anchor::UserKey,
        5 if is(b"users") => Anchor::PathFolder,
        5 if is(b"rhost") => Anchor::HostKey,
        6 if is(b"client") || is(b"source") || is(b"caller") => Anchor::Event,
        6 if is(b"server") => Anchor::Server,
        7 if is(b"invalid") || is(b"illegal") => Anchor::Invalid,
        14 if is(b"authenticating") => Anchor::Invalid,
        7 if is(b"logname") => Anchor::UserKey,
        7 if is(b"account") => Anchor::Event,
        8 if is(b"username") => Anchor::UserKey,
        8 if is(b"hostname") => Anchor::HostKey,
        8 if is(b"resolved") => Anchor::Resolved,
        8 if is(b"computer") => Anchor::Event,
        7 if is(b"machine") => Anchor::Event,
        9 if is(b"user_name") => Anchor::UserKey,
        9 if is(b"host_name") => Anchor::HostKey,
        11 if is(b"workstation") => Anchor::Event,
        14 if is(b"targetusername") => Anchor::Data(Role::WindowsUser),
        15 if is(b"subjectusername") || is(b"workstationname") => {
            if is(b"workstationname") {
                Anchor::Data(Role::Host)
            } else {
                Anchor::Data(Role::WindowsUser)
            }
        }
        16 if is(b"targetdomainname") => Anchor::Data(Role::Host),
        17 if is(b"subjectdomainname") => Anchor::Data(Role::Host),
        _ => return None,
    };
    Some(found)
}

pub(crate) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// The length of the run of name bytes starting at `from`, without a trailing `.`.
fn name_len(text: &[u8], from: usize) -> usize {
    let rest = text.get(from..).unwrap_or_default();
    let mut len = rest
        .iter()
        .position(|&b| !is_name_byte(b))
        .unwrap_or(rest.len());
    while len > 0 && rest.get(len - 1) == Some(&b'.') {
        len -= 1;
    }
    len
}

fn line_of(text: &[u8], at: usize) -> &[u8] {
    let start = memchr::memrchr(b'\n', text.get(..at).unwrap_or_default()).map_or(0, |i| i + 1);
    let end =
        memchr::memchr(b'\n', text.get(at..).unwrap_or_default()).map_or(text.len(), |i| at + i);
    text.get(start..end).unwrap_or_default()
}

/// A user or host value at `from` (`CORP\alice` gives both; `alice@corp` gives nothing).
fn value_spots(text: &[u8], from: usize, role: Role, each: &mut impl FnMut(usize, usize, Role)) {
    let len = name_len(text, from);
    if len == 0 {
        return;
    }
    let after = text.get(from + len).copied();
    if after == Some(b'@') {
        return;
    }
    if after == Some(b'\\') {
        // DOMAIN\name: handled by the backslash pass.
        return;
    }
    each(from, from + len, role);
}

fn anchor_spots(text: &[u8], each: &mut impl FnMut(usize, usize, Role)) {
    for start in super::scan::WordStarts::new(text) {
        anchor_spot(text, start, each);
    }
}

/// The place the word at `start` announces, if it is a key word (`user=`, `for user`, `Account
/// Name:`...); the redactor calls this from its own word loop.
pub(crate) fn anchor_spot(text: &[u8], start: usize, each: &mut impl FnMut(usize, usize, Role)) {
    let byte = |i: usize| text.get(i).copied().unwrap_or(0);
    // Cheap rejection on the first two letters (lower-cased) before measuring the word.
    let pair = usize::from(byte(start) | 0x20) << 8 | usize::from(byte(start + 1) | 0x20);
    if ANCHOR_PAIRS
        .get(pair >> 6)
        .is_none_or(|bits| bits & (1 << (pair & 63)) == 0)
    {
        return;
    }
    let len = super::scan::word_len(text, start);
    let i = start + len;
    if !(3..=17).contains(&len) {
        return;
    }
    let Some(kind) = anchor(text.get(start..i).unwrap_or_default()) else {
        return;
    };
    let prev = start.checked_sub(1).map_or(0, byte);
    let rest = text.get(i..).unwrap_or_default();
    match kind {
        Anchor::PathFolder => {
            let separator = byte(i);
            if !matches!(prev, b'/' | b'\\') || separator != prev {
                return;
            }
            let len = name_len(text, i + 1);
            let after = text.get(i + 1 + len).copied();
            let name = text.get(i + 1..i + 1 + len).unwrap_or_default();
            // The profile folders every machine has are no one's name.
            let shared = [&b"default"[..], b"public", b"shared", b"all"]
                .iter()
                .any(|folder| name.eq_ignore_ascii_case(folder));
            if matches!(
                after,
                None | Some(b'/' | b'\\' | b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b':')
            ) && len > 0
                && !shared
            {
                let role = if prev == b'\\' {
                    Role::WindowsUser
                } else {
                    Role::User
                };
                each(i + 1, i + 1 + len, role);
            }
        }
        Anchor::For => {
            if prev != b' ' || byte(i) != b' ' {
                return;
            }
            let p = i + 1;
            let tail = text.get(p..).unwrap_or_default();
            if let Some(after) = tail.strip_prefix(b"user ") {
                let len = name_len(after, 0);
                let name = after.get(..len).unwrap_or_default();
                let next = after.get(len..).unwrap_or_default();
                // `for user news by (uid=0)`, `for user heidi(uid=1001)` and `for user
                // jsmith` at the end of a line always; followed by anything else only when
                // the word is no common English word (`for user input, ...`).
                let strong = next.starts_with(b" by ")
                    || next.starts_with(b"(")
                    || matches!(next.first(), None | Some(b'\r' | b'\n'));
                let english = is_english_word(&String::from_utf8_lossy(name).to_ascii_lowercase());
                let prose = english
                    || !matches!(
                        next.first(),
                        Some(b' ' | b',' | b';' | b':' | b'.' | b'\'' | b'"')
                    );
                if len > 0 && (strong || !prose) {
                    value_spots(text, p + 5, Role::User, each);
                }
                return;
            }
            if tail.starts_with(b"invalid user ") {
                return; // The `invalid` anchor takes it.
            }
            let len = name_len(text, p);
            let after = text.get(p + len..).unwrap_or_default();
            if len > 0
                && (after.starts_with(b" from ")
                    || after.starts_with(b" port ")
                    || after.starts_with(b" [preauth]"))
                && memchr::memmem::find(line_of(text, p), b"sshd").is_some()
            {
                each(p, p + len, Role::User);
            }
        }
        Anchor::Invalid => {
            if let Some(after) = rest.strip_prefix(b" user ") {
                let p = i + 6;
                let len = name_len(after, 0);
                let next = after.get(len).copied();
                if len > 0 && matches!(next, None | Some(b' ' | b'\r' | b'\n' | b'(')) {
                    each(p, p + len, Role::User);
                }
            }
        }
        Anchor::Resolved => {
            if byte(i) == b' ' {
                let len = name_len(text, i + 1);
                let name = text.get(i + 1..i + 1 + len).unwrap_or_default();
                if len > 0
                    && name
                        .iter()
                        .any(|&b| b.is_ascii_digit() || b == b'-' || b == b'.')
                    && text
                        .get(i + 1 + len..)
                        .is_some_and(|r| r.starts_with(b" to "))
                {
                    each(i + 1, i + 1 + len, Role::Host);
                }
            }
        }
        Anchor::Node => {
            if byte(i) == b' ' && prev == b' ' {
                let len = name_len(text, i + 1);
                let name = text.get(i + 1..i + 1 + len).unwrap_or_default();
                if name.iter().any(u8::is_ascii_digit)
                    && name.iter().any(u8::is_ascii_alphabetic)
                    && name.iter().any(|&b| b == b'-' || b == b'.')
                {
                    each(i + 1, i + 1 + len, Role::Host);
                }
            }
        }
        Anchor::Event => event_spot(text, start, i, each),
        Anchor::PropertyName => {
            let head = text.get(start.saturating_sub(5)..start).unwrap_or_default();
            let role = if head.eq_ignore_ascii_case(b"host.") {
                Role::Host
            } else if head.eq_ignore_ascii_case(b"user.") {
                Role::User
            } else {
                return;
            };
            if byte(i) == b'=' && !start.checked_sub(6).is_some_and(|s| is_name_byte(byte(s))) {
                value_spots(text, i + 1, role, each);
            }
        }
        Anchor::Server => {
            if let Some(after) = rest.strip_prefix(b": ") {
                let len = name_len(after, 0);
                let name = after.get(..len).unwrap_or_default();
                if len > 0
                    && after.get(len) == Some(&b':')
                    && (2..=5).contains(&digits(after, len + 1))
                    && name.iter().any(u8::is_ascii_alphabetic)
                {
                    each(i + 2, i + 2 + len, Role::Host);
                }
            }
        }
        Anchor::Maps => {
            if let Some(after) = rest.strip_prefix(b" to ") {
                let len = name_len(after, 0);
                let name = after.get(..len).unwrap_or_default();
                if len > 0 && name.contains(&b'.') && name.iter().any(u8::is_ascii_alphabetic) {
                    each(i + 4, i + 4 + len, Role::Peer);
                }
            }
        }
        Anchor::Data(role) => {
            if let Some(after) = rest
                .strip_prefix(b"'>")
                .or_else(|| rest.strip_prefix(b"\">"))
            {
                let p = i + 2;
                let len = name_len(after, 0);
                if len > 0 && after.get(len) == Some(&b'<') {
                    windows_value(text, p, len, role, each);
                }
            } else if let Some(p) = assigned_at(text, i) {
                let len = name_len(text, p);
                windows_value(text, p, len, role, each);
            }
        }
        Anchor::UserKey | Anchor::HostKey => {
            if let Some(p) = assigned_at(text, i) {
                // `user=0` is a uid, not a name.
                if kind == Anchor::UserKey
                    && digits(text, p) > 0
                    && !text
                        .get(p + digits(text, p))
                        .is_some_and(|&b| is_name_byte(b))
                {
                    return;
                }
                let role = if kind == Anchor::HostKey && byte(start) | 0x20 == b'r' {
                    Role::Peer
                } else if kind == Anchor::HostKey {
                    Role::Host
                } else {
                    Role::User
                };
                value_spots(text, p, role, each);
            } else if kind == Anchor::HostKey && len == 8 {
                host_sentence(text, i, each);
            } else if kind == Anchor::HostKey && len == 4 && rest.starts_with(b" name") {
                host_sentence(text, i + 5, each);
            }
        }
    }
}

/// A Windows value: a name ending in `$` is a computer account.
fn windows_value(
    text: &[u8],
    p: usize,
    len: usize,
    role: Role,
    each: &mut impl FnMut(usize, usize, Role),
) {
    if len == 0 {
        return;
    }
    if text.get(p + len) == Some(&b'$') {
        each(p, p + len, Role::Host);
    } else {
        each(p, p + len, role);
    }
}

/// `hostname` (or `host name`) ending at `i`, then `reported as`, `is`, `to`, `set to`,
/// `changed to` or `:`, an optional quote and a name.
fn host_sentence(text: &[u8], i: usize, each: &mut impl FnMut(usize, usize, Role)) {
    let rest = text.get(i..).unwrap_or_default();
    let mut skip = None;
    for connector in [
        &b" reported as "[..],
        b" is ",
        b" to ",
        b" set to ",
        b" changed to ",
        b" was set to ",
    ] {
        if rest.len() >= connector.len()
            && rest
                .get(..connector.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(connector))
        {
            skip = Some(connector.len());
            break;
        }
    }
    let Some(mut p) = skip.map(|s| i + s) else {
        return;
    };
    let quoted = matches!(text.get(p), Some(b'"' | b'\''));
    if quoted {
        p += 1;
    }
    let len = name_len(text, p);
    let name = text.get(p..p + len).unwrap_or_default();
    // Unquoted, a name must look like one: a digit, a dash or a dot in it.
    if len > 0
        && (quoted
            || name
                .iter()
                .any(|&b| b.is_ascii_digit() || b == b'-' || b == b'.'))
    {
        each(p, p + len, Role::Host);
    }
}

/// Windows event text: `Account Name:`, `Account Domain:`, `Workstation Name:`, `Client Name:`,
/// `Client Address:` (left to the address detectors), `Computer:`, `Source Workstation:`,
/// `Caller Computer Name:`; the value after the colon and white space.
fn event_spot(text: &[u8], start: usize, i: usize, each: &mut impl FnMut(usize, usize, Role)) {
    let word = text.get(start..i).unwrap_or_default().to_ascii_lowercase();
    let rest = text.get(i..).unwrap_or_default();
    let (skip, role) = match word.as_slice() {
        b"account" if rest.starts_with(b" Name:") => (6, Role::WindowsUser),
        b"account" if rest.starts_with(b" Domain:") => (8, Role::Host),
        b"workstation" if rest.starts_with(b" Name:") => (6, Role::Host),
        b"client" if rest.starts_with(b" Name:") => (6, Role::Host),
        b"computer" if rest.starts_with(b":") => (1, Role::Host),
        // A PowerShell transcript's header: `Machine: NAME (Microsoft Windows NT …)`.
        b"machine" if rest.starts_with(b": ") => (1, Role::Host),
        // An event's XML `<Computer>NAME</Computer>`.
        b"computer"
            if rest.starts_with(b">")
                && start.checked_sub(1).and_then(|b| text.get(b)) == Some(&b'<') =>
        {
            (1, Role::Host)
        }
        b"source" if rest.starts_with(b" Workstation:") => (13, Role::Host),
        b"caller" if rest.starts_with(b" Computer Name:") => (15, Role::Host),
        _ => return,
    };
    let mut p = i + skip;
    while matches!(text.get(p), Some(b' ' | b'\t')) {
        p += 1;
    }
    let len = name_len(text, p);
    if text.get(p + len) == Some(&b'\\') {
        return;
    }
    windows_value(text, p, len, role, each);
}

/// After a key ending at `end`: optional closing quote, `=` or `:`, optional quote; where the
/// value starts.
fn assigned_at(text: &[u8], end: usize) -> Option<usize> {
    let mut p = end;
    let quoted = matches!(text.get(p), Some(b'"' | b'\''));
    if quoted {
        p += 1;
    }
    let spaced = matches!(text.get(p), Some(b' ' | b'\t'));
    while matches!(text.get(p), Some(b' ' | b'\t')) {
        p += 1;
    }
    // `host:port` and `user:group` are not assignments; `host: x` and `"host":"x"` are.
    let colon = text.get(p) == Some(&b':');
    if !matches!(text.get(p), Some(b'=' | b':'))
        || (colon && !quoted && !matches!(text.get(p + 1), Some(b' ' | b'\t')))
    {
        return None;
    }
    // `logname= uid=0`: an empty value; `user = alice` and `user: alice` are values.
    if !colon && !spaced && matches!(text.get(p + 1), Some(b' ' | b'\t')) {
        return None;
    }
    p += 1;
    while matches!(text.get(p), Some(b' ' | b'\t' | b'"' | b'\'')) {
        p += 1;
    }
    Some(p)
}

/// `DOMAIN\name` anywhere.
fn backslash_spots(text: &[u8], each: &mut impl FnMut(usize, usize, Role)) {
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
                        b' ' | b'\t' | b'=' | b':' | b'"' | b'\'' | b'(' | b'[' | b',' | b'>'
                    )
                })
        {
            continue;
        }
        let name_start = at + slashes;
        let name_len = name_len(text, name_start);
        let first = text.get(name_start).copied();
        // `\n`, `\r` and `\t` are escapes in JSON or C strings (`ERROR\tconnection`), unless a
        // user key announces the name (`Username: CORPFIN\tnakamura`).
        let escape_like = slashes == 1
            && matches!(first, Some(b'n' | b'r' | b't'))
            && !after_user_key(text, domain_start);
        if name_len == 0 || escape_like || text.get(name_start + name_len) == Some(&b'\\') {
            continue;
        }
        each(domain_start, at, Role::Host);
        windows_value(text, name_start, name_len, Role::WindowsUser, each);
        from = name_start + name_len;
    }
}

/// Whether the text before `at` on its line ends in a user key and its `:` or `=` (`Username:`,
/// `RunAs User:`, `User ID:`, `Account Name:`, `user=`), white space allowed around them.
fn after_user_key(text: &[u8], at: usize) -> bool {
    let head = text.get(..at).unwrap_or_default();
    let line =
        memchr::memrchr(b'\n', head).map_or(head, |nl| head.get(nl + 1..).unwrap_or_default());
    let Some(key) = line
        .trim_ascii_end()
        .strip_suffix(b":")
        .or_else(|| line.trim_ascii_end().strip_suffix(b"="))
    else {
        return false;
    };
    let key = key.trim_ascii_end();
    let tail = key.get(key.len().saturating_sub(12)..).unwrap_or_default();
    let lower = tail.to_ascii_lowercase();
    [
        &b"user"[..],
        b"username",
        b"user name",
        b"user id",
        b"account name",
        b"account",
    ]
    .iter()
    .any(|word| {
        lower.ends_with(word)
            && lower
                .len()
                .checked_sub(word.len() + 1)
                .and_then(|i| lower.get(i))
                .is_none_or(|b| !b.is_ascii_alphanumeric())
    })
}

/// Line-shaped places: syslog host fields, cluster prefixes, HPC node columns.
fn line_spots(text: &[u8], each: &mut impl FnMut(usize, usize, Role)) {
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text).chain(std::iter::once(text.len())) {
        if let Some(line) = text.get(start..end) {
            let mut offset = 0;
            if let Some((field, rest)) = cluster_prefix(line) {
                // A BlueGene location `R02-M0-NA-C:J16-U11` is two names.
                let mut from = field.0;
                for part in line
                    .get(field.0..field.1)
                    .unwrap_or_default()
                    .split(|&b| b == b':')
                {
                    each(start + from, start + from + part.len(), Role::Host);
                    from += part.len() + 1;
                }
                offset = rest;
            } else if let Some(field) = hpc_node(line) {
                each(start + field.0, start + field.1, Role::Host);
            }
            if let Some(rest) = line.get(offset..)
                && let Some(fields) = syslog_host(rest)
            {
                for (a, b) in fields.into_iter().flatten() {
                    each(start + offset + a, start + offset + b, Role::Host);
                }
            }
        }
        start = end + 1;
    }
}

/// `- 1131566941 2005.11.09 HOST ...` (Thunderbird, BlueGene/L): the host field and where the
/// rest starts.
fn cluster_prefix(line: &[u8]) -> Option<((usize, usize), usize)> {
    // `-` or an upper-case alert tag (`APPREAD`) first.
    if !matches!(line.first(), Some(b'-' | b'A'..=b'Z')) {
        return None;
    }
    let first = memchr::memchr(b' ', line.get(..line.len().min(24))?)?;
    let epoch = digits(line, first + 1);
    if !(9..=10).contains(&epoch) || line.get(first + 1 + epoch) != Some(&b' ') {
        return None;
    }
    let d = first + 2 + epoch;
    let date = line.get(d..d + 10)?;
    if !(digits(date, 0) == 4
        && date.get(4) == Some(&b'.')
        && digits(date, 5) == 2
        && date.get(7) == Some(&b'.')
        && digits(date, 8) == 2
        && line.get(d + 10) == Some(&b' '))
    {
        return None;
    }
    let h = d + 11;
    let len = memchr::memchr(b' ', line.get(h..)?)?;
    Some(((h, h + len), h + len + 1))
}

/// `ID NODE COMPONENT STATE EPOCH FLAG ...` (HPC cluster logs): the node field, when it holds a
/// digit (`node-190`, `gige7`; not `full partition status`).
fn hpc_node(line: &[u8]) -> Option<(usize, usize)> {
    let id = digits(line, 0);
    if id == 0 || line.get(id) != Some(&b' ') {
        return None;
    }
    let mut fields = [(0usize, 0usize); 5];
    let mut p = id + 1;
    for slot in &mut fields {
        let len = memchr::memchr(b' ', line.get(p..)?)?;
        *slot = (p, p + len);
        p += len + 1;
    }
    let [node, _, _, epoch, flag] = fields;
    let epoch_len = epoch.1 - epoch.0;
    let ok = (9..=10).contains(&epoch_len)
        && digits(line, epoch.0) == epoch_len
        && flag.1 > flag.0
        && {
            let sign = usize::from(line.get(flag.0) == Some(&b'-'));
            flag.1 > flag.0 + sign && digits(line, flag.0 + sign) == flag.1 - flag.0 - sign
        }
        && line
            .get(node.0..node.1)
            .is_some_and(|name| name.iter().any(u8::is_ascii_digit));
    ok.then_some(node)
}

/// Places anchored on punctuation: URL hosts (`://`), shell prompts and syslog-ng fields
/// (`@`), peer names next to addresses (`(`, `[`, `/`), dotted `HOST:port`.
fn punctuation_spots(text: &[u8], each: &mut impl FnMut(usize, usize, Role)) {
    for at in memchr::memmem::find_iter(text, b"://") {
        let mut p = at + 3;
        let authority_len = text
            .get(p..)
            .unwrap_or_default()
            .iter()
            .position(|&b| {
                b.is_ascii_whitespace()
                    || matches!(b, b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b')')
            })
            .unwrap_or(text.len().saturating_sub(p));
        let authority = text.get(p..p + authority_len).unwrap_or_default();
        if let Some(user_end) = memchr::memrchr(b'@', authority) {
            // The user of `scheme://user[:password]@host`, matched in any case as the redactor
            // replaces it there.
            let info = authority.get(..user_end).unwrap_or_default();
            let user_len = memchr::memchr(b':', info).unwrap_or(info.len());
            let user = info.get(..user_len).unwrap_or_default();
            if !user.is_empty() && user.iter().all(|&b| is_name_byte(b)) {
                each(p, p + user_len, Role::WindowsUser);
            }
            p += user_end + 1;
        }
        let len = name_len(text, p);
        let name = text.get(p..p + len).unwrap_or_default();
        if len > 0
            && name.iter().any(u8::is_ascii_alphabetic)
            && matches!(
                text.get(p + len),
                None | Some(
                    b':' | b'/'
                        | b' '
                        | b'\t'
                        | b'\r'
                        | b'\n'
                        | b'?'
                        | b'#'
                        | b'"'
                        | b'\''
                        | b')'
                        | b'>'
                )
            )
        {
            each(p, p + len, Role::Peer);
        }
    }
    let mut from = 0;
    while let Some(i) = text
        .get(from..)
        .and_then(|rest| memchr::memchr3(b'(', b'[', b'/', rest))
        .map(|i| from + i)
    {
        from = i + 1;
        match text.get(i) {
            // `1.2.3.4 (NAME)`.
            Some(b'(') => {
                if i >= 2 && text.get(i - 1) == Some(&b' ') && ends_with_ipv4(text, i - 1) {
                    let len = name_len(text, i + 1);
                    if len > 0 && text.get(i + 1 + len) == Some(&b')') {
                        each(i + 1, i + 1 + len, Role::Peer);
                    }
                }
            }
            // `NAME [1.2.3.4]`.
            Some(b'[') => {
                if i >= 2 && text.get(i - 1) == Some(&b' ') && starts_with_ipv4(text, i + 1) {
                    let end = i - 1;
                    let start = name_start(text, end);
                    let name = text.get(start..end).unwrap_or_default();
                    if name.contains(&b'.') && name.iter().any(u8::is_ascii_alphabetic) {
                        each(start, end, Role::Peer);
                    }
                }
            }
            // `NAME/1.2.3.4`.
            _ => {
                if starts_with_ipv4(text, i + 1) {
                    let start = name_start(text, i);
                    let name = text.get(start..i).unwrap_or_default();
                    let left = start.checked_sub(1).and_then(|s| text.get(s)).copied();
                    if !name.is_empty()
                        && name.iter().any(u8::is_ascii_alphabetic)
                        && !matches!(left, Some(b'/'))
                    {
                        each(start, i, Role::Host);
                    }
                }
            }
        }
    }
    // Every dotted name, and dotted `HOST:port` as a peer.
    dotted_names(text, |start, end| {
        each(start, end, Role::Dotted);
        if text.get(end) == Some(&b':') {
            let port = digits(text, end + 1);
            let left = start.checked_sub(1).and_then(|s| text.get(s)).copied();
            if (2..=5).contains(&port)
                && !text
                    .get(end + 1 + port)
                    .is_some_and(u8::is_ascii_alphanumeric)
                && !matches!(left, Some(b'@' | b'/'))
            {
                each(start, end, Role::Peer);
            }
        }
    });
    // Shell prompts `user@host:~$`, `[user@host dir]$`.
    for at in memchr::memchr_iter(b'@', text) {
        let start = name_start(text, at);
        let user = text.get(start..at).unwrap_or_default();
        let host_len = name_len(text, at + 1);
        let left = start.checked_sub(1).and_then(|s| text.get(s)).copied();
        let after = text.get(at + 1 + host_len..).unwrap_or_default();
        let prompt = after.starts_with(b":~")
            || (after.starts_with(b":/") && !after.starts_with(b"://"))
            || (left == Some(b'[') && after.first() == Some(&b' '));
        if prompt && !user.is_empty() && host_len > 0 && !matches!(left, Some(b':' | b'/')) {
            each(start, at, Role::User);
            each(at + 1, at + 1 + host_len, Role::Host);
        }
    }
}

/// Where the run of name bytes ending at `end` starts.
fn name_start(text: &[u8], end: usize) -> usize {
    let mut start = end;
    while start > 0 && text.get(start - 1).is_some_and(|&b| is_name_byte(b)) {
        start -= 1;
    }
    while start < end && text.get(start) == Some(&b'.') {
        start += 1;
    }
    start
}

fn starts_with_ipv4(text: &[u8], at: usize) -> bool {
    let mut p = at;
    for octet in 0..4 {
        if octet > 0 {
            if text.get(p) != Some(&b'.') {
                return false;
            }
            p += 1;
        }
        let n = digits(text, p);
        if !(1..=3).contains(&n) {
            return false;
        }
        p += n;
    }
    !text
        .get(p)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.')
}

fn ends_with_ipv4(text: &[u8], end: usize) -> bool {
    let mut start = end;
    while start > 0
        && text
            .get(start - 1)
            .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
    {
        start -= 1;
    }
    end - start >= 7 && starts_with_ipv4(text, start)
}

/// Whether `word` is an English month abbreviation (`Jan` … `Dec`), compared as integers.
fn is_month(word: &[u8]) -> bool {
    matches!(
        word,
        b"Jan"
            | b"Feb"
            | b"Mar"
            | b"Apr"
            | b"May"
            | b"Jun"
            | b"Jul"
            | b"Aug"
            | b"Sep"
            | b"Oct"
            | b"Nov"
            | b"Dec"
    )
}

/// The host field of `Mmm dd hh:mm:ss HOST prog[pid]:` or `<ISO time> HOST prog[pid]:`, as up
/// to two ranges in `line`: `a/b` gives both names, `src@host` the host.
fn syslog_host(line: &[u8]) -> Option<[Option<(usize, usize)>; 2]> {
    let host_start = match line.first()? {
        b'A'..=b'Z' => {
            let month = line.get(..3)?;
            if !is_month(month) || line.get(3) != Some(&b' ') {
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
            p + 9
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
            space + 1
        }
        _ => return None,
    };
    let rest = line.get(host_start..)?;
    let host_len = memchr::memchr(b' ', rest)?;
    let host = rest.get(..host_len)?;
    let prog = rest.get(host_len + 1..)?;
    let prog_end = prog.iter().position(|&b| b == b':' || b == b' ')?;
    let prog_name = prog.get(..prog_end)?;
    // `prog[123]:`, or macOS's `prog[123] (...)`.
    if prog_end == 0
        || (prog.get(prog_end) != Some(&b':')
            && !(prog_name.last() == Some(&b']') && prog.get(prog_end + 1) == Some(&b'(')))
    {
        return None;
    }
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
    if !ok {
        return None;
    }
    let at = |a: usize, b: usize| (b > a).then_some((host_start + a, host_start + b));
    // syslog-ng: `src@host`, `host/host`.
    if let Some(sign) = memchr::memchr(b'@', host) {
        return Some([at(sign + 1, host_len), None]);
    }
    if let Some(slash) = memchr::memchr(b'/', host) {
        return Some([at(0, slash), at(slash + 1, host_len)]);
    }
    Some([at(0, host_len), None])
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
            "Username: CORPFIN\\tnakamura\r\n",
            "{\"msg\": \"ERROR\\tconnection lost\"}\n",
        ));
        assert_eq!(
            names.unix_usernames,
            set(&[
                "Bobby", "alice1", "carol", "dave_x", "erin", "frank", "grace", "heidi", "ivan",
                "kim"
            ])
        );
        assert_eq!(names.usernames, set(&["judy", "mallory", "tnakamura"]));
        assert!(names.hostnames.contains("corp"));
        // A user key makes `\t` part of the name; elsewhere it is an escape.
        assert!(names.hostnames.contains("corpfin"));
        assert!(!names.hostnames.contains("error"));
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
            "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=  user=root\n",
        ));
        assert!(names.usernames.is_empty(), "{:?}", names.usernames);
        assert!(
            names.unix_usernames.is_empty(),
            "{:?}",
            names.unix_usernames
        );
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
        assert_eq!(names.domains, set(&["corp.example"]));
        assert_eq!(names.unix_usernames, set(&["alice", "bob"]));
    }

    #[test]
    fn learns_hosts_from_syslog_ng_fields_cluster_prefixes_and_hpc_columns() {
        let names = learn(concat!(
            "- 1131566941 2005.11.09 cn204 Nov 9 12:09:01 cn204/cn204 ntpd[25330]: synchronized\n",
            "- 1131566568 2005.11.09 tbird-sm1 Nov 9 12:02:48 src@tbird-sm1 ib_sm.x[24904]: x\n",
            "21611 node-190 unix.hw net.niff.up 1100786337 1 NIFF: node node-190 has detected\n",
            "2556866 full partition status 1072881064 1 running\n",
            "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS\n",
            "Jul  6 01:11:39 calvisitor-10-105-162-138 sandboxd[129] ([36461]): deny\n",
        ));
        assert_eq!(
            names.hostnames,
            set(&[
                "calvisitor-10-105-162-138",
                "cn204",
                "j12-u11",
                "node-190",
                "r02-m1-n0-c",
                "tbird-sm1"
            ])
        );
    }

    #[test]
    fn learns_peers_and_their_domains_but_not_their_first_labels() {
        let names = learn(concat!(
            "authentication failure; rhost=host8.topspot.net user=guest1\n",
            "connection from 211.167.68.59 (dsl-static-059.touchtelindia.net) at Sat\n",
            "reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186]\n",
            "Address 5.36.59.76 maps to mail.fake-peer.net.om, but this does not map back\n",
            "GET https://git.corp.example:8443/api ok, hdfs://namenode01:9000/user\n",
            "open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS\n",
            "at MININT-FNANLI5.fareast.corp.microsoft.com/10.86.169.121:62260\n",
            "fetch https://www.google.com/x and https://caldav.163.com/caldav/\n",
            "listening on akka.tcp://sparkExecutorActorSystem@mesos-slave-07:55904\n",
        ));
        assert!(names.usernames.contains("sparkexecutoractorsystem"));
        for host in [
            "host8.topspot.net",
            "dsl-static-059.touchtelindia.net",
            "ns.marryaldkfaczcz.com",
            "git.corp.example",
            "namenode01",
            "proxy.cse.cuhk.edu.hk",
            "minint-fnanli5.fareast.corp.microsoft.com",
            "minint-fnanli5",
            "caldav.163.com",
            "mail.fake-peer.net.om",
        ] {
            assert!(
                names.hostnames.contains(host),
                "{host}: {:?}",
                names.hostnames
            );
        }
        for peer_label in ["host8", "git", "proxy", "caldav", "www.google.com"] {
            assert!(!names.hostnames.contains(peer_label), "{peer_label}");
        }
        for domain in [
            "topspot.net",
            "corp.example",
            "cse.cuhk.edu.hk",
            "fareast.corp.microsoft.com",
        ] {
            assert!(
                names.domains.contains(domain),
                "{domain}: {:?}",
                names.domains
            );
        }
        assert!(!names.domains.contains("google.com"));
    }

    #[test]
    fn learns_users_from_keys_that_end_in_a_user_key_word() {
        let names = learn(concat!(
            "ProxyUser=svc_proxyfake\nproxy_user = \"svc-proxy2\"\njdbc.username=appfake01\n",
            "DB_LOGIN='dbfake'\nuser_count=5 superuser=yes poweruser=ann ProxyUser=${PROXY_USER}\n",
        ));
        let all: BTreeSet<String> = names
            .usernames
            .iter()
            .chain(&names.unix_usernames)
            .map(|name| name.to_ascii_lowercase())
            .collect();
        for user in ["svc_proxyfake", "svc-proxy2", "appfake01", "dbfake"] {
            assert!(all.contains(user), "{user}: {all:?}");
        }
        for not_a_user in ["5", "yes", "ann"] {
            assert!(!all.contains(not_a_user), "{not_a_user}: {all:?}");
        }
    }

    #[test]
    fn learns_names_from_agent_sentences_and_shell_prompts() {
        let names = learn(concat!(
            "[INFO] jcagent: Hostname reported as build-srv-07.corp.example\n",
            "[INFO] userManager: Updating account for user jsmith\n",
            "prompt [deploy7@web-04 ~]$ uptime; ops2@db-09:~$ ls\n",
            "configd[53]: setting hostname to \"authorMacBook-Pro.local\"\n",
            "hostname lookup failed for user\n",
            "Server environment:host.name=mesos-master-1 user.name=zk_svc1\n",
            "Retrying connect to server: msra-sa-41:8030. Already tried 0 time(s)\n",
        ));
        assert_eq!(
            names.hostnames,
            set(&[
                "authormacbook-pro",
                "authormacbook-pro.local",
                "build-srv-07",
                "build-srv-07.corp.example",
                "db-09",
                "mesos-master-1",
                "msra-sa-41",
                "web-04"
            ])
        );
        assert_eq!(
            names.unix_usernames,
            set(&["deploy7", "jsmith", "ops2", "zk_svc1"])
        );
    }

    #[test]
    fn learns_windows_security_event_text_and_xml_data() {
        let names = learn(concat!(
            "  Computer: WKS-FIN-042.ad.contoso-fake.lan\n",
            "\tAccount Name:\t\tWKS-FIN-042$\n\tAccount Domain:\t\tCONTOSOFAKE\n",
            "\tAccount Name:\t\tMVanDerMeer\n",
            "\tWorkstation Name:\tLAPTOP-7QX2\n\tClient Name:\t\tTS-GATEWAY-02\n",
            "<Data Name='TargetUserName'>kpatel</Data><Data Name='WorkstationName'>LAPTOP-9ZK1</Data>",
            "<Data Name=\"SubjectUserName\">svc_backup01</Data>",
            "<Data Name='TargetDomainName'>FAKECORP</Data>\n",
            "\tAccount Name:\t\t-\n",
            "<EventRecordID>1</EventRecordID><Computer>FIN-DC09.corpfin-fake.internal</Computer>\n",
            "Machine: FIN-LT-9FAKE (Microsoft Windows NT 10.0.19045.0)\n",
        ));
        assert_eq!(
            names.usernames,
            set(&["kpatel", "mvandermeer", "svc_backup01"])
        );
        for host in [
            "wks-fin-042",
            "wks-fin-042.ad.contoso-fake.lan",
            "contosofake",
            "laptop-7qx2",
            "ts-gateway-02",
            "laptop-9zk1",
            "fakecorp",
            "fin-dc09",
            "fin-dc09.corpfin-fake.internal",
            "fin-lt-9fake",
        ] {
            assert!(
                names.hostnames.contains(host),
                "{host}: {:?}",
                names.hostnames
            );
        }
    }

    #[test]
    fn from_system_reads_search_domains_realms_and_the_fqdn_from_hosts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc/sssd")).expect("etc");
        std::fs::write(root.join("etc/hostname"), "box01\n").expect("hostname");
        std::fs::write(
            root.join("etc/hosts"),
            "127.0.0.1 localhost\n127.0.1.1 box01.eng.fake-corp.lan box01\n",
        )
        .expect("hosts");
        std::fs::write(
            root.join("etc/resolv.conf"),
            "nameserver 10.0.0.2\nsearch fake-corp.lan corp.fake-example.org\n",
        )
        .expect("resolv");
        std::fs::write(
            root.join("etc/krb5.conf"),
            "[libdefaults]\n default_realm = AD.FAKE-CORP.COM\n",
        )
        .expect("krb5");
        std::fs::write(
            root.join("etc/sssd/sssd.conf"),
            "[sssd]\ndomains = ldap.fake-corp.com\n[domain/x]\nad_domain = ad2.fake-corp.com\n",
        )
        .expect("sssd");
        let names = Names::from_system(root, false);
        assert_eq!(names.hostnames, set(&["box01", "box01.eng.fake-corp.lan"]));
        assert_eq!(
            names.domains,
            set(&[
                "ad.fake-corp.com",
                "ad2.fake-corp.com",
                "corp.fake-example.org",
                "eng.fake-corp.lan",
                "fake-corp.lan",
                "ldap.fake-corp.com"
            ])
        );
    }

    #[test]
    fn every_key_word_passes_the_first_letters_filter() {
        for word in ANCHOR_WORDS {
            assert!(anchor(word.as_bytes()).is_some(), "{word} is no key word");
        }
        let mut found = Vec::new();
        anchor_spot(b"User=alice7", 0, &mut |s, e, _| found.push((s, e)));
        assert_eq!(found, [(5, 11)]);
    }

    #[test]
    fn common_and_component_words_are_recognised() {
        for word in [
            "api", "boot", "ftp", "www", "test", "xpc", "mail", "admin", "oracle",
        ] {
            assert!(is_common_word(word), "{word}");
        }
        for name in ["labsz", "zhangyan", "build-srv-07", "jsmith"] {
            assert!(!is_common_word(name), "{name}");
        }
    }

    #[test]
    fn names_that_encode_an_address_are_recognised() {
        for name in [
            "220-135-151-1.hinet-ip.hinet.net",
            "ip-10-0-0-1.ec2.internal",
            "dsl-chn-static-059.45.101.203.touchtelindia.net",
            "n219076184117.netvigator.com",
            "calvisitor-10-105-160-95.calvisitor.1918.berkeley.edu",
        ] {
            assert!(encodes_address(name.as_bytes()), "{name}");
        }
        for name in [
            "host8.topspot.net",
            "web01.corp.example",
            "vmlinuz-2.6.9.el",
            "a1.b2.c3.d400",
        ] {
            assert!(!encodes_address(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn vendor_domains_come_from_the_profile_links_and_contacts() {
        let profile = crate::profile::parse(
            include_str!("../profile/builtin/ujet.toml"),
            "built-in:ujet",
        )
        .expect("profile");
        assert!(vendor_domains(&profile).contains("ujet.co"));
        let profile = crate::profile::parse(
            include_str!("../profile/builtin/jumpcloud.toml"),
            "built-in:jumpcloud",
        )
        .expect("profile");
        assert_eq!(vendor_domains(&profile), set(&["jumpcloud.com"]));
        assert_eq!(
            registrable("portal.fake.co.uk").as_deref(),
            Some("fake.co.uk")
        );
    }
}
