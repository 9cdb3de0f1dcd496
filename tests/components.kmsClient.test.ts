import {
  installMocks,
  pendingAtSetup,
  settle,
  valueOf,
  ScriptCall,
} from "./helpers/componentMocks";
import { specialSecretSig } from "@pulumi/pulumi/runtime";

const mocks = installMocks();
const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
const { encodeParameterValue } =
  require("../components/scripts") as typeof import("../components/scripts");
const { KmsClient, KmsHost } = require("../components") as typeof import("../components");

const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV";
const SERVER_2022_DC_GVLK = "WX4NM-KYWYW-QJJR4-XV3QB-6VM33";
const WIN11_ENT_GVLK = "NPPR9-FWDCX-D2C8J-H872K-2YT43";
const OFFICE_2024_GVLK = "XJ2XN-FW8RK-P4HMP-DKDBV-GCVGB";
const vm = (vmName: string) => ({ resourceGroupName: "rg", vmName, location: "westeurope" });

beforeEach(async () => {
  await settle();
  mocks.reset();
});

function setupCall(name: string): ScriptCall {
  const calls = mocks.scriptCalls.filter((c) => c.name === name);
  expect(calls).toHaveLength(1);
  return calls[0];
}

describe("KmsClient", () => {
  test("azureVm + product: installs the product's setup key and uses DNS discovery by default", async () => {
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
    });
    expect(await valueOf(c.status)).toEqual({
      licenseStatus: "Licensed",
      activated: true,
      pending: false,
      pendingReason: undefined,
      cmid: "cmid-azure:rg/app01",
      kmsServer: "kms.kms.internal:1688",
      partialProductKey: undefined,
      productName: undefined,
      errorCode: undefined,
      changed: [],
    });
    expect(await valueOf(c.product)).toBe("Windows Server 2022 Datacenter");
    expect(setupCall("c1-setup")).toEqual({
      name: "c1-setup",
      script: "client-setup",
      machine: "azure:rg/app01",
      // Empty values are left out: Run Command could pass a bare -Name, which PowerShell refuses.
      parameters: {
        SetupKey: SERVER_2022_DC_GVLK,
        KmsPort: "0",
        Activate: "true",
        ApplicationId: "55c92734-d682-4d71-983e-d6ec3f16059f",
      },
    });
    await settle();
    const rc = mocks.one(
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
      "c1-setup",
    );
    expect(rc.parent).toMatch(/kms:index:KmsClient::c1$/);
    expect(rc.plain).toMatchObject({
      resourceGroupName: "rg",
      vmName: "app01",
      runCommandName: "c1-setup",
      treatFailureAsDeploymentFailure: true,
    });
    expect(rc.plain.protectedParameters).toBeUndefined();
  });

  test("exposes its setup step, and its rearm step when it rearms, to reference or depend on", async () => {
    const plain = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
    });
    const rearmed = new KmsClient("c2", {
      azureVm: vm("app02"),
      product: "Windows Server 2022 Datacenter",
      rearm: true,
    });
    expect(await valueOf(plain.setupStep.urn)).toMatch(/::c1-setup$/);
    expect(plain.rearmStep).toBeUndefined();
    expect(await valueOf(rearmed.setupStep.urn)).toMatch(/::c2-setup$/);
    expect(await valueOf(rearmed.rearmStep!.urn)).toMatch(/::c2-rearm$/);
  });

  test("kmsServer name:port sets a fixed host and port", async () => {
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows 11 Enterprise",
      kmsServer: "kms01.corp.contoso.com:1700",
    });
    await valueOf(c.status);
    expect(setupCall("c1-setup").parameters).toMatchObject({
      SetupKey: WIN11_ENT_GVLK,
      KmsServer: "kms01.corp.contoso.com",
      KmsPort: "1700",
    });
  });

  test("kmsServer [IPv6]:port is split into host and port", async () => {
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows 11 Enterprise",
      kmsServer: "[fd00::5]:1688",
    });
    await valueOf(c.status);
    expect(setupCall("c1-setup").parameters).toMatchObject({
      KmsServer: "fd00::5",
      KmsPort: "1688",
    });
  });

  test("lookupDomain is passed for /skms-domain style discovery", async () => {
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows 10 Pro",
      lookupDomain: "kms.internal",
    });
    await valueOf(c.status);
    const parameters = setupCall("c1-setup").parameters;
    expect(parameters.LookupDomain).toBe("kms.internal");
    expect(parameters).not.toHaveProperty("KmsServer");
  });

  test("an Office product uses the Office licensing application", async () => {
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Office LTSC Professional Plus 2024",
      kmsServer: "kms.kms.internal",
    });
    await valueOf(c.status);
    expect(setupCall("c1-setup").parameters).toMatchObject({
      SetupKey: OFFICE_2024_GVLK,
      ApplicationId: "0ff1ce15-a989-479d-af46-f275c6370663",
    });
  });

  test("setupKey alone: the product and family come from the catalog", async () => {
    const c = new KmsClient("c1", { azureVm: vm("app01"), setupKey: SERVER_2022_DC_GVLK });
    await valueOf(c.status);
    await settle();
    const summary = mocks.one("kms:index:KmsClient", "c1").plain.summary as Record<string, unknown>;
    expect(summary).toMatchObject({
      product: "Windows Server 2022 Datacenter",
      family: "windowsServer",
      discovery: "dns",
      machine: "azure:rg/app01",
      activate: true,
    });
  });

  test("activate: false passes Activate=false", async () => {
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows 10 Pro",
      activate: false,
    });
    await valueOf(c.status);
    expect(setupCall("c1-setup").parameters.Activate).toBe("false");
  });

  test("ssh target: a remote command with user, and parameters on stdin", async () => {
    const c = new KmsClient("onprem1", {
      ssh: {
        host: "192.168.10.20",
        user: "Administrator",
        privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
      },
      product: "Windows 11 Enterprise",
      kmsServer: "kms.corp.contoso.com",
    });
    await valueOf(c.status);
    await settle();
    const cmd = mocks.one("command:remote:Command", "onprem1-setup");
    const connection = cmd.plain.connection as Record<string, unknown>;
    expect(connection.user).toBe("Administrator");
    expect(connection.port).toBe(22);
    expect(JSON.stringify(cmd.inputs.connection)).toContain(specialSecretSig);
    expect(String(cmd.plain.create)).not.toContain("BEGIN OPENSSH");
    expect(setupCall("onprem1-setup")).toMatchObject({
      machine: "ssh:192.168.10.20:22",
      parameters: { KmsServer: "kms.corp.contoso.com" },
    });
  });
});

