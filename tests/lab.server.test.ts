/**
 * The lab server (lab/server.ps1, KmsLab.LabServer in lab/KmsLab.Server.cs) under a burst of requests, as a
 * rehearsal sends them: every client's step at once, hundreds queued per server.
 *
 * A queued request must not hold a .NET thread-pool thread while it waits for the runspace: PowerShell
 * itself needs pool threads (a runspace's first command does), and a pool full of waiting requests grows
 * by about one thread a second. Before the fix each request waited in Task.Run: 200 queued requests got
 * no answer for over a minute, and a rehearsal of 1,000 clients spent most of its 440 s waiting
 * (docs/benchmarks.md). Here the pool is capped at one thread per core, so a server that parks requests
 * on pool threads never answers (a deadlock, not a slow answer); the deadline only ends the wait.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { labModuleDir } from "../tools/lab";
import { describeWithTool, findTool } from "./helpers/tools";

jest.setTimeout(120_000);

/** Sends `count` requests at once to a server whose thread pool is capped; resolves with the answers. */
function burst(
  count: number,
  stateDir: string,
): Promise<{ answers: Record<string, unknown>[]; stderr: string }> {
  const server = path.join(labModuleDir(), "server.ps1");
  // The pool's maximum cannot go below the number of cores (ThreadPool.SetMaxThreads refuses it).
  const command =
    "$n = [Environment]::ProcessorCount; " +
    "if (-not [System.Threading.ThreadPool]::SetMaxThreads($n, $n)) { throw 'SetMaxThreads refused' }; " +
    `& '${server.replace(/'/g, "''")}' -Runspaces 1`;
  const child = spawn(findTool("pwsh")!, ["-NoProfile", "-NonInteractive", "-Command", command], {
    env: { ...process.env, POWERSHELL_TELEMETRY_OPTOUT: "1", POWERSHELL_UPDATECHECK: "Off" },
  });
  const answers: Record<string, unknown>[] = [];
  let buffer = "";
  let stderr = "";
  return new Promise((resolve) => {
    // Ends a deadlocked server (SIGKILL: a starved pool cannot run .NET's SIGTERM handler). What the
    // test checks is how many answers came, not when.
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const message = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        if (message.ready === true) {
          for (let id = 1; id <= count; id++) {
            child.stdin.write(JSON.stringify({ id, op: "state", stateDir }) + "\n");
          }
          continue;
        }
        answers.push(message);
        if (answers.length === count) child.stdin.end();
      }
    });
    child.on("exit", () => {
      clearTimeout(deadline);
      resolve({ answers, stderr });
    });
  });
}

describeWithTool("pwsh", "lab server: a burst of requests", () => {
  let stateDir: string;
  beforeAll(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-lab-server-"));
    fs.mkdirSync(path.join(stateDir, "machines"));
  });
  afterAll(() => {
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  test("queued requests hold no thread-pool thread: a pool of one thread per core answers them all", async () => {
    const count = 4 * os.cpus().length + 8;
    const { answers, stderr } = await burst(count, stateDir);
    expect({ answered: answers.length, stderr: stderr.trim() }).toEqual({
      answered: count,
      stderr: "",
    });
    expect(answers.map((a) => a.id).sort((x, y) => Number(x) - Number(y))).toEqual(
      Array.from({ length: count }, (_, i) => i + 1),
    );
    expect(answers.every((a) => Array.isArray(a.machines) && a.fatal === undefined)).toBe(true);
  });
});
