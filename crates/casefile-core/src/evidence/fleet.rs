//! A fleet run's account of its endpoints: which hosts sent a bundle, which failed and why,
//! which could not be reached, told by pseudonym in the merged bundle.
//!
//! The engine that ran `casefile collect` across the fleet (the Ansible controller play, an MDM
//! script) writes `summary.json`:
//!
//! ```json
//! {"hosts": [
//!   {"host": "web1.corp.example", "status": "ok", "bytes": 812345, "keyFingerprint": "3f9a…", "seconds": 41.2},
//!   {"host": "db2", "status": "failed", "reason": "collect exited 2: disk full"},
//!   {"host": "10.0.0.9", "status": "unreachable", "reason": "ssh: connect to host 10.0.0.9 port 22: Connection refused"}
//! ]}
//! ```
//!
//! [`FleetSummary::read`] reads it (an error names the file, the host and the field);
//! [`FleetSummary::report`] turns it into what the vendor may read: every host name replaced by
//! its pseudonym and every reason redacted, with the same redactor and key as the bundles, so
//! `host-1416db43` in the summary is the `endpoints/host-1416db43/` folder of the same machine.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::redact::{Found, Names, Redactor};

/// `summary.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetSummary {
    /// One record per host the run targeted.
    pub hosts: Vec<FleetHost>,
}

/// One host of a fleet run, as the engine saw it (real names).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetHost {
    /// The host as the engine knows it (inventory name, FQDN or address).
    pub host: String,
    /// How it went.
    pub status: HostStatus,
    /// Why it failed or could not be reached.
    #[serde(default)]
    pub reason: Option<String>,
    /// The size of its bundle.
    #[serde(default)]
    pub bytes: Option<u64>,
    /// The pseudonym key its bundle was made with.
    #[serde(default)]
    pub key_fingerprint: Option<String>,
    /// How long its collection took.
    #[serde(default)]
    pub seconds: Option<f64>,
}

/// How one host's collection went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostStatus {
    /// Its bundle was fetched.
    Ok,
    /// It was reached, but collecting or fetching failed.
    Failed,
    /// It could not be reached.
    Unreachable,
}

/// The summary as it goes into the merged bundle: pseudonyms and redacted reasons only.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetReport {
    /// Hosts the run targeted.
    pub endpoints: usize,
    /// Hosts whose bundle was fetched.
    pub ok: usize,
    /// Every host, by pseudonym.
    pub hosts: Vec<ReportedHost>,
    /// One sentence for people: "3 of 5 endpoints; 1 failed: host-… (reason); 1 unreachable: host-…".
    pub line: String,
}

/// One host in a [`FleetReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportedHost {
    /// The host's pseudonym.
    pub endpoint: String,
    /// How it went.
    pub status: HostStatus,
    /// Why it failed or could not be reached, redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The size of its bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// The pseudonym key its bundle was made with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    /// How long its collection took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

