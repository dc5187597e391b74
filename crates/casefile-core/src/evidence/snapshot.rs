//! The support snapshot: what a support engineer asks first about a machine, in one JSON file
//! and one text file a person can read out on the phone.
//!
//! On the live system ([`Env::is_live`]) [`take`] asks the OS (through `sysinfo`): OS and
//! version, kernel, hostname, uptime, CPU, memory, disks, network interfaces, time zone,
//! locale, and the busiest processes plus the ones the profile names. For a mounted disk it
//! describes only what files under the root say (`etc/os-release`, `etc/hostname`, the time
//! zone link, the agent's version file) and marks the snapshot `"live": false`. Either way it
//! reads the installed agent version from the profile's `[snapshot]` version file and lists
//! the agent's config files that exist; the pipeline adds their redacted contents to the bundle.
//!
//! The snapshot is not redacted here (hostname, addresses and MACs are in it); the pipeline
//! redacts it like any other text. Process command lines are never recorded: they can hold
//! secrets.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::resolve::{Env, expand, to_local};
use crate::profile::schema::{Os, Profile};

/// The snapshot's JSON schema version.
pub const SNAPSHOT_VERSION: u32 = 1;

/// How many processes each top list holds.
const TOP: usize = 10;

/// A description of the machine.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// [`SNAPSHOT_VERSION`].
    pub schema_version: u32,
    /// True when taken from the running system; false for a mounted disk (files only).
    pub live: bool,
    /// The OS family the profile's paths were read for.
    pub os: Os,
    /// The OS's name and version as it writes them (`Ubuntu 24.04.1 LTS`).
    pub os_name: Option<String>,
    /// The OS version alone (`24.04`).
    pub os_version: Option<String>,
    /// The kernel version.
    pub kernel: Option<String>,
    /// The machine's host name.
    pub hostname: Option<String>,
    /// Seconds since boot.
    pub uptime_seconds: Option<u64>,
    /// The processor.
    pub cpu: Option<CpuInfo>,
    /// Memory and swap, in bytes.
    pub memory: Option<MemoryInfo>,
    /// Mounted file systems.
    pub disks: Vec<DiskInfo>,
    /// Network interfaces.
    pub network: Vec<InterfaceInfo>,
    /// The IANA time zone name, when known.
    pub time_zone: Option<String>,
    /// The current offset from UTC (`+01:00`), live only.
    pub utc_offset: Option<String>,
    /// The locale (`en_US.UTF-8`).
    pub locale: Option<String>,
    /// The installed agent's version, from the profile's version file.
    pub agent_version: Option<String>,
    /// The file the agent version was read from.
    pub agent_version_file: Option<PathBuf>,
    /// The agent's config files that exist (local paths), to be added to the bundle redacted.
    pub config_files: Vec<PathBuf>,
    /// The busiest processes by CPU.
    pub top_cpu: Vec<ProcessInfo>,
    /// The busiest processes by memory.
    pub top_memory: Vec<ProcessInfo>,
    /// The processes the profile names, running or not.
    pub watched_processes: Vec<WatchedProcess>,
    /// What could not be found out, and why.
    pub notes: Vec<String>,
}

/// The processor.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuInfo {
    /// The model name.
    pub brand: String,
    /// Logical cores.
    pub logical_cores: usize,
    /// Physical cores, when known.
    pub physical_cores: Option<usize>,
    /// The architecture (`x86_64`, `arm64`).
    pub arch: String,
}

/// Memory and swap in bytes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryInfo {
    /// Total memory.
    pub total: u64,
    /// Memory in use.
    pub used: u64,
    /// Memory available to programs.
    pub available: u64,
    /// Total swap.
    pub swap_total: u64,
    /// Swap in use.
    pub swap_used: u64,
}

/// A mounted file system.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiskInfo {
    /// Where it is mounted.
    pub mount_point: String,
    /// The file system type.
    pub file_system: String,
    /// Size in bytes.
    pub total: u64,
    /// Free bytes.
    pub available: u64,
    /// Removable media.
    pub removable: bool,
}

/// A network interface.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InterfaceInfo {
    /// The interface name.
    pub name: String,
    /// The MAC address.
    pub mac: String,
    /// Addresses with prefix lengths (`192.0.2.10/24`).
    pub addresses: Vec<String>,
}

