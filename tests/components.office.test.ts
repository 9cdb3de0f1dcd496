/**
 * Office on the KMS host and on clients, under the component mocks: the Office steps, their parameters
 * (the Office host key only as a protected parameter), the host's Office status, the bad inputs refused at
 * construction, and Windows + Office KmsClients on one VM running one after the other.
 */
import { installMocks, pendingAtSetup, settle, valueOf, Recorded } from "./helpers/componentMocks";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime";

const mocks = installMocks();
const { KmsClient, KmsHost, KmsConfigError } =
  require("../components") as typeof import("../components");

const RUN_COMMAND = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";
const OFFICE_KEY = "CCCCC-DDDDD-FFFFF-GGGGG-7TQ24";
const OFFICE_2019_KEY = "DDDDD-FFFFF-GGGGG-HHHHH-9D9HK";
const OFFICE_2024_GVLK = "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB";
const PACK = "https://vlpacks.blob.core.windows.net/packs/ltsc2024.zip?sv=2024&sig=abc";
const SUBNET =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/kms";
const vm = (vmName: string) => ({ resourceGroupName: "rg", vmName, location: "westeurope" });

function hostArgs(over: Record<string, unknown> = {}) {
  return {
    hostKey: HOST_KEY,
    resourceGroupName: "rg",
    location: "westeurope",
    subnetId: SUBNET,
    clientAddressPrefixes: ["10.50.0.0/16"],
    adminPassword: "Corr3ct-Horse-Battery!",
    office: [{ version: "LTSC 2024", hostKey: OFFICE_KEY, volumeLicensePack: PACK }],
    ...over,
  };
}

function params(r: Recorded, key: "parameters" | "protectedParameters"): Record<string, string> {
  const list = (r.plain[key] ?? []) as { name: string; value: string }[];
  return Object.fromEntries(list.map((p) => [p.name, p.value]));
}

// Most hosts here carry PACK as a plain string, and every host its keys and password as plain strings,
// which KmsHost warns about (those warnings have their own tests). Captured in every test, so that npm
// test's output stays quiet; any other warning fails the test.
const PLAIN_PACK_WARNING =
  /volumeLicensePack is a URL with a query string \(a SAS token\?\)|written as a plain string/;
let warned: string[] = [];

beforeEach(async () => {
  await settle();
  mocks.reset();
  warned = [];
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  jest.spyOn(pulumi.log, "warn").mockImplementation((message) => {
    warned.push(String(message));
    return Promise.resolve();
  });
});

afterEach(async () => {
  await settle();
  jest.restoreAllMocks();
  expect(warned.filter((m) => !PLAIN_PACK_WARNING.test(m))).toEqual([]);
});

