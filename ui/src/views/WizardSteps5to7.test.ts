// Steps 5 Evidence, 6 Review and 7 Send, with the contract-2 commands mocked.
import type { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, test } from "vitest";
import type {
  BundleReport,
  CollectProgress,
  DisclosureReport,
  EvidenceSelection,
  OutboxItemReport,
  PendingScreenshot,
  Request,
  SavedEvidence,
  SendProgress,
} from "../lib/types";
import { draftView, viewFor } from "../testing/draft-view";
import { bundleReport, channels, disclosure, evidencePreview, machine, redaction, sentItem, waitingItem } from "../testing/evidence";
import pendingFixture from "../lib/fixtures/pending-screenshot.json";
import WizardView from "./WizardView.svelte";

afterEach(() => {
  clearMocks();
});

interface Call {
  command: string;
  args: Record<string, unknown>;
}

interface Options {
  report?: () => BundleReport;
  /** Holds `build_bundle` open until `release` is called; sends `progress` first. */
  holdBuild?: { progress: CollectProgress[]; release?: (value: unknown) => void; reject?: (reason: unknown) => void };
  submit?: (again: boolean) => OutboxItemReport | { error: { code: string; message: string } };
  retry?: () => OutboxItemReport;
  /** What `saved_evidence` answers: the selection and last bundle kept with the draft. */
  saved?: SavedEvidence;
  /** What `pending_screenshots` answers: screenshots left in the editor last time. */
  pending?: PendingScreenshot[];
  /** What `disclosure_review` answers (a scratch review). */
  review?: () => DisclosureReport;
  /** Saves answer the stand-in core's problems (an incomplete request); else none. */
  problems?: boolean;
  /** What `list_outbox` answers. */
  outbox?: OutboxItemReport[];
  /** Added paths the preview reports as not found. */
  missing?: string[];
}

function backend(options: Options = {}): Call[] {
  const calls: Call[] = [];
  let saved: Request | null = null;
  mockIPC((command, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ command, args });
    switch (command) {
      case "save_draft": {
        saved = args["request"] as Request;
        const view = viewFor(args["request"] as Request, args["step"] as number);
        if (options.problems === true) {
          return view;
        }
        return { ...view, problems: [], steps: view.steps.map((spec) => ({ ...spec, errors: 0, warnings: 0 })) };
      }
      case "list_outbox":
        return options.outbox ?? [];
      case "open_saved_email":
      case "show_saved_email":
        return null;
      case "list_channels":
        return channels();
      case "preview_evidence": {
        const selection = args["selection"] as EvidenceSelection;
        const preview = evidencePreview(selection.kinds ?? ["agent-logs", "manager-logs"]);
        const gone = (saved?.evidence ?? []).filter((item) => options.missing?.includes(item.path) === true);
        return { ...preview, skipped: [...preview.skipped, ...gone.map((item) => ({ source: item.path, reason: "not-found", detail: "does not exist" }))] };
      }
      case "read_collection_code":
        if (args["code"] === "K7Q2-M9XD") {
          return { kinds: ["manager-logs"], since: "24h", snapshot: false, includeBinary: false };
        }
        throw { code: "invalid_code", message: "the check character does not match: a character was mistyped" };
      case "build_bundle": {
        const hold = options.holdBuild;
        if (hold !== undefined) {
          const channel = args["onProgress"] as Channel<CollectProgress>;
          for (const message of hold.progress) {
            channel.onmessage(message);
          }
          return new Promise((resolve, reject) => {
            hold.release = resolve;
            hold.reject = reject;
          });
        }
        return (options.report ?? bundleReport)();
      }
      case "cancel_bundle":
        options.holdBuild?.reject?.({ code: "cancelled", message: "cancelled: no bundle was written" });
        return null;
      case "redaction_preview":
        return redaction(args["file"] as string);
      case "disclosure_review":
        return (options.review ?? (() => disclosure()))();
      case "attach_pasted_text": {
        const request = structuredClone(pastedRequest);
        request.problem.description = "(The log pasted here, 40 lines, is attached as CF-7K2M-9QXD-description.log.)";
        request.evidence.push({ evidence_id: "", path: "CF-7K2M-9QXD-description.log", note: "the log pasted into description" });
        return viewFor(request, 2);
      }
      case "render_request":
        return "# CF-7K2M-9QXD: Agents stop reporting after patch window\n\nVendor: JetPatch\n";
      case "submit_draft": {
        const channel = args["onProgress"] as Channel<SendProgress>;
        channel.onmessage({ step: "uploading CF-7K2M-9QXD.zip", sent: 100, total: 420000 });
        const result = (options.submit ?? (() => sentItem()))(args["again"] as boolean);
        if ("error" in result) {
          throw result.error;
        }
        return result;
      }
      case "retry_outbox":
        return (options.retry ?? (() => sentItem()))();
      case "machine_summary":
        return machine();
      case "saved_evidence":
        return options.saved ?? { selection: null, bundle: null, bundleCurrent: false };
      case "save_selection":
        return null;
      case "pending_screenshots":
        return options.pending ?? [];
      case "import_screenshots":
        return (args["files"] as string[]).map((file, index) => ({
          ...pendingFixture,
          id: `${index}`.padStart(32, "0"),
          name: file.replace(/^.*\//, "").replace(/\.[a-z]+$/, ""),
        }));
      default:
        throw `unexpected command ${command}`;
    }
  });
  return calls;
}

/** A request whose description is a pasted log. */
const pastedRequest: Request = (() => {
  const request = structuredClone(draftView().request);
  request.problem.description = Array.from({ length: 40 }, (_, i) => `2026-11-24 14:${String(i).padStart(2, "0")}:00 ERROR sync failed`).join("\n");
  return request;
})();

