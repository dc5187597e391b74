import { expect, test } from "vitest";
import { spellCode } from "./phonetic";

test("a case code is spelled group by group, letters in the NATO alphabet", () => {
  expect(spellCode("CF-P274-62GV")).toBe("Charlie Foxtrot, Papa 2 7 4, 6 2 Golf Victor");
  expect(spellCode("cf-bf37-fet6")).toBe("Charlie Foxtrot, Bravo Foxtrot 3 7, Foxtrot Echo Tango 6");
});
