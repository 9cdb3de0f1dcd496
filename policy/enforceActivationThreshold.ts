import type { StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "./values";
import { reportAdvisory } from "./text";
import { type ClientEntry, type HostEntry, readStack } from "./stack";
import { type SharedHosts, attributeAll } from "./attribution";
import { checkHost, checkShared } from "./thresholdCounts";

export interface EnforceActivationThresholdConfig {
  /** Distinct machines required above Microsoft's thresholds. */
  marginMachines: number;
}

/**
 * Per KMS host, counts the distinct machines of the clients in the stack that activate against it (clones
 * of one Marketplace image without rearm once), plus its externalClients, and reports the clients that
 * would never reach their threshold.
 */
export const enforceActivationThreshold: StackValidationPolicy = {
  name: "enforce-activation-threshold",
  description:
    "Every KMS client in the stack must reach its activation threshold: a KMS host activates Windows client OS " +
    "only when it counts at least 25 distinct Windows machines, Windows Server at 5, and Office at 5 distinct " +
    "Office machines (its own count). VMs the stack creates from one Azure Marketplace image without rearm share " +
    "one client machine ID and count once. Clients of several hosts of one DNS domain are judged by SRV priority and weight. Clients whose host " +
    "cannot be told are reported as undecided, never passed; when the host is outside the stack, that finding " +
    "is advisory and says what to add.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Add clients that activate against the host, or declare the machines outside this stack that use it in the " +
    "KmsHost's externalClients. For Azure VMs, Azure KMS (azkms.core.windows.net:1688) has no threshold; " +
    "Active Directory-based activation and MAK keys have none either. Microsoft's thresholds are enforced by the " +
    "KMS host and cannot be lowered; marginMachines only raises them, e.g. for machines that are off for more " +
    "than 30 days or images sharing one client machine ID.",
  configSchema: {
    properties: {
      marginMachines: {
        type: "integer",
        minimum: 0,
        default: 0,
        description:
          "Distinct machines required on top of Microsoft's thresholds (25 Windows client OS, 5 Windows Server, " +
          "5 Office), as a safety margin. The thresholds themselves are fixed by the KMS host.",
      },
    },
  },
  validateStack: (args, report) => {
    const config = configWithDefaults<EnforceActivationThresholdConfig>(
      enforceActivationThreshold.configSchema,
      () => args.getConfig(),
    );
    const margin =
      Number.isInteger(config.marginMachines) && config.marginMachines > 0
        ? config.marginMachines
        : 0;
    const view = readStack(args.resources);
    const byHost = new Map<HostEntry, ClientEntry[]>(view.hosts.map((h) => [h, []]));
    const byDomain = new Map<string, { shared: SharedHosts; clients: ClientEntry[] }>();
    for (const { client, attribution } of attributeAll(view)) {
      if (attribution.reason !== undefined) {
        if (attribution.advisory) {
          reportAdvisory(
            report,
            `Cannot decide whether KmsClient "${client.name}" activates: ${attribution.reason}.`,
            client.urn,
          );
        } else {
          report(
            `Cannot decide whether KmsClient "${client.name}" activates: ${attribution.reason}. Give it host (a ` +
              "KmsHost in this program), or a kmsServer or lookupDomain that names a KmsHost in this stack.",
            client.urn,
          );
        }
        continue;
      }
      if (!client.summary?.family) {
        report(
          `Cannot decide whether KmsClient "${client.name}" activates: its product is not known at preview or not ` +
            "in the catalog, so its activation threshold is unknown. Give product as a catalog product name.",
          client.urn,
        );
        continue;
      }
      if (attribution.shared) {
        const key = attribution.shared.domain;
        const entry = byDomain.get(key) ?? { shared: attribution.shared, clients: [] };
        entry.clients.push(client);
        byDomain.set(key, entry);
        continue;
      }
      byHost.get(attribution.host)!.push(client);
    }
    for (const { shared, clients } of byDomain.values()) {
      if (shared.hosts.some((h) => !h.host.summary)) {
        report(
          `Cannot decide whether the clients of "${shared.domain}" activate: the summary of one of its KMS hosts ` +
            "is not readable (not known at preview).",
          clients[0].urn,
        );
        continue;
      }
      checkShared(shared, clients, margin, report);
    }
    for (const host of view.hosts) {
      const clients = byHost.get(host)!;
      if (clients.length === 0) continue;
      if (!host.summary) {
        report(
          `Cannot decide whether the clients of KMS host "${host.name}" activate: its summary is not readable ` +
            "(not known at preview).",
          host.urn,
        );
        continue;
      }
      checkHost(host, clients, margin, report);
    }
  },
};
