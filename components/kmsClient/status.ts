/** What a KmsClient reports, shaped from its last script's result. */
import type { ClientResult } from "../scripts";

/** What the client reports after its setup (and after the host's barrier, when it joined one). */
export interface KmsClientStatus {
  /** Windows' licence state of the product: "Licensed", "Notification", a grace state, … or "Unknown". "Licensed" alone does not mean this program's host activated it (Azure's own KMS licenses Marketplace VMs): see `activated`. */
  licenseStatus: string;
  /** True only when the client's last `Activate()` call, against the KMS host it was pointed at, succeeded. */
  activated: boolean;
  /** True while the host's count is below the threshold (0xC004F038). */
  pending: boolean;
  /** Why activation is pending, in Microsoft's words for the error code (set with `pending`). */
  pendingReason?: string;
  /** Client machine ID: machines with the same one count once on the host. */
  cmid?: string;
  /** The KMS host the client used or will use. */
  kmsServer?: string;
  /** Last five characters of the installed setup key (GVLK). */
  partialProductKey?: string;
  /** Windows' name of the product the setup key belongs to. */
  productName?: string;
  /** The activation error code (e.g. "0xC004F038") when activation did not succeed; docs/error-codes.md gives each code's meaning and fix. */
  errorCode?: string;
  /** What the last setup changed on the machine (e.g. "productKey", "kmsServer", "kmsPort"); empty when it was already as asked. */
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
