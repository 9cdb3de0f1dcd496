/**
 * The policy pack stands alone: `pulumi policy publish` uploads `policy/` by itself, so nothing in it may
 * import from outside it. The library parts it reads (the catalog, the summaries the components
 * register) come from the Pulumi-free package `pulumi-kms-activation-catalog`, declared by version in
 * `policy/package.json` like any dependency (in this repository, npm links the `catalog/` workspace).
 * Then a copy of `policy/` alone, in a temporary directory, is started with the SDK's real runner
 * (`@pulumi/pulumi/cmd/run-policy-pack`, as the CLI's `pulumi-analyzer-policy` starts it: it prints its
 * port, then serves the Analyzer gRPC service) and spoken to over gRPC with the SDK's own proto
 * definitions. No PolicyPack is constructed in this process.
 */
import { type ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { filesUnder } from "./helpers/files";

const ROOT = path.resolve(__dirname, "..");
const POLICY = path.join(ROOT, "policy");
const CATALOG = "pulumi-kms-activation-catalog";

describe("policy/ has no import from outside it", () => {
  test("no copy of library files: policy/lib is gone", () => {
    expect(fs.existsSync(path.join(POLICY, "lib"))).toBe(false);
  });

  test("every relative import of a policy/ file resolves inside policy/", () => {
    const outside: string[] = [];
    for (const file of filesUnder(POLICY).filter((f) => f.endsWith(".ts"))) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from|import|require\()\s*["'](\.[^"']+)["']/g)) {
        const target = path.resolve(path.dirname(file), m[1]);
        if (!target.startsWith(POLICY + path.sep)) {
          outside.push(`${path.relative(ROOT, file)} → ${m[1]}`);
        }
      }
    }
    expect(outside).toEqual([]);
  });

  test("policy/package.json names what the pack needs to run, the catalog by the version it has", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(POLICY, "package.json"), "utf8")) as {
      version?: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const catalog = JSON.parse(
      fs.readFileSync(path.join(ROOT, "catalog", "package.json"), "utf8"),
    ) as { name: string; version: string; dependencies?: Record<string, string> };
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual([
      "@pulumi/policy",
      "@pulumi/pulumi",
      CATALOG,
    ]);
    expect(catalog.name).toBe(CATALOG);
    expect(pkg.dependencies![CATALOG]).toBe(catalog.version);
    // Pulumi-free, and free of everything else.
    expect(catalog.dependencies ?? {}).toEqual({});
    // The runner compiles the pack with ts-node and typescript, type-checking it (@types/node for node:net).
    expect(Object.keys(pkg.devDependencies ?? {}).sort()).toEqual([
      "@types/node",
      "ts-node",
      "typescript",
    ]);
  });
});

describe("a copy of policy/ alone, started with the SDK's run-policy-pack", () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let port: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;
  const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const services = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
  const messages = require("@pulumi/pulumi/proto/analyzer_pb");
  const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
  const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-guard-standalone-"));
    const pack = path.join(dir, "kms-guard");
    fs.cpSync(POLICY, pack, { recursive: true, filter: (src) => !src.includes("node_modules") });
    // The pack's own dependencies (policy/package.json); the repository's node_modules holds them.
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pack, "node_modules"), "dir");
    child = spawn(
      process.execPath,
      [path.join(pack, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."],
      { cwd: pack, stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    child.stderr!.on("data", (d) => (err += String(d)));
    port = await new Promise<number>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(
        () => reject(new Error(`no port within 120 s; stderr: ${err}`)),
        120_000,
      );
      child!.stdout!.on("data", (d) => {
        out += String(d);
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child!.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`run-policy-pack exited with ${code}: ${err}`));
      });
    });
    client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }, 150_000);

  afterAll(() => {
    client?.close();
    if (child?.pid !== undefined && child.exitCode === null) child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = <T>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](req, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))),
    );

  test("GetAnalyzerInfo: kms-guard with its six policies", async () => {
    const info = await call<{
      getName(): string;
      getPoliciesList(): { getName(): string }[];
    }>("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("kms-guard");
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual([
      "enforce-activation-threshold",
      "require-compatible-host-key",
      "disallow-internet-kms-port",
      "require-srv-record-for-discovery",
      "enforce-interval-range",
      "disallow-azure-edition-host",
    ]);
  });

  test("Analyze: an NSG rule whose prefixes together cover IPv4 gets a mandatory violation", async () => {
    const req = new messages.AnalyzeRequest();
    req.setType("azure-native:network:NetworkSecurityGroup");
    req.setName("legacy-nsg");
    req.setUrn("urn:pulumi:dev::p::azure-native:network:NetworkSecurityGroup::legacy-nsg");
    req.setOptions(new messages.AnalyzerResourceOptions());
    req.setProperties(
      Struct.fromJavaScript({
        securityRules: [
          {
            name: "kms",
            access: "Allow",
            direction: "Inbound",
            protocol: "Tcp",
            sourceAddressPrefixes: ["0.0.0.0/1", "128.0.0.0/1"],
            destinationPortRange: "1688",
          },
        ],
      }),
    );
    const resp = await call<{
      getDiagnosticsList(): {
        getPolicyname(): string;
        getMessage(): string;
        getEnforcementlevel(): number;
      }[];
    }>("analyze", req);
    const diags = resp.getDiagnosticsList();
    expect(diags.map((d) => d.getPolicyname())).toEqual(["disallow-internet-kms-port"]);
    expect(diags[0].getMessage()).toContain("which together cover all of IPv4");
    // pulumirpc.EnforcementLevel: ADVISORY = 0, MANDATORY = 1.
    expect(diags[0].getEnforcementlevel()).toBe(1);
  });

  test("Analyze: a KmsHost summary (the library's types, read from the catalog package) with a private range passes", async () => {
    const req = new messages.AnalyzeRequest();
    req.setType("kms:index:KmsHost");
    req.setName("kms");
    req.setUrn("urn:pulumi:dev::p::kms:index:KmsHost::kms");
    req.setOptions(new messages.AnalyzerResourceOptions());
    req.setProperties(
      Struct.fromJavaScript({
        summary: {
          name: "kms",
          createsVm: true,
          windowsServerVersion: "2022",
          activationIntervalMinutes: 120,
          renewalIntervalMinutes: 10080,
          clientAddressPrefixes: ["10.0.0.0/16"],
        },
      }),
    );
    const resp = await call<{ getDiagnosticsList(): unknown[] }>("analyze", req);
    expect(resp.getDiagnosticsList()).toEqual([]);
  });
});
