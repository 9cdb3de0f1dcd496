import { installMocks, settle, valueOf } from "./helpers/componentMocks";

const mocks = installMocks();
const { KmsSrvRecord } = require("../components") as typeof import("../components");

beforeEach(async () => {
  await settle();
  mocks.reset();
});

describe("KmsSrvRecord", () => {
  test("one host in a public zone: dns.RecordSet _vlmcs._tcp with 0 0 1688 and TTL 3600", async () => {
    const srv = new KmsSrvRecord("kms", {
      zoneName: "corp.contoso.com",
      resourceGroupName: "dns",
      hosts: [{ target: "kms01.corp.contoso.com" }],
    });
    expect(await valueOf(srv.fqdn)).toBe("_vlmcs._tcp.corp.contoso.com");
    await valueOf(srv.recordSetId);
    await settle();
    const rs = mocks.one("azure-native:dns:RecordSet", "kms");
    expect(rs.parent).toMatch(/kms:index:KmsSrvRecord::kms$/);
    expect(rs.plain).toEqual({
      resourceGroupName: "dns",
      zoneName: "corp.contoso.com",
      recordType: "SRV",
      relativeRecordSetName: "_vlmcs._tcp",
      ttl: 3600,
      srvRecords: [{ priority: 0, weight: 0, port: 1688, target: "kms01.corp.contoso.com" }],
    });
    expect(mocks.byType("azure-native:privatedns:PrivateRecordSet")).toHaveLength(0);
  });

  test("zoneId (a zone of the same program): the record set depends on the zone", async () => {
    const dns = require("@pulumi/azure-native/dns") as typeof import("@pulumi/azure-native/dns");
    const zone = new dns.Zone("zone", {
      resourceGroupName: "dns",
      zoneName: "corp.contoso.com",
      location: "global",
    });
    const zoneUrn = await valueOf(zone.urn);
    const srv = new KmsSrvRecord("kms", {
      zoneName: "corp.contoso.com",
      zoneId: zone.id,
      resourceGroupName: "dns",
      hosts: [{ target: "kms01.corp.contoso.com" }],
    });
    await valueOf(srv.recordSetId);
    await settle();
    const rs = mocks.one("azure-native:dns:RecordSet", "kms");
    expect(rs.dependencies).toContain(zoneUrn);
    expect(rs.plain.zoneName).toBe("corp.contoso.com");
  });

  test("zoneId of a private zone for a public record is a KmsConfigError", () => {
    expect(
      () =>
        new KmsSrvRecord("kms", {
          zoneName: "corp.contoso.com",
          zoneId:
            "/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/corp.contoso.com",
          resourceGroupName: "dns",
          hosts: [{ target: "kms01.corp.contoso.com" }],
        }),
    ).toThrow(/zoneId .*public DNS zone \(Microsoft\.Network\/dnsZones\), since private is false/);
  });

  test("two hosts with priority and weight in a private zone under a record name", async () => {
    const srv = new KmsSrvRecord("kms", {
      zoneName: "kms.internal",
      resourceGroupName: "rg",
      private: true,
      recordName: "branch1",
      ttl: 300,
      hosts: [
        { target: "kms01.kms.internal", priority: 10, weight: 60 },
        { target: "kms02.kms.internal", port: 1700, priority: 10, weight: 40 },
      ],
    });
    expect(await valueOf(srv.recordSetName)).toBe("_vlmcs._tcp.branch1");
    expect(await valueOf(srv.fqdn)).toBe("_vlmcs._tcp.branch1.kms.internal");
    await valueOf(srv.recordSetId);
    await settle();
    const rs = mocks.one("azure-native:privatedns:PrivateRecordSet", "kms");
    expect(rs.plain).toEqual({
      resourceGroupName: "rg",
      privateZoneName: "kms.internal",
      recordType: "SRV",
      relativeRecordSetName: "_vlmcs._tcp.branch1",
      ttl: 300,
      srvRecords: [
        { priority: 10, weight: 60, port: 1688, target: "kms01.kms.internal" },
        { priority: 10, weight: 40, port: 1700, target: "kms02.kms.internal" },
      ],
    });
    const summary = mocks.one("kms:index:KmsSrvRecord", "kms").plain.summary;
    expect(summary).toEqual({
      name: "kms",
      zoneName: "kms.internal",
      private: true,
      recordName: "_vlmcs._tcp.branch1",
      ttlSeconds: 300,
      hosts: [
        { target: "kms01.kms.internal", port: 1688, priority: 10, weight: 60 },
        { target: "kms02.kms.internal", port: 1700, priority: 10, weight: 40 },
      ],
    });
  });
});