/// One process.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessInfo {
    /// The process id.
    pub pid: u32,
    /// The process name (never its command line).
    pub name: String,
    /// CPU use in percent of one core, over a short sample.
    pub cpu_percent: f32,
    /// Resident memory in bytes.
    pub memory: u64,
}

/// A process the profile names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchedProcess {
    /// The name the profile gives.
    pub name: String,
    /// Whether at least one such process runs (`None` when not live).
    pub running: Option<bool>,
    /// The running instances.
    pub instances: Vec<ProcessInfo>,
}

/// Describes the system `env` points at, reading what `profile`'s `[snapshot]` table names.
pub fn take(profile: &Profile, env: &Env) -> Snapshot {
    let mut snapshot = Snapshot {
        schema_version: SNAPSHOT_VERSION,
        live: env.is_live(),
        os: env.os,
        os_name: None,
        os_version: None,
        kernel: None,
        hostname: None,
        uptime_seconds: None,
        cpu: None,
        memory: None,
        disks: Vec::new(),
        network: Vec::new(),
        time_zone: None,
        utc_offset: None,
        locale: None,
        agent_version: None,
        agent_version_file: None,
        config_files: Vec::new(),
        top_cpu: Vec::new(),
        top_memory: Vec::new(),
        watched_processes: Vec::new(),
        notes: Vec::new(),
    };
    if snapshot.live {
        live_facts(&mut snapshot, profile, env);
    } else {
        file_facts(&mut snapshot, profile, env);
    }
    agent_facts(&mut snapshot, profile, env);
    snapshot
}

impl Snapshot {
    /// The snapshot as pretty-printed JSON.
    pub fn to_json(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec_pretty(self).unwrap_or_default();
        json.push(b'\n');
        json
    }

