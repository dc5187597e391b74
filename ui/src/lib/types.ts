// Payloads that cross the IPC boundary, mirroring `casefile_core::wire` (serde, camelCase).
// Written by hand for now; `types.test.ts` checks them against JSON produced by the Rust side
// (`src-tauri/tests/ipc.rs` checks the same fixture against the real command output).

/** One support tier of a vendor profile, e.g. `{ id: "premium", label: "Premium" }`. */
export interface TierSummary {
  id: string;
  label: string;
}

/** One level of a vendor's priority scale, e.g. `{ id: "p1", label: "P1 - Critical" }`. */
export interface PrioritySummary {
  id: string;
  label: string;
}

/** What the profile list shows about one vendor profile. */
export interface ProfileSummary {
  id: string;
  name: string;
  version: string;
  /** `"built-in"`, or the path of the user's profile file. */
  origin: string;
  tiers: TierSummary[];
  priorities: PrioritySummary[];
  portalUrl: string | null;
  description: string;
}

/** A problem found while loading a user profile file; the file is skipped, the rest load. */
export interface ProfileProblem {
  file: string;
  line: number | null;
  key: string | null;
  message: string;
}

/** The error value every command rejects with (`IpcError` in `src-tauri/src/error.rs`). */
export interface IpcErrorPayload {
  code: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Drafts and the wizard (`casefile_core::wire`, see /work/briefs/wizard-contract.md).

/** One validation problem (`ProblemReport`); `field` uses the same names as `FieldSpec.id`. */
export interface ProblemReport {
  field: string;
  severity: "error" | "warning" | (string & {});
  message: string;
}

/** One line of the drafts list, newest first. */
export interface DraftSummary {
  path: string;
  caseCode: string;
  profile: string;
  /** The profile's name. */
  vendor: string;
  subject: string;
  step: number;
  /** RFC 3339. */
  updatedAt: string;
  errors: number;
}

export type Environment = "production" | "development" | "poc";
export type UsersAffected = "none" | "one" | "some" | "most";

/**
 * The draft file's own structure (`casefile_core::request::Request`). Its keys are snake_case,
 * as in the draft TOML: it is a versioned on-disk format passed through unchanged.
 */
export interface Request {
  schema_version: number;
  case_code: string;
  profile: string;
  tier: string;
  issue_type: string;
  contact: { company: string; name: string; email: string; phone: string; contact_id: string };
  problem: {
    subject: string;
    description: string;
    operation_requested: string;
    expected_result: string;
    actual_result: string;
    steps_to_reproduce: string;
    troubleshooting_done: string;
    error_messages: string;
    started_at: string;
  };
  scope: { environment: Environment | null; endpoints: Endpoint[]; versions: string };
  impact: {
    answers: ImpactAnswers;
    proposed_priority: string;
    priority: string;
    override_reason: string;
  };
  checklist_done: string[];
  evidence: { evidence_id: string; path: string; note: string }[];
  extra: Record<string, string>;
}

/** An affected machine, one row of the endpoints table. */
export interface Endpoint {
  hostname: string;
  ip: string;
  os: string;
  agent_version: string;
}

/** The impact questionnaire; `null` is "not answered yet". */
export interface ImpactAnswers {
  production_down: boolean | null;
  data_loss: boolean | null;
  workaround: boolean | null;
  users_affected: UsersAffected | null;
  question_only: boolean | null;
}

export type StepId = "contact" | "problem" | "scope" | "impact" | "evidence" | "review" | "send";

export type FieldKind = "text" | "multiline" | "email" | "phone" | "choice" | "date" | "number" | "url";

/** One field a step shows; `id` is the validation name, `path` the dotted path into `Request`. */
export interface FieldSpec {
  id: string;
  path: string;
  label: string;
  help: string | null;
  required: boolean;
  kind: FieldKind;
  choices: { id: string; label: string }[];
}

/** One of the wizard's seven steps, with the counts of its fields' problems. */
export interface StepSpec {
  number: number;
  id: StepId;
  title: string;
  fields: FieldSpec[];
  errors: number;
  warnings: number;
}

export interface TierOption {
  id: string;
  label: string;
  supported: boolean;
  message: string | null;
  note: string | null;
}

export interface IssueTypeOption {
  id: string;
  label: string;
  description: string;
  checklist: { id: string; text: string }[];
  requiredEvidence: string[];
  optionalEvidence: string[];
}

/** One level of the vendor's scale, most severe first, with the vendor's own definition. */
export interface PriorityOption {
  id: string;
  label: string;
  definition: string;
}

export interface PriorityProposal {
  /** `null` until enough questions are answered. */
  priority: string | null;
  reasons: string[];
  cap: { maxPriority: string; message: string } | null;
}

export type NoticeKind = "phone_first" | "cap" | "eligibility" | "scope" | "tier" | "knowledge_base";

/** A profile rule that applies to the request as it stands. */
export interface Notice {
  kind: NoticeKind | (string & {});
  message: string;
  phone: string | null;
  field: string | null;
}

export interface TargetReport {
  name: string;
  label: string;
  within: string;
  due: string | null;
  text: string;
}

export interface EscalationReport {
  allowedFrom: string | null;
  condition: string;
  contacts: string[];
  how: string;
  text: string;
}

/** Response targets if the request were sent now, texts in the user's time zone. */
export interface SlaReport {
  profile: string;
  tier: string;
  priority: string;
  submitted: string;
  coverage: string;
  vendorTimeZone: string;
  displayTimeZone: string;
  clockStarts: string;
  targets: TargetReport[];
  escalations: EscalationReport[];
  notices: string[];
}

/** Everything the wizard shows about one draft, as computed by the core. */
export interface DraftView {
  path: string;
  step: number;
  request: Request;
  vendor: string;
  steps: StepSpec[];
  problems: ProblemReport[];
  tiers: TierOption[];
  issueTypes: IssueTypeOption[];
  priorities: PriorityOption[];
  proposal: PriorityProposal;
  notices: Notice[];
  sla: SlaReport | null;
  slaProblem: string | null;
}
