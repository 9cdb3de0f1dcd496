/**
 * The multi-language plugin's schema, built offline by Pulumi's own analyzer (the same code that runs
 * when a user does `pulumi package add`): tokens, inputs, required inputs and outputs of the three
 * components. What needs the Pulumi CLI (SDK generation, `construct`) is not covered here.
 */
import { KmsComponentProvider } from "../components/pluginProvider";
import { PLUGIN_NAME, pluginComponents, pluginOptions } from "../components/provider";
import * as lib from "../components";
import { interfaceMembers } from "../scripts/gen-components-doc";

interface SchemaProperty {
  type?: string;
  $ref?: string;
  optional?: boolean;
  plain?: boolean;
  secret?: boolean;
  description?: string;
  items?: SchemaProperty;
}
interface SchemaResource {
  isComponent: boolean;
  inputProperties: Record<string, SchemaProperty>;
  requiredInputs?: string[];
  properties: Record<string, SchemaProperty>;
  required?: string[];
}
interface Schema {
  name: string;
  version: string;
  resources: Record<string, SchemaResource>;
  types: Record<string, { properties?: Record<string, SchemaProperty>; required?: string[] }>;
}

let schema: Schema;

beforeAll(async () => {
  schema = JSON.parse(await new KmsComponentProvider(pluginOptions()).getSchema()) as Schema;
}, 60_000);

const sorted = (xs: Iterable<string> | undefined) => [...(xs ?? [])].sort();
const resource = (cls: string) => schema.resources[`kms:index:${cls}`];

