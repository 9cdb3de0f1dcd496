/**
 * The multi-language plugin as the Pulumi CLI starts it: a clean git checkout of this
 * repository without bin/, its dependencies in place (here a link to this checkout's node_modules, as
 * `npm install --ignore-scripts` would leave them; the language host's own `npm install` also runs
 * `prepare`, which builds bin/, the easier case that the package tests cover), started with the SDK's
 * real runner, `node node_modules/@pulumi/pulumi/cmd/run-plugin <checkout>`, exactly as the Node.js
 * language host runs it (PulumiPlugin.yaml's `main` and `nodeargs` play no part there). The test speaks
 * gRPC to it with the SDK's own proto definitions: GetSchema, then Construct against a small fake
 * ResourceMonitor (what the engine serves to a provider), and checks what comes back.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { encodeParameterValue } from "../components/scripts";
import { specialResourceSig, specialSigKey } from "@pulumi/pulumi/runtime";

const ROOT = path.resolve(__dirname, "..");
const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [ROOT] }));
const grpc = require(
  require.resolve("@grpc/grpc-js", { paths: [PULUMI] }),
) as typeof import("@grpc/grpc-js");
const providerRpc = require(path.join(PULUMI, "proto", "provider_grpc_pb.js"));
const providerPb = require(path.join(PULUMI, "proto", "provider_pb.js"));
const resourceRpc = require(path.join(PULUMI, "proto", "resource_grpc_pb.js"));
const resourcePb = require(path.join(PULUMI, "proto", "resource_pb.js"));
const engineRpc = require(path.join(PULUMI, "proto", "engine_grpc_pb.js"));
const enginePb = require(path.join(PULUMI, "proto", "engine_pb.js"));
const structPb = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb.js", { paths: [PULUMI] }),
);
const emptyPb = require(
  require.resolve("google-protobuf/google/protobuf/empty_pb.js", { paths: [PULUMI] }),
);

type Unary = (req: unknown, cb: (err: Error | null, res?: unknown) => void) => void;

interface Registered {
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  /** URNs the registration depends on (dependsOn and every input's dependencies). */
  dependencies: string[];
}

let tmp: string;
let checkout: string;
let plugin: ChildProcess;
let pluginPort: number;
let pluginStderr = "";
let client: Record<string, Unary> & { close(): void };
let monitor: import("@grpc/grpc-js").Server;
let monitorPort: number;
const registered: Registered[] = [];
const registeredOutputs = new Map<string, Record<string, unknown>>();
const engineLog: string[] = [];

/**
 * The fake engine side, on one port: the Engine service (logs; its address is the plugin's argument) and
 * the ResourceMonitor a provider's Construct registers its children with.
 */
function startEngine(): Promise<number> {
  monitor = new grpc.Server();
  const reply = (Res: new () => unknown) => (_c: unknown, cb: (e: null, r: unknown) => void) =>
    cb(null, new Res());
  monitor.addService(engineRpc.EngineService, {
    log: (call: { request: { getMessage(): string } }, cb: (e: null, r: unknown) => void) => {
      engineLog.push(call.request.getMessage());
      cb(null, new emptyPb.Empty());
    },
    getRootResource: reply(enginePb.GetRootResourceResponse),
    setRootResource: reply(enginePb.SetRootResourceResponse),
  });
  const urnOf = (type: string, name: string) => `urn:pulumi:dev::kms-yaml::${type}::${name}`;
  monitor.addService(resourceRpc.ResourceMonitorService, {
    supportsFeature: (
      call: { request: { getId(): string } },
      cb: (e: null, r: unknown) => void,
    ) => {
      const res = new resourcePb.SupportsFeatureResponse();
      res.setHassupport(["secrets", "resourceReferences"].includes(call.request.getId()));
      cb(null, res);
    },
    registerResource: (
      call: { request: InstanceType<typeof resourcePb.RegisterResourceRequest> },
      cb: (e: null, r: unknown) => void,
    ) => {
      const req = call.request;
      const inputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
      registered.push({
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent(),
        custom: req.getCustom(),
        inputs,
        dependencies: req.getDependenciesList(),
      });
      const res = new resourcePb.RegisterResourceResponse();
      res.setUrn(urnOf(req.getType(), req.getName()));
      if (req.getCustom()) res.setId(`${req.getName()}-id`);
      // A real provider would return its state: here, the inputs, and for a remote command the result
      // line its script prints (see scriptOutput).
      const stdout = req.getType() === "command:remote:Command" ? scriptOutput(req.getName()) : "";
      res.setObject(structPb.Struct.fromJavaScript(stdout ? { ...inputs, stdout } : inputs));
      cb(null, res);
    },
    registerResourceOutputs: (
      call: {
        request: {
          getUrn(): string;
          getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
        };
      },
      cb: (e: null, r: unknown) => void,
    ) => {
      registeredOutputs.set(call.request.getUrn(), call.request.getOutputs()?.toJavaScript() ?? {});
      cb(null, new emptyPb.Empty());
    },
  });
  return new Promise((resolve, reject) =>
    monitor.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );
}

