import {
  createPlanMocks,
  deterministicGuid,
  detectScript,
  mockScriptResult,
} from "../tools/plan/mocks";

describe("detectScript", () => {
  test.each([
    ["kms-setup", ["# host-setup.ps1\nparam()"], undefined, undefined, "host-setup", "host"],
    [
      "c1-setup",
      ["<#\n.SYNOPSIS\n#>\n# client-setup.ps1\n"],
      undefined,
      undefined,
      "client-setup",
      "client",
    ],
    ["kms-count", ["# status.ps1"], undefined, "host", "status", "host"],
    ["c1-status", ["# status.ps1"], "kms:index:KmsClient", undefined, "status", "client"],
    ["kms-setup", ["no header"], "kms:index:KmsHost", undefined, "host-setup", "host"],
    ["c1-setup", ["no header"], "kms:index:KmsClient", undefined, "client-setup", "client"],
    ["c1-activate", [], undefined, undefined, "client-activate", "client"],
    ["kms-count", [], undefined, undefined, "status", "host"],
  ])("%s %j (parent %s, Role %s) → %s/%s", (name, texts, parent, role, kind, r) => {
    expect(detectScript(name, texts, parent, role)).toEqual({ kind, role: r });
  });

  test("a resource that runs none of our scripts is not given a result", () => {
    expect(detectScript("other", ["echo hi"])).toBeUndefined();
  });
});

describe("mock results", () => {
  test("the client result line has the documented shape and a deterministic CMID", () => {
    const r = mockScriptResult({
      kind: "client-setup",
      role: "client",
      name: "c1-setup",
      parameters: { KmsServer: "kms.corp.example", KmsPort: "1700" },
      clientMachines: 1,
      machine: "azure:rg/c1",
    });
    expect(r).toEqual({
      script: "client-setup",
      ok: true,
      changed: [],
      errorCode: null,
      licenseStatus: "Licensed",
      licenseStatusCode: 1,
      activated: true,
      pending: false,
      pendingReason: null,
      cmid: deterministicGuid("cmid:azure:rg/c1"),
      kmsServer: "kms.corp.example:1700",
    });
    expect(deterministicGuid("cmid:azure:rg/c1")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  test("the host's count read counts the distinct client machines that ran client-setup", () => {
    const m = createPlanMocks();
    const rc = (name: string, vmName: string, script: string, parameters: object[] = []) =>
      m.newResource({
        type: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
        name,
        custom: true,
        inputs: {
          resourceGroupName: "rg",
          vmName,
          runCommandName: name,
          source: { script },
          parameters,
        },
      });
    rc("c1-setup", "vm1", "# client-setup.ps1");
    rc("c2-setup", "vm2", "# client-setup.ps1");
    rc("c2-activate", "vm2", "# client-setup.ps1");
    rc("kms-count", "kms", "# status.ps1", [{ name: "Role", value: "host" }]);
    const view = m.call({
      token: "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine",
      inputs: {
        resourceGroupName: "rg",
        vmName: "kms",
        runCommandName: "kms-count",
        expand: "instanceView",
      },
    }).instanceView as { executionState: string; exitCode: number; output: string };
    expect([view.executionState, view.exitCode]).toEqual(["Succeeded", 0]);
    const last = JSON.parse(view.output.trim().split("\n").pop()!);
    expect([last.script, last.role, last.currentCount, last.isKmsHost]).toEqual([
      "status",
      "host",
      2,
      true,
    ]);
  });

  test("NIC addresses are 10.0.1.x, deterministic and distinct", () => {
    const ips = (names: string[]) => {
      const m = createPlanMocks();
      return names.map(
        (n) =>
          (
            m.newResource({
              type: "azure-native:network:NetworkInterface",
              name: n,
              custom: true,
              inputs: {},
            }).state.ipConfigurations as { privateIPAddress: string }[]
          )[0].privateIPAddress,
      );
    };
    const names = Array.from({ length: 40 }, (_, i) => `nic-${i}`);
    const a = ips(names);
    expect(a).toEqual(ips(names));
    expect(new Set(a).size).toBe(40);
    for (const ip of a) expect(ip).toMatch(/^10\.0\.1\.(\d+)$/);
  });

  test("record sets get their FQDN; remote commands get stdout with a result line", () => {
    const m = createPlanMocks();
    const rs = m.newResource({
      type: "azure-native:privatedns:PrivateRecordSet",
      name: "kms-srv",
      custom: true,
      inputs: {
        resourceGroupName: "rg",
        privateZoneName: "kms.internal",
        relativeRecordSetName: "_vlmcs._tcp",
        recordType: "SRV",
      },
    });
    expect(rs.state.fqdn).toBe("_vlmcs._tcp.kms.internal.");
    const cmd = m.newResource({
      type: "command:remote:Command",
      name: "c9-setup",
      custom: true,
      inputs: {
        connection: { host: "10.0.0.9", port: 22 },
        stdin: JSON.stringify({
          script: "# client-setup.ps1",
          parameters: { KmsServer: "kms.internal" },
        }),
      },
    });
    const last = JSON.parse((cmd.state.stdout as string).trim().split("\n").pop()!);
    expect([last.script, last.kmsServer, last.cmid]).toEqual([
      "client-setup",
      "kms.internal:1688",
      deterministicGuid("cmid:ssh:10.0.0.9:22"),
    ]);
  });
});
