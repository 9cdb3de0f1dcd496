/** What a KmsClient reports, shaped from its last script's result. */
import type { ClientResult } from "../scripts";

/** What the client reports after its setup (and after the host's barrier, when it joined one). */
export interface KmsClientStatus {
  licenseStatus: string;
  activated: boolean;
  /** True while the host's count is below the threshold (0xC004F038). */
  pending: boolean;
  pendingReason?: string;
  /** Client machine ID: machines with the same one count once on the host. */
  cmid?: string;
  /** The KMS host the client used or will use. */
  kmsServer?: string;
  partialProductKey?: string;
  productName?: string;
  errorCode?: string;
  changed: string[];
}

export function clientStatus(r: ClientResult): KmsClientStatus {
  return {
    licenseStatus: r.licenseStatus ?? "Unknown",
    activated: r.activated === true,
    pending: r.pending === true,
    pendingReason: r.pendingReason ?? undefined,
    cmid: r.cmid ?? undefined,
    kmsServer: r.kmsServer ?? undefined,
    partialProductKey: r.partialProductKey ?? undefined,
    productName: r.productName ?? undefined,
    errorCode: r.errorCode ?? undefined,
    changed: r.changed ?? [],
  };
}
