/**
 * Deployment rehearsal (`kms-plan --lab`): plans a program as `plan()` does, but as an update, and runs
 * every remote step it registers in the lab (tools/lab, a simulation of Windows licensing) instead of
 * giving it a mock result.
 *
 * - One lab machine per target: an Azure VM (resource group + VM name) or an SSH host. Its role, OS and
 *   Office product come from what the program registered: the KmsHost / KmsClient summaries, and the
 *   image of a VM the program creates.
 * - Steps run when the SDK would send them to the engine: after their dependencies, with their registered
 *   parameters, passed as their transport passes them. Their output comes back as the transport returns
 *   it (Managed Run Command keeps the last 4,096 bytes; the result is read with the get-invoke), so the
 *   components' outputs, the threshold barrier (`<host>-count`) and the `<client>-activate` steps follow
 *   as in `pulumi up`. A step that exits non-zero fails its resource and what depends on it.
 * - The lab's DNS gets the `_vlmcs._tcp` SRV records and A records the program registers, and the names
 *   clients reach a host by (its VM name, address, `fqdn`).
 * - With a state directory the machines stay between rehearsals, and so do the steps' inputs: as the
 *   engine does, a step whose inputs did not change is not run again (its last result is read back).
 * - `KmsHost.externalClients` (machines outside the stack that count) become lab machines that ask the
 *   host right after its setup, as clients already pointed at it would at their next attempt.
 *
 * A required secret that kms-plan cannot read (`secure:` config, or none) is planned with a placeholder;
 * for a host key (or Office host key, or Volume License Pack location) the rehearsal hands the lab's
 * own stand-in for the host's key group instead. A value the user gave is passed as given.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import { canActivate, normalizeHostOs, requireProduct } from "../components/catalog";
import { marketplaceImage, PRODUCTS_WITH_IMAGES } from "../components/images";
import {
  clientActivateParameters,
  clientSetupParameters,
  encodeParameterValue,
  loadScript,
  OFFICE_APPLICATION_ID,
  WINDOWS_APPLICATION_ID,
} from "../components/scripts";
import {
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
  KmsClientSummary,
  KmsHostSummary,
} from "../components/summary";
import { commandFailure, deterministicGuid, runCommandFailure } from "./plan/mocks";
import type { LabHook, ObservedResource, RemoteOutcome, RemoteStep } from "./plan/mocks";
import type { LabCall, LabMachineSpec } from "./lab";
import { placeholder, plan } from "./plan";
import type { PlanOptions, PlanProgram, PlanResult } from "./plan";

// ---------------------------------------------------------------- the lab, as the rehearsal uses it

export type MicrosoftActivation = "up" | "down" | "flaky";

/** A machine the rehearsal adds to the lab (the lab's own type). */
export type { LabMachineSpec };

export interface LabSrvEntry {
  target: string;
  port: number;
  priority: number;
  weight: number;
}

/** A script run as the lab takes it: the Run Command or SSH transport's request. */
export type LabRunRequest = LabCall;

/** A machine's state as the lab reports it. */
export interface LabMachineState {
  name: string;
  role: "host" | "client";
  product?: string;
  /** A name ("Licensed") or `SoftwareLicensingProduct.LicenseStatus` (0–6). */
  licenseStatus?: string | number;
  activated?: boolean;
  activatedBy?: string | null;
  currentCount?: number | null;
  changed?: string[];
  errorCode?: string | null;
  cmid?: string;
  [k: string]: unknown;
}

type MaybePromise<T> = T | Promise<T>;

/** The lab's interface (tools/lab); tests may pass their own. */
export interface LabLike {
  addMachine(spec: LabMachineSpec): MaybePromise<unknown>;
  setSrvRecords(domain: string, entries: LabSrvEntry[]): MaybePromise<unknown>;
  setAddress(fqdn: string, machine: string): MaybePromise<unknown>;
  setConditions(conditions: { microsoftActivation?: MicrosoftActivation }): MaybePromise<unknown>;
  run(machine: string, request: LabRunRequest): MaybePromise<RemoteOutcome>;
  state(machine: string): MaybePromise<LabMachineState | undefined>;
  machines(): MaybePromise<LabMachineState[]>;
  close(): MaybePromise<unknown>;
  /** A host key the lab's hosts take as a CSVLK of the key group (catalog id, e.g. "Windows Server 2022"). */
  hostKey?(keyGroup: string): string;
  /** An Office host key of that Office version ("LTSC 2024"). */
  officeHostKey?(version: string): string;
  /** Where the lab's host finds that version's Volume License Pack. */
  volumeLicensePack?(version: string): string;
}

