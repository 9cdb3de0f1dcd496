/**
 * `kms-plan --lab` wiring, with a small stand-in lab written here (the real lab is tools/lab, tested with
 * pwsh in tests/tools.rehearsal.test.ts): which step runs where, in which order, with which parameters, what
 * the components read back, what a failure does, and what a kept state skips.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { KmsClient, KmsHost } from "../components";
import { SSH_BOOTSTRAP_COMMAND } from "../components/remote";
import { secretConfig } from "../tools/plan";
import { main } from "../tools/plan-cli";
import { rehearse } from "../tools/rehearsal";
import type { LabLike, LabMachineSpec, LabMachineState, LabRunRequest } from "../tools/rehearsal";

jest.setTimeout(60_000);

interface FakeMachine extends LabMachineState {
  spec: LabMachineSpec;
  seen: Set<string>;
  server?: string;
  port?: string;
}

/** A lab in miniature: hosts count distinct CMIDs, clients activate at 5 (servers). */
class FakeLab implements LabLike {
  readonly machinesByName = new Map<string, FakeMachine>();
  readonly srv = new Map<string, unknown[]>();
  readonly addresses = new Map<string, string>();
  readonly runs: { machine: string; script: string; request: LabRunRequest }[] = [];
  conditions: unknown;
  failOn?: { machine: string; script: string };

  hostKey(group: string): string {
    return `LAB-CSVLK(${group})`;
  }
  addMachine(spec: LabMachineSpec): void {
    this.machinesByName.set(spec.name, {
      name: spec.name,
      role: spec.role,
      product: spec.os,
      licenseStatus: "Licensed",
      activated: false,
      activatedBy: null,
      currentCount: spec.role === "host" ? null : undefined,
      changed: [],
      errorCode: null,
      cmid: spec.cmid,
      spec,
      seen: new Set(),
    });
  }
  setSrvRecords(domain: string, entries: unknown[]): void {
    this.srv.set(domain, entries);
  }
  setAddress(fqdn: string, machine: string): void {
    this.addresses.set(fqdn.toLowerCase(), machine);
  }
  setConditions(c: unknown): void {
    this.conditions = c;
  }
  state(name: string): LabMachineState | undefined {
    return this.machinesByName.get(name);
  }
  machines(): LabMachineState[] {
    return [...this.machinesByName.values()];
  }
  close(): void {}

  async run(machine: string, request: LabRunRequest) {
    await new Promise((r) => setTimeout(r, 2));
    const params = new Map<string, string>();
    if (request.transport === "runCommand") {
      for (const p of [...request.parameters, ...(request.protectedParameters ?? [])])
        params.set(p.name, p.value);
    } else {
      const doc = JSON.parse(request.stdin) as { parameters: Record<string, string> };
      for (const [k, v] of Object.entries(doc.parameters)) params.set(k, v);
    }
    const script = params.has("HostKey")
      ? "host-setup"
      : params.has("SetupKey")
        ? "client-setup"
        : params.has("SetupDigest")
          ? "client-activate"
          : "status";
    this.runs.push({ machine, script, request });
    const m = this.machinesByName.get(machine);
    if (!m) throw new Error(`no machine ${machine}`);
    if (this.failOn && this.failOn.machine === machine && this.failOn.script === script) {
      const result = {
        script,
        ok: false,
        errorCode: "0xC004F050",
        message: "0xC004F050: The product key is not valid. Fix: check the key.",
        changed: [],
      };
      return { exitCode: 1, output: `log line\n${JSON.stringify(result)}\n`, error: "" };
    }
    let result: Record<string, unknown>;
    if (script === "host-setup") {
      m.changed = ["productKey", "activation"];
      result = {
        script,
        role: "host",
        ok: true,
        isKmsHost: true,
        currentCount: null,
        changed: m.changed,
        licenseStatus: "Licensed",
      };
    } else if (script === "status") {
      m.changed = [];
      result = {
        script,
        role: "host",
        ok: true,
        isKmsHost: true,
        currentCount: m.seen.size,
        changed: [],
        licenseStatus: "Licensed",
      };
    } else {
      if (script === "client-setup") {
        m.server = params.get("KmsServer") ?? "";
        m.port = params.get("KmsPort") ?? "1688";
      }
      const server = m.server ?? "";
      const port = m.port ?? "1688";
      const host = this.machinesByName.get(this.addresses.get(server.toLowerCase()) ?? "");
      if (!host) throw new Error(`${machine}: no host answers at ${server}`);
      host.seen.add(m.cmid ?? machine);
      host.currentCount = host.seen.size;
      const activated = host.seen.size >= 5;
      m.activated = activated;
      m.activatedBy = activated ? `${server}:${port}` : null;
      m.errorCode = activated ? null : "0xC004F038";
      m.licenseStatus = activated ? "Licensed" : "Notification";
      m.changed = activated ? ["activation"] : [];
      result = {
        script,
        role: "client",
        ok: true,
        activated,
        pending: !activated,
        errorCode: m.errorCode,
        licenseStatus: m.licenseStatus,
        cmid: m.cmid,
        kmsServer: `${server}:${port}`,
        changed: m.changed,
      };
    }
    return { exitCode: 0, output: `log line\n${JSON.stringify(result)}\n`, error: "" };
  }
}

