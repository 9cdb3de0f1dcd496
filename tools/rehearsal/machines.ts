/**
 * The lab machines of one rehearsal: one per target a remote step names (a VM, an SSH address), created
 * in the lab at its first step with the products the program gives it, and the names clients reach the
 * hosts by (VM names, addresses, A records) told to the lab's DNS.
 */
import { KMS_CLIENT_TYPE, KMS_HOST_TYPE } from "pulumi-kms-activation-catalog";
import { azureInternalDnsSuffix } from "../lab/catalog";
import { deterministicGuid } from "../plan/mocks";
import type { RemoteStep } from "../plan/mocks";
import { hostNames, labName, machineKey, machineProducts } from "./naming";
import type { ObservedProgram } from "./observed";
import type { LabLike, MachineInfo, RehearsalConditions } from "./types";

/** What the machines need from the rehearsal. */
export interface MachinesContext {
  readonly program: ObservedProgram;
  readonly conditions: RehearsalConditions;
  /** The lab, once open. */
  readonly lab: LabLike;
  /** Machines the lab already has (kept from an earlier rehearsal). */
  readonly existing: Set<string>;
  defaultDomain(): string | undefined;
  /** Queues a change of the lab's DNS behind the earlier ones. */
  lazyDns(f: () => unknown): void;
  /** Resolves when every queued DNS change is done. */
  dnsDone(): Promise<unknown>;
}

export class LabMachines {
  private readonly machines = new Map<string, Promise<MachineInfo>>();
  /** Machine key → machine, once created. */
  readonly byKey = new Map<string, MachineInfo>();
  private readonly labNames = new Set<string>();
  /** Machine key → the name of the KmsHost on it. */
  readonly hostOfMachine = new Map<string, string>();
  private readonly appliedAddresses = new Set<string>();
  /** Subnet id (from the program's NICs) → the lab's CIDR for it. */
  private readonly subnets = new Map<string, string>();

  constructor(private readonly ctx: MachinesContext) {}

  uniqueName(base: string, alt: string): string {
    let name = labName(base);
    if (this.labNames.has(name)) name = labName(alt);
    let i = 2;
    const stem = name;
    while (this.labNames.has(name)) name = `${stem}-${i++}`;
    this.labNames.add(name);
    return name;
  }

  machineFor(step: RemoteStep): Promise<MachineInfo> {
    const key = machineKey(step);
    let m = this.machines.get(key);
    if (!m) {
      m = this.addMachine(key, step);
      this.machines.set(key, m);
    }
    return m;
  }

  private async addMachine(key: string, step: RemoteStep): Promise<MachineInfo> {
    const role: "host" | "client" =
      step.parentType === KMS_HOST_TYPE
        ? "host"
        : step.parentType === KMS_CLIENT_TYPE
          ? "client"
          : (step.script?.role ?? "client");
    const name =
      step.transport === "runCommand"
        ? this.uniqueName(step.vm!.vmName, `${step.vm!.resourceGroupName}-${step.vm!.vmName}`)
        : this.uniqueName(
            step.ssh!.port === 22 ? step.ssh!.host : `${step.ssh!.host}-${step.ssh!.port}`,
            `${step.ssh!.host}-${step.ssh!.port}`,
          );
    if (role === "host" && step.parentName) this.hostOfMachine.set(key, step.parentName);
    const {
      os: osName,
      office,
      marketplace,
    } = machineProducts(this.ctx.program, key, step, role, this.ctx.conditions.images);
    const info: MachineInfo = {
      key,
      name,
      role,
      os: osName,
      ...(office ? { office } : {}),
      target: key,
    };
    if (!this.ctx.existing.has(name)) {
      const azure = step.transport === "runCommand";
      const subnetId = this.subnetId(key);
      // A VM outside a domain searches the suffix Azure's DHCP gives its VNet, not a zone of the
      // program's; --lab-domain says the machines are domain members of that domain.
      const domain = azure
        ? (this.ctx.conditions.domain ?? azureInternalDnsSuffix(vnetOf(subnetId) ?? "vnet"))
        : this.ctx.defaultDomain();
      // Marketplace images are generalized with SkipRearm=1: their VMs share one CMID until rearmed.
      const shared = this.ctx.conditions.sharedCmid ?? (marketplace && azure);
      await this.ctx.lab.addMachine({
        name,
        role,
        os: osName,
        ...(domain ? { domain } : {}),
        marketplaceImage: marketplace,
        azure,
        subnet: this.subnetFor(subnetId, role, azure),
        cmid: shared ? deterministicGuid(`image:${osName}`) : deterministicGuid(`cmid:${key}`),
        ...(office ? { office: [office] } : {}),
      });
    }
    this.byKey.set(key, info);
    if (role === "host") await this.addHostAddresses(info, step);
    return info;
  }

