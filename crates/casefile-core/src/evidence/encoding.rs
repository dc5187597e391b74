//! What a file's first bytes say it is (text in some encoding, an image, other binary content),
//! and a streaming decoder that turns UTF-16 (LE or BE), UTF-8 with a byte-order mark and
//! Windows-1252 text into plain UTF-8, so that redaction, the incident window and the leak scan
//! all read one encoding.
//!
//! [`sniff`] looks at a sample (the planner reads 8 KiB): a byte-order mark first (`EF BB BF`,
//! `FF FE`, `FE FF`), then image and other binary signatures, then UTF-16 without a mark (most
//! code units with a zero high byte, the zeros all on one side), then the control-byte rule
//! (more than one byte in ten a control byte other than tab, newline, carriage return, form
//! feed, backspace and escape is binary), then UTF-8 validity; text that is not UTF-8 and has
//! no valid multi-byte UTF-8 sequence at all is read as Windows-1252 (a superset of Latin-1).
//!
//! [`Decoder`] decodes a stream piece by piece, carrying an odd byte or half a surrogate pair
//! from one piece to the next, so any cut of the input decodes the same; line ends (`\r\n`) are
//! kept as they are. [`DecodeReader`] wraps any reader with it, in constant memory.
//!
//! ```
//! use casefile_core::evidence::encoding::{Encoding, Sniffed, sniff, to_utf8};
//!
//! let utf16: Vec<u8> = "\u{feff}user=alice\r\n"
//!     .encode_utf16()
//!     .flat_map(u16::to_le_bytes)
//!     .collect();
//! assert_eq!(sniff(&utf16), Sniffed::Text(Encoding::Utf16Le));
//! let (text, from) = to_utf8(&utf16);
//! assert_eq!((&*text, from), (&b"user=alice\r\n"[..], Some(Encoding::Utf16Le)));
//! ```

use std::borrow::Cow;
use std::io::{self, Read};

/// A text encoding Casefile reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark (or plain ASCII): read as it is.
    Utf8,
    /// UTF-8 that starts with a byte-order mark, which is dropped.
    Utf8Bom,
    /// UTF-16, little-endian (Windows' own), with or without a byte-order mark.
    Utf16Le,
    /// UTF-16, big-endian, with or without a byte-order mark.
    Utf16Be,
    /// Windows-1252 (Latin-1 and the printable characters Windows puts in 0x80 to 0x9F).
    Windows1252,
}

impl Encoding {
    /// Its name as the manifest records it: `utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`,
    /// `windows-1252`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// Whether bytes in this encoding must be decoded to be UTF-8 (all but [`Encoding::Utf8`]).
    pub fn needs_decoding(self) -> bool {
        self != Encoding::Utf8
    }
}

/// An image format recognised by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF.
    Gif,
    /// WebP.
    Webp,
    /// Windows bitmap.
    Bmp,
    /// TIFF (also camera raw files built on it).
    Tiff,
    /// HEIF, HEIC or AVIF (phone photos).
    Heif,
}

impl ImageKind {
    /// Its name as the manifest records it: `png`, `jpeg`, `gif`, `webp`, `bmp`, `tiff`, `heif`.
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpeg",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
            ImageKind::Bmp => "bmp",
            ImageKind::Tiff => "tiff",
            ImageKind::Heif => "heif",
        }
    }

    /// Whether Casefile can decode it to pixels and re-encode it without metadata
    /// ([`super::screenshot::clean`]); the others are left out, never sent as they are.
    pub fn cleanable(self) -> bool {
        !matches!(self, ImageKind::Tiff | ImageKind::Heif)
    }
}

/// What a sample of a file's content is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Text in this encoding.
    Text(Encoding),
    /// An image.
    Image(ImageKind),
    /// Anything else that is not text: executables, archives, databases, event log files.
    Binary,
}

