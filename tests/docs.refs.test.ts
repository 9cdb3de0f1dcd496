/**
 * Docs may name only git refs that exist (the README and the CI example named `#v0.1.0`,
 * a tag that was never made). Every ref the docs give to npm (`git+…#ref`, `github:…#ref`), to the Pulumi
 * CLI (`https://github.com/…/pulumi-kms-activation@ref`) or to a workflow's checkout (`ref: …`) must
 * resolve to a commit in this repository. CI runs on a clean clone of main, where `main` may be the only
 * branch and there is no tag: name `main`, or a tag once one is pushed. `<placeholders>` are not refs.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { filesUnder } from "./helpers/files";

const ROOT = path.resolve(__dirname, "..");

/** The files users read: README, CHANGELOG, docs/, examples/ and the policy pack's README. */
function docFiles(): string[] {
  return [
    path.join(ROOT, "README.md"),
    path.join(ROOT, "CHANGELOG.md"),
    path.join(ROOT, "policy", "README.md"),
    ...filesUnder(path.join(ROOT, "docs"), /\.md$/),
    ...filesUnder(path.join(ROOT, "examples"), /\.(md|ya?ml|ts)$/),
  ].filter((f) => fs.existsSync(f));
}

const REF = String.raw`([A-Za-z0-9][\w./-]*[\w])`;
const PATTERNS: RegExp[] = [
  new RegExp(String.raw`(?:git\+[a-z]+://|github:)[^\s#'"\`]+#` + REF, "g"), // npm git URLs
  new RegExp(String.raw`github\.com/[^\s@'"\`]+/pulumi-kms-activation@` + REF, "g"), // pulumi package add
  new RegExp(String.raw`^\s*ref:\s*['"]?` + REF + String.raw`['"]?\s*$`, "gm"), // actions/checkout
];

/** Every ref named in `text`. */
function namedRefs(text: string): string[] {
  return PATTERNS.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

function resolves(ref: string): boolean {
  try {
    execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      cwd: ROOT,
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}

describe("git refs named in the docs", () => {
  test.each([
    ["npm install git+https://github.com/o/pulumi-kms-activation.git#v0.1.0", ["v0.1.0"]],
    ["npm install github:o/pulumi-kms-activation#main", ["main"]],
    ["pulumi package add https://github.com/o/pulumi-kms-activation@v1.2.3   # a tag", ["v1.2.3"]],
    ["  kms: https://github.com/<org>/pulumi-kms-activation@<commit>", []],
    ["          ref: v0.1.0\n", ["v0.1.0"]],
    ["npm install git+https://github.com/<org>/pulumi-kms-activation.git#<commit>", []],
  ])("found in %p", (text, refs) => {
    expect(namedRefs(text)).toEqual(refs);
  });

  test("every one resolves to a commit of this repository", () => {
    const named = docFiles().flatMap((f) =>
      namedRefs(fs.readFileSync(f, "utf8")).map((ref) => `${path.relative(ROOT, f)}: ${ref}`),
    );
    // The README's git install names one; a check that finds nothing checks nothing.
    expect(named.some((n) => n.startsWith("README.md: "))).toBe(true);
    expect(named.filter((n) => !resolves(n.slice(n.lastIndexOf(": ") + 2)))).toEqual([]);
  });
});
