//! Per-core throughput of each stage of a collection: the name learner, the redactor, deflate
//! of the redacted text and the leak scan, on ~64 MB of generated mixed log text (syslog, agent
//! logs, JSON lines, access logs; about one match per three lines; 100 known names), or on the
//! text files of a folder (gzip members decompressed, up to 64 MB), cut into 2 MiB line-aligned
//! chunks as the collector does.
//!
//! `cargo run --release -p casefile-core --example redact_throughput [FOLDER [LEVEL]]`
//! (`make bench` writes a folder to use: `/tmp/casefile-bench/tree-100`; LEVEL defaults to the
//! collector's deflate level).

use std::time::Instant;

use std::io::Read;
use std::path::Path;

use casefile_core::bundle::deflate_chunk_into;
use casefile_core::redact::{Found, LeakScanner, Learner, Names, PseudonymKey, Redactor};

/// A small deterministic generator (xorshift64*), so every run sees the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const TARGET: usize = 64 << 20;
const CHUNK: usize = 2 << 20;

fn generate(rng: &mut Rng, hosts: &[String], users: &[String]) -> Vec<u8> {
    let mut text = String::with_capacity(TARGET + 4096);
    let words = [
        "scheduler",
        "worker",
        "connection",
        "request",
        "completed",
        "retrying",
        "queue",
        "flushed",
        "heartbeat",
        "received",
        "policy",
        "applied",
        "patch",
        "download",
        "checksum",
        "verified",
    ];
    let mut line = 0u64;
    while text.len() < TARGET {
        line += 1;
        let sec = line % 60;
        let min = (line / 60) % 60;
        let host = &hosts[rng.below(hosts.len() as u64) as usize];
        let user = &users[rng.below(users.len() as u64) as usize];
        let w1 = words[rng.below(16) as usize];
        let w2 = words[rng.below(16) as usize];
        let id = rng.next() % 100_000;
        // About one line in three carries something to replace.
        let sensitive = rng.below(3) == 0;
        match rng.below(4) {
            0 => {
                text.push_str(&format!("Nov 23 10:{min:02}:{sec:02} "));
                if sensitive {
                    text.push_str(host);
                } else {
                    text.push_str("localhost");
                }
                text.push_str(&format!(" agentd[{id}]: {w1} {w2} took {}ms\n", id % 997));
            }
            1 => {
                let level = ["INFO", "DEBUG", "WARN"][rng.below(3) as usize];
                text.push_str(&format!(
                    "2026-11-23T10:{min:02}:{sec:02}.{:03}Z {level} [tokio::task] {w1} id={id} ",
                    id % 1000
                ));
                if sensitive {
                    match rng.below(4) {
                        0 => text.push_str(&format!("peer=10.{}.{}.{}", id % 256, line % 256, sec)),
                        1 => text.push_str(&format!("token={id:x}abcdefFAKE")),
                        2 => text.push_str(&format!("user={user}")),
                        _ => {
                            text.push_str(&format!("mac=aa:bb:cc:{:02x}:{:02x}:01", id % 256, sec))
                        }
                    }
                } else {
                    text.push_str(&format!("{w2} version=5.15.{} ok", id % 90));
                }
                text.push('\n');
            }
            2 => {
                text.push_str(&format!(
                    "{{\"ts\":\"2026-11-23T10:{min:02}:{sec:02}Z\",\"level\":\"info\",\"msg\":\"{w1} {w2}\",\"req\":\"{id:08x}-e89b-12d3-a456-426614174000\""
                ));
                if sensitive {
                    text.push_str(&format!(",\"email\":\"{user}@example.com\""));
                }
                text.push_str("}\n");
            }
            _ => {
                let ip = if sensitive {
                    format!("192.168.{}.{}", id % 256, sec)
                } else {
                    "-".to_owned()
                };
                text.push_str(&format!(
                    "{ip} - - [23/Nov/2026:10:{min:02}:{sec:02} +0000] \"GET /api/v1/{w1}?page={id} HTTP/1.1\" 200 {} \"-\" \"Mozilla/5.0 Chrome/120.0.6099.109\"\n",
                    id % 5000
                ));
            }
        }
    }
    text.into_bytes()
}

/// Line-aligned chunks of about `CHUNK` bytes.
fn chunks(text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let cut = if rest.len() <= CHUNK {
            rest.len()
        } else {
            memchr_newline(rest, CHUNK)
        };
        let (chunk, tail) = rest.split_at(cut);
        out.push(chunk);
        rest = tail;
    }
    out
}

fn memchr_newline(text: &[u8], from: usize) -> usize {
    text.iter()
        .skip(from)
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| from + i + 1)
}

/// Seconds this thread has spent on a CPU (Linux `schedstat`), so a busy shared machine does not
/// count other programs' time; `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

/// Wall and CPU time of `work`.
fn timed(work: impl FnOnce()) -> (f64, Option<f64>) {
    let cpu_start = cpu_seconds();
    let started = Instant::now();
    work();
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_start.and_then(|start| Some(cpu_seconds()? - start));
    (wall, cpu)
}

/// Seconds per pass over several passes: the median and the best.
struct Timing {
    wall: [f64; 2],
    cpu: Option<[f64; 2]>,
}

