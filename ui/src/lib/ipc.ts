// The only module that talks to the Rust side. Each command gets one typed function, and every
// rejection becomes an `AppError` so callers branch on `code`, never on message text.
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  BlackOut,
  BundleReport,
  ChannelCheck,
  CaptureTarget,
  ChannelSummary,
  CollectProgress,
  DraftDefaults,
  DraftSummary,
  DraftView,
  EvidencePreview,
  EvidenceSelection,
  KeyExport,
  MachineSummary,
  OutboxItemReport,
  PendingScreenshot,
  ProfileProblem,
  ProfileSummary,
  HighlightedPreview,
  DisclosureReport,
  Request,
  SavedEvidence,
  SendProgress,
  SettingsDefaults,
  SettingsView,
  SavedScreenshot,
  WindowInfo,
} from "./types";

/**
 * Codes the UI may see. The first group comes from `IpcError` in Rust; `ipc` marks a
 * rejection that Tauri itself produced (unknown command, permission denied), and `unknown` a
 * value of an unexpected shape. Codes from a newer backend are kept as they are.
 */
export type ErrorCode =
  | "config_dir_unavailable"
  | "invalid_config_dir"
  | "draft_not_found"
  | "draft_invalid"
  | "profile_not_found"
  | "io"
  | "invalid_code"
  | "cancelled"
  | "collect"
  | "not_found"
  | "not_in_preview"
  | "nothing_to_attach"
  | "config_invalid"
  | "bundle_missing"
  | "too_large"
  | "draft_not_ready"
  | "already_submitted"
  | "unknown_channel"
  | "secret_missing"
  | "secret_unavailable"
  | "channel_invalid"
  | "setting_invalid"
  | "channel_unreachable"
  | "channel_refused"
  | "key_invalid"
  | "capture_unavailable"
  | "capture_failed"
  | "window_not_found"
  | "image_invalid"
  | "image_too_large"
  | "black_out_invalid"
  | "not_confirmed"
  | "ipc"
  | "unknown"
  | (string & {});

export class AppError extends Error {
  readonly code: ErrorCode;
  /** The form field the error belongs beside (`url`, `default_tier`), when the backend names one. */
  readonly field: string | null;

  constructor(code: ErrorCode, message: string, field: string | null = null) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.field = field;
  }

  /** Turns whatever an `invoke` promise rejected with into an `AppError`. */
  static from(reason: unknown): AppError {
    if (reason instanceof AppError) {
      return reason;
    }
    if (isErrorPayload(reason)) {
      const field = (reason as { field?: unknown }).field;
      return new AppError(reason.code, reason.message, typeof field === "string" ? field : null);
    }
    // Tauri rejects with a plain string when the command is unknown or not permitted.
    if (typeof reason === "string") {
      return new AppError("ipc", reason);
    }
    if (reason instanceof Error) {
      return new AppError("unknown", reason.message);
    }
    return new AppError("unknown", `unexpected error value: ${String(reason)}`);
  }
}

function isErrorPayload(value: unknown): value is { code: string; message: string } {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return typeof record["code"] === "string" && typeof record["message"] === "string";
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason: unknown) {
    throw AppError.from(reason);
  }
}

/** Built-in profiles plus the user's own, sorted as the backend sends them. */
export function listVendorProfiles(): Promise<ProfileSummary[]> {
  return call<ProfileSummary[]>("list_vendor_profiles");
}

/** Problems found in the user's profile files; empty when all loaded. */
export function listProfileProblems(): Promise<ProfileProblem[]> {
  return call<ProfileProblem[]>("list_profile_problems");
}

/** Starts a draft for a vendor profile (saved at once, at step 1); `tier` may be decided later. */
export function newDraft(profile: string, tier: string | null = null): Promise<DraftView> {
  return call<DraftView>("new_draft", { profile, tier });
}

/** The saved drafts, newest first. */
export function listDrafts(): Promise<DraftSummary[]> {
  return call<DraftSummary[]>("list_drafts");
}

/** Opens a draft at the step the user left it. */
export function openDraft(path: string): Promise<DraftView> {
  return call<DraftView>("open_draft", { path });
}

/**
 * Writes the whole edited request and the current step (autosave) and answers a fresh view.
 * The caller keeps its own `request`: see `DraftSaver` in `autosave.ts`.
 */
export function saveDraft(path: string, request: Request, step: number): Promise<DraftView> {
  return call<DraftView>("save_draft", { path, request, step });
}

/** Deletes a draft file. */
export async function deleteDraft(path: string): Promise<void> {
  await call<null>("delete_draft", { path });
}

