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
  /** Why the draft cannot be opened (`FILE:LINE:COLUMN: message`, unknown profile); `null` when it opens. */
  problem: string | null;
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
  /** The user's redaction choices (draft schema 2); never sent. Left out when empty. */
  redaction?: RedactionChoices;
}

/** Names the vendor may see as they are, and words to hide (core `request::Redaction`). */
export interface RedactionChoices {
  keep: string[];
  hide: string[];
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
  /** Free-text fields holding a pasted log (each has a warning): offer to attach them instead. */
  pastedLogs: string[];
}

// ---------------------------------------------------------------------------------------------
// Evidence, the bundle, delivery and the outbox (see /work/briefs/wizard-contract-2.md).

/** Collection window choices the core understands; an RFC 3339 instant is accepted too. */
export type SinceLabel = "1h" | "6h" | "24h" | "3d" | "7d" | "14d" | "30d";

/** What to collect, held by the UI while the draft is open (not saved in this slice). */
export interface EvidenceSelection {
  /** Evidence ids ticked; `null` = the default (the issue type's kinds, else every kind with sources here). */
  kinds: string[] | null;
  /** A window label, an RFC 3339 instant, or `null` for whole files. */
  since: SinceLabel | (string & {}) | null;
  snapshot: boolean;
  includeBinary: boolean;
}

/** One planned file or command (`wire::PlannedFile`). */
export interface PlannedFile {
  /** The entry name in the bundle (before pseudonymization). */
  entry: string;
  /** The path read, or the command run. */
  source: string;
  /** Bytes to read after the size cap; 0 for a command. */
  size: number;
  /** RFC 3339, when known. */
  modified: string | null;
}

/** One evidence kind of the profile, with the files found for it here. */
export interface EvidenceKindPreview {
  id: string;
  label: string;
  description: string;
  files: PlannedFile[];
  bytes: number;
}

/** Something that will not be collected, and why (`reason` is a code: `not-found`, `binary`, ...). */
export interface SkippedReport {
  source: string;
  reason: string;
  detail: string;
}

/** What a collection would take, before it runs. */
export interface EvidencePreview {
  kinds: EvidenceKindPreview[];
  added: PlannedFile[];
  skipped: SkippedReport[];
  totalBytes: number;
  estimatedBundleBytes: number;
}

export type CollectPhase = "plan" | "commands" | "learn" | "write" | "trim" | "verify" | "done";

/** Where a bundle build stands (core `evidence::collect::Progress`), sent often over a channel. */
export interface CollectProgress {
  phase: CollectPhase | (string & {});
  itemsDone: number;
  itemsTotal: number;
  bytesDone: number;
  bytesTotal: number;
  current: string;
}

/** Where a delivery stands (core `deliver::Progress`); `total` is 0 when unknown. */
export interface SendProgress {
  step: string;
  sent: number;
  total: number;
}

export interface BundleEntry {
  name: string;
  evidence: string | null;
  size: number;
  redactions: number;
  truncated: boolean;
}

/** What `build_bundle` wrote. Non-empty `leaks` means: do not send. */
/** What a reopened draft had at the Evidence step (core `wire::SavedEvidence`). */
export interface SavedEvidence {
  /** The selection last used; null when the defaults were never changed. */
  selection: EvidenceSelection | null;
  /** The last bundle built, while its file is still there unchanged. */
  bundle: BundleReport | null;
  /** The bundle was built from the draft and selection as they are now. */
  bundleCurrent: boolean;
}

export interface BundleReport {
  bundle: string;
  bundleBytes: number;
  inputBytes: number;
  /** The channel's largest attachment, when known. */
  limit: number | null;
  entries: BundleEntry[];
  skipped: SkippedReport[];
  /** Counts per category: secret, email, ipv4, ipv6, mac, hostname, domain, username, keyword. */
  redactions: Record<string, number>;
  leaks: { entry: string; what: string }[];
  /** The disclosure review (the app builds every bundle with it). */
  disclosure?: DisclosureReport;
}