describe("KmsClient with host: threshold barrier", () => {
  const hostArgs = { hostKey: HOST_KEY, azureVm: vm("kms01"), fqdn: "kms01.corp.contoso.com" };

  test("clients use the host's kmsServer; the count is read after every setup; every client is asked again after it", async () => {
    // c1 and c2 ask before the count is reached (pending); c3 activates at setup.
    mocks.responder = pendingAtSetup((call) => call.name === "c3-setup");
    const host = new KmsHost("kms", hostArgs);
    const clients = [1, 2, 3].map(
      (i) =>
        new KmsClient(`c${i}`, {
          azureVm: vm(`app0${i}`),
          product: "Windows Server 2022 Datacenter",
          host,
        }),
    );
    await Promise.all(clients.map((c) => valueOf(c.status)));
    await valueOf(host.activationReport);
    await settle();
    expect(setupCall("c1-setup").parameters).toMatchObject({
      KmsServer: "kms01.corp.contoso.com",
      KmsPort: "1688",
    });
    const order = mocks.scriptCalls.map((c) => c.name);
    const countAt = order.indexOf("kms-count");
    expect(countAt).toBeGreaterThan(-1);
    for (const i of [1, 2, 3]) expect(order.indexOf(`c${i}-setup`)).toBeLessThan(countAt);
    // Registered for every member when declared (a preview and a saved plan show them): for c3, which
    // activated at setup, the second ask is one cheap Activate() call.
    for (const i of [1, 2, 3]) {
      expect(order.indexOf(`c${i}-activate`)).toBeGreaterThan(countAt);
      const again = setupCall(`c${i}-activate`);
      expect(again.script).toBe("client-activate");
      expect(Object.keys(again.parameters)).toEqual(["ApplicationId", "SetupDigest"]);
    }
    expect(
      mocks.resources
        .map((r) => r.name)
        .filter((n) => n.endsWith("-activate"))
        .sort(),
    ).toEqual(["c1-activate", "c2-activate", "c3-activate"]);
    expect(setupCall("kms-count")).toMatchObject({
      script: "status",
      parameters: { Role: "host", Clients: encodeParameterValue("c1,c2,c3") },
    });
    const count = mocks.one(
      "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
      "kms-count",
    );
    expect(count.parent).toMatch(/kms:index:KmsHost::kms$/);
  });

  test("a client pending on 0xC004F038 at setup ends activated after the barrier", async () => {
    mocks.responder = (call) => {
      if (call.script !== "client-setup" && call.script !== "client-activate")
        return {
          script: call.script,
          ok: true,
          changed: [],
          errorCode: null,
          licenseStatus: "Licensed",
          isKmsHost: true,
          currentCount: 5,
        };
      const pending = call.name === "c1-setup";
      return pending
        ? {
            script: call.script,
            ok: true,
            changed: ["productKey"],
            errorCode: "0xC004F038",
            licenseStatus: "Notification",
            activated: false,
            pending: true,
            pendingReason: "count 1 below 5",
            cmid: `cmid-${call.machine}`,
          }
        : {
            script: call.script,
            ok: true,
            changed: [],
            errorCode: null,
            licenseStatus: "Licensed",
            activated: true,
            pending: false,
            cmid: `cmid-${call.machine}`,
          };
    };
    const host = new KmsHost("kms", hostArgs);
    const c1 = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      host,
    });
    new KmsClient("c2", { azureVm: vm("app02"), product: "Windows Server 2022 Datacenter", host });
    const status = await valueOf(c1.status);
    expect(status).toMatchObject({ activated: true, pending: false });
    expect(await valueOf(host.activationReport)).toEqual({
      clients: 2,
      distinctMachines: 2,
      currentCount: 5,
      activated: 2,
      pending: 0,
      duplicateCmids: [],
      warnings: [],
    });
  });

  test("machines sharing a CMID are reported with the rearm fix", async () => {
    mocks.responder = (call) =>
      call.script === "client-setup" || call.script === "client-activate"
        ? {
            script: call.script,
            ok: true,
            changed: [],
            errorCode: "0xC004F038",
            licenseStatus: "Notification",
            activated: false,
            pending: true,
            pendingReason: "count",
            cmid: "11111111-2222-3333-4444-555555555555",
          }
        : {
            script: call.script,
            ok: true,
            changed: [],
            errorCode: null,
            licenseStatus: "Licensed",
            isKmsHost: true,
            currentCount: 1,
          };
    // The warning goes to the engine's log; captured here, where it is expected.
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    const host = new KmsHost("kms", hostArgs);
    for (const i of [1, 2, 3])
      new KmsClient(`c${i}`, {
        azureVm: vm(`app0${i}`),
        product: "Windows Server 2022 Datacenter",
        host,
      });
    const report = await valueOf(host.activationReport);
    await settle();
    // The test key is a plain string, which gets its own warning (asserted in validate tests): not this one.
    const warned = warn.mock.calls
      .filter((c) => !String(c[0]).includes("written as a plain string"))
      .map((c) => [c[0], c[1] === host]);
    warn.mockRestore();
    expect(warned).toEqual([[report?.warnings[0], true]]);
    expect(report?.duplicateCmids).toEqual([
      { cmid: "11111111-2222-3333-4444-555555555555", clients: ["c1", "c2", "c3"] },
    ]);
    expect(report?.pending).toBe(3);
    expect(report?.warnings).toHaveLength(1);
    expect(report?.warnings[0]).toContain(
      "share the client machine ID 11111111-2222-3333-4444-555555555555",
    );
    expect(report?.warnings[0]).toContain("SkipRearm=1");
    expect(report?.warnings[0]).toContain("slmgr /rearm");
    expect(report?.warnings[0]).toContain("Fix: give their KmsClient rearm: true");
  });

  test("Windows and Office configuration of one machine count as one machine", async () => {
    const host = new KmsHost("kms", hostArgs);
    new KmsClient("app01-windows", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      host,
    });
    new KmsClient("app01-office", {
      azureVm: vm("app01"),
      product: "Office LTSC Professional Plus 2024",
      host,
    });
    const report = await valueOf(host.activationReport);
    expect(report).toMatchObject({ clients: 2, distinctMachines: 1, duplicateCmids: [] });
  });

  test("the count step's client list is sorted by code point, not by the machine's locale", async () => {
    const host = new KmsHost("kms", hostArgs);
    for (const name of ["b-app", "B-app", "a-app", "A-app", "é-app"]) {
      new KmsClient(name, {
        azureVm: vm(name.replace("é", "e") + "x"),
        product: "Windows Server 2022 Datacenter",
        host,
      });
    }
    await valueOf(host.activationReport);
    await settle();
    expect(setupCall("kms-count").parameters.Clients).toBe(
      encodeParameterValue("A-app,B-app,a-app,b-app,é-app"),
    );
  });

  test("a client name with a space reaches the count step encoded (Run Command cuts values at a space)", async () => {
    const host = new KmsHost("kms", hostArgs);
    new KmsClient("app 01", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      host,
    });
    await valueOf(host.activationReport);
    await settle();
    const sent = setupCall("kms-count").parameters.Clients;
    expect(sent).not.toContain(" ");
    expect(sent).toBe(`base64:${Buffer.from("app 01").toString("base64")}`);
  });

  test.each([
    ["a short await", () => Promise.resolve()],
    ["a long await", () => new Promise((r) => setTimeout(r, 50))],
    ["setImmediate", () => new Promise((r) => setImmediate(r))],
  ])(
    "a client declared after %s is refused every time, before anything of it registers; the count step's Clients stay the same",
    async (_, wait) => {
      const host = new KmsHost("kms", hostArgs);
      new KmsClient("c1", {
        azureVm: vm("app01"),
        product: "Windows Server 2022 Datacenter",
        host,
      });
      await wait();
      const before = mocks.resources.filter((r) => r.name.startsWith("late")).length;
      expect(
        () =>
          new KmsClient("late", {
            azureVm: vm("app09"),
            product: "Windows Server 2022 Datacenter",
            host,
          }),
      ).toThrow(
        /^KmsClient "late": host must be a KmsHost whose clients are declared in the same synchronous part of the program as the host, before any await or callback: .*received KmsHost "kms" after its client list closed\.$/,
      );
      await valueOf(host.activationReport);
      await settle();
      expect(mocks.resources.filter((r) => r.name.startsWith("late")).length).toBe(before);
      expect(setupCall("kms-count").parameters.Clients).toBe("c1");
    },
  );

  test("a client with activate: false declared later is configured without the barrier", async () => {
    const host = new KmsHost("kms", hostArgs);
    await Promise.resolve();
    const c = new KmsClient("later", {
      azureVm: vm("app09"),
      product: "Windows Server 2022 Datacenter",
      host,
      activate: false,
    });
    await valueOf(c.status);
    await settle();
    expect(mocks.scriptCalls.map((x) => x.name).sort()).toEqual(["kms-setup", "later-setup"]);
  });
});

