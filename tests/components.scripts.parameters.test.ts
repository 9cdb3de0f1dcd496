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
  assembleScript,
  clientActivateParameters,
  clientRearmParameters,
  clientSetupParameters,
  encodeParameterValue,
  hostSetupParameters,
  includedFiles,
  loadScript,
  loadScriptFrom,
  officeHostSetupParameters,
  scriptPath,
  statusParameters,
} from "../components/scripts";
import { KmsConfigError } from "pulumi-kms-activation-catalog";

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
  test("defaults: keep the key, DNS discovery, activate Windows; no intervals, no empty values", () => {
    expect(clientSetupParameters()).toEqual({
      parameters: {
        KmsPort: "0",
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
      }).parameters,
    ).toEqual({
      SetupKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
      KmsServer: "kms1.corp.contoso.com",
      KmsPort: "1700",
      Activate: "true",
      ApplicationId: WINDOWS_APPLICATION_ID,
    });
  });

  test.each([
    ["kms1.contoso.com:1700", undefined, "kms1.contoso.com", "1700"],
    ["kms1.contoso.com", undefined, "kms1.contoso.com", "0"],
    ["10.0.1.4:1688", undefined, "10.0.1.4", "1688"],
    // Brackets and colons of an IPv6 address travel encoded (see encodeParameterValue).
    ["[fd00::4]:1700", undefined, `base64:${Buffer.from("[fd00::4]").toString("base64")}`, "1700"],
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
    // Host-only settings: SetVLActivationInterval/SetVLRenewalInterval fail on a client.
    [
      { activationIntervalMinutes: 60 },
      "activationIntervalMinutes must be unset on a KMS client: clients take their activation and renewal intervals from the KMS host's answer (the interval setters work only on a KMS host); set it on the KmsHost; received 60.",
    ],
    [
      { renewalIntervalMinutes: 10080 },
      "renewalIntervalMinutes must be unset on a KMS client: clients take their activation and renewal intervals from the KMS host's answer (the interval setters work only on a KMS host); set it on the KmsHost; received 10080.",
    ],
  ])("%j is refused", (settings, message) => {
    expect(() => clientSetupParameters(settings)).toThrow(KmsConfigError);
    expect(() => clientSetupParameters(settings)).toThrow(message);
  });
});