/** Everything that leaves with the request and how it is redacted (core `wire::DisclosureReport`). */
export interface DisclosureReport {
  caseCode: string | null;
  /** False when redaction is off: everything leaves as collected. */
  redacted: boolean;
  /** Pseudonymised or kept identifiers, most frequent first. */
  identifiers: DisclosedIdentifier[];
  /** Kinds of secret removed, with where; never a value. */
  secrets: DisclosedSecret[];
  /** Entries that leave as they are (binary files, images). */
  unredacted: { entry: string; reason: string }[];
  /** The contact's name and e-mail, sent as they are. */
  requester: string[];
  /** The draft's `[redaction] keep`. */
  keep: string[];
  /** The draft's `[redaction] hide`. */
  hide: string[];
  /** Words from the request (company, contact, endpoints) not hidden yet. */
  suggestedHide: string[];
  /** How many entries the leak scan read back. */
  scannedEntries: number;
  /** Originals the leak scan found: not empty means do not send. */
  leaks: { entry: string; what: string }[];
}

/** One identifier that leaves: pseudonymised (`pseudonym`) or kept as it is. */
export interface DisclosedIdentifier {
  /** `hostname`, `domain`, `username`, `email`, `ipv4`, `ipv6`, `mac` or `keyword`. */
  category: string;
  original: string;
  /** What the vendor reads instead; null when kept. */
  pseudonym: string | null;
  kept: boolean;
  count: number;
  places: DisclosurePlace[];
}

/** Where something occurs: a request `field` or a bundle `entry`, and how often. */
export interface DisclosurePlace {
  kind: "field" | "entry" | (string & {});
  name: string;
  count: number;
}

/** One kind of secret removed. */
export interface DisclosedSecret {
  kind: string;
  count: number;
  places: DisclosurePlace[];
}

/** The first 64 KiB of a file, redacted by the bundle's own rules, with every replacement's
 *  place (core `wire::HighlightedPreview`). */
export interface HighlightedPreview {
  file: string;
  text: string;
  truncated: boolean;
  redactions: Record<string, number>;
  /** Byte offsets into the UTF-8 encoding of `text` (see `lib/spans.ts`). */
  spans: PreviewSpan[];
}

/** One replacement (or kept original) in a preview's text. */
export interface PreviewSpan {
  start: number;
  end: number;
  category: string;
  /** For a secret, its kind. */
  kind: string | null;
  kept: boolean;
}

/** A delivery channel from `config.toml`. */
export interface ChannelSummary {
  name: string;
  /** `folder`, `smtp`, `rt`, `zendesk`, `freshdesk`, `jsm` or `webhook`. */
  kind: string;
  destination: string;
  default: boolean;
  /** The name of the secret it needs, if any. */
  secret: string | null;
  /** Where that secret was found; `null` when it is needed and set nowhere. */
  secretSource: "environment" | "keychain" | null;
}

export type OutboxState = "queued" | "sending" | "sent" | "failed-retryable" | "failed";

export interface AttachmentReport {
  name: string;
  size: number;
  sha256: string;
}

/** One thing that happened to an outbox item. */
export interface OutboxEvent {
  at: string;
  state: OutboxState | (string & {});
  note: string;
}

/** What the user keeps after a request went out. */
export interface Receipt {
  id: string;
  caseCode: string;
  channel: string;
  kind: string;
  ticketId: string | null;
  url: string | null;
  detail: string;
  sentAt: string;
  sla: SlaReport | null;
  slaProblem: string | null;
  escalationTo: string[];
  /** Empty when nothing was filed yet. */
  escalationMessage: string;
  /** For the folder channel: what the user still has to do. */
  nextStep: string | null;
}

/** A submission in the outbox (`wire::OutboxItemReport`). */
export interface OutboxItemReport {
  /** `CF-7K2M-9QXD.helpdesk`. */
  id: string;
  caseCode: string;
  subject: string;
  state: OutboxState | (string & {});
  channel: string;
  kind: string;
  destination: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
  lastError: string | null;
  attachments: AttachmentReport[];
  history: OutboxEvent[];
  receipt: Receipt | null;
}

