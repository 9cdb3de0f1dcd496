/** The rehearsal's report: the machines' final state as rows, and as text. */
import { licenseStatusName } from "./results";
import { formatLabDuration } from "./clock";
import type { LabMachineState, LabReport, MachineInfo, RehearsalMachine } from "./types";

/**
 * One row per lab machine, as the lab reports it, with what the rehearsal knows of it: hosts first, then
 * by name.
 */
export function machineRows(
  states: LabMachineState[],
  machines: Iterable<MachineInfo>,
  changedByMachine: Map<string, string[]>,
): RehearsalMachine[] {
  const keyOf = new Map<string, MachineInfo>();
  for (const m of machines) keyOf.set(m.name, m);
  const rows = states.map((s): RehearsalMachine => {
    const info = keyOf.get(s.name);
    const num = (v: unknown): number | undefined =>
      typeof v === "number" && Number.isFinite(v) ? v : undefined;
    const str = (v: unknown): string | undefined =>
      typeof v === "string" && v !== "" ? v : undefined;
    return {
      name: s.name,
      role: s.role,
      ...(str(s.product) ? { product: str(s.product) } : info ? { product: info.os } : {}),
      ...(licenseStatusName(s.licenseStatus)
        ? { licenseStatus: licenseStatusName(s.licenseStatus) }
        : {}),
      activated: s.activated === true,
      ...(str(s.activatedBy) ? { activatedBy: str(s.activatedBy) } : {}),
      ...(s.role === "host" && num(s.currentCount) !== undefined
        ? { currentCount: num(s.currentCount) }
        : {}),
      changed: changedByMachine.get(s.name) ?? [],
      ...(str(s.errorCode) ? { errorCode: str(s.errorCode) } : {}),
      ...(str(s.cmid) ? { cmid: str(s.cmid) } : {}),
      target: info?.target ?? "external",
      ...(info?.office ? { office: info.office } : {}),
    };
  });
  return rows.sort((a, b) =>
    a.role !== b.role ? (a.role === "host" ? -1 : 1) : a.name.localeCompare(b.name),
  );
}

// (Imported here, away from the file's first imports, which helper lab's branch also changes.)
import { verdictReason } from "./verdicts";

/** The rehearsal as text: one line per machine, then failed steps and warnings. */
export function formatRehearsal(report: LabReport): string {
  const ran = report.steps.filter((s) => s.ran).length;
  const lines = [
    `Rehearsal in the lab (${report.steps.length} steps, ${ran} ran, ${report.steps.length - ran} unchanged, ${report.failures.length} failed)${report.afterMinutes ? `, the machines ${formatLabDuration(report.afterMinutes)} after the deployment` : ""}:`,
  ];
  const width = Math.max(4, ...report.machines.map((m) => m.name.length));
  const pwidth = Math.max(7, ...report.machines.map((m) => (m.product ?? "").length));
  for (const m of report.machines) {
    const state =
      m.role === "host"
        ? `${m.licenseStatus ?? "?"}, count ${m.currentCount ?? "n/a"}`
        : m.activated
          ? `${m.licenseStatus ?? "Licensed"}, activated by ${m.activatedBy ?? "?"}${m.errorCode ? ` (last ask: ${m.errorCode})` : ""}`
          : m.licensedBy
            ? // Licensed by someone else (Azure's KMS): not a success of this program.
              `NOT activated by a host of this program${m.errorCode ? ` (${m.errorCode})` : ""}; licensed by ${m.licensedBy} only`
            : `${m.licenseStatus ?? "?"}, NOT activated${m.errorCode ? ` (${m.errorCode})` : ""}`;
    const office = m.office ? ` + ${m.office}` : "";
    const changed = m.changed.length > 0 ? `  changed: ${m.changed.join(", ")}` : "";
    lines.push(
      `  ${m.role.padEnd(6)} ${m.name.padEnd(width)}  ${(m.product ?? "").padEnd(pwidth)}${office}  ${state}${changed}`,
    );
  }
  const missed = (report.clients ?? []).filter((c) => !c.activated);
  if (missed.length > 0) {
    lines.push(
      "",
      `Not activated by their KmsHost at the end of the deployment (${missed.length} of ${report.clients.length} client(s); exit code 5):`,
      ...missed.map(
        (c) => `  ${c.client} on ${c.machine} (KmsHost "${c.host}"): ${verdictReason(c)}`,
      ),
    );
  }
  if (report.failures.length > 0 || report.deploymentErrors.length > 0) {
    lines.push("", "The deployment failed:");
    for (const f of report.failures) {
      lines.push(`  ${f.step} on ${f.machine}:`);
      for (const l of f.message.split("\n")) lines.push(`      ${l}`);
    }
    const shown = new Set(report.failures.map((f) => f.step));
    for (const e of report.deploymentErrors) {
      if ([...shown].some((s) => e.includes(`"${s}"`))) continue;
      lines.push(`  ${e.split("\n")[0]}`);
    }
  }
  if (report.warnings.length > 0) {
    lines.push("", "Rehearsal warnings:", ...report.warnings.map((w) => `  ${w}`));
  }
  return lines.join("\n");
}
