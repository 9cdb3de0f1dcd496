/**
 * The Windows lab: simulated machines whose licensing behaves as Microsoft documents it (lab/KmsLab.psm1,
 * docs/lab.md), on which the project's shipped scripts run unchanged in real PowerShell 7, passed as each
 * transport passes them. One long-lived pwsh process serves a Lab; each script runs in a runspace of its
 * pool. State lives in files (one JSON per machine, network.json), so a Lab can be reopened on them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findProduct } from "pulumi-kms-activation-catalog";
import { labCatalogJson } from "./catalog";
import { findPwsh, LabProcess } from "./process";

export { LAB_HOST_KEYS, azureInternalDnsSuffix, labHostKey, labProductKey } from "./catalog";
export { findPwsh, labModuleDir } from "./process";

export interface LabOptions {
  /** Where the machines' state files live. @default a fresh temp dir, removed on close */
  stateDir?: string;
  /** The pwsh to run. @default $PWSH, pwsh on PATH, or ~/.dotnet/tools/pwsh */
  pwsh?: string;
  /**
   * Scripts run in parallel, each set in its own pwsh process (a machine's %ProgramData% and %TEMP% are
   * environment variables, which a process shares). @default 2
   */
  runspaces?: number;
}

export interface LabMachineSpec {
  /** Computer name in the lab. */
  name: string;
  /** A host starts as a Windows Server with its GVLK, not yet a KMS host. */
  role: "host" | "client";
  /** Catalog product name of the installed OS, e.g. "Windows Server 2022 Datacenter". */
  os: string;
  /**
   * DNS suffix for DNS discovery: a domain member's domain, or the suffix Azure's DHCP gives a VM outside
   * a domain (`<26 characters>.<2 letters>.internal.cloudapp.net`, `azureInternalDnsSuffix`).
   * @default "lab.test"
   */
  domain?: string;
  /**
   * The machine's subnet (IPv4 CIDR); its address is derived from its name inside it. The built-in rule
   * `SPPSVC-In-TCP` admits only clients of the host's own subnet (LocalSubnet). @default "10.0.0.0/24"
   */
  subnet?: string;
  /** An Azure VM: Azure's KMS (azkms.core.windows.net) answers it, whatever its image. @default true */
  azure?: boolean;
  /** Preinstalled GVLK, already licensed by Azure's KMS. @default false */
  marketplaceImage?: boolean;
  /** Give two machines the same value to simulate SkipRearm=1 images. @default derived from the name */
  cmid?: string;
  /** Office products installed (catalog names). @default none */
  office?: string[];
}

export interface LabConditions {
  microsoftActivation?: "up" | "down" | "flaky";
  /** Moves the lab clock, in days (for the 30-day count window). @default 0 */
  clockOffsetDays?: number;
  /**
   * The shape of a failed licensing call's CIM error, to test the scripts' reading of it: "errorData"
   * (`ErrorData.error_Code` = the HRESULT, as the lab models Windows), "errorId" (no `error_Code`; the
   * HRESULT only in `FullyQualifiedErrorId` "HRESULT 0x…,…"), "message" (the HRESULT only in the
   * exception's message). @default "errorData"
   */
  cimErrors?: "errorData" | "errorId" | "message";
  /**
   * A restart a script scheduled (`shutdown.exe /r /t <seconds>`) has happened by the time the lab is next
   * asked about the machine ("happen"), or not yet ("held": the next step arrived first, or the restart
   * was aborted). @default "happen"
   */
  pendingRestarts?: "happen" | "held";
}

export type LabCall =
  | {
      transport: "runCommand";
      script: string;
      parameters: { name: string; value: string }[];
      protectedParameters?: { name: string; value: string }[];
    }
  | { transport: "ssh"; command: string; stdin: string };

