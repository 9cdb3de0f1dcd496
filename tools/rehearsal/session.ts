/** One rehearsal: the lab hook given to plan(), the lab machines it makes, the steps it runs. */
import { KMS_CLIENT_TYPE, KMS_HOST_TYPE } from "../../components/summary";
import { deterministicGuid } from "../plan/mocks";
import type { LabHook, RemoteOutcome, RemoteStep } from "../plan/mocks";
import { runExternals, retryExternals } from "./externals";
import type { ExternalClient } from "./externals";
import { hostNames, labName, machineKey, machineProducts } from "./naming";
import { ObservedProgram } from "./observed";
import { machineRows } from "./report";
import { labRequest, stepDigest, stepFailure } from "./requests";
import { addChanged, failureMessage, resultLine, stringList } from "./results";
import type { StoredStep } from "./results";
import type {
  LabLike,
  MachineInfo,
  RehearsalConditions,
  RehearsalFailure,
  RehearsalMachine,
  RehearsalStep,
} from "./types";

/** One rehearsal: the lab hook given to plan(), and what it saw. */
export class Rehearsal {
  /** What the program registers. */
  private readonly program = new ObservedProgram({
    srv: (domain, entries) => this.lazyDns(() => this.lab.setSrvRecords(domain, entries)),
    address: () => this.lazyDns(() => this.applyAddresses()),
  });
  private readonly machines = new Map<string, Promise<MachineInfo>>();
  private readonly machineByKey = new Map<string, MachineInfo>();
  private readonly labNames = new Set<string>();
  /** Machines the lab already has (kept from an earlier rehearsal). */
  existing = new Set<string>();
  private readonly hostOfMachine = new Map<string, string>(); // machine key → KmsHost name
  private readonly hostSetupsDone = new Map<string, number>();
  private readonly pending: Promise<unknown>[] = [];
  private readonly appliedAddresses = new Set<string>();
  readonly steps: RehearsalStep[] = [];
  readonly failures: RehearsalFailure[] = [];
  readonly warnings: string[] = [];
  readonly changedByMachine = new Map<string, string[]>();
  /** External clients set up in this rehearsal, with their setup parameters (for their next attempt). */
  readonly externals: ExternalClient[] = [];
  /** Serialises lab calls that change DNS (cheap) with machine creation; starts once the lab is open. */
  private dnsChain: Promise<unknown>;

  /** The lab, once open (it opens while the program is loaded and planned). */
  lab!: LabLike;
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
    observe: (r) => this.program.observe(r),
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

  private lazyDns(f: () => unknown): void {
    this.dnsChain = this.dnsChain.then(f).catch((e) => {
      this.warnings.push(`lab DNS: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /** The domain of the only `_vlmcs._tcp` record, when there is one. */
  defaultDomain(): string | undefined {
    if (this.conditions.domain) return this.conditions.domain;
    return this.program.srv.size === 1 ? [...this.program.srv.keys()][0] : undefined;
  }

  // ------------------------------------------------------------ machines

  uniqueName(base: string, alt: string): string {
    let name = labName(base);
    if (this.labNames.has(name)) name = labName(alt);
    let i = 2;
    const stem = name;
    while (this.labNames.has(name)) name = `${stem}-${i++}`;
    this.labNames.add(name);
    return name;
  }

  private machineFor(step: RemoteStep): Promise<MachineInfo> {
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
    } = machineProducts(this.program, key, step, role, this.conditions.images);
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
    const names = hostNames(this.program, info.key, step);
    for (const n of names) {
      const a = this.program.addresses.get(n.toLowerCase());
      this.program.addresses.set(n.toLowerCase(), { ...a, machineKey: info.key });
    }
    this.lazyDns(() => this.applyAddresses());
    await this.dnsChain;
  }

  /** Tells the lab every address whose machine is known now. */
  private async applyAddresses(): Promise<void> {
    const byIp = new Map<string, string>();
    for (const [n, a] of this.program.addresses) {
      if (a.machineKey && /^\d+\.\d+\.\d+\.\d+$/.test(n)) byIp.set(n, a.machineKey);
    }
    const hostKeys = new Map<string, string>();
    for (const [k, h] of this.hostOfMachine) hostKeys.set(h, k);
    for (const [fqdn, a] of this.program.addresses) {
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

  private async run(step: RemoteStep): Promise<RemoteOutcome> {
    await this.ready;
    await this.dnsChain;
    const machine = await this.machineFor(step);
    const id = `${step.type}::${step.name}`;
    const digest = stepDigest(step);
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
        outcome = await this.lab.run(
          machine.name,
          labRequest(
            step,
            step.parentName ? this.program.hosts.get(step.parentName) : undefined,
            this.lab,
          ),
        );
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
    if (ran) addChanged(this.changedByMachine, machine.name, changed);
    if (outcome.exitCode !== 0) {
      const message = failureMessage(outcome, result);
      this.failures.push({ step: step.name, machine: machine.name, message });
      this.failureErrors.push(stepFailure(step, outcome).message);
    } else if (ran && step.script?.kind === "host-setup" && machine.role === "host") {
      await this.afterHostSetup(machine);
    }
    return outcome;
  }

  // ------------------------------------------------------------ clients outside the stack

  private async afterHostSetup(host: MachineInfo): Promise<void> {
    const hostName = this.hostOfMachine.get(host.key);
    const summary = hostName ? this.program.hosts.get(hostName) : undefined;
    if (!summary) return;
    const done = (this.hostSetupsDone.get(host.key) ?? 0) + 1;
    this.hostSetupsDone.set(host.key, done);
    // After the last of the host's setups (Windows, then one per Office version).
    if (done !== 1 + (summary.officeVersions?.length ?? 0)) return;
    const ext = summary.externalClients ?? { windowsClient: 0, windowsServer: 0, office: 0 };
    if (ext.windowsClient + ext.windowsServer + ext.office === 0) return;
    const work = runExternals(this, host, summary, ext);
    this.pending.push(work);
    await work;
  }

  /**
   * External clients that asked before the host's count was reached are pending (0xC004F038) and would
   * ask again at their next attempt (every activation interval, 120 minutes by default): they ask once
   * more after the deployment, so the rehearsal ends where the stack is after that interval.
   */
  async retryExternals(): Promise<void> {
    if (this.externals.length === 0) return;
    await this.ready;
    await retryExternals(this);
  }

  // ------------------------------------------------------------ report

  async report(): Promise<RehearsalMachine[]> {
    await this.ready;
    return machineRows(
      await this.lab.machines(),
      this.machineByKey.values(),
      this.changedByMachine,
    );
  }
}
