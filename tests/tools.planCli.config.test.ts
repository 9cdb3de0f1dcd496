/**
 * kms-plan on a user's own program (a new project: no config schema, no stack file, no Pulumi CLI):
 * config from the command line (`--config`, `--config-secret`, `--config-file`), a required secret
 * nobody gave planned with the placeholder and a notice, and, with `--json`, failures as JSON.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanResult } from "../tools/plan";
import { parseConfigPairs, readConfigFile } from "../tools/plan/configInput";
import { isSecretConfig } from "../tools/plan/types";
import { runPlanCli } from "./helpers/planCli";

const USER_PROGRAM = path.join(__dirname, "fixtures", "programs", "user-program");

const runMain = runPlanCli;

describe("kms-plan on a new project's own program", () => {
  test("cfg.requireSecret of a key nobody set plans with the placeholder secret, a notice, exit 0", async () => {
    const r = await runMain([USER_PROGRAM]);
    expect(r.err).not.toContain("Missing required configuration");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "warn: config user-kms:hostKey is a required secret with no value: planned with a placeholder secret",
    );
    expect(r.out).toContain("--config-secret hostKey=<value>");
    expect(r.out).toContain("config user-kms:adminPassword is a required secret");
    expect(r.out).not.toContain("kms-plan-secret-placeholder");
  });

  test("--config values reach the program; --config-secret values are secrets, never printed", async () => {
    const secret = "Zq7!unique-adminPassword-value";
    const r = await runMain([
      USER_PROGRAM,
      "--json",
      "--config",
      "location=northeurope",
      "-c",
      "clients=6",
      "--config-secret",
      `adminPassword=${secret}`,
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as PlanResult;
    expect(result.outputs.plannedLocation).toBe("northeurope");
    expect(result.resources.filter((x) => x.type === "kms:index:KmsClient")).toHaveLength(6);
    expect(r.out + r.err).not.toContain(secret);
    expect(result.resources.find((x) => x.name === "kms-vm")!.inputs.osProfile).toBe("[secret]");
    // adminPassword was given: only hostKey gets the notice.
    const notices = result.diagnostics
      .map((d) => d.message)
      .filter((m) => /required secret/.test(m));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain("user-kms:hostKey");
  });

  test("--config-file reads a Pulumi.<stack>.yaml: plain values, secure: as the placeholder, { secret: } as a secret", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-plan-config-"));
    const file = path.join(dir, "Pulumi.ci.yaml");
    const secret = "Yx9!file-given-secret";
    fs.writeFileSync(
      file,
      [
        "config:",
        "  user-kms:location: swedencentral",
        "  user-kms:hostKey:",
        "    secure: AAABAJ0kD0000ciphertext",
        "  user-kms:adminPassword:",
        `    secret: "${secret}"`,
        "",
      ].join("\n"),
    );
    const r = await runMain([USER_PROGRAM, "--json", "--config-file", file]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as PlanResult;
    expect(result.outputs.plannedLocation).toBe("swedencentral");
    expect(r.out + r.err).not.toContain(secret);
    expect(r.out).not.toContain("AAABAJ0kD0000ciphertext");
    expect(result.diagnostics.filter((d) => /required secret/.test(d.message))).toEqual([]);
  });

  test("parseConfigPairs: key=value (the value may hold '='), secrets marked; a pair without key is refused without echoing a secret", () => {
    expect(parseConfigPairs(["a=1", "b=x=y"], "--config", false)).toEqual({ a: "1", b: "x=y" });
    const s = parseConfigPairs(["k=v"], "--config-secret", true);
    expect(isSecretConfig(s.k) && s.k.value).toBe("v");
    expect(() => parseConfigPairs(["novalue"], "--config", false)).toThrow(
      '--config takes key=value (e.g. --config location=westeurope); got "novalue"',
    );
    expect(() => parseConfigPairs(["hunter2"], "--config-secret", true)).toThrow(
      /got a value without key=$/,
    );
  });

  test("readConfigFile takes JSON and a top-level map too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-plan-config-"));
    const file = path.join(dir, "c.json");
    fs.writeFileSync(file, JSON.stringify({ location: "westus3", clients: 2 }));
    expect(readConfigFile(file)).toEqual({ location: "westus3", clients: 2 });
    fs.writeFileSync(file, "- a\n- b\n");
    expect(() => readConfigFile(file)).toThrow(/expected a map of config keys/);
  });
});

describe("kms-plan --json on failure", () => {
  test("a program that fails prints the error as JSON on stdout (exit 2), secrets cut out", async () => {
    const r = await runMain([
      USER_PROGRAM,
      "--json",
      "--config",
      "clients=notanumber",
      "--config-secret",
      "adminPassword=Zq7!never-printed",
    ]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.out) as { error: Record<string, unknown> };
    expect(out.error.kind).toBe("program");
    expect(out.error.exitCode).toBe(2);
    expect(String(out.error.message)).toContain("user-kms:clients");
    expect(r.out).not.toContain("never-printed");
  });

  test("a KmsConfigError comes with its argument and what is allowed", async () => {
    const r = await runMain([USER_PROGRAM, "--json", "--config", "clients=1", "-c", "location=x"]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.out) as { error: Record<string, unknown> };
    expect(out.error).toMatchObject({ kind: "program", name: "KmsConfigError" });
    expect(typeof out.error.argument).toBe("string");
    expect(typeof out.error.allowed).toBe("string");
  });

  test("bad options print JSON too: an unknown flag, a bad --lab-images, a missing --config-file", async () => {
    for (const args of [
      ["--json", "--no-such-flag"],
      ["--json", "--lab-images", "golden"],
      ["--json", "--config-file", "/nonexistent/kms.yaml"],
    ]) {
      const r = await runMain([USER_PROGRAM, ...args]);
      expect(r.code).toBe(2);
      const out = JSON.parse(r.out) as { error: { kind: string; message: string } };
      expect(out.error.kind).toBe("options");
      expect(out.error.message.length).toBeGreaterThan(5);
    }
  });
});
