import { chartRows, renderForecastSvg } from "../tools/chart";
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
  expect(svg).toContain("kms Windows Server (with barrier)");
  expect(svg).toContain("kms Windows Server (default)");
  expect(svg).toContain("Never activate: kms Office");
  expect(svg).toContain("minutes after deployment");
});
