//! The zip reader: lists a bundle's entries and streams one back, checking its CRC32 and size.
//!
//! It trusts the central directory (so data descriptors, as Info-ZIP and macOS write them, need
//! no special care), handles ZIP64 end records and entries, and returns errors rather than
//! panicking or allocating without bound on a truncated or hostile file: every offset, size and
//! count is checked against the file's length before it is used, and entries whose data would
//! overlap (several directory entries pointing at one local header, or one entry's data running
//! into the next entry's header, the trick of zip bombs that expand one stream many times) are
//! refused.
//!
//! ```
//! use std::io::{Cursor, Read};
//! use casefile_core::bundle::{read::ZipReader, zip::{EntryOptions, ZipWriter}};
//!
//! let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
//! zip.add_entry("request.md", &EntryOptions::default(), b"# Request\n", 6)?;
//! let mut reader = ZipReader::new(zip.finish()?)?;
//! let index = reader.find("request.md").expect("written above");
//! let mut text = String::new();
//! reader.open(index)?.read_to_string(&mut text)?;
//! assert_eq!(text, "# Request\n");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Take};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::zip::{
    CENTRAL_SIG, EOCD_SIG, EXTRA_TIMESTAMP, EXTRA_ZIP64, FLAG_UTF8, LOCAL_SIG, Method,
    ZIP64_EOCD_SIG, ZIP64_LOCATOR_SIG,
};

/// Fixed part of the end of central directory record.
const EOCD_LEN: u64 = 22;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_LEN: u64 = 56;
const CENTRAL_LEN: u64 = 46;
const LOCAL_LEN: u64 = 30;
/// Info-ZIP's Unicode path extra field.
const EXTRA_UNICODE_PATH: u16 = 0x7075;
const UNIX_HOST: u16 = 3;
const FLAG_ENCRYPTED: u16 = 1;

/// One entry of an archive as its central directory describes it.
#[derive(Debug, Clone)]
pub struct ZipEntry {
    /// The entry's name (a folder entry ends with `/`).
    pub name: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Size of the stored data in bytes.
    pub compressed_size: u64,
    /// CRC32 of the uncompressed data.
    pub crc32: u32,
    /// How the data is stored.
    pub method: Method,
    /// The Unix mode, when the archive was made on Unix and recorded one.
    pub unix_mode: Option<u32>,
    /// Modification time: the extended timestamp if present, else the DOS time read as UTC.
    pub modified: Option<SystemTime>,
    local_header_offset: u64,
    encrypted: bool,
}

/// Reads a zip archive from a seekable source; see the module documentation.
#[derive(Debug)]
pub struct ZipReader<R: Read + Seek> {
    inner: R,
    entries: Vec<ZipEntry>,
    /// Entry indexes sorted by name, for [`find`](Self::find).
    by_name: Vec<usize>,
    /// Where entry data may end: the start of the central directory.
    data_end: u64,
}

