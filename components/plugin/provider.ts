/**
 * The `kms` component provider that Pulumi's plugin runner serves (see index.ts): Pulumi's
 * `ComponentProvider` (schema from its TypeScript analyzer, Construct through the component classes), plus
 * what the analyzer cannot express, resource references to our own components:
 *
 * - GetSchema: `KmsClient.host` and `KmsThresholdBarrier.host` are `{"$ref": "#/resources/kms:index:KmsHost"}`,
 *   `KmsThresholdBarrier.clients` an array of `#/resources/kms:index:KmsClient`. The analyzer refuses
 *   references to classes outside `@pulumi/*` packages, so the inferred schema lacks them; they are added
 *   here, and the generated SDKs type them as the resources (Python `host=kms_host`, YAML `host: ${kms}`).
 * - Construct: the engine sends such an input as a resource reference (the URN). Every Construct call of
 *   one provider runs in the same plugin process (the engine loads one plugin process per provider
 *   resource, and all resources of the package share its default provider), so the URN is looked up
 *   among the components this process constructed, and the component is given the live one.
 *
 * Secrets and integers, which the analyzer cannot infer either, are set by `refineSchema` (schema.ts).
 *
 * Loaded only by `startPluginHost()`: importing it loads the analyzer (and TypeScript).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConstructResult } from "@pulumi/pulumi/provider";
import { ComponentProvider, ComponentProviderOptions } from "@pulumi/pulumi/provider/experimental";
import {
  KmsConfigError,
  showValue,
  KMS_CLIENT_TYPE,
  KMS_HOST_TYPE,
} from "pulumi-kms-activation-catalog";
import { withContext } from "../inputs";
import { KmsClient } from "../kmsClient";
import { KmsHost } from "../kmsHost";
import { KMS_THRESHOLD_BARRIER_TYPE } from "./barrier";
import { scopeScriptBlobsToOwners } from "../remote";
import { ComponentRegistry, pluginConstructed, valueOf } from "./registry";
import { refineSchema } from "./schema";
import { checkArgKeys } from "../validate";

export { KMS_THRESHOLD_BARRIER_TYPE } from "./barrier";

/** Schema type of a reference to the package's own KmsHost / KmsClient resource. */
export const HOST_REFERENCE = `#/resources/${KMS_HOST_TYPE}`;
export const CLIENT_REFERENCE = `#/resources/${KMS_CLIENT_TYPE}`;

/** Schema description of `KmsClient.host` (the TypeScript arg's TSDoc, for other languages). */
export const HOST_DESCRIPTION =
  "A KmsHost in the same program: the client uses its `kmsServer` and runs its setup after the host's " +
  "setup. List the client in the host's KmsThresholdBarrier to join its threshold barrier. Give at most " +
  "one of host, kmsServer or lookupDomain. The host must be created through this package's default " +
  "provider, like the client (the plugin process that constructed it resolves the reference).";

const BARRIER_HOST_DESCRIPTION =
  "The KmsHost whose threshold barrier this is (one KmsThresholdBarrier per host).";
const BARRIER_CLIENTS_DESCRIPTION =
  "Every KmsClient given `host` (this host) that should join the barrier, each once: after all of " +
  "their setups the host's count is read and each is asked to activate again. The host's count step " +
  "lists them by name, so the same list gives the same deployment on every run.";

type SchemaResource = { inputProperties?: Record<string, unknown>; requiredInputs?: string[] };

