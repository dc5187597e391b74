//! One redaction for everything that leaves, in the real app: a request whose description holds a
//! pasted secret (`connectKey: FAKE…`) and a user name, with a log that names the machine's user
//! (`for user jsmith-fake`, `/home/jsmith-fake/`) and the affected host. The redaction preview
//! highlights the replacements; the disclosure review at step 6 lists them; the user lets the
//! vendor see the host name (the toggle in the review), the bundle is built again, and the
//! request goes out through a folder channel. Every byte of the `.eml` (base64 and
//! quoted-printable parts decoded, the attached zip unpacked) is searched: the secret and the user
//! name are gone, the host name kept on purpose is there.
#![cfg(all(unix, not(target_os = "macos")))]

use std::path::Path;
use std::time::Duration;

use casefile_e2e::{
    Session, agree_to_native_dialog, button, click, element, field, heading, next, press,
    saved_files, unzip, wait_for_text,
};

const SUBJECT: &str = "Sync agent stops after the December update";
const SECRET: &str = "FAKEjcConnectKey0e2e4417ab93";
const USER: &str = "jsmith-fake";
const HOST: &str = "build-srv-07";

/// Every text the `.eml` carries: the raw message, each base64 part decoded, the message with
/// quoted-printable undone, and every entry of an attached zip.
fn everything_in(eml: &Path) -> String {
    let raw = std::fs::read(eml).expect("the .eml");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let mut all = text.clone();
    all.push('\n');
    all.push_str(&quoted_printable(&text));
    for part in base64_parts(&text) {
        if part.starts_with(b"PK\x03\x04") {
            let dir = tempfile::tempdir().expect("a folder");
            let zip = dir.path().join("attached.zip");
            std::fs::write(&zip, &part).expect("write the attached zip");
            all.push('\n');
            all.push_str(&unzip(&["-p"], &zip));
        } else {
            all.push('\n');
            all.push_str(&String::from_utf8_lossy(&part));
        }
    }
    all
}

/// The bodies of the MIME parts marked `Content-Transfer-Encoding: base64`, decoded.
fn base64_parts(eml: &str) -> Vec<Vec<u8>> {
    let mut parts = Vec::new();
    let lines: Vec<&str> = eml.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        let header = lines.get(index).copied().unwrap_or_default();
        index += 1;
        if !header
            .to_ascii_lowercase()
            .starts_with("content-transfer-encoding: base64")
        {
            continue;
        }
        // The rest of the part's headers, then a blank line, then the body.
        while lines.get(index).is_some_and(|line| !line.trim().is_empty()) {
            index += 1;
        }
        index += 1;
        let mut body = String::new();
        while let Some(line) = lines.get(index) {
            let line = line.trim();
            if line.is_empty() || line.starts_with("--") {
                break;
            }
            body.push_str(line);
            index += 1;
        }
        parts.push(decode_base64(&body));
    }
    parts
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for sextet in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    out
}

