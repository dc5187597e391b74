//! Screenshots: clean an image (decode with limits, apply the EXIF orientation, black out
//! regions, re-encode as PNG with no metadata), keep a draft's screenshots and pending captures
//! on disk, and capture the screen or a window where that is possible ([`capture`]).
//!
//! Cleaning decodes to pixels and encodes a fresh PNG from them, so nothing of the original file
//! but its pixels survives: no EXIF (GPS position, camera), no XMP or IPTC, no colour profile, no
//! PNG text chunks, no JPEG comments. [`clean`] reports which of these it found and dropped.
//!
//! A draft's screenshots live in `DATA_DIR/screenshots/<CASE>/NAME.png` ([`Store`]); a name is
//! never overwritten (`NAME (2).png`). A capture or a picked file waits, before the user has
//! blacked out what must not be sent and accepted it, in `DATA_DIR/screenshots/<CASE>/.pending/`
//! (folder mode 0700, files 0600) under a random id, and is deleted once accepted or discarded.

pub mod capture;

use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageReader, Limits, Rgb, Rgba};
use serde::{Deserialize, Serialize};

use super::resolve::sanitize_component;

/// The widest or tallest image accepted, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// The most memory decoding one image may take, in bytes.
pub const MAX_DECODED_BYTES: u64 = 512 << 20;
/// The largest image file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// The name of the folder that holds pending captures inside a case's screenshots folder.
const PENDING: &str = ".pending";

