// Places each `ProblemReport` of a view beside the control it concerns, or in a step-level list
// when the step has no control for it, or among the draft-level problems when no step has it.
import type { ProblemReport, StepId, StepSpec } from "./types";

/** Problems of one step: beside a control (by problem field) or listed for the step. */
export interface StepProblems {
  beside: Map<string, ProblemReport[]>;
  listed: ProblemReport[];
}

export interface Placement {
  steps: Map<StepId, StepProblems>;
  /** Problems of no step: the draft itself (schema version, case code, profile). */
  unplaced: ProblemReport[];
}

/** Problems whose field is no `FieldSpec` but which a step still shows a control for. */
function builtInStep(field: string): { step: StepId; control: boolean } | null {
  if (field === "checklist") {
    return { step: "problem", control: true };
  }
  if (field === "endpoints" || /^endpoints\[\d+\](\.[a-z_]+)?$/.test(field)) {
    return { step: "scope", control: true };
  }
  if (field === "override_reason") {
    return { step: "impact", control: true };
  }
  if (field.startsWith("answers") || field.startsWith("impact")) {
    return { step: "impact", control: false };
  }
  if (field === "evidence" || field.startsWith("evidence[")) {
    return { step: "evidence", control: false };
  }
  return null;
}

export function placeProblems(problems: ProblemReport[], steps: StepSpec[]): Placement {
  const placement: Placement = { steps: new Map(), unplaced: [] };
  for (const step of steps) {
    placement.steps.set(step.id, { beside: new Map(), listed: [] });
  }
  const owner = new Map<string, StepId>();
  for (const step of steps) {
    for (const field of step.fields) {
      owner.set(field.id, step.id);
    }
  }
  for (const problem of problems) {
    const fieldStep = owner.get(problem.field);
    const builtIn = fieldStep === undefined ? builtInStep(problem.field) : null;
    const stepId = fieldStep ?? builtIn?.step;
    const target = stepId === undefined ? undefined : placement.steps.get(stepId);
    if (target === undefined) {
      placement.unplaced.push(problem);
    } else if (fieldStep !== undefined || builtIn?.control === true) {
      const list = target.beside.get(problem.field) ?? [];
      list.push(problem);
      target.beside.set(problem.field, list);
    } else {
      target.listed.push(problem);
    }
  }
  return placement;
}

/** The DOM id of the control a problem field is shown beside (the summary links to it). */
export function controlId(field: string): string {
  const endpoint = /^endpoints\[(\d+)\](?:\.([a-z_]+))?$/.exec(field);
  if (endpoint !== null) {
    return `endpoint-${endpoint[1]}-${endpoint[2] ?? "hostname"}`;
  }
  return `field-${field}`;
}

/** The DOM id of the message of problem `index` of `field`, for `aria-describedby`. */
export function messageId(field: string, index: number): string {
  return `problem-${field.replace(/[^A-Za-z0-9_-]/g, "_")}-${index}`;
}