impl<R: Read + Seek> ZipReader<R> {
    /// Reads the end records and the central directory of the archive in `inner`.
    /// Fails with `InvalidData` when the file is not a zip or is damaged, and `Unsupported` for
    /// split archives and compression methods other than stored and deflate.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let file_len = inner.seek(SeekFrom::End(0))?;
        let end = find_end_record(&mut inner, file_len)?;
        let (entries, data_end) = read_central_directory(&mut inner, file_len, end)?;
        let mut by_name: Vec<usize> = (0..entries.len()).collect();
        by_name.sort_by(|&a, &b| {
            let name = |i: usize| entries.get(i).map_or("", |e: &ZipEntry| e.name.as_str());
            name(a).cmp(name(b)).then(a.cmp(&b))
        });
        Ok(Self {
            inner,
            entries,
            by_name,
            data_end,
        })
    }

    /// The entries in central-directory order.
    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    /// The index of the (first) entry called `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        let at = self.by_name.partition_point(|&i| {
            self.entries
                .get(i)
                .is_some_and(|entry| entry.name.as_str() < name)
        });
        let index = *self.by_name.get(at)?;
        (self.entries.get(index)?.name == name).then_some(index)
    }

    /// Opens entry `index` for streaming. At the end of its data the reader checks the size and
    /// CRC32 and fails with `InvalidData` naming the entry if either is wrong.
    pub fn open(&mut self, index: usize) -> io::Result<Box<dyn Read + '_>> {
        let Some(entry) = self.entries.get(index) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "no entry number {index}; the archive has {}",
                    self.entries.len()
                ),
            ));
        };
        let name = entry.name.clone();
        if entry.encrypted {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("entry {name:?} is encrypted; Casefile does not read encrypted entries"),
            ));
        }
        let (size, crc32, method) = (entry.size, entry.crc32, entry.method);
        let raw = self.open_raw(index)?;
        let source = match method {
            Method::Stored => Source::Stored(raw),
            Method::Deflate => Source::Deflate(flate2::bufread::DeflateDecoder::new(
                BufReader::with_capacity(64 * 1024, raw),
            )),
        };
        Ok(Box::new(EntryReader {
            source,
            name,
            size,
            crc32,
            read: 0,
            hasher: crc32fast::Hasher::new(),
            done: false,
        }))
    }

    /// Entry `index`'s data as stored in the archive (compressed for deflate), unchecked: to
    /// copy it into another archive without compressing it again. Read it through
    /// [`open`](Self::open) too, which checks its size and CRC32.
    pub fn open_raw(&mut self, index: usize) -> io::Result<io::Take<&mut R>> {
        let Some(entry) = self.entries.get(index) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "no entry number {index}; the archive has {}",
                    self.entries.len()
                ),
            ));
        };
        let name = entry.name.clone();
        let offset = entry.local_header_offset;
        let compressed_size = entry.compressed_size;
        self.inner.seek(SeekFrom::Start(offset))?;
        let mut header = [0; LOCAL_LEN as usize];
        self.inner
            .read_exact(&mut header)
            .map_err(|e| context(e, &name, "reading its local header"))?;
        if le32(&header, 0) != LOCAL_SIG {
            return Err(invalid(format!(
                "entry {name:?}: no local header at offset {offset}; the archive is damaged"
            )));
        }
        let skip = u64::from(le16(&header, 26)) + u64::from(le16(&header, 28));
        let data_start = offset + LOCAL_LEN + skip;
        if data_start
            .checked_add(compressed_size)
            .is_none_or(|data_end| data_end > self.data_end)
        {
            return Err(invalid(format!(
                "entry {name:?}: its {compressed_size} bytes of data at offset {data_start} run \
                 past the central directory; the archive is damaged"
            )));
        }
        self.inner.seek(SeekFrom::Start(data_start))?;
        Ok((&mut self.inner).take(compressed_size))
    }
}

/// What the end records say about the central directory.
#[derive(Debug)]
struct EndRecord {
    count: u64,
    cd_size: u64,
    cd_offset: u64,
    /// Where the central directory must end: the ZIP64 end record or the end record.
    cd_end: u64,
}

impl EndRecord {
    /// Bytes before the archive (a self-extractor stub) shift every offset it records; the
    /// directory really ends where the end records begin.
    fn with_prefix_shift(mut self) -> (Self, u64) {
        let prefix = self
            .cd_offset
            .checked_add(self.cd_size)
            .and_then(|end| self.cd_end.checked_sub(end))
            .unwrap_or(0);
        self.cd_offset += prefix;
        (self, prefix)
    }
}