  /** The subnet id of a VM's first NIC, as the program registers it. */
  private subnetId(key: string): string | undefined {
    const vm = this.ctx.program.vms.get(key);
    const nics = (vm?.networkProfile as { networkInterfaces?: { id?: unknown }[] } | undefined)
      ?.networkInterfaces;
    for (const n of nics ?? []) {
      const id = typeof n.id === "string" ? this.ctx.program.nicSubnets.get(n.id) : undefined;
      if (id) return id;
    }
    return undefined;
  }

  /**
   * The lab subnet of a machine: the program's subnet when it names one (machines on one subnet share
   * it), else hosts 10.0.1.0/24 and clients 10.0.2.0/24 (on-premises 192.168.1.0/24): as in a real
   * network, a client is not in its host's subnet unless the program says so.
   */
  private subnetFor(subnetId: string | undefined, role: "host" | "client", azure: boolean): string {
    if (subnetId) {
      let cidr = this.subnets.get(subnetId);
      if (!cidr) {
        cidr = `10.1.${this.subnets.size + 1}.0/24`;
        this.subnets.set(subnetId, cidr);
      }
      return cidr;
    }
    if (!azure) return "192.168.1.0/24";
    return role === "host" ? "10.0.1.0/24" : "10.0.2.0/24";
  }

  /** The names clients may use for a host: its VM name, address, summary fqdn, A records naming it. */
  private async addHostAddresses(info: MachineInfo, step: RemoteStep): Promise<void> {
    const names = hostNames(this.ctx.program, info.key, step);
    for (const n of names) {
      const a = this.ctx.program.addresses.get(n.toLowerCase());
      this.ctx.program.addresses.set(n.toLowerCase(), { ...a, machineKey: info.key });
    }
    this.ctx.lazyDns(() => this.applyAddresses());
    await this.ctx.dnsDone();
  }

  /** Tells the lab every address whose machine is known now. */
  async applyAddresses(): Promise<void> {
    const byIp = new Map<string, string>();
    for (const [n, a] of this.ctx.program.addresses) {
      if (a.machineKey && /^\d+\.\d+\.\d+\.\d+$/.test(n)) byIp.set(n, a.machineKey);
    }
    const hostKeys = new Map<string, string>();
    for (const [k, h] of this.hostOfMachine) hostKeys.set(h, k);
    for (const [fqdn, a] of this.ctx.program.addresses) {
      const key =
        a.machineKey ??
        (a.host ? hostKeys.get(a.host) : undefined) ??
        (a.ip ? byIp.get(a.ip) : undefined);
      const machine = key ? this.byKey.get(key) : undefined;
      if (!machine) continue;
      const applied = `${fqdn}→${machine.name}`;
      if (this.appliedAddresses.has(applied)) continue;
      this.appliedAddresses.add(applied);
      await this.ctx.lab.setAddress(fqdn, machine.name);
    }
  }
}

/** The virtual network part of a subnet id (".../virtualNetworks/<vnet>/subnets/<subnet>"). */
function vnetOf(subnetId: string | undefined): string | undefined {
  const m = subnetId ? /^(.*\/virtualNetworks\/[^/]+)/i.exec(subnetId) : null;
  return m ? m[1].toLowerCase() : undefined;
}
