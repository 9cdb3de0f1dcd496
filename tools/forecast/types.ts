/** What the forecast takes (a spec of hosts and clients) and what it returns, per host and family. */
import type { ActivationFamily } from "pulumi-kms-activation-catalog";
import type { CountGroup } from "./rules";

/** A KMS host as the forecast needs it. */
export interface ForecastHostSpec {
  name: string;
  /** Host's activation interval (minutes); default 120. */
  activationIntervalMinutes?: number;
  /** Host's renewal interval (minutes); default 10080. */
  renewalIntervalMinutes?: number;
  /** Clients outside the stack that also contacted the host in the last 30 days. */
  externalClients?: { windowsClient?: number; windowsServer?: number; office?: number };
  /** `false` when the host is known to have no Office host key; undefined = not declared (assumed present). */
  officeHostKey?: boolean;
  /** DNS zone the host's SRV record is published in, to match clients that discover by DNS. */
  dnsZone?: string;
  /** Host FQDN, to match clients given a `kmsServer`. */
  fqdn?: string;
}

/** A KMS client as the forecast needs it. Order in the spec = order of first requests. */
export interface ForecastClientSpec {
  name: string;
  /** Undefined when the product is not in the catalog (the forecast cannot place it). */
  family?: ActivationFamily;
  /** Name of the host it activates against (`host` argument, or the host the policies attribute it to). */
  host?: string;
  /**
   * Whether it joins the host's threshold barrier (clients given `host`, or the host's kmsServer or fqdn:
   * the barrier asks them again at the end of the deployment). Others that get 0xC004F038 retry after
   * the activation interval. Default: true when `host` is given.
   */
  barrier?: boolean;
  /** `kmsServer` ("name" or "name:port"). */
  kmsServer?: string;
  /** `lookupDomain`, or undefined for DNS discovery in the machine's own domain. */
  lookupDomain?: string;
  /** Machine identity; clients with the same machine count once. Default: the client's name. */
  machine?: string;
  /**
   * The client machine ID the machine shares with others: VMs made from one generalized image (Azure
   * Marketplace images are generalized with SkipRearm=1) report the same CMID until rearmed, and the host
   * counts distinct CMIDs, so clients with the same value count once. Undefined: a CMID of its own.
   */
  sharedCmid?: string;
  /**
   * The client sits on an existing Azure VM whose image the program cannot see: it may share its CMID
   * with other VMs of the same image (counted pessimistically through `sharedCmid`); `rearm: true` gives
   * it one of its own.
   */
  imageUnknown?: boolean;
  /** `false` when the client is configured but not asked to activate. Default true. */
  activate?: boolean;
  /**
   * Why the client is not forecast at all: a kms-guard policy blocks it, or its host cannot be told
   * (kms-plan fills this in from the policies, so that the forecast agrees with them).
   */
  notForecast?: string;
}

export interface ForecastSpec {
  hosts: ForecastHostSpec[];
  clients: ForecastClientSpec[];
}

/** When one client activates: minutes after deployment, or `null` for never. */
export interface ClientForecast {
  name: string;
  family?: ActivationFamily;
  machine: string;
  /** Count the host answers to the client's first request (undefined when not placed on a host). */
  firstCount?: number;
  /** Activated by its first request, during the deployment. */
  activatesOnFirstRequest: boolean;
  /** Activation time with our threshold barrier (re-ask at deployment end). */
  withBarrierMinutes: number | null;
  /** Activation time with Windows' default behaviour (retry after the activation interval). */
  defaultMinutes: number | null;
  /** Why it never activates (or why it is not forecast). */
  reason?: string;
  /** On an existing Azure VM whose image the program cannot see: it may share a CMID (advise rearm). */
  mayShareCmid?: boolean;
}

export interface FamilyForecast {
  family: ActivationFamily;
  label: string;
  countGroup: CountGroup;
  threshold: number;
  /** Clients of this family placed on this host (activate ≠ false). */
  clients: number;
  /** Distinct machines in this family's count group from this stack. */
  distinctMachines: number;
  /** External clients counted in the same count group. */
  externalClients: number;
  /** Host count once every client made its first request (capped at the host's memory). */
  finalCount: number;
  reached: boolean;
  activatedOnFirstRequest: number;
  /** Clients that got 0xC004F038 first. */
  pending: number;
  /** When the last client of the family activates; null when some never do. */
  allActivated: { withBarrierMinutes: number | null; defaultMinutes: number | null };
  /**
   * From the moment the threshold is reached (during the deployment) to all activated; null when
   * never reached.
   */
  thresholdToAllActivated: { withBarrierMinutes: number | null; defaultMinutes: number | null };
  reason?: string;
  /**
   * Clients on existing Azure VMs whose image the program cannot see, not rearmed: they may share a CMID
   * (counted once per image in `finalCount`); `rearm: true` on their KmsClient gives each its own.
   */
  mayShareCmid: string[];
  perClient: ClientForecast[];
}

export interface HostForecast {
  host: string;
  activationIntervalMinutes: number;
  renewalIntervalMinutes: number;
  validityDays: number;
  /** Only families with at least one client or external client. */
  families: FamilyForecast[];
  notes: string[];
}

export interface Forecast {
  hosts: HostForecast[];
  /** Clients that could not be placed on a host of the stack, with the reason. */
  unplaced: ClientForecast[];
}
