// A hand-built `DraftView` for a fresh JetPatch draft, shaped as the contract describes, for the
// wizard tests. Generated fixtures (`lib/fixtures/draft-view-*.json`) will come from the Rust side.
import type { DraftView, FieldSpec, ProblemReport, Request, StepSpec } from "../lib/types";

export const DRAFT_PATH = "/home/ana/.local/share/casefile/drafts/CF-7K2M-9QXD.toml";

export function emptyRequest(): Request {
  return {
    schema_version: 1,
    case_code: "CF-7K2M-9QXD",
    profile: "jetpatch",
    tier: "standard",
    issue_type: "",
    contact: { company: "", name: "", email: "", phone: "", contact_id: "" },
    problem: {
      subject: "",
      description: "",
      operation_requested: "",
      expected_result: "",
      actual_result: "",
      steps_to_reproduce: "",
      troubleshooting_done: "",
      error_messages: "",
      started_at: "",
    },
    scope: { environment: null, endpoints: [], versions: "" },
    impact: {
      answers: { production_down: null, data_loss: null, workaround: null, users_affected: null, question_only: null },
      proposed_priority: "",
      priority: "",
      override_reason: "",
    },
    checklist_done: [],
    evidence: [],
    extra: {},
  };
}

function text(id: string, path: string, label: string, required = false, help: string | null = null): FieldSpec {
  return { id, path, label, help, required, kind: "text", choices: [] };
}

const contactFields: FieldSpec[] = [
  {
    id: "tier",
    path: "tier",
    label: "Support tier",
    help: null,
    required: true,
    kind: "choice",
    choices: [{ id: "standard", label: "Standard maintenance and support" }],
  },
  text("contact_name", "contact.name", "Contact name", true),
  { ...text("email", "contact.email", "E-mail", true), kind: "email" },
  { ...text("phone", "contact.phone", "Phone"), kind: "phone" },
  text("company", "contact.company", "Company", true),
  text("contact_id", "contact.contact_id", "Maintenance agreement number", false, "Printed on your JetPatch order form."),
];

const problemFields: FieldSpec[] = [
  {
    id: "issue_type",
    path: "issue_type",
    label: "Issue type",
    help: null,
    required: true,
    kind: "choice",
    choices: [
      { id: "manager-console", label: "Manager Console" },
      { id: "connector", label: "Connector Issue" },
      { id: "patch-management", label: "Patch Management" },
      { id: "agent-management", label: "Agent Management" },
    ],
  },
  text("subject", "problem.subject", "Subject", true, "One line: what fails, where."),
  { ...text("description", "problem.description", "Description", true), kind: "multiline" },
  text("operation_requested", "problem.operation_requested", "Operation requested"),
  text("expected_result", "problem.expected_result", "Expected result"),
  text("actual_result", "problem.actual_result", "Actual result"),
  { ...text("steps_to_reproduce", "problem.steps_to_reproduce", "Steps to reproduce"), kind: "multiline" },
  { ...text("troubleshooting_done", "problem.troubleshooting_done", "Troubleshooting done"), kind: "multiline" },
  { ...text("error_messages", "problem.error_messages", "Error messages"), kind: "multiline" },
  text("started_at", "problem.started_at", "When it started"),
];

const scopeFields: FieldSpec[] = [
  {
    id: "environment",
    path: "scope.environment",
    label: "Environment",
    help: null,
    required: true,
    kind: "choice",
    choices: [
      { id: "production", label: "Production" },
      { id: "development", label: "Development or test" },
      { id: "poc", label: "Proof of concept" },
    ],
  },
  text("versions", "scope.versions", "Versions and patches", false, "JetPatch Manager build and agent versions."),
];

