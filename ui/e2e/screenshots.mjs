// Regenerates the screenshots in docs/screenshots/ from the built UI (`npm run build` first) in
// Chromium, with the fake backend of the browser tests answering from the Rust fixtures:
//
//   start.png              the start screen with saved drafts
//   new-request.png        a new request: vendor and tier
//   wizard-step-N.png      steps 1 to 4 of a JetPatch request under way; steps 5 to 7 once it
//                          is complete: 5 after a collection code and a build (the result), 6 the
//                          review with the disclosure review and the bundle, 7 the receipt of a webhook delivery with a
//                          ticket and response targets (full-page pictures)
//   outbox.png             the Outbox: a delivery waiting to retry, a sent one with its receipt
//   phone-mode.png         phone mode on step 7: the large case code and the Read aloud panel (full page)
//   wizard-missing.png     the summary of what is still missing on a step
//   wizard-step-2-dark.png step 2 in the dark scheme
//   profiles.png, profiles-dark.png   the vendor profiles section
//   settings.png           Settings: defaults, channels, data locations, the pseudonym key (full page)
//   screenshot-editor.png  step 5: a captured window in the black-out editor, one box drawn
//
//   npm run screenshots [-- OUT_DIR]     (default: ../docs/screenshots)
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureDrafts, launchBrowser, loadFixtures, openApp, serveDist } from "./harness.mjs";

const out = resolve(process.argv[2] ?? fileURLToPath(new URL("../../docs/screenshots", import.meta.url)));
await mkdir(out, { recursive: true });

const [server, browser, fixtures] = await Promise.all([serveDist(), launchBrowser(), loadFixtures()]);
const written = [];

async function shot(page, name, fullPage = false) {
  // Let autosave settle and fonts finish, so the same screen gives the same picture.
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(400);
  await page.mouse.move(0, 0);
  if (fullPage) {
    // From the top, so the sticky wizard bar sits where it belongs in the long picture.
    await page.evaluate(() => window.scrollTo(0, 0));
  }
  await page.screenshot({ path: resolve(out, name), animations: "disabled", caret: "hide", fullPage });
  written.push(name);
}

function heading(page, name) {
  return page.getByRole("heading", { name, level: 2 });
}

async function session(colorScheme, run) {
  const { page, context } = await openApp(browser, server.url, fixtures, { seed: fixtureDrafts(fixtures), colorScheme });
  try {
    await run(page);
  } finally {
    await context.close();
  }
}