/// Leading bytes of binary formats met among logs and attachments (images are apart).
const BINARY_MAGIC: &[&[u8]] = &[
    b"\x7fELF",           // ELF executables and libraries
    b"PK\x03\x04",        // zip (also docx, jar...)
    b"SQLite format 3\0", // SQLite database
    b"ElfFile\0",         // Windows event log (.evtx)
    b"\xfe\xed\xfa\xce",  // Mach-O 32-bit
    b"\xfe\xed\xfa\xcf",  // Mach-O 64-bit
    b"\xcf\xfa\xed\xfe",  // Mach-O 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  // Mach-O universal, Java class
    b"\xfd7zXZ\0",        // xz
    b"BZh",               // bzip2 (a text file starting "BZh" is rare enough)
    b"\x28\xb5\x2f\xfd",  // zstd
    b"%PDF-",             // PDF
    b"\0\0\xfe\xff",      // UTF-32BE text: not read
];

/// What the first bytes of a file (the whole sample, up to a few KiB) say it is. See the module
/// documentation for the order of the rules. An empty sample is UTF-8 text.
pub fn sniff(sample: &[u8]) -> Sniffed {
    if let Some(kind) = image_kind(sample) {
        return Sniffed::Image(kind);
    }
    if sample.starts_with(b"\xef\xbb\xbf") {
        return checked(sample, Encoding::Utf8Bom);
    }
    if sample.starts_with(b"\xff\xfe\0\0") {
        // UTF-32LE: not read; binary.
        return Sniffed::Binary;
    }
    if sample.starts_with(b"\xff\xfe") {
        return checked(sample, Encoding::Utf16Le);
    }
    if sample.starts_with(b"\xfe\xff") {
        return checked(sample, Encoding::Utf16Be);
    }
    if BINARY_MAGIC.iter().any(|magic| sample.starts_with(magic)) {
        return Sniffed::Binary;
    }
    if let Some(encoding) = bomless_utf16(sample) {
        return checked(sample, encoding);
    }
    if control_bytes(sample) * 10 > sample.len() {
        return Sniffed::Binary;
    }
    Sniffed::Text(utf8_or_1252(sample))
}

/// The image format a sample starts with, if any.
pub fn image_kind(sample: &[u8]) -> Option<ImageKind> {
    let at = |range: std::ops::Range<usize>| sample.get(range);
    if sample.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if sample.starts_with(b"\xff\xd8\xff") {
        Some(ImageKind::Jpeg)
    } else if sample.starts_with(b"GIF87a") || sample.starts_with(b"GIF89a") {
        Some(ImageKind::Gif)
    } else if sample.starts_with(b"RIFF") && at(8..12) == Some(b"WEBP") {
        Some(ImageKind::Webp)
    } else if sample.starts_with(b"BM")
        && at(6..10) == Some(&[0, 0, 0, 0])
        && at(14..15).is_some_and(|size| matches!(size, [12 | 40 | 52 | 56 | 64 | 108 | 124]))
    {
        // A bitmap: reserved bytes zero and a known header size, so a text file starting
        // "BM" is not one.
        Some(ImageKind::Bmp)
    } else if sample.starts_with(b"II*\0") || sample.starts_with(b"MM\0*") {
        Some(ImageKind::Tiff)
    } else if at(4..8) == Some(b"ftyp")
        && at(8..12).is_some_and(|brand| {
            [
                b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis",
            ]
            .iter()
            .any(|known| brand == &known[..])
        })
    {
        Some(ImageKind::Heif)
    } else {
        None
    }
}

/// `Text(encoding)` when the sample decoded from `encoding` reads as text (few control
/// characters), `Binary` otherwise.
fn checked(sample: &[u8], encoding: Encoding) -> Sniffed {
    let mut decoded = Vec::with_capacity(sample.len());
    let mut decoder = Decoder::new(encoding);
    decoder.decode(sample, false, &mut decoded);
    if control_bytes(&decoded) * 10 > decoded.len() {
        Sniffed::Binary
    } else {
        Sniffed::Text(encoding)
    }
}

