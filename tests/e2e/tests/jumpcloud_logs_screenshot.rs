//! A JumpCloud agent request filed from the real app alone, with the agent's log and a
//! screenshot: the log is collected from its documented place (`/var/log/jcagent.log`), a window
//! is captured in the app, a region of it is blacked out in the editor, and the request is saved
//! through a folder channel. The bundle on disk is read back: the log redacted, the screenshot
//! under `screenshots/` with the black box burnt into its pixels and no metadata chunks.
#![cfg(all(unix, not(target_os = "macos")))]

use std::path::{Path, PathBuf};
use std::time::Duration;

use casefile_e2e::{
    Session, button, choice, click, element, field, heading, next, press, saved_files, unzip,
    wait_for_text,
};

const SUBJECT: &str = "Agent stops checking in after the 2026-12 update";
const PLANTED: &str = "FAKE-jc-e2e-connect-key-8812";
const AGENT_LOG: &str = "/var/log/jcagent.log";
const TARGET_TITLE: &str = "JumpCloud error dialog (e2e)";
/// The window the user captures: 300x200, filled with this colour.
const TARGET_RGB: [u8; 3] = [0xe7, 0x6f, 0x51];

/// `/var/log/jcagent.log` planted for the test, removed afterwards; an existing one (a machine
/// with the real agent) is left alone and used as it is.
struct PlantedLog {
    ours: bool,
}

impl PlantedLog {
    fn plant() -> Result<PlantedLog, String> {
        let path = Path::new(AGENT_LOG);
        if path.exists() {
            return Ok(PlantedLog { ours: false });
        }
        let text = format!(
            "2026-12-04 08:59:58 [jcagent] INFO Starting agent 3.14.0\n\
             2026-12-04 09:00:01 [jcagent] ERROR checkin to https://agent.jumpcloud.com failed: 401; connectKey={PLANTED}\n\
             2026-12-04 09:00:31 [jcagent] ERROR checkin retry failed, backing off 60s\n"
        );
        std::fs::write(path, text)
            .map(|()| PlantedLog { ours: true })
            .map_err(|error| format!("cannot plant {AGENT_LOG} ({error}); run as root"))
    }
}

impl Drop for PlantedLog {
    fn drop(&mut self) {
        if self.ours {
            let _ = std::fs::remove_file(AGENT_LOG);
        }
    }
}

mod x11 {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{
        AtomEnum, ConnectionExt as _, CreateWindowAux, PropMode, WindowClass,
    };
    use x11rb::rust_connection::RustConnection;
    use x11rb::wrapper::ConnectionExt as _;

    /// Opens a named 300x200 window of one colour at (40,40); it lives as long as the connection.
    pub(super) fn window(title: &str, rgb: [u8; 3]) -> Result<RustConnection, String> {
        let (conn, screen) = x11rb::connect(None).map_err(|error| error.to_string())?;
        let root = conn.setup().roots[screen].root;
        let id = conn.generate_id().map_err(|error| error.to_string())?;
        let pixel = u32::from(rgb[0]) << 16 | u32::from(rgb[1]) << 8 | u32::from(rgb[2]);
        conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            id,
            root,
            40,
            40,
            300,
            200,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new()
                .background_pixel(pixel)
                .override_redirect(1),
        )
        .map_err(|error| error.to_string())?;
        conn.change_property8(
            PropMode::REPLACE,
            id,
            AtomEnum::WM_NAME,
            AtomEnum::STRING,
            title.as_bytes(),
        )
        .map_err(|error| error.to_string())?;
        conn.map_window(id).map_err(|error| error.to_string())?;
        conn.flush().map_err(|error| error.to_string())?;
        conn.get_input_focus()
            .map_err(|error| error.to_string())?
            .reply()
            .map_err(|error| error.to_string())?;
        Ok(conn)
    }
}

/// Types `value` into the input with id `id`, replacing what it held.
async fn type_into(client: &fantoccini::Client, id: &str, value: &str) {
    let input = element(client, &format!("//input[@id='{id}']")).await;
    input.clear().await.expect("clear");
    input.send_keys(value).await.expect("type");
}

