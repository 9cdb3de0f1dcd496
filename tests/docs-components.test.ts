import { readFileSync } from "fs";
import { COMPONENTS_DOC_PATH, plainType, renderComponentsDoc } from "../scripts/gen-components-doc";

describe("docs/components.md", () => {
  test("is the generator's output (run `npx ts-node -T scripts/gen-components-doc.ts`)", () => {
    expect(readFileSync(COMPONENTS_DOC_PATH, "utf8")).toBe(renderComponentsDoc());
  });

  test("documents every args interface and output of the three components", () => {
    const doc = renderComponentsDoc();
    const headings = doc.split("\n").filter((l) => /^#{2,4} /.test(l));
    expect(headings.filter((h) => h.startsWith("## "))).toEqual([
      "## KmsHost",
      "## KmsClient",
      "## KmsSrvRecord",
    ]);
    expect(doc).toContain("| `hostKey`");
    expect(doc).toContain("| `activationReport`");
    expect(doc).toContain("| `recordSetId`");
  });

  test.each([
    ["pulumi.Input<string>", "string"],
    ["pulumi.Input<pulumi.Input<string>[]>", "string[]"],
    ["pulumi.Input<Record<string, pulumi.Input<string>>>", "Record<string, string>"],
    ["pulumi.Output<string | undefined>", "string"],
    ["KmsSrvHostArgs[]", "KmsSrvHostArgs[]"],
  ])("plainType(%s) = %s", (input, expected) => {
    expect(plainType(input)).toBe(expected);
  });
});
