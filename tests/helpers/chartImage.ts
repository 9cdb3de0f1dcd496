/**
 * Renders an SVG to pixels with resvg (a real SVG renderer, from the npm registry) and finds things in
 * them. Fonts: only DejaVu Sans from the `dejavu-fonts-ttf` package, never the system's, so that a
 * fresh machine with nothing but Node and CI draw the same pixels.
 *
 * To find one element in the image, a test gives it a colour nothing else in the chart has
 * (`recolour`) and looks for that colour (`inkBox`).
 */
import * as path from "path";
import { Resvg } from "@resvg/resvg-js";

const FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) =>
  path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf", f),
);

/** Pixels per SVG unit: large enough that 10 px text has solid strokes. */
export const ZOOM = 2;

export interface Image {
  width: number;
  height: number;
  /** RGBA, row by row. */
  pixels: Buffer;
}

export function render(svg: string): Image {
  const r = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: ZOOM },
    font: {
      loadSystemFonts: false,
      fontFiles: FONTS,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  }).render();
  return { width: r.width, height: r.height, pixels: r.pixels };
}

export function png(svg: string): Buffer {
  return new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: ZOOM },
    font: {
      loadSystemFonts: false,
      fontFiles: FONTS,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  })
    .render()
    .asPng();
}

export type Rgb = [number, number, number];

export function hexColour(hex: string): Rgb {
  const h = hex.replace("#", "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
}

/** The colour `c` drawn at `opacity` over white. */
export function overWhite(c: Rgb, opacity: number): Rgb {
  return c.map((v) => Math.round(v * opacity + 255 * (1 - opacity))) as Rgb;
}

function near(img: Image, i: number, c: Rgb, tolerance: number): boolean {
  const p = img.pixels;
  return (
    Math.abs(p[i] - c[0]) <= tolerance &&
    Math.abs(p[i + 1] - c[1]) <= tolerance &&
    Math.abs(p[i + 2] - c[2]) <= tolerance
  );
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  pixels: number;
}

/** Bounding box of the pixels whose offset `i` into `img.pixels` passes `hit` (undefined when none do). */
function boxOf(img: Image, hit: (i: number) => boolean): Box | undefined {
  let box: Box | undefined;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!hit((y * img.width + x) * 4)) continue;
      if (!box) box = { left: x, top: y, right: x, bottom: y, pixels: 0 };
      box.left = Math.min(box.left, x);
      box.right = Math.max(box.right, x);
      box.top = Math.min(box.top, y);
      box.bottom = Math.max(box.bottom, y);
      box.pixels++;
    }
  }
  return box;
}

/** Bounding box of the pixels within `tolerance` of colour `c` (undefined when there are none). */
export function inkBox(img: Image, c: Rgb, tolerance = 40): Box | undefined {
  return boxOf(img, (i) => near(img, i, c, tolerance));
}

/** Pixels of colour `c` in row `y` between columns `from` and `to`. */
export function rowCount(img: Image, y: number, c: Rgb, from = 0, to = img.width, tolerance = 40) {
  let n = 0;
  for (let x = Math.max(0, from); x < Math.min(img.width, to); x++) {
    if (near(img, (y * img.width + x) * 4, c, tolerance)) n++;
  }
  return n;
}

/** Bounding box of everything that is not white. */
export function contentBox(img: Image): Box | undefined {
  const p = img.pixels;
  return boxOf(img, (i) => !(p[i] > 250 && p[i + 1] > 250 && p[i + 2] > 250));
}

/** A colour no chart uses: what `recolour` paints the element under test with. */
export const PROBE: Rgb = [255, 0, 255];
const PROBE_HEX = "#ff00ff";

/**
 * The SVG with the `index`-th `tag` element (counted in document order over every `<g class="…role…">`
 * group) painted in the probe colour (fill for text, stroke for paths and lines), all else as it was.
 */
export function recolour(
  svg: string,
  role: string,
  index: number,
  tag: "text" | "path" | "line" = "text",
): string {
  let seen = -1;
  const groupRe = new RegExp(`<g class="[^"]*\\b${role}\\b[^"]*"[^>]*>`, "g");
  let out = "";
  let last = 0;
  for (const g of svg.matchAll(groupRe)) {
    const start = g.index! + g[0].length;
    const end = svg.indexOf("</g>", start);
    const body = svg.slice(start, end);
    const tagRe = new RegExp(`<(${tag})\\b([^>]*?)(\\/?)>`, "g");
    const replaced = body.replace(tagRe, (m, tag, attrs, slash) => {
      seen++;
      if (seen !== index) return m;
      const paint = tag === "text" ? "fill" : "stroke";
      let a = (attrs as string).replace(/\s(fill|stroke)="[^"]*"/g, "");
      a += ` ${paint}="${PROBE_HEX}"`;
      if (tag === "text") a += ` fill-opacity="1"`;
      else a += ` fill="none" stroke-opacity="1"`;
      a = a.replace(/\sopacity="[^"]*"/, ' opacity="1"');
      return `<${tag}${a}${slash}>`;
    });
    out += svg.slice(last, start) + replaced;
    last = end;
  }
  return out + svg.slice(last);
}

/** The text elements of an SVG group role, in order: their content and attributes. */
export function texts(svg: string, role: string): { text: string; attrs: string }[] {
  const out: { text: string; attrs: string }[] = [];
  const groupRe = new RegExp(`<g class="[^"]*\\b${role}\\b[^"]*"[^>]*>`, "g");
  for (const g of svg.matchAll(groupRe)) {
    const start = g.index! + g[0].length;
    const body = svg.slice(start, svg.indexOf("</g>", start));
    for (const t of body.matchAll(/<text\b([^>]*)>([\s\S]*?)<\/text>/g)) {
      out.push({ attrs: t[1], text: unescape(t[2]) });
    }
  }
  return out;
}

function unescape(s: string): string {
  return s
    .replace(/<tspan[^>]*>/g, "\n")
    .replace(/<\/tspan>/g, "")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .trim();
}

/** Width in image pixels of `text` drawn alone in the probe colour, with the same font and size. */
export function fullTextWidth(text: string, fontSize: string, bold = false): number {
  const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="40">` +
    `<text x="10" y="30" font-family="sans-serif" font-size="${fontSize}"${bold ? ' font-weight="bold"' : ""} fill="${PROBE_HEX}">${esc}</text></svg>`;
  const box = inkBox(render(svg), PROBE);
  return box ? box.right - box.left + 1 : 0;
}
