import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import type { Hist } from '../hist.ts';
import type { Axis } from '../axes.ts';
import { escapeXml, estimateWidth, markupToSvg } from './markup.ts';
import { formatTicks, niceTicks } from './ticks.ts';
import { type PlotSeries, plotSeries } from './series.ts';

/** Options of {@link renderSvg}. */
export interface SvgOptions {
  /** Width in px. @defaultValue 640 */
  width?: number;
  /** Height in px. @defaultValue 480 */
  height?: number;
  /** Title above the plot, in mini-markup. @defaultValue none */
  title?: string;
  /** x-axis label in mini-markup. @defaultValue the x axis's label */
  xLabel?: string;
  /** y-axis label in mini-markup. @defaultValue `'Entries'`, or `'Entries / 2 GeV'` on a regular axis with units */
  yLabel?: string;
  /** Axis along x. @defaultValue the first numeric axis */
  axis?: string;
  /** Category axis to split into lines, or `false`. @defaultValue the first category axis other than x */
  overlay?: string | false;
  /** Whether to draw ±√variance error bars at bin centres. @defaultValue false */
  errors?: boolean;
  /** Font families for all text, CSS style. @defaultValue `'DejaVu Sans, Liberation Sans, Arial, sans-serif'` */
  fontFamily?: string;
}

/** zod schema of {@link SvgOptions}: the single source of truth of their defaults. */
export const svgOptionsSchema = z.object({
  width: z.number().int().min(100).max(10_000).default(640),
  height: z.number().int().min(100).max(10_000).default(480),
  title: z.string().optional(),
  xLabel: z.string().optional(),
  yLabel: z.string().optional(),
  axis: z.string().optional(),
  overlay: z.union([z.string(), z.literal(false)]).optional(),
  errors: z.boolean().default(false),
  fontFamily: z.string().default('DejaVu Sans, Liberation Sans, Arial, sans-serif'),
});

/** {@link SvgOptions} with defaults filled in. */
export type ResolvedSvgOptions = z.output<typeof svgOptionsSchema>;

/** Validates plot options (`E_INVALID_OPTIONS` saying which field and what came). */
export function resolveSvgOptions(options: unknown): ResolvedSvgOptions {
  const parsed = svgOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `\`${i.path.join('.')}\`: ${i.message}`).join('; ');
    throw new InvalidOptionsError(`Expected plot options ${'{ width, height, title, xLabel, yLabel, axis, overlay, errors, fontFamily }'}, got ${JSON.stringify(options)}: ${detail}`);
  }
  return parsed.data;
}

// Tableau 10: distinct, colour-blind-friendly enough, and what matplotlib users expect.
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const f = (x: number): string => String(Math.round(x * 100) / 100);

/** Bin edges along x: real edges for numeric axes, 0..n for categories. */
function xEdges(axis: Axis): Float64Array {
  return axis.kind === 'category' ? Float64Array.from({ length: axis.bins + 1 }, (_, i) => i) : axis.edges;
}

/** `Entries / 2 GeV` for a regular axis whose label ends in `[unit]`, else `Entries`. */
function defaultYLabel(axis: Axis): string {
  const unit = /\[([^\]]+)\]\s*$/.exec(axis.label)?.[1];
  if (axis.kind !== 'regular' || unit === undefined) return 'Entries';
  const width = Number(((axis.stop - axis.start) / axis.bins).toPrecision(3));
  return `Entries / ${width} ${unit}`;
}

/** The SVG path of a step histogram: up and down at each edge, flat across each bin. */
function stepPath(values: Float64Array, edges: Float64Array, sx: (x: number) => number, sy: (y: number) => number): string {
  const y0 = sy(0);
  let d = `M${f(sx(edges[0] as number))},${f(y0)}`;
  for (let i = 0; i < values.length; i++) {
    d += `V${f(sy(values[i] as number))}H${f(sx(edges[i + 1] as number))}`;
  }
  return `${d}V${f(y0)}`;
}

/**
 * Renders a 1-D histogram, or a 1-D projection of an N-D one with one line per category of a
 * category axis, as a standalone SVG document: step lines, ticks at nice numbers, axis labels and
 * title in mini-markup (`'m_{μμ} [GeV]'`, `'p_T'`, `'\\eta'`), and a legend when there are lines
 * per category.
 *
 * @example
 * ```ts
 * const svg = renderSvg(h, { title: 'Z → μμ', overlay: 'dataset' });
 * await writeFile('mass.svg', svg);
 * ```
 */
