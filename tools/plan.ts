/**
 * Offline plan: runs a Pulumi program under the SDK's mocks (no engine, no cloud, no Pulumi CLI),
 * records every resource it registers, runs the `kms-guard` policies over them the way the engine
 * would, and forecasts activation.
 *
 * - Resource policies run over every registered resource (components included) with `props` = inputs.
 * - Stack policies run once over all resources with `props` = outputs: the mock state for custom
 *   resources, the values given to `registerOutputs` for components (their inputs when they register none).
 * - Enforcement level: `options.policyConfig[name].enforcementLevel`, else the policy's, else advisory;
 *   `remediate` is reported as mandatory (as the engine does when it cannot remediate).
 * - Secrets (secret config, `pulumi.secret` values) show as "[secret]" in the result, and any secret
 *   value a policy message repeats is replaced by "[secret]".
 *
 * `plan()` may be called many times in one process; runs are queued and each starts from fresh state.
 * It never constructs a `PolicyPack`.
 */
import * as fs from "fs";
import * as path from "path";
import * as url from "url";
import * as pulumi from "@pulumi/pulumi";
import { KMS_CLIENT_TYPE, KMS_HOST_TYPE } from "../components/summary";
import type { KmsClientSummary, KmsHostSummary } from "../components/summary";
import { forecast, specFromSummaries } from "./forecast";
import type { Forecast, ForecastSpec } from "./forecast";
import { createPlanMocks, isSecretEnvelope, unwrapSecrets } from "./mocks";
import { registerTypeScript } from "./typescript";
import type { LabHook } from "./mocks";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** The subset of `@pulumi/policy`'s policy shapes the plan runs (plain objects, no PolicyPack). */
export interface PlanPolicy {
  name: string;
  description?: string;
  enforcementLevel?: EnforcementLevel;
  configSchema?: { properties?: Record<string, { default?: unknown }> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  validateResource?: ((args: any, report: (message: any, urn?: string) => void) => unknown) | any[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  validateStack?: (args: any, report: (message: any, urn?: string) => void) => unknown;
}

/** A config value; wrap secrets with `secretConfig(value)`. Non-strings are JSON-encoded as Pulumi does. */
export type PlanConfigValue = string | number | boolean | object | SecretConfig;

const SECRET_BRAND = Symbol.for("kms-plan.secretConfig");
export interface SecretConfig {
  readonly [SECRET_BRAND]: true;
  readonly value: string;
}
/** Marks a config value as secret (as `pulumi config set --secret` would). */
export function secretConfig(value: string): SecretConfig {
  return { [SECRET_BRAND]: true, value };
}
function isSecretConfig(v: unknown): v is SecretConfig {
  return (
    v !== null && typeof v === "object" && (v as Record<symbol, unknown>)[SECRET_BRAND] === true
  );
}

export interface PlanOptions {
  /** Config, keyed `<project>:<key>` or bare `<key>` (prefixed with the project). Overrides the stack file. */
  config?: Record<string, PlanConfigValue>;
  /** Stack name; default "dev" for a directory with Pulumi.dev.yaml or no stack file, else "stack". */
  stack?: string;
  /** Project name; default from Pulumi.yaml, else "project". */
  project?: string;
  /** Policies to run: policy objects or names from the kms-guard pack. Default: the whole pack. */
  policies?: (PlanPolicy | string)[];
  /**
   * Per-policy config, as read from a `--policy-pack-config` file by `parsePolicyConfig`:
   * `{ "<policy>": { enforcementLevel?, ...props } }`; the key `all` sets every policy's level.
   */
  policyConfig?: PolicyConfig;
  /** Run as a preview: outputs the mocks do not return are unknown, and policies touching them are advisory. */
  preview?: boolean;
  /**
   * Mock every client's setup as pending (0xC004F038), as before a host's count reaches the threshold:
   * the plan then shows the threshold barrier's re-activation steps (`<client>-activate`).
   */
  clientsPendingAtSetup?: boolean;
  /**
   * Runs the remote steps in a lab instead of giving them mock results (`kms-plan --lab`, see
   * tools/rehearsal.ts). A step that fails stops what depends on it, as in `pulumi up` (the hook reports
   * it); the plan then returns once nothing moves, with other failures (rejections) in
   * `deploymentErrors`, instead of throwing.
   */
  lab?: LabHook;
}

/** Policy configuration: policy name (or `all`) → its enforcement level and settings. */
export type PolicyConfig = Record<
  string,
  { enforcementLevel?: EnforcementLevel; [k: string]: unknown }
>;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * Reads a policy configuration in the form `pulumi preview --policy-pack-config FILE` takes (JSON): each
 * key is a policy name, or `all` for every policy of the pack; each value is an enforcement level
 * string ("advisory", "mandatory", "remediate", "disabled") or an object with an optional
 * `enforcementLevel` and the policy's own settings (its `configSchema` properties). A level given for a
 * policy overrides the one under `all`, which overrides the policy's own. Unknown policies, unknown
 * settings and unknown levels are errors (a typo must not silently leave a policy at its default).
 */
export function parsePolicyConfig(
  text: string,
  policies: readonly Pick<PlanPolicy, "name" | "configSchema">[],
  source = "policy config",
): PolicyConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new Error(`${source}: expected a JSON object of policy name → level or settings`);
  }
  const out: PolicyConfig = {};
  const names = policies.map((p) => p.name);
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    const policy = policies.find((p) => p.name === name);
    if (name !== "all" && !policy) {
      throw new Error(
        `${source}: no policy named "${name}" in the pack (have: all, ${names.join(", ")})`,
      );
    }
    const level = (v: unknown): EnforcementLevel => {
      if (typeof v === "string" && (LEVELS as string[]).includes(v)) return v as EnforcementLevel;
      throw new Error(
        `${source}: "${name}" has enforcement level ${JSON.stringify(v)}; allowed: ${LEVELS.join(", ")}`,
      );
    };
    if (typeof value === "string") {
      out[name] = { enforcementLevel: level(value) };
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error(
        `${source}: "${name}" must be an enforcement level string or an object, got ${JSON.stringify(value)}`,
      );
    }
    const { enforcementLevel, ...settings } = value as Record<string, unknown>;
    const known = Object.keys(policy?.configSchema?.properties ?? {});
    for (const key of Object.keys(settings)) {
      if (!known.includes(key)) {
        throw new Error(
          `${source}: "${name}" has no setting "${key}"` +
            (known.length > 0 ? ` (its settings: ${known.join(", ")})` : " (it has no settings)"),
        );
      }
    }
    out[name] = {
      ...(enforcementLevel !== undefined ? { enforcementLevel: level(enforcementLevel) } : {}),
      ...settings,
    };
  }
  return out;
}

