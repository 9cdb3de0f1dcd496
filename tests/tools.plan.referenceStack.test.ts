/**
 * The reference stack through the offline plan, with new client VMs from config: the threshold policy
 * counts distinct machines (5 Windows Server machines activate, 4 never would), and its message names the
 * clients (values inside a secret object, such as computer names next to a password, are not scrubbed).
 */
import * as path from "path";
import type { PlanResult } from "../tools/plan";

const root = path.join(__dirname, "..", "examples", "reference-stack");

/** Jest keeps modules in its own registry: a fresh one per plan, so index.ts runs again. */
async function planReferenceStack(
  config: Record<string, string>,
  clientsPendingAtSetup = false,
): Promise<PlanResult> {
  let result!: PlanResult;
  await jest.isolateModulesAsync(async () => {
    const { plan } = require("../tools/plan") as typeof import("../tools/plan");
    result = await plan(root, { config, clientsPendingAtSetup });
  });
  return result;
}

test("5 new Windows Server clients: no violation", async () => {
  const result = await planReferenceStack({ newClientCount: "5" });
  expect(result.violations).toEqual([]);
  expect(result.resources.filter((r) => r.type === "kms:index:KmsClient")).toHaveLength(5);
  // Every barrier member's second ask is registered when declared (a preview shows it).
  expect(result.resources.filter((r) => r.name.endsWith("-activate"))).toHaveLength(5);
  expect(result.resources.filter((r) => r.name === "kms-count")).toHaveLength(1);
});

test("4 new Windows Server clients: the threshold policy blocks and names them", async () => {
  const result = await planReferenceStack({ newClientCount: "4" });
  expect(result.violations.map((v) => [v.policyName, v.enforcementLevel])).toEqual([
    ["enforce-activation-threshold", "mandatory"],
  ]);
  const message = result.violations[0].message;
  expect(message).toContain('KMS host "kms" would count 4 distinct Windows machines');
  expect(message).toContain("Windows Server needs 5 (1 more)");
  expect(message).toContain(
    '"kms-client-01", "kms-client-02", "kms-client-03" and "kms-client-04"',
  );
  expect(message).not.toContain("[secret]");
});

test("clients pending at setup: each gets the barrier's second ask after the host's count read", async () => {
  const result = await planReferenceStack({ newClientCount: "5" }, true);
  expect(result.violations).toEqual([]);
  const activate = result.resources.filter((r) => r.name.endsWith("-activate"));
  expect(activate.map((r) => r.name).sort()).toEqual(
    [1, 2, 3, 4, 5].map((i) => `kms-client-0${i}-activate`),
  );
  const countUrn = result.resources.find((r) => r.name === "kms-count")!.urn;
  for (const step of activate) expect(step.dependencies).toContain(countUrn);
});

test("5 new clients from one Marketplace image without rearm: the forecast does not activate them, and says to rearm", async () => {
  const result = await planReferenceStack({ newClientCount: "5", newClientRearm: "false" });
  expect(result.resources.filter((r) => r.name.endsWith("-rearm"))).toEqual([]);
  const server = result.forecast.hosts[0].families.find((f) => f.family === "windowsServer")!;
  expect(server).toMatchObject({ clients: 5, finalCount: 1, reached: false });
  expect(server.allActivated.withBarrierMinutes).toBeNull();
  expect(server.reason).toContain("share a client machine ID until rearmed");
  expect(server.reason).toContain("rearm: true");
  // The threshold policy agrees with the forecast: the stack could never activate them.
  expect(result.violations.map((v) => [v.policyName, v.enforcementLevel])).toEqual([
    ["enforce-activation-threshold", "mandatory"],
  ]);
  const message = result.violations[0].message;
  expect(message).toContain('KMS host "kms" would count 1 distinct Windows machine');
  expect(message).toContain("4 KmsClients are on machines already counted");
  expect(message).toContain("from one Azure Marketplace image");
  expect(message).toContain("rearm: true");
});

test("5 new clients from one Marketplace image, rearmed (the defaults): counted as 5 machines", async () => {
  const result = await planReferenceStack({ newClientCount: "5" });
  expect(result.violations).toEqual([]);
  const server = result.forecast.hosts[0].families.find((f) => f.family === "windowsServer")!;
  expect(server).toMatchObject({ clients: 5, finalCount: 5, reached: true });
});
