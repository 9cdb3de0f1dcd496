/**
 * Smoke test: the shipped host-setup.ps1, unchanged, on a fresh lab host through the Run Command
 * transport. It checks that the lab runs the script and reports what the script did, not that the
 * script is right: known script defects (docs/lab.md, "What the lab found") are the scripts' to fix.
 */
import { Lab, labHostKey } from "../tools/lab";
import { loadScript } from "../components/scripts";
import { describeWithTool } from "./helpers/tools";
import { lastJson } from "./helpers/lab";

jest.setTimeout(180_000);

describeWithTool("pwsh", "lab smoke: host-setup.ps1 on a fresh lab host", () => {
  test("runs to its JSON result line, and the lab's host shows what it did", async () => {
    const lab = await Lab.open();
    try {
      await lab.addMachine({ name: "kms01", role: "host", os: "Windows Server 2022 Datacenter" });
      const outcome = await lab.run("kms01", {
        transport: "runCommand",
        script: loadScript("host-setup"),
        parameters: [
          { name: "Port", value: "1688" },
          { name: "DnsPublishing", value: "false" },
        ],
        protectedParameters: [{ name: "HostKey", value: labHostKey("Windows Server 2022") }],
      });
      const result = lastJson<{ script: string; ok: boolean; errorCode: string | null }>(outcome);
      expect(result.script).toBe("host-setup");
      expect([0, 1]).toContain(outcome.exitCode);
      expect(outcome.exitCode === 0).toBe(result.ok);
      // Whatever the script concluded, the lab's state says what happened on the machine.
      const state = await lab.state("kms01");
      expect(state.isKmsHost).toBe(true);
      expect(state.changed).toEqual(expect.arrayContaining(["productKey", "activation"]));
      // The key never reaches the output.
      expect(outcome.output).not.toContain(labHostKey("Windows Server 2022"));
    } finally {
      await lab.close();
    }
  });
});
