//! Chunk compression: one piece of an entry becomes an independent raw-deflate segment.
//!
//! The bundle pipeline cuts each file into line-aligned chunks and compresses them on several
//! worker threads. Each chunk is compressed from a reset deflate state (no shared window), so
//! chunks can be compressed in any order; a chunk that is not the last of its entry ends with a
//! sync flush (byte aligned, no final-block bit) and the last one with a finish (final block).
//! Written back to back in order, an entry's chunks are one valid deflate stream, and their CRC32s
//! combine into the entry's CRC32 without touching the data again
//! ([`ZipWriter::write_chunk`](super::zip::ZipWriter::write_chunk) does that).
//!
//! ```
//! use casefile_core::bundle::deflate::deflate_chunk;
//!
//! let first = deflate_chunk(b"line one\n", 6, false);
//! let last = deflate_chunk(b"line two\n", 6, true);
//! assert_eq!(first.len + last.len, 18);
//! ```

use std::cell::RefCell;

use flate2::{Compress, Compression, FlushCompress, Status};

/// One compressed piece of an entry, ready for the zip writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Raw deflate data (no zlib or gzip header).
    pub data: Vec<u8>,
    /// CRC32 of the uncompressed bytes of this chunk alone.
    pub crc32: u32,
    /// Number of uncompressed bytes in this chunk.
    pub len: u64,
}

/// The highest deflate level; higher requested levels are treated as this one.
const MAX_LEVEL: u32 = 9;

/// The most a stored deflate block can hold.
const STORED_BLOCK_MAX: usize = 65_535;

/// Compresses `input` into a new [`Chunk`] at `level` (0 to 9; higher means 9).
///
/// Set `last` for the final chunk of an entry: its data ends the deflate stream. Other chunks end
/// with a sync flush so that the next chunk can follow them directly.
pub fn deflate_chunk(input: &[u8], level: u32, last: bool) -> Chunk {
    deflate_chunk_into(input, level, last, Vec::new())
}

/// Like [`deflate_chunk`], but reuses the allocation of `out` (its contents are discarded), so a
/// worker can recycle the buffers of chunks that have been written.
pub fn deflate_chunk_into(input: &[u8], level: u32, last: bool, mut out: Vec<u8>) -> Chunk {
    out.clear();
    if !compress_into(input, level.min(MAX_LEVEL), last, &mut out) {
        // The deflate library refused (it should not): stored blocks are still valid deflate.
        out.clear();
        stored_blocks(input, last, &mut out);
    }
    Chunk {
        data: out,
        crc32: crc32fast::hash(input),
        len: input.len() as u64,
    }
}

thread_local! {
    /// This thread's deflate state and its level: a new state allocates and clears about 300 KB
    /// (window, hash chains), which cost more than compressing a small file; a reset one does not.
    static STATE: RefCell<Option<(u32, Compress)>> = const { RefCell::new(None) };
}

/// Deflates `input` into `out` from a reset state; false if the library reports an error or
/// stops making progress.
fn compress_into(input: &[u8], level: u32, last: bool, out: &mut Vec<u8>) -> bool {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        match state.as_mut() {
            Some((at, compress)) if *at == level => compress.reset(),
            _ => *state = Some((level, Compress::new(Compression::new(level), false))),
        }
        let Some((_, compress)) = state.as_mut() else {
            return false;
        };
        let done = compress_with(compress, input, last, out);
        if !done {
            // A state that failed is not used again.
            *state = None;
        }
        done
    })
}

fn compress_with(compress: &mut Compress, input: &[u8], last: bool, out: &mut Vec<u8>) -> bool {
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    // Logs compress about 4x; start at half the input and grow when the output fills up.
    out.reserve(input.len() / 2 + 64);
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64 * 1024));
        }
        let consumed = usize::try_from(compress.total_in()).unwrap_or(usize::MAX);
        let Some(rest) = input.get(consumed..) else {
            return false;
        };
        let (in_before, out_before) = (compress.total_in(), compress.total_out());
        let status = match compress.compress_vec(rest, out, flush) {
            Ok(status) => status,
            Err(_) => return false,
        };
        let all_in = usize::try_from(compress.total_in()).is_ok_and(|n| n >= input.len());
        let room_left = out.len() < out.capacity();
        match status {
            Status::StreamEnd => return true,
            // A flush is complete once all input is taken and the output did not fill up.
            _ if !last && all_in && room_left => return true,
            _ if room_left
                && compress.total_in() == in_before
                && compress.total_out() == out_before =>
            {
                return false;
            }
            _ => {}
        }
    }
}