/** A progress channel for one long command; `onmessage` receives each report in order. */
function progressChannel<T>(onprogress: (progress: T) => void): Channel<T> {
  const channel = new Channel<T>();
  channel.onmessage = onprogress;
  return channel;
}

/** What a collection with `selection` would take: kinds with files and sizes, gaps, estimate. */
export function previewEvidence(path: string, selection: EvidenceSelection): Promise<EvidencePreview> {
  return call<EvidencePreview>("preview_evidence", { path, selection });
}

/** The Evidence step's selection and last bundle kept with the draft, for a reopened draft. */
export function savedEvidence(path: string): Promise<SavedEvidence> {
  return call<SavedEvidence>("saved_evidence", { path });
}

/** Keeps the Evidence step's selection with the draft. */
export async function saveSelection(path: string, selection: EvidenceSelection): Promise<void> {
  await call<null>("save_selection", { path, selection });
}

/** The selection a support engineer's collection code stands for; `invalid_code` when it is not one. */
export function readCollectionCode(path: string, code: string): Promise<EvidenceSelection> {
  return call<EvidenceSelection>("read_collection_code", { path, code });
}

/**
 * Collects, redacts and packs the bundle (replacing this case's earlier one); `channel`'s size
 * limit becomes the budget. Rejects with `cancelled` after `cancelBundle`.
 */
export function buildBundle(
  path: string,
  selection: EvidenceSelection,
  channel: string | null,
  onprogress: (progress: CollectProgress) => void,
): Promise<BundleReport> {
  return call<BundleReport>("build_bundle", { path, selection, channel, onProgress: progressChannel(onprogress) });
}

/** Stops the running `buildBundle`, which then rejects with `cancelled` and leaves no file. */
export async function cancelBundle(): Promise<void> {
  await call<null>("cancel_bundle");
}

/** A file (an entry's source, or an added file) as the bundle will carry it, redacted. */
export function redactionPreview(path: string, selection: EvidenceSelection, file: string): Promise<HighlightedPreview> {
  return call<HighlightedPreview>("redaction_preview", { path, selection, file });
}

/**
 * The disclosure review: every identifier that leaves (pseudonymised or kept), every kind of
 * secret removed, what leaves unredacted, the leak-scan verdict. The current bundle's own review
 * when it matches the draft and selection; else the core builds one in a scratch folder (with
 * progress; `cancelBundle` stops it).
 */
export function disclosureReview(
  path: string,
  selection: EvidenceSelection,
  channel: string | null,
  onprogress: (progress: CollectProgress) => void,
): Promise<DisclosureReport> {
  return call<DisclosureReport>("disclosure_review", { path, selection, channel, onProgress: progressChannel(onprogress) });
}

/** Moves a field's pasted log into an attachment beside the draft; answers the fresh view. */
export function attachPastedText(path: string, field: string): Promise<DraftView> {
  return call<DraftView>("attach_pasted_text", { path, field });
}

/** `request.md` exactly as the vendor will read it (redacted). */
export function renderRequest(path: string): Promise<string> {
  return call<string>("render_request", { path });
}

/** The delivery channels of `config.toml`; `config_invalid` names file and line. */
export function listChannels(): Promise<ChannelSummary[]> {
  return call<ChannelSummary[]>("list_channels");
}

/**
 * Puts the request and its bundle into the outbox and sends it. A failed delivery is a result
 * (state `failed-retryable` or `failed`), not a rejection; `again` files an already sent case again.
 */
export function submitDraft(
  path: string,
  channel: string,
  again: boolean,
  onprogress: (progress: SendProgress) => void,
): Promise<OutboxItemReport> {
  return call<OutboxItemReport>("submit_draft", { path, channel, again, onProgress: progressChannel(onprogress) });
}

/** Every outbox item, newest first. */
export function listOutbox(): Promise<OutboxItemReport[]> {
  return call<OutboxItemReport[]>("list_outbox");
}

/** Tries an outbox item again now. */
export function retryOutbox(id: string, onprogress: (progress: SendProgress) => void): Promise<OutboxItemReport> {
  return call<OutboxItemReport>("retry_outbox", { id, onProgress: progressChannel(onprogress) });
}

/** Opens the e-mail a folder channel saved for outbox item `id` in the system's mail program. */
export async function openSavedEmail(id: string): Promise<void> {
  await call<null>("open_saved_email", { id });
}

