//! Capturing the screen or one window.
//!
//! On Linux and the BSDs with an X display (`DISPLAY`, also XWayland), through the X protocol
//! (`x11rb`, no C library): the whole screen is the root window's image; a window is the part of
//! the screen it covers, frame included, so what the user sees (decorations, anything overlapping)
//! is what is captured. Elsewhere (Wayland without X, macOS, Windows) every function returns
//! [`ScreenshotError::CaptureUnavailable`]: take a screenshot with the system's tool and pick the
//! file instead.

use serde::{Deserialize, Serialize};

use super::ScreenshotError;

/// A top-level window that can be captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowInfo {
    /// The window's id on the display.
    pub id: u32,
    /// Its title.
    pub title: String,
    /// Left edge on the screen, frame included.
    pub x: i32,
    /// Top edge on the screen, frame included.
    pub y: i32,
    /// Width in pixels, frame included.
    pub width: u32,
    /// Height in pixels, frame included.
    pub height: u32,
}

/// A capture: a PNG with no metadata and its size.
#[derive(Debug, Clone)]
pub struct Shot {
    /// The PNG file's bytes.
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// What to capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The whole screen.
    Screen,
    /// The window with this id (see [`list_windows`]).
    Window(u32),
}

/// The windows that can be captured, in stacking order from the bottom.
pub fn list_windows() -> Result<Vec<WindowInfo>, ScreenshotError> {
    platform::list_windows()
}

/// Captures the screen or a window.
pub fn capture(target: Target) -> Result<Shot, ScreenshotError> {
    platform::capture(target)
}

