/** Reading what steps return and what the state directory keeps. */
import * as fs from "fs";
import * as path from "path";
import type { RemoteOutcome } from "../plan/mocks";
import { placeholder } from "../plan";
import { LICENSE_STATUS_NAMES, resultObject } from "../../components/scripts";

const PLACEHOLDER_PREFIX = placeholder("").replace(/\)$/, "");
const STEPS_FILE = "rehearsal-steps.json";

/** A placeholder as planned, or as the components send it encoded (`base64:…`, see encodeParameterValue). */
export function isPlaceholder(v: string): boolean {
  const text = v.startsWith("base64:") ? Buffer.from(v.slice(7), "base64").toString("utf8") : v;
  return text.startsWith(PLACEHOLDER_PREFIX);
}

export function licenseStatusName(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number") return LICENSE_STATUS_NAMES[v] ?? "Unknown";
  return undefined;
}

/** The result object of a script output, read as the components read it. */
export const resultLine = resultObject;

export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** Adds what a step changed on a machine to what changed there before (no repeats, in order). */
export function addChanged(
  byMachine: Map<string, string[]>,
  machine: string,
  changed: string[],
): void {
  const list = byMachine.get(machine) ?? [];
  for (const c of changed) if (!list.includes(c)) list.push(c);
  byMachine.set(machine, list);
}

/** A failed step's message: the script's own, else the error output, else the output's last lines. */
export function failureMessage(
  outcome: RemoteOutcome,
  result: Record<string, unknown> | undefined,
): string {
  return (
    (typeof result?.message === "string" && result.message) ||
    outcome.error.trim() ||
    outcome.output.trim().split(/\r?\n/).slice(-3).join("\n") ||
    `exit code ${outcome.exitCode}`
  );
}

export interface StoredStep {
  digest: string;
  machine: string;
  outcome: RemoteOutcome;
}

export function readSteps(stateDir: string | undefined): Record<string, StoredStep> {
  if (!stateDir) return {};
  const file = path.join(stateDir, STEPS_FILE);
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, StoredStep>;
  } catch {
    return {};
  }
}

/** Keeps the steps' last inputs; steps not registered this time keep theirs (the engine would delete them). */
export function writeSteps(stateDir: string, next: Record<string, StoredStep>): void {
  const kept = { ...readSteps(stateDir), ...next };
  fs.writeFileSync(path.join(stateDir, STEPS_FILE), JSON.stringify(kept, null, 1));
}
