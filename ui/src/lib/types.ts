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
