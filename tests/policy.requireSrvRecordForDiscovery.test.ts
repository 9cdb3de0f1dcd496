import { requireSrvRecordForDiscovery } from "../policy/requireSrvRecordForDiscovery";
import { runStackPolicy, stackMessages, urnOf } from "./helpers/policyHarness";
import { ZONE, client, host, preview, srvRecord } from "./helpers/policyFixtures";

const run = (resources: Parameters<typeof stackMessages>[1]) =>
  stackMessages(requireSrvRecordForDiscovery, resources);

const onLookup = (name: string, lookupDomain = ZONE) =>
  client(name, {
    discovery: "lookupDomain",
    lookupDomain,
    hostName: undefined,
    kmsServer: undefined,
  });
const onDns = (name: string) =>
  client(name, { discovery: "dns", hostName: undefined, kmsServer: undefined });

const rawRecord = (type: "dns" | "privatedns", props: Record<string, unknown> = {}) => ({
  type: type === "dns" ? "azure-native:dns:RecordSet" : "azure-native:privatedns:PrivateRecordSet",
  name: "srv-raw",
  props: {
    [type === "dns" ? "zoneName" : "privateZoneName"]: ZONE,
    resourceGroupName: "rg",
    recordType: "SRV",
    relativeRecordSetName: "_vlmcs._tcp",
    ttl: 3600,
    srvRecords: [{ priority: 0, weight: 0, port: 1688, target: `kms.${ZONE}` }],
    ...props,
  },
});

const missing = (clients: string, verb: string, domain = ZONE) =>
  `${clients} ${verb} KMS host through DNS in "${domain}", but this stack declares no _vlmcs._tcp SRV record ` +
  `there (the client would fail with 0x8007232B, DNS name does not exist, unless the record exists outside this stack). Add a KmsSrvRecord for "${domain}" ` +
  "(zoneName, and recordName for a sub-domain), give the KmsHost a dns argument, or point the clients at the " +
  "host with host or kmsServer.";