const config = { hostKey: secretConfig("kms-plan-secret-placeholder(project:hostKey)") };

function stack(clients: number, options: { ssh?: boolean; externalServers?: number } = {}) {
  return () => {
    const cfg = new pulumi.Config();
    const host = new KmsHost("kms", {
      hostKey: cfg.requireSecret("hostKey"),
      azureVm: { resourceGroupName: "infra-rg", vmName: "kms01", location: "westeurope" },
      windowsServerVersion: "2022",
      ...(options.externalServers
        ? { externalClients: { windowsServer: options.externalServers } }
        : {}),
      dns: { zoneName: "corp.example", resourceGroupName: "dns-rg", ipAddress: "10.0.0.4" },
    });
    const all = Array.from({ length: clients }, (_, i) => {
      const name = `app-0${i + 1}`;
      return new KmsClient(
        name,
        options.ssh
          ? {
              ssh: { host: `10.1.0.${i + 10}`, user: "admin", password: pulumi.secret("pw") },
              product: "Windows Server 2022 Datacenter",
              host,
            }
          : {
              azureVm: { resourceGroupName: "apps-rg", vmName: name, location: "westeurope" },
              product: "Windows Server 2022 Datacenter",
              host,
            },
      );
    });
    return {
      report: host.activationReport,
      statuses: all.map((c) => c.status),
    };
  };
}

