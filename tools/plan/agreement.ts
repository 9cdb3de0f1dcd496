/**
 * The forecast agreeing with the policies: clients placed on the host the policies attribute them to,
 * and those a mandatory policy blocks left out of the forecast.
 */
import type { ForecastSpec } from "../forecast";
import { isBlocking, PlanViolation, Recorded } from "./types";
import { policyValue } from "./values";

/**
 * Makes the forecast agree with the policies: each client is placed on the host the policies attribute
 * it to (by priority, or split by weight among hosts that share its domain), and a client that a
 * mandatory policy blocks, or whose host cannot be told, is not forecast, with the reason. The
 * threshold policy's own count findings are left to the forecast, which computes the same count.
 */
export function agreeWithPolicies(
  spec: ForecastSpec,
  recorded: Recorded[],
  violations: PlanViolation[],
): ForecastSpec {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readStack } = require("../../policy/stack") as typeof import("../../policy/stack");
  const { attributeAll, ownDomainWithoutRecord } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../policy/attribution") as typeof import("../../policy/attribution");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proxy = require("@pulumi/policy/proxy") as { unknownStringValue: unknown };
  const resources = recorded.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn!,
    props: policyValue(
      r.custom ? (r.state ?? r.inputs) : (r.registeredOutputs ?? r.inputs),
      proxy.unknownStringValue,
    ) as Record<string, unknown>,
    ...(r.parent ? { parent: { urn: r.parent } } : {}),
    propertyDependencies: Object.fromEntries(
      Object.entries(r.propertyDependencies).map(([k, urns]) => [k, urns.map((u) => ({ urn: u }))]),
    ),
  }));
  const view = readStack(resources);
  const attributions = new Map(
    attributeAll(view).map(({ client, attribution }) => [client.name, { client, attribution }]),
  );
  // Clients of shared hosts: split by weight in declaration order (the host furthest below its share).
  const given = new Map<string, number>();
  const blocked = (name: string, urn: string): string | undefined => {
    for (const v of violations) {
      if (!isBlocking(v)) continue;
      if (
        v.policyName === "enforce-activation-threshold" &&
        !v.message.startsWith("Cannot decide")
      ) {
        continue;
      }
      const onClient = v.urn === urn;
      const named =
        v.urn !== undefined && v.message.includes(`"${name}"`) && /KmsHost::/.test(v.urn);
      if (onClient || named) return `blocked by ${v.policyName}: ${v.message}`;
    }
    return undefined;
  };
  return {
    hosts: spec.hosts,
    clients: spec.clients.map((c) => {
      const a = attributions.get(c.name);
      if (!a) return c;
      const why = blocked(c.name, a.client.urn);
      if (why) return { ...c, notForecast: why };
      const { attribution } = a;
      if (attribution.reason !== undefined) return { ...c, notForecast: attribution.reason };
      // Pessimistic where the policy can only advise: no record in the stack, no activation forecast.
      const noRecord = ownDomainWithoutRecord(a.client, view);
      if (noRecord) return { ...c, notForecast: `it ${noRecord}` };
      let host = attribution.host?.name;
      if (attribution.shared) {
        const members = attribution.shared.hosts;
        const total = members.reduce((n, m) => n + Math.max(0, m.weight), 0);
        const share = (m: (typeof members)[number]) =>
          total > 0 ? Math.max(0, m.weight) / total : 1 / members.length;
        const assigned = members.reduce((n, m) => n + (given.get(m.host.name) ?? 0), 0) + 1;
        const pick = [...members].sort(
          (x, y) =>
            (given.get(x.host.name) ?? 0) -
            assigned * share(x) -
            ((given.get(y.host.name) ?? 0) - assigned * share(y)),
        )[0];
        host = pick.host.name;
        given.set(host, (given.get(host) ?? 0) + 1);
      }
      return { ...c, host, kmsServer: undefined, lookupDomain: undefined };
    }),
  };
}
