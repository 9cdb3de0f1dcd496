import * as pulumi from "@pulumi/pulumi";
import { runScript, Target } from "../remote";
import { ClientResult, HostResult, statusParameters } from "../scripts";
import { compareCodePoints } from "../order";
import { KmsConfigError, type KmsHostSummary } from "pulumi-kms-activation-catalog";
import { listOpenBarrier, unlistBarrier } from "./registry";
import { concludeReport } from "./report";
import {
  type ActivationReport,
  type BarrierMember,
  type DeferredMember,
  EMPTY_REPORT,
} from "./types";

export { EMPTY_REPORT } from "./types";
export { openBarrierFor, pointsAt } from "./registry";
export type {
  ActivationReport,
  BarrierMember,
  ClientSteps,
  DeferredMember,
  DuplicateCmid,
} from "./types";

/**
 * The threshold barrier of one KMS host. A client that gets 0xC004F038 before the count is reached would
 * retry only after its activation interval (120 minutes by default). Instead, once every client of the
 * host has run its setup, the host's count is read (`<host>-count`) and every client is asked to
 * activate again (`<client>-activate`, client-activate.ps1), so all of them end the same `pulumi up`
 * activated when together they reach the threshold. Every step is registered when the program declares
 * it, so a preview shows each step `pulumi up` may run and a saved plan (`pulumi up --plan`) holds them;
 * for a client that activated at setup the second ask is one cheap `Activate()` call.
 *
 * Membership does not depend on timing: the clients of a host are those declared in the same
 * synchronous part of the program as the host (the list closes in the microtask queued when the host was
 * declared, before any `await` of the program resumes). A client declared later, after an `await` or in
 * a callback, is refused with a KmsConfigError every time, before anything of it registers.
 */
export class ActivationBarrier {
  private readonly members: BarrierMember[] = [];
  private closed = false;
  /** Clients that arrived after the list closed, for an explicit barrier (the plugin's hosts only). */
  private deferred?: DeferredMember[];
  /** `deferred` by client, so that an explicit barrier of N clients finds each in one map read. */
  private readonly deferredByClient = new Map<pulumi.Resource, DeferredMember>();
  /** The name of the explicit barrier formed from `deferred`, once there is one. */
  private explicitName?: string;
  private countStep?: pulumi.Resource;
  private countRun?: pulumi.Output<HostResult>;
  /** Resolves (with the member count) when the member list closes. Carries no resources: see `sorted`. */
  private readonly declared: Promise<number>;

  /** The host's status after all clients registered; undefined when no client joined. */
  readonly countResult: pulumi.Output<HostResult | undefined>;
  readonly report: pulumi.Output<ActivationReport>;

  constructor(
    readonly hostName: string,
    /** The KmsHost whose barrier this is. */
    readonly host: pulumi.ComponentResource,
    private readonly hostTarget: Target,
    /** The host's setup step: clients wait for it (not for the whole host, whose count step waits for them). */
    readonly hostSetup: pulumi.Resource,
    /** The host's tags, for its count step. */
    private readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>,
  ) {
    this.declared = new Promise((resolve) =>
      // A microtask runs before any `await` of the program resumes, whatever the program waits for:
      // the member list is the same on every run.
      queueMicrotask(() => {
        this.closed = true;
        unlistBarrier(this);
        this.members.sort((a, b) => compareCodePoints(a.name, b.name));
        resolve(this.members.length);
      }),
    );
    // Clients given the host's kmsServer or fqdn find it while its list is open (registry.ts).
    listOpenBarrier(this);
    const declared = pulumi.output(this.declared);
    this.countResult = declared.apply((n) =>
      n === 0 || this.countRun === undefined
        ? pulumi.output<HostResult | undefined>(undefined)
        : this.countRun,
    );
    this.report = declared.apply((n) =>
      n === 0
        ? pulumi.output(EMPTY_REPORT)
        : pulumi
            .all([this.countResult, pulumi.all(this.members.map((m) => m.final))])
            .apply(([count, finals]) => this.conclude(count, finals)),
    );
  }

  /** The host's plain summary (its fqdn and port), for clients that name it in `kmsServer`. */
  hostSummary(): KmsHostSummary | undefined {
    return (this.host as { summaryValue?: KmsHostSummary }).summaryValue;
  }

  /** True once the member list closed: a client declared now cannot join (see `lateClientError`). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The KmsConfigError for a client declared after the member list closed; thrown by KmsClient before
   * anything of it registers.
   */
  lateClientError(clientName: string): KmsConfigError {
    return new KmsConfigError(
      "host",
      `KmsHost "${this.hostName}" after its client list closed`,
      `a KmsHost whose clients are declared in the same synchronous part of the program as the host, before any await or callback: its threshold barrier reads the count after every client's setup, and the clients must be known when the host's count step is registered. Declare this client right after the host, or give kmsServer: host.kmsServer to configure it without the barrier`,
      `KmsClient "${clientName}"`,
    );
  }

  /**
   * The multi-language plugin constructs each component in its own Construct call, after the host's
   * ended: clients given this host then arrive after the list closed. Called on the plugin's hosts, it
   * makes such clients deferred members (`defer`) instead of refusing them; they join the barrier that
   * an explicit barrier component lists them in (`explicit`).
   */
  acceptDeferredClients(): void {
    this.deferred ??= [];
  }