describe("require-srv-record-for-discovery", () => {
  test.each([
    ["a KmsSrvRecord in the lookup domain", [host(), srvRecord(), onLookup("c1")]],
    ["a raw dns.RecordSet", [host(), rawRecord("dns"), onLookup("c1")]],
    ["a raw privatedns.PrivateRecordSet", [host(), rawRecord("privatedns"), onLookup("c1")]],
    [
      "a sub-domain record _vlmcs._tcp.branch1",
      [
        host({ dns: undefined }),
        srvRecord({ recordName: "_vlmcs._tcp.branch1" }),
        onLookup("c1", `branch1.${ZONE}`),
      ],
    ],
    ["own-domain DNS discovery in the host's dns zone", [host(), srvRecord(), onDns("c1")]],
    [
      "a lookup domain written with a trailing dot and capitals",
      [host(), srvRecord(), onLookup("c1", "Corp.Contoso.com.")],
    ],
  ])("compliant: %s", async (_, resources) => {
    expect(await run(resources)).toEqual([]);
  });

  test.each([
    [
      "clients with a fixed host",
      [host({ dns: undefined }), client("c1"), client("c2", { discovery: "kmsServer" })],
    ],
    ["no clients", [host(), srvRecord()]],
  ])("not applicable: %s", async (_, resources) => {
    expect(await run(resources)).toEqual([]);
  });

  test.each([
    ["no record at all", [host({ dns: undefined }), onLookup("c1")]],
    [
      "a record in another zone",
      [host({ dns: undefined }), srvRecord({ zoneName: "other.contoso.com" }), onLookup("c1")],
    ],
    [
      "a record for a sub-domain only",
      [host({ dns: undefined }), srvRecord({ recordName: "_vlmcs._tcp.branch1" }), onLookup("c1")],
    ],
    [
      "a record set that is not SRV",
      [host({ dns: undefined }), rawRecord("dns", { recordType: "TXT" }), onLookup("c1")],
    ],
  ])("violation: %s", async (_, resources) => {
    expect(await run(resources)).toEqual([missing('KmsClient "c1"', "finds its")]);
  });

  test("violation: the clients of one domain are reported together, on the first client, as advisory (the record may be outside the stack)", async () => {
    expect(
      await runStackPolicy(requireSrvRecordForDiscovery, [
        host({ dns: undefined }),
        onLookup("c1"),
        onLookup("c2"),
      ]),
    ).toEqual([
      {
        message: missing('KmsClients "c1" and "c2"', "find their"),
        urn: urnOf("kms:index:KmsClient", "c1"),
        enforcementLevel: "advisory",
      },
    ]);
  });

  test("violation: the record's port is not the host's", async () => {
    expect(await run([host({ port: 1689 }), srvRecord(), onLookup("c1")])).toEqual([
      'KmsSrvRecord "kms-srv" (the _vlmcs._tcp SRV record in "corp.contoso.com") sends clients to port 1688, but ' +
        'KMS host "kms" listens on 1689: KmsClient "c1" would fail with 0xC004F074 (no KMS host could be ' +
        "contacted). Set the record's port to 1689.",
    ]);
  });

  test("violation: own-domain DNS discovery with no record anywhere and no self-publishing", async () => {
    expect(await run([host({ dns: undefined }), onDns("c1")])).toEqual([
      'KmsClient "c1" finds its KMS host through DNS in its own domain, but this stack declares no _vlmcs._tcp ' +
        'SRV record and KMS host "kms" does not publish one (dnsPublishing is off): it would fail with ' +
        "0x8007232B (DNS name does not exist) unless the record exists outside this stack. Give the KmsHost a dns " +
        "argument or add a KmsSrvRecord in the client's DNS domain, or point the client at the host with host or kmsServer.",
    ]);
  });

  test.each([
    [
      "the host publishes its own record by dynamic DNS",
      [host({ dns: undefined, dnsPublishing: true }), onLookup("c1")],
      'Cannot decide whether KmsClient "c1" finds a _vlmcs._tcp SRV record in "corp.contoso.com": no record for ' +
        'it is declared in this stack, and KMS host "kms" publishes its own by dynamic DNS (dnsPublishing), which ' +
        "a policy cannot see (Azure DNS does not accept dynamic updates).",
    ],
    [
      "the host's port is not known at preview",
      [host({ port: undefined }), srvRecord(), onLookup("c1")],
      'Cannot decide whether the _vlmcs._tcp SRV record in "corp.contoso.com" has the port of KMS host "kms": the ' +
        "host's port is not known at preview.",
    ],
  ])("cannot decide: %s", async (_, resources, expected) => {
    expect(await run(resources)).toEqual([expected]);
  });

  test.each([
    [
      "own-domain DNS discovery with two hosts: the stack's only SRV domain, whose record has the port",
      [host({ name: "kms-a" }), host({ name: "kms-b" }), srvRecord(), onDns("c1")],
    ],
    [
      "own-domain DNS discovery, host without dns: the stack's only SRV domain names the host",
      [host({ dns: undefined }), srvRecord({ zoneName: "other.contoso.com" }), onDns("c1")],
    ],
  ])("decided from the stack's only SRV domain: %s", async (_, resources) => {
    expect(await run(resources)).toEqual([]);
  });

  test.each([
    [
      "the client's lookupDomain",
      [
        host(),
        srvRecord(),
        {
          ...onLookup("c1"),
          props: preview.unknownCheckingProxy({
            summary: { ...onLookup("c1").props.summary!, lookupDomain: preview.unknownStringValue },
          }),
        },
      ],
      'Cannot decide whether KmsClient "c1" finds a _vlmcs._tcp SRV record: its lookupDomain is not known at preview.',
    ],
    [
      "a raw record's zone",
      [
        host({ dns: undefined }),
        {
          ...rawRecord("dns"),
          props: preview.unknownCheckingProxy({
            ...rawRecord("dns").props,
            zoneName: preview.unknownStringValue,
          }),
        },
        onLookup("c1"),
      ],
      'Cannot decide whether KmsClient "c1" finds a _vlmcs._tcp SRV record in "corp.contoso.com": dns.RecordSet ' +
        '"srv-raw" has a zone or record name not known at preview.',
    ],
    [
      "a raw record's entries",
      [
        host(),
        {
          ...rawRecord("dns"),
          props: preview.unknownCheckingProxy({
            ...rawRecord("dns").props,
            srvRecords: preview.unknownArrayValue,
          }),
        },
        onLookup("c1"),
      ],
      'Cannot decide whether dns.RecordSet "srv-raw" (the _vlmcs._tcp SRV record in "corp.contoso.com") has the ' +
        'port of KMS host "kms": its entries are not known at preview.',
    ],
  ])("unknown at preview: %s", async (_, resources, expected) => {
    expect(await run(resources)).toEqual([expected]);
  });
});
