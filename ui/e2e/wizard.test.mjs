// The built UI in a real browser (Debian's Chromium through playwright-core), with the Tauri IPC
// answered by a fake backend built on the Rust-generated fixtures (see harness.mjs). Covers the
// start screen, new requests (generic and JetPatch) through the wizard's steps, keyboard-only use,
// an axe-core scan of every screen, 200% zoom and the dark scheme.
//
// Steps 5 to 7 are walked only when the wizard's stepper offers them, so the walk grows with the
// app; until then it stops at the last offered step.
//
//   npm run e2e          (after `npm run build`)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  axeScan,
  fixtureDrafts,
  horizontalOverflow,
  isFocused,
  launchBrowser,
  loadFixtures,
  openApp,
  serveDist,
  tabTo,
} from "./harness.mjs";

const TIMEOUT = { timeout: 60_000 };
let browser;
let server;
let fixtures;

before(async () => {
  [server, browser, fixtures] = await Promise.all([serveDist(), launchBrowser(), loadFixtures()]);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Every screen the walks pass: name -> violations of any impact (reported at the end). */
const scanned = new Map();

/**
 * Violations found in the UI and reported to its owner, not yet fixed. Each is matched by
 * rule and selector only, does not fail a walk, is listed as KNOWN in the axe report at the end,
 * and fails that report once it no longer occurs (so the entry is removed when the UI is fixed).
 */
const KNOWN = [];
const knownSeen = new Map(); // KNOWN index -> screens

function knownIndex(violation) {
  return KNOWN.findIndex((known) => known.rule === violation.rule && violation.targets.every((target) => known.target.test(target)));
}

/** Scans the page with axe-core and fails on moderate, serious or critical violations (other than KNOWN ones). */
async function assertAccessible(page, screen) {
  const violations = await axeScan(page);
  scanned.set(screen, violations);
  const blocking = violations.filter((violation) => {
    if (violation.impact === "minor") {
      return false;
    }
    const index = knownIndex(violation);
    if (index >= 0) {
      knownSeen.set(index, [...(knownSeen.get(index) ?? []), screen]);
      return false;
    }
    return true;
  });
  assert.deepEqual(blocking, [], `axe on "${screen}": moderate, serious or critical violations`);
}

function heading(page, name) {
  return page.getByRole("heading", { name, level: 2 });
}

function stepButtons(page) {
  return page.getByRole("navigation", { name: "Steps" }).getByRole("button");
}

function stepButton(page, number) {
  return page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: new RegExp(`^Step ${number}:`) });
}

/** Waits for the autosave indicator to say "Saved" after the latest edit. */
async function saved(page) {
  await page.getByRole("status").filter({ hasText: /^\s*Saved\s*$/ }).waitFor();
}

/** The problem text shown beside a control (its `aria-describedby` targets), joined. */
function describedText(locator) {
  return locator.evaluate((element) =>
    (element.getAttribute("aria-describedby") ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? "")
      .join(" | "),
  );
}

