/** Which of our scripts a step runs, and the result a mocked run of it prints. */
import { deterministicGuid } from "./mockValues";

export type ScriptKind =
  "host-setup" | "client-rearm" | "client-setup" | "client-activate" | "status";

/** What a mocked script run knows about its surroundings. */
export interface ScriptContext {
  kind: ScriptKind;
  role: "host" | "client";
  /** Resource name of the run command / command. */
  name: string;
  /** Parameters of the script (plain values; secrets unwrapped, never printed). */
  parameters: Record<string, string>;
  /** Distinct client machines that ran client-setup so far in this plan. */
  clientMachines: number;
  /** Machine identity, for the CMID. */
  machine: string;
  /** Client setups end pending (0xC004F038), as before a host's count reaches the threshold. */
  pendingAtSetup?: boolean;
}

/**
 * Which script a run command or command runs: the `# <script>.ps1` comment header of its text first,
 * then the resource name (`-count` → host status, `-activate` → client re-activation, `-rearm` → client
 * rearm, `-setup` → host or client setup, depending on the parent component).
 */
export function detectScript(
  name: string,
  texts: string[],
  parentType?: string,
  roleParameter?: string,
): { kind: ScriptKind; role: "host" | "client" } | undefined {
  const role = (fallback: "host" | "client"): "host" | "client" =>
    roleParameter === "host" || roleParameter === "client" ? roleParameter : fallback;
  const parentRole: "host" | "client" | undefined = parentType?.endsWith(":KmsHost")
    ? "host"
    : parentType?.endsWith(":KmsClient")
      ? "client"
      : undefined;
  for (const t of texts) {
    // A script by reference names it in its blob: `<script>-<sha256>.ps1` (components/remote/scriptStore.ts).
    const byUri =
      /\/(host-setup|client-setup|client-activate|client-rearm|status)-[0-9a-f]{64}\.ps1$/.exec(t);
    if (byUri?.[1] === "client-rearm") return { kind: "client-rearm", role: "client" };
    const m = byUri ?? /^\s*#\s*(host-setup|client-setup|client-activate|status)\.ps1\b/im.exec(t);
    if (m) {
      const kind = m[1] as ScriptKind;
      if (kind === "host-setup") return { kind, role: "host" };
      if (kind === "client-setup" || kind === "client-activate") return { kind, role: "client" };
      return { kind, role: role(/-count$/.test(name) ? "host" : (parentRole ?? "client")) };
    }
  }
  if (/-rearm$/.test(name)) return { kind: "client-rearm", role: "client" };
  if (/-count$/.test(name)) return { kind: "status", role: role("host") };
  if (/-status$/.test(name)) return { kind: "status", role: role(parentRole ?? "client") };
  if (/-activate$/.test(name)) return { kind: "client-activate", role: "client" };
  if (/-setup$/.test(name)) {
    const r = parentRole ?? (/host|kms-?server/i.test(name) ? "host" : "client");
    return { kind: r === "host" ? "host-setup" : "client-setup", role: r };
  }
  return undefined;
}

function int(v: string | undefined, dflt: number): number {
  const n = v === undefined || v === "" ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : dflt;
}

/** The one JSON result line a mocked script prints (see the result shapes in docs/plan.md). */
export function mockScriptResult(ctx: ScriptContext): Record<string, unknown> {
  const p = ctx.parameters;
  const host = {
    licenseStatus: "Licensed",
    licenseStatusCode: 1,
    isKmsHost: true,
    currentCount: ctx.kind === "host-setup" ? 0 : ctx.clientMachines,
    port: int(p.Port, 1688),
    dnsPublishing: p.DnsPublishing === "true",
    lowPriority: p.LowPriority === "true",
    activationIntervalMinutes: int(p.ActivationIntervalMinutes, 120),
    renewalIntervalMinutes: int(p.RenewalIntervalMinutes, 10080),
    partialProductKey: "XXXXX",
  };
  const kmsServer = p.KmsServer ? `${p.KmsServer}:${int(p.KmsPort, 1688)}` : "kms.example:1688";
  const client = {
    licenseStatus: "Licensed",
    licenseStatusCode: 1,
    activated: true,
    pending: false,
    pendingReason: null,
    cmid: deterministicGuid(`cmid:${ctx.machine}`),
    kmsServer,
  };
  const base = { script: ctx.kind, ok: true, changed: [] as string[], errorCode: null };
  if (ctx.kind === "client-setup" && ctx.pendingAtSetup) {
    return {
      ...base,
      ...client,
      errorCode: "0xC004F038",
      licenseStatus: "Notification",
      licenseStatusCode: 5,
      activated: false,
      pending: true,
      pendingReason: "The KMS host's count is too low",
    };
  }
  if (ctx.kind === "client-rearm") {
    // Rearmed, restart scheduled: until then the machine still reports the CMID it had.
    return {
      ...base,
      ...client,
      changed: ["rearm", "restartScheduled"],
      activated: false,
      cmidBefore: client.cmid,
      rearm: "restart-pending",
      restartScheduled: true,
      restartDelaySeconds: int(p.RestartDelaySeconds, 15),
    };
  }
  if (ctx.kind === "status")
    return { ...base, role: ctx.role, ...(ctx.role === "host" ? host : client) };
  return { ...base, ...(ctx.kind === "host-setup" ? host : client) };
}

/** Script output as the transports return it: a human log line, then the JSON line. */
export function mockScriptOutput(ctx: ScriptContext): string {
  return `[kms-plan mock] ${ctx.kind}.ps1 (${ctx.role}) on ${ctx.machine}\n${JSON.stringify(mockScriptResult(ctx))}\n`;
}