/** The enforcement level a policy runs at under a policy configuration (before remediate → mandatory). */
export function effectiveLevel(
  policy: Pick<PlanPolicy, "name" | "enforcementLevel">,
  config: PolicyConfig | undefined,
): EnforcementLevel {
  return (
    config?.[policy.name]?.enforcementLevel ??
    config?.all?.enforcementLevel ??
    policy.enforcementLevel ??
    "advisory"
  );
}

export interface PlannedResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  /** Inputs with secrets shown as "[secret]" and unknowns as "[unknown]". */
  inputs: Record<string, unknown>;
  custom: boolean;
  /** Outputs: mock state for custom resources, registered outputs for components (redacted). */
  outputs?: Record<string, unknown>;
  dependencies: string[];
}

export interface PlanViolation {
  policyName: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  urn?: string;
  description?: string;
}

export interface PlanDiagnostic {
  severity: "info" | "warn" | "error";
  message: string;
  /** `<type>::<name>` of the resource the message was logged against. */
  resource?: string;
}

export interface PlanResult {
  project: string;
  stack: string;
  resources: PlannedResource[];
  violations: PlanViolation[];
  /** Stack outputs (redacted). */
  outputs: Record<string, unknown>;
  /** Messages logged through `pulumi.log`. */
  diagnostics: PlanDiagnostic[];
  /** Names of the policies that ran. */
  policiesRun: string[];
  forecast: Forecast;
  /** With `lab`: errors that failed the deployment other than a failed step (which the hook reports). */
  deploymentErrors?: string[];
}

/** A function that declares resources (it may return stack outputs), or a Pulumi program directory. */
export type PlanProgram = (() => unknown) | string;

interface Recorded {
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  urn?: string;
  inputs: Record<string, unknown>;
  state?: Record<string, unknown>;
  registeredOutputs?: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  provider?: string;
  options: {
    protect: boolean;
    ignoreChanges: string[];
    deleteBeforeReplace?: boolean;
    additionalSecretOutputs: string[];
  };
}

const SECRET = "[secret]";
const STACK_TYPE = "pulumi:pulumi:Stack";
const UNKNOWN = "[unknown]";

// ---------------------------------------------------------------- project directory

interface LoadedProject {
  project: string;
  stack: string;
  main: string;
  config: Record<string, string>;
  secretKeys: string[];
  dir: string;
}

function loadYaml(file: string): Record<string, unknown> {
  // js-yaml ships with @pulumi/pulumi (a dependency of it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require("js-yaml") as { load(s: string): unknown };
  const doc = yaml.load(fs.readFileSync(file, "utf8"));
  return doc !== null && typeof doc === "object" ? (doc as Record<string, unknown>) : {};
}