fn find_end_record<R: Read + Seek>(inner: &mut R, file_len: u64) -> io::Result<EndRecord> {
    if file_len < EOCD_LEN {
        return Err(invalid(format!(
            "the file is {file_len} bytes long, too short to be a zip archive"
        )));
    }
    // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
    let tail_len = file_len.min(EOCD_LEN + u64::from(u16::MAX));
    let tail_start = file_len - tail_len;
    let mut tail = vec![0; usize::try_from(tail_len).unwrap_or(0)];
    inner.seek(SeekFrom::Start(tail_start))?;
    inner.read_exact(&mut tail)?;
    // Prefer a record whose comment ends exactly at the end of the file; a signature inside a
    // comment cannot fool that.
    let candidates = || {
        (0..tail.len().saturating_sub(EOCD_LEN as usize - 1))
            .rev()
            .filter(|&at| le32(&tail, at) == EOCD_SIG)
    };
    let comment_end = |at: usize| at as u64 + EOCD_LEN + u64::from(le16(&tail, at + 20));
    let at = candidates()
        .find(|&at| comment_end(at) == tail_len)
        .or_else(|| candidates().find(|&at| comment_end(at) <= tail_len))
        .ok_or_else(|| {
            invalid("no end of central directory record found; the file is not a zip archive or is truncated")
        })?;
    let eocd_pos = tail_start + at as u64;
    let disk = le16(&tail, at + 4);
    let cd_disk = le16(&tail, at + 6);
    let end = EndRecord {
        count: u64::from(le16(&tail, at + 10)),
        cd_size: u64::from(le32(&tail, at + 12)),
        cd_offset: u64::from(le32(&tail, at + 16)),
        cd_end: eocd_pos,
    };
    if let Some(locator_pos) = eocd_pos.checked_sub(ZIP64_LOCATOR_LEN) {
        let mut locator = [0; ZIP64_LOCATOR_LEN as usize];
        inner.seek(SeekFrom::Start(locator_pos))?;
        inner.read_exact(&mut locator)?;
        if le32(&locator, 0) == ZIP64_LOCATOR_SIG {
            if le32(&locator, 16) > 1 {
                return Err(unsupported("the archive is split across several files"));
            }
            return read_zip64_end(inner, le64(&locator, 8), locator_pos);
        }
    }
    if disk != 0 || cd_disk != 0 {
        return Err(unsupported("the archive is split across several files"));
    }
    Ok(end)
}

fn read_zip64_end<R: Read + Seek>(
    inner: &mut R,
    offset: u64,
    locator_pos: u64,
) -> io::Result<EndRecord> {
    let mut record = [0; ZIP64_EOCD_LEN as usize];
    let mut read_at = |pos: u64, record: &mut [u8; ZIP64_EOCD_LEN as usize]| -> io::Result<bool> {
        if pos
            .checked_add(ZIP64_EOCD_LEN)
            .is_none_or(|end| end > locator_pos)
        {
            return Ok(false);
        }
        inner.seek(SeekFrom::Start(pos))?;
        inner.read_exact(record)?;
        Ok(le32(record, 0) == ZIP64_EOCD_SIG)
    };
    // The locator's offset, or right before the locator when bytes were prepended.
    let record_pos = if read_at(offset, &mut record)? {
        offset
    } else if let Some(pos) = locator_pos
        .checked_sub(ZIP64_EOCD_LEN)
        .filter(|&pos| read_at(pos, &mut record).unwrap_or(false))
    {
        pos
    } else {
        return Err(invalid(
            "the ZIP64 end of central directory record is missing; the archive is damaged",
        ));
    };
    if le32(&record, 16) != 0 || le32(&record, 20) != 0 {
        return Err(unsupported("the archive is split across several files"));
    }
    Ok(EndRecord {
        count: le64(&record, 32),
        cd_size: le64(&record, 40),
        cd_offset: le64(&record, 48),
        cd_end: record_pos,
    })
}