describe("clients wired to a host by its outputs wait for the host's setup", () => {
  const RUN_COMMAND = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
  const hostArgs = { hostKey: HOST_KEY, azureVm: vm("kms01"), fqdn: "kms01.corp.contoso.com" };

  test("kmsServer: host.kmsServer (no host): the client's setup depends on the host's last setup step and runs after it", async () => {
    const host = new KmsHost("kms", {
      ...hostArgs,
      office: [
        { version: "LTSC 2024", hostKey: "NFXNJ-QVRWK-PXJTX-C6M6V-G3JXV", volumeLicensePack: "" },
      ],
    });
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      kmsServer: host.kmsServer,
    });
    await valueOf(c.status);
    await settle();
    const officeStep = mocks.one(RUN_COMMAND, "kms-office-ltsc2024");
    expect(mocks.one(RUN_COMMAND, "c1-setup").dependencies).toContain(officeStep.urn);
    const order = mocks.scriptCalls.map((x) => x.name);
    expect(order.indexOf("c1-setup")).toBeGreaterThan(order.indexOf("kms-office-ltsc2024"));
    expect(setupCall("c1-setup").parameters).toMatchObject({
      KmsServer: "kms01.corp.contoso.com",
      KmsPort: "1688",
    });
  });

  test("kmsServer: host.fqdn and a KmsSrvRecord target host.fqdn wait for the host's setup too", async () => {
    const { KmsSrvRecord } = require("../components") as typeof import("../components");
    const host = new KmsHost("kms", hostArgs);
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      kmsServer: host.fqdn,
    });
    const srv = new KmsSrvRecord("srv", {
      zoneName: "corp.contoso.com",
      resourceGroupName: "dns-rg",
      hosts: [{ target: host.fqdn, port: host.port }],
    });
    await valueOf(c.status);
    await valueOf(srv.fqdn);
    await settle();
    const setupUrn = mocks.one(RUN_COMMAND, "kms-setup").urn;
    expect(mocks.one(RUN_COMMAND, "c1-setup").dependencies).toContain(setupUrn);
    const records = mocks.resources.filter((r) => r.type === "azure-native:dns:RecordSet");
    expect(records.length).toBe(1);
    expect(records[0].dependencies).toContain(setupUrn);
  });

  test("clients of the host's barrier still run, count after their setups, no cycle", async () => {
    const host = new KmsHost("kms", hostArgs);
    const viaHost = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      host,
    });
    const viaOutput = new KmsClient("c2", {
      azureVm: vm("app02"),
      product: "Windows Server 2022 Datacenter",
      kmsServer: host.kmsServer,
    });
    await Promise.all([valueOf(viaHost.status), valueOf(viaOutput.status)]);
    // The client given host.kmsServer joins the barrier too (tests/components.barrier.kmsServer.test.ts).
    expect(await valueOf(host.activationReport)).toMatchObject({ clients: 2, activated: 2 });
    await settle();
    const order = mocks.scriptCalls.map((x) => x.name);
    expect(order.indexOf("kms-setup")).toBe(0);
    expect(order.indexOf("kms-count")).toBeGreaterThan(order.indexOf("c1-setup"));
    expect(order.indexOf("kms-count")).toBeGreaterThan(order.indexOf("c2-setup"));
  });
});

