/**
 * The plugin's fourth component, `kms:index:KmsThresholdBarrier`: the threshold barrier of a KmsHost for
 * programs in other languages, which name the host's clients to it (TypeScript programs have the barrier
 * implicitly). The plugin entry, index.ts, serves it beside the three library components; the
 * analyzer finds this class by following index.ts's imports, and provider.ts adds its inputs
 * (resource references) to the schema.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ActivationReport } from "../barrier";
import { KmsConfigError } from "pulumi-kms-activation-catalog";
import { withContext } from "../inputs";
import { checkArgKeys } from "../validate";
import * as lib from "../index";
import { clientStatus } from "../kmsClient";
import type { KmsClientStatus } from "../kmsClient";

/** Type token of the explicit threshold barrier (provider.ts adds its inputs to the schema). */
export const KMS_THRESHOLD_BARRIER_TYPE = "kms:index:KmsThresholdBarrier";

/**
 * Inputs of KmsThresholdBarrier as the analyzer reads them: none. Its inputs are resource references,
 * which the analyzer cannot express; the provider adds them to the schema (provider.ts): `host`
 * (a KmsHost) and `clients` (a list of KmsClients given that host).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface KmsThresholdBarrierArgs {}

/**
 * What the provider passes at run time: the live components the references name. Its members are the
 * barrier's arguments for the unknown-argument check (components/validate/unknownKeys.ts).
 */
export interface KmsThresholdBarrierLiveArgs {
  host?: unknown;
  clients?: unknown;
}

/**
 * The threshold barrier of a KmsHost for programs in other languages. Each component there is
 * constructed in its own call, after the host's has ended, so the host cannot know its clients itself:
 * this component names them. Construct it after the host and its clients (`host` and `clients` are the
 * resources themselves). Once every listed client has run its setup, the host's count is read
 * (`<host>-count`) and each client is asked to activate again (`<client>-activate`), so that together
 * they end the same deployment activated when they reach the threshold. Its `clientStatuses` are the
 * clients' states after that step.
 */
export class KmsThresholdBarrier extends pulumi.ComponentResource {
  /** The barrier's findings: count after all listed clients registered, duplicate CMIDs. */
  public readonly activationReport: pulumi.Output<ActivationReport>;
  /** Each listed client's licensing state after the barrier's re-activation, in the order of `clients`. */
  public readonly clientStatuses: pulumi.Output<KmsClientStatus[]>;

  constructor(name: string, args: KmsThresholdBarrierArgs, opts?: pulumi.ComponentResourceOptions) {
    const context = `KmsThresholdBarrier "${name}"`;
    withContext(context, () =>
      checkArgKeys("KmsThresholdBarrierLiveArgs", "KmsThresholdBarrier", args),
    );
    const { host, clients } = args as KmsThresholdBarrierLiveArgs;
    if (!(host instanceof lib.KmsHost)) {
      throw new KmsConfigError("host", "a value that is not a KmsHost", "a KmsHost", context);
    }
    if (!Array.isArray(clients) || !clients.every((c) => c instanceof lib.KmsClient)) {
      throw new KmsConfigError(
        "clients",
        "a value that is not a list of KmsClients",
        "a list of KmsClients",
        context,
      );
    }
    const members = host.barrier.explicitMembers(
      name,
      clients as lib.KmsClient[],
      (c) => `KmsClient "${(c as lib.KmsClient).clientName}"`,
    );
    super(
      KMS_THRESHOLD_BARRIER_TYPE,
      name,
      { summary: { name, hostName: host.summaryValue.name, clients: members.map((m) => m.name) } },
      opts,
    );
    const { barrier, finals } = host.barrier.explicit(name, members);
    this.activationReport = barrier.report;
    this.clientStatuses = pulumi.all(finals).apply((results) => results.map(clientStatus));
    this.registerOutputs({
      activationReport: this.activationReport,
      clientStatuses: this.clientStatuses,
    });
  }
}
