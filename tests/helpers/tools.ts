/**
 * System tools that some tests need (a real DNS server, real PowerShell). On a machine without the tool
 * the tests that need it are skipped, and `tests/helpers/skipReporter.js` says at the end of the run which
 * tool was missing and how to install it. With CI=true a missing tool is a failure, never a skip: CI
 * installs every tool (`.ci/run`), so a skip there would hide a broken install step.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type SystemTool = "dnsmasq" | "pwsh";

/** How to get each tool, worded for the end-of-run summary and for CI's failure. */
export const INSTALL_HINT: Readonly<Record<SystemTool, string>> = {
  dnsmasq:
    "a real DNS server for the kms-doctor tests: `apt-get install -y dnsmasq-base` (Debian/Ubuntu; .ci/run installs it), or set $DNSMASQ to its path",
  pwsh: "PowerShell 7 for the Windows lab tests: `dotnet tool install --global PowerShell --version 7.6.9` (then add ~/.dotnet/tools to PATH; .ci/run does both), or set $PWSH to its path",
};

/** Marker in the title of a skipped block; the skip reporter looks for it. */
export const SKIP_MARKER = "[skipped: needs ";

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string[] {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((d) => d !== "")
    .map((d) => path.join(d, name));
}

const CANDIDATES: Readonly<Record<SystemTool, () => string[]>> = {
  // $DNSMASQ / $PWSH, when set, is the only place looked at.
  dnsmasq: () =>
    process.env.DNSMASQ
      ? [process.env.DNSMASQ]
      : ["/usr/sbin/dnsmasq", "/usr/local/sbin/dnsmasq", "/sbin/dnsmasq", ...onPath("dnsmasq")],
  pwsh: () =>
    process.env.PWSH
      ? [process.env.PWSH]
      : [...onPath("pwsh"), path.join(os.homedir(), ".dotnet", "tools", "pwsh")],
};

const found = new Map<SystemTool, string | undefined>();

/** Path of the tool, or undefined when this machine does not have it. */
export function findTool(tool: SystemTool): string | undefined {
  if (!found.has(tool)) found.set(tool, CANDIDATES[tool]().find(executable));
  return found.get(tool);
}

/** True when the run is CI's (`CI=true`), where a missing tool fails instead of skipping. */
export function isCi(): boolean {
  return /^(1|true|yes)$/i.test(process.env.CI ?? "");
}

/**
 * `describe` when the tool is present. Without it: a skipped block whose title names the tool (the
 * reporter prints how to install it), or under CI=true a failing test that says the same.
 */
export function describeWithTool(tool: SystemTool, title: string, body: () => void): void {
  if (findTool(tool) !== undefined) {
    describe(title, body);
    return;
  }
  if (isCi()) {
    describe(title, () => {
      test(`needs ${tool}`, () => {
        throw new Error(
          `CI=true and ${tool} is missing, so these tests cannot run (a skip would hide it). Install ${INSTALL_HINT[tool]}.`,
        );
      });
    });
    return;
  }
  describe.skip(`${title} ${SKIP_MARKER}${tool}]`, body);
}