export interface LabRunOutcome {
  exitCode: number;
  /** As the transport returns it: Run Command keeps the last 4,096 bytes (instanceView.output). */
  output: string;
  /** stderr (Run Command: instanceView.error, also the last 4,096 bytes). */
  error: string;
}

export interface LabMachineState {
  name: string;
  role: "host" | "client";
  product?: string;
  licenseStatus: number;
  activated: boolean;
  activatedBy?: string;
  /** Who holds the Windows licence now: "host:port" (our host, or azkms.core.windows.net:1688). */
  licensedBy?: string;
  /** The lab machine that is that host (absent for Azure's KMS). */
  licensedByMachine?: string;
  /** When that licence was given or last renewed (lab time, ISO 8601). */
  licensedAt?: string;
  currentCount?: number;
  changed?: string[];
  errorCode?: string;
  cmid: string;
  [k: string]: unknown;
}

/**
 * Writes a lab Office Volume License Pack into `dir`: the .xrm-ms license files a host installs with
 * `InstallLicense` (slmgr /ilc). One carries the lab's marker of the Office KMS host license of
 * `officeVersion` ("2016", "2019", "LTSC 2021", "LTSC 2024"); the other is an ordinary license file the lab
 * accepts and ignores, as a real pack holds many. Returns the paths written.
 */
export function writeVolumeLicensePack(dir: string, officeVersion: string): string[] {
  if (!["2016", "2019", "LTSC 2021", "LTSC 2024"].includes(officeVersion)) {
    throw new Error(
      `lab: officeVersion must be "2016", "2019", "LTSC 2021" or "LTSC 2024"; received "${officeVersion}"`,
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  const tag = officeVersion.replace(/[^0-9A-Za-z]/g, "");
  const files = [
    [
      `client-issuance-${tag}-kmshost.xrm-ms`,
      `<?xml version="1.0" encoding="utf-8"?>\n<r:license xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS" xmlns:kmslab="urn:pulumi-kms-activation:lab"><kmslab:officeHostLicense version="${officeVersion}"/></r:license>\n`,
    ],
    [
      `pkeyconfig-${tag}.xrm-ms`,
      `<?xml version="1.0" encoding="utf-8"?>\n<r:license xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS"><r:title>lab pkeyconfig</r:title></r:license>\n`,
    ],
  ];
  return files.map(([name, text]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  });
}

/** Managed Run Command keeps this many bytes of a script's output and error streams. */
export const RUN_COMMAND_OUTPUT_LIMIT = 4096;

/** The last `limit` bytes of `text` (UTF-8), as Run Command's instanceView keeps them. */
export function lastBytes(text: string, limit: number = RUN_COMMAND_OUTPUT_LIMIT): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= limit) return text;
  return bytes.subarray(bytes.length - limit).toString("utf8");
}

function clean(state: Record<string, unknown>): LabMachineState {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) if (v !== null && v !== undefined) out[k] = v;
  if (!Array.isArray(out.changed)) out.changed = [];
  return out as LabMachineState;
}

export class Lab {
  private constructor(
    private readonly dir: string,
    private readonly removeOnClose: boolean,
    private readonly servers: LabProcess[],
  ) {}

  /** The state directory (machines/, network.json, catalog.json). */
  get stateDir(): string {
    return this.dir;
  }

