//! The bundle: a streaming zip written with parallel compression, and read back.
//!
//! - [`deflate`] compresses one chunk of an entry into an independent raw-deflate segment, on
//!   any worker thread.
//! - [`zip`] writes the archive on one thread: entries from chunks in order, CRC32s combined,
//!   local headers patched by seeking back, ZIP64 only where needed.
//! - [`read`] lists an archive and streams entries back with CRC32 and size checks, for the leak
//!   scan, `casefile merge` and tests; it refuses damaged or hostile files with errors.

pub mod deflate;
pub mod read;
pub mod zip;

pub use self::deflate::{Chunk, deflate_chunk, deflate_chunk_into};
pub use self::read::{ZipEntry, ZipReader};
pub use self::zip::{EntryOptions, EntrySummary, Method, ZipWriter, check_entry_name};