describe("KmsClient rearm (VMs from one image share a CMID)", () => {
  const hostArgs = { hostKey: HOST_KEY, azureVm: vm("kms01"), fqdn: "kms01.corp.contoso.com" };
  const RC = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";

  test("rearm: true adds <name>-rearm (client-rearm.ps1, 15 s) before the setup; the rearm does not wait for the host", async () => {
    const host = new KmsHost("kms", hostArgs);
    const c = new KmsClient("c1", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      host,
      rearm: true,
    });
    await valueOf(c.status);
    await valueOf(host.activationReport);
    await settle();
    expect(setupCall("c1-rearm")).toEqual({
      name: "c1-rearm",
      script: "client-rearm",
      machine: "azure:rg/app01",
      parameters: { RestartDelaySeconds: "15" },
    });
    const rearm = mocks.one(RC, "c1-rearm");
    const setup = mocks.one(RC, "c1-setup");
    const hostSetup = mocks.one(RC, "kms-setup");
    expect(rearm.parent).toMatch(/kms:index:KmsClient::c1$/);
    expect(rearm.plain).toMatchObject({ vmName: "app01", runCommandName: "c1-rearm" });
    expect(setup.dependencies).toEqual(expect.arrayContaining([rearm.urn, hostSetup.urn]));
    expect(rearm.dependencies ?? []).not.toContain(hostSetup.urn);
    const order = mocks.scriptCalls.map((x) => x.name);
    expect(order.indexOf("c1-rearm")).toBeLessThan(order.indexOf("c1-setup"));
    // The client's status is its last step's, not the rearm's.
    expect(await valueOf(c.status)).toMatchObject({ activated: true, cmid: "cmid-azure:rg/app01" });
  });

  test("without host the rearm waits for the component's dependsOn, and the setup for the rearm", async () => {
    const first = new KmsClient("w", {
      azureVm: vm("app02"),
      product: "Windows Server 2022 Datacenter",
    });
    const c = new KmsClient(
      "c2",
      { azureVm: vm("app03"), product: "Windows Server 2022 Datacenter", rearm: true },
      { dependsOn: [first] },
    );
    await valueOf(c.status);
    await settle();
    const rearm = mocks.one(RC, "c2-rearm");
    expect(mocks.one(RC, "c2-setup").dependencies).toContain(rearm.urn);
    const order = mocks.scriptCalls.map((x) => x.name);
    expect(order.indexOf("w-setup")).toBeLessThan(order.indexOf("c2-rearm"));
  });

  test("no rearm step by default, and the summary says whether the client rearms", async () => {
    new KmsClient("c3", { azureVm: vm("app04"), product: "Windows Server 2022 Datacenter" });
    new KmsClient("c4", {
      azureVm: vm("app05"),
      product: "Windows Server 2022 Datacenter",
      rearm: true,
    });
    await settle();
    expect(mocks.resources.map((r) => r.name).filter((n) => n.endsWith("-rearm"))).toEqual([
      "c4-rearm",
    ]);
    const summaries = mocks
      .byType("kms:index:KmsClient")
      .map((r) => [r.name, (r.plain.summary as { rearm: boolean }).rearm]);
    expect(summaries).toEqual([
      ["c3", false],
      ["c4", true],
    ]);
  });

  test.each([
    ["a string", "true", 'KmsClient "c5": rearm must be a plain true or false; received "true".'],
    [
      "an Office product",
      true,
      'KmsClient "c5": rearm must be false for an Office product (Office LTSC Professional Plus 2024): a rearm gives the machine a new client machine ID for Windows. Set rearm on the KmsClient of the machine\'s Windows product; its setup runs first, after the restart; received true.',
    ],
  ])("rearm as %s is a KmsConfigError before anything registers", (_what, value, message) => {
    const product =
      value === true ? "Office LTSC Professional Plus 2024" : "Windows Server 2022 Datacenter";
    expect(
      () =>
        new KmsClient("c5", {
          azureVm: vm("app06"),
          product,
          rearm: value as boolean,
        }),
    ).toThrow(message);
    expect(mocks.resources).toHaveLength(0);
  });
});

