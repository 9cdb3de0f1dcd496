/**
 * Loads a user's TypeScript program in `kms-plan` without ts-node and without a tsconfig.json.
 *
 * A `.ts` require hook that transpiles each file on its own with the TypeScript compiler this package
 * depends on (`typescript` 5.x: npm's `typescript@latest` is 7.x, which has no JavaScript compiler API,
 * and 6.x refuses `moduleResolution: node`). Transpiling needs no module resolution, so whatever the
 * project's `tsconfig.json` says about it does not matter; from that file only options that change the
 * emitted JavaScript are taken (decorators, JSX, class fields, …), and the module format is always
 * CommonJS, as Pulumi's Node.js runtime loads programs. No type-check: `tsc --noEmit` is the project's.
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

let registered = false;

/**
 * Registers the `.ts` hook once per process. Stack traces point into the `.ts` files (inline source
 * maps with `process.setSourceMapsEnabled`).
 */
export function registerTypeScript(dir: string): void {
  if (registered) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("typescript") as Ts;
  if (typeof ts.transpileModule !== "function") {
    throw new Error(
      `kms-plan: the TypeScript compiler found (${ts.version}) has no transpileModule; reinstall pulumi-kms-activation`,
    );
  }
  const compilerOptions = transpileOptions(ts, dir);
  process.setSourceMapsEnabled?.(true);
  require.extensions[".ts"] = (module, filename) => {
    const source = fs.readFileSync(filename, "utf8");
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
    (module as unknown as { _compile(code: string, file: string): void })._compile(
      outputText,
      filename,
    );
  };
  registered = true;
}
