import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, test } from "vitest";
import summaries from "./fixtures/profile-summaries.json";
import { AppError, listProfileProblems, listVendorProfiles } from "./ipc";

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
});
