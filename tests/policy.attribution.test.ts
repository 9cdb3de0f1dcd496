/**
 * Several KMS hosts for one DNS domain (Microsoft recommends two for most organisations): clients honour
 * SRV priority (lowest first) and, among equal priorities, weight ([O-DNS] in docs/sources.md). Also: two hosts
 * that each create `_vlmcs._tcp` in one zone overwrite each other.
 */
import { enforceActivationThreshold } from "../policy/enforceActivationThreshold";
import { requireCompatibleHostKey } from "../policy/requireCompatibleHostKey";
import { requireSrvRecordForDiscovery } from "../policy/requireSrvRecordForDiscovery";
import { stackFindings, urnOf } from "./helpers/policyHarness";
import { clients, host, quotedNames, srvRecord } from "./helpers/policyFixtures";

const DOMAIN = "corp.contoso.com";
const a = host({ name: "kms-a", fqdn: `kms-a.${DOMAIN}`, dns: undefined });
const b = host({ name: "kms-b", fqdn: `kms-b.${DOMAIN}`, dns: undefined });

/** One KmsSrvRecord listing both hosts. */
function record(pa: number, pb: number, wa = 100, wb = 100) {
  return srvRecord({
    zoneName: DOMAIN,
    hosts: [
      { target: `kms-a.${DOMAIN}`, port: 1688, priority: pa, weight: wa },
      { target: `kms-b.${DOMAIN}`, port: 1688, priority: pb, weight: wb },
    ],
  });
}

/** `n` Windows Server clients on DNS discovery in DOMAIN. */
const servers = (n: number, prefix = "s") =>
  clients(prefix, n, "windowsServer", {
    discovery: "lookupDomain",
    lookupDomain: DOMAIN,
    hostName: undefined,
    kmsServer: undefined,
  });

const WAYS_OUT =
  "Ways out: add Windows machines that activate against this host; declare the machines outside this stack " +
  "that use it in externalClients.windowsClient / externalClients.windowsServer; for Azure VMs, use Azure KMS " +
  "(azkms.core.windows.net:1688), which has no threshold; or use Active Directory-based activation or MAK keys.";
const NEVER = "These clients would never activate (0xC004F038, count insufficient):";

const threshold = (resources: Parameters<typeof stackFindings>[1]) =>
  stackFindings(enforceActivationThreshold, resources);

describe("enforce-activation-threshold with two hosts for one domain", () => {
  test("different priorities: the lowest priority host takes the clients and is judged", async () => {
    expect(await threshold([a, b, record(10, 0), ...servers(4)])).toEqual([
      `KMS host "kms-b" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but ` +
        `Windows Server needs 5 (1 more). ${NEVER} ${quotedNames("s", 4)}. ${WAYS_OUT}`,
    ]);
    expect(await threshold([a, b, record(0, 10), ...servers(5)])).toEqual([]);
  });

  test("equal priorities, never enough: mandatory, even if every client reached one host", async () => {
    expect(await threshold([a, b, record(0, 0), ...servers(4)])).toEqual([
      `KMS hosts "kms-a" and "kms-b" share the clients of "${DOMAIN}" (SRV priority 0, weights 100 and 100): ` +
        "even if every client reached the same host, the best would count 4 distinct Windows machines, but " +
        `Windows Server needs 5 (1 more). ${NEVER} ${quotedNames("s", 4)}. ${WAYS_OUT}`,
    ]);
  });

  test("equal priorities, a split by weight leaves a host short: advisory, with the numbers", async () => {
    expect(await threshold([a, b, record(0, 0), ...servers(6)])).toEqual([
      `advisory: KMS hosts "kms-a" and "kms-b" share the clients of "${DOMAIN}" (SRV priority 0, weights 100 ` +
        "and 100): the 6 distinct Windows machines of this stack split by weight, so at first contact the hosts " +
        'would count "kms-a" about 3, "kms-b" about 3, but Windows Server needs 5. A client answered 0xC004F038 ' +
        "looks the record up again at its next attempt (every activation interval, 120 minutes by default) and " +
        `may reach another host, so KmsClients ${quotedNames("s", 6)} may take several intervals to activate. ` +
        "To have them activate at once, give one host a lower SRV priority number (it then takes every client, " +
        "the others stay as fallback), or count more machines (externalClients).",
    ]);
  });

  test("equal priorities, every host reaches the threshold at the first split: no finding", async () => {
    expect(await threshold([a, b, record(0, 0), ...servers(10)])).toEqual([]);
    // Weights 300:100 send a quarter of 20 machines (5) to kms-b: still enough.
    expect(await threshold([a, b, record(0, 0, 300, 100), ...servers(20)])).toEqual([]);
  });

  test("the hosts' external clients count on each host", async () => {
    const ea = host({
      name: "kms-a",
      fqdn: `kms-a.${DOMAIN}`,
      dns: undefined,
      externalClients: { windowsClient: 0, windowsServer: 3, office: 0 },
    });
    const eb = host({
      name: "kms-b",
      fqdn: `kms-b.${DOMAIN}`,
      dns: undefined,
      externalClients: { windowsClient: 0, windowsServer: 3, office: 0 },
    });
    // 4 + 3 at first contact on each host.
    expect(await threshold([ea, eb, record(0, 0), ...servers(4)])).toEqual([]);
  });

  test("SRV targets given as the hosts' own fqdn outputs (summary hostName) are attributed", async () => {
    const viaOutputs = srvRecord({
      zoneName: DOMAIN,
      hosts: [
        { target: undefined, hostName: "kms-a", port: 1688, priority: 0, weight: 0 },
        { target: undefined, hostName: "kms-b", port: 1688, priority: 10, weight: 0 },
      ],
    });
    expect(await threshold([a, b, viaOutputs, ...servers(4)])).toEqual([
      `KMS host "kms-a" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but ` +
        `Windows Server needs 5 (1 more). ${NEVER} ${quotedNames("s", 4)}. ${WAYS_OUT}`,
    ]);
  });

  test("own-domain DNS discovery with the stack's only SRV domain: judged in that domain", async () => {
    const own = clients("s", 4, "windowsServer", {
      discovery: "dns",
      hostName: undefined,
      kmsServer: undefined,
    });
    expect(await threshold([a, b, record(0, 10), ...own])).toEqual([
      `KMS host "kms-a" would count 4 distinct Windows machines (4 in this stack + 0 in externalClients), but ` +
        `Windows Server needs 5 (1 more). ${NEVER} ${quotedNames("s", 4)}. ${WAYS_OUT}`,
    ]);
  });
});

