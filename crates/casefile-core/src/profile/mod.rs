//! Vendor profiles: parsing, checking, and the catalog of built-in and user profiles.
//!
//! A profile is a TOML file ([`schema`]). [`parse`] reads one and checks every cross-reference
//! (a target naming an unknown tier, a cap naming an unknown priority...), returning every
//! problem at once, each with its file, line and key. [`Catalog::load`] gathers the built-in
//! profiles and the user's own, which add to or replace built-ins with the same id.

pub mod schema;

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use crate::request::{CORE_FIELDS, FIELD_NAMES};
use schema::{ExtraFieldKind, MIN_SCHEMA_VERSION, Profile, SCHEMA_VERSION};

/// The built-in profiles, as (file name, TOML source), in the order they are listed.
pub const BUILTIN: &[(&str, &str)] = &[
    ("jetpatch.toml", include_str!("builtin/jetpatch.toml")),
    ("jumpcloud.toml", include_str!("builtin/jumpcloud.toml")),
    ("ujet.toml", include_str!("builtin/ujet.toml")),
    ("jelastic.toml", include_str!("builtin/jelastic.toml")),
    ("jumpmind.toml", include_str!("builtin/jumpmind.toml")),
    ("generic.toml", include_str!("builtin/generic.toml")),
];

/// Keys of the profile's top-level table, for a hint when one is written below a table header.
const TOP_LEVEL_KEYS: &[&str] = &[
    "schema_version",
    "id",
    "name",
    "version",
    "description",
    "seed",
    "default_priority",
];

/// Where a profile came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Shipped inside the binary.
    BuiltIn,
    /// A file of the user's.
    File(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::File(path) => f.write_str(path),
        }
    }
}

/// A problem with a profile file, located as precisely as the parser allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    /// The file (or `built-in:NAME`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The key path at fault (`targets[2].within`), when known.
    pub key: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ProfileError {}

/// A loaded profile with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedProfile {
    /// The profile.
    pub profile: Profile,
    /// Where it came from.
    pub origin: Origin,
    /// The built-in profile it replaces, if a user file overrides one.
    pub overrides_builtin: bool,
}

/// The built-in profiles plus the user's, and the problems met loading them.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Profiles in listing order: built-ins first, then user profiles by file name.
    pub profiles: Vec<LoadedProfile>,
    /// Files that could not be loaded, with why. The rest of the catalog is still usable.
    pub problems: Vec<ProfileError>,
}

impl Catalog {
    /// Loads the built-in profiles and every `*.toml` in `user_dir` (if it exists).
    ///
    /// A user profile with a built-in's id replaces it; a malformed file is skipped and reported
    /// in [`Catalog::problems`]. A missing `user_dir` is not a problem.
    pub fn load(user_dir: Option<&Path>) -> Catalog {
        let mut catalog = Catalog::default();
        for (name, source) in BUILTIN {
            match parse(source, &format!("built-in:{name}")) {
                Ok(profile) => catalog.profiles.push(LoadedProfile {
                    profile,
                    origin: Origin::BuiltIn,
                    overrides_builtin: false,
                }),
                Err(errors) => catalog.problems.extend(errors),
            }
        }
        if let Some(dir) = user_dir {
            catalog.load_dir(dir);
        }
        catalog
    }

