/**
 * What KmsHost reports: its status types and how the script results are shaped into them (the setup's
 * result, each Office step's result, and the count read after the clients registered, when there is one).
 */
import { ACTIVATION } from "pulumi-kms-activation-catalog";
import type { HostResult } from "../scripts";

/** One Office version on the host, as the host reported it. */
export interface KmsOfficeHostStatus {
  /** Office version, e.g. "LTSC 2024". */
  version: string;
  /** Windows' licence state of the Office host license: "Licensed", "Unlicensed", … or "Unknown". */
  licenseStatus: string;
  /** True when the Office KMS host key is installed and activated. */
  activated: boolean;
  /** Distinct Office clients this Office host license saw (its own count; Office activates at 5). */
  currentCount: number;
  /** Last five characters of the Office host key. */
  partialProductKey?: string;
  /** Windows' name of the Office host license's product. */
  productName?: string;
  /** What this Office step changed on the machine; empty when it was already as asked. */
  changed: string[];
}

/** What the host reports after setup (and after its clients registered, when it has any). */
export interface KmsHostStatus {
  /** Windows' licence state of the host product: "Licensed", "Unlicensed", "Notification", a grace state, or "Unknown". */
  licenseStatus: string;
  /** True when the installed key is a KMS host key (CSVLK), so the machine answers KMS clients. */
  isKmsHost: boolean;
  /** Distinct client machines (CMIDs) the host saw in the last 30 days, Windows clients and servers together; read after the clients registered when the host has any. */
  currentCount: number;
  /** TCP port the KMS service listens on (`slmgr /sprt`). */
  port: number;
  /** True when the host publishes its own `_vlmcs._tcp` record by dynamic DNS (`slmgr /cdns` turns it off). */
  dnsPublishing: boolean;
  /** True when the KMS service runs at low priority (`slmgr /cpri`). */
  lowPriority: boolean;
  /** Minutes after which an unactivated client asks again, as the host tells its clients (`slmgr /sai`). */
  activationIntervalMinutes: number;
  /** Minutes after which an activated client renews, as the host tells its clients (`slmgr /sri`). */
  renewalIntervalMinutes: number;
  /** Last five characters of the installed host key. */
  partialProductKey?: string;
  /** Windows' name of the licensed product the host key belongs to. */
  productName?: string;
  /** What the last setup changed on the machine (e.g. "productKey", "port", "dnsPublishing"); empty when it was already as asked. */
  changed: string[];
  /** Each Office version of `office`, with its own count, apart from the Windows count above. */
  office: KmsOfficeHostStatus[];
}

/**
 * The Office part of the host's status: each Office run's result, with the count read after the clients
 * registered (`status.ps1` lists every Office host license with its own count) when there is one.
 */
export function officeStatuses(
  versions: string[],
  runs: HostResult[],
  count: HostResult | undefined,
): KmsOfficeHostStatus[] {
  return versions.map((version, i) => {
    const r = runs[i];
    const later = count?.officeHosts?.find(
      (o) => o.partialProductKey !== null && o.partialProductKey === r?.partialProductKey,
    );
    return {
      version,
      licenseStatus: later?.licenseStatus ?? r?.licenseStatus ?? "Unknown",
      activated: (later?.licenseStatus ?? r?.licenseStatus) === "Licensed",
      currentCount: later?.currentCount ?? r?.currentCount ?? 0,
      partialProductKey: r?.partialProductKey ?? undefined,
      productName: later?.productName ?? r?.productName ?? undefined,
      changed: r?.changed ?? [],
    };
  });
}

export function hostStatus(
  latest: HostResult,
  setup: HostResult,
  office: KmsOfficeHostStatus[],
): KmsHostStatus {
  return {
    licenseStatus: latest.licenseStatus ?? setup.licenseStatus ?? "Unknown",
    isKmsHost: latest.isKmsHost ?? setup.isKmsHost ?? false,
    currentCount: latest.currentCount ?? setup.currentCount ?? 0,
    port: latest.port ?? setup.port ?? ACTIVATION.defaultPort,
    dnsPublishing: latest.dnsPublishing ?? setup.dnsPublishing ?? false,
    lowPriority: latest.lowPriority ?? setup.lowPriority ?? false,
    activationIntervalMinutes:
      latest.activationIntervalMinutes ??
      setup.activationIntervalMinutes ??
      ACTIVATION.defaultActivationIntervalMinutes,
    renewalIntervalMinutes:
      latest.renewalIntervalMinutes ??
      setup.renewalIntervalMinutes ??
      ACTIVATION.defaultRenewalIntervalMinutes,
    partialProductKey: latest.partialProductKey ?? setup.partialProductKey ?? undefined,
    productName: latest.productName ?? setup.productName ?? undefined,
    changed: setup.changed ?? [],
    office,
  };
}
