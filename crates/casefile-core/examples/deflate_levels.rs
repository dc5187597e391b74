//! Measures `deflate_chunk` on realistic log text: MB/s on one thread at levels 1, 4, 5 and 6,
//! and the size of 2 MiB-chunked output against one-shot deflate at each level.
//!
//! `cargo run --release -p casefile-core --example deflate_levels [MB]` (default 64 MB).

use std::time::Instant;

use casefile_core::bundle::deflate_chunk_into;

const CHUNK: usize = 2 * 1024 * 1024;

/// Deterministic log text: timestamps, levels, request ids, addresses, statuses, durations.
fn log_text(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
    let paths = [
        "/api/v2/patch/jobs",
        "/api/v2/agents",
        "/health",
        "/login",
        "/sync/batch",
    ];
    let mut text = Vec::with_capacity(len + 200);
    let mut secs = 1_772_600_000u64;
    while text.len() < len {
        secs += next() % 3;
        let r = next();
        let line = format!(
            "2026-03-04T{:02}:{:02}:{:02}.{:03}Z {} [worker-{}] GET {} id={:08x} from 10.{}.{}.{} \
             status={} took={}ms user=agent-svc host=node-{:02}\n",
            (secs / 3600) % 24,
            (secs / 60) % 60,
            secs % 60,
            r % 1000,
            levels[(r >> 10) as usize % levels.len()],
            (r >> 14) % 8,
            paths[(r >> 17) as usize % paths.len()],
            next() as u32,
            (r >> 20) % 4,
            (r >> 23) % 256,
            (r >> 31) % 256,
            [200, 200, 200, 204, 404, 500][(r >> 40) as usize % 6],
            (r >> 44) % 900,
            (r >> 54) % 12,
        );
        text.extend_from_slice(line.as_bytes());
    }
    text.truncate(len);
    text
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(64);
    let text = log_text(mb * 1_000_000);
    println!("{} MB of log text, 2 MiB chunks, one thread", mb);
    println!("level  chunked MB/s  chunked bytes  one-shot bytes  ratio  chunked/one-shot");
    for level in [1, 4, 5, 6] {
        let mut buffer = Vec::new();
        let mut chunked = 0usize;
        let started = Instant::now();
        let pieces: Vec<&[u8]> = text.chunks(CHUNK).collect();
        for (i, piece) in pieces.iter().enumerate() {
            let chunk = deflate_chunk_into(piece, level, i + 1 == pieces.len(), buffer);
            chunked += chunk.data.len();
            buffer = chunk.data;
        }
        let seconds = started.elapsed().as_secs_f64();
        let one_shot = deflate_chunk_into(&text, level, true, Vec::new())
            .data
            .len();
        println!(
            "{level:>5}  {:>12.1}  {chunked:>13}  {one_shot:>14}  {:>5.2}  {:>16.4}",
            text.len() as f64 / 1e6 / seconds,
            text.len() as f64 / chunked as f64,
            chunked as f64 / one_shot as f64,
        );
    }
}
