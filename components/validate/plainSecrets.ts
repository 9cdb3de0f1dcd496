/**
 * Secrets written as plain strings in a program: a host key, a password, a private key, a pack URL with
 * a SAS token. The components send each as a secret anyway (protected parameters, `pulumi.secret`), but
 * the value is in the program's source and in the history of whoever keeps it: the component warns and
 * says how to pass it as a secret instead. A value that is an Output (`pulumi.secret(…)`,
 * `cfg.requireSecret(…)`) is not plain and gets no warning.
 */
import * as pulumi from "@pulumi/pulumi";
import { plainValue } from "./index";

/** How to pass a secret, for the config key `key`. */
export function secretAdvice(key: string): string {
  return (
    `pass it as a secret instead: cfg.requireSecret("${key}") with the value set by ` +
    `\`pulumi config set --secret ${key}\` (kms-plan: --config-secret ${key}=…), or pulumi.secret(value)`
  );
}

/** The warning for a plain secret (`what`: "the KMS host key", "a URL with a query string (a SAS token?)"). */
export function plainSecretWarning(argument: string, what: string, key: string): string {
  return (
    `${argument} is ${what} written as a plain string. It travels as a secret, but it is in your ` +
    `program's source: ${secretAdvice(key)}.`
  );
}

/** True when the input is a plain, known, non-empty string (not an Output or a Promise). */
export function isPlainString(input: unknown): boolean {
  const v = plainValue(input as pulumi.Input<unknown>);
  return typeof v === "string" && v.trim() !== "";
}

/**
 * Warns (pulumi.log.warn) for each of the given inputs that is a plain string. `context` names the
 * component (`KmsHost "kms"`); each entry is [argument, input, what, config key].
 */
export function warnOfPlainSecrets(
  context: string,
  entries: readonly [argument: string, input: unknown, what: string, key: string][],
  resource?: pulumi.Resource,
): void {
  for (const [argument, input, what, key] of entries) {
    if (isPlainString(input)) {
      void pulumi.log.warn(`${context}: ${plainSecretWarning(argument, what, key)}`, resource);
    }
  }
}
