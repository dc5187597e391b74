import { describe, expect, test } from "vitest";
import { formatBytes, formatInstant } from "./format";

describe("format", () => {
  test("sizes", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(1024 * 1024)).toBe("1 MB");
    expect(formatBytes(25 * 1024 * 1024)).toBe("25 MB");
  });

  test("an unreadable instant is shown as it came", () => {
    expect(formatInstant("soon")).toBe("soon");
    expect(formatInstant("2026-11-24T15:04:00Z")).not.toBe("2026-11-24T15:04:00Z");
  });
});
