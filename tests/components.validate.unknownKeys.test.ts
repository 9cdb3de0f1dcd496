/**
 * Unknown arguments are a KmsConfigError with "did you mean", for every component and nested object, and
 * the allowed names are the args interfaces' own members: checked here against the TypeScript compiler's
 * view of the interfaces (sources) and of the declarations a build emits (bin/).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { installMocks, settle } from "./helpers/componentMocks";

const mocks = installMocks();
const lib = require("../components") as typeof import("../components");
const { KmsThresholdBarrier } =
  require("../components/plugin/barrier") as typeof import("../components/plugin/barrier");
const { ARG_FILES, readArgShapes } =
  require("../components/validate/argShapes") as typeof import("../components/validate/argShapes");
const { didYouMean } =
  require("../components/validate/unknownKeys") as typeof import("../components/validate/unknownKeys");

const COMPONENTS = path.join(__dirname, "..", "components");
const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";
const SUBNET =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/kms";
const vm = (vmName: string) => ({ resourceGroupName: "rg", vmName, location: "westeurope" });

beforeEach(async () => {
  await settle();
  mocks.reset();
});

/** Each args interface as the compiler sees it: member → nested args interface (and whether a list). */
function compilerShapes(): Map<string, Map<string, string>> {
  const roots = ["KmsHostArgs", "KmsClientArgs", "KmsSrvRecordArgs", "KmsThresholdBarrierLiveArgs"];
  const program = ts.createProgram(
    ARG_FILES.map((f) => path.join(COMPONENTS, `${f}.ts`)),
    { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
  );
  const checker = program.getTypeChecker();
  const declared = new Map<string, ts.InterfaceDeclaration>();
  for (const f of ARG_FILES) {
    program.getSourceFile(path.join(COMPONENTS, `${f}.ts`))!.forEachChild((n) => {
      if (ts.isInterfaceDeclaration(n)) declared.set(n.name.text, n);
    });
  }
  const argsOf = (type: ts.Type, list: boolean): string | undefined => {
    const t = checker.getNonNullableType(type);
    for (const m of t.isUnion() ? t.types : [t]) {
      if (checker.isArrayType(m)) {
        const inner = argsOf(checker.getTypeArguments(m as ts.TypeReference)[0], true);
        if (inner) return inner.endsWith("[]") ? inner : `${inner}[]`;
      }
      const name = m.getSymbol()?.getName();
      // An interface of the args files (nested ones end in no `Args`: AzureVmTarget, KmsHostDns, …).
      if (name && declared.has(name) && m.getSymbol()!.flags & ts.SymbolFlags.Interface) {
        return list ? `${name}[]` : name;
      }
    }
    return undefined;
  };
  const out = new Map<string, Map<string, string>>();
  const visit = (name: string) => {
    if (out.has(name)) return;
    const decl = declared.get(name);
    if (!decl) throw new Error(`${name} is not declared in ${ARG_FILES.join(", ")}`);
    const members = new Map<string, string>();
    out.set(name, members);
    for (const p of checker.getPropertiesOfType(checker.getTypeAtLocation(decl))) {
      const nested = argsOf(checker.getTypeOfSymbolAtLocation(p, decl), false);
      members.set(p.getName(), nested ?? "");
      if (nested) visit(nested.replace(/\[\]$/, ""));
    }
  };
  roots.forEach(visit);
  return out;
}

function runtimeShapes(dir: string): Map<string, Map<string, string>> {
  const shapes = readArgShapes(dir)!;
  const out = new Map<string, Map<string, string>>();
  for (const [name, members] of shapes) {
    out.set(
      name,
      new Map(
        [...members].map(([k, m]) => [k, m.nested ? `${m.nested}${m.list ? "[]" : ""}` : ""]),
      ),
    );
  }
  return out;
}

describe("the allowed arguments are the interfaces' own members", () => {
  test("read from the sources: equal to the compiler's view of every args interface, nested ones included", () => {
    const compiler = compilerShapes();
    const runtime = runtimeShapes(COMPONENTS);
    for (const [name, members] of compiler) {
      expect([name, Object.fromEntries(runtime.get(name) ?? [])]).toEqual([
        name,
        Object.fromEntries(members),
      ]);
    }
    expect(compiler.get("KmsHostArgs")!.get("office")).toBe("KmsOfficeHost[]");
    expect(compiler.get("KmsSrvRecordArgs")!.get("hosts")).toBe("KmsSrvHost[]");
  });

  test("read from the declarations a build emits (.d.ts): the same", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-argshapes-"));
    for (const f of ARG_FILES) {
      const source = fs.readFileSync(path.join(COMPONENTS, `${f}.ts`), "utf8");
      const out = ts.transpileDeclaration(source, {
        fileName: `${f}.ts`,
        compilerOptions: { declaration: true, removeComments: false },
      }).outputText;
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, `${f}.d.ts`), out);
    }
    expect(runtimeShapes(dir)).toEqual(runtimeShapes(COMPONENTS));
  });
});

describe("didYouMean", () => {
  test.each([
    ["windowsServerVerison", "windowsServerVersion"],
    ["reArm", "rearm"],
    ["hostkey", "hostKey"],
    ["kmsserver", "kmsServer"],
    ["activationInterval", "activationIntervalMinutes"],
    ["zzz", undefined],
  ])("%s → %s", (key, expected) => {
    expect(
      didYouMean(key, [
        "windowsServerVersion",
        "rearm",
        "hostKey",
        "kmsServer",
        "activationIntervalMinutes",
      ]),
    ).toBe(expected);
  });
});

