/** One rehearsal: the lab hook given to plan(), the steps it runs (the lab machines: machines.ts). */
import type { LabHook, RemoteOutcome, RemoteStep } from "../plan/mocks";
import { identityMissing } from "../plan/scriptDownload";
import { runExternals, retryExternals } from "./externals";
import type { ExternalClient } from "./externals";
import { LabMachines } from "./machines";
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
  readonly program = new ObservedProgram({
    srv: (domain, entries) => this.lazyDns(() => this.lab.setSrvRecords(domain, entries)),
    address: () => this.lazyDns(() => this.machines.applyAddresses()),
  });
  private readonly machines = new LabMachines(this);
  /** Machines the lab already has (kept from an earlier rehearsal). */
  existing = new Set<string>();
  private readonly hostSetupsDone = new Map<string, number>();
  private readonly pending: Promise<unknown>[] = [];
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
    readonly conditions: RehearsalConditions,
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

  /** Queues a change of the lab's DNS behind the earlier ones (and machine creation). */
  lazyDns(f: () => unknown): void {
    this.dnsChain = this.dnsChain.then(f).catch((e) => {
      this.warnings.push(`lab DNS: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /** Resolves when every queued DNS change is done. */
  dnsDone(): Promise<unknown> {
    return this.dnsChain;
  }

  /** The domain of the only `_vlmcs._tcp` record, when there is one. */
  defaultDomain(): string | undefined {
    if (this.conditions.domain) return this.conditions.domain;
    return this.program.srv.size === 1 ? [...this.program.srv.keys()][0] : undefined;
  }

  // ------------------------------------------------------------ machines

  uniqueName(base: string, alt: string): string {
    return this.machines.uniqueName(base, alt);
  }

  // ------------------------------------------------------------ steps

  private async run(step: RemoteStep): Promise<RemoteOutcome> {
    await this.ready;
    await this.dnsChain;
    const machine = await this.machines.machineFor(step);
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
      // A VM that cannot read its script by reference: Run Command fails before the script starts.
      const refused = this.downloadFailure(step);
      if (refused) outcome = refused;
      else
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

  /** A Run Command by reference on a VM without the identity it names fails its download (exit 1). */
  private downloadFailure(step: RemoteStep): RemoteOutcome | undefined {
    const ref = step.runCommand;
    if (ref?.scriptUri === undefined || !step.vm) return undefined;
    const { resourceGroupName: rg, vmName } = step.vm;
    const vm = this.program.vms.get(`azure:${rg.toLowerCase()}/${vmName.toLowerCase()}`);
    const why = identityMissing(
      vm,
      vmName,
      { scriptUri: ref.scriptUri, scriptUriManagedIdentity: ref.scriptUriManagedIdentity },
      this.program.identityClientIds,
      this.conditions.vmIdentity === true,
    );
    if (why === undefined) return undefined;
    const uri = ref.scriptUri.replace(/\?.*$/, "?...");
    return {
      exitCode: 1,
      output: "",
      error: `Run Command could not download its script from ${uri}: ${why}\n`,
    };
  }

  // ------------------------------------------------------------ clients outside the stack

  private async afterHostSetup(host: MachineInfo): Promise<void> {
    const hostName = this.machines.hostOfMachine.get(host.key);
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

  // ------------------------------------------------------------ time after the deployment

  /** Lets `minutes` of lab time pass (tools/rehearsal/clock.ts); a lab without a clock cannot. */
  async advance(minutes: number): Promise<void> {
    await this.ready;
    if (!this.lab.advance) {
      this.warnings.push(
        `this lab has no clock: the machines are shown as the deployment left them, not ${minutes} minutes later`,
      );
      return;
    }
    await this.lab.advance(minutes);
  }

  // ------------------------------------------------------------ report

  async report(): Promise<RehearsalMachine[]> {
    await this.ready;
    return machineRows(
      await this.lab.machines(),
      this.machines.byKey.values(),
      this.changedByMachine,
    );
  }
}
