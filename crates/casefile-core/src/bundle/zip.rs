//! The zip writer: entries made of pre-compressed chunks, written to a seekable temp file.
//!
//! Each entry is a local header, then its data, then a seek back to fill in the CRC32 and sizes
//! (no data descriptors, which some stock tools handle poorly). ZIP64 fields appear only where a
//! size, offset or count needs them. Entries carry UTF-8 names (general purpose bit 11), a Unix
//! mode (private `0o600` by default), a DOS date and time in UTC and an extended timestamp
//! (0x5455); nothing depends on the current time, so the same input gives the same bytes.
//!
//! ```
//! use casefile_core::bundle::zip::{EntryOptions, ZipWriter};
//! use casefile_core::bundle::deflate::deflate_chunk;
//!
//! let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
//! zip.start_entry("logs/agent.log", &EntryOptions::default())?;
//! zip.write_chunk(&deflate_chunk(b"first line\n", 6, false))?;
//! zip.write_chunk(&deflate_chunk(b"last line\n", 6, true))?;
//! let summary = zip.finish_entry()?;
//! assert_eq!(summary.size, 21);
//! zip.add_entry("request.md", &EntryOptions::default(), b"# Request\n", 6)?;
//! let bytes = zip.finish()?.into_inner();
//! assert_eq!(&bytes[..4], b"PK\x03\x04");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::HashSet;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::deflate::{Chunk, deflate_chunk};

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Raw deflate (zip method 8), written as chunks from [`deflate_chunk`].
    Deflate,
    /// Uncompressed (zip method 0), for data that is already compressed.
    Stored,
}

/// Metadata of one entry.
#[derive(Debug, Clone)]
pub struct EntryOptions {
    /// Modification time, written in UTC; clamped to the DOS range 1980..2107.
    pub modified: SystemTime,
    /// Unix permission bits (for example `0o600`); a regular-file type is added when none is given.
    pub unix_mode: u32,
    /// How the data is stored.
    pub method: Method,
}

impl Default for EntryOptions {
    /// 1980-01-01 00:00 UTC (the earliest DOS time), mode `0o600`, deflate.
    fn default() -> Self {
        Self {
            modified: UNIX_EPOCH + Duration::from_secs(DOS_EPOCH),
            unix_mode: 0o600,
            method: Method::Deflate,
        }
    }
}

/// What was written for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySummary {
    /// The entry's name in the archive.
    pub name: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Size of the stored data in bytes.
    pub compressed_size: u64,
    /// CRC32 of the uncompressed data.
    pub crc32: u32,
}

