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

export function formatViolations(result: PlanResult): string {
  if (result.violations.length === 0) {
    return `Policies: ${result.policiesRun.length} ran, no violation.`;
  }
  const lines = [`Policy violations (${result.violations.length}):`];
  const order = { mandatory: 0, remediate: 0, advisory: 1, disabled: 2 };
  const sorted = [...result.violations].sort(
    (a, b) => order[a.enforcementLevel] - order[b.enforcementLevel],
  );
  for (const v of sorted) {
    const where = v.urn ? `  (${v.urn.split("::").pop()})` : "";
    lines.push(`  [${v.enforcementLevel}] ${v.policyName}${where}`);
    for (const l of v.message.split("\n")) lines.push(`      ${l}`);
  }
  return lines.join("\n");
}
