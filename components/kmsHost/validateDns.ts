/**
 * KmsHost validation of `dns`: the zone, its ID, the record and host labels, the A record's address,
 * and the DNS part of the policy summary (the SRV query name and the host's FQDN when known).
 */
import {
  KmsConfigError,
  showValue,
  srvQueryName,
  type KmsHostSummary,
} from "pulumi-kms-activation-catalog";
import { known, plainBoolean } from "../inputs";
import type { Target } from "../remote";
import { plainValue, validateRecordName, validateZoneName } from "../validate";
import { zoneIdProblem } from "../zoneRecordSet";
import type { KmsHostDns } from "./args";
import { isIPv4 } from "./vm";

export function validateHostDns(
  name: string,
  d: KmsHostDns,
  target: Target | undefined,
): NonNullable<KmsHostSummary["dns"]> {
  if (d.zoneName === undefined || d.resourceGroupName === undefined) {
    throw new KmsConfigError(
      "dns",
      showValue({
        zoneName: plainValue(d.zoneName),
        resourceGroupName: plainValue(d.resourceGroupName),
      }),
      "an object with zoneName and resourceGroupName",
    );
  }
  const zoneName = known(d.zoneName, (v) => validateZoneName("dns.zoneName", v));
  const isPrivate = plainBoolean("dns.private", d.private, false);
  known(d.zoneId, (v) => {
    const problem =
      typeof v === "string" ? zoneIdProblem(v, zoneName, isPrivate) : "a plain string";
    if (problem !== undefined) throw new KmsConfigError("dns.zoneId", showValue(v), problem);
  });
  const recordName = known(d.recordName, (v) => validateRecordName("dns.recordName", v));
  const hostLabel =
    known(d.hostName, (v) => validateRecordName("dns.hostName", v)) ??
    (d.hostName === undefined
      ? validateRecordName("dns.hostName (default: the component name)", name.toLowerCase())
      : undefined);
  known(d.ipAddress, (v) => {
    if (!isIPv4(v)) {
      throw new KmsConfigError("dns.ipAddress", showValue(v), "an IPv4 address such as 10.50.1.4");
    }
  });
  if (target !== undefined && d.ipAddress === undefined) {
    // An existing machine's A record needs its address: dns.ipAddress, or ssh.host when that is one.
    const sshHost = target.kind === "ssh" ? plainValue(target.ssh.host) : undefined;
    const unknownSshHost = target.kind === "ssh" && sshHost === undefined;
    if (!unknownSshHost && !isIPv4(sshHost)) {
      throw new KmsConfigError(
        "dns.ipAddress",
        "nothing",
        "the IPv4 address of the existing machine (its A record needs one; a created VM uses its own)",
      );
    }
  }
  const recordKnown = d.recordName === undefined || recordName !== undefined;
  return {
    zoneName,
    private: isPrivate,
    recordName,
    srvName: zoneName !== undefined && recordKnown ? srvQueryName(zoneName, recordName) : undefined,
    hostFqdn:
      zoneName !== undefined && hostLabel !== undefined
        ? `${hostLabel}.${zoneName.replace(/\.$/, "")}`
        : undefined,
  };
}