    fn load_dir(&mut self, dir: &Path) {
        let entries = match fs_err::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return,
            Err(error) => {
                self.problems.push(file_problem(
                    dir,
                    format!("cannot list the profiles folder: {error}"),
                ));
                return;
            }
        };
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let source = match fs_err::read_to_string(&path) {
                Ok(source) => source,
                Err(error) => {
                    self.problems.push(file_problem(
                        &path,
                        format!("cannot read the profile: {error}"),
                    ));
                    continue;
                }
            };
            let file = path.display().to_string();
            match parse(&source, &file) {
                Ok(profile) => self.insert_user(profile, Origin::File(file)),
                Err(errors) => self.problems.extend(errors),
            }
        }
    }

    fn insert_user(&mut self, profile: Profile, origin: Origin) {
        match self
            .profiles
            .iter_mut()
            .find(|loaded| loaded.profile.id == profile.id)
        {
            Some(existing) => {
                let overrides_builtin =
                    existing.origin == Origin::BuiltIn || existing.overrides_builtin;
                *existing = LoadedProfile {
                    profile,
                    origin,
                    overrides_builtin,
                };
            }
            None => self.profiles.push(LoadedProfile {
                profile,
                origin,
                overrides_builtin: false,
            }),
        }
    }

    /// The profile with this id.
    pub fn get(&self, id: &str) -> Option<&LoadedProfile> {
        self.profiles.iter().find(|loaded| loaded.profile.id == id)
    }

    /// The ids of all profiles, for "did you mean" messages.
    pub fn ids(&self) -> Vec<&str> {
        self.profiles
            .iter()
            .map(|loaded| loaded.profile.id.as_str())
            .collect()
    }
}

fn file_problem(path: &Path, message: String) -> ProfileError {
    ProfileError {
        file: path.display().to_string(),
        line: None,
        column: None,
        key: None,
        message,
    }
}

/// Parses and checks one profile; `file` names it in errors.
pub fn parse(source: &str, file: &str) -> Result<Profile, Vec<ProfileError>> {
    let profile: Profile = match toml::from_str(source) {
        Ok(profile) => profile,
        Err(error) => return Err(vec![syntax_error(source, file, &error)]),
    };
    let problems = check(&profile);
    if problems.is_empty() {
        return Ok(profile);
    }
    let document = toml_edit::Document::parse(source).ok();
    Err(problems
        .into_iter()
        .map(|(path, message)| {
            let span = document
                .as_ref()
                .and_then(|document| span_of(document.as_item(), &path));
            let (line, column) = match span {
                Some(span) => {
                    let (line, column) = line_column(source, span.start);
                    (Some(line), Some(column))
                }
                None => (None, None),
            };
            ProfileError {
                file: file.to_owned(),
                line,
                column,
                key: Some(render_path(&path)),
                message,
            }
        })
        .collect())
}

fn syntax_error(source: &str, file: &str, error: &toml::de::Error) -> ProfileError {
    let (line, column, key) = match error.span() {
        Some(span) => {
            let (line, column) = line_column(source, span.start);
            (Some(line), Some(column), key_at(source, span))
        }
        None => (None, None, None),
    };
    let mut message = error.message().trim().replace('\n', " ");
    if message.starts_with("unknown field")
        && key
            .as_deref()
            .is_some_and(|key| TOP_LEVEL_KEYS.contains(&key))
    {
        message.push_str(&format!(
            "; `{}` is a top-level key: move it above the first [table] header, or TOML puts it in the table above it",
            key.as_deref().unwrap_or_default()
        ));
    }
    ProfileError {
        file: file.to_owned(),
        line,
        column,
        key,
        message,
    }
}

/// The key written on the line of `span`, for messages about a bad value.
fn key_at(source: &str, span: Range<usize>) -> Option<String> {
    let start = source
        .get(..span.start)?
        .rfind('\n')
        .map_or(0, |index| index + 1);
    let end = source
        .get(span.start..)?
        .find('\n')
        .map_or(source.len(), |index| span.start + index);
    // The key right before the value, for a value inside an inline table
    // (`{ os = "linux", max_size = "25 MeB" }` names `max_size`).
    let before = source.get(start..span.start)?.trim_end();
    if let Some(before) = before.strip_suffix('=') {
        let before = before.trim_end();
        let key_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '"'))
            .map_or(0, |index| index + 1);
        let key = before.get(key_start..)?.trim_matches('"');
        if !key.is_empty() {
            return Some(key.to_owned());
        }
    }
    let line = source.get(start..end)?.trim();
    if line.starts_with('[') {
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned(),
        );
    }
    let (key, _) = line.split_once('=')?;
    Some(key.trim().trim_matches('"').to_owned()).filter(|key| !key.is_empty())
}