describe("require-compatible-host-key with shared hosts", () => {
  test("clients shared by two hosts need a fitting key on each of them", async () => {
    const old = host({
      name: "kms-b",
      fqdn: `kms-b.${DOMAIN}`,
      dns: undefined,
      keyGroup: "Windows Server 2019",
      windowsServerVersion: "2019",
    });
    const findings = await stackFindings(requireCompatibleHostKey, [
      a,
      old,
      record(0, 0),
      ...servers(5),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(
      /^KMS host "kms-b" holds a .*Windows Server 2019 key, which cannot activate Windows Server 2022 Datacenter/,
    );
  });
});

describe("require-srv-record-for-discovery: one record per name and zone", () => {
  test("two hosts that each create _vlmcs._tcp in the same zone (dns): mandatory, names the fix", async () => {
    const withDns = (name: string) => ({
      ...host({
        name,
        fqdn: `${name}.${DOMAIN}`,
        dns: {
          zoneName: DOMAIN,
          private: true,
          srvName: `_vlmcs._tcp.${DOMAIN}`,
          hostFqdn: `${name}.${DOMAIN}`,
        },
      }),
    });
    const ownRecord = (name: string) => ({
      ...srvRecord({
        name: `${name}-srv`,
        hosts: [{ target: undefined, port: 1688, priority: 0, weight: 0 }],
      }),
      urn: urnOf("kms:index:KmsSrvRecord", `${name}-srv`, "kms:index:KmsHost"),
      parent: urnOf("kms:index:KmsHost", name),
    });
    const findings = await stackFindings(requireSrvRecordForDiscovery, [
      withDns("kms-a"),
      ownRecord("kms-a"),
      withDns("kms-b"),
      ownRecord("kms-b"),
    ]);
    expect(findings).toEqual([
      `KmsHost "kms-a" (its dns argument) and KmsHost "kms-b" (its dns argument) each create the _vlmcs._tcp SRV ` +
        `record of "${DOMAIN}" in the same private zone: a zone holds one record set per name, so each deployment ` +
        "overwrites the other's entries and clients only ever see one of the hosts. Declare one KmsSrvRecord for " +
        `"${DOMAIN}" listing every host (hosts: [{ target: host.fqdn, port: host.port, priority, weight }, …]) ` +
        'and leave the SRV record out of the hosts (no dns argument on "kms-a" and "kms-b").',
    ]);
  });

  test("one KmsSrvRecord listing both hosts: no finding", async () => {
    expect(
      await stackFindings(requireSrvRecordForDiscovery, [a, b, record(0, 0), ...servers(10)]),
    ).toEqual([]);
  });

  test("a record missing from the stack is advisory (it may live in AD DNS)", async () => {
    expect(await stackFindings(requireSrvRecordForDiscovery, [a, b, ...servers(1)])).toEqual([
      `advisory: KmsClient "s1" finds its KMS host through DNS in "${DOMAIN}", but this stack declares no ` +
        "_vlmcs._tcp SRV record there (the client would fail with 0x8007232B, DNS name does not exist, unless the " +
        `record exists outside this stack). Add a KmsSrvRecord for "${DOMAIN}" (zoneName, and recordName for a ` +
        "sub-domain), give the KmsHost a dns argument, or point the clients at the host with host or kmsServer.",
    ]);
  });
});