function configString(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The marked stand-in for a secret that cannot be read offline (`secure:` ciphertext, or no value). */
export function placeholder(key: string): string {
  return `kms-plan-secret-placeholder(${key})`;
}

function qualify(project: string, key: string): string {
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
  const schema = (doc.config ?? {}) as Record<string, unknown>;
  for (const [key, spec] of Object.entries(schema)) {
    const q = qualify(project, key);
    if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
      const s = spec as Record<string, unknown>;
      if ("value" in s) config[q] = configString(s.value);
      else if ("default" in s) config[q] = configString(s.default);
      else if (s.secret === true) config[q] = placeholder(q); // a required secret: plan with a stand-in
      if (s.secret === true && q in config) secretKeys.push(q);
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
  return { project, stack, main: mainPath, config, secretKeys, dir: abs };
}

function ensureTypeScript(programDir: string): void {
  // Under jest (ts-jest) and `ts-node` the .ts hook is already there.
  if (process.env.JEST_WORKER_ID !== undefined) return;
  if (require.extensions[".ts"]) return;
  registerTypeScript(programDir);
}

/** True when the program's package.json says `"type": "module"` (Pulumi then imports it as ESM). */
function isEsmProject(dir: string): boolean {
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
type LoadWarning = (message: string) => void;

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

function programFromDirectory(p: LoadedProject, warn: LoadWarning): () => unknown {
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

// ---------------------------------------------------------------- values

/** Redacts a deserialized value: secret envelopes → "[secret]", unknowns → "[unknown]", resources → URN. */
export function redact(v: unknown, secrets?: Set<string>): unknown {
  if (v === pulumi.unknown) return UNKNOWN;
  if (isSecretEnvelope(v)) {
    if (secrets) {
      const inner = unwrapSecrets(v);
      // A secret leaf is scrubbed whatever it is. Secretness spreads to a whole object (an osProfile
      // holding a password is secret as a whole), so inside a secret object only the values under
      // secret-looking keys are scrubbed: computer names and user names stay readable in messages.
      if (typeof inner === "string") secrets.add(inner);
      else collectSecretLeaves(inner, secrets);
    }
    return SECRET;
  }
  if (Array.isArray(v)) return v.map((x) => redact(x, secrets));
  if (v !== null && typeof v === "object") {
    if (pulumi.Resource.isInstance(v))
      return `[resource ${(v as unknown as { __name?: string }).__name ?? ""}]`;
    if (pulumi.asset.Asset.isInstance(v) || pulumi.asset.Archive.isInstance(v)) return "[asset]";
    const r: Record<string, unknown> = {};
    for (const k of Object.keys(v)) r[k] = redact((v as Record<string, unknown>)[k], secrets);
    return r;
  }
  return v;
}

/** Keys whose values are secrets wherever they appear (passwords, keys, tokens, SSH stdin). */
const SECRET_KEY = /pass|secret|key|token|cred|stdin/i;

function collectSecretLeaves(v: unknown, into: Set<string>, underSecretKey = false): void {
  if (typeof v === "string") {
    if (underSecretKey && v.length > 0) into.add(v);
  } else if (Array.isArray(v)) {
    v.forEach((x) => collectSecretLeaves(x, into, underSecretKey));
  } else if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    // { name, value } pairs (Run Command protectedParameters): the value is the secret.
    const pair = typeof o.name === "string" && "value" in o;
    for (const [k, x] of Object.entries(o)) {
      collectSecretLeaves(x, into, underSecretKey || SECRET_KEY.test(k) || (pair && k === "value"));
    }
  }
}

/** What a policy sees: secrets unwrapped (as the engine does), unknowns as the policy SDK's sentinels. */
function policyValue(v: unknown, unknownSentinel: unknown): unknown {
  if (v === pulumi.unknown) return unknownSentinel;
  if (isSecretEnvelope(v)) return policyValue((v as { value: unknown }).value, unknownSentinel);
  if (Array.isArray(v)) return v.map((x) => policyValue(x, unknownSentinel));
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const r: Record<string, unknown> = {};
    for (const k of Object.keys(v))
      r[k] = policyValue((v as Record<string, unknown>)[k], unknownSentinel);
    return r;
  }
  return v;
}

function scrub(message: string, secrets: Set<string>): string {
  let m = message;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length > 0 && m.includes(s)) m = m.split(s).join(SECRET);
  }
  return m;
}

// ---------------------------------------------------------------- policies

class NotApplicable extends Error {}

