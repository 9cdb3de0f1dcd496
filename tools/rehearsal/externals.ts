/** Lab machines that stand in for `KmsHost.externalClients`: machines outside the stack that count. */
import {
  canActivate,
  normalizeHostOs,
  requireProduct,
  type KmsHostSummary,
} from "pulumi-kms-activation-catalog";
import {
  clientActivateParameters,
  clientSetupParameters,
  loadScript,
  OFFICE_APPLICATION_ID,
  WINDOWS_APPLICATION_ID,
} from "../../components/scripts";
import { deterministicGuid } from "../plan/mocks";
import { DEFAULT_CLIENT_OS, DEFAULT_HOST_VERSION, OFFICE_CLIENT_PRODUCT } from "./naming";
import { addChanged, resultLine, stringList } from "./results";
import type { LabLike, MachineInfo } from "./types";

/** An external client set up in this rehearsal, with its setup parameters (for its next attempt). */
export interface ExternalClient {
  name: string;
  setup: Record<string, string>;
  host: string;
}

/** What the external clients need from the rehearsal. */
export interface ExternalsContext {
  readonly lab: LabLike;
  /** Machines the lab already has (kept from an earlier rehearsal). */
  readonly existing: Set<string>;
  readonly externals: ExternalClient[];
  readonly changedByMachine: Map<string, string[]>;
  readonly warnings: string[];
  uniqueName(base: string, alt: string): string;
  defaultDomain(): string | undefined;
}

/** Adds the lab machines that stand in for `externalClients` of a host and sets them up against it. */
export async function runExternals(
  ctx: ExternalsContext,
  host: MachineInfo,
  summary: KmsHostSummary,
  ext: { windowsClient: number; windowsServer: number; office: number },
): Promise<void> {
  const keyGroup =
    summary.keyGroup ?? normalizeHostOs(summary.windowsServerVersion ?? DEFAULT_HOST_VERSION);
  const pick = (candidates: string[]): string | undefined =>
    candidates.find((p) => {
      try {
        return keyGroup ? canActivate(keyGroup, p) : false;
      } catch {
        return false;
      }
    });
  const server = pick([
    host.os,
    "Windows Server 2022 Datacenter",
    "Windows Server 2019 Datacenter",
  ]);
  const client = pick(["Windows 11 Enterprise", "Windows 10 Enterprise"]);
  const officeVersion = summary.officeVersions?.[0];
  const officeProduct = officeVersion ? OFFICE_CLIENT_PRODUCT[officeVersion] : undefined;
  const kmsHost = summary.fqdn ?? host.name;
  const port = summary.port ?? 1688;
  // A name clients can resolve: the host's fqdn, else its lab name.
  await ctx.lab.setAddress(kmsHost, host.name);
  const groups: { kind: string; n: number; os?: string; office?: string }[] = [
    { kind: "server", n: ext.windowsServer, os: server },
    { kind: "client", n: ext.windowsClient, os: client },
    { kind: "office", n: ext.office, os: server ?? DEFAULT_CLIENT_OS, office: officeProduct },
  ];
  for (const g of groups) {
    const n = Math.min(g.n, 50);
    if (n === 0) continue;
    if (!g.os || (g.kind === "office" && !g.office)) {
      ctx.warnings.push(
        `externalClients.${g.kind === "server" ? "windowsServer" : g.kind === "client" ? "windowsClient" : "office"} of KmsHost "${summary.name}": no product its key group activates; not rehearsed`,
      );
      continue;
    }
    for (let i = 1; i <= n; i++) {
      const name = ctx.uniqueName(
        `${host.name}-ext-${g.kind}-${String(i).padStart(2, "0")}`,
        `${host.name}-external-${g.kind}-${i}`,
      );
      if (!ctx.existing.has(name)) {
        await ctx.lab.addMachine({
          name,
          role: "client",
          os: g.os,
          ...(ctx.defaultDomain() ? { domain: ctx.defaultDomain() } : {}),
          marketplaceImage: false,
          cmid: deterministicGuid(`cmid:external:${name}`),
          ...(g.office ? { office: [g.office] } : {}),
        });
      } else {
        continue; // kept from an earlier rehearsal: already counted
      }
      const product = requireProduct(g.office ?? g.os, "product");
      const params = clientSetupParameters({
        setupKey: product.setupKey,
        kmsServer: kmsHost,
        kmsPort: port,
        applicationId: product.family === "office" ? OFFICE_APPLICATION_ID : WINDOWS_APPLICATION_ID,
      }).parameters;
      const outcome = await ctx.lab.run(name, {
        transport: "runCommand",
        script: loadScript("client-setup"),
        parameters: Object.entries(params).map(([k, v]) => ({ name: k, value: v })),
      });
      ctx.changedByMachine.set(name, stringList(resultLine(outcome.output)?.changed));
      ctx.externals.push({ name, setup: params, host: summary.name });
      if (outcome.exitCode !== 0) {
        const r = resultLine(outcome.output);
        ctx.warnings.push(
          `external client ${name} (stands in for externalClients of KmsHost "${summary.name}") failed: ${typeof r?.message === "string" ? r.message : outcome.error || `exit code ${outcome.exitCode}`}`,
        );
      }
    }
  }
}

/**
 * External clients that asked before the host's count was reached are pending (0xC004F038) and would
 * ask again at their next attempt (every activation interval, 120 minutes by default): they ask once
 * more after the deployment, so the rehearsal ends where the stack is after that interval.
 */
export async function retryExternals(ctx: ExternalsContext): Promise<void> {
  const states = new Map((await ctx.lab.machines()).map((m) => [m.name, m]));
  for (const e of ctx.externals) {
    const st = states.get(e.name);
    if (!st || st.errorCode !== "0xC004F038") continue;
    const outcome = await ctx.lab.run(e.name, {
      transport: "runCommand",
      script: loadScript("client-activate"),
      parameters: Object.entries(
        clientActivateParameters(e.setup.ApplicationId ?? WINDOWS_APPLICATION_ID, e.setup)
          .parameters,
      ).map(([name, value]) => ({ name, value })),
    });
    addChanged(ctx.changedByMachine, e.name, stringList(resultLine(outcome.output)?.changed));
    if (outcome.exitCode !== 0) {
      const r = resultLine(outcome.output);
      ctx.warnings.push(
        `external client ${e.name} (stands in for externalClients of KmsHost "${e.host}") failed at its next attempt: ${typeof r?.message === "string" ? r.message : outcome.error || `exit code ${outcome.exitCode}`}`,
      );
    }
  }
}
