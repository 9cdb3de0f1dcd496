/**
 * A script run from its folder, as an admin runs it by hand (`.\host-setup.ps1 ...`: the script
 * dot-sources its helper files from $PSScriptRoot), does what the text a transport sends does (the same
 * script with those files inlined by loadScript): same log, same result line, same exit code (the
 * helper files are split by concern). Each pair runs on two fresh lab machines made alike. The SSH
 * bootstrap, which runs the text as a script block, exits with the script's code too.
 */
import * as path from "path";
import { Lab, LabRunOutcome, labHostKey } from "../tools/lab";
import {
  HOST_KEY_PARAMETER,
  ScriptName,
  hostSetupParameters,
  scriptPath,
} from "../components/scripts";
import { describeWithTool } from "./helpers/tools";
import { runCommand, runSsh } from "./helpers/labScripts";

jest.setTimeout(180_000);

const WS2022 = "Windows Server 2022 Datacenter";
const KEY_2022 = labHostKey("Windows Server 2022");
const quoted = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Runs `<folder>/<script>.ps1` itself, through a small Run Command script that passes its parameters on
 * (the secret ones as protected parameters, as the components pass them).
 */
async function runFromFolder(
  lab: Lab,
  machine: string,
  script: ScriptName,
  parameters: Record<string, string>,
  secrets: Record<string, string> = {},
): Promise<LabRunOutcome> {
  const names = [...Object.keys(parameters), ...Object.keys(secrets)];
  const file = path.join(path.dirname(scriptPath(script)), `${script}.ps1`);
  const wrapper = [
    `param(${names.map((n) => `[string]$${n}`).join(", ")})`,
    `$passed = @{}`,
    ...names.map((n) => `$passed['${n}'] = $${n}`),
    `& ${quoted(file)} @passed`,
    `exit $LASTEXITCODE`,
  ].join("\n");
  const list = (p: Record<string, string>) =>
    Object.entries(p).map(([name, value]) => ({ name, value }));
  return lab.run(machine, {
    transport: "runCommand",
    script: wrapper,
    parameters: list(parameters),
    protectedParameters: list(secrets),
  });
}

/** The lines a run prints, machine names made alike. */
const lines = (o: LabRunOutcome, machine: string) =>
  o.output.split(/\r?\n/).map((l) => l.split(machine).join("<machine>"));

describeWithTool("pwsh", "lab: a script run from its folder does what the text sent does", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
  });
  afterAll(async () => {
    await lab?.close();
  });

  test("host-setup.ps1 on a fresh host: the same log, result and exit code", async () => {
    await lab.addMachine({ name: "kmsfold", role: "host", os: WS2022 });
    await lab.addMachine({ name: "kmssent", role: "host", os: WS2022 });
    const built = hostSetupParameters().parameters as Record<string, string>;
    const secrets = { [HOST_KEY_PARAMETER]: KEY_2022 };
    const fromFolder = await runFromFolder(lab, "kmsfold", "host-setup", built, secrets);
    const sent = await runCommand(lab, "kmssent", "host-setup", built, secrets);
    expect(sent.outcome.exitCode).toBe(0);
    expect(sent.result.ok).toBe(true);
    expect(fromFolder.exitCode).toBe(sent.outcome.exitCode);
    expect(lines(fromFolder, "kmsfold")).toEqual(lines(sent.outcome, "kmssent"));
    expect(fromFolder.output).not.toContain(KEY_2022);
  });

  test.each<[ScriptName, Record<string, string>, number]>([
    ["host-setup", { Port: "70000", OfficeVersion: "2013" }, 2],
    ["client-setup", { ApplicationId: "not-a-guid", SetupKey: "ABC" }, 2],
    ["client-activate", { ApplicationId: "not-a-guid" }, 2],
    ["client-rearm", { RestartDelaySeconds: "1" }, 2],
    ["status", { Role: "host" }, 0],
  ])("%s.ps1 with %j: exit code %d, the same lines", async (script, parameters, exitCode) => {
    const machine = `f-${script}`;
    const other = `s-${script}`;
    for (const name of [machine, other]) {
      await lab.addMachine({ name, role: script === "status" ? "host" : "client", os: WS2022 });
    }
    const fromFolder = await runFromFolder(lab, machine, script, parameters);
    const sent = await runCommand(lab, other, script, parameters);
    expect(sent.outcome.exitCode).toBe(exitCode);
    expect(fromFolder.exitCode).toBe(exitCode);
    expect(lines(fromFolder, machine)).toEqual(lines(sent.outcome, other));
  });

  test("over the SSH bootstrap (the text as a script block) a failing check exits 2, with Run Command's lines", async () => {
    for (const name of ["ssh-bad", "rc-bad"]) {
      await lab.addMachine({ name, role: "client", os: WS2022 });
    }
    const parameters = { ApplicationId: "not-a-guid" };
    const ssh = await runSsh(lab, "ssh-bad", "client-setup", {
      parameters,
      secretParameterNames: [],
    });
    const sent = await runCommand(lab, "rc-bad", "client-setup", parameters);
    expect(ssh.outcome.exitCode).toBe(2);
    expect(ssh.result).toMatchObject({ ok: false, script: "client-setup" });
    expect(ssh.result.message).toMatch(/^ApplicationId must be a GUID/);
    expect(lines(ssh.outcome, "ssh-bad")).toEqual(lines(sent.outcome, "rc-bad"));
  });
});