describe("KmsHost with office", () => {
  test("a Volume License Pack path with spaces travels encoded, not cut at its first space by Run Command", async () => {
    const pack = "C:\\Packs\\Office LTSC 2024 Volume License Pack";
    const host = new KmsHost(
      "kms",
      hostArgs({
        office: [{ version: "LTSC 2024", hostKey: OFFICE_KEY, volumeLicensePack: pack }],
      }),
    );
    await valueOf(host.status);
    await settle();
    const sent = params(mocks.one(RUN_COMMAND, "kms-office-ltsc2024"), "protectedParameters");
    expect(sent.VolumeLicensePack).not.toContain(" ");
    expect(sent.VolumeLicensePack).toBe(`base64:${Buffer.from(pack).toString("base64")}`);
  });

  test("runs host-setup.ps1 in Office mode as <name>-office-ltsc2024 after <name>-setup; the Office key only as a protected parameter", async () => {
    const host = new KmsHost("kms", hostArgs());
    await valueOf(host.status);
    await settle();
    const setup = mocks.one(RUN_COMMAND, "kms-setup");
    const office = mocks.one(RUN_COMMAND, "kms-office-ltsc2024");
    expect(office.parent).toBe(mocks.one("kms:index:KmsHost", "kms").urn);
    expect(office.plain.runCommandName).toBe("kms-office-ltsc2024");
    expect(office.plain.source).toEqual(setup.plain.source);
    expect(params(office, "parameters")).toEqual({
      ActivationRetries: "3",
      RetryDelaySeconds: "30",
      // Without its space: Run Command cuts values at a space.
      OfficeVersion: "LTSC2024",
    });
    // The pack URI carries a SAS token: even written as a plain string it travels protected.
    expect(params(office, "protectedParameters")).toEqual({
      HostKey: OFFICE_KEY,
      // `?`, `=`, `&` are not passed as they are: base64, which the script decodes.
      VolumeLicensePack: `base64:${Buffer.from(PACK).toString("base64")}`,
    });
    expect(JSON.stringify(office.inputs.parameters)).not.toContain(OFFICE_KEY);
    expect(JSON.stringify(office.inputs.parameters)).not.toContain("sig=");
    // Sent as a secret: the engine keeps it encrypted in state.
    expect(office.inputs.protectedParameters).toHaveProperty([specialSigKey], specialSecretSig);
    expect(office.dependencies).toContain(setup.urn);
    // The Windows run does not carry the Office key.
    expect(JSON.stringify(setup.plain)).not.toContain(OFFICE_KEY);
    const component = mocks.one("kms:index:KmsHost", "kms");
    expect(JSON.stringify(component.inputs)).not.toContain(OFFICE_KEY);
    expect((component.plain.summary as { officeVersions: string[] }).officeVersions).toEqual([
      "LTSC 2024",
    ]);
  });

  test("a plain-string pack URL with a query string is warned about (keep it out of the program)", async () => {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    const host = new KmsHost("kms", hostArgs());
    await valueOf(host.status);
    await settle();
    const messages = warn.mock.calls.map((c) => String(c[0]));
    warn.mockRestore();
    expect(messages).toContainEqual(
      expect.stringMatching(
        /^KmsHost "kms": office\[0\]\.volumeLicensePack is a URL with a query string \(a SAS token\?\) written as a plain string\./,
      ),
    );
    expect(messages.join("\n")).not.toContain("sig=");
  });

  test("a refused pack URL is shown without its query string (it can hold a SAS token)", () => {
    expect(
      () =>
        new KmsHost(
          "kms",
          hostArgs({
            office: [
              {
                version: "LTSC 2024",
                hostKey: OFFICE_KEY,
                volumeLicensePack: "https://x.blob.core.windows.net/p/pack.exe?sv=1&sig=SECRETSIG",
              },
            ],
          }),
        ),
    ).toThrow(/received "https:\/\/x\.blob\.core\.windows\.net\/p\/pack\.exe\?…"\.$/);
  });

  test('a pack location known only later (a secret URI) is a protected parameter, "none" for empty', async () => {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const host = new KmsHost(
      "kms",
      hostArgs({
        office: [
          { version: "LTSC 2024", hostKey: OFFICE_KEY, volumeLicensePack: pulumi.secret(PACK) },
          { version: "2019", hostKey: OFFICE_2019_KEY, volumeLicensePack: pulumi.output("") },
        ],
      }),
    );
    await valueOf(host.status);
    await settle();
    const o2024 = mocks.one(RUN_COMMAND, "kms-office-ltsc2024");
    expect(params(o2024, "parameters")).toEqual({
      ActivationRetries: "3",
      RetryDelaySeconds: "30",
      OfficeVersion: "LTSC2024",
    });
    expect(params(o2024, "protectedParameters")).toEqual({
      HostKey: OFFICE_KEY,
      VolumeLicensePack: `base64:${Buffer.from(PACK).toString("base64")}`,
    });
    expect(params(mocks.one(RUN_COMMAND, "kms-office-2019"), "protectedParameters")).toEqual({
      HostKey: OFFICE_2019_KEY,
      VolumeLicensePack: "none",
    });
  });

  test("two versions run one after the other; clients wait for the last Office step", async () => {
    const host = new KmsHost(
      "kms",
      hostArgs({
        office: [
          { version: "Office 2019", hostKey: OFFICE_2019_KEY, volumeLicensePack: "" },
          { version: "2024", hostKey: OFFICE_KEY, volumeLicensePack: "C:\\vlpack\\ltsc2024" },
        ],
      }),
    );
    new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Office LTSC Professional Plus 2024",
      host,
    });
    await valueOf(host.activationReport);
    await settle();
    const o2019 = mocks.one(RUN_COMMAND, "kms-office-2019");
    const o2024 = mocks.one(RUN_COMMAND, "kms-office-ltsc2024");
    expect(params(o2019, "parameters")).toEqual({
      ActivationRetries: "3",
      RetryDelaySeconds: "30",
      OfficeVersion: "2019",
    });
    expect(params(o2024, "parameters").VolumeLicensePack).toBeUndefined();
    expect(params(o2024, "protectedParameters").VolumeLicensePack).toBe("C:\\vlpack\\ltsc2024");
    expect(o2019.dependencies).toContain(mocks.one(RUN_COMMAND, "kms-setup").urn);
    expect(o2024.dependencies).toContain(o2019.urn);
    expect(mocks.one(RUN_COMMAND, "c1-setup").dependencies).toContain(o2024.urn);
    expect(mocks.one(RUN_COMMAND, "kms-count").dependencies).toContain(o2024.urn);
  });

  test("status reports each Office version apart, with the count read after the clients", async () => {
    mocks.responder = (call) => {
      const base = { script: call.script, ok: true, changed: [], errorCode: null };
      if (call.script === "client-setup") {
        return {
          ...base,
          licenseStatus: "Licensed",
          activated: true,
          cmid: `cmid-${call.machine}`,
        };
      }
      if (call.parameters.OfficeVersion === "LTSC2024") {
        return {
          ...base,
          changed: ["licenses", "productKey", "activation"],
          licenseStatus: "Licensed",
          isKmsHost: true,
          currentCount: 0,
          partialProductKey: "7TQ24",
          productName: "Office 24, Office24VL_KMS_Host edition",
          officeVersion: "LTSC 2024",
        };
      }
      return {
        ...base,
        role: "host",
        licenseStatus: "Licensed",
        isKmsHost: true,
        currentCount: call.name === "kms-count" ? 6 : 0,
        partialProductKey: "KHMXV",
        officeHosts:
          call.name === "kms-count"
            ? [
                {
                  productName: "Office 24, Office24VL_KMS_Host edition",
                  partialProductKey: "7TQ24",
                  licenseStatus: "Licensed",
                  currentCount: 5,
                },
              ]
            : [],
      };
    };
    const host = new KmsHost("kms", hostArgs());
    new KmsClient("c1", { azureVm: vm("app01"), product: "Windows Server 2022 Datacenter", host });
    const status = await valueOf(host.status);
    expect(status?.currentCount).toBe(6);
    expect(status?.office).toEqual([
      {
        version: "LTSC 2024",
        licenseStatus: "Licensed",
        activated: true,
        currentCount: 5,
        partialProductKey: "7TQ24",
        productName: "Office 24, Office24VL_KMS_Host edition",
        changed: ["licenses", "productKey", "activation"],
      },
    ]);
  });
});

