//! The redaction conformance corpus: every suite under `tests/redaction/` redacted as
//! `casefile redact FILE` does, scored against its `expect.json`.
//!
//! A suite is a folder `tests/redaction/<suite>/` with input files and an `expect.json`:
//! `files[].go` are values that must not appear in the file's redacted output (recall is
//! counted per category), `files[].stay` are values that must appear exactly as often as in the
//! input (the share kept is counted over all of them). The suite's `min_recall` (an object of
//! category to fraction) and `min_kept` (a fraction, or an object of category to fraction) are
//! the thresholds; a failure lists every missed value with its file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use casefile_core::redact::{Found, Learner, Names, PseudonymKey, Redactor};
use memchr::memmem;
use serde_json::Value;

/// A fixed key, so that runs are comparable (pseudonyms never decide a score).
const TEST_KEY: &str =
    "casefile-key-v1:0b5e1f0c2d3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4";

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/redaction")
}

/// Redacts one file as `casefile redact FILE` does: names learned from the file's own text (no
/// system names, so the result does not depend on the machine), one redactor, one pass.
fn redact_like_the_cli(key: &PseudonymKey, bytes: &[u8]) -> Vec<u8> {
    let mut names = Names::default();
    let mut learner = Learner::new();
    learner.feed(bytes);
    names.merge(learner.finish());
    let redactor = Redactor::new(key, &names);
    // (`casefile redact` also reserves the pseudonyms of the saved mapping; a fresh data folder
    // has none.)
    let mut found = Found::default();
    let mut out = Vec::with_capacity(bytes.len());
    redactor.redact(bytes, false, &mut out, &mut found);
    out
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() {
        return 0;
    }
    memmem::find_iter(haystack, needle).count()
}

#[derive(Default)]
struct Tally {
    hits: usize,
    total: usize,
}

impl Tally {
    fn share(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.hits as f64 / self.total as f64
        }
    }
}

/// The score of one suite: recall per category of `go` values, share kept per category of
/// `stay` values, and the misses.
#[derive(Default)]
struct Score {
    recall: BTreeMap<String, Tally>,
    kept: BTreeMap<String, Tally>,
    kept_all: Tally,
    missed: Vec<String>,
    touched: Vec<String>,
}

fn entries<'a>(
    file: &'a Value,
    field: &str,
) -> impl Iterator<Item = (String, String, String)> + 'a {
    file.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| {
            let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            (text("category"), text("value"), text("kind"))
        })
}

fn score_suite(dir: &Path, expect: &Value, key: &PseudonymKey) -> Score {
    let mut score = Score::default();
    let files = expect.get("files").and_then(Value::as_array);
    for file in files.into_iter().flatten() {
        let name = file.get("file").and_then(Value::as_str).unwrap_or("");
        let path = dir.join(name);
        let raw = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: cannot read {}: {e}", dir.display(), path.display()));
        // UTF-16 and other non-UTF-8 text is redacted (and judged) as the UTF-8 a bundle stores.
        let input = casefile_core::evidence::encoding::to_utf8(&raw)
            .0
            .into_owned();
        let output = redact_like_the_cli(key, &input);
        for (category, value, kind) in entries(file, "go") {
            let tally = score.recall.entry(category.clone()).or_default();
            tally.total += 1;
            if count(&output, value.as_bytes()) == 0 {
                tally.hits += 1;
            } else {
                score
                    .missed
                    .push(format!("{name}: {category} {kind} {value:?} was left in"));
            }
        }
        for (category, value, _) in entries(file, "stay") {
            let before = count(&input, value.as_bytes());
            let after = count(&output, value.as_bytes());
            let kept = before == after;
            for tally in [
                score.kept.entry(category.clone()).or_default(),
                &mut score.kept_all,
            ] {
                tally.total += 1;
                if kept {
                    tally.hits += 1;
                }
            }
            if !kept {
                score.touched.push(format!(
                    "{name}: {category} {value:?} appears {after} times, not {before}"
                ));
            }
        }
    }
    score
}

