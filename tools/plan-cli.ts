#!/usr/bin/env node
/**
 * kms-plan [dir] [--stack s] [--json] [--chart file.svg] [--policy-config file.json]
 *          [--config key=value]… [--config-secret key=value]… [--config-file file]
 *          [--lab [--lab-state dir] [--lab-… conditions]]
 *
 * Plans a Pulumi program offline (tools/plan/), prints the resource tree, the policy violations with
 * their enforcement level and the activation forecast. With `--lab` it also rehearses the deployment in
 * the lab (tools/rehearsal/) and prints each machine's final state. Exit code: 1 on a mandatory
 * violation, 2 when the program itself fails (or the options are wrong), 3 when the program registered
 * nothing besides its stack (no policy had anything to check: a CI job must not pass on that), 4 when
 * the rehearsal's deployment failed (a step exited non-zero) and no policy blocks, 0 otherwise. With
 * `--json`, a failure (exit 2) prints `{ "error": { kind, message, … } }` on stdout too, so a CI artifact
 * says why.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { formatForecast } from "./forecast";
import {
  isBlocking,
  isEmptyPlan,
  NOTHING_DECLARED,
  packPolicies,
  parsePolicyConfig,
  plan,
} from "./plan";
import type { PlanConfigValue, PlanResult, PolicyConfig } from "./plan";
import { formatTree, formatViolations } from "./plan/cliFormat";
import { addConfigOptions, parseConfigPairs, readConfigFile } from "./plan/configInput";
import { isSecretConfig } from "./plan/types";
import { planError, PlanErrorKind } from "./plan/cliError";
import { toolVersion } from "./version";
import { CHART_PACKAGES, missingOptional } from "./optional";

/** Exit codes of kms-plan. */
export const EXIT = {
  ok: 0,
  mandatory: 1,
  failed: 2,
  nothingDeclared: 3,
  /** `--lab`: the rehearsed deployment failed (a step exited non-zero) and no policy blocks. */
  deploymentFailed: 4,
  /**
   * `--lab`: the deployment succeeded, but a client the program points at one of its KmsHosts does not
   * end activated by that host (a licence from Azure's own KMS does not count). See `exitCodeOf`.
   */
  notActivated: 5,
} as const;
import type { LabReport } from "./rehearsal";
import { labOptions, type LabFlags } from "./rehearsal/flags";