/// Why a screenshot could not be cleaned, stored or captured.
#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    /// Not an image Casefile reads, or a damaged one.
    #[error(
        "{file} is not an image Casefile can read ({reason}); use a PNG, JPEG, GIF, WebP or BMP file"
    )]
    Invalid {
        /// The file, as the user named it.
        file: String,
        /// What the decoder said.
        reason: String,
    },
    /// Declares a size over the limits (a decompression bomb, or simply too big).
    #[error(
        "{file} declares {width}x{height} pixels, more than Casefile opens (at most {MAX_SIDE}x{MAX_SIDE} and {} MiB decoded); crop or scale it down first",
        MAX_DECODED_BYTES >> 20
    )]
    TooLarge {
        /// The file, as the user named it.
        file: String,
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// A black-out rectangle that is empty or lies wholly outside the image.
    #[error("black-out box {index} ({x},{y} {width}x{height}): {reason}")]
    BadBox {
        /// 1-based position in the list.
        index: usize,
        /// Left edge.
        x: u32,
        /// Top edge.
        y: u32,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// No pending screenshot with this id (never made, already accepted or discarded, or not an
    /// id at all).
    #[error(
        "no pending screenshot {id:?}: it was already added or discarded; capture or pick it again"
    )]
    PendingNotFound {
        /// The id given.
        id: String,
    },
    /// Capturing is not possible on this system.
    #[error(
        "capturing is not available here yet{detail}: take a screenshot with your system's tool and use Pick image files"
    )]
    CaptureUnavailable {
        /// Why, starting with "; " or empty.
        detail: String,
    },
    /// The display refused or failed a capture.
    #[error("the capture failed: {0}")]
    Capture(String),
    /// No window with this title or id.
    #[error("no window {0}; list them with `casefile screenshot windows`")]
    WindowNotFound(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl ScreenshotError {
    /// A stable code for scripts and the UI: `image_invalid`, `image_too_large`,
    /// `black_out_invalid`, `not_found`, `capture_unavailable`, `capture_failed`,
    /// `window_not_found` or `io`.
    pub fn code(&self) -> &'static str {
        match self {
            ScreenshotError::Invalid { .. } => "image_invalid",
            ScreenshotError::TooLarge { .. } => "image_too_large",
            ScreenshotError::BadBox { .. } => "black_out_invalid",
            ScreenshotError::PendingNotFound { .. } => "not_found",
            ScreenshotError::CaptureUnavailable { .. } => "capture_unavailable",
            ScreenshotError::Capture(_) => "capture_failed",
            ScreenshotError::WindowNotFound(_) => "window_not_found",
            ScreenshotError::Io { .. } => "io",
        }
    }

    /// Whether the user can fix it (bad input) rather than the system failing.
    pub fn is_user_fixable(&self) -> bool {
        !matches!(
            self,
            ScreenshotError::Io { .. } | ScreenshotError::Capture(_)
        )
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ScreenshotError + '_ {
    move |source| ScreenshotError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A rectangle to fill with black, in image pixels after the EXIF orientation is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlackOut {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl std::str::FromStr for BlackOut {
    type Err = String;

    /// `X,Y,W,H` in pixels, as the CLI's `--black-out` takes it.
    fn from_str(text: &str) -> Result<BlackOut, String> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let numbers: Option<Vec<u32>> = parts.iter().map(|part| part.parse().ok()).collect();
        match numbers.as_deref() {
            Some(&[x, y, width, height]) => Ok(BlackOut {
                x,
                y,
                width,
                height,
            }),
            _ => Err(format!(
                "{text:?} is not a box; write X,Y,WIDTH,HEIGHT in pixels, such as 10,20,300,40"
            )),
        }
    }
}

/// A cleaned image: a fresh PNG and what was done to make it.
#[derive(Debug, Clone)]
pub struct Cleaned {
    /// The PNG file's bytes.
    pub png: Vec<u8>,
    /// Width in pixels (after orientation).
    pub width: u32,
    /// Height in pixels (after orientation).
    pub height: u32,
    /// The metadata found and dropped, for a person: `EXIF (GPS, camera)`, `PNG text chunks`...
    pub stripped: Vec<String>,
    /// How many black-out boxes were applied.
    pub boxes: usize,
    /// The EXIF orientation that was applied, when it was not the identity.
    pub rotated: bool,
}

/// Decodes `bytes` (named `file` in errors), applies the EXIF orientation, fills `boxes` with
/// black (clamped to the image; a box that is empty or wholly outside is an error), and encodes
/// a PNG with no metadata. A declared size over [`MAX_SIDE`] or [`MAX_DECODED_BYTES`] is refused
/// before any pixel memory is allocated.
pub fn clean(bytes: &[u8], file: &str, boxes: &[BlackOut]) -> Result<Cleaned, ScreenshotError> {
    let invalid = |reason: String| ScreenshotError::Invalid {
        file: file.to_owned(),
        reason,
    };
    let mut stripped = container_metadata(bytes);
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| invalid(error.to_string()))?;
    let Some(_) = reader.format() else {
        return Err(invalid(
            "the content is not a known image format".to_owned(),
        ));
    };
    // Our own size check comes first, from the header alone, so the message can name the size.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = reader;
    reader.no_limits();
    let mut decoder = reader
        .into_decoder()
        .map_err(|error| decode_error(file, error))?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(ScreenshotError::TooLarge {
            file: file.to_owned(),
            width,
            height,
        });
    }
    decoder
        .set_limits(limits)
        .map_err(|error| decode_error(file, error))?;
    let exif = decoder.exif_metadata().ok().flatten();
    let orientation = exif
        .as_deref()
        .and_then(|exif| image::metadata::Orientation::from_exif_chunk(strip_exif_header(exif)))
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    if let Some(exif) = &exif {
        stripped.insert(0, describe_exif(strip_exif_header(exif)));
    }
    if decoder.icc_profile().ok().flatten().is_some() {
        stripped.push("colour profile (ICC)".to_owned());
    }
    if decoder.xmp_metadata().ok().flatten().is_some() {
        stripped.push("XMP".to_owned());
    }
    if decoder.iptc_metadata().ok().flatten().is_some() {
        stripped.push("IPTC".to_owned());
    }
    stripped.dedup();
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|error| decode_error(file, error))?;
    let rotated = orientation != image::metadata::Orientation::NoTransforms;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    let rects = clamp_boxes(boxes, width, height)?;
    let png = if image.color().has_alpha() {
        let mut pixels = image.into_rgba8();
        for (x0, y0, x1, y1) in &rects {
            for y in *y0..*y1 {
                for x in *x0..*x1 {
                    pixels.put_pixel(x, y, Rgba([0, 0, 0, 255]));
                }
            }
        }
        encode_png(
            pixels.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgba8,
        )
    } else {
        let mut pixels = image.into_rgb8();
        for (x0, y0, x1, y1) in &rects {
            for y in *y0..*y1 {
                for x in *x0..*x1 {
                    pixels.put_pixel(x, y, Rgb([0, 0, 0]));
                }
            }
        }
        encode_png(
            pixels.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
    }
    .map_err(|error| invalid(error.to_string()))?;
    Ok(Cleaned {
        png,
        width,
        height,
        stripped,
        boxes: rects.len(),
        rotated,
    })
}

/// Reads the image file at `path` (at most [`MAX_FILE_BYTES`]) and [`clean`]s it.
pub fn clean_file(path: &Path, boxes: &[BlackOut]) -> Result<Cleaned, ScreenshotError> {
    let bytes = read_image_file(path)?;
    clean(&bytes, &path.display().to_string(), boxes)
}

