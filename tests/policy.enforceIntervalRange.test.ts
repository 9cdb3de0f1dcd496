import { enforceIntervalRange } from "../policy/enforceIntervalRange";
import { runResourcePolicy } from "./helpers/policyHarness";
import { client, host, preview } from "./helpers/policyFixtures";

const run = (r: Parameters<typeof runResourcePolicy>[1]) =>
  runResourcePolicy(enforceIntervalRange, r);

describe("enforce-interval-range", () => {
  test.each([
    ["a host with the defaults", host()],
    [
      "a host at the lower bound",
      host({ activationIntervalMinutes: 15, renewalIntervalMinutes: 15 }),
    ],
    [
      "a host at the upper bound",
      host({ activationIntervalMinutes: 43200, renewalIntervalMinutes: 43200 }),
    ],
  ])("compliant: %s", async (_, resource) => {
    expect(await run(resource)).toEqual([]);
  });

  // A KMS client takes its intervals from its host's answer (the interval setters are host-only, and
  // KmsClient refuses interval arguments), so there is nothing to judge on a client: not even a summary
  // that is unknown at preview.
  test.each([
    ["a client", client("c1")],
    [
      "a client whose summary is unknown at preview",
      {
        ...client("c1"),
        props: preview.unknownCheckingProxy({ summary: preview.unknownObjectValue }),
      },
    ],
  ])("not applicable: %s", async (_, resource) => {
    expect(await run(resource)).toEqual([]);
  });

  test("not applicable: other resource types", async () => {
    expect(
      await run({
        type: "azure-native:compute:VirtualMachine",
        name: "vm",
        props: { activationIntervalMinutes: 1 },
      }),
    ).toEqual([]);
  });

  test.each([
    [
      "host activation interval 14",
      host({ activationIntervalMinutes: 14 }),
      'KmsHost "kms" sets activationIntervalMinutes to 14; Windows accepts whole minutes from 15 to 43200 ' +
        "(slmgr /sai). The default is 120 (2 hours).",
    ],
    [
      "host renewal interval 43201",
      host({ renewalIntervalMinutes: 43201 }),
      'KmsHost "kms" sets renewalIntervalMinutes to 43201; Windows accepts whole minutes from 15 to 43200 ' +
        "(slmgr /sri). The default is 10080 (7 days).",
    ],
  ])("violation: %s", async (_, resource, expected) => {
    expect(await run(resource)).toEqual([expected]);
  });

  test.each([
    [
      "a host interval given as an Output (undefined in the summary)",
      host({ renewalIntervalMinutes: undefined }),
      'Cannot decide whether KmsHost "kms" sets a valid renewalIntervalMinutes: the value is not known at ' +
        "preview; the setup script checks it on the machine.",
    ],
    [
      "a whole summary",
      { ...host(), props: preview.unknownCheckingProxy({ summary: preview.unknownObjectValue }) },
      'Cannot decide whether KmsHost "kms" sets valid intervals: its summary is not known at preview.',
    ],
  ])("unknown at preview: %s", async (_, resource, expected) => {
    expect(await run(resource)).toEqual([expected]);
  });
});
