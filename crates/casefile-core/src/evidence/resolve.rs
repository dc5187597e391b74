//! Where a profile's paths are on this machine: variable and home expansion, the mapping of an
//! OS-native path onto a root (the live system or a mounted disk), and entry names.
//!
//! A profile writes paths as the vendor documents them, in the OS's native form
//! (`C:\Windows\Temp\jcagent.log`, `%USERPROFILE%\AppData\Local\Temp\jc-user-agent.log`,
//! `~/Library/Logs/JumpCloud`). [`expand`] replaces variables and turns a per-user path into one
//! pattern per home; [`to_local`] maps the result under [`Env::root`]; [`entry_name`] names what
//! was found inside the bundle. Only [`Env::live`] and [`Env::under_root`] read the machine.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use crate::profile::schema::Os;

/// A user's home folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    /// The user name (the folder's name under `/home`, `/Users` or `C:\Users`).
    pub user: String,
    /// The folder in the OS's native form: `C:\Users\alice`, `/Users/alice`, `/home/alice`.
    pub path: String,
}

/// The system paths are resolved against: its OS, where its file system is, its variables and
/// its users' homes.
#[derive(Debug, Clone)]
pub struct Env {
    /// The OS whose paths the profile's sources are read for.
    pub os: Os,
    /// Where that OS's file system is: `/` for the live system, or a mounted disk or container.
    pub root: PathBuf,
    /// Environment variables (`SystemRoot`, `ProgramData`...); on Windows looked up ignoring case.
    pub vars: BTreeMap<String, String>,
    /// Users' homes; a per-user path yields one pattern per home.
    pub homes: Vec<Home>,
}

/// Variables that name a folder of the user's: expanded once per home, never from `vars`.
/// (name, path under the home, with `/` separators).
const PER_USER_VARS: &[(&str, &str)] = &[
    ("USERPROFILE", ""),
    ("HOME", ""),
    ("APPDATA", "AppData/Roaming"),
    ("LOCALAPPDATA", "AppData/Local"),
    ("TEMP", "AppData/Local/Temp"),
    ("TMP", "AppData/Local/Temp"),
];

/// Home folder names under `C:\Users` that are not users.
const WINDOWS_NOT_USERS: &[&str] = &["public", "default", "default user", "all users"];

impl Env {
    /// This machine: [`current_os`], root `/`, the process environment and the homes of real
    /// users (Linux: `/etc/passwd` entries with uid >= 1000 whose home exists, plus `/root`;
    /// macOS: `/Users/*` except `Shared`; Windows: `C:\Users\*` except Public and Default).
    pub fn live() -> Env {
        let os = current_os();
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect();
        let homes = match os {
            Os::Linux => linux_homes(Path::new("/")),
            Os::Macos => folder_homes(Path::new("/Users"), "/Users", '/', &["shared"]),
            Os::Windows => {
                let drive = lookup(&vars, "SystemDrive", true).unwrap_or_else(|| "C:".to_owned());
                let users = format!("{drive}\\Users");
                folder_homes(Path::new(&users), &users, '\\', WINDOWS_NOT_USERS)
            }
        };
        Env {
            os,
            root: PathBuf::from("/"),
            vars,
            homes,
        }
    }

    /// The file system of another system mounted at `root` (a disk or a container): homes are
    /// the folders under `root` (`home/*` and `root` for Linux, `Users/*` for macOS and
    /// Windows), and the variables are the OS's defaults (Windows: `SystemRoot=C:\Windows`,
    /// `ProgramData=C:\ProgramData`, `ProgramFiles=C:\Program Files`...; the drive is the disk).
    pub fn under_root(os: Os, root: &Path) -> Env {
        let mut vars = BTreeMap::new();
        let homes = match os {
            Os::Linux => linux_dir_homes(root),
            Os::Macos => folder_homes(&root.join("Users"), "/Users", '/', &["shared"]),
            Os::Windows => {
                for (name, value) in [
                    ("SystemDrive", "C:"),
                    ("SystemRoot", r"C:\Windows"),
                    ("windir", r"C:\Windows"),
                    ("ProgramData", r"C:\ProgramData"),
                    ("ALLUSERSPROFILE", r"C:\ProgramData"),
                    ("ProgramFiles", r"C:\Program Files"),
                    ("ProgramFiles(x86)", r"C:\Program Files (x86)"),
                    ("ProgramW6432", r"C:\Program Files"),
                    ("CommonProgramFiles", r"C:\Program Files\Common Files"),
                    ("PUBLIC", r"C:\Users\Public"),
                ] {
                    vars.insert(name.to_owned(), value.to_owned());
                }
                folder_homes(&root.join("Users"), r"C:\Users", '\\', WINDOWS_NOT_USERS)
            }
        };
        Env {
            os,
            root: root.to_path_buf(),
            vars,
            homes,
        }
    }

