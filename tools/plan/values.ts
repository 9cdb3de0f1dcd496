/**
 * Values as plan() reports them: secrets shown as "[secret]", unknowns as "[unknown]", resources as
 * their URN; secret values a policy message repeats are scrubbed.
 */

import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope, unwrapSecrets } from "./mocks";
import { SECRET, UNKNOWN } from "./types";

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

export function collectSecretLeaves(v: unknown, into: Set<string>, underSecretKey = false): void {
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
export function policyValue(v: unknown, unknownSentinel: unknown): unknown {
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

export function scrub(message: string, secrets: Set<string>): string {
  let m = message;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length > 0 && m.includes(s)) m = m.split(s).join(SECRET);
  }
  return m;
}
