/**
 * Activation timeline chart (SVG) for a forecast: activated clients over the minutes after the
 * deployment, one step line per host, family and behaviour ("with barrier" vs "default").
 * Rendered with vega-lite 5 → vega 5, headless (`renderer: "none"`).
 */
import type { Forecast } from "./forecast";

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

/**
 * The vega-lite spec of the chart, after the gallery's habits: one colour per host and family, the
 * behaviour as the dash, legends below the plot with their labels in full, whole numbers on the count
 * axis, and each threshold drawn as a dashed rule with its number (and the count, when never reached).
 */
export function chartSpec(f: Forecast): Record<string, unknown> {
  const never = f.hosts.flatMap((h) =>
    h.families.filter((fam) => !fam.reached).map((fam) => `${h.host} ${fam.label}`),
  );
  const rows = chartRows(f).map((r) => ({
    ...r,
    group: r.series.replace(/ \((with barrier|default)\)$/, ""),
  }));
  const thresholds = thresholdRows(f);
  const labels = [...new Set(thresholds.map((t) => t.threshold))].map((threshold) => ({
    threshold,
    label: thresholds
      .filter((t) => t.threshold === threshold)
      .map((t) => t.label)
      .join("; "),
  }));
  const top = Math.max(1, ...rows.map((r) => r.activated), ...thresholds.map((t) => t.threshold));
  const legend = { orient: "bottom", direction: "vertical", labelLimit: 0, titleLimit: 0 };
  const y = {
    field: "activated",
    type: "quantitative",
    title: "activated clients",
    scale: { domain: [0, top + 1] },
    axis: { tickMinStep: 1, format: "d" },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: {
      text: "KMS activation after deployment",
      subtitle:
        never.length > 0
          ? `Never activate: ${never.join(", ")}`
          : "Barrier: pending clients asked again at deployment end",
    },
    width: 520,
    height: 260,
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", interpolate: "step-after", point: true, strokeWidth: 2 },
        encoding: {
          x: { field: "minutes", type: "quantitative", title: "minutes after deployment" },
          y,
          color: { field: "group", type: "nominal", title: "host and family", legend },
          strokeDash: {
            field: "behaviour",
            type: "nominal",
            title: "behaviour",
            scale: {
              domain: ["with barrier", "default"],
              range: [
                [1, 0],
                [6, 4],
              ],
            },
            legend: {
              ...legend,
              symbolType: "stroke",
              symbolStrokeWidth: 2,
              symbolStrokeColor: "#444",
            },
          },
        },
      },
      {
        data: { values: thresholds },
        mark: { type: "rule", strokeDash: [2, 2], strokeWidth: 1.5 },
        encoding: {
          y: { field: "threshold", type: "quantitative" },
          color: { field: "group", type: "nominal", legend: null },
        },
      },
      {
        // One label per threshold value (families with the same threshold share a line).
        data: { values: labels },
        mark: { type: "text", align: "left", dx: 4, dy: -6, x: 0, fontSize: 11, color: "#333" },
        encoding: {
          y: { field: "threshold", type: "quantitative" },
          text: { field: "label" },
        },
      },
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
  // CommonJS builds of vega and vega-lite (their type definitions are large and not needed here).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vega = require("vega") as {
    View: new (runtime: unknown, opts: { renderer: string }) => VegaView;
    parse(spec: unknown): unknown;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vl = require("vega-lite") as { compile(spec: unknown): { spec: unknown } };
  const view = new vega.View(vega.parse(vl.compile(chartSpec(f)).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
