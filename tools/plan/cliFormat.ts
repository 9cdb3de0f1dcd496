/**
 * kms-plan's text output: the resource tree and the policy violations.
 */
import type { PlanResult, PlannedResource } from "./types";

/** The resource tree, indented by parent. */
export function formatTree(result: PlanResult): string {
  const children = new Map<string | undefined, PlannedResource[]>();
  const urns = new Set(result.resources.map((r) => r.urn));
  for (const r of result.resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(r);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth)}+ ${r.type}  ${r.name}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(undefined, 1);
  return [
    `Resources (${result.resources.length}), stack ${result.project}/${result.stack}:`,
    ...lines,
  ].join("\n");
}

/** The resource name at the end of a URN (`…::srv-1` → `srv-1`). */
function urnName(urn: string | undefined): string | undefined {
  return urn?.split("::").pop();
}

/**
 * The policy violations, most severe first. Violations of one policy whose messages differ only in the
 * resource they name (one per blocked client) are printed once, with the other resources listed.
 */
export function formatViolations(result: PlanResult): string {
  if (result.violations.length === 0) {
    return `Policies: ${result.policiesRun.length} ran, no violation.`;
  }
  const lines = [`Policy violations (${result.violations.length}):`];
  const order = { mandatory: 0, remediate: 0, advisory: 1, disabled: 2 };
  const sorted = [...result.violations].sort(
    (a, b) => order[a.enforcementLevel] - order[b.enforcementLevel],
  );
  const groups = new Map<string, { first: (typeof sorted)[number]; names: string[] }>();
  for (const v of sorted) {
    const name = urnName(v.urn);
    const template = name ? v.message.split(`"${name}"`).join('"\u0000"') : v.message;
    const key = `${v.enforcementLevel}\u0001${v.policyName}\u0001${template}`;
    const group = groups.get(key);
    if (group && name) group.names.push(name);
    else
      groups.set(key + (name ? "" : `\u0001${groups.size}`), {
        first: v,
        names: name ? [name] : [],
      });
  }
  for (const { first: v, names } of groups.values()) {
    const where =
      names.length > 1
        ? `  (${names.length} resources: ${names.join(", ")})`
        : names.length === 1
          ? `  (${names[0]})`
          : "";
    lines.push(`  [${v.enforcementLevel}] ${v.policyName}${where}`);
    for (const l of v.message.split("\n")) lines.push(`      ${l}`);
    if (names.length > 1) {
      const others = names.slice(1).map((n) => `"${n}"`);
      const list =
        others.length === 1
          ? others[0]
          : `${others.slice(0, -1).join(", ")} and ${others[others.length - 1]}`;
      lines.push(`      The same for ${list}.`);
    }
  }
  return lines.join("\n");
}