/// UTF-16 without a byte-order mark: at least four code units, three in five or more with a
/// zero high byte and a non-zero low byte, and hardly any the other way round.
fn bomless_utf16(sample: &[u8]) -> Option<Encoding> {
    let units = sample.len() / 2;
    // Text in UTF-16 without NULs (no Latin character at all) is not told apart; and most
    // samples, having none, are done with here.
    if units < 4 || memchr::memchr(0, sample).is_none() {
        return None;
    }
    let (mut low_first, mut high_first) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        match pair {
            [a, 0] if *a != 0 => low_first += 1,
            [0, b] if *b != 0 => high_first += 1,
            _ => {}
        }
    }
    let clear = |many: usize, few: usize| many * 5 >= units * 3 && few * 20 <= units;
    if clear(low_first, high_first) {
        Some(Encoding::Utf16Le)
    } else if clear(high_first, low_first) {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Control bytes other than tab, newline, carriage return, form feed, backspace and escape
/// (NUL and DEL count).
fn control_bytes(bytes: &[u8]) -> usize {
    // Branch-free and counted in bytes per block of 255, so the compiler vectorises it: five
    // times faster than a filter, and every planned file's sample goes through it.
    bytes
        .chunks(255)
        .map(|block| {
            let count = block.iter().fold(0u8, |count, &b| {
                let allowed = (b == b'\t')
                    | (b == b'\n')
                    | (b == b'\r')
                    | (b == 0x0c)
                    | (b == 0x08)
                    | (b == 0x1b);
                count.wrapping_add((((b < 0x20) & !allowed) | (b == 0x7f)) as u8)
            });
            usize::from(count)
        })
        .sum()
}

/// UTF-8, unless bytes that are not UTF-8 outnumber the valid multi-byte sequences (a sequence
/// cut at the end of the sample is not counted): then Windows-1252. A file mixing both is left
/// as it is rather than turning its UTF-8 into mojibake.
fn utf8_or_1252(sample: &[u8]) -> Encoding {
    match std::str::from_utf8(sample) {
        // The common case, quickly: UTF-8, or UTF-8 cut by the end of the sample.
        Ok(_) => return Encoding::Utf8,
        Err(error) if error.error_len().is_none() => return Encoding::Utf8,
        Err(_) => {}
    }
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut rest = sample;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                valid += text.bytes().filter(|&b| b >= 0xc0).count();
                break;
            }
            Err(error) => {
                let (good, after) = rest.split_at(error.valid_up_to());
                valid += good.iter().filter(|&&b| b >= 0xc0).count();
                match error.error_len() {
                    // Cut by the end of the sample.
                    None => break,
                    Some(len) => {
                        invalid += 1;
                        rest = after.get(len..).unwrap_or_default();
                    }
                }
            }
        }
    }
    if invalid > valid {
        Encoding::Windows1252
    } else {
        Encoding::Utf8
    }
}

/// Windows-1252's 0x80 to 0x9F; the five bytes it leaves undefined map to the C1 controls of
/// the same value, as browsers do.
const CP1252_HIGH: [char; 32] = [
    '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}', '\u{178}',
];

/// Decodes one stream from an [`Encoding`] to UTF-8, in pieces of any size.
///
/// A byte-order mark at the very start is dropped. An odd byte or a high surrogate at the end
/// of a piece waits for the next one; at the end of the stream, whatever is incomplete, and
/// every unpaired surrogate, becomes U+FFFD. [`Encoding::Utf8`] and the rest of
/// [`Encoding::Utf8Bom`] are copied as they are.
#[derive(Debug, Clone)]
pub struct Decoder {
    encoding: Encoding,
    /// Bytes held back: the start of the stream until the mark can be told, or an odd byte.
    held: Vec<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    /// Whether the start (and its mark) has been dealt with.
    started: bool,
}

impl Decoder {
    /// A decoder at the start of a stream.
    pub fn new(encoding: Encoding) -> Decoder {
        Decoder {
            encoding,
            held: Vec::new(),
            high: None,
            started: false,
        }
    }

