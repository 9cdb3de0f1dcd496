/** What the planned program registers that the rehearsal needs: hosts, clients, VMs, NICs, DNS records. */
import {
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
  KmsClientSummary,
  KmsHostSummary,
} from "pulumi-kms-activation-catalog";
import type { ObservedResource } from "../plan/mocks";
import type { LabSrvEntry } from "./types";

/** A name clients may reach a machine by: its machine, an address, or the KmsHost an A record names. */
export interface AddressEntry {
  machineKey?: string;
  ip?: string;
  host?: string;
}

/** What a registered record changes in the lab's DNS. */
export interface DnsChanges {
  /** A `_vlmcs._tcp` SRV record of `domain`. */
  srv(domain: string, entries: LabSrvEntry[]): void;
  /** An A record (the addresses map changed). */
  address(): void;
}

export class ObservedProgram {
  readonly hosts = new Map<string, KmsHostSummary>();
  readonly clients: KmsClientSummary[] = [];
  readonly vms = new Map<string, Record<string, unknown>>(); // azure:<rg>/<vm> → inputs
  readonly nicIps = new Map<string, string>(); // NIC id → private IP
  readonly nicSubnets = new Map<string, string>(); // NIC id → subnet id
  readonly srv = new Map<string, LabSrvEntry[]>(); // domain → entries
  readonly addresses = new Map<string, AddressEntry>();
  /** User-assigned identities the program creates: resource id → client id. */
  readonly identityClientIds = new Map<string, string>();

  constructor(private readonly dns: DnsChanges) {}

  observe(r: ObservedResource): void {
    const inputs = r.inputs;
    if (r.type === KMS_HOST_TYPE && inputs.summary && typeof inputs.summary === "object") {
      this.hosts.set(r.name, inputs.summary as KmsHostSummary);
      return;
    }
    if (r.type === KMS_CLIENT_TYPE && inputs.summary && typeof inputs.summary === "object") {
      this.clients.push(inputs.summary as KmsClientSummary);
      return;
    }
    if (r.type === "azure-native:network:NetworkInterface" && r.id) {
      const configs = r.state.ipConfigurations;
      const ip = Array.isArray(configs)
        ? (configs[0] as { privateIPAddress?: unknown })?.privateIPAddress
        : undefined;
      if (typeof ip === "string") this.nicIps.set(r.id, ip);
      const subnet = Array.isArray(configs)
        ? (configs[0] as { subnet?: { id?: unknown } })?.subnet?.id
        : undefined;
      if (typeof subnet === "string" && subnet !== "") this.nicSubnets.set(r.id, subnet);
      return;
    }
    if (r.type === "azure-native:managedidentity:UserAssignedIdentity" && r.id) {
      if (typeof r.state.clientId === "string") this.identityClientIds.set(r.id, r.state.clientId);
      return;
    }
    if (r.type === "azure-native:compute:VirtualMachine") {
      const rg = String(inputs.resourceGroupName ?? "");
      const vm = String(inputs.vmName ?? r.state.name ?? r.name);
      this.vms.set(`azure:${rg.toLowerCase()}/${vm.toLowerCase()}`, inputs);
      return;
    }
    if (
      r.type === "azure-native:dns:RecordSet" ||
      r.type === "azure-native:privatedns:PrivateRecordSet"
    ) {
      this.observeRecordSet(r);
    }
  }

  private observeRecordSet(r: ObservedResource): void {
    const inputs = r.inputs;
    const zone = String(inputs.zoneName ?? inputs.privateZoneName ?? "").replace(/\.$/, "");
    const rel = String(inputs.relativeRecordSetName ?? r.name);
    const fqdn = rel === "@" || rel === "" ? zone : `${rel}.${zone}`;
    const type = String(inputs.recordType ?? "");
    if (type === "SRV" && /^_vlmcs\._tcp(\.|$)/i.test(fqdn)) {
      const domain = fqdn.replace(/^_vlmcs\._tcp\.?/i, "");
      const entries = (Array.isArray(inputs.srvRecords) ? inputs.srvRecords : []).map(
        (e: Record<string, unknown>) => ({
          target: String(e.target ?? "").replace(/\.$/, ""),
          port: Number(e.port ?? 1688),
          priority: Number(e.priority ?? 0),
          weight: Number(e.weight ?? 0),
        }),
      );
      this.srv.set(domain.toLowerCase(), entries);
      this.dns.srv(domain, entries);
    } else if (type === "A") {
      const records = Array.isArray(inputs.aRecords) ? inputs.aRecords : [];
      const ip = (records[0] as { ipv4Address?: unknown } | undefined)?.ipv4Address;
      // The A record a KmsHost registers (`<host>-a`) names that host, whatever its address.
      const hostName =
        r.parentType === KMS_HOST_TYPE && r.parentName && r.name === `${r.parentName}-a`
          ? r.parentName
          : undefined;
      this.addresses.set(fqdn.toLowerCase(), {
        ...(typeof ip === "string" ? { ip } : {}),
        ...(hostName ? { host: hostName } : {}),
      });
      this.dns.address();
    }
  }
}
