import * as pulumi from "@pulumi/pulumi";
import { runScript, Target } from "./remote";
import { ClientResult, HostResult, statusParameters } from "./scripts";
import { ActivationFamily } from "./summary";
import { ACTIVATION } from "./catalog";
import { compareCodePoints } from "./order";
import { KmsConfigError } from "./errors";

/** What the threshold barrier found once every client of the host had registered. */
export interface ActivationReport {
  /** Clients in this stack that joined the host's barrier (`host: <this KmsHost>`). */
  clients: number;
  /** Distinct machines among them. */
  distinctMachines: number;
  /** The host's count read after all of them registered; undefined when no client joined. */
  currentCount?: number;
  /** Clients activated at the end of the deployment. */
  activated: number;
  /** Clients still waiting for the count (0xC004F038). */
  pending: number;
  /** CMIDs reported by more than one machine: the host counts each such group as one client. */
  duplicateCmids: { cmid: string; clients: string[] }[];
  /** What the barrier warned about, also logged as Pulumi warnings. */
  warnings: string[];
}

/** A client that joined the barrier. */
export interface BarrierMember {
  name: string;
  machine?: string;
  family?: ActivationFamily;
  /** The client's setup step: the host's count is read after all of them. */
  setup: pulumi.Resource;
  /** The client's final result (after its re-activation step). */
  final: pulumi.Output<ClientResult>;
}

/**
 * A client of a host whose member list had closed when the client was constructed: the multi-language
 * plugin constructs each component in its own Construct call, after the host's has ended. It waits for an
 * explicit barrier (`ActivationBarrier.explicit`, the plugin's KmsThresholdBarrier) that lists it.
 */
export interface DeferredMember extends Omit<BarrierMember, "final"> {
  /** The client component, to match the explicit barrier's list. */
  client: pulumi.Resource;
  /**
   * Creates the client's re-activation step after `countStep`, and after `after` (the previous listed
   * client on the same machine), and returns its result.
   */
  makeFinal: (
    countStep: pulumi.Resource,
    after: pulumi.Output<unknown> | undefined,
  ) => pulumi.Output<ClientResult>;
}

/** The steps of a client on one machine; the next configuration of that machine runs after them. */
export interface ClientSteps {
  setup: pulumi.Resource;
  /**
   * The client's final result: it depends on every step that produced it (the re-activation step when
   * one was needed), so depending on it orders after them without handling resources in an apply.
   */
  done: pulumi.Output<unknown>;
}

export const EMPTY_REPORT: ActivationReport = {
  clients: 0,
  distinctMachines: 0,
  activated: 0,
  pending: 0,
  duplicateCmids: [],
  warnings: [],
};

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
    private readonly hostName: string,
    private readonly host: pulumi.ComponentResource,
    private readonly hostTarget: Target,
    /** The host's setup step: clients wait for it (not for the whole host, whose count step waits for them). */
    readonly hostSetup: pulumi.Resource,
  ) {
    this.declared = new Promise((resolve) =>
      // A microtask runs before any `await` of the program resumes, whatever the program waits for:
      // the member list is the same on every run.
      queueMicrotask(() => {
        this.closed = true;
        this.members.sort((a, b) => compareCodePoints(a.name, b.name));
        resolve(this.members.length);
      }),
    );
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
            .apply(([count, finals]) => this.conclude(this.members, count, finals)),
    );
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
      const member = this.deferred?.find((m) => m.client === client);
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

  private conclude(
    members: BarrierMember[],
    count: HostResult | undefined,
    finals: ClientResult[],
  ): ActivationReport {
    const machines = new Map<string, string>();
    members.forEach((m, i) => machines.set(m.machine ?? `client:${m.name}`, members[i].name));
    const byCmid = new Map<string, Map<string, string>>();
    finals.forEach((r, i) => {
      const cmid = r?.cmid;
      if (!cmid) return;
      const machine = members[i].machine ?? `client:${members[i].name}`;
      const group = byCmid.get(cmid) ?? new Map<string, string>();
      if (!group.has(machine)) group.set(machine, members[i].name);
      byCmid.set(cmid, group);
    });
    const duplicateCmids = [...byCmid.entries()]
      .filter(([, group]) => group.size > 1)
      .map(([cmid, group]) => ({ cmid, clients: [...group.values()].sort(compareCodePoints) }))
      .sort((a, b) => compareCodePoints(a.cmid, b.cmid));
    const activated = finals.filter((r) => r?.activated === true).length;
    const pending = finals.filter((r) => r?.pending === true).length;
    const distinctMachines = machines.size;
    const currentCount = typeof count?.currentCount === "number" ? count.currentCount : undefined;
    const warnings: string[] = [];
    for (const d of duplicateCmids) {
      warnings.push(
        `KmsHost "${this.hostName}": clients ${d.clients.join(", ")} share the client machine ID ${d.cmid}, so the host counts them as one client. They come from an image generalized with SkipRearm=1 (Azure Marketplace images are). Fix: give their KmsClient rearm: true (each is rearmed once and restarted before its setup, which then activates it with a CMID of its own), or on each machine rearm Windows (slmgr /rearm, or the ReArmWindows CIM method), restart it and activate again; or rebuild the image with sysprep /generalize and SkipRearm=0.`,
      );
    }
    const windowsMachines = new Set(
      members.filter((m) => m.family !== "office").map((m) => m.machine ?? `client:${m.name}`),
    ).size;
    if (
      duplicateCmids.length === 0 &&
      currentCount !== undefined &&
      currentCount >= 0 &&
      currentCount < Math.min(windowsMachines, ACTIVATION.hostMemory)
    ) {
      warnings.push(
        `KmsHost "${this.hostName}": its count is ${currentCount} after ${windowsMachines} distinct Windows machines registered. Machines with the same client machine ID (CMID) are counted once: images generalized with SkipRearm=1 (Azure Marketplace images) share one. Check each client's CMID (status.cmid); fix by rearming and restarting the duplicates (KmsClient rearm: true, or slmgr /rearm by hand).`,
      );
    }
    for (const w of warnings) pulumi.log.warn(w, this.host);
    return {
      clients: members.length,
      distinctMachines,
      currentCount,
      activated,
      pending,
      duplicateCmids,
      warnings,
    };
  }
}
