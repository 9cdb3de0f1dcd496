/**
 * The KmsHosts the plugin process constructed, so that a KmsClient whose `host` arrives as a resource
 * reference (a URN) in a later Construct call gets the live host (see pluginProvider.ts). Free of the
 * provider machinery so that provider.ts can import it without loading Pulumi's analyzer.
 */
import * as pulumi from "@pulumi/pulumi";
import type { KmsHost } from "./kmsHost";

/** The value of an Output (the SDK's own accessor; unknown values read as undefined). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T | undefined> {
  return (o as unknown as { promise(): Promise<T | undefined> }).promise();
}

/** The KmsHosts this plugin process constructed (every Construct of one provider runs here). */
export class HostRegistry {
  private readonly hosts: KmsHost[] = [];

  add(host: KmsHost): void {
    this.hosts.push(host);
  }

  /** The live KmsHost with this URN, if this process constructed it. */
  async find(urn: string): Promise<KmsHost | undefined> {
    for (const host of this.hosts) {
      if ((await valueOf(host.urn)) === urn) return host;
    }
    return undefined;
  }
}

/** KmsHosts constructed by the plugin classes (provider.ts adds each one). */
export const pluginHosts = new HostRegistry();
