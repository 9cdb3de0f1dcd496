/**
 * What the plugin's schema says that Pulumi's TypeScript analyzer cannot infer from the sources, applied
 * to the schema it inferred (provider.ts's `getSchema`):
 *
 * - **Secrets.** The analyzer (`@pulumi/pulumi/provider/experimental`, analyzer.ts) writes a property's
 *   type, `optional`, `plain` and description, and has no way to mark one secret (no TSDoc tag, no type
 *   is read for it). The inputs of `SECRET_INPUTS` (the same list the components use) get `secret: true`,
 *   so the generated SDKs treat them as secrets.
 * - **Integers.** The analyzer maps every TypeScript `number` to `number`. Every number of this package
 *   counts whole things (ports, minutes, seconds, machines, SRV priority and weight; the validators refuse
 *   fractions), so each becomes `integer` (an `int` in Go and C#, not a `float64`/`double`).
 *
 * A listed secret that the schema lacks throws: a renamed argument cannot silently lose its flag.
 */
import { SECRET_INPUTS } from "../secretInputs";

interface PropertySpec {
  type?: string;
  secret?: boolean;
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
  [key: string]: unknown;
}
type Properties = Record<string, PropertySpec>;
interface SchemaDoc {
  name?: string;
  resources?: Record<string, { inputProperties?: Properties; properties?: Properties }>;
  types?: Record<string, { properties?: Properties }>;
}

function integers(spec: PropertySpec | undefined): void {
  if (spec === undefined) return;
  if (spec.type === "number") spec.type = "integer";
  integers(spec.items);
  integers(spec.additionalProperties);
}

/** Marks the secret inputs and types whole numbers as `integer` in the analyzer's schema. */
export function refineSchema(schemaText: string): string {
  const schema = JSON.parse(schemaText) as SchemaDoc;
  const pkg = schema.name ?? "kms";
  for (const r of Object.values(schema.resources ?? {})) {
    for (const p of [r.inputProperties, r.properties]) Object.values(p ?? {}).forEach(integers);
  }
  for (const t of Object.values(schema.types ?? {}))
    Object.values(t.properties ?? {}).forEach(integers);
  for (const s of SECRET_INPUTS) {
    const token = `${pkg}:index:${s.component ?? s.args}`;
    const props = s.component
      ? schema.resources?.[token]?.inputProperties
      : schema.types?.[token]?.properties;
    for (const p of s.properties) {
      const spec = props?.[p];
      if (spec === undefined)
        throw new Error(`the inferred schema has no ${token}.${p} to mark secret`);
      spec.secret = true;
    }
  }
  return JSON.stringify(schema);
}
