// Debounced, one-at-a-time saving of a draft. The caller's `request` stays the source of truth:
// the saver sends snapshots of it and hands back only the rest of each returned view.
import { AppError } from "./ipc";
import type { DraftView, Request } from "./types";

export type SaveState =
  | { status: "idle" }
  | { status: "pending" }
  | { status: "saving" }
  | { status: "saved" }
  | { status: "failed"; error: AppError };

export type SaveFunction = (path: string, request: Request, step: number) => Promise<DraftView>;

export interface DraftSaverOptions {
  path: string;
  save: SaveFunction;
  /** Called with every view the backend answers; its `request` must be ignored. */
  onview: (view: DraftView) => void;
  onstate: (state: SaveState) => void;
  delayMs?: number;
}

/**
 * Sends `save_draft` at most once per pause in editing (`delayMs`, 300 ms by default), never two
 * at a time, and always the latest edit last. A failed save keeps the edit queued: `retry()` or
 * the next edit sends it again.
 */
export class DraftSaver {
  private readonly options: DraftSaverOptions;
  private readonly delayMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The latest edit not yet written (or not yet known to be written). */
  private queued: { request: Request; step: number } | undefined;
  private inFlight: Promise<void> | undefined;
  private disposed = false;

  constructor(options: DraftSaverOptions) {
    this.options = options;
    this.delayMs = options.delayMs ?? 300;
  }

  /** Records an edit (a plain snapshot, not a reactive proxy) and saves after the pause. */
  edit(request: Request, step: number): void {
    this.queued = { request, step };
    this.options.onstate({ status: "pending" });
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, this.delayMs);
  }

  /** Saves any queued edit now and resolves when nothing is left to send (or a save failed). */
  async flush(): Promise<void> {
    this.clearTimer();
    await this.pump();
  }

  /** Sends the queued edit again after a failure. */
  retry(): Promise<void> {
    return this.flush();
  }

  /** True while an edit is not yet known to be on disk. */
  get unsaved(): boolean {
    return this.queued !== undefined || this.inFlight !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private async pump(): Promise<void> {
    // One save at a time: wait for the one under way, which sends any newer edit after itself.
    while (this.inFlight !== undefined) {
      await this.inFlight;
    }
    if (this.queued === undefined) {
      return;
    }
    this.inFlight = this.sendQueued();
    try {
      await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
  }

  private async sendQueued(): Promise<void> {
    while (this.queued !== undefined && !this.disposed) {
      const sent = this.queued;
      this.options.onstate({ status: "saving" });
      try {
        const view = await this.options.save(this.options.path, sent.request, sent.step);
        if (this.queued === sent) {
          this.queued = undefined;
        }
        if (!this.disposed) {
          this.options.onview(view);
        }
      } catch (reason: unknown) {
        if (!this.disposed) {
          this.options.onstate({ status: "failed", error: AppError.from(reason) });
        }
        return;
      }
      // An edit made while this save was under way waits for its own pause (its timer) unless
      // the timer has already fired, in which case it is sent now, in order.
      if (this.timer !== undefined) {
        return;
      }
    }
    if (!this.disposed && this.queued === undefined) {
      this.options.onstate({ status: "saved" });
    }
  }
}
