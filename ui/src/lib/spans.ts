// The preview's highlights: the core gives each replacement as byte offsets into the UTF-8
// encoding of the text; JavaScript strings index UTF-16 code units. These turn the one into the
// other and cut the text into plain and marked pieces.
import type { PreviewSpan } from "./types";

/** A piece of the preview's text: plain (`span` null) or one replacement. */
export interface Segment {
  text: string;
  span: PreviewSpan | null;
}

/** Maps each UTF-8 byte offset that starts a character (and the end) to its string index. */
function byteOffsets(text: string): Map<number, number> {
  const offsets = new Map<number, number>();
  let byte = 0;
  let index = 0;
  while (index < text.length) {
    offsets.set(byte, index);
    const point = text.codePointAt(index) ?? 0;
    byte += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
    index += point > 0xffff ? 2 : 1;
  }
  offsets.set(byte, index);
  return offsets;
}

/** String index of `byte`, or of the nearest character start before it (a span never cuts a
 *  character in two, but a bad offset must not break the page). */
function indexOf(offsets: Map<number, number>, byte: number): number {
  for (let at = byte; at >= 0; at -= 1) {
    const index = offsets.get(at);
    if (index !== undefined) {
      return index;
    }
  }
  return 0;
}

/** `text` cut into plain pieces and the pieces `spans` mark, in order; overlapping or
 *  out-of-range spans are dropped. */
export function segments(text: string, spans: PreviewSpan[]): Segment[] {
  const offsets = byteOffsets(text);
  const total = Math.max(...offsets.keys());
  const ordered = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Segment[] = [];
  let at = 0;
  for (const span of ordered) {
    const start = indexOf(offsets, span.start);
    const end = indexOf(offsets, span.end);
    if (span.end > total || start < at || end <= start) {
      continue;
    }
    if (start > at) {
      out.push({ text: text.slice(at, start), span: null });
    }
    out.push({ text: text.slice(start, end), span });
    at = end;
  }
  if (at < text.length) {
    out.push({ text: text.slice(at), span: null });
  }
  return out;
}

/** What a category is called in the interface. */
export const CATEGORY_LABELS: Record<string, string> = {
  secret: "Secret",
  email: "E-mail address",
  ipv4: "IPv4 address",
  ipv6: "IPv6 address",
  mac: "MAC address",
  hostname: "Host name",
  domain: "Domain name",
  username: "User name",
  keyword: "Word to hide",
};

/** The tooltip of a highlight: what was found, and what became of it. */
export function describeSpan(span: PreviewSpan): string {
  const what = CATEGORY_LABELS[span.category] ?? span.category;
  if (span.kept) {
    return `${what}, kept as it is (you let the vendor see it)`;
  }
  if (span.category === "secret") {
    return `${what}${span.kind === null ? "" : ` (${span.kind})`}, removed`;
  }
  return `${what}, replaced by a pseudonym`;
}