describe("plugin schema", () => {
  test("package name, version and exactly the four component tokens", () => {
    expect(PLUGIN_NAME).toBe("kms");
    expect(schema.name).toBe("kms");
    expect(schema.version).toBe(require("../package.json").version);
    expect(sorted(Object.keys(schema.resources))).toEqual([
      "kms:index:KmsClient",
      "kms:index:KmsHost",
      "kms:index:KmsSrvRecord",
      "kms:index:KmsThresholdBarrier",
    ]);
    expect(Object.values(schema.resources).every((r) => r.isComponent)).toBe(true);
  });

  test("the plugin classes are the TypeScript classes at run time, with the same type tokens", () => {
    expect(pluginComponents.map((c) => c.name)).toEqual([
      "KmsHost",
      "KmsClient",
      "KmsSrvRecord",
      "KmsThresholdBarrier",
    ]);
    const reals = [lib.KmsHost, lib.KmsClient, lib.KmsSrvRecord];
    pluginComponents.slice(0, 3).forEach((c, i) => {
      expect(Object.getPrototypeOf(c)).toBe(reals[i]);
      expect((c as unknown as { __pulumiType: string }).__pulumiType).toBe(
        `kms:index:${reals[i].name}`,
      );
    });
  });

  test("KmsHost: hostKey is the only required input; all documented args are inputs", () => {
    const r = resource("KmsHost");
    expect(r.requiredInputs).toEqual(["hostKey"]);
    // Exactly the members of KmsHostArgs as declared in components/kmsHost/args.ts.
    expect(sorted(Object.keys(r.inputProperties))).toEqual(
      sorted(interfaceMembers("KmsHostArgs").map((m) => m.name)),
    );
    expect(Object.keys(r.inputProperties)).toEqual(
      expect.arrayContaining([
        "hostKey",
        "azureVm",
        "ssh",
        "resourceGroupName",
        "location",
        "subnetId",
        "clientAddressPrefixes",
        "adminPassword",
        "windowsServerVersion",
        "keyGroup",
        "port",
        "externalClients",
        "dns",
      ]),
    );
    expect(r.inputProperties.hostKey.type).toBe("string");
    expect(r.inputProperties.clientAddressPrefixes).toMatchObject({
      type: "array",
      items: { type: "string" },
    });
    expect(r.inputProperties.dns.$ref).toBe("#/types/kms:index:KmsHostDnsArgs");
    // Plain inputs: they decide resource types or are checked at construction.
    expect(r.inputProperties.windowsServerVersion.plain).toBe(true);
    expect(r.inputProperties.dnsPublishing.plain).toBe(true);
  });

  test("KmsHost outputs", () => {
    const r = resource("KmsHost");
    expect(sorted(Object.keys(r.properties))).toEqual(
      sorted([
        "vmId",
        "privateIpAddress",
        "fqdn",
        "port",
        "kmsServer",
        "status",
        "activationReport",
        "srvRecordName",
      ]),
    );
    expect(sorted(r.required)).toEqual(
      sorted(["fqdn", "port", "kmsServer", "status", "activationReport"]),
    );
    expect(r.properties.status.$ref).toBe("#/types/kms:index:KmsHostStatus");
    expect(r.properties.activationReport.$ref).toBe("#/types/kms:index:ActivationReport");
    expect(schema.types["kms:index:ActivationReport"].properties?.duplicateCmids).toMatchObject({
      type: "array",
      items: { $ref: "#/types/kms:index:DuplicateCmid" },
    });
  });

  test("KmsClient: no required input, product and setupKey present, `host` a reference to KmsHost, no client intervals (the host's apply)", () => {
    const r = resource("KmsClient");
    expect(r.requiredInputs ?? []).toEqual([]);
    expect(sorted(Object.keys(r.inputProperties))).toEqual(
      sorted([
        "azureVm",
        "ssh",
        "product",
        "setupKey",
        "host",
        "kmsServer",
        "lookupDomain",
        "activate",
      ]),
    );
    expect(r.inputProperties.product).toMatchObject({ type: "string", plain: true });
    expect(r.inputProperties.setupKey.type).toBe("string");
    // Not inferable (the analyzer refuses references to non-@pulumi classes): added by the provider.
    expect(r.inputProperties.host).toEqual({
      $ref: "#/resources/kms:index:KmsHost",
      description: expect.stringContaining("A KmsHost in the same program"),
    });
    expect(r.inputProperties.azureVm.$ref).toBe("#/types/kms:index:AzureVmTargetArgs");
    expect(r.inputProperties.ssh.$ref).toBe("#/types/kms:index:SshTargetArgs");
    expect(sorted(schema.types["kms:index:SshTargetArgs"].required)).toEqual(["host", "user"]);
    expect(sorted(Object.keys(r.properties))).toEqual(["product", "status"]);
    expect(r.properties.status.$ref).toBe("#/types/kms:index:KmsClientStatus");
  });

  test("KmsSrvRecord: zoneName, resourceGroupName and hosts required; its outputs", () => {
    const r = resource("KmsSrvRecord");
    expect(sorted(r.requiredInputs)).toEqual(["hosts", "resourceGroupName", "zoneName"]);
    expect(r.inputProperties.hosts).toMatchObject({
      type: "array",
      items: { $ref: "#/types/kms:index:KmsSrvHostArgs" },
    });
    expect(sorted(schema.types["kms:index:KmsSrvHostArgs"].required)).toEqual(["target"]);
    expect(sorted(Object.keys(r.properties))).toEqual(["fqdn", "recordSetId", "recordSetName"]);
  });

  test("secrets: the analyzer has no way to mark inputs secret (documented in docs/multi-language.md)", () => {
    // If this starts failing, the analyzer learned to mark secrets: assert them here and update the doc.
    const host = resource("KmsHost").inputProperties;
    const ssh = schema.types["kms:index:SshTargetArgs"].properties ?? {};
    expect([
      host.hostKey.secret,
      host.adminPassword.secret,
      ssh.password.secret,
      ssh.privateKey.secret,
    ]).toEqual([undefined, undefined, undefined, undefined]);
    // The components wrap them in pulumi.secret themselves, whatever the calling language sent.
    expect(host.hostKey.description).toContain("Secret everywhere");
  });

  test("KmsThresholdBarrier (plugin only): host and clients required resource references; activationReport and clientStatuses", () => {
    const r = resource("KmsThresholdBarrier");
    expect(sorted(r.requiredInputs)).toEqual(["clients", "host"]);
    expect(sorted(Object.keys(r.inputProperties))).toEqual(["clients", "host"]);
    expect(r.inputProperties.host.$ref).toBe("#/resources/kms:index:KmsHost");
    expect(r.inputProperties.clients).toMatchObject({
      type: "array",
      items: { $ref: "#/resources/kms:index:KmsClient" },
    });
    expect(sorted(Object.keys(r.properties))).toEqual(["activationReport", "clientStatuses"]);
    expect(r.properties.activationReport.$ref).toBe("#/types/kms:index:ActivationReport");
    expect(r.properties.clientStatuses.items?.$ref).toBe("#/types/kms:index:KmsClientStatus");
  });
});