const impactFields: FieldSpec[] = [
  {
    id: "priority",
    path: "impact.priority",
    label: "Priority",
    help: null,
    required: true,
    kind: "choice",
    choices: [
      { id: "1", label: "Priority Error" },
      { id: "2", label: "Secondary Error" },
      { id: "3", label: "Minor Error" },
    ],
  },
  {
    ...text("override_reason", "impact.override_reason", "Why a different priority?", false, "Say why the proposal does not fit."),
    kind: "multiline",
  },
];

const stepDefs: [StepSpec["id"], string, FieldSpec[]][] = [
  ["contact", "Vendor and contact", contactFields],
  ["problem", "Problem", problemFields],
  ["scope", "Scope", scopeFields],
  ["impact", "Impact and priority", impactFields],
  ["evidence", "Evidence", []],
  ["review", "Review", []],
  ["send", "Send", []],
];

/** Counts the problems of each step's fields, as the core does. */
export function stepsFor(problems: ProblemReport[]): StepSpec[] {
  return stepDefs.map(([id, title, fields], index) => {
    const own = problems.filter(
      (problem) =>
        fields.some((field) => field.id === problem.field) ||
        (id === "problem" && problem.field === "checklist") ||
        (id === "scope" && problem.field.startsWith("endpoints")),
    );
    return {
      number: index + 1,
      id,
      title,
      fields,
      errors: own.filter((problem) => problem.severity === "error").length,
      warnings: own.filter((problem) => problem.severity === "warning").length,
    };
  });
}

export const freshProblems: ProblemReport[] = [
  { field: "contact_name", severity: "error", message: "Contact name is required by JetPatch: fill it in" },
  { field: "email", severity: "error", message: "E-mail is required by JetPatch: fill it in" },
  { field: "company", severity: "error", message: "Company is required by JetPatch: fill it in" },
  { field: "subject", severity: "error", message: "Subject is required by JetPatch: fill it in" },
  { field: "description", severity: "error", message: "Description is required by JetPatch: fill it in" },
  { field: "environment", severity: "error", message: "Environment is required: choose production, development or poc" },
  { field: "priority", severity: "error", message: "Priority is required by JetPatch: fill it in" },
];

export function draftView(overrides: Partial<DraftView> = {}): DraftView {
  const problems = overrides.problems ?? freshProblems;
  return {
    path: DRAFT_PATH,
    step: 1,
    request: emptyRequest(),
    vendor: "JetPatch",
    steps: stepsFor(problems),
    problems,
    tiers: [
      {
        id: "standard",
        label: "Standard maintenance and support",
        supported: true,
        message: null,
        note: "Requires a valid maintenance agreement.",
      },
    ],
    issueTypes: [
      {
        id: "manager-console",
        label: "Manager Console",
        description: "Issues with the JetPatch manager console; for UI issues, also attach the UI logs.",
        checklist: [],
        requiredEvidence: ["manager-logs"],
        optionalEvidence: ["db-dump", "ui-logs", "screenshot"],
      },
      {
        id: "connector",
        label: "Connector Issue",
        description: "Issues with a particular endpoint or a limited set of endpoints.",
        checklist: [],
        requiredEvidence: ["connector-logs"],
        optionalEvidence: ["screenshot"],
      },
      {
        id: "patch-management",
        label: "Patch Management",
        description: "Patching issues. Go through the patching checklist and try again before filing.",
        checklist: [
          { id: "endpoint-readiness", text: "Checking Endpoint Readiness" },
          { id: "predictive-patching", text: "Running Predictive Patching" },
          { id: "system-tasks", text: "Verifying System Tasks" },
        ],
        requiredEvidence: [],
        optionalEvidence: ["activity-output", "screenshot", "script"],
      },
      {
        id: "agent-management",
        label: "Agent Management",
        description: "A particular issue with an agent; give the relevant OS for deployment in the endpoints list.",
        checklist: [],
        requiredEvidence: ["pre-existing-vai", "agent-binaries"],
        optionalEvidence: [],
      },
    ],
    priorities: [
      { id: "1", label: "Priority Error", definition: "Errors that render the Licensed Software inoperative." },
      { id: "2", label: "Secondary Error", definition: "Errors that impact the Licensed Software in a non-material manner." },
      { id: "3", label: "Minor Error", definition: "Errors that are cosmetic in nature, or enhancement requests." },
    ],
    proposal: { priority: null, reasons: [], cap: null },
    notices: [],
    sla: null,
    slaProblem: "Choose a priority to see when JetPatch owes an answer.",
    pastedLogs: [],
    ...overrides,
  };
}

