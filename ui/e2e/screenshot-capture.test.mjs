// The Evidence step's screenshots in a real browser with the fake backend: capture a window,
// black out one box with the pointer and one with the keyboard, add it to the evidence; capture
// the screen after a delay and discard it; pick files; axe-core on the editor; 200% zoom.
//
//   npm run e2e          (after `npm run build`)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeScan, fixtureDrafts, horizontalOverflow, isFocused, launchBrowser, loadFixtures, openApp, serveDist } from "./harness.mjs";

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

async function assertAccessible(page, screen) {
  const violations = await axeScan(page);
  const blocking = violations.filter((violation) => violation.impact !== "minor");
  assert.deepEqual(blocking, [], `axe on "${screen}": moderate, serious or critical violations`);
}

/** The seeded JetPatch draft at step 5. */
async function evidenceStep(page) {
  await page.getByRole("button", { name: "Continue CF-A4ME-98VK" }).click();
  await page.getByRole("heading", { name: "Step 2: Problem", level: 2 }).waitFor();
  await page.getByRole("navigation", { name: "Steps" }).getByRole("button", { name: /^Step 5:/ }).click();
  await page.getByRole("heading", { name: "Step 5: Evidence", level: 2 }).waitFor();
  return page.getByRole("region", { name: "Add screenshots and files" });
}

function calls(page, cmd) {
  return page.evaluate((name) => window.__fakeBackend.calls.filter((call) => call.cmd === name).map((call) => call.args), cmd);
}

describe("screenshots at the Evidence step", () => {
  test("a window is captured, blacked out with the pointer and the keyboard, and added to the evidence", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, { seed: fixtureDrafts(fixtures) });
    const shots = await evidenceStep(page);
    await shots.getByRole("button", { name: "Capture a window…" }).click();
    const choice = shots.getByRole("combobox", { name: "Window" });
    await choice.waitFor();
    assert.ok(await isFocused(choice), "the window list takes the focus");
    const [ours] = fixtures.windows;
    assert.match(await choice.innerText(), new RegExp(ours.title));
    await shots.getByRole("button", { name: "Capture this window" }).click();
    const editor = shots.getByRole("region", { name: "Black out what must not be sent" });
    await editor.waitFor();
    assert.ok(await isFocused(editor.getByRole("heading", { name: "Black out what must not be sent" })));
    assert.deepEqual((await calls(page, "capture_screenshot")).at(-1)?.target, { kind: "window", id: ours.id });
    await assertAccessible(page, "step 5, screenshot editor");

    // Drag over the image: 16,10 to 80,50 on screen, scaled to image pixels.
    const surface = page.getByTestId("screenshot-surface");
    const box = await surface.boundingBox();
    const scale = fixtures.pendingScreenshot.width / box.width;
    await page.mouse.move(box.x + 16, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + 50, box.y + 30);
    await page.mouse.move(box.x + 80, box.y + 50);
    await page.mouse.up();
    const drawn = { x: Math.round(16 * scale), y: Math.round(10 * scale), width: Math.round(80 * scale) - Math.round(16 * scale), height: Math.round(50 * scale) - Math.round(10 * scale) };
    // The box is drawn solid black in the preview.
    const black = await surface.locator(".box").first().evaluate((element) => getComputedStyle(element).backgroundColor);
    assert.equal(black, "rgb(0, 0, 0)");

    // And one typed with the keyboard alone.
    await editor.getByRole("textbox", { name: "X", exact: true }).focus();
    await page.keyboard.type("100");
    await page.keyboard.press("Tab");
    await page.keyboard.type("60");
    await page.keyboard.press("Tab");
    await page.keyboard.type("40");
    await page.keyboard.press("Tab");
    await page.keyboard.type("30");
    await page.keyboard.press("Enter");
    const list = editor.getByRole("list", { name: "Black-out boxes" });
    await list.getByText("Box 2: 40 by 30 pixels at 100, 60").waitFor();
    await editor.getByRole("textbox", { name: "File name (optional)" }).fill("Agent console");
    await assertAccessible(page, "step 5, screenshot editor with boxes");
    await editor.getByRole("button", { name: "Add to evidence" }).click();

    const added = page.getByRole("list", { name: "Added files" });
    await added.getByText(/\/screenshots\/CF-A4ME-98VK\/Agent console\.png$/).waitFor();
    assert.match(await added.innerText(), /screenshot/);
    await shots.getByRole("status").getByText(/Added .*Agent console\.png \(2 boxes blacked out\)/).waitFor();
    const accept = (await calls(page, "accept_screenshot")).at(-1);
    assert.deepEqual(accept.blackOut, [drawn, { x: 100, y: 60, width: 40, height: 30 }]);
    assert.equal(accept.name, "Agent console");
    const saves = await calls(page, "save_draft");
    const evidence = saves.at(-1)?.request.evidence ?? [];
    assert.ok(
      evidence.some((item) => item.evidence_id === "screenshot" && item.path.endsWith("/Agent console.png")),
      `the draft lists the screenshot: ${JSON.stringify(evidence)}`,
    );
    assert.equal(await shots.getByRole("region", { name: "Black out what must not be sent" }).count(), 0);
    assert.deepEqual(errors.map((error) => error.message), []);
    await context.close();
  });

  test("the screen is captured after the chosen delay and can be discarded; picked files are added", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, { seed: fixtureDrafts(fixtures) });
    const shots = await evidenceStep(page);
    await shots.getByRole("combobox", { name: "Wait before capturing" }).selectOption({ label: "3 seconds" });
    await shots.getByRole("button", { name: "Capture the screen" }).click();
    const editor = shots.getByRole("region", { name: "Black out what must not be sent" });
    await editor.waitFor();
    assert.deepEqual((await calls(page, "capture_screenshot")).at(-1), {
      path: "/home/user/.local/share/casefile/drafts/CF-A4ME-98VK.toml",
      target: { kind: "screen" },
      delaySeconds: 3,
    });
    await editor.getByRole("button", { name: "Discard" }).click();
    await shots.getByRole("status").getByText("Screenshot discarded.").waitFor();
    assert.equal((await calls(page, "discard_screenshot")).length, 1);

    await shots.getByRole("button", { name: "Pick image files…" }).click();
    await editor.getByText(/this one has: EXIF \(GPS position, camera\)/).waitFor();
    assert.equal(await editor.getByRole("textbox", { name: "File name (optional)" }).inputValue(), "error dialog");
    await editor.getByRole("button", { name: "Discard" }).click();

    await page.getByRole("button", { name: "Pick files…" }).click();
    await page.getByRole("list", { name: "Added files" }).getByText("/home/ana/Documents/agent-notes.txt").waitFor();
    assert.deepEqual(errors.map((error) => error.message), []);
    await context.close();
  });

  test("at 200% zoom the editor fits the window and stays accessible", TIMEOUT, async () => {
    const { page, context, errors } = await openApp(browser, server.url, fixtures, {
      seed: fixtureDrafts(fixtures),
      viewport: { width: 640, height: 400 },
      deviceScaleFactor: 2,
    });
    const shots = await evidenceStep(page);
    await shots.getByRole("button", { name: "Capture the screen" }).click();
    await shots.getByRole("region", { name: "Black out what must not be sent" }).waitFor();
    assert.equal(await horizontalOverflow(page), 0, "the step scrolls sideways at 200%");
    await assertAccessible(page, "step 5, screenshot editor at 200%");
    assert.deepEqual(errors.map((error) => error.message), []);
    await context.close();
  });
});
