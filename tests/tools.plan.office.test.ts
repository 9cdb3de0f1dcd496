/**
 * Office volume activation end to end through the offline plan: examples/office (a Windows Server 2022
 * host with the Office LTSC 2024 host key, five VMs with Windows Server and Office LTSC 2024) plans
 * without violation; a host holding another Office version's key, or four Office machines, are refused
 * with clear messages. Plus the pure Office helpers and docs/office.md's requirements table.
 */
import * as fs from "fs";
import * as path from "path";
import type { PlanResult } from "../tools/plan";
import {
  findOfficeVersion,
  hostMeetsOffice,
  officeRequirementsTable,
  officeStepName,
  requireOfficeVersion,
  validateVolumeLicensePack,
} from "../components/office";
import { KmsConfigError } from "pulumi-kms-activation-catalog";

const example = path.join(__dirname, "..", "examples", "office");

/** A fresh module registry per plan, so the example's index.ts runs again. */
async function planOffice(config: Record<string, string> = {}): Promise<PlanResult> {
  let result!: PlanResult;
  await jest.isolateModulesAsync(async () => {
    const { plan } = require("../tools/plan") as typeof import("../tools/plan");
    result = await plan(example, { config });
  });
  return result;
}

describe("examples/office through the offline plan", () => {
  test("Office LTSC 2024 host + 5 Windows/Office VMs: no violation, one Office step, clients in order", async () => {
    const result = await planOffice();
    expect(result.violations).toEqual([]);
    const names = result.resources.map((r) => `${r.type} ${r.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "kms:index:KmsHost kms",
        "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-setup",
        "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-office-ltsc2024",
        "azure-native:compute:VirtualMachineRunCommandByVirtualMachine kms-count",
        "kms:index:KmsClient rds-01-windows",
        "kms:index:KmsClient rds-01-office",
        "azure-native:compute:VirtualMachineRunCommandByVirtualMachine rds-05-office-setup",
      ]),
    );
    expect(result.resources.filter((r) => r.type === "kms:index:KmsClient")).toHaveLength(10);
    const office = result.resources.find((r) => r.name === "kms-office-ltsc2024")!;
    // Plain parameters; the Office host key and the pack URI (a secret in the example's config) are
    // protected parameters only.
    expect(office.inputs.parameters).toEqual([
      { name: "ActivationRetries", value: "3" },
      { name: "RetryDelaySeconds", value: "30" },
      { name: "OfficeVersion", value: "LTSC2024" },
    ]);
    expect(office.inputs.protectedParameters).toBe("[secret]");
    const host = result.resources.find((r) => r.type === "kms:index:KmsHost")!;
    expect((host.inputs.summary as { officeVersions: string[] }).officeVersions).toEqual([
      "LTSC 2024",
    ]);
  });

  test("the host holds an Office LTSC 2021 key: require-compatible-host-key names the key the clients need", async () => {
    const result = await planOffice({ officeVersion: "LTSC 2021" });
    expect(result.violations.map((v) => [v.policyName, v.enforcementLevel])).toEqual([
      ["require-compatible-host-key", "mandatory"],
    ]);
    expect(result.violations[0].message).toBe(
      'KMS host "kms" has Office host keys for "LTSC 2021" only, so it cannot activate Office LTSC Professional ' +
        'Plus 2024 on KmsClients "rds-01-office", "rds-02-office", "rds-03-office", "rds-04-office" and ' +
        '"rds-05-office" (error 0xC004F042). Install the "Office LTSC 2024" host key. Needs the Office LTSC 2024 ' +
        "Volume License Pack on the host (download 106246); activates that Office version's volume products only.",
    );
  });

  test("4 Office machines: enforce-activation-threshold says Office needs 5", async () => {
    // One Windows Server outside the stack keeps the Windows count at 5: only Office falls short.
    const result = await planOffice({ clientCount: "4", externalWindowsServers: "1" });
    expect(result.violations.map((v) => [v.policyName, v.enforcementLevel])).toEqual([
      ["enforce-activation-threshold", "mandatory"],
    ]);
    const message = result.violations[0].message;
    expect(message).toContain(
      'KMS host "kms" would count 4 distinct Office machines (4 in this stack + 0 in externalClients), but Office needs 5 (1 more).',
    );
    expect(message).toContain(
      '"rds-01-office", "rds-02-office", "rds-03-office" and "rds-04-office"',
    );
    expect(message).toContain("Azure KMS does not activate Office");
  });
});

describe("Office helpers", () => {
  test.each([
    ["LTSC 2024", "LTSC 2024"],
    ["Office LTSC 2024", "LTSC 2024"],
    ["2024", "LTSC 2024"],
    ["Office 2024", "LTSC 2024"],
    ["ltsc 2021", "LTSC 2021"],
    ["2021", "LTSC 2021"],
    ["Office 2019", "2019"],
    ["2016", "2016"],
  ])("findOfficeVersion(%j) is %j", (input, version) => {
    expect(findOfficeVersion(input)?.version).toBe(version);
  });

  test.each([["2013"], ["2010"], ["Microsoft 365 Apps"], [""], ["LTSC 2030"]])(
    "%j is not an Office version a host takes",
    (input) => {
      expect(findOfficeVersion(input)).toBeUndefined();
      expect(() => requireOfficeVersion(input, "office[0].version")).toThrow(KmsConfigError);
    },
  );

  test("step names are the host's name and the version without spaces", () => {
    expect(officeStepName("kms", "LTSC 2024")).toBe("kms-office-ltsc2024");
    expect(officeStepName("kms-a", "2019")).toBe("kms-a-office-2019");
  });

  test.each<[string, string, boolean]>([
    ["LTSC 2024", "2022", true],
    ["LTSC 2024", "2025", true],
    ["LTSC 2024", "2019", false],
    ["LTSC 2021", "2016", true],
    ["LTSC 2021", "2012 R2", false],
    ["2019", "2012", true],
    ["2016", "2008 R2", true],
  ])("Office %s on Windows Server %s: %s", (office, os, ok) => {
    expect(hostMeetsOffice(findOfficeVersion(office)!, os)).toBe(ok);
  });

  test.each([
    ["C:\\vlpack\\ltsc2024", "C:\\vlpack\\ltsc2024"],
    ["  C:\\vlpack\\ltsc2024.zip ", "C:\\vlpack\\ltsc2024.zip"],
    ["https://packs.example/ltsc2024.zip?sig=x", "https://packs.example/ltsc2024.zip?sig=x"],
    ["", ""],
  ])("volume license pack %j is accepted", (input, normal) => {
    expect(validateVolumeLicensePack("volumeLicensePack", input)).toBe(normal);
  });

  test.each([
    ["C:\\downloads\\setup.exe"],
    ["https://download.example/Office2024VLPack.EXE?x=1"],
    ["ftp://packs.example/pack.zip"],
  ])("volume license pack %j is refused", (input) => {
    expect(() => validateVolumeLicensePack("volumeLicensePack", input)).toThrow(KmsConfigError);
  });

  test("docs/office.md holds the requirements table of OFFICE_HOST_REQUIREMENTS", () => {
    // Compared cell by cell: Prettier pads the columns of the committed table.
    const cells = (text: string) =>
      text
        .split("\n")
        .filter((l) => l.trim().startsWith("| Office") || l.trim().startsWith("| Windows"))
        .map((l) =>
          l
            .trim()
            .replace(/^\||\|$/g, "")
            .split("|")
            .map((c) => c.trim()),
        );
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "office.md"), "utf8");
    const table = doc.slice(doc.indexOf("| Office version"));
    expect(cells(table.slice(0, table.indexOf("\n\n")))).toEqual(cells(officeRequirementsTable()));
    expect(cells(officeRequirementsTable())).toHaveLength(5);
  });
});