export function renderSvg(hist: Hist, options: SvgOptions = {}): string {
  const o = resolveSvgOptions(options);
  const { x, series } = plotSeries(hist, { ...(o.axis !== undefined && { axis: o.axis }), ...(o.overlay !== undefined && { overlay: o.overlay }) });
  const W = o.width;
  const H = o.height;
  const fs = Math.round(Math.min(W, H) / 32); // 15 px at 640×480
  const left = fs * 5.2;
  const right = fs * 1.5;
  const top = o.title !== undefined ? fs * 3 : fs * 1.5;
  const bottom = fs * 4;
  const x0 = left;
  const x1 = W - right;
  const y0 = H - bottom; // screen y of the lowest value
  const y1 = top;

  const edges = xEdges(x);
  const lo = edges[0] as number;
  const hi = edges[edges.length - 1] as number;
  let ymin = 0;
  let ymax = 0;
  for (const s of series) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] as number;
      const err = o.errors ? Math.sqrt(s.variances[i] as number) : 0;
      if (v + err > ymax) ymax = v + err;
      if (v - err < ymin) ymin = v - err;
    }
  }
  if (!(ymax > ymin)) ymax = ymin + 1;
  const yt = niceTicks(ymin, ymax + (ymax - ymin) * (series.length > 1 ? 0.25 : 0.1), 6);
  const ylo = Math.min(ymin, yt.ticks[0] ?? ymin);
  const yhi = Math.max(ymax * 1.05, yt.ticks[yt.ticks.length - 1] ?? ymax);
  const sx = (v: number): number => x0 + ((v - lo) / (hi - lo)) * (x1 - x0);
  const sy = (v: number): number => y0 - ((v - ylo) / (yhi - ylo)) * (y0 - y1);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escapeXml(o.fontFamily)}" font-size="${fs}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
  );

  // Series first, so axes and frame draw over them.
  series.forEach((s: PlotSeries, k) => {
    const color = COLORS[k % COLORS.length] as string;
    const path = stepPath(s.values, edges, sx, sy);
    const fill = series.length === 1 ? `fill="${color}" fill-opacity="0.2"` : 'fill="none"';
    out.push(`<path d="${path}" ${fill} stroke="${color}" stroke-width="1.8" stroke-linejoin="miter"/>`);
    if (o.errors) {
      let d = '';
      for (let i = 0; i < s.values.length; i++) {
        const c = sx(((edges[i] as number) + (edges[i + 1] as number)) / 2);
        const v = s.values[i] as number;
        const e = Math.sqrt(s.variances[i] as number);
        if (e > 0) d += `M${f(c)},${f(sy(v - e))}V${f(sy(v + e))}`;
      }
      if (d) out.push(`<path d="${d}" stroke="${color}" stroke-width="1.2" fill="none"/>`);
    }
  });

  // Frame and ticks (inward, as in HEP plots).
  const tick = fs * 0.5;
  out.push(`<rect x="${f(x0)}" y="${f(y1)}" width="${f(x1 - x0)}" height="${f(y0 - y1)}" fill="none" stroke="#000000" stroke-width="1.2"/>`);
  let ticks = '';
  const labels: string[] = [];
  if (x.kind === 'category') {
    x.categories.forEach((c, i) => {
      const cx = sx(i + 0.5);
      ticks += `M${f(cx)},${f(y0)}v${f(-tick)}`;
      labels.push(`<text x="${f(cx)}" y="${f(y0 + fs * 1.4)}" text-anchor="middle">${escapeXml(c)}</text>`);
    });
  } else {
    const xt = niceTicks(lo, hi, Math.max(3, Math.round((x1 - x0) / (fs * 6))));
    formatTicks(xt.ticks, xt.step).forEach((text, i) => {
      const cx = sx(xt.ticks[i] as number);
      ticks += `M${f(cx)},${f(y0)}v${f(-tick)}M${f(cx)},${f(y1)}v${f(tick)}`;
      labels.push(`<text x="${f(cx)}" y="${f(y0 + fs * 1.4)}" text-anchor="middle">${markupToSvg(text, fs)}</text>`);
    });
  }
  formatTicks(yt.ticks, yt.step).forEach((text, i) => {
    const v = yt.ticks[i] as number;
    if (v < ylo || v > yhi) return;
    const cy = sy(v);
    ticks += `M${f(x0)},${f(cy)}h${f(tick)}M${f(x1)},${f(cy)}h${f(-tick)}`;
    labels.push(`<text x="${f(x0 - fs * 0.5)}" y="${f(cy + fs * 0.35)}" text-anchor="end">${markupToSvg(text, fs)}</text>`);
  });
  out.push(`<path d="${ticks}" stroke="#000000" stroke-width="1.2" fill="none"/>`, ...labels);

  // Axis labels: x centred under the axis, y rotated along the left edge.
  const xLabel = o.xLabel ?? x.label;
  const xLiteral = o.xLabel === undefined && x.label === x.name;
  out.push(
    `<text x="${f((x0 + x1) / 2)}" y="${f(H - fs * 1.1)}" text-anchor="middle" font-size="${f(fs * 1.15)}">${markupToSvg(xLabel, fs * 1.15, xLiteral)}</text>`,
    `<text transform="translate(${f(fs * 1.5)},${f((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="${f(fs * 1.15)}">${markupToSvg(o.yLabel ?? defaultYLabel(x), fs * 1.15)}</text>`,
  );
  if (o.title !== undefined) {
    out.push(`<text x="${f((x0 + x1) / 2)}" y="${f(fs * 1.9)}" text-anchor="middle" font-size="${f(fs * 1.3)}" font-weight="bold">${markupToSvg(o.title, fs * 1.3)}</text>`);
  }

  // Legend: top right inside the frame, one row per line; category names are shown literally.
  if (series.length > 1) {
    const row = fs * 1.4;
    const textW = Math.max(...series.map((s) => estimateWidth(s.label, fs, true)));
    const boxW = fs * 3 + textW;
    const bx = x1 - boxW - fs * 0.6;
    const by = y1 + fs * 0.6;
    out.push(`<rect x="${f(bx)}" y="${f(by)}" width="${f(boxW)}" height="${f(row * series.length + fs * 0.4)}" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb"/>`);
    series.forEach((s, k) => {
      const color = COLORS[k % COLORS.length] as string;
      const cy = by + fs * 0.2 + row * (k + 0.5);
      out.push(
        `<path d="M${f(bx + fs * 0.5)},${f(cy)}h${f(fs * 1.6)}" stroke="${color}" stroke-width="2.5"/>`,
        `<text x="${f(bx + fs * 2.5)}" y="${f(cy + fs * 0.35)}">${markupToSvg(s.label, fs, true)}</text>`,
      );
    });
  }
  out.push('</svg>');
  return out.join('\n');
}
