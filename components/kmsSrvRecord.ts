import * as pulumi from "@pulumi/pulumi";
import {
  ACTIVATION,
  KmsConfigError,
  showValue,
  DEFAULT_SRV_TTL_SECONDS,
  srvQueryName,
  srvRecordSetName,
  KMS_SRV_RECORD_TYPE,
  KmsSrvRecordSummary,
} from "pulumi-kms-activation-catalog";
import { hostOfOutput } from "./hostOutputs";
import { known, knownDefault, plainBoolean, withContext } from "./inputs";
import { afterZone, zoneIdProblem, zoneRecordSet } from "./zoneRecordSet";
import {
  checkArgKeys,
  validateDnsName,
  validatePort,
  validateRecordName,
  validateSrvPriority,
  validateSrvWeight,
  validateTtlSeconds,
  validateZoneName,
} from "./validate";

/** One KMS host in the SRV record. */
export interface KmsSrvHost {
  /** FQDN of the KMS host, e.g. "kms1.corp.contoso.com". */
  target: pulumi.Input<string>;
  /**
   * TCP port the host listens on.
   * @default 1688
   */
  port?: pulumi.Input<number>;
  /**
   * SRV priority: clients try lower numbers first (Windows 7 / Server 2008 R2 and later).
   * @default 0
   */
  priority?: pulumi.Input<number>;
  /**
   * SRV weight among hosts of the same priority.
   * @default 0
   */
  weight?: pulumi.Input<number>;
}

/** @deprecated Renamed `KmsSrvHost` before the first release (schema type names no longer end in `Args`). */
export type KmsSrvHostArgs = KmsSrvHost;

export interface KmsSrvRecordArgs {
  /** DNS zone that holds the record, e.g. "corp.contoso.com" or a private zone "kms.internal". */
  zoneName: pulumi.Input<string>;
  /** Resource group of the zone. */
  resourceGroupName: pulumi.Input<string>;
  /**
   * Azure resource ID of the zone (`zone.id` of a `dns.Zone` or `privatedns.PrivateZone`). Give it when
   * the zone is created in the same program: the record is then written only after the zone exists
   * (with the name alone, Azure may answer its PUT with 404, zone not found). `zoneName` stays plain
   * for the kms-guard policies.
   * @default - the record does not wait for the zone (it exists already, outside this program)
   */
  zoneId?: pulumi.Input<string>;
  /**
   * `true` for an Azure Private DNS zone (`privatedns.PrivateRecordSet`), `false` for a public zone
   * (`dns.RecordSet`). Must be a plain value: it decides the resource type.
   * @default false
   */
  private?: boolean;
  /**
   * Sub-domain below the zone for clients in `<recordName>.<zoneName>`: the record becomes
   * `_vlmcs._tcp.<recordName>`.
   * @default - `_vlmcs._tcp` at the zone apex
   */
  recordName?: pulumi.Input<string>;
  /** The KMS hosts, one SRV entry each. At least one. */
  hosts: KmsSrvHost[];
  /**
   * Time to live of the record set, in seconds.
   * @default 3600
   */
  ttl?: pulumi.Input<number>;
}

/**
 * The `_vlmcs._tcp` SRV record through which Windows clients discover KMS hosts. Azure DNS takes no
 * dynamic updates, so the record a KMS host would publish itself is created here instead.
 */
export class KmsSrvRecord extends pulumi.ComponentResource {
  static readonly __pulumiType = KMS_SRV_RECORD_TYPE;

  /** Relative name of the record set in the zone, e.g. "_vlmcs._tcp". */
  public readonly recordSetName: pulumi.Output<string>;
  /** The name clients query, e.g. "_vlmcs._tcp.corp.contoso.com". */
  public readonly fqdn: pulumi.Output<string>;
  /** Azure resource ID of the record set. */
  public readonly recordSetId: pulumi.Output<string>;

