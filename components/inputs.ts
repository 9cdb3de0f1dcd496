import * as pulumi from "@pulumi/pulumi";
import { KmsConfigError } from "pulumi-kms-activation-catalog";
import { plainValue } from "./validate";

/**
 * Runs `check` on the input when it is a plain, known value and returns what it returns; undefined when
 * the input is absent or not known yet (an Output or a Promise). Values unknown here are checked by the
 * scripts on the machine, with the same wording.
 */
export function known<T, R>(input: pulumi.Input<T> | undefined, check: (v: T) => R): R | undefined {
  const v = plainValue(input) as T | undefined;
  return v === undefined ? undefined : check(v);
}

/** The default when the input was not given at all; undefined when it was given but is not known yet. */
export function knownDefault<T>(input: unknown, fallback: T): T | undefined {
  return input === undefined ? fallback : undefined;
}

/** A plain boolean (known at construction), or the default; anything else is a KmsConfigError. */
export function plainBoolean(argument: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new KmsConfigError(
      argument,
      JSON.stringify(value) ?? String(value),
      "a plain true or false",
    );
  }
  return value;
}

/** Runs `build` and prefixes any KmsConfigError with the component it belongs to. */
export function withContext<T>(context: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    throw e instanceof KmsConfigError ? e.withContext(context) : e;
  }
}
