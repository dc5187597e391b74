// The browser tests' harness: serves the built UI (`ui/dist`) on loopback, starts Debian's
// Chromium through playwright-core (no browser download), and opens pages in which the Tauri IPC
// is answered by the fake backend (`fake-backend.js`) from the Rust-generated fixtures.
//
//   CHROMIUM_BIN   the browser to drive (default: /usr/bin/chromium, Debian package `chromium`)
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { installFakeTauri } from "./fake-backend.js";

const ui = fileURLToPath(new URL("..", import.meta.url));
const dist = join(ui, "dist");
const fixturesDir = join(ui, "src", "lib", "fixtures");
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export const WINDOW = { width: 1280, height: 800 };

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
};

/** Serves `ui/dist` on a free loopback port; resolves to { url, close }. */
export async function serveDist() {
  if (!existsSync(join(dist, "index.html"))) {
    throw new Error(`no built UI in ${dist}: run \`npm run build\` in ui/ first`);
  }
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    const file = join(dist, path === "/" ? "index.html" : path);
    if (path === "/favicon.ico") {
      response.writeHead(204).end(); // the app has none; Tauri never asks for one
      return;
    }
    if (!file.startsWith(dist)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: install the Debian package \`chromium\` (scripts/setup.sh does)`);
  }
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      // The same fonts hinting on every run, for stable screenshots.
      "--font-render-hinting=none",
    ],
  });
}

async function fixture(name) {
  return JSON.parse(await readFile(join(fixturesDir, `${name}.json`), "utf8"));
}

/** The Rust-generated replies the fake backend answers from. */
export async function loadFixtures() {
  const names = {
    profiles: "profile-summaries",
    profileProblems: "profile-problems",
    generic: "draft-view-generic",
    jetpatch: "draft-view-jetpatch",
    summaries: "draft-summaries",
    evidencePreview: "evidence-preview",
    bundleReport: "bundle-report",
    outboxItems: "outbox-items",
    channels: "channels",
    machineSummary: "machine-summary",
    settingsView: "settings-view",
    keyExport: "key-export",
    channelCheck: "channel-check",
    windows: "windows",
    pendingScreenshot: "pending-screenshot",
    savedScreenshot: "saved-screenshot",
  };
  const loaded = await Promise.all(Object.values(names).map(fixture));
  return Object.fromEntries(Object.keys(names).map((key, index) => [key, loaded[index]]));
}

/** Saved drafts as the fixtures describe them: the JetPatch one at step 2, a fresh generic one, a broken file. */
export function fixtureDrafts(fixtures) {
  return [
    { path: fixtures.generic.path, request: fixtures.generic.request, step: fixtures.generic.step },
    { path: fixtures.jetpatch.path, request: fixtures.jetpatch.request, step: fixtures.jetpatch.step },
    ...fixtures.summaries.filter((summary) => summary.problem !== null).map((broken) => ({ broken })),
  ];
}

/**
 * A page on the app with the fake backend installed.
 * options: { seed: drafts to start with, colorScheme, viewport, deviceScaleFactor, saveDelayMs,
 *   progressDelayMs: the pause before each progress message of a bundle build or a delivery }
 */
export async function openApp(browser, url, fixtures, options = {}) {
  const context = await browser.newContext({
    viewport: options.viewport ?? WINDOW,
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    colorScheme: options.colorScheme ?? "light",
    reducedMotion: "reduce",
    locale: "en-GB",
    timezoneId: "UTC",
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  page.on("console", (message) => {
    if (message.type() === "error") {
      errors.push(new Error(message.text()));
    }
  });
  await page.addInitScript(installFakeTauri, {
    fixtures: {
      profiles: fixtures.profiles,
      profileProblems: fixtures.profileProblems,
      generic: fixtures.generic,
      jetpatch: fixtures.jetpatch,
      evidencePreview: fixtures.evidencePreview,
      bundleReport: fixtures.bundleReport,
      outboxItems: fixtures.outboxItems,
      channels: fixtures.channels,
      machineSummary: fixtures.machineSummary,
      settingsView: fixtures.settingsView,
      keyExport: fixtures.keyExport,
      channelCheck: fixtures.channelCheck,
      windows: fixtures.windows,
      pendingScreenshot: fixtures.pendingScreenshot,
      savedScreenshot: fixtures.savedScreenshot,
    },
    seed: options.seed ?? [],
    saveDelayMs: options.saveDelayMs ?? 0,
    progressDelayMs: options.progressDelayMs ?? 120,
  });
  await page.goto(url);
  return { page, context, errors };
}

/**
 * Runs axe-core on the page as it is now; answers every violation as
 * { rule, impact, help, targets[] } (all impacts, so the caller can report the lesser ones too).
 */
export async function axeScan(page) {
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.addScriptTag({ path: axePath });
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(" ")),
    }));
  });
  return violations;
}

/** Presses Tab until `locator` has the focus; fails after `max` presses. */
export async function tabTo(page, locator, max = 40) {
  for (let presses = 0; presses < max; presses += 1) {
    if (await locator.evaluate((element) => element === document.activeElement).catch(() => false)) {
      return presses;
    }
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab did not reach ${locator} within ${max} presses`);
}

/** Whether the element the locator names has the keyboard focus now. */
export function isFocused(locator) {
  return locator.evaluate((element) => element === document.activeElement);
}

/** How far the page scrolls sideways (0 when it fits its window). */
export function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