/// The 1-based line and column of a byte offset in `source`.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// A step in a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

type KeyPath = Vec<Step>;

fn key(name: &str) -> Step {
    Step::Key(name.to_owned())
}

fn render_path(path: &KeyPath) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(name) if text.is_empty() => text.push_str(name),
            Step::Key(name) => {
                text.push('.');
                text.push_str(name);
            }
            Step::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

/// The span of the deepest item along `path` that exists in the document.
fn span_of(root: &toml_edit::Item, path: &KeyPath) -> Option<Range<usize>> {
    let mut item = root;
    let mut best = None;
    for step in path {
        let next = match step {
            Step::Key(name) => item.get(name.as_str()),
            Step::Index(index) => item.get(*index),
        };
        match next {
            Some(next) => {
                item = next;
                best = item.span().or(best);
            }
            None => break,
        }
    }
    best
}

/// Collects (key path, message) problems while checking a profile.
#[derive(Default)]
struct Checker {
    problems: Vec<(KeyPath, String)>,
}

impl Checker {
    fn problem(&mut self, path: KeyPath, message: String) {
        self.problems.push((path, message));
    }

    /// Reports `value` unless it is one of `ids`.
    fn known(&mut self, path: KeyPath, value: &str, ids: &BTreeSet<&str>, what: &str) {
        if !ids.contains(value) {
            let known: Vec<&str> = ids.iter().copied().collect();
            let defined = if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            };
            self.problem(
                path,
                format!("unknown {what} {value:?}; the profile defines {defined}"),
            );
        }
    }

    /// Reports ids that are malformed or repeated, and returns the set of them.
    fn unique_ids<'a>(
        &mut self,
        ids: impl Iterator<Item = &'a str>,
        table: &str,
    ) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::new();
        for (index, id) in ids.enumerate() {
            let path = vec![key(table), Step::Index(index), key("id")];
            if !is_id(id) {
                self.problem(path, format!("{id:?} is not a valid id: use lowercase letters, digits, hyphens and underscores"));
            } else if !seen.insert(id) {
                self.problem(
                    path,
                    format!("id {id:?} appears twice in {table}; ids must be unique"),
                );
            }
        }
        seen
    }
}