/** Shows the folder holding the e-mail and bundle a folder channel saved for outbox item `id`. */
export async function showSavedEmail(id: string): Promise<void> {
  await call<null>("show_saved_email", { id });
}

/** Removes an outbox item (its receipt goes with it). */
export async function removeOutbox(id: string): Promise<void> {
  await call<null>("remove_outbox", { id });
}

/** OS, host name, agent version and the agent log's last errors, for reading aloud. */
export function machineSummary(path: string): Promise<MachineSummary> {
  return call<MachineSummary>("machine_summary", { path });
}

/** The Settings screen: config file, data folders, defaults, channels, the pseudonym key, form specs. */
export function getSettings(): Promise<SettingsView> {
  return call<SettingsView>("get_settings");
}

/** Writes the four defaults (`null` or empty unsets one); `setting_invalid` names the field. */
export function saveDefaults(defaults: SettingsDefaults): Promise<SettingsView> {
  return call<SettingsView>("save_defaults", { defaults });
}

/** Adds or replaces a channel; `fields` is text by field name (empty unsets). */
export function saveChannel(name: string, kind: string, fields: Record<string, string>): Promise<SettingsView> {
  return call<SettingsView>("save_channel", { name, kind, fields });
}

/** Removes a channel from `config.toml`. */
export function removeChannel(name: string): Promise<SettingsView> {
  return call<SettingsView>("remove_channel", { name });
}

/** Stores a password or token in the OS keychain under `name`; it is never sent back. */
export function setSecret(name: string, value: string): Promise<SettingsView> {
  return call<SettingsView>("set_secret", { name, value });
}

/** Removes a secret from the OS keychain. */
export function deleteSecret(name: string): Promise<SettingsView> {
  return call<SettingsView>("delete_secret", { name });
}

/** Logs in to a channel and reads, creating nothing; rejects with `channel_refused`, `channel_unreachable`, `secret_missing`... */
export function testChannel(name: string): Promise<ChannelCheck> {
  return call<ChannelCheck>("test_channel", { name });
}

/** The pseudonym key's export line (made first when there is none). Keep it secret. */
export function exportKey(): Promise<KeyExport> {
  return call<KeyExport>("export_key");
}

/** Replaces the pseudonym key with an exported one; `key_invalid` when the text is not one. */
export function importKey(text: string): Promise<SettingsView> {
  return call<SettingsView>("import_key", { text });
}

/** The profile and tier a new request starts with, from the configuration's defaults. */
export function newDraftDefaults(): Promise<DraftDefaults> {
  return call<DraftDefaults>("new_draft_defaults");
}

/** The windows that can be captured; `capture_unavailable` where capturing is not possible. */
export function listWindows(): Promise<WindowInfo[]> {
  return call<WindowInfo[]>("list_windows");
}

/**
 * Captures the screen or a window after `delaySeconds` (the app's window is hidden meanwhile)
 * and keeps it as a pending screenshot of the draft at `path`.
 */
export function captureScreenshot(path: string, target: CaptureTarget, delaySeconds: number): Promise<PendingScreenshot> {
  return call<PendingScreenshot>("capture_screenshot", { path, target, delaySeconds });
}

/** Image files picked in the system's dialog, each as a pending screenshot; `[]` if cancelled. */
export function pickScreenshots(path: string): Promise<PendingScreenshot[]> {
  return call<PendingScreenshot[]>("pick_screenshots", { path });
}

/** Images dropped on the window or typed by path, each as a pending screenshot for the editor. */
export function importScreenshots(path: string, files: string[]): Promise<PendingScreenshot[]> {
  return call<PendingScreenshot[]>("import_screenshots", { path, files });
}

/** The draft's pending screenshots left from an earlier session, oldest first. */
export function pendingScreenshots(path: string): Promise<PendingScreenshot[]> {
  return call<PendingScreenshot[]>("pending_screenshots", { path });
}

/** Files picked in the system's dialog, as absolute paths; `[]` if cancelled. */
export function pickFiles(): Promise<string[]> {
  return call<string[]>("pick_files");
}

/**
 * Cleans a pending screenshot with its black-out boxes into the draft's screenshots folder
 * (metadata dropped) and deletes the pending original. Add the returned path to the evidence.
 */
export function acceptScreenshot(path: string, id: string, name: string, blackOut: BlackOut[]): Promise<SavedScreenshot> {
  return call<SavedScreenshot>("accept_screenshot", { path, id, name, blackOut });
}

/** Deletes a pending screenshot. */
export async function discardScreenshot(path: string, id: string): Promise<void> {
  await call<null>("discard_screenshot", { path, id });
}