/** Adds the resource references the analyzer cannot infer to the schema it inferred. */
export function withResourceReferences(schemaText: string): string {
  const schema = JSON.parse(schemaText) as { resources?: Record<string, SchemaResource> };
  const resource = (token: string): SchemaResource => {
    const r = schema.resources?.[token];
    if (r === undefined) throw new Error(`the inferred schema has no ${token}`);
    return r;
  };
  const client = resource(KMS_CLIENT_TYPE);
  // In the TypeScript argument order: after setupKey, before kmsServer.
  const inputs: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(client.inputProperties ?? {})) {
    if (key === "kmsServer") inputs.host = { $ref: HOST_REFERENCE, description: HOST_DESCRIPTION };
    inputs[key] = spec;
  }
  inputs.host ??= { $ref: HOST_REFERENCE, description: HOST_DESCRIPTION };
  client.inputProperties = inputs;

  const barrier = resource(KMS_THRESHOLD_BARRIER_TYPE);
  barrier.inputProperties = {
    ...barrier.inputProperties,
    host: { $ref: HOST_REFERENCE, description: BARRIER_HOST_DESCRIPTION },
    clients: {
      type: "array",
      items: { $ref: CLIENT_REFERENCE },
      description: BARRIER_CLIENTS_DESCRIPTION,
    },
  };
  barrier.requiredInputs = [...(barrier.requiredInputs ?? []), "host", "clients"];
  return JSON.stringify(schema);
}

/**
 * The URN a reference input carries: the engine's resource reference arrives as the URN string (no
 * resource module is registered for `kms`), as a Resource, or either wrapped in an Output with its
 * dependencies.
 */
async function referencedUrn(value: unknown): Promise<string | undefined> {
  const v = pulumi.Output.isInstance(value)
    ? await valueOf(value as pulumi.Output<unknown>)
    : value;
  if (pulumi.Resource.isInstance(v)) return valueOf(v.urn);
  return typeof v === "string" ? v : undefined;
}

export class KmsComponentProvider extends ComponentProvider {
  private schemaText?: string;

  constructor(
    options: ComponentProviderOptions & { version?: string },
    private readonly constructed: ComponentRegistry = pluginConstructed,
  ) {
    super(options);
    // Each Construct call runs without a stack resource: script blobs belong to their host or client.
    scopeScriptBlobsToOwners();
  }

  override async getSchema(): Promise<string> {
    this.schemaText ??= refineSchema(withResourceReferences(await super.getSchema()));
    return this.schemaText;
  }

  override async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<ConstructResult> {
    if (type === KMS_CLIENT_TYPE && inputs.host !== undefined && inputs.host !== null) {
      const context = `KmsClient "${name}"`;
      inputs = { ...inputs, host: await this.live(inputs.host, "host", KmsHost, context) };
    }
    if (type === KMS_THRESHOLD_BARRIER_TYPE) {
      const context = `KmsThresholdBarrier "${name}"`;
      // The inputs are rebuilt below: a misspelt one must not vanish without a word.
      withContext(context, () =>
        checkArgKeys("KmsThresholdBarrierLiveArgs", "KmsThresholdBarrier", inputs),
      );
      const host = await this.live(inputs.host, "host", KmsHost, context);
      const list = pulumi.Output.isInstance(inputs.clients)
        ? await valueOf(inputs.clients as pulumi.Output<unknown>)
        : inputs.clients;
      if (!Array.isArray(list)) {
        throw new KmsConfigError(
          "clients",
          showValue(list),
          "a list of KmsClient resources",
          context,
        );
      }
      const clients: KmsClient[] = [];
      for (const [i, c] of list.entries()) {
        clients.push(await this.live(c, `clients[${i}]`, KmsClient, context));
      }
      inputs = { host, clients };
    }
    return super.construct(name, type, inputs, options);
  }

  /** The live component a reference names, or a KmsConfigError before anything registers. */
  private async live<T extends pulumi.ComponentResource>(
    value: unknown,
    argument: string,
    cls: abstract new (...args: never[]) => T,
    context: string,
  ): Promise<T> {
    const urn = await referencedUrn(value);
    const found = urn === undefined ? undefined : await this.constructed.find(urn);
    if (found instanceof cls) return found;
    throw new KmsConfigError(
      argument,
      urn === undefined ? showValue(value) : `a reference to ${urn}`,
      `a ${cls.name} created earlier in the same program through this package's default provider (the plugin process that serves this component must have constructed it; one from another stack or another provider instance cannot be used${cls === (KmsHost as unknown) ? ": give its kmsServer instead" : ""})`,
      context,
    );
  }
}
