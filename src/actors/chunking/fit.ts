/**
 * Robust straight-line fits for the chunk sizer: an element's cost is a fixed overhead plus a cost
 * per entry, `y = intercept + slope · x`. Timings are noisy and heavy-tailed (a garbage collection,
 * a cold page cache, a neighbour on the machine), so a least-squares fit is pulled around by one bad
 * element; the Theil–Sen estimator (median of pairwise slopes) shrugs off up to ~29% outliers.
 */

/** A fitted line `y = intercept + slope · x`. */
export interface Line {
  readonly intercept: number;
  readonly slope: number;
}

/** The median of `values` (average of the middle two for an even count); `NaN` when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The Theil–Sen line through the points `(xs[i], ys[i])`: the slope is the median of the slopes
 * between pairs whose `x` differ by more than `minSpread` (relative), the intercept the median of
 * `y - slope · x`. Returns `undefined` when no pair is far enough apart to tell a slope.
 *
 * @example
 * ```ts
 * theilSen([100, 200, 400], [15, 25, 45]); // { intercept: 5, slope: 0.1 }
 * ```
 */
export function theilSen(xs: readonly number[], ys: readonly number[], minSpread = 0.05): Line | undefined {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const dx = xs[j]! - xs[i]!;
      if (Math.abs(dx) <= minSpread * Math.max(Math.abs(xs[i]!), Math.abs(xs[j]!))) continue;
      slopes.push((ys[j]! - ys[i]!) / dx);
    }
  }
  if (slopes.length === 0) return undefined;
  const slope = median(slopes);
  const intercept = median(xs.map((x, i) => ys[i]! - slope * x));
  return { intercept, slope };
}

/**
 * Ordinary least squares, for the coffea baseline (scipy's `linregress`). Returns `undefined` when
 * every `x` is the same.
 */
export function leastSquares(xs: readonly number[], ys: readonly number[]): Line | undefined {
  const n = xs.length;
  if (n < 2) return undefined;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
