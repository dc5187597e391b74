//! Harness for end-to-end tests of the desktop app: starts `WebKitWebDriver`, which starts the
//! real `casefile-desktop` binary in a real WebKitGTK window, and hands back a WebDriver client.
//!
//! Needs an X display (run under `xvfb-run -a`), `WebKitWebDriver` on `PATH` and a built app
//! (`target/debug/casefile-desktop`, or the path in `CASEFILE_APP_BIN`). When one is missing the
//! tests are skipped with a message, unless `E2E_REQUIRED=1`, which turns that into a failure.
//! The driver runs in its own process group; dropping the [`Session`] kills that whole group
//! (driver, app and WebKit helper processes) and reaps the driver, so no process outlives a test.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// How long the driver may take to listen and the app to show its first screen.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

// ---- finding things the way a user does: headings, labels, button texts --------------------

/// Waits for the element an XPath names. When it never comes, the failure shows what the page
/// said instead, and a picture of the window is saved (its path is in the message).
pub async fn element(client: &Client, xpath: &str) -> Element {
    match client
        .wait()
        .at_most(STARTUP_TIMEOUT)
        .for_element(Locator::XPath(xpath))
        .await
    {
        Ok(found) => found,
        Err(error) => {
            let body = match client.find(Locator::Css("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let picture = std::env::temp_dir()
                .join(format!("casefile-e2e-failure-{}.png", std::process::id()));
            let saved = match client.screenshot().await {
                Ok(png) => std::fs::write(&picture, png).is_ok(),
                Err(_) => false,
            };
            panic!(
                "no element {xpath}: {error}\n{}the page shows:\n{body}",
                if saved {
                    format!("a picture of the window: {}\n", picture.display())
                } else {
                    String::new()
                }
            )
        }
    }
}

/// The text input or textarea whose `<label>` text starts with `label`.
pub async fn field(client: &Client, label: &str) -> Element {
    element(
        client,
        &format!(
            "//*[(self::input or self::textarea) and @id=//label[starts-with(normalize-space(), '{label}')]/@for]"
        ),
    )
    .await
}

/// Clicks the element an XPath names, once it is there.
pub async fn click(client: &Client, xpath: &str) {
    let target = element(client, xpath).await;
    press(client, &target, xpath).await;
}

/// Clicks `target` as a user would: scrolled to the middle of the window first, so the wizard's
/// sticky bar cannot cover it, and again after a moment while something still lies over it (a
/// status line settling, a scroll still under way). `what` names it in a failure.
pub async fn press(client: &Client, target: &Element, what: &str) {
    let mut attempts = 0;
    loop {
        if let Ok(reference) = serde_json::to_value(target) {
            // Scrolling is a courtesy: when it fails, the click below still says why.
            let _ = client
                .execute(
                    "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
                    vec![reference],
                )
                .await;
        }
        match target.click().await {
            Ok(()) => return,
            Err(error) => {
                let covered = matches!(
                    &error,
                    fantoccini::error::CmdError::Standard(webdriver)
                        if webdriver.error == fantoccini::error::ErrorStatus::ElementClickIntercepted
                );
                attempts += 1;
                assert!(covered && attempts < 20, "cannot click {what}: {error}");
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        }
    }
}

/// The XPath of the `h2` whose text is `text`.
pub fn heading(text: &str) -> String {
    format!("//h2[normalize-space()='{text}']")
}

/// The XPath of the button whose text is `text`.
pub fn button(text: &str) -> String {
    format!("//button[normalize-space()='{text}']")
}

/// Waits until the page's text contains `text`.
pub async fn wait_for_text(client: &Client, text: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let body = client
            .find(Locator::Css("body"))
            .await
            .expect("the page")
            .text()
            .await
            .unwrap_or_default();
        if body.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the page never showed {text:?}; it shows:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Goes on to step `to` right after typing, as a user does: Next waits for the save itself.
pub async fn next(client: &Client, to: usize) {
    click(client, &button(&format!("Next: step {to}"))).await;
}

/// The XPath of the radio button or checkbox whose label text starts with `label`.
pub fn choice(label: &str) -> String {
    format!(
        "//label[starts-with(normalize-space(), '{label}')]//input[@type='radio' or @type='checkbox'] | //input[(@type='radio' or @type='checkbox') and @id=//label[starts-with(normalize-space(), '{label}')]/@for]"
    )
}

/// The XPath of the radio button `answer` in the group (fieldset) whose legend is `question`.
pub fn answer(question: &str, answer: &str) -> String {
    format!(
        "//fieldset[legend[normalize-space()='{question}']]//label[starts-with(normalize-space(), '{answer}')]//input[@type='radio'] | //fieldset[legend[normalize-space()='{question}']]//input[@type='radio' and @id=//label[starts-with(normalize-space(), '{answer}')]/@for]"
    )
}

/// The files a folder channel saved in `folder`: the `.eml` and the `.zip`, by name.
pub fn saved_files(folder: &Path) -> (PathBuf, PathBuf) {
    let mut names: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    let [eml, zip] = [&names[0], &names[1]];
    assert!(
        eml.extension().is_some_and(|ext| ext == "eml")
            && zip.extension().is_some_and(|ext| ext == "zip"),
        "{names:?}"
    );
    (eml.clone(), zip.clone())
}

/// What `unzip` says about `zip`: `-l` lists it, `-p ENTRY` prints an entry.
pub fn unzip(args: &[&str], zip: &Path) -> String {
    let output = Command::new("unzip")
        .args(&args[..1])
        .arg(zip)
        .args(&args[1..])
        .output()
        .expect("unzip runs");
    assert!(
        output.status.success(),
        "unzip {args:?} {}: {}",
        zip.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Waits until the autosave status (the live region in the wizard's bar) says "Saved".
pub async fn wait_until_saved(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let statuses = client
            .find_all(Locator::XPath("//*[@role='status']"))
            .await
            .expect("status regions");
        for status in statuses {
            if status.text().await.is_ok_and(|text| text.trim() == "Saved") {
                return;
            }
        }
        assert!(Instant::now() < deadline, "the draft never showed Saved");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A running app under WebDriver control.
pub struct Session {
    /// The WebDriver client, attached to the app's main webview.
    pub client: Client,
    driver: DriverProcess,
}

/// Why the app could not be started.
#[derive(Debug)]
pub enum Unavailable {
    /// A precondition (display, driver, built app) is missing; the message says which.
    Missing(String),
    /// Everything was there but starting failed.
    Failed(String),
}

impl Session {
    /// Starts the app with `CASEFILE_CONFIG_DIR` set to `config_dir`.
    ///
    /// Returns `None` (after printing why) when a precondition is missing and `E2E_REQUIRED`
    /// is not `1`; panics when it is, and whenever starting fails for another reason.
    pub async fn start_or_skip(config_dir: &Path) -> Option<Session> {
        match Session::start(config_dir).await {
            Ok(session) => Some(session),
            Err(Unavailable::Missing(why))
                if std::env::var("E2E_REQUIRED").as_deref() != Ok("1") =>
            {
                eprintln!("skipped: {why} (set E2E_REQUIRED=1 to make this a failure)");
                None
            }
            Err(Unavailable::Missing(why) | Unavailable::Failed(why)) => {
                panic!("cannot run the end-to-end test: {why}")
            }
        }
    }

    /// Starts `WebKitWebDriver` on a free loopback port and opens a session on the app.
    pub async fn start(config_dir: &Path) -> Result<Session, Unavailable> {
        if std::env::var_os("DISPLAY").is_none_or(|display| display.is_empty()) {
            return Err(Unavailable::Missing(
                "no X display; run under `xvfb-run -a`".into(),
            ));
        }
        let app = app_binary();
        if !app.is_file() {
            return Err(Unavailable::Missing(format!(
                "no app at {}; build it with `cargo build -p casefile-desktop` (after `npm run build` in ui/)",
                app.display()
            )));
        }
        let port =
            free_port().map_err(|error| Unavailable::Failed(format!("no free port: {error}")))?;
        let driver = DriverProcess::spawn(port, config_dir)?;
        wait_for_port(port).await.map_err(Unavailable::Failed)?;

        let capabilities = serde_json::json!({
            "webkitgtk:browserOptions": { "binary": app, "args": [] },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let client = ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|error| {
                Unavailable::Failed(format!("WebDriver session on {}: {error}", app.display()))
            })?;
        Ok(Session { client, driver })
    }

    /// The app's process id: the driver's child running the app binary.
    pub fn app_pid(&self) -> Option<u32> {
        self.driver.app_pid()
    }

    /// Kills the app with SIGKILL, as a crash or a power cut would end it: no window close, no
    /// flush, no clean shutdown. Waits until the process is gone, then stops the driver (and
    /// the rest of its process group). Panics when there is no app process to kill.
    pub async fn kill_app_hard(self) {
        let Session { client, driver } = self;
        let pid = driver
            .app_pid()
            .expect("the app runs as a child of WebKitWebDriver");
        let killed = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success(), "kill -KILL {pid} failed");
        let deadline = Instant::now() + Duration::from_secs(10);
        while process_alive(pid) {
            assert!(
                Instant::now() < deadline,
                "the app (pid {pid}) outlived SIGKILL"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The WebDriver session died with the app; there is nothing to close.
        drop(client);
        drop(driver);
    }

    /// Ends the WebDriver session (the driver closes the app), waits for the app to exit so that
    /// the driver reaps it, then stops the driver.
    pub async fn close(self) {
        let Session { client, driver } = self;
        if let Err(error) = client.close().await {
            eprintln!("warning: closing the WebDriver session failed: {error}");
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while driver.group_has_others() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(driver);
    }
}

/// Agrees to the app's native confirmation whose title contains `title` (the GTK message dialog
/// Rust opens before it reads files the user typed rather than picked, or uses an untrusted
/// profile): waits up to `within` for it, focuses it and presses Return on its first button
/// (the agreeing one), again until it closes. False when no such dialog came or it stayed open.
/// Needs `xdotool`, which `scripts/setup.sh` installs.
pub fn agree_to_native_dialog(title: &str, within: Duration) -> bool {
    let find = || {
        Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .ok()
            .and_then(|found| {
                String::from_utf8_lossy(&found.stdout)
                    .lines()
                    .next()
                    .map(|id| id.trim().to_owned())
                    .filter(|id| !id.is_empty())
            })
    };
    let deadline = Instant::now() + within;
    let mut seen = false;
    while Instant::now() < deadline {
        match find() {
            Some(dialog) => {
                seen = true;
                std::thread::sleep(Duration::from_millis(500));
                let _ = Command::new("xdotool")
                    .args(["windowfocus", "--sync", &dialog])
                    .status();
                let _ = Command::new("xdotool")
                    .args(["key", "--window", &dialog, "Return"])
                    .status();
                std::thread::sleep(Duration::from_millis(700));
            }
            None if seen => return true,
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    false
}

/// The app binary: `CASEFILE_APP_BIN`, or the debug build in the workspace's target folder.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CASEFILE_APP_BIN") {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), PathBuf::from);
    let binary = target.join("debug").join("casefile-desktop");
    // WebKitWebDriver wants an absolute path; canonicalize also removes the `../..`.
    binary.canonicalize().unwrap_or(binary)
}

/// `WebKitWebDriver`, leader of its own process group so that the app it starts can be killed
/// with it.
struct DriverProcess {
    child: Child,
}

impl DriverProcess {
    fn spawn(port: u16, config_dir: &Path) -> Result<DriverProcess, Unavailable> {
        let child = Command::new("WebKitWebDriver")
            .arg(format!("--port={port}"))
            .arg("--host=127.0.0.1")
            // Lets Tauri's webview accept automation; what tauri-driver sets on Linux.
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            // Inherited by the app: its user profiles come from this folder only.
            .env("CASEFILE_CONFIG_DIR", config_dir)
            // ...and its drafts and outbox from `data` in it, never the user's own.
            .env("CASEFILE_DATA_DIR", config_dir.join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => Unavailable::Missing(
                    "WebKitWebDriver is not on PATH (Debian package webkit2gtk-driver)".into(),
                ),
                _ => Unavailable::Failed(format!("cannot start WebKitWebDriver: {error}")),
            })?;
        Ok(DriverProcess { child })
    }
}

impl DriverProcess {
    /// The driver's child process that runs the app binary, if it runs.
    fn app_pid(&self) -> Option<u32> {
        let app = app_binary();
        let output = Command::new("pgrep")
            .args(["-P", &self.child.id().to_string()])
            .output()
            .ok()?;
        String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .filter_map(|pid| pid.parse::<u32>().ok())
            .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app))
    }

    /// Whether processes other than the driver (the app, WebKit's helpers) are still running
    /// in its process group.
    fn group_has_others(&self) -> bool {
        let driver = self.child.id().to_string();
        let Ok(output) = Command::new("pgrep").args(["-g", &driver]).output() else {
            return false;
        };
        String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .any(|pid| pid != driver)
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        // The group id is the driver's pid; a negative pid addresses the whole group.
        let group = format!("-{}", self.child.id());
        let killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        if !killed.is_ok_and(|status| status.success()) {
            // The group is already gone; make sure the driver itself is.
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Whether a process with this id still runs (a zombie, dead but not yet reaped, does not).
fn process_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the command name, which is in parentheses and may hold spaces.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

async fn wait_for_port(port: u16) -> Result<(), String> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!(
                "WebKitWebDriver did not listen on port {port} within {STARTUP_TIMEOUT:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