fn read_central_directory<R: Read + Seek>(
    inner: &mut R,
    file_len: u64,
    end: EndRecord,
) -> io::Result<(Vec<ZipEntry>, u64)> {
    let (end, prefix) = end.with_prefix_shift();
    let cd_end = end.cd_offset.checked_add(end.cd_size);
    if cd_end.is_none_or(|cd_end| cd_end > end.cd_end || cd_end > file_len) {
        return Err(invalid(format!(
            "the central directory ({} bytes at offset {}) runs past the end records; the \
             archive is truncated or damaged",
            end.cd_size, end.cd_offset
        )));
    }
    if end.count > end.cd_size / CENTRAL_LEN {
        return Err(invalid(format!(
            "the archive claims {} entries but its central directory has room for at most {}; \
             the archive is damaged",
            end.count,
            end.cd_size / CENTRAL_LEN
        )));
    }
    inner.seek(SeekFrom::Start(end.cd_offset))?;
    let mut cd = BufReader::with_capacity(64 * 1024, inner.take(end.cd_size));
    let mut entries = Vec::with_capacity(usize::try_from(end.count.min(1 << 16)).unwrap_or(0));
    for number in 0..end.count {
        let mut entry = read_central_header(&mut cd, number)?;
        entry.local_header_offset = entry.local_header_offset.saturating_add(prefix);
        if entry.local_header_offset >= end.cd_offset {
            return Err(invalid(format!(
                "entry {:?} has its local header at offset {}, inside or past the central \
                 directory; the archive is damaged",
                entry.name, entry.local_header_offset
            )));
        }
        entries.push(entry);
    }
    check_no_overlap(&entries, end.cd_offset)?;
    Ok((entries, end.cd_offset))
}

/// Refuses entries whose bytes overlap: each entry takes at least its fixed local header and
/// its compressed data from its offset on, and the next entry may not start before that.
fn check_no_overlap(entries: &[ZipEntry], data_end: u64) -> io::Result<()> {
    let mut spans: Vec<(u64, u64, &str)> = entries
        .iter()
        .map(|entry| {
            let end = entry
                .local_header_offset
                .saturating_add(LOCAL_LEN)
                .saturating_add(entry.compressed_size);
            (entry.local_header_offset, end, entry.name.as_str())
        })
        .collect();
    spans.sort_unstable();
    for pair in spans.windows(2) {
        let (Some(&(_, end, name)), Some(&(next_start, _, next_name))) =
            (pair.first(), pair.get(1))
        else {
            continue;
        };
        if next_start < end {
            return Err(invalid(format!(
                "entries {name:?} and {next_name:?} overlap (entry {next_name:?} starts at offset {next_start}, inside the {end}-byte span of {name:?}); overlapping entries are how zip bombs expand one stream many times, so the archive is refused"
            )));
        }
    }
    if let Some(&(start, end, name)) = spans.last()
        && end > data_end
    {
        return Err(invalid(format!(
            "entry {name:?} at offset {start} runs past the central directory; the archive is damaged"
        )));
    }
    Ok(())
}

