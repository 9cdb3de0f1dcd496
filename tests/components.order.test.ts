import { compareCodePoints } from "../components/order";

describe("compareCodePoints", () => {
  test.each([
    ["B", "a", -1],
    ["a", "B", 1],
    ["a", "a", 0],
    ["a", "ab", -1],
    ["Z", "é", -1],
    // U+1F600 (a surrogate pair in UTF-16) sorts after U+FF5E by code point, before it by code unit.
    ["\u{1F600}", "\uFF5E", 1],
  ])("%s vs %s → %i", (a, b, expected) => {
    expect(compareCodePoints(a, b)).toBe(expected);
  });

  test("sorts upper case before lower case, as code points do (en-US collation would not)", () => {
    expect(["b", "a", "B", "A"].sort(compareCodePoints)).toEqual(["A", "B", "a", "b"]);
  });
});
