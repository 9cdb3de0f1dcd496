/**
 * The components the plugin process constructed, so that a resource reference (a URN) arriving in a
 * later Construct call (`KmsClient.host`, `KmsThresholdBarrier.host` and `.clients`) resolves to the live
 * component (see pluginProvider.ts). Free of the provider machinery so that provider.ts can import it
 * without loading Pulumi's analyzer.
 */
import * as pulumi from "@pulumi/pulumi";

/** The value of an Output (the SDK's own accessor; unknown values read as undefined). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T | undefined> {
  return (o as unknown as { promise(): Promise<T | undefined> }).promise();
}

/** The components this plugin process constructed (every Construct of one provider runs here). */
export class ComponentRegistry {
  private readonly components: pulumi.ComponentResource[] = [];

  add(component: pulumi.ComponentResource): void {
    this.components.push(component);
  }

  /**
   * The live component with this URN, if this process constructed it: the latest one, should the engine
   * run two deployments (a preview, then the update) in the same plugin process.
   */
  async find(urn: string): Promise<pulumi.ComponentResource | undefined> {
    for (let i = this.components.length - 1; i >= 0; i--) {
      if ((await valueOf(this.components[i].urn)) === urn) return this.components[i];
    }
    return undefined;
  }
}

/** Components constructed by the plugin classes (provider.ts adds each KmsHost and KmsClient). */
export const pluginConstructed = new ComponentRegistry();
