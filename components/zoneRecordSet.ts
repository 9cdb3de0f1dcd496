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
