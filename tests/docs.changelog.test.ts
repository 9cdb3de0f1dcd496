/**
 * CHANGELOG.md follows Keep a Changelog 1.1.0 (https://keepachangelog.com/en/1.1.0/) and holds what a
 * user sees or must do, not the project's history:
 * - its `## ` sections are `[Unreleased]` first, then releases `[x.y.z] - YYYY-MM-DD`, newest first;
 * - a section's `### ` subsections are among Added, Changed, Deprecated, Removed, Fixed, Security, in that
 *   order, each at most once, each with entries, and nothing else is in a section;
 * - entries are short list items that cite no issue numbers and no test files.
 * Its relative links are checked with every other user doc in docs.links.test.ts.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const TEXT = fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8");

const KINDS = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"];
/** Lines an entry may take; the file is wrapped at prettier's printWidth. */
const ENTRY_LINES = 3;
const WIDTH = 100;

interface Section {
  title: string;
  line: number;
  /** Lines between the heading and the first `### `. */
  preamble: string[];
  subsections: { title: string; line: number; body: string[] }[];
}

/** The file split at `## ` and `### ` headings (outside code fences). */
function parse(text: string): { header: string[]; sections: Section[]; deeper: string[] } {
  const header: string[] = [];
  const sections: Section[] = [];
  const deeper: string[] = [];
  let fenced = false;
  text.split("\n").forEach((raw, i) => {
    if (/^\s*```/.test(raw)) fenced = !fenced;
    const section = sections[sections.length - 1];
    const sub = section?.subsections[section.subsections.length - 1];
    const h2 = !fenced && /^## (.*)$/.exec(raw);
    const h3 = !fenced && /^### (.*)$/.exec(raw);
    if (h2) sections.push({ title: h2[1].trim(), line: i + 1, preamble: [], subsections: [] });
    else if (h3 && section)
      section.subsections.push({ title: h3[1].trim(), line: i + 1, body: [] });
    else {
      if (!fenced && /^#{3,6} /.test(raw)) deeper.push(`${i + 1}: ${raw}`);
      if (sub) sub.body.push(raw);
      else if (section) section.preamble.push(raw);
      else header.push(raw);
    }
  });
  return { header, sections, deeper };
}

/** List items of a subsection: each `- ` line with the indented lines that continue it. */
function entries(body: string[]): string[][] {
  const out: string[][] = [];
  for (const line of body) {
    if (/^- /.test(line)) out.push([line]);
    else if (/^\s+\S/.test(line) && out.length > 0) out[out.length - 1].push(line);
    else if (line.trim() !== "") out.push([line]); // not a list item: reported below
  }
  return out;
}

const VERSION = /^\[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$/;

const { header, sections, deeper } = parse(TEXT);

describe("CHANGELOG.md (Keep a Changelog 1.1.0)", () => {
  test("a title and a header that names the format", () => {
    expect(header[0]).toBe("# Changelog");
    expect(header.join("\n")).toContain("https://keepachangelog.com/en/1.1.0/");
  });

  test("with no release section yet, the header says that nothing was released", () => {
    if (sections.some((s) => VERSION.test(s.title))) return;
    expect(header.join(" ")).toMatch(/not (yet )?(made|had|published) a release|no release/i);
  });

  test("sections: [Unreleased] first, then releases [x.y.z] - YYYY-MM-DD, newest first", () => {
    const titles = sections.map((s) => s.title);
    expect(titles[0]).toBe("[Unreleased]");
    const releases = titles.slice(1);
    expect(releases.filter((t) => !VERSION.test(t))).toEqual([]);
    const parsed = releases.map((t) => VERSION.exec(t)!);
    const order = (a: RegExpExecArray, b: RegExpExecArray) =>
      Number(a[1]) - Number(b[1]) || Number(a[2]) - Number(b[2]) || Number(a[3]) - Number(b[3]);
    const misplaced = parsed
      .slice(1)
      .filter((m, i) => order(parsed[i], m) <= 0 || parsed[i][4] < m[4])
      .map((m) => m[0]);
    expect(misplaced).toEqual([]);
  });

  test.each(sections.map((s) => [s.title, s] as const))(
    "%s: only the standard subsections, in order, each once and not empty",
    (_title, section) => {
      expect(section.preamble.filter((l) => l.trim() !== "")).toEqual([]);
      const titles = section.subsections.map((s) => s.title);
      expect(titles.filter((t) => !KINDS.includes(t))).toEqual([]);
      expect(titles).toEqual(KINDS.filter((k) => titles.includes(k)));
      expect(section.subsections.length).toBeGreaterThan(0);
      for (const sub of section.subsections)
        expect([sub.title, entries(sub.body).length > 0]).toEqual([sub.title, true]);
    },
  );

  test("no headings below ### in the sections", () => {
    expect(deeper).toEqual([]);
  });

  const all = sections.flatMap((s) =>
    s.subsections.flatMap((sub) =>
      entries(sub.body).map((e) => ({ where: `${s.title} ${sub.title}`, lines: e })),
    ),
  );

  test("entries are list items of at most 3 lines of at most 100 characters", () => {
    expect(all.filter((e) => !e.lines[0].startsWith("- ")).map((e) => e.lines[0])).toEqual([]);
    expect(all.filter((e) => e.lines.length > ENTRY_LINES).map((e) => e.lines[0])).toEqual([]);
    const wide = all.flatMap((e) => e.lines.filter((l) => l.length > WIDTH));
    expect(wide).toEqual([]);
  });

  test("no line cites an issue number or a test file", () => {
    const lines = TEXT.split("\n");
    expect(lines.filter((l) => /\bissues?\s*#?\d+/i.test(l))).toEqual([]);
    expect(lines.filter((l) => /(^|[^\w/])tests\/|\.test\.[jt]s\b/.test(l))).toEqual([]);
  });
});
