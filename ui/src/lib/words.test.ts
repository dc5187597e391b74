import { describe, expect, test } from "vitest";
import { channelKind, redactionCounts, skipReason } from "./words";

describe("plain words for the core's codes", () => {
  test("skip reasons never show the code itself", () => {
    expect(skipReason("not-found")).toBe("not found");
    expect(skipReason("binary")).toMatch(/^not text, so it cannot be cleaned/);
    expect(skipReason("deadline")).toMatch(/time limit/);
    expect(skipReason("something-new")).toBe("left out");
  });

  test("a channel kind says what it does", () => {
    expect(channelKind("folder")).toBe("saves the e-mail and the bundle in a folder, for you to send");
  });

  test("redaction counts read as words, singular and plural", () => {
    expect(redactionCounts({ secret: 1, ipv4: 104, hostname: 0 })).toBe("1 secret, 104 IP addresses");
    expect(redactionCounts({})).toBe("nothing");
  });
});