/// `text` with quoted-printable soft line breaks and `=XX` escapes undone.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (byte, hex) {
            (b'=', Some(decoded)) => {
                out.push(decoded);
                at += 3;
            }
            _ => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_secret_and_a_machine_user_never_leave_and_a_name_kept_on_purpose_does() {
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
    let log = config_dir.path().join("syncd.log");
    std::fs::write(
        &log,
        format!(
            "2026-12-04T09:00:00Z INFO session opened for user {USER} by (uid=0)\n\
             2026-12-04T09:00:01Z ERROR cannot read /home/{USER}/.config/syncd/syncd.conf\n\
             2026-12-04T09:00:02Z INFO agent on {HOST} checking in\n\
             2026-12-04T09:00:03Z ERROR sync from {HOST} failed for user {USER}\n"
        ),
    )
    .expect("a log");

    let Some(session) = Session::start_or_skip(config_dir.path()).await else {
        return;
    };
    let client = &session.client;
    element(client, &heading("New request")).await;
    click(
        client,
        "//label[.//strong[normalize-space()='Generic vendor']]//input[@type='radio']",
    )
    .await;
    click(client, &button("Start request")).await;

    // 1 Contact.
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
    next(client, 2).await;

    // 2 Problem: the user pastes a line of the agent's config, secret included.
    element(client, &heading("Step 2: Problem")).await;
    field(client, "Subject")
        .await
        .send_keys(SUBJECT)
        .await
        .expect("subject");
    field(client, "Description")
        .await
        .send_keys(&format!(
            "The sync agent stops after the December update. Its config says connectKey: {SECRET} and it fails for {USER} too."
        ))
        .await
        .expect("description");
    next(client, 3).await;

    // 3 Scope: the affected host.
    element(client, &heading("Step 3: Scope")).await;
    click(client, &button("Add endpoint")).await;
    element(client, "//input[@aria-label='Hostname, endpoint 1']")
        .await
        .send_keys(HOST)
        .await
        .expect("the host name");
    next(client, 4).await;

    // 4 Impact and priority.
    element(client, &heading("Step 4: Impact and priority")).await;
    click(
        client,
        "//fieldset[.//legend[starts-with(normalize-space(), 'Priority')]]//input[@type='radio' and @value='2']",
    )
    .await;
    next(client, 5).await;

    // 5 Evidence: the log, no snapshot; its redaction preview highlights the user name.
    element(client, &heading("Step 5: Evidence")).await;
    element(client, "//input[@id='added-path']")
        .await
        .send_keys(&log.display().to_string())
        .await
        .expect("the log's path");
    click(client, &button("Add file")).await;
    // A typed path (not picked or dropped) is read only after the native confirmation.
    assert!(
        agree_to_native_dialog("Read these files", Duration::from_secs(30)),
        "the app did not ask before reading the typed path"
    );
    wait_for_text(client, "syncd.log", Duration::from_secs(15)).await;
    // The choices of what is collected are behind a disclosure; the step leads with a summary.
    click(
        client,
        "//button[starts-with(normalize-space(), 'Change what')]",
    )
    .await;
    let snapshot = element(
        client,
        "//label[.//span[normalize-space()='Add the support snapshot']]//input[@type='checkbox']",
    )
    .await;
    if snapshot.prop("checked").await.ok().flatten().as_deref() == Some("true") {
        press(client, &snapshot, "the snapshot tick box").await;
    }
    click(
        client,
        &format!(
            "//button[@aria-label='Preview redaction of {}']",
            log.display()
        ),
    )
    .await;
    element(
        client,
        "//pre//mark[@title='User name, replaced by a pseudonym']",
    )
    .await;
    click(client, &button("Next replacement")).await;
    wait_for_text(client, "1 of ", Duration::from_secs(10)).await;
    click(client, &button("Build the bundle")).await;
    element(client, "//h3[normalize-space()='The bundle']").await;
    next(client, 6).await;

    // 6 Review: the disclosure review lists the host, the user and the secret's kind.
    element(client, &heading("Step 6: Review")).await;
    let host_row = format!("//table//tr[th[contains(., '{HOST}')]]");
    element(client, &host_row).await;
    element(client, &format!("//table//tr[th[contains(., '{USER}')]]")).await;
    element(client, "//h4[normalize-space()='Secrets removed']").await;
    element(
        client,
        "//table[@aria-labelledby='secrets-heading']//tbody/tr",
    )
    .await;
    let page = client
        .find(fantoccini::Locator::Css("body"))
        .await
        .expect("the page")
        .text()
        .await
        .expect("its text");
    assert!(!page.contains(SECRET), "the review never shows a secret");
    // The user lets the vendor see the host name: the bundle is built again with it kept.
    click(
        client,
        &format!("//input[@type='checkbox' and @aria-label='Let the vendor see {HOST}']"),
    )
    .await;
    element(
        client,
        &format!("{host_row}/td[1][normalize-space()='as it is']"),
    )
    .await;
    next(client, 7).await;

    // 7 Send, through the folder channel.
    element(client, &heading("Step 7: Send")).await;
    click(client, &button("Save e-mail for sending")).await;
    wait_for_text(client, "Still to do:", Duration::from_secs(30)).await;
    session.close().await;

    let (eml, zip) = saved_files(&outgoing);
    let everything = everything_in(&eml);
    assert!(everything.contains(SUBJECT), "the message was decoded");
    assert!(
        everything.contains("syncd.log"),
        "the attached bundle was unpacked"
    );
    assert!(!everything.contains(SECRET), "the pasted secret left");
    assert!(!everything.contains(USER), "the machine's user name left");
    assert!(
        everything.contains(HOST),
        "the host name kept on purpose is not there"
    );
    // The bundle saved beside the message agrees.
    let log_text = unzip(&["-p"], &zip);
    assert!(!log_text.contains(SECRET) && !log_text.contains(USER));
    assert!(log_text.contains(&format!("agent on {HOST} checking in")));
}