    /// True when this is the running system itself (root `/` and the OS this build runs on).
    pub fn is_live(&self) -> bool {
        self.root == Path::new("/") && self.os == current_os()
    }
}

/// The OS this build runs on (anything that is neither Windows nor macOS counts as Linux).
pub fn current_os() -> Os {
    if cfg!(windows) {
        Os::Windows
    } else if cfg!(target_os = "macos") {
        Os::Macos
    } else {
        Os::Linux
    }
}

/// Homes of real users from `root/etc/passwd` (uid >= 1000, home exists), plus `/root`.
fn linux_homes(root: &Path) -> Vec<Home> {
    let mut homes = Vec::new();
    if let Ok(passwd) = fs_err::read_to_string(root.join("etc/passwd")) {
        for line in passwd.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            let (Some(user), Some(uid), Some(home)) =
                (fields.first(), fields.get(2), fields.get(5))
            else {
                continue;
            };
            let real = uid
                .parse::<u32>()
                .is_ok_and(|uid| (1000..65534).contains(&uid));
            if real && home.starts_with('/') && root.join(&home[1..]).is_dir() {
                homes.push(Home {
                    user: (*user).to_owned(),
                    path: (*home).to_owned(),
                });
            }
        }
    }
    if root.join("root").is_dir() && !homes.iter().any(|home| home.path == "/root") {
        homes.push(Home {
            user: "root".to_owned(),
            path: "/root".to_owned(),
        });
    }
    homes.sort_by(|a, b| a.path.cmp(&b.path));
    homes.dedup_by(|a, b| a.path == b.path);
    homes
}

/// Homes of a mounted Linux disk: `home/*` and `root`.
fn linux_dir_homes(root: &Path) -> Vec<Home> {
    let mut homes = folder_homes(&root.join("home"), "/home", '/', &[]);
    if root.join("root").is_dir() {
        homes.push(Home {
            user: "root".to_owned(),
            path: "/root".to_owned(),
        });
    }
    homes
}

/// One home per folder in `dir` (named `native/NAME` with `separator`), except `excluded`
/// (compared ignoring case) and hidden folders; sorted by name.
fn folder_homes(dir: &Path, native: &str, separator: char, excluded: &[&str]) -> Vec<Home> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return Vec::new();
    };
    let mut homes: Vec<Home> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .filter(|name| !excluded.contains(&name.to_ascii_lowercase().as_str()))
        .map(|name| Home {
            path: format!("{native}{separator}{name}"),
            user: name,
        })
        .collect();
    homes.sort_by(|a, b| a.path.cmp(&b.path));
    homes
}

fn lookup(vars: &BTreeMap<String, String>, name: &str, ignore_case: bool) -> Option<String> {
    if let Some(value) = vars.get(name) {
        return Some(value.clone());
    }
    if ignore_case {
        return vars
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone());
    }
    None
}

/// One piece of a parsed template.
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
    Tilde,
}

/// Splits a template into text, variables and a leading `~`.
fn pieces(template: &str, os: Os) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    if rest == "~" || rest.starts_with("~/") || rest.starts_with("~\\") {
        pieces.push(Piece::Tilde);
        rest = &rest[1..];
    }
    while !rest.is_empty() {
        let found = match os {
            Os::Windows => rest.find('%').and_then(|start| {
                let end = rest[start + 1..].find('%')? + start + 1;
                let name = &rest[start + 1..end];
                let valid = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_()".contains(c));
                valid.then_some((start, end + 1, name))
            }),
            Os::Linux | Os::Macos => rest.find('$').and_then(|start| {
                let after = &rest[start + 1..];
                if let Some(braced) = after.strip_prefix('{') {
                    let end = braced.find('}')?;
                    let name = &braced[..end];
                    Some((start, start + 3 + end, name))
                } else {
                    let len = after
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(after.len());
                    (len > 0 && !after.starts_with(|c: char| c.is_ascii_digit()))
                        .then(|| (start, start + 1 + len, &after[..len]))
                }
            }),
        };
        match found {
            Some((start, end, name)) => {
                if start > 0 {
                    pieces.push(Piece::Text(&rest[..start]));
                }
                pieces.push(Piece::Var(name));
                rest = &rest[end..];
            }
            None => {
                pieces.push(Piece::Text(rest));
                rest = "";
            }
        }
    }
    pieces
}

