/**
 * Validation of Azure resource tags, as Azure's own limits state them (Microsoft Learn, "Use tags to
 * organize your Azure resources", Limitations): at most 50 name-value pairs per resource, a name of at
 * most 512 characters without `<`, `>`, `%`, `&`, `\`, `?` or `/`, a value of at most 256 characters.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsConfigError, showValue } from "pulumi-kms-activation-catalog";

const MAX_TAGS = 50;
const MAX_NAME = 512;
const MAX_VALUE = 256;
const FORBIDDEN_IN_NAME = /[<>%&\\?/]/;

/**
 * Checks what is known of a tags argument: a plain object of names to strings (each value may be an
 * Output, checked by Azure then). An Output for the whole object is not checked here.
 */
export function validateTags(argument: string, value: unknown): void {
  if (value === undefined || pulumi.Output.isInstance(value)) return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KmsConfigError(argument, showValue(value), "an object of tag names to string values");
  }
  if (typeof (value as { then?: unknown }).then === "function") return; // a Promise: not known yet
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_TAGS) {
    throw new KmsConfigError(
      argument,
      `${entries.length} tags`,
      `at most ${MAX_TAGS} name-value pairs (Azure's limit per resource)`,
    );
  }
  for (const [name, v] of entries) {
    if (name === "" || name.length > MAX_NAME || FORBIDDEN_IN_NAME.test(name)) {
      throw new KmsConfigError(
        argument,
        `a tag named ${showValue(name)}`,
        `tag names of 1 to ${MAX_NAME} characters without <, >, %, &, \\, ? or / (Azure refuses them)`,
      );
    }
    if (pulumi.Output.isInstance(v)) continue;
    if (typeof v !== "string") {
      throw new KmsConfigError(`${argument}.${name}`, showValue(v), "a string");
    }
    if (v.length > MAX_VALUE) {
      throw new KmsConfigError(
        `${argument}.${name}`,
        `a ${v.length}-character value`,
        `at most ${MAX_VALUE} characters (Azure's limit for a tag value)`,
      );
    }
  }
}
