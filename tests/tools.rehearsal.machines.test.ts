/**
 * Issue 19, the rehearsal's side of the lab: where `kms-plan --lab` puts the machines (subnets, the DNS
 * suffix Azure gives a VM outside a domain, the client machine ID of a Marketplace image) and how it shows
 * them some time after the deployment (`--lab-after`). docs/lab.md ("Rules and their sources").
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Lab } from "../tools/lab";
import type { LabMachineState } from "../tools/lab";
import { describeWithTool } from "./helpers/tools";
import type { RehearsalResult } from "../tools/rehearsal";
import { formatLabDuration, parseLabDuration } from "../tools/rehearsal/clock";

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

jest.setTimeout(300_000);

const PROGRAMS = path.join(__dirname, "fixtures", "programs");
/** Five existing Marketplace VMs given `host`, not rearmed. */
const WITH_HOST = path.join(PROGRAMS, "policy-breaks", "compliant-with-host");
const DNS_DISCOVERY = path.join(PROGRAMS, "lab", "dns-discovery");
const REARMED_KMS_SERVER = path.join(PROGRAMS, "lab", "rearmed-kms-server");
/** One host without dns, five rearmed clients on plain DNS discovery: no `_vlmcs._tcp` record anywhere. */
const DNS_NO_RECORD = path.join(PROGRAMS, "lab", "dns-no-record");

/** A rehearsal on a state directory of its own, and the lab's full state of its machines afterwards. */
async function rehearseAndRead(
  program: string,
  options: Parameters<typeof import("../tools/rehearsal").rehearse>[1] = {},
): Promise<{ r: RehearsalResult; machines: LabMachineState[] }> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-lab-rehearsal-"));
  try {
    const r = await rehearse(program, { ...options, stateDir });
    const lab = await Lab.open({ stateDir, runspaces: 1 });
    try {
      return { r, machines: await lab.machines() };
    } finally {
      await lab.close();
    }
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

const clientsOf = (machines: LabMachineState[]) => machines.filter((m) => m.role === "client");
const hostOf = (machines: LabMachineState[]) => machines.find((m) => m.role === "host")!;

test.each([
  ["2h", 120],
  ["90m", 90],
  ["7d", 10080],
  ["1d12h", 2160],
  ["1w", 10080],
])("--lab-after %s is %i minutes", (text, minutes) => {
  expect(parseLabDuration(text)).toBe(minutes);
});

test.each([[""], ["2"], ["-2h"], ["2 hours"], ["0h"], ["400d"]])(
  "--lab-after %j is refused, naming the flag, the value and what is allowed",
  (text) => {
    expect(parseLabDuration(text)).toBe(
      `--lab-after got ${JSON.stringify(text)}; allowed: a duration such as 90m, 2h, 7d or 1d12h (units m, h, d, w), more than 0 and at most 365d`,
    );
  },
);

test("durations read back as people write them", () => {
  expect([120, 10080, 2160, 45].map(formatLabDuration)).toEqual(["2h", "7d", "1d 12h", "45m"]);
});

describeWithTool("pwsh", "kms-plan --lab: machines placed as on Azure", () => {
  test("items 1 and 2: clients sit in another subnet than their host; Marketplace VMs share one CMID, so the host counts them once", async () => {
    const { r, machines } = await rehearseAndRead(WITH_HOST);
    const host = hostOf(machines);
    const clients = clientsOf(machines);
    expect(clients).toHaveLength(5);
    for (const c of clients) expect(c.subnet).not.toBe(host.subnet);
    expect(new Set(clients.map((c) => c.cmid)).size).toBe(1);
    expect(r.lab.conditions.sharedCmid).toBe(true);
    // One machine for the host: its count stays below 5, and no client is licensed by it.
    expect(host.currentCount).toBe(1);
    for (const c of clients) {
      expect({ name: c.name, licensedBy: c.licensedBy }).toEqual({
        name: c.name,
        licensedBy: "azkms.core.windows.net:1688",
      });
    }
  });

  test("item 2: --lab-own-cmid (sharedCmid: false) says the VMs have CMIDs of their own: all activated by the host", async () => {
    const { machines } = await rehearseAndRead(WITH_HOST, { sharedCmid: false });
    const clients = clientsOf(machines);
    expect(new Set(clients.map((c) => c.cmid)).size).toBe(5);
    for (const c of clients) expect(c).toMatchObject({ activated: true, licensedByMachine: "kms" });
  });

  test("item 4: VMs outside a domain search their VNet's internal suffix: plain DNS discovery fails with 0x8007232B", async () => {
    const { r, machines } = await rehearseAndRead(DNS_DISCOVERY);
    const clients = clientsOf(machines);
    for (const c of clients) {
      expect(String(c.domain)).toMatch(/^[a-z0-9]{26}\.[a-z]x\.internal\.cloudapp\.net$/);
    }
    expect(r.lab.failures.length).toBe(5);
    for (const f of r.lab.failures) expect(f.message).toContain("0x8007232B");
    // Domain members of the zone (--lab-domain) find the record.
    const members = await rehearseAndRead(DNS_DISCOVERY, { domain: "kms.internal" });
    expect(members.r.lab.failures).toEqual([]);
    expect(hostOf(members.machines).currentCount).toBe(5);
  });

  test("item 4: one host and no _vlmcs._tcp record: neither the forecast nor the rehearsal shows the DNS clients activated", async () => {
    for (const domain of [undefined, "contoso.local"]) {
      const { r, machines } = await rehearseAndRead(DNS_NO_RECORD, domain ? { domain } : {});
      expect(clientsOf(machines).map((c) => [c.activated, c.errorCode])).toEqual(
        Array(5).fill([false, "0x8007232B"]),
      );
      expect(r.forecast.unplaced.map((u) => u.name)).toEqual([
        "srv-1",
        "srv-2",
        "srv-3",
        "srv-4",
        "srv-5",
      ]);
      for (const u of r.forecast.unplaced) expect(u.reason).toContain("0x8007232B");
      // No client is forecast on the host, so none is counted as a client of it that failed.
      expect(r.lab.clients).toEqual([]);
    }
  });

  test("item 5: --lab-after 2h shows the clients that were pending at the end of the deployment activated by their retry", async () => {
    const atEnd = await rehearseAndRead(REARMED_KMS_SERVER);
    const pendingAtEnd = clientsOf(atEnd.machines).filter((c) => !c.activated);
    expect(pendingAtEnd.length).toBeGreaterThan(0);
    const later = await rehearseAndRead(REARMED_KMS_SERVER, { afterMinutes: 120 });
    expect(later.r.lab.afterMinutes).toBe(120);
    for (const c of clientsOf(later.machines)) {
      expect({ name: c.name, activated: c.activated, by: c.licensedByMachine }).toEqual({
        name: c.name,
        activated: true,
        by: "kms",
      });
    }
  });
});
