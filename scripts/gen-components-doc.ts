/**
 * Generates docs/components.md (the component reference) from the TSDoc of the components' args
 * interfaces and output properties, with the TypeScript compiler API, so the page never drifts from the
 * code. Run: `npx ts-node -T scripts/gen-components-doc.ts`. A test checks that the committed page equals
 * `renderComponentsDoc()`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as ts from "typescript";
import { isSecretInput } from "../components/secretInputs";

const ROOT = join(__dirname, "..");
export const COMPONENTS_DOC_PATH = join(ROOT, "docs", "components.md");

/** Source files, relative to the repository root, that declare the documented types. */
const SOURCES = [
  "components/kmsHost/index.ts",
  "components/kmsHost/args.ts",
  "components/kmsHost/status.ts",
  "components/kmsClient/index.ts",
  "components/kmsClient/args.ts",
  "components/kmsClient/status.ts",
  "components/kmsSrvRecord.ts",
  "components/remote/targets.ts",
  "components/barrier/types.ts",
];

interface Section {
  component: string;
  /** The component's args interface; the args interfaces it refers to follow it (found, not listed). */
  args: string;
  /** Types of outputs worth a table of their own. */
  outputTypes: string[];
  note?: string;
}

const SECTIONS: Section[] = [
  {
    component: "KmsHost",
    args: "KmsHostArgs",
    outputTypes: ["KmsHostStatus", "ActivationReport", "DuplicateCmid"],
    note:
      "Creates a VM unless `azureVm` or `ssh` is given; `resourceGroupName`, `location`, `subnetId`, " +
      "`clientAddressPrefixes` and `adminPassword` are then required, and must be left out otherwise.",
  },
  {
    component: "KmsClient",
    args: "KmsClientArgs",
    outputTypes: ["KmsClientStatus"],
    note:
      "Exactly one of `azureVm` or `ssh` (see KmsHost for their fields); `product` or `setupKey`; at most " +
      "one of `host`, `kmsServer`, `lookupDomain`. Other languages pass `host` as a resource reference " +
      "(and list the client in the host's `KmsThresholdBarrier` to join its threshold barrier, see " +
      "[multi-language.md](multi-language.md)) or the host's `kmsServer` output; the client waits for " +
      "the host's setup either way. In TypeScript a client given `host`, or the host's `kmsServer` or `fqdn` " +
      "(the output, or the fqdn as a plain string, with or without its port) in the same synchronous part " +
      "of the program, joins the host's threshold barrier. With `lookupDomain` or DNS discovery of a KmsHost " +
      "in the same program, give the client `dependsOn: [host]`.",
  },
  {
    component: "KmsSrvRecord",
    args: "KmsSrvRecordArgs",
    outputTypes: [],
  },
];

export interface Member {
  name: string;
  optional: boolean;
  type: string;
  /** The type as written in the source. */
  rawType: string;
  doc: string;
  defaultValue?: string;
}

export interface Declarations {
  interfaces: Map<string, { doc: string; members: Member[] }>;
  classes: Map<string, { doc: string; outputs: Member[]; children: Member[] }>;
}

/**
 * How an argument's type reads in the table: X for `pulumi.Input<X>` (it may be an Output), and
 * "X (plain)" for a type without `pulumi.Input` at its top (it must be known when the program runs: it
 * decides which resources are created, or the policies need it).
 */
export function argumentType(text: string): string {
  const top = text.replace(/\s+/g, " ").trim();
  return top.startsWith("pulumi.Input<") ? plainType(top) : `${plainType(top)} (plain)`;
}

/** `pulumi.Input<X>` and `pulumi.Output<X>` read as X: the page is about values, not wrappers. */
export function plainType(text: string): string {
  let t = text.replace(/\s+/g, " ").trim();
  for (;;) {
    const m = /pulumi\.(Input|Output)</.exec(t);
    if (!m) break;
    const start = m.index + m[0].length;
    let depth = 1;
    let i = start;
    for (; i < t.length && depth > 0; i++) {
      if (t[i] === "<") depth++;
      else if (t[i] === ">") depth--;
    }
    t = t.slice(0, m.index) + t.slice(start, i - 1) + t.slice(i);
  }
  return t.replace(/ \| undefined$/, "");
}