/// Reads an image file whole, refusing one over [`MAX_FILE_BYTES`] or one that is not a regular
/// file.
pub fn read_image_file(path: &Path) -> Result<Vec<u8>, ScreenshotError> {
    let metadata = std::fs::metadata(path).map_err(io_error(path))?;
    if !metadata.is_file() {
        return Err(ScreenshotError::Invalid {
            file: path.display().to_string(),
            reason: "not a regular file".to_owned(),
        });
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(ScreenshotError::Invalid {
            file: path.display().to_string(),
            reason: format!(
                "{} bytes, more than the {} MiB Casefile reads",
                metadata.len(),
                MAX_FILE_BYTES >> 20
            ),
        });
    }
    std::fs::read(path).map_err(io_error(path))
}

/// Encodes pixels as a PNG with no ancillary chunks.
pub fn encode_png(
    pixels: &[u8],
    width: u32,
    height: u32,
    color: image::ExtendedColorType,
) -> Result<Vec<u8>, image::ImageError> {
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive)
        .write_image(pixels, width, height, color)?;
    Ok(png)
}

fn decode_error(file: &str, error: image::ImageError) -> ScreenshotError {
    match error {
        image::ImageError::Limits(_) => ScreenshotError::TooLarge {
            file: file.to_owned(),
            width: 0,
            height: 0,
        },
        other => ScreenshotError::Invalid {
            file: file.to_owned(),
            reason: other.to_string(),
        },
    }
}

/// Black-out boxes as half-open pixel ranges clamped to the image.
fn clamp_boxes(
    boxes: &[BlackOut],
    width: u32,
    height: u32,
) -> Result<Vec<(u32, u32, u32, u32)>, ScreenshotError> {
    let mut rects = Vec::with_capacity(boxes.len());
    for (index, bx) in boxes.iter().enumerate() {
        let bad = |reason: String| ScreenshotError::BadBox {
            index: index + 1,
            x: bx.x,
            y: bx.y,
            width: bx.width,
            height: bx.height,
            reason,
        };
        if bx.width == 0 || bx.height == 0 {
            return Err(bad(
                "it is empty; give it a width and a height of at least 1 pixel".to_owned(),
            ));
        }
        if bx.x >= width || bx.y >= height {
            return Err(bad(format!(
                "it lies outside the {width}x{height} image; boxes are in image pixels from the top left corner"
            )));
        }
        let x1 = bx.x.saturating_add(bx.width).min(width);
        let y1 = bx.y.saturating_add(bx.height).min(height);
        rects.push((bx.x, bx.y, x1, y1));
    }
    Ok(rects)
}

/// EXIF as the decoders return it may still start with JPEG's `Exif\0\0`.
fn strip_exif_header(exif: &[u8]) -> &[u8] {
    exif.strip_prefix(b"Exif\0\0").unwrap_or(exif)
}

/// `EXIF (GPS, camera, date)`: what the first IFD of a TIFF-structured EXIF block holds that a
/// person would mind.
fn describe_exif(tiff: &[u8]) -> String {
    let mut what = Vec::new();
    let tags = ifd0_tags(tiff);
    if tags.contains(&0x8825) {
        what.push("GPS position");
    }
    if tags.contains(&0x010f) || tags.contains(&0x0110) {
        what.push("camera");
    }
    if tags.contains(&0x0132) || tags.contains(&0x8769) {
        what.push("date and settings");
    }
    if tags.contains(&0x013b) || tags.contains(&0x8298) {
        what.push("author");
    }
    if tags.contains(&0x0131) {
        what.push("software");
    }
    if what.is_empty() {
        "EXIF".to_owned()
    } else {
        format!("EXIF ({})", what.join(", "))
    }
}

/// The tag numbers in the first IFD of a TIFF block; empty when it cannot be read.
fn ifd0_tags(tiff: &[u8]) -> Vec<u16> {
    let little = match tiff.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return Vec::new(),
    };
    let u16_at = |at: usize| -> Option<u16> {
        let bytes: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let bytes: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    };
    let Some(offset) = u32_at(4).and_then(|offset| usize::try_from(offset).ok()) else {
        return Vec::new();
    };
    let Some(count) = u16_at(offset) else {
        return Vec::new();
    };
    (0..usize::from(count))
        .map_while(|index| u16_at(offset + 2 + index * 12))
        .collect()
}

