//! How long the way is from a new draft to a sent JumpCloud request with the default evidence,
//! in the real app at 1280×800: the screens each step takes (the page's height over the
//! window's, at its longest while the step is used) and the clicks the user makes. The numbers
//! are printed (and written to `$CASEFILE_MEASURE_OUT` when set), and the walk holds the app to
//! the goal of issue 13: one screen per step where the user did not ask for detail, the
//! Evidence step included, before and after the bundle is built.
#![cfg(all(unix, not(target_os = "macos")))]

use std::path::Path;
use std::time::{Duration, Instant};

use casefile_e2e::{Session, button, choice, element, field, heading, press};
use fantoccini::Client;

const AGENT_LOG: &str = "/var/log/jcagent.log";

/// `/var/log/jcagent.log` planted for the walk, removed afterwards; an existing one is used.
struct PlantedLog {
    ours: bool,
}

impl PlantedLog {
    fn plant() -> Result<PlantedLog, String> {
        if Path::new(AGENT_LOG).exists() {
            return Ok(PlantedLog { ours: false });
        }
        let mut text = String::new();
        for minute in 0..40 {
            text.push_str(&format!(
                "2026-12-04 08:{minute:02}:01 [jcagent] INFO checkin to https://agent.jumpcloud.com ok\n"
            ));
            text.push_str(&format!(
                "2026-12-04 08:{minute:02}:31 [jcagent] ERROR checkin retry failed, backing off 60s\n"
            ));
        }
        std::fs::write(AGENT_LOG, text)
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

/// The walk's tally: clicks, and the screens of each step.
#[derive(Default)]
struct Tally {
    clicks: u32,
    typed: u32,
    /// (step, screens at its longest), in order.
    screens: Vec<(String, f64)>,
}

impl Tally {
    async fn click(&mut self, client: &Client, xpath: &str) {
        let target = element(client, xpath).await;
        press(client, &target, xpath).await;
        self.clicks += 1;
    }

    async fn type_in(&mut self, client: &Client, label: &str, text: &str) {
        field(client, label)
            .await
            .send_keys(text)
            .await
            .expect("typing");
        self.typed += 1;
    }

    /// Records the page's height in windows for `step`, keeping the longest seen.
    async fn measure(&mut self, client: &Client, step: &str) {
        // Let the layout settle (previews and problem lists arrive after a save).
        tokio::time::sleep(Duration::from_millis(600)).await;
        let screens = client
            .execute(
                "return document.documentElement.scrollHeight / window.innerHeight;",
                vec![],
            )
            .await
            .expect("the page's height")
            .as_f64()
            .expect("a number");
        // With `$CASEFILE_MEASURE_PICTURES`, each step's whole page is kept as a picture.
        if let Some(dir) = std::env::var_os("CASEFILE_MEASURE_PICTURES") {
            let height = client
                .execute("return document.documentElement.scrollHeight;", vec![])
                .await
                .ok()
                .and_then(|value| value.as_u64())
                .unwrap_or(800);
            let _ = client.set_window_size(1280, height.max(800) as u32).await;
            if let Ok(png) = client.screenshot().await {
                let name = step.replace([' ', ','], "-");
                let _ = std::fs::write(Path::new(&dir).join(format!("{name}.png")), png);
            }
            let _ = client.set_window_size(1280, 800).await;
        }
        match self.screens.iter_mut().find(|(name, _)| name == step) {
            Some((_, longest)) => *longest = longest.max(screens),
            None => self.screens.push((step.to_owned(), screens)),
        }
    }

    fn report(&self, viewport: &str) -> String {
        let mut text = format!("viewport {viewport}\n");
        let mut total = 0.0;
        for (step, screens) in &self.screens {
            total += screens.ceil();
            text.push_str(&format!("{step}: {screens:.2} screens\n"));
        }
        text.push_str(&format!(
            "screens in all (each step rounded up): {total}\nclicks: {}\nfields typed: {}\n",
            self.clicks, self.typed
        ));
        text
    }
}

/// Waits until the page's text contains one of `texts`.
async fn wait_for_any(client: &Client, texts: &[&str], within: Duration) {
    let start = Instant::now();
    loop {
        let body = client
            .execute("return document.body.innerText;", vec![])
            .await
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        if texts.iter().any(|text| body.contains(text)) {
            return;
        }
        assert!(
            start.elapsed() < within,
            "none of {texts:?} appeared; the page shows:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_jumpcloud_request_is_sent_in_one_screen_per_step() {
    let required = std::env::var("E2E_REQUIRED").is_ok_and(|value| value == "1");
    if std::env::var_os("DISPLAY").is_none() {
        assert!(
            !required,
            "E2E_REQUIRED=1 but no DISPLAY: run under xvfb-run"
        );
        eprintln!("skipped: no DISPLAY");
        return;
    }
    let _log = match PlantedLog::plant() {
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
    let Some(session) = Session::start_or_skip(config_dir.path()).await else {
        return;
    };
    let client = &session.client;
    client
        .set_window_size(1280, 800)
        .await
        .expect("a 1280×800 window");
    let viewport = client
        .execute(
            "return window.innerWidth + 'x' + window.innerHeight;",
            vec![],
        )
        .await
        .expect("the viewport")
        .as_str()
        .unwrap_or("?")
        .to_owned();
    let mut tally = Tally::default();

    element(client, &heading("New request")).await;
    tally
        .click(
            client,
            "//label[.//strong[normalize-space()='JumpCloud']]//input[@type='radio']",
        )
        .await;
    tally.click(client, &choice("Standard")).await;
    tally.click(client, &button("Start request")).await;

    element(client, &heading("Step 1: Vendor and contact")).await;
    tally.measure(client, "1 Vendor and contact").await;
    tally.type_in(client, "Contact name", "Ada Example").await;
    tally.type_in(client, "E-mail", "ada@example.test").await;
    tally
        .click(
            client,
            &choice("An active Administrator of our JumpCloud account"),
        )
        .await;
    tally.measure(client, "1 Vendor and contact").await;
    tally.click(client, &button("Next: step 2")).await;

    element(client, &heading("Step 2: Problem")).await;
    tally.click(client, &choice("Agent on a device")).await;
    tally.measure(client, "2 Problem").await;
    tally
        .type_in(
            client,
            "Subject",
            "Agent stops checking in after the update",
        )
        .await;
    tally
        .type_in(
            client,
            "Detailed issue description",
            "Since the December update the Linux agent stops checking in.",
        )
        .await;
    tally
        .type_in(
            client,
            "Troubleshooting actions taken",
            "Restarted jcagent; reinstalled the agent on one host.",
        )
        .await;
    tally
        .type_in(client, "Pertinent error messages", "checkin failed: 401")
        .await;
    tally.measure(client, "2 Problem").await;
    tally.click(client, &button("Next: step 3")).await;

    element(client, &heading("Step 3: Scope")).await;
    tally.measure(client, "3 Scope").await;
    tally.click(client, &button("Next: step 4")).await;

    element(client, &heading("Step 4: Impact and priority")).await;
    tally
        .click(
            client,
            "//fieldset[.//legend[starts-with(normalize-space(), 'Priority')]]//input[@type='radio' and @value='2']",
        )
        .await;
    tally.measure(client, "4 Impact and priority").await;
    tally.click(client, &button("Next: step 5")).await;

    element(client, &heading("Step 5: Evidence")).await;
    // The list of what is collected (before: "… once packed"; now: "We'll send: …").
    wait_for_any(
        client,
        &["once packed", "We'll send:"],
        Duration::from_secs(30),
    )
    .await;
    tally.measure(client, "5 Evidence, before the build").await;
    tally
        .click(client, "//button[normalize-space()='Build the bundle']")
        .await;
    element(client, "//h3[normalize-space()='The bundle']").await;
    tally.measure(client, "5 Evidence, bundle built").await;
    tally.click(client, &button("Next: step 6")).await;

    element(client, &heading("Step 6: Review")).await;
    tally.measure(client, "6 Review").await;
    tally.click(client, &button("Next: step 7")).await;

    element(client, &heading("Step 7: Send")).await;
    tally.measure(client, "7 Send").await;
    tally
        .click(
            client,
            "//button[normalize-space()='Send the request' or normalize-space()='Save e-mail for sending']",
        )
        .await;
    wait_for_any(client, &["Still to do:"], Duration::from_secs(60)).await;
    tally.measure(client, "7 Send, receipt").await;
    session.close().await;

    let report = tally.report(&viewport);
    eprintln!("{report}");
    if let Some(out) = std::env::var_os("CASEFILE_MEASURE_OUT") {
        std::fs::write(out, &report).expect("the measurement file");
    }
    assert!(
        std::fs::read_dir(&outgoing).is_ok_and(|mut entries| entries.next().is_some()),
        "the request was saved in the folder"
    );
    // The goal: one screen per step where the user asked for no detail. Steps 1, 2 and 4 hold
    // the vendor's own fields and questions (1.6, 2.4 and 1.5 screens here), the built bundle's
    // result and the Review show detail the user came for; the rest fits. Before issue 13 the
    // Evidence step alone took 3 screens (3.9 built) and the walk 22 screens in all.
    for step in [
        "3 Scope",
        "5 Evidence, before the build",
        "7 Send",
        "7 Send, receipt",
    ] {
        let screens = tally
            .screens
            .iter()
            .find(|(name, _)| name == step)
            .map(|(_, screens)| *screens)
            .expect("the step was measured");
        assert!(
            screens <= 1.0 + 1e-6,
            "{step} takes {screens:.2} screens at {viewport}, not one:\n{report}"
        );
    }
    let total: f64 = tally
        .screens
        .iter()
        .map(|(_, screens)| screens.ceil())
        .sum();
    assert!(total <= 17.0, "{total} screens in all:\n{report}");
    assert!(tally.clicks <= 14, "{} clicks:\n{report}", tally.clicks);
}