function docOf(node: ts.Node): { text: string; defaultValue?: string } {
  const docs = (node as unknown as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  const last = docs[docs.length - 1];
  if (!last) return { text: "" };
  const text = (ts.getTextOfJSDocComment(last.comment) ?? "").replace(/\s+/g, " ").trim();
  const tag = last.tags?.find((t) => t.tagName.text === "default");
  const defaultValue = tag
    ? (ts.getTextOfJSDocComment(tag.comment) ?? "").replace(/\s+/g, " ").trim()
    : undefined;
  return { text, defaultValue };
}

function read(): Declarations {
  const interfaces: Declarations["interfaces"] = new Map();
  const classes: Declarations["classes"] = new Map();
  for (const rel of SOURCES) {
    const file = ts.createSourceFile(
      rel,
      readFileSync(join(ROOT, rel), "utf8"),
      ts.ScriptTarget.ES2022,
      true,
    );
    file.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node)) {
        const members: Member[] = [];
        for (const m of node.members) {
          if (!ts.isPropertySignature(m) || !m.type) continue;
          const d = docOf(m);
          members.push({
            name: m.name.getText(file),
            optional: m.questionToken !== undefined,
            // Set below: argument interfaces say which arguments must be plain; results do not.
            type: "",
            rawType: m.type.getText(file),
            doc: d.text,
            defaultValue: d.defaultValue,
          });
        }
        interfaces.set(node.name.text, { doc: docOf(node).text, members });
      } else if (ts.isClassDeclaration(node) && node.name) {
        const outputs: Member[] = [];
        const children: Member[] = [];
        for (const m of node.members) {
          if (!ts.isPropertyDeclaration(m) || !m.type) continue;
          const type = m.type.getText(file);
          const isPublic = m.modifiers?.some((x) => x.kind === ts.SyntaxKind.PublicKeyword);
          if (!isPublic) continue;
          if (!type.startsWith("pulumi.Output<")) {
            // A child resource the component exposes (the VM, a step), to reference or depend on.
            children.push({
              name: m.name.getText(file),
              optional: m.questionToken !== undefined,
              type,
              rawType: type,
              doc: docOf(m).text,
            });
            continue;
          }
          outputs.push({
            name: m.name.getText(file),
            optional: / \| undefined>$/.test(type),
            type: plainType(type),
            rawType: type,
            doc: docOf(m).text,
          });
        }
        classes.set(node.name.text, { doc: docOf(node).text, outputs, children });
      }
    });
  }
  // Argument interfaces (a component's args and the interfaces they refer to) say which arguments must
  // be plain and which are secret; result shapes (status) do not.
  const inputs = new Set(SECTIONS.flatMap((sec) => inputInterfaces(sec.args, interfaces)));
  for (const [name, iface] of interfaces) {
    for (const m of iface.members) {
      m.type = inputs.has(name)
        ? argumentType(m.rawType) + (isSecretInput(name, m.name) ? " (secret)" : "")
        : plainType(m.rawType);
    }
  }
  return { interfaces, classes };
}

/** The args interface and, breadth-first, the interfaces its members refer to (each once). */
function inputInterfaces(root: string, interfaces: Declarations["interfaces"]): string[] {
  const order: string[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (order.includes(name)) continue;
    order.push(name);
    for (const m of interfaces.get(name)?.members ?? []) {
      for (const ref of m.rawType.match(/\b[A-Z]\w*\b/g) ?? []) {
        if (interfaces.has(ref) && !order.includes(ref)) queue.push(ref);
      }
    }
  }
  return order;
}

/** Markdown table cell: pipes escaped, `<x>` outside code spans kept literal. */
function cell(text: string): string {
  return text
    .split("`")
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "\\<")))
    .join("`")
    .replace(/\|/g, "\\|");
}

function code(text: string): string {
  return "`" + text.replace(/\|/g, "\\|") + "`";
}

function argsTable(name: string, decl: Declarations): string[] {
  const iface = decl.interfaces.get(name);
  if (!iface)
    throw new Error(`gen-components-doc: interface ${name} not found in ${SOURCES.join(", ")}`);
  const lines = [`#### \`${name}\``, ""];
  if (iface.doc) lines.push(iface.doc, "");
  lines.push(
    "| Argument | Type | Required | Default | Meaning |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const m of iface.members) {
    const def =
      m.defaultValue === undefined
        ? ""
        : m.defaultValue.startsWith("- ")
          ? cell(m.defaultValue.slice(2))
          : code(m.defaultValue);
    lines.push(
      `| \`${m.name}\` | ${code(m.type)} | ${m.optional ? "no" : "yes"} | ${def} | ${cell(m.doc)} |`,
    );
  }
  lines.push("");
  return lines;
}

function fieldsTable(name: string, decl: Declarations): string[] {
  const iface = decl.interfaces.get(name);
  if (!iface) throw new Error(`gen-components-doc: interface ${name} not found`);
  const lines = [`#### \`${name}\``, ""];
  if (iface.doc) lines.push(iface.doc, "");
  lines.push("| Field | Type | Meaning |", "| --- | --- | --- |");
  for (const m of iface.members) {
    lines.push(`| \`${m.name}${m.optional ? "?" : ""}\` | ${code(m.type)} | ${cell(m.doc)} |`);
  }
  lines.push("");
  return lines;
}

/** The args interface and the interfaces it refers to, each documented once on the page. */
function argsInterfaces(root: string, decl: Declarations, seen: Set<string>): string[] {
  const order = inputInterfaces(root, decl.interfaces).filter((n) => !seen.has(n));
  order.forEach((n) => seen.add(n));
  return order;
}

