/**
 * The one long-lived pwsh process behind a Lab: lab/server.ps1 reads JSON requests on stdin and answers
 * each with one JSON line on stdout, in completion order, carrying the request's id.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The lab/ folder (beside tools/ in the repository, beside bin/ in the npm package). */
export function labModuleDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, "lab", "KmsLab.psm1");
    if (fs.existsSync(candidate)) return path.dirname(candidate);
    dir = path.dirname(dir);
  }
  throw new Error(`lab: cannot find lab/KmsLab.psm1 above ${__dirname}`);
}

/** pwsh from $PWSH, PATH or ~/.dotnet/tools, like tests/helpers/tools.ts. */
export function findPwsh(): string | undefined {
  const candidates = process.env.PWSH
    ? [process.env.PWSH]
    : [
        ...(process.env.PATH ?? "")
          .split(path.delimiter)
          .filter((d) => d !== "")
          .map((d) => path.join(d, "pwsh")),
        path.join(os.homedir(), ".dotnet", "tools", "pwsh"),
      ];
  return candidates.find((c) => {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void };

export class LabProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffer = "";
  private stderr = "";
  private exited: Error | undefined;
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  readonly ready: Promise<void>;

  /** Requests sent and not answered yet. */
  get load(): number {
    return this.pending.size;
  }

  constructor(pwsh: string, runspaces: number) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    const server = path.join(labModuleDir(), "server.ps1");
    this.child = spawn(
      pwsh,
      ["-NoProfile", "-NonInteractive", "-File", server, "-Runspaces", String(runspaces)],
      {
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, POWERSHELL_TELEMETRY_OPTOUT: "1", POWERSHELL_UPDATECHECK: "Off" },
      },
    );
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.onData(chunk));
    this.child.stderr.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-8192);
    });
    this.child.on("exit", (code, signal) => {
      const error = new Error(
        `lab: pwsh server exited (${signal ?? code}). Last stderr:\n${this.stderr.trim()}`,
      );
      this.exited = error;
      this.readyReject(error);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
    this.child.on("error", (e) => this.readyReject(e));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line === "") continue;
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.stderr = (this.stderr + `\n[stdout] ${line}`).slice(-8192);
        continue;
      }
      if (message.ready === true) {
        this.readyResolve();
        continue;
      }
      const id = typeof message.id === "number" ? message.id : -1;
      const waiting = this.pending.get(id);
      if (!waiting) continue;
      this.pending.delete(id);
      if (typeof message.fatal === "string") waiting.reject(new Error(message.fatal));
      else waiting.resolve(message);
    }
  }

  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.ready;
    if (this.exited) throw this.exited;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(JSON.stringify({ ...body, id }) + "\n");
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill(), 10000);
    await done;
    clearTimeout(timer);
  }
}
