/** Axis ticks at "nice" numbers (1, 2, 2.5 or 5 times a power of ten), after Heckbert's Graphics Gems algorithm. */

/** A nice step for splitting `span` into about `target` intervals. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const nice = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
  return Number((nice * power).toPrecision(12));
}

/**
 * Tick positions at multiples of a nice step within `[lo, hi]`, about `target` of them.
 *
 * @example
 * ```ts
 * niceTicks(60, 120, 6); // { step: 10, ticks: [60, 70, 80, 90, 100, 110, 120] }
 * ```
 */
export function niceTicks(lo: number, hi: number, target = 6): { step: number; ticks: number[] } {
  const step = niceStep(hi - lo, target);
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let k = first; k <= last; k++) {
    // Multiplying (not accumulating) keeps 0.1 * 3 from drifting; rounding clears what is left.
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return { step, ticks };
}

/**
 * Formats ticks that share a step, in plot mini-markup: as many decimals as the step needs
 * (`0.25`, `2.5`, `100`), or `m×10^{e}` on axes that reach 10^5 or stay below 10^-3.
 *
 * @example
 * ```ts
 * formatTicks([0, 0.25, 0.5], 0.25);     // ['0', '0.25', '0.50']
 * formatTicks([0, 5e5, 1e6], 5e5);       // ['0', '5×10^{5}', '10^{6}']
 * ```
 */
export function formatTicks(ticks: readonly number[], step: number): string[] {
  const top = Math.max(...ticks.map(Math.abs), 0);
  if (top >= 1e5 || (top > 0 && top < 1e-3)) {
    return ticks.map((v) => {
      if (v === 0) return '0';
      const e = Math.floor(Math.log10(Math.abs(v)) + 1e-9);
      // The mantissa is a multiple of step / 10^e: give it the decimals that write that exactly
      // (2.5×10^4 steps need one at e = 4 and two at e = 5: 1.25×10^5).
      const m = Number((v / 10 ** e).toFixed(Math.min(6, decimalsOf(step / 10 ** e))));
      return m === 1 ? `10^{${e}}` : m === -1 ? `-10^{${e}}` : `${m}×10^{${e}}`;
    });
  }
  const decimals = decimalsOf(step);
  return ticks.map((v) => (v === 0 ? '0' : v.toFixed(decimals)));
}

/** The fewest decimals that write `x` exactly: 0.25 → 2, 2.5 → 1, 50 → 0. */
function decimalsOf(x: number): number {
  let decimals = 0;
  while (decimals < 10) {
    const scaled = Math.abs(x) * 10 ** decimals;
    if (Math.abs(Math.round(scaled) - scaled) <= 1e-6 * scaled) break;
    decimals++;
  }
  return decimals;
}