describe("kms-plan --lab wiring (stand-in lab)", () => {
  test("steps run in pulumi up's order: host setup, client setups, the count, then -activate for the pending ones", async () => {
    const lab = new FakeLab();
    const r = await rehearse(stack(6), { lab, sharedCmid: false }, { config });
    const order = r.lab.steps.map((s) => s.name);
    expect(order[0]).toBe("kms-setup");
    const countAt = order.indexOf("kms-count");
    const setups = order.filter((n) => /^app-\d+-setup$/.test(n));
    expect(setups).toHaveLength(6);
    for (const s of setups) expect(order.indexOf(s)).toBeLessThan(countAt);
    // Every member of the barrier is asked again after the count; the first four setups had reached a
    // host with a count below 5 (pending), the other two had activated already.
    const activates = order.filter((n) => n.endsWith("-activate"));
    expect(activates).toHaveLength(6);
    for (const a of activates) expect(order.indexOf(a)).toBeGreaterThan(countAt);
    const pendingAtSetup = r.lab.steps.filter(
      (s) => s.name.endsWith("-setup") && s.script === "client-setup" && s.changed.length === 0,
    );
    expect(pendingAtSetup).toHaveLength(4);
    expect(r.lab.failures).toEqual([]);
    expect(r.lab.deploymentErrors).toEqual([]);
    const clients = r.lab.machines.filter((m) => m.role === "client");
    expect(clients.map((m) => [m.name, m.activated, m.activatedBy])).toEqual(
      Array.from({ length: 6 }, (_, i) => [`app-0${i + 1}`, true, "kms.corp.example:1688"]),
    );
    const host = r.lab.machines.find((m) => m.role === "host")!;
    expect(host).toMatchObject({
      name: "kms01",
      product: "Windows Server 2022 Datacenter",
      currentCount: 6,
      target: "azure:infra-rg/kms01",
    });
  });

  test("the components read the lab's results through the get-invoke (stack outputs)", async () => {
    const r = await rehearse(stack(6), { lab: new FakeLab(), sharedCmid: false }, { config });
    const report = r.outputs.report as Record<string, unknown>;
    expect(report).toMatchObject({ clients: 6, activated: 6, pending: 0, currentCount: 6 });
    const statuses = r.outputs.statuses as { activated: boolean; kmsServer: string }[];
    expect(statuses.every((s) => s.activated && s.kmsServer === "kms.corp.example:1688")).toBe(
      true,
    );
  });

  test("machines, DNS and the placeholder host key come from what the program registered", async () => {
    const lab = new FakeLab();
    await rehearse(stack(2), { lab, microsoftActivation: "flaky" }, { config });
    expect(lab.conditions).toEqual({ microsoftActivation: "flaky" });
    expect(lab.srv.get("corp.example")).toEqual([
      { target: "kms.corp.example", port: 1688, priority: 0, weight: 0 },
    ]);
    expect(lab.addresses.get("kms.corp.example")).toBe("kms01");
    expect(lab.machinesByName.get("kms01")!.spec).toMatchObject({
      role: "host",
      os: "Windows Server 2022 Datacenter",
      // An Azure VM outside a domain: the suffix Azure's DHCP gives its VNet.
      domain: expect.stringMatching(/^[a-z0-9]{26}\.[a-z]x\.internal\.cloudapp\.net$/),
      marketplaceImage: true,
    });
    expect(lab.machinesByName.get("app-01")!.spec).toMatchObject({
      role: "client",
      os: "Windows Server 2022 Datacenter",
      marketplaceImage: true,
    });
    // Marketplace images share one CMID (SkipRearm=1) unless --lab-own-cmid.
    expect(lab.machinesByName.get("app-01")!.cmid).toBe(lab.machinesByName.get("app-02")!.cmid);
    const hostSetup = lab.runs.find((x) => x.script === "host-setup")!.request;
    expect(hostSetup.transport).toBe("runCommand");
    if (hostSetup.transport !== "runCommand") return;
    expect(hostSetup.protectedParameters).toEqual([
      { name: "HostKey", value: "LAB-CSVLK(Windows Server 2022)" },
    ]);
    expect(hostSetup.parameters.find((p) => p.name === "Port")).toEqual({
      name: "Port",
      value: "1688",
    });
    expect(hostSetup.script).toContain("host-setup.ps1");
  });

  test("a host key the user gave is passed as given; shared CMIDs and custom images are conditions", async () => {
    const lab = new FakeLab();
    await rehearse(
      stack(2),
      { lab, sharedCmid: true, images: "custom" },
      { config: { hostKey: secretConfig("ABCDE-FGHJK-MNPQR-STVWX-YZ234") } },
    );
    const hostSetup = lab.runs.find((x) => x.script === "host-setup")!.request;
    if (hostSetup.transport !== "runCommand") throw new Error("runCommand expected");
    expect(hostSetup.protectedParameters).toEqual([
      { name: "HostKey", value: "ABCDE-FGHJK-MNPQR-STVWX-YZ234" },
    ]);
    expect(lab.machinesByName.get("app-01")!.cmid).toBe(lab.machinesByName.get("app-02")!.cmid);
    expect(lab.machinesByName.get("app-01")!.spec.marketplaceImage).toBe(false);
  });

  test("ssh targets get the bootstrap command and the stdin document; they are never Marketplace images", async () => {
    const lab = new FakeLab();
    const r = await rehearse(stack(5, { ssh: true }), { lab }, { config });
    const setup = lab.runs.find((x) => x.machine === "10-1-0-10" && x.script === "client-setup")!;
    expect(setup.request).toMatchObject({ transport: "ssh", command: SSH_BOOTSTRAP_COMMAND });
    if (setup.request.transport !== "ssh") return;
    const doc = JSON.parse(setup.request.stdin) as { parameters: Record<string, string> };
    expect(doc.parameters).toMatchObject({ KmsServer: "kms.corp.example", KmsPort: "1688" });
    expect(lab.machinesByName.get("10-1-0-10")!.spec.marketplaceImage).toBe(false);
    expect(r.lab.machines.find((m) => m.name === "10-1-0-10")!.target).toBe("ssh:10.1.0.10:22");
    expect(r.lab.machines.filter((m) => m.role === "client" && m.activated)).toHaveLength(5);
  });

  test("externalClients become machines that ask the host right after its setup, so the stack's client activates at once", async () => {
    const lab = new FakeLab();
    const r = await rehearse(stack(1, { externalServers: 4 }), { lab }, { config });
    const externals = r.lab.machines.filter((m) => m.target === "external");
    // Four machines are below the threshold of 5 by themselves: pending at first, activated at their
    // next attempt after the deployment (the stack's client made the fifth).
    expect(externals.map((m) => [m.name, m.role, m.product, m.activated])).toEqual(
      [1, 2, 3, 4].map((i) => [
        `kms01-ext-server-0${i}`,
        "client",
        "Windows Server 2022 Datacenter",
        true,
      ]),
    );
    const externalRuns = lab.runs.filter((x) => x.machine.startsWith("kms01-ext-"));
    expect(externalRuns.map((x) => x.script)).toEqual([
      "client-setup",
      "client-setup",
      "client-setup",
      "client-setup",
      "client-activate",
      "client-activate",
      "client-activate",
      "client-activate",
    ]);
    // They ran between the host's setup and the client's, outside the stack's steps.
    const order = lab.runs.map((x) => x.machine);
    expect(order.slice(0, 5)).toEqual([
      "kms01",
      "kms01-ext-server-01",
      "kms01-ext-server-02",
      "kms01-ext-server-03",
      "kms01-ext-server-04",
    ]);
    // The stack's client activated at its setup (the fifth machine the host saw).
    expect(r.lab.steps.find((s) => s.name === "app-01-setup")!.changed).toEqual(["activation"]);
    expect(r.lab.machines.find((m) => m.name === "app-01")).toMatchObject({
      activated: true,
      activatedBy: "kms.corp.example:1688",
    });
    expect(r.lab.machines.find((m) => m.role === "host")!.currentCount).toBe(5);
  });

  test("a step that exits non-zero fails the deployment with the script's message; what waits for it does not run", async () => {
    const lab = new FakeLab();
    lab.failOn = { machine: "app-02", script: "client-setup" };
    const r = await rehearse(stack(3), { lab }, { config });
    expect(r.lab.failures).toEqual([
      {
        step: "app-02-setup",
        machine: "app-02",
        message: "0xC004F050: The product key is not valid. Fix: check the key.",
      },
    ]);
    expect(r.lab.deploymentErrors.join("\n")).toContain(
      'Run Command "app-02-setup" on VM apps-rg/app-02 failed with exit code 1: 0xC004F050: The product key is not valid.',
    );
    // The count step waits for every client's setup: it never runs, nor does any -activate step.
    expect(r.lab.steps.map((s) => s.name)).not.toContain("kms-count");
    expect(r.lab.steps.filter((s) => s.name.endsWith("-activate"))).toEqual([]);
    // The plan itself is complete: policies ran.
    expect(r.policiesRun.length).toBeGreaterThan(0);
  });

  test("with a state directory, a second rehearsal runs no unchanged step; a new client runs its setup and the count again", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-lab-wiring-"));
    try {
      const lab = new FakeLab();
      const first = await rehearse(stack(6), { lab, stateDir: dir, sharedCmid: false }, { config });
      expect(first.lab.steps.every((s) => s.ran)).toBe(true);
      const runs = lab.runs.length;
      const second = await rehearse(
        stack(6),
        { lab, stateDir: dir, sharedCmid: false },
        { config },
      );
      expect(lab.runs.length).toBe(runs);
      expect(second.lab.steps.length).toBe(first.lab.steps.length);
      expect(second.lab.steps.every((s) => !s.ran)).toBe(true);
      expect(second.lab.machines.every((m) => m.changed.length === 0)).toBe(true);
      expect(second.outputs.report).toMatchObject({ activated: 6, pending: 0 });
      // The stored steps hold a digest, not the host key.
      expect(fs.readFileSync(path.join(dir, "rehearsal-steps.json"), "utf8")).not.toContain(
        "LAB-CSVLK",
      );

      const third = await rehearse(stack(7), { lab, stateDir: dir, sharedCmid: false }, { config });
      expect(third.lab.steps.filter((s) => s.ran).map((s) => s.name)).toEqual([
        "app-07-setup",
        "kms-count",
        "app-07-activate",
      ]);
      expect(third.lab.machines.find((m) => m.name === "app-07")).toMatchObject({
        activated: true,
        changed: ["activation"],
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("kms-plan --lab options", () => {
  async function run(args: string[]): Promise<{ code: number; err: string }> {
    let err = "";
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
      err += String(s);
      return true;
    });
    try {
      return { code: await main(args), err };
    } finally {
      spy.mockRestore();
    }
  }

  test.each([
    [["--lab-images", "golden"], '--lab-images got "golden"; allowed: "marketplace" or "custom"'],
    [
      ["--lab-microsoft-activation", "sometimes"],
      '--lab-microsoft-activation got "sometimes"; allowed: "up", "down" or "flaky"',
    ],
    [["--lab", "--preview"], "it cannot be combined with --preview"],
    [["--lab-state", "/tmp/x", "--pending"], "it cannot be combined with --pending"],
  ])("%j is refused before anything runs (exit 2)", async (args, message) => {
    const r = await run([path.join(__dirname, "fixtures", "programs", "tiny"), ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
