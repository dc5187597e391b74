import type { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, test } from "vitest";
import type { OutboxItemReport, SendProgress } from "../lib/types";
import { sentItem, waitingItem } from "../testing/evidence";
import OutboxView from "./OutboxView.svelte";

afterEach(() => {
  clearMocks();
});

function backend(): { command: string; args: unknown }[] {
  const calls: { command: string; args: unknown }[] = [];
  let items: OutboxItemReport[] = [
    waitingItem({ id: "CF-AAAA-BBBB.helpdesk", caseCode: "CF-AAAA-BBBB" }),
    sentItem(),
  ];
  mockIPC((command, args) => {
    calls.push({ command, args });
    const id = (args as { id?: string } | undefined)?.id;
    switch (command) {
      case "list_outbox":
        return items;
      case "retry_outbox": {
        (args as { onProgress: Channel<SendProgress> }).onProgress.onmessage({ step: "creating the ticket", sent: 0, total: 0 });
        const fresh = sentItem({ id: "CF-AAAA-BBBB.helpdesk", caseCode: "CF-AAAA-BBBB", attempts: 3 });
        items = items.map((item) => (item.id === id ? fresh : item));
        return fresh;
      }
      case "remove_outbox":
        items = items.filter((item) => item.id !== id);
        return null;
      default:
        throw `unexpected command ${command}`;
    }
  });
  return calls;
}

describe("OutboxView", () => {
  test("lists items with state, channel, attempts, last error and next attempt", async () => {
    backend();
    render(OutboxView);
    const list = await screen.findByRole("list", { name: "Outbox items" });
    const [waiting, sent] = within(list).getAllByRole("listitem").filter((item) => item.parentElement === list);
    expect(waiting?.textContent).toContain("Waiting to retry");
    expect(waiting?.textContent).toContain("helpdesk, which files a Zendesk request");
    expect(waiting?.textContent).toContain("jetpatch.zendesk.com answered 503 Service Unavailable");
    expect(waiting?.textContent).toMatch(/Attempts\s*2/);
    expect(waiting?.textContent).toContain("Next attempt");
    expect(sent?.textContent).toContain("Sent");
    expect(within(sent as HTMLElement).getByText("Receipt: ticket 4711")).toBeTruthy();
    expect(within(sent as HTMLElement).queryByRole("button", { name: /Retry/ })).toBeNull();
  });

  test("Retry sends the item again and shows its new state", async () => {
    const calls = backend();
    render(OutboxView);
    await fireEvent.click(await screen.findByRole("button", { name: "Retry now: CF-AAAA-BBBB.helpdesk" }));
    await screen.findByText("CF-AAAA-BBBB sent.");
    expect(calls.find((call) => call.command === "retry_outbox")?.args).toMatchObject({ id: "CF-AAAA-BBBB.helpdesk" });
    expect(screen.queryByRole("button", { name: "Retry now: CF-AAAA-BBBB.helpdesk" })).toBeNull();
  });

  test("Remove asks first; Keep it cancels, Remove removes", async () => {
    const calls = backend();
    render(OutboxView);
    await fireEvent.click(await screen.findByRole("button", { name: "Remove… CF-7K2M-9QXD.helpdesk" }));
    const confirm = screen.getByRole("group", { name: "Remove CF-7K2M-9QXD.helpdesk?" });
    expect(confirm.textContent).toContain("Its receipt goes with it.");
    expect(document.activeElement).toBe(within(confirm).getByRole("button", { name: "Keep it" }));
    await fireEvent.click(within(confirm).getByRole("button", { name: "Keep it" }));
    expect(calls.some((call) => call.command === "remove_outbox")).toBe(false);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Remove… CF-7K2M-9QXD.helpdesk" }));

    await fireEvent.click(screen.getByRole("button", { name: "Remove… CF-7K2M-9QXD.helpdesk" }));
    await fireEvent.click(screen.getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(screen.queryByText("CF-7K2M-9QXD")).toBeNull());
    expect(calls.find((call) => call.command === "remove_outbox")?.args).toEqual({ id: "CF-7K2M-9QXD.helpdesk" });
  });
});
