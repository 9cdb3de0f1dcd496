/**
 * kms-plan's failures (exit 2) as text and as JSON: with `--json` the error is printed on stdout as
 * `{ "error": { kind, message, name?, argument?, allowed? } }`, so that a CI job that keeps stdout as
 * an artifact keeps the reason too. Secret config values are cut out of the message.
 */

/** What failed: the command line, the program (its code or a KmsConfigError), or the lab. */
export type PlanErrorKind = "options" | "program" | "lab";

export interface PlanErrorJson {
  kind: PlanErrorKind;
  /** The error's message, as printed on stderr (without the "kms-plan: " prefix). */
  message: string;
  /** The error's class, e.g. "KmsConfigError", "ConfigMissingError". */
  name?: string;
  /** For a KmsConfigError: the argument, e.g. "windowsServerVersion". */
  argument?: string;
  /** For a KmsConfigError: what is allowed. */
  allowed?: string;
  /** The exit code kms-plan ends with (2). */
  exitCode: 2;
}

const PREFIX: Record<PlanErrorKind, string> = {
  options: "",
  program: "the program failed: ",
  lab: "--lab: ",
};

function scrub(text: string, secrets: readonly string[]): string {
  let t = text;
  for (const s of secrets) if (s.length > 0) t = t.split(s).join("[secret]");
  return t;
}

/** The error as kms-plan prints it: the stderr prefix, the message, and the JSON object. */
export function planError(
  kind: PlanErrorKind,
  e: unknown,
  secrets: readonly string[] = [],
): { prefix: string; message: string; json: PlanErrorJson } {
  const message = scrub(e instanceof Error ? e.message : String(e), secrets);
  const json: PlanErrorJson = { kind, message, exitCode: 2 };
  if (e instanceof Error && e.name !== "Error") json.name = e.name;
  const config = e as { argument?: unknown; allowed?: unknown };
  if (e instanceof Error && e.name === "KmsConfigError") {
    if (typeof config.argument === "string") json.argument = config.argument;
    if (typeof config.allowed === "string") json.allowed = scrub(config.allowed, secrets);
  }
  return { prefix: PREFIX[kind], message, json };
}
