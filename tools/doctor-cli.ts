#!/usr/bin/env node
/**
 * `kms-doctor`: checks KMS host discovery the way a Windows client does it.
 * Exit codes: 0 a client would find a reachable host, 1 it would not, 2 usage error.
 * From source: `npx ts-node -T tools/doctor-cli.ts --domain corp.contoso.com`.
 */
import { Command, CommanderError, Option } from "commander";
import { KmsConfigError } from "pulumi-kms-activation-catalog";
import {
  DEFAULT_TIMEOUT_MS,
  diagnose,
  exitCodeFor,
  formatReport,
  parseTimeoutMs,
  readStackOutputs,
} from "./doctor";
import { toolVersion } from "./version";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

const collect = (value: string, previous: string[]) => [...previous, value];

/** Runs the doctor with `argv` (without node and script) and returns the process exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const program = new Command("kms-doctor")
    .description(
      "Check KMS host discovery as a Windows client does it: _vlmcs._tcp SRV lookup in each domain, " +
        "RFC 2782 order, A/AAAA resolution and a TCP connection to each host (or a fixed host, like slmgr /skms).",
    )
    .addOption(
      new Option(
        "-d, --domain <domain>",
        "DNS domain to search, repeat in the client's suffix order",
      )
        .default([])
        .argParser(collect),
    )
    .addOption(
      new Option(
        "--dns-server <ip[:port]>",
        "DNS server to ask (default: the system's); repeat for several, asked in order with failover",
      )
        .default([])
        .argParser(collect),
    )
    .option(
      "--host <name[:port]>",
      "check this fixed host instead of DNS discovery (like slmgr /skms)",
    )
    .option(
      "--timeout <ms>",
      "bound for each DNS query (shared by the DNS servers) and each TCP connection",
      String(DEFAULT_TIMEOUT_MS),
    )
    .option("--json", "print one JSON document instead of text")
    .option(
      "--stack-outputs <file>",
      "`pulumi stack output --json` of the reference stack: check its SRV record, host and port",
    )
    .version(toolVersion(), "-V, --version", "print the kms-doctor version")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  try {
    program.parse(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 2;
    }
    throw e;
  }

  const opts = program.opts<{
    domain: string[];
    dnsServer: string[];
    host?: string;
    timeout: string;
    json?: boolean;
    stackOutputs?: string;
  }>();

  try {
    if (opts.host !== undefined && opts.domain.length > 0) {
      throw new KmsConfigError(
        "--host",
        JSON.stringify(opts.host),
        "used without --domain (a fixed host disables DNS discovery)",
        "kms-doctor",
      );
    }
    const report = await diagnose({
      domains: opts.domain,
      dnsServers: opts.dnsServer,
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      timeoutMs: parseTimeoutMs(opts.timeout),
      ...(opts.stackOutputs !== undefined
        ? { stackOutputs: readStackOutputs(opts.stackOutputs) }
        : {}),
    });
    io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return exitCodeFor(report);
  } catch (e) {
    if (e instanceof KmsConfigError) {
      io.err(`error: ${e.message}\n(run kms-doctor --help for usage)\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `kms-doctor: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 2;
    },
  );
}