describe("KmsHost office: bad input is refused before anything registers", () => {
  function expectConfigError(office: unknown, argument: string, message: string): void {
    let error: unknown;
    try {
      new KmsHost("kms", hostArgs({ office }) as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KmsConfigError);
    expect((error as InstanceType<typeof KmsConfigError>).argument).toBe(argument);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain(OFFICE_KEY);
    expect(mocks.resources).toEqual([]);
  }

  test.each<[string, unknown, string, string]>([
    [
      "an unknown version",
      [{ version: "2013", hostKey: OFFICE_KEY, volumeLicensePack: "" }],
      "office[0].version",
      'KmsHost "kms": office[0].version must be an Office version a KMS host can activate: "LTSC 2024", "LTSC 2021", "2019" or "2016" (Microsoft 365 Apps cannot use KMS; Office 2013 and 2010 are out of support); received "2013".',
    ],
    [
      "a version given twice",
      [
        { version: "LTSC 2024", hostKey: OFFICE_KEY, volumeLicensePack: "" },
        { version: "Office 2024", hostKey: OFFICE_2019_KEY, volumeLicensePack: "" },
      ],
      "office[1].version",
      'KmsHost "kms": office[1].version must be an Office version not given before (office[0] is Office LTSC 2024 already): one Office KMS host key per version; received "Office 2024".',
    ],
    [
      "no Office host key",
      [{ version: "LTSC 2024", hostKey: "", volumeLicensePack: "" }],
      "office[0].hostKey",
      'KmsHost "kms": office[0].hostKey must be the Office LTSC 2024 KMS host key, as a secret; received nothing.',
    ],
    [
      "the published Office GVLK instead of the host key",
      [{ version: "LTSC 2024", hostKey: OFFICE_2024_GVLK, volumeLicensePack: "" }],
      "office[0].hostKey",
      'KmsHost "kms": office[0].hostKey must be your KMS host key (CSVLK) from the Microsoft 365 admin center or VLSC; that is the published KMS client setup key of "Office LTSC Professional Plus 2024", which clients install and a KMS host cannot be activated with; received a key ending in "GCVGB".',
    ],
    [
      "the Windows host key again",
      [{ version: "LTSC 2024", hostKey: HOST_KEY, volumeLicensePack: "" }],
      "office[0].hostKey",
      'KmsHost "kms": office[0].hostKey must be the Office LTSC 2024 KMS host key, a different key from hostKey (the Windows KMS host key); received a key ending in "KHMXV".',
    ],
    [
      "no volumeLicensePack",
      [{ version: "LTSC 2021", hostKey: OFFICE_KEY }],
      "office[0].volumeLicensePack",
      'KmsHost "kms": office[0].volumeLicensePack must be where the host finds the Office LTSC 2021 Volume License Pack files (https://www.microsoft.com/download/details.aspx?id=103446): a folder or .zip of the extracted .xrm-ms files, or "" when the pack is already installed; received nothing.',
    ],
    [
      "the pack's .exe installer",
      [
        {
          version: "LTSC 2024",
          hostKey: OFFICE_KEY,
          volumeLicensePack: "C:\\downloads\\Office LTSC 2024 VL pack.exe",
        },
      ],
      "office[0].volumeLicensePack",
      'KmsHost "kms": office[0].volumeLicensePack must be where the Office Volume License Pack\'s license files are: a folder on the host with the extracted .xrm-ms files, a .zip of them (a path on the host or an http(s) URI), or an empty string when the pack is already installed. The pack\'s installer cannot run unattended (Microsoft documents it only as an interactive installer that opens the Volume Activation Tools wizard): extract its license files once (see docs/office.md) and give the folder or a .zip of them; received "C:\\\\downloads\\\\Office LTSC 2024 VL pack.exe".',
    ],
    [
      "not a list",
      { version: "LTSC 2024", hostKey: OFFICE_KEY, volumeLicensePack: "" },
      "office",
      'KmsHost "kms": office must be a list of { version, hostKey, volumeLicensePack }, one per Office version; received an object.',
    ],
  ])("%s", (_label, office, argument, message) => {
    expectConfigError(office, argument, message);
  });
});

describe("KmsClient with Office", () => {
  test("an Office product installs its setup key for the Office application (0ff1ce15-…)", async () => {
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Office LTSC Professional Plus 2024",
      kmsServer: "kms.corp.example:1688",
    });
    await valueOf(c.status);
    const call = mocks.scriptCalls.find((x) => x.name === "c1-setup")!;
    expect(call.parameters).toEqual({
      SetupKey: OFFICE_2024_GVLK,
      KmsServer: "kms.corp.example",
      KmsPort: "1688",
      Activate: "true",
      ApplicationId: "0ff1ce15-a989-479d-af46-f275c6370663",
    });
  });

  test("Microsoft 365 Apps is refused with the reason (subscription licensing, not KMS)", () => {
    let error: unknown;
    try {
      new KmsClient("c1", { azureVm: vm("app01"), product: "Microsoft 365 Apps for enterprise" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KmsConfigError);
    expect((error as InstanceType<typeof KmsConfigError>).argument).toBe("product");
    expect((error as Error).message).toContain(
      'KmsClient "c1": product must be a product that KMS can activate: Microsoft 365 Apps (Office 365)',
    );
    expect(mocks.resources).toEqual([]);
  });

  test("Windows and Office KmsClients of one host on one VM: setup after setup, re-activation after re-activation", async () => {
    // Both setups end pending (count below the threshold), so both get the barrier's second ask.
    mocks.responder = pendingAtSetup();
    const host = new KmsHost("kms", hostArgs());
    const win = new KmsClient("app01-windows", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      host,
    });
    const office = new KmsClient("app01-office", {
      azureVm: vm("app01"),
      product: "Office LTSC Professional Plus 2024",
      host,
    });
    await valueOf(win.status);
    await valueOf(office.status);
    await settle();
    const winSetup = mocks.one(RUN_COMMAND, "app01-windows-setup");
    const officeSetup = mocks.one(RUN_COMMAND, "app01-office-setup");
    const winActivate = mocks.one(RUN_COMMAND, "app01-windows-activate");
    const officeActivate = mocks.one(RUN_COMMAND, "app01-office-activate");
    const count = mocks.one(RUN_COMMAND, "kms-count");
    expect(officeSetup.dependencies).toContain(winSetup.urn);
    expect(officeActivate.dependencies).toContain(winActivate.urn);
    expect(officeActivate.dependencies).toContain(count.urn);
    expect(winSetup.dependencies).not.toContain(officeSetup.urn);
    expect(params(officeSetup, "parameters").ApplicationId).toBe(
      "0ff1ce15-a989-479d-af46-f275c6370663",
    );
    expect(params(winSetup, "parameters").ApplicationId).toBe(
      "55c92734-d682-4d71-983e-d6ec3f16059f",
    );
  });

  test("without host, the component's dependsOn orders its script run (the Windows client's setup first)", async () => {
    const win = new KmsClient("app02-windows", {
      azureVm: vm("app02"),
      product: "Windows Server 2022 Datacenter",
      kmsServer: "kms.corp.example",
    });
    const office = new KmsClient(
      "app02-office",
      { azureVm: vm("app02"), product: "Office LTSC Standard 2024", kmsServer: "kms.corp.example" },
      { dependsOn: [win] },
    );
    await valueOf(office.status);
    await settle();
    // A component in dependsOn stands for its children: the Windows client's script run.
    expect(mocks.one(RUN_COMMAND, "app02-office-setup").dependencies).toContain(
      mocks.one(RUN_COMMAND, "app02-windows-setup").urn,
    );
  });
});
