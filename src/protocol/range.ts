import { RangeOverlapError } from './errors.ts';

/** A half-open interval `[start, stop)` in the index space of one computable. */
export type Range = readonly [start: number, stop: number];

/** Formats a range as `[start, stop)`. */
export function formatRange(range: Range): string {
  return `[${range[0]}, ${range[1]})`;
}

/**
 * A set of disjoint, sorted ranges. Adjacent ranges coalesce; adding a range that overlaps one
 * already present throws {@link RangeOverlapError}, because it would count work twice.
 *
 * @example
 * ```ts
 * const done = new RangeSet();
 * done.add([0, 42]);
 * done.add([43, 100]);
 * done.toArray();                 // [[0, 42], [43, 100]]
 * done.complement(100).toArray(); // [[42, 43]]
 * ```
 */
export class RangeSet {
  // Flat [start0, stop0, start1, stop1, ...]: appends at the end (the common case) stay O(1).
  #bounds: number[] = [];

  constructor(ranges: Iterable<Range> = []) {
    for (const range of ranges) this.add(range);
  }

  /** Number of disjoint ranges. */
  get count(): number {
    return this.#bounds.length / 2;
  }

  /** Total length covered. */
  get length(): number {
    let total = 0;
    for (let i = 0; i < this.#bounds.length; i += 2) total += this.#bounds[i + 1]! - this.#bounds[i]!;
    return total;
  }

  /** Adds `[start, stop)`; throws {@link RangeOverlapError} if any part is already present. */
  add(range: Range): this {
    const [start, stop] = range;
    if (!(stop > start)) {
      if (stop === start) return this;
      throw new RangeError(`Expected a range with start <= stop, got ${formatRange(range)}`);
    }
    const b = this.#bounds;
    const n = b.length;
    if (n === 0 || start >= b[n - 1]!) {
      if (n > 0 && start === b[n - 1]) b[n - 1] = stop;
      else b.push(start, stop);
      return this;
    }
    // Binary search for the first range whose stop > start.
    let lo = 0;
    let hi = n / 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[2 * mid + 1]! > start) hi = mid;
      else lo = mid + 1;
    }
    const i = 2 * lo;
    if (i < n && b[i]! < stop) {
      throw new RangeOverlapError(
        `Range ${formatRange(range)} overlaps ${formatRange([b[i]!, b[i + 1]!])}, which is already present: that would count it twice`,
      );
    }
    const joinsLeft = i > 0 && b[i - 1] === start;
    const joinsRight = i < n && b[i] === stop;
    if (joinsLeft && joinsRight) b.splice(i - 1, 2);
    else if (joinsLeft) b[i - 1] = stop;
    else if (joinsRight) b[i] = start;
    else b.splice(i, 0, start, stop);
    return this;
  }

  /** Adds every range of `other`. */
  addAll(other: Iterable<Range>): this {
    for (const range of other) this.add(range);
    return this;
  }

  /** Whether index `i` lies in the set. */
  has(i: number): boolean {
    const b = this.#bounds;
    for (let j = 0; j < b.length; j += 2) if (i >= b[j]! && i < b[j + 1]!) return true;
    return false;
  }

  /** Whether the whole of `range` lies in the set. */
  covers(range: Range): boolean {
    const b = this.#bounds;
    for (let j = 0; j < b.length; j += 2) if (range[0] >= b[j]! && range[1] <= b[j + 1]!) return true;
    return range[1] <= range[0];
  }

  /** What remains of `range` after removing this set from it. */
  subtractFrom(range: Range): Range[] {
    const out: Range[] = [];
    let cursor = range[0];
    const b = this.#bounds;
    for (let j = 0; j < b.length && cursor < range[1]; j += 2) {
      const s = b[j]!;
      const e = b[j + 1]!;
      if (e <= cursor) continue;
      if (s >= range[1]) break;
      if (s > cursor) out.push([cursor, s]);
      cursor = Math.max(cursor, e);
    }
    if (cursor < range[1]) out.push([cursor, range[1]]);
    return out;
  }

  /** The ranges of `[0, size)` not in this set. */
  complement(size: number): RangeSet {
    return new RangeSet(this.subtractFrom([0, size]));
  }

  /** Copy. */
  clone(): RangeSet {
    const copy = new RangeSet();
    copy.#bounds = this.#bounds.slice();
    return copy;
  }

  /** The ranges as `[start, stop]` pairs, sorted. */
  toArray(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let j = 0; j < this.#bounds.length; j += 2) out.push([this.#bounds[j]!, this.#bounds[j + 1]!]);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<Range> {
    for (let j = 0; j < this.#bounds.length; j += 2) yield [this.#bounds[j]!, this.#bounds[j + 1]!];
  }

  toJSON(): Array<[number, number]> {
    return this.toArray();
  }
}

/** Subtracts `remove` from `ranges`: what is left of the first after taking out the second. */
export function subtractRanges(ranges: Iterable<Range>, remove: Iterable<Range>): Range[] {
  const removed = new RangeSet(remove);
  const out: Range[] = [];
  for (const range of ranges) out.push(...removed.subtractFrom(range));
  return out;
}
