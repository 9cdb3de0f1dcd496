/**
 * The `kms` component provider that Pulumi's plugin runner serves (see provider.ts): Pulumi's
 * `ComponentProvider` (schema from its TypeScript analyzer, Construct through the component classes), plus
 * what the analyzer cannot express, resource references to our own components:
 *
 * - GetSchema: `KmsClient.host` is `{"$ref": "#/resources/kms:index:KmsHost"}`. The analyzer refuses
 *   references to classes outside `@pulumi/*` packages, so the inferred schema has no `host`; it is added
 *   here, and the generated SDKs type it as a KmsHost (Python `host=kms_host`, YAML `host: ${kms}`).
 * - Construct: the engine sends such an input as a resource reference (the host's URN). Every Construct
 *   call of one provider runs in the same plugin process (the engine loads one plugin process per
 *   provider resource, and all resources of the package share its default provider), so the URN is
 *   looked up among the KmsHosts this process constructed, and the client is given that live host.
 *
 * Loaded only by `startPluginHost()`: importing it loads the analyzer (and TypeScript).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConstructResult } from "@pulumi/pulumi/provider";
import { ComponentProvider, ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental";
import { KmsConfigError, showValue } from "./errors";
import type { KmsHost } from "./kmsHost";
import { HostRegistry, pluginHosts, valueOf } from "./pluginHosts";
import { KMS_CLIENT_TYPE, KMS_HOST_TYPE } from "./summary";

/** The schema type of `KmsClient.host`: a reference to the package's own KmsHost resource. */
export const HOST_REFERENCE = `#/resources/${KMS_HOST_TYPE}`;

/** Schema description of `KmsClient.host` (the TypeScript arg's TSDoc, for other languages). */
export const HOST_DESCRIPTION =
  "A KmsHost in the same program: the client uses its `kmsServer` and runs its setup after the host's " +
  "setup, as with `kmsServer: <host>.kmsServer`. Give at most one of host, kmsServer or lookupDomain. " +
  "The host must be created through this package's default provider, like the client (the plugin " +
  "process that constructed it resolves the reference).";

/** Adds `KmsClient.host` (a resource reference) to the schema the analyzer inferred. */
export function withHostReference(schemaText: string): string {
  const schema = JSON.parse(schemaText) as {
    resources?: Record<string, { inputProperties?: Record<string, unknown> }>;
  };
  const client = schema.resources?.[KMS_CLIENT_TYPE];
  if (client === undefined) throw new Error(`the inferred schema has no ${KMS_CLIENT_TYPE}`);
  // In the TypeScript argument order: after setupKey, before kmsServer.
  const inputs: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(client.inputProperties ?? {})) {
    if (key === "kmsServer") inputs.host = { $ref: HOST_REFERENCE, description: HOST_DESCRIPTION };
    inputs[key] = spec;
  }
  inputs.host ??= { $ref: HOST_REFERENCE, description: HOST_DESCRIPTION };
  client.inputProperties = inputs;
  return JSON.stringify(schema);
}

/**
 * The URN a `host` input carries: the engine's resource reference arrives as the URN string (no resource
 * module is registered for `kms`), as a Resource, or either wrapped in an Output with its dependencies.
 */
async function referencedUrn(value: unknown): Promise<string | undefined> {
  const v = pulumi.Output.isInstance(value)
    ? await valueOf(value as pulumi.Output<unknown>)
    : value;
  if (pulumi.Resource.isInstance(v)) return valueOf(v.urn);
  return typeof v === "string" ? v : undefined;
}

/**
 * A client given `host` from another language: wired like `kmsServer: host.kmsServer` (attributed to the
 * host, its setup after the host's). It does not join the host's threshold barrier: that barrier's client
 * list closed when the host's own Construct ended. With kmsServer or lookupDomain also given, the inputs
 * stay as they are, so that KmsClient refuses the combination by its own rule.
 */
export function clientInputs(inputs: pulumi.Inputs, host: KmsHost): pulumi.Inputs {
  if (inputs.kmsServer !== undefined || inputs.lookupDomain !== undefined) {
    return { ...inputs, host };
  }
  const { host: _host, ...rest } = inputs;
  void _host;
  return { ...rest, kmsServer: host.kmsServer };
}

export class KmsComponentProvider extends ComponentProvider {
  private schemaText?: string;

  constructor(
    options: ComponentProviderOptions & { version?: string },
    private readonly hosts: HostRegistry = pluginHosts,
  ) {
    super(options);
  }

  override async getSchema(): Promise<string> {
    this.schemaText ??= withHostReference(await super.getSchema());
    return this.schemaText;
  }

  override async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<ConstructResult> {
    if (type === KMS_CLIENT_TYPE && inputs.host !== undefined && inputs.host !== null) {
      inputs = clientInputs(inputs, await this.liveHost(name, inputs.host));
    }
    return super.construct(name, type, inputs, options);
  }

  /** The KmsHost a client's `host` reference names, or a KmsConfigError before anything registers. */
  private async liveHost(clientName: string, value: unknown): Promise<KmsHost> {
    const urn = await referencedUrn(value);
    const host = urn === undefined ? undefined : await this.hosts.find(urn);
    if (host === undefined) {
      throw new KmsConfigError(
        "host",
        urn === undefined ? showValue(value) : `a reference to ${urn}`,
        "a KmsHost created earlier in the same program through this package's default provider (the plugin process that serves the client must have constructed the host; a host from another stack or another provider instance cannot be used: give its kmsServer instead)",
        `KmsClient "${clientName}"`,
      );
    }
    return host;
  }
}
