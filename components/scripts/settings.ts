/** What the parameter builders take: host, Office host and client settings, and what they return. */
import { ACTIVATION } from "pulumi-kms-activation-catalog";

/** Parameters for one script run: plain values as strings, plus the names of secret ones. */
export interface ScriptParameters {
  /** Plain parameters, stringified as the `param()` block expects them. Never holds a secret. */
  parameters: Record<string, string>;
  /** Parameters the caller must pass separately, as protected parameters or on stdin. */
  secretParameterNames: string[];
}

/** Host settings; every one has the KMS default. */
export interface HostSetupSettings {
  /** @default 1688 */
  port?: number;
  /** @default 120 */
  activationIntervalMinutes?: number;
  /** @default 10080 */
  renewalIntervalMinutes?: number;
  /** @default false */
  dnsPublishing?: boolean;
  /** @default false */
  lowPriority?: boolean;
  /** Extra online activation attempts after a transient network error. @default 3 */
  activationRetries?: number;
  /** @default 30 */
  retryDelaySeconds?: number;
}

export const HOST_SETUP_DEFAULTS: Readonly<Required<HostSetupSettings>> = {
  port: ACTIVATION.defaultPort,
  activationIntervalMinutes: ACTIVATION.defaultActivationIntervalMinutes,
  renewalIntervalMinutes: ACTIVATION.defaultRenewalIntervalMinutes,
  dnsPublishing: false,
  lowPriority: false,
  activationRetries: 3,
  retryDelaySeconds: 30,
};

/** Client settings. Unset means: keep the key, DNS discovery, activate. */
export interface ClientSetupSettings {
  /** KMS client setup key; unset or "" keeps the installed key. */
  setupKey?: string;
  /** Fixed KMS host name (or "name:port" when `kmsPort` is unset). */
  kmsServer?: string;
  /** Port of `kmsServer`; unset or 0 for the default 1688. */
  kmsPort?: number;
  /** DNS domain to look up `_vlmcs._tcp` in. Exclusive with `kmsServer`. */
  lookupDomain?: string;
  /**
   * @deprecated Not a client setting: the interval setters are host-only (Microsoft: "An error is
   * returned if the method is called and the machine is not a key management service"), and clients
   * take their intervals from the host's answer. Any value other than unset or 0 is a `KmsConfigError`.
   */
  activationIntervalMinutes?: number;
  /** @deprecated As `activationIntervalMinutes`: set it on the KMS host. */
  renewalIntervalMinutes?: number;
  /** @default true */
  activate?: boolean;
  /** @default WINDOWS_APPLICATION_ID */
  applicationId?: string;
}

/** One Office version on a KMS host (host-setup.ps1 in Office mode). */
export interface OfficeHostSetupSettings {
  /** "2016", "2019", "LTSC 2021" or "LTSC 2024" (catalog form). */
  officeVersion: string;
  /** Folder or .zip (path on the host, or http(s) URI) with the Volume License Pack files; "" = installed. */
  volumeLicensePack?: string;
  /** @default 3 */
  activationRetries?: number;
  /** @default 30 */
  retryDelaySeconds?: number;
}
