/**
 * `kms-plan --lab` verdicts, with a stand-in lab that states its own conditions (Marketplace clients
 * already licensed by Azure's KMS; our host answers 0xC004F038 below 5 machines): a client counts as
 * activated only when a host of this program activated it; `licensedBy` says who holds the licence; the
 * text never shows such a client as a success; the exit code is 5 when a client the program points at
 * its host does not end activated by it.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "../components";
import { secretConfig } from "../tools/plan";
import { EXIT, exitCodeOf } from "../tools/plan-cli";
import { formatRehearsal, rehearse } from "../tools/rehearsal";
import { AZURE_KMS, StandInLab } from "./helpers/standInLab";
import {
  heldByOurs,
  ourHostTest,
  outcomeDisagreements,
  recordingLab,
} from "../tools/rehearsal/verdicts";

jest.setTimeout(60_000);

const config = { hostKey: secretConfig("kms-plan-secret-placeholder(project:hostKey)") };

function stack(clients: number) {
  return () => {
    const host = new KmsHost("kms", {
      hostKey: new pulumi.Config().requireSecret("hostKey"),
      azureVm: { resourceGroupName: "infra-rg", vmName: "kms01", location: "westeurope" },
      windowsServerVersion: "2022",
      dns: { zoneName: "corp.example", resourceGroupName: "dns-rg", ipAddress: "10.0.0.4" },
    });
    for (let i = 1; i <= clients; i++) {
      new KmsClient(`app-0${i}`, {
        azureVm: { resourceGroupName: "apps-rg", vmName: `app-0${i}`, location: "westeurope" },
        product: "Windows Server 2022 Datacenter",
        host,
      });
    }
  };
}

describe("kms-plan --lab verdicts (stand-in lab)", () => {
  test("a client licensed by Azure's KMS that got 0xC004F038 from our host is pending, not activated; exit 5", async () => {
    // The threshold policy would block this stack (exit 1); advisory here, to see the rehearsal's verdict.
    const r = await rehearse(
      stack(3),
      { lab: new StandInLab(), images: "marketplace" },
      {
        config,
        policyConfig: { "enforce-activation-threshold": { enforcementLevel: "advisory" } },
      },
    );
    const clients = r.lab.machines.filter((m) => m.role === "client");
    expect(clients).toHaveLength(3);
    for (const c of clients) {
      expect(c).toMatchObject({
        licenseStatus: "Licensed",
        activated: false,
        licensedBy: AZURE_KMS,
        errorCode: "0xC004F038",
      });
      expect(c.activatedBy).toBeUndefined();
    }
    expect(r.lab.clients.map((v) => [v.client, v.host, v.activated])).toEqual([
      ["app-01", "kms", false],
      ["app-02", "kms", false],
      ["app-03", "kms", false],
    ]);
    const text = formatRehearsal(r.lab);
    expect(text).not.toMatch(/activated by azkms/i);
    expect(text).toMatch(
      /app-01 .*NOT activated by a host of this program \(0xC004F038\); licensed by azkms\.core\.windows\.net:1688 only/,
    );
    expect(text).toContain(
      "Not activated by their KmsHost at the end of the deployment (3 of 3 client(s); exit code 5):",
    );
    expect(text).toMatch(
      /app-02 on app-02 \(KmsHost "kms"\): pending \(0xC004F038.*licensed by Azure's KMS/,
    );
    expect(exitCodeOf(r)).toBe(EXIT.notActivated);
  });

  test("clients our host activated: activated, activatedBy our host, licensedBy the same; exit 0", async () => {
    // Each client with a machine ID of its own (as after a rearm), so that our host counts five.
    const r = await rehearse(
      stack(5),
      { lab: new StandInLab(), images: "marketplace", sharedCmid: false },
      { config },
    );
    const clients = r.lab.machines.filter((m) => m.role === "client");
    expect(clients).toHaveLength(5);
    for (const c of clients) {
      expect(c.activated).toBe(true);
      expect(c.activatedBy).toMatch(/^kms\.corp\.example:1688$/);
      expect(c.licensedBy).toBe(c.activatedBy);
    }
    expect(r.lab.clients.every((v) => v.activated)).toBe(true);
    expect(formatRehearsal(r.lab)).not.toContain("Not activated by their KmsHost");
    expect(exitCodeOf(r)).toBe(EXIT.ok);
  });

  test("the lab the rehearsal records names through keeps every other member of the lab (e.g. a clock)", async () => {
    const lab = Object.assign(new StandInLab(), {
      advanced: 0,
      advance(minutes: number) {
        this.advanced += minutes;
      },
    });
    const names = new Map<string, string>();
    const wrapped = recordingLab(lab, names) as typeof lab;
    await wrapped.setAddress("KMS.corp.example.", "kms01");
    expect(names.get("kms.corp.example")).toBe("kms01");
    expect(lab.addresses.get("kms.corp.example.")).toBe("kms01");
    wrapped.advance(120);
    expect(lab.advanced).toBe(120);
    expect(wrapped.hostKey!("Windows Server 2022")).toBe("LAB-CSVLK(Windows Server 2022)");
  });

  test("a host of this program is told from Azure's KMS and from hosts outside the program, by any name the lab resolves", () => {
    const names = new Map([
      ["kms.corp.example", "kms01"],
      ["10.0.0.4", "kms01"],
      ["other.fabrikam.com", "other01"],
    ]);
    const ours = ourHostTest(names, new Set(["kms01"]));
    expect(ours("kms.corp.example:1688")).toBe(true);
    expect(ours("KMS.corp.example.:1688")).toBe(true);
    expect(ours("10.0.0.4:1688")).toBe(true);
    expect(ours("kms01:1688")).toBe(true);
    expect(ours("kms01.corp.example:1688")).toBe(true);
    expect(ours("azkms.core.windows.net:1688")).toBe(false);
    expect(ours("kms.core.windows.net:1688")).toBe(false);
    expect(ours("other.fabrikam.com:1688")).toBe(false);
    expect(ours(undefined)).toBe(false);
    // The lab's own word on which machine answered (licensedByMachine) wins over the name.
    const hosts = new Set(["kms01"]);
    const licensed = { licenseStatus: 1, licensedBy: "kms.corp.example:1688" };
    expect(heldByOurs(licensed, ours, hosts)).toBe(true);
    expect(heldByOurs({ ...licensed, licensedByMachine: "kms01" }, ours, hosts)).toBe(true);
    expect(heldByOurs({ ...licensed, licensedByMachine: "other01" }, ours, hosts)).toBe(false);
    // Not licensed now: nobody holds it, whatever activated it before.
    expect(heldByOurs({ ...licensed, licenseStatus: 5 }, ours, hosts)).toBe(false);
  });
});

describe("outcomeDisagreements: which client reaches the threshold depends on request order", () => {
  // Two clients outside the barrier: the forecast says the second request activates; in a deployment
  // the setups run in parallel, so either one may be the second.
  const forecast = {
    hosts: [
      {
        host: "kms",
        families: [
          {
            perClient: [
              { name: "a", activatesOnFirstRequest: false, withBarrierMinutes: 120 },
              { name: "b", activatesOnFirstRequest: true, withBarrierMinutes: 0 },
            ],
          },
        ],
      },
    ],
    unplaced: [],
  } as unknown as Parameters<typeof outcomeDisagreements>[0];
  const verdicts = (a: boolean, b: boolean) =>
    [
      { client: "a", host: "kms", activated: a, errorCode: a ? null : "0xC004F038" },
      { client: "b", host: "kms", activated: b, errorCode: b ? null : "0xC004F038" },
    ] as unknown as Parameters<typeof outcomeDisagreements>[1];

  test("the other client activated first: the same count at the end, no disagreement", () => {
    expect(outcomeDisagreements(forecast, verdicts(true, false))).toEqual([]);
  });

  test("a different count at the end is a disagreement, per client", () => {
    expect(outcomeDisagreements(forecast, verdicts(false, false)).map((d) => d.client)).toEqual([
      "b",
    ]);
  });
});
