// The screenshot editor with the IPC mocked: boxes drawn with the pointer map from the scaled
// preview to image pixels, boxes typed in the fields are checked and added, Remove takes one out,
// and "Add to evidence" sends exactly the boxes shown; "Discard" discards.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, test, vi } from "vitest";
import pendingFixture from "../lib/fixtures/pending-screenshot.json";
import savedFixture from "../lib/fixtures/saved-screenshot.json";
import type { PendingScreenshot, SavedScreenshot } from "../lib/types";
import ScreenshotEditor from "./ScreenshotEditor.svelte";

afterEach(() => {
  clearMocks();
});

const PATH = "/home/user/.local/share/casefile/drafts/CF-A4ME-98VK.toml";

/** The fixture reply, as a 400x200 image with metadata to drop. */
function pending(): PendingScreenshot {
  return { ...(pendingFixture as PendingScreenshot), width: 400, height: 200, stripped: ["EXIF (GPS position, camera)"] };
}

function setup() {
  const calls: { command: string; args: Record<string, unknown> }[] = [];
  mockIPC((command, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ command, args });
    if (command === "accept_screenshot") {
      return { ...(savedFixture as SavedScreenshot), boxes: (args["blackOut"] as unknown[]).length };
    }
    if (command === "discard_screenshot") {
      return null;
    }
    throw { code: "ipc", message: `unexpected ${command}` };
  });
  const onaccepted = vi.fn();
  const ondiscarded = vi.fn();
  render(ScreenshotEditor, { props: { path: PATH, pending: pending(), onaccepted, ondiscarded } });
  const surface = screen.getByTestId("screenshot-surface");
  // Shown at half size, 10 px from the left and 20 px from the top of the viewport.
  surface.getBoundingClientRect = () =>
    ({ left: 10, top: 20, width: 200, height: 100, right: 210, bottom: 120, x: 10, y: 20, toJSON: () => ({}) }) as DOMRect;
  return { calls, onaccepted, ondiscarded, surface };
}

function boxList(): string[] {
  const list = screen.queryByRole("list", { name: "Black-out boxes" });
  return list === null ? [] : within(list).getAllByRole("listitem").map((item) => item.textContent?.replace(/\s+/g, " ").trim() ?? "");
}

