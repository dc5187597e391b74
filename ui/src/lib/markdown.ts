// The small Markdown that `request.md` is written in (headings, bullet lists, paragraphs, code
// blocks, **bold** and `code`), read into blocks the Review step draws as the vendor's Markdown
// viewer would. Nothing becomes HTML: the blocks are data, drawn by Svelte as text, so whatever
// the user typed can never run or style the page.

export type Inline = { kind: "text" | "strong" | "code"; text: string };

export type Block =
  | { kind: "heading"; level: number; inlines: Inline[] }
  | { kind: "list"; items: Inline[][] }
  | { kind: "code"; text: string }
  | { kind: "paragraph"; lines: Inline[][] };

/** `**bold**` and `` `code` `` in one line; anything else is text. */
export function inlines(line: string): Inline[] {
  const out: Inline[] = [];
  let rest = line;
  while (rest !== "") {
    const strong = rest.indexOf("**");
    const code = rest.indexOf("`");
    const next = [strong, code].filter((at) => at >= 0).sort((a, b) => a - b)[0];
    if (next === undefined) {
      out.push({ kind: "text", text: rest });
      break;
    }
    const isStrong = next === strong;
    const marker = isStrong ? "**" : "`";
    const close = rest.indexOf(marker, next + marker.length);
    if (close < 0) {
      out.push({ kind: "text", text: rest });
      break;
    }
    if (next > 0) {
      out.push({ kind: "text", text: rest.slice(0, next) });
    }
    out.push({ kind: isStrong ? "strong" : "code", text: rest.slice(next + marker.length, close) });
    rest = rest.slice(close + marker.length);
  }
  return out.filter((piece) => piece.text !== "" || piece.kind !== "text");
}

export function parseMarkdown(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? "";
    if (line.trim() === "") {
      index += 1;
      continue;
    }
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence !== null) {
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !(lines[index] ?? "").trimStart().startsWith(fence[1] ?? "```")) {
        body.push(lines[index] ?? "");
        index += 1;
      }
      index += 1;
      blocks.push({ kind: "code", text: body.join("\n") });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading !== null) {
      blocks.push({ kind: "heading", level: heading[1]?.length ?? 1, inlines: inlines((heading[2] ?? "").trim()) });
      index += 1;
      continue;
    }
    if (/^\s*[-*]\s+/.test(line)) {
      const items: Inline[][] = [];
      while (index < lines.length && /^\s*[-*]\s+/.test(lines[index] ?? "")) {
        items.push(inlines((lines[index] ?? "").replace(/^\s*[-*]\s+/, "")));
        index += 1;
      }
      blocks.push({ kind: "list", items });
      continue;
    }
    const paragraph: Inline[][] = [];
    while (index < lines.length) {
      const current = lines[index] ?? "";
      if (current.trim() === "" || /^(#{1,6})\s/.test(current) || /^\s*(```|~~~)/.test(current) || /^\s*[-*]\s+/.test(current)) {
        break;
      }
      paragraph.push(inlines(current));
      index += 1;
    }
    blocks.push({ kind: "paragraph", lines: paragraph });
  }
  return blocks;
}
