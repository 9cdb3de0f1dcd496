/** What the threshold barrier reports and the members it keeps: shared by the host, its clients and the report. */
import type * as pulumi from "@pulumi/pulumi";
import type { ClientResult } from "../scripts";
import type { ActivationFamily } from "pulumi-kms-activation-catalog";

/** CMIDs reported by more than one machine: the host counts each such group as one client. */
export interface DuplicateCmid {
  /** The shared client machine ID. */
  cmid: string;
  /** Names of the clients that reported it. */
  clients: string[];
}

// The plugin's schema is inferred from these two interfaces too (plugin/index.ts): no anonymous object types.
/** What the threshold barrier found once every client of the host had registered. */
export interface ActivationReport {
  /** Clients in this stack that joined the host's barrier. */
  clients: number;
  /** Distinct machines among them. */
  distinctMachines: number;
  /** The host's count read after all of them registered; absent when no client joined. */
  currentCount?: number;
  /** Clients activated at the end of the deployment. */
  activated: number;
  /** Clients still waiting for the count (0xC004F038). */
  pending: number;
  /** CMIDs reported by more than one machine (Marketplace images sysprepped with SkipRearm=1). */
  duplicateCmids: DuplicateCmid[];
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
