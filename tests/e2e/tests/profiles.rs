//! The real app, in a real WebKitGTK window, lists the vendor profiles it got over IPC, shows
//! the banner for a malformed user profile, and runs under its strict Content-Security-Policy.

use casefile_core::profile::Catalog;
use casefile_e2e::{STARTUP_TIMEOUT, Session};
use fantoccini::Locator;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn the_app_lists_the_built_in_profiles_over_ipc() {
    let config_dir = tempfile::tempdir().expect("a temporary folder");
    let profiles_dir = config_dir.path().join("profiles");
    std::fs::create_dir(&profiles_dir).expect("a profiles folder");
    std::fs::write(profiles_dir.join("broken.toml"), "id = \"acme\"\nname = \n")
        .expect("a broken profile");

    let Some(session) = Session::start_or_skip(config_dir.path()).await else {
        return;
    };
    let client = &session.client;

    assert_eq!(
        client.title().await.expect("the document title"),
        "Casefile"
    );

    // The app opens on the requests screen; the profiles are one section away.
    client
        .wait()
        .at_most(STARTUP_TIMEOUT)
        .for_element(Locator::XPath(
            "//nav[@aria-label='Sections']//button[normalize-space()='Vendor profiles']",
        ))
        .await
        .expect("the Vendor profiles section button")
        .click()
        .await
        .expect("open the profiles");
    let list = client
        .wait()
        .at_most(STARTUP_TIMEOUT)
        .for_element(Locator::Css("ul[aria-labelledby='profiles-heading']"))
        .await
        .expect("the profile list appears");
    let mut shown = Vec::new();
    for heading in list
        .find_all(Locator::Css("article h3"))
        .await
        .expect("profile cards")
    {
        shown.push(heading.text().await.expect("a card heading"));
    }
    let expected: Vec<String> = Catalog::load(None)
        .profiles
        .into_iter()
        .map(|loaded| loaded.profile.name)
        .collect();
    assert_eq!(expected.len(), 6, "the core ships six built-in profiles");
    assert_eq!(shown, expected);

    let banner = client
        .find(Locator::Css("aside[aria-labelledby='problems-heading']"))
        .await
        .expect("the banner");
    let banner_text = banner.text().await.expect("banner text");
    assert!(banner_text.contains("broken.toml:2"), "{banner_text}");

    // Inside the page: an inline script must be refused by the CSP, and an IPC round trip must
    // cause no violation (Tauri's custom-protocol IPC is allowed by `connect-src`).
    let probe = r#"
        const done = arguments[arguments.length - 1];
        const violations = [];
        document.addEventListener("securitypolicyviolation", (event) => {
            violations.push(event.effectiveDirective);
        });
        const inline = document.createElement("script");
        inline.textContent = "window.__casefileInlineRan = true;";
        document.head.appendChild(inline);
        window.__TAURI_INTERNALS__.invoke("list_vendor_profiles").then(
            (profiles) => {
                const report = () => done({
                    count: profiles.length,
                    inlineRan: window.__casefileInlineRan === true,
                    violations,
                });
                // The violation event is queued as a task; report once it has arrived.
                const started = Date.now();
                const poll = () => (violations.length > 0 || Date.now() - started > 5000 ? report() : setTimeout(poll, 20));
                poll();
            },
            (error) => done({ error: String(error) }),
        );
    "#;
    let report = client
        .execute_async(probe, vec![])
        .await
        .expect("the probe runs");
    assert_eq!(report["count"], Value::from(6), "{report}");
    assert_eq!(report["inlineRan"], Value::Bool(false), "{report}");
    assert_eq!(
        report["violations"],
        serde_json::json!(["script-src-elem"]),
        "{report}"
    );

    session.close().await;
}
