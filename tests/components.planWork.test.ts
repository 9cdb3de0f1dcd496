/**
 * What a client of a KmsHost costs in a plan beyond its registrations (components ÷ hand-written
 * ≤ 2.0× in bench/plan.ts). Counted, not timed:
 * - every `apply` made while the program is planned (ours, and those the SDK makes for `pulumi.output`,
 *   `pulumi.all` and lifted properties): each makes an Output, which chains about ten promises;
 * - Outputs whose value holds resources: the SDK checks every Output's value for unknowns by walking
 *   every object reachable from it, so such an Output walks the resources, their outputs, their parents
 *   and, through the host, every client, several times.
 * The registered inputs are pinned elsewhere (tests/kmsClient, tests/childNames, tests/examples, ...).
 */
import * as pulumi from "@pulumi/pulumi";

// The SDK's Output class, as `pulumi.output`, `pulumi.all` and the resources construct it.
const outputModule = require("@pulumi/pulumi/output") as { Output: new (...a: never[]) => object };

const counts = { applies: 0, holdingResources: 0 };
const holdsResource = (v: unknown): boolean =>
  pulumi.Resource.isInstance(v) ||
  (Array.isArray(v) && v.some((e) => pulumi.Resource.isInstance(e))) ||
  (v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    Object.values(v).some((e) => pulumi.Resource.isInstance(e)));
const OutputClass = outputModule.Output as unknown as {
  prototype: { apply(this: unknown, f: (v: unknown) => unknown, withUnknowns?: boolean): unknown };
};
const originalApply = OutputClass.prototype.apply;
OutputClass.prototype.apply = function (f, withUnknowns) {
  counts.applies++;
  return originalApply.call(
    this,
    (v) => {
      if (holdsResource(v)) counts.holdingResources++;
      return f(v);
    },
    withUnknowns,
  );
};

import { fleetProgram } from "../bench/fleetProgram";
import { plan, secretConfig } from "../tools/plan";

async function planCounted(n: number, clientsPendingAtSetup = false) {
  counts.applies = 0;
  counts.holdingResources = 0;
  const result = await plan(fleetProgram(n), {
    config: {
      hostKey: secretConfig("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"),
      adminPassword: secretConfig("P@ssw0rd-bench"),
    },
    policies: [],
    clientsPendingAtSetup,
  });
  return { ...counts, resources: result.resources.length };
}

test.each([false, true])(
  "each client of a host adds 3 resources and at most 7 applies (clients pending at setup: %s)",
  async (pending) => {
    const few = await planCounted(4, pending);
    const more = await planCounted(8, pending);
    expect((more.resources - few.resources) / 4).toBe(3);
    // Per client: its setup parameters, its re-activation parameters, each step's parameter list (2),
    // the read of its re-activation result, its status, and its place in the host's report. It was 16:
    // `pulumi.output(x)` and `pulumi.all` copy every Output they are given twice, and the result's
    // `instanceView` was a lifted property (one more apply).
    expect((more.applies - few.applies) / 4).toBeLessThanOrEqual(7);
  },
);

test("no Output of a plan holds resources (the count step's dependsOn stays a Promise)", async () => {
  const { holdingResources } = await planCounted(4);
  // Was 2: the count step's dependsOn, a Promise of every client's setup, went through
  // pulumi.mergeOptions, which made it an Output of those resources.
  expect(holdingResources).toBe(0);
});