fn read_central_header(cd: &mut impl BufRead, number: u64) -> io::Result<ZipEntry> {
    let mut fixed = [0; CENTRAL_LEN as usize];
    cd.read_exact(&mut fixed)
        .map_err(|e| truncated(e, number))?;
    if le32(&fixed, 0) != CENTRAL_SIG {
        return Err(invalid(format!(
            "central directory entry {number} has no signature; the archive is damaged"
        )));
    }
    let made_by = le16(&fixed, 4);
    let flags = le16(&fixed, 8);
    let method_code = le16(&fixed, 10);
    let (dos_time, dos_date) = (le16(&fixed, 12), le16(&fixed, 14));
    let crc32 = le32(&fixed, 16);
    let mut compressed_size = u64::from(le32(&fixed, 20));
    let mut size = u64::from(le32(&fixed, 24));
    let name_len = usize::from(le16(&fixed, 28));
    let extra_len = usize::from(le16(&fixed, 30));
    let comment_len = u64::from(le16(&fixed, 32));
    let external = le32(&fixed, 38);
    let mut offset = u64::from(le32(&fixed, 42));
    // Each length is at most 65535, so these buffers are bounded.
    let mut raw_name = vec![0; name_len];
    cd.read_exact(&mut raw_name)
        .map_err(|e| truncated(e, number))?;
    let mut extra = vec![0; extra_len];
    cd.read_exact(&mut extra)
        .map_err(|e| truncated(e, number))?;
    io::copy(&mut cd.take(comment_len), &mut io::sink())?;

    let mut unicode_name = None;
    let mut mtime = None;
    for (id, data) in extra_fields(&extra) {
        match id {
            EXTRA_ZIP64 => {
                let mut values = data.chunks_exact(8).map(|v| le64(v, 0));
                if size == u64::from(u32::MAX) {
                    size = values.next().ok_or_else(|| zip64_short(number))?;
                }
                if compressed_size == u64::from(u32::MAX) {
                    compressed_size = values.next().ok_or_else(|| zip64_short(number))?;
                }
                if offset == u64::from(u32::MAX) {
                    offset = values.next().ok_or_else(|| zip64_short(number))?;
                }
            }
            EXTRA_TIMESTAMP
                if data.first().is_some_and(|flags| flags & 1 == 1) && data.len() >= 5 =>
            {
                mtime = Some(le32(data, 1) as i32);
            }
            // Version 1, CRC32 of the header's name, then the UTF-8 name.
            EXTRA_UNICODE_PATH
                if data.first() == Some(&1)
                    && data.len() >= 5
                    && le32(data, 1) == crc32fast::hash(&raw_name) =>
            {
                unicode_name = data
                    .get(5..)
                    .and_then(|n| String::from_utf8(n.to_vec()).ok());
            }
            _ => {}
        }
    }
    let name = if flags & FLAG_UTF8 != 0 {
        String::from_utf8(raw_name).map_err(|_| {
            invalid(format!(
                "central directory entry {number} has a name that is not valid UTF-8 although \
                 it is marked as UTF-8; the archive is damaged"
            ))
        })?
    } else if let Some(name) = unicode_name {
        name
    } else {
        String::from_utf8(raw_name).unwrap_or_else(|e| cp437(e.as_bytes()))
    };
    let method = match method_code {
        0 => Method::Stored,
        8 => Method::Deflate,
        other => {
            return Err(unsupported(format!(
                "entry {name:?} uses compression method {other}; Casefile reads only stored \
                 and deflated entries"
            )));
        }
    };
    let unix_mode = (made_by >> 8 == UNIX_HOST && external >> 16 != 0).then_some(external >> 16);
    let modified = match mtime {
        Some(secs) if secs >= 0 => {
            Some(UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs().into()))
        }
        Some(secs) => UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs().into())),
        None => dos_to_system_time(dos_time, dos_date),
    };
    Ok(ZipEntry {
        name,
        size,
        compressed_size,
        crc32,
        method,
        unix_mode,
        modified,
        local_header_offset: offset,
        encrypted: flags & FLAG_ENCRYPTED != 0,
    })
}

/// The (id, data) pairs of an extra-field block, stopping at a malformed one.
fn extra_fields(extra: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = extra;
    std::iter::from_fn(move || {
        let id = le16(rest, 0);
        let len = usize::from(le16(rest, 2));
        let data = rest.get(4..4 + len)?;
        rest = rest.get(4 + len..).unwrap_or_default();
        Some((id, data))
    })
}

fn dos_to_system_time(time: u16, date: u16) -> Option<SystemTime> {
    let day = chrono::NaiveDate::from_ymd_opt(
        1980 + i32::from(date >> 9),
        u32::from((date >> 5) & 0xf),
        u32::from(date & 0x1f),
    )?;
    let at = day.and_hms_opt(
        u32::from(time >> 11),
        u32::from((time >> 5) & 0x3f),
        u32::from(time & 0x1f) * 2,
    )?;
    let secs = u64::try_from(at.and_utc().timestamp()).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Code page 437, the zip default for names not marked UTF-8: bytes 0x80 to 0xFF.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

fn cp437(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                CP437_HIGH
                    .chars()
                    .nth(usize::from(b - 0x80))
                    .unwrap_or('\u{fffd}')
            }
        })
        .collect()
}

