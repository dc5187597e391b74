import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { DraftView, Request } from "../lib/types";
import { draftView, viewFor } from "../testing/draft-view";
import WizardView from "./WizardView.svelte";

afterEach(() => {
  clearMocks();
});

interface SaveCall {
  request: Request;
  step: number;
}

/**
 * Mocks `save_draft` with the stand-in core; `fail` makes the next saves reject; `clean` answers
 * views without problems (a complete request).
 */
function backend(options: { fail?: () => boolean; clean?: boolean } = {}) {
  const saves: SaveCall[] = [];
  mockIPC((command, args) => {
    if (command !== "save_draft") {
      throw `unexpected command ${command}`;
    }
    const { request, step } = args as unknown as SaveCall;
    saves.push({ request, step });
    if (options.fail?.() === true) {
      throw { code: "io", message: "cannot write the draft: No space left on device" };
    }
    const view = viewFor(request, step);
    if (options.clean === true) {
      return { ...view, problems: [], steps: view.steps.map((spec) => ({ ...spec, errors: 0, warnings: 0 })) };
    }
    return view;
  });
  return saves;
}

function open(initial: DraftView = draftView(), saveDelayMs = 30): { closed: () => boolean } {
  let closed = false;
  render(WizardView, { initial, saveDelayMs, onclose: () => (closed = true) });
  return { closed: () => closed };
}

function heading(): HTMLElement {
  return screen.getByRole("heading", { level: 2 });
}

function stepButton(number: number): HTMLElement {
  const nav = screen.getByRole("navigation", { name: "Steps" });
  const button = within(nav)
    .getAllByRole("button")
    .find((candidate) => candidate.textContent?.includes(`Step ${number}:`));
  if (button === undefined) {
    throw new Error(`no step ${number} in the stepper`);
  }
  return button;
}