const HOST_KEY = "BBBBB-CCCCC-DDDDD-FFFFF-KHMXV"; // well-formed, not a published setup key
/** A resource reference as the engine sends it to a provider, with the SDK's own signatures. */
const resourceRef = (urn: string) => ({
  [specialSigKey]: specialResourceSig,
  urn,
  packageVersion: "",
});

interface Constructed {
  getUrn(): string;
  getState(): { toJavaScript(): Record<string, unknown> };
}

/**
 * One Construct call as the engine makes it for a program's `new kms.<Class>(name, inputs)`, in a
 * preview: `dependencies` are the input property dependencies the engine sends with each input.
 */
function construct(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  dependencies: Record<string, string[]> = {},
  dryRun = true,
): Promise<Constructed> {
  const req = new providerPb.ConstructRequest();
  req.setProject("kms-yaml");
  req.setStack("dev");
  req.setDryrun(dryRun);
  req.setParallel(1);
  req.setMonitorendpoint(`127.0.0.1:${monitorPort}`);
  req.setType(type);
  req.setName(name);
  req.setAcceptsOutputValues(false);
  req.setInputs(structPb.Struct.fromJavaScript(inputs));
  const deps = req.getInputdependenciesMap();
  for (const [key, urns] of Object.entries(dependencies)) {
    const d = new providerPb.ConstructRequest.PropertyDependencies();
    d.setUrnsList(urns);
    deps.set(key, d);
  }
  return rpc<Constructed>("construct", req);
}

const one = (type: string, name: string): Registered => {
  const found = registered.filter((r) => r.type === type && r.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};

/**
 * What each script prints on a fake machine: hosts (`kms*`) are activated KMS hosts whose count reads 5
 * after their clients; a client's setup ends pending (0xC004F038, the count was still below the
 * threshold) and its barrier re-activation succeeds.
 */
function scriptOutput(stepName: string): string {
  const client = stepName.replace(/-(setup|activate)$/, "");
  const line = (r: Record<string, unknown>) => `log line\n${JSON.stringify({ ok: true, ...r })}\n`;
  if (/^kms\d*-setup$/.test(stepName)) {
    return line({
      script: "host-setup",
      isKmsHost: true,
      licenseStatus: "Licensed",
      currentCount: 0,
    });
  }
  if (/^kms\d*-count$/.test(stepName)) {
    return line({ script: "status", role: "host", isKmsHost: true, currentCount: 5 });
  }
  if (stepName.endsWith("-setup")) {
    return line({
      script: "client-setup",
      activated: false,
      pending: true,
      pendingReason: "0xC004F038",
      licenseStatus: "Licensed",
      cmid: `cmid-${client}`,
    });
  }
  if (stepName.endsWith("-activate")) {
    return line({
      script: "client-activate",
      activated: true,
      pending: false,
      licenseStatus: "Licensed",
      cmid: `cmid-${client}`,
    });
  }
  return "";
}

function rpc<T>(method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](req, (err, res) =>
      err ? reject(new Error(`${err.message}\n${pluginStderr}`)) : resolve(res as T),
    ),
  );
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-plugin-"));
  checkout = path.join(tmp, "pulumi-kms-activation");
  // What `pulumi package add <git url>` downloads: the repository's tree at a commit, no bin/.
  execFileSync("git", ["clone", "--quiet", "--no-local", ROOT, checkout], { stdio: "ignore" });
  expect(fs.existsSync(path.join(checkout, "bin"))).toBe(false);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(checkout, "node_modules"), "dir");
  const project = path.join(tmp, "program"); // the user's program directory: the runner's working directory
  fs.mkdirSync(project);

  monitorPort = await startEngine();
  plugin = spawn(
    process.execPath,
    [
      path.join(checkout, "node_modules", "@pulumi", "pulumi", "cmd", "run-plugin"),
      checkout,
      `127.0.0.1:${monitorPort}`,
    ],
    {
      cwd: project,
      env: { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  plugin.stderr!.on("data", (d) => (pluginStderr += String(d)));
  pluginPort = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`the plugin printed no port in 60 s\n${out}\n${pluginStderr}`)),
      60_000,
    );
    plugin.stdout!.on("data", (d) => {
      out += String(d);
      const line = out.split("\n")[0];
      if (out.includes("\n")) {
        clearTimeout(timer);
        if (/^\d+$/.test(line.trim())) resolve(Number(line.trim()));
        else
          reject(
            new Error(
              `the plugin's first line is not a port: ${JSON.stringify(out)}\n${pluginStderr}`,
            ),
          );
      }
    });
    plugin.on("exit", (code) =>
      reject(new Error(`the plugin exited (${code})\n${out}\n${pluginStderr}`)),
    );
  });
  client = new providerRpc.ResourceProviderClient(
    `127.0.0.1:${pluginPort}`,
    grpc.credentials.createInsecure(),
  );
}, 120_000);

