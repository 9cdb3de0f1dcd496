/**
 * Loads a user's TypeScript program in `kms-plan` without ts-node and without a tsconfig.json.
 *
 * A `.ts` require hook that transpiles each file on its own (no type-check: `tsc --noEmit` is the
 * project's; no module resolution, so whatever the project's tsconfig says about it does not matter),
 * always to CommonJS, as Pulumi's Node.js runtime loads programs. The compiler is chosen per program:
 * - the project's own `typescript` (4.x to 6.x, the one Pulumi's runner would use), when it resolves from
 *   the program's directory and has the JavaScript compiler API (`transpileModule`). Only the options of
 *   its tsconfig.json that change the emitted JavaScript are taken (decorators, JSX, class fields, …);
 * - otherwise `sucrase`, this package's small transpiler (about 2 MB; `typescript` is 23 MB and is not a
 *   dependency of this package): an empty or JavaScript project, or one with TypeScript 7, which has no
 *   JavaScript compiler API. Sucrase strips the types and turns imports into `require`; it does not
 *   transpile decorators, which need `typescript` 5 or 6 in the project.
 */
import * as fs from "fs";
import * as path from "path";

type Ts = typeof import("typescript");

/** Options that only change emitted JavaScript; everything else in a project's tsconfig is ignored. */
const EMIT_OPTIONS = [
  "target",
  "experimentalDecorators",
  "emitDecoratorMetadata",
  "useDefineForClassFields",
  "jsx",
  "jsxFactory",
  "jsxFragmentFactory",
  "jsxImportSource",
  "esModuleInterop",
  "importHelpers",
  "downlevelIteration",
  "preserveConstEnums",
] as const;

/** The compiler options used for a program in `dir` (exported for tests). */
export function transpileOptions(ts: Ts, dir: string): import("typescript").CompilerOptions {
  const options: import("typescript").CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
  };
  const file = path.join(dir, "tsconfig.json");
  if (fs.existsSync(file)) {
    const read = ts.readConfigFile(file, (f) => fs.readFileSync(f, "utf8"));
    const raw = (read.config as { compilerOptions?: Record<string, unknown> } | undefined)
      ?.compilerOptions;
    if (raw) {
      const picked: Record<string, unknown> = {};
      for (const k of EMIT_OPTIONS) if (k in raw) picked[k] = raw[k];
      // Values this compiler does not know (a newer target, say) are left at the defaults above.
      const { options: converted } = ts.convertCompilerOptionsFromJson(picked, dir);
      for (const [k, v] of Object.entries(converted)) if (v !== undefined) options[k] = v;
    }
  }
  return {
    ...options,
    module: ts.ModuleKind.CommonJS,
    inlineSourceMap: true,
    inlineSources: true,
    sourceMap: false,
    declaration: false,
    noEmit: false,
    isolatedModules: true,
  };
}

/** A transpiler for one program: its name (for messages and tests) and the function. */
export interface Transpiler {
  name: string;
  transpile(source: string, filename: string): string;
}

/** The project's `typescript`, when it resolves from `dir` and has `transpileModule`. */
function projectTypeScript(dir: string): Transpiler | undefined {
  let ts: Ts;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ts = require(require.resolve("typescript", { paths: [dir] })) as Ts;
  } catch {
    return undefined;
  }
  if (typeof ts.transpileModule !== "function") return undefined; // TypeScript 7: no JS API
  const compilerOptions = transpileOptions(ts, dir);
  return {
    name: `typescript ${ts.version}`,
    transpile: (source, fileName) =>
      ts.transpileModule(source, { compilerOptions, fileName }).outputText,
  };
}

/** Sucrase: types stripped, ES modules to CommonJS (interop as with `esModuleInterop`). */
function sucrase(): Transpiler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { transform } = require("sucrase") as typeof import("sucrase");
  return {
    name: "sucrase",
    transpile(source, filePath) {
      const out = transform(source, {
        transforms: ["typescript", "imports"],
        filePath,
        disableESTransforms: true, // Node 20 runs class fields, `?.` and `??` as they are
        sourceMapOptions: { compiledFilename: path.basename(filePath) },
      });
      const map = { ...out.sourceMap, sources: [filePath], sourcesContent: [source] };
      const encoded = Buffer.from(JSON.stringify(map)).toString("base64");
      return `${out.code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${encoded}\n`;
    },
  };
}

/** The transpiler `kms-plan` uses for a program in `dir` (exported for tests). */
export function transpilerFor(dir: string): Transpiler {
  return projectTypeScript(dir) ?? sucrase();
}

let registered: Transpiler | undefined;

/**
 * Registers the `.ts` hook once per process and returns the transpiler it uses. Stack traces point into
 * the `.ts` files (inline source maps with `process.setSourceMapsEnabled`).
 */
export function registerTypeScript(dir: string): Transpiler {
  if (registered) return registered;
  const transpiler = transpilerFor(dir);
  process.setSourceMapsEnabled?.(true);
  require.extensions[".ts"] = (module, filename) => {
    const source = fs.readFileSync(filename, "utf8");
    (module as unknown as { _compile(code: string, file: string): void })._compile(
      transpiler.transpile(source, filename),
      filename,
    );
  };
  registered = transpiler;
  return transpiler;
}