/// Metadata the decoders do not expose: PNG text and time chunks, JPEG comments.
fn container_metadata(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(mut rest) = bytes.strip_prefix(b"\x89PNG\r\n\x1a\n") {
        let mut text = false;
        let mut time = false;
        while rest.len() >= 12 {
            let length = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            let kind = &rest[4..8];
            text |= matches!(kind, b"tEXt" | b"iTXt" | b"zTXt");
            time |= kind == b"tIME";
            match length.checked_add(12).and_then(|next| rest.get(next..)) {
                Some(next) if kind != b"IEND" => rest = next,
                _ => break,
            }
        }
        if text {
            found.push("PNG text chunks".to_owned());
        }
        if time {
            found.push("PNG time stamp".to_owned());
        }
    } else if bytes.starts_with(b"\xff\xd8") {
        // Walk the JPEG segments up to the scan; a comment is marker 0xFE.
        let mut at = 2;
        let mut comment = false;
        while let Some(&[0xff, marker, high, low]) = bytes.get(at..at + 4) {
            if marker == 0xda || marker == 0xd9 {
                break;
            }
            comment |= marker == 0xfe;
            at += 2 + usize::from(u16::from_be_bytes([high, low]));
        }
        if comment {
            found.push("JPEG comment".to_owned());
        }
    }
    found
}

/// Writes `contents` to `path` atomically with mode 0600 (replacing what is there).
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), ScreenshotError> {
    let mut temporary = private_temp(path)?;
    temporary.write_all(contents).map_err(io_error(path))?;
    temporary.as_file().sync_all().map_err(io_error(path))?;
    temporary
        .persist(path)
        .map_err(|error| io_error(path)(error.error))?;
    Ok(())
}

/// A temporary file (mode 0600, as `tempfile` makes them) beside `path`.
fn private_temp(path: &Path) -> Result<tempfile::NamedTempFile, ScreenshotError> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    tempfile::Builder::new()
        .prefix(".casefile-")
        .suffix(".tmp")
        .tempfile_in(&folder)
        .map_err(io_error(&folder))
}

/// A draft's screenshots: `DATA_DIR/screenshots/<CASE>/` and its `.pending/` folder.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// A screenshot stored in a draft's folder.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Where it was written.
    pub path: PathBuf,
    /// What cleaning did.
    pub cleaned: Cleaned,
}

impl Store {
    /// The screenshots folder of the draft with `case_code` under `data_dir` (not created yet).
    pub fn new(data_dir: &Path, case_code: &str) -> Store {
        let flat = case_code.trim().replace(['/', '\\', '.'], "_");
        let case = sanitize_component(std::ffi::OsStr::new(&flat));
        Store {
            dir: data_dir.join("screenshots").join(case),
        }
    }

