/**
 * The multi-language plugin's schema, built offline by Pulumi's own analyzer (the same code that runs
 * when a user does `pulumi package add`): tokens, inputs, required inputs and outputs of the three
 * components. What needs the Pulumi CLI (SDK generation, `construct`) is not covered here.
 */
import { KmsComponentProvider } from "../components/plugin/provider";
import { PLUGIN_NAME, pluginComponents, pluginOptions } from "../components/plugin";
import * as lib from "../components";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import { SECRET_INPUTS } from "../components/secretInputs";
import { interfaceMembers } from "../scripts/gen-components-doc";

/** Every interface that docs/components.md documents as arguments (the sources of the schema's inputs). */
const DOCUMENTED_INTERFACES = [
  "KmsHostArgs",
  "KmsOfficeHost",
  "KmsExternalClients",
  "KmsHostDns",
  "KmsClientArgs",
  "KmsSrvRecordArgs",
  "KmsSrvHost",
  "AzureVmTarget",
  "SshTarget",
];

/** Pulumi's package metaschema (tests/fixtures/pulumi-metaschema, Apache-2.0), compiled with ajv's 2020-12 draft. */
function metaschemaValidator() {
  const file = path.join(__dirname, "fixtures", "pulumi-metaschema", "pulumi.json");
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  // The two formats the metaschema names, checked as their definitions say.
  ajv.addFormat("regex", (s: string) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  });
  ajv.addFormat("uri-reference", (s: string) => !/\s/.test(s));
  return ajv.compile(JSON.parse(fs.readFileSync(file, "utf8")) as object);
}

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

