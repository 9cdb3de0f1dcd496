/**
 * What keeps the package small: `kms-plan` transpiles a TypeScript program with the
 * project's own `typescript` when it has one (4.x to 6.x), else with `sucrase` (a 2 MB dependency), and
 * loads vega/vega-lite for `--chart` only, with a message naming what to install when they are missing.
 * The sizes themselves are measured on a real install in tests/package.install.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { transpilerFor } from "../tools/typescript";
import {
  CHART_PACKAGES,
  MissingOptionalPackageError,
  missingOptional,
  requireOptional,
} from "../tools/optional";

const ROOT = path.resolve(__dirname, "..");
const PROGRAM = `import * as path from "path";
import type { Dirent } from "fs";
enum Family { Server = 5, Client = 25 }
export const threshold: number = Family.Server;
export const joined = path.posix.join("a", "b");
export default class Host { count?: Dirent; readonly port = 1688; }
`;

function runCommonJs(code: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  new Function("module", "exports", "require", code)(module, module.exports, require);
  return module.exports;
}

describe("the transpiler kms-plan uses for a program", () => {
  let empty: string;
  beforeAll(() => {
    empty = fs.mkdtempSync(path.join(os.tmpdir(), "kms-lean-"));
  });
  afterAll(() => fs.rmSync(empty, { recursive: true, force: true }));

  test("a project with typescript 5: that compiler", () => {
    const version = (require("typescript/package.json") as { version: string }).version;
    expect(transpilerFor(ROOT).name).toBe(`typescript ${version}`);
  });

  test("a project without typescript: sucrase, whose CommonJS runs (enum, imports, class field)", () => {
    // No typescript resolves from a fresh folder in the temp directory.
    expect(() => require.resolve("typescript", { paths: [empty] })).toThrow();
    const t = transpilerFor(empty);
    expect(t.name).toBe("sucrase");
    const code = t.transpile(PROGRAM, path.join(empty, "index.ts"));
    expect(code).toMatch(/\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,/);
    const m = runCommonJs(code);
    expect([m.threshold, m.joined, new (m.default as new () => { port: number })().port]).toEqual([
      5,
      "a/b",
      1688,
    ]);
  });

  test("both compilers give the same exports for the same program", () => {
    const file = path.join(empty, "index.ts");
    const viaTs = runCommonJs(transpilerFor(ROOT).transpile(PROGRAM, file));
    const viaSucrase = runCommonJs(transpilerFor(empty).transpile(PROGRAM, file));
    expect(Object.keys(viaSucrase).sort()).toEqual(Object.keys(viaTs).sort());
    expect([viaSucrase.threshold, viaSucrase.joined]).toEqual([viaTs.threshold, viaTs.joined]);
  });
});

describe("vega and vega-lite for --chart, loaded on demand", () => {
  const notFound = (id: string) => {
    const e = new Error(`Cannot find module '${id}'`) as NodeJS.ErrnoException;
    e.code = "MODULE_NOT_FOUND";
    return e;
  };

  test("they are not dependencies of the package, only dev dependencies of the repository", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    for (const spec of CHART_PACKAGES) {
      const [name, range] = spec.split(/(?<=.)@/);
      expect([name, pkg.dependencies[name], pkg.devDependencies[name]]).toEqual([
        name,
        undefined,
        range,
      ]);
    }
  });

  test("a missing one is named, with the command that installs both", () => {
    const load = (id: string) => {
      throw notFound(id);
    };
    expect(() => requireOptional("vega", "kms-plan --chart", CHART_PACKAGES, load)).toThrow(
      new MissingOptionalPackageError("vega", "kms-plan --chart", CHART_PACKAGES),
    );
    const message = missingOptional("kms-plan --chart", CHART_PACKAGES, (id) => {
      if (id === "vega-lite") throw notFound(id);
      return id;
    });
    expect(message).toBe(
      'kms-plan --chart needs the package "vega-lite", which pulumi-kms-activation does not install by ' +
        "itself. Install it in your project: npm install --save-dev vega@^5.33.1 vega-lite@^5.23.0",
    );
  });

  test("an error inside an installed package is not mistaken for a missing one", () => {
    const load = () => {
      throw notFound("d3-scale"); // a dependency of vega missing: a broken install, said as it is
    };
    expect(() => requireOptional("vega", "kms-plan --chart", CHART_PACKAGES, load)).toThrow(
      "Cannot find module 'd3-scale'",
    );
  });

  test("installed here (dev dependencies): nothing is missing", () => {
    expect(missingOptional("kms-plan --chart", CHART_PACKAGES)).toBeUndefined();
  });
});
