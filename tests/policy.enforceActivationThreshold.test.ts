import { enforceActivationThreshold } from "../policy/enforceActivationThreshold";
import { runStackPolicy, stackFindings, stackMessages, urnOf } from "./helpers/policyHarness";
import { client, clients, host, preview, quotedNames, srvRecord } from "./helpers/policyFixtures";

const WINDOWS_WAYS_OUT =
  "Ways out: add Windows machines that activate against this host; declare the machines outside this stack " +
  "that use it in externalClients.windowsClient / externalClients.windowsServer; for Azure VMs, use Azure KMS " +
  "(azkms.core.windows.net:1688), which has no threshold; or use Active Directory-based activation or MAK keys.";
const OFFICE_WAYS_OUT =
  "Ways out: add Office machines that activate against this host; declare the machines outside this stack " +
  "that use it in externalClients.office; or use Active Directory-based activation or MAK keys (Azure KMS " +
  "does not activate Office).";
const NEVER = "These clients would never activate (0xC004F038, count insufficient):";
const ATTRIBUTE =
  "Give it host (a KmsHost in this program), or a kmsServer or lookupDomain that names a KmsHost in this stack.";
const OUTSIDE =
  "declare that host in this stack (KmsHost with azureVm or ssh), pass the host's own kmsServer output, or " +
  "check its count by hand";

const run = (resources: Parameters<typeof stackMessages>[1], config = {}) =>
  stackMessages(enforceActivationThreshold, resources, config);

