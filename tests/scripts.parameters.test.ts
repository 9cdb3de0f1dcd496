/** Parameter builders and script loading of components/scripts. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import {
  HOST_KEY_PARAMETER,
  OFFICE_APPLICATION_ID,
  SCRIPT_NAMES,
  SCRIPT_PARAMETERS,
  WINDOWS_APPLICATION_ID,
  clientActivateParameters,
  clientSetupParameters,
  hostSetupParameters,
  loadScript,
  statusParameters,
} from "../components/scripts";
import { KmsConfigError } from "../components/errors";

const HOST_KEY = "TESTK-EYNOT-REALX-XXXXX-3QXKD";

describe("hostSetupParameters", () => {
  test("defaults: the KMS defaults, DNS publishing off", () => {
    expect(hostSetupParameters()).toEqual({
      parameters: {
        Port: "1688",
        ActivationIntervalMinutes: "120",
        RenewalIntervalMinutes: "10080",
        DnsPublishing: "false",
        LowPriority: "false",
        ActivationRetries: "3",
        RetryDelaySeconds: "30",
      },
      secretParameterNames: ["HostKey"],
    });
  });

  test("typical settings, stringified as the param() block expects", () => {
    expect(
      hostSetupParameters({
        port: 1700,
        activationIntervalMinutes: 60,
        renewalIntervalMinutes: 1440,
        dnsPublishing: true,
        lowPriority: true,
        activationRetries: 0,
        retryDelaySeconds: 5,
      }).parameters,
    ).toEqual({
      Port: "1700",
      ActivationIntervalMinutes: "60",
      RenewalIntervalMinutes: "1440",
      DnsPublishing: "true",
      LowPriority: "true",
      ActivationRetries: "0",
      RetryDelaySeconds: "5",
    });
  });

  test("undefined settings keep the defaults", () => {
    expect(hostSetupParameters({ port: undefined, dnsPublishing: undefined }).parameters.Port).toBe(
      "1688",
    );
  });

  test("the host key never appears in parameters, even if passed along by mistake", () => {
    const built = hostSetupParameters({ port: 1688, hostKey: HOST_KEY } as Parameters<
      typeof hostSetupParameters
    >[0]);
    expect(HOST_KEY_PARAMETER).toBe("HostKey");
    expect(Object.keys(built.parameters)).not.toContain(HOST_KEY_PARAMETER);
    expect(JSON.stringify(built.parameters)).not.toContain("3QXKD");
    expect(built.secretParameterNames).toEqual([HOST_KEY_PARAMETER]);
  });

  test.each([
    [
      { port: 70000 },
      "port must be an integer from 1 to 65535 (the KMS default is 1688); received 70000.",
    ],
    [{ port: 0 }, "port must be an integer from 1 to 65535 (the KMS default is 1688); received 0."],
    [
      { port: 1688.5 },
      "port must be an integer from 1 to 65535 (the KMS default is 1688); received 1688.5.",
    ],
    [
      { activationIntervalMinutes: 5 },
      "activationIntervalMinutes must be a whole number of minutes from 15 to 43200 (30 days); received 5.",
    ],
    [
      { renewalIntervalMinutes: 50000 },
      "renewalIntervalMinutes must be a whole number of minutes from 15 to 43200 (30 days); received 50000.",
    ],
    [{ activationRetries: 11 }, "activationRetries must be an integer from 0 to 10; received 11."],
    [
      { retryDelaySeconds: -1 },
      "retryDelaySeconds must be a whole number of seconds from 0 to 600; received -1.",
    ],
    [
      { dnsPublishing: "yes" as unknown as boolean },
      'dnsPublishing must be true or false; received "yes".',
    ],
  ])("%j is refused: %s", (settings, message) => {
    expect(() => hostSetupParameters(settings)).toThrow(KmsConfigError);
    expect(() => hostSetupParameters(settings)).toThrow(message);
  });
});

describe("clientSetupParameters", () => {
  test("defaults: keep the key, DNS discovery, leave intervals, activate Windows; no empty values", () => {
    expect(clientSetupParameters()).toEqual({
      parameters: {
        KmsPort: "0",
        ActivationIntervalMinutes: "0",
        RenewalIntervalMinutes: "0",
        Activate: "true",
        ApplicationId: WINDOWS_APPLICATION_ID,
      },
      secretParameterNames: [],
    });
  });

  test("fixed host with port and a setup key", () => {
    expect(
      clientSetupParameters({
        setupKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
        kmsServer: "kms1.corp.contoso.com",
        kmsPort: 1700,
        activationIntervalMinutes: 60,
        renewalIntervalMinutes: 10080,
      }).parameters,
    ).toEqual({
      SetupKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
      KmsServer: "kms1.corp.contoso.com",
      KmsPort: "1700",
      ActivationIntervalMinutes: "60",
      RenewalIntervalMinutes: "10080",
      Activate: "true",
      ApplicationId: WINDOWS_APPLICATION_ID,
    });
  });

  test.each([
    ["kms1.contoso.com:1700", undefined, "kms1.contoso.com", "1700"],
    ["kms1.contoso.com", undefined, "kms1.contoso.com", "0"],
    ["10.0.1.4:1688", undefined, "10.0.1.4", "1688"],
    ["[fd00::4]:1700", undefined, "[fd00::4]", "1700"],
    ["kms1.contoso.com:1700", 1700, "kms1.contoso.com", "1700"],
  ])(
    "kmsServer %j with kmsPort %j → KmsServer %j, KmsPort %j",
    (kmsServer, kmsPort, host, port) => {
      const p = clientSetupParameters({ kmsServer, kmsPort }).parameters;
      expect([p.KmsServer, p.KmsPort]).toEqual([host, port]);
    },
  );

  test("lookup domain for Office, activation off", () => {
    expect(
      clientSetupParameters({
        lookupDomain: "corp.contoso.com",
        applicationId: OFFICE_APPLICATION_ID,
        activate: false,
      }).parameters,
    ).toEqual({
      KmsPort: "0",
      LookupDomain: "corp.contoso.com",
      ActivationIntervalMinutes: "0",
      RenewalIntervalMinutes: "0",
      Activate: "false",
      ApplicationId: OFFICE_APPLICATION_ID,
    });
  });

  test.each([
    [
      { kmsServer: "kms1", lookupDomain: "corp.contoso.com" },
      'lookupDomain must be unset when kmsServer is set ("kms1"): a fixed host overrides the lookup domain; received "corp.contoso.com".',
    ],
    [
      { kmsServer: "kms1:1700", kmsPort: 1688 },
      "kmsPort must be the port given in kmsServer (1700) or left unset; received 1688.",
    ],
    [
      { kmsServer: "kms1", kmsPort: 70000 },
      "kmsPort must be an integer from 1 to 65535 (the KMS default is 1688); received 70000.",
    ],
    [
      { activationIntervalMinutes: 10 },
      "activationIntervalMinutes must be a whole number of minutes from 15 to 43200 (30 days); received 10.",
    ],
  ])("%j is refused", (settings, message) => {
    expect(() => clientSetupParameters(settings)).toThrow(KmsConfigError);
    expect(() => clientSetupParameters(settings)).toThrow(message);
  });
});

describe("statusParameters", () => {
  test.each([
    ["host", undefined, { Role: "host", ApplicationId: WINDOWS_APPLICATION_ID }],
    ["client", undefined, { Role: "client", ApplicationId: WINDOWS_APPLICATION_ID }],
    ["client", OFFICE_APPLICATION_ID, { Role: "client", ApplicationId: OFFICE_APPLICATION_ID }],
  ] as const)("%s %s", (role, applicationId, parameters) => {
    expect(statusParameters(role, applicationId)).toEqual({ parameters, secretParameterNames: [] });
  });

  test("an unknown role is refused", () => {
    expect(() => statusParameters("server" as "host")).toThrow(
      'role must be "host" or "client"; received "server".',
    );
  });
});

describe("clientActivateParameters", () => {
  test("carries the application and a digest of the setup parameters, never their values", () => {
    const setup = {
      SetupKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
      KmsServer: "kms01",
    };
    const built = clientActivateParameters(OFFICE_APPLICATION_ID, setup);
    expect(Object.keys(built.parameters)).toEqual(["ApplicationId", "SetupDigest"]);
    expect(built.parameters.ApplicationId).toBe(OFFICE_APPLICATION_ID);
    expect(built.parameters.SetupDigest).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(built)).not.toContain("WX4NM");
  });

  test("the digest is deterministic, ignores key order, and changes with the setup", () => {
    const a = clientActivateParameters(WINDOWS_APPLICATION_ID, {
      KmsServer: "kms01",
      SetupKey: "K",
    });
    const b = clientActivateParameters(WINDOWS_APPLICATION_ID, {
      SetupKey: "K",
      KmsServer: "kms01",
    });
    const c = clientActivateParameters(WINDOWS_APPLICATION_ID, {
      SetupKey: "K",
      KmsServer: "kms02",
    });
    expect(a).toEqual(b);
    expect(c.parameters.SetupDigest).not.toBe(a.parameters.SetupDigest);
  });
});

test("every built parameter is in the script's param() block; only the secret and empty ones are left out", () => {
  const built = {
    "host-setup": hostSetupParameters(),
    "client-setup": clientSetupParameters(),
    "client-activate": clientActivateParameters(WINDOWS_APPLICATION_ID, { SetupKey: "X" }),
    status: statusParameters("host"),
  };
  for (const name of SCRIPT_NAMES) {
    const { parameters, secretParameterNames } = built[name];
    const names = [...Object.keys(parameters), ...secretParameterNames];
    expect(names.filter((n) => !SCRIPT_PARAMETERS[name].includes(n))).toEqual([]);
    // Left out when empty (the script defaults to ''); status.ps1's Clients is set by the barrier;
    // host-setup.ps1's Office parameters are only in an Office run (officeHostSetupParameters).
    const optional = {
      "host-setup": ["OfficeVersion", "VolumeLicensePack"],
      "client-setup": ["SetupKey", "KmsServer", "LookupDomain"],
      "client-activate": [],
      status: ["Clients"],
    }[name] as string[];
    expect(
      SCRIPT_PARAMETERS[name].filter((n) => !names.includes(n) && !optional.includes(n)),
    ).toEqual([]);
  }
});

describe("loadScript", () => {
  test("returns the .ps1 text, cached", () => {
    const text = loadScript("host-setup");
    expect(text).toBe(
      fs.readFileSync(
        path.join(__dirname, "..", "components", "scripts", "host-setup.ps1"),
        "utf8",
      ),
    );
    expect(loadScript("host-setup")).toBe(text);
  });

  test("an unknown script name is refused", () => {
    expect(() => loadScript("setup" as "status")).toThrow(
      'Unknown script "setup"; expected one of host-setup, client-setup, client-activate, status.',
    );
  });

  /** A compiled copy of the module in <tmp>/bin/components/scripts, as `npm run build` lays it out. */
  function compiledCopy(withScriptsInBin: boolean): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kms-scripts-"));
    const src = path.join(__dirname, "..", "components");
    const files = [
      "scripts/index.ts",
      "catalog/activation.ts",
      "catalog/errorCodes.ts",
      "errors.ts",
    ];
    for (const f of files) {
      const out = ts.transpileModule(fs.readFileSync(path.join(src, f), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const dest = path.join(root, "bin", "components", f.replace(/\.ts$/, ".js"));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, out);
    }
    const ps1Dir = withScriptsInBin
      ? path.join(root, "bin", "components", "scripts")
      : path.join(root, "components", "scripts");
    fs.mkdirSync(ps1Dir, { recursive: true });
    for (const name of SCRIPT_NAMES) {
      fs.writeFileSync(
        path.join(ps1Dir, `${name}.ps1`),
        `# ${withScriptsInBin ? "bin" : "source"} copy of ${name}\n`,
      );
    }
    return root;
  }

  test.each([
    [true, "bin"],
    [false, "source"],
  ])(
    "from a compiled copy (scripts copied into bin: %s) it reads the %s copy",
    (withScriptsInBin, where) => {
      const root = compiledCopy(withScriptsInBin);
      try {
        const compiled = require(
          path.join(root, "bin", "components", "scripts", "index.js"),
        ) as typeof import("../components/scripts");
        expect(compiled.loadScript("status")).toBe(`# ${where} copy of status\n`);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  );
});