/** Waits until the text beside a control (its `aria-describedby` targets) matches `pattern`. */
async function waitForDescribed(locator, pattern, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let text = await describedText(locator);
  while (!pattern.test(text)) {
    if (Date.now() > deadline) {
      assert.fail(`the text beside the control is ${JSON.stringify(text)}, not ${pattern}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    text = await describedText(locator);
  }
}

async function startRequest(page, vendor) {
  await heading(page, "New request").waitFor();
  await page.getByRole("radio", { name: new RegExp(`^${vendor}`) }).check();
  await page.getByRole("button", { name: "Start request" }).click();
  await heading(page, "Step 1: Vendor and contact").waitFor();
}

/** The last save the app sent: { path, request, step }. */
function lastSave(page) {
  return page.evaluate(() => window.__fakeBackend.calls.filter((call) => call.cmd === "save_draft").at(-1)?.args);
}

/**
 * Goes on from step 4 into the steps after it, but only those the stepper offers (5 Evidence,
 * 6 Review, 7 Send are being built): each is opened from the stepper, shows its heading and is
 * scanned. Answers how many steps the stepper offered.
 */
async function walkOfferedStepsAfter(page, last, screenPrefix) {
  const offered = await stepButtons(page).count();
  for (let number = last + 1; number <= offered; number += 1) {
    await stepButton(page, number).click();
    await heading(page, new RegExp(`^Step ${number}: `)).waitFor();
    assert.equal(await isFocused(heading(page, new RegExp(`^Step ${number}: `))), true, `step ${number}'s heading has the focus`);
    await assertAccessible(page, `${screenPrefix} step ${number}`);
  }
  return offered;
}

/** The texts of a list's items. */
function itemTexts(list) {
  return list.getByRole("listitem").allInnerTexts();
}

/**
 * Step 5 Evidence: the preview's kinds are listed, a mistyped collection code is refused, a real
 * one ticks what it stands for, a typed file is added, a build can be cancelled, and a build shows
 * its progress (sent over the Channel) and then the result: entries, redaction counts, gaps, the
 * leak-scan verdict and a redaction preview.
 */
async function evidenceStep(page, screenPrefix, vendor) {
  await stepButton(page, 5).click();
  await heading(page, "Step 5: Evidence").waitFor();
  // The step leads with what will be sent and one Build button; the choices are asked for.
  const summary = page.getByRole("region", { name: `What goes to ${vendor}` });
  await summary.getByText(/We'll send: .*the system snapshot\./).waitFor();
  assert.equal(await page.getByRole("group", { name: `Evidence ${vendor} asks for` }).count(), 0, "the choices wait behind a disclosure");
  assert.equal(await page.getByRole("group", { name: "Where it will go" }).count(), 0, "the destination is chosen at step 7");
  await assertAccessible(page, `${screenPrefix} step 5, summary`);
  await summary.getByRole("button", { name: "Change what's collected" }).click();
  const kinds = page.getByRole("group", { name: `Evidence ${vendor} asks for` });
  await kinds.waitFor();
  const appLogs = kinds.getByRole("checkbox", { name: /^Application logs/ });
  await appLogs.waitFor();
  await kinds.getByRole("checkbox", { name: /^Operating system logs/ }).waitFor();
  await page.getByRole("heading", { name: "Not collected, and why" }).waitFor();
  await page.getByText("/var/log/lab/old/app.log").first().waitFor();
  await assertAccessible(page, `${screenPrefix} step 5`);

  await page.getByRole("button", { name: "Support gave you a code?" }).click();
  const code = page.getByRole("textbox", { name: "Support gave you a code? Type it" });
  assert.equal(await isFocused(code), true, "the code's field has the focus once opened");
  await code.fill("CC-12");
  await page.getByRole("button", { name: "Apply code" }).click();
  await waitForDescribed(code, /is not a collection code/);
  assert.equal(await code.getAttribute("aria-invalid"), "true");
  await assertAccessible(page, `${screenPrefix} step 5, code refused`);
  // Read as forgivingly as the core reads it: lower case, no dashes.
  await code.fill("cc4g7k2mq8");
  await page.getByRole("button", { name: "Apply code" }).click();
  await page.getByText("Code applied: Application logs; last 24 hours; with the support snapshot.").waitFor();
  assert.equal(await appLogs.isChecked(), true, "the code ticked Application logs");
  assert.equal(await page.getByRole("radio", { name: "Last 24 hours" }).isChecked(), true, "the code chose the window");
  await page.getByRole("list", { name: "Files for Application logs" }).getByText("/var/log/lab/app.log").waitFor();
  const applied = await page.evaluate(() => window.__fakeBackend.calls.filter((call) => call.cmd === "preview_evidence").at(-1)?.args.selection);
  assert.deepEqual(applied, { kinds: ["app-logs"], since: "24h", snapshot: true, includeBinary: false });

  // A path that is not there is refused on Add, in plain words, and stays in the input.
  const typed = page.getByRole("textbox", { name: "File path" });
  await typed.fill("/var/log/lab/does-not-exist.log");
  await page.getByRole("button", { name: "Add file" }).click();
  await waitForDescribed(typed, /There is no file at \/var\/log\/lab\/does-not-exist\.log\. Check the path\./);
  assert.equal(await typed.inputValue(), "/var/log/lab/does-not-exist.log");
  assert.equal(await page.getByRole("list", { name: "Added files" }).count(), 0, "nothing was added");
  await assertAccessible(page, `${screenPrefix} step 5, a path that is not there`);
  await page.getByRole("textbox", { name: "File path" }).fill("/var/log/lab/screen.txt");
  await page.getByRole("button", { name: "Add file" }).click();
  const added = page.getByRole("list", { name: "Added files" });
  await added.getByText("/var/log/lab/screen.txt").waitFor();
  await added.getByText(/file, 21 bytes/).waitFor();

  // A build can be stopped: no report, and it says so.
  const build = page.getByRole("button", { name: "Build the bundle" });
  await build.click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.getByText("Cancelled: no bundle was written.").waitFor();
  assert.equal(await page.getByRole("heading", { name: "The bundle", level: 3 }).count(), 0);

  await build.click();
  const progress = page.getByRole("progressbar");
  await progress.waitFor();
  // Progress messages arrived over the Channel: the phase, the item count and the current entry.
  await page.getByText(/^\s*\d+ of \d+ items/).waitFor();
  await page.getByRole("status").filter({ hasText: /Writing the bundle…|Checking the bundle for leaks…/ }).waitFor();
  const result = page.getByRole("region", { name: "The bundle" });
  await result.waitFor();
  assert.equal(await progress.count(), 0, "the progress bar is gone after the build");
  assert.equal(await isFocused(page.getByRole("heading", { name: "The bundle", level: 3 })), true, "the result's heading has the focus");
  const text = await result.innerText();
  assert.match(text, /Leak check passed/);
  assert.match(text, /Secrets removed: 1/);
  assert.match(text, /IPv4 addresses: 1/);
  assert.deepEqual(await itemTexts(result.getByRole("list", { name: "Skipped" })), ["/var/log/lab/old/app.log: not found (nothing matches)"]);
  const rows = await result.getByRole("table", { name: "Files in the bundle" }).getByRole("rowheader").allInnerTexts();
  assert.deepEqual(rows, ["request.json", "request.md", "attachments/screen.txt", "logs/var/log/lab/app.log"]);
  await assertAccessible(page, `${screenPrefix} step 5, bundle built`);

  await result.getByRole("button", { name: /app\.log: preview its redaction$/ }).click();
  const shown = page.getByRole("region", { name: "Redaction preview" });
  await shown.waitFor();
  assert.match(await shown.innerText(), /password=\[REDACTED\]/);
  // Each replacement is a titled <mark>, reachable with Next replacement.
  const marks = shown.locator("pre mark");
  assert.deepEqual(await marks.evaluateAll((found) => found.map((mark) => mark.getAttribute("title"))), [
    "Host name, replaced by a pseudonym",
    "IPv4 address, replaced by a pseudonym",
    "Secret (password), removed",
  ]);
  await shown.getByRole("button", { name: "Next replacement" }).click();
  assert.equal(await marks.first().evaluate((mark) => mark === document.activeElement), true, "the first highlight has the focus");
  await shown.getByText("1 of 3: Host name, replaced by a pseudonym").waitFor();
  assert.match(await shown.innerText(), /: replaced (?=.*\b1 secret\b)(?=.*\b1 IP address\b)(?=.*\b1 host name\b)/);
  await assertAccessible(page, `${screenPrefix} step 5, redaction preview`);
  await shown.getByRole("button", { name: "Close the preview" }).click();
}

/** Step 6 Review: request.md as the vendor reads it, the bundle's files, the destination. */
async function reviewStep(page, screenPrefix, caseCode, subject, destination) {
  await stepButton(page, 6).click();
  await heading(page, "Step 6: Review").waitFor();
  const region = page.getByRole("region", { name: "What the vendor will read" });
  // Drawn as the vendor reads it (a heading, bold labels), with the plain text a click away.
  const read = region.getByRole("article", { name: "The request as the vendor reads it" });
  await read.getByRole("heading", { name: `[${caseCode}] ${subject}`, level: 4 }).waitFor();
  assert.doesNotMatch(await read.innerText(), /\*\*|^# /m);
  await assertAccessible(page, `${screenPrefix} step 6, the request as the vendor reads it`);
  await region.getByRole("button", { name: "Plain text, as in the e-mail" }).click();
  const markdown = region.locator("pre");
  await markdown.waitFor();
  assert.match(await markdown.innerText(), new RegExp(`^# \\[${caseCode}\\] ${subject}`));
  const files = await itemTexts(page.getByRole("list", { name: "Files in the bundle" }));
  assert.equal(files.length, 4);
  assert.match(files.join("\n"), /logs\/var\/log\/lab\/app\.log/);
  assert.match(await page.getByRole("region", { name: "Destination" }).innerText(), new RegExp(destination.replace(/[/.]/g, "\\$&")));
  await assertAccessible(page, `${screenPrefix} step 6`);

  // The disclosure review: the bundle's own, with no second run; the address leaves as a pseudonym.
  const names = page.getByRole("table", { name: "Names and addresses" });
  await names.waitFor();
  const review = page.getByRole("region", { name: "What leaves, and how it is hidden" });
  const address = names.getByRole("row", { name: /^10\.1\.2\.3/ });
  assert.doesNotMatch(await address.getByRole("cell").first().innerText(), /10\.1\.2\.3/);
  assert.match(await review.innerText(), /Leak check: \d+ entries read back/);
  assert.match(await review.getByRole("table", { name: "Secrets removed" }).innerText(), /password\s+1/);
  assert.equal(await page.evaluate(() => window.__fakeBackend.calls.filter((call) => call.cmd === "disclosure_review").length), 0);
  await assertAccessible(page, `${screenPrefix} step 6, disclosure review`);

  // Let the vendor see the address: kept in the draft, the bundle built again, the row says so.
  const builds = () => page.evaluate(() => window.__fakeBackend.calls.filter((call) => call.cmd === "build_bundle").length);
  const before = await builds();
  await address.getByRole("checkbox", { name: "Let the vendor see 10.1.2.3" }).check();
  await address.getByRole("cell", { name: "as it is", exact: true }).waitFor();
  assert.equal(await builds(), before + 1, "the bundle was built again");
  assert.deepEqual((await lastSave(page)).request.redaction, { keep: ["10.1.2.3"], hide: [] });
  // A word to hide, typed.
  await review.getByRole("textbox", { name: "Word or name to hide" }).fill("Project Falcon");
  await review.getByRole("button", { name: "Hide it" }).click();
  await review.getByRole("list", { name: "Words you hide" }).getByText("Project Falcon").waitFor();
  await names.getByRole("row", { name: /^Project Falcon/ }).waitFor();
  assert.deepEqual((await lastSave(page)).request.redaction, { keep: ["10.1.2.3"], hide: ["Project Falcon"] });
  await assertAccessible(page, `${screenPrefix} step 6, a name kept and a word hidden`);
}

/** Waits for a send's progress (sent over the Channel) to show, then for `done` to appear. */
async function sendWithProgress(page, button, done) {
  await button.click();
  await page.getByRole("status").filter({ hasText: /Preparing the message…|Delivering to .*…|Reading the answer…/ }).waitFor();
  await done.waitFor();
}

/**
 * The fixtures' JetPatch draft (left at step 2 with the description and more missing) made ready
 * to send, from the start screen or from inside that draft: step 2 completed, then at step 5 a collection code applied and the bundle built.
 */
async function readySeededJetpatch(page) {
  const open = page.getByRole("button", { name: "Continue CF-A4ME-98VK" });
  await (await open.isVisible() ? open : stepButton(page, 2)).click();
  await heading(page, "Step 2: Problem").waitFor();
  await page.getByRole("textbox", { name: /^Description/ }).fill("Two Windows endpoints fail the May patches.");
  await page.getByRole("textbox", { name: /^Operation requested/ }).fill("Deploy May patches");
  await page.getByRole("textbox", { name: /^Expected result/ }).fill("Both endpoints patched.");
  await saved(page);
  await stepButton(page, 5).click();
  await heading(page, "Step 5: Evidence").waitFor();
  await page.getByRole("button", { name: "Support gave you a code?" }).click();
  await page.getByRole("textbox", { name: "Support gave you a code? Type it" }).fill("CC-4G7K-2MQ8");
  await page.getByRole("button", { name: "Apply code" }).click();
  await page.getByText(/^Code applied:/).waitFor();
  await page.getByRole("button", { name: "Build the bundle" }).click();
  await page.getByRole("region", { name: "The bundle" }).waitFor();
}

/** From step 5 on, sends by the default folder channel and waits for the receipt. */
async function sendSeededJetpatch(page) {
  await stepButton(page, 7).click();
  await heading(page, "Step 7: Send").waitFor();
  await page.getByRole("button", { name: "Save e-mail for sending" }).click();
  await page.getByRole("region", { name: "Receipt for CF-A4ME-98VK" }).waitFor();
}

function noPageErrors(errors) {
  assert.deepEqual(
    errors.map((error) => error.message),
    [],
    "no script errors in the page",
  );
}

describe("the wizard in a browser", () => {
  test("the start screen lists saved drafts, reopens one at the step it was left and deletes one after confirmation", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, { seed: fixtureDrafts(fixtures) });
    await heading(page, "Drafts").waitFor();
    await assertAccessible(page, "start with drafts");
    const items = page.getByRole("list", { name: "Drafts" }).getByRole("listitem");
    assert.equal(await items.count(), 3);
    assert.match(await items.nth(0).innerText(), /Patching fails on two endpoints/);
    assert.match(await items.nth(0).innerText(), /left at step 2/);

    await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    assert.equal(await page.getByRole("textbox", { name: /^Subject/ }).inputValue(), "Patching fails on two endpoints");
    await page.getByRole("button", { name: "Back to drafts" }).click();

    await page.getByRole("button", { name: "Delete… CF-K5C6-55XS" }).click();
    const confirm = page.getByRole("group", { name: "Delete CF-K5C6-55XS?" });
    await confirm.waitFor();
    assert.equal(await isFocused(page.getByRole("button", { name: "Keep it" })), true, "the safe choice has the focus");
    await assertAccessible(page, "start, confirming a delete");
    await confirm.getByRole("button", { name: "Delete draft" }).click();
    await page.getByRole("button", { name: "Continue CF-K5C6-55XS" }).waitFor({ state: "detached" });
    assert.equal(await items.count(), 2);

    await page.getByRole("button", { name: "Vendor profiles" }).click();
    await page.getByRole("heading", { name: "JetPatch", level: 3 }).waitFor();
    await assertAccessible(page, "vendor profiles");
    noPageErrors(errors);
    await context.close();
  });

  test("a generic request goes through steps 1 to 4 with problems beside their fields and a summary of what is missing", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures);
    // No drafts yet: the start screen opens on a new request.
    await assertAccessible(page, "start, new request");
    await startRequest(page, "Generic vendor");
    await assertAccessible(page, "generic step 1");

    // A fresh draft is not a wall of red, and no step claims to be complete.
    const name = page.getByRole("textbox", { name: /^Contact name/ });
    assert.equal(await name.getAttribute("aria-invalid"), "false");
    assert.equal(await page.getByText(/is required by Generic vendor/).count(), 0, "no error before a field is visited");
    assert.match(await stepButton(page, 1).innerText(), /Not started/);
    assert.match(await stepButton(page, 5).innerText(), /Needs a bundle/);
    assert.match(await stepButton(page, 7).innerText(), /Needs a bundle/);
    for (const number of [1, 2, 3, 4, 5, 6, 7]) {
      assert.doesNotMatch(await stepButton(page, number).innerText(), /Complete/, `step ${number} is not complete yet`);
    }
    // Leaving a field shows its error, tied to it for screen readers.
    await name.focus();
    await page.keyboard.press("Tab");
    assert.equal(await name.getAttribute("aria-invalid"), "true");
    assert.match(await describedText(name), /Contact name is required by Generic vendor/);

    await name.fill("Ada Example");
    await saved(page);
    await page.getByText("Contact name is required").waitFor({ state: "detached" });
    assert.equal(await name.getAttribute("aria-invalid"), "false");
    // Errors of a step are counted once it is checked (Next, or left).
    assert.match(await stepButton(page, 1).innerText(), /In progress/);

    // Next with a field still missing shows the summary first, with a link to the field.
    await page.getByRole("button", { name: "Next: step 2" }).click();
    const summary = page.getByRole("region", { name: "Step 1 still has 1 thing to fix" });
    await summary.waitFor();
    assert.equal(await isFocused(summary), true, "the summary has the focus");
    assert.match(await stepButton(page, 1).innerText(), /1 error\b/);
    await assertAccessible(page, "generic step 1, missing-fields summary");
    await summary.getByRole("link", { name: "E-mail" }).click();
    const email = page.getByRole("textbox", { name: /^E-mail/ });
    assert.equal(await isFocused(email), true, "the summary's link focuses the field");

    await email.fill("ada@");
    await waitForDescribed(email, /Error: "ada@" is not an e-mail address/);
    await email.fill("ada@example.com");
    await saved(page);
    await waitForDescribed(email, /^$/);
    assert.match(await stepButton(page, 1).innerText(), /Complete/);

    await page.getByRole("button", { name: "Next: step 2" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    assert.equal(await isFocused(heading(page, "Step 2: Problem")), true, "the new step's heading has the focus");
    await assertAccessible(page, "generic step 2");
    await page.getByRole("textbox", { name: /^Subject/ }).fill("Login page times out");
    await page.getByRole("textbox", { name: /^Description/ }).fill("Since Monday the login page times out after 30 s.");
    await saved(page);
    assert.match(await stepButton(page, 2).innerText(), /Complete/);

    await page.getByRole("button", { name: "Next: step 3" }).click();
    await heading(page, "Step 3: Scope").waitFor();
    await page.getByRole("radio", { name: "Production" }).check();
    await page.getByRole("textbox", { name: /^Versions/ }).fill("Portal 4.2.1");
    await saved(page);
    await assertAccessible(page, "generic step 3");

    await page.getByRole("button", { name: "Next: step 4" }).click();
    await heading(page, "Step 4: Impact and priority").waitFor();
    await page.getByRole("group", { name: "Is a production system down?" }).getByRole("radio", { name: "Yes" }).check();
    await page.getByText("Proposed priority: Critical").waitFor();
    await page.getByRole("radio", { name: /^Critical/ }).check();
    await saved(page);
    await assertAccessible(page, "generic step 4");
    for (const number of [1, 2, 3, 4]) {
      assert.match(await stepButton(page, number).innerText(), /Complete/, `step ${number} is complete`);
    }

    const save = await lastSave(page);
    assert.equal(save.step, 4);
    assert.equal(save.request.contact.name, "Ada Example");
    assert.equal(save.request.problem.subject, "Login page times out");
    assert.equal(save.request.scope.environment, "production");
    assert.equal(save.request.impact.answers.production_down, true);
    assert.equal(save.request.impact.priority, "1");

    assert.equal(await stepButtons(page).count(), 7, "the stepper offers steps 1 to 7");
    await evidenceStep(page, "generic", "Generic vendor");
    const caseCode = save.request.case_code;
    await reviewStep(page, "generic", caseCode, "Login page times out", "/home/user/Documents/Casefile");

    // Step 7 with the default channel, a folder: the receipt says what is still to do.
    await stepButton(page, 7).click();
    await heading(page, "Step 7: Send").waitFor();
    const channels = page.getByRole("group", { name: "Send with" });
    assert.equal(await channels.getByRole("radio", { name: /^drop \(the default\): saves the e-mail/ }).isChecked(), true, "the default channel is chosen");
    await assertAccessible(page, "generic step 7");
    // A folder sends nothing: the button and the result say so.
    assert.equal(await page.getByRole("button", { name: "Send the request" }).count(), 0);
    await sendWithProgress(
      page,
      page.getByRole("button", { name: "Save e-mail for sending" }),
      page.getByRole("heading", { name: `Receipt for ${caseCode}` }),
    );
    await page.getByRole("heading", { name: "Saved, not sent yet", level: 3 }).waitFor();
    assert.match(await stepButton(page, 7).innerText(), /Saved, not sent yet/);
    await page.getByRole("button", { name: "Open the e-mail" }).click();
    await page.getByText("The e-mail is open in your mail program: check it and send it there.").waitFor();
    assert.deepEqual(
      await page.evaluate(() => window.__fakeBackend.calls.filter((call) => call.cmd === "open_saved_email").map((call) => call.args.id)),
      [`${caseCode}.drop`],
    );
    const receipt = page.getByRole("region", { name: `Receipt for ${caseCode}` });
    assert.match(await receipt.innerText(), /Still to do: Nothing has reached the vendor yet: open the saved \.eml .* Generic vendor support/);
    assert.match(await receipt.innerText(), new RegExp(`saved /home/user/Documents/Casefile/${caseCode}\\.eml`));
    await assertAccessible(page, "generic step 7, sent to a folder");
    const submit = await page.evaluate(() => window.__fakeBackend.calls.filter((call) => call.cmd === "submit_draft").at(-1)?.args);
    assert.equal(submit.channel, "drop");
    assert.equal(submit.again, false);
    assert.match(submit.onProgress, /^__CHANNEL__:\d+$/, "progress comes over a Channel");
    noPageErrors(errors);
    await context.close();
  });

  test("a JetPatch request shows the issue type's checklist, takes ticks and the questionnaire's answers", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures);
    await startRequest(page, "JetPatch");
    // The only tier is chosen already.
    assert.equal(await page.getByRole("radio", { name: /^Standard maintenance and support/ }).isChecked(), true);
    await page.getByRole("textbox", { name: /^Contact name/ }).fill("Ada Example");
    await page.getByRole("textbox", { name: /^E-mail/ }).fill("ada@example.com");
    await saved(page);
    await assertAccessible(page, "jetpatch step 1");

    await page.getByRole("button", { name: "Next: step 2" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    await page.getByRole("radio", { name: /^Patch Management/ }).check();
    const checklist = page.getByRole("group", { name: "Checklist for Patch Management" });
    await checklist.waitFor();
    const boxes = checklist.getByRole("checkbox");
    assert.equal(await boxes.count(), 6);
    await saved(page);
    // Warnings show at once; the step, with its subject still missing, is in progress.
    assert.match(await stepButton(page, 2).innerText(), /In progress/);
    assert.match(await checklist.innerText(), /Warning:.*"Checking Endpoint Readiness" is not ticked/);

    await page.getByRole("textbox", { name: /^Subject/ }).fill("Patching fails on two endpoints");
    await page.getByRole("textbox", { name: /^Description/ }).fill("Two Windows endpoints fail the May patches.");
    await page.getByRole("textbox", { name: /^Operation requested/ }).fill("Deploy May patches");
    await page.getByRole("textbox", { name: /^Expected result/ }).fill("Both endpoints patched.");
    for (let index = 0; index < 6; index += 1) {
      await boxes.nth(index).check();
    }
    await saved(page);
    assert.match(await stepButton(page, 2).innerText(), /Complete/);
    assert.doesNotMatch(await checklist.innerText(), /is not ticked/);
    // The knowledge-base notice sits beside the subject.
    await page.getByText("search its knowledge base for your subject").waitFor();
    await assertAccessible(page, "jetpatch step 2, checklist ticked");

    await stepButton(page, 4).click();
    await heading(page, "Step 4: Impact and priority").waitFor();
    const answer = (question, choice) =>
      page.getByRole("group", { name: question }).getByRole("radio", { name: choice }).check();
    await answer("Is a production system down?", "Yes");
    await answer("Are data lost or corrupted?", "No");
    await answer("Is there a workaround?", "No");
    await answer("How many users are affected?", "Most or all");
    await answer("Is this only a question, a cosmetic issue or an enhancement request?", "No");
    await page.getByText("Proposed priority: Priority Error").waitFor();
    await page.getByRole("list", { name: "Why this priority" }).getByText("production is down").waitFor();

    // Choosing against the proposal asks why.
    await page.getByRole("radio", { name: /^Secondary Error/ }).check();
    const why = page.getByRole("textbox", { name: /^Why another priority/ });
    await why.fill("Only the two test endpoints are affected.");
    await saved(page);
    await page.getByRole("heading", { name: "Response targets if you send now" }).waitFor();
    await assertAccessible(page, "jetpatch step 4, questionnaire answered");

    const save = await lastSave(page);
    assert.deepEqual(save.request.checklist_done.length, 6);
    assert.deepEqual(save.request.impact.answers, {
      production_down: true,
      data_loss: false,
      workaround: false,
      users_affected: "most",
      question_only: false,
    });
    assert.equal(save.request.impact.priority, "2");
    assert.equal(save.request.impact.proposed_priority, "1");
    assert.equal(save.request.impact.override_reason, "Only the two test endpoints are affected.");

    await evidenceStep(page, "jetpatch", "JetPatch");
    const caseCode = save.request.case_code;
    // Step 6 before a channel is chosen by hand: the default one (drop) is the destination.
    await reviewStep(page, "jetpatch", caseCode, "Patching fails on two endpoints", "/home/user/Documents/Casefile");

    // Step 7 by the webhook: the first attempt is refused and waits in the outbox; Retry now
    // gives a ticket, the response targets and the escalation message.
    await stepButton(page, 7).click();
    await heading(page, "Step 7: Send").waitFor();
    await page.getByRole("group", { name: "Send with" }).getByRole("radio", { name: /^hook: posts to a web address/ }).check();
    await page.getByText("The request and its bundle go to http://127.0.0.1:44177/casefile.").waitFor();
    await sendWithProgress(
      page,
      page.getByRole("button", { name: "Send the request" }),
      page.getByRole("heading", { name: "Not sent yet: it waits in the outbox for another try." }),
    );
    await page.getByText(/^Reason: Webhook at http:\/\/127\.0\.0\.1:44177\/casefile refused the connection/).waitFor();
    await page.getByText(/Attempts so far: 1\. Next attempt from/).waitFor();
    await assertAccessible(page, "jetpatch step 7, waiting in the outbox");
    await sendWithProgress(page, page.getByRole("button", { name: "Retry now" }), page.getByRole("heading", { name: `Receipt for ${caseCode}` }));
    const receipt = page.getByRole("region", { name: `Receipt for ${caseCode}` });
    const text = await receipt.innerText();
    assert.match(text, /Ticket\s+TCK-\d+/);
    assert.match(text, /When to expect an answer/);
    for (const target of fixtures.jetpatch.sla.targets) {
      assert.ok(text.includes(target.text), `the receipt lists the target "${target.text}"`);
    }
    assert.match(text, /Write to: urgent@jetpatch\.com/);
    const escalation = receipt.getByRole("textbox", { name: "Escalation message, ready to send" });
    assert.match(await escalation.inputValue(), new RegExp(`case ${caseCode} \\(ticket TCK-\\d+\\)`));
    await receipt.getByRole("button", { name: "Copy the escalation message" }).waitFor();
    await assertAccessible(page, "jetpatch step 7, receipt with a ticket");
    noPageErrors(errors);
    await context.close();
  });

  test("step 1 can be filled in and left with the keyboard alone (Tab, Enter, Space)", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures);
    await heading(page, "New request").waitFor();

    // Tab to the first vendor, arrow to Generic vendor (the radio group's own keys), Space picks it.
    const first = page.getByRole("radio").first();
    await tabTo(page, first);
    const generic = page.getByRole("radio", { name: /^Generic vendor/ });
    for (let presses = 0; presses < 10 && !(await isFocused(generic)); presses += 1) {
      await page.keyboard.press("ArrowDown");
    }
    await page.keyboard.press("Space");
    assert.equal(await generic.isChecked(), true, "Space chose Generic vendor");
    await tabTo(page, page.getByRole("button", { name: "Start request" }));
    await page.keyboard.press("Enter");

    const step1 = heading(page, "Step 1: Vendor and contact");
    await step1.waitFor();
    assert.equal(await isFocused(step1), true, "the step heading has the focus");
    await tabTo(page, page.getByRole("textbox", { name: /^Contact name/ }));
    await page.keyboard.type("Ada Example");

    // Next with the e-mail missing: Enter on Next shows the summary, its link leads to the field.
    await tabTo(page, page.getByRole("button", { name: "Next: step 2" }));
    await page.keyboard.press("Enter");
    const summary = page.getByRole("region", { name: /^Step 1 still has/ });
    await summary.waitFor();
    assert.equal(await isFocused(summary), true, "the summary has the focus");
    await tabTo(page, summary.getByRole("link", { name: "E-mail" }));
    await page.keyboard.press("Enter");
    assert.equal(await isFocused(page.getByRole("textbox", { name: /^E-mail/ })), true, "Enter on the link focuses the field");
    await page.keyboard.type("ada@example.com");
    await saved(page);

    await tabTo(page, page.getByRole("button", { name: "Next: step 2" }));
    await page.keyboard.press("Enter");
    const step2 = heading(page, "Step 2: Problem");
    await step2.waitFor();
    assert.equal(await isFocused(step2), true, "step 2's heading has the focus");
    const save = await lastSave(page);
    assert.equal(save.request.contact.name, "Ada Example");
    assert.equal(save.request.contact.email, "ada@example.com");
    noPageErrors(errors);
    await context.close();
  });

  test("the Outbox lists items with state and errors; Retry sends, Remove asks first; a sent request joins it", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, { seed: fixtureDrafts(fixtures) });
    await heading(page, "Drafts").waitFor();
    await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Outbox" }).click();
    await heading(page, "Outbox and history").waitFor();
    const items = page.getByRole("list", { name: "Outbox items" }).getByRole("listitem").filter({ has: page.locator(".case") });
    assert.equal(await items.count(), 2);
    const hook = items.nth(0);
    const drop = items.nth(1);
    assert.match(await hook.innerText(), /CF-WFM3-9Y9Z\s+Waiting to retry/);
    assert.match(await hook.innerText(), /Last error\s+Webhook at http:\/\/127\.0\.0\.1:44177\/casefile refused the connection/);
    assert.match(await hook.innerText(), /Next attempt\s+\S/);
    assert.match(await drop.innerText(), /CF-WFM3-9Y9Z\s+Saved, not sent yet/);
    await drop.getByRole("button", { name: "Show in folder: CF-WFM3-9Y9Z.drop" }).waitFor();
    assert.equal(await drop.getByRole("button", { name: /^Retry/ }).count(), 0, "a sent item offers no retry");
    await assertAccessible(page, "outbox");
    await drop.getByText("Receipt", { exact: true }).click();
    await drop.getByText(/Still to do: Nothing has reached the vendor yet/).waitFor();
    await drop.getByText("History", { exact: true }).click();
    await drop.getByText(/entered the outbox/).waitFor();
    await assertAccessible(page, "outbox, receipt and history open");

    // Retry: progress, then the item is sent with a ticket.
    await hook.getByRole("button", { name: "Retry now: CF-WFM3-9Y9Z.hook" }).click();
    await page.getByRole("status").filter({ hasText: /Preparing the message…|Delivering to .*…|Reading the answer…/ }).waitFor();
    await page.getByRole("status").filter({ hasText: "CF-WFM3-9Y9Z sent." }).waitFor();
    assert.match(await hook.innerText(), /CF-WFM3-9Y9Z\s+Sent/);
    assert.match(await hook.innerText(), /Attempts\s+2/);
    await hook.getByText(/^Receipt: ticket TCK-\d+$/).waitFor();
    await assertAccessible(page, "outbox, after a retry");

    // Remove asks first; Keep it keeps it and returns the focus.
    const removeButton = drop.getByRole("button", { name: "Remove… CF-WFM3-9Y9Z.drop" });
    await removeButton.click();
    const confirm = drop.getByRole("group", { name: "Remove CF-WFM3-9Y9Z.drop?" });
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /Its receipt goes with it\. The draft is not touched\./);
    assert.equal(await isFocused(confirm.getByRole("button", { name: "Keep it" })), true, "Keep it has the focus");
    await assertAccessible(page, "outbox, confirming a remove");
    await confirm.getByRole("button", { name: "Keep it" }).click();
    assert.equal(await isFocused(removeButton), true, "the focus is back on Remove…");
    assert.equal(await items.count(), 2);
    await removeButton.click();
    await confirm.getByRole("button", { name: "Remove", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "CF-WFM3-9Y9Z.drop removed from the outbox." }).waitFor();
    assert.equal(await items.count(), 1);
    assert.equal(await isFocused(heading(page, "Outbox and history")), true, "the focus is on the outbox heading");
    assert.deepEqual(
      await page.evaluate(() => window.__fakeBackend.calls.filter((call) => call.cmd === "remove_outbox").map((call) => call.args.id)),
      ["CF-WFM3-9Y9Z.drop"],
    );

    // A request sent from the wizard is the newest item.
    await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Requests" }).click();
    await readySeededJetpatch(page);
    await sendSeededJetpatch(page);
    await page.getByRole("button", { name: "Back to drafts" }).click();
    // The drafts list marks it, and it reopens on its receipt, with Send again as a second choice.
    const sentDraft = page.getByRole("list", { name: "Drafts" }).getByRole("listitem").filter({ hasText: "CF-A4ME-98VK" });
    await sentDraft.getByText("Saved, not sent yet").waitFor();
    await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
    await page.getByRole("region", { name: "Receipt for CF-A4ME-98VK" }).waitFor();
    await heading(page, "Step 7: Send").waitFor();
    assert.equal(await page.getByRole("button", { name: "Save e-mail for sending" }).count(), 0, "no first-send button on a sent request");
    await page.getByRole("button", { name: "Send again…" }).waitFor();
    await assertAccessible(page, "a saved request reopened on its receipt");
    await page.getByRole("button", { name: "Back to drafts" }).click();
    await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Outbox" }).click();
    await heading(page, "Outbox and history").waitFor();
    await items.nth(1).waitFor();
    assert.match(await items.nth(0).innerText(), /CF-A4ME-98VK\s+Saved, not sent yet/);
    assert.match(await items.nth(0).innerText(), /drop, which saves the e-mail and the bundle in a folder, for you to send: \/home\/user\/Documents\/Casefile/);
    noPageErrors(errors);
    await context.close();
  });

  test("phone mode makes the case code large and shows the Read aloud panel; it toggles off again", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, { seed: fixtureDrafts(fixtures) });
    await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    const toggle = page.getByRole("button", { name: /^Phone mode:/ });
    assert.equal(await toggle.getAttribute("aria-pressed"), "false");
    const codeSize = () => page.locator(".case-code").evaluate((element) => parseFloat(getComputedStyle(element).fontSize));
    const before = await codeSize();
    assert.equal(await page.getByRole("complementary", { name: "Read aloud" }).count(), 0);

    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-pressed"), "true");
    assert.match(await toggle.innerText(), /Phone mode: on/);
    const panel = page.getByRole("complementary", { name: "Read aloud" });
    await panel.getByText(fixtures.machineSummary.os).waitFor();
    const text = await panel.innerText();
    assert.match(text, /Host name\s+vm/);
    assert.match(text, /Agent version\s+not found/);
    // Written for the ear; the raw lines wait behind a disclosure.
    assert.ok(text.includes(`1 error at the end of the agent log. The newest: ${fixtures.machineSummary.newestError}`), text);
    assert.ok(!text.includes(fixtures.machineSummary.lastErrors[0]), "the raw line is not read out first");
    await panel.getByText("The last error lines, as logged").click();
    await panel.getByText(fixtures.machineSummary.lastErrors[0]).waitFor();
    assert.ok(text.includes(fixtures.machineSummary.notes[0]), "the note is listed");
    // The steps stay on screen at 1280×800: the panel sits beside them, not above.
    const stepsBox = await page.getByRole("navigation", { name: "Steps" }).boundingBox();
    assert.ok(stepsBox.y + stepsBox.height <= 800, `the steps end at ${stepsBox.y + stepsBox.height}px`);
    assert.ok((await codeSize()) > before, `the case code is larger in phone mode (${before}px before)`);
    await assertAccessible(page, "phone mode, jetpatch step 2");
    await stepButton(page, 5).click();
    await heading(page, "Step 5: Evidence").waitFor();
    await panel.waitFor();
    await assertAccessible(page, "phone mode, jetpatch step 5");

    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-pressed"), "false");
    assert.equal(await page.getByRole("complementary", { name: "Read aloud" }).count(), 0);
    assert.equal(await codeSize(), before);
    noPageErrors(errors);
    await context.close();
  });

  test("Settings: defaults, a channel added by keyboard with an error beside its field, the key export; axe clean", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, { seed: fixtureDrafts(fixtures) });
    await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Settings" }).click();
    await heading(page, "Settings").waitFor();
    assert.equal(await page.getByLabel("Vendor profile for new requests").inputValue(), "jumpcloud");
    await assertAccessible(page, "settings");
    const add = page.getByRole("button", { name: "Add a channel" });
    await add.focus();
    await page.keyboard.press("Enter");
    const form = page.getByRole("form", { name: "Add a channel" });
    await form.waitFor();
    await form.getByLabel("Name").focus();
    await page.keyboard.type("hook");
    await page.keyboard.press("Tab");
    await form.getByLabel("Kind").selectOption("webhook");
    await form.getByLabel(/^URL/).fill("http://hooks.example.test/x");
    await form.getByLabel("Password or token").fill("FAKE-token-e2e");
    await form.getByLabel("Password or token").press("Enter");
    await form.getByText("plain http is only allowed").waitFor();
    assert.equal(await form.getByLabel(/^URL/).getAttribute("aria-invalid"), "true");
    await assertAccessible(page, "settings, a channel with an error");
    await form.getByLabel(/^URL/).fill("https://hooks.example.test/x");
    await form.getByRole("button", { name: "Save channel" }).click();
    await page.getByText("Secret hook: in the keychain").waitFor();
    await page.getByRole("button", { name: "Export…" }).click();
    assert.equal(await page.getByLabel("Exported key").inputValue(), fixtures.keyExport.line);
    await assertAccessible(page, "settings, key exported");
    const sent = await page.evaluate(() => JSON.stringify(window.__fakeBackend.calls.filter((call) => call.cmd === "save_channel")));
    assert.equal(sent.includes("FAKE-token-e2e"), false, "the password went only to set_secret");
    noPageErrors(errors);
    await context.close();
  });

  test("Settings at 200% zoom and in the dark scheme does not scroll sideways", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, {
      seed: fixtureDrafts(fixtures),
      viewport: { width: 640, height: 400 },
      deviceScaleFactor: 2,
      colorScheme: "dark",
    });
    await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Settings" }).click();
    await heading(page, "Settings").waitFor();
    await page.getByRole("button", { name: "Edit channel helpdesk" }).click();
    await page.getByRole("form", { name: "Edit channel helpdesk" }).waitFor();
    assert.equal(await horizontalOverflow(page), 0, "the settings screen is wider than the window");
    await assertAccessible(page, "settings, 200% zoom, dark");
    noPageErrors(errors);
    await context.close();
  });

  test("at 200% zoom in a 1280 px window no screen scrolls sideways", TIMEOUT, async () => {
    // 200% zoom of a 1280 x 800 window: a 640 x 400 CSS-pixel viewport at twice the pixel density.
    const { page, context, errors } = await openApp(browser, server.url, fixtures, {
      seed: fixtureDrafts(fixtures),
      viewport: { width: 640, height: 400 },
      deviceScaleFactor: 2,
    });
    const overflows = [];
    const check = async (screen) => {
      const overflow = await horizontalOverflow(page);
      if (overflow > 0) {
        overflows.push(`${screen}: ${overflow}px`);
      }
    };
    await heading(page, "Drafts").waitFor();
    await check("start with drafts");
    await page.getByRole("button", { name: "New request" }).click();
    await page.getByRole("radio", { name: /^JumpCloud/ }).check();
    await check("start, new request with tiers");
    await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    const offered = await stepButtons(page).count();
    for (let number = 1; number <= offered; number += 1) {
      await stepButton(page, number).click();
      await heading(page, new RegExp(`^Step ${number}: `)).waitFor();
      await check(`jetpatch step ${number}`);
    }
    await readySeededJetpatch(page);
    await check("jetpatch step 5, bundle built");
    await page.getByRole("region", { name: "The bundle" }).getByRole("button", { name: /app\.log: preview its redaction$/ }).click();
    await page.getByRole("region", { name: "Redaction preview" }).waitFor();
    await check("jetpatch step 5, redaction preview");
    await stepButton(page, 6).click();
    await page.getByRole("region", { name: "What the vendor will read" }).getByRole("article").waitFor();
    await check("jetpatch step 6 with the bundle");
    await sendSeededJetpatch(page);
    await check("jetpatch step 7, receipt");
    await page.getByRole("button", { name: /^Phone mode:/ }).click();
    await page.getByRole("complementary", { name: "Read aloud" }).getByText(fixtures.machineSummary.os).waitFor();
    await check("phone mode, jetpatch step 7");
    await page.getByRole("button", { name: /^Phone mode:/ }).click();
    await page.getByRole("button", { name: "Back to drafts" }).click();
    await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: "Outbox" }).click();
    await heading(page, "Outbox and history").waitFor();
    await page.getByRole("list", { name: "Outbox items" }).waitFor();
    await check("outbox");
    await page.getByRole("button", { name: "Remove… CF-WFM3-9Y9Z.hook" }).click();
    await page.getByRole("group", { name: "Remove CF-WFM3-9Y9Z.hook?" }).waitFor();
    await check("outbox, confirming a remove");
    assert.deepEqual(overflows, [], "screens wider than the window");
    noPageErrors(errors);
    await context.close();
  });

  test("the dark scheme renders light text on a dark background, with no serious axe violations", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, {
      seed: fixtureDrafts(fixtures),
      colorScheme: "dark",
    });
    await heading(page, "Drafts").waitFor();
    const colours = await page.evaluate(() => {
      const luminance = (css) => {
        const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      };
      const body = getComputedStyle(document.body);
      let background = body.backgroundColor;
      if (background === "rgba(0, 0, 0, 0)") {
        background = getComputedStyle(document.documentElement).backgroundColor;
      }
      return {
        painted: background !== "rgba(0, 0, 0, 0)",
        background: luminance(background),
        text: luminance(body.color),
        dark: matchMedia("(prefers-color-scheme: dark)").matches,
      };
    });
    assert.equal(colours.dark, true);
    assert.equal(colours.painted, true, "the page paints its own background");
    assert.ok(colours.background < 0.25, `dark background (luminance ${colours.background})`);
    assert.ok(colours.text > 0.7, `light text (luminance ${colours.text})`);
    await assertAccessible(page, "dark: start with drafts");
    await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    await assertAccessible(page, "dark: jetpatch step 2");
    await stepButton(page, 4).click();
    await heading(page, "Step 4: Impact and priority").waitFor();
    await assertAccessible(page, "dark: jetpatch step 4");
    await page.getByRole("button", { name: "Back to drafts" }).click();
    await page.getByRole("button", { name: "Vendor profiles" }).click();
    await page.getByRole("heading", { name: "JetPatch", level: 3 }).waitFor();
    await assertAccessible(page, "dark: vendor profiles");
    noPageErrors(errors);
    await context.close();
  });

  test("axe-core: the scanned screens and their lesser findings", { timeout: 5_000 }, (t) => {
    // Runs last: reports what the walks above scanned, including minor findings
    // (which do not fail a walk), so they are visible in the log.
    assert.ok(scanned.size > 0, "the walks scanned screens");
    for (const [screen, violations] of scanned) {
      const found = violations.map(
        (violation) => `${knownIndex(violation) >= 0 ? "KNOWN " : ""}${violation.impact} ${violation.rule}: ${violation.targets.join(", ")}`,
      );
      t.diagnostic(`${screen}: ${found.length === 0 ? "no violations" : found.join("; ")}`);
    }
    KNOWN.forEach((known, index) => {
      t.diagnostic(`KNOWN ${known.rule} (${known.why}): ${knownSeen.has(index) ? `on ${knownSeen.get(index).join(", ")}` : "not seen"}`);
    });
    const fixed = KNOWN.filter((_known, index) => !knownSeen.has(index)).map((known) => known.rule);
    assert.deepEqual(fixed, [], "known violations no longer seen: remove them from KNOWN");
  });
});
