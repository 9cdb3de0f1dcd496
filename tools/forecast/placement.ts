/**
 * Which host of the stack a client activates against: its `host`, the host its `kmsServer` names, the
 * host whose DNS zone is its `lookupDomain`, or the only host; otherwise why it cannot be told.
 */
import type { ForecastClientSpec, ForecastHostSpec } from "./types";

function hostPart(server: string): string {
  const s = server.trim().toLowerCase();
  if (s.startsWith("[")) return s.slice(1, s.indexOf("]"));
  const i = s.lastIndexOf(":");
  return i > 0 && s.indexOf(":") === i ? s.slice(0, i) : s;
}

export function placeClient(
  c: ForecastClientSpec,
  hosts: ForecastHostSpec[],
): ForecastHostSpec | string {
  if (c.host !== undefined) {
    return hosts.find((h) => h.name === c.host) ?? `its host "${c.host}" is not in this stack`;
  }
  if (c.kmsServer !== undefined) {
    const target = hostPart(c.kmsServer);
    const found = hosts.find(
      (h) =>
        target === h.name.toLowerCase() ||
        (h.fqdn !== undefined && target === h.fqdn.toLowerCase().replace(/\.$/, "")) ||
        target.split(".")[0] === h.name.toLowerCase(),
    );
    return (
      found ?? `it activates against kmsServer "${c.kmsServer}", which is not a host of this stack`
    );
  }
  if (c.lookupDomain !== undefined) {
    const domain = c.lookupDomain.toLowerCase().replace(/\.$/, "");
    const found = hosts.find(
      (h) => h.dnsZone !== undefined && h.dnsZone.toLowerCase().replace(/\.$/, "") === domain,
    );
    if (found) return found;
  }
  if (hosts.length === 1) return hosts[0];
  if (hosts.length === 0) return "the stack declares no KMS host";
  return "it discovers its host through DNS and the stack has several hosts";
}
