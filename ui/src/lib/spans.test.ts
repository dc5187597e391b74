import { describe, expect, test } from "vitest";
import { describeSpan, segments } from "./spans";
import type { PreviewSpan } from "./types";

function span(start: number, end: number, category = "hostname", kept = false): PreviewSpan {
  return { start, end, category, kind: null, kept };
}

/** Byte offsets of `part` in the UTF-8 encoding of `text`. */
function bytes(text: string, part: string): [number, number] {
  const encoder = new TextEncoder();
  const at = text.indexOf(part);
  const start = encoder.encode(text.slice(0, at)).length;
  return [start, start + encoder.encode(part).length];
}

describe("segments", () => {
  test("byte offsets after non-ASCII text land on the right characters", () => {
    const text = "Grüße — 🚀 from host-1a2b3c4d and [REDACTED] ünd";
    const [hs, he] = bytes(text, "host-1a2b3c4d");
    const [rs, re] = bytes(text, "[REDACTED]");
    const out = segments(text, [span(rs, re, "secret"), span(hs, he)]);
    expect(out.map((segment) => segment.text).join("")).toBe(text);
    expect(out.filter((segment) => segment.span !== null).map((segment) => segment.text)).toEqual([
      "host-1a2b3c4d",
      "[REDACTED]",
    ]);
  });

  test("overlapping and out-of-range spans are dropped, the text stays whole", () => {
    const text = "abc def ghi";
    const out = segments(text, [span(0, 3), span(2, 5), span(8, 99)]);
    expect(out.map((segment) => segment.text).join("")).toBe(text);
    expect(out.filter((segment) => segment.span !== null).map((segment) => segment.text)).toEqual(["abc"]);
  });

  test("a kept original is described differently from a replacement", () => {
    expect(describeSpan(span(0, 1, "hostname", true))).toContain("kept");
    expect(describeSpan({ ...span(0, 1, "secret"), kind: "password" })).toBe("Secret (password), removed");
  });
});