/** Members of an interface in the documented sources (for tests that compare with the schema). */
export function interfaceMembers(name: string): Member[] {
  const iface = read().interfaces.get(name);
  if (!iface) throw new Error(`gen-components-doc: interface ${name} not found`);
  return iface.members;
}

function section(s: Section, decl: Declarations, seen: Set<string>): string[] {
  const cls = decl.classes.get(s.component);
  if (!cls) throw new Error(`gen-components-doc: class ${s.component} not found`);
  const lines = [
    `## ${s.component}`,
    "",
    `Type token \`kms:index:${s.component}\`. ${cls.doc}`,
    "",
  ];
  if (s.note) lines.push(s.note, "");
  lines.push("### Arguments", "");
  for (const a of argsInterfaces(s.args, decl, seen)) lines.push(...argsTable(a, decl));
  lines.push("### Outputs", "", "| Output | Type | Meaning |", "| --- | --- | --- |");
  for (const o of cls.outputs) {
    lines.push(`| \`${o.name}\` | ${code(o.type)} | ${cell(o.doc)} |`);
  }
  lines.push("");
  if (cls.children.length > 0) {
    lines.push(
      "### Child resources",
      "",
      "In TypeScript, to reference or depend on (other languages get the outputs above).",
      "",
      "| Property | Type | Meaning |",
      "| --- | --- | --- |",
    );
    for (const c of cls.children) {
      const type = `${c.type}${c.optional ? " \\| undefined" : ""}`;
      lines.push(`| \`${c.name}\` | \`${type}\` | ${cell(c.doc)} |`);
    }
    lines.push("");
  }
  for (const t of s.outputTypes) lines.push(...fieldsTable(t, decl));
  return lines;
}

/**
 * Every documented argument, field and output without a doc comment, as `Type.member` (an empty
 * "Meaning" cell tells a reader nothing; the page is not written while any is missing).
 */
export function undocumented(decl: Declarations = read()): string[] {
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const s of SECTIONS) {
    const names = [...argsInterfaces(s.args, decl, seen), ...s.outputTypes];
    for (const name of names) {
      for (const m of decl.interfaces.get(name)?.members ?? []) {
        if (m.doc === "") missing.push(`${name}.${m.name}`);
      }
    }
    const cls = decl.classes.get(s.component);
    for (const o of [...(cls?.outputs ?? []), ...(cls?.children ?? [])]) {
      if (o.doc === "") missing.push(`${s.component}.${o.name}`);
    }
  }
  return missing;
}

/** The whole page before formatting. */
function renderRaw(): string {
  const decl = read();
  const missing = undocumented(decl);
  if (missing.length > 0) {
    throw new Error(
      `gen-components-doc: no doc comment on ${missing.join(", ")}; write one (/** … */) above each`,
    );
  }
  const lines = [
    "<!-- Generated from the components' TSDoc by scripts/gen-components-doc.ts; do not edit by hand. -->",
    "",
    "# Component reference",
    "",
    "`KmsHost`, `KmsClient` and `KmsSrvRecord`: every argument with its type, default and meaning, and",
    "every output. Types are shown without `pulumi.Input`/`pulumi.Output`. An argument may be an Output",
    "of another resource unless its type says **(plain)**: a plain argument must be a value known when",
    "the program runs (for an object such as `dns`, the object itself; its fields follow their own",
    "types). Bad plain values throw `KmsConfigError` before anything is created. From other languages the",
    "names are the same (see [multi-language.md](multi-language.md)). Arguments marked **(secret)** are",
    "wrapped as secrets by the components and marked `secret` in the plugin schema. What a governed",
    "subscription requires of the host VM (tags, Trusted Launch, encryption, ...), and how to change any",
    "child with Pulumi `transforms`: [azure-notes.md](azure-notes.md#the-host-vm-in-a-governed-subscription).",
    "",
    ...((seen) => SECTIONS.flatMap((s) => section(s, decl, seen)))(new Set<string>()),
  ];
  return lines.join("\n").replace(/\n+$/, "\n");
}

/**
 * The whole page, exactly as committed: formatted by Prettier with the repository's settings (in a child
 * process: Prettier 3 loads its parsers as ES modules, which jest's module sandbox cannot import).
 */
export function renderComponentsDoc(): string {
  const prettierCli = join(
    dirname(require.resolve("prettier/package.json")),
    "bin",
    "prettier.cjs",
  );
  return execFileSync(process.execPath, [prettierCli, "--stdin-filepath", COMPONENTS_DOC_PATH], {
    input: renderRaw(),
    encoding: "utf8",
  });
}

if (require.main === module) {
  writeFileSync(COMPONENTS_DOC_PATH, renderComponentsDoc());
  console.log(`wrote ${COMPONENTS_DOC_PATH}`);
}
