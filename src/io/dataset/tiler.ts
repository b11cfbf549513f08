import { RangeSet, type Range } from '../../protocol/range.ts';

/**
 * Cuts the entries still to do in one file into steps. It starts from the file's prepared steps
 * (when there are some) and switches to fixed-size steps once the runtime asks for another chunk
 * size ({@link FileTiler.retile}); with `align`, step ends snap to cluster boundaries.
 */
export class FileTiler {
  /** Entries still to yield, in file entry numbers, sorted and disjoint. */
  #segments: Array<[number, number]>;
  /** Prepared steps still to yield (each inside `#segments`), until the first re-tiling. */
  #explicit: Array<[number, number]> | undefined;
  readonly #clusters: readonly number[] | undefined;

  constructor(segments: Iterable<Range>, explicit: Iterable<Range> | undefined, clusters: readonly number[] | undefined) {
    this.#segments = new RangeSet(segments).toArray();
    if (explicit === undefined) {
      this.#explicit = undefined;
    } else {
      // Keep only the parts of the prepared steps that lie in the segments (a restricted computable).
      const pieces: Array<[number, number]> = [];
      for (const step of explicit) pieces.push(...intersect(this.#segments, step));
      pieces.sort((a, b) => a[0] - b[0]);
      this.#explicit = pieces;
    }
    this.#clusters = clusters;
  }

  /** Whether every entry has been yielded. */
  get done(): boolean {
    return this.#segments.length === 0;
  }

  /** Entries still to yield. */
  get remaining(): number {
    let n = 0;
    for (const [s, e] of this.#segments) n += e - s;
    return n;
  }

  /** Forgets the prepared steps: the rest is cut into steps of the size given to {@link next}. */
  retile(): void {
    this.#explicit = undefined;
  }

  /** The next step, at most `size` entries (or the next prepared step), or `undefined` when done. */
  next(size: number, align: boolean): [number, number] | undefined {
    const segment = this.#segments[0];
    if (segment === undefined) return undefined;
    let step: [number, number] | undefined;
    if (this.#explicit !== undefined && this.#explicit.length > 0) {
      step = this.#explicit.shift()!;
    } else {
      const [start, end] = segment;
      let stop = Math.min(end, start + Math.max(1, Math.floor(size)));
      if (align && this.#clusters !== undefined && stop < end) stop = Math.min(end, nearestBoundary(this.#clusters, start, stop));
      step = [start, stop];
    }
    this.#consume(step);
    return step;
  }

  #consume(step: Range): void {
    this.#segments = subtract(this.#segments, step);
  }
}

/** The parts of `step` inside `segments`. */
export function intersect(segments: ReadonlyArray<Range>, step: Range): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [s, e] of segments) {
    const a = Math.max(s, step[0]);
    const b = Math.min(e, step[1]);
    if (b > a) out.push([a, b]);
  }
  return out;
}

function subtract(segments: Array<[number, number]>, step: Range): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [s, e] of segments) {
    if (e <= step[0] || s >= step[1]) out.push([s, e]);
    else {
      if (s < step[0]) out.push([s, step[0]]);
      if (e > step[1]) out.push([step[1], e]);
    }
  }
  return out;
}

/**
 * The cluster boundary nearest to `target` that lies after `start` (so a step holds at least one
 * whole cluster); ties go to the smaller step. Without a boundary after `start`, `target`.
 */
export function nearestBoundary(clusters: readonly number[], start: number, target: number): number {
  // First boundary > start.
  let lo = 0;
  let hi = clusters.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (clusters[mid]! > start) hi = mid;
    else lo = mid + 1;
  }
  if (lo >= clusters.length) return target;
  let best = clusters[lo]!;
  for (let i = lo + 1; i < clusters.length; i++) {
    const b = clusters[i]!;
    if (Math.abs(b - target) < Math.abs(best - target)) best = b;
    if (b >= target) break;
  }
  return best;
}