    /// The folder cleaned screenshots are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn pending_dir(&self) -> PathBuf {
        self.dir.join(PENDING)
    }

    fn ensure(&self, dir: &Path) -> Result<(), ScreenshotError> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io_error(dir))?;
        }
        Ok(())
    }

    /// Keeps `bytes` (an image not yet accepted) under a new random id and returns the id.
    pub fn add_pending(&self, bytes: &[u8]) -> Result<String, ScreenshotError> {
        let pending = self.pending_dir();
        self.ensure(&self.dir)?;
        self.ensure(&pending)?;
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|error| ScreenshotError::Io {
            path: pending.clone(),
            source: std::io::Error::other(error.to_string()),
        })?;
        let id: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        write_private(&pending.join(&id), bytes)?;
        Ok(id)
    }

    /// Checks that `bytes` is an image Casefile can clean, keeps it as a pending item, and
    /// returns what the user needs to black out regions: the cleaned image without boxes as a
    /// `data:` URL, its size, the metadata that will be dropped, and `name` as the proposed name.
    pub fn add_pending_image(
        &self,
        bytes: &[u8],
        name: &str,
    ) -> Result<crate::wire::PendingScreenshot, ScreenshotError> {
        let preview = clean(bytes, name, &[])?;
        let id = self.add_pending(bytes)?;
        Ok(pending_view(id, name, preview))
    }

    /// The pending items still waiting (the app was closed while they were being edited),
    /// oldest first, each ready for the editor again under the name `screenshot`. A pending
    /// file that no longer reads as an image is left out.
    pub fn pending(&self) -> Vec<crate::wire::PendingScreenshot> {
        let Ok(entries) = std::fs::read_dir(self.pending_dir()) else {
            return Vec::new();
        };
        let mut found: Vec<(std::time::SystemTime, String)> = entries
            .flatten()
            .filter_map(|entry| {
                let id = entry.file_name().into_string().ok()?;
                self.pending_path(&id).ok()?;
                let modified = entry.metadata().and_then(|meta| meta.modified()).ok()?;
                Some((modified, id))
            })
            .collect();
        found.sort();
        found
            .into_iter()
            .filter_map(|(_, id)| {
                let bytes = self.pending_bytes(&id).ok()?;
                let preview = clean(&bytes, "screenshot", &[]).ok()?;
                Some(pending_view(id, "screenshot", preview))
            })
            .collect()
    }

    /// The path of a pending item; the id must be one [`Store::add_pending`] makes (32 lowercase
    /// hex digits), so nothing from outside can name another file.
    fn pending_path(&self, id: &str) -> Result<PathBuf, ScreenshotError> {
        let valid = id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let path = self.pending_dir().join(id);
        if !valid || !path.is_file() {
            return Err(ScreenshotError::PendingNotFound { id: id.to_owned() });
        }
        Ok(path)
    }

    /// The bytes of a pending item.
    pub fn pending_bytes(&self, id: &str) -> Result<Vec<u8>, ScreenshotError> {
        let path = self.pending_path(id)?;
        std::fs::read(&path).map_err(io_error(&path))
    }

    /// Cleans a pending item with `boxes`, stores it as `name` (see [`Store::save`]) and deletes
    /// the pending original. On an error the pending item stays, so the user can fix the boxes.
    pub fn accept(
        &self,
        id: &str,
        name: &str,
        boxes: &[BlackOut],
    ) -> Result<Stored, ScreenshotError> {
        let path = self.pending_path(id)?;
        let bytes = std::fs::read(&path).map_err(io_error(&path))?;
        let cleaned = clean(&bytes, name, boxes)?;
        let stored = self.save(name, cleaned)?;
        std::fs::remove_file(&path).map_err(io_error(&path))?;
        Ok(stored)
    }

    /// Deletes a pending item.
    pub fn discard(&self, id: &str) -> Result<(), ScreenshotError> {
        let path = self.pending_path(id)?;
        std::fs::remove_file(&path).map_err(io_error(&path))
    }

    /// Writes a cleaned image as `NAME.png` (the name sanitised, `.png` added; `screenshot` when
    /// empty) without ever replacing a file: `NAME (2).png`, `NAME (3).png`...
    pub fn save(&self, name: &str, cleaned: Cleaned) -> Result<Stored, ScreenshotError> {
        self.ensure(&self.dir)?;
        let stem = file_stem(name);
        let mut counter = 1u32;
        loop {
            let file = if counter == 1 {
                format!("{stem}.png")
            } else {
                format!("{stem} ({counter}).png")
            };
            let path = self.dir.join(file);
            if !path.exists() {
                let mut temporary = private_temp(&path)?;
                temporary.write_all(&cleaned.png).map_err(io_error(&path))?;
                temporary.as_file().sync_all().map_err(io_error(&path))?;
                match temporary.persist_noclobber(&path) {
                    Ok(_) => return Ok(Stored { path, cleaned }),
                    Err(error) if error.error.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(error) => return Err(io_error(&path)(error.error)),
                }
            }
            counter += 1;
            if counter > 10_000 {
                return Err(ScreenshotError::Io {
                    path: self.dir.clone(),
                    source: std::io::Error::other(format!(
                        "too many screenshots named {stem}; choose another name"
                    )),
                });
            }
        }
    }

    /// Whether `path` is a file directly in this store's folder (not a pending one): the only
    /// files a thumbnail may be read from.
    pub fn contains(&self, path: &Path) -> bool {
        let (Ok(dir), Ok(file)) = (
            std::fs::canonicalize(&self.dir),
            std::fs::canonicalize(path),
        ) else {
            return false;
        };
        file.parent() == Some(dir.as_path()) && file.is_file()
    }
}

/// What the editor needs of a pending item: the image without boxes as a `data:` URL, its size,
/// the metadata that will be dropped, and the proposed name.
fn pending_view(id: String, name: &str, preview: Cleaned) -> crate::wire::PendingScreenshot {
    use base64::Engine as _;
    crate::wire::PendingScreenshot {
        id,
        name: file_stem(name),
        width: preview.width,
        height: preview.height,
        data_url: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&preview.png)
        ),
        stripped: preview.stripped,
    }
}

