/**
 * docs/acceptance.md walks through a user's own project: its commands use only flags the CLIs have, and
 * the first kms-plan command it gives plans the README's program (the project it tells users to write)
 * with exit 0 and no violation, without any secret given.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../tools/plan-cli";

const ROOT = path.join(__dirname, "..");
const DOC = fs.readFileSync(path.join(ROOT, "docs", "acceptance.md"), "utf8");
const OWN = DOC.slice(DOC.indexOf("## Your own project"), DOC.indexOf("## 1. Plan offline first"));

/** The `npx <cli> …` command lines of a text (code blocks and inline code). */
function commands(text: string, cli: string): string[] {
  return [...text.matchAll(new RegExp(`npx ${cli}((?: [^\`#\\n]+)*)`, "g"))].map((m) =>
    m[1].trim(),
  );
}

/** The long options a CLI's --help lists. */
function options(script: string): Set<string> {
  const r = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", script, "--help"],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, JEST_WORKER_ID: "" },
    },
  );
  return new Set([...r.stdout.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]));
}

test("the page walks through your own project before the reference stack", () => {
  expect(OWN.length).toBeGreaterThan(1000);
  for (const step of ["**1. The project.**", "**2. Plan it offline", "**5. Deploy**"]) {
    expect(OWN).toContain(step);
  }
  expect(OWN).toContain("azure-roles-and-cost.md");
});

test("every kms-plan and kms-doctor flag the page uses exists", () => {
  for (const [cli, script] of [
    ["kms-plan", "tools/plan-cli.ts"],
    ["kms-doctor", "tools/doctor-cli.ts"],
  ] as const) {
    const known = options(script);
    const used = commands(DOC, cli).flatMap((c) => c.match(/--[a-z][a-z-]*/g) ?? []);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((f) => !known.has(f))).toEqual([]);
  }
}, 60_000);

test("its first kms-plan command plans the README's program: exit 0, no violation, secrets as placeholders", async () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(
    readme.slice(readme.indexOf("## Use it in your stack")),
  )![1];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-own-"));
  try {
    fs.writeFileSync(path.join(tmp, "Pulumi.yaml"), "name: kms\nruntime: nodejs\n");
    fs.writeFileSync(
      path.join(tmp, "index.ts"),
      code.replace(
        'from "pulumi-kms-activation"',
        `from ${JSON.stringify(path.join(ROOT, "components"))}`,
      ),
    );
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(tmp, "node_modules"));
    const args = commands(OWN, "kms-plan")[0]
      .replace("<subscription ID>", "00000000-0000-0000-0000-000000000000")
      .split(/\s+/)
      .map((a) => (a === "." ? tmp : a));
    let out = "";
    const write = jest
      .spyOn(process.stdout, "write")
      .mockImplementation((s: string | Uint8Array) => {
        out += String(s);
        return true;
      });
    const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    let code0: number;
    try {
      code0 = await main(args);
    } finally {
      write.mockRestore();
      err.mockRestore();
    }
    expect(code0).toBe(0);
    expect(out).toContain("Policies: 6 ran, no violation.");
    expect(out).toContain("warn: config kms:hostKey is a required secret with no value");
    // The program shown to users is one that activates on Azure: its existing VMs are rearmed.
    expect(out).toContain("so all are activated when it ends");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 120_000);
