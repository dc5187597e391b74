// What the stepper says about each step, in words that are true: a step nobody has reached yet
// is "Not started" (or "Optional"), not "Complete"; Evidence and Send speak of the bundle and the
// delivery ("Needs a bundle", "Bundle out of date", "Ready to send", "Saved, not sent yet").
// Pure: the wizard hands in what it knows (the core's counts, the bundle, the outbox item).
import type { OutboxItemReport, ProblemReport, StepSpec } from "./types";

/** A problem of the request with the number of the step it is on (the list before Send). */
export type BlockingProblem = ProblemReport & { step: number | null };

/** How a status reads at a glance: `todo` (grey), `warning`, `danger`, `ok` (done). */
export type StatusTone = "todo" | "warning" | "danger" | "ok";

export interface StepStatus {
  text: string;
  tone: StatusTone;
}

/** The bundle as the Evidence and Send steps see it. */
export type BundleState = "none" | "stale" | "leaks" | "current";

/** Where a request stands once it went to the outbox (see `deliveryState`). */
export type DeliveryState = "sent" | "saved" | "waiting" | "failed";

export interface StatusContext {
  /** Steps the user has left, pressed Next on, or that lie behind a reopened draft's step. */
  checked: ReadonlySet<number>;
  /** Steps with at least one field filled in. */
  started: ReadonlySet<number>;
  bundle: BundleState;
  /** Errors in the whole request (every step). */
  errors: number;
  delivery: DeliveryState | null;
}

export function countText(count: number, one: string, many: string): string {
  return count === 1 ? `1 ${one}` : `${count} ${many}`;
}

/** The delivery state of an outbox item: a folder channel's "sent" is only saved. */
export function deliveryState(item: OutboxItemReport): DeliveryState {
  if (item.state === "sent") {
    return savesOnly(item.kind) ? "saved" : "sent";
  }
  return item.state === "failed" ? "failed" : "waiting";
}

/** Channels that only save the message for the user to send (nothing reaches the vendor). */
export function savesOnly(kind: string): boolean {
  return kind === "folder";
}

/** How a delivery state reads, in the stepper, the drafts list and the Outbox. */
export function deliveryText(state: DeliveryState): StepStatus {
  switch (state) {
    case "sent":
      return { text: "Sent", tone: "ok" };
    case "saved":
      return { text: "Saved, not sent yet", tone: "warning" };
    case "waiting":
      return { text: "Not sent yet, will retry", tone: "warning" };
    case "failed":
      return { text: "Not sent: needs a fix", tone: "danger" };
  }
}

function bundleText(bundle: BundleState): StepStatus | null {
  switch (bundle) {
    case "none":
      return { text: "Needs a bundle", tone: "todo" };
    case "stale":
      return { text: "Bundle out of date", tone: "warning" };
    case "leaks":
      return { text: "Leak found in the bundle", tone: "danger" };
    case "current":
      return null;
  }
}

export function stepStatus(step: StepSpec, context: StatusContext): StepStatus {
  const checked = context.checked.has(step.number);
  const ownErrors = checked && step.errors > 0 ? { text: countText(step.errors, "error", "errors"), tone: "danger" as const } : null;
  switch (step.id) {
    case "evidence":
      return ownErrors ?? bundleText(context.bundle) ?? { text: "Bundle ready", tone: "ok" };
    case "review":
      if (!checked) {
        return { text: "Not started", tone: "todo" };
      }
      return context.errors > 0 ? { text: countText(context.errors, "error", "errors"), tone: "danger" } : { text: "Complete", tone: "ok" };
    case "send":
      if (context.delivery !== null) {
        return deliveryText(context.delivery);
      }
      if (context.errors > 0 && (checked || context.bundle !== "none")) {
        return { text: countText(context.errors, "error", "errors"), tone: "danger" };
      }
      return bundleText(context.bundle) ?? (context.errors > 0 ? { text: countText(context.errors, "error", "errors"), tone: "danger" } : { text: "Ready to send", tone: "ok" });
    default: {
      const required = step.fields.some((field) => field.required);
      if (!checked) {
        if (context.started.has(step.number)) {
          if (step.errors > 0) {
            return { text: "In progress", tone: "todo" };
          }
          return step.warnings > 0 ? { text: countText(step.warnings, "warning", "warnings"), tone: "warning" } : { text: "Complete", tone: "ok" };
        }
        return { text: required ? "Not started" : "Optional", tone: "todo" };
      }
      if (ownErrors !== null) {
        return ownErrors;
      }
      if (step.warnings > 0) {
        return { text: countText(step.warnings, "warning", "warnings"), tone: "warning" };
      }
      if (!required && !context.started.has(step.number)) {
        return { text: "Optional, skipped", tone: "todo" };
      }
      return { text: "Complete", tone: "ok" };
    }
  }
}
