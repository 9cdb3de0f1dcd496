import * as pulumi from "@pulumi/pulumi";
import * as dns from "@pulumi/azure-native/dns";
import * as privatedns from "@pulumi/azure-native/privatedns";

/** What a record set needs, the same for a public and a private Azure DNS zone. */
export interface ZoneRecordSetArgs {
  resourceGroupName: pulumi.Input<string>;
  zoneName: pulumi.Input<string>;
  recordType: "A" | "SRV";
  relativeRecordSetName: pulumi.Input<string>;
  ttl: pulumi.Input<number>;
  aRecords?: pulumi.Input<pulumi.Input<{ ipv4Address: pulumi.Input<string> }>[]>;
  srvRecords?: pulumi.Input<
    pulumi.Input<{
      priority: pulumi.Input<number>;
      weight: pulumi.Input<number>;
      port: pulumi.Input<number>;
      target: pulumi.Input<string>;
    }>[]
  >;
}

/**
 * A record set in an Azure DNS zone: `privatedns.PrivateRecordSet` in a private zone, `dns.RecordSet` in
 * a public one. The two resources take the same fields but for the zone's name.
 */
export function zoneRecordSet(
  name: string,
  isPrivate: boolean,
  { zoneName, ...args }: ZoneRecordSetArgs,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource & { id: pulumi.Output<string> } {
  return isPrivate
    ? new privatedns.PrivateRecordSet(name, { ...args, privateZoneName: zoneName }, opts)
    : new dns.RecordSet(name, { ...args, zoneName }, opts);
}

/** `.../providers/Microsoft.Network/<privateDnsZones|dnsZones>/<name>` at the end of an Azure resource ID. */
const ZONE_ID = /\/providers\/Microsoft\.Network\/(privateDnsZones|dnsZones)\/([^/]+)\/?$/i;

/**
 * What is wrong with `zoneId` as the ID of the zone `zoneName` (private or public), in the words of a
 * KmsConfigError's "allowed" part; undefined when it fits.
 */
export function zoneIdProblem(
  zoneId: string,
  zoneName: string | undefined,
  isPrivate: boolean,
): string | undefined {
  const kind = isPrivate ? "privateDnsZones" : "dnsZones";
  const m = ZONE_ID.exec(zoneId);
  if (!m) {
    return `the Azure resource ID of the ${isPrivate ? "private " : ""}DNS zone (its id output, ".../providers/Microsoft.Network/${kind}/<zone>")`;
  }
  if (m[1].toLowerCase() !== kind.toLowerCase()) {
    return `the ID of a ${isPrivate ? "private DNS zone (Microsoft.Network/privateDnsZones), since private is true" : "public DNS zone (Microsoft.Network/dnsZones), since private is false"}`;
  }
  const name = zoneName?.replace(/\.$/, "").toLowerCase();
  if (name !== undefined && m[2].replace(/\.$/, "").toLowerCase() !== name) {
    return `the ID of the zone named in zoneName (${JSON.stringify(zoneName)}), not of ${JSON.stringify(m[2])}`;
  }
  return undefined;
}

/**
 * The `dependsOn` that makes a record set wait for its zone: an Output of no resources that carries the
 * zone's `id` output (and so the zone) as its dependency. The record's own inputs keep the plain zone
 * name, which the policies read. An ID known only now is checked against the zone's name and kind.
 */
export function afterZone(
  zoneId: pulumi.Input<string> | undefined,
  zoneName: pulumi.Input<string>,
  isPrivate: boolean,
  argument: string,
): pulumi.Output<pulumi.Resource[]> | undefined {
  if (zoneId === undefined) return undefined;
  return pulumi.all([pulumi.output(zoneId), pulumi.output(zoneName)]).apply(([id, name]) => {
    // Only a value that looks like a zone ID is checked here: whatever else a program passes (a test's
    // mock ID) still orders the records, and a plain wrong value was refused at construction.
    const problem = ZONE_ID.test(id ?? "") ? zoneIdProblem(id, name, isPrivate) : undefined;
    if (problem !== undefined) {
      throw new Error(`${argument} is ${JSON.stringify(id)}; it must be ${problem}.`);
    }
    return [] as pulumi.Resource[];
  });
}
