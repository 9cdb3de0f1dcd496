/**
 * Unknown arguments: `windowsServerVerison: "2025"` or `reArm: true` would otherwise be ignored without a
 * word (JavaScript, YAML and other-language programs have no type check to catch them, and kms-plan does
 * not type-check either). Every key of a component's args, and of each nested object (azureVm, ssh, dns,
 * externalClients, office[i], hosts[i]), must be a member of its args interface; the interfaces are read
 * as they are declared (argShapes.ts), so a new argument needs no list edit here.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";
import { argShapes } from "./argShapes";
import type { ArgShapes } from "./argShapes";

/** Edit distance (optimal string alignment: insertions, deletions, substitutions, adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The allowed name closest to `key` (case ignored), when it is close enough to be a typo: at most a third
 * of the name's letters differ (at least 2 allowed), or one name contains the other.
 */
export function didYouMean(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of allowed) {
    const n = name.toLowerCase();
    const distance = editDistance(k, n);
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(best.name.length / 3));
  if (best.distance <= limit) return best.name;
  const contained = allowed.find(
    (n) => k.length >= 4 && (n.toLowerCase().includes(k) || k.includes(n.toLowerCase())),
  );
  return contained;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || pulumi.Output.isInstance(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** How an unknown key's value is shown: never a string (it may be a secret), only its kind. */
function shown(value: unknown): string {
  if (typeof value === "boolean" || typeof value === "number" || value === null) {
    return showValue(value);
  }
  if (typeof value === "string") return "a string (not shown: it may be a secret)";
  if (value === undefined) return "undefined";
  return pulumi.Output.isInstance(value)
    ? "an Output"
    : `a ${Array.isArray(value) ? "list" : typeof value}`;
}

function checkObject(
  shapes: ArgShapes,
  interfaceName: string,
  what: string,
  value: Record<string, unknown>,
  prefix: string,
  explained: readonly string[],
): void {
  const shape = shapes.get(interfaceName);
  if (shape === undefined) return;
  const allowed = [...shape.keys()];
  for (const key of Object.keys(value)) {
    const member = shape.get(key);
    if (member === undefined) {
      if (explained.includes(key)) continue;
      const guess = didYouMean(key, allowed);
      throw new KmsConfigError(
        `${prefix}${key}`,
        `an unknown argument (${shown(value[key])})`,
        `an argument ${what} takes${guess ? `: did you mean "${prefix}${guess}"?` : ""} (${what}'s arguments: ${allowed.join(", ")}; a misspelt one would be ignored without a word)`,
      );
    }
    const v = value[key];
    if (member.nested === undefined) continue;
    const nestedWhat = `${prefix}${key}`;
    if (member.list && Array.isArray(v)) {
      v.forEach((item, i) => {
        if (isPlainObject(item)) {
          checkObject(
            shapes,
            member.nested!,
            `${nestedWhat}[${i}]`,
            item,
            `${nestedWhat}[${i}].`,
            [],
          );
        }
      });
    } else if (!member.list && isPlainObject(v)) {
      checkObject(shapes, member.nested, nestedWhat, v, `${nestedWhat}.`, []);
    }
  }
}

/**
 * Throws a KmsConfigError for the first key of `args` (or of a nested object) that its args interface
 * does not declare, with the closest declared name. `component` names the component in the message
 * (`KmsHost`); `explained` lists keys that a later check refuses with a message of its own.
 */
export function checkArgKeys(
  interfaceName: string,
  component: string,
  args: unknown,
  explained: readonly string[] = [],
): void {
  const shapes = argShapes();
  if (shapes === undefined || !isPlainObject(args)) return;
  checkObject(shapes, interfaceName, component, args, "", explained);
}
