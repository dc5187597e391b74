//! Helpers shared by the CLI test binaries.

use std::path::Path;

use assert_cmd::Command;

/// A `casefile` command with hermetic data and config locations.
pub(crate) fn casefile(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("casefile").expect("binary");
    command
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .env_remove("CASEFILE_DATA_DIR")
        .env_remove("CASEFILE_CONFIG")
        .env("TZ", "UTC");
    command
}

/// Stdout as JSON, or a panic that shows what it was.
pub(crate) fn json(output: &[u8]) -> serde_json::Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", String::from_utf8_lossy(output)))
}
