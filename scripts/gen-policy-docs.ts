/**
 * Generates docs/policies.md from the kms-guard policy objects (name, description, enforcement level,
 * severity, remediation steps, config schema), so the page never drifts from the code. Run:
 * `npx ts-node -T scripts/gen-policy-docs.ts`. A test checks the committed page equals `renderPolicyDocs()`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type {
  PolicyConfigSchema,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { POLICY_PACK_NAME, policies as allPolicies } from "../policy/policies";

export const POLICY_DOCS_PATH = join(__dirname, "..", "docs", "policies.md");

type Policy = ResourceValidationPolicy | StackValidationPolicy;
type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

/** Markdown-safe prose: `_vlmcs._tcp` and `*` would otherwise turn into emphasis. */
function prose(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/([*_<|])/g, "\\$1");
}

/** A Markdown table with padded columns, as Prettier lays it out. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** JSON as Prettier prints it in Markdown: two-space indent, short arrays of plain values on one line. */
function json(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\s+([^[\]{}]*?)\s+\]/g,
    (_, inner: string) => `[${inner.split(/,\s+/).join(", ")}]`,
  );
}

function kind(p: Policy): string {
  return "validateStack" in p ? "stack" : "resource";
}

function schemaType(s: PolicyConfigJSONSchema): string {
  const t = Array.isArray(s.type) ? s.type.join(" or ") : (s.type ?? "any");
  if (t === "array" && s.items && !Array.isArray(s.items) && typeof s.items === "object") {
    return `array of ${(s.items as PolicyConfigJSONSchema).type}`;
  }
  return String(t);
}

function configSection(p: Policy): string[] {
  const props = Object.entries(p.configSchema?.properties ?? {});
  if (props.length === 0) return ["Configuration: none."];
  return table(
    ["Setting", "Type", "Default", "Meaning"],
    props.map(([key, s]) => [
      `\`${key}\``,
      schemaType(s),
      `\`${JSON.stringify(s.default)}\``,
      prose(s.description ?? ""),
    ]),
  );
}

function section(p: Policy): string {
  return [
    `## ${p.name}`,
    "",
    prose(p.description),
    "",
    `- Kind: ${kind(p)} policy`,
    `- Default enforcement: ${p.enforcementLevel ?? "advisory"}`,
    `- Severity: ${p.severity ?? "unset"}`,
    "",
    `**Remediation:** ${prose(p.remediationSteps ?? "")}`,
    "",
    ...configSection(p),
    "",
  ].join("\n");
}

/** `--policy-pack-config` content with every setting at its default. */
function exampleConfig(policies: readonly Policy[]): string {
  const config: Record<string, Record<string, unknown>> = {};
  for (const p of policies) {
    const entry: Record<string, unknown> = { enforcementLevel: p.enforcementLevel ?? "advisory" };
    for (const [key, s] of Object.entries(p.configSchema?.properties ?? {})) entry[key] = s.default;
    config[p.name] = entry;
  }
  return json(config);
}

/** The whole page, exactly as committed. */
export function renderPolicyDocs(policies: readonly Policy[] = allPolicies): string {
  return [
    "<!-- Generated from the policy objects in policy/*.ts by scripts/gen-policy-docs.ts; do not edit by hand. -->",
    "",
    `# Policy pack \`${POLICY_PACK_NAME}\``,
    "",
    "Checks that a stack's Windows KMS volume activation can work before anything is deployed. Run it with",
    "`pulumi preview --policy-pack <path of policy/>` (`../../policy` from `examples/reference-stack`; run `npm",
    "install` in `policy/` first when the pack is used outside this repository), or offline, without the Pulumi",
    "CLI, with `npm run plan` or `npx kms-plan <program dir>`.",
    "",
    "A policy reads only values known at preview. When a value it needs is not known, or a client cannot be tied",
    'to a KMS host in the stack, it reports that it cannot decide ("Cannot decide whether …") instead of passing.',
    "",
    "## How the policies judge",
    "",
    "- **Which host a client uses.** `host`: that KmsHost. `kmsServer`: the KmsHost whose own `kmsServer` (or",
    "  `fqdn`) output was passed (recorded in the client's summary; from other languages, read from the engine's",
    "  property dependencies of the client's resources), else the KmsHost whose `fqdn` or `dns` host name it",
    "  names. `lookupDomain`: the hosts its domain's `_vlmcs._tcp` records (and hosts with `dns` there) name.",
    "  DNS discovery in the machine's own domain: the stack's only SRV domain, or its only KmsHost. With no",
    "  `_vlmcs._tcp` record in the stack at all, such a client counts for that host, but",
    "  `require-srv-record-for-discovery` says it would fail with 0x8007232B unless the record exists outside",
    "  the stack (advisory), and `kms-plan` does not forecast it as activated.",
    "- **Several hosts for one domain.** Windows 7 / Server 2008 R2 and later clients try the lowest SRV",
    "  priority number first and pick among equal priorities by weight ([O-DNS] in docs/sources.md). A unique",
    "  lowest-priority host takes the domain's clients and is judged alone. Hosts of equal priority share them:",
    "  an unactivated client looks the record up again at its next attempt and may reach another host, so the",
    "  clients never activate (mandatory) only when even one host seeing every machine of the domain stays",
    "  below the threshold; when the first split by weight leaves a host short, the finding is advisory, with",
    "  the numbers (activation may take several activation intervals). Clients shared by several hosts need a",
    "  fitting host key on each of them.",
    "- **One record per name.** Two KmsHosts (with `dns`) or records that each create `_vlmcs._tcp` in the",
    "  same zone overwrite each other: refused; the fix is one KmsSrvRecord listing every host.",
    "- **Information the stack does not hold** (a host outside the stack, a record that may live in on-premises",
    "  DNS, a client's own DNS domain with several candidate domains): the finding is advisory whatever the",
    "  policy's level (the object form of `reportViolation`), and it says what to add. A correct stack is never",
    "  blocked for it.",
    "- **Address prefixes.** A set of source prefixes that together cover all of IPv4 or IPv6 (`0.0.0.0/1` and",
    "  `128.0.0.0/1`) is refused like `0.0.0.0/0`; public (non-private) ranges get an advisory. A KmsHost's",
    "  `clientAddressPrefixes` given as an Output is judged where it lands, the NSG rule the host creates: by",
    "  its value when known, and, when not known at preview, with an advisory finding (the engine runs the",
    "  policy again during `pulumi up`, with the values).",
    "",
    ...table(
      ["Policy", "Kind", "Default enforcement", "Severity"],
      policies.map((p) => [
        `[${p.name}](#${p.name})`,
        kind(p),
        p.enforcementLevel ?? "advisory",
        p.severity ?? "unset",
      ]),
    ),
    "",
    "Settings go in a file passed with `--policy-pack-config <file.json>`; with every default it reads:",
    "",
    "```json",
    exampleConfig(policies),
    "```",
    "",
    ...policies.map(section),
  ].join("\n");
}

if (require.main === module) {
  writeFileSync(POLICY_DOCS_PATH, renderPolicyDocs());
  console.log(`wrote ${POLICY_DOCS_PATH} (${allPolicies.length} policies)`);
}