describe("KmsClient arguments that cannot work", () => {
  const hostArgs = { hostKey: HOST_KEY, azureVm: vm("kms01"), fqdn: "kms01.corp.contoso.com" };

  test.each(["activationIntervalMinutes", "renewalIntervalMinutes"])(
    "%s on a client is a KmsConfigError: the host's settings apply",
    (interval) => {
      expect(
        () =>
          new KmsClient("c1", {
            azureVm: vm("app01"),
            product: "Windows Server 2022 Datacenter",
            ...({ [interval]: 60 } as object),
          }),
      ).toThrow(
        new RegExp(
          `^KmsClient "c1": ${interval} must be left out: a KMS client takes its intervals from its host's answer, so the host's settings apply .*received 60\\.$`,
        ),
      );
      expect(mocks.resources).toHaveLength(0);
    },
  );

  test("host and dependsOn: [host] is refused (it would wait for itself), before anything registers", async () => {
    const host = new KmsHost("kms", hostArgs);
    await settle();
    mocks.reset();
    expect(
      () =>
        new KmsClient(
          "c1",
          { azureVm: vm("app01"), product: "Windows Server 2022 Datacenter", host },
          { dependsOn: [host] },
        ),
    ).toThrow(
      /^KmsClient "c1": dependsOn must be free of the KmsHost given as host: the host's count step waits for this client's setup/,
    );
    expect(
      () =>
        new KmsClient(
          "c2",
          { azureVm: vm("app02"), product: "Windows Server 2022 Datacenter", host },
          { dependsOn: host },
        ),
    ).toThrow(/dependsOn must be free of the KmsHost given as host/);
    await settle();
    expect(mocks.resources).toHaveLength(0);
  });

  test("host and dependsOn another client of the same host is refused", async () => {
    const host = new KmsHost("kms", hostArgs);
    const windows = new KmsClient("win", {
      azureVm: vm("app01"),
      product: "Windows Server 2022 Datacenter",
      host,
    });
    expect(
      () =>
        new KmsClient(
          "office",
          { azureVm: vm("app01"), product: "Office LTSC Professional Plus 2024", host },
          { dependsOn: [windows] },
        ),
    ).toThrow(
      /^KmsClient "office": dependsOn must be free of other clients of the same host: .*received \[KmsClient "win", …\]\.$/,
    );
  });
});

describe("script failures", () => {
  const { readResult } = require("../components/remote") as typeof import("../components/remote");

  test("a result with ok: false fails with the error code's meaning and fix", () => {
    const output = `log\r\n${JSON.stringify({ script: "client-setup", ok: false, changed: [], errorCode: "0xC004F074", message: "activation failed" })}\r\n`;
    expect(() => readResult(output, "client-setup")).toThrow(
      /^client-setup\.ps1 failed: activation failed 0xC004F074: No KMS host could be contacted\. Fix: .*Test-NetConnection/,
    );
  });

  test("pending 0xC004F038 is not a failure", () => {
    const output = JSON.stringify({
      script: "client-setup",
      ok: true,
      changed: [],
      errorCode: "0xC004F038",
      activated: false,
      pending: true,
    });
    expect(readResult(output, "client-setup")).toMatchObject({
      ok: true,
      pending: true,
      errorCode: "0xC004F038",
    });
  });
});