/// The window a person means by `query`: an id (decimal or `0x` hex) of a listed window, else
/// the window whose title is `query` (ignoring case), else the one window whose title contains
/// it. None, or several, is an error that says which windows there are.
pub fn find_window(windows: &[WindowInfo], query: &str) -> Result<WindowInfo, ScreenshotError> {
    let query = query.trim();
    let id = query
        .strip_prefix("0x")
        .map(|hex| u32::from_str_radix(hex, 16).ok())
        .unwrap_or_else(|| query.parse().ok());
    if let Some(found) = id.and_then(|id| windows.iter().find(|window| window.id == id)) {
        return Ok(found.clone());
    }
    let lower = query.to_lowercase();
    if let Some(found) = windows
        .iter()
        .find(|window| window.title.to_lowercase() == lower)
    {
        return Ok(found.clone());
    }
    let matches: Vec<&WindowInfo> = windows
        .iter()
        .filter(|window| window.title.to_lowercase().contains(&lower))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(ScreenshotError::WindowNotFound(format!(
            "matches {query:?}"
        ))),
        several => Err(ScreenshotError::WindowNotFound(format!(
            "is the only one matching {query:?}: {} do ({}); give more of the title or the id",
            several.len(),
            several
                .iter()
                .map(|window| format!("{} {:?}", window.id, window.title))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{
        AtomEnum, ConnectionExt as _, ImageFormat, ImageOrder, MapState, Window,
    };
    use x11rb::rust_connection::RustConnection;

    use super::{Shot, Target, WindowInfo};
    use crate::evidence::screenshot::{ScreenshotError, encode_png};

    fn failed(error: impl std::fmt::Display) -> ScreenshotError {
        ScreenshotError::Capture(error.to_string())
    }

    fn connect() -> Result<(RustConnection, usize), ScreenshotError> {
        if std::env::var_os("DISPLAY").is_none_or(|display| display.is_empty()) {
            let detail = if std::env::var_os("WAYLAND_DISPLAY").is_some() {
                "; Casefile captures through X, and this Wayland session has no X display (DISPLAY is not set)"
            } else {
                "; there is no X display (DISPLAY is not set)"
            };
            return Err(ScreenshotError::CaptureUnavailable {
                detail: detail.to_owned(),
            });
        }
        x11rb::connect(None).map_err(|error| ScreenshotError::CaptureUnavailable {
            detail: format!("; the X display cannot be reached ({error})"),
        })
    }

    fn atom(conn: &RustConnection, name: &[u8]) -> Result<u32, ScreenshotError> {
        Ok(conn
            .intern_atom(false, name)
            .map_err(failed)?
            .reply()
            .map_err(failed)?
            .atom)
    }

    fn title(conn: &RustConnection, window: Window, net_wm_name: u32, utf8: u32) -> String {
        let read = |property: u32, kind: u32| -> Option<Vec<u8>> {
            let reply = conn
                .get_property(false, window, property, kind, 0, 1024)
                .ok()?
                .reply()
                .ok()?;
            (!reply.value.is_empty()).then_some(reply.value)
        };
        if let Some(name) = read(net_wm_name, utf8) {
            return String::from_utf8_lossy(&name).trim().to_owned();
        }
        // WM_NAME is Latin-1 (STRING) or a compound text; read it as Latin-1.
        read(AtomEnum::WM_NAME.into(), AtomEnum::ANY.into())
            .map(|name| {
                name.iter()
                    .map(|&byte| char::from(byte))
                    .collect::<String>()
            })
            .map(|name| name.trim().to_owned())
            .unwrap_or_default()
    }

    /// The child of the root that holds `window` (its frame, under a window manager).
    fn top_level(
        conn: &RustConnection,
        root: Window,
        window: Window,
    ) -> Result<Window, ScreenshotError> {
        let mut current = window;
        for _ in 0..64 {
            let tree = conn
                .query_tree(current)
                .map_err(failed)?
                .reply()
                .map_err(|error| ScreenshotError::WindowNotFound(format!("{window} ({error})")))?;
            if tree.parent == root || tree.parent == x11rb::NONE {
                return Ok(current);
            }
            current = tree.parent;
        }
        Ok(current)
    }

    /// The on-screen rectangle of a root child.
    fn frame_geometry(
        conn: &RustConnection,
        root: Window,
        frame: Window,
    ) -> Result<(i32, i32, u32, u32), ScreenshotError> {
        let geometry = conn
            .get_geometry(frame)
            .map_err(failed)?
            .reply()
            .map_err(|error| ScreenshotError::WindowNotFound(format!("{frame} ({error})")))?;
        let origin = conn
            .translate_coordinates(frame, root, 0, 0)
            .map_err(failed)?
            .reply()
            .map_err(failed)?;
        let border = u32::from(geometry.border_width);
        Ok((
            i32::from(origin.dst_x) - border as i32,
            i32::from(origin.dst_y) - border as i32,
            u32::from(geometry.width) + 2 * border,
            u32::from(geometry.height) + 2 * border,
        ))
    }

    fn viewable(conn: &RustConnection, window: Window) -> bool {
        conn.get_window_attributes(window)
            .ok()
            .and_then(|cookie| cookie.reply().ok())
            .is_some_and(|attributes| attributes.map_state == MapState::VIEWABLE)
    }

    fn windows(conn: &RustConnection, screen: usize) -> Result<Vec<WindowInfo>, ScreenshotError> {
        let root = conn.setup().roots[screen].root;
        let net_client_list = atom(conn, b"_NET_CLIENT_LIST")?;
        let net_wm_name = atom(conn, b"_NET_WM_NAME")?;
        let utf8 = atom(conn, b"UTF8_STRING")?;
        let clients: Vec<Window> = conn
            .get_property(false, root, net_client_list, AtomEnum::WINDOW, 0, 4096)
            .map_err(failed)?
            .reply()
            .map_err(failed)?
            .value32()
            .map(Iterator::collect)
            .unwrap_or_default();
        let candidates = if clients.is_empty() {
            // No window manager (or one without EWMH): mapped children of the root.
            conn.query_tree(root)
                .map_err(failed)?
                .reply()
                .map_err(failed)?
                .children
        } else {
            clients
        };
        let mut found = Vec::new();
        for window in candidates {
            if !viewable(conn, window) {
                continue;
            }
            let title = title(conn, window, net_wm_name, utf8);
            if title.is_empty() {
                continue;
            }
            let Ok(frame) = top_level(conn, root, window) else {
                continue;
            };
            let Ok((x, y, width, height)) = frame_geometry(conn, root, frame) else {
                continue;
            };
            found.push(WindowInfo {
                id: window,
                title,
                x,
                y,
                width,
                height,
            });
        }
        Ok(found)
    }

    pub(super) fn list_windows() -> Result<Vec<WindowInfo>, ScreenshotError> {
        let (conn, screen) = connect()?;
        windows(&conn, screen)
    }

    pub(super) fn capture(target: Target) -> Result<Shot, ScreenshotError> {
        let (conn, screen_index) = connect()?;
        let screen = &conn.setup().roots[screen_index];
        let (root, screen_width, screen_height) = (
            screen.root,
            i32::from(screen.width_in_pixels),
            i32::from(screen.height_in_pixels),
        );
        let (x, y, width, height) = match target {
            Target::Screen => (0, 0, screen_width, screen_height),
            Target::Window(id) => {
                if !viewable(&conn, id) {
                    return Err(ScreenshotError::WindowNotFound(format!(
                        "{id} on the screen (closed or minimised?)"
                    )));
                }
                let frame = top_level(&conn, root, id)?;
                let (x, y, width, height) = frame_geometry(&conn, root, frame)?;
                // Only what is on the screen can be read from the root.
                let (x0, y0) = (x.max(0), y.max(0));
                let x1 = (x + width as i32).min(screen_width);
                let y1 = (y + height as i32).min(screen_height);
                if x1 <= x0 || y1 <= y0 {
                    return Err(ScreenshotError::WindowNotFound(format!(
                        "{id} on the screen (it lies outside it)"
                    )));
                }
                (x0, y0, x1 - x0, y1 - y0)
            }
        };
        grab(&conn, screen_index, x, y, width, height)
    }

    /// Reads a rectangle of the root window and converts it to RGB.
    fn grab(
        conn: &RustConnection,
        screen_index: usize,
        x: i32,
        y: i32,
        width: i32,
        height: i32,
    ) -> Result<Shot, ScreenshotError> {
        let setup = conn.setup();
        let screen = &setup.roots[screen_index];
        let to_i16 = |value: i32| i16::try_from(value).map_err(failed);
        let to_u16 = |value: i32| u16::try_from(value).map_err(failed);
        let image = conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                screen.root,
                to_i16(x)?,
                to_i16(y)?,
                to_u16(width)?,
                to_u16(height)?,
                !0,
            )
            .map_err(failed)?
            .reply()
            .map_err(failed)?;
        if image.depth != 24 && image.depth != 32 {
            return Err(ScreenshotError::CaptureUnavailable {
                detail: format!(
                    "; the screen has {}-bit colour, and Casefile reads 24 or 32",
                    image.depth
                ),
            });
        }
        let format = setup
            .pixmap_formats
            .iter()
            .find(|format| format.depth == image.depth)
            .ok_or_else(|| failed("the display lists no pixel format for its own depth"))?;
        if format.bits_per_pixel != 32 {
            return Err(ScreenshotError::CaptureUnavailable {
                detail: format!(
                    "; the screen stores {} bits per pixel, and Casefile reads 32",
                    format.bits_per_pixel
                ),
            });
        }
        let visual_id = if image.visual == 0 {
            screen.root_visual
        } else {
            image.visual
        };
        let visual = screen
            .allowed_depths
            .iter()
            .flat_map(|depth| depth.visuals.iter())
            .find(|visual| visual.visual_id == visual_id)
            .ok_or_else(|| failed("the display does not describe the image's visual"))?;
        let (width, height) = (width as usize, height as usize);
        let pad = usize::from(format.scanline_pad).max(8);
        let stride = (width * 32).div_ceil(pad) * pad / 8;
        if image.data.len() < stride * height {
            return Err(failed(format!(
                "the display sent {} bytes for a {width}x{height} image",
                image.data.len()
            )));
        }
        let little = setup.image_byte_order == ImageOrder::LSB_FIRST;
        let channel = |pixel: u32, mask: u32| -> u8 {
            if mask == 0 {
                return 0;
            }
            let shifted = (pixel & mask) >> mask.trailing_zeros();
            let bits = mask.count_ones();
            if bits >= 8 {
                (shifted >> (bits - 8)) as u8
            } else {
                // Scale up a narrow channel to the full 0..=255 range.
                ((shifted * 255) / ((1 << bits) - 1)) as u8
            }
        };
        let mut rgb = Vec::with_capacity(width * height * 3);
        for row in image.data.chunks_exact(stride).take(height) {
            for bytes in row.chunks_exact(4).take(width) {
                let raw = [bytes[0], bytes[1], bytes[2], bytes[3]];
                let pixel = if little {
                    u32::from_le_bytes(raw)
                } else {
                    u32::from_be_bytes(raw)
                };
                rgb.push(channel(pixel, visual.red_mask));
                rgb.push(channel(pixel, visual.green_mask));
                rgb.push(channel(pixel, visual.blue_mask));
            }
        }
        let (width, height) = (width as u32, height as u32);
        let png =
            encode_png(&rgb, width, height, image::ExtendedColorType::Rgb8).map_err(failed)?;
        Ok(Shot { png, width, height })
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use x11rb::protocol::xproto::{CreateWindowAux, PropMode, WindowClass};
        use x11rb::wrapper::ConnectionExt as _;

        /// Creates a 120x80 window at (40,30) filled with #3366cc; `None` (with the reason
        /// printed) when there is no display and E2E_REQUIRED is not 1.
        fn window(conn: &RustConnection, screen: usize, title: &[u8]) -> Window {
            let screen = &conn.setup().roots[screen];
            let id = conn.generate_id().expect("id");
            conn.create_window(
                x11rb::COPY_DEPTH_FROM_PARENT,
                id,
                screen.root,
                40,
                30,
                120,
                80,
                0,
                WindowClass::INPUT_OUTPUT,
                0,
                &CreateWindowAux::new()
                    .background_pixel(0x33_66cc)
                    .override_redirect(1),
            )
            .expect("create");
            conn.change_property8(
                PropMode::REPLACE,
                id,
                AtomEnum::WM_NAME,
                AtomEnum::STRING,
                title,
            )
            .expect("title");
            conn.map_window(id).expect("map");
            conn.flush().expect("flush");
            id
        }

        fn display_or_skip() -> Option<(RustConnection, usize)> {
            match connect() {
                Ok(connection) => Some(connection),
                Err(error) if std::env::var("E2E_REQUIRED").as_deref() == Ok("1") => {
                    panic!("E2E_REQUIRED=1 but no X display: {error}")
                }
                Err(error) => {
                    eprintln!("skipped: capture needs an X display (run under xvfb-run): {error}");
                    None
                }
            }
        }

        fn pixel(shot: &Shot, x: u32, y: u32) -> [u8; 3] {
            let image = image::load_from_memory(&shot.png).expect("png").into_rgb8();
            image.get_pixel(x, y).0
        }

        #[test]
        fn the_screen_and_a_window_are_captured_with_their_pixels() {
            let Some((conn, screen)) = display_or_skip() else {
                return;
            };
            let id = window(&conn, screen, b"Casefile capture test FAKE");
            // The server paints the background once the window is mapped: wait for it (bounded).
            let mut shot = capture(Target::Screen).expect("screen");
            for _ in 0..100 {
                if pixel(&shot, 100, 70) == [0x33, 0x66, 0xcc] {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
                shot = capture(Target::Screen).expect("screen");
            }
            let root = &conn.setup().roots[screen];
            assert_eq!(
                (shot.width, shot.height),
                (
                    u32::from(root.width_in_pixels),
                    u32::from(root.height_in_pixels)
                )
            );
            assert_eq!(pixel(&shot, 40, 30), [0x33, 0x66, 0xcc]);
            assert_eq!(pixel(&shot, 159, 109), [0x33, 0x66, 0xcc]);

            let listed = list_windows().expect("windows");
            let info = listed
                .iter()
                .find(|window| window.id == id)
                .unwrap_or_else(|| panic!("our window in {listed:?}"));
            assert_eq!(info.title, "Casefile capture test FAKE");
            assert_eq!((info.x, info.y, info.width, info.height), (40, 30, 120, 80));
            assert_eq!(
                super::super::find_window(&listed, "capture test fake")
                    .expect("by title")
                    .id,
                id
            );

            let own = capture(Target::Window(id)).expect("window");
            assert_eq!((own.width, own.height), (120, 80));
            let image = image::load_from_memory(&own.png).expect("png").into_rgb8();
            assert!(image.pixels().all(|pixel| pixel.0 == [0x33, 0x66, 0xcc]));
            conn.destroy_window(id).expect("destroy");
            conn.flush().expect("flush");
            assert_eq!(
                capture(Target::Window(0x7fff_fff0))
                    .expect_err("gone")
                    .code(),
                "window_not_found"
            );
        }
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
mod platform {
    use super::{Shot, Target, WindowInfo};
    use crate::evidence::screenshot::ScreenshotError;

    fn unavailable() -> ScreenshotError {
        ScreenshotError::CaptureUnavailable {
            detail: String::new(),
        }
    }

    pub(super) fn list_windows() -> Result<Vec<WindowInfo>, ScreenshotError> {
        Err(unavailable())
    }

    pub(super) fn capture(_target: Target) -> Result<Shot, ScreenshotError> {
        Err(unavailable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: u32, title: &str) -> WindowInfo {
        WindowInfo {
            id,
            title: title.to_owned(),
            x: 0,
            y: 0,
            width: 10,
            height: 10,
        }
    }

    #[test]
    fn a_window_is_found_by_id_exact_title_or_unique_part() {
        let windows = [
            info(17, "Terminal"),
            info(42, "Agent console"),
            info(43, "Agent logs"),
        ];
        assert_eq!(find_window(&windows, "42").expect("id").id, 42);
        assert_eq!(find_window(&windows, "0x2b").expect("hex").id, 43);
        assert_eq!(find_window(&windows, "terminal").expect("exact").id, 17);
        assert_eq!(find_window(&windows, "console").expect("part").id, 42);
        let several = find_window(&windows, "agent").expect_err("two");
        assert!(
            several.to_string().contains("42 \"Agent console\""),
            "{several}"
        );
        assert_eq!(
            find_window(&windows, "browser").expect_err("none").code(),
            "window_not_found"
        );
    }
}