describe("ScreenshotEditor", () => {
  test("shows the image, its size and the metadata that will be removed", () => {
    setup();
    expect(screen.getByRole("img", { name: "The screenshot to black out, 400 by 200 pixels" })).toBeTruthy();
    expect(screen.getByText(/this one has: EXIF \(GPS position, camera\)/)).toBeTruthy();
    expect(screen.getByText("No boxes yet: the whole image will be sent.")).toBeTruthy();
  });

  test("the image can be shown at its actual size, scrolling, and fitted again", async () => {
    const { surface } = setup();
    const zoom = screen.getByRole("button", { name: "Show at actual size" });
    expect(zoom.getAttribute("aria-pressed")).toBe("false");
    await fireEvent.click(zoom);
    expect(surface.style.width).toBe("400px");
    expect(screen.getByRole("button", { name: "Fit to the width" }).getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByLabelText("The screenshot at actual size").getAttribute("tabindex")).toBe("0");
    await fireEvent.click(screen.getByRole("button", { name: "Fit to the width" }));
    expect(surface.style.width).toBe("");
  });

  test("a box drawn with the pointer maps from the scaled preview to image pixels", async () => {
    const { surface } = setup();
    await fireEvent.pointerDown(surface, { clientX: 30, clientY: 40, button: 0, pointerId: 1 });
    await fireEvent.pointerMove(surface, { clientX: 60, clientY: 60, pointerId: 1 });
    expect(surface.querySelector(".box.drawing")).not.toBeNull();
    await fireEvent.pointerUp(surface, { clientX: 80, clientY: 70, pointerId: 1 });
    // (30-10)*2 = 40, (40-20)*2 = 40; to (80-10)*2 = 140, (70-20)*2 = 100.
    expect(boxList()).toEqual(["Box 1: 100 by 60 pixels at 40, 40 Remove"]);
    const drawn = surface.querySelector<HTMLElement>(".box:not(.drawing)");
    expect(drawn?.style.left).toBe("10%");
    expect(drawn?.style.width).toBe("25%");
    // Dragging up and to the left gives the same kind of box; a click without a drag adds none.
    await fireEvent.pointerDown(surface, { clientX: 210, clientY: 120, button: 0, pointerId: 1 });
    await fireEvent.pointerUp(surface, { clientX: 200, clientY: 110, pointerId: 1 });
    await fireEvent.pointerDown(surface, { clientX: 50, clientY: 50, button: 0, pointerId: 1 });
    await fireEvent.pointerUp(surface, { clientX: 50, clientY: 50, pointerId: 1 });
    expect(boxList()).toEqual(["Box 1: 100 by 60 pixels at 40, 40 Remove", "Box 2: 20 by 20 pixels at 380, 180 Remove"]);
  });

  test("a box typed in image pixels is checked, added, and can be removed", async () => {
    setup();
    const type = async (x: string, y: string, width: string, height: string) => {
      await fireEvent.input(screen.getByLabelText("X"), { target: { value: x } });
      await fireEvent.input(screen.getByLabelText("Y"), { target: { value: y } });
      await fireEvent.input(screen.getByLabelText("Width"), { target: { value: width } });
      await fireEvent.input(screen.getByLabelText("Height"), { target: { value: height } });
      await fireEvent.click(screen.getByRole("button", { name: "Add box" }));
    };
    await type("400", "0", "10", "10");
    expect(screen.getByText(/starts outside the image, which is 400 by 200 pixels/)).toBeTruthy();
    await type("1", "2", "0", "5");
    expect(screen.getByText("Give the box a width and a height of at least 1 pixel.")).toBeTruthy();
    await type("a", "2", "3", "5");
    expect(screen.getByText(/whole numbers of pixels/)).toBeTruthy();
    await type("390", "10", "50", "20");
    expect(boxList()).toEqual(["Box 1: 10 by 20 pixels at 390, 10 Remove"]);
    expect(screen.getByRole("status").textContent).toContain("Box 1 added");
    await type("0", "0", "5", "5");
    await fireEvent.click(screen.getByRole("button", { name: "Remove box 1" }));
    expect(boxList()).toEqual(["Box 1: 5 by 5 pixels at 0, 0 Remove"]);
  });

  test("Add to evidence sends exactly the boxes shown and the chosen name", async () => {
    const { calls, onaccepted, surface } = setup();
    await fireEvent.pointerDown(surface, { clientX: 10, clientY: 20, button: 0, pointerId: 1 });
    await fireEvent.pointerUp(surface, { clientX: 20, clientY: 30, pointerId: 1 });
    await fireEvent.input(screen.getByLabelText("X"), { target: { value: "100" } });
    await fireEvent.input(screen.getByLabelText("Y"), { target: { value: "50" } });
    await fireEvent.input(screen.getByLabelText("Width"), { target: { value: "30" } });
    await fireEvent.input(screen.getByLabelText("Height"), { target: { value: "40" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add box" }));
    await fireEvent.input(screen.getByLabelText("File name (optional)"), { target: { value: "  Agent console  " } });
    await fireEvent.click(screen.getByRole("button", { name: "Add to evidence" }));
    await waitFor(() => expect(onaccepted).toHaveBeenCalledTimes(1));
    const accept = calls.find((call) => call.command === "accept_screenshot");
    expect(accept?.args).toEqual({
      path: PATH,
      id: pendingFixture.id,
      name: "Agent console",
      blackOut: [
        { x: 0, y: 0, width: 20, height: 20 },
        { x: 100, y: 50, width: 30, height: 40 },
      ],
    });
    expect((onaccepted.mock.calls[0]?.[0] as SavedScreenshot).boxes).toBe(2);
  });

  test("a refused box is explained and Discard discards", async () => {
    const { ondiscarded } = setup();
    mockIPC((command) => {
      if (command === "accept_screenshot") {
        throw { code: "black_out_invalid", message: "black-out box 1 (500,0 10x10): it lies outside the 400x200 image" };
      }
      return null;
    });
    await fireEvent.click(screen.getByRole("button", { name: "Add to evidence" }));
    expect((await screen.findByRole("alert")).textContent).toContain("A box does not fit the image");
    await fireEvent.click(screen.getByRole("button", { name: "Discard" }));
    await waitFor(() => expect(ondiscarded).toHaveBeenCalledTimes(1));
  });
});