/// Checks what the types cannot: ids, references, and orderings. Returns (key path, message).
fn check(profile: &Profile) -> Vec<(KeyPath, String)> {
    let mut checker = Checker::default();
    let at =
        |index: usize, table: &str, field: &str| vec![key(table), Step::Index(index), key(field)];

    if !(MIN_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&profile.schema_version) {
        checker.problem(
            vec![key("schema_version")],
            format!("this build reads profile schema versions {MIN_SCHEMA_VERSION} to {SCHEMA_VERSION}, not {}; set schema_version = {SCHEMA_VERSION} and check the keys against docs/profile-schema.md", profile.schema_version),
        );
    }
    if !is_id(&profile.id) {
        checker.problem(
            vec![key("id")],
            format!(
                "{:?} is not a valid profile id: use lowercase letters, digits and hyphens",
                profile.id
            ),
        );
    }
    for (name, value) in [
        ("name", &profile.name),
        ("version", &profile.version),
        ("description", &profile.description),
    ] {
        if value.trim().is_empty() {
            checker.problem(
                vec![key(name)],
                format!("{name} is empty: give the profile a {name}"),
            );
        }
    }

    for (id, calendar) in &profile.calendars {
        let path = |field: &str| vec![key("calendars"), key(id), key(field)];
        if calendar.days.is_empty() {
            checker.problem(path("days"), "a calendar needs at least one day, e.g. days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]".to_owned());
        }
        if calendar.open >= calendar.close {
            checker.problem(
                path("close"),
                format!(
                    "closing time {} is not after opening time {}; use \"24:00\" for midnight",
                    calendar.close, calendar.open
                ),
            );
        }
    }

    let tier_ids = checker.unique_ids(profile.tiers.iter().map(|tier| tier.id.as_str()), "tiers");
    let priority_ids = checker.unique_ids(
        profile
            .priorities
            .iter()
            .map(|priority| priority.id.as_str()),
        "priorities",
    );
    let issue_type_ids = checker.unique_ids(
        profile.issue_types.iter().map(|issue| issue.id.as_str()),
        "issue_types",
    );
    let evidence_ids = checker.unique_ids(
        profile.evidence.iter().map(|evidence| evidence.id.as_str()),
        "evidence",
    );
    checker.unique_ids(
        profile.extra_fields.iter().map(|field| field.id.as_str()),
        "extra_fields",
    );
    if profile.tiers.is_empty() {
        checker.problem(vec![key("tiers")], "a profile needs at least one tier; a vendor that names none has one, id = \"standard\"".to_owned());
    }
    if profile.priorities.is_empty() {
        checker.problem(
            vec![key("priorities")],
            "a profile needs at least one priority".to_owned(),
        );
    }
    let calendar_ids: BTreeSet<&str> = profile.calendars.keys().map(String::as_str).collect();

    checker.known(
        vec![key("default_priority")],
        &profile.default_priority,
        &priority_ids,
        "priority",
    );
    for (index, tier) in profile.tiers.iter().enumerate() {
        checker.known(
            at(index, "tiers", "calendar"),
            &tier.calendar,
            &calendar_ids,
            "calendar",
        );
        for (priority, calendar) in &tier.calendar_by_priority {
            let entry = vec![
                key("tiers"),
                Step::Index(index),
                key("calendar_by_priority"),
                key(priority),
            ];
            checker.known(entry.clone(), priority, &priority_ids, "priority");
            checker.known(entry, calendar, &calendar_ids, "calendar");
        }
        if !tier.supported && tier.unsupported_message.is_none() {
            checker.problem(at(index, "tiers", "supported"), "a tier with supported = false needs an unsupported_message saying where to go instead".to_owned());
        }
    }
    for (index, phone) in profile.contact.phones.iter().enumerate() {
        for tier in &phone.tiers {
            checker.known(
                vec![
                    key("contact"),
                    key("phones"),
                    Step::Index(index),
                    key("tiers"),
                ],
                tier,
                &tier_ids,
                "tier",
            );
        }
    }
    for (index, rule) in profile.priority_rules.iter().enumerate() {
        checker.known(
            at(index, "priority_rules", "priority"),
            &rule.priority,
            &priority_ids,
            "priority",
        );
    }
    let mut target_names = BTreeSet::new();
    for (index, target) in profile.targets.iter().enumerate() {
        for tier in &target.tiers {
            checker.known(at(index, "targets", "tiers"), tier, &tier_ids, "tier");
        }
        for priority in &target.priorities {
            checker.known(
                at(index, "targets", "priorities"),
                priority,
                &priority_ids,
                "priority",
            );
        }
        target_names.insert(target.name.as_str());
    }
    for (index, escalation) in profile.escalation.iter().enumerate() {
        for tier in &escalation.tiers {
            checker.known(at(index, "escalation", "tiers"), tier, &tier_ids, "tier");
        }
        for priority in &escalation.priorities {
            checker.known(
                at(index, "escalation", "priorities"),
                priority,
                &priority_ids,
                "priority",
            );
        }
        if let schema::EscalationAfter::MissedTarget(name) = &escalation.after {
            checker.known(
                at(index, "escalation", "after"),
                name,
                &target_names,
                "target name",
            );
        }
    }
    let rule_path = |table: &str, index: usize, field: &str| {
        vec![key("rules"), key(table), Step::Index(index), key(field)]
    };
    for (index, cap) in profile.rules.caps.iter().enumerate() {
        checker.known(
            rule_path("caps", index, "max_priority"),
            &cap.max_priority,
            &priority_ids,
            "priority",
        );
        for issue_type in &cap.issue_types {
            checker.known(
                rule_path("caps", index, "issue_types"),
                issue_type,
                &issue_type_ids,
                "issue type",
            );
        }
    }
    for (index, rule) in profile.rules.phone_first.iter().enumerate() {
        for tier in &rule.tiers {
            checker.known(
                rule_path("phone_first", index, "tiers"),
                tier,
                &tier_ids,
                "tier",
            );
        }
        for priority in &rule.priorities {
            checker.known(
                rule_path("phone_first", index, "priorities"),
                priority,
                &priority_ids,
                "priority",
            );
        }
    }
    for (index, rule) in profile.rules.eligibility.iter().enumerate() {
        check_choices(
            &mut checker,
            profile,
            rule_path("eligibility", index, "field"),
            rule_path("eligibility", index, "allowed"),
            &rule.field,
            &rule.allowed,
            "eligibility",
        );
    }
    for (index, rule) in profile.rules.routing.iter().enumerate() {
        check_choices(
            &mut checker,
            profile,
            rule_path("routing", index, "field"),
            rule_path("routing", index, "choices"),
            &rule.field,
            &rule.choices,
            "routing",
        );
    }
    if let Some(scope) = &profile.rules.scope {
        for tier in &scope.consulting_included_tiers {
            checker.known(
                vec![key("rules"), key("scope"), key("consulting_included_tiers")],
                tier,
                &tier_ids,
                "tier",
            );
        }
    }
    let mut release_versions = BTreeSet::new();
    for (index, release) in profile.releases.iter().enumerate() {
        let path = at(index, "releases", "version");
        if crate::validate::version_numbers(&release.version).is_none() {
            checker.problem(
                path,
                format!(
                    "{:?} is not a version number: write it as digits and dots, e.g. \"3.15\"",
                    release.version
                ),
            );
        } else if !release_versions.insert(release.version.trim()) {
            checker.problem(path, format!("release {:?} appears twice", release.version));
        }
    }
    for (index, issue_type) in profile.issue_types.iter().enumerate() {
        for evidence in &issue_type.required_evidence {
            checker.known(
                at(index, "issue_types", "required_evidence"),
                evidence,
                &evidence_ids,
                "evidence id",
            );
        }
        for evidence in &issue_type.optional_evidence {
            checker.known(
                at(index, "issue_types", "optional_evidence"),
                evidence,
                &evidence_ids,
                "evidence id",
            );
        }
        let mut seen = BTreeSet::new();
        for item in &issue_type.checklist {
            if !seen.insert(item.id.as_str()) {
                checker.problem(
                    at(index, "issue_types", "checklist"),
                    format!(
                        "checklist id {:?} appears twice; ids must be unique",
                        item.id
                    ),
                );
            }
        }
    }
    check_sources(profile, &mut checker);
    let field_names: BTreeSet<&str> = FIELD_NAMES.iter().copied().collect();
    for (name, rule) in &profile.fields {
        let path = vec![key("fields"), key(name)];
        if !field_names.contains(name.as_str()) {
            checker.known(path, name, &field_names, "request field");
        } else if rule.hidden == Some(true) && CORE_FIELDS.contains(&name.as_str()) {
            checker.problem(
                path,
                format!("{name} is a core field and cannot be hidden; remove hidden = true"),
            );
        }
    }
    for (index, field) in profile.extra_fields.iter().enumerate() {
        if field.kind == ExtraFieldKind::Choice && field.choices.is_empty() {
            checker.problem(
                at(index, "extra_fields", "choices"),
                "a field of kind \"choice\" needs choices = [{ id = ..., label = ... }]".to_owned(),
            );
        }
        if field_names.contains(field.id.as_str()) {
            checker.problem(
                at(index, "extra_fields", "id"),
                format!(
                    "{:?} is a core field's name; set its rule in [fields.{}] instead",
                    field.id, field.id
                ),
            );
        }
    }
    checker.problems
}