/** The machine in a few lines, for reading aloud on the phone. */
export interface MachineSummary {
  os: string;
  hostname: string | null;
  agentVersion: string | null;
  agentLog: string | null;
  lastErrors: string[];
  notes: string[];
  /** How many lines at the end of the agent log report an error. */
  errorCount: number;
  /** The newest of them for the ear: no time stamp or level, the machine's own values, secrets removed. */
  newestError: string | null;
}

/** Where a channel's secret was found (`SecretSource` in Rust). */
export type SecretSource = "environment" | "keychain";

/** The Settings screen's view (`SettingsView` in `wire.rs`). */
export interface SettingsView {
  configFile: string;
  /** Whether `config.toml` exists yet (the first change makes it). */
  configExists: boolean;
  /** Why `config.toml` cannot be read (file, line, what to fix); nothing can be changed until it is fixed. */
  configProblem: string | null;
  profilesDir: string;
  data: DataLocations;
  defaults: SettingsDefaults;
  channels: ChannelSettings[];
  key: KeyInfo;
  kinds: ChannelKindSpec[];
  profiles: ProfileTiers[];
  problems: string[];
}

export interface DataLocations {
  dataDir: string;
  drafts: string;
  outbox: string;
  bundles: string;
  screenshots: string;
}

/** The defaults of `config.toml`; `null` is "not set". */
export interface SettingsDefaults {
  defaultProfile: string | null;
  defaultTier: string | null;
  timeZone: string | null;
  defaultChannel: string | null;
}

export interface ChannelSettings {
  name: string;
  kind: string;
  destination: string;
  /** The form's fields as text by field name (lists joined with ", "); unset ones are absent. */
  values: Record<string, string>;
  /** Keys in the file the form does not edit (kept on save). */
  otherKeys: string[];
  secret: string | null;
  secretSource: SecretSource | null;
  /** The environment variable that would hold the secret. */
  secretEnv: string | null;
  default: boolean;
  /** The built-in folder channel, not in the file. */
  builtIn: boolean;
}

export interface KeyInfo {
  file: string;
  exists: boolean;
  fingerprint: string | null;
  problem: string | null;
}

export type FieldInput = "text" | "url" | "number" | "checkbox" | "select" | "list" | "path" | "size" | "duration";

export interface ChannelFieldSpec {
  name: string;
  label: string;
  help: string;
  required: boolean;
  input: FieldInput;
  options: string[];
  /** The field that names the secret; the value itself goes to the keychain. */
  secretName: boolean;
}

export interface ChannelKindSpec {
  kind: string;
  label: string;
  description: string;
  fields: ChannelFieldSpec[];
}

export interface ProfileTiers {
  id: string;
  name: string;
  tiers: TierSummary[];
}

/** The pseudonym key's export line. Keep it secret. */
export interface KeyExport {
  line: string;
  fingerprint: string;
}

/** A channel that answered a check (nothing created). */
export interface ChannelCheck {
  channel: string;
  kind: string;
  detail: string;
}

/** The profile and tier a new request starts with. */
export interface DraftDefaults {
  /** `null` when the configuration sets no default profile. */
  profile: string | null;
  tier: string | null;
}

// ---- Screenshots (core `evidence::screenshot`, `wire::{WindowInfo, PendingScreenshot, SavedScreenshot}`) ----

/** A top-level window that can be captured; the rectangle includes its frame. */
export interface WindowInfo {
  id: number;
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What `captureScreenshot` captures. */
export type CaptureTarget = { kind: "screen" } | { kind: "window"; id: number };

/** A rectangle to fill with black, in image pixels (after the EXIF orientation). */
export interface BlackOut {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A capture or picked image waiting to be blacked out and accepted, or discarded. */
export interface PendingScreenshot {
  id: string;
  /** A proposed file name (without `.png`). */
  name: string;
  width: number;
  height: number;
  /** The image as it will be cleaned: `data:image/png;base64,...`. */
  dataUrl: string;
  /** Metadata the original carries that cleaning drops. */
  stripped: string[];
}

/** A screenshot cleaned into the draft's screenshots folder. */
export interface SavedScreenshot {
  path: string;
  width: number;
  height: number;
  stripped: string[];
  boxes: number;
}