afterAll(async () => {
  client?.close();
  plugin?.kill();
  await new Promise<void>((r) => (monitor ? monitor.tryShutdown(() => r()) : r()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("the plugin from a clean checkout, started by the SDK's run-plugin", () => {
  test("prints one port and stays up: one provider, no second host for the npm package", () => {
    expect(pluginPort).toBeGreaterThan(0);
    expect(plugin.exitCode).toBeNull();
  });

  test("GetSchema: package kms with the four component tokens", async () => {
    const req = new providerPb.GetSchemaRequest();
    const res = await rpc<{ getSchema(): string }>("getSchema", req);
    const schema = JSON.parse(res.getSchema()) as {
      name: string;
      resources: Record<
        string,
        {
          isComponent: boolean;
          requiredInputs?: string[];
          inputProperties?: Record<string, unknown>;
        }
      >;
    };
    expect(schema.name).toBe("kms");
    expect(Object.keys(schema.resources).sort()).toEqual([
      "kms:index:KmsClient",
      "kms:index:KmsHost",
      "kms:index:KmsSrvRecord",
      "kms:index:KmsThresholdBarrier",
    ]);
    // The explicit threshold barrier of other languages: the host and the clients that join it.
    const barrier = schema.resources["kms:index:KmsThresholdBarrier"];
    expect(barrier.requiredInputs?.sort()).toEqual(["clients", "host"]);
    expect(barrier.inputProperties?.host).toMatchObject({ $ref: "#/resources/kms:index:KmsHost" });
    expect(barrier.inputProperties?.clients).toMatchObject({
      type: "array",
      items: { $ref: "#/resources/kms:index:KmsClient" },
    });
    // Other languages give KmsClient `host` as a resource reference to a KmsHost of the same package.
    expect(schema.resources["kms:index:KmsClient"].inputProperties?.host).toEqual({
      $ref: "#/resources/kms:index:KmsHost",
      description: expect.stringContaining("A KmsHost in the same program"),
    });
    expect(schema.resources["kms:index:KmsSrvRecord"].requiredInputs?.sort()).toEqual([
      "hosts",
      "resourceGroupName",
      "zoneName",
    ]);
  }, 60_000);

  test("Construct KmsSrvRecord: registers the component and its SRV record set, returns its outputs", async () => {
    const req = new providerPb.ConstructRequest();
    req.setProject("kms-yaml");
    req.setStack("dev");
    req.setDryrun(false);
    req.setParallel(1);
    req.setMonitorendpoint(`127.0.0.1:${monitorPort}`);
    req.setType("kms:index:KmsSrvRecord");
    req.setName("kms-srv");
    req.setAcceptsOutputValues(false);
    req.setInputs(
      structPb.Struct.fromJavaScript({
        zoneName: "corp.example.com",
        resourceGroupName: "dns-rg",
        hosts: [{ target: "kms01.corp.example.com", port: 1688 }],
      }),
    );
    const res = await rpc<{
      getUrn(): string;
      getState(): { toJavaScript(): Record<string, unknown> };
    }>("construct", req);
    expect(res.getUrn()).toBe("urn:pulumi:dev::kms-yaml::kms:index:KmsSrvRecord::kms-srv");
    const state = res.getState().toJavaScript();
    expect(state.fqdn).toBe("_vlmcs._tcp.corp.example.com");
    expect(state.recordSetName).toBe("_vlmcs._tcp");
    expect(registered.map((r) => [r.type, r.name, r.custom])).toEqual([
      ["kms:index:KmsSrvRecord", "kms-srv", false],
      ["azure-native:dns:RecordSet", "kms-srv", true],
    ]);
    const record = registered[1];
    expect(record.parent).toBe(res.getUrn());
    expect(record.inputs).toMatchObject({
      zoneName: "corp.example.com",
      resourceGroupName: "dns-rg",
      recordType: "SRV",
      relativeRecordSetName: "_vlmcs._tcp",
      srvRecords: [{ target: "kms01.corp.example.com", port: 1688, priority: 0, weight: 0 }],
    });
  }, 60_000);

  test("Construct KmsHost, then KmsClient with host as a resource reference: the client uses that host's kmsServer, after its setup, and is attributed to it", async () => {
    const host = await construct("kms:index:KmsHost", "kms", {
      hostKey: HOST_KEY,
      ssh: { host: "kms01.corp.example.com", user: "kmsadmin", password: "pw-1" },
    });
    const hostUrn = host.getUrn();
    expect(hostUrn).toBe("urn:pulumi:dev::kms-yaml::kms:index:KmsHost::kms");
    const client = await construct(
      "kms:index:KmsClient",
      "app-01",
      {
        ssh: { host: "10.0.0.21", user: "admin", password: "pw-2" },
        product: "Windows Server 2022 Datacenter",
        host: resourceRef(hostUrn),
      },
      { host: [hostUrn] },
    );
    expect(client.getUrn()).toBe("urn:pulumi:dev::kms-yaml::kms:index:KmsClient::app-01");
    const summary = one("kms:index:KmsClient", "app-01").inputs.summary as Record<string, unknown>;
    expect(summary).toMatchObject({ name: "app-01", hostName: "kms" });
    const setup = one("command:remote:Command", "app-01-setup");
    // The client's setup waits for the host's setup, and is pointed at the host (slmgr /skms).
    expect(setup.dependencies).toContain(
      "urn:pulumi:dev::kms-yaml::command:remote:Command::kms-setup",
    );
    expect(JSON.stringify(setup.inputs.stdin)).toContain("kms01.corp.example.com");
  }, 60_000);

  test("KmsClient with host referring to a KmsHost this plugin process did not construct: a KmsConfigError naming host", async () => {
    const urn = "urn:pulumi:dev::kms-yaml::kms:index:KmsHost::elsewhere";
    await expect(
      construct(
        "kms:index:KmsClient",
        "app-02",
        {
          ssh: { host: "10.0.0.22", user: "admin", password: "pw-2" },
          product: "Windows Server 2022 Datacenter",
          host: resourceRef(urn),
        },
        { host: [urn] },
      ),
    ).rejects.toThrow(/KmsClient "app-02": host must be .*KmsHost.*; received .*elsewhere/);
    expect(registered.filter((r) => r.name.startsWith("app-02"))).toEqual([]);
  }, 60_000);

  test("KmsThresholdBarrier: clients given host, each in its own Construct, join the barrier it lists; the count step and the re-activation steps are those of TypeScript", async () => {
    const urn = (type: string, name: string) => `urn:pulumi:dev::kms-yaml::${type}::${name}`;
    const host = await construct("kms:index:KmsHost", "kms2", {
      hostKey: HOST_KEY,
      ssh: { host: "kms02.corp.example.com", user: "kmsadmin", password: "pw-1" },
    });
    const hostRef = { host: resourceRef(host.getUrn()) };
    const clients: string[] = [];
    for (const [name, ip] of [
      ["b-01", "10.0.1.1"],
      ["b-02", "10.0.1.2"],
    ]) {
      const c = await construct(
        "kms:index:KmsClient",
        name,
        {
          ssh: { host: ip, user: "admin", password: "pw-2" },
          product: "Windows Server 2022 Datacenter",
          ...hostRef,
        },
        { host: [host.getUrn()] },
      );
      clients.push(c.getUrn());
    }
    // Nothing of the barrier exists until the barrier component lists the clients.
    expect(
      registered.filter((r) => r.name === "kms2-count" || r.name.endsWith("-activate")),
    ).toEqual([]);
    const barrier = await construct(
      "kms:index:KmsThresholdBarrier",
      "kms2-barrier",
      { ...hostRef, clients: [...clients].reverse().map(resourceRef) },
      { host: [host.getUrn()], clients: [...clients].reverse() },
    );
    expect(barrier.getUrn()).toBe(urn("kms:index:KmsThresholdBarrier", "kms2-barrier"));
    const count = one("command:remote:Command", "kms2-count");
    expect(count.parent).toBe(host.getUrn());
    expect(count.dependencies).toEqual(
      expect.arrayContaining(
        ["kms2-setup", "b-01-setup", "b-02-setup"].map((n) => urn("command:remote:Command", n)),
      ),
    );
    // The client list in code-point order, whatever order the program listed them in.
    expect(JSON.stringify(count.inputs.stdin)).toContain(encodeParameterValue("b-01,b-02"));
    for (const [i, name] of ["b-01", "b-02"].entries()) {
      const activate = one("command:remote:Command", `${name}-activate`);
      expect(activate.parent).toBe(clients[i]);
      expect(activate.dependencies).toContain(urn("command:remote:Command", "kms2-count"));
    }
    expect(Object.keys(barrier.getState().toJavaScript()).sort()).toEqual([
      "activationReport",
      "clientStatuses",
    ]);
  }, 60_000);

  test("KmsThresholdBarrier listing a client of another host: a KmsConfigError naming clients[0], nothing registered", async () => {
    const other = await construct("kms:index:KmsHost", "kms3", {
      hostKey: HOST_KEY,
      ssh: { host: "kms03.corp.example.com", user: "kmsadmin", password: "pw-1" },
    });
    const clientUrn = "urn:pulumi:dev::kms-yaml::kms:index:KmsClient::b-01";
    await expect(
      construct(
        "kms:index:KmsThresholdBarrier",
        "kms3-barrier",
        { host: resourceRef(other.getUrn()), clients: [resourceRef(clientUrn)] },
        { host: [other.getUrn()], clients: [clientUrn] },
      ),
    ).rejects.toThrow(
      /KmsThresholdBarrier "kms3-barrier": clients\[0\] must be .*; received KmsClient "b-01"/,
    );
    expect(registered.filter((r) => r.name.startsWith("kms3-") && r.name !== "kms3-setup")).toEqual(
      [],
    );
  }, 60_000);

  test("KmsThresholdBarrier in `pulumi up`: clients whose setup ended pending are activated by the barrier; its report and the clients' final statuses come back", async () => {
    const up = true;
    const host = await construct(
      "kms:index:KmsHost",
      "kms4",
      {
        hostKey: HOST_KEY,
        ssh: { host: "kms04.corp.example.com", user: "kmsadmin", password: "pw" },
      },
      {},
      !up,
    );
    const clients: Constructed[] = [];
    for (const [name, ip] of [
      ["c-01", "10.0.2.1"],
      ["c-02", "10.0.2.2"],
    ]) {
      clients.push(
        await construct(
          "kms:index:KmsClient",
          name,
          {
            ssh: { host: ip, user: "admin", password: "pw" },
            product: "Windows Server 2022 Datacenter",
            host: resourceRef(host.getUrn()),
          },
          { host: [host.getUrn()] },
          !up,
        ),
      );
    }
    // Each client's own status is its setup's: pending, the count was below the threshold then.
    for (const c of clients) {
      expect(c.getState().toJavaScript().status).toMatchObject({ activated: false, pending: true });
    }
    const barrier = await construct(
      "kms:index:KmsThresholdBarrier",
      "kms4-barrier",
      {
        host: resourceRef(host.getUrn()),
        clients: clients.map((c) => resourceRef(c.getUrn())),
      },
      { host: [host.getUrn()], clients: clients.map((c) => c.getUrn()) },
      !up,
    );
    const state = barrier.getState().toJavaScript();
    expect(state.activationReport).toEqual({
      clients: 2,
      distinctMachines: 2,
      currentCount: 5,
      activated: 2,
      pending: 0,
      duplicateCmids: [],
      warnings: [],
    });
    expect(state.clientStatuses).toEqual([
      expect.objectContaining({ activated: true, pending: false, cmid: "cmid-c-01" }),
      expect.objectContaining({ activated: true, pending: false, cmid: "cmid-c-02" }),
    ]);
  }, 60_000);

  test("a URN constructed twice in one process (a preview, then the update, if the engine kept the plugin): the reference resolves to the latest", async () => {
    for (const fqdn of ["kms05a.corp.example.com", "kms05b.corp.example.com"]) {
      await construct("kms:index:KmsHost", "kms5", {
        hostKey: HOST_KEY,
        ssh: { host: fqdn, user: "kmsadmin", password: "pw" },
      });
    }
    const hostUrn = "urn:pulumi:dev::kms-yaml::kms:index:KmsHost::kms5";
    await construct(
      "kms:index:KmsClient",
      "f-01",
      {
        ssh: { host: "10.0.5.1", user: "admin", password: "pw" },
        product: "Windows Server 2022 Datacenter",
        host: resourceRef(hostUrn),
      },
      { host: [hostUrn] },
    );
    const stdin = JSON.stringify(one("command:remote:Command", "f-01-setup").inputs.stdin);
    expect(stdin).toContain("kms05b.corp.example.com");
    expect(stdin).not.toContain("kms05a.corp.example.com");
  }, 60_000);
});
