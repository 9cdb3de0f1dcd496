import { readFileSync } from "fs";
import {
  argumentType,
  COMPONENTS_DOC_PATH,
  plainType,
  renderComponentsDoc,
  undocumented,
} from "../scripts/gen-components-doc";

describe("docs/components.md", () => {
  test("is the generator's output (run `npx ts-node -T scripts/gen-components-doc.ts`)", () => {
    expect(readFileSync(COMPONENTS_DOC_PATH, "utf8")).toBe(renderComponentsDoc());
  });

  test("every argument, status field and output has a doc comment (no empty Meaning cell)", () => {
    expect(undocumented()).toEqual([]);
    expect(readFileSync(COMPONENTS_DOC_PATH, "utf8")).not.toMatch(/\| +\|\n/);
  });

  test("the generator refuses a field without a doc comment, naming it", () => {
    const decl = {
      interfaces: new Map([
        [
          "KmsSrvRecordArgs",
          {
            doc: "",
            members: [
              {
                name: "zoneName",
                optional: false,
                type: "string",
                rawType: "string",
                doc: "The zone.",
              },
              { name: "ttl", optional: true, type: "number", rawType: "number", doc: "" },
            ],
          },
        ],
      ]),
      classes: new Map([["KmsSrvRecord", { doc: "", outputs: [], children: [] }]]),
    };
    expect(undocumented(decl)).toEqual(["KmsSrvRecordArgs.ttl"]);
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

  test.each([
    ["pulumi.Input<string>", "string"],
    ["string", "string (plain)"],
    ["boolean", "boolean (plain)"],
    ["KmsHostDnsArgs", "KmsHostDnsArgs (plain)"],
  ])("argumentType(%s) = %s: only Input-typed arguments may be Outputs", (input, expected) => {
    expect(argumentType(input)).toBe(expected);
  });

  test("secret arguments are marked (secret), from the components' SECRET_INPUTS", () => {
    const doc = renderComponentsDoc();
    const secretRows = doc
      .split("\n")
      .filter((l) => /^\| `\w+` +\| `[^`]*\(secret\)`/.test(l))
      .map((l) => /^\| `(\w+)`/.exec(l)![1])
      .sort();
    expect(secretRows).toEqual([
      "adminPassword",
      "hostKey",
      "hostKey",
      "password",
      "privateKey",
      "volumeLicensePack",
    ]);
  });

  test("plain arguments are marked as such (product must be a value known when the program runs)", () => {
    const doc = renderComponentsDoc();
    expect(doc).toMatch(/\| `product` +\| `string \(plain\)`/);
    expect(doc).not.toContain("may also be an Output of another resource");
  });
});