fn screenshot_entry(listing: &str) -> Option<String> {
    listing
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .find(|name| name.starts_with("screenshots/") && name.ends_with(".png"))
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jumpcloud_agent_request_goes_out_with_its_log_and_a_blacked_out_screenshot() {
    let required = std::env::var("E2E_REQUIRED").is_ok_and(|value| value == "1");
    if std::env::var_os("DISPLAY").is_none() {
        assert!(
            !required,
            "E2E_REQUIRED=1 but no DISPLAY: run under xvfb-run"
        );
        eprintln!("skipped: no DISPLAY");
        return;
    }
    let log = match PlantedLog::plant() {
        Ok(log) => log,
        Err(why) => {
            assert!(!required, "E2E_REQUIRED=1 but {why}");
            eprintln!("skipped: {why}");
            return;
        }
    };
    let config_dir = tempfile::tempdir().expect("a temporary folder");
    let outgoing = config_dir.path().join("outgoing");
    std::fs::write(
        config_dir.path().join("config.toml"),
        format!(
            "[channels.folder]\nkind = \"folder\"\npath = \"{}\"\n",
            outgoing.display()
        ),
    )
    .expect("config.toml");
    let _target = x11::window(TARGET_TITLE, TARGET_RGB).expect("a window to capture");

    let Some(session) = Session::start_or_skip(config_dir.path()).await else {
        return;
    };
    let client = &session.client;
    element(client, &heading("New request")).await;
    click(
        client,
        "//label[.//strong[normalize-space()='JumpCloud']]//input[@type='radio']",
    )
    .await;
    click(client, &choice("Standard")).await;
    click(client, &button("Start request")).await;

    // 1 Vendor and contact.
    element(client, &heading("Step 1: Vendor and contact")).await;
    field(client, "Contact name")
        .await
        .send_keys("Ada Example")
        .await
        .expect("contact name");
    field(client, "E-mail")
        .await
        .send_keys("ada@example.test")
        .await
        .expect("e-mail");
    // JumpCloud's "You file as" (who may submit, and where partners' requests go).
    click(
        client,
        &choice("An active Administrator of our JumpCloud account"),
    )
    .await;
    next(client, 2).await;

    // 2 Problem, in JumpCloud's words.
    element(client, &heading("Step 2: Problem")).await;
    click(client, &choice("Agent on a device")).await;
    field(client, "Subject")
        .await
        .send_keys(SUBJECT)
        .await
        .expect("subject");
    field(client, "Detailed issue description")
        .await
        .send_keys("Since the December update the Linux agent on build hosts stops checking in.")
        .await
        .expect("description");
    field(client, "Troubleshooting actions taken")
        .await
        .send_keys("Restarted jcagent; reinstalled the agent on one host.")
        .await
        .expect("troubleshooting");
    field(client, "Pertinent error messages")
        .await
        .send_keys("checkin failed: 401")
        .await
        .expect("error messages");
    next(client, 3).await;

    element(client, &heading("Step 3: Scope")).await;
    next(client, 4).await;

    // 4 Impact and priority: JumpCloud's Severity 2.
    element(client, &heading("Step 4: Impact and priority")).await;
    click(
        client,
        "//fieldset[.//legend[starts-with(normalize-space(), 'Priority')]]//input[@type='radio' and @value='2']",
    )
    .await;
    next(client, 5).await;

    // 5 Evidence: the agent log is asked for and found; a window is captured and blacked out.
    element(client, &heading("Step 5: Evidence")).await;
    // The choices of what is collected are behind a disclosure; the step leads with a summary.
    click(
        client,
        "//button[starts-with(normalize-space(), 'Change what')]",
    )
    .await;
    wait_for_text(client, AGENT_LOG, Duration::from_secs(30)).await;
    let snapshot = element(client, &choice("Add the support snapshot")).await;
    if snapshot.prop("checked").await.ok().flatten().as_deref() == Some("true") {
        press(client, &snapshot, "the snapshot tick box").await;
    }
    click(client, &button("Capture a window…")).await;
    let windows = element(client, "//select[@id='window-choice']").await;
    windows
        .select_by_label(&format!("{TARGET_TITLE} (300 × 200)"))
        .await
        .expect("the target window is listed");
    click(client, &button("Capture this window")).await;
    element(
        client,
        "//h4[normalize-space()='Black out what must not be sent']",
    )
    .await;
    type_into(client, "box-x", "0").await;
    type_into(client, "box-y", "0").await;
    type_into(client, "box-width", "120").await;
    type_into(client, "box-height", "80").await;
    click(client, &button("Add box")).await;
    element(client, "//ul[@aria-label='Black-out boxes']/li").await;
    type_into(client, "screenshot-name", "agent-error").await;
    click(client, &button("Add to evidence")).await;
    wait_for_text(client, "agent-error.png", Duration::from_secs(15)).await;
    click(client, &button("Build the bundle")).await;
    element(client, "//h3[normalize-space()='The bundle']").await;
    wait_for_text(client, "Leak check passed", Duration::from_secs(30)).await;
    next(client, 6).await;

    // 6 Review: the request as JumpCloud reads it (loaded last, so the page has settled), and
    // the screenshot among the files it gets.
    element(client, &heading("Step 6: Review")).await;
    // Drawn as JumpCloud's viewer shows it: the section is a heading, not "## ..." source.
    element(
        client,
        "//article[@aria-label='The request as the vendor reads it']//h5[normalize-space()='Troubleshooting actions taken']",
    )
    .await;
    wait_for_text(
        client,
        "screenshots/agent-error.png",
        Duration::from_secs(15),
    )
    .await;
    next(client, 7).await;

    // 7 Send, through the folder channel.
    element(client, &heading("Step 7: Send")).await;
    click(client, &button("Save e-mail for sending")).await;
    wait_for_text(client, "Still to do:", Duration::from_secs(30)).await;
    session.close().await;

    let (eml, zip) = saved_files(&outgoing);
    let listing = unzip(&["-l"], &zip);
    assert!(listing.contains("jcagent.log"), "{listing}");
    let entry = screenshot_entry(&listing).expect("a screenshot in the bundle");
    assert_eq!(entry, "screenshots/agent-error.png");
    let markdown = unzip(&["-p", "request.md"], &zip);
    assert!(markdown.contains(SUBJECT), "{markdown}");
    assert!(markdown.contains("Severity 2"), "{markdown}");

    let log_entry = listing
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .find(|name| name.ends_with("jcagent.log"))
        .expect("the log entry")
        .to_owned();
    let collected = unzip(&["-p", &log_entry], &zip);
    if log.ours {
        assert!(collected.contains("checkin retry failed"), "{collected}");
    }
    assert!(!collected.contains(PLANTED), "the connect key is redacted");
    assert!(
        !std::fs::read_to_string(&eml)
            .expect("the .eml")
            .contains(PLANTED)
    );

    // The screenshot: the window's pixels, the box black, nothing but image data in the PNG.
    let png = std::process::Command::new("unzip")
        .args(["-p"])
        .arg(&zip)
        .arg(&entry)
        .output()
        .expect("unzip -p")
        .stdout;
    for chunk in [&b"tEXt"[..], b"iTXt", b"zTXt", b"eXIf", b"tIME"] {
        assert!(
            !png.windows(4).any(|window| window == chunk),
            "the PNG carries a {} chunk",
            String::from_utf8_lossy(chunk)
        );
    }
    let image = image::load_from_memory(&png)
        .expect("a PNG image")
        .to_rgb8();
    assert_eq!(image.dimensions(), (300, 200));
    assert_eq!(image.get_pixel(5, 5).0, [0, 0, 0], "inside the box");
    assert_eq!(
        image.get_pixel(119, 79).0,
        [0, 0, 0],
        "the box's far corner"
    );
    assert_eq!(image.get_pixel(150, 150).0, TARGET_RGB, "outside the box");
    assert_eq!(image.get_pixel(125, 10).0, TARGET_RGB, "right of the box");
    let _: PathBuf = zip;
}