describe("WizardView", () => {
  test("walks the steps, focusing each step's heading; all seven are in the stepper", async () => {
    backend({ clean: true });
    open(draftView({ problems: [] }));
    expect(heading().textContent).toBe("Step 1: Vendor and contact");
    expect(document.activeElement).toBe(heading());
    expect(screen.getByText("CF-7K2M-9QXD")).toBeTruthy();

    await fireEvent.click(screen.getByRole("button", { name: "Next: step 2" }));
    expect(heading().textContent).toBe("Step 2: Problem");
    expect(document.activeElement).toBe(heading());
    // Next waits for a save in flight (here: the step just left), so it may take a moment.
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 3" }));
    await vi.waitFor(() => expect(heading().textContent).toBe("Step 3: Scope"));
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 4" }));
    await vi.waitFor(() => expect(heading().textContent).toBe("Step 4: Impact and priority"));
    expect(screen.getByRole("button", { name: "Next: step 5" })).toBeTruthy();
    expect(screen.queryByText(/not in this version/)).toBeNull();

    await fireEvent.click(screen.getByRole("button", { name: "Back to step 3" }));
    expect(heading().textContent).toBe("Step 3: Scope");
    await fireEvent.click(stepButton(1));
    expect(heading().textContent).toBe("Step 1: Vendor and contact");

    const nav = screen.getByRole("navigation", { name: "Steps" });
    expect(within(nav).getAllByRole("button")).toHaveLength(7);
    expect(stepButton(1).getAttribute("aria-current")).toBe("step");
  });

  test("fields typed just before Next are not reported missing: Next waits for their save", async () => {
    backend();
    open(draftView(), 10_000); // a long pause: only Next itself can send the edits in time
    await fireEvent.input(screen.getByRole("textbox", { name: /Contact name/ }), { target: { value: "Ada" } });
    await fireEvent.input(screen.getByRole("textbox", { name: /E-mail/ }), { target: { value: "ada@example.test" } });
    await fireEvent.input(screen.getByRole("textbox", { name: /Company/ }), { target: { value: "Example Ltd" } });
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 2" }));
    await vi.waitFor(() => expect(heading().textContent).toBe("Step 2: Problem"));
    expect(document.getElementById("missing-summary")).toBeNull();
  });

  test("errors wait until a field is left or Next is pressed; then they sit beside their fields and count on the stepper", async () => {
    backend();
    open();
    const name = screen.getByRole("textbox", { name: /Contact name/ });
    // A fresh draft is not a wall of red: nothing visited has no errors yet.
    expect(name.getAttribute("aria-invalid")).toBe("false");
    expect(screen.queryByText(/Contact name is required/)).toBeNull();
    expect(stepButton(1).textContent).toContain("Not started");
    expect(stepButton(2).textContent).toContain("Not started");
    // Leaving the field shows its own error, not the others'.
    await fireEvent.focusOut(name, { relatedTarget: screen.getByRole("textbox", { name: /E-mail/ }) });
    expect(name.getAttribute("aria-invalid")).toBe("true");
    const describedBy = name.getAttribute("aria-describedby") ?? "";
    const message = document.getElementById(describedBy.split(" ").at(-1) ?? "");
    expect(message?.textContent).toContain("Contact name is required by JetPatch");
    expect(screen.getByRole("textbox", { name: /E-mail/ }).getAttribute("aria-invalid")).toBe("false");
    // Help text is tied to its field too.
    const agreement = screen.getByRole("textbox", { name: /Maintenance agreement number/ });
    expect(document.getElementById(agreement.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "Printed on your JetPatch order form.",
    );
    // Next checks the whole step: every error shows and the stepper counts them.
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 2" }));
    expect(stepButton(1).textContent).toContain("3 errors");
    expect(screen.getByRole("textbox", { name: /E-mail/ }).getAttribute("aria-invalid")).toBe("true");
    expect(stepButton(2).textContent).toContain("Not started");

    await fireEvent.input(name, { target: { value: "Ana Ruiz" } });
    await waitFor(() => expect(stepButton(1).textContent).toContain("2 errors"));
    expect(name.getAttribute("aria-invalid")).toBe("false");
    expect(screen.queryByText(/Contact name is required/)).toBeNull();
  });

  test("Next with missing fields shows a summary linking to each field, then lets the user go on", async () => {
    backend();
    open();
    await fireEvent.click(screen.getByRole("button", { name: "Next: step 2" }));
    expect(heading().textContent).toBe("Step 1: Vendor and contact");
    const summary = screen.getByRole("region", { name: "Step 1 still has 3 things to fix" });
    expect(document.activeElement).toBe(summary);
    const links = within(summary).getAllByRole("link");
    expect(links.map((link) => link.textContent)).toEqual(["Contact name", "E-mail", "Company"]);
    await fireEvent.click(links[1] as HTMLElement);
    expect(document.activeElement).toBe(screen.getByRole("textbox", { name: /E-mail/ }));

    await fireEvent.click(within(summary).getByRole("button", { name: "Continue to step 2 anyway" }));
    expect(heading().textContent).toBe("Step 2: Problem");
    expect(screen.queryByRole("region", { name: /things to fix/ })).toBeNull();
  });

  test("typing autosaves once after a pause, with the latest request and step", async () => {
    const saves = backend();
    open(draftView(), 300);
    const subjectStep = stepButton(2);
    await fireEvent.click(subjectStep);
    await waitFor(() => expect(saves).toHaveLength(1)); // the step change itself is saved
    const subject = screen.getByRole("textbox", { name: /Subject/ });
    await fireEvent.input(subject, { target: { value: "Agents" } });
    await fireEvent.input(subject, { target: { value: "Agents stop" } });
    await fireEvent.input(subject, { target: { value: "Agents stop reporting" } });
    expect(screen.getByRole("status").textContent).toContain("Saving…");
    await waitFor(() => expect(saves).toHaveLength(2));
    expect(saves[1]?.request.problem.subject).toBe("Agents stop reporting");
    expect(saves[1]?.step).toBe(2);
    await waitFor(() => expect(screen.getByRole("status").textContent?.trim()).toBe("Saved"));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(saves).toHaveLength(2);
  });

  test("a failed save keeps what was typed and offers a retry", async () => {
    let failing = true;
    const saves = backend({ fail: () => failing });
    open();
    const name = screen.getByRole("textbox", { name: /Contact name/ });
    await fireEvent.input(name, { target: { value: "Ana Ruiz" } });
    const status = await screen.findByText(/Not saved: cannot write the draft/);
    // The message is plain; the code (io) is not in the sentence.
    expect(status.textContent).not.toContain("(io)");
    expect((name as HTMLInputElement).value).toBe("Ana Ruiz");

    failing = false;
    await fireEvent.click(screen.getByRole("button", { name: "Retry saving" }));
    await waitFor(() => expect(screen.getByRole("status").textContent?.trim()).toBe("Saved"));
    expect(saves.at(-1)?.request.contact.name).toBe("Ana Ruiz");
    expect((name as HTMLInputElement).value).toBe("Ana Ruiz");
    expect(screen.queryByRole("button", { name: "Retry saving" })).toBeNull();
  });

  test("a reopened draft lands on the step it was left at", () => {
    backend();
    open(draftView({ step: 3 }));
    expect(heading().textContent).toBe("Step 3: Scope");
    expect(stepButton(3).getAttribute("aria-current")).toBe("step");
  });

  test("the chosen issue type shows its checklist, ticked in place", async () => {
    const saves = backend();
    open(draftView({ step: 2 }));
    expect(screen.queryByRole("group", { name: /Checklist/ })).toBeNull();
    await fireEvent.click(screen.getByRole("radio", { name: /Patch Management/ }));
    const checklist = screen.getByRole("group", { name: "Checklist for Patch Management" });
    const boxes = within(checklist).getAllByRole("checkbox");
    expect(boxes).toHaveLength(3);
    await fireEvent.click(boxes[0] as HTMLElement);
    await fireEvent.click(boxes[2] as HTMLElement);
    await waitFor(() => expect(saves.at(-1)?.request.checklist_done).toEqual(["endpoint-readiness", "system-tasks"]));
    expect(saves.at(-1)?.request.issue_type).toBe("patch-management");
    // The unticked step's warning is shown beside the checklist.
    await waitFor(() => expect(within(checklist).getByText(/step 2 is not ticked/)).toBeTruthy());

    await fireEvent.click(boxes[0] as HTMLElement);
    await waitFor(() => expect(saves.at(-1)?.request.checklist_done).toEqual(["system-tasks"]));
  });

  test("endpoint rows can be added, edited and removed", async () => {
    const saves = backend();
    open(draftView({ step: 3 }));
    expect(screen.getByText("No endpoints listed yet.")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Add endpoint" }));
    const host1 = screen.getByRole("textbox", { name: "Hostname, endpoint 1" });
    expect(document.activeElement).toBe(host1);
    // The empty row's error waits until the user leaves the table.
    await waitFor(() => expect(saves.at(-1)?.request.scope.endpoints).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(screen.queryByText("an endpoint needs a hostname or an IP address")).toBeNull();
    await fireEvent.focusOut(host1, { relatedTarget: screen.getByRole("button", { name: "Back to step 2" }) });
    await waitFor(() => expect(screen.getByText("an endpoint needs a hostname or an IP address")).toBeTruthy());
    await fireEvent.input(host1, { target: { value: "web-01" } });
    await fireEvent.input(screen.getByRole("textbox", { name: "IP address, endpoint 1" }), {
      target: { value: "10.0.0.5" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Add endpoint" }));
    await fireEvent.input(screen.getByRole("textbox", { name: "Hostname, endpoint 2" }), {
      target: { value: "db-01" },
    });
    await waitFor(() =>
      expect(saves.at(-1)?.request.scope.endpoints).toEqual([
        { hostname: "web-01", ip: "10.0.0.5", os: "", agent_version: "" },
        { hostname: "db-01", ip: "", os: "", agent_version: "" },
      ]),
    );
    await fireEvent.click(screen.getByRole("button", { name: "Remove endpoint 1" }));
    expect((screen.getByRole("textbox", { name: "Hostname, endpoint 1" }) as HTMLInputElement).value).toBe("db-01");
    await waitFor(() => expect(saves.at(-1)?.request.scope.endpoints.map((row) => row.hostname)).toEqual(["db-01"]));
  });

  test("questionnaire answers bring the view's proposal; another priority asks for a reason", async () => {
    const saves = backend();
    open(draftView({ step: 4 }));
    expect(screen.getByText("Answer the questions above for a proposed priority.")).toBeTruthy();
    expect(screen.getByText("Choose a priority to see when JetPatch owes an answer.")).toBeTruthy();
    const down = screen.getByRole("group", { name: "Is a production system down?" });
    await fireEvent.click(within(down).getByRole("radio", { name: "Yes" }));
    await waitFor(() => expect(screen.getByText("Priority Error", { selector: "strong" })).toBeTruthy());
    expect(screen.getByText("production is down")).toBeTruthy();
    expect(saves.at(-1)?.request.impact.answers.production_down).toBe(true);

    // Each level carries the vendor's definition.
    const priority = screen.getByRole("group", { name: /^Priority/ });
    expect(within(priority).getByText("Errors that are cosmetic in nature, or enhancement requests.")).toBeTruthy();

    await fireEvent.click(screen.getByRole("button", { name: "Use the proposed priority (Priority Error)" }));
    await waitFor(() =>
      expect(
        screen.getByText("Acknowledgment: within 4 business hours, by Tue 24 Nov 2026, 13:30 EST your time"),
      ).toBeTruthy(),
    );
    expect(screen.queryByRole("textbox", { name: /Why a different priority/ })).toBeNull();

    await fireEvent.click(within(priority).getByRole("radio", { name: /Secondary Error/ }));
    const reason = screen.getByRole("textbox", { name: /Why a different priority/ });
    await fireEvent.input(reason, { target: { value: "Only the test lab is affected." } });
    await waitFor(() => expect(saves.at(-1)?.request.impact.override_reason).toBe("Only the test lab is affected."));
    expect(saves.at(-1)?.request.impact.priority).toBe("2");
    expect(saves.at(-1)?.request.impact.proposed_priority).toBe("1");
  });

  test("phone-first notices are prominent, with the number to call", () => {
    backend();
    open(
      draftView({
        step: 4,
        notices: [
          {
            kind: "phone_first",
            message: "Premium customers with a Severity 1 issue must call support first.",
            phone: "+1 720-738-1011",
            field: "priority",
          },
        ],
      }),
    );
    const call = screen.getByRole("complementary", { name: "Call first" });
    expect(call.textContent).toContain("+1 720-738-1011");
    expect(call.textContent).toContain("must call support first");
    expect(screen.getByText("+1 720-738-1011", { selector: "strong" })).toBeTruthy();
  });

  test("leaving saves first; a failed save on leaving keeps the user in the wizard", async () => {
    let failing = true;
    backend({ fail: () => failing });
    const wizard = open(draftView(), 1000);
    await fireEvent.input(screen.getByRole("textbox", { name: /Company/ }), { target: { value: "Acme" } });
    await fireEvent.click(screen.getByRole("button", { name: "Back to drafts" }));
    await screen.findByRole("alert");
    expect(wizard.closed()).toBe(false);
    failing = false;
    await fireEvent.click(screen.getByRole("button", { name: "Back to drafts" }));
    await waitFor(() => expect(wizard.closed()).toBe(true));
  });
});
