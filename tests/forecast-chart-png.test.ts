/**
 * The forecast chart as a user sees it (issue 13.5): the SVG that `kms-plan --chart` writes, rendered
 * to pixels by a real SVG renderer (resvg, with the DejaVu Sans font from npm), and checked there:
 * - every legend label, title and threshold label is drawn in full, inside the canvas;
 * - the behaviour legend's symbols are drawn, and differ; each host and family has its own colour; where
 *   the barrier's line and the default's coincide, both still show;
 * - the count axis has whole numbers, each once;
 * - each threshold is a line across the plot at that count's height;
 * - a family that never activates is named with its count and threshold.
 * Set KMS_CHART_PNG_DIR to also write the PNGs there, to look at them.
 */
import * as fs from "fs";
import * as path from "path";
import { renderForecastSvg } from "../tools/chart";
import { forecast } from "../tools/forecast";
import type { Forecast } from "../tools/forecast";
import type { PlanResult } from "../tools/plan";
import {
  PROBE,
  ZOOM,
  contentBox,
  fullTextWidth,
  hexColour,
  inkBox,
  overWhite,
  png,
  recolour,
  render,
  rowCount,
  texts,
} from "./helpers/chartImage";

const root = path.join(__dirname, "..");

/** Jest keeps modules in its own registry: a fresh one per plan, so the program runs again. */
async function planned(dir: string, config: Record<string, string> = {}): Promise<Forecast> {
  let result!: PlanResult;
  await jest.isolateModulesAsync(async () => {
    const { plan } = require("../tools/plan") as typeof import("../tools/plan");
    result = await plan(dir, { config });
  });
  return result.forecast;
}

const charts: [string, () => Promise<Forecast>][] = [
  [
    "reference stack, no client VMs (a host with no clients)",
    () => planned(root, { newClientCount: "0" }),
  ],
  ["reference stack, 5 new Windows Server VMs", () => planned(root, { newClientCount: "5" })],
  [
    "reference stack, 4 new Windows Server VMs (never activate)",
    () => planned(root, { newClientCount: "4" }),
  ],
  [
    "reference stack, 30 new Windows 11 VMs",
    () => planned(root, { newClientCount: "30", newClientProduct: "Windows 11 Enterprise" }),
  ],
  ["examples/two-hosts", () => planned(path.join(root, "examples", "two-hosts"))],
  [
    "a long host name; Windows Server reached, Office never (one threshold for both)",
    async () =>
      forecast({
        hosts: [{ name: "kms-westeurope-prod" }],
        clients: [
          ...Array.from({ length: 5 }, (_, i) => ({
            name: `srv-${i}`,
            family: "windowsServer" as const,
            host: "kms-westeurope-prod",
          })),
          { name: "office-0", family: "office" as const, host: "kms-westeurope-prod" },
        ],
      }),
  ],
];

const rendered = new Map<string, { f: Forecast; svg: string }>();