  constructor(name: string, args: KmsSrvRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    const summary = validateKmsSrvRecordArgs(name, args);
    super(KMS_SRV_RECORD_TYPE, name, { summary }, opts);

    const isPrivate = args.private ?? false;
    const relativeName = pulumi.output(args.recordName).apply((r) => srvRecordSetName(r));
    const srvRecords = args.hosts.map((h) => ({
      priority: h.priority ?? 0,
      weight: h.weight ?? 0,
      port: h.port ?? ACTIVATION.defaultPort,
      target: h.target,
    }));
    const ttl = args.ttl ?? DEFAULT_SRV_TTL_SECONDS;

    const recordSet = zoneRecordSet(
      name,
      isPrivate,
      {
        resourceGroupName: args.resourceGroupName,
        zoneName: args.zoneName,
        recordType: "SRV",
        relativeRecordSetName: relativeName,
        ttl,
        srvRecords,
      },
      { parent: this, dependsOn: afterZone(args.zoneId, args.zoneName, isPrivate, "zoneId") },
    );

    this.recordSetName = relativeName;
    this.fqdn = pulumi
      .all([pulumi.output(args.zoneName), pulumi.output(args.recordName)])
      .apply(([zone, record]) => srvQueryName(zone, record));
    this.recordSetId = recordSet.id;
    this.registerOutputs({
      recordSetName: this.recordSetName,
      fqdn: this.fqdn,
      recordSetId: this.recordSetId,
      // Read by the kms-guard stack policies; not a class property (its types are not schema types).
      summary,
    });
  }
}

/** Validates what is known of the args and returns the policy summary. Throws KmsConfigError. */
export function validateKmsSrvRecordArgs(
  name: string,
  args: KmsSrvRecordArgs,
): KmsSrvRecordSummary {
  return withContext(`KmsSrvRecord "${name}"`, () => {
    checkArgKeys("KmsSrvRecordArgs", "KmsSrvRecord", args);
    const zoneName = known(args.zoneName, (v) => validateZoneName("zoneName", v));
    const recordName = known(args.recordName, (v) => validateRecordName("recordName", v));
    const ttlSeconds = known(args.ttl, (v) => validateTtlSeconds("ttl", v));
    const isPrivate = plainBoolean("private", args.private, false);
    known(args.zoneId, (v) => {
      const problem =
        typeof v === "string" ? zoneIdProblem(v, zoneName, isPrivate) : "a plain string";
      if (problem !== undefined) throw new KmsConfigError("zoneId", showValue(v), problem);
    });
    if (!Array.isArray(args.hosts) || args.hosts.length === 0) {
      throw new KmsConfigError(
        "hosts",
        JSON.stringify(args.hosts ?? null),
        "a list of at least one { target, port?, priority?, weight? }",
      );
    }
    const hosts = args.hosts.map((h, i) => ({
      target: known(h.target, (v) => validateDnsName(`hosts[${i}].target`, v)),
      // `target: host.fqdn` of a KmsHost in the program: its name, for the policies.
      hostName: hostOfOutput(h.target),
      port:
        known(h.port, (v) => validatePort(`hosts[${i}].port`, v)) ??
        knownDefault(h.port, ACTIVATION.defaultPort),
      priority:
        known(h.priority, (v) => validateSrvPriority(`hosts[${i}].priority`, v)) ??
        knownDefault(h.priority, 0),
      weight:
        known(h.weight, (v) => validateSrvWeight(`hosts[${i}].weight`, v)) ??
        knownDefault(h.weight, 0),
    }));
    return {
      name,
      zoneName,
      private: isPrivate,
      recordName:
        args.recordName === undefined
          ? srvRecordSetName()
          : recordName === undefined
            ? undefined
            : srvRecordSetName(recordName),
      ttlSeconds: ttlSeconds ?? knownDefault(args.ttl, DEFAULT_SRV_TTL_SECONDS),
      hosts,
    };
  });
}