/** The kms-guard policies (policy/policies.ts). */
export function packPolicies(): PlanPolicy[] {
  return defaultPolicies();
}

function defaultPolicies(): PlanPolicy[] {
  // Loaded lazily: the pack is another part of the project and plan() may run with explicit policies.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require("../policy/policies") as { policies?: PlanPolicy[] };
  if (!Array.isArray(mod.policies))
    throw new Error("kms-plan: policy/policies.ts does not export `policies`");
  return mod.policies;
}

function selectPolicies(selection: (PlanPolicy | string)[] | undefined): PlanPolicy[] {
  if (selection === undefined) return defaultPolicies();
  const names = selection.filter((p): p is string => typeof p === "string");
  const pack = names.length > 0 ? defaultPolicies() : [];
  return selection.map((p) => {
    if (typeof p !== "string") return p;
    const found = pack.find((q) => q.name === p);
    if (!found)
      throw new Error(
        `kms-plan: no policy named "${p}" in kms-guard (have: ${pack.map((q) => q.name).join(", ")})`,
      );
    return found;
  });
}

function pulumiTypeOf(o: unknown): string | undefined {
  const t = (o as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  return typeof t === "string" && t.length > 0 ? t : undefined;
}

function isTypeFn(type: string) {
  return (cls: unknown): boolean => {
    const t = pulumiTypeOf(cls);
    if (t) return t === type;
    const isInstance = (cls as { isInstance?: unknown })?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
  };
}

async function runPolicies(
  policies: PlanPolicy[],
  recorded: Recorded[],
  options: PlanOptions,
  secrets: Set<string>,
): Promise<PlanViolation[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(o: T): T;
    UnknownValueError: new (...a: never[]) => Error;
    unknownStringValue: unknown;
  };
  const violations: PlanViolation[] = [];
  const stackTags = new Map<string, string>();
  const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "Policy does not apply");
  };
  const propsOf = (v: Record<string, unknown>) =>
    proxy.unknownCheckingProxy(policyValue(v, proxy.unknownStringValue) as Record<string, unknown>);
  const optsOf = (r: Recorded) => ({
    protect: r.options.protect,
    ignoreChanges: r.options.ignoreChanges,
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: r.options.additionalSecretOutputs,
    ...(r.options.deleteBeforeReplace !== undefined
      ? { deleteBeforeReplace: r.options.deleteBeforeReplace }
      : {}),
    ...(r.parent ? { parent: r.parent } : {}),
  });

  for (const p of policies) {
    const configured = options.policyConfig?.[p.name] ?? {};
    let level: EnforcementLevel = effectiveLevel(p, options.policyConfig);
    if (level === "disabled") continue;
    if (level === "remediate") level = "mandatory";
    const defaults: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(p.configSchema?.properties ?? {}))
      if ("default" in s) defaults[k] = s.default;
    const { enforcementLevel: _ignored, ...configProps } = configured;
    const config = { ...defaults, ...configProps };
    const getConfig = () => config;

    const report =
      (defaultUrn: string | undefined) =>
      (message: unknown, urn?: string): void => {
        if (message !== null && typeof message === "object") {
          const m = message as {
            message?: string;
            description?: string;
            urn?: string;
            enforcementLevel?: EnforcementLevel;
          };
          violations.push({
            policyName: p.name,
            message: scrub(m.message ?? m.description ?? p.description ?? "", secrets),
            enforcementLevel: m.enforcementLevel ?? level,
            urn: m.urn ?? defaultUrn,
            description: p.description,
          });
          return;
        }
        violations.push({
          policyName: p.name,
          message: scrub(
            typeof message === "string" && message !== "" ? message : (p.description ?? ""),
            secrets,
          ),
          enforcementLevel: level,
          urn: urn ?? defaultUrn,
          description: p.description,
        });
      };
    const failed = (e: unknown, urn?: string): void => {
      if (e instanceof NotApplicable) return;
      if (e instanceof proxy.UnknownValueError) {
        violations.push({
          policyName: p.name,
          message: scrub(`can't run policy '${p.name}' during preview: ${e.message}`, secrets),
          enforcementLevel: "advisory",
          urn,
          description: p.description,
        });
        return;
      }
      // The engine fails the preview when a policy throws: report it as blocking.
      violations.push({
        policyName: p.name,
        message: scrub(
          `policy '${p.name}' failed: ${e instanceof Error ? e.message : String(e)}`,
          secrets,
        ),
        enforcementLevel: "mandatory",
        urn,
        description: p.description,
      });
    };

    if (p.validateResource) {
      const validations = Array.isArray(p.validateResource)
        ? p.validateResource
        : [p.validateResource];
      const onlyType = validations.length === 1 ? pulumiTypeOf(validations[0]) : undefined;
      for (const r of recorded) {
        if (onlyType && r.type !== onlyType) continue;
        const props = propsOf(r.inputs);
        const args = {
          type: r.type,
          props,
          urn: r.urn,
          name: r.name,
          opts: optsOf(r),
          stackTags,
          isType: isTypeFn(r.type),
          asType: (cls: unknown) => (isTypeFn(r.type)(cls) ? props : undefined),
          getConfig,
          notApplicable,
          ...(r.provider ? { provider: { urn: r.provider } } : {}),
        };
        for (const v of validations) {
          try {
            await v(args, report(r.urn));
          } catch (e) {
            failed(e, r.urn);
          }
        }
      }
    }
    if (p.validateStack) {
      const onlyType = pulumiTypeOf(p.validateStack);
      if (onlyType && !recorded.some((r) => r.type === onlyType)) continue;
      const byUrn = new Map<string, Record<string, unknown>>();
      const resources = recorded.map((r) => {
        const props = propsOf(r.custom ? (r.state ?? r.inputs) : (r.registeredOutputs ?? r.inputs));
        const res: Record<string, unknown> = {
          type: r.type,
          props,
          urn: r.urn,
          name: r.name,
          opts: optsOf(r),
          dependencies: [],
          propertyDependencies: {},
          isType: isTypeFn(r.type),
          asType: (cls: unknown) => (isTypeFn(r.type)(cls) ? props : undefined),
          ...(r.provider ? { provider: { urn: r.provider } } : {}),
        };
        byUrn.set(r.urn!, res);
        return res;
      });
      recorded.forEach((r, i) => {
        const res = resources[i];
        if (r.parent && byUrn.has(r.parent)) res.parent = byUrn.get(r.parent);
        res.dependencies = r.dependencies.map((d) => byUrn.get(d)).filter((d) => d !== undefined);
        const pd: Record<string, unknown[]> = {};
        for (const [k, list] of Object.entries(r.propertyDependencies)) {
          pd[k] = list.map((d) => byUrn.get(d)).filter((d) => d !== undefined);
        }
        res.propertyDependencies = pd;
      });
      try {
        await p.validateStack(
          { resources, getConfig, stackTags, notApplicable },
          report(undefined),
        );
      } catch (e) {
        failed(e);
      }
    }
  }
  return violations;
}

