/**
 * Activation timeline chart (SVG) for a forecast: activated clients over the minutes after the
 * deployment, one step line per host, family and behaviour ("with barrier" vs "default").
 * Rendered with vega-lite 5 → vega 5, headless (`renderer: "none"`).
 */
import type { Forecast } from "./forecast";
import { CHART_PACKAGES, requireOptional } from "./optional";

export interface ChartRow {
  series: string;
  behaviour: "with barrier" | "default";
  minutes: number;
  activated: number;
}

/** The data the chart draws: cumulative activated clients per series at each step. */
export function chartRows(f: Forecast): ChartRow[] {
  const rows: ChartRow[] = [];
  const end = Math.max(120, ...f.hosts.map((h) => h.activationIntervalMinutes)) * 1.5;
  for (const h of f.hosts) {
    for (const fam of h.families) {
      for (const behaviour of ["with barrier", "default"] as const) {
        const key = behaviour === "with barrier" ? "withBarrierMinutes" : "defaultMinutes";
        const times = fam.perClient.map((c) => c[key]).filter((t): t is number => t !== null);
        const series = `${h.host} ${fam.label} (${behaviour})`;
        const steps = [...new Set([0, ...times, end])].sort((a, b) => a - b);
        for (const t of steps) {
          rows.push({
            series,
            behaviour,
            minutes: t,
            activated: times.filter((x) => x <= t).length,
          });
        }
      }
    }
  }
  return rows;
}

/** One horizontal rule per host and family: the count the host needs before it activates anyone. */
export interface ThresholdRow {
  group: string;
  threshold: number;
  label: string;
}

export function thresholdRows(f: Forecast): ThresholdRow[] {
  return f.hosts.flatMap((h) =>
    h.families.map((fam) => ({
      group: `${h.host} ${fam.label}`,
      threshold: fam.threshold,
      label: fam.reached
        ? `${h.host} ${fam.label}: threshold ${fam.threshold}`
        : `${h.host} ${fam.label}: threshold ${fam.threshold}, count ${fam.finalCount}: never activates`,
    })),
  );
}

const LABEL_LINE_HEIGHT = 13;

/** Whole-number tick values from 0 to at least `top`, about ten at most (1, 2, 5, 10, 20, 50… apart). */
export function countTicks(top: number): number[] {
  const steps = [1, 2, 5];
  let step = 1;
  for (let scale = 1; ; scale *= 10) {
    const fit = steps.map((s) => s * scale).find((s) => top / s <= 10);
    if (fit !== undefined) {
      step = fit;
      break;
    }
  }
  return Array.from({ length: Math.ceil(top / step) + 1 }, (_, i) => i * step);
}

/** What the subtitle says: families that never activate (with count and threshold), hosts with no clients. */
function subtitle(f: Forecast): string[] {
  const lines = f.hosts.flatMap((h) =>
    h.families
      .filter((fam) => !fam.reached)
      .map(
        (fam) =>
          `Never activate: ${h.host} ${fam.label} (count ${fam.finalCount} of the ${fam.threshold} needed)`,
      ),
  );
  const idle = f.hosts.filter((h) => h.families.length === 0).map((h) => h.host);
  if (idle.length > 0) lines.push(`No clients: ${idle.join(", ")}`);
  if (f.hosts.length === 0) lines.push("No KMS host in this plan");
  if (lines.length === 0) lines.push("Barrier: pending clients asked again at deployment end");
  return lines;
}

/**
 * The vega-lite spec of the chart, after the gallery's habits: one colour per host and family; the
 * behaviour as the line's dash and width (the barrier's line wide and pale under the default's dashed
 * one, so that both show where they coincide); legends below the plot with their labels in full; whole
 * numbers on the count axis; each threshold drawn as a dotted rule in its family's colour, labelled
 * with its number (and the count, when never reached).
 */
