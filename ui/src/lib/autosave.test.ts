import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { draftView, emptyRequest } from "../testing/draft-view";
import { DraftSaver, type SaveState } from "./autosave";
import type { DraftView, Request } from "./types";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function withSubject(subject: string): Request {
  const request = emptyRequest();
  request.problem.subject = subject;
  return request;
}

/** A saver over a fake `save_draft` whose replies the test releases one by one. */
function harness() {
  const sent: { subject: string; step: number }[] = [];
  const pending: { resolve: (view: DraftView) => void; reject: (reason: unknown) => void }[] = [];
  const states: SaveState["status"][] = [];
  const views: DraftView[] = [];
  const saver = new DraftSaver({
    path: "/drafts/CF-7K2M-9QXD.toml",
    save: (_path, request, step) => {
      sent.push({ subject: request.problem.subject, step });
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    onview: (view) => views.push(view),
    onstate: (state) => states.push(state.status),
  });
  return { saver, sent, pending, states, views };
}

describe("DraftSaver", () => {
  test("waits for a pause of 300 ms and sends only the latest edit", async () => {
    const { saver, sent, pending, states } = harness();
    saver.edit(withSubject("A"), 2);
    await vi.advanceTimersByTimeAsync(200);
    saver.edit(withSubject("Ag"), 2);
    await vi.advanceTimersByTimeAsync(200);
    saver.edit(withSubject("Agent"), 2);
    await vi.advanceTimersByTimeAsync(299);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([{ subject: "Agent", step: 2 }]);
    pending[0]?.resolve(draftView());
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toBe("saved");
    expect(saver.unsaved).toBe(false);
  });

  test("sends one save at a time, the latest edit last", async () => {
    const { saver, sent, pending, views } = harness();
    saver.edit(withSubject("first"), 1);
    await vi.advanceTimersByTimeAsync(300);
    saver.edit(withSubject("second"), 1);
    saver.edit(withSubject("third"), 1);
    await vi.advanceTimersByTimeAsync(300);
    // "first" is still being written: nothing else goes out yet.
    expect(sent.map((save) => save.subject)).toEqual(["first"]);
    pending[0]?.resolve(draftView({ step: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((save) => save.subject)).toEqual(["first", "third"]);
    pending[1]?.resolve(draftView({ step: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(views).toHaveLength(2);
    expect(saver.unsaved).toBe(false);
  });

  test("a failed save is reported, kept, and sent again by retry", async () => {
    const { saver, sent, pending, states } = harness();
    saver.edit(withSubject("kept"), 3);
    await vi.advanceTimersByTimeAsync(300);
    pending[0]?.reject({ code: "io", message: "disk full" });
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toBe("failed");
    expect(saver.unsaved).toBe(true);
    const retried = saver.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((save) => save.subject)).toEqual(["kept", "kept"]);
    pending[1]?.resolve(draftView());
    await retried;
    expect(states.at(-1)).toBe("saved");
  });

  test("flush sends at once without waiting for the pause", async () => {
    const { saver, sent, pending } = harness();
    saver.edit(withSubject("now"), 4);
    const flushed = saver.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([{ subject: "now", step: 4 }]);
    pending[0]?.resolve(draftView());
    await flushed;
    expect(saver.unsaved).toBe(false);
  });
});
