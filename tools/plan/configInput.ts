/**
 * Config given to kms-plan on its command line, for users without the Pulumi CLI (and so without
 * `pulumi config set`):
 * - `--config key=value` (repeatable): a plain value, like `pulumi config set key value`;
 * - `--config-secret key=value` (repeatable): a secret, like `pulumi config set --secret key value`;
 * - `--config-file file`: a YAML (or JSON) file shaped like Pulumi.<stack>.yaml (`config:` block, or the
 *   keys at the top). A `secure:` value (Pulumi's ciphertext) cannot be read offline and is planned with
 *   the placeholder secret; `{ secret: value }` gives a secret in clear text (kms-plan's own form, for a
 *   file that CI writes from its secret store).
 * A key that Pulumi.yaml declares `secret: true` is a secret however it is given. Secrets are redacted
 * from everything kms-plan prints.
 */
import * as fs from "fs";
import type { Command } from "commander";
import { placeholder } from "./load";
import { secretConfig } from "./types";
import type { PlanConfigValue } from "./types";

/** `key=value` pairs as given (`--config a=1 --config b=2`); the value may hold `=`. */
export function parseConfigPairs(
  pairs: readonly string[],
  flag: string,
  secret: boolean,
): Record<string, PlanConfigValue> {
  const config: Record<string, PlanConfigValue> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const key = at < 0 ? "" : pair.slice(0, at).trim();
    if (at <= 0 || key === "") {
      // Never echo a secret's value: show the key part only.
      const shown = secret ? "a value without key=" : JSON.stringify(pair);
      throw new Error(`${flag} takes key=value (e.g. ${flag} location=westeurope); got ${shown}`);
    }
    const value = pair.slice(at + 1);
    config[key] = secret ? secretConfig(value) : value;
  }
  return config;
}

function loadYamlText(text: string): unknown {
  // js-yaml is a dependency of this package (and of @pulumi/pulumi); YAML is a superset of JSON.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require("js-yaml") as { load(s: string): unknown };
  return yaml.load(text);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The values of a config file: a Pulumi.<stack>.yaml (its `config:` block) or a plain map of keys, in
 * YAML or JSON. `secure:` values (ciphertext) come back as the placeholder secret.
 */
export function readConfigFile(file: string): Record<string, PlanConfigValue> {
  let doc: unknown;
  try {
    doc = loadYamlText(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(
      `--config-file ${file}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`,
    );
  }
  const block = isObject(doc) && isObject(doc.config) ? doc.config : doc;
  if (!isObject(block)) {
    throw new Error(
      `--config-file ${file}: expected a map of config keys (as in Pulumi.<stack>.yaml: "config:" then "  project:key: value")`,
    );
  }
  const config: Record<string, PlanConfigValue> = {};
  for (const [key, v] of Object.entries(block)) {
    if (isObject(v) && Object.keys(v).length === 1 && "secure" in v) {
      config[key] = secretConfig(placeholder(key));
    } else if (isObject(v) && Object.keys(v).length === 1 && "secret" in v) {
      const s = v.secret;
      config[key] = secretConfig(typeof s === "string" ? s : JSON.stringify(s));
    } else if (v !== null && v !== undefined) config[key] = v as PlanConfigValue;
  }
  return config;
}

/** commander's collector for a repeatable option. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds --config, --config-secret and --config-file to kms-plan's command line. */
export function addConfigOptions(program: Command): void {
  program
    .option(
      "-c, --config <key=value>",
      "a config value, as `pulumi config set key value` would set it (repeatable; overrides the stack file)",
      collect,
      [] as string[],
    )
    .option(
      "--config-secret <key=value>",
      "a secret config value, as `pulumi config set --secret` would set it (repeatable; never printed). A required secret with no value is planned with a placeholder",
      collect,
      [] as string[],
    )
    .option(
      "--config-file <file>",
      "config values from a YAML or JSON file shaped like Pulumi.<stack>.yaml (its config: block); `secure:` values are planned with a placeholder, `{ secret: value }` is a secret",
    );
}
