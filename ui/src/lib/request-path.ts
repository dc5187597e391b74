// Reads and writes a `Request` value by the dotted `FieldSpec.path` the core sends
// ("contact.name", "scope.environment", "extra.<id>"), so fields can be rendered from data.
import type { Request } from "./types";

/** The value at `path` as the text a form control shows ("" for unset). */
export function readField(request: Request, path: string): string {
  const [head, ...rest] = path.split(".");
  if (head === "extra") {
    return request.extra[rest.join(".")] ?? "";
  }
  let value: unknown = request;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null) {
      return "";
    }
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" ? value : "";
}

/**
 * Sets the value at `path` in place. Only paths to text (or to the environment, where "" is
 * `null`) are writable; an unknown path throws, as it means the UI and the core disagree.
 */
export function writeField(request: Request, path: string, value: string): void {
  const keys = path.split(".");
  const [head, ...rest] = keys;
  if (head === "extra" && rest.length > 0) {
    const id = rest.join(".");
    if (value === "") {
      delete request.extra[id];
    } else {
      request.extra[id] = value;
    }
    return;
  }
  if (path === "scope.environment") {
    request.scope.environment = value === "" ? null : (value as Request["scope"]["environment"]);
    return;
  }
  let parent: unknown = request;
  for (const key of keys.slice(0, -1)) {
    parent = typeof parent === "object" && parent !== null ? (parent as Record<string, unknown>)[key] : undefined;
  }
  const last = keys[keys.length - 1];
  if (typeof parent !== "object" || parent === null || last === undefined) {
    throw new Error(`no field at ${path}`);
  }
  const record = parent as Record<string, unknown>;
  if (typeof record[last] !== "string") {
    throw new Error(`${path} is not a text field`);
  }
  record[last] = value;
}
