/**
 * Loading a Pulumi program directory as Pulumi's Node.js runtime does: Pulumi.yaml, the stack's
 * config (secrets as placeholders), TypeScript or ESM entry points, and the forms a program's exports take.
 */

import * as fs from "fs";
import * as path from "path";
import * as url from "url";
import { registerTypeScript } from "../typescript";

export interface LoadedProject {
  project: string;
  stack: string;
  main: string;
  config: Record<string, string>;
  secretKeys: string[];
  /** Keys Pulumi.yaml declares `secret: true`: a value given for them is a secret however given. */
  declaredSecrets: string[];
  dir: string;
}

function loadYaml(file: string): Record<string, unknown> {
  // js-yaml is a dependency of this package (and of @pulumi/pulumi, so it adds nothing to an install).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require("js-yaml") as { load(s: string): unknown };
  const doc = yaml.load(fs.readFileSync(file, "utf8"));
  return doc !== null && typeof doc === "object" ? (doc as Record<string, unknown>) : {};
}

export function configString(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The marked stand-in for a secret that cannot be read offline (`secure:` ciphertext, or no value). */
export function placeholder(key: string): string {
  return `kms-plan-secret-placeholder(${key})`;
}

/** The notice for a required secret planned with the placeholder because nobody gave it. */
export function missingSecretNotice(fullKey: string): string {
  const bare = fullKey.replace(/^[^:]*:/, "");
  return (
    `config ${fullKey} is a required secret with no value: planned with a placeholder secret (a real value ` +
    `is needed only to deploy). To plan with a value: kms-plan --config-secret ${bare}=<value>, or ` +
    `--config-file <file>.`
  );
}

export function qualify(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** Reads Pulumi.yaml (+ Pulumi.<stack>.yaml): project name, main, config defaults and stack config. */
export function loadProject(dir: string, stackOption?: string): LoadedProject {
  const abs = path.resolve(dir);
  const projectFile = ["Pulumi.yaml", "Pulumi.yml"]
    .map((f) => path.join(abs, f))
    .find((f) => fs.existsSync(f));
  if (!projectFile) throw new Error(`kms-plan: no Pulumi.yaml in ${abs}`);
  const doc = loadYaml(projectFile);
  const project = typeof doc.name === "string" ? doc.name : path.basename(abs);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const declaredSecrets: string[] = [];
  const schema = (doc.config ?? {}) as Record<string, unknown>;
  for (const [key, spec] of Object.entries(schema)) {
    const q = qualify(project, key);
    if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
      const s = spec as Record<string, unknown>;
      if ("value" in s) config[q] = configString(s.value);
      else if ("default" in s) config[q] = configString(s.default);
      else if (s.secret === true) config[q] = placeholder(q); // a required secret: plan with a stand-in
      if (s.secret === true && q in config) secretKeys.push(q);
      if (s.secret === true) declaredSecrets.push(q);
    } else if (spec !== undefined && spec !== null) {
      config[q] = configString(spec);
    }
  }
  const stackDir =
    typeof doc.stackConfigDir === "string" ? path.join(abs, doc.stackConfigDir) : abs;
  const stackFiles = fs.existsSync(stackDir)
    ? fs
        .readdirSync(stackDir)
        .filter((f) => /^Pulumi\.[^.]+\.ya?ml$/.test(f) && f !== "Pulumi.yaml")
    : [];
  const stack =
    stackOption ??
    (stackFiles.length === 1 ? stackFiles[0].replace(/^Pulumi\.|\.ya?ml$/g, "") : "dev");
  const stackFile = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`]
    .map((f) => path.join(stackDir, f))
    .find((f) => fs.existsSync(f));
  if (stackOption !== undefined && !stackFile && stackFiles.length > 0) {
    throw new Error(
      `kms-plan: no Pulumi.${stack}.yaml in ${stackDir} (found ${stackFiles.join(", ")})`,
    );
  }
  if (stackFile) {
    const stackConfig = (loadYaml(stackFile).config ?? {}) as Record<string, unknown>;
    for (const [key, v] of Object.entries(stackConfig)) {
      const q = qualify(project, key);
      if (v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in (v as object)) {
        // The ciphertext cannot be decrypted offline: a marked placeholder stands in for it.
        config[q] = placeholder(q);
        if (!secretKeys.includes(q)) secretKeys.push(q);
      } else {
        config[q] = configString(v);
      }
    }
  }
  let main = typeof doc.main === "string" ? doc.main : undefined;
  if (!main && fs.existsSync(path.join(abs, "package.json"))) {
    const pkg = JSON.parse(fs.readFileSync(path.join(abs, "package.json"), "utf8")) as {
      main?: string;
    };
    // The package's own `main` is the library build (bin/…) when it is not a program: keep it only if it exists.
    if (pkg.main && fs.existsSync(path.join(abs, pkg.main))) main = pkg.main;
  }
  let mainPath = path.resolve(abs, main ?? ".");
  if (fs.existsSync(mainPath) && fs.statSync(mainPath).isDirectory()) {
    mainPath =
      ["index.ts", "index.js"].map((f) => path.join(mainPath, f)).find((f) => fs.existsSync(f)) ??
      mainPath;
  }
  if (!fs.existsSync(mainPath)) throw new Error(`kms-plan: program entry ${mainPath} not found`);
  return { project, stack, main: mainPath, config, secretKeys, declaredSecrets, dir: abs };
}

export function ensureTypeScript(programDir: string): void {
  // Under jest (ts-jest) and `ts-node` the .ts hook is already there.
  if (process.env.JEST_WORKER_ID !== undefined) return;
  if (require.extensions[".ts"]) return;
  registerTypeScript(programDir);
}

/** True when the program's package.json says `"type": "module"` (Pulumi then imports it as ESM). */
export function isEsmProject(dir: string): boolean {
  const file = path.join(dir, "package.json");
  if (!fs.existsSync(file)) return false;
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { type?: unknown }).type === "module";
  } catch {
    return false;
  }
}

// `import()` written so that TypeScript's CommonJS output keeps it a real dynamic import (as the SDK's
// cmd/run does; microsoft/TypeScript#43329).
const dynamicImport = new Function("s", "return import(s)") as (s: string) => Promise<unknown>;

/** A warning found while loading the program (reported as a plan diagnostic). */
export type LoadWarning = (message: string) => void;

/**
 * What Pulumi's Node.js runtime (`@pulumi/pulumi/cmd/run`, `run.js`) makes of a program module, and
 * kms-plan does the same:
 * - CommonJS (the default): the module's `module.exports`. A function (`export = async () => {…}`) is
 *   called and its result awaited; a promise (`export = main()`) is awaited; either way the value is
 *   the stack outputs. Otherwise the named exports are the stack outputs.
 * - ESM (`"type": "module"`): the default export, when there is one, is the whole export (an error
 *   when there are named exports too), then as above.
 * A CommonJS module's `default` export is NOT called by Pulumi (pulumi/pulumi#4017): TypeScript's
 * `export default async () => {…}` compiled to CommonJS declares nothing. kms-plan does not call it
 * either, and warns.
 */
export function programResult(exported: unknown, esm: boolean, warn: LoadWarning): unknown {
  let value = exported;
  if (esm && value !== null && typeof value === "object") {
    const m = value as Record<string, unknown>;
    if (Object.getOwnPropertyDescriptor(m, "default") !== undefined) {
      if (Object.keys(m).length !== 1) {
        throw new Error(
          "expected entrypoint module to have either a default export or named exports but not both",
        );
      }
      value = m.default;
    }
  }
  if (typeof value === "function") return (value as () => unknown)();
  if (!esm && value !== null && typeof value === "object" && !(value instanceof Promise)) {
    const d = (value as Record<string, unknown>).default;
    if (typeof d === "function") {
      warn(
        "the program's default export is a function, which Pulumi's Node.js runtime does not call in a " +
          "CommonJS program (pulumi/pulumi#4017): it declares nothing. Write `export = async () => { … }` " +
          '(or set "type": "module" in package.json).',
      );
    }
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v !== "function") outputs[k] = v;
    return outputs;
  }
  return value;
}

export function programFromDirectory(p: LoadedProject, warn: LoadWarning): () => unknown {
  return async () => {
    const esm = isEsmProject(p.dir);
    if (esm) {
      if (/\.[cm]?ts$/.test(p.main)) {
        throw new Error(
          `kms-plan: ${p.main} is TypeScript in an ESM package ("type": "module"); kms-plan loads ESM programs ` +
            "as JavaScript only: compile it first, or plan it as CommonJS.",
        );
      }
      const href = `${url.pathToFileURL(p.main).href}?plan=${++esmLoads}`;
      return programResult(await dynamicImport(href), true, warn);
    }
    if (p.main.endsWith(".ts")) ensureTypeScript(p.dir);
    // Forget the program's own modules so that planning it again runs it again.
    for (const key of Object.keys(require.cache)) {
      if (key.startsWith(p.dir + path.sep) && !key.includes(`${path.sep}node_modules${path.sep}`)) {
        delete require.cache[key];
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return programResult(require(p.main), false, warn);
  };
}

/** ESM modules cannot be dropped from the loader's cache: each plan imports a fresh URL. */
let esmLoads = 0;
