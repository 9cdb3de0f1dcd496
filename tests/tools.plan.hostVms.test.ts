/**
 * The host key's activation budget: each new host VM activates the CSVLK again (6 hosts,
 * 10 activations each; past that 0xC004C008). The offline plan names what would replace a host VM it
 * creates and says it cannot see whether this update does; with --lab-state it compares with the last
 * rehearsal and warns when a change replaces the VM.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "../components";
import { plan, secretConfig } from "../tools/plan";
import { hostVmNote, hostVms, replacedHostVms } from "../tools/plan/hostVms";
import { rehearse } from "../tools/rehearsal";
import { StandInLab } from "./helpers/standInLab";

jest.setTimeout(60_000);

const config = {
  hostKey: secretConfig("kms-plan-secret-placeholder(project:hostKey)"),
  adminPassword: secretConfig("kms-plan-secret-placeholder(project:adminPassword)"),
};

function stack(version: string, existing = false) {
  return () => {
    const cfg = new pulumi.Config();
    const host = new KmsHost("kms", {
      hostKey: cfg.requireSecret("hostKey"),
      windowsServerVersion: version,
      ...(existing
        ? { azureVm: { resourceGroupName: "infra-rg", vmName: "kms01", location: "westeurope" } }
        : {
            adminPassword: cfg.requireSecret("adminPassword"),
            resourceGroupName: "kms-rg",
            location: "westeurope",
            subnetId:
              "/subscriptions/0/resourceGroups/kms-rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
            clientAddressPrefixes: ["10.0.0.0/16"],
          }),
      fqdn: "kms.corp.example",
    });
    for (let i = 1; i <= 5; i++) {
      new KmsClient(`app-0${i}`, {
        azureVm: { resourceGroupName: "apps", vmName: `app-0${i}`, location: "westeurope" },
        product: "Windows Server 2022 Datacenter",
        host,
        rearm: true,
      });
    }
  };
}

describe("host VM replacement and the host key's activation budget", () => {
  test("the offline plan names what replaces a host VM it creates, the budget, and what it cannot see", async () => {
    const r = await plan(stack("2022"), { config });
    const note = hostVmNote(r)!;
    expect(note).toContain(
      "kms: kms-vm is replaced by a change of vmName, resourceGroupName, location, storageProfile.imageReference",
    );
    expect(note).toContain("at most 6 KMS hosts, each at most 10 times");
    expect(note).toContain("0xC004C008");
    expect(note).toContain("kms-plan cannot see the deployed stack");
    // A host on an existing machine creates no VM: nothing to replace.
    expect(hostVmNote(await plan(stack("2022", true), { config }))).toBeUndefined();
  });

  test("a new windowsServerVersion changes the image: a replacement; the same program: none", async () => {
    const before = hostVms((await plan(stack("2022"), { config })).resources);
    const same = hostVms((await plan(stack("2022"), { config })).resources);
    const after = hostVms((await plan(stack("2025"), { config })).resources);
    expect(replacedHostVms(before, same)).toEqual([]);
    const replaced = replacedHostVms(before, after);
    expect(replaced).toHaveLength(1);
    expect(replaced[0].host).toBe("kms");
    expect(replaced[0].changed.join("\n")).toMatch(
      /^storageProfile\.imageReference .*2022-datacenter.* → .*2025-datacenter/m,
    );
  });

  test("kms-plan --lab-state: a second rehearsal that replaces the host VM warns; an unchanged one does not", async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "kms-hostvm-"));
    try {
      const lab = new StandInLab();
      const first = await rehearse(stack("2022"), { lab, stateDir: state }, { config });
      expect(first.lab.warnings.filter((w) => /replaces its VM/.test(w))).toEqual([]);
      const again = await rehearse(stack("2022"), { lab, stateDir: state }, { config });
      expect(again.lab.warnings.filter((w) => /replaces its VM/.test(w))).toEqual([]);
      const replaced = await rehearse(stack("2025"), { lab, stateDir: state }, { config });
      expect(replaced.lab.warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^KmsHost "kms": this change replaces its VM \(storageProfile\.imageReference .*\)\. The new VM activates the host key again: one host key \(CSVLK\) activates at most 6 KMS hosts, each at most 10 times .*0xC004C008/,
          ),
        ]),
      );
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });
});
