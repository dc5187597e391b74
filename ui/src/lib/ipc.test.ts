import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, test } from "vitest";
import summaries from "./fixtures/profile-summaries.json";
import { draftView, emptyRequest } from "../testing/draft-view";
import {
  AppError,
  deleteDraft,
  listDrafts,
  listProfileProblems,
  listVendorProfiles,
  newDraft,
  openDraft,
  saveDraft,
} from "./ipc";

afterEach(() => {
  clearMocks();
});

async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (reason: unknown) {
    expect(reason).toBeInstanceOf(AppError);
    return reason as AppError;
  }
  throw new Error("expected the promise to reject");
}

describe("ipc", () => {
  test("calls the right command and passes the reply through", async () => {
    const calls: string[] = [];
    mockIPC((command) => {
      calls.push(command);
      return command === "list_vendor_profiles" ? summaries : [];
    });
    await expect(listVendorProfiles()).resolves.toEqual(summaries);
    await expect(listProfileProblems()).resolves.toEqual([]);
    expect(calls).toEqual(["list_vendor_profiles", "list_profile_problems"]);
  });

  test("an IpcError payload keeps its code and message", async () => {
    mockIPC(() => {
      throw { code: "invalid_config_dir", message: "CASEFILE_CONFIG_DIR must be an absolute path" };
    });
    const error = await rejectionOf(listVendorProfiles());
    expect(error.code).toBe("invalid_config_dir");
    expect(error.message).toBe("CASEFILE_CONFIG_DIR must be an absolute path");
  });

  test("a plain string from Tauri becomes code `ipc`", async () => {
    mockIPC(() => {
      throw "Command list_vendor_profiles not allowed by ACL";
    });
    const error = await rejectionOf(listVendorProfiles());
    expect(error.code).toBe("ipc");
    expect(error.message).toBe("Command list_vendor_profiles not allowed by ACL");
  });

  test("values of any other shape become code `unknown`", () => {
    expect(AppError.from(new TypeError("boom"))).toMatchObject({ code: "unknown", message: "boom" });
    expect(AppError.from({ code: 7, message: "x" }).code).toBe("unknown");
    expect(AppError.from(null).message).toBe("unexpected error value: null");
    const original = new AppError("ipc", "kept");
    expect(AppError.from(original)).toBe(original);
  });

  test("draft commands send camelCase arguments and the request unchanged", async () => {
    const calls: { command: string; args: unknown }[] = [];
    const view = draftView();
    mockIPC((command, args) => {
      calls.push({ command, args });
      switch (command) {
        case "list_drafts":
          return [];
        case "delete_draft":
          return null;
        default:
          return view;
      }
    });
    const request = emptyRequest();
    await expect(newDraft("jetpatch", "standard")).resolves.toEqual(view);
    await newDraft("jumpcloud");
    await expect(listDrafts()).resolves.toEqual([]);
    await openDraft(view.path);
    await saveDraft(view.path, request, 3);
    await expect(deleteDraft(view.path)).resolves.toBeUndefined();
    expect(calls).toEqual([
      { command: "new_draft", args: { profile: "jetpatch", tier: "standard" } },
      { command: "new_draft", args: { profile: "jumpcloud", tier: null } },
      { command: "list_drafts", args: {} },
      { command: "open_draft", args: { path: view.path } },
      { command: "save_draft", args: { path: view.path, request, step: 3 } },
      { command: "delete_draft", args: { path: view.path } },
    ]);
  });

  test("draft errors keep their code", async () => {
    mockIPC(() => {
      throw { code: "draft_invalid", message: "CF-7K2M-9QXD.toml line 4: unknown key `subjct`" };
    });
    const error = await rejectionOf(openDraft("/drafts/CF-7K2M-9QXD.toml"));
    expect(error.code).toBe("draft_invalid");
  });
});