/// The thresholds of `expect.json`: `min_recall` per category; `min_kept` as one number (over
/// every `stay` value) or per category.
fn check(suite: &str, expect: &Value, score: &Score) -> Vec<String> {
    let mut failures = Vec::new();
    let min_recall = expect.get("min_recall").and_then(Value::as_object);
    for (category, tally) in &score.recall {
        let min = min_recall
            .and_then(|m| m.get(category))
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        if tally.share() < min {
            failures.push(format!(
                "{suite}: {category} recall {:.4} ({}/{}) is below min_recall {min}",
                tally.share(),
                tally.hits,
                tally.total
            ));
        }
    }
    match expect.get("min_kept") {
        Some(Value::Object(per_category)) => {
            for (category, tally) in &score.kept {
                let min = per_category
                    .get(category)
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                if tally.share() < min {
                    failures.push(format!(
                        "{suite}: {category} kept {:.4} ({}/{}) is below min_kept {min}",
                        tally.share(),
                        tally.hits,
                        tally.total
                    ));
                }
            }
        }
        Some(min) => {
            let min = min.as_f64().unwrap_or(0.0);
            if score.kept_all.share() < min {
                failures.push(format!(
                    "{suite}: kept {:.4} ({}/{}) is below min_kept {min}",
                    score.kept_all.share(),
                    score.kept_all.hits,
                    score.kept_all.total
                ));
            }
        }
        None => {}
    }
    failures
}

fn report(suite: &str, score: &Score) -> String {
    let mut text = String::new();
    for (category, tally) in &score.recall {
        let _ = writeln!(
            text,
            "{suite}: recall {category} {:.4} ({}/{})",
            tally.share(),
            tally.hits,
            tally.total
        );
    }
    for (category, tally) in &score.kept {
        let _ = writeln!(
            text,
            "{suite}: kept {category} {:.4} ({}/{})",
            tally.share(),
            tally.hits,
            tally.total
        );
    }
    text
}

#[test]
fn every_suite_of_the_redaction_corpus_meets_its_thresholds() {
    let key = PseudonymKey::import(TEST_KEY).expect("the test key parses");
    let root = corpus_root();
    let mut suites: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("expect.json").is_file())
        .collect();
    suites.sort();
    assert!(
        !suites.is_empty(),
        "no suite with an expect.json under {}",
        root.display()
    );
    let mut failures = Vec::new();
    let mut details = String::new();
    for dir in &suites {
        let suite = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(dir.join("expect.json"))
            .unwrap_or_else(|e| panic!("{}/expect.json: {e}", dir.display()));
        let expect: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}/expect.json is not JSON: {e}", dir.display()));
        let score = score_suite(dir, &expect, &key);
        eprint!("{}", report(&suite, &score));
        let failed = check(&suite, &expect, &score);
        if !failed.is_empty() {
            let _ = writeln!(
                details,
                "--- {suite}: values left in ({}):",
                score.missed.len()
            );
            for line in &score.missed {
                let _ = writeln!(details, "  {line}");
            }
            let _ = writeln!(
                details,
                "--- {suite}: values touched ({}):",
                score.touched.len()
            );
            for line in &score.touched {
                let _ = writeln!(details, "  {line}");
            }
        }
        failures.extend(failed);
    }
    assert!(
        failures.is_empty(),
        "{}\n{details}\nFix the redactor, or, if a value is wrong, the suite's generator; \
         thresholds live in tests/redaction/<suite>/expect.json",
        failures.join("\n")
    );
}

#[test]
fn the_secrets_suite_counts_a_left_in_value_as_missed_and_a_changed_one_as_touched() {
    let dir = std::env::temp_dir().join(format!("casefile-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let token = "ghp_4Jq9ZxT2vLk8Wm3Nc7Rb1Yd6Hs0Pf5Ge2Ua9";
    std::fs::write(
        dir.join("a.env"),
        format!("GITHUB_PAT={token}\nGITHUB_PAT2=${{GITHUB_PAT}}\nNOTE=plain words\n"),
    )
    .expect("write");
    let expect: Value = serde_json::json!({
        "suite": "t", "min_recall": {"secret": 1.0}, "min_kept": 1.0,
        "files": [{"file": "a.env",
                   "go": [{"category": "secret", "value": token},
                          {"category": "secret", "value": "plain words"}],
                   "stay": [{"category": "placeholder", "value": "${GITHUB_PAT}"}]}]
    });
    let key = PseudonymKey::import(TEST_KEY).expect("key");
    let score = score_suite(&dir, &expect, &key);
    let _ = std::fs::remove_dir_all(&dir);
    let secret = score.recall.get("secret").expect("secret tally");
    assert_eq!((secret.hits, secret.total), (1, 2));
    assert_eq!(score.missed.len(), 1);
    assert!(
        score
            .missed
            .iter()
            .all(|m| m.contains("plain words") && m.contains("a.env"))
    );
    assert_eq!((score.kept_all.hits, score.kept_all.total), (1, 1));
    let failures = check("t", &expect, &score);
    assert_eq!(failures.len(), 1, "{failures:?}");
}