function open(step: number, phoneMode = false): void {
  render(WizardView, { initial: draftView({ step, problems: [] }), saveDelayMs: 10, onclose: () => undefined, phoneMode });
}

/** Opens "Change what's collected" on step 5 and answers the group of evidence kinds. */
async function openCollect(): Promise<HTMLElement> {
  const toggle = await screen.findByRole("button", { name: "Change what's collected" });
  if (toggle.getAttribute("aria-expanded") !== "true") {
    await fireEvent.click(toggle);
  }
  return screen.findByRole("group", { name: "Evidence JetPatch asks for" });
}

/** Opens "Support gave you a code?" on step 5 and answers its text box. */
async function openCode(): Promise<HTMLElement> {
  await fireEvent.click(await screen.findByRole("button", { name: "Support gave you a code?" }));
  return screen.findByRole("textbox", { name: "Support gave you a code? Type it" });
}

function commands(calls: Call[], name: string): Call[] {
  return calls.filter((call) => call.command === name);
}

describe("step 5 Evidence", () => {
  test("leads with what will be sent and one Build button; the choices wait behind Change what's collected", async () => {
    const calls = backend({ saved: { selection: null, bundle: null, bundleCurrent: false } });
    open(5);
    const summary = await screen.findByRole("region", { name: "What goes to JetPatch" });
    await waitFor(() => expect(summary.textContent).toMatch(/We'll send: Agent logs \(3\.1 MB\), Manager logs \(500 KB\), the system snapshot\./));
    // The Build button is in that first card, before any choice.
    const build = within(summary).getByRole("button", { name: "Build the bundle" });
    const buttons = within(summary).getAllByRole("button");
    expect(buttons[0]).toBe(build);
    // The choices, the code and the destination are not on the page until asked for.
    expect(screen.queryByRole("group", { name: "Evidence JetPatch asks for" })).toBeNull();
    expect(screen.queryByRole("textbox", { name: "Support gave you a code? Type it" })).toBeNull();
    expect(screen.queryByRole("radio", { name: /helpdesk/ })).toBeNull();
    const change = within(summary).getByRole("button", { name: "Change what's collected" });
    expect(change.getAttribute("aria-expanded")).toBe("false");
    await fireEvent.click(change);
    expect(change.getAttribute("aria-expanded")).toBe("true");
    const kinds = await screen.findByRole("group", { name: "Evidence JetPatch asks for" });
    await fireEvent.click(within(kinds).getByRole("checkbox", { name: /Manager logs/ }));
    await waitFor(() => expect(summary.textContent).toMatch(/We'll send: Agent logs \(3\.1 MB\), the system snapshot\./));
    // One card adds screenshots and files.
    const add = screen.getByRole("region", { name: "Add screenshots and files" });
    expect(within(add).getByRole("button", { name: "Capture the screen" })).toBeTruthy();
    expect(within(add).getByRole("textbox", { name: "File path" })).toBeTruthy();
    expect(screen.queryByRole("region", { name: "Screenshots" })).toBeNull();
    expect(commands(calls, "list_channels").length).toBeGreaterThanOrEqual(0);
  });

  test("a redaction preview opens next to the file it was asked for", async () => {
    backend();
    open(5);
    await openCollect();
    const path = screen.getByRole("textbox", { name: "File path" });
    await fireEvent.input(path, { target: { value: "/home/ana/notes.txt" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add file" }));
    const add = screen.getByRole("region", { name: "Add screenshots and files" });
    await fireEvent.click(await within(add).findByRole("button", { name: "Preview redaction of /home/ana/notes.txt" }));
    await within(add).findByRole("region", { name: "Redaction preview" });
    expect(within(screen.getByRole("region", { name: "What goes to JetPatch" })).queryByRole("region", { name: "Redaction preview" })).toBeNull();
  });

  test("lists the kinds with files and sizes; unticking one asks for a fresh preview", async () => {
    const calls = backend();
    open(5);
    const kinds = await openCollect();
    const agent = within(kinds).getByRole("checkbox", { name: /Agent logs/ }) as HTMLInputElement;
    const manager = within(kinds).getByRole("checkbox", { name: /Manager logs/ }) as HTMLInputElement;
    expect(agent.checked).toBe(true);
    expect(manager.checked).toBe(true);
    expect(within(kinds).getByRole("list", { name: "Files for Agent logs" }).textContent).toContain("/var/log/jetpatch/agent.log");
    expect(within(kinds).getByText(/2 files, 3.1 MB/)).toBeTruthy();
    expect(commands(calls, "preview_evidence")[0]?.args["selection"]).toEqual({
      kinds: null,
      since: null,
      snapshot: true,
      includeBinary: false,
    });

    await fireEvent.click(agent);
    await waitFor(() => expect(commands(calls, "preview_evidence")).toHaveLength(2));
    expect((commands(calls, "preview_evidence")[1]?.args["selection"] as EvidenceSelection).kinds).toEqual(["manager-logs"]);
    await waitFor(() => expect(within(kinds).queryByRole("list", { name: "Files for Agent logs" })).toBeNull());
    expect(agent.checked).toBe(false);

    await fireEvent.click(screen.getByRole("radio", { name: "Last 7 days" }));
    await waitFor(() => expect(commands(calls, "preview_evidence")).toHaveLength(3));
    expect((commands(calls, "preview_evidence")[2]?.args["selection"] as EvidenceSelection).since).toBe("7d");
  });

  test("a collection code applies its selection and says what it chose", async () => {
    const calls = backend();
    open(5);
    await openCollect();
    const field = await openCode();
    await fireEvent.input(field, { target: { value: "K7Q2-M9XD" } });
    await fireEvent.click(screen.getByRole("button", { name: "Apply code" }));
    await waitFor(() => expect(screen.getByText(/Code applied: Manager logs; last 24 hours; without the support snapshot\./)).toBeTruthy());
    expect(commands(calls, "read_collection_code")[0]?.args).toEqual({ path: draftView().path, code: "K7Q2-M9XD" });
    await waitFor(() =>
      expect(commands(calls, "preview_evidence").at(-1)?.args["selection"]).toEqual({
        kinds: ["manager-logs"],
        since: "24h",
        snapshot: false,
        includeBinary: false,
      }),
    );
    expect((screen.getByRole("radio", { name: "Last 24 hours" }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole("checkbox", { name: /support snapshot/ }) as HTMLInputElement).checked).toBe(false);
  });

  test("a mistyped code shows the core's message beside the field", async () => {
    backend();
    open(5);
    await openCollect();
    const field = await openCode();
    await fireEvent.input(field, { target: { value: "K7Q2-M9XE" } });
    await fireEvent.click(screen.getByRole("button", { name: "Apply code" }));
    await waitFor(() => expect(field.getAttribute("aria-invalid")).toBe("true"));
    const message = document.getElementById(field.getAttribute("aria-describedby")?.split(" ").at(-1) ?? "");
    expect(message?.textContent?.trim()).toBe("the check character does not match: a character was mistyped");
  });

  test("a typed path is added to the request's evidence and saved; a relative one is refused", async () => {
    const calls = backend();
    open(5);
    await openCollect();
    const path = screen.getByRole("textbox", { name: "File path" });
    await fireEvent.input(path, { target: { value: "notes.txt" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add file" }));
    expect(path.getAttribute("aria-invalid")).toBe("true");
    await fireEvent.input(path, { target: { value: "/home/ana/notes.txt" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add file" }));
    await waitFor(() =>
      expect((commands(calls, "save_draft").at(-1)?.args["request"] as Request).evidence).toEqual([
        { evidence_id: "", path: "/home/ana/notes.txt", note: "" },
      ]),
    );
    expect(within(screen.getByRole("list", { name: "Added files" })).getByText("/home/ana/notes.txt")).toBeTruthy();
    // The preview is asked after the save, so the core sees the added file.
    const saved = calls.findIndex((call) => call.command === "save_draft");
    expect(calls.slice(saved).some((call) => call.command === "preview_evidence")).toBe(true);
  });

  test("a typed path that is not there is not added: the input keeps it, with a plain reason beside it", async () => {
    const calls = backend({ missing: ["/var/log/jumpcloud/does-not-exist.log"] });
    open(5);
    await openCollect();
    const path = screen.getByRole("textbox", { name: "File path" }) as HTMLInputElement;
    await fireEvent.input(path, { target: { value: "/var/log/jumpcloud/does-not-exist.log" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add file" }));
    await waitFor(() => expect(path.getAttribute("aria-invalid")).toBe("true"));
    const message = document.getElementById("added-path-problem");
    expect(message?.textContent).toBe("There is no file at /var/log/jumpcloud/does-not-exist.log. Check the path.");
    expect(path.value).toBe("/var/log/jumpcloud/does-not-exist.log");
    expect(screen.queryByRole("list", { name: "Added files" })).toBeNull();
    expect(screen.queryByText(/^Added /)).toBeNull();
    await waitFor(() => expect(commands(calls, "save_draft").at(-1)?.args["request"]).toMatchObject({ evidence: [] }));
    expect(document.body.textContent).not.toMatch(/not-found|not_found|not_in_preview/);
  });

  test("a typed or dropped image opens in the black-out editor instead of going in as it is", async () => {
    const calls = backend();
    open(5);
    await openCollect();
    const path = screen.getByRole("textbox", { name: "File path" });
    await fireEvent.input(path, { target: { value: "/home/ana/error.png" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add file" }));
    await screen.findByRole("region", { name: "Black out what must not be sent" });
    expect(commands(calls, "import_screenshots")[0]?.args).toEqual({ path: draftView().path, files: ["/home/ana/error.png"] });
    expect(screen.getByText(/The image opened in the screenshot editor/)).toBeTruthy();
    const saves = commands(calls, "save_draft").map((call) => (call.args["request"] as Request).evidence);
    expect(saves.flat().some((item) => item.path === "/home/ana/error.png")).toBe(false);
  });

  test("a screenshot left in the editor last time is waiting there again", async () => {
    backend({ pending: [pendingFixture] });
    open(5);
    await screen.findByRole("region", { name: "Black out what must not be sent" });
    expect(screen.getByText("A screenshot from your last session is waiting in the editor.")).toBeTruthy();
  });

  test("building shows live progress from the channel, and Cancel calls cancel_bundle", async () => {
    const hold: NonNullable<Options["holdBuild"]> = {
      progress: [
        { phase: "plan", itemsDone: 0, itemsTotal: 3, bytesDone: 0, bytesTotal: 0, current: "" },
        { phase: "write", itemsDone: 1, itemsTotal: 3, bytesDone: 1_048_576, bytesTotal: 3_145_728, current: "logs/agent/agent.log" },
      ],
    };
    const calls = backend({ holdBuild: hold });
    open(5);
    await openCollect();
    await fireEvent.click(screen.getByRole("button", { name: "Build the bundle" }));
    const bar = await screen.findByRole("progressbar", { name: "Writing the bundle" });
    expect(Number(bar.getAttribute("value"))).toBeCloseTo(1 / 3);
    expect(screen.getByText(/1 of 3 items, 1 MB of 3 MB/).textContent).toContain("logs/agent/agent.log");
    expect(commands(calls, "build_bundle")[0]?.args["channel"]).toBe("helpdesk");

    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(commands(calls, "cancel_bundle")).toHaveLength(1));
    await screen.findByText("Cancelled: no bundle was written.");
    expect(screen.queryByRole("progressbar")).toBeNull();
  });

  test("the result shows entries, redactions, gaps, and a redaction preview per file", async () => {
    const calls = backend();
    open(5);
    await openCollect();
    await fireEvent.click(screen.getByRole("button", { name: "Build the bundle" }));
    const result = await screen.findByRole("region", { name: "The bundle" });
    const table = within(result).getByRole("table", { name: "Files in the bundle" });
    expect(within(table).getByText("logs/manager/server.log")).toBeTruthy();
    expect(within(table).getByText(/trimmed to fit/)).toBeTruthy();
    expect(within(result).getByText(/E-mail addresses/).textContent).toContain("5");
    expect(within(result).getByRole("list", { name: "Skipped" }).textContent).toContain("Permission denied");
    expect(within(result).getByText(/Leak check passed/)).toBeTruthy();

    await fireEvent.click(within(table).getByRole("button", { name: /agent\.log: preview its redaction$/ }));
    const preview = await screen.findByRole("region", { name: "Redaction preview" });
    expect(commands(calls, "redaction_preview")[0]?.args).toEqual({
      path: draftView().path,
      selection: { kinds: null, since: null, snapshot: true, includeBinary: false },
      file: "/var/log/jetpatch/agent.log",
    });
    expect(within(preview).getByLabelText("Redacted text of /var/log/jetpatch/agent.log").textContent).toContain("password=[REDACTED]");
    expect(within(preview).getByText(/replaced 1 secret, 1 host name/)).toBeTruthy();
  });

  test("the leak verdict says what it cannot vouch for: files that go in unredacted", async () => {
    backend({ report: () => bundleReport({ disclosure: disclosure() }) });
    open(5);
    await openCollect();
    await fireEvent.click(screen.getByRole("button", { name: "Build the bundle" }));
    const result = await screen.findByRole("region", { name: "The bundle" });
    const verdict = within(result).getByText(/Leak check passed/).closest("p")?.textContent?.replace(/\s+/g, " ") ?? "";
    expect(verdict).toContain("It cannot vouch for what goes in unredacted: screenshots/error.png.");
  });

  test("leaks block sending, with the reason", async () => {
    backend({ report: () => bundleReport({ leaks: [{ entry: "logs/agent/agent.log", what: "the host name web-01" }] }) });
    open(5);
    await openCollect();
    await fireEvent.click(screen.getByRole("button", { name: "Build the bundle" }));
    const verdict = await screen.findByRole("alert");
    expect(verdict.textContent).toContain("Do not send this bundle");
    expect(verdict.textContent).toContain("the host name web-01");

    await fireEvent.click(screen.getByRole("button", { name: "Next: step 6" }));
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 7" }));
    const send = await screen.findByRole("button", { name: "Send the request" });
    await waitFor(() => expect(screen.getByRole("radio", { name: /helpdesk/ })).toBeTruthy());
    expect((send as HTMLButtonElement).disabled).toBe(true);
    const blockers = document.getElementById(send.getAttribute("aria-describedby") ?? "");
    expect(blockers?.textContent).toContain("The leak check found originals in the bundle (logs/agent/agent.log)");
  });
});

describe("a reopened draft", () => {
  const lastDay: EvidenceSelection = { kinds: ["manager-logs"], since: "24h", snapshot: false, includeBinary: false };

  test("gets back its selection and its current bundle, so it can be sent at once", async () => {
    const calls = backend({ saved: { selection: lastDay, bundle: bundleReport(), bundleCurrent: true } });
    open(7);
    const send = (await screen.findByRole("button", { name: "Send the request" })) as HTMLButtonElement;
    await waitFor(() => expect(send.disabled).toBe(false));
    await fireEvent.click(screen.getByRole("button", { name: /^Step 5: Evidence/ }));
    await screen.findByRole("region", { name: "The bundle" });
    expect(screen.queryByText(/You changed the request or the selection after building/)).toBeNull();
    await waitFor(() => expect(commands(calls, "preview_evidence").at(-1)?.args["selection"]).toEqual(lastDay));
    expect(commands(calls, "save_selection")).toEqual([]);
  });

  test("shows a bundle built from an older request as out of date", async () => {
    backend({ saved: { selection: lastDay, bundle: bundleReport(), bundleCurrent: false } });
    open(5);
    await screen.findByRole("region", { name: "The bundle" });
    expect(screen.getByText(/You changed the request or the selection after building/)).toBeTruthy();
  });

  test("keeps a changed selection with the draft", async () => {
    const calls = backend();
    open(5);
    const kinds = await openCollect();
    await waitFor(() => expect(commands(calls, "saved_evidence")).toHaveLength(1));
    await fireEvent.click(within(kinds).getByRole("checkbox", { name: /Agent logs/ }));
    await waitFor(() =>
      expect(commands(calls, "save_selection").at(-1)?.args).toEqual({
        path: draftView().path,
        selection: { kinds: ["manager-logs"], since: null, snapshot: true, includeBinary: false },
      }),
    );
  });
});

describe("step 6 Review", () => {
  test("shows request.md, the bundle's files and the destination", async () => {
    const calls = backend();
    open(5);
    await openCollect();
    await fireEvent.click(screen.getByRole("button", { name: "Build the bundle" }));
    await screen.findByRole("region", { name: "The bundle" });
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 6" }));
    // Drawn as the vendor's viewer shows it: a heading, not "# ..." source.
    const read = await screen.findByRole("article", { name: "The request as the vendor reads it" });
    expect(within(read).getByRole("heading", { level: 4 }).textContent).toBe("CF-7K2M-9QXD: Agents stop reporting after patch window");
    expect(read.textContent).not.toContain("# ");
    expect(commands(calls, "render_request")[0]?.args).toEqual({ path: draftView().path });
    // And the plain text the e-mail carries, on request.
    await fireEvent.click(screen.getByRole("button", { name: "Plain text, as in the e-mail" }));
    const text = await screen.findByLabelText("request.md");
    expect(text.textContent).toContain("# CF-7K2M-9QXD: Agents stop reporting after patch window");
    const files = screen.getByRole("list", { name: "Files in the bundle" });
    expect(within(files).getAllByRole("listitem").map((item) => item.textContent?.replace(/\s+/g, " ").trim())).toEqual([
      "request.md 2.1 KB",
      "logs/agent/agent.log 2.3 MB",
      "logs/manager/server.log 500 KB",
    ]);
    const destination = screen.getByRole("region", { name: "Destination" });
    expect(destination.textContent).toContain("https://jetpatch.zendesk.com");
  });
});

describe("the redaction preview's highlights", () => {
  test("mark each replacement with what it was, kept originals apart, reachable by keyboard", async () => {
    backend();
    open(5);
    const kinds = await openCollect();
    await fireEvent.click(within(kinds).getAllByRole("button", { name: /Preview redaction of \/var\/log\/jetpatch\/agent\.log/ })[0] as HTMLElement);
    const preview = await screen.findByRole("region", { name: "Redaction preview" });
    const marks = [...preview.querySelectorAll("pre mark")];
    // Byte offsets after "Grüße" land on the right words.
    expect(marks.map((mark) => mark.textContent)).toEqual(["host-1a2b3c4d", "[REDACTED]", "build-srv-07"]);
    expect(marks.map((mark) => mark.getAttribute("title"))).toEqual([
      "Host name, replaced by a pseudonym",
      "Secret (password), removed",
      "Host name, kept as it is (you let the vendor see it)",
    ]);
    expect(marks[2]?.classList.contains("kept")).toBe(true);
    await fireEvent.click(within(preview).getByRole("button", { name: "Next replacement" }));
    expect(document.activeElement).toBe(marks[0]);
    await fireEvent.click(within(preview).getByRole("button", { name: "Previous replacement" }));
    expect(document.activeElement).toBe(marks[2]);
    expect(within(preview).getByRole("status").textContent).toContain("3 of 3: Host name, kept as it is");
  });
});

describe("step 6 disclosure review", () => {
  async function toReview(calls: Call[]): Promise<HTMLElement> {
    open(5);
    await openCollect();
    await fireEvent.click(screen.getByRole("button", { name: "Build the bundle" }));
    await screen.findByRole("region", { name: "The bundle" });
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 6" }));
    void calls;
    const table = await screen.findByRole("table", { name: "Names and addresses" });
    return table.closest("section") as HTMLElement;
  }

  test("shows the bundle's own review without a second run: identifiers, places, secrets, verdict", async () => {
    const calls = backend({ report: () => bundleReport({ disclosure: disclosure() }) });
    const review = await toReview(calls);
    expect(commands(calls, "disclosure_review")).toEqual([]);
    const table = within(review).getByRole("table", { name: "Names and addresses" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows[0]?.textContent).toContain("build-srv-07");
    expect(rows[0]?.textContent).toContain("host-1a2b3c4d");
    expect(rows[0]?.textContent).toContain("request field description");
    expect(rows[0]?.textContent).toContain("logs/agent/agent.log (11)");
    expect(rows[2]?.textContent).toContain("your contact details");
    const secrets = within(review).getByRole("table", { name: "Secrets removed" });
    expect(secrets.textContent).toContain("password");
    const verdict = within(review).getByText(/Leak check: 5 entries read back/).closest("p")?.textContent ?? "";
    expect(verdict.replace(/\s+/g, " "), verdict).toContain("cannot be redacted");
    expect(within(review).getByRole("list", { name: "Sent as they are" }).textContent).toContain("screenshots/error.png");
  });

  test("without a current bundle, the review is asked of the core with the selection and channel", async () => {
    const calls = backend({ saved: { selection: null, bundle: bundleReport(), bundleCurrent: false } });
    open(6);
    const table = await screen.findByRole("table", { name: "Names and addresses" });
    expect(within(table).getByText("build-srv-07")).toBeTruthy();
    await waitFor(() => expect(commands(calls, "disclosure_review")).toHaveLength(1));
    const args = commands(calls, "disclosure_review")[0]?.args ?? {};
    expect(args["path"]).toBe(draftView().path);
    expect(args["selection"]).toEqual({ kinds: null, since: null, snapshot: true, includeBinary: false });
  });

  test("keeping a name real saves it in redaction.keep and builds the bundle again", async () => {
    const kept = disclosure({
      keep: ["build-srv-07"],
      identifiers: [{ ...disclosure().identifiers[0]!, pseudonym: null, kept: true }],
    });
    let built = 0;
    const calls = backend({ report: () => bundleReport({ disclosure: built++ === 0 ? disclosure() : kept }) });
    const review = await toReview(calls);
    await fireEvent.click(within(review).getByRole("checkbox", { name: "Let the vendor see build-srv-07" }));
    await waitFor(() => expect(commands(calls, "build_bundle")).toHaveLength(2));
    const saved = commands(calls, "save_draft").at(-1)?.args["request"] as Request;
    expect(saved.redaction).toEqual({ keep: ["build-srv-07"], hide: [] });
    const row = await within(review).findByRole("row", { name: /build-srv-07 Host name as it is/ });
    expect((within(row).getByRole("checkbox") as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByText(/Built before your latest changes/)).toBeNull();
  });

  test("a suggested word and a typed word are hidden through redaction.hide", async () => {
    const calls = backend({ report: () => bundleReport({ disclosure: disclosure() }) });
    const review = await toReview(calls);
    await fireEvent.click(within(review).getByRole("button", { name: "Hide Example Ltd" }));
    await waitFor(() =>
      expect((commands(calls, "save_draft").at(-1)?.args["request"] as Request).redaction).toEqual({ keep: [], hide: ["Example Ltd"] }),
    );
    await fireEvent.input(within(review).getByLabelText("Word or name to hide"), { target: { value: "Project Falcon" } });
    await fireEvent.click(within(review).getByRole("button", { name: "Hide it" }));
    await waitFor(() =>
      expect((commands(calls, "save_draft").at(-1)?.args["request"] as Request).redaction).toEqual({
        keep: [],
        hide: ["Example Ltd", "Project Falcon"],
      }),
    );
    expect(within(review).getByRole("list", { name: "Words you hide" }).textContent).toContain("Project Falcon");
    expect(within(review).queryByRole("button", { name: "Hide Example Ltd" })).toBeNull();
    await fireEvent.input(within(review).getByLabelText("Word or name to hide"), { target: { value: "x" } });
    await fireEvent.click(within(review).getByRole("button", { name: "Hide it" }));
    expect(within(review).getByText("Type a word or name of at least two characters.")).toBeTruthy();
  });

  test("a leak found is shown as do not send, never as passed", async () => {
    backend({
      report: () => bundleReport({ disclosure: disclosure({ leaks: [{ entry: "request.md", what: "the user name jsmith" }] }) }),
    });
    const review = await toReview([]);
    expect(within(review).getByRole("alert").textContent).toContain("Do not send");
    expect(within(review).queryByText(/Leak check: \d+ entries read back/)).toBeNull();
  });
});

describe("a pasted log in a text field", () => {
  test("shows the warning with Move to an attachment, which takes the core's new request", async () => {
    const calls = backend();
    const request = structuredClone(pastedRequest);
    render(WizardView, {
      initial: draftView({
        step: 2,
        request,
        problems: [{ field: "description", severity: "warning", message: "holds 40 lines (3 KB) that look like a pasted log" }],
        pastedLogs: ["description"],
      }),
      saveDelayMs: 10,
      onclose: () => undefined,
    });
    const group = await screen.findByRole("group", { name: /Pasted log in/ });
    expect(screen.getByText(/look like a pasted log/)).toBeTruthy();
    await fireEvent.click(within(group).getByRole("button", { name: "Move to an attachment" }));
    await waitFor(() => expect(commands(calls, "attach_pasted_text")).toHaveLength(1));
    expect(commands(calls, "attach_pasted_text")[0]?.args).toEqual({ path: draftView().path, field: "description" });
    await screen.findByText(/now the attachment CF-7K2M-9QXD-description.log/);
    expect(screen.queryByRole("group", { name: /Pasted log in/ })).toBeNull();
  });
});

describe("step 7 Send", () => {
  async function buildThenSend(): Promise<void> {
    await openCollect();
    await fireEvent.click(screen.getByRole("button", { name: "Build the bundle" }));
    await screen.findByRole("region", { name: "The bundle" });
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 6" }));
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 7" }));
  }

  test("the default channel is chosen; a channel without its secret says how to set it", async () => {
    backend();
    open(7);
    const helpdesk = (await screen.findByRole("radio", { name: /helpdesk/ })) as HTMLInputElement;
    expect(helpdesk.checked).toBe(true);
    const mail = screen.getByRole("radio", { name: /^mail/ });
    expect(document.getElementById(mail.getAttribute("aria-describedby") ?? "")?.textContent).toContain(
      "casefile secret set mail",
    );
    // Without a bundle built in this session, Send waits.
    expect((screen.getByRole("button", { name: "Send the request" }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("There is no bundle yet: build it in step 5, where you see what it will hold.")).toBeTruthy();
  });

  test("Send shows the receipt: ticket, address, targets and a copyable escalation", async () => {
    const calls = backend();
    const copied: string[] = [];
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: (text: string) => (copied.push(text), Promise.resolve()) },
    });
    open(5);
    await buildThenSend();
    await fireEvent.click(await screen.findByRole("button", { name: "Send the request" }));
    const receipt = await screen.findByRole("region", { name: "Receipt for CF-7K2M-9QXD" });
    expect(commands(calls, "submit_draft")[0]?.args).toMatchObject({ path: draftView().path, channel: "helpdesk", again: false });
    expect(within(receipt).getByText("4711")).toBeTruthy();
    expect(within(receipt).getByText("https://jetpatch.zendesk.com/hc/requests/4711")).toBeTruthy();
    expect(within(receipt).getByText(/Acknowledgment: within 4 business hours/)).toBeTruthy();
    expect(within(receipt).getByText(/escalations@jetpatch.com/, { selector: "span" })).toBeTruthy();
    await fireEvent.click(within(receipt).getByRole("button", { name: "Copy the escalation message" }));
    await waitFor(() => expect(copied).toEqual([sentItem().receipt?.escalationMessage]));
    expect(within(receipt).getByRole("status").textContent).toBe("Escalation message copied.");
  });

  test("a failed-retryable result shows the reason, keeps the request, and Retry sends it", async () => {
    const calls = backend({ submit: () => waitingItem() });
    open(5);
    await buildThenSend();
    await fireEvent.click(await screen.findByRole("button", { name: "Send the request" }));
    const waiting = await screen.findByRole("alert");
    expect(waiting.textContent).toContain("Not sent yet: it waits in the outbox");
    expect(waiting.textContent).toContain("jetpatch.zendesk.com answered 503 Service Unavailable");
    expect(waiting.textContent).toContain("Your request is kept");
    expect(commands(calls, "delete_draft")).toHaveLength(0);

    await fireEvent.click(within(waiting).getByRole("button", { name: "Retry now" }));
    await screen.findByRole("region", { name: "Receipt for CF-7K2M-9QXD" });
    expect(commands(calls, "retry_outbox")[0]?.args["id"]).toBe("CF-7K2M-9QXD.helpdesk");
  });

  test("an already sent case can be sent again on purpose", async () => {
    const calls = backend({
      submit: (again) =>
        again ? sentItem() : { error: { code: "already_submitted", message: "CF-7K2M-9QXD was sent on 24 Nov; pass again to send it anew" } },
    });
    open(5);
    await buildThenSend();
    await fireEvent.click(await screen.findByRole("button", { name: "Send the request" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("This request was sent before");
    // The code is for support, behind "Details"; the main text is plain.
    expect(alert.querySelector("p")?.textContent).not.toContain("already_submitted");
    expect(within(alert).getByText("already_submitted").closest("details")).toBeTruthy();
    expect(within(alert).getByRole("button", { name: "Send it again anyway" }).classList.contains("secondary")).toBe(true);
    await fireEvent.click(within(alert).getByRole("button", { name: "Send it again anyway" }));
    await screen.findByRole("region", { name: "Receipt for CF-7K2M-9QXD" });
    expect(commands(calls, "submit_draft").map((call) => call.args["again"])).toEqual([false, true]);
  });
});

describe("honest step states and Send that says what it does", () => {
  function stepText(number: number): string {
    const nav = screen.getByRole("navigation", { name: "Steps" });
    const button = within(nav)
      .getAllByRole("button")
      .find((candidate) => candidate.textContent?.includes(`Step ${number}:`));
    return button?.textContent ?? "";
  }

  test("a fresh draft is not started: no step says Complete, Evidence and Send need a bundle", async () => {
    backend({ problems: true });
    render(WizardView, { initial: draftView(), saveDelayMs: 10, onclose: () => undefined });
    expect(stepText(1)).toContain("Not started");
    expect(stepText(2)).toContain("Not started");
    expect(stepText(3)).toContain("Not started"); // its environment is required
    expect(stepText(5)).toContain("Needs a bundle");
    expect(stepText(6)).toContain("Not started");
    expect(stepText(7)).toContain("Needs a bundle");
    for (const number of [1, 2, 3, 4, 5, 6, 7]) {
      expect(stepText(number)).not.toContain("Complete");
      expect(stepText(number)).not.toMatch(/error/);
    }
  });

  test("the bundle's state shows on Evidence and Send: ready, then out of date after an edit, then sent", async () => {
    backend();
    open(5);
    await openCollect();
    await fireEvent.click(screen.getByRole("button", { name: "Build the bundle" }));
    await screen.findByRole("region", { name: "The bundle" });
    await waitFor(() => expect(stepText(5)).toContain("Bundle ready"));
    expect(stepText(7)).toContain("Ready to send");
    await fireEvent.click(screen.getByRole("button", { name: /^Step 2: Problem/ }));
    await fireEvent.input(screen.getByRole("textbox", { name: /Subject/ }), { target: { value: "Agents stop reporting" } });
    await waitFor(() => expect(stepText(5)).toContain("Bundle out of date"));
    expect(stepText(7)).toContain("Bundle out of date");
    // Announced in a live region, not only drawn.
    await waitFor(() =>
      expect(document.querySelector("[aria-live='polite'].visually-hidden")?.textContent).toContain("Step 5 Evidence: Bundle out of date."),
    );
  });

  test("Send lists every blocking problem as a link to its field, and stays disabled until none is left", async () => {
    const calls = backend({ problems: true, saved: { selection: null, bundle: bundleReport(), bundleCurrent: true } });
    render(WizardView, { initial: draftView({ step: 7 }), saveDelayMs: 10, onclose: () => undefined });
    const list = await screen.findByRole("region", { name: /^Before you can send, fix \d+ things$/ });
    const send = screen.getByRole("button", { name: "Send the request" }) as HTMLButtonElement;
    await waitFor(() => expect(send.disabled).toBe(true));
    const links = within(list).getAllByRole("link");
    expect(links.map((link) => link.textContent)).toContain("Step 1, Contact name");
    expect(list.textContent).not.toMatch(/contact_name|draft_not_ready/);
    expect(send.getAttribute("aria-describedby")).toBe("send-problems");
    const name = links.find((link) => link.textContent === "Step 1, Contact name") as HTMLElement;
    await fireEvent.click(name);
    await waitFor(() => expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Step 1: Vendor and contact"));
    expect(document.activeElement).toBe(screen.getByRole("textbox", { name: /Contact name/ }));
    // Reaching Send has shown every error: the field's own is beside it now.
    expect(screen.getByRole("textbox", { name: /Contact name/ }).getAttribute("aria-invalid")).toBe("true");
    await fireEvent.click(send);
    expect(commands(calls, "submit_draft")).toHaveLength(0);
  });

  test("a folder channel saves the e-mail: the button and the result say so, with Open the e-mail and Show in folder", async () => {
    const saved = sentItem({
      id: "CF-7K2M-9QXD.folder",
      channel: "folder",
      kind: "folder",
      destination: "/home/ana/Casefile/outgoing",
      receipt: { ...(sentItem().receipt as NonNullable<OutboxItemReport["receipt"]>), channel: "folder", kind: "folder", ticketId: null, url: null, sla: null, nextStep: "open the saved .eml" },
    });
    const calls = backend({ submit: () => saved, saved: { selection: null, bundle: bundleReport(), bundleCurrent: true } });
    open(7);
    await fireEvent.click(await screen.findByRole("radio", { name: /^folder/ }));
    expect(screen.queryByRole("button", { name: "Send the request" })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Save e-mail for sending" }));
    await screen.findByRole("heading", { name: "Saved, not sent yet" });
    expect(screen.queryByText(/^Sent/)).toBeNull();
    expect(stepText(7)).toContain("Saved, not sent yet");
    await fireEvent.click(screen.getByRole("button", { name: "Open the e-mail" }));
    await fireEvent.click(screen.getByRole("button", { name: "Show in folder" }));
    expect(commands(calls, "open_saved_email")[0]?.args).toEqual({ id: "CF-7K2M-9QXD.folder" });
    expect(commands(calls, "show_saved_email")[0]?.args).toEqual({ id: "CF-7K2M-9QXD.folder" });
  });

  test("a sent request reopens on its receipt; sending again is a secondary, explicit choice", async () => {
    const calls = backend({ outbox: [sentItem()], saved: { selection: null, bundle: bundleReport(), bundleCurrent: true } });
    open(2);
    await screen.findByRole("region", { name: "Receipt for CF-7K2M-9QXD" });
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Step 7: Send");
    expect(stepText(7)).toContain("Sent");
    expect(screen.queryByRole("button", { name: "Send the request" })).toBeNull();
    const again = screen.getByRole("button", { name: "Send again…" });
    expect(again.classList.contains("secondary")).toBe(true);
    await fireEvent.click(again);
    const confirm = await screen.findByRole("region", { name: "Send CF-7K2M-9QXD again?" });
    expect(confirm.textContent).toContain("It was already sent");
    const anyway = screen.getByRole("button", { name: "Send it again anyway" });
    expect(anyway.classList.contains("secondary")).toBe(true);
    await fireEvent.click(anyway);
    await waitFor(() => expect(commands(calls, "submit_draft").map((call) => call.args["again"])).toEqual([true]));
  });

  test("a bundle out of date is rebuilt on step 7 with the saved selection, then sent", async () => {
    const lastDay: EvidenceSelection = { kinds: ["manager-logs"], since: "24h", snapshot: false, includeBinary: false };
    const calls = backend({ saved: { selection: lastDay, bundle: bundleReport(), bundleCurrent: false } });
    open(7);
    const rebuild = await screen.findByRole("button", { name: "Rebuild and send" });
    await waitFor(() => expect(screen.getByRole("radio", { name: /helpdesk/ })).toBeTruthy());
    await fireEvent.click(rebuild);
    await screen.findByRole("region", { name: "Receipt for CF-7K2M-9QXD" });
    expect(commands(calls, "build_bundle")[0]?.args).toMatchObject({ selection: lastDay, channel: "helpdesk" });
    expect(commands(calls, "submit_draft")).toHaveLength(1);
  });
});

describe("step 3 Scope", () => {
  test("Add this computer fills a row from the machine's own snapshot", async () => {
    const calls = backend();
    open(3);
    await fireEvent.click(screen.getByRole("button", { name: "Add this computer" }));
    await waitFor(() =>
      expect(commands(calls, "save_draft").at(-1)?.args["request"]).toMatchObject({
        scope: { endpoints: [{ hostname: "web-01", ip: "", os: "Debian GNU/Linux 12 (bookworm), kernel 6.1.0", agent_version: "4.2.1" }] },
      }),
    );
    expect((screen.getByRole("textbox", { name: "Hostname, endpoint 1" }) as HTMLInputElement).value).toBe("web-01");
    expect(screen.getByText("Added this computer, web-01.")).toBeTruthy();
  });
});

describe("phone mode in the wizard", () => {
  test("shows the Read aloud panel with the machine summary", async () => {
    const calls = backend();
    open(1, true);
    const panel = await screen.findByRole("complementary", { name: "Read aloud" });
    await waitFor(() => expect(within(panel).getByText("web-01")).toBeTruthy());
    expect(panel.textContent).toContain("Debian GNU/Linux 12 (bookworm), kernel 6.1.0");
    expect(panel.textContent).toContain("4.2.1");
    // Written for the ear: a count and the newest error without its time stamp.
    expect(panel.textContent?.replace(/\s+/g, " ")).toContain("12 errors at the end of the agent log. The newest: cannot reach manager: timed out");
    // Beside the steps, after them: the steps come first on the page.
    const nav = screen.getByRole("navigation", { name: "Steps" });
    expect(nav.compareDocumentPosition(panel) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    // The case code is spelled for a bad line.
    expect(screen.getByText("Charlie Foxtrot, 7 Kilo 2 Mike, 9 Quebec X-ray Delta")).toBeTruthy();
    expect(commands(calls, "machine_summary")[0]?.args).toEqual({ path: draftView().path });
  });
});
