import { HistError } from '../errors.ts';
import type { Hist } from '../hist.ts';
import type { Axis } from '../axes.ts';

/** One line of a plot: the bin contents of one category (or of the whole histogram). */
export interface PlotSeries {
  /** Legend text in mini-markup (`''` for a lone line, which gets no legend). */
  readonly label: string;
  readonly values: Float64Array;
  readonly variances: Float64Array;
}

/** What a plot draws: the x axis and its lines. */
export interface PlotData {
  readonly x: Axis;
  readonly series: readonly PlotSeries[];
}

/** Which axes of a histogram a plot shows. */
export interface SeriesOptions {
  /**
   * The axis along x.
   * @defaultValue the first numeric axis (the first axis when all are categories)
   */
  axis?: string;
  /**
   * A category axis to draw one line per category of (with a legend), or `false` for one line.
   * @defaultValue the first category axis other than x, if any
   */
  overlay?: string | false;
}

/**
 * Projects `hist` onto the plotted axes and splits it into lines, one per category of the overlay
 * axis (flow bins of x are left out; an overlay axis's "other" bin is drawn only when filled).
 */
export function plotSeries(hist: Hist, options: SeriesOptions = {}): PlotData {
  const x = options.axis !== undefined ? hist.axis(options.axis) : (hist.axes.find((a) => a.kind !== 'category') ?? (hist.axes[0] as Axis));
  let overlay: Axis | undefined;
  if (typeof options.overlay === 'string') {
    overlay = hist.axis(options.overlay);
    if (overlay.kind !== 'category' || overlay === x) {
      throw new HistError('E_PLOT', `Expected overlay to name a category axis other than '${x.name}', got '${options.overlay}' (${overlay.kind})`, {
        axis: options.overlay,
      });
    }
  } else if (options.overlay === undefined) {
    overlay = hist.axes.find((a) => a.kind === 'category' && a !== x);
  }
  if (!overlay || overlay.kind !== 'category') {
    const p = hist.project(x.name);
    return { x, series: [{ label: '', values: p.values(), variances: p.variances() }] };
  }
  const p = hist.project(x.name, overlay.name);
  const values = p.values({ flow: true });
  const variances = p.variances({ flow: true });
  const cols = overlay.extent;
  const lo = x.underflow ? 1 : 0;
  const series: PlotSeries[] = [];
  const labels = [...overlay.categories, ...(overlay.overflow ? ['other'] : [])];
  labels.forEach((label, c) => {
    const v = new Float64Array(x.bins);
    const v2 = new Float64Array(x.bins);
    for (let i = 0; i < x.bins; i++) {
      v[i] = values[(lo + i) * cols + c] as number;
      v2[i] = variances[(lo + i) * cols + c] as number;
    }
    const isOther = c >= overlay.categories.length;
    if (!isOther || v.some((y) => y !== 0)) series.push({ label, values: v, variances: v2 });
  });
  return { x, series };
}
