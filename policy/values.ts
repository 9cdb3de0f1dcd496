/**
 * Plain values from what the engine hands a policy: props that may be wrapped in `unknownCheckingProxy`
 * at preview (values unknown at preview become `UNKNOWN`), and a policy's config with its defaults.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import * as policyProxy from "@pulumi/policy/proxy";

/** Marks a value the engine reported as unknown during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown at preview");
export type Unknown = typeof UNKNOWN;

interface ProxyModule {
  unknownBooleanValue?: string;
  unknownNumberValue?: string;
  unknownStringValue?: string;
  unknownArrayValue?: string;
  unknownAssetValue?: string;
  unknownArchiveValue?: string;
  unknownObjectValue?: string;
}

/**
 * The engine's sentinels for values unknown at preview (the same strings in every Pulumi SDK; read from
 * `@pulumi/policy/proxy` when it has them, whose typings hide them).
 */
const SENTINELS: ReadonlySet<unknown> = new Set<unknown>(
  [
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    ...Object.values(policyProxy as unknown as ProxyModule),
  ].filter((v) => typeof v === "string"),
);

/** True for the `UnknownValueError` the preview proxy throws when an unknown value is touched. */
export function isUnknownValueError(e: unknown): boolean {
  return (
    typeof e === "object" &&
    e !== null &&
    "unknownTypeSentinel" in e &&
    Array.isArray((e as { props?: unknown }).props)
  );
}

function readProperty(obj: object, key: string | number, unknownAs: unknown): unknown {
  try {
    return convert((obj as Record<string | number, unknown>)[key], unknownAs);
  } catch (e) {
    if (isUnknownValueError(e)) return unknownAs;
    throw e;
  }
}

/**
 * A plain deep copy of props as the engine gives them: values unknown at preview (whether the proxy
 * throws for them or they are raw sentinels) become `unknownAs` (`UNKNOWN` by default).
 */
export function toPlain(value: unknown, ...as: [unknownAs?: unknown]): unknown {
  return convert(value, as.length > 0 ? as[0] : UNKNOWN);
}

// (`unknownAs` is a rest parameter above: a default parameter would turn an explicit `undefined` into UNKNOWN.)
function convert(value: unknown, unknownAs: unknown): unknown {
  if (SENTINELS.has(value)) return unknownAs;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    const length = readProperty(value, "length", 0) as number;
    for (let i = 0; i < length; i++) out.push(readProperty(value, i, unknownAs));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = readProperty(value, key, unknownAs);
  return out;
}

/** One property of props, as a plain value (`UNKNOWN` when not known at preview). */
export function plainProperty(props: unknown, key: string, ...as: [unknownAs?: unknown]): unknown {
  if (props === null || typeof props !== "object") return undefined;
  return readProperty(props, key, as.length > 0 ? as[0] : UNKNOWN);
}

export function isKnownString(v: unknown): v is string {
  return typeof v === "string" && !SENTINELS.has(v);
}

export function isKnownNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

// ---------------------------------------------------------------- config

type ConfigValue = string | number | boolean | null | ConfigValue[] | { [k: string]: ConfigValue };

/** The policy's config with the `configSchema` defaults filled in (the engine may not have done it). */
export function configWithDefaults<T>(
  schema: PolicyConfigSchema | undefined,
  getConfig: () => unknown,
): T {
  let given: Record<string, unknown> = {};
  try {
    const c = getConfig();
    if (c && typeof c === "object") given = c as Record<string, unknown>;
  } catch {
    given = {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
    const value = given[key] ?? (prop as { default?: ConfigValue }).default;
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
