// Sizes and instants as people read them. Sizes use 1024-based units with the short names most
// people know (KB, MB), to one decimal place below 10.

const UNITS = ["bytes", "KB", "MB", "GB", "TB"];

/** `532 bytes`, `1.5 KB`, `24 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return bytes === 1 ? "1 byte" : `${bytes} bytes`;
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value).toString();
  return `${shown} ${UNITS[unit] ?? ""}`;
}

/** An RFC 3339 instant in the user's locale and time zone; the input itself when unreadable. */
export function formatInstant(instant: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) {
    return instant;
  }
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