/// True when `name` is a per-user variable on `os` (only `$HOME` on Unix).
fn is_per_user_var(name: &str, os: Os) -> bool {
    match os {
        Os::Windows => PER_USER_VARS
            .iter()
            .any(|(var, _)| var.eq_ignore_ascii_case(name)),
        Os::Linux | Os::Macos => name == "HOME",
    }
}

/// The folder a per-user variable names under `home`, if `name` is one.
fn per_user(name: &str, home: &Home, os: Os) -> Option<String> {
    if !is_per_user_var(name, os) {
        return None;
    }
    let (_, under) = PER_USER_VARS
        .iter()
        .find(|(var, _)| var.eq_ignore_ascii_case(name))?;
    if under.is_empty() {
        return Some(home.path.clone());
    }
    Some(format!("{}\\{}", home.path, under.replace('/', "\\")))
}

/// Expands `~`, `%VAR%` (Windows, names ignoring case) and `$VAR` / `${VAR}` (Linux, macOS).
///
/// A per-user reference (`~`, `%USERPROFILE%`, `%APPDATA%`, `%LOCALAPPDATA%`, `%TEMP%`, `$HOME`)
/// yields one pattern per home in [`Env::homes`] (none when there are no homes). An unknown
/// variable is an error naming it.
pub fn expand(template: &str, env: &Env) -> Result<Vec<String>, String> {
    Ok(expand_per_home(template, env)?
        .into_iter()
        .map(|(pattern, _)| pattern)
        .collect())
}

/// [`expand`], with the home each pattern was made for (`None` for a path that is not
/// per-user): planning confines every match of a per-user pattern to that home.
pub fn expand_per_home<'e>(
    template: &str,
    env: &'e Env,
) -> Result<Vec<(String, Option<&'e Home>)>, String> {
    let pieces = pieces(template, env.os);
    let is_per_user = pieces.iter().any(|piece| match piece {
        Piece::Tilde => true,
        Piece::Var(name) => is_per_user_var(name, env.os),
        Piece::Text(_) => false,
    });
    let render = |home: Option<&Home>| -> Result<String, String> {
        let mut out = String::new();
        for piece in &pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Tilde => out.push_str(home.map(|home| home.path.as_str()).unwrap_or("~")),
                Piece::Var(name) => {
                    let value = home
                        .and_then(|home| per_user(name, home, env.os))
                        .or_else(|| lookup(&env.vars, name, env.os == Os::Windows))
                        .ok_or_else(|| {
                            format!(
                                "unknown variable {name:?} in {template:?}: it is not set on this system; use a literal path or one of the variables it has"
                            )
                        })?;
                    out.push_str(&value);
                }
            }
        }
        Ok(out)
    };
    if is_per_user {
        env.homes
            .iter()
            .map(|home| render(Some(home)).map(|pattern| (pattern, Some(home))))
            .collect()
    } else {
        render(None).map(|path| vec![(path, None)])
    }
}

/// Maps an expanded OS-native pattern onto [`Env::root`].
///
/// With root `R`, `C:\Windows\Temp\x` becomes `R/Windows/Temp/x` (the drive is the mounted
/// disk) and `/var/log/x` becomes `R/var/log/x`. On the live system ([`Env::is_live`]) the
/// pattern is returned as the OS spells it. Glob characters pass through unchanged.
pub fn to_local(pattern: &str, env: &Env) -> PathBuf {
    if env.is_live() {
        return PathBuf::from(pattern);
    }
    let mut local = env.root.clone();
    for part in native_parts(pattern, env.os) {
        local.push(part);
    }
    local
}

/// The components of a native path, without drive and root.
fn native_parts(pattern: &str, os: Os) -> Vec<&str> {
    let mut rest = pattern;
    if os == Os::Windows {
        let bytes = rest.as_bytes();
        if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
            rest = &rest[2..];
        }
        rest.split(['\\', '/'])
            .filter(|part| !part.is_empty() && *part != ".")
            .collect()
    } else {
        rest.split('/')
            .filter(|part| !part.is_empty() && *part != ".")
            .collect()
    }
}

/// The bundle entry name for `local`, a path found under [`Env::root`]: `logs/` and the path
/// relative to the root with `/` separators (`logs/var/log/jcagent.log`,
/// `logs/Windows/Temp/jcagent.log`), each component made safe by [`sanitize_component`].
/// A path outside the root (which planning never produces) is named by its components alone.
pub fn entry_name(local: &Path, env: &Env) -> String {
    let relative = local.strip_prefix(&env.root).unwrap_or(local);
    let parts: Vec<String> = relative
        .components()
        .filter_map(|component| match component {
            Component::Normal(name) => Some(sanitize_component(name)),
            Component::ParentDir => Some("%2E%2E".to_owned()),
            Component::Prefix(_) | Component::RootDir | Component::CurDir => None,
        })
        .collect();
    format!("logs/{}", parts.join("/"))
}

