/**
 * The threshold barrier's report, from its members' final results and the host's count: how many activated
 * or wait, which client machine IDs several machines share, and the warnings that explain a count below the
 * number of machines. Pure: the barrier logs the warnings.
 */
import type { ClientResult, HostResult } from "../scripts";
import { ACTIVATION } from "pulumi-kms-activation-catalog";
import { compareCodePoints } from "../order";
import type { ActivationReport, BarrierMember } from "./types";

export function concludeReport(
  hostName: string,
  members: BarrierMember[],
  count: HostResult | undefined,
  finals: ClientResult[],
): ActivationReport {
  const machines = new Map<string, string>();
  members.forEach((m, i) => machines.set(m.machine ?? `client:${m.name}`, members[i].name));
  const byCmid = new Map<string, Map<string, string>>();
  finals.forEach((r, i) => {
    const cmid = r?.cmid;
    if (!cmid) return;
    const machine = members[i].machine ?? `client:${members[i].name}`;
    const group = byCmid.get(cmid) ?? new Map<string, string>();
    if (!group.has(machine)) group.set(machine, members[i].name);
    byCmid.set(cmid, group);
  });
  const duplicateCmids = [...byCmid.entries()]
    .filter(([, group]) => group.size > 1)
    .map(([cmid, group]) => ({ cmid, clients: [...group.values()].sort(compareCodePoints) }))
    .sort((a, b) => compareCodePoints(a.cmid, b.cmid));
  const activated = finals.filter((r) => r?.activated === true).length;
  const pending = finals.filter((r) => r?.pending === true).length;
  const distinctMachines = machines.size;
  const currentCount = typeof count?.currentCount === "number" ? count.currentCount : undefined;
  const warnings: string[] = [];
  for (const d of duplicateCmids) {
    warnings.push(
      `KmsHost "${hostName}": clients ${d.clients.join(", ")} share the client machine ID ${d.cmid}, so the host counts them as one client. They come from an image generalized with SkipRearm=1 (Azure Marketplace images are). Fix: give their KmsClient rearm: true (each is rearmed once and restarted before its setup, which then activates it with a CMID of its own), or on each machine rearm Windows (slmgr /rearm, or the ReArmWindows CIM method), restart it and activate again; or rebuild the image with sysprep /generalize and SkipRearm=0.`,
    );
  }
  const windowsMachines = new Set(
    members.filter((m) => m.family !== "office").map((m) => m.machine ?? `client:${m.name}`),
  ).size;
  if (
    duplicateCmids.length === 0 &&
    currentCount !== undefined &&
    currentCount >= 0 &&
    currentCount < Math.min(windowsMachines, ACTIVATION.hostMemory)
  ) {
    warnings.push(
      `KmsHost "${hostName}": its count is ${currentCount} after ${windowsMachines} distinct Windows machines registered. Machines with the same client machine ID (CMID) are counted once: images generalized with SkipRearm=1 (Azure Marketplace images) share one. Check each client's CMID (status.cmid); fix by rearming and restarting the duplicates (KmsClient rearm: true, or slmgr /rearm by hand).`,
    );
  }
  return {
    clients: members.length,
    distinctMachines,
    currentCount,
    activated,
    pending,
    duplicateCmids,
    warnings,
  };
}
