/**
 * Reading a script's result back (components/remote/runScript.ts): the Run Command instance view, and
 * what a preview does with the saved result of an earlier failed run. The mocks here act as a preview of
 * an update: the run command keeps its old ID, so the result invoke runs and reads the saved result.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { filesUnder, TS_SOURCE } from "./helpers/files";

type View = Record<string, unknown> | undefined;
let view: View;
pulumi.runtime.setMocks(
  {
    newResource: (args) => ({
      id: `${args.name}-id`,
      state: { ...args.inputs, name: args.inputs.runCommandName ?? args.name },
    }),
    call: (args) =>
      args.token === "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine"
        ? view === undefined
          ? {}
          : { instanceView: view }
        : args.inputs,
  },
  "project",
  "stack",
  true, // preview
);
const { runScript, readRunCommandView } =
  require("../components/remote") as typeof import("../components/remote");
const { AZURE_NATIVE_EXPAND_FIX } =
  require("../components/remote/runScript") as typeof import("../components/remote/runScript");
const pkg = require("../package.json") as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const FAILED = JSON.stringify({
  script: "host-setup",
  ok: false,
  changed: [],
  errorCode: "0xC004F074",
  message: "activation failed",
});
const target = {
  kind: "runCommand" as const,
  azureVm: { resourceGroupName: "rg", vmName: "kms01", location: "westeurope" },
};

function isKnown(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as unknown as { isKnown: Promise<boolean> }).isKnown;
}

describe("a preview after a failed run", () => {
  test("the failed saved result is a warning and an unknown result, not a failed preview", async () => {
    view = { executionState: "Failed", exitCode: 1, output: `log\r\n${FAILED}\r\n` };
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    const run = runScript(
      "kms-setup",
      { target, script: "host-setup", parameters: { Port: "1688" } },
      {},
    );
    expect(await isKnown(run.result)).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(
      /^kms-setup: the saved result of the last run of host-setup\.ps1 is a failure: host-setup\.ps1 failed: activation failed 0xC004F074: .*Fix: .* This preview shows the step's result as unknown; pulumi up runs the script again/,
    );
    warn.mockRestore();
  });

  test("the unknown result is built with public API: no callback runs on it, and no file in components/ constructs an Output", async () => {
    view = { executionState: "Failed", exitCode: 1, output: `log\r\n${FAILED}\r\n` };
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    const run = runScript(
      "kms-setup",
      { target, script: "host-setup", parameters: { Port: "1688" } },
      {},
    );
    const seen = jest.fn();
    const applied = run.result.apply((r) => seen(r));
    expect(await isKnown(applied)).toBe(false);
    expect(seen).not.toHaveBeenCalled();
    warn.mockRestore();
    // The SDK's Output constructor is private (its arguments changed between releases): a cast of
    // `pulumi.Output` to a constructor is how code reaches it.
    const offenders = filesUnder(path.join(__dirname, "..", "components"), TS_SOURCE).filter((f) =>
      /Output\s+as\s+unknown\s+as\s+new\b/.test(fs.readFileSync(f, "utf8")),
    );
    expect(offenders).toEqual([]);
  });

  test("a successful saved result stays known", async () => {
    view = {
      executionState: "Succeeded",
      exitCode: 0,
      output: JSON.stringify({ script: "host-setup", ok: true, changed: [], isKmsHost: true }),
    };
    const run = runScript(
      "kms-setup",
      { target, script: "host-setup", parameters: { Port: "1688" } },
      {},
    );
    expect(await isKnown(run.result)).toBe(true);
  });
});

describe("readRunCommandView", () => {
  test("no instanceView is its own error naming the azure-native fix, not 'printed no result'", () => {
    expect(() => readRunCommandView(undefined, "status", "kms-count")).toThrow(
      /^Run Command "kms-count" \(status\.ps1\): Azure returned the run command without its instanceView.*pulumi\/pulumi-azure-native#4701.*@pulumi\/azure-native 3\.24\.0 or later/,
    );
  });

  test("an instanceView without executionState is its own error", () => {
    expect(() => readRunCommandView({ output: "" }, "status", "kms-count")).toThrow(
      /^Run Command "kms-count" \(status\.ps1\): its instanceView has no executionState/,
    );
  });

  test("a timed-out run says so, with the last output", () => {
    expect(() =>
      readRunCommandView(
        { executionState: "TimedOut", output: "step 1\nstep 2" },
        "host-setup",
        "kms-setup",
      ),
    ).toThrow(/ended by timing out; the script did not report a result[\s\S]*step 2$/);
  });

  test("ok:false with exit code 0 says that nothing will retry it and how to run it again", () => {
    expect(() =>
      readRunCommandView(
        { executionState: "Succeeded", exitCode: 0, output: FAILED },
        "host-setup",
        "kms-setup",
      ),
    ).toThrow(
      /^host-setup\.ps1 failed: activation failed 0xC004F074: .* pulumi up --replace .*::kms-setup\)\.$/,
    );
  });

  test("the output and the error stream are read as the script printed them", () => {
    expect(
      readRunCommandView(
        {
          executionState: "Succeeded",
          exitCode: 0,
          output: "log",
          error: FAILED.replace("false", "true"),
        },
        "host-setup",
        "kms-setup",
      ),
    ).toMatchObject({ ok: true, errorCode: "0xC004F074" });
  });
});

test("the azure-native pin is the newest 3.x served, and the peer range starts after July 2026", () => {
  // 3.28.0: `npm view @pulumi/azure-native versions` (2026-12-06). Pulumi's registry dates 3.23.0 to
  // 2026-07-18, so the first release after July 2026 is 3.24.0 (docs/azure-notes.md).
  const plugin = JSON.parse(
    fs.readFileSync(path.join(__dirname, "..", "plugin", "package.json"), "utf8"),
  ) as { dependencies?: Record<string, string> };
  const lock = JSON.parse(
    fs.readFileSync(path.join(__dirname, "..", "package-lock.json"), "utf8"),
  ) as { packages: Record<string, { version?: string }> };
  expect(pkg.devDependencies["@pulumi/azure-native"]).toBe("3.28.0");
  expect(lock.packages["node_modules/@pulumi/azure-native"].version).toBe("3.28.0");
  expect(plugin.dependencies?.["@pulumi/azure-native"]).toBe("3.28.0");
  expect(pkg.peerDependencies["@pulumi/azure-native"]).toBe("^3.24.0");
  expect(AZURE_NATIVE_EXPAND_FIX).toBe("3.24.0");
});
