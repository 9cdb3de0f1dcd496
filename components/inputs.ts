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

/**
 * `pulumi.all(values).apply(fn)`, with one Output instead of four or more when only one value is an
 * Output. `pulumi.all` and `pulumi.output` copy each Output they are given twice (a new Output and an
 * apply), and each Output of the SDK chains about ten promises: per client of a host, such copies were
 * most of the applies a plan made (tests/components.planWork.test.ts, docs/benchmarks.md). When one value is an
 * Output and the others are plain scalars or undefined, `fn` runs in that Output's own `apply`: the same
 * value, secretness, known-ness and resources as through `pulumi.all`. Anything else (a Promise, an
 * object or array that may hold Outputs, several Outputs) goes through `pulumi.all`.
 */
export function applyAll<A extends readonly unknown[], R>(
  values: A,
  fn: (resolved: { -readonly [K in keyof A]: pulumi.Unwrap<A[K]> }) => R,
): pulumi.Output<R> {
  type T = { -readonly [K in keyof A]: pulumi.Unwrap<A[K]> };
  const outputs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (pulumi.Output.isInstance(v)) outputs.push(i);
    else if (v !== null && (typeof v === "object" || typeof v === "function")) outputs.push(-1);
  }
  if (outputs.length !== 1 || outputs[0] < 0) {
    return pulumi
      .all(values as unknown as pulumi.Input<unknown>[])
      .apply((r) => fn(r as unknown as T));
  }
  const at = outputs[0];
  return (values[at] as pulumi.Output<unknown>).apply((v) => {
    const resolved = [...values] as unknown[];
    resolved[at] = v;
    return fn(resolved as unknown as T);
  });
}
