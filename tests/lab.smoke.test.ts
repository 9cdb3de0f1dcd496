/**
 * Smoke test: the shipped host-setup.ps1, unchanged, on a fresh lab host through the Run Command
 * transport, with a host key of the host's own version: it ends an activated KMS host (exit 0, ok), and
 * the lab's state shows what it did.
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
      expect(outcome.exitCode).toBe(0);
      expect(result.ok).toBe(true);
      expect(result.errorCode).toBeNull();
      // The lab's state says what happened on the machine.
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
