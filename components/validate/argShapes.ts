/**
 * The arguments each component takes, read from the args interfaces themselves at run time, so that the
 * unknown-argument check (unknownKeys.ts) never works from a hand-kept list that drifts from them: a new
 * argument in an interface is allowed the moment it is declared.
 *
 * The interfaces are read from the files beside this code: the TypeScript sources (`args.ts`, run with
 * ts-node or jest) or the declarations the build emits next to the compiled code (`args.d.ts`, in
 * bin/). Only the declaration shapes used in those files are read: `interface Name { member?: Type; }`
 * with comments. tests/components.validate.unknownKeys.test.ts checks the result against the TypeScript compiler's own view
 * of every args interface, nested interfaces included.
 */
import * as fs from "fs";
import * as path from "path";

/** One argument: a leaf value, or an object (or a list of objects) of another args interface. */
export interface ArgMember {
  /** The args interface of the value (`AzureVmTarget`), when it is one. */
  nested?: string;
  /** True when the value is a list of `nested` objects (`office`, `hosts`). */
  list?: boolean;
}

/** Args interface name → its members. */
export type ArgShapes = Map<string, Map<string, ArgMember>>;

/** The files (without extension, from components/) that declare the components' args interfaces. */
export const ARG_FILES = [
  "kmsHost/args",
  "kmsClient/args",
  "kmsSrvRecord",
  "remote/targets",
  "remote/scriptStore",
  "plugin/barrier",
] as const;

/** The text without comments (block and line comments; the files hold no `//` inside strings). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** The body of each `interface Name { … }` (braces matched). */
function interfaceBodies(text: string): Map<string, string> {
  const bodies = new Map<string, string>();
  const head = /\binterface\s+([A-Za-z_$][\w$]*)\s*(?:<[^>{]*>)?\s*\{/g;
  for (let m = head.exec(text); m !== null; m = head.exec(text)) {
    let depth = 1;
    let i = head.lastIndex;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    bodies.set(m[1], text.slice(head.lastIndex, i - 1));
  }
  return bodies;
}

/** The body's members at depth 0, split at `;` (or a line end) outside brackets. */
function members(body: string): { name: string; type: string }[] {
  const out: { name: string; type: string }[] = [];
  let depth = 0;
  let start = 0;
  const flush = (end: number) => {
    const m = /^\s*(?:readonly\s+)?["']?([A-Za-z_$][\w$]*)["']?\s*\??\s*:\s*([\s\S]+?)\s*$/.exec(
      body.slice(start, end),
    );
    if (m) out.push({ name: m[1], type: m[2].replace(/\s+/g, " ") });
    start = end + 1;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if ("<{([".includes(c)) depth++;
    else if (">})]".includes(c) && !(c === ">" && body[i - 1] === "=")) depth--;
    else if (depth === 0 && c === ";") flush(i);
  }
  flush(body.length);
  return out;
}

/** `pulumi.Input<X>` → X, repeatedly; `X | undefined` → X. */
function unwrap(type: string): string {
  let t = type.trim();
  for (;;) {
    const m = /^(?:pulumi\.)?Input<([\s\S]*)>$/.exec(t);
    if (!m) break;
    t = m[1].trim();
  }
  t = t.replace(/\s*\|\s*undefined$/, "");
  return t.replace(/(?:pulumi\.)?Input<([A-Za-z_$][\w$]*)>/g, "$1");
}

/** Reads the args interfaces from `dir`/<file>.d.ts (a build) or .ts (the sources); undefined when absent. */
export function readArgShapes(
  dir: string,
  files: readonly string[] = ARG_FILES,
): ArgShapes | undefined {
  const raw = new Map<string, { name: string; type: string }[]>();
  for (const file of files) {
    const candidates = [`${file}.d.ts`, `${file}.ts`].map((f) => path.join(dir, f));
    const found = candidates.find((f) => fs.existsSync(f));
    if (found === undefined) return undefined;
    for (const [name, body] of interfaceBodies(withoutComments(fs.readFileSync(found, "utf8")))) {
      raw.set(name, members(body));
    }
  }
  const shapes: ArgShapes = new Map();
  for (const [name, list] of raw) {
    const m = new Map<string, ArgMember>();
    for (const { name: key, type } of list) {
      const t = unwrap(type);
      const array = /^([A-Za-z_$][\w$]*)\[\]$/.exec(t);
      const nested = array ? array[1] : t;
      // Another interface of these files (the nested ones end in no `Args`: AzureVmTarget, KmsHostDns, …).
      if (raw.has(nested)) {
        m.set(key, array ? { nested, list: true } : { nested });
      } else {
        m.set(key, {});
      }
    }
    shapes.set(name, m);
  }
  return shapes;
}

let cached: ArgShapes | null | undefined;

/**
 * The args interfaces of this package (read once), or undefined when their files are not beside the
 * code (a bundler that copied only the JavaScript): the unknown-argument check is then skipped.
 */
export function argShapes(): ArgShapes | undefined {
  if (cached === undefined) cached = readArgShapes(path.join(__dirname, "..")) ?? null;
  return cached ?? undefined;
}
