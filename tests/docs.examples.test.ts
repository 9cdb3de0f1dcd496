/**
 * Every TypeScript example in the README and the user docs type-checks against the library as a user
 * imports it (`pulumi-kms-activation`, `pulumi-kms-activation/bin/tools/plan`), with strict settings: an
 * example that names an argument, an import path or a type that does not exist fails here.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const DOCS = [
  "README.md",
  ...fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** The ```ts blocks of a Markdown file, with the line each starts on. */
export function tsBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && !lines[j].startsWith("```")) j++;
    blocks.push({ line: start + 1, code: lines.slice(start, j).join("\n") });
    i = j;
  }
  return blocks;
}

test("the docs have TypeScript examples (the extraction finds them)", () => {
  const n = DOCS.reduce(
    (sum, f) => sum + tsBlocks(fs.readFileSync(path.join(ROOT, f), "utf8")).length,
    0,
  );
  expect(n).toBeGreaterThanOrEqual(3);
});

test("every TypeScript example in README.md and docs/ type-checks against the package", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-docs-"));
  try {
    const files: string[] = [];
    const origin = new Map<string, string>();
    for (const doc of DOCS) {
      tsBlocks(fs.readFileSync(path.join(ROOT, doc), "utf8")).forEach((b, i) => {
        const file = path.join(tmp, `${doc.replace(/[/.]/g, "_")}_${i}.ts`);
        // Each example is its own module (top-level await allowed, as in a Pulumi program's async main).
        fs.writeFileSync(file, `${b.code}\nexport {};\n`);
        files.push(file);
        origin.set(file, `${doc}:${b.line}`);
      });
    }
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [path.join(ROOT, "node_modules", "@types")],
      baseUrl: ROOT,
      paths: {
        "pulumi-kms-activation": ["components/index.ts"],
        "pulumi-kms-activation/bin/*": ["*"],
        "@pulumi/*": ["node_modules/@pulumi/*"],
      },
    });
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && origin.has(d.file.fileName))
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const [doc, first] = origin.get(d.file!.fileName)!.split(":");
        return `${doc}:${Number(first) + line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      });
    expect(errors).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 120_000);

test("examples/README.md lists every example program, and every listed one exists", () => {
  const dir = path.join(ROOT, "examples");
  const programs = fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, "Pulumi.yaml")))
    .sort();
  const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
  const listed = [...readme.matchAll(/^\| \[([\w-]+)\]\(\1\)/gm)].map((m) => m[1]);
  expect(programs).toContain("governed-subscription");
  expect(programs.filter((p) => !listed.includes(p))).toEqual([]);
  expect(listed.filter((l) => !fs.existsSync(path.join(dir, l)))).toEqual([]);
});
