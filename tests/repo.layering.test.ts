/**
 * The layering between the parts of the repository, the npm workspaces included. Every import of every
 * source file counts: `import … from`, `export … from`, `import()` and `require()` with a literal
 * specifier (the CLIs load the policies and the lab driver with `require()` on demand).
 *
 *   catalog/     the package `pulumi-kms-activation-catalog`: imports nothing but Node's own modules
 *   components/  the library: the catalog (by its package name), the Pulumi SDKs it peers with
 *   policy/      the `kms-guard` pack (a workspace): the catalog by package name, `@pulumi/policy`
 *   tools/       the CLIs and the lab driver: the components, the policies, the catalog
 *
 * The catalog is reached only by its package name, never by a relative path into its folder: that is
 * what keeps the pack standing alone, and what the build and an install resolve. Every other package a
 * file imports is declared in the package.json of its part (or is one of the optional packages the CLIs
 * load from the user's project, said so in the README).
 */
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { filesUnder } from "./helpers/files";

const ROOT = path.join(__dirname, "..");
const CATALOG = "pulumi-kms-activation-catalog";

type Part = "catalog" | "components" | "policy" | "tools";
const PARTS: Part[] = ["catalog", "components", "policy", "tools"];

/** Which parts each part may import (besides itself). */
const MAY_IMPORT: Record<Part, Part[]> = {
  catalog: [],
  components: ["catalog"],
  policy: ["catalog"],
  tools: ["catalog", "components", "policy"],
};

/** The package.json that declares a part's dependencies. */
const MANIFEST: Record<Part, string> = {
  catalog: "catalog/package.json",
  components: "package.json",
  policy: "policy/package.json",
  tools: "package.json",
};

/** Loaded by the CLIs from the user's project when present (README: Install). */
const OPTIONAL_FROM_USER_PROJECT = ["typescript", "vega", "vega-lite"];

/** Every literal module specifier of a source text. */
export function specifiersOf(text: string): string[] {
  const patterns = [
    /(?:import|export)\s[^;]*?\sfrom\s+["']([^"']+)["']/g,
    /\bimport\s+["']([^"']+)["']/g,
    /\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1]));
}

/** The package a bare specifier names (`@scope/name` or `name`). */
function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function partOf(abs: string): Part | undefined {
  const first = path.relative(ROOT, abs).split(path.sep)[0];
  return (PARTS as string[]).includes(first) ? (first as Part) : undefined;
}

function declared(part: Part): Set<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, MANIFEST[part]), "utf8")) as Record<
    string,
    Record<string, string> | undefined
  >;
  return new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
}

/** What breaks the layering in `files` of `part`, as `file → specifier: why`. */
export function violations(part: Part, files: { file: string; text: string }[]): string[] {
  const out: string[] = [];
  const deps = declared(part);
  for (const { file, text } of files) {
    const where = path.relative(ROOT, file);
    for (const spec of specifiersOf(text)) {
      if (spec.startsWith(".")) {
        const target = path.resolve(path.dirname(file), spec);
        const to = partOf(target);
        if (to === part) continue;
        if (to === "catalog") out.push(`${where} → ${spec}: import the catalog as "${CATALOG}"`);
        else if (to === undefined || !MAY_IMPORT[part].includes(to))
          out.push(`${where} → ${spec}: ${part}/ may not import ${to ?? "outside the parts"}`);
        continue;
      }
      const name = packageOf(spec.replace(/^node:/, ""));
      if (builtinModules.includes(name) || spec.startsWith("node:")) continue;
      if (name === CATALOG) {
        if (part !== "catalog" && !MAY_IMPORT[part].includes("catalog"))
          out.push(`${where} → ${spec}: ${part}/ may not import the catalog`);
        else if (!deps.has(CATALOG)) out.push(`${where} → ${spec}: not in ${MANIFEST[part]}`);
        continue;
      }
      if (part === "tools" && OPTIONAL_FROM_USER_PROJECT.includes(name)) continue;
      if (!deps.has(name)) out.push(`${where} → ${spec}: "${name}" is not in ${MANIFEST[part]}`);
    }
  }
  return out;
}

test.each(PARTS)("%s/ imports only what its layer allows, and declares it", (part) => {
  const files = filesUnder(path.join(ROOT, part), /^(?!.*\.d\.ts$).*\.(ts|js)$/).map((file) => ({
    file,
    text: fs.readFileSync(file, "utf8"),
  }));
  expect(files.length).toBeGreaterThan(0);
  expect(violations(part, files)).toEqual([]);
});

test("the parts that import the catalog declare it at the catalog's own version; the package bundles it", () => {
  const catalog = JSON.parse(fs.readFileSync(path.join(ROOT, "catalog", "package.json"), "utf8"));
  const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const policy = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8"));
  expect(catalog.name).toBe(CATALOG);
  expect(root.dependencies[CATALOG]).toBe(catalog.version);
  expect(policy.dependencies[CATALOG]).toBe(catalog.version);
  // git, tarball and folder installs have no registry to fetch the workspace from: npm pack bundles it.
  expect(root.bundleDependencies).toEqual([CATALOG]);
  expect(root.workspaces).toEqual(["catalog", "policy"]);
});

test("the check finds what it must (a relative path into the catalog, a layer skipped, a hidden require)", () => {
  const file = (p: string) => path.join(ROOT, p);
  expect(
    violations("components", [
      {
        file: file("components/x.ts"),
        text: 'import { ACTIVATION } from "../catalog/activation";',
      },
      { file: file("components/y.ts"), text: 'const p = require("../tools/plan");' },
      { file: file("components/z.ts"), text: 'import yaml from "js-yaml-missing";' },
    ]),
  ).toEqual([
    'components/x.ts → ../catalog/activation: import the catalog as "pulumi-kms-activation-catalog"',
    "components/y.ts → ../tools/plan: components/ may not import tools",
    'components/z.ts → js-yaml-missing: "js-yaml-missing" is not in package.json',
  ]);
  expect(
    violations("policy", [
      { file: file("policy/a.ts"), text: 'export { x } from "../components/summary";' },
      { file: file("policy/b.ts"), text: 'import * as pulumi from "@pulumi/azure-native";' },
    ]),
  ).toEqual([
    "policy/a.ts → ../components/summary: policy/ may not import components",
    'policy/b.ts → @pulumi/azure-native: "@pulumi/azure-native" is not in policy/package.json',
  ]);
  expect(
    violations("catalog", [
      { file: file("catalog/c.ts"), text: 'import * as p from "@pulumi/pulumi";' },
    ]),
  ).toEqual(['catalog/c.ts → @pulumi/pulumi: "@pulumi/pulumi" is not in catalog/package.json']);
});