/// Writes `input` as stored (uncompressed) deflate blocks, the last one final when `last`.
fn stored_blocks(input: &[u8], last: bool, out: &mut Vec<u8>) {
    let mut pieces = input.chunks(STORED_BLOCK_MAX).peekable();
    if pieces.peek().is_none() {
        out.extend_from_slice(&[u8::from(last), 0, 0, 0xff, 0xff]);
        return;
    }
    while let Some(piece) = pieces.next() {
        let is_final = last && pieces.peek().is_none();
        // `chunks` never yields more than STORED_BLOCK_MAX bytes, so this always fits.
        let len = u16::try_from(piece.len()).unwrap_or(u16::MAX);
        out.push(u8::from(is_final));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .read_to_end(&mut out)
            .expect("valid deflate");
        out
    }

    fn sample(len: usize) -> Vec<u8> {
        let mut text = Vec::new();
        let mut i = 0u64;
        while text.len() < len {
            text.extend_from_slice(
                format!(
                    "2026-01-01T00:00:{:02}Z agent[{}]: request {} ok\n",
                    i % 60,
                    i % 7,
                    i
                )
                .as_bytes(),
            );
            i += 1;
        }
        text.truncate(len);
        text
    }

    #[test]
    fn chunks_concatenated_in_order_inflate_to_the_input() {
        let input = sample(300_000);
        let mut stream = Vec::new();
        let pieces: Vec<&[u8]> = input.chunks(70_000).collect();
        for (i, piece) in pieces.iter().enumerate() {
            let chunk = deflate_chunk(piece, 6, i + 1 == pieces.len());
            assert_eq!(chunk.crc32, crc32fast::hash(piece));
            stream.extend_from_slice(&chunk.data);
        }
        assert_eq!(inflate(&stream), input);
    }

    #[test]
    fn a_non_last_chunk_ends_with_a_sync_flush_marker() {
        let chunk = deflate_chunk(b"abc", 6, false);
        assert!(
            chunk.data.ends_with(&[0, 0, 0xff, 0xff]),
            "{:?}",
            chunk.data
        );
    }

    #[test]
    fn an_empty_last_chunk_is_a_complete_stream() {
        let chunk = deflate_chunk(b"", 6, true);
        assert_eq!(inflate(&chunk.data), b"");
        assert_eq!((chunk.len, chunk.crc32), (0, 0));
    }

    #[test]
    fn levels_above_nine_are_treated_as_nine() {
        let input = sample(10_000);
        assert_eq!(
            deflate_chunk(&input, 42, true),
            deflate_chunk(&input, 9, true)
        );
        assert_eq!(inflate(&deflate_chunk(&input, 0, true).data), input);
    }

    #[test]
    fn reusing_a_buffer_discards_its_old_contents() {
        let out = vec![0xAA; 1_000_000];
        let chunk = deflate_chunk_into(b"hunter2-FAKE\n", 6, true, out);
        assert_eq!(inflate(&chunk.data), b"hunter2-FAKE\n");
        assert!(chunk.data.capacity() >= 1_000_000);
    }

    #[test]
    fn incompressible_input_that_outgrows_the_first_guess_is_complete() {
        // Pseudo-random bytes do not compress, so the output outgrows input/2.
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let input: Vec<u8> = (0..200_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        for last in [false, true] {
            let mut data = deflate_chunk(&input, 1, last).data;
            if !last {
                data.extend_from_slice(&deflate_chunk(b"", 1, true).data);
            }
            assert_eq!(inflate(&data), input);
        }
    }

    #[test]
    fn stored_block_fallback_is_valid_deflate() {
        let input = sample(150_000);
        let mut first = Vec::new();
        stored_blocks(&input[..100_000], false, &mut first);
        stored_blocks(&input[100_000..], true, &mut first);
        assert_eq!(inflate(&first), input);
        let mut empty = Vec::new();
        stored_blocks(b"", true, &mut empty);
        assert_eq!(inflate(&empty), b"");
    }
}
