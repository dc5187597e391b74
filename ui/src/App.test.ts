import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, test } from "vitest";
import App from "./App.svelte";
import summaries from "./lib/fixtures/profile-summaries.json";
import type { DraftSummary } from "./lib/types";
import { DRAFT_PATH, draftView } from "./testing/draft-view";
import { machine } from "./testing/evidence";

afterEach(() => {
  clearMocks();
  localStorage.clear();
});

const saved: DraftSummary = {
  path: DRAFT_PATH,
  caseCode: "CF-7K2M-9QXD",
  profile: "jetpatch",
  vendor: "JetPatch",
  subject: "Agents stop reporting after patch window",
  step: 3,
  updatedAt: "2026-11-24T15:04:00Z",
  errors: 2,
  problem: null,
};

/** Mocks the start screen's commands; returns the calls made. */
function backend(drafts: DraftSummary[], options: { openError?: unknown } = {}) {
  const calls: { command: string; args: unknown }[] = [];
  let list = [...drafts];
  mockIPC((command, args) => {
    calls.push({ command, args });
    switch (command) {
      case "list_drafts":
        return list;
      case "list_vendor_profiles":
        return summaries;
      case "open_draft":
        if (options.openError !== undefined) {
          list = [];
          throw options.openError;
        }
        return draftView({ step: 3 });
      case "new_draft":
        return draftView({ step: 1 });
      case "delete_draft":
        list = list.filter((draft) => draft.path !== (args as { path: string }).path);
        return null;
      case "save_draft":
        return draftView();
      case "machine_summary":
        return machine();
      case "list_outbox":
        return [];
      default:
        throw `unexpected command ${command}`;
    }
  });
  return calls;
}