export function chartSpec(f: Forecast): Record<string, unknown> {
  const rows = chartRows(f).map((r) => ({
    ...r,
    group: r.series.replace(/ \((with barrier|default)\)$/, ""),
  }));
  const thresholds = thresholdRows(f);
  // One label per threshold value (families with the same threshold share a rule): one line each.
  const labels = [...new Set(thresholds.map((t) => t.threshold))].map((threshold) => ({
    threshold,
    label: thresholds.filter((t) => t.threshold === threshold).map((t) => t.label),
  }));
  // A text mark's later lines go below its first: each layer lifts its labels by their line count.
  const lineCounts = [...new Set(labels.map((l) => l.label.length))].sort((a, b) => a - b);
  const top =
    Math.max(1, ...rows.map((r) => r.activated), ...thresholds.map((t) => t.threshold)) + 1;
  // Whole numbers, plus each threshold, so that its count can be read on the axis.
  const ticks = [...new Set([...countTicks(top), ...thresholds.map((t) => t.threshold)])].sort(
    (a, b) => a - b,
  );
  const end = Math.max(120, ...f.hosts.map((h) => h.activationIntervalMinutes)) * 1.5;
  const legend = { orient: "bottom", direction: "vertical", labelLimit: 0, titleLimit: 0 };
  const y = {
    field: "activated",
    type: "quantitative",
    title: "activated clients",
    scale: { domain: [0, ticks[ticks.length - 1]], nice: false },
    axis: { values: ticks, tickCount: ticks.length, format: "d" },
  };
  const behaviour = (channel: string, range: unknown[], extra: Record<string, unknown> = {}) => ({
    [channel]: {
      field: "behaviour",
      type: "nominal",
      title: "behaviour",
      sort: ["with barrier", "default"],
      scale: { domain: ["with barrier", "default"], range },
      ...extra,
    },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: { text: "KMS activation after deployment", subtitle: subtitle(f) },
    width: 520,
    height: 260,
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", interpolate: "step-after", point: true },
        encoding: {
          x: {
            field: "minutes",
            type: "quantitative",
            title: "minutes after deployment",
            scale: { domain: [0, end], nice: false },
          },
          y,
          color: { field: "group", type: "nominal", title: "host and family", legend },
          ...behaviour(
            "strokeDash",
            [
              [1, 0],
              [6, 4],
            ],
            {
              legend: {
                ...legend,
                symbolType: "stroke",
                symbolSize: 500,
                symbolStrokeColor: "#444",
                encode: { symbols: { update: { stroke: { value: "#444" } } } },
              },
            },
          ),
          ...behaviour("strokeWidth", [5, 2]),
          ...behaviour("opacity", [0.45, 1]),
          // The default's line is drawn last, on top of the barrier's.
          order: { field: "behaviour", sort: "descending" },
        },
      },
      {
        data: { values: thresholds },
        mark: { type: "rule", strokeDash: [2, 2], strokeWidth: 1.5 },
        encoding: {
          y: { field: "threshold", type: "quantitative" },
          color: { field: "group", type: "nominal" },
        },
      },
      ...lineCounts.map((n) => ({
        data: { values: labels.filter((l) => l.label.length === n) },
        mark: {
          type: "text",
          // At the right end, where the lines have reached their final count: a label there meets a
          // line only when the final count is just above the threshold (the barrier's line is there on
          // the left too, and the default's early count adds more on the left).
          align: "right",
          baseline: "alphabetic",
          dx: -4,
          dy: -4 - (n - 1) * LABEL_LINE_HEIGHT,
          x: { expr: "width" },
          fontSize: 11,
          lineHeight: LABEL_LINE_HEIGHT,
          color: "#333",
        },
        encoding: {
          y: { field: "threshold", type: "quantitative" },
          text: { field: "label" },
        },
      })),
    ],
    resolve: { scale: { y: "shared", color: "shared" } },
  };
}

interface VegaView {
  toSVG(): Promise<string>;
  finalize(): void;
}

/** Renders the forecast chart as an SVG document. */
export async function renderForecastSvg(f: Forecast): Promise<string> {
  // CommonJS builds of vega and vega-lite (their type definitions are large and not needed here); not
  // dependencies of the package: loaded on demand, with a message naming them when they are missing.
  const vega = requireOptional<{
    View: new (runtime: unknown, opts: { renderer: string }) => VegaView;
    parse(spec: unknown): unknown;
  }>("vega", "kms-plan --chart", CHART_PACKAGES);
  const vl = requireOptional<{ compile(spec: unknown): { spec: unknown } }>(
    "vega-lite",
    "kms-plan --chart",
    CHART_PACKAGES,
  );
  const view = new vega.View(vega.parse(vl.compile(chartSpec(f)).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
