import { describe, expect, test } from "vitest";
import { inlines, parseMarkdown } from "./markdown";

describe("request.md as blocks", () => {
  test("headings, lists with bold labels, paragraphs and code blocks", () => {
    const blocks = parseMarkdown(
      "# [CF-1] Agent stops\n\n- **Case code:** CF-1\n- **Vendor:** JumpCloud\n\n## Description\n\nLine one\nline two\n\n```\nERROR x\n```\n",
    );
    expect(blocks).toEqual([
      { kind: "heading", level: 1, inlines: [{ kind: "text", text: "[CF-1] Agent stops" }] },
      {
        kind: "list",
        items: [
          [{ kind: "strong", text: "Case code:" }, { kind: "text", text: " CF-1" }],
          [{ kind: "strong", text: "Vendor:" }, { kind: "text", text: " JumpCloud" }],
        ],
      },
      { kind: "heading", level: 2, inlines: [{ kind: "text", text: "Description" }] },
      { kind: "paragraph", lines: [[{ kind: "text", text: "Line one" }], [{ kind: "text", text: "line two" }]] },
      { kind: "code", text: "ERROR x" },
    ]);
  });

  test("markup the user typed stays text: an unclosed marker, and HTML", () => {
    expect(inlines("a ** b")).toEqual([{ kind: "text", text: "a ** b" }]);
    expect(inlines("<script>alert(1)</script> `x`")).toEqual([
      { kind: "text", text: "<script>alert(1)</script> " },
      { kind: "code", text: "x" },
    ]);
  });
});
