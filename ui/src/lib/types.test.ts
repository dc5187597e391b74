// Checks that JSON produced by the Rust side has exactly the shape the hand-written types claim.
// The fixtures are checked against the real command output by `src-tauri/tests/ipc.rs`, so
// together the two tests catch drift between `casefile_core::wire` and `types.ts`.
import { describe, expect, test } from "vitest";
import problemsFixture from "./fixtures/profile-problems.json";
import summariesFixture from "./fixtures/profile-summaries.json";
import { draftView, emptyRequest, viewFor } from "../testing/draft-view";
import type {
  PendingScreenshot,
  SavedScreenshot,
  WindowInfo,
  AttachmentReport,
  BundleEntry,
  BundleReport,
  ChannelSummary,
  DisclosedIdentifier,
  DisclosedSecret,
  DisclosurePlace,
  DisclosureReport,
  HighlightedPreview,
  PreviewSpan,
  DraftSummary,
  EvidenceKindPreview,
  EvidencePreview,
  MachineSummary,
  OutboxEvent,
  OutboxItemReport,
  PlannedFile,
  Receipt,
  SkippedReport,
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
  | "nullable-number"
  | "nullable-array"
  | "optional-object";

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
  pastedLogs: "array",
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

const draftSummarySchema: Record<keyof DraftSummary, JsonKind> = {
  path: "string",
  caseCode: "string",
  profile: "string",
  vendor: "string",
  subject: "string",
  step: "number",
  updatedAt: "string",
  errors: "number",
  problem: "nullable-string",
};

// Contract 2: evidence, the bundle, channels, the outbox and the machine summary.
const plannedFileSchema: Record<keyof PlannedFile, JsonKind> = {
  entry: "string",
  source: "string",
  size: "number",
  modified: "nullable-string",
};
const kindPreviewSchema: Record<keyof EvidenceKindPreview, JsonKind> = {
  id: "string",
  label: "string",
  description: "string",
  files: "array",
  bytes: "number",
};
const skippedSchema: Record<keyof SkippedReport, JsonKind> = { source: "string", reason: "string", detail: "string" };
const evidencePreviewSchema: Record<keyof EvidencePreview, JsonKind> = {
  kinds: "array",
  added: "array",
  skipped: "array",
  totalBytes: "number",
  estimatedBundleBytes: "number",
};
const bundleReportSchema: Record<keyof BundleReport, JsonKind> = {
  bundle: "string",
  bundleBytes: "number",
  inputBytes: "number",
  limit: "nullable-number",
  entries: "array",
  skipped: "array",
  redactions: "object",
  leaks: "array",
  disclosure: "optional-object",
};
const disclosureSchema: Record<keyof DisclosureReport, JsonKind> = {
  caseCode: "nullable-string",
  redacted: "boolean",
  identifiers: "array",
  secrets: "array",
  unredacted: "array",
  requester: "array",
  keep: "array",
  hide: "array",
  suggestedHide: "array",
  scannedEntries: "number",
  leaks: "array",
};
const identifierSchema: Record<keyof DisclosedIdentifier, JsonKind> = {
  category: "string",
  original: "string",
  pseudonym: "nullable-string",
  kept: "boolean",
  count: "number",
  places: "array",
};
const placeSchema: Record<keyof DisclosurePlace, JsonKind> = { kind: "string", name: "string", count: "number" };
const secretSchema: Record<keyof DisclosedSecret, JsonKind> = { kind: "string", count: "number", places: "array" };
const unredactedSchema: Record<keyof DisclosureReport["unredacted"][number], JsonKind> = { entry: "string", reason: "string" };
const highlightedSchema: Record<keyof HighlightedPreview, JsonKind> = {
  file: "string",
  text: "string",
  truncated: "boolean",
  redactions: "object",
  spans: "array",
};
const spanSchema: Record<keyof PreviewSpan, JsonKind> = {
  start: "number",
  end: "number",
  category: "string",
  kind: "nullable-string",
  kept: "boolean",
};
const bundleEntrySchema: Record<keyof BundleEntry, JsonKind> = {
  name: "string",
  evidence: "nullable-string",
  size: "number",
  redactions: "number",
  truncated: "boolean",
};
const leakSchema: Record<keyof BundleReport["leaks"][number], JsonKind> = { entry: "string", what: "string" };
const channelSchema: Record<keyof ChannelSummary, JsonKind> = {
  name: "string",
  kind: "string",
  destination: "string",
  default: "boolean",
  secret: "nullable-string",
  secretSource: "nullable-string",
};
const outboxItemSchema: Record<keyof OutboxItemReport, JsonKind> = {
  id: "string",
  caseCode: "string",
  subject: "string",
  state: "string",
  channel: "string",
  kind: "string",
  destination: "string",
  attempts: "number",
  createdAt: "string",
  updatedAt: "string",
  nextAttemptAt: "nullable-string",
  lastError: "nullable-string",
  attachments: "array",
  history: "array",
  receipt: "nullable-object",
};
const attachmentSchema: Record<keyof AttachmentReport, JsonKind> = { name: "string", size: "number", sha256: "string" };
const eventSchema: Record<keyof OutboxEvent, JsonKind> = { at: "string", state: "string", note: "string" };
const receiptSchema: Record<keyof Receipt, JsonKind> = {
  id: "string",
  caseCode: "string",
  channel: "string",
  kind: "string",
  ticketId: "nullable-string",
  url: "nullable-string",
  detail: "string",
  sentAt: "string",
  sla: "nullable-object",
  slaProblem: "nullable-string",
  escalationTo: "array",
  escalationMessage: "string",
  nextStep: "nullable-string",
};
const machineSchema: Record<keyof MachineSummary, JsonKind> = {
  os: "string",
  hostname: "nullable-string",
  agentVersion: "nullable-string",
  agentLog: "nullable-string",
  lastErrors: "array",
  notes: "array",
  errorCount: "number",
  newestError: "nullable-string",
};

const windowSchema: Record<keyof WindowInfo, JsonKind> = {
  id: "number",
  title: "string",
  x: "number",
  y: "number",
  width: "number",
  height: "number",
};

const pendingScreenshotSchema: Record<keyof PendingScreenshot, JsonKind> = {
  id: "string",
  name: "string",
  width: "number",
  height: "number",
  dataUrl: "string",
  stripped: "array",
};

const savedScreenshotSchema: Record<keyof SavedScreenshot, JsonKind> = {
  path: "string",
  width: "number",
  height: "number",
  stripped: "array",
  boxes: "number",
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
    case "nullable-array":
      return value === null || Array.isArray(value);
    case "optional-object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
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
      if (kind === "optional-object") {
        continue;
      }
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

// Checks of nested values, one per contract-2 type; each returns one line per mismatch.
const nested = {
  evidencePreview(value: unknown, where: string): string[] {
    const top = shapeProblems(value, evidencePreviewSchema, where);
    if (top.length > 0) {
      return top;
    }
    const preview = value as EvidencePreview;
    return [
      ...preview.kinds.flatMap((kind, i) => {
        const at = `${where}.kinds[${i}]`;
        const own = shapeProblems(kind, kindPreviewSchema, at);
        return own.length > 0 ? own : kind.files.flatMap((file, j) => shapeProblems(file, plannedFileSchema, `${at}.files[${j}]`));
      }),
      ...preview.added.flatMap((file, i) => shapeProblems(file, plannedFileSchema, `${where}.added[${i}]`)),
      ...preview.skipped.flatMap((gap, i) => shapeProblems(gap, skippedSchema, `${where}.skipped[${i}]`)),
    ];
  },
  bundleReport(value: unknown, where: string): string[] {
    const top = shapeProblems(value, bundleReportSchema, where);
    if (top.length > 0) {
      return top;
    }
    const report = value as BundleReport;
    return [
      ...report.entries.flatMap((entry, i) => shapeProblems(entry, bundleEntrySchema, `${where}.entries[${i}]`)),
      ...report.skipped.flatMap((gap, i) => shapeProblems(gap, skippedSchema, `${where}.skipped[${i}]`)),
      ...report.leaks.flatMap((leak, i) => shapeProblems(leak, leakSchema, `${where}.leaks[${i}]`)),
      ...(report.disclosure === undefined ? [] : nested.disclosure(report.disclosure, `${where}.disclosure`)),
      ...Object.entries(report.redactions)
        .filter(([, count]) => typeof count !== "number")
        .map(([category]) => `${where}.redactions.${category}: not a number`),
    ];
  },
  outboxItem(value: unknown, where: string): string[] {
    const top = shapeProblems(value, outboxItemSchema, where);
    if (top.length > 0) {
      return top;
    }
    const item = value as OutboxItemReport;
    return [
      ...item.attachments.flatMap((attachment, i) => shapeProblems(attachment, attachmentSchema, `${where}.attachments[${i}]`)),
      ...item.history.flatMap((event, i) => shapeProblems(event, eventSchema, `${where}.history[${i}]`)),
      ...(item.receipt === null ? [] : shapeProblems(item.receipt, receiptSchema, `${where}.receipt`)),
    ];
  },
  disclosure(value: unknown, where: string): string[] {
    const top = shapeProblems(value, disclosureSchema, where);
    if (top.length > 0) {
      return top;
    }
    const report = value as DisclosureReport;
    const places = (list: DisclosurePlace[], at: string): string[] =>
      list.flatMap((place, i) => shapeProblems(place, placeSchema, `${at}.places[${i}]`));
    return [
      ...report.identifiers.flatMap((id, i) => {
        const at = `${where}.identifiers[${i}]`;
        const own = shapeProblems(id, identifierSchema, at);
        return own.length > 0 ? own : places(id.places, at);
      }),
      ...report.secrets.flatMap((secret, i) => {
        const at = `${where}.secrets[${i}]`;
        const own = shapeProblems(secret, secretSchema, at);
        return own.length > 0 ? own : places(secret.places, at);
      }),
      ...report.unredacted.flatMap((entry, i) => shapeProblems(entry, unredactedSchema, `${where}.unredacted[${i}]`)),
      ...report.leaks.flatMap((leak, i) => shapeProblems(leak, leakSchema, `${where}.leaks[${i}]`)),
    ];
  },
  highlighted(value: unknown, where: string): string[] {
    const top = shapeProblems(value, highlightedSchema, where);
    if (top.length > 0) {
      return top;
    }
    const preview = value as HighlightedPreview;
    return preview.spans.flatMap((span, i) => shapeProblems(span, spanSchema, `${where}.spans[${i}]`));
  },
  channel: (value: unknown, where: string): string[] => shapeProblems(value, channelSchema, where),
  machine: (value: unknown, where: string): string[] => shapeProblems(value, machineSchema, where),
  draftSummary: (value: unknown, where: string): string[] => shapeProblems(value, draftSummarySchema, where),
  draftView(value: unknown, where: string): string[] {
    const top = shapeProblems(value, draftViewSchema, where);
    if (top.length > 0) {
      return top;
    }
    const view = value as DraftView;
    return view.steps.flatMap((step, i) => [
      ...shapeProblems(step, stepSchema, `${where}.steps[${i}]`),
      ...step.fields.flatMap((field, j) => shapeProblems(field, fieldSchema, `${where}.steps[${i}].fields[${j}]`)),
    ]);
  },
};

/** Every value of a fixture: the list's items, or the one object. */
function valuesOf(fixture: unknown): unknown[] {
  return Array.isArray(fixture) ? fixture : [fixture];
}

// Generated by the Rust side (`CASEFILE_BLESS_FIXTURES=1 cargo test -p casefile-desktop --test
// ipc`). The contract-2 ones may not exist yet: each is checked once it is committed.
const fixtures = import.meta.glob<unknown>("./fixtures/*.json", { eager: true, import: "default" });
const fixtureChecks: [string, (value: unknown, where: string) => string[]][] = [
  ["draft-view-generic.json", nested.draftView],
  ["draft-view-jetpatch.json", nested.draftView],
  ["draft-summaries.json", nested.draftSummary],
  ["evidence-preview.json", nested.evidencePreview],
  ["bundle-report.json", nested.bundleReport],
  ["disclosure-review.json", nested.disclosure],
  ["highlighted-preview.json", nested.highlighted],
  ["outbox-items.json", nested.outboxItem],
  ["channels.json", nested.channel],
  ["machine-summary.json", nested.machine],
  ["windows.json", (value, where) => shapeProblems(value, windowSchema, where)],
  ["pending-screenshot.json", (value, where) => shapeProblems(value, pendingScreenshotSchema, where)],
  ["saved-screenshot.json", (value, where) => shapeProblems(value, savedScreenshotSchema, where)],
];

describe("generated fixtures", () => {
  const present = fixtureChecks.filter(([name]) => `./fixtures/${name}` in fixtures);
  const absent = fixtureChecks.filter(([name]) => !(`./fixtures/${name}` in fixtures)).map(([name]) => name);

  test("the contract-1 fixtures are committed", () => {
    expect(absent.filter((name) => name.startsWith("draft-"))).toEqual([]);
  });

  test.each(present)("%s matches types.ts", (name, check) => {
    const values = valuesOf(fixtures[`./fixtures/${name}`]);
    expect(values.length).toBeGreaterThan(0);
    expect(values.flatMap((value, i) => check(value, `${name}[${i}]`))).toEqual([]);
  });

  test("draft views from the core have seven numbered steps", () => {
    for (const name of ["draft-view-generic.json", "draft-view-jetpatch.json"]) {
      const view = fixtures[`./fixtures/${name}`] as DraftView;
      expect(view.steps.map((step) => step.number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
  });

  test("a broken draft is listed with its problem", () => {
    const summaries = fixtures["./fixtures/draft-summaries.json"] as DraftSummary[];
    expect(summaries.some((summary) => summary.problem !== null)).toBe(true);
  });
});

describe("test data for steps 5 to 7", () => {
  test("the hand-built replies have the contract's shapes", async () => {
    const data = await import("../testing/evidence");
    const problems = [
      ...nested.evidencePreview(data.evidencePreview(), "evidencePreview"),
      ...nested.bundleReport(data.bundleReport({ leaks: [{ entry: "a", what: "b" }] }), "bundleReport"),
      ...data.channels().flatMap((channel, i) => nested.channel(channel, `channels[${i}]`)),
      ...nested.outboxItem(data.sentItem(), "sentItem"),
      ...nested.outboxItem(data.waitingItem(), "waitingItem"),
      ...nested.machine(data.machine(), "machine"),
      ...nested.disclosure(data.disclosure(), "disclosure"),
      ...nested.highlighted(data.redaction("/var/log/jetpatch/agent.log"), "redaction"),
    ];
    expect(problems).toEqual([]);
  });
});
