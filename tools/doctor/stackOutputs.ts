/** Reading `pulumi stack output --json` of the reference stack: the fields the doctor checks against. */
import * as fs from "node:fs";
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";
import { CONTEXT, VLMCS_PREFIX } from "./types";
import type { StackOutputs } from "./types";

/** Reads the fields the doctor needs from `pulumi stack output --json` (already parsed). */
export function parseStackOutputs(value: unknown, argument = "--stack-outputs"): StackOutputs {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KmsConfigError(
      argument,
      showValue(value),
      "the JSON object printed by `pulumi stack output --json`",
      CONTEXT,
    );
  }
  const source = value as Record<string, unknown>;
  const out: StackOutputs = {};
  for (const key of ["kmsServer", "srvRecordName", "hostPrivateIp", "dnsZoneName"] as const) {
    const v = source[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string")
      throw new KmsConfigError(`${argument} ${key}`, showValue(v), "a string", CONTEXT);
    out[key] = v;
  }
  if (
    out.kmsServer === undefined &&
    out.srvRecordName === undefined &&
    out.dnsZoneName === undefined
  ) {
    throw new KmsConfigError(
      argument,
      `an object with keys ${showValue(Object.keys(source))}`,
      "stack outputs with kmsServer, srvRecordName or dnsZoneName: export them from your program " +
        "(`export const kmsServer = host.kmsServer;`, `export const srvRecordName = host.srvRecordName;`), " +
        "as the reference stack does",
      CONTEXT,
    );
  }
  return out;
}

/** Reads and parses a stack outputs file. */
export function readStackOutputs(file: string): StackOutputs {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new KmsConfigError(
      "--stack-outputs",
      showValue(file),
      `a readable file (${(e as Error).message})`,
      CONTEXT,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KmsConfigError(
      "--stack-outputs",
      showValue(file),
      "a JSON file written by `pulumi stack output --json`",
      CONTEXT,
    );
  }
  return parseStackOutputs(parsed);
}

/** The domain clients search for the stack's record: the SRV name without `_vlmcs._tcp.`, else the zone. */
export function stackDomain(outputs: StackOutputs): string | undefined {
  const srv = outputs.srvRecordName?.trim().replace(/\.$/, "");
  if (srv && srv.toLowerCase().startsWith(`${VLMCS_PREFIX}.`))
    return srv.slice(VLMCS_PREFIX.length + 1);
  const zone = outputs.dnsZoneName?.trim().replace(/\.$/, "");
  return zone || undefined;
}