describe("enforce-activation-threshold", () => {
  test("compliant: 25 Windows client OS machines on one host", async () => {
    expect(await run([host(), ...clients("w", 25)])).toEqual([]);
  });

  test.each([
    ["no KMS components at all", []],
    ["a host without clients", [host()]],
  ])("not applicable: %s", async (_, resources) => {
    expect(await run(resources)).toEqual([]);
  });

  test.each([
    ["25 Windows client OS", { w: 25, s: 0 }, []],
    ["5 Windows Server", { w: 0, s: 5 }, []],
    ["20 client OS + 5 servers = 25", { w: 20, s: 5 }, []],
    [
      "24 Windows client OS",
      { w: 24, s: 0 },
      [
        `KMS host "kms" would count 24 distinct Windows machines (24 in this stack + 0 in externalClients), but ` +
          `Windows client OS needs 25 (1 more). ${NEVER} ${quotedNames("w", 24)}. ${WINDOWS_WAYS_OUT}`,
      ],
    ],
    [
      "4 Windows Server",
      { w: 0, s: 4 },
      [
        `KMS host "kms" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but ` +
          `Windows Server needs 5 (1 more). ${NEVER} ${quotedNames("s", 4)}. ${WINDOWS_WAYS_OUT}`,
      ],
    ],
    [
      "19 client OS + 5 servers = 24: only the client OS fail",
      { w: 19, s: 5 },
      [
        `KMS host "kms" would count 24 distinct Windows machines (24 in this stack + 0 in externalClients), but ` +
          `Windows client OS needs 25 (1 more). ${NEVER} ${quotedNames("w", 19)}. ${WINDOWS_WAYS_OUT}`,
      ],
    ],
    [
      "1 client OS + 3 servers = 4: both families fail",
      { w: 1, s: 3 },
      [
        `KMS host "kms" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but ` +
          `Windows Server needs 5 (1 more) and Windows client OS needs 25 (21 more). ${NEVER} "w1", "s1", "s2" ` +
          `and "s3". ${WINDOWS_WAYS_OUT}`,
      ],
    ],
  ])("threshold boundary: %s", async (_, n, expected) => {
    expect(
      await run([host(), ...clients("w", n.w), ...clients("s", n.s, "windowsServer")]),
    ).toEqual(expected);
  });

  test("1 machine is worded in the singular", async () => {
    expect(
      await run([
        host(),
        client("s1", { product: "Windows Server 2022 Datacenter", family: "windowsServer" }),
      ]),
    ).toEqual([
      `KMS host "kms" would count 1 distinct Windows machine (1 in this stack + 0 in externalClients), but ` +
        `Windows Server needs 5 (4 more). ${NEVER} "s1". ${WINDOWS_WAYS_OUT}`,
    ]);
  });

  test.each([
    [
      "5 external Windows client OS machines make up 25",
      { windowsClient: 5, windowsServer: 0, office: 0 },
      [],
    ],
    [
      "external servers count in the same Windows count",
      { windowsClient: 0, windowsServer: 5, office: 0 },
      [],
    ],
    [
      "4 external machines leave 24",
      { windowsClient: 4, windowsServer: 0, office: 0 },
      [
        `KMS host "kms" would count 24 distinct Windows machines (20 in this stack + 4 in externalClients), but ` +
          `Windows client OS needs 25 (1 more). ${NEVER} ${quotedNames("w", 20)}. ${WINDOWS_WAYS_OUT}`,
      ],
    ],
    [
      "external Office machines do not count for Windows",
      { windowsClient: 0, windowsServer: 0, office: 5 },
      [
        `KMS host "kms" would count 20 distinct Windows machines (20 in this stack + 0 in externalClients), but ` +
          `Windows client OS needs 25 (5 more). ${NEVER} ${quotedNames("w", 20)}. ${WINDOWS_WAYS_OUT}`,
      ],
    ],
  ])("externalClients: %s", async (_, externalClients, expected) => {
    expect(await run([host({ externalClients }), ...clients("w", 20)])).toEqual(expected);
  });

  test("Office is counted apart from Windows, even on the same machines", async () => {
    const office = clients("o", 4, "office").map((r, i) => {
      (r.props.summary as { machine: string }).machine = `azure:rg/w${i + 1}`;
      return r;
    });
    expect(
      await run([host({ officeVersions: ["LTSC 2024"] }), ...clients("w", 25), ...office]),
    ).toEqual([
      `KMS host "kms" would count 4 distinct Office machines (4 in this stack + 0 in externalClients), but ` +
        `Office needs 5 (1 more). ${NEVER} ${quotedNames("o", 4)}. ${OFFICE_WAYS_OUT}`,
    ]);
  });

  test("5 Office machines activate with no Windows clients at all", async () => {
    expect(await run([host(), ...clients("o", 5, "office")])).toEqual([]);
  });

  test("two KmsClients on one machine count once", async () => {
    const resources = [host(), ...clients("w", 24), client("w25", { machine: "azure:rg/W24" })];
    expect(await run(resources)).toEqual([
      `KMS host "kms" would count 24 distinct Windows machines (24 in this stack + 0 in externalClients; ` +
        `1 KmsClient is on a machine already counted), but Windows client OS needs 25 (1 more). ${NEVER} ` +
        `${quotedNames("w", 25)}. ${WINDOWS_WAYS_OUT}`,
    ]);
  });

  test("two hosts are counted separately and the violation names the host", async () => {
    const a = host({ name: "kms-a", fqdn: "kms-a.corp.contoso.com", dns: undefined });
    const b = host({ name: "kms-b", fqdn: "kms-b.corp.contoso.com", dns: undefined });
    const violations = await runStackPolicy(enforceActivationThreshold, [
      a,
      b,
      ...clients("a", 25, "windowsClient", { hostName: "kms-a" }),
      ...clients("b", 4, "windowsServer", { hostName: "kms-b" }),
    ]);
    expect(violations).toEqual([
      {
        message:
          `KMS host "kms-b" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but ` +
          `Windows Server needs 5 (1 more). ${NEVER} ${quotedNames("b", 4)}. ${WINDOWS_WAYS_OUT}`,
        urn: urnOf("kms:index:KmsHost", "kms-b"),
      },
    ]);
  });

  test.each([
    ["kmsServer naming the host's FQDN", { discovery: "kmsServer" as const, hostName: undefined }],
    [
      "kmsServer with an FQDN in another case and a trailing dot",
      { discovery: "kmsServer" as const, kmsServer: "KMS.corp.contoso.com.:1688" },
    ],
    [
      "lookupDomain of the host's dns zone",
      { discovery: "lookupDomain" as const, lookupDomain: "corp.contoso.com" },
    ],
    [
      "DNS discovery with a single host",
      { discovery: "dns" as const, hostName: undefined, kmsServer: undefined },
    ],
  ])("attribution: 25 clients by %s activate", async (_, overrides) => {
    expect(await run([host(), ...clients("w", 25, "windowsClient", overrides)])).toEqual([]);
  });

  test("attribution through an SRV record that targets one of two hosts", async () => {
    const a = host({ name: "kms-a", fqdn: "kms-a.corp.contoso.com", dns: undefined });
    const b = host({ name: "kms-b", fqdn: "kms-b.corp.contoso.com", dns: undefined });
    const record = srvRecord({
      zoneName: "branch.contoso.com",
      hosts: [{ target: "kms-b.corp.contoso.com", port: 1688 }],
    });
    const branch = clients("w", 24, "windowsClient", {
      discovery: "lookupDomain",
      lookupDomain: "branch.contoso.com",
    });
    expect(await run([a, b, record, ...branch])).toEqual([
      `KMS host "kms-b" would count 24 distinct Windows machines (24 in this stack + 0 in externalClients), but ` +
        `Windows client OS needs 25 (1 more). ${NEVER} ${quotedNames("w", 24)}. ${WINDOWS_WAYS_OUT}`,
    ]);
  });

  test.each([
    [
      "no KmsHost in the stack",
      [
        client("c1", {
          discovery: "kmsServer",
          hostName: undefined,
          kmsServer: "kms.onprem.contoso.com",
        }),
      ],
      "this stack declares no KmsHost: declare its KMS host in this stack (KmsHost with azureVm or ssh), or " +
        "check the host's count by hand",
    ],
    [
      "a kmsServer that names another machine",
      [
        host(),
        client("c1", {
          discovery: "kmsServer",
          hostName: undefined,
          kmsServer: "other.contoso.com:1688",
        }),
      ],
      `its kmsServer "other.contoso.com:1688" is not the name of a KmsHost in this stack: ${OUTSIDE}`,
    ],
    [
      "a kmsServer outside the stack, and the stack's only KmsHost has no name known at preview (no dns, no fqdn)",
      [
        host({ fqdn: undefined, dns: undefined }),
        client("c1", {
          product: "Windows Server 2022 Datacenter",
          family: "windowsServer",
          discovery: "kmsServer",
          hostName: undefined,
          kmsServer: "other.fabrikam.com:1688",
        }),
      ],
      `its kmsServer "other.fabrikam.com:1688" names no KmsHost of this stack (KMS host "kms" has no name ` +
        `known at preview: give it dns or fqdn to compare): ${OUTSIDE}`,
    ],
    [
      "DNS discovery in its own domain with two hosts and no SRV record",
      [
        host({ name: "kms-a", dns: undefined }),
        host({ name: "kms-b", dns: undefined }),
        client("c1", { discovery: "dns", hostName: undefined }),
      ],
      "it finds its host through DNS in its own domain, which a policy cannot see, and this stack has 2 KMS " +
        "hosts and no _vlmcs._tcp record: give it lookupDomain (the domain whose record it uses)",
    ],
    [
      "a lookupDomain whose record names a machine outside the stack first",
      [
        host({ name: "kms-a", fqdn: "kms-a.corp.contoso.com", dns: undefined }),
        srvRecord({
          zoneName: "corp.contoso.com",
          hosts: [
            { target: "kms-onprem.corp.contoso.com", port: 1688, priority: 0 },
            { target: "kms-a.corp.contoso.com", port: 1688, priority: 10 },
          ],
        }),
        client("c1", {
          discovery: "lookupDomain",
          hostName: undefined,
          lookupDomain: "corp.contoso.com",
        }),
      ],
      'the _vlmcs._tcp record in "corp.contoso.com" sends clients first (priority 0) to ' +
        '"kms-onprem.corp.contoso.com", which is not a KmsHost in this stack: declare it in this stack (KmsHost ' +
        "with azureVm or ssh), or check its count by hand",
    ],
  ])(
    "the host is outside the stack: advisory, says what to add, never blocks: %s",
    async (_, resources, reason) => {
      expect(await stackFindings(enforceActivationThreshold, resources)).toEqual([
        `advisory: Cannot decide whether KmsClient "c1" activates: ${reason}.`,
      ]);
    },
  );

  test("cannot decide, never passes: a kmsServer not known at preview", async () => {
    expect(
      await run([
        host(),
        client("c1", { discovery: "kmsServer", hostName: undefined, kmsServer: undefined }),
      ]),
    ).toEqual([
      `Cannot decide whether KmsClient "c1" activates: its kmsServer is not known at preview. ${ATTRIBUTE}`,
    ]);
  });

  test("kmsServer given as a KmsHost's own output (summary hostName): attributed to that host, judged", async () => {
    const a = host({ name: "kms-a", fqdn: "kms-a.corp.contoso.com", dns: undefined });
    const b = host({ name: "kms-b", fqdn: "kms-b.corp.contoso.com", dns: undefined });
    const onA = clients("w", 4, "windowsServer", {
      discovery: "kmsServer",
      kmsServer: undefined,
      hostName: "kms-a",
    });
    expect(await run([a, b, ...onA])).toEqual([
      `KMS host "kms-a" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but ` +
        `Windows Server needs 5 (1 more). ${NEVER} ${quotedNames("w", 4)}. ${WINDOWS_WAYS_OUT}`,
    ]);
    expect(
      await run([
        a,
        b,
        ...onA,
        ...clients("x", 1, "windowsServer", {
          discovery: "kmsServer",
          kmsServer: undefined,
          hostName: "kms-a",
        }),
      ]),
    ).toEqual([]);
  });

  test("kmsServer from another language: attributed through the engine's property dependencies", async () => {
    const a = host({ name: "kms-a", fqdn: "kms-a.corp.contoso.com", dns: undefined });
    const b = host({ name: "kms-b", fqdn: "kms-b.corp.contoso.com", dns: undefined });
    const hostUrn = urnOf("kms:index:KmsHost", "kms-a");
    const resources = [a, b];
    for (let i = 1; i <= 4; i++) {
      const c = client(`s${i}`, {
        ...{ product: "Windows Server 2022 Datacenter", family: "windowsServer" as const },
        discovery: "kmsServer",
        kmsServer: undefined,
        hostName: undefined,
      });
      resources.push(c, {
        type: "azure-native:compute:VirtualMachineRunCommand",
        name: `s${i}-setup`,
        props: {},
        parent: urnOf("kms:index:KmsClient", `s${i}`),
        propertyDependencies: { parameters: [hostUrn] },
      });
    }
    expect(await run(resources)).toEqual([
      `KMS host "kms-a" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but ` +
        `Windows Server needs 5 (1 more). ${NEVER} ${quotedNames("s", 4)}. ${WINDOWS_WAYS_OUT}`,
    ]);
  });

  test("a client whose product is not in the catalog cannot be decided", async () => {
    expect(
      await run([
        host(),
        ...clients("w", 25),
        client("x1", { product: undefined, family: undefined }),
      ]),
    ).toEqual([
      'Cannot decide whether KmsClient "x1" activates: its product is not known at preview or not in the ' +
        "catalog, so its activation threshold is unknown. Give product as a catalog product name.",
    ]);
  });

  test("unknown at preview: a machine identity the count depends on", async () => {
    const unknown = {
      type: "kms:index:KmsClient",
      name: "w25",
      props: preview.unknownCheckingProxy({
        summary: { ...client("w25").props.summary!, machine: preview.unknownStringValue },
      }),
    };
    expect(await run([host(), ...clients("w", 24), unknown])).toEqual([
      'Cannot decide whether the Windows client OS clients of KMS host "kms" activate: KmsClient "w25" has a ' +
        "machine not known at preview, so the host would count between 24 and 25 distinct Windows machines; " +
        "Windows client OS needs 25. Give azureVm resourceGroupName and vmName (or ssh host) as plain values so " +
        "machines can be counted.",
    ]);
  });

  test("unknown machines that cannot change the outcome do not make it undecided", async () => {
    const noMachine = clients("u", 2, "windowsClient", { machine: undefined });
    expect(await run([host(), ...clients("w", 25), ...noMachine])).toEqual([]);
  });

  test("unknown at preview: a whole summary", async () => {
    const unknown = {
      type: "kms:index:KmsClient",
      name: "c1",
      props: preview.unknownCheckingProxy({ summary: preview.unknownObjectValue }),
    };
    expect(await run([host(), unknown])).toEqual([
      `Cannot decide whether KmsClient "c1" activates: its summary is not readable (not known at preview). ${ATTRIBUTE}`,
    ]);
  });

  test.each([
    [0, []],
    [
      2,
      [
        `KMS host "kms" would count 25 distinct Windows machines (25 in this stack + 0 in externalClients), but ` +
          `Windows client OS needs 27 (25 + marginMachines 2; 2 more). ${NEVER} ${quotedNames("w", 25)}. ` +
          WINDOWS_WAYS_OUT,
      ],
    ],
  ])("config marginMachines %d on 25 machines", async (marginMachines, expected) => {
    expect(await run([host(), ...clients("w", 25)], { marginMachines })).toEqual(expected);
  });
});
