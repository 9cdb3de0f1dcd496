/**
 * The real PowerShell grammar (tree-sitter-powershell, through web-tree-sitter) for tests that read the
 * shipped scripts: a parser, and walks over the syntax tree.
 */
import * as fs from "fs";
import { Language, Node, Parser, Tree } from "web-tree-sitter";

/** A parser for PowerShell. Call once per test file (in `beforeAll`): loading the grammar takes time. */
export async function powershellParser(): Promise<Parser> {
  await Parser.init();
  // Bytes rather than a path: loading from a path uses a dynamic import() that jest's CommonJS runtime refuses.
  const wasm = fs.readFileSync(
    require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm"),
  );
  const language = await Language.load(new Uint8Array(wasm));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** The tree of a text; throws when the grammar gives none. */
export function parseWith(parser: Parser, text: string): Tree {
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}

/** Every node under `node`, `node` first, in document order. */
export function* walk(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children) if (child) yield* walk(child);
}

/** "line:column" of a node (1-based), for messages. */
export const at = (n: Node): string => `${n.startPosition.row + 1}:${n.startPosition.column + 1}`;