/// A file name stem from what the user typed: sanitised, without an image extension, not empty,
/// not hidden, at most 80 characters.
pub fn file_stem(name: &str) -> String {
    let trimmed = name.trim();
    let lower = trimmed.to_ascii_lowercase();
    let without = [".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"]
        .iter()
        .find_map(|ext| {
            lower
                .ends_with(ext)
                .then(|| &trimmed[..trimmed.len() - ext.len()])
        })
        .unwrap_or(trimmed);
    let flat = without.replace(['/', '\\'], "_");
    let mut stem = sanitize_component(std::ffi::OsStr::new(&flat));
    stem = stem.trim_start_matches('.').trim().to_owned();
    if stem.chars().count() > 80 {
        stem = stem.chars().take(80).collect::<String>().trim().to_owned();
    }
    if stem.is_empty() {
        "screenshot".to_owned()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, RgbImage};

    fn gradient(width: u32, height: u32) -> RgbImage {
        ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x * 7 % 251) as u8 + 1, (y * 5 % 251) as u8 + 1, 200])
        })
    }

    fn png_of(image: &RgbImage) -> Vec<u8> {
        encode_png(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("png")
    }

    fn decode(png: &[u8]) -> RgbImage {
        image::load_from_memory(png).expect("decode").into_rgb8()
    }

    fn crc(bytes: &[u8]) -> u32 {
        crc32fast::hash(bytes)
    }

    /// Inserts a chunk right after IHDR (the signature is 8 bytes, IHDR 25).
    fn with_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = Vec::new();
        chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        chunk.extend_from_slice(&body);
        chunk.extend_from_slice(&crc(&body).to_be_bytes());
        let mut out = png[..33].to_vec();
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&png[33..]);
        out
    }

    /// A little-endian TIFF block with the given (tag, type, count, value) entries in IFD0.
    fn tiff(entries: &[(u16, u16, u32, [u8; 4])], extra: &[u8]) -> Vec<u8> {
        let mut out = b"II*\0".to_vec();
        out.extend_from_slice(&8u32.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(value);
        }
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(extra);
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }

    #[test]
    fn black_out_pixels_are_exactly_black_and_the_others_untouched() {
        let original = gradient(40, 30);
        let cleaned = clean(
            &png_of(&original),
            "shot.png",
            &[
                BlackOut {
                    x: 5,
                    y: 4,
                    width: 10,
                    height: 6,
                },
                // Overlaps the right and bottom edges: clamped.
                BlackOut {
                    x: 35,
                    y: 25,
                    width: 100,
                    height: 100,
                },
            ],
        )
        .expect("clean");
        assert_eq!((cleaned.width, cleaned.height, cleaned.boxes), (40, 30, 2));
        let out = decode(&cleaned.png);
        for (x, y, pixel) in out.enumerate_pixels() {
            let inside = (5..15).contains(&x) && (4..10).contains(&y) || (x >= 35 && y >= 25);
            if inside {
                assert_eq!(*pixel, Rgb([0, 0, 0]), "({x},{y}) should be black");
            } else {
                assert_eq!(
                    pixel,
                    original.get_pixel(x, y),
                    "({x},{y}) should be untouched"
                );
            }
        }
    }

    #[test]
    fn png_text_chunks_are_dropped_and_reported() {
        let png = png_of(&gradient(8, 8));
        let dirty = with_chunk(&png, b"tEXt", b"Comment\0FAKE-secret-in-png-text");
        let dirty = with_chunk(&dirty, b"iTXt", b"Author\0\0\0\0\0FAKE-secret-in-png-itxt");
        assert!(contains(&dirty, b"FAKE-secret-in-png-text"));
        let cleaned = clean(&dirty, "dirty.png", &[]).expect("clean");
        assert!(!contains(&cleaned.png, b"FAKE-secret-in-png-text"));
        assert!(!contains(&cleaned.png, b"FAKE-secret-in-png-itxt"));
        for chunk in [b"tEXt", b"iTXt", b"zTXt", b"eXIf"] {
            assert!(!contains(&cleaned.png, chunk), "{chunk:?} in the output");
        }
        assert!(
            cleaned.stripped.contains(&"PNG text chunks".to_owned()),
            "{:?}",
            cleaned.stripped
        );
        assert_eq!(decode(&cleaned.png), gradient(8, 8));
    }

    /// A JPEG with an APP1 EXIF segment (GPS pointer, camera make, a fake secret string) and a
    /// comment, inserted after SOI.
    fn jpeg_with_exif(image: &RgbImage, orientation: Option<u16>) -> Vec<u8> {
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode_image(image)
            .expect("jpeg");
        let make = b"FAKE-secret-camera-make\0";
        // IFD0 at 8; entries follow; strings after the IFD.
        let mut entries = vec![];
        let entry_count = 2 + usize::from(orientation.is_some());
        let data_at = (8 + 2 + entry_count * 12 + 4) as u32;
        entries.push((0x010f, 2u16, make.len() as u32, data_at.to_le_bytes()));
        if let Some(value) = orientation {
            let mut bytes = [0u8; 4];
            bytes[..2].copy_from_slice(&value.to_le_bytes());
            entries.push((0x0112, 3, 1, bytes));
        }
        entries.push((0x8825, 4, 1, [0, 0, 0, 0]));
        let exif = tiff(&entries, make);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&exif);
        let mut segment = vec![0xff, 0xe1];
        segment.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        segment.extend_from_slice(&app1);
        let comment = b"FAKE-secret-jpeg-comment";
        segment.extend_from_slice(&[0xff, 0xfe]);
        segment.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
        segment.extend_from_slice(comment);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&segment);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn jpeg_exif_and_comments_are_dropped_and_named() {
        let jpeg = jpeg_with_exif(&gradient(16, 16), None);
        assert!(contains(&jpeg, b"FAKE-secret-camera-make"));
        let cleaned = clean(&jpeg, "phone.jpg", &[]).expect("clean");
        assert!(!contains(&cleaned.png, b"FAKE-secret-camera-make"));
        assert!(!contains(&cleaned.png, b"FAKE-secret-jpeg-comment"));
        assert!(!contains(&cleaned.png, b"Exif"));
        assert!(cleaned.png.starts_with(b"\x89PNG"));
        assert_eq!(
            cleaned.stripped,
            vec![
                "EXIF (GPS position, camera)".to_owned(),
                "JPEG comment".to_owned()
            ]
        );
    }

    #[test]
    fn exif_orientation_is_applied_before_boxes() {
        // 6 = rotate 90° clockwise: a 2x1 image comes out 1x2.
        let mut wide = RgbImage::new(2, 1);
        wide.put_pixel(0, 0, Rgb([250, 10, 10]));
        wide.put_pixel(1, 0, Rgb([10, 10, 250]));
        let jpeg = jpeg_with_exif(&wide, Some(6));
        let cleaned = clean(&jpeg, "sideways.jpg", &[]).expect("clean");
        assert_eq!((cleaned.width, cleaned.height), (1, 2));
        assert!(cleaned.rotated);
        let out = decode(&cleaned.png);
        // The left (red) pixel is on top after a clockwise turn.
        assert!(out.get_pixel(0, 0)[0] > 150 && out.get_pixel(0, 1)[2] > 150);
        // A box at (0,1) is in the turned image: it exists only there.
        let boxed = clean(
            &jpeg,
            "sideways.jpg",
            &[BlackOut {
                x: 0,
                y: 1,
                width: 1,
                height: 1,
            }],
        )
        .expect("clean");
        assert_eq!(*decode(&boxed.png).get_pixel(0, 1), Rgb([0, 0, 0]));
    }

    /// A tiny IDAT (a zlib stream of a few zero bytes) and IEND, so the header is all that is big.
    fn finish_png(png: &mut Vec<u8>) {
        for (kind, data) in [
            (
                &b"IDAT"[..],
                &[0x78u8, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01][..],
            ),
            (&b"IEND"[..], &[][..]),
        ] {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            png.extend_from_slice(&body);
            png.extend_from_slice(&crc(&body).to_be_bytes());
        }
    }

    #[test]
    fn a_bomb_header_is_refused_without_decoding() {
        // A valid PNG signature and IHDR declaring 100000x100000 RGBA, then nothing.
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc(&ihdr).to_be_bytes());
        finish_png(&mut png);
        let error = clean(&png, "bomb.png", &[]).expect_err("refused");
        assert_eq!(error.code(), "image_too_large");
        assert!(error.to_string().contains("bomb.png"), "{error}");
        assert!(error.to_string().contains("100000x100000"), "{error}");
        // Within each side's limit but over the memory cap.
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&16_000u32.to_be_bytes());
        ihdr.extend_from_slice(&16_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[16, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc(&ihdr).to_be_bytes());
        finish_png(&mut png);
        assert_eq!(
            clean(&png, "wide.png", &[]).expect_err("refused").code(),
            "image_too_large"
        );
    }

    #[test]
    fn a_file_that_is_not_an_image_is_named_in_the_error() {
        let error = clean(b"just some text, FAKE-token-1", "notes.txt", &[]).expect_err("no");
        assert_eq!(error.code(), "image_invalid");
        assert!(
            error.to_string().starts_with("notes.txt is not an image"),
            "{error}"
        );
        let truncated = &png_of(&gradient(8, 8))[..40];
        assert_eq!(
            clean(truncated, "cut.png", &[]).expect_err("no").code(),
            "image_invalid"
        );
    }

    #[test]
    fn a_box_outside_the_image_or_empty_is_refused() {
        let png = png_of(&gradient(10, 10));
        let outside = clean(
            &png,
            "a.png",
            &[BlackOut {
                x: 10,
                y: 0,
                width: 5,
                height: 5,
            }],
        )
        .expect_err("outside");
        assert_eq!(outside.code(), "black_out_invalid");
        assert!(
            outside.to_string().contains("outside the 10x10 image"),
            "{outside}"
        );
        let empty = clean(
            &png,
            "a.png",
            &[BlackOut {
                x: 1,
                y: 1,
                width: 0,
                height: 5,
            }],
        )
        .expect_err("empty");
        assert!(empty.to_string().contains("empty"), "{empty}");
    }

    #[test]
    fn black_out_parses_from_the_command_line_form() {
        assert_eq!(
            "10, 20,300,40".parse::<BlackOut>(),
            Ok(BlackOut {
                x: 10,
                y: 20,
                width: 300,
                height: 40
            })
        );
        assert!("10,20,300".parse::<BlackOut>().is_err());
        assert!("a,b,c,d".parse::<BlackOut>().is_err());
    }

    #[test]
    fn pending_items_left_from_a_closed_app_come_back_oldest_first() {
        let data = tempfile::tempdir().expect("temp");
        let store = Store::new(data.path(), "CF-ABCD-EFGH");
        assert!(store.pending().is_empty(), "no folder yet");
        let first = store
            .add_pending_image(&png_of(&gradient(4, 3)), "first.png")
            .expect("pending");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let second = store
            .add_pending_image(&png_of(&gradient(2, 2)), "second.png")
            .expect("pending");
        // A stray file in the pending folder is not an item.
        fs_err::write(
            data.path()
                .join("screenshots/CF-ABCD-EFGH/.pending/notes.txt"),
            "x",
        )
        .expect("write");
        let back = store.pending();
        let ids: Vec<&str> = back.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(ids, [first.id.as_str(), second.id.as_str()]);
        assert_eq!((back[0].width, back[0].height), (4, 3));
        assert_eq!(back[0].data_url, first.data_url);
        store.discard(&first.id).expect("discard");
        assert_eq!(store.pending().len(), 1);
    }

    #[test]
    fn the_store_numbers_names_keeps_pending_private_and_checks_ids() {
        let data = tempfile::tempdir().expect("temp");
        let store = Store::new(data.path(), "CF-ABCD-EFGH");
        let png = png_of(&gradient(4, 4));
        let id = store.add_pending(&png).expect("pending");
        assert_eq!(id.len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let pending = data.path().join("screenshots/CF-ABCD-EFGH/.pending");
            let mode =
                |path: &Path| std::fs::metadata(path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&pending), 0o700);
            assert_eq!(mode(&pending.join(&id)), 0o600);
        }
        for bad in ["../../drafts/x", "", "ABCDEF", &"0".repeat(32)] {
            assert_eq!(
                store.pending_bytes(bad).expect_err("bad id").code(),
                "not_found",
                "{bad:?}"
            );
        }
        let first = store.accept(&id, "Login error.PNG", &[]).expect("accept");
        assert!(
            first
                .path
                .ends_with("screenshots/CF-ABCD-EFGH/Login error.png")
        );
        assert!(
            store.pending_bytes(&id).is_err(),
            "the pending original is gone"
        );
        let again = store.add_pending(&png).expect("pending");
        let second = store.accept(&again, "Login error", &[]).expect("accept");
        assert!(
            second.path.ends_with("Login error (2).png"),
            "{:?}",
            second.path
        );
        assert!(store.contains(&second.path));
        assert!(!store.contains(&data.path().join("elsewhere.png")));
        let shown = store
            .add_pending_image(&png, "Login screen.png")
            .expect("pending image");
        assert_eq!(
            (shown.name.as_str(), shown.width, shown.height),
            ("Login screen", 4, 4)
        );
        assert!(
            shown
                .data_url
                .starts_with("data:image/png;base64,iVBORw0KGgo")
        );
        assert_eq!(
            store
                .add_pending_image(b"FAKE-token-not-an-image", "x.png")
                .expect_err("not an image")
                .code(),
            "image_invalid"
        );
        let third = store.add_pending(&png).expect("pending");
        store.discard(&third).expect("discard");
        assert_eq!(store.discard(&third).expect_err("gone").code(), "not_found");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first.path)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn names_are_sanitised_stems() {
        assert_eq!(file_stem("  "), "screenshot");
        let traversal = file_stem("../../etc/passwd");
        assert!(
            !traversal.contains('/') && !traversal.starts_with('.'),
            "{traversal}"
        );
        assert!(!file_stem("..\\x").contains('\\'));
        assert_eq!(file_stem(".hidden.png"), "hidden");
        assert_eq!(file_stem("photo.JPG"), "photo");
    }
}
