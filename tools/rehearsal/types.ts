/** The rehearsal's types: the lab as the rehearsal uses it, its options and its report. */
import type { LabCall, LabMachineSpec } from "../lab";
import type { RemoteOutcome } from "../plan/mocks";
import type { PlanResult } from "../plan";

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

export type MaybePromise<T> = T | Promise<T>;

/** The lab's interface (tools/lab); tests may pass their own. */
export interface LabLike {
  addMachine(spec: LabMachineSpec): MaybePromise<unknown>;
  setSrvRecords(domain: string, entries: LabSrvEntry[]): MaybePromise<unknown>;
  setAddress(fqdn: string, machine: string): MaybePromise<unknown>;
  setConditions(conditions: { microsoftActivation?: MicrosoftActivation }): MaybePromise<unknown>;
  /** Lets lab time pass: clients retry and renew by themselves (tools/lab `advance`). */
  advance?(minutes: number): MaybePromise<unknown>;
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
   * so a host counts them once. Azure Marketplace Windows Server images are generalized so, existing VMs
   * included: `false` says every VM has a client machine ID of its own (custom images generalized with
   * SkipRearm=0, or VMs already rearmed); `true` makes VMs of custom images share too.
   * @default - true for Azure VMs of Marketplace images, false otherwise
   */
  sharedCmid?: boolean;
  /** Microsoft's activation service, as the host's online activation sees it. @default "up" */
  microsoftActivation?: MicrosoftActivation;
  /**
   * DNS domain of the machines (DNS discovery looks up `_vlmcs._tcp.<domain>`).
   * @default - the domain of the program's `_vlmcs._tcp` record when it registers exactly one
   */
  domain?: string;
  /**
   * The VMs this program does not create (existing `azureVm` targets) have the managed identity their
   * Run Commands read scripts by reference with attached (`--lab-vm-identity`). Without it, the lab cannot
   * see their identities and their download fails (pessimistic).
   * @default false
   */
  vmIdentity?: boolean;
}

export interface RehearsalOptions extends RehearsalConditions {
  /**
   * Shows the lab this many minutes after the deployment (`--lab-after`): meanwhile clients retry and renew
   * by themselves and hosts forget machines not heard from in 30 days. @default 0
   */
  afterMinutes?: number;
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
  /**
   * Clients: licensed by a KMS host of this program (a licence from Azure's own KMS, or any host outside
   * the program, is not). Hosts: their host key is activated.
   */
  activated: boolean;
  /** Clients: "host:port" of this program's host that holds the licence (only when `activated`). */
  activatedBy?: string;
  /** Clients: "name:port" of whoever holds the licence now (e.g. `azkms.core.windows.net:1688`). */
  licensedBy?: string;
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

/** A KmsClient the program points at one of its hosts, and whether that host activated it. */
export interface LabClientVerdict {
  /** The KmsClient's name. */
  client: string;
  /** Its lab machine. */
  machine: string;
  /** The KmsHost the program points it at (the policies' attribution). */
  host: string;
  family: string;
  /** A host of this program holds its licence at the end of the rehearsal. */
  activated: boolean;
  activatedBy?: string;
  /** Who holds the licence now, when someone does. */
  licensedBy?: string;
  /** The last activation error, when not activated. */
  errorCode?: string;
}

export interface LabReport {
  machines: RehearsalMachine[];
  /**
   * Each KmsClient the program points at one of its hosts (and asks to activate): `kms-plan --lab`
   * exits 5 when one of them is not activated by that host at the end.
   */
  clients: LabClientVerdict[];
  steps: RehearsalStep[];
  /** Steps that exited non-zero (they failed `pulumi up`). */
  failures: RehearsalFailure[];
  /** Everything that failed the deployment, as `pulumi up` reports it (failed steps and what needed them). */
  deploymentErrors: string[];
  /** External clients that could not reach the host (not a deployment failure). */
  warnings: string[];
  conditions: Required<Omit<RehearsalConditions, "domain" | "vmIdentity">> & {
    domain?: string;
    vmIdentity?: boolean;
  };
  /** Minutes of lab time after the deployment at which `machines` are read (`--lab-after`). */
  afterMinutes?: number;
  stateDir?: string;
}

export interface RehearsalResult extends PlanResult {
  lab: LabReport;
}

/** A lab machine the rehearsal made for a target (internal). */
export interface MachineInfo {
  key: string;
  name: string;
  role: "host" | "client";
  os: string;
  office?: string;
  target: string;
}
