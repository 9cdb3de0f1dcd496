import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ACTIVATION, KMS_HOST_TYPE } from "pulumi-kms-activation-catalog";
import { internetWideReach, isPublicPrefix } from "./addressPrefixes";
import { UNKNOWN, configWithDefaults, isKnownString, plainProperty, toPlain } from "./values";
import { reportAdvisory } from "./text";
import { AZURE_TYPES } from "./stack";

export interface DisallowInternetKmsPortConfig {
  /** TCP ports KMS hosts listen on. */
  ports: number[];
}

/** Three-valued: the condition holds, does not hold, or cannot be told at preview. */
type Tri = true | false | typeof UNKNOWN;

/** The ports of `ports` that a destination port spec ("*", "1688", "1000-2000") covers. */
export function portsCovered(spec: string, ports: readonly number[]): number[] | undefined {
  const s = spec.trim();
  if (s === "*") return [...ports];
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(s);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    return ports.filter((p) => p >= lo && p <= hi);
  }
  if (/^\d+$/.test(s)) return ports.filter((p) => p === Number(s));
  return undefined;
}

interface RuleVerdict {
  verdict: Tri;
  /** Fields not known at preview (for the undecided message). */
  unknownFields: string[];
  /** When it matches: the internet-wide source(s), the ports and the port spec that opened them. */
  source?: string;
  /** Known public (non-private) source prefixes, when the rule opens a KMS port from them. */
  publicSources?: string[];
  ports?: number[];
  portSpec?: string;
  anyProtocol?: boolean;
}

function listOf(
  rule: Record<string, unknown>,
  one: string,
  many: string,
): { values: string[]; unknown: boolean; given: boolean } {
  const values: string[] = [];
  let unknown = false;
  let given = false;
  const single = rule[one];
  if (single === UNKNOWN) unknown = true;
  else if (isKnownString(single)) {
    values.push(single);
    given = true;
  }
  const list = rule[many];
  if (list === UNKNOWN) unknown = true;
  else if (Array.isArray(list)) {
    if (list.length > 0) given = true;
    for (const v of list) {
      if (isKnownString(v)) values.push(v);
      else unknown = true;
    }
  }
  return { values, unknown, given };
}

/** Whether one security rule (NSG `securityRules[i]` or a SecurityRule's props) opens a KMS port to the internet. */
export function judgeRule(rule: Record<string, unknown>, ports: readonly number[]): RuleVerdict {
  const unknownFields: string[] = [];
  const verdicts: Tri[] = [];
  const field = (name: string, test: (v: string) => boolean) => {
    const v = rule[name];
    if (!isKnownString(v)) {
      unknownFields.push(name);
      verdicts.push(UNKNOWN);
    } else verdicts.push(test(v));
  };
  field("access", (v) => v.toLowerCase() === "allow");
  field("direction", (v) => v.toLowerCase() === "inbound");
  field("protocol", (v) => v === "*" || v.toLowerCase() === "tcp");

  const sources = listOf(rule, "sourceAddressPrefix", "sourceAddressPrefixes");
  // One internet-wide prefix, or several that together cover all of IPv4 or IPv6.
  const wide = internetWideReach(sources.values);
  let source: string | undefined;
  if (wide !== undefined) {
    source = wide;
    verdicts.push(true);
  } else if (
    sources.unknown ||
    (!sources.given && rule.sourceApplicationSecurityGroups === undefined)
  ) {
    unknownFields.push("sourceAddressPrefix(es)");
    verdicts.push(UNKNOWN);
  } else verdicts.push(false);

  const dest = listOf(rule, "destinationPortRange", "destinationPortRanges");
  let opened: number[] = [];
  let portSpec: string | undefined;
  let badSpec = false;
  for (const spec of dest.values) {
    const covered = portsCovered(spec, ports);
    if (covered === undefined) badSpec = true;
    else if (covered.length > 0 && opened.length === 0) {
      opened = covered;
      portSpec = spec;
    }
  }
  if (opened.length > 0) verdicts.push(true);
  else if (dest.unknown || badSpec || !dest.given) {
    unknownFields.push("destinationPortRange(s)");
    verdicts.push(UNKNOWN);
  } else verdicts.push(false);

  const verdict: Tri = verdicts.includes(false)
    ? false
    : verdicts.includes(UNKNOWN)
      ? UNKNOWN
      : true;
  // Everything but the source matches: a public source is worth a look.
  const [access, direction, protocol, , port] = verdicts;
  const opensPort = [access, direction, protocol, port].every((v) => v === true);
  const publicSources =
    opensPort && wide === undefined ? sources.values.filter((p) => isPublicPrefix(p)) : [];
  return {
    verdict,
    ...(publicSources.length > 0 ? { publicSources } : {}),
    unknownFields,
    source,
    ports: opened,
    portSpec,
    anyProtocol: rule.protocol === "*",
  };
}