try {
  await session("light", async (page) => {
    await heading(page, "Drafts").waitFor();
    await shot(page, "start.png");

    await page.getByRole("button", { name: "New request" }).click();
    await page.getByRole("radio", { name: /^JumpCloud/ }).check();
    await page.getByRole("radio", { name: "Premium", exact: true }).check();
    await page.getByRole("heading", { name: "New request" }).scrollIntoViewIfNeeded();
    await shot(page, "new-request.png");

    // The JetPatch draft of the fixtures: contact given, problem half written, priority proposed.
    await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    const steps = page.getByRole("navigation", { name: "Steps" }).getByRole("button");
    const offered = await steps.count();
    for (let number = 1; number <= Math.min(offered, 4); number += 1) {
      await steps.nth(number - 1).click();
      await heading(page, new RegExp(`^Step ${number}: `)).waitFor();
      await shot(page, `wizard-step-${number}.png`);
    }

    await steps.nth(1).click();
    await heading(page, "Step 2: Problem").waitFor();
    await page.getByRole("button", { name: "Next: step 3" }).click();
    await page.getByRole("region", { name: /still has/ }).waitFor();
    await shot(page, "wizard-missing.png");

    // Complete step 2, then step 5: the code support dictated, a build, its result.
    await steps.nth(1).click();
    await heading(page, "Step 2: Problem").waitFor();
    await page.getByRole("textbox", { name: /^Description/ }).fill("Two Windows endpoints fail the May patches with error 0x80070005.");
    await page.getByRole("textbox", { name: /^Operation requested/ }).fill("Deploy the May patches to the Windows pilot group");
    await page.getByRole("textbox", { name: /^Expected result/ }).fill("Both endpoints patched and rebooted.");
    await page.getByRole("status").filter({ hasText: /^\s*Saved\s*$/ }).waitFor();
    await steps.nth(4).click();
    await heading(page, "Step 5: Evidence").waitFor();
    await page.getByRole("button", { name: "Support gave you a code?" }).click();
    await page.getByRole("textbox", { name: "Support gave you a code? Type it" }).fill("CC-4G7K-2MQ8");
    await page.getByRole("button", { name: "Apply code" }).click();
    await page.getByText(/^Code applied:/).waitFor();
    await page.getByRole("textbox", { name: "File path" }).fill("/var/log/lab/screen.txt");
    await page.getByRole("button", { name: "Add file" }).click();
    await page.getByRole("list", { name: "Added files" }).waitFor();
    await page.getByRole("button", { name: "Build the bundle" }).click();
    await page.getByRole("region", { name: "The bundle" }).waitFor();
    await shot(page, "wizard-step-5.png", true);

    await steps.nth(5).click();
    await page.getByRole("region", { name: "What the vendor will read" }).getByRole("article").waitFor();
    await page.getByRole("table", { name: "Names and addresses" }).waitFor();
    await shot(page, "wizard-step-6.png", true);

    // Step 7 by the webhook: refused once, retried, then the receipt with a ticket.
    await steps.nth(6).click();
    await heading(page, "Step 7: Send").waitFor();
    await page.getByRole("radio", { name: /^hook: posts to a web address/ }).check();
    await page.getByRole("button", { name: "Send the request" }).click();
    await page.getByRole("button", { name: "Retry now" }).click();
    await page.getByRole("region", { name: "Receipt for CF-A4ME-98VK" }).waitFor();
    await shot(page, "wizard-step-7.png", true);

    await page.getByRole("button", { name: /^Phone mode:/ }).click();
    await page.getByRole("complementary", { name: "Read aloud" }).getByText("System", { exact: true }).waitFor();
    await shot(page, "phone-mode.png", true);
    await page.getByRole("button", { name: /^Phone mode:/ }).click();


    await page.getByRole("button", { name: "Back to drafts" }).click();
    await page.getByRole("button", { name: "Outbox" }).click();
    await heading(page, "Outbox and history").waitFor();
    const items = page.getByRole("list", { name: "Outbox items" }).getByRole("listitem").filter({ has: page.locator(".case") });
    await items.nth(2).waitFor();
    await items.nth(2).getByText("Receipt", { exact: true }).click();
    await shot(page, "outbox.png", true);

    await page.getByRole("button", { name: "Vendor profiles" }).click();
    await page.getByRole("heading", { name: "JetPatch" }).first().waitFor();
    await shot(page, "profiles.png");

    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Pseudonym key" }).waitFor();
    await shot(page, "settings.png", true);
  });

  await session("light", async (page) => {
    await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /^Step 5:/ }).click();
    await heading(page, "Step 5: Evidence").waitFor();
    const shots = page.getByRole("region", { name: "Add screenshots and files" });
    await shots.getByRole("button", { name: "Capture a window…" }).click();
    await shots.getByRole("button", { name: "Capture this window" }).click();
    const editor = shots.getByRole("region", { name: "Black out what must not be sent" });
    await editor.waitFor();
    const surface = page.getByTestId("screenshot-surface");
    const box = await surface.boundingBox();
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.45);
    await page.mouse.up();
    await editor.scrollIntoViewIfNeeded();
    await shot(page, "screenshot-editor.png");
  });

  await session("dark", async (page) => {
    await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
    await heading(page, "Step 2: Problem").waitFor();
    await shot(page, "wizard-step-2-dark.png");
    await page.getByRole("button", { name: "Back to drafts" }).click();
    await page.getByRole("button", { name: "Vendor profiles" }).click();
    await page.getByRole("heading", { name: "JetPatch" }).first().waitFor();
    await shot(page, "profiles-dark.png");
  });
} finally {
  await browser.close();
  await server.close();
}
console.log(`saved ${written.length} screenshots in ${out}: ${written.join(", ")}`);