    /// The snapshot as aligned `Label: value` lines for a person.
    pub fn to_text(&self) -> String {
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut row = |label: &str, value: String| rows.push((label.to_owned(), value));
        let or_unknown = |value: &Option<String>| value.clone().unwrap_or_else(|| "unknown".into());
        row(
            "Source",
            if self.live {
                "this computer, running".to_owned()
            } else {
                "files on a mounted disk (not running)".to_owned()
            },
        );
        row("OS", or_unknown(&self.os_name));
        row("OS version", or_unknown(&self.os_version));
        row("Kernel", or_unknown(&self.kernel));
        row("Hostname", or_unknown(&self.hostname));
        if let Some(uptime) = self.uptime_seconds {
            row("Uptime", uptime_text(uptime));
        }
        if let Some(cpu) = &self.cpu {
            let physical = cpu
                .physical_cores
                .map(|cores| format!(", {cores} physical"))
                .unwrap_or_default();
            row(
                "CPU",
                format!(
                    "{} ({} logical cores{physical}, {})",
                    cpu.brand, cpu.logical_cores, cpu.arch
                ),
            );
        }
        if let Some(memory) = &self.memory {
            row(
                "Memory",
                format!(
                    "{} total, {} used, {} available",
                    size(memory.total),
                    size(memory.used),
                    size(memory.available)
                ),
            );
            row(
                "Swap",
                format!(
                    "{} total, {} used",
                    size(memory.swap_total),
                    size(memory.swap_used)
                ),
            );
        }
        for disk in &self.disks {
            row(
                "Disk",
                format!(
                    "{} ({}) {} free of {}{}",
                    disk.mount_point,
                    disk.file_system,
                    size(disk.available),
                    size(disk.total),
                    if disk.removable { ", removable" } else { "" }
                ),
            );
        }
        for interface in &self.network {
            let addresses = if interface.addresses.is_empty() {
                "no address".to_owned()
            } else {
                interface.addresses.join(", ")
            };
            row(
                "Network",
                format!("{} {} {addresses}", interface.name, interface.mac),
            );
        }
        let zone = match (&self.time_zone, &self.utc_offset) {
            (Some(zone), Some(offset)) => format!("{zone} (UTC{offset})"),
            (Some(zone), None) => zone.clone(),
            (None, Some(offset)) => format!("UTC{offset}"),
            (None, None) => "unknown".to_owned(),
        };
        row("Time zone", zone);
        row("Locale", or_unknown(&self.locale));
        row(
            "Agent version",
            match (&self.agent_version, &self.agent_version_file) {
                (Some(version), Some(file)) => format!("{version} (from {})", file.display()),
                (Some(version), None) => version.clone(),
                (None, _) => "unknown".to_owned(),
            },
        );
        for file in &self.config_files {
            row("Agent config", file.display().to_string());
        }
        for process in &self.watched_processes {
            let state = match process.running {
                Some(true) => process
                    .instances
                    .iter()
                    .map(|instance| {
                        format!(
                            "pid {} {:.1}% CPU {}",
                            instance.pid,
                            instance.cpu_percent,
                            size(instance.memory)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                Some(false) => "not running".to_owned(),
                None => "unknown (not live)".to_owned(),
            };
            row("Agent process", format!("{}: {state}", process.name));
        }
        for process in &self.top_cpu {
            row(
                "Top CPU",
                format!(
                    "{:>5.1}%  {} (pid {})",
                    process.cpu_percent, process.name, process.pid
                ),
            );
        }
        for process in &self.top_memory {
            row(
                "Top memory",
                format!(
                    "{:>9}  {} (pid {})",
                    size(process.memory),
                    process.name,
                    process.pid
                ),
            );
        }
        for note in &self.notes {
            row("Note", note.clone());
        }
        let width = rows
            .iter()
            .map(|(label, _)| label.chars().count())
            .max()
            .unwrap_or(0);
        let mut text = String::new();
        for (label, value) in rows {
            let _ = writeln!(
                text,
                "{:<width$} {value}",
                format!("{label}:"),
                width = width + 1
            );
        }
        text
    }

    /// The agent's config files found (local paths), for the pipeline to add redacted.
    pub fn config_files(&self) -> &[PathBuf] {
        &self.config_files
    }
}

fn size(bytes: u64) -> String {
    crate::profile::schema::ByteSize(bytes).to_string()
}

fn uptime_text(seconds: u64) -> String {
    let days = seconds / 86_400;
    let hours = seconds % 86_400 / 3_600;
    let minutes = seconds % 3_600 / 60;
    if days > 0 {
        format!("{days} d {hours} h {minutes} min")
    } else {
        format!("{hours} h {minutes} min")
    }
}

/// Facts from the running system.
fn live_facts(snapshot: &mut Snapshot, profile: &Profile, env: &Env) {
    use sysinfo::{Disks, Networks, ProcessesToUpdate, System};

    snapshot.os_name = System::long_os_version();
    snapshot.os_version = System::os_version();
    snapshot.kernel = System::kernel_version();
    snapshot.hostname = System::host_name();
    snapshot.uptime_seconds = Some(System::uptime());

    let mut system = System::new();
    system.refresh_memory();
    system.refresh_cpu_all();
    system.refresh_processes(ProcessesToUpdate::All, true);
    // CPU use is a difference between two readings.
    std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
    system.refresh_cpu_usage();
    system.refresh_processes(ProcessesToUpdate::All, true);

    snapshot.cpu = system.cpus().first().map(|cpu| CpuInfo {
        brand: cpu.brand().trim().to_owned(),
        logical_cores: system.cpus().len(),
        physical_cores: system.physical_core_count(),
        arch: System::cpu_arch(),
    });
    snapshot.memory = Some(MemoryInfo {
        total: system.total_memory(),
        used: system.used_memory(),
        available: system.available_memory(),
        swap_total: system.total_swap(),
        swap_used: system.used_swap(),
    });
    let disks = Disks::new_with_refreshed_list();
    snapshot.disks = disks
        .list()
        .iter()
        .map(|disk| DiskInfo {
            mount_point: disk.mount_point().display().to_string(),
            file_system: disk.file_system().to_string_lossy().into_owned(),
            total: disk.total_space(),
            available: disk.available_space(),
            removable: disk.is_removable(),
        })
        .collect();
    snapshot
        .disks
        .sort_by(|a, b| a.mount_point.cmp(&b.mount_point));
    let networks = Networks::new_with_refreshed_list();
    let mut interfaces: BTreeMap<String, InterfaceInfo> = BTreeMap::new();
    for (name, data) in networks.list() {
        let mut addresses: Vec<String> = data
            .ip_networks()
            .iter()
            .map(|network| format!("{}/{}", network.addr, network.prefix))
            .collect();
        addresses.sort();
        interfaces.insert(
            name.clone(),
            InterfaceInfo {
                name: name.clone(),
                mac: data.mac_address().to_string(),
                addresses,
            },
        );
    }
    snapshot.network = interfaces.into_values().collect();

    let processes: Vec<ProcessInfo> = system
        .processes()
        .iter()
        .map(|(pid, process)| ProcessInfo {
            pid: pid.as_u32(),
            name: process.name().to_string_lossy().into_owned(),
            cpu_percent: process.cpu_usage(),
            memory: process.memory(),
        })
        .collect();
    let mut by_cpu = processes.clone();
    by_cpu.sort_by(|a, b| {
        b.cpu_percent
            .total_cmp(&a.cpu_percent)
            .then(a.pid.cmp(&b.pid))
    });
    snapshot.top_cpu = by_cpu.into_iter().take(TOP).collect();
    let mut by_memory = processes.clone();
    by_memory.sort_by(|a, b| b.memory.cmp(&a.memory).then(a.pid.cmp(&b.pid)));
    snapshot.top_memory = by_memory.into_iter().take(TOP).collect();
    snapshot.watched_processes = profile
        .snapshot
        .processes
        .iter()
        .map(|wanted| {
            let mut instances: Vec<ProcessInfo> = processes
                .iter()
                .filter(|process| same_process_name(&process.name, wanted))
                .cloned()
                .collect();
            instances.sort_by_key(|process| process.pid);
            WatchedProcess {
                name: wanted.clone(),
                running: Some(!instances.is_empty()),
                instances,
            }
        })
        .collect();

    snapshot.time_zone = env
        .vars
        .get("TZ")
        .map(|zone| zone.trim_start_matches(':').to_owned())
        .filter(|zone| !zone.is_empty())
        .or_else(|| zone_from_files(Path::new("/")));
    snapshot.utc_offset = Some(chrono::Local::now().offset().to_string());
    snapshot.locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| env.vars.get(*name))
        .find(|value| !value.is_empty())
        .cloned();
}

/// A process name matches a wanted one ignoring case and a Windows `.exe` suffix.
fn same_process_name(name: &str, wanted: &str) -> bool {
    let strip = |text: &str| {
        let lower = text.to_ascii_lowercase();
        lower
            .strip_suffix(".exe")
            .map(str::to_owned)
            .unwrap_or(lower)
    };
    strip(name) == strip(wanted)
}

/// Facts from the files of a mounted disk.
fn file_facts(snapshot: &mut Snapshot, profile: &Profile, env: &Env) {
    let root = &env.root;
    match env.os {
        Os::Linux => match read_small(&root.join("etc/os-release")) {
            Some(text) => {
                let fields = key_values(&text);
                snapshot.os_name = fields.get("PRETTY_NAME").cloned();
                snapshot.os_version = fields.get("VERSION_ID").cloned();
            }
            None => snapshot
                .notes
                .push("no etc/os-release under the root: OS version unknown".to_owned()),
        },
        Os::Macos => {
            let plist = root.join("System/Library/CoreServices/SystemVersion.plist");
            match read_small(&plist) {
                Some(text) => {
                    let name = plist_string(&text, "ProductName");
                    let version = plist_string(&text, "ProductVersion");
                    snapshot.os_name = match (&name, &version) {
                        (Some(name), Some(version)) => Some(format!("{name} {version}")),
                        _ => name.clone(),
                    };
                    snapshot.os_version = version;
                }
                None => snapshot.notes.push(
                    "no System/Library/CoreServices/SystemVersion.plist under the root: OS version unknown"
                        .to_owned(),
                ),
            }
        }
        Os::Windows => snapshot.notes.push(
            "Windows keeps its version and host name in the registry, which Casefile does not read from a mounted disk"
                .to_owned(),
        ),
    }
    if env.os != Os::Windows {
        snapshot.hostname = read_small(&root.join("etc/hostname"))
            .and_then(|text| text.lines().next().map(|line| line.trim().to_owned()))
            .filter(|name| !name.is_empty());
        snapshot.time_zone = zone_from_files(root);
        snapshot.locale = ["etc/locale.conf", "etc/default/locale"]
            .iter()
            .filter_map(|file| read_small(&root.join(file)))
            .find_map(|text| key_values(&text).get("LANG").cloned());
    }
    snapshot.watched_processes = profile
        .snapshot
        .processes
        .iter()
        .map(|name| WatchedProcess {
            name: name.clone(),
            running: None,
            instances: Vec::new(),
        })
        .collect();
    snapshot.notes.push(format!(
        "described from the files under {}; uptime, CPU, memory, disks, network and processes are of a running system only",
        root.display()
    ));
}

/// The IANA zone from `root/etc/localtime` (a link into zoneinfo) or `root/etc/timezone`.
fn zone_from_files(root: &Path) -> Option<String> {
    if let Ok(target) = std::fs::read_link(root.join("etc/localtime")) {
        let target = target.to_string_lossy().into_owned();
        if let Some((_, zone)) = target.split_once("zoneinfo/") {
            return Some(zone.to_owned());
        }
    }
    read_small(&root.join("etc/timezone"))
        .and_then(|text| text.lines().next().map(|line| line.trim().to_owned()))
        .filter(|zone| !zone.is_empty())
}

/// The installed agent version and the agent's config files, from the profile's `[snapshot]`.
fn agent_facts(snapshot: &mut Snapshot, profile: &Profile, env: &Env) {
    let spec = &profile.snapshot;
    for version_file in spec.version_files.iter().filter(|file| file.os == env.os) {
        let Ok(paths) = expand(&version_file.path, env) else {
            snapshot.notes.push(format!(
                "cannot expand the agent version file {:?}",
                version_file.path
            ));
            continue;
        };
        for path in paths {
            let local = to_local(&path, env);
            let version = read_small(&local).and_then(|text| {
                text.lines()
                    .map(str::trim)
                    .find(|line| !line.is_empty())
                    .map(|line| line.chars().take(200).collect::<String>())
            });
            if let Some(version) = version {
                snapshot.agent_version = Some(version);
                snapshot.agent_version_file = Some(local);
                break;
            }
        }
        if snapshot.agent_version.is_none() {
            snapshot.notes.push(format!(
                "agent version file {} not found or empty: is the agent installed?",
                version_file.path
            ));
        }
    }
    for config in spec
        .config_files
        .iter()
        .filter(|config| config.os == env.os)
    {
        for template in &config.paths {
            for path in expand(template, env).unwrap_or_default() {
                let local = to_local(&path, env);
                if local.is_file() && !snapshot.config_files.contains(&local) {
                    snapshot.config_files.push(local);
                }
            }
        }
    }
}

/// The start of a small text file (at most 64 KiB), if it can be read.
fn read_small(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(64 * 1024).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// `KEY=value` lines (os-release, locale.conf), quotes removed.
fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.trim().split_once('='))
        .map(|(key, value)| {
            (
                key.trim().to_owned(),
                value.trim().trim_matches(['"', '\'']).to_owned(),
            )
        })
        .collect()
}

/// The `<string>` after `<key>NAME</key>` in an XML property list.
fn plist_string(text: &str, key: &str) -> Option<String> {
    let after = text.split_once(&format!("<key>{key}</key>"))?.1;
    let start = after.find("<string>")? + "<string>".len();
    let end = after.get(start..)?.find("</string>")? + start;
    after.get(start..end).map(|value| value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_names_match_ignoring_case_and_exe() {
        assert!(same_process_name("jumpcloud-agent.exe", "JumpCloud-Agent"));
        assert!(!same_process_name("jcagent-helper", "jcagent"));
    }

    #[test]
    fn plist_and_key_value_files_are_read() {
        let plist = "<dict><key>ProductName</key>\n<string>macOS</string><key>ProductVersion</key><string>15.1</string></dict>";
        assert_eq!(
            plist_string(plist, "ProductVersion").as_deref(),
            Some("15.1")
        );
        let release = key_values("NAME=\"Ubuntu\"\nVERSION_ID='24.04'\n");
        assert_eq!(release.get("VERSION_ID").map(String::as_str), Some("24.04"));
    }
}
