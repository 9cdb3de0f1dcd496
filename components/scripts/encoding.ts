/** Parameter values as every transport passes them: strings, integers in range, booleans. */
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";

/**
 * Values a transport passes as they are: letters, digits and `. _ : - / \` (host names, GUIDs, keys,
 * Windows paths), not ending in a backslash (which would escape a closing quote on a command line).
 */
const PLAIN_PARAMETER_VALUE = /^(?:[A-Za-z0-9._:/\\-]*[A-Za-z0-9._:/-])?$/;

/**
 * A string parameter value as the scripts accept it from any transport. Run Command cuts a value at its
 * first space (Azure/azure-powershell#7269, Azure/azure-cli#25042), so any other value (spaces, quotes,
 * commas, `&`, `?`, non-ASCII) travels as `base64:` + the base64 of its UTF-8 bytes; the scripts decode
 * it (`ConvertFrom-ParameterValue` in common.ps1). Plain values stay readable in the portal.
 */
export function encodeParameterValue(value: string): string {
  if (PLAIN_PARAMETER_VALUE.test(value)) return value;
  return `base64:${Buffer.from(value, "utf8").toString("base64")}`;
}

export function intText(
  argument: string,
  value: number,
  rule: { min: number; max: number; allowed: string },
): string {
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < rule.min ||
    value > rule.max
  ) {
    throw new KmsConfigError(argument, showValue(value), rule.allowed);
  }
  return String(value);
}

export function boolText(argument: string, value: boolean): "true" | "false" {
  if (typeof value !== "boolean")
    throw new KmsConfigError(argument, showValue(value), "true or false");
  return value ? "true" : "false";
}
