// Checks that JSON produced by the Rust side has exactly the shape the hand-written types claim.
// The fixtures are checked against the real command output by `src-tauri/tests/ipc.rs`, so
// together the two tests catch drift between `casefile_core::wire` and `types.ts`.
import { describe, expect, test } from "vitest";
import problemsFixture from "./fixtures/profile-problems.json";
import summariesFixture from "./fixtures/profile-summaries.json";
import { draftView, emptyRequest, viewFor } from "../testing/draft-view";
import type {
  DraftView,
  FieldSpec,
  PrioritySummary,
  ProfileProblem,
  ProfileSummary,
  StepSpec,
  TierSummary,
} from "./types";

type JsonKind =
  | "string"
  | "number"
  | "boolean"
  | "array"
  | "object"
  | "nullable-object"
  | "nullable-string"
  | "nullable-number";

// `Record<keyof T, …>` makes the compiler reject a missing or an extra key, so these schemas
// cannot fall out of step with the interfaces in types.ts.
const summarySchema: Record<keyof ProfileSummary, JsonKind> = {
  id: "string",
  name: "string",
  version: "string",
  origin: "string",
  tiers: "array",
  priorities: "array",
  portalUrl: "nullable-string",
  description: "string",
};
const tierSchema: Record<keyof TierSummary, JsonKind> = { id: "string", label: "string" };
const prioritySchema: Record<keyof PrioritySummary, JsonKind> = { id: "string", label: "string" };
const problemSchema: Record<keyof ProfileProblem, JsonKind> = {
  file: "string",
  line: "nullable-number",
  key: "nullable-string",
  message: "string",
};

// The draft types. Until the Rust side commits `fixtures/draft-view-*.json`, these check the
// hand-built views the wizard tests use; the generated fixtures should be run through them too.
const draftViewSchema: Record<keyof DraftView, JsonKind> = {
  path: "string",
  step: "number",
  request: "object",
  vendor: "string",
  steps: "array",
  problems: "array",
  tiers: "array",
  issueTypes: "array",
  priorities: "array",
  proposal: "object",
  notices: "array",
  sla: "nullable-object",
  slaProblem: "nullable-string",
};
const stepSchema: Record<keyof StepSpec, JsonKind> = {
  number: "number",
  id: "string",
  title: "string",
  fields: "array",
  errors: "number",
  warnings: "number",
};
const fieldSchema: Record<keyof FieldSpec, JsonKind> = {
  id: "string",
  path: "string",
  label: "string",
  help: "nullable-string",
  required: "boolean",
  kind: "string",
  choices: "array",
};

function kindMatches(value: unknown, kind: JsonKind): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "nullable-object":
      return value === null || (typeof value === "object" && !Array.isArray(value));
    case "nullable-string":
      return value === null || typeof value === "string";
    case "nullable-number":
      return value === null || typeof value === "number";
  }
}

/** Returns one line per mismatch, so a failure names every bad key at once. */
function shapeProblems(value: unknown, schema: Record<string, JsonKind>, where: string): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [`${where}: not an object`];
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!(key in schema)) {
      problems.push(`${where}.${key}: not in the TypeScript type`);
    }
  }
  for (const [key, kind] of Object.entries(schema)) {
    if (!(key in record)) {
      problems.push(`${where}.${key}: missing`);
    } else if (!kindMatches(record[key], kind)) {
      problems.push(`${where}.${key}: expected ${kind}, got ${JSON.stringify(record[key])}`);
    }
  }
  return problems;
}

function summaryProblems(value: unknown, index: number): string[] {
  const where = `summaries[${index}]`;
  const problems = shapeProblems(value, summarySchema, where);
  if (problems.length > 0) {
    return problems;
  }
  const summary = value as ProfileSummary;
  return [
    ...summary.tiers.flatMap((tier, i) => shapeProblems(tier, tierSchema, `${where}.tiers[${i}]`)),
    ...summary.priorities.flatMap((priority, i) =>
      shapeProblems(priority, prioritySchema, `${where}.priorities[${i}]`),
    ),
  ];
}

describe("wire fixtures", () => {
  test("profile summaries match ProfileSummary", () => {
    const fixture: unknown = summariesFixture;
    expect(Array.isArray(fixture)).toBe(true);
    const entries = fixture as unknown[];
    expect(entries).toHaveLength(6);
    expect(entries.flatMap(summaryProblems)).toEqual([]);
  });

  test("profile problems match ProfileProblem", () => {
    const fixture: unknown = problemsFixture;
    const entries = fixture as unknown[];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.flatMap((entry, i) => shapeProblems(entry, problemSchema, `problems[${i}]`))).toEqual([]);
  });

  test("the shape check reports extra, missing and mistyped keys", () => {
    const bad = { file: "a.toml", line: "7", message: "x", extra: true };
    expect(shapeProblems(bad, problemSchema, "p")).toEqual([
      "p.extra: not in the TypeScript type",
      "p.line: expected nullable-number, got \"7\"",
      "p.key: missing",
    ]);
  });

  test("draft views have the DraftView shape, with seven numbered steps", () => {
    const views: unknown[] = [JSON.parse(JSON.stringify(draftView())), JSON.parse(JSON.stringify(viewFor(emptyRequest(), 2)))];
    for (const [index, value] of views.entries()) {
      const where = `views[${index}]`;
      expect(shapeProblems(value, draftViewSchema, where)).toEqual([]);
      const view = value as DraftView;
      expect(view.steps.map((step) => step.number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(
        view.steps.flatMap((step, i) => [
          ...shapeProblems(step, stepSchema, `${where}.steps[${i}]`),
          ...step.fields.flatMap((field, j) => shapeProblems(field, fieldSchema, `${where}.steps[${i}].fields[${j}]`)),
        ]),
      ).toEqual([]);
    }
  });
});
