/**
 * The forecast chart as a user sees it: the SVG that `kms-plan --chart` writes, rendered
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
import { chartRows, renderForecastSvg } from "../tools/chart";
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
  texts,
} from "./helpers/chartImage";

const root = path.join(__dirname, "..");
const referenceStack = path.join(root, "examples", "reference-stack");

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
    () => planned(referenceStack, { newClientCount: "0" }),
  ],
  [
    "reference stack, 5 new Windows Server VMs",
    () => planned(referenceStack, { newClientCount: "5" }),
  ],
  [
    "reference stack, 4 new Windows Server VMs (never activate)",
    () => planned(referenceStack, { newClientCount: "4" }),
  ],
  [
    "reference stack, 30 new Windows 11 VMs",
    () =>
      planned(referenceStack, { newClientCount: "30", newClientProduct: "Windows 11 Enterprise" }),
  ],
  ["examples/two-hosts", () => planned(path.join(root, "examples", "two-hosts"))],
  ["examples/office", () => planned(path.join(root, "examples", "office"))],
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
  "(?:child_)?layer_\\d+_marks",
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

  test("each panel's count axis shows whole numbers from 0, each once", () => {
    const { svg } = chart(name);
    const y = texts(svg, "role-axis-label").filter(
      (t) => /translate\(-/.test(t.attrs) && !/opacity="0"/.test(t.attrs),
    );
    const values = y.map((t) => t.text);
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect(values.every((v) => /^\d+$/.test(v))).toBe(true);
    // One axis per panel (host and family), each from 0.
    const axes: number[][] = [];
    for (const n of values.map(Number)) {
      if (n === 0) axes.push([]);
      axes[axes.length - 1].push(n);
    }
    for (const axis of axes) expect(new Set(axis).size).toBe(axis.length);
  });

  test("each threshold is a rule across its panel, labelled", () => {
    const { svg, f } = chart(name);
    const rules = [
      ...svg.matchAll(
        /<g class="mark-rule role-mark (?:child_)?layer_0_marks"[^>]*>([\s\S]*?)<\/g>/g,
      ),
    ].flatMap((m) =>
      [...m[1].matchAll(/<line [^>]*x2="(-?\d+)"/g)].map((l) => Math.abs(Number(l[1]))),
    );
    const families = f.hosts.flatMap((h) => h.families);
    expect(rules).toEqual(families.map(() => 520));
    const labels = texts(svg, "(?:child_)?layer_\\d+_marks").map((t) => t.text);
    for (const h of f.hosts) {
      for (const fam of h.families) {
        expect(labels).toContainEqual(
          expect.stringMatching(new RegExp(`^threshold ${fam.threshold}, count ${fam.finalCount}`)),
        );
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
  expect(texts(svg, "(?:child_)?layer_\\d+_marks").map((t) => t.text)).toEqual([
    "threshold 5, count 4: never activates",
  ]);
  const shared = chart(
    "a long host name; Windows Server reached, Office never (one threshold for both)",
  ).svg;
  expect(texts(shared, "(?:child_)?layer_\\d+_marks").map((t) => t.text)).toEqual([
    "threshold 5, count 5",
    "threshold 5, count 1: never activates",
  ]);
});

test("a host with no clients is named", () => {
  const { svg } = chart("reference stack, no client VMs (a host with no clients)");
  expect(texts(svg, "role-title-subtitle").map((t) => t.text)).toEqual(["No clients: kms"]);
});

test("examples/office: Windows Server and Office have the same curve, and both are seen (a panel each)", () => {
  const { svg } = chart("examples/office");
  const img = render(svg);
  const colours = legendColours(svg);
  expect([...colours.keys()].sort()).toEqual(["kms Office", "kms Windows Server"]);
  for (const c of colours.values()) {
    // The default's dashed line of each, in full colour, more than a legend symbol.
    expect(inkBox(img, hexColour(c), 6)!.pixels).toBeGreaterThan(800 * ZOOM);
  }
});

test("reference stack: the barrier's line does not lie on the threshold's rule all along (it rises at the deployment's end)", () => {
  const { f } = chart("reference stack, 5 new Windows Server VMs");
  const barrier = chartRows(f).filter((r) => r.behaviour === "with barrier");
  const threshold = f.hosts[0].families[0].threshold;
  // Left of 0 (the deployment) only the first request's client is activated: the line rises at 0.
  expect(barrier[0]).toMatchObject({ activated: 1 });
  expect(barrier.some((r) => r.activated !== threshold)).toBe(true);
  expect(barrier[barrier.length - 1].activated).toBe(threshold);
});

test("examples/on-prem-ssh: the threshold's label gives the host's count, reached with machines outside the stack", async () => {
  const f = await planned(path.join(root, "examples", "on-prem-ssh"));
  const labels = texts(await renderForecastSvg(f), "(?:child_)?layer_\\d+_marks").map(
    (t) => t.text,
  );
  expect(labels).toEqual([
    "threshold 25, count 31 (29 outside the stack)",
    "threshold 5, count 31 (29 outside the stack)",
  ]);
});
