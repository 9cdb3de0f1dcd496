/**
 * `kms-plan --lab` with the real lab (tools/lab: the shipped scripts in PowerShell 7 on simulated
 * machines): the reference stack and every example end with every machine in the state the docs promise,
 * `--json` carries `lab.machines[]`, a second rehearsal on kept machines changes nothing, policy
 * violations do not stop the rehearsal, and the conditions a user can set do what docs/plan.md says.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describeWithTool } from "./helpers/tools";
import type { RehearsalMachine, RehearsalResult } from "../tools/rehearsal";

/** Jest keeps modules in its own registry: a fresh one per rehearsal, so the program runs again. */
async function rehearse(
  ...args: Parameters<typeof import("../tools/rehearsal").rehearse>
): Promise<RehearsalResult> {
  let result!: RehearsalResult;
  await jest.isolateModulesAsync(async () => {
    const mod = require("../tools/rehearsal") as typeof import("../tools/rehearsal");
    result = await mod.rehearse(...args);
  });
  return result;
}

const ROOT = path.resolve(__dirname, "..");
const EXAMPLES = path.join(ROOT, "examples");
const REFERENCE_STACK = path.join(EXAMPLES, "reference-stack");
const FIXTURES = path.join(__dirname, "fixtures", "programs");

jest.setTimeout(240_000);

function cli(args: string[]) {
  const r = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "tools/plan-cli.ts", ...args],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, JEST_WORKER_ID: "" }, timeout: 230_000 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "kms-plan-lab-"));
}

/** What the docs promise at the end of a deployment: hosts licensed, every client activated by a host. */
function expectPromisedEndState(r: RehearsalResult): void {
  expect({ failures: r.lab.failures, errors: r.lab.deploymentErrors }).toEqual({
    failures: [],
    errors: [],
  });
  const hosts = r.lab.machines.filter((m) => m.role === "host");
  expect(hosts.length).toBeGreaterThan(0);
  for (const h of hosts) {
    expect({ name: h.name, licenseStatus: h.licenseStatus }).toEqual({
      name: h.name,
      licenseStatus: "Licensed",
    });
    expect(typeof h.currentCount).toBe("number");
  }
  const hostPorts = new Set(hosts.map((h) => h.name));
  for (const c of r.lab.machines.filter((m) => m.role === "client")) {
    expect({ name: c.name, activated: c.activated, licenseStatus: c.licenseStatus }).toEqual({
      name: c.name,
      activated: true,
      licenseStatus: "Licensed",
    });
    // Activated by one of our hosts (host:port), not only licensed by Azure's KMS.
    expect(c.activatedBy).toMatch(/^[^:]+:\d+$/);
    expect(c.activatedBy).not.toMatch(/azkms|kms\.core\.windows\.net/i);
  }
  expect(hostPorts.size).toBe(hosts.length);
}

/**
 * examples/two-hosts: its clients use DNS discovery (no `host`), so they are not in a threshold barrier.
 * What its header promises: kms-a (priority 0) reaches the count of 5 during the deployment; the client
 * whose request made the count activates, the ones that asked earlier stay pending (0xC004F038) until
 * their next retry; kms-b (priority 10) is not asked.
 */
function expectTwoHostsEndState(r: RehearsalResult): void {
  expect({ failures: r.lab.failures, errors: r.lab.deploymentErrors }).toEqual({
    failures: [],
    errors: [],
  });
  const byName = new Map(r.lab.machines.map((m) => [m.name, m]));
  expect(byName.get("kms-a")).toMatchObject({ licenseStatus: "Licensed", currentCount: 5 });
  expect(byName.get("kms-b")).toMatchObject({ licenseStatus: "Licensed", currentCount: 0 });
  const clients = r.lab.machines.filter((m) => m.role === "client");
  expect(clients).toHaveLength(5);
  const ours = clients.filter((c) => /^kms-a\./.test(String(c.activatedBy)));
  expect(ours.length).toBeGreaterThanOrEqual(1);
  for (const c of clients.filter((x) => !ours.includes(x))) {
    expect({ name: c.name, errorCode: c.errorCode }).toEqual({
      name: c.name,
      errorCode: "0xC004F038",
    });
  }
}

/** Examples whose promised end state differs from "every client activated by a host". */
const OWN_END_STATE: Record<string, (r: RehearsalResult) => void> = {
  "two-hosts": expectTwoHostsEndState,
};

