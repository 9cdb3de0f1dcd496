/**
 * The components the plugin process constructed, so that a resource reference (a URN) arriving in a
 * later Construct call (`KmsClient.host`, `KmsThresholdBarrier.host` and `.clients`) resolves to the live
 * component (see provider.ts). Free of the provider machinery so that index.ts can import it
 * without loading Pulumi's analyzer.
 */
import * as pulumi from "@pulumi/pulumi";

/** The value of an Output (the SDK's own accessor; unknown values read as undefined). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T | undefined> {
  return (o as unknown as { promise(): Promise<T | undefined> }).promise();
}

/**
 * The components this plugin process constructed (every Construct of one provider runs here), indexed by
 * URN: a lookup is one map read, not a walk over every component (which made a stack of N clients cost
 * O(N^2) lookups). A component's URN resolves shortly after its construction; a lookup first waits for the
 * URNs of the components added before it (one promise, chained as they are added).
 */
export class ComponentRegistry {
  /** URN → the latest component (by the order of `add`) with that URN, and its position. */
  private readonly byUrn = new Map<string, { component: pulumi.ComponentResource; seq: number }>();
  /** Settles once the URN of every component added so far has resolved (and is indexed). */
  private indexed: Promise<void> = Promise.resolve();
  private added = 0;

  add(component: pulumi.ComponentResource): void {
    const seq = this.added++;
    const indexed = valueOf(component.urn).then(
      (urn) => {
        if (urn === undefined) return;
        const known = this.byUrn.get(urn);
        if (known === undefined || known.seq < seq) this.byUrn.set(urn, { component, seq });
      },
      () => undefined,
    );
    const before = this.indexed;
    this.indexed = before.then(() => indexed);
  }

  /**
   * The live component with this URN, if this process constructed it: the latest one, should the engine
   * run two deployments (a preview, then the update) in the same plugin process.
   */
  async find(urn: string): Promise<pulumi.ComponentResource | undefined> {
    await this.indexed;
    return this.byUrn.get(urn)?.component;
  }
}

/** Components constructed by the plugin classes (index.ts adds each KmsHost and KmsClient). */
export const pluginConstructed = new ComponentRegistry();
