/**
 * The forecast and existing Azure VMs: the program cannot see the image of a VM it does not
 * create. Marketplace Windows images are generalized with SkipRearm=1, so such VMs may share a client
 * machine ID: the forecast counts them once per image (pessimistic), says so, and advises `rearm: true`;
 * it never forecasts "all activated" on their distinct count.
 */
import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import { KmsClient, KmsHost } from "../components";
import { formatForecast } from "../tools/forecast";
import { plan, secretConfig } from "../tools/plan";

const config = { hostKey: secretConfig("ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ") };
const advisory = { "enforce-activation-threshold": { enforcementLevel: "advisory" as const } };

function stack(options: {
  existing: number;
  rearm?: boolean;
  external?: number;
  created?: number;
}) {
  return () => {
    const host = new KmsHost("kms", {
      hostKey: new pulumi.Config().requireSecret("hostKey"),
      azureVm: { resourceGroupName: "kms-rg", vmName: "kms01", location: "westeurope" },
      windowsServerVersion: "2022",
      fqdn: "kms01.corp.contoso.com",
      externalClients: { windowsServer: options.external ?? 0 },
    });
    for (let i = 1; i <= options.existing; i++) {
      new KmsClient(`app-0${i}`, {
        azureVm: { resourceGroupName: "apps", vmName: `app-0${i}`, location: "westeurope" },
        product: "Windows Server 2022 Datacenter",
        host,
        rearm: options.rearm ?? false,
      });
    }
    for (let i = 1; i <= (options.created ?? 0); i++) {
      const vm = new compute.VirtualMachine(`new-0${i}-vm`, {
        resourceGroupName: "apps",
        vmName: `new-0${i}`,
        storageProfile: {
          imageReference: {
            publisher: "MicrosoftWindowsServer",
            offer: "WindowsServer",
            sku: "2022-datacenter-g2",
            version: "latest",
          },
        },
      });
      new KmsClient(
        `new-0${i}`,
        {
          azureVm: { resourceGroupName: "apps", vmName: `new-0${i}`, location: "westeurope" },
          product: "Windows Server 2022 Datacenter",
          host,
          rearm: true,
        },
        { dependsOn: [vm] },
      );
    }
  };
}

describe("forecast: existing Azure VMs whose image the program cannot see", () => {
  test("two existing VMs and three external clients: may share a CMID, so the count may stay at 4: never, advise rearm", async () => {
    const r = await plan(stack({ existing: 2, external: 3 }), { config, policyConfig: advisory });
    const fam = r.forecast.hosts[0].families[0];
    expect(fam.reached).toBe(false);
    expect(fam.finalCount).toBe(4);
    expect(fam.mayShareCmid).toEqual(["app-01", "app-02"]);
    expect(fam.perClient.map((p) => [p.name, p.mayShareCmid, p.withBarrierMinutes])).toEqual([
      ["app-01", true, null],
      ["app-02", true, null],
    ]);
    expect(fam.reason).toMatch(
      /2 client\(s\) are existing Azure VMs whose image kms-plan cannot see.*rearm: true/,
    );
    const text = formatForecast(r.forecast);
    expect(text).not.toMatch(/all activated/);
    expect(text).toMatch(/NEVER activate/);
  });

  test("the same VMs with rearm: true each get a CMID of their own: all activated", async () => {
    const r = await plan(stack({ existing: 2, external: 3, rearm: true }), { config });
    const fam = r.forecast.hosts[0].families[0];
    expect(fam).toMatchObject({ reached: true, finalCount: 5, mayShareCmid: [] });
    expect(fam.perClient.every((p) => p.mayShareCmid === undefined)).toBe(true);
  });

  test("with enough other machines the count is reached anyway; the text still names them and advises rearm", async () => {
    const r = await plan(stack({ existing: 2, created: 4 }), { config });
    const fam = r.forecast.hosts[0].families[0];
    // 4 created VMs (rearmed) + the 2 existing ones counted once: 5.
    expect(fam).toMatchObject({ reached: true, finalCount: 5, mayShareCmid: ["app-01", "app-02"] });
    expect(formatForecast(r.forecast)).toContain(
      "note: 2 client(s) on existing Azure VMs whose image kms-plan cannot see (app-01, app-02) may share a client machine ID",
    );
  });
});