/**
 * Makes the forecast agree with the policies: each client is placed on the host the policies attribute
 * it to (by priority, or split by weight among hosts that share its domain), and a client that a
 * mandatory policy blocks, or whose host cannot be told, is not forecast, with the reason. The
 * threshold policy's own count findings are left to the forecast, which computes the same count.
 */
function agreeWithPolicies(
  spec: ForecastSpec,
  recorded: Recorded[],
  violations: PlanViolation[],
): ForecastSpec {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const common = require("../policy/common") as typeof import("../policy/common");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proxy = require("@pulumi/policy/proxy") as { unknownStringValue: unknown };
  const resources = recorded.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn!,
    props: policyValue(
      r.custom ? (r.state ?? r.inputs) : (r.registeredOutputs ?? r.inputs),
      proxy.unknownStringValue,
    ) as Record<string, unknown>,
    ...(r.parent ? { parent: { urn: r.parent } } : {}),
    propertyDependencies: Object.fromEntries(
      Object.entries(r.propertyDependencies).map(([k, urns]) => [k, urns.map((u) => ({ urn: u }))]),
    ),
  }));
  const view = common.readStack(resources);
  const attributions = new Map(
    common
      .attributeAll(view)
      .map(({ client, attribution }) => [client.name, { client, attribution }]),
  );
  // Clients of shared hosts: split by weight in declaration order (the host furthest below its share).
  const given = new Map<string, number>();
  const blocked = (name: string, urn: string): string | undefined => {
    for (const v of violations) {
      if (!isBlocking(v)) continue;
      if (
        v.policyName === "enforce-activation-threshold" &&
        !v.message.startsWith("Cannot decide")
      ) {
        continue;
      }
      const onClient = v.urn === urn;
      const named =
        v.urn !== undefined && v.message.includes(`"${name}"`) && /KmsHost::/.test(v.urn);
      if (onClient || named) return `blocked by ${v.policyName}: ${v.message}`;
    }
    return undefined;
  };
  return {
    hosts: spec.hosts,
    clients: spec.clients.map((c) => {
      const a = attributions.get(c.name);
      if (!a) return c;
      const why = blocked(c.name, a.client.urn);
      if (why) return { ...c, notForecast: why };
      const { attribution } = a;
      if (attribution.reason !== undefined) return { ...c, notForecast: attribution.reason };
      let host = attribution.host?.name;
      if (attribution.shared) {
        const members = attribution.shared.hosts;
        const total = members.reduce((n, m) => n + Math.max(0, m.weight), 0);
        const share = (m: (typeof members)[number]) =>
          total > 0 ? Math.max(0, m.weight) / total : 1 / members.length;
        const assigned = members.reduce((n, m) => n + (given.get(m.host.name) ?? 0), 0) + 1;
        const pick = [...members].sort(
          (x, y) =>
            (given.get(x.host.name) ?? 0) -
            assigned * share(x) -
            ((given.get(y.host.name) ?? 0) - assigned * share(y)),
        )[0];
        host = pick.host.name;
        given.set(host, (given.get(host) ?? 0) + 1);
      }
      return { ...c, host, kmsServer: undefined, lookupDomain: undefined };
    }),
  };
}

