// The only module that talks to the Rust side. Each command gets one typed function, and every
// rejection becomes an `AppError` so callers branch on `code`, never on message text.
import { invoke } from "@tauri-apps/api/core";
import type { DraftSummary, DraftView, ProfileProblem, ProfileSummary, Request } from "./types";

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
  | "ipc"
  | "unknown"
  | (string & {});

export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "AppError";
    this.code = code;
  }

  /** Turns whatever an `invoke` promise rejected with into an `AppError`. */
  static from(reason: unknown): AppError {
    if (reason instanceof AppError) {
      return reason;
    }
    if (isErrorPayload(reason)) {
      return new AppError(reason.code, reason.message);
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
