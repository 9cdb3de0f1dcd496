/** Validation of numbers: ports, intervals, counts, TTLs, SRV priority and weight. */
import { KmsConfigError, showValue, ACTIVATION } from "pulumi-kms-activation-catalog";

// ---------------------------------------------------------------- numbers

function integerIn(
  argument: string,
  value: unknown,
  min: number,
  max: number,
  allowed: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new KmsConfigError(argument, showValue(value), allowed);
  }
  return value;
}

/** A TCP port: an integer from 1 to 65535. */
export function validatePort(argument: string, value: unknown): number {
  return integerIn(
    argument,
    value,
    1,
    65535,
    `an integer from 1 to 65535 (the KMS default is ${ACTIVATION.defaultPort})`,
  );
}

/** A KMS activation or renewal interval: whole minutes from 15 to 43200 (30 days). */
export function validateIntervalMinutes(argument: string, value: unknown): number {
  return integerIn(
    argument,
    value,
    ACTIVATION.minIntervalMinutes,
    ACTIVATION.maxIntervalMinutes,
    `a whole number of minutes from ${ACTIVATION.minIntervalMinutes} to ${ACTIVATION.maxIntervalMinutes} (30 days)`,
  );
}

/** A count of machines: a whole number, 0 or more. */
export function validateCount(argument: string, value: unknown): number {
  return integerIn(argument, value, 0, Number.MAX_SAFE_INTEGER, "a whole number, 0 or more");
}

/** A DNS TTL: whole seconds from 1 to 2147483647. */
export function validateTtlSeconds(argument: string, value: unknown): number {
  return integerIn(
    argument,
    value,
    1,
    2147483647,
    "a whole number of seconds from 1 to 2147483647",
  );
}

/** An SRV priority: an integer from 0 to 65535 (clients prefer the lowest). */
export function validateSrvPriority(argument: string, value: unknown): number {
  return integerIn(argument, value, 0, 65535, "an integer from 0 to 65535 (lower is preferred)");
}

/** An SRV weight: an integer from 0 to 65535. */
export function validateSrvWeight(argument: string, value: unknown): number {
  return integerIn(
    argument,
    value,
    0,
    65535,
    "an integer from 0 to 65535 (relative share among hosts of equal priority)",
  );
}