fn rates(megabytes: f64, timing: &Timing) -> String {
    let [wall, best_wall] = timing.wall;
    match timing.cpu {
        Some([cpu, best_cpu]) => format!(
            "{:7.1} MB/s per CPU second, best {:.1} ({:.1} MB/s wall, best {:.1})",
            megabytes / cpu,
            megabytes / best_cpu,
            megabytes / wall,
            megabytes / best_wall
        ),
        None => format!(
            "{:7.1} MB/s wall, best {:.1}",
            megabytes / wall,
            megabytes / best_wall
        ),
    }
}

/// The median and the smallest of `samples`.
fn median_and_best(samples: &mut [f64]) -> [f64; 2] {
    samples.sort_by(f64::total_cmp);
    [
        samples.get(samples.len() / 2).copied().unwrap_or(f64::NAN),
        samples.first().copied().unwrap_or(f64::NAN),
    ]
}

/// Runs `work` `PASSES` times: a shared machine makes single passes noisy.
fn timed_passes(mut work: impl FnMut()) -> Timing {
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for _ in 0..PASSES {
        let (wall, cpu) = timed(&mut work);
        walls.push(wall);
        cpus.extend(cpu);
    }
    Timing {
        cpu: (cpus.len() == walls.len()).then(|| median_and_best(&mut cpus)),
        wall: median_and_best(&mut walls),
    }
}

const PASSES: usize = 5;

/// The text files under `dir` (gzip members decompressed, binaries left out), each ending in a
/// newline, until `limit` bytes.
fn read_tree(dir: &Path, limit: usize, text: &mut Vec<u8>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        if text.len() >= limit {
            break;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            read_tree(&path, limit, text)?;
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let mut bytes = Vec::new();
        let file = std::fs::File::open(&path)?;
        if path.extension().is_some_and(|e| e == "gz") {
            flate2::read::MultiGzDecoder::new(file).read_to_end(&mut bytes)?;
        } else {
            std::io::BufReader::new(file).read_to_end(&mut bytes)?;
        }
        if bytes.iter().take(8192).any(|&b| b == 0) {
            continue;
        }
        bytes.truncate(limit.saturating_sub(text.len()));
        text.extend_from_slice(&bytes);
        if text.last().is_some_and(|&b| b != b'\n') {
            text.push(b'\n');
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let hosts: Vec<String> = (0..60)
        .map(|i| format!("node{i:02}.corp.example"))
        .collect();
    let users: Vec<String> = (0..40).map(|i| format!("employee{i:02}")).collect();
    let mut args = std::env::args().skip(1);
    let folder = args.next();
    let level: u32 = match args.next() {
        Some(level) => level.parse()?,
        None => casefile_core::evidence::collect::CollectOptions::default().level,
    };
    let text = match &folder {
        Some(dir) => {
            let mut text = Vec::new();
            read_tree(Path::new(dir), TARGET, &mut text)?;
            text
        }
        None => generate(&mut rng, &hosts, &users),
    };
    let pieces = chunks(&text);
    let megabytes = text.len() as f64 / 1e6;
    println!(
        "{} {megabytes:.1} MB in {} chunks; median of {PASSES} passes",
        folder.as_deref().map_or("generated", |_| "read"),
        pieces.len()
    );

    let mut names = Names::default();
    let learn_time = timed_passes(|| {
        let mut learner = Learner::new();
        for piece in &pieces {
            learner.feed(piece);
        }
        names = learner.finish();
    });
    if folder.is_none() {
        for host in &hosts {
            names.hostnames.insert(host.clone());
        }
    }
    println!(
        "Learner::feed     {}  ({} hostnames, {} usernames learned or given)",
        rates(megabytes, &learn_time),
        names.hostnames.len(),
        names.usernames.len() + names.unix_usernames.len()
    );

    let key = PseudonymKey::import(&format!("casefile-key-v1:{}", "5e".repeat(32)))?;
    let redactor = Redactor::new(&key, &names);
    let mut found = Found::default();
    let mut out = Vec::with_capacity(CHUNK * 2);
    let mut written = 0usize;
    let redact_time = timed_passes(|| {
        found = Found::default();
        written = 0;
        for piece in &pieces {
            out.clear();
            redactor.redact(piece, false, &mut out, &mut found);
            written += out.len();
        }
    });
    println!(
        "Redactor::redact  {}  ({} replacements, {} pseudonyms, {:.1} MB out)",
        rates(megabytes, &redact_time),
        found.counts.total(),
        found.mapping.len(),
        written as f64 / 1e6
    );
    println!("counts {}", serde_json::to_string(&found.counts)?);

    let mut redacted = Vec::with_capacity(pieces.len());
    for piece in &pieces {
        let mut out = Vec::new();
        redactor.redact(piece, false, &mut out, &mut Found::default());
        redacted.push(out);
    }
    let mut compressed = 0usize;
    let mut buffer = Vec::new();
    let deflate_time = timed_passes(|| {
        compressed = 0;
        for piece in &redacted {
            let chunk = deflate_chunk_into(piece, level, true, std::mem::take(&mut buffer));
            compressed += chunk.data.len();
            buffer = chunk.data;
        }
    });
    println!(
        "deflate level {level}   {}  ({:.2}x smaller)",
        rates(written as f64 / 1e6, &deflate_time),
        written as f64 / compressed.max(1) as f64
    );

    let scanner = LeakScanner::new(&names, &found.mapping, &found.secrets);
    let mut leaks = 0usize;
    let scan_time = timed_passes(|| {
        leaks = redacted.iter().map(|piece| scanner.scan(piece).len()).sum();
    });
    println!(
        "LeakScanner::scan {}  ({leaks} leaks)",
        rates(written as f64 / 1e6, &scan_time)
    );
    Ok(())
}
