/**
 * Validation of plain input values, run at construction before any child resource is registered.
 *
 * Every validator takes the argument's name as the user wrote it (`port`, `dns.zoneName`,
 * `hosts[1].weight`) and the value, returns the normalised value, and throws a `KmsConfigError` that
 * names the argument, shows the value (product keys only by their last five characters) and says what
 * is allowed. Values that are not known yet (Outputs, Promises) are not validated here: pass them
 * through `plainValue` first and skip `undefined`; the scripts check them again at run time.
 *
 * One file per kind of value: numbers.ts, names.ts, prefixes.ts, keys.ts; this file holds `plainValue`.
 */
import * as pulumi from "@pulumi/pulumi";

// ---------------------------------------------------------------- plain values

function isUnknown(value: unknown): boolean {
  if (pulumi.Output.isInstance(value)) return true;
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function containsUnknown(value: unknown, depth: number): boolean {
  if (isUnknown(value)) return true;
  if (depth > 8) return false;
  if (Array.isArray(value)) return value.some((v) => containsUnknown(v, depth + 1));
  if (isPlainObject(value)) return Object.values(value).some((v) => containsUnknown(v, depth + 1));
  return false;
}

/**
 * The value itself when it is plain and known (no Output or Promise anywhere inside its arrays and
 * plain objects), else `undefined`: callers validate what they can see and skip the rest.
 */
export function plainValue<T>(input: pulumi.Input<T> | T | undefined): T | undefined {
  if (input === undefined || containsUnknown(input, 0)) return undefined;
  return input as T;
}

export * from "./numbers";
export * from "./names";
export * from "./prefixes";
export * from "./keys";
export * from "./tags";
export { checkArgKeys, didYouMean, editDistance } from "./unknownKeys";