describe("values Run Command would cut at a space", () => {
  test.each([
    ["kms01.corp.contoso.com", "kms01.corp.contoso.com"],
    ["55c92734-d682-4d71-983e-d6ec3f16059f", "55c92734-d682-4d71-983e-d6ec3f16059f"],
    ["10.0.1.4", "10.0.1.4"],
    ["C:\\vlpack\\ltsc2024", "C:\\vlpack\\ltsc2024"],
    ["C:\\vlpack\\", "base64:QzpcdmxwYWNrXA=="],
    ["", ""],
    ["LTSC 2024", "base64:TFRTQyAyMDI0"],
    [
      "C:\\Volume License Pack\\2024",
      `base64:${Buffer.from("C:\\Volume License Pack\\2024").toString("base64")}`,
    ],
    ["a,b", "base64:YSxi"],
    ["it's", "base64:aXQncw=="],
  ])("%j → %j", (value, sent) => {
    expect(encodeParameterValue(value)).toBe(sent);
    expect(sent).not.toMatch(/[\s,'"`;$()&?]|\\$/);
  });

  test("non-ASCII text round-trips through UTF-8", () => {
    const sent = encodeParameterValue("D:\\Lizenz Paket\\\u00fc");
    expect(Buffer.from(sent.slice("base64:".length), "base64").toString("utf8")).toBe(
      "D:\\Lizenz Paket\\\u00fc",
    );
  });

  test("Office: the version goes without its space, a pack path with spaces goes encoded", () => {
    const { parameters } = officeHostSetupParameters({
      officeVersion: "LTSC 2024",
      volumeLicensePack: "C:\\Office Pack\\ltsc2024",
    });
    expect(parameters.OfficeVersion).toBe("LTSC2024");
    expect(parameters.VolumeLicensePack).toBe(
      `base64:${Buffer.from("C:\\Office Pack\\ltsc2024").toString("base64")}`,
    );
    expect(Object.values(parameters).filter((v) => /\s/.test(v))).toEqual([]);
  });

  test("no builder sends a value with a space", () => {
    const all = [
      hostSetupParameters(),
      officeHostSetupParameters({
        officeVersion: "LTSC 2021",
        volumeLicensePack: "https://x/y z.zip",
      }),
      clientSetupParameters({
        kmsServer: "[fd00::4]:1700",
        setupKey: "WX4NM-KYWYW-QJJR4-XV3QB-6VM33",
      }),
      clientSetupParameters({
        lookupDomain: "corp.contoso.com",
        applicationId: OFFICE_APPLICATION_ID,
      }),
      statusParameters("host", undefined, ["a b", "c"]),
      clientActivateParameters(WINDOWS_APPLICATION_ID, { SetupKey: "X Y" }),
    ].flatMap((b) => Object.values(b.parameters));
    expect(all.filter((v) => !/^[A-Za-z0-9._:+/=\\-]*$/.test(v) || v.endsWith("\\"))).toEqual([]);
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

  test("the barrier's client list travels encoded (a comma is an array separator on a PowerShell command line)", () => {
    const { parameters } = statusParameters("host", undefined, ["c01", "my client"]);
    expect(parameters.Clients).toBe(`base64:${Buffer.from("c01,my client").toString("base64")}`);
    expect(statusParameters("host", undefined, []).parameters).not.toHaveProperty("Clients");
  });

  test("the client list is bounded whatever N is (a Windows command line holds 32,767 characters), and still changes with the list", () => {
    const decoded = (v: string): string => Buffer.from(v.slice(7), "base64").toString("utf8");
    const names = (n: number): string[] =>
      Array.from({ length: n }, (_, i) => `kms-client-${String(i + 1).padStart(5, "0")}`);
    const sizes = [10, 100, 1000, 3000, 10000].map(
      (n) => statusParameters("host", undefined, names(n)).parameters.Clients.length,
    );
    for (const size of sizes) expect(size).toBeLessThanOrEqual(1024);
    // A short list is sent whole, as before (a stack of 10 clients registers what it did).
    expect(decoded(statusParameters("host", undefined, names(10)).parameters.Clients)).toBe(
      names(10).join(","),
    );
    const big = decoded(statusParameters("host", undefined, names(3000)).parameters.Clients);
    expect(big).toMatch(
      /^3000 clients: kms-client-00001,kms-client-00002,.*, \.\.\. \(sha256 [0-9a-f]{16} of the whole list\)$/,
    );
    const renamed = names(3000);
    renamed[2999] = "kms-client-x";
    expect(decoded(statusParameters("host", undefined, renamed).parameters.Clients)).not.toBe(big);
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
    "client-rearm": clientRearmParameters(),
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
      "client-rearm": [],
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
  test("returns the script with each helper file inlined in place of its dot-source line, cached", () => {
    const dir = path.dirname(scriptPath("host-setup"));
    const own = fs.readFileSync(path.join(dir, "host-setup.ps1"), "utf8");
    const helpers = includedFiles(own);
    expect(helpers[0]).toBe("common.ps1");
    expect(helpers.length).toBeGreaterThan(1);
    const text = loadScript("host-setup");
    expect(text).not.toMatch(/^\. "\$PSScriptRoot/m);
    const [before] = own.split('. "$PSScriptRoot\\common.ps1"');
    expect(text.startsWith(before)).toBe(true);
    let at = before.length;
    for (const file of helpers) {
      const helper = fs.readFileSync(path.join(dir, file), "utf8").replace(/\n+$/, "");
      const header = `# ---- ${file}, inlined by the loader (components/scripts/index.ts) ----\n`;
      // In the order the script includes them, each once.
      expect(text.indexOf(header + helper, at)).toBeGreaterThanOrEqual(at);
      expect(text.indexOf(header, text.indexOf(header + helper, at) + 1)).toBe(-1);
      at = text.indexOf(header + helper, at) + header.length + helper.length;
    }
    const last = `. "$PSScriptRoot\\${helpers[helpers.length - 1]}"`;
    expect(text.endsWith(own.slice(own.indexOf(last) + last.length))).toBe(true);
    expect(loadScript("host-setup")).toBe(text);
  });

  describe("refuses a script whose helpers it cannot inline as they are", () => {
    const include = (f: string) => `. "$PSScriptRoot\\${f}"`;
    const read = (files: Record<string, string>) => (f: string) => {
      if (!(f in files)) throw new Error(`no ${f}`);
      return files[f];
    };

    test("a helper file included twice", () => {
      const script = ["param()", include("common.ps1"), include("common.ps1"), "Main"].join("\n");
      expect(() => assembleScript(script, read({ "common.ps1": "function A {}\n" }))).toThrow(
        "common.ps1 is included twice; a script includes each helper file once",
      );
    });

    test("a script included as a helper", () => {
      const script = ["param()", include("status.ps1")].join("\n");
      expect(() => assembleScript(script, read({ "status.ps1": "param()\n" }))).toThrow(
        "status.ps1 is a script, not a helper file; a script cannot include another script.",
      );
    });

    test("a helper that includes another", () => {
      const script = ["param()", include("a.ps1")].join("\n");
      expect(() =>
        assembleScript(script, read({ "a.ps1": include("b.ps1") + "\n", "b.ps1": "" })),
      ).toThrow("a.ps1 includes another file; helper files are included one level deep only.");
    });

    test("a helper file missing from the folder, named with the script and the folder", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-missing-"));
      try {
        const from = path.dirname(scriptPath("status"));
        fs.copyFileSync(path.join(from, "status.ps1"), path.join(dir, "status.ps1"));
        fs.copyFileSync(path.join(from, "common.ps1"), path.join(dir, "common.ps1"));
        const missing = includedFiles(fs.readFileSync(path.join(from, "status.ps1"), "utf8")).find(
          (f) => f !== "common.ps1",
        );
        expect(missing).toBeDefined();
        expect(() => loadScriptFrom(dir, "status")).toThrow(
          `status.ps1 includes the helper file ${missing}, which is not in ${dir}; it belongs next to the script.`,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  test("a CRLF checkout (Windows) sends the same text, byte for byte, as an LF one", () => {
    const dir = path.dirname(scriptPath("host-setup"));
    const crlf = fs.mkdtempSync(path.join(os.tmpdir(), "kms-crlf-"));
    try {
      for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".ps1"))) {
        const lf = fs.readFileSync(path.join(dir, f), "utf8").replace(/\r\n/g, "\n");
        fs.writeFileSync(path.join(crlf, f), "\uFEFF" + lf.replace(/\n/g, "\r\n"));
      }
      for (const name of SCRIPT_NAMES) {
        const fromCrlf = loadScriptFrom(crlf, name);
        expect(fromCrlf).not.toContain("\r");
        expect(fromCrlf).toBe(loadScript(name));
      }
    } finally {
      fs.rmSync(crlf, { recursive: true, force: true });
    }
  });

  test(".gitattributes keeps the scripts' line ends the same in every checkout", () => {
    const attributes = fs.readFileSync(path.join(__dirname, "..", ".gitattributes"), "utf8");
    expect(attributes).toMatch(/^\*\.ps1\s+text\s+eol=lf\s*$/m);
  });

  test("an unknown script name is refused", () => {
    expect(() => loadScript("setup" as "status")).toThrow(
      'Unknown script "setup"; expected one of host-setup, client-rearm, client-setup, client-activate, status.',
    );
  });

  /** A compiled copy of the module in <tmp>/bin/components/scripts, as `npm run build` lays it out. */
  function compiledCopy(withScriptsInBin: boolean): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kms-scripts-"));
    const src = path.join(__dirname, "..", "components");
    const files = [
      ...fs
        .readdirSync(path.join(src, "scripts"))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => `scripts/${f}`),
    ];
    // The catalog package, as an install resolves it (the repository's node_modules links the workspace).
    fs.symlinkSync(
      path.join(__dirname, "..", "node_modules"),
      path.join(root, "node_modules"),
      "dir",
    );
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