impl FleetSummary {
    /// Reads `summary.json`; the error names the file and what is wrong, and how to fix it.
    pub fn read(path: &Path) -> Result<FleetSummary, String> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            format!("{}: cannot read the fleet summary: {error}", path.display())
        })?;
        let summary: FleetSummary = serde_json::from_str(&text).map_err(|error| {
            format!(
                "{}: not a fleet summary ({error}); it is {{\"hosts\": [{{\"host\": NAME, \"status\": \"ok\" | \"failed\" | \"unreachable\", \"reason\": TEXT}}]}}",
                path.display()
            )
        })?;
        if let Some(blank) = summary.hosts.iter().position(|h| h.host.trim().is_empty()) {
            return Err(format!(
                "{}: host {} has an empty \"host\"; name every host",
                path.display(),
                blank + 1
            ));
        }
        Ok(summary)
    }

    /// The host names, to be learned and searched for as the customer's names.
    pub fn host_names(&self) -> impl Iterator<Item = &str> {
        self.hosts.iter().map(|h| h.host.trim())
    }

    /// Adds the host names to `names` (as host names, or addresses for the redactor to find by
    /// shape), so that a redactor and a leak scan made from them know them.
    pub fn learn_into(&self, names: &mut Names) {
        for host in self.host_names() {
            if host.parse::<std::net::IpAddr>().is_err() {
                names.hostnames.insert(host.to_ascii_lowercase());
            }
        }
    }

    /// The report with pseudonyms: `redactor` must know the host names ([`learn_into`]).
    ///
    /// [`learn_into`]: FleetSummary::learn_into
    pub fn report(&self, redactor: &Redactor) -> FleetReport {
        let mut found = Found::default();
        let hosts: Vec<ReportedHost> = self
            .hosts
            .iter()
            .map(|host| ReportedHost {
                endpoint: redactor.redact_text(host.host.trim(), &mut found),
                status: host.status,
                reason: host
                    .reason
                    .as_deref()
                    .map(|reason| redactor.redact_text(reason, &mut found)),
                bytes: host.bytes,
                key_fingerprint: host.key_fingerprint.clone(),
                seconds: host.seconds,
            })
            .collect();
        let ok = hosts.iter().filter(|h| h.status == HostStatus::Ok).count();
        let mut line = format!("{ok} of {} endpoints", hosts.len());
        for (status, word) in [
            (HostStatus::Failed, "failed"),
            (HostStatus::Unreachable, "unreachable"),
        ] {
            let these: Vec<String> = hosts
                .iter()
                .filter(|h| h.status == status)
                .map(|h| match &h.reason {
                    Some(reason) => format!("{} ({reason})", h.endpoint),
                    None => h.endpoint.clone(),
                })
                .collect();
            if !these.is_empty() {
                line.push_str(&format!("; {} {word}: {}", these.len(), these.join(", ")));
            }
        }
        FleetReport {
            endpoints: hosts.len(),
            ok,
            hosts,
            line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::PseudonymKey;

    fn summary(json: &str) -> Result<FleetSummary, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("summary.json");
        std::fs::write(&path, json).expect("write");
        FleetSummary::read(&path)
    }

    #[test]
    fn the_report_names_hosts_by_pseudonym_and_redacts_the_reasons() {
        let summary = summary(
            r#"{"hosts": [
              {"host": "wks-finance-07.corp.example", "status": "ok", "bytes": 1000, "seconds": 3.5},
              {"host": "db-orion-fake", "status": "failed", "reason": "collect on db-orion-fake exited 2: password=hunter2-FAKE"},
              {"host": "web-fake-3", "status": "unreachable", "reason": "ssh: connect to host 10.9.8.7 port 22: Connection refused"}
            ]}"#,
        )
        .expect("a summary");
        let mut names = Names::default();
        summary.learn_into(&mut names);
        let key = PseudonymKey::generate().expect("key");
        let report = summary.report(&Redactor::new(&key, &names));
        assert_eq!((report.endpoints, report.ok), (3, 1));
        let text = serde_json::to_string(&report).expect("json");
        for original in [
            "wks-finance-07",
            "corp.example",
            "db-orion-fake",
            "web-fake-3",
            "hunter2-FAKE",
            "10.9.8.7",
        ] {
            assert!(!text.contains(original), "{original} in {text}");
        }
        assert!(
            report.line.starts_with("1 of 3 endpoints; 1 failed: host-"),
            "{}",
            report.line
        );
        assert!(
            report.line.contains("; 1 unreachable: host-"),
            "{}",
            report.line
        );
        // The same key gives the same pseudonym as the endpoint's own bundle would.
        let again = summary.report(&Redactor::new(&key, &names));
        assert_eq!(report, again);
    }

    #[test]
    fn a_bad_summary_names_the_file_and_the_fix() {
        for (json, part) in [
            (
                r#"{"hosts": [{"host": "a", "status": "gone"}]}"#,
                "\"failed\"",
            ),
            (
                r#"{"hosts": [{"host": " ", "status": "ok"}]}"#,
                "host 1 has an empty",
            ),
            (r#"{"host": "a"}"#, "not a fleet summary"),
        ] {
            let error = summary(json).expect_err(json);
            assert!(
                error.contains("summary.json") && error.contains(part),
                "{error}"
            );
        }
    }
}