export { formatTree, formatViolations };

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("kms-plan")
    .version(toolVersion(), "-V, --version", "print the kms-plan version")
    .description(
      "Offline plan of a Pulumi program: resources, kms-guard policy violations, activation forecast.",
    )
    .argument("[dir]", "Pulumi program directory (with Pulumi.yaml)", ".")
    .option("-s, --stack <stack>", "stack whose Pulumi.<stack>.yaml config to use")
    .option("--json", "print the plan result as JSON")
    .option("--chart <file>", "write the activation timeline as SVG")
    .option("--preview", "plan as a preview (outputs not returned by the mocks are unknown)")
    .option(
      "--policy-config <file>",
      "policy configuration, the same JSON file as `pulumi preview --policy-pack-config` takes",
    )
    .option(
      "--pending",
      "mock every client setup as ending pending (0xC004F038), as before the host's count reaches the threshold (the --json setup results show it)",
    )
    .option(
      "--lab",
      "rehearse the deployment in the lab (real scripts, simulated Windows machines)",
    )
    .option(
      "--lab-state <dir>",
      "keep the lab's machines in <dir> between rehearsals (implies --lab)",
    )
    .option(
      "--lab-images <kind>",
      'Azure VM images: "marketplace" (licensed by Azure\'s KMS; the default) or "custom" (implies --lab)',
    )
    .option(
      "--lab-shared-cmid",
      "VMs of custom images share their image's CMID too (Marketplace ones do by default; implies --lab)",
    )
    .option(
      "--lab-own-cmid",
      "every VM has a CMID of its own (generalized with SkipRearm=0, or already rearmed; implies --lab)",
    )
    .option(
      "--lab-after <duration>",
      "show the lab that long after the deployment (90m, 2h, 7d): clients retry and renew (implies --lab)",
    )
    .option(
      "--lab-microsoft-activation <state>",
      'Microsoft\'s activation service: "up" (default), "down" or "flaky" (implies --lab)',
    )
    .option(
      "--lab-domain <domain>",
      "DNS domain of the lab's machines (default: the domain of the program's one _vlmcs._tcp record; implies --lab)",
    )
    .option(
      "--lab-vm-identity",
      "the VMs this program does not create have the identity their scripts by reference are read with (implies --lab)",
    )
    .exitOverride();
  addConfigOptions(program);
  const json = argv.includes("--json");
  // With --json, a failure is a JSON object on stdout too (a CI artifact must say why), and on stderr.
  const fail = (kind: PlanErrorKind, e: unknown, secrets: readonly string[] = []): number => {
    const error = planError(kind, e, secrets);
    process.stderr.write(`kms-plan: ${error.prefix}${error.message}\n`);
    if (json) process.stdout.write(JSON.stringify({ error: error.json }, null, 2) + "\n");
    return EXIT.failed;
  };
  let usage = "";
  program.configureOutput({
    writeErr: (s) => {
      usage += s;
      process.stderr.write(s);
    },
  });
  try {
    program.parse(argv, { from: "user" });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    if (code === 0) return 0;
    if (json) {
      const message = usage.trim().replace(/^error: /, "") || String(e);
      process.stdout.write(
        JSON.stringify({ error: planError("options", new Error(message)).json }, null, 2) + "\n",
      );
    }
    return EXIT.failed;
  }
  const dir = path.resolve(program.args[0] ?? ".");
  const opts = program.opts<
    LabFlags & {
      stack?: string;
      json?: boolean;
      chart?: string;
      preview?: boolean;
      pending?: boolean;
      policyConfig?: string;
      config: string[];
      configSecret: string[];
      configFile?: string;
    }
  >();
  const lab = labOptions(opts);
  if (typeof lab === "string") return fail("options", new Error(lab));
  let config: Record<string, PlanConfigValue>;
  try {
    config = {
      ...(opts.configFile !== undefined ? readConfigFile(opts.configFile) : {}),
      ...parseConfigPairs(opts.config, "--config", false),
      ...parseConfigPairs(opts.configSecret, "--config-secret", true),
    };
  } catch (e) {
    return fail("options", e);
  }
  const secretValues = Object.values(config)
    .filter(isSecretConfig)
    .map((v) => v.value);
  let policyConfig: PolicyConfig | undefined;
  if (opts.policyConfig !== undefined) {
    try {
      policyConfig = parsePolicyConfig(
        fs.readFileSync(opts.policyConfig, "utf8"),
        packPolicies(),
        opts.policyConfig,
      );
    } catch (e) {
      return fail("options", e);
    }
  }

  const chartMissing = opts.chart && missingOptional("kms-plan --chart", CHART_PACKAGES);
  if (chartMissing) {
    process.stderr.write(`kms-plan: ${chartMissing}\n`);
    return EXIT.failed;
  }

  const started = Date.now();
  const progress = setTimeout(() => process.stderr.write(`kms-plan: planning ${dir} …\n`), 1000);
  let result: PlanResult & { lab?: LabReport };
  try {
    if (lab) {
      const { rehearse } = await import("./rehearsal");
      result = await rehearse(dir, lab, { stack: opts.stack, policyConfig, config });
    } else {
      result = await plan(dir, {
        stack: opts.stack,
        config,
        preview: opts.preview,
        clientsPendingAtSetup: opts.pending,
        policyConfig,
      });
    }
  } catch (e) {
    const labDown = e instanceof Error && e.name === "LabStartError";
    return fail(labDown ? "lab" : "program", e, secretValues);
  } finally {
    clearTimeout(progress);
  }
  if (Date.now() - started > 1000) {
    process.stderr.write(
      `kms-plan: planned ${result.resources.length} resources in ${Date.now() - started} ms\n`,
    );
  }
  if (opts.chart) {
    const { renderForecastSvg } = await import("./chart");
    fs.writeFileSync(opts.chart, await renderForecastSvg(result.forecast));
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } else {
    const out = [
      formatTree(result),
      "",
      formatViolations(result),
      "",
      formatForecast(result.forecast),
    ];
    const { hostVmNote } = await import("./plan/hostVms");
    const vmNote = hostVmNote(result);
    if (vmNote) out.push("", vmNote);
    const warnings = result.diagnostics.filter((d) => d.severity !== "info");
    if (warnings.length > 0) {
      out.push("", "Diagnostics:", ...warnings.map((d) => `  ${d.severity}: ${d.message}`));
    }
    if (result.lab) {
      const { formatRehearsal } = await import("./rehearsal");
      out.push("", formatRehearsal(result.lab));
    }
    if (opts.chart) out.push("", `Chart written to ${opts.chart}`);
    process.stdout.write(out.join("\n") + "\n");
  }
  const code = exitCodeOf(result);
  if (code === EXIT.nothingDeclared) process.stderr.write(`kms-plan: ${NOTHING_DECLARED}\n`);
  return code;
}

/**
 * The exit code of a plan or rehearsal that ran: a blocking violation (1) first, then an empty plan (3),
 * a failed rehearsed deployment (4), a client the program points at its host that the host did not
 * activate (5), else 0.
 */
export function exitCodeOf(result: PlanResult & { lab?: LabReport }): number {
  if (result.violations.some(isBlocking)) return EXIT.mandatory;
  if (isEmptyPlan(result)) return EXIT.nothingDeclared;
  if (result.lab && (result.lab.failures.length > 0 || result.lab.deploymentErrors.length > 0)) {
    return EXIT.deploymentFailed;
  }
  if (result.lab && result.lab.clients.some((c) => !c.activated)) return EXIT.notActivated;
  return EXIT.ok;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(
        `kms-plan: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 2;
    },
  );
}