function exampleDirs(): string[] {
  return fs
    .readdirSync(EXAMPLES)
    .filter((d) => fs.existsSync(path.join(EXAMPLES, d, "Pulumi.yaml")))
    .filter((d) => d !== "reference-stack") // rehearsed by its own tests below
    .sort();
}

describeWithTool("pwsh", "kms-plan --lab on the real lab", () => {
  test("the reference stack: host licensed, every client activated by it, the barrier's count reached", async () => {
    const r = await rehearse(REFERENCE_STACK);
    expectPromisedEndState(r);
    const host = r.lab.machines.find((m) => m.role === "host")!;
    const clients = r.lab.machines.filter((m) => m.role === "client");
    expect(host.currentCount).toBeGreaterThanOrEqual(clients.length);
    for (const c of clients) expect(c.activatedBy).toBe(`kms.kms.internal:1688`);
    const report = r.outputs.activationReport as { pending: number; activated: number };
    expect(report.pending).toBe(0);
    expect(report.activated).toBe(clients.length);
  });

  // The examples' existing VMs have the script identity attached, as their docs ask: --lab-vm-identity.
  for (const example of exampleDirs()) {
    test(`examples/${example} ends with every machine in the state the docs promise`, async () => {
      const r = await rehearse(path.join(EXAMPLES, example), { vmIdentity: true });
      (OWN_END_STATE[example] ?? expectPromisedEndState)(r);
    });
  }

  test("scripts by reference on VMs the program does not create: without --lab-vm-identity their steps fail, exit 4", () => {
    const r = cli([path.join(EXAMPLES, "single-host"), "--lab", "--json"]);
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout) as RehearsalResult;
    // The host's VM is the program's, with the identity attached: its setup ran.
    expect(doc.lab.machines.find((m) => m.role === "host")).toMatchObject({
      licenseStatus: "Licensed",
    });
    expect(doc.lab.failures.map((f) => f.machine).sort()).toEqual(["app-01", "app-02"]);
    for (const f of doc.lab.failures) {
      expect(f.message).toContain("Run Command could not download its script");
      expect(f.message).toContain(`this program does not create VM "${f.machine}"`);
      expect(f.message).toContain("--lab-vm-identity");
    }
    for (const c of doc.lab.clients) expect(c.activated).toBe(false);
  });

  test("--json carries lab.machines[] with the documented fields; a second rehearsal on --lab-state changes nothing", () => {
    const state = tempDir();
    try {
      const dir = path.join(EXAMPLES, "single-host");
      const first = cli([dir, "--lab-state", state, "--lab-vm-identity", "--json"]);
      expect(first.stderr).not.toContain("kms-plan: the program failed");
      expect(first.code).toBe(0);
      const doc = JSON.parse(first.stdout) as RehearsalResult;
      expect(doc.lab.machines.length).toBeGreaterThan(1);
      for (const m of doc.lab.machines) {
        expect(typeof m.name).toBe("string");
        expect(["host", "client"]).toContain(m.role);
        expect(typeof m.product).toBe("string");
        expect(typeof m.licenseStatus).toBe("string");
        expect(typeof m.activated).toBe("boolean");
        expect(Array.isArray(m.changed)).toBe(true);
        if (m.role === "host") expect(typeof m.currentCount).toBe("number");
        if (m.role === "client") expect(m.activatedBy).toMatch(/^[^:]+:\d+$/);
      }
      expect(doc.lab.machines.some((m) => m.changed.length > 0)).toBe(true);

      const second = cli([dir, "--lab-state", state, "--lab-vm-identity", "--json"]);
      expect(second.code).toBe(0);
      const again = JSON.parse(second.stdout) as RehearsalResult;
      expect(again.lab.steps.filter((s) => s.ran)).toEqual([]);
      const byName = new Map<string, RehearsalMachine>(doc.lab.machines.map((m) => [m.name, m]));
      for (const m of again.lab.machines) {
        expect({ name: m.name, changed: m.changed }).toEqual({ name: m.name, changed: [] });
        // Nothing activated again: same state, same host, same count.
        const before = byName.get(m.name)!;
        expect({ ...m, changed: [] }).toEqual({ ...before, changed: [] });
      }
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  test("a mandatory policy violation does not stop the rehearsal and keeps exit code 1", () => {
    // Four machines with CMIDs of their own (--lab-own-cmid), so the host counts four.
    const r = cli([path.join(FIXTURES, "lab", "below-threshold"), "--lab-own-cmid", "--json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as RehearsalResult;
    expect(doc.violations.map((v) => v.policyName)).toContain("enforce-activation-threshold");
    // The rehearsal ran, and what the policy warns about happens: the host counts 4 of the 5 needed,
    // every client's ask ends with 0xC004F038 (they stay licensed by Azure's KMS only).
    expect(doc.lab.failures).toEqual([]);
    expect(doc.lab.machines.find((m) => m.role === "host")!.currentCount).toBe(4);
    const clients = doc.lab.machines.filter((m) => m.role === "client");
    expect(clients).toHaveLength(4);
    for (const c of clients) {
      // Pending: Azure's KMS holds the licence, our host did not activate it.
      expect({
        name: c.name,
        errorCode: c.errorCode,
        activated: c.activated,
        licensedBy: c.licensedBy,
      }).toEqual({
        name: c.name,
        errorCode: "0xC004F038",
        activated: false,
        licensedBy: "azkms.core.windows.net:1688",
      });
    }
  });

  test("Microsoft activation down: the host setup fails with the meaning and fix, exit code 4", () => {
    const r = cli([
      path.join(EXAMPLES, "single-host"),
      "--lab-microsoft-activation",
      "down",
      "--lab-vm-identity",
    ]);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("The deployment failed:");
    expect(r.stdout).toMatch(/kms-setup on kms/);
    expect(r.stdout).toMatch(/Fix/i);
  });

  test("Microsoft activation flaky: bounded retries get the host activated", async () => {
    const r = await rehearse(path.join(EXAMPLES, "single-host"), {
      microsoftActivation: "flaky",
      vmIdentity: true,
    });
    expectPromisedEndState(r);
  });

  test("Marketplace images that share a CMID, rearmed (the defaults): each -rearm step runs first, and every client ends activated by the host", async () => {
    const r = await rehearse(REFERENCE_STACK, { images: "marketplace", sharedCmid: true });
    expectPromisedEndState(r);
    const clients = r.lab.machines.filter((m) => m.role === "client");
    expect(clients).toHaveLength(5);
    // Each machine now has a CMID of its own, so the host counts five.
    expect(new Set(clients.map((c) => c.cmid)).size).toBe(5);
    expect(r.lab.machines.find((m) => m.role === "host")!.currentCount).toBe(5);
    for (const c of clients) {
      const steps = r.lab.steps.filter((s) => s.machine === c.name).map((s) => s.name);
      expect(steps.slice(0, 2)).toEqual([`${c.name}-rearm`, `${c.name}-setup`]);
      expect(r.lab.steps.find((s) => s.name === `${c.name}-rearm`)).toMatchObject({
        ran: true,
        exitCode: 0,
        changed: ["rearm", "restartScheduled"],
      });
    }
    const report = r.outputs.activationReport as { duplicateCmids: unknown[]; pending: number };
    expect(report).toMatchObject({ duplicateCmids: [], pending: 0 });
  });

  test("images that share a CMID, not rearmed: the host counts them once, the clients stay pending and the report names the duplicates", async () => {
    const r = await rehearse(
      REFERENCE_STACK,
      { sharedCmid: true },
      { config: { newClientCount: 6, newClientRearm: false, externalWindowsServers: 0 } },
    );
    expect(r.lab.steps.filter((s) => s.name.endsWith("-rearm"))).toEqual([]);
    expect(r.lab.failures).toEqual([]);
    const host = r.lab.machines.find((m) => m.role === "host")!;
    expect(host.currentCount).toBe(1);
    // Each client's ask got 0xC004F038; the Marketplace licence from Azure's KMS is all they have.
    for (const c of r.lab.machines.filter((m) => m.role === "client")) {
      // Pending: Azure's KMS holds the licence, our host did not activate it.
      expect({
        name: c.name,
        errorCode: c.errorCode,
        activated: c.activated,
        licensedBy: c.licensedBy,
      }).toEqual({
        name: c.name,
        errorCode: "0xC004F038",
        activated: false,
        licensedBy: "azkms.core.windows.net:1688",
      });
    }
    const report = r.outputs.activationReport as { duplicateCmids: { clients: string[] }[] };
    expect(report.duplicateCmids).toHaveLength(1);
    expect(report.duplicateCmids[0].clients).toHaveLength(6);
  });

  test("custom images (not licensed by Azure's KMS): the clients still end activated by our host", async () => {
    const r = await rehearse(
      REFERENCE_STACK,
      { images: "custom" },
      { config: { newClientCount: 6 } },
    );
    expectPromisedEndState(r);
  });
});