/// Makes one file or folder name safe as a component of a zip entry name, reversibly.
///
/// Bytes that are control characters (0x00-0x1F, 0x7F), bytes of invalid UTF-8, `%`, and the
/// characters Windows refuses in names (`\ : * ? " < > |`) are written as `%XX` (upper-case
/// hex), so `a\nb` becomes `a%0Ab` and a literal `%` becomes `%25`: decoding the `%XX` escapes
/// gives back the original bytes, and two different names never sanitise to the same text.
/// `.` and `..` become `%2E` and `%2E%2E`.
pub fn sanitize_component(name: &OsStr) -> String {
    let bytes = os_bytes(name);
    if bytes == b"." {
        return "%2E".to_owned();
    }
    if bytes == b".." {
        return "%2E%2E".to_owned();
    }
    let mut out = String::with_capacity(bytes.len());
    let mut rest: &[u8] = &bytes;
    while !rest.is_empty() {
        let (valid, invalid) = match std::str::from_utf8(rest) {
            Ok(text) => (text, &[][..]),
            Err(error) => {
                let (good, bad) = rest.split_at(error.valid_up_to());
                let bad_len = error.error_len().unwrap_or(bad.len());
                (
                    std::str::from_utf8(good).unwrap_or_default(),
                    &bad[..bad_len.min(bad.len())],
                )
            }
        };
        for c in valid.chars() {
            if c.is_ascii_control() || "%\\:*?\"<>|".contains(c) {
                out.push_str(&format!("%{:02X}", c as u32));
            } else {
                out.push(c);
            }
        }
        for byte in invalid {
            out.push_str(&format!("%{byte:02X}"));
        }
        rest = &rest[valid.len() + invalid.len()..];
    }
    out
}

#[cfg(unix)]
fn os_bytes(name: &OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(name: &OsStr) -> Vec<u8> {
    name.to_string_lossy().into_owned().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(os: Os) -> Env {
        let mut env = Env::under_root(os, Path::new("/mnt/disk"));
        env.homes = match os {
            Os::Windows => vec![Home {
                user: "alice".into(),
                path: r"C:\Users\alice".into(),
            }],
            _ => vec![
                Home {
                    user: "alice".into(),
                    path: "/home/alice".into(),
                },
                Home {
                    user: "bob".into(),
                    path: "/home/bob".into(),
                },
            ],
        };
        env
    }

    #[test]
    fn windows_variables_ignore_case_and_per_user_ones_follow_homes() {
        let env = env(Os::Windows);
        assert_eq!(
            expand(r"%programdata%\JumpCloud\x.log", &env),
            Ok(vec![r"C:\ProgramData\JumpCloud\x.log".to_owned()])
        );
        assert_eq!(
            expand(r"%APPDATA%\JC\a.log", &env),
            Ok(vec![r"C:\Users\alice\AppData\Roaming\JC\a.log".to_owned()])
        );
        let error = expand(r"%NOPE%\x", &env).expect_err("unknown");
        assert!(error.contains("\"NOPE\""), "{error}");
    }

    #[test]
    fn unix_variables_braced_or_bare_and_tilde_per_home() {
        let mut env = env(Os::Linux);
        env.vars.insert("LOGDIR".into(), "/srv/log".into());
        assert_eq!(
            expand("${LOGDIR}/a-$LOGDIR.log", &env),
            Ok(vec!["/srv/log/a-/srv/log.log".to_owned()])
        );
        assert_eq!(
            expand("~/.config/x", &env),
            Ok(vec![
                "/home/alice/.config/x".to_owned(),
                "/home/bob/.config/x".to_owned()
            ])
        );
        assert_eq!(expand("/price$", &env), Ok(vec!["/price$".to_owned()]));
        assert!(expand("$MISSING/x", &env).is_err());
    }

    #[test]
    fn sanitizing_escapes_controls_percent_and_invalid_utf8_reversibly() {
        assert_eq!(sanitize_component(OsStr::new("a\nb")), "a%0Ab");
        assert_eq!(sanitize_component(OsStr::new("a%0Ab")), "a%250Ab");
        assert_eq!(sanitize_component(OsStr::new("x:y?.log")), "x%3Ay%3F.log");
        assert_eq!(sanitize_component(OsStr::new("..")), "%2E%2E");
        assert_eq!(sanitize_component(OsStr::new("résumé.txt")), "résumé.txt");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert_eq!(sanitize_component(OsStr::from_bytes(b"a\xffb")), "a%FFb");
        }
    }
}
