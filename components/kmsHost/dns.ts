/**
 * KmsHost's DNS registration (`dns`): the host's A record (`<name>-a`) and the `_vlmcs._tcp` SRV record
 * (`<name>-srv`), both waiting for the zone when `dns.zoneId` is given.
 */
import * as pulumi from "@pulumi/pulumi";
import { KmsSrvRecord } from "../kmsSrvRecord";
import { afterZone, zoneRecordSet } from "../zoneRecordSet";
import type { KmsHostDns } from "./args";

const DEFAULT_DNS_TTL_SECONDS = 3600;

export interface HostDns {
  /** `<hostName>.<zoneName>`: the name clients reach the host by. */
  fqdn: pulumi.Output<string>;
  /** The SRV record's query name. */
  srvRecordName: pulumi.Output<string | undefined>;
}

export function hostDnsRecords(
  name: string,
  d: KmsHostDns,
  isPrivate: boolean,
  host: {
    privateIp: pulumi.Output<string | undefined>;
    port: pulumi.Input<number>;
    existingMachine: boolean;
  },
  parent: pulumi.Resource,
): HostDns {
  const label = d.hostName ?? name.toLowerCase();
  const fqdn = pulumi
    .all([pulumi.output(label), pulumi.output(d.zoneName)])
    .apply(([l, z]) => `${l}.${z.replace(/\.$/, "")}`);
  const ttl = d.ttl ?? DEFAULT_DNS_TTL_SECONDS;
  // Empty only while a created VM's address is not known yet (a preview); an existing machine
  // without an address was refused at construction, unless its ssh.host was not known then.
  const aRecords = host.privateIp.apply((ip) => {
    if (ip) return [{ ipv4Address: ip }];
    if (!host.existingMachine) return [];
    throw new Error(
      `KmsHost "${name}": dns.ipAddress must be the IPv4 address of the existing machine; ssh.host is not an address.`,
    );
  });
  zoneRecordSet(
    `${name}-a`,
    isPrivate,
    {
      resourceGroupName: d.resourceGroupName,
      zoneName: d.zoneName,
      recordType: "A",
      relativeRecordSetName: label,
      ttl,
      aRecords,
    },
    { parent, dependsOn: afterZone(d.zoneId, d.zoneName, isPrivate, "dns.zoneId") },
  );
  const srv = new KmsSrvRecord(
    `${name}-srv`,
    {
      zoneName: d.zoneName,
      zoneId: d.zoneId,
      resourceGroupName: d.resourceGroupName,
      private: isPrivate,
      recordName: d.recordName,
      hosts: [{ target: fqdn, port: host.port }],
      ttl,
    },
    { parent },
  );
  return { fqdn, srvRecordName: srv.fqdn };
}