/** A resource as `evaluatePolicies` takes it (what plan() recorded, or hand-built). */
export interface PolicyInputResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  custom: boolean;
  /** What resource policies see (inputs). */
  inputs: Record<string, unknown>;
  /** What stack policies see (outputs); default: the inputs. */
  outputs?: Record<string, unknown>;
  dependencies?: string[];
}

/** Runs policies over given resources exactly as plan() does (no program, no mocks). */
export function evaluatePolicies(
  policies: PlanPolicy[],
  resources: PolicyInputResource[],
  options: Pick<PlanOptions, "policyConfig"> = {},
): Promise<PlanViolation[]> {
  const recorded: Recorded[] = resources.map((r) => ({
    type: r.type,
    name: r.name,
    custom: r.custom,
    parent: r.parent,
    urn: r.urn,
    inputs: r.inputs,
    state: r.custom ? r.outputs : undefined,
    registeredOutputs: r.custom ? undefined : r.outputs,
    dependencies: r.dependencies ?? [],
    propertyDependencies: {},
    options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [] },
  }));
  return runPolicies(policies, recorded, options, new Set());
}

// ---------------------------------------------------------------- the run

let queue: Promise<unknown> = Promise.resolve();

/** Plans a program offline. See the file comment for what it does. */
export function plan(program: PlanProgram, options: PlanOptions = {}): Promise<PlanResult> {
  const run = queue.then(() => withoutStackCapture(() => planOnce(program, options)));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * The Pulumi SDK records `new Error().stack` for every promise it creates (for its leak report), and
 * under ts-node every such stack goes through source-map-support: more than half of a large plan's time.
 * A plan has no use for those stacks, so capture is off while it runs (error messages are unchanged;
 * `KMS_PLAN_STACK_TRACES=1` keeps stacks for debugging the plan itself).
 */
async function withoutStackCapture<T>(run: () => Promise<T>): Promise<T> {
  if (process.env.KMS_PLAN_STACK_TRACES === "1") return run();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

interface MonitorLike {
  registerResource(
    req: RegisterRequest,
    cb: (err: unknown, resp?: RegisterResponse) => void,
  ): unknown;
  registerResourceOutputs(
    req: { getUrn(): string; getOutputs(): unknown },
    cb: (err: unknown) => void,
  ): unknown;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void;
  };
  getProvider(): string;
  getProtect?(): boolean;
  getIgnorechangesList?(): string[];
  getDeletebeforereplacedefined?(): boolean;
  getDeletebeforereplace?(): boolean;
  getAdditionalsecretoutputsList?(): string[];
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): unknown;
}