/**
 * A stand-in for the core's `save_draft`: the view it would answer for `request`, with the
 * required-field problems, a proposal from the questionnaire and a target preview.
 */
export function viewFor(request: Request, step: number): DraftView {
  const problems: ProblemReport[] = [];
  const required: [string, string, string][] = [
    ["contact_name", request.contact.name, "Contact name"],
    ["email", request.contact.email, "E-mail"],
    ["company", request.contact.company, "Company"],
    ["subject", request.problem.subject, "Subject"],
    ["description", request.problem.description, "Description"],
  ];
  for (const [field, value, label] of required) {
    if (value.trim() === "") {
      problems.push({ field, severity: "error", message: `${label} is required by JetPatch: fill it in` });
    }
  }
  if (request.scope.environment === null) {
    problems.push({ field: "environment", severity: "error", message: "Environment is required: choose production, development or poc" });
  }
  request.scope.endpoints.forEach((endpoint, index) => {
    if (endpoint.hostname.trim() === "" && endpoint.ip.trim() === "") {
      problems.push({ field: `endpoints[${index}]`, severity: "error", message: "an endpoint needs a hostname or an IP address" });
    }
  });
  if (request.issue_type === "patch-management") {
    const checklist = ["endpoint-readiness", "predictive-patching", "system-tasks"];
    checklist.forEach((id, index) => {
      if (!request.checklist_done.includes(id)) {
        problems.push({
          field: "checklist",
          severity: "warning",
          message: `JetPatch asks you to go through this first: step ${index + 1} is not ticked`,
        });
      }
    });
  }
  if (request.impact.priority === "") {
    problems.push({ field: "priority", severity: "error", message: "Priority is required by JetPatch: fill it in" });
  }
  const answers = request.impact.answers;
  const proposal =
    answers.production_down === true
      ? { priority: "1", reasons: ["production is down"], cap: null }
      : answers.question_only === true
        ? { priority: "3", reasons: ["it is a question, a cosmetic issue or an enhancement request"], cap: null }
        : Object.values(answers).some((answer) => answer !== null)
          ? { priority: "2", reasons: ["JetPatch's default when no rule matches"], cap: null }
          : { priority: null, reasons: [], cap: null };
  const priority = request.impact.priority;
  return draftView({
    step,
    request: structuredClone(request),
    problems,
    proposal,
    sla:
      priority === ""
        ? null
        : {
            profile: "jetpatch",
            tier: "standard",
            priority,
            submitted: "2026-11-24T15:00:00Z",
            coverage: "Mon-Fri 4 am - 4 pm US Eastern",
            vendorTimeZone: "America/New_York",
            displayTimeZone: "America/New_York",
            clockStarts: "2026-11-24T15:00:00Z",
            targets: [
              {
                name: "acknowledgment",
                label: "Acknowledgment",
                within: priority === "1" ? "4 business hours" : "1 business day",
                due: "2026-11-24T18:30:00Z",
                text:
                  priority === "1"
                    ? "Acknowledgment: within 4 business hours, by Tue 24 Nov 2026, 13:30 EST your time"
                    : "Acknowledgment: within 1 business day, by Wed 25 Nov 2026, 10:00 EST your time",
              },
            ],
            escalations: [],
            notices: [],
          },
    slaProblem: priority === "" ? "Choose a priority to see when JetPatch owes an answer." : null,
  });
}