  static async open(options: LabOptions = {}): Promise<Lab> {
    const pwsh = options.pwsh ?? findPwsh();
    if (!pwsh) {
      throw new Error(
        "lab: pwsh not found. Install PowerShell 7: `dotnet tool install --global PowerShell --version 7.6.9` (then add ~/.dotnet/tools to PATH), or set $PWSH.",
      );
    }
    const removeOnClose = options.stateDir === undefined;
    const dir = options.stateDir
      ? path.resolve(options.stateDir)
      : fs.mkdtempSync(path.join(os.tmpdir(), "kms-lab-"));
    fs.mkdirSync(path.join(dir, "machines"), { recursive: true });
    fs.writeFileSync(path.join(dir, "catalog.json"), labCatalogJson());
    const count = Math.max(1, Math.floor(options.runspaces ?? 2));
    const servers = Array.from({ length: count }, () => new LabProcess(pwsh, 1));
    try {
      await Promise.all(servers.map((s) => s.ready));
    } catch (e) {
      await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
      if (removeOnClose) fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return new Lab(dir, removeOnClose, servers);
  }

  private call(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    // The least busy server; all of them share the state directory (file lock, atomic writes).
    let server = this.servers[0];
    for (const s of this.servers) if (s.load < server.load) server = s;
    return server.request({ ...body, stateDir: this.dir });
  }

  /** Adds a machine; keeps an existing machine of that name (state dir reuse). */
  async addMachine(spec: LabMachineSpec): Promise<void> {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(spec.name)) {
      throw new Error(
        `lab: machine name must be a computer name (letters, digits, hyphens); received "${spec.name}"`,
      );
    }
    if (spec.role !== "host" && spec.role !== "client") {
      throw new Error(`lab: role must be "host" or "client"; received "${String(spec.role)}"`);
    }
    const os = findProduct(spec.os);
    if (!os || os.family === "office") {
      throw new Error(`lab: os must be a catalog Windows product name; received "${spec.os}"`);
    }
    const office = (spec.office ?? []).map((o) => {
      const p = findProduct(o);
      if (!p || p.family !== "office") {
        throw new Error(`lab: office must list catalog Office product names; received "${o}"`);
      }
      return p.name;
    });
    await this.call({ op: "addMachine", spec: { ...spec, os: os.name, office } });
  }

  /** Sets the SRV records `_vlmcs._tcp.<domain>` (an empty list removes them). */
  async setSrvRecords(
    domain: string,
    entries: { target: string; port: number; priority: number; weight: number }[],
  ): Promise<void> {
    await this.call({ op: "network", action: "srv", domain, entries });
  }

  /** Points a DNS name (FQDN) at a lab machine. */
  async setAddress(name: string, machine: string): Promise<void> {
    await this.call({ op: "network", action: "address", name, target: machine });
  }

  async setConditions(c: LabConditions): Promise<void> {
    await this.call({ op: "network", action: "conditions", conditions: c });
  }

  /** Runs a script on a machine as the transport would, and returns what the transport returns. */
  async run(machine: string, call: LabCall): Promise<LabRunOutcome> {
    const answer = await this.call({ op: "run", machine, call });
    const stdout = String(answer.stdout ?? "");
    const stderr = String(answer.stderr ?? "");
    const exitCode = Number(answer.exitCode ?? 1);
    if (call.transport === "runCommand") {
      return { exitCode, output: lastBytes(stdout), error: lastBytes(stderr) };
    }
    return { exitCode, output: stdout, error: stderr };
  }

  /**
   * Lets `minutes` of lab time pass. What machines do by themselves happens on the way, in time order: a
   * KMS client whose product is not licensed asks its KMS again every activation interval (120 minutes
   * unless a host said otherwise), a licensed one renews every renewal interval (7 days), and a host
   * forgets client machine IDs it has not heard from in 30 days. Scheduled restarts wait for the next
   * script or state read, as before.
   */
  async advance(minutes: number): Promise<void> {
    if (!Number.isFinite(minutes) || minutes < 0) {
      throw new Error(`lab: advance takes a number of minutes, 0 or more; received ${minutes}`);
    }
    await this.call({ op: "advance", minutes });
  }

  async state(machine: string): Promise<LabMachineState> {
    const answer = await this.call({ op: "state", machine });
    return clean(answer.machine as Record<string, unknown>);
  }

  async machines(): Promise<LabMachineState[]> {
    const answer = await this.call({ op: "state" });
    return ((answer.machines as Record<string, unknown>[] | undefined) ?? []).map(clean);
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
    if (this.removeOnClose) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
