import { expect, test } from "vitest";
import { isBlank } from "./blank";

test("an all-black or one-colour image is blank; one with content is not", () => {
  expect(isBlank([0, 0, 0, 255, 2, 1, 0, 255, 0, 0, 0, 255])).toBe(true);
  expect(isBlank([200, 200, 200, 255, 203, 200, 200, 255])).toBe(true);
  expect(isBlank([0, 0, 0, 255, 231, 111, 81, 255])).toBe(false);
  expect(isBlank([])).toBe(false);
});
