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

/** The chart's time span: from the deployment (drawn before 0) to 1.5 activation intervals after it. */
export function chartSpan(f: Forecast): { during: number; end: number } {
  const end = Math.max(120, ...f.hosts.map((h) => h.activationIntervalMinutes)) * 1.5;
  return { during: -Math.round(end / 9), end };
}

/**
 * The data the chart draws: cumulative activated clients per series at each step. The first step, left
 * of 0, is the deployment itself: the clients that activate on their first request. So the barrier's
 * rise at the deployment's end shows, also where its line then runs along the threshold.
 */
export function chartRows(f: Forecast): ChartRow[] {
  const rows: ChartRow[] = [];
  const { during, end } = chartSpan(f);
  for (const h of f.hosts) {
    for (const fam of h.families) {
      const first = fam.perClient.filter((c) => c.activatesOnFirstRequest).length;
      for (const behaviour of ["with barrier", "default"] as const) {
        const key = behaviour === "with barrier" ? "withBarrierMinutes" : "defaultMinutes";
        const times = fam.perClient.map((c) => c[key]).filter((t): t is number => t !== null);
        const series = `${h.host} ${fam.label} (${behaviour})`;
        rows.push({ series, behaviour, minutes: during, activated: first });
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
      // The count is the host's (shared by Windows client OS and Windows Server, external clients
      // included), not the activated clients the lines show: say it, so that a count reached by
      // machines outside the stack is not read as "never reached".
      // (The panel's header names the host and family.)
      label: fam.reached
        ? `threshold ${fam.threshold}, count ${fam.finalCount}` +
          (fam.externalClients > 0 ? ` (${fam.externalClients} outside the stack)` : "")
        : `threshold ${fam.threshold}, count ${fam.finalCount}: never activates`,
    })),
  );
}

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

/** Width and height of each panel (one per host and family). */
const PANEL = { width: 520, height: 190 };

/**
 * The vega-lite spec of the chart, after the gallery's habits: one panel per host and family (so that
 * two families with the same curve, Windows Server and Office on one host, are both seen), in its own
 * colour; the behaviour as the line's dash and width (the barrier's line wide and pale under the
 * default's dashed one, so that both show where they coincide); legends below the plot with their
 * labels in full; whole numbers on the count axis. Each threshold is a thin grey dotted rule drawn
 * under the lines, labelled with its number (and the count, when never reached): where the barrier's
 * line reaches the threshold (all activated at the deployment's end) the line is seen, not the rule.
 */
export function chartSpec(f: Forecast): Record<string, unknown> {
  const lineRows = chartRows(f).map((r) => ({
    kind: "line",
    ...r,
    group: r.series.replace(/ \((with barrier|default)\)$/, ""),
  }));
  const thresholds = thresholdRows(f);
  const groups = [...new Set([...lineRows.map((r) => r.group), ...thresholds.map((t) => t.group)])];
  const top =
    Math.max(1, ...lineRows.map((r) => r.activated), ...thresholds.map((t) => t.threshold)) + 1;
  // Whole numbers, plus each threshold, so that its count can be read on the axis.
  const ticks = [...new Set([...countTicks(top), ...thresholds.map((t) => t.threshold)])].sort(
    (a, b) => a - b,
  );
  const { during, end } = chartSpan(f);
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
  const only = (kind: string) => [{ filter: `datum.kind === '${kind}'` }];
  const layer = [
    {
      transform: only("threshold"),
      mark: { type: "rule", strokeDash: [2, 2], strokeWidth: 1.5, color: "#555" },
      encoding: { y: { field: "threshold", type: "quantitative" } },
    },
    {
      transform: only("line"),
      mark: { type: "line", interpolate: "step-after", point: true },
      encoding: {
        x: {
          field: "minutes",
          type: "quantitative",
          title: "minutes after deployment (left of 0: during it, first requests)",
          scale: { domain: [during, end], nice: false },
        },
        y,
        color: { field: "group", type: "nominal", title: "host and family", sort: groups, legend },
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
      transform: only("threshold"),
      mark: {
        type: "text",
        // At the right end, above the rule, where the lines have reached their final count.
        align: "right",
        baseline: "alphabetic",
        dx: -4,
        dy: -4,
        x: PANEL.width,
        fontSize: 11,
        color: "#333",
      },
      encoding: {
        y: { field: "threshold", type: "quantitative" },
        text: { field: "label" },
      },
    },
  ];
  const data = { values: [...lineRows, ...thresholds.map((t) => ({ kind: "threshold", ...t }))] };
  const title = { text: "KMS activation after deployment", subtitle: subtitle(f) };
  if (groups.length === 0) {
    // Nothing to draw a panel for: one empty plot with the subtitle saying why.
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      title,
      data,
      ...PANEL,
      layer,
    };
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data,
    facet: {
      row: {
        field: "group",
        type: "nominal",
        sort: groups,
        title: null,
        header: {
          labelAngle: 0,
          labelOrient: "top",
          labelAnchor: "start",
          labelFontSize: 12,
          labelFontWeight: "bold",
          labelLimit: 0,
        },
      },
    },
    spec: { ...PANEL, layer },
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