/// Checks that `name` is safe as a zip entry name on every platform: non-empty, at most 65535
/// bytes, relative (no leading `/`, no drive letter), `/` as the only separator, no empty, `.`
/// or `..` component and no control character. The error says what is wrong.
pub fn check_entry_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the entry name is empty".to_owned());
    }
    if name.len() > usize::from(u16::MAX) {
        return Err(format!(
            "the entry name starting {:?} is {} bytes long; zip allows at most 65535",
            name.chars().take(40).collect::<String>(),
            name.len()
        ));
    }
    if name.starts_with('/') {
        return Err(format!(
            "entry name {name:?} is absolute; remove the leading '/'"
        ));
    }
    let mut chars = name.chars();
    if let (Some(letter), Some(':')) = (chars.next(), chars.next())
        && letter.is_ascii_alphabetic()
    {
        return Err(format!(
            "entry name {name:?} starts with a drive letter; use a relative name"
        ));
    }
    if name.contains('\\') {
        return Err(format!(
            "entry name {name:?} contains a backslash; use '/' between folders"
        ));
    }
    if let Some(c) = name.chars().find(|&c| c < ' ' || c == '\u{7f}') {
        return Err(format!(
            "entry name {name:?} contains the control character U+{:04X}; remove it",
            u32::from(c)
        ));
    }
    for component in name.split('/') {
        match component {
            "" => {
                return Err(format!(
                    "entry name {name:?} has an empty component (a doubled or trailing '/')"
                ));
            }
            "." | ".." => {
                return Err(format!(
                    "entry name {name:?} has a {component:?} component; name the file directly"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

pub(crate) const LOCAL_SIG: u32 = 0x0403_4b50;
pub(crate) const CENTRAL_SIG: u32 = 0x0201_4b50;
pub(crate) const EOCD_SIG: u32 = 0x0605_4b50;
pub(crate) const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
pub(crate) const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
pub(crate) const EXTRA_ZIP64: u16 = 0x0001;
pub(crate) const EXTRA_TIMESTAMP: u16 = 0x5455;
/// Reserved room in a streamed entry's local header ("CF"), turned into a ZIP64 extra field if
/// the entry grows past 4 GiB. Readers skip extra fields they do not know.
const EXTRA_RESERVED: u16 = 0x4643;
/// Bytes of a local-header ZIP64 extra field: header and both sizes.
const ZIP64_LOCAL_LEN: usize = 4 + 16;
pub(crate) const FLAG_UTF8: u16 = 1 << 11;
/// 1980-01-01 00:00:00 UTC, the first DOS time.
const DOS_EPOCH: u64 = 315_532_800;
/// 2107-12-31 23:59:58 UTC, the last DOS time.
const DOS_END: u64 = 4_354_819_198;
/// A size, offset or count at or above this needs ZIP64.
const ZIP64_LIMIT: u64 = 0xFFFF_FFFF;
const ZIP64_COUNT_LIMIT: u64 = 0xFFFF;
const VERSION_DEFLATE: u16 = 20;
const VERSION_STORED: u16 = 10;
const VERSION_ZIP64: u16 = 45;
/// Made by Unix (3), spec version 3.0 like Info-ZIP; raised to the version needed when higher.
const MADE_BY_UNIX: u16 = 3 << 8;
/// Regular-file type bits of a Unix mode.
const S_IFREG: u32 = 0o100_000;
const S_IFMT: u32 = 0o170_000;
/// The raw deflate of nothing: one final, empty fixed-Huffman block.
const EMPTY_DEFLATE: [u8; 2] = [0x03, 0x00];
/// How a sync flush ends: an empty stored block.
const SYNC_MARKER: [u8; 4] = [0, 0, 0xff, 0xff];

/// An entry in the central directory, kept until [`ZipWriter::finish`].
#[derive(Debug)]
struct Record {
    name: String,
    method: Method,
    dos_time: u16,
    dos_date: u16,
    mtime: Option<u32>,
    external_attr: u32,
    crc32: u32,
    size: u64,
    compressed_size: u64,
    offset: u64,
}

/// The entry being written by chunks.
#[derive(Debug)]
struct OpenEntry {
    record: Record,
    hasher: crc32fast::Hasher,
    /// Offset of the reserved extra field inside the local header.
    reserved_at: u64,
    /// The last deflate chunk ended with a sync flush, so the stream is not closed yet.
    open_stream: bool,
}

/// Writes a zip archive to a seekable sink; see the module documentation.
///
/// Entries are added either whole ([`add_entry`](Self::add_entry)) or by chunks
/// ([`start_entry`](Self::start_entry), [`write_chunk`](Self::write_chunk) or
/// [`write_stored`](Self::write_stored), [`finish_entry`](Self::finish_entry)); then
/// [`finish`](Self::finish) writes the central directory. After an I/O error the writer refuses
/// further work: the archive is incomplete.
#[derive(Debug)]
pub struct ZipWriter<W: Write + Seek> {
    inner: BufWriter<W>,
    /// Position of the first byte this writer wrote, and of the next one.
    start: Option<u64>,
    pos: u64,
    records: Vec<Record>,
    names: HashSet<String>,
    open: Option<OpenEntry>,
    zip64_threshold: u64,
    failed: bool,
}

impl<W: Write + Seek> ZipWriter<W> {
    /// A writer that starts the archive at the current position of `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner: BufWriter::with_capacity(64 * 1024, inner),
            start: None,
            pos: 0,
            records: Vec::new(),
            names: HashSet::new(),
            open: None,
            zip64_threshold: ZIP64_LIMIT,
            failed: false,
        }
    }

    /// Uses ZIP64 fields for any size or offset at or above `threshold` instead of 0xFFFFFFFF,
    /// so tests can exercise ZIP64 without writing 4 GiB. Not for production use.
    #[doc(hidden)]
    pub fn set_zip64_threshold(&mut self, threshold: u64) {
        self.zip64_threshold = threshold.min(ZIP64_LIMIT);
    }

    /// Opens a new entry; its data follows by [`write_chunk`](Self::write_chunk) (deflate) or
    /// [`write_stored`](Self::write_stored) (stored). Fails with `InvalidInput` on a bad or
    /// duplicate name, or when another entry is still open.
    pub fn start_entry(&mut self, name: &str, options: &EntryOptions) -> io::Result<()> {
        self.check_usable()?;
        self.check_new_name(name)?;
        let offset = self.position()?;
        let record = new_record(name, options, offset);
        let mut header = local_header(&record, false);
        let reserved_at = offset + header.len() as u64;
        push_extra(&mut header, EXTRA_RESERVED, &[0; ZIP64_LOCAL_LEN - 4]);
        set_extra_len(&mut header, record.name.len());
        self.write(&header)?;
        self.names.insert(name.to_owned());
        self.open = Some(OpenEntry {
            record,
            hasher: crc32fast::Hasher::new(),
            reserved_at,
            open_stream: false,
        });
        Ok(())
    }

    /// Appends a compressed chunk to the open deflate entry. Chunks must come in order, and only
    /// the last one may be made with `last` set.
    pub fn write_chunk(&mut self, chunk: &Chunk) -> io::Result<()> {
        self.check_usable()?;
        let entry = self.open_entry(Method::Deflate, "write_chunk")?;
        entry
            .hasher
            .combine(&crc32fast::Hasher::new_with_initial_len(
                chunk.crc32,
                chunk.len,
            ));
        entry.record.size += chunk.len;
        entry.record.compressed_size += chunk.data.len() as u64;
        if !chunk.data.is_empty() {
            entry.open_stream = chunk.data.ends_with(&SYNC_MARKER);
        }
        self.write(&chunk.data)
    }

    /// Appends uncompressed bytes to the open stored entry; may be called repeatedly.
    pub fn write_stored(&mut self, data: &[u8]) -> io::Result<()> {
        self.check_usable()?;
        let entry = self.open_entry(Method::Stored, "write_stored")?;
        entry.hasher.update(data);
        entry.record.size += data.len() as u64;
        entry.record.compressed_size += data.len() as u64;
        self.write(data)
    }

    /// Closes the open entry: ends its deflate stream if no final chunk did, then goes back to
    /// fill in the CRC32 and sizes of its local header.
    pub fn finish_entry(&mut self) -> io::Result<EntrySummary> {
        self.check_usable()?;
        let Some(mut entry) = self.open.take() else {
            return Err(invalid_input(
                "finish_entry was called with no open entry; call start_entry first",
            ));
        };
        if entry.record.method == Method::Deflate
            && (entry.record.compressed_size == 0 || entry.open_stream)
        {
            // No chunk at all, or the last one was not made with `last`: close the stream.
            self.write(&EMPTY_DEFLATE)?;
            entry.record.compressed_size += EMPTY_DEFLATE.len() as u64;
        }
        let mut record = entry.record;
        record.crc32 = entry.hasher.finalize();
        let end = self.pos;
        let local_zip64 = self.needs_zip64(record.size) || self.needs_zip64(record.compressed_size);
        let mut fixed = Vec::with_capacity(12);
        fixed.extend_from_slice(&record.crc32.to_le_bytes());
        if local_zip64 {
            fixed.extend_from_slice(&u32::MAX.to_le_bytes());
            fixed.extend_from_slice(&u32::MAX.to_le_bytes());
        } else {
            fixed.extend_from_slice(&low32(record.compressed_size).to_le_bytes());
            fixed.extend_from_slice(&low32(record.size).to_le_bytes());
        }
        self.patch(record.offset + 14, &fixed)?;
        if local_zip64 {
            self.patch(record.offset + 4, &VERSION_ZIP64.to_le_bytes())?;
            let mut extra = Vec::with_capacity(ZIP64_LOCAL_LEN);
            push_extra(&mut extra, EXTRA_ZIP64, &zip64_sizes(&record));
            self.patch(entry.reserved_at, &extra)?;
        }
        self.seek_to(end)?;
        let summary = summary(&record);
        self.records.push(record);
        Ok(summary)
    }

    /// Adds an entry whose data is already stored as `options.method` says (deflate-compressed,
    /// or stored), copied from `raw` without compressing it again: an entry of another archive
    /// ([`ZipReader::open_raw`](super::read::ZipReader::open_raw)), whose CRC32 and
    /// uncompressed size the caller checked and gives.
    pub fn add_raw_entry(
        &mut self,
        name: &str,
        options: &EntryOptions,
        raw: &mut dyn io::Read,
        crc32: u32,
        size: u64,
    ) -> io::Result<EntrySummary> {
        self.start_entry(name, options)?;
        let mut buf = vec![0u8; 256 << 10];
        let mut copied = 0u64;
        loop {
            let n = match raw.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.write(&buf[..n])?;
            copied += n as u64;
        }
        if let Some(entry) = self.open.as_mut() {
            entry.record.size = size;
            entry.record.compressed_size = copied;
            entry.hasher = crc32fast::Hasher::new_with_initial_len(crc32, size);
            // The copied stream ends itself.
            entry.open_stream = false;
        }
        self.finish_entry()
    }

    /// Adds a whole entry at once, compressing `data` at `level` in this thread (for deflate).
    pub fn add_entry(
        &mut self,
        name: &str,
        options: &EntryOptions,
        data: &[u8],
        level: u32,
    ) -> io::Result<EntrySummary> {
        self.check_usable()?;
        self.check_new_name(name)?;
        let offset = self.position()?;
        let mut record = new_record(name, options, offset);
        let chunk;
        let body = match options.method {
            Method::Stored => {
                record.crc32 = crc32fast::hash(data);
                data
            }
            Method::Deflate => {
                chunk = deflate_chunk(data, level, true);
                record.crc32 = chunk.crc32;
                &chunk.data[..]
            }
        };
        record.size = data.len() as u64;
        record.compressed_size = body.len() as u64;
        let zip64 = self.needs_zip64(record.size) || self.needs_zip64(record.compressed_size);
        let header = local_header(&record, zip64);
        self.write(&header)?;
        self.write(body)?;
        self.names.insert(name.to_owned());
        let summary = summary(&record);
        self.records.push(record);
        Ok(summary)
    }

    /// Bytes written to the sink so far by this writer (buffered ones included).
    pub fn bytes_written(&self) -> u64 {
        self.start.map_or(0, |start| self.pos - start)
    }

    /// Writes the central directory and the end records, flushes, and returns the sink.
    /// Fails with `InvalidInput` if an entry is still open.
    pub fn finish(mut self) -> io::Result<W> {
        self.check_usable()?;
        if let Some(entry) = &self.open {
            return Err(invalid_input(format!(
                "entry {:?} is still open; call finish_entry before finish",
                entry.record.name
            )));
        }
        let cd_start = self.position()?;
        let records = std::mem::take(&mut self.records);
        let mut buf = Vec::with_capacity(64 * 1024);
        for record in &records {
            self.central_header(record, &mut buf);
            if buf.len() >= 60 * 1024 {
                self.write(&buf)?;
                buf.clear();
            }
        }
        self.write(&buf)?;
        buf.clear();
        let cd_end = self.pos;
        let count = records.len() as u64;
        let cd_size = cd_end - cd_start;
        let zip64 =
            count >= ZIP64_COUNT_LIMIT || self.needs_zip64(cd_size) || self.needs_zip64(cd_start);
        if zip64 {
            put_u32(&mut buf, ZIP64_EOCD_SIG);
            put_u64(&mut buf, 44);
            put_u16(&mut buf, MADE_BY_UNIX | VERSION_ZIP64);
            put_u16(&mut buf, VERSION_ZIP64);
            put_u32(&mut buf, 0);
            put_u32(&mut buf, 0);
            put_u64(&mut buf, count);
            put_u64(&mut buf, count);
            put_u64(&mut buf, cd_size);
            put_u64(&mut buf, cd_start);
            put_u32(&mut buf, ZIP64_LOCATOR_SIG);
            put_u32(&mut buf, 0);
            put_u64(&mut buf, cd_end);
            put_u32(&mut buf, 1);
        }
        let count16 = if count >= ZIP64_COUNT_LIMIT {
            u16::MAX
        } else {
            u16::try_from(count).unwrap_or(u16::MAX)
        };
        put_u32(&mut buf, EOCD_SIG);
        put_u16(&mut buf, 0);
        put_u16(&mut buf, 0);
        put_u16(&mut buf, count16);
        put_u16(&mut buf, count16);
        put_u32(&mut buf, self.field32(cd_size));
        put_u32(&mut buf, self.field32(cd_start));
        put_u16(&mut buf, 0);
        self.write(&buf)?;
        self.inner.flush()?;
        self.inner.into_inner().map_err(|e| e.into_error())
    }

    fn central_header(&self, record: &Record, out: &mut Vec<u8>) {
        let mut zip64 = Vec::new();
        if self.needs_zip64(record.size) {
            zip64.extend_from_slice(&record.size.to_le_bytes());
        }
        if self.needs_zip64(record.compressed_size) {
            zip64.extend_from_slice(&record.compressed_size.to_le_bytes());
        }
        if self.needs_zip64(record.offset) {
            zip64.extend_from_slice(&record.offset.to_le_bytes());
        }
        let needed = if zip64.is_empty() {
            version_needed(record.method)
        } else {
            VERSION_ZIP64
        };
        let mut extra = Vec::new();
        if !zip64.is_empty() {
            push_extra(&mut extra, EXTRA_ZIP64, &zip64);
        }
        if let Some(mtime) = record.mtime {
            let mut data = vec![1];
            data.extend_from_slice(&mtime.to_le_bytes());
            push_extra(&mut extra, EXTRA_TIMESTAMP, &data);
        }
        put_u32(out, CENTRAL_SIG);
        put_u16(out, MADE_BY_UNIX | needed.max(30));
        put_u16(out, needed);
        put_u16(out, FLAG_UTF8);
        put_u16(out, method_code(record.method));
        put_u16(out, record.dos_time);
        put_u16(out, record.dos_date);
        put_u32(out, record.crc32);
        put_u32(out, self.field32(record.compressed_size));
        put_u32(out, self.field32(record.size));
        put_u16(out, len16(record.name.len()));
        put_u16(out, len16(extra.len()));
        put_u16(out, 0); // comment length
        put_u16(out, 0); // disk number start
        put_u16(out, 0); // internal attributes
        put_u32(out, record.external_attr);
        put_u32(out, self.field32(record.offset));
        out.extend_from_slice(record.name.as_bytes());
        out.extend_from_slice(&extra);
    }

    fn needs_zip64(&self, value: u64) -> bool {
        value >= self.zip64_threshold
    }

    /// A 32-bit field: the value, or 0xFFFFFFFF when ZIP64 carries it.
    fn field32(&self, value: u64) -> u32 {
        if self.needs_zip64(value) {
            u32::MAX
        } else {
            low32(value)
        }
    }

    fn check_usable(&self) -> io::Result<()> {
        if self.failed {
            return Err(io::Error::other(
                "an earlier write to the zip failed, so the archive is incomplete; start a new one",
            ));
        }
        Ok(())
    }

    fn check_new_name(&self, name: &str) -> io::Result<()> {
        if let Some(entry) = &self.open {
            return Err(invalid_input(format!(
                "cannot start entry {name:?}: entry {:?} is still open; call finish_entry first",
                entry.record.name
            )));
        }
        check_entry_name(name).map_err(invalid_input)?;
        if self.names.contains(name) {
            return Err(invalid_input(format!(
                "entry name {name:?} is already in this archive; names must be unique"
            )));
        }
        Ok(())
    }

    fn open_entry(&mut self, method: Method, call: &str) -> io::Result<&mut OpenEntry> {
        match &mut self.open {
            None => Err(invalid_input(format!(
                "{call} was called with no open entry; call start_entry first"
            ))),
            Some(entry) if entry.record.method != method => {
                let right = match entry.record.method {
                    Method::Deflate => "write_chunk",
                    Method::Stored => "write_stored",
                };
                Err(invalid_input(format!(
                    "{call} does not fit entry {:?}, which is {:?}; use {right}",
                    entry.record.name, entry.record.method
                )))
            }
            Some(entry) => Ok(entry),
        }
    }

    fn position(&mut self) -> io::Result<u64> {
        if self.start.is_none() {
            let pos = self.guard(|inner| inner.stream_position())?;
            self.start = Some(pos);
            self.pos = pos;
        }
        Ok(self.pos)
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.position()?;
        self.guard(|inner| inner.write_all(bytes))?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn seek_to(&mut self, pos: u64) -> io::Result<()> {
        self.guard(|inner| inner.seek(SeekFrom::Start(pos)).map(drop))
    }

    fn patch(&mut self, at: u64, bytes: &[u8]) -> io::Result<()> {
        self.seek_to(at)?;
        self.guard(|inner| inner.write_all(bytes))
    }

    /// Runs an operation on the sink, marking the writer failed if it fails.
    fn guard<T>(&mut self, op: impl FnOnce(&mut BufWriter<W>) -> io::Result<T>) -> io::Result<T> {
        let result = op(&mut self.inner);
        if result.is_err() {
            self.failed = true;
        }
        result
    }
}

fn new_record(name: &str, options: &EntryOptions, offset: u64) -> Record {
    let (secs, mtime) = unix_seconds(options.modified);
    let (dos_time, dos_date) = dos_date_time(secs);
    let mut mode = options.unix_mode & 0o7777;
    mode |= if options.unix_mode & S_IFMT == 0 {
        S_IFREG
    } else {
        options.unix_mode & S_IFMT
    };
    // MS-DOS attributes in the low byte: read-only when the owner cannot write.
    let dos_attr = u32::from(mode & 0o200 == 0);
    Record {
        name: name.to_owned(),
        method: options.method,
        dos_time,
        dos_date,
        mtime,
        external_attr: (mode << 16) | dos_attr,
        crc32: 0,
        size: 0,
        compressed_size: 0,
        offset,
    }
}

/// A local header with the record's CRC32 and sizes; with `zip64`, the sizes go to a ZIP64
/// extra field.
fn local_header(record: &Record, zip64: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(30 + record.name.len() + 32);
    put_u32(&mut out, LOCAL_SIG);
    put_u16(
        &mut out,
        if zip64 {
            VERSION_ZIP64
        } else {
            version_needed(record.method)
        },
    );
    put_u16(&mut out, FLAG_UTF8);
    put_u16(&mut out, method_code(record.method));
    put_u16(&mut out, record.dos_time);
    put_u16(&mut out, record.dos_date);
    put_u32(&mut out, record.crc32);
    let (compressed, size) = if zip64 {
        (u32::MAX, u32::MAX)
    } else {
        (low32(record.compressed_size), low32(record.size))
    };
    put_u32(&mut out, compressed);
    put_u32(&mut out, size);
    put_u16(&mut out, len16(record.name.len()));
    put_u16(&mut out, 0); // extra length, set below
    out.extend_from_slice(record.name.as_bytes());
    if zip64 {
        push_extra(&mut out, EXTRA_ZIP64, &zip64_sizes(record));
    }
    if let Some(mtime) = record.mtime {
        let mut data = vec![1];
        data.extend_from_slice(&mtime.to_le_bytes());
        push_extra(&mut out, EXTRA_TIMESTAMP, &data);
    }
    set_extra_len(&mut out, record.name.len());
    out
}

fn zip64_sizes(record: &Record) -> [u8; 16] {
    let mut data = [0; 16];
    data[..8].copy_from_slice(&record.size.to_le_bytes());
    data[8..].copy_from_slice(&record.compressed_size.to_le_bytes());
    data
}

fn push_extra(out: &mut Vec<u8>, id: u16, data: &[u8]) {
    put_u16(out, id);
    put_u16(out, len16(data.len()));
    out.extend_from_slice(data);
}

/// Sets a local header's extra-field length from what follows its name.
fn set_extra_len(header: &mut [u8], name_len: usize) {
    let extra = len16(header.len().saturating_sub(30 + name_len));
    if let Some(field) = header.get_mut(28..30) {
        field.copy_from_slice(&extra.to_le_bytes());
    }
}

fn summary(record: &Record) -> EntrySummary {
    EntrySummary {
        name: record.name.clone(),
        size: record.size,
        compressed_size: record.compressed_size,
        crc32: record.crc32,
    }
}

fn version_needed(method: Method) -> u16 {
    match method {
        Method::Deflate => VERSION_DEFLATE,
        Method::Stored => VERSION_STORED,
    }
}

pub(crate) fn method_code(method: Method) -> u16 {
    match method {
        Method::Deflate => 8,
        Method::Stored => 0,
    }
}

/// Seconds since the Unix epoch (0 before it), and the same as an extended-timestamp value when
/// it fits one (1970 to 2038).
fn unix_seconds(time: SystemTime) -> (u64, Option<u32>) {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let mtime = u32::try_from(secs)
        .ok()
        .filter(|&s| i32::try_from(s).is_ok() && time >= UNIX_EPOCH);
    (secs, mtime)
}

/// DOS time and date fields for a UTC instant, clamped to 1980-01-01..2107-12-31.
fn dos_date_time(unix_secs: u64) -> (u16, u16) {
    use chrono::{Datelike, Timelike};
    let clamped = unix_secs.clamp(DOS_EPOCH, DOS_END);
    let Some(t) = i64::try_from(clamped)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
    else {
        return (0, (1 << 5) | 1);
    };
    let year = u16::try_from(t.year() - 1980).unwrap_or(0);
    // Month, day, hour, minute and second are small, so the casts cannot truncate.
    let date = (year << 9) | ((t.month() as u16) << 5) | t.day() as u16;
    let time = ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | (t.second() as u16 / 2);
    (time, date)
}

fn low32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn len16(value: usize) -> u16 {
    u16::try_from(value).unwrap_or(u16::MAX)
}

fn invalid_input(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_copied_raw_reads_back_the_same_and_checks_out() {
        use crate::bundle::read::ZipReader;
        use std::io::Read as _;
        let text: Vec<u8> = b"2026-11-23 agent line\n".repeat(50_000);
        let mut first = ZipWriter::new(io::Cursor::new(Vec::new()));
        first
            .add_entry("logs/a.log", &EntryOptions::default(), &text, 6)
            .expect("deflate entry");
        let stored = EntryOptions {
            method: Method::Stored,
            ..EntryOptions::default()
        };
        first
            .add_entry("bin/b.dat", &stored, b"\x00\x01binary", 0)
            .expect("stored entry");
        let first = first.finish().expect("finish").into_inner();
        let mut reader = ZipReader::new(io::Cursor::new(first)).expect("read");
        let mut second = ZipWriter::new(io::Cursor::new(Vec::new()));
        for index in 0..reader.entries().len() {
            let entry = reader.entries()[index].clone();
            let options = EntryOptions {
                method: entry.method,
                ..EntryOptions::default()
            };
            let mut raw = reader.open_raw(index).expect("raw");
            let summary = second
                .add_raw_entry(&entry.name, &options, &mut raw, entry.crc32, entry.size)
                .expect("copy");
            assert_eq!(summary.size, entry.size);
            assert_eq!(summary.compressed_size, entry.compressed_size);
        }
        let second = second.finish().expect("finish").into_inner();
        let mut copy = ZipReader::new(io::Cursor::new(second)).expect("read the copy");
        let mut out = Vec::new();
        copy.open(0)
            .expect("open")
            .read_to_end(&mut out)
            .expect("the CRC holds");
        assert_eq!(out, text);
        out.clear();
        copy.open(1)
            .expect("open")
            .read_to_end(&mut out)
            .expect("the CRC holds");
        assert_eq!(out, b"\x00\x01binary");
    }

    #[test]
    fn dos_time_is_utc_with_two_second_resolution() {
        // 2026-03-04 05:06:07 UTC.
        let (time, date) = dos_date_time(1_772_600_767);
        assert_eq!(date, (46 << 9) | (3 << 5) | 4);
        assert_eq!(time, (5 << 11) | (6 << 5) | 3);
    }

    #[test]
    fn dos_time_is_clamped_to_its_range() {
        assert_eq!(dos_date_time(0), (0, (1 << 5) | 1));
        assert_eq!(
            dos_date_time(u64::MAX),
            ((23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31)
        );
    }

    #[test]
    fn extended_timestamp_is_left_out_when_it_cannot_hold_the_time() {
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_secs(7)).1, Some(7));
        assert_eq!(
            unix_seconds(UNIX_EPOCH + Duration::from_secs(1 << 31)).1,
            None
        );
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(7)), (0, None));
    }

    #[test]
    fn unix_mode_gets_a_regular_file_type_unless_it_has_one() {
        let options = |unix_mode| EntryOptions {
            unix_mode,
            ..EntryOptions::default()
        };
        assert_eq!(
            new_record("a", &options(0o600), 0).external_attr,
            0o100_600 << 16
        );
        assert_eq!(
            new_record("a", &options(0o100_444), 0).external_attr,
            (0o100_444 << 16) | 1
        );
    }
}
