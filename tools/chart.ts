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

/** The vega-lite spec of the chart. */
export function chartSpec(f: Forecast): Record<string, unknown> {
  const never = f.hosts.flatMap((h) =>
    h.families.filter((fam) => !fam.reached).map((fam) => `${h.host} ${fam.label}`),
  );
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
    data: { values: chartRows(f) },
    mark: { type: "line", interpolate: "step-after", point: true },
    encoding: {
      x: { field: "minutes", type: "quantitative", title: "minutes after deployment" },
      y: { field: "activated", type: "quantitative", title: "activated clients" },
      color: { field: "series", type: "nominal", title: "host, family (behaviour)" },
      strokeDash: { field: "behaviour", type: "nominal", title: "behaviour" },
    },
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