/** The schema spec of an interface member: a component's args are its resource's inputs, others types. */
function schemaPropertyOf(iface: string, property: string): SchemaProperty | undefined {
  const component = /^(KmsHost|KmsClient|KmsSrvRecord)Args$/.exec(iface)?.[1];
  return component
    ? resource(component).inputProperties[property]
    : schema.types[`kms:index:${iface}`]?.properties?.[property];
}

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
    expect(r.inputProperties.dns.$ref).toBe("#/types/kms:index:KmsHostDns");
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
        "rearm",
        "tags",
        "scriptStorage",
      ]),
    );
    expect(r.inputProperties.product).toMatchObject({ type: "string", plain: true });
    expect(r.inputProperties.setupKey.type).toBe("string");
    // Not inferable (the analyzer refuses references to non-@pulumi classes): added by the provider.
    expect(r.inputProperties.host).toEqual({
      $ref: "#/resources/kms:index:KmsHost",
      description: expect.stringContaining("A KmsHost in the same program"),
    });
    expect(r.inputProperties.azureVm.$ref).toBe("#/types/kms:index:AzureVmTarget");
    expect(r.inputProperties.ssh.$ref).toBe("#/types/kms:index:SshTarget");
    expect(sorted(schema.types["kms:index:SshTarget"].required)).toEqual(["host", "user"]);
    expect(sorted(Object.keys(r.properties))).toEqual(["product", "status"]);
    expect(r.properties.status.$ref).toBe("#/types/kms:index:KmsClientStatus");
  });

  test("KmsSrvRecord: zoneName, resourceGroupName and hosts required; its outputs", () => {
    const r = resource("KmsSrvRecord");
    expect(sorted(r.requiredInputs)).toEqual(["hosts", "resourceGroupName", "zoneName"]);
    expect(r.inputProperties.hosts).toMatchObject({
      type: "array",
      items: { $ref: "#/types/kms:index:KmsSrvHost" },
    });
    expect(sorted(schema.types["kms:index:KmsSrvHost"].required)).toEqual(["target"]);
    expect(sorted(Object.keys(r.properties))).toEqual(["fqdn", "recordSetId", "recordSetName"]);
  });

  test("secrets: every input the components treat as secret is `secret: true` in the schema", () => {
    // Two derivations that must agree: the list the components use (SECRET_INPUTS) and the TSDoc of
    // every documented interface member that says it is a secret.
    const documented = DOCUMENTED_INTERFACES.flatMap((iface) =>
      interfaceMembers(iface)
        .filter((m) => /\bsecret\b/i.test(m.doc))
        .map((m) => `${iface}.${m.name}`),
    ).sort();
    const listed = SECRET_INPUTS.flatMap((s) => s.properties.map((p) => `${s.args}.${p}`)).sort();
    expect(listed).toEqual(documented);
    expect(listed).toEqual([
      "KmsHostArgs.adminPassword",
      "KmsHostArgs.hostKey",
      "KmsOfficeHost.hostKey",
      "KmsOfficeHost.volumeLicensePack",
      "SshTarget.password",
      "SshTarget.privateKey",
    ]);
    const unmarked = SECRET_INPUTS.flatMap((s) =>
      s.properties
        .filter((p) => schemaPropertyOf(s.args, p)?.secret !== true)
        .map((p) => `${s.args}.${p}`),
    );
    expect(unmarked).toEqual([]);
    // Nothing else is secret: a secret flag on a name or a port would hide it from previews.
    const secretPaths: string[] = [];
    for (const [token, r] of Object.entries(schema.resources)) {
      for (const [k, v] of Object.entries(r.inputProperties)) {
        if (v.secret) secretPaths.push(`${token}.${k}`);
      }
    }
    for (const [token, t] of Object.entries(schema.types)) {
      for (const [k, v] of Object.entries(t.properties ?? {})) {
        if (v.secret) secretPaths.push(`${token}.${k}`);
      }
    }
    expect(secretPaths.sort()).toEqual([
      "kms:index:KmsHost.adminPassword",
      "kms:index:KmsHost.hostKey",
      "kms:index:KmsOfficeHost.hostKey",
      "kms:index:KmsOfficeHost.volumeLicensePack",
      "kms:index:SshTarget.password",
      "kms:index:SshTarget.privateKey",
    ]);
  });

  test("ports, counts, minutes and seconds are `integer`; no `number` is left", () => {
    const numbers: string[] = [];
    const integers: string[] = [];
    const walk = (where: string, props: Record<string, SchemaProperty> | undefined) => {
      for (const [k, v] of Object.entries(props ?? {})) {
        for (const spec of [v, v.items].filter((x): x is SchemaProperty => x !== undefined)) {
          if (spec.type === "number") numbers.push(`${where}.${k}`);
          if (spec.type === "integer") integers.push(`${where}.${k}`);
        }
      }
    };
    for (const [token, r] of Object.entries(schema.resources)) {
      walk(`${token} input`, r.inputProperties);
      walk(`${token} output`, r.properties);
    }
    for (const [token, t] of Object.entries(schema.types)) walk(token, t.properties);
    expect(numbers).toEqual([]);
    expect(integers).toEqual(
      expect.arrayContaining([
        "kms:index:KmsHost input.port",
        "kms:index:KmsHost input.activationIntervalMinutes",
        "kms:index:KmsHost input.renewalIntervalMinutes",
        "kms:index:KmsHost output.port",
        "kms:index:KmsSrvRecord input.ttl",
        "kms:index:SshTarget.port",
        "kms:index:KmsExternalClients.windowsServer",
        "kms:index:KmsHostDns.ttl",
        "kms:index:KmsSrvHost.priority",
        "kms:index:KmsSrvHost.weight",
        "kms:index:KmsHostStatus.currentCount",
        "kms:index:ActivationReport.clients",
      ]),
    );
  });

  test("no type token ends in Args (generated SDKs add their own suffix: no AzureVmTargetArgsArgs)", () => {
    expect(Object.keys(schema.types).filter((t) => /Args$/.test(t))).toEqual([]);
    expect(sorted(Object.keys(schema.types))).toEqual(
      sorted([
        "kms:index:AzureVmTarget",
        "kms:index:SshTarget",
        "kms:index:KmsOfficeHost",
        "kms:index:KmsExternalClients",
        "kms:index:KmsHostDns",
        "kms:index:KmsHostStatus",
        "kms:index:KmsOfficeHostStatus",
        "kms:index:ActivationReport",
        "kms:index:DuplicateCmid",
        "kms:index:KmsClientStatus",
        "kms:index:KmsSrvHost",
        "kms:index:KmsScriptStorage",
        "kms:index:KmsScriptStorageIdentity",
      ]),
    );
  });

  test("the schema is valid under Pulumi's package metaschema (pkg/codegen/schema/pulumi.json)", () => {
    const validate = metaschemaValidator();
    expect(validate(schema) ? [] : validate.errors).toEqual([]);
    // The validator bites: a secret flag that is not a boolean, an unknown primitive type.
    const broken = JSON.parse(JSON.stringify(schema)) as Schema;
    broken.resources["kms:index:KmsHost"].inputProperties.hostKey.secret =
      "yes" as unknown as boolean;
    expect(validate(broken)).toBe(false);
    const broken2 = JSON.parse(JSON.stringify(schema)) as Schema;
    broken2.resources["kms:index:KmsHost"].inputProperties.port.type = "int";
    expect(validate(broken2)).toBe(false);
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