async function planOnce(program: PlanProgram, options: PlanOptions): Promise<PlanResult> {
  const loaded = typeof program === "string" ? loadProject(program, options.stack) : undefined;
  const project = options.project ?? loaded?.project ?? "project";
  const stack = options.stack ?? loaded?.stack ?? "stack";
  const loadWarnings: string[] = [];
  const fn = loaded
    ? programFromDirectory(loaded, (m) => loadWarnings.push(m))
    : (program as () => unknown);
  const policies = selectPolicies(options.policies);

  // Config: project defaults and stack file, then the caller's.
  const config: Record<string, string> = { ...(loaded?.config ?? {}) };
  const secretKeys = new Set(loaded?.secretKeys ?? []);
  for (const [key, v] of Object.entries(options.config ?? {})) {
    const q = qualify(project, key);
    if (isSecretConfig(v)) {
      config[q] = v.value;
      secretKeys.add(q);
    } else {
      config[q] = configString(v);
      secretKeys.delete(q);
    }
  }
  const secrets = new Set<string>();
  for (const k of secretKeys) if (config[k]) secrets.add(config[k]);

  // Fresh mocks and monitor.
  const mocks = createPlanMocks({
    clientsPendingAtSetup: options.clientsPendingAtSetup,
    lab: options.lab,
  });
  await pulumi.runtime.setMocks(
    { newResource: (a) => mocks.newResource(a), call: (a) => mocks.call(a) },
    project,
    stack,
    options.preview ?? false,
  );
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const recorded: Recorded[] = [];
  const byUrn = new Map<string, Recorded>();
  const deserialize = (s: unknown) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    pulumi.runtime.deserializeProperties(s as any, true) as Record<string, unknown>;
  const typeOfUrn = (urn: string) => urn.split("::")[2]?.split("$").pop();

  const originalRegister = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      propertyDependencies[k] = v.getUrnsList();
    });
    const rec: Recorded = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      inputs: deserialize(req.getObject()),
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      provider: req.getProvider() || undefined,
      options: {
        protect: req.getProtect?.() ?? false,
        ignoreChanges: req.getIgnorechangesList?.() ?? [],
        deleteBeforeReplace: req.getDeletebeforereplacedefined?.()
          ? req.getDeletebeforereplace?.()
          : undefined,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList?.() ?? [],
      },
    };
    recorded.push(rec);
    mocks.setParentType(
      rec.type,
      rec.name,
      rec.parent ? typeOfUrn(rec.parent) : undefined,
      rec.parent,
    );
    return originalRegister(req, (err, resp) => {
      if (!err && resp) {
        rec.urn = resp.getUrn();
        byUrn.set(rec.urn, rec);
        if (rec.custom) rec.state = deserialize(resp.getObject());
      }
      cb(err, resp);
    });
  };
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const rec = byUrn.get(req.getUrn());
    if (rec) rec.registeredOutputs = deserialize(req.getOutputs());
    return originalOutputs(req, cb);
  };

  // Capture pulumi.log and failures that surface only as unhandled rejections.
  const diagnostics: PlanDiagnostic[] = [];
  const log = pulumi.log as unknown as Record<string, unknown>;
  const saved = { info: log.info, warn: log.warn, error: log.error };
  for (const severity of ["info", "warn", "error"] as const) {
    log[severity] = (msg: string, resource?: { __name?: string; __pulumiType?: string }) => {
      diagnostics.push({
        severity,
        message: msg,
        ...(resource?.__name
          ? { resource: `${resource.__pulumiType ?? ""}::${resource.__name}` }
          : {}),
      });
      return Promise.resolve();
    };
  }
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  // If the event loop empties while registrations still wait (a dependency cycle, an output that never
  // resolves), the run can never finish: fail instead of letting the process exit silently.
  let onStall: () => void = () => undefined;
  const stalled = new Promise<never>((_, reject) => {
    onStall = () =>
      reject(
        new Error(
          "the program's resource registrations never completed: a resource waits on a dependency that never " +
            "registers (a cycle through dependsOn on a component, or an output that never resolves)",
        ),
      );
  });
  stalled.catch(() => undefined);
  process.once("beforeExit", onStall);
  const cwd = process.cwd();
  let stackOutputs: Record<string, unknown> = {};
  let programError: unknown;
  let stopWatching: (() => void) | undefined;
  try {
    if (loaded) process.chdir(loaded.dir);
    // A program error is caught inside the stack so that it does not also reject every output that
    // depends on the stack (unhandled rejections); it is rethrown once the run settled.
    const run = pulumi.runtime.runInPulumiStack(async () => {
      try {
        return await fn();
      } catch (e) {
        programError = e ?? new Error("the program failed");
        return {};
      }
    });
    // With a lab, a failed step fails the deployment: what waited for it never registers (in `pulumi up`
    // the engine stops the program), so the run ends once nothing moves any more.
    const lab = options.lab;
    const ended = lab ? whenFailedAndQuiet(lab, rejections, () => recorded.length) : undefined;
    stopWatching = ended?.stop;
    const settle = <T>(p: Promise<T>): Promise<T | undefined> =>
      lab ? p.catch((e: unknown) => void rejections.push(e)) : p;
    const ends = ended ? [stalled, ended.promise] : [stalled];
    stackOutputs = ((await Promise.race([settle(run), ...ends])) ?? {}) as Record<string, unknown>;
    // Let every registration (and the stack's outputs) finish, also after a failure, so that nothing
    // of this run reaches the next one.
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> })
      .waitForRPCs;
    if (waitForRPCs) await Promise.race([settle(waitForRPCs()), ...ends]);
    await new Promise((r) => setImmediate(r));
  } finally {
    stopWatching?.();
    process.off("beforeExit", onStall);
    if (loaded) process.chdir(cwd);
    process.off("unhandledRejection", onRejection);
    Object.assign(log, saved);
  }
  if (programError !== undefined) throw programError;
  if (rejections.length > 0 && !options.lab) {
    const e = rejections[0];
    throw e instanceof Error ? e : new Error(String(e));
  }

  const done = recorded.filter((r) => r.urn !== undefined);
  for (const m of loadWarnings) diagnostics.push({ severity: "warn", message: m });
  if (!done.some((r) => r.type !== STACK_TYPE)) {
    diagnostics.push({ severity: "warn", message: NOTHING_DECLARED });
  }
  // Stack outputs are plain values (the Stack resource registered them); redact from the recorded copy.
  const stackRec = done.find((r) => r.type === STACK_TYPE);
  const resources: PlannedResource[] = done.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn!,
    ...(r.parent ? { parent: r.parent } : {}),
    inputs: redact(r.inputs, secrets) as Record<string, unknown>,
    custom: r.custom,
    ...(r.custom
      ? { outputs: redact(r.state ?? {}, secrets) as Record<string, unknown> }
      : r.registeredOutputs
        ? { outputs: redact(r.registeredOutputs, secrets) as Record<string, unknown> }
        : {}),
    dependencies: r.dependencies,
  }));
  const violations = await runPolicies(policies, done, options, secrets);

  const summaries = <T>(type: string): T[] =>
    done
      .filter((r) => r.type === type)
      .map((r) => unwrapSecrets(r.inputs.summary) as T)
      .filter((s) => s !== undefined && s !== null && typeof s === "object");
  const spec = specFromSummaries(
    summaries<KmsHostSummary>(KMS_HOST_TYPE),
    summaries<KmsClientSummary>(KMS_CLIENT_TYPE),
  );
  const fc = forecast(agreeWithPolicies(spec, done, violations));

  return {
    project,
    stack,
    resources,
    violations,
    outputs: stackRec?.registeredOutputs
      ? (redact(stackRec.registeredOutputs, secrets) as Record<string, unknown>)
      : (redact(stackOutputs, secrets) as Record<string, unknown>),
    diagnostics: diagnostics.map((d) => ({ ...d, message: scrub(d.message, secrets) })),
    policiesRun: policies
      .filter((p) => effectiveLevel(p, options.policyConfig) !== "disabled")
      .map((p) => p.name),
    forecast: fc,
    ...(options.lab
      ? {
          deploymentErrors: [
            ...new Set(
              rejections.map((e) => scrub(e instanceof Error ? e.message : String(e), secrets)),
            ),
          ],
        }
      : {}),
  };
}