enum Source<'a, R: Read> {
    Stored(Take<&'a mut R>),
    Deflate(flate2::bufread::DeflateDecoder<BufReader<Take<&'a mut R>>>),
}

/// Streams one entry's data and checks it at the end.
struct EntryReader<'a, R: Read> {
    source: Source<'a, R>,
    name: String,
    size: u64,
    crc32: u32,
    read: u64,
    hasher: crc32fast::Hasher,
    done: bool,
}

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        // Never produce more than the declared size (plus one byte to notice a lie).
        let room = self.size.saturating_sub(self.read).saturating_add(1);
        let limit = usize::try_from(room).map_or(buf.len(), |room| room.min(buf.len()));
        let buf = buf.get_mut(..limit).unwrap_or_default();
        let n = match &mut self.source {
            Source::Stored(raw) => raw.read(buf),
            Source::Deflate(inflate) => inflate.read(buf),
        }
        .map_err(|e| {
            let kind = match e.kind() {
                io::ErrorKind::InvalidInput => io::ErrorKind::InvalidData,
                kind => kind,
            };
            io::Error::new(kind, format!("entry {:?}: {e}", self.name))
        })?;
        let data = buf.get(..n).unwrap_or_default();
        self.hasher.update(data);
        self.read += n as u64;
        if self.read > self.size {
            self.done = true;
            return Err(invalid(format!(
                "entry {:?} holds more than its declared {} bytes; the archive is damaged",
                self.name, self.size
            )));
        }
        if n == 0 {
            self.done = true;
            if self.read != self.size {
                return Err(invalid(format!(
                    "entry {:?} ends after {} of its {} bytes; the archive is truncated or damaged",
                    self.name, self.read, self.size
                )));
            }
            let crc32 = std::mem::take(&mut self.hasher).finalize();
            if crc32 != self.crc32 {
                return Err(invalid(format!(
                    "entry {:?} has CRC32 {crc32:08x} but the archive says {:08x}; the data is \
                     damaged",
                    self.name, self.crc32
                )));
            }
        }
        Ok(n)
    }
}

fn le16(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn le64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

fn unsupported(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, message.into())
}

fn context(e: io::Error, name: &str, doing: &str) -> io::Error {
    let kind = match e.kind() {
        io::ErrorKind::UnexpectedEof => io::ErrorKind::InvalidData,
        kind => kind,
    };
    io::Error::new(kind, format!("entry {name:?}: {doing}: {e}"))
}

fn truncated(e: io::Error, number: u64) -> io::Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        invalid(format!(
            "central directory entry {number} is cut short; the archive is damaged"
        ))
    } else {
        e
    }
}

fn zip64_short(number: u64) -> io::Error {
    invalid(format!(
        "central directory entry {number} has a ZIP64 field too short for its sizes; the \
         archive is damaged"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp437_names_decode_their_high_half() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
        assert_eq!(cp437(b"caf\x82.txt"), "café.txt");
        assert_eq!(cp437(b"\xff"), "\u{a0}");
    }

    #[test]
    fn dos_time_reads_back_as_utc() {
        let at = dos_to_system_time((5 << 11) | (6 << 5) | 3, (46 << 9) | (3 << 5) | 4);
        assert_eq!(at, Some(UNIX_EPOCH + Duration::from_secs(1_772_600_766)));
        assert_eq!(dos_to_system_time(0, 0), None);
    }

    #[test]
    fn malformed_extra_fields_stop_the_walk() {
        let extra = [1, 0, 2, 0, 9, 9, 0x55, 0x54, 200, 0, 1];
        let fields: Vec<_> = extra_fields(&extra).collect();
        assert_eq!(fields, vec![(1, &[9u8, 9][..])]);
    }
}