beforeAll(async () => {
  for (const [name, make] of charts) {
    const f = await make();
    const svg = await renderForecastSvg(f);
    rendered.set(name, { f, svg });
    const dir = process.env.KMS_CHART_PNG_DIR;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.png`), png(svg));
    }
  }
}, 120_000);

const names = charts.map(([n]) => n);
const chart = (name: string) => rendered.get(name)!;

/** The text marks a reader must be able to read whole. */
const READ_WHOLE = [
  "role-legend-label",
  "role-legend-title",
  "role-title-text",
  "role-title-subtitle",
  "layer_\\d+_marks",
];

describe.each(names)("%s", (name) => {
  test("nothing touches the canvas's edge, and every label and title is drawn in full", () => {
    const { svg } = chart(name);
    const img = render(svg);
    const content = contentBox(img)!;
    expect(content.right).toBeLessThan(img.width - 2);
    expect(content.bottom).toBeLessThan(img.height - 2);
    for (const role of READ_WHOLE) {
      texts(svg, role).forEach((t, i) => {
        expect(t.text).not.toContain("…");
        const box = inkBox(render(recolour(svg, role, i)), PROBE);
        const size = /font-size="([^"]+)"/.exec(t.attrs)![1];
        const bold = /font-weight="bold"/.test(t.attrs);
        const full = Math.max(
          ...t.text.split("\n").map((l) => fullTextWidth(l.trim(), size, bold)),
        );
        const drawn = box ? box.right - box.left + 1 : 0;
        // As wide as the text drawn alone (within 2 px): not cut to an ellipsis, not clipped.
        expect({
          text: t.text,
          drawn,
          full,
          inside: box !== undefined && box.right < img.width,
        }).toEqual({
          text: t.text,
          drawn: Math.abs(drawn - full) <= 2 ? drawn : full,
          full,
          inside: true,
        });
      });
    }
  });

  test("the count axis shows whole numbers from 0, each once", () => {
    const { svg } = chart(name);
    const y = texts(svg, "role-axis-label").filter(
      (t) => /translate\(-/.test(t.attrs) && !/opacity="0"/.test(t.attrs),
    );
    const values = y.map((t) => t.text);
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect(values.every((v) => /^\d+$/.test(v))).toBe(true);
    const numbers = values.map(Number);
    expect(numbers[0]).toBe(0);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  test("each threshold is a line across the plot at its count's height", () => {
    const { svg, f } = chart(name);
    const img = render(svg);
    const colours = legendColours(svg);
    const yLabels = texts(svg, "role-axis-label");
    for (const h of f.hosts) {
      for (const fam of h.families) {
        const i = yLabels.findIndex(
          (t) => /translate\(-/.test(t.attrs) && t.text === String(fam.threshold),
        );
        expect({ threshold: fam.threshold, tick: i >= 0 }).toEqual({
          threshold: fam.threshold,
          tick: true,
        });
        const label = inkBox(render(recolour(svg, "role-axis-label", i)), PROBE)!;
        const centre = Math.round((label.top + label.bottom) / 2);
        // Families with the same threshold share the rule: one of their colours is on it.
        const sharing = h.families
          .filter((g) => g.threshold === fam.threshold)
          .map((g) => hexColour(colours.get(`${h.host} ${g.label}`)!));
        let best = 0;
        for (let y = centre - 3 * ZOOM; y <= centre + 3 * ZOOM; y++) {
          for (const c of sharing) best = Math.max(best, rowCount(img, y, c, label.right));
        }
        // A dotted rule (2 on, 2 off) across the 520-unit plot covers about half of its width.
        expect(best).toBeGreaterThan(0.3 * 520 * ZOOM);
      }
    }
  });

  test("each host and family has its own colour, drawn in the plot", () => {
    const { svg, f } = chart(name);
    const colours = legendColours(svg);
    const groups = f.hosts.flatMap((h) => h.families.map((fam) => `${h.host} ${fam.label}`));
    expect([...colours.keys()].sort()).toEqual([...groups].sort());
    expect(new Set(colours.values()).size).toBe(colours.size);
    const img = render(svg);
    for (const c of colours.values()) {
      // More than the legend's symbol: the lines themselves.
      expect(inkBox(img, hexColour(c), 10)!.pixels).toBeGreaterThan(200 * ZOOM);
    }
  });

  test("the behaviour legend draws both symbols, and they differ", () => {
    const { svg } = chart(name);
    const labels = texts(svg, "role-legend-label").map((t) => t.text);
    const at = (label: string) => {
      const img = render(recolour(svg, "role-legend-symbol", labels.indexOf(label), "path"));
      return inkBox(img, PROBE);
    };
    const barrier = at("with barrier");
    const dflt = at("default");
    expect(barrier).toBeDefined();
    expect(dflt).toBeDefined();
    // At least 10 units long, so that a dash pattern shows.
    expect(dflt!.right - dflt!.left + 1).toBeGreaterThanOrEqual(10 * ZOOM);
    // The barrier's line is wide and solid, the default's thin and dashed.
    expect(barrier!.bottom - barrier!.top).toBeGreaterThan(dflt!.bottom - dflt!.top);
    expect(barrier!.pixels).toBeGreaterThan(1.5 * dflt!.pixels);
  });
});

/** Colour of each host and family, from the colour legend's symbols. */
function legendColours(svg: string): Map<string, string> {
  const symbols = [...svg.matchAll(/role-legend-symbol"[^>]*>([\s\S]*?)<\/g>/g)].map((m) => m[1]);
  const labels = texts(svg, "role-legend-label").map((t) => t.text);
  const out = new Map<string, string>();
  symbols.forEach((s, i) => {
    const fill = /fill="(#[0-9a-f]{6})"/i.exec(s);
    if (fill && labels[i] !== "with barrier" && labels[i] !== "default")
      out.set(labels[i], fill[1]);
  });
  return out;
}

test("where the barrier's line and the default's coincide, both show (two-hosts: no barrier for DNS clients)", () => {
  const { svg } = chart("examples/two-hosts");
  const img = render(svg);
  const c = hexColour(legendColours(svg).get("kms-a Windows Server")!);
  // The barrier's wide pale line beside the default's dashed one in full colour.
  expect(inkBox(img, overWhite(c, 0.45), 6)!.pixels).toBeGreaterThan(500 * ZOOM);
  expect(inkBox(img, c, 6)!.pixels).toBeGreaterThan(200 * ZOOM);
});

test("a family that never activates is named with its count and threshold", () => {
  const { svg } = chart("reference stack, 4 new Windows Server VMs (never activate)");
  expect(texts(svg, "role-title-subtitle").map((t) => t.text)).toEqual([
    "Never activate: kms Windows Server (count 4 of the 5 needed)",
  ]);
  expect(texts(svg, "layer_\\d+_marks").map((t) => t.text)).toEqual([
    "kms Windows Server: threshold 5, count 4: never activates",
  ]);
  const shared = chart(
    "a long host name; Windows Server reached, Office never (one threshold for both)",
  ).svg;
  expect(texts(shared, "layer_\\d+_marks").map((t) => t.text)).toEqual([
    "kms-westeurope-prod Windows Server: threshold 5\nkms-westeurope-prod Office: threshold 5, count 1: never activates",
  ]);
});

test("a host with no clients is named", () => {
  const { svg } = chart("reference stack, no client VMs (a host with no clients)");
  expect(texts(svg, "role-title-subtitle").map((t) => t.text)).toEqual(["No clients: kms"]);
});