function portsPhrase(ports: readonly number[]): string {
  return ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.join(", ")}`;
}

const ADVICE =
  "A KMS host answers anyone who reaches its port: allow only your clients' address prefixes (VNet, peered or " +
  "on-premises ranges), and use Azure KMS for Azure VMs that need nothing else.";

type Report = (message: string, urn?: string) => void;

/**
 * Reports what a rule does: internet-wide → the policy's level; not known at preview → advisory (the
 * engine runs the policy again during `pulumi up`, when the values are known, and blocks then); public
 * source ranges → advisory.
 */
function reportRule(subject: string, v: RuleVerdict, report: Report, urn: string): void {
  if (v.verdict === true) {
    report(
      `${subject} allows inbound ${v.anyProtocol ? "traffic of any protocol" : "TCP"} to the KMS ${portsPhrase(v.ports!)} ` +
        `from ${v.source} (destination port "${v.portSpec}"). ${ADVICE}`,
    );
    return;
  }
  if (v.verdict === UNKNOWN) {
    reportAdvisory(
      report,
      `Cannot decide whether ${subject} opens a KMS port to the internet: its ${v.unknownFields.join(", ")} ` +
        `${v.unknownFields.length === 1 ? "is" : "are"} not known at preview; the policy judges the values ` +
        "when they are known (pulumi up).",
      urn,
    );
    return;
  }
  if (v.publicSources) {
    reportAdvisory(
      report,
      `${subject} allows the KMS port from public address ranges ${v.publicSources.map((p) => `"${p}"`).join(", ")} ` +
        "(outside private address space): make sure they are your own clients (for example on-premises ranges " +
        "over VPN or ExpressRoute); anyone who reaches the port can activate against the host.",
      urn,
    );
  }
}

/**
 * No network security rule may allow inbound TCP to a KMS port from the whole internet; a KmsHost's
 * clientAddressPrefixes may not be internet-wide either.
 */
export const disallowInternetKmsPort: ResourceValidationPolicy = {
  name: "disallow-internet-kms-port",
  description:
    "No network security rule may allow inbound TCP to the KMS port (1688 unless configured) from the whole " +
    "internet (*, Internet, Any, 0.0.0.0/0, ::/0, or prefixes that together cover all of IPv4 or IPv6, such as " +
    "0.0.0.0/1 and 128.0.0.0/1), and no KmsHost may list such prefixes in clientAddressPrefixes. Public " +
    "(non-private) source ranges get an advisory finding.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Restrict the rule's sourceAddressPrefix(es) (or the KmsHost's clientAddressPrefixes) to the address ranges " +
    "of your KMS clients: the VNet, peered VNets, on-premises ranges over VPN or ExpressRoute. A resource policy " +
    "sees one resource at a time, so it cannot read the port of the KmsHost a rule belongs to: when a host " +
    "listens on another port, add it to this policy's ports.",
  configSchema: {
    properties: {
      ports: {
        type: "array",
        items: { type: "integer", minimum: 1, maximum: 65535 },
        default: [ACTIVATION.defaultPort],
        description:
          "TCP ports KMS hosts listen on. Security rules are checked against this list because a rule does " +
          "not say which host it serves.",
      },
    },
  },
  validateResource: (args, report) => {
    const config = configWithDefaults<DisallowInternetKmsPortConfig>(
      disallowInternetKmsPort.configSchema,
      () => args.getConfig(),
    );
    const ports =
      Array.isArray(config.ports) && config.ports.length > 0
        ? config.ports
        : [ACTIVATION.defaultPort];
    switch (args.type) {
      case AZURE_TYPES.networkSecurityGroup: {
        const rules = plainProperty(args.props, "securityRules");
        if (rules === UNKNOWN) {
          reportAdvisory(
            report,
            `Cannot decide whether NetworkSecurityGroup "${args.name}" opens a KMS port to the internet: its ` +
              "securityRules are not known at preview; the policy judges them when they are known (pulumi up).",
            args.urn,
          );
          return;
        }
        if (!Array.isArray(rules)) return;
        rules.forEach((rule, i) => {
          const r = (rule && typeof rule === "object" ? rule : {}) as Record<string, unknown>;
          const ruleName = isKnownString(r.name) ? `rule "${r.name}"` : `securityRules[${i}]`;
          reportRule(
            `NetworkSecurityGroup "${args.name}" ${ruleName}`,
            judgeRule(r, ports),
            report,
            args.urn,
          );
        });
        return;
      }
      case AZURE_TYPES.securityRule: {
        const r = toPlain(args.props) as Record<string, unknown>;
        const ruleName = isKnownString(r.securityRuleName) ? r.securityRuleName : args.name;
        reportRule(`SecurityRule "${ruleName}"`, judgeRule(r, ports), report, args.urn);
        return;
      }
      case KMS_HOST_TYPE: {
        const summary = plainProperty(args.props, "summary", undefined) as
          { createsVm?: unknown; clientAddressPrefixes?: unknown } | undefined;
        if (!summary || summary.createsVm === false) return;
        const prefixes = summary.clientAddressPrefixes;
        // Not known when the KmsHost was declared (an Output): judged where it lands, the NSG rule the
        // host creates, by the NSG cases above (at plan time by its value, at preview when known).
        if (!Array.isArray(prefixes) || prefixes.some((p) => !isKnownString(p))) return;
        const wide = internetWideReach(prefixes as string[]);
        if (wide !== undefined) {
          report(
            `KmsHost "${args.name}" opens its KMS port to ${wide} (clientAddressPrefixes). ${ADVICE}`,
          );
        }
        return;
      }
      default:
        return;
    }
  },
};