/// Reports a rule whose `field` is not a choice extra field, or whose `values` are not its choices.
fn check_choices(
    checker: &mut Checker,
    profile: &Profile,
    field_path: KeyPath,
    values_path: KeyPath,
    field: &str,
    values: &[String],
    rule: &str,
) {
    match profile.extra_fields.iter().find(|extra| extra.id == field) {
        Some(extra) if extra.kind == ExtraFieldKind::Choice => {
            let choices: BTreeSet<&str> = extra
                .choices
                .iter()
                .map(|choice| choice.id.as_str())
                .collect();
            for value in values {
                checker.known(values_path.clone(), value, &choices, "choice");
            }
        }
        _ => checker.problem(
            field_path,
            format!("{rule} rules need an extra field of kind \"choice\"; {field:?} is not one"),
        ),
    }
}

/// Checks evidence sources and the `[snapshot]` table: what serde cannot see.
fn check_sources(profile: &Profile, checker: &mut Checker) {
    let mut command_names = BTreeSet::new();
    for (evidence_index, evidence) in profile.evidence.iter().enumerate() {
        for (source_index, source) in evidence.sources.iter().enumerate() {
            let at = |field: &str| {
                vec![
                    key("evidence"),
                    Step::Index(evidence_index),
                    key("sources"),
                    Step::Index(source_index),
                    key(field),
                ]
            };
            if source.paths.is_empty() && source.commands.is_empty() {
                checker.problem(
                    at("paths"),
                    "a source needs paths = [...] or commands = [...]; remove it if the evidence is attached by hand".to_owned(),
                );
            }
            for path in &source.paths {
                if path.trim().is_empty() {
                    checker.problem(at("paths"), "a path is empty".to_owned());
                }
            }
            if source.max_size.is_some_and(|size| size.0 == 0) {
                checker.problem(
                    at("max_size"),
                    "max_size is zero, which keeps nothing; give a size such as \"25 MiB\" or leave it out for the default".to_owned(),
                );
            }
            for command in &source.commands {
                if !is_id(&command.name) {
                    checker.problem(
                        at("commands"),
                        format!("command name {:?} is not a valid id: use lowercase letters, digits, hyphens and underscores (it names the output file)", command.name),
                    );
                } else if !command_names.insert(command.name.as_str()) {
                    checker.problem(
                        at("commands"),
                        format!("command name {:?} appears twice; names must be unique in a profile (each names an output file)", command.name),
                    );
                }
                if command
                    .argv
                    .first()
                    .is_none_or(|program| program.trim().is_empty())
                {
                    checker.problem(
                        at("commands"),
                        format!(
                            "command {:?} has no program: argv = [\"program\", \"argument\", ...]",
                            command.name
                        ),
                    );
                }
                if command.max_output.is_some_and(|size| size.0 == 0) {
                    checker.problem(
                        at("commands"),
                        format!(
                            "command {:?} has max_output zero, which keeps nothing",
                            command.name
                        ),
                    );
                }
            }
        }
    }
    let snapshot = &profile.snapshot;
    for (index, file) in snapshot.version_files.iter().enumerate() {
        let path = vec![
            key("snapshot"),
            key("version_files"),
            Step::Index(index),
            key("path"),
        ];
        if file.path.trim().is_empty() || file.path.contains(['*', '?', '[']) {
            checker.problem(
                path,
                format!(
                    "{:?} must name one file, without glob characters",
                    file.path
                ),
            );
        }
    }
    for (index, files) in snapshot.config_files.iter().enumerate() {
        let path = vec![
            key("snapshot"),
            key("config_files"),
            Step::Index(index),
            key("paths"),
        ];
        for file in &files.paths {
            if file.trim().is_empty() || file.contains(['*', '?', '[']) {
                checker.problem(
                    path.clone(),
                    format!("{file:?} must name one file, without glob characters"),
                );
            }
        }
    }
    for (index, name) in snapshot.processes.iter().enumerate() {
        if name.trim().is_empty() {
            checker.problem(
                vec![key("snapshot"), key("processes"), Step::Index(index)],
                "a process name is empty".to_owned(),
            );
        }
    }
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}