  /** True when a client arriving after the list closed is deferred rather than refused. */
  get acceptsDeferredClients(): boolean {
    return this.deferred !== undefined;
  }

  /** Records a client that arrived after the list closed (see `acceptDeferredClients`). */
  defer(member: DeferredMember): void {
    if (this.deferred === undefined) throw this.lateClientError(member.name);
    this.deferred.push(member);
    if (!this.deferredByClient.has(member.client)) this.deferredByClient.set(member.client, member);
  }

  /**
   * Checks an explicit barrier's client list before anything of it registers: each entry is a deferred
   * member of this host (a KmsClient given this host, activating), listed once, and the host has no
   * other explicit barrier (its count step, `<host>-count`, exists once). Returns the members in the
   * list's order.
   */
  explicitMembers(
    barrierName: string,
    clients: readonly pulumi.Resource[],
    describe: (client: pulumi.Resource) => string,
  ): DeferredMember[] {
    const context = `KmsThresholdBarrier "${barrierName}"`;
    if (this.explicitName !== undefined) {
      throw new KmsConfigError(
        "host",
        `KmsHost "${this.hostName}", whose barrier is KmsThresholdBarrier "${this.explicitName}"`,
        "a KmsHost without another KmsThresholdBarrier: one barrier per host reads its count once after all of its clients (list every client of the host in that one)",
        context,
      );
    }
    if (clients.length === 0) {
      throw new KmsConfigError(
        "clients",
        "an empty list",
        `at least one KmsClient given host: KmsHost "${this.hostName}"`,
        context,
      );
    }
    const seen = new Set<pulumi.Resource>();
    return clients.map((client, i) => {
      const member = this.deferredByClient.get(client);
      if (member === undefined || seen.has(client)) {
        throw new KmsConfigError(
          `clients[${i}]`,
          describe(client),
          member === undefined
            ? `a KmsClient given host: KmsHost "${this.hostName}" (with activate left true), constructed before this barrier`
            : "listed once",
          context,
        );
      }
      seen.add(client);
      return member;
    });
  }

  /**
   * The explicit barrier of other languages: a new barrier of the same host whose members are `members`
   * (from `explicitMembers`), joined now, so that it closes as the host's own does and registers the same
   * count step (`<host>-count`, its client list in code-point order) and re-activation steps
   * (`<client>-activate`). Clients on the same machine re-activate one after the other, in list order.
   * Returns the barrier and each member's final result, in list order.
   */
  explicit(
    barrierName: string,
    members: readonly DeferredMember[],
  ): { barrier: ActivationBarrier; finals: pulumi.Output<ClientResult>[] } {
    this.explicitName = barrierName;
    const barrier = new ActivationBarrier(
      this.hostName,
      this.host,
      this.hostTarget,
      this.hostSetup,
    );
    // Only its listed members join it: not found by kmsServer.
    unlistBarrier(barrier);
    const lastOnMachine = new Map<string, pulumi.Output<unknown>>();
    const finals = members.map((m) => {
      let final: pulumi.Output<ClientResult> | undefined;
      const after = m.machine === undefined ? undefined : lastOnMachine.get(m.machine);
      barrier.join(
        { name: m.name, machine: m.machine, family: m.family, setup: m.setup },
        (countStep) => (final = m.makeFinal(countStep, after)),
      );
      if (m.machine !== undefined) lastOnMachine.set(m.machine, final!);
      return final!;
    });
    return { barrier, finals };
  }

  /**
   * Adds a client. `makeFinal` creates the client's re-activation step, which waits for the host's count
   * step, and returns its result. Throws the late-client KmsConfigError when the list is closed.
   */
  join(
    member: Omit<BarrierMember, "final">,
    makeFinal: (countStep: pulumi.Resource) => pulumi.Output<ClientResult>,
  ): void {
    if (this.closed) throw this.lateClientError(member.name);
    const step = this.ensureCountStep();
    this.members.push({ ...member, final: makeFinal(step) });
  }

  private ensureCountStep(): pulumi.Resource {
    if (this.countStep === undefined) {
      const declared = pulumi.output(this.declared);
      const waitFor: Promise<pulumi.Resource[]> = this.declared.then(() => [
        this.hostSetup,
        ...this.members.map((m) => m.setup),
      ]);
      const run = runScript(
        `${this.hostName}-count`,
        {
          target: this.hostTarget,
          script: "status",
          // The client list is a parameter so that adding a client reads the count again.
          // Encoded by statusParameters: a client name with a space would be cut by Run Command.
          parameters: declared.apply(
            () =>
              statusParameters(
                "host",
                undefined,
                this.members.map((m) => m.name),
              ).parameters,
          ),
          tags: this.tags,
        },
        {
          parent: this.host,
          dependsOn: waitFor,
        },
      );
      this.countStep = run.resource;
      this.countRun = run.result as pulumi.Output<HostResult>;
    }
    return this.countStep;
  }

  private conclude(count: HostResult | undefined, finals: ClientResult[]): ActivationReport {
    const report = concludeReport(this.hostName, this.members, count, finals);
    for (const w of report.warnings) pulumi.log.warn(w, this.host);
    return report;
  }
}
