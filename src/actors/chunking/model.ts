import { median, theilSen, type Line } from './fit.ts';
import type { AdaptiveChunkOptions } from './options.ts';

/** One completed element, as the model keeps it. */
export interface Observation {
  readonly entries: number;
  readonly ms: number;
  readonly bytes?: number;
  readonly peakMemory?: number;
}

/** What a group's model believes, for inspection and tests. */
export interface ChunkModelSnapshot {
  readonly group: string | undefined;
  /** Elements in the fit's window. */
  readonly observations: number;
  /** Fitted fixed cost of an element, in ms. */
  readonly overheadMs: number | undefined;
  /** Fitted cost of one entry, in ms. */
  readonly msPerEntry: number | undefined;
  /** Entries that the fit says take the target time (before exploration and caps). */
  readonly optimum: number | undefined;
  /** Largest size allowed after a resource exhaustion, while it lasts. */
  readonly ceiling: number | undefined;
  /** Times the model forgot its past because the cost changed. */
  readonly resets: number;
  /** Median bytes read per entry, when elements report it. */
  readonly bytesPerEntry: number | undefined;
}

/** Two elements in a row this far off the prediction (either way) mean the cost has changed. */
const SURPRISE = 1.5;
/** Fraction of `memoryLimit` that proposed sizes aim to stay under. */
const MEMORY_HEADROOM = 0.8;

/**
 * The cost model of one group (dataset): `ms = overhead + msPerEntry · entries`, fitted with
 * Theil–Sen over a window of recent elements. Two surprising elements in a row (off by 1.5× the
 * same way) mean the cost changed (another file, another kind of event): the model then keeps only
 * those two and fits again, so it re-converges in a few elements instead of a window's worth.
 */
export class GroupModel {
  readonly group: string | undefined;
  readonly #options: AdaptiveChunkOptions;
  #observations: Observation[] = [];
  #line: Line | undefined;
  #surprises = 0;
  #surpriseSign = 0;
  #ceiling: number | undefined;
  #sinceExhausted = 0;
  #above = false;
  #resets = 0;

  constructor(group: string | undefined, options: AdaptiveChunkOptions) {
    this.group = group;
    this.#options = options;
  }

  /** Learns from one completed element. */
  add(observation: Observation): void {
    const predicted = this.predictMs(observation.entries);
    if (predicted !== undefined && predicted > 0) {
      const ratio = observation.ms / predicted;
      const sign = ratio > SURPRISE ? 1 : ratio < 1 / SURPRISE ? -1 : 0;
      this.#surprises = sign === 0 ? 0 : sign === this.#surpriseSign ? this.#surprises + 1 : 1;
      this.#surpriseSign = sign;
    }
    this.#observations.push(observation);
    if (this.#surprises >= 2) {
      this.#observations = this.#observations.slice(-2);
      this.#surprises = 0;
      this.#surpriseSign = 0;
      this.#resets++;
    } else if (this.#observations.length > this.#options.window) {
      this.#observations.shift();
    }
    this.#line = undefined;
    if (this.#ceiling !== undefined && this.#options.relaxAfter > 0 && ++this.#sinceExhausted >= this.#options.relaxAfter) {
      this.#sinceExhausted = 0;
      this.#ceiling = Math.floor(this.#ceiling * 1.5);
      if (this.#ceiling >= this.#options.max) this.#ceiling = undefined;
    }
  }

  /** An element of `entries` ran out of memory or time: sizes stay at most half of it for a while. */
  exhausted(entries: number): void {
    const half = Math.max(this.#options.min, Math.floor(entries / 2));
    this.#ceiling = this.#ceiling === undefined ? half : Math.min(this.#ceiling, half);
    this.#sinceExhausted = 0;
  }

  /** The fitted line, or `undefined` before the first observation. */
  line(): Line | undefined {
    if (this.#line !== undefined || this.#observations.length === 0) return this.#line;
    const xs = this.#observations.map((o) => o.entries);
    const ys = this.#observations.map((o) => o.ms);
    const fit = theilSen(xs, ys);
    if (fit !== undefined && fit.slope > 0) {
      this.#line = { slope: fit.slope, intercept: Math.max(0, fit.intercept) };
    } else {
      // All sizes alike (or noise hides the slope): a plain ratio, which overstates the per-entry
      // cost by the overhead and so errs towards smaller elements.
      this.#line = { slope: Math.max(0, median(this.#observations.map((o) => o.ms / o.entries))), intercept: 0 };
    }
    return this.#line;
  }

  /** Predicted duration of an element of `entries`, in ms. */
  predictMs(entries: number): number | undefined {
    const line = this.line();
    return line === undefined ? undefined : line.intercept + line.slope * entries;
  }

  /** Entries that take `targetMs` according to the fit (unbounded). */
  optimum(targetMs: number): number | undefined {
    const line = this.line();
    if (line === undefined) return undefined;
    if (line.slope <= 0) return Number.POSITIVE_INFINITY;
    // When the overhead alone eats most of the target, aim for elements whose own work is half the
    // target: the best that can be done without elements made of overhead.
    return Math.max(targetMs - line.intercept, targetMs / 2) / line.slope;
  }

  /** The next size to ask for. */
  propose(targetMs: number): number {
    const o = this.#options;
    let size: number;
    const optimum = this.optimum(targetMs);
    if (optimum === undefined) size = o.initial;
    else {
      const largest = Math.max(...this.#observations.map((x) => x.entries));
      const cap = o.maxGrowth * largest;
      if (optimum <= cap) {
        // Alternate just above and just below the optimum so that the slope stays identifiable.
        this.#above = !this.#above;
        size = Math.min(cap, optimum * (1 + (this.#above ? o.explore : -o.explore)));
      } else size = cap;
    }
    size = Math.min(size, o.max, this.#ceiling ?? Number.POSITIVE_INFINITY, this.#memoryCap());
    return Math.max(o.min, Math.floor(size));
  }

  #memoryCap(): number {
    const limit = this.#options.memoryLimit;
    if (limit === undefined) return Number.POSITIVE_INFINITY;
    const seen = this.#observations.filter((o) => o.peakMemory !== undefined);
    if (seen.length === 0) return Number.POSITIVE_INFINITY;
    const fit = theilSen(
      seen.map((o) => o.entries),
      seen.map((o) => o.peakMemory!),
    );
    const budget = limit * MEMORY_HEADROOM;
    if (fit !== undefined && fit.slope > 0) return (budget - Math.max(0, fit.intercept)) / fit.slope;
    const perEntry = median(seen.map((o) => o.peakMemory! / o.entries));
    return perEntry > 0 ? budget / perEntry : Number.POSITIVE_INFINITY;
  }

  /** What the model believes now. */
  snapshot(targetMs: number): ChunkModelSnapshot {
    const line = this.line();
    const withBytes = this.#observations.filter((o) => o.bytes !== undefined);
    return {
      group: this.group,
      observations: this.#observations.length,
      overheadMs: line?.intercept,
      msPerEntry: line?.slope,
      optimum: this.optimum(targetMs),
      ceiling: this.#ceiling,
      resets: this.#resets,
      bytesPerEntry: withBytes.length === 0 ? undefined : median(withBytes.map((o) => o.bytes! / o.entries)),
    };
  }
}
