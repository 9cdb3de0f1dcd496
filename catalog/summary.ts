/**
 * The plain, secret-free summaries each component passes to `super()` (what resource policies see as
 * `props`) and registers as its `summary` output (what stack policies see as `props.summary`). Every
 * field is a plain value known at preview, or `undefined` when the user passed an Output that is not
 * known yet: a policy that needs such a field says it cannot decide instead of passing.
 *
 * This file has no Pulumi in it so that the policy pack can import it without azure-native.
 */

/** Activation families with their own threshold. Servers and client OS share the Windows count. */
export type ActivationFamily = "windowsClient" | "windowsServer" | "office";

export const KMS_HOST_TYPE = "kms:index:KmsHost";
export const KMS_CLIENT_TYPE = "kms:index:KmsClient";
export const KMS_SRV_RECORD_TYPE = "kms:index:KmsSrvRecord";

export interface ExternalClientCounts {
  windowsClient: number;
  windowsServer: number;
  office: number;
}

export interface KmsHostSummary {
  /** The component's Pulumi name; clients with `host` refer to it by this name. */
  name: string;
  /** Name clients reach the host by, when known at preview (`dns` host name, `fqdn`, or `ssh.host`). */
  fqdn?: string;
  /** Identity of an existing machine ("azure:<rg>/<vm>" or "ssh:<host>:<port>"). */
  machine?: string;
  /** `true` when the host VM is created by the component; `false` for an existing machine. */
  createsVm: boolean;
  /** Transport used to configure the host: "runCommand" (Azure) or "ssh". */
  transport: "runCommand" | "ssh";
  /** Listening port; undefined when not known at preview. */
  port?: number;
  /** Catalog key group id of the CSVLK, e.g. "Windows Server 2022". */
  keyGroup?: string;
  /** Host OS version, e.g. "2022"; undefined for an existing machine whose OS is not declared. */
  windowsServerVersion?: string;
  /** Marketplace image of a created VM. */
  image?: { publisher: string; offer: string; sku: string; version: string };
  activationIntervalMinutes?: number;
  renewalIntervalMinutes?: number;
  dnsPublishing: boolean;
  lowPriority: boolean;
  externalClients: ExternalClientCounts;
  /** Known address prefixes allowed to reach the port (created VM only). */
  clientAddressPrefixes?: string[];
  /** DNS registration requested through the `dns` argument. */
  dns?: {
    zoneName?: string;
    private: boolean;
    recordName?: string;
    srvName?: string;
    hostFqdn?: string;
  };
  /** Office host configuration: versions with a host key. */
  officeVersions?: string[];
}

export interface KmsClientSummary {
  name: string;
  transport: "runCommand" | "ssh";
  /** Identity of the machine, to count distinct machines: "azure:<rg>/<vm>" or "ssh:<host>:<port>". */
  machine?: string;
  /** Canonical catalog product name, undefined when only a setupKey outside the catalog was given. */
  product?: string;
  family?: ActivationFamily;
  /** How the client finds its host. */
  discovery: "host" | "kmsServer" | "lookupDomain" | "dns";
  /**
   * Name of the KmsHost component given as `host`, or whose own `kmsServer` (or `fqdn`) output was given
   * as `kmsServer` (the wiring other languages have; `discovery` stays "kmsServer").
   */
  hostName?: string;
  /** `kmsServer` as given ("name" or "name:port"), or the host's when `host` is given and known. */
  kmsServer?: string;
  lookupDomain?: string;
  activate: boolean;
  /**
   * The client joined its KmsHost's threshold barrier (asked again once the host's count was read, at
   * the end of the deployment). Unset: only a client given `host` (with `activate`) joins.
   */
  barrier?: boolean;
  /**
   * The client rearms Windows (a CMID of its own after a restart) before its setup. Unset in summaries
   * written before the option existed: read as false.
   */
  rearm?: boolean;
}

export interface KmsSrvRecordSummary {
  name: string;
  zoneName?: string;
  private: boolean;
  /** Relative record name inside the zone, e.g. "_vlmcs._tcp" or "_vlmcs._tcp.branch1". */
  recordName?: string;
  ttlSeconds?: number;
  /** `hostName`: the KmsHost whose own `fqdn` output was given as `target`. */
  hosts: {
    target?: string;
    port?: number;
    priority?: number;
    weight?: number;
    hostName?: string;
  }[];
}
