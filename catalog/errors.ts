/**
 * The one error type for bad plain input. It is thrown at construction, before any child resource is
 * registered, so nothing half-built is left behind.
 *
 * The message names the argument, shows the value received (never a secret: product keys show only
 * their last five characters) and says what is allowed, e.g.
 * `KmsHost "kms": port must be an integer from 1 to 65535; received 70000.`
 */
export class KmsConfigError extends Error {
  /** The argument path as the user wrote it, e.g. `port`, `dns.zoneName`, `hosts[1].weight`. */
  readonly argument: string;
  /** How the received value is shown in the message (already redacted). */
  readonly received: string;
  /** What is allowed, in the user's words. */
  readonly allowed: string;

  constructor(argument: string, received: string, allowed: string, context?: string) {
    super(`${context ? `${context}: ` : ""}${argument} must be ${allowed}; received ${received}.`);
    this.name = "KmsConfigError";
    this.argument = argument;
    this.received = received;
    this.allowed = allowed;
  }

  /** The same error, prefixed with the component that received the argument (`KmsHost "kms"`). */
  withContext(context: string): KmsConfigError {
    const e = new KmsConfigError(this.argument, this.received, this.allowed, context);
    e.stack = this.stack;
    return e;
  }
}

/** Shows a plain value in an error message: strings quoted, everything else as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null)
    return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Shows a product key without revealing it: only the last five characters stay visible. */
export function showKey(key: unknown): string {
  if (typeof key !== "string") return showValue(key);
  const trimmed = key.trim();
  if (trimmed.length <= 5) return `a ${trimmed.length}-character value`;
  return `a key ending in "${trimmed.slice(-5)}"`;
}
