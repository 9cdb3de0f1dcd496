import { disallowInternetKmsPort, portsCovered } from "../policy/disallowInternetKmsPort";
import { runResourcePolicy } from "./helpers/policyHarness";
import { host, kmsRule, preview } from "./helpers/policyFixtures";

const NSG = "azure-native:network:NetworkSecurityGroup";
const RULE = "azure-native:network:SecurityRule";
const ADVICE =
  "A KMS host answers anyone who reaches its port: allow only your clients' address prefixes (VNet, peered or " +
  "on-premises ranges), and use Azure KMS for Azure VMs that need nothing else.";

const nsg = (rules: unknown) => ({ type: NSG, name: "kms-nsg", props: { securityRules: rules } });
const run = (r: Parameters<typeof runResourcePolicy>[1], config = {}) =>
  runResourcePolicy(disallowInternetKmsPort, r, config);

describe("disallow-internet-kms-port", () => {
  test("compliant: the KMS port open to the VNet only", async () => {
    expect(await run(nsg([kmsRule()]))).toEqual([]);
  });

  test.each([
    ["a storage account", { type: "azure-native:storage:StorageAccount", name: "st", props: {} }],
    ["an NSG without rules", nsg(undefined)],
    [
      "a KmsHost configuring an existing machine",
      host({ createsVm: false, clientAddressPrefixes: undefined }),
    ],
  ])("not applicable: %s", async (_, resource) => {
    expect(await run(resource)).toEqual([]);
  });

  test.each([
    ["sourceAddressPrefix *", { sourceAddressPrefix: "*" }, "*", '"1688"'],
    ["sourceAddressPrefix Internet", { sourceAddressPrefix: "Internet" }, "Internet", '"1688"'],
    ["sourceAddressPrefix Any", { sourceAddressPrefix: "Any" }, "Any", '"1688"'],
    ["sourceAddressPrefix 0.0.0.0/0", { sourceAddressPrefix: "0.0.0.0/0" }, "0.0.0.0/0", '"1688"'],
    [
      "sourceAddressPrefixes with ::/0",
      { sourceAddressPrefix: undefined, sourceAddressPrefixes: ["10.0.0.0/8", "::/0"] },
      "::/0",
      '"1688"',
    ],
    [
      "a port range 1000-2000",
      { sourceAddressPrefix: "Internet", destinationPortRange: "1000-2000" },
      "Internet",
      '"1000-2000"',
    ],
    [
      "destination port *",
      { sourceAddressPrefix: "Internet", destinationPortRange: "*" },
      "Internet",
      '"*"',
    ],
    [
      "destinationPortRanges",
      {
        sourceAddressPrefix: "Internet",
        destinationPortRange: undefined,
        destinationPortRanges: ["443", "1688"],
      },
      "Internet",
      '"1688"',
    ],
  ])("violation: %s", async (_, overrides, source, spec) => {
    expect(await run(nsg([kmsRule(overrides)]))).toEqual([
      `NetworkSecurityGroup "kms-nsg" rule "allow-kms" allows inbound TCP to the KMS port 1688 from ` +
        `"${source}" (destination port ${spec}). ${ADVICE}`,
    ]);
  });

  test("violation: protocol * is named as any protocol", async () => {
    expect(await run(nsg([kmsRule({ protocol: "*", sourceAddressPrefix: "Internet" })]))).toEqual([
      'NetworkSecurityGroup "kms-nsg" rule "allow-kms" allows inbound traffic of any protocol to the ' +
        `KMS port 1688 from "Internet" (destination port "1688"). ${ADVICE}`,
    ]);
  });

  test.each([
    ["Deny", { access: "Deny" }],
    ["Outbound", { direction: "Outbound" }],
    ["Udp", { protocol: "Udp" }],
    ["another port", { destinationPortRange: "3389" }],
    ["a range below the port", { destinationPortRange: "1000-1687" }],
    [
      "an application security group as source",
      { sourceAddressPrefix: undefined, sourceApplicationSecurityGroups: [{ id: "asg" }] },
    ],
  ])("compliant: an internet rule that is %s", async (_, overrides) => {
    expect(await run(nsg([kmsRule({ sourceAddressPrefix: "Internet", ...overrides })]))).toEqual(
      [],
    );
  });

  test("a SecurityRule resource is checked like an NSG rule", async () => {
    const rule = {
      type: RULE,
      name: "r1",
      props: { securityRuleName: "allow-kms-web", ...kmsRule({ sourceAddressPrefix: "*" }) },
    };
    expect(await run(rule)).toEqual([
      `SecurityRule "allow-kms-web" allows inbound TCP to the KMS port 1688 from "*" (destination port "1688"). ${ADVICE}`,
    ]);
  });

  test("a rule without a name is named by its index", async () => {
    expect(
      await run(nsg([kmsRule(), kmsRule({ name: undefined, sourceAddressPrefix: "Internet" })])),
    ).toEqual([
      `NetworkSecurityGroup "kms-nsg" securityRules[1] allows inbound TCP to the KMS port 1688 ` +
        `from "Internet" (destination port "1688"). ${ADVICE}`,
    ]);
  });

  test.each([
    [{ ports: [1689] }, "1688", []],
    [
      { ports: [1688, 1689] },
      "1600-1700",
      [
        'NetworkSecurityGroup "kms-nsg" rule "allow-kms" allows inbound TCP to the KMS ports 1688, 1689 ' +
          `from "Internet" (destination port "1600-1700"). ${ADVICE}`,
      ],
    ],
  ])("config ports %j, rule port %s", async (config, range, expected) => {
    expect(
      await run(
        nsg([kmsRule({ sourceAddressPrefix: "Internet", destinationPortRange: range })]),
        config,
      ),
    ).toEqual(expected);
  });

  test("KmsHost: an internet-wide clientAddressPrefixes", async () => {
    expect(await run(host({ clientAddressPrefixes: ["10.0.0.0/16", "0.0.0.0/0"] }))).toEqual([
      `KmsHost "kms" opens its KMS port to "0.0.0.0/0" (clientAddressPrefixes). ${ADVICE}`,
    ]);
  });

  test("KmsHost: compliant prefixes", async () => {
    expect(await run(host())).toEqual([]);
  });

  const LATER = "; the policy judges the values when they are known (pulumi up).";
  test.each([
    [
      "a source prefix",
      nsg([kmsRule({ sourceAddressPrefix: preview.unknownStringValue })]),
      'advisory: Cannot decide whether NetworkSecurityGroup "kms-nsg" rule "allow-kms" opens a KMS port to the ' +
        `internet: its sourceAddressPrefix(es) is not known at preview${LATER}`,
    ],
    [
      "access and port",
      nsg([
        kmsRule({
          sourceAddressPrefix: "Internet",
          access: preview.unknownStringValue,
          destinationPortRange: preview.unknownStringValue,
        }),
      ]),
      'advisory: Cannot decide whether NetworkSecurityGroup "kms-nsg" rule "allow-kms" opens a KMS port to the ' +
        `internet: its access, destinationPortRange(s) are not known at preview${LATER}`,
    ],
    [
      "the whole rule list",
      nsg(preview.unknownArrayValue),
      'advisory: Cannot decide whether NetworkSecurityGroup "kms-nsg" opens a KMS port to the internet: its ' +
        "securityRules are not known at preview; the policy judges them when they are known (pulumi up).",
    ],
  ])("unknown at preview: advisory, judged when known: %s", async (_, resource, expected) => {
    const proxied = { ...resource, props: preview.unknownCheckingProxy(resource.props) };
    expect(await run(proxied)).toEqual([expected]);
  });

  test("a KmsHost's clientAddressPrefixes not known when declared: no finding on the host (its NSG rule is judged)", async () => {
    const resource = host({ clientAddressPrefixes: undefined });
    expect(await run({ ...resource, props: preview.unknownCheckingProxy(resource.props) })).toEqual(
      [],
    );
  });

  test.each([
    [["0.0.0.0/1", "128.0.0.0/1"], "all of IPv4"],
    [["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"], "all of IPv4"],
    [["::/1", "8000::/1"], "all of IPv6"],
    [["10.0.0.0/8", "0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"], "all of IPv4"],
  ])(
    "prefixes that together cover %j are refused like 0.0.0.0/0 (NSG rule and KmsHost)",
    async (prefixes, what) => {
      const rule = await run(
        nsg([kmsRule({ sourceAddressPrefix: undefined, sourceAddressPrefixes: prefixes })]),
      );
      expect(rule).toHaveLength(1);
      expect(rule[0]).toContain(`which together cover ${what}`);
      expect(rule[0]).toMatch(
        /^NetworkSecurityGroup "kms-nsg" rule "allow-kms" allows inbound TCP to the KMS port 1688 from /,
      );
      const onHost = await run(host({ clientAddressPrefixes: prefixes }));
      expect(onHost).toEqual([
        `KmsHost "kms" opens its KMS port to ${prefixes.map((p) => `"${p}"`).join(", ")}, which together cover ${what} (clientAddressPrefixes). ${ADVICE}`,
      ]);
    },
  );

  test("prefixes with a gap are not internet-wide; public ones get an advisory", async () => {
    expect(
      await run(
        nsg([
          kmsRule({
            sourceAddressPrefix: undefined,
            sourceAddressPrefixes: ["0.0.0.0/1", "128.0.0.0/2"],
          }),
        ]),
      ),
    ).toEqual([
      'advisory: NetworkSecurityGroup "kms-nsg" rule "allow-kms" allows the KMS port from public address ranges ' +
        '"0.0.0.0/1", "128.0.0.0/2" (outside private address space): make sure they are your own clients (for ' +
        "example on-premises ranges over VPN or ExpressRoute); anyone who reaches the port can activate against " +
        "the host.",
    ]);
    expect(
      await run(
        nsg([
          kmsRule({
            sourceAddressPrefix: undefined,
            sourceAddressPrefixes: ["10.0.0.0/8", "172.16.0.0/12", "100.64.0.0/10"],
          }),
        ]),
      ),
    ).toEqual([]);
  });

  test("an unknown field does not matter when another one rules the rule out", async () => {
    const rule = kmsRule({ sourceAddressPrefix: preview.unknownStringValue, access: "Deny" });
    expect(
      await run({ ...nsg([rule]), props: preview.unknownCheckingProxy({ securityRules: [rule] }) }),
    ).toEqual([]);
  });

  test.each([
    ["*", [1688], [1688]],
    ["1688", [1688], [1688]],
    [" 1000 - 2000 ", [1688, 2001], [1688]],
    ["1689-1700", [1688], []],
    ["443", [1688], []],
    ["http", [1688], undefined],
  ])("portsCovered(%p, %j)", (spec, ports, expected) => {
    expect(portsCovered(spec, ports)).toEqual(expected);
  });
});