/** Opens the lab of tools/lab (loaded on first use: `kms-plan` without `--lab` never loads it). */
export async function openLab(options: { stateDir?: string; pwsh?: string }): Promise<LabLike> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require("./lab") as {
    Lab: {
      open(o: { stateDir?: string; pwsh?: string }): MaybePromise<LabLike & { stateDir: string }>;
    };
    labHostKey: (group: string) => string;
  };
  const lab = await mod.Lab.open(options);
  return Object.assign(lab, {
    hostKey: (group: string) => mod.labHostKey(group),
    officeHostKey: (version: string) => mod.labHostKey(`Office ${version}`),
    volumeLicensePack: (version: string) => labVolumeLicensePack(lab.stateDir, version),
  });
}

/**
 * A Volume License Pack folder the lab's hosts accept for an Office version (docs/lab.md: a folder of
 * `.xrm-ms` files holding `<kmslab:officeHostLicense version="…"/>`), made in the lab's state directory.
 */
export function labVolumeLicensePack(stateDir: string, version: string): string {
  const dir = path.join(stateDir, "packs", `office-${version.toLowerCase().replace(/\s+/g, "-")}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "kms-lab-office-host.xrm-ms"),
    `<kmslab:officeHostLicense version="${version}"/>\n`,
  );
  return dir;
}

// ---------------------------------------------------------------- options and report

/** What the user can set about the machines and the world around them. */
export interface RehearsalConditions {
  /**
   * Images of Azure VMs: "marketplace" (the VM holds its setup key and Azure's own KMS licensed it before
   * our scripts run) or "custom" (not licensed).
   * @default - "marketplace" for Azure VMs (a VM the program creates from an image id: "custom"); SSH
   * machines are never licensed by Azure
   */
  images?: "marketplace" | "custom";
  /**
   * Machines made from one image share its client machine ID (generalized with SkipRearm=1, not rearmed),
   * so a host counts them once.
   * @default false
   */
  sharedCmid?: boolean;
  /** Microsoft's activation service, as the host's online activation sees it. @default "up" */
  microsoftActivation?: MicrosoftActivation;
  /**
   * DNS domain of the machines (DNS discovery looks up `_vlmcs._tcp.<domain>`).
   * @default - the domain of the program's `_vlmcs._tcp` record when it registers exactly one
   */
  domain?: string;
}

export interface RehearsalOptions extends RehearsalConditions {
  /** Keep the machines (and the steps' last inputs) here between rehearsals. @default - a fresh lab */
  stateDir?: string;
  /** pwsh to run the scripts with. @default - found by the lab */
  pwsh?: string;
  /** A lab to use instead of opening tools/lab (tests). */
  lab?: LabLike;
}

export interface RehearsalMachine {
  name: string;
  role: "host" | "client";
  product?: string;
  licenseStatus?: string;
  activated: boolean;
  /** "host:port" that activated it last. */
  activatedBy?: string;
  /** Hosts: the Windows count. */
  currentCount?: number;
  /** What this rehearsal's steps changed on it ([] when nothing ran on it). */
  changed: string[];
  errorCode?: string;
  cmid?: string;
  /** "azure:<rg>/<vm>" or "ssh:<host>:<port>"; "external" for a machine stood in for externalClients. */
  target: string;
  office?: string;
}

export interface RehearsalStep {
  name: string;
  machine: string;
  script?: string;
  transport: "runCommand" | "ssh";
  /** False when its inputs did not change since the last rehearsal with this state (not run again). */
  ran: boolean;
  exitCode: number;
  changed: string[];
  durationMs: number;
}

export interface RehearsalFailure {
  step: string;
  machine: string;
  message: string;
}

export interface LabReport {
  machines: RehearsalMachine[];
  steps: RehearsalStep[];
  /** Steps that exited non-zero (they failed `pulumi up`). */
  failures: RehearsalFailure[];
  /** Everything that failed the deployment, as `pulumi up` reports it (failed steps and what needed them). */
  deploymentErrors: string[];
  /** External clients that could not reach the host (not a deployment failure). */
  warnings: string[];
  conditions: Required<Omit<RehearsalConditions, "domain">> & { domain?: string };
  stateDir?: string;
}

export interface RehearsalResult extends PlanResult {
  lab: LabReport;
}

// ---------------------------------------------------------------- helpers

const PLACEHOLDER_PREFIX = placeholder("").replace(/\)$/, "");
const STEPS_FILE = "rehearsal-steps.json";
const DEFAULT_HOST_VERSION = "2022";
const DEFAULT_CLIENT_OS = "Windows Server 2022 Datacenter";

/** A placeholder as planned, or as the components send it encoded (`base64:…`, see encodeParameterValue). */
function isPlaceholder(v: string): boolean {
  const text = v.startsWith("base64:") ? Buffer.from(v.slice(7), "base64").toString("utf8") : v;
  return text.startsWith(PLACEHOLDER_PREFIX);
}

/** A computer name, as the lab takes it: letters, digits and hyphens, at most 63. */
function labName(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63) || "machine"
  );
}

const LICENSE_STATUS = [
  "Unlicensed",
  "Licensed",
  "OOBGrace",
  "OOTGrace",
  "NonGenuineGrace",
  "Notification",
  "ExtendedGrace",
];

function licenseStatusName(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number") return LICENSE_STATUS[v] ?? "Unknown";
  return undefined;
}

/** The JSON result line of a script output (the last line that is a JSON object). */
export function resultLine(output: string): Record<string, unknown> | undefined {
  const lines = output.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i].trim();
    if (l === "") continue;
    if (!l.startsWith("{")) return undefined;
    try {
      const doc = JSON.parse(l) as unknown;
      return doc !== null && typeof doc === "object" ? (doc as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** Product of a Windows host of that version: Datacenter for servers (the image KmsHost creates). */
export function hostProduct(version: string | undefined): string {
  const osName = normalizeHostOs(version ?? DEFAULT_HOST_VERSION) ?? "Windows Server 2022";
  return osName.startsWith("Windows Server") ? `${osName} Datacenter` : `${osName} Enterprise`;
}

function imageProduct(image: Record<string, unknown> | undefined): string | undefined {
  if (!image) return undefined;
  for (const p of PRODUCTS_WITH_IMAGES) {
    const m = marketplaceImage(p)!;
    if (m.offer === image.offer && m.sku === image.sku) return p;
  }
  const sku = typeof image.sku === "string" ? image.sku : "";
  const server = /^(2012-r2|2016|2019|2022|2025)-datacenter/i.exec(sku);
  if (server) return `Windows Server ${server[1].replace("-r2", " R2")} Datacenter`;
  return undefined;
}

/** "LTSC2024" (as the parameter travels, without spaces) → "LTSC 2024"; "2019" stays. */
function officeVersionName(v: string | undefined): string | undefined {
  if (v === undefined || v === "") return undefined;
  return v.replace(/_/g, " ").replace(/^LTSC\s*(\d{4})$/i, "LTSC $1");
}

const OFFICE_CLIENT_PRODUCT: Record<string, string> = {
  "LTSC 2024": "Office LTSC Professional Plus 2024",
  "LTSC 2021": "Office LTSC Professional Plus 2021",
  "2019": "Office Professional Plus 2019",
  "2016": "Office Professional Plus 2016",
};

// ---------------------------------------------------------------- the rehearsal

interface StoredStep {
  digest: string;
  machine: string;
  outcome: RemoteOutcome;
}

interface MachineInfo {
  key: string;
  name: string;
  role: "host" | "client";
  os: string;
  office?: string;
  target: string;
}

/** One rehearsal: the lab hook given to plan(), and what it saw. */
class Rehearsal {
  private readonly hosts = new Map<string, KmsHostSummary>();
  private readonly clients: KmsClientSummary[] = [];
  private readonly vms = new Map<string, Record<string, unknown>>(); // azure:<rg>/<vm> → inputs
  private readonly nicIps = new Map<string, string>(); // NIC id → private IP
  private readonly srv = new Map<string, LabSrvEntry[]>(); // domain → entries
  private readonly addresses = new Map<
    string,
    { machineKey?: string; ip?: string; host?: string }
  >();
  private readonly machines = new Map<string, Promise<MachineInfo>>();
  private readonly machineByKey = new Map<string, MachineInfo>();
  private readonly labNames = new Set<string>();
  /** Machines the lab already has (kept from an earlier rehearsal). */
  private existing = new Set<string>();
  private readonly hostOfMachine = new Map<string, string>(); // machine key → KmsHost name
  private readonly hostSetupsDone = new Map<string, number>();
  private readonly pending: Promise<unknown>[] = [];
  private readonly appliedAddresses = new Set<string>();
  readonly steps: RehearsalStep[] = [];
  readonly failures: RehearsalFailure[] = [];
  readonly warnings: string[] = [];
  readonly changedByMachine = new Map<string, string[]>();
  /** External clients set up in this rehearsal, with their setup parameters (for their next attempt). */
  private readonly externals: { name: string; setup: Record<string, string>; host: string }[] = [];
  /** Serialises lab calls that change DNS (cheap) with machine creation; starts once the lab is open. */
  private dnsChain: Promise<unknown>;

  /** The lab, once open (it opens while the program is loaded and planned). */
  private lab!: LabLike;
  /** Resolves when the lab is open, its conditions set and its machines read. */
  readonly ready: Promise<void>;

  constructor(
    labOpening: Promise<LabLike>,
    private readonly conditions: RehearsalConditions,
    private readonly previous: Record<string, StoredStep>,
    readonly next: Record<string, StoredStep>,
  ) {
    this.ready = labOpening.then(async (lab) => {
      this.lab = lab;
      await lab.setConditions({ microsoftActivation: conditions.microsoftActivation ?? "up" });
      this.existing = new Set((await lab.machines()).map((m) => m.name));
    });
    this.ready.catch(() => undefined);
    this.dnsChain = this.ready.catch(() => undefined);
  }

  private running = 0;
  private finished = 0;
  /** Failed steps as `pulumi up` words them. */
  readonly failureErrors: string[] = [];

  readonly hook: LabHook = {
    observe: (r) => this.observe(r),
    run: async (step) => {
      this.running++;
      try {
        return await this.run(step);
      } finally {
        this.running--;
        this.finished++;
      }
    },
    activity: () => ({
      running: this.running,
      finished: this.finished,
      failed: this.failures.length,
    }),
  };

  /** Waits for work started outside the SDK's view (external clients). */
  async settle(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
    await this.dnsChain;
  }

  // ------------------------------------------------------------ what the program registers

  private observe(r: ObservedResource): void {
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
      this.lazyDns(() => this.lab.setSrvRecords(domain, entries));
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
      this.lazyDns(() => this.applyAddresses());
    }
  }

  private lazyDns(f: () => unknown): void {
    this.dnsChain = this.dnsChain.then(f).catch((e) => {
      this.warnings.push(`lab DNS: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /** The domain of the only `_vlmcs._tcp` record, when there is one. */
  private defaultDomain(): string | undefined {
    if (this.conditions.domain) return this.conditions.domain;
    return this.srv.size === 1 ? [...this.srv.keys()][0] : undefined;
  }

  // ------------------------------------------------------------ machines

  private machineKey(step: RemoteStep): string {
    if (step.transport === "runCommand") {
      return `azure:${step.vm!.resourceGroupName.toLowerCase()}/${step.vm!.vmName.toLowerCase()}`;
    }
    return `ssh:${step.ssh!.host.toLowerCase()}:${step.ssh!.port}`;
  }

  private uniqueName(base: string, alt: string): string {
    let name = labName(base);
    if (this.labNames.has(name)) name = labName(alt);
    let i = 2;
    const stem = name;
    while (this.labNames.has(name)) name = `${stem}-${i++}`;
    this.labNames.add(name);
    return name;
  }

  private machineFor(step: RemoteStep): Promise<MachineInfo> {
    const key = this.machineKey(step);
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
    const vm = this.vms.get(key);
    const storage = vm?.storageProfile as { imageReference?: Record<string, unknown> } | undefined;
    const image = storage?.imageReference;
    let osName: string;
    let office: string | undefined;
    if (role === "host") {
      const summary = step.parentName ? this.hosts.get(step.parentName) : undefined;
      if (step.parentName) this.hostOfMachine.set(key, step.parentName);
      osName = hostProduct(summary?.windowsServerVersion);
    } else {
      const mine = this.clients.filter((c) => c.machine === key);
      const windows = mine.find((c) => c.family !== "office" && c.product);
      office = mine.find((c) => c.family === "office" && c.product)?.product;
      osName = windows?.product ?? imageProduct(image) ?? DEFAULT_CLIENT_OS;
    }
    const marketplace =
      step.transport !== "runCommand"
        ? false
        : this.conditions.images !== undefined
          ? this.conditions.images === "marketplace"
          : !(image && typeof image.id === "string" && image.id !== "");
    const info: MachineInfo = {
      key,
      name,
      role,
      os: osName,
      ...(office ? { office } : {}),
      target: key,
    };
    if (!this.existing.has(name)) {
      const domain = this.defaultDomain();
      await this.lab.addMachine({
        name,
        role,
        os: osName,
        ...(domain ? { domain } : {}),
        marketplaceImage: marketplace,
        cmid: this.conditions.sharedCmid
          ? deterministicGuid(`image:${osName}`)
          : deterministicGuid(`cmid:${key}`),
        ...(office ? { office: [office] } : {}),
      });
    }
    this.machineByKey.set(key, info);
    if (role === "host") await this.addHostAddresses(info, step);
    return info;
  }

  /** The names clients may use for a host: its VM name, address, summary fqdn, A records naming it. */
  private async addHostAddresses(info: MachineInfo, step: RemoteStep): Promise<void> {
    const names = new Set<string>();
    const summary = step.parentName ? this.hosts.get(step.parentName) : undefined;
    if (summary?.fqdn) names.add(summary.fqdn);
    if (summary?.dns?.hostFqdn) names.add(summary.dns.hostFqdn);
    if (step.transport === "ssh") names.add(step.ssh!.host);
    else {
      names.add(step.vm!.vmName);
      const vm = this.vms.get(info.key);
      const nics = (vm?.networkProfile as { networkInterfaces?: { id?: unknown }[] } | undefined)
        ?.networkInterfaces;
      for (const n of nics ?? []) {
        const ip = typeof n.id === "string" ? this.nicIps.get(n.id) : undefined;
        if (ip) names.add(ip);
      }
      const computerName = (vm?.osProfile as { computerName?: unknown } | undefined)?.computerName;
      if (typeof computerName === "string") names.add(computerName);
    }
    for (const n of names) {
      const a = this.addresses.get(n.toLowerCase());
      this.addresses.set(n.toLowerCase(), { ...a, machineKey: info.key });
    }
    this.lazyDns(() => this.applyAddresses());
    await this.dnsChain;
  }

  /** Tells the lab every address whose machine is known now. */
  private async applyAddresses(): Promise<void> {
    const byIp = new Map<string, string>();
    for (const [n, a] of this.addresses) {
      if (a.machineKey && /^\d+\.\d+\.\d+\.\d+$/.test(n)) byIp.set(n, a.machineKey);
    }
    const hostKeys = new Map<string, string>();
    for (const [k, h] of this.hostOfMachine) hostKeys.set(h, k);
    for (const [fqdn, a] of this.addresses) {
      const key =
        a.machineKey ??
        (a.host ? hostKeys.get(a.host) : undefined) ??
        (a.ip ? byIp.get(a.ip) : undefined);
      const machine = key ? this.machineByKey.get(key) : undefined;
      if (!machine) continue;
      const applied = `${fqdn}→${machine.name}`;
      if (this.appliedAddresses.has(applied)) continue;
      this.appliedAddresses.add(applied);
      await this.lab.setAddress(fqdn, machine.name);
    }
  }

  // ------------------------------------------------------------ steps

  private digest(step: RemoteStep): string {
    const payload = {
      type: step.type,
      name: step.name,
      vm: step.vm,
      ssh: step.ssh,
      runCommand: step.runCommand,
      command: step.command,
    };
    return createHash("sha256").update(JSON.stringify(payload)).digest("hex");
  }

  /** The values the lab stands in for placeholders (a secret kms-plan cannot read). */
  private substitute(
    params: { name: string; value: string }[],
    step: RemoteStep,
  ): { name: string; value: string }[] {
    const summary = step.parentName ? this.hosts.get(step.parentName) : undefined;
    const officeVersion = officeVersionName(
      step.runCommand?.parameters.find((p) => p.name === "OfficeVersion")?.value ??
        params.find((p) => p.name === "OfficeVersion")?.value,
    );
    return params.map((p) => {
      if (!isPlaceholder(p.value)) return p;
      if (p.name === "HostKey") {
        const key = officeVersion
          ? this.lab.officeHostKey?.(officeVersion)
          : this.lab.hostKey?.(
              summary?.keyGroup ??
                normalizeHostOs(summary?.windowsServerVersion ?? DEFAULT_HOST_VERSION) ??
                "Windows Server 2022",
            );
        return key ? { ...p, value: key } : p;
      }
      if (p.name === "VolumeLicensePack" && officeVersion) {
        const pack = this.lab.volumeLicensePack?.(officeVersion);
        // Sent as KmsHost sends a pack location: encoded where Run Command would cut it.
        return pack !== undefined ? { ...p, value: encodeParameterValue(pack) } : p;
      }
      return p;
    });
  }

  private request(step: RemoteStep): LabRunRequest {
    if (step.transport === "runCommand") {
      const rc = step.runCommand!;
      return {
        transport: "runCommand",
        script: rc.script,
        parameters: this.substitute(rc.parameters, step),
        ...(rc.protectedParameters.length > 0
          ? { protectedParameters: this.substitute(rc.protectedParameters, step) }
          : {}),
      };
    }
    let stdin = step.command!.stdin;
    try {
      const doc = JSON.parse(stdin) as { script?: string; parameters?: Record<string, unknown> };
      if (doc.parameters) {
        const list = Object.entries(doc.parameters).map(([name, v]) => ({
          name,
          value: v === null || v === undefined ? "" : String(v),
        }));
        const replaced = this.substitute(list, step);
        if (replaced.some((p, i) => p.value !== list[i].value)) {
          doc.parameters = Object.fromEntries(replaced.map((p) => [p.name, p.value]));
          stdin = JSON.stringify(doc);
        }
      }
    } catch {
      // not our bootstrap's document: passed as given
    }
    return { transport: "ssh", command: step.command!.create, stdin };
  }

  private async run(step: RemoteStep): Promise<RemoteOutcome> {
    await this.ready;
    await this.dnsChain;
    const machine = await this.machineFor(step);
    const id = `${step.type}::${step.name}`;
    const digest = this.digest(step);
    const before = this.previous[id];
    const started = Date.now();
    let outcome: RemoteOutcome;
    let ran = true;
    if (before && before.digest === digest && before.outcome.exitCode === 0) {
      // The engine sees no change: the resource is not updated, its last result is read back.
      outcome = before.outcome;
      ran = false;
    } else {
      try {
        outcome = await this.lab.run(machine.name, this.request(step));
      } catch (e) {
        outcome = {
          exitCode: -1,
          output: "",
          error: `the lab could not run the step: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
    }
    this.next[id] = { digest, machine: machine.name, outcome };
    const result = resultLine(outcome.output);
    const changed = ran ? stringList(result?.changed) : [];
    this.steps.push({
      name: step.name,
      machine: machine.name,
      ...(step.script ? { script: step.script.kind } : {}),
      transport: step.transport,
      ran,
      exitCode: outcome.exitCode,
      changed,
      durationMs: Date.now() - started,
    });
    if (ran) {
      const list = this.changedByMachine.get(machine.name) ?? [];
      for (const c of changed) if (!list.includes(c)) list.push(c);
      this.changedByMachine.set(machine.name, list);
    }
    if (outcome.exitCode !== 0) {
      const message =
        (typeof result?.message === "string" && result.message) ||
        outcome.error.trim() ||
        outcome.output.trim().split(/\r?\n/).slice(-3).join("\n") ||
        `exit code ${outcome.exitCode}`;
      this.failures.push({ step: step.name, machine: machine.name, message });
      this.failureErrors.push(
        (step.transport === "runCommand"
          ? runCommandFailure(step.name, step.vm!, outcome)
          : commandFailure(step.name, step.ssh!, outcome)
        ).message,
      );
    } else if (ran && step.script?.kind === "host-setup" && machine.role === "host") {
      await this.afterHostSetup(machine);
    }
    return outcome;
  }

  // ------------------------------------------------------------ clients outside the stack

  private async afterHostSetup(host: MachineInfo): Promise<void> {
    const hostName = this.hostOfMachine.get(host.key);
    const summary = hostName ? this.hosts.get(hostName) : undefined;
    if (!summary) return;
    const done = (this.hostSetupsDone.get(host.key) ?? 0) + 1;
    this.hostSetupsDone.set(host.key, done);
    // After the last of the host's setups (Windows, then one per Office version).
    if (done !== 1 + (summary.officeVersions?.length ?? 0)) return;
    const ext = summary.externalClients ?? { windowsClient: 0, windowsServer: 0, office: 0 };
    if (ext.windowsClient + ext.windowsServer + ext.office === 0) return;
    const work = this.runExternals(host, summary, ext);
    this.pending.push(work);
    await work;
  }

  private async runExternals(
    host: MachineInfo,
    summary: KmsHostSummary,
    ext: { windowsClient: number; windowsServer: number; office: number },
  ): Promise<void> {
    const keyGroup =
      summary.keyGroup ?? normalizeHostOs(summary.windowsServerVersion ?? DEFAULT_HOST_VERSION);
    const pick = (candidates: string[]): string | undefined =>
      candidates.find((p) => {
        try {
          return keyGroup ? canActivate(keyGroup, p) : false;
        } catch {
          return false;
        }
      });
    const server = pick([
      host.os,
      "Windows Server 2022 Datacenter",
      "Windows Server 2019 Datacenter",
    ]);
    const client = pick(["Windows 11 Enterprise", "Windows 10 Enterprise"]);
    const officeVersion = summary.officeVersions?.[0];
    const officeProduct = officeVersion ? OFFICE_CLIENT_PRODUCT[officeVersion] : undefined;
    const kmsHost = summary.fqdn ?? host.name;
    const port = summary.port ?? 1688;
    // A name clients can resolve: the host's fqdn, else its lab name.
    await this.lab.setAddress(kmsHost, host.name);
    const groups: { kind: string; n: number; os?: string; office?: string }[] = [
      { kind: "server", n: ext.windowsServer, os: server },
      { kind: "client", n: ext.windowsClient, os: client },
      { kind: "office", n: ext.office, os: server ?? DEFAULT_CLIENT_OS, office: officeProduct },
    ];
    for (const g of groups) {
      const n = Math.min(g.n, 50);
      if (n === 0) continue;
      if (!g.os || (g.kind === "office" && !g.office)) {
        this.warnings.push(
          `externalClients.${g.kind === "server" ? "windowsServer" : g.kind === "client" ? "windowsClient" : "office"} of KmsHost "${summary.name}": no product its key group activates; not rehearsed`,
        );
        continue;
      }
      for (let i = 1; i <= n; i++) {
        const name = this.uniqueName(
          `${host.name}-ext-${g.kind}-${String(i).padStart(2, "0")}`,
          `${host.name}-external-${g.kind}-${i}`,
        );
        if (!this.existing.has(name)) {
          await this.lab.addMachine({
            name,
            role: "client",
            os: g.os,
            ...(this.defaultDomain() ? { domain: this.defaultDomain() } : {}),
            marketplaceImage: false,
            cmid: deterministicGuid(`cmid:external:${name}`),
            ...(g.office ? { office: [g.office] } : {}),
          });
        } else {
          continue; // kept from an earlier rehearsal: already counted
        }
        const product = requireProduct(g.office ?? g.os, "product");
        const params = clientSetupParameters({
          setupKey: product.setupKey,
          kmsServer: kmsHost,
          kmsPort: port,
          applicationId:
            product.family === "office" ? OFFICE_APPLICATION_ID : WINDOWS_APPLICATION_ID,
        }).parameters;
        const outcome = await this.lab.run(name, {
          transport: "runCommand",
          script: loadScript("client-setup"),
          parameters: Object.entries(params).map(([k, v]) => ({ name: k, value: v })),
        });
        this.changedByMachine.set(name, stringList(resultLine(outcome.output)?.changed));
        this.externals.push({ name, setup: params, host: summary.name });
        if (outcome.exitCode !== 0) {
          const r = resultLine(outcome.output);
          this.warnings.push(
            `external client ${name} (stands in for externalClients of KmsHost "${summary.name}") failed: ${typeof r?.message === "string" ? r.message : outcome.error || `exit code ${outcome.exitCode}`}`,
          );
        }
      }
    }
  }

  /**
   * External clients that asked before the host's count was reached are pending (0xC004F038) and would
   * ask again at their next attempt (every activation interval, 120 minutes by default): they ask once
   * more after the deployment, so the rehearsal ends where the stack is after that interval.
   */
  async retryExternals(): Promise<void> {
    if (this.externals.length === 0) return;
    await this.ready;
    const states = new Map((await this.lab.machines()).map((m) => [m.name, m]));
    for (const e of this.externals) {
      const st = states.get(e.name);
      if (!st || st.errorCode !== "0xC004F038") continue;
      const outcome = await this.lab.run(e.name, {
        transport: "runCommand",
        script: loadScript("client-activate"),
        parameters: Object.entries(
          clientActivateParameters(e.setup.ApplicationId ?? WINDOWS_APPLICATION_ID, e.setup)
            .parameters,
        ).map(([name, value]) => ({ name, value })),
      });
      const list = this.changedByMachine.get(e.name) ?? [];
      for (const c of stringList(resultLine(outcome.output)?.changed))
        if (!list.includes(c)) list.push(c);
      this.changedByMachine.set(e.name, list);
      if (outcome.exitCode !== 0) {
        const r = resultLine(outcome.output);
        this.warnings.push(
          `external client ${e.name} (stands in for externalClients of KmsHost "${e.host}") failed at its next attempt: ${typeof r?.message === "string" ? r.message : outcome.error || `exit code ${outcome.exitCode}`}`,
        );
      }
    }
  }

  // ------------------------------------------------------------ report

  async report(): Promise<RehearsalMachine[]> {
    await this.ready;
    const states = await this.lab.machines();
    const keyOf = new Map<string, MachineInfo>();
    for (const m of this.machineByKey.values()) keyOf.set(m.name, m);
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
        changed: this.changedByMachine.get(s.name) ?? [],
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
}

/**
 * After a failed deployment, what waited for the failed step never settles (the engine would stop the
 * program). The SDK reports such promises as leaks when the process exits; they are expected here.
 */
function forgetStrandedPromises(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
      leakedPromises?: () => unknown;
    };
    debuggable.leakedPromises?.();
  } catch {
    // an SDK without it: the leak report stays
  }
}

function readSteps(stateDir: string | undefined): Record<string, StoredStep> {
  if (!stateDir) return {};
  const file = path.join(stateDir, STEPS_FILE);
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, StoredStep>;
  } catch {
    return {};
  }
}

/**
 * Plans `program` as an update and rehearses its remote steps in the lab (see the file comment).
 * The plan's policies run as in `plan()`; their violations do not stop the rehearsal.
 */
export async function rehearse(
  program: PlanProgram,
  options: RehearsalOptions = {},
  planOptions: Omit<PlanOptions, "lab" | "preview" | "clientsPendingAtSetup"> = {},
): Promise<RehearsalResult> {
  const stateDir = options.stateDir ? path.resolve(options.stateDir) : undefined;
  if (stateDir) fs.mkdirSync(stateDir, { recursive: true });
  // The lab (a pwsh process) starts while the program is loaded and planned.
  const opening: Promise<LabLike> = options.lab
    ? Promise.resolve(options.lab)
    : openLab({
        ...(stateDir ? { stateDir } : {}),
        ...(options.pwsh ? { pwsh: options.pwsh } : {}),
      });
  const conditions = {
    images: options.images,
    sharedCmid: options.sharedCmid ?? false,
    microsoftActivation: options.microsoftActivation ?? "up",
    ...(options.domain ? { domain: options.domain } : {}),
  };
  const next: Record<string, StoredStep> = {};
  const rehearsal = new Rehearsal(opening, conditions, readSteps(stateDir), next);
  try {
    const result = await plan(program, { ...planOptions, preview: false, lab: rehearsal.hook });
    try {
      await rehearsal.ready;
    } catch (e) {
      forgetStrandedPromises();
      throw new LabStartError(e instanceof Error ? e.message : String(e));
    }
    await rehearsal.settle();
    await rehearsal.retryExternals();
    const deploymentErrors = [...rehearsal.failureErrors, ...(result.deploymentErrors ?? [])];
    if (deploymentErrors.length > 0) forgetStrandedPromises();
    const machines = await rehearsal.report();
    if (stateDir) {
      // Steps not registered this time keep their last inputs (the engine would delete them).
      const kept = { ...readSteps(stateDir), ...next };
      fs.writeFileSync(path.join(stateDir, STEPS_FILE), JSON.stringify(kept, null, 1));
    }
    return {
      ...result,
      lab: {
        machines,
        steps: rehearsal.steps,
        failures: rehearsal.failures,
        deploymentErrors,
        warnings: rehearsal.warnings,
        conditions: {
          images: conditions.images ?? "marketplace",
          sharedCmid: conditions.sharedCmid,
          microsoftActivation: conditions.microsoftActivation,
          ...(conditions.domain ? { domain: conditions.domain } : {}),
        },
        ...(stateDir ? { stateDir } : {}),
      },
    };
  } finally {
    if (!options.lab) await opening.then((lab) => lab.close()).catch(() => undefined);
  }
}

/** The lab could not start (no pwsh, a broken install): nothing was rehearsed. */
export class LabStartError extends Error {
  constructor(message: string) {
    super(`the lab could not start: ${message}`);
    this.name = "LabStartError";
  }
}

/** The rehearsal as text: one line per machine, then failed steps and warnings. */
export function formatRehearsal(report: LabReport): string {
  const ran = report.steps.filter((s) => s.ran).length;
  const lines = [
    `Rehearsal in the lab (${report.steps.length} steps, ${ran} ran, ${report.steps.length - ran} unchanged, ${report.failures.length} failed):`,
  ];
  const width = Math.max(4, ...report.machines.map((m) => m.name.length));
  const pwidth = Math.max(7, ...report.machines.map((m) => (m.product ?? "").length));
  for (const m of report.machines) {
    const state =
      m.role === "host"
        ? `${m.licenseStatus ?? "?"}, count ${m.currentCount ?? "n/a"}`
        : m.activated
          ? `${m.licenseStatus ?? "Licensed"}, activated by ${m.activatedBy ?? "?"}${m.errorCode ? ` (last ask: ${m.errorCode})` : ""}`
          : `${m.licenseStatus ?? "?"}, not activated${m.errorCode ? ` (${m.errorCode})` : ""}`;
    const office = m.office ? ` + ${m.office}` : "";
    const changed = m.changed.length > 0 ? `  changed: ${m.changed.join(", ")}` : "";
    lines.push(
      `  ${m.role.padEnd(6)} ${m.name.padEnd(width)}  ${(m.product ?? "").padEnd(pwidth)}${office}  ${state}${changed}`,
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

/** A temporary directory for a lab that keeps nothing (removed by the caller). */
export function temporaryStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "kms-lab-"));
}
