// A case code spelled for a bad phone line: letters in the NATO alphabet, digits as digits,
// groups apart ("CF-P274" is "Charlie Foxtrot, Papa 2 7 4").

const NATO: Record<string, string> = {
  A: "Alfa", B: "Bravo", C: "Charlie", D: "Delta", E: "Echo", F: "Foxtrot", G: "Golf", H: "Hotel",
  I: "India", J: "Juliett", K: "Kilo", L: "Lima", M: "Mike", N: "November", O: "Oscar", P: "Papa",
  Q: "Quebec", R: "Romeo", S: "Sierra", T: "Tango", U: "Uniform", V: "Victor", W: "Whiskey",
  X: "X-ray", Y: "Yankee", Z: "Zulu",
};

/** "CF-P274-62GV" → "Charlie Foxtrot, Papa 2 7 4, 6 2 Golf Victor". */
export function spellCode(code: string): string {
  return code
    .toUpperCase()
    .split("-")
    .filter((group) => group !== "")
    .map((group) => [...group].map((char) => NATO[char] ?? char).join(" "))
    .join(", ");
}