/** The diagnostic of a program that registered nothing besides its stack. */
export const NOTHING_DECLARED =
  "the program registered no resource besides its stack, so no policy had anything to check. Is the program's " +
  "entry point right (Pulumi.yaml main, package.json main), and does it declare its resources when loaded " +
  "(`export = async () => { … }` is called; a CommonJS `export default` function is not)?";

/** True when the plan has nothing besides the stack resource: no policy checked anything. */
export function isEmptyPlan(result: Pick<PlanResult, "resources">): boolean {
  return !result.resources.some((r) => r.type !== STACK_TYPE);
}

/**
 * Resolves once a rehearsal's deployment failed (a failed step, or a rejection) and nothing moves: no step runs in the lab
 * and neither registrations nor finished steps advanced for three checks 100 ms apart. Rejects when
 * nothing moves for 10 s without a failure (a registration that waits forever). Its timer keeps the
 * process alive, so this replaces the empty-event-loop check while it runs.
 */
function whenFailedAndQuiet(
  lab: LabHook,
  rejections: unknown[],
  registrations: () => number,
): { promise: Promise<undefined>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<undefined>((resolve, reject) => {
    let last = -1;
    let quiet = 0;
    timer = setInterval(() => {
      const activity = lab.activity?.() ?? { running: 0, finished: 0, failed: 0 };
      const progress = registrations() + activity.finished;
      quiet = activity.running === 0 && progress === last ? quiet + 1 : 0;
      last = progress;
      const failed = rejections.length > 0 || activity.failed > 0;
      if (failed && quiet >= 3) resolve(undefined);
      else if (quiet >= 100) {
        reject(
          new Error(
            "the program's resource registrations never completed: a resource waits on a dependency that never " +
              "registers (a cycle through dependsOn on a component, or an output that never resolves)",
          ),
        );
      }
    }, 100);
  });
  promise.catch(() => undefined);
  return { promise, stop: () => clearInterval(timer) };
}

/** True when a violation blocks a deployment (mandatory; remediate is reported as mandatory). */
export function isBlocking(v: PlanViolation): boolean {
  return v.enforcementLevel === "mandatory" || v.enforcementLevel === "remediate";
}
