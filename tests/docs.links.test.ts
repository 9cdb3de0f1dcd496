// Relative links in the Markdown a user reads (README, CHANGELOG, docs/, examples/) point at files that
// exist, and a `#fragment` points at a heading of that file, with GitHub's heading slugs.
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");

function markdownFiles(): string[] {
  const files = ["README.md", "CHANGELOG.md"];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules") walk(rel);
      else if (entry.isFile() && entry.name.endsWith(".md")) files.push(rel);
    }
  };
  walk("docs");
  walk("examples");
  return files.filter((f) => fs.existsSync(path.join(root, f))).sort();
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, "")
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchors(file: string): Set<string> {
  const text = fs.readFileSync(path.join(root, file), "utf8").replace(/```[\s\S]*?```/g, "");
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]);
  return out;
}

function links(file: string): { target: string; line: number }[] {
  const lines = fs.readFileSync(path.join(root, file), "utf8").split("\n");
  const out: { target: string; line: number }[] = [];
  let fenced = false;
  lines.forEach((text, i) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    if (fenced) return;
    const code = text.replace(/`[^`]*`/g, "");
    for (const m of code.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
      out.push({ target: m[1], line: i + 1 });
  });
  return out;
}

describe("Markdown links", () => {
  test("slugs follow GitHub's rules", () => {
    expect(slug("Marketplace images share one client machine ID (CMID)")).toBe(
      "marketplace-images-share-one-client-machine-id-cmid",
    );
    expect(slug("3. What to check")).toBe("3-what-to-check");
    expect(slug("`kms-plan --lab`: rehearse")).toBe("kms-plan---lab-rehearse");
  });

  test.each(markdownFiles())("%s: every relative link and anchor resolves", (file) => {
    const broken: string[] = [];
    for (const { target, line } of links(file)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      const [p, fragment] = target.split("#", 2);
      const resolved =
        p === "" ? file : path.normalize(path.join(path.dirname(file), decodeURIComponent(p)));
      if (!fs.existsSync(path.join(root, resolved))) {
        broken.push(`${file}:${line}: ${target} (no file ${resolved})`);
        continue;
      }
      if (fragment !== undefined && resolved.endsWith(".md") && !anchors(resolved).has(fragment)) {
        broken.push(`${file}:${line}: ${target} (no heading #${fragment} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