describe("an unknown argument is a KmsConfigError before anything registers", () => {
  const host = (extra: Record<string, unknown>) => ({
    hostKey: HOST_KEY,
    resourceGroupName: "kms-rg",
    location: "westeurope",
    subnetId: SUBNET,
    clientAddressPrefixes: ["10.0.0.0/16"],
    adminPassword: "Str0ng!Passw0rd",
    ...extra,
  });
  test.each([
    [
      "KmsHost windowsServerVerison",
      () => new lib.KmsHost("kms", host({ windowsServerVerison: "2025" }) as never),
      'KmsHost "kms": windowsServerVerison must be an argument KmsHost takes: did you mean "windowsServerVersion"?',
    ],
    [
      "KmsHost dns.zonename",
      () =>
        new lib.KmsHost(
          "kms",
          host({ dns: { zonename: "kms.internal", resourceGroupName: "rg" } }) as never,
        ),
      'dns.zonename must be an argument dns takes: did you mean "dns.zoneName"?',
    ],
    [
      "KmsHost externalClients.windowsClients",
      () => new lib.KmsHost("kms", host({ externalClients: { windowsClients: 10 } }) as never),
      'externalClients.windowsClients must be an argument externalClients takes: did you mean "externalClients.windowsClient"?',
    ],
    [
      "KmsHost office[0].hostkey",
      () =>
        new lib.KmsHost(
          "kms",
          host({
            office: [{ version: "LTSC 2024", hostkey: "Q7VALUE", volumeLicensePack: "" }],
          }) as never,
        ),
      'office[0].hostkey must be an argument office[0] takes: did you mean "office[0].hostKey"?',
    ],
    [
      "KmsHost azureVm.vmname",
      () =>
        new lib.KmsHost("kms", {
          hostKey: HOST_KEY,
          azureVm: { resourceGroupName: "rg", vmname: "kms", location: "westeurope" },
        } as never),
      'azureVm.vmname must be an argument azureVm takes: did you mean "azureVm.vmName"?',
    ],
    [
      "KmsClient scriptStorage.acountName",
      () =>
        new lib.KmsClient("c1", {
          azureVm: vm("app01"),
          product: "Windows Server 2022 Datacenter",
          scriptStorage: { acountName: "kmsscripts", resourceGroupName: "rg", containerName: "s" },
        } as never),
      'scriptStorage.acountName must be an argument scriptStorage takes: did you mean "scriptStorage.accountName"?',
    ],
    [
      "KmsClient reArm",
      () =>
        new lib.KmsClient("c1", {
          azureVm: vm("app01"),
          product: "Windows Server 2022 Datacenter",
          reArm: true,
        } as never),
      'KmsClient "c1": reArm must be an argument KmsClient takes: did you mean "rearm"? (KmsClient\'s arguments: azureVm, ssh, product, setupKey, host, kmsServer, lookupDomain, activate, rearm, tags, scriptStorage; a misspelt one would be ignored without a word); received an unknown argument (true).',
    ],
    [
      "KmsClient ssh.pasword",
      () =>
        new lib.KmsClient("c1", {
          ssh: { host: "10.0.0.9", user: "admin", pasword: "hunter2-not-shown" },
          product: "Windows Server 2022 Datacenter",
        } as never),
      'ssh.pasword must be an argument ssh takes: did you mean "ssh.password"?',
    ],
    [
      "KmsSrvRecord hosts[1].prority",
      () =>
        new lib.KmsSrvRecord("srv", {
          zoneName: "kms.internal",
          resourceGroupName: "rg",
          hosts: [{ target: "a.kms.internal" }, { target: "b.kms.internal", prority: 10 }],
        } as never),
      'KmsSrvRecord "srv": hosts[1].prority must be an argument hosts[1] takes: did you mean "hosts[1].priority"?',
    ],
  ])("%s", async (_, build, message) => {
    let error: unknown;
    try {
      build();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(lib.KmsConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain("hunter2");
    expect((error as Error).message).not.toContain("Q7VALUE");
    await settle();
    expect(mocks.resources.map((r) => r.name)).toEqual([]);
  });

  test("KmsThresholdBarrier: an argument besides host and clients", () => {
    expect(() => new KmsThresholdBarrier("b", { host: 1, client: [] } as never)).toThrow(
      'KmsThresholdBarrier "b": client must be an argument KmsThresholdBarrier takes: did you mean "clients"?',
    );
  });

  test("a string value is never shown (it may be a secret); the client interval keys keep their own message", () => {
    expect(
      () => new lib.KmsHost("kms", host({ hostkey: "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV" }) as never),
    ).toThrow(/received an unknown argument \(a string \(not shown: it may be a secret\)\)/);
    expect(
      () =>
        new lib.KmsClient("c1", {
          azureVm: vm("app01"),
          product: "Windows Server 2022 Datacenter",
          activationIntervalMinutes: 60,
        } as never),
    ).toThrow(/activationIntervalMinutes must be left out: a KMS client takes its intervals/);
  });
});