describe("start screen", () => {
  test("on launch saved drafts are listed, and reopening one lands on its step", async () => {
    const calls = backend([saved]);
    render(App);
    const list = await screen.findByRole("list", { name: "Drafts" });
    const item = within(list).getByRole("listitem");
    expect(item.textContent).toContain("CF-7K2M-9QXD");
    expect(item.textContent).toContain("Agents stop reporting after patch window");
    expect(item.textContent).toContain("left at step 3");
    expect(item.textContent).toContain("2 things to fix");
    // With drafts, the new-request form waits behind a button.
    expect(screen.queryByRole("group", { name: "Vendor" })).toBeNull();

    await fireEvent.click(within(item).getByRole("button", { name: "Continue CF-7K2M-9QXD" }));
    const heading = await screen.findByRole("heading", { level: 2, name: "Step 3: Scope" });
    expect(document.activeElement).toBe(heading);
    expect(calls.find((call) => call.command === "open_draft")?.args).toEqual({ path: DRAFT_PATH });
  });

  test("deleting a draft asks first; Keep it cancels", async () => {
    const calls = backend([saved]);
    render(App);
    const list = await screen.findByRole("list", { name: "Drafts" });
    await fireEvent.click(within(list).getByRole("button", { name: "Delete… CF-7K2M-9QXD" }));
    const confirm = screen.getByRole("group", { name: "Delete CF-7K2M-9QXD?" });
    expect(document.activeElement).toBe(within(confirm).getByRole("button", { name: "Keep it" }));
    await fireEvent.click(within(confirm).getByRole("button", { name: "Keep it" }));
    expect(calls.some((call) => call.command === "delete_draft")).toBe(false);

    await fireEvent.click(within(list).getByRole("button", { name: "Delete… CF-7K2M-9QXD" }));
    await fireEvent.click(screen.getByRole("button", { name: "Delete draft" }));
    await waitFor(() => expect(screen.queryByRole("list", { name: "Drafts" })).toBeNull());
    expect(calls.find((call) => call.command === "delete_draft")?.args).toEqual({ path: DRAFT_PATH });
    // With no drafts left the new-request form is shown.
    expect(screen.getByRole("group", { name: "Vendor" })).toBeTruthy();
  });

  test("a draft that vanished is reported by code and the list refreshed", async () => {
    backend([saved], { openError: { code: "draft_not_found", message: "no such draft" } });
    render(App);
    const list = await screen.findByRole("list", { name: "Drafts" });
    await fireEvent.click(within(list).getByRole("button", { name: "Continue CF-7K2M-9QXD" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Draft CF-7K2M-9QXD is no longer on disk");
    await waitFor(() => expect(screen.queryByRole("list", { name: "Drafts" })).toBeNull());
  });

  test("a new request: choose the vendor and tier, then the wizard opens at step 1", async () => {
    const calls = backend([]);
    render(App);
    const vendors = await screen.findByRole("group", { name: "Vendor" });
    const start = screen.getByRole("button", { name: "Start request" });
    expect((start as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(within(vendors).getByRole("radio", { name: /JumpCloud/ }));
    const tiers = screen.getByRole("group", { name: "Support tier with JumpCloud" });
    await fireEvent.click(within(tiers).getByRole("radio", { name: "Premium" }));
    await fireEvent.click(start);
    await screen.findByRole("heading", { level: 2, name: "Step 1: Vendor and contact" });
    expect(calls.find((call) => call.command === "new_draft")?.args).toEqual({ profile: "jumpcloud", tier: "premium" });
  });

  test("a vendor with one tier needs no tier choice", async () => {
    const calls = backend([]);
    render(App);
    const vendors = await screen.findByRole("group", { name: "Vendor" });
    await fireEvent.click(within(vendors).getByRole("radio", { name: /JetPatch/ }));
    const tiers = screen.getByRole("group", { name: "Support tier with JetPatch" });
    expect((within(tiers).getByRole("radio") as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByRole("button", { name: "Start request" }));
    await screen.findByRole("heading", { level: 2, name: "Step 1: Vendor and contact" });
    expect(calls.find((call) => call.command === "new_draft")?.args).toEqual({ profile: "jetpatch", tier: "standard" });
  });
});

describe("phone mode", () => {
  test("the header toggle is remembered and brings the Read aloud panel to the wizard", async () => {
    backend([saved]);
    const first = render(App);
    const toggle = screen.getByRole("button", { name: /Phone mode/ });
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    await fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    expect(localStorage.getItem("casefile.phoneMode")).toBe("on");
    first.unmount();

    render(App);
    expect(screen.getByRole("button", { name: /Phone mode/ }).getAttribute("aria-pressed")).toBe("true");
    const list = await screen.findByRole("list", { name: "Drafts" });
    // Outside a draft too: the drafts' case codes, spelled for the phone.
    expect(within(list).getByText("Charlie Foxtrot, 7 Kilo 2 Mike, 9 Quebec X-ray Delta")).toBeTruthy();
    await fireEvent.click(within(list).getByRole("button", { name: "Continue CF-7K2M-9QXD" }));
    const panel = await screen.findByRole("complementary", { name: "Read aloud" });
    await waitFor(() => expect(panel.textContent).toContain("web-01"));
    expect(document.querySelector(".wizard.phone")).not.toBeNull();

    await fireEvent.click(screen.getByRole("button", { name: /Phone mode/ }));
    expect(screen.queryByRole("complementary", { name: "Read aloud" })).toBeNull();
    expect(localStorage.getItem("casefile.phoneMode")).toBe("off");
  });

  test("the Outbox and Settings sections sit beside Requests and Vendor profiles", async () => {
    backend([]);
    render(App);
    const nav = screen.getByRole("navigation", { name: "Sections" });
    expect(within(nav).getAllByRole("button").map((button) => button.textContent?.trim())).toEqual([
      "Requests",
      "Outbox",
      "Vendor profiles",
      "Settings",
    ]);
    await fireEvent.click(within(nav).getByRole("button", { name: "Outbox" }));
    await screen.findByText(/Nothing sent yet/);
  });
});