    /// Decodes the next piece of the stream, appending UTF-8 to `out`; `last` ends the stream.
    pub fn decode(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) {
        let mut input = input;
        let mut joined = Vec::new();
        if !self.held.is_empty() {
            joined.reserve(self.held.len() + input.len());
            joined.append(&mut self.held);
            joined.extend_from_slice(input);
            input = &joined;
        }
        if !self.started {
            let mark: &[u8] = match self.encoding {
                Encoding::Utf8 | Encoding::Windows1252 => b"",
                Encoding::Utf8Bom => b"\xef\xbb\xbf",
                Encoding::Utf16Le => b"\xff\xfe",
                Encoding::Utf16Be => b"\xfe\xff",
            };
            if input.len() < mark.len() && mark.starts_with(input) && !last {
                self.held.extend_from_slice(input);
                return;
            }
            self.started = true;
            input = input.strip_prefix(mark).unwrap_or(input);
        }
        match self.encoding {
            Encoding::Utf8 | Encoding::Utf8Bom => out.extend_from_slice(input),
            Encoding::Windows1252 => {
                out.reserve(input.len() + input.len() / 4);
                for &byte in input {
                    match byte {
                        0..=0x7f => out.push(byte),
                        0x80..=0x9f => push_char(
                            out,
                            CP1252_HIGH
                                .get(usize::from(byte - 0x80))
                                .copied()
                                .unwrap_or('\u{fffd}'),
                        ),
                        _ => push_char(out, char::from(byte)),
                    }
                }
            }
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let little = self.encoding == Encoding::Utf16Le;
                out.reserve(input.len() / 2 + input.len() / 8);
                let mut pairs = input.chunks_exact(2);
                for pair in &mut pairs {
                    let &[a, b] = pair else { continue };
                    let unit = if little {
                        u16::from_le_bytes([a, b])
                    } else {
                        u16::from_be_bytes([a, b])
                    };
                    if unit < 0x80 && self.high.is_none() {
                        // The common case: ASCII.
                        out.push(unit as u8);
                    } else {
                        self.unit(unit, out);
                    }
                }
                self.held.extend_from_slice(pairs.remainder());
                if last {
                    if self.high.take().is_some() || !self.held.is_empty() {
                        push_char(out, '\u{fffd}');
                    }
                    self.held.clear();
                }
            }
        }
    }

    /// One UTF-16 code unit.
    fn unit(&mut self, unit: u16, out: &mut Vec<u8>) {
        match unit {
            0xd800..=0xdbff => {
                if self.high.replace(unit).is_some() {
                    push_char(out, '\u{fffd}');
                }
            }
            0xdc00..=0xdfff => match self.high.take() {
                Some(high) => {
                    let code =
                        0x10000 + ((u32::from(high) - 0xd800) << 10) + (u32::from(unit) - 0xdc00);
                    push_char(out, char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                None => push_char(out, '\u{fffd}'),
            },
            _ => {
                if self.high.take().is_some() {
                    push_char(out, '\u{fffd}');
                }
                push_char(out, char::from_u32(u32::from(unit)).unwrap_or('\u{fffd}'));
            }
        }
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// A reader that decodes another reader's bytes to UTF-8 with a [`Decoder`], 64 KiB at a time.
pub struct DecodeReader<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    /// How much of `output` has been read.
    at: usize,
    done: bool,
}

impl<R: Read> DecodeReader<R> {
    /// Decodes `inner`, which is in `encoding`.
    pub fn new(inner: R, encoding: Encoding) -> DecodeReader<R> {
        DecodeReader {
            inner,
            decoder: Decoder::new(encoding),
            input: vec![0; 64 << 10],
            output: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.output.len() {
            if self.done {
                return Ok(0);
            }
            self.output.clear();
            self.at = 0;
            let n = loop {
                match self.inner.read(&mut self.input) {
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            self.done = n == 0;
            let piece = self.input.get(..n).unwrap_or_default();
            self.decoder.decode(piece, self.done, &mut self.output);
        }
        let available = self.output.get(self.at..).unwrap_or_default();
        let n = available.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), available.get(..n)) {
            to.copy_from_slice(from);
        }
        self.at += n;
        Ok(n)
    }
}

/// `bytes` as UTF-8 when [`sniff`] (on their first 8 KiB) finds text in another encoding, with
/// that encoding; otherwise `bytes` unchanged and `None` (UTF-8 text, images, binary content).
pub fn to_utf8(bytes: &[u8]) -> (Cow<'_, [u8]>, Option<Encoding>) {
    let sample = bytes.get(..8 << 10).unwrap_or(bytes);
    match sniff(sample) {
        Sniffed::Text(encoding) if encoding.needs_decoding() => {
            let mut out = Vec::with_capacity(bytes.len());
            Decoder::new(encoding).decode(bytes, true, &mut out);
            (Cow::Owned(out), Some(encoding))
        }
        _ => (Cow::Borrowed(bytes), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
        let mut units: Vec<u16> = text.encode_utf16().collect();
        if bom {
            units.insert(0, 0xfeff);
        }
        units
            .into_iter()
            .flat_map(|u| {
                if little {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                }
            })
            .collect()
    }

    fn decode_in_pieces(bytes: &[u8], encoding: Encoding, piece: usize) -> Vec<u8> {
        let mut decoder = Decoder::new(encoding);
        let mut out = Vec::new();
        for chunk in bytes.chunks(piece.max(1)) {
            decoder.decode(chunk, false, &mut out);
        }
        decoder.decode(&[], true, &mut out);
        out
    }

    #[test]
    fn sniffing_tells_encodings_images_and_binary_apart() {
        let text = "2026-11-23 10:00:00 user=alice caf\u{e9}\r\n".repeat(20);
        let cases: Vec<(Vec<u8>, Sniffed)> = vec![
            (b"".to_vec(), Sniffed::Text(Encoding::Utf8)),
            (text.clone().into_bytes(), Sniffed::Text(Encoding::Utf8)),
            (
                [b"\xef\xbb\xbf", text.as_bytes()].concat(),
                Sniffed::Text(Encoding::Utf8Bom),
            ),
            (utf16(&text, true, true), Sniffed::Text(Encoding::Utf16Le)),
            (utf16(&text, false, true), Sniffed::Text(Encoding::Utf16Be)),
            (utf16(&text, true, false), Sniffed::Text(Encoding::Utf16Le)),
            (utf16(&text, false, false), Sniffed::Text(Encoding::Utf16Be)),
            // A tail cut at an odd byte reads as the other order, which decodes the same text.
            (
                utf16(&text, true, false)[1..].to_vec(),
                Sniffed::Text(Encoding::Utf16Be),
            ),
            (
                b"Gr\xfc\xdfe aus K\xf6ln, 10\x80\n".to_vec(),
                Sniffed::Text(Encoding::Windows1252),
            ),
            // Valid UTF-8 with one stray byte stays UTF-8.
            (
                ["caf\u{e9} na\u{ef}ve \u{fc}ber ".as_bytes(), b"\xff"].concat(),
                Sniffed::Text(Encoding::Utf8),
            ),
            // A multi-byte character cut by the end of the sample is still UTF-8.
            (
                "caf\u{e9}".as_bytes()[..4].to_vec(),
                Sniffed::Text(Encoding::Utf8),
            ),
            (
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
                Sniffed::Image(ImageKind::Png),
            ),
            (
                b"\xff\xd8\xff\xe1".to_vec(),
                Sniffed::Image(ImageKind::Jpeg),
            ),
            (
                b"RIFF\0\0\0\0WEBPVP8 ".to_vec(),
                Sniffed::Image(ImageKind::Webp),
            ),
            (
                b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0\x28\0".to_vec(),
                Sniffed::Image(ImageKind::Bmp),
            ),
            (
                b"\0\0\0\x18ftypheic".to_vec(),
                Sniffed::Image(ImageKind::Heif),
            ),
            (
                b"BMC agent started\n".to_vec(),
                Sniffed::Text(Encoding::Utf8),
            ),
            (b"\x7fELF\x02\x01\x01".to_vec(), Sniffed::Binary),
            (b"\xff\xfe\0\0a\0\0\0".to_vec(), Sniffed::Binary),
            // Little-endian integers are not UTF-16 text: their units are control characters.
            (
                (1u16..200).flat_map(|n| (n % 20).to_le_bytes()).collect(),
                Sniffed::Binary,
            ),
            ((0u8..=255).collect(), Sniffed::Binary),
        ];
        for (sample, expected) in cases {
            assert_eq!(
                sniff(&sample),
                expected,
                "{:?}",
                String::from_utf8_lossy(&sample)
            );
        }
    }

    #[test]
    fn utf16_decodes_the_same_whatever_the_cuts_keeping_crlf_and_surrogates() {
        let text = "Account Name:\t\tal\u{ef}ce \u{1f600}\r\nWorkstation Name:\tWS-01 \u{20ac}\r\n";
        for (little, encoding) in [(true, Encoding::Utf16Le), (false, Encoding::Utf16Be)] {
            for bom in [true, false] {
                let bytes = utf16(text, little, bom);
                for piece in [1, 2, 3, 5, 7, 64] {
                    assert_eq!(
                        String::from_utf8(decode_in_pieces(&bytes, encoding, piece))
                            .expect("utf-8"),
                        text,
                        "{encoding:?} bom {bom} piece {piece}"
                    );
                }
            }
        }
    }

    #[test]
    fn broken_utf16_becomes_replacement_characters() {
        // A lone low surrogate, a high surrogate followed by a letter, and an odd last byte.
        let bytes = [0x00, 0xdc, 0x3d, 0xd8, 0x41, 0x00, 0x42];
        let out = decode_in_pieces(&bytes, Encoding::Utf16Le, 3);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "\u{fffd}\u{fffd}A\u{fffd}"
        );
    }

    #[test]
    fn windows_1252_and_utf8_marks_decode_to_utf8() {
        let out = decode_in_pieces(b"caf\xe9 \x80 \x93quoted\x94\r\n", Encoding::Windows1252, 4);
        assert_eq!(
            out,
            "caf\u{e9} \u{20ac} \u{201c}quoted\u{201d}\r\n".as_bytes()
        );
        let out = decode_in_pieces(b"\xef\xbb\xbfkey=value\n", Encoding::Utf8Bom, 1);
        assert_eq!(out, b"key=value\n");
        // Only a mark at the very start is dropped.
        let out = decode_in_pieces(b"a\xef\xbb\xbf", Encoding::Utf8Bom, 1);
        assert_eq!(out, b"a\xef\xbb\xbf");
    }

    #[test]
    fn the_reader_decodes_a_stream_in_constant_pieces() {
        let text = "line \u{1f600} caf\u{e9}\r\n".repeat(20_000);
        let bytes = utf16(&text, true, true);
        let mut reader = DecodeReader::new(&bytes[..], Encoding::Utf16Le);
        let mut out = Vec::new();
        let mut buf = [0u8; 1000];
        loop {
            let n = reader.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, text.as_bytes());
        assert!(reader.output.capacity() < 256 << 10, "memory stays flat");
    }

    #[test]
    fn to_utf8_converts_only_text_in_other_encodings() {
        let (out, from) = to_utf8(b"plain text\n");
        assert!(matches!(out, Cow::Borrowed(_)) && from.is_none());
        let wmic = utf16("wmic output\r\n", true, false);
        let (out, from) = to_utf8(&wmic);
        assert_eq!(
            (&*out, from),
            (&b"wmic output\r\n"[..], Some(Encoding::Utf16Le))
        );
        let (_, from) = to_utf8(b"\x89PNG\r\n\x1a\n");
        assert!(from.is_none());
    }
}
