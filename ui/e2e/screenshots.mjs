// Regenerates the screenshots in docs/screenshots/ from the built UI (`npm run build` first) in
// Chromium, with the fake backend of the browser tests answering from the Rust fixtures:
//
//   start.png              the start screen with saved drafts
//   new-request.png        a new request: vendor and tier
//   wizard-step-N.png      every step the wizard offers, for a JetPatch request under way
//   wizard-missing.png     the summary of what is still missing on a step
//   wizard-step-2-dark.png step 2 in the dark scheme
//   profiles.png, profiles-dark.png   the vendor profiles section
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

async function shot(page, name) {
  // Let autosave settle and fonts finish, so the same screen gives the same picture.
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(400);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: resolve(out, name), animations: "disabled", caret: "hide" });
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
    for (let number = 1; number <= offered; number += 1) {
      await steps.nth(number - 1).click();
      await heading(page, new RegExp(`^Step ${number}: `)).waitFor();
      await shot(page, `wizard-step-${number}.png`);
    }

    await steps.nth(1).click();
    await heading(page, "Step 2: Problem").waitFor();
    await page.getByRole("button", { name: "Next: step 3" }).click();
    await page.getByRole("region", { name: /still has/ }).waitFor();
    await shot(page, "wizard-missing.png");

    await page.getByRole("button", { name: "Back to drafts" }).click();
    await page.getByRole("button", { name: "Vendor profiles" }).click();
    await page.getByRole("heading", { name: "JetPatch" }).first().waitFor();
    await shot(page, "profiles.png");
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
