import { chartRows, countTicks, renderForecastSvg } from "../tools/chart";
import { forecast } from "../tools/forecast";

const f = forecast({
  hosts: [{ name: "kms", activationIntervalMinutes: 120 }],
  clients: [
    ...Array.from({ length: 5 }, (_, i) => ({
      name: `srv-${i}`,
      family: "windowsServer" as const,
      host: "kms",
    })),
    { name: "office-0", family: "office" as const, host: "kms" },
  ],
});

test("chart rows step from pending to all activated, per behaviour", () => {
  const rows = chartRows(f).filter((r) => r.series.startsWith("kms Windows Server"));
  expect(rows).toEqual([
    // Left of 0, the deployment: the client that activates on its first request.
    {
      series: "kms Windows Server (with barrier)",
      behaviour: "with barrier",
      minutes: -20,
      activated: 1,
    },
    {
      series: "kms Windows Server (with barrier)",
      behaviour: "with barrier",
      minutes: 0,
      activated: 5,
    },
    {
      series: "kms Windows Server (with barrier)",
      behaviour: "with barrier",
      minutes: 180,
      activated: 5,
    },
    { series: "kms Windows Server (default)", behaviour: "default", minutes: -20, activated: 1 },
    { series: "kms Windows Server (default)", behaviour: "default", minutes: 0, activated: 1 },
    { series: "kms Windows Server (default)", behaviour: "default", minutes: 120, activated: 5 },
    { series: "kms Windows Server (default)", behaviour: "default", minutes: 180, activated: 5 },
  ]);
});

test("the chart is an SVG document with both series and the never-activating family", async () => {
  const svg = await renderForecastSvg(f);
  expect(svg.startsWith("<svg")).toBe(true);
  expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(svg).toContain("host and family: kms Windows Server; behaviour: with barrier");
  expect(svg).toContain("host and family: kms Windows Server; behaviour: default");
  expect(svg).toContain("Never activate: kms Office (count 1 of the 5 needed)");
  expect(svg).toContain("minutes after deployment");
});

describe("readability (the rendered SVG's text, as a renderer draws it)", () => {
  /** The text elements of an SVG, unescaped. */
  const texts = (svg: string) =>
    [...svg.matchAll(/<text[^>]*>([\s\S]*?)<\/text>/g)].map((m) =>
      m[1]
        .replace(/<tspan[^>]*>/g, "\n")
        .replace(/<\/tspan>/g, "")
        .trim()
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">"),
    );

  test("legend labels and titles in full (no ellipsis), one entry per host and family", async () => {
    const t = texts(await renderForecastSvg(f));
    expect(t.filter((x) => x.includes("…"))).toEqual([]);
    expect(t).toEqual(
      expect.arrayContaining([
        "host and family",
        "kms Windows Server",
        "behaviour",
        "with barrier",
        "default",
      ]),
    );
  });

  test("the count axis has whole numbers only", async () => {
    const t = texts(await renderForecastSvg(f));
    const ticks = t.filter((x) => /^-?\d+(\.\d+)?$/.test(x));
    expect(ticks.length).toBeGreaterThan(3);
    expect(ticks.filter((x) => x.includes("."))).toEqual([]);
  });

  test("each threshold is a labelled rule; a family that never activates shows its count and threshold", async () => {
    const t = texts(await renderForecastSvg(f));
    // Both families need 5: one label on the shared rule names both, one line each.
    // One panel per family, each with its rule and label.
    expect(t).toContain("threshold 5, count 5");
    expect(t).toContain("threshold 5, count 1: never activates");
  });
});

test("drawing the chart prints nothing (vega-lite's WARN lines went to the user's terminal)", async () => {
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
  const error = jest.spyOn(console, "error").mockImplementation(() => undefined);
  try {
    await renderForecastSvg(f);
    expect([...warn.mock.calls, ...log.mock.calls, ...error.mock.calls]).toEqual([]);
  } finally {
    warn.mockRestore();
    log.mockRestore();
    error.mockRestore();
  }
});

test.each([
  [2, [0, 1, 2]],
  [6, [0, 1, 2, 3, 4, 5, 6]],
  [11, [0, 2, 4, 6, 8, 10, 12]],
  [31, [0, 5, 10, 15, 20, 25, 30, 35]],
  [51, [0, 10, 20, 30, 40, 50, 60]],
])("count ticks up to %d: whole numbers from 0 past the top, at most about ten", (top, ticks) => {
  expect(countTicks(top)).toEqual(ticks);
});
