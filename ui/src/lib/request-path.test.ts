import { describe, expect, test } from "vitest";
import { emptyRequest } from "../testing/draft-view";
import { readField, writeField } from "./request-path";

describe("request paths", () => {
  test("reads and writes nested text fields", () => {
    const request = emptyRequest();
    writeField(request, "contact.name", "Ana Ruiz");
    writeField(request, "problem.subject", "Agents stop reporting");
    writeField(request, "impact.priority", "2");
    writeField(request, "tier", "premium");
    expect(request.contact.name).toBe("Ana Ruiz");
    expect(readField(request, "problem.subject")).toBe("Agents stop reporting");
    expect(readField(request, "impact.priority")).toBe("2");
    expect(request.tier).toBe("premium");
  });

  test("the environment is null when cleared", () => {
    const request = emptyRequest();
    expect(readField(request, "scope.environment")).toBe("");
    writeField(request, "scope.environment", "poc");
    expect(request.scope.environment).toBe("poc");
    writeField(request, "scope.environment", "");
    expect(request.scope.environment).toBeNull();
  });

  test("extra fields live in `extra` by id, and clearing removes the key", () => {
    const request = emptyRequest();
    writeField(request, "extra.org_id", "5f1e");
    expect(request.extra).toEqual({ org_id: "5f1e" });
    expect(readField(request, "extra.org_id")).toBe("5f1e");
    expect(readField(request, "extra.missing")).toBe("");
    writeField(request, "extra.org_id", "");
    expect(request.extra).toEqual({});
  });

  test("an unknown or non-text path throws rather than inventing a key", () => {
    const request = emptyRequest();
    expect(() => writeField(request, "contact.fax", "x")).toThrow("contact.fax is not a text field");
    expect(() => writeField(request, "nowhere.deep", "x")).toThrow("no field at nowhere.deep");
    expect(() => writeField(request, "scope.endpoints", "x")).toThrow("not a text field");
  });
});
