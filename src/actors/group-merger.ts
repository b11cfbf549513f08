import type { WorkElement } from '../protocol/computable.ts';
import { BadResultError } from '../protocol/errors.ts';
import { formatRange, type Range } from '../protocol/range.ts';
import { EMPTY, assertMergeable, isMergeable, merge, type Empty } from '../protocol/result.ts';

/**
 * Merges element results per group as a batch runs, wherever it runs (the calling thread, a
 * worker, or the main thread gathering a worker's rounds). A result that cannot merge throws a
 * {@link BadResultError} naming the element's range and leaves the accumulator as it was.
 */
export class GroupMerger<K> {
  readonly results = new Map<K, unknown>();

  /** Merges `value`, the result of the element covering `range`, into `group`'s accumulator. */
  add(group: K, value: unknown, range: Range): void {
    if (typeof value !== 'number' && (value === EMPTY || !isMergeable(value))) {
      throw new BadResultError(
        `The processor returned ${describeValue(value)} for element ${formatRange(range)}; ` +
          'expected a result that merges: a number, bigint, record, Map, Set, array, or an object with add()',
      );
    }
    const previous = this.results.get(group);
    if (previous === undefined) {
      this.results.set(group, value);
      return;
    }
    try {
      if (typeof previous !== 'number' || typeof value !== 'number') assertMergeable(previous, value);
    } catch (error) {
      throw badResult(error, range);
    }
    this.results.set(group, merge(previous as Empty, value as Empty));
  }
}

/** Per-element costs as the chunk sizer learns from them. */
export interface CompletedStat {
  readonly range: Range;
  readonly entries: number;
  readonly ms: number;
  readonly group?: string;
}

/**
 * Tallies the elements a batch completed: their ranges (coalesced where adjacent, so completed
 * elements in order cost one range), entries, and per-element timings when asked for.
 */
export class CompletionTally {
  readonly completed: Array<[number, number]> = [];
  readonly stats: CompletedStat[] | undefined;
  elements = 0;
  entries = 0;

  constructor(collectStats: boolean) {
    this.stats = collectStats ? [] : undefined;
  }

  /** Records that `element` completed, taking `ms`. */
  add(element: Pick<WorkElement, 'range' | 'entries' | 'group'>, ms: number): void {
    const [start, stop] = element.range;
    const n = element.entries ?? stop - start;
    this.elements++;
    this.entries += n;
    const last = this.completed[this.completed.length - 1];
    if (last !== undefined && last[1] === start) last[1] = stop;
    else this.completed.push([start, stop]);
    if (this.stats) {
      const stat: CompletedStat = { range: element.range, entries: n, ms };
      this.stats.push(element.group === undefined ? stat : { ...stat, group: element.group });
    }
  }
}

/** Wraps a merge mismatch so the error names the element's range; other errors pass as they are. */
export function badResult(error: unknown, range: Range): unknown {
  if (error instanceof TypeError && (error as { code?: unknown }).code === 'E_MERGE_TYPE') {
    return new BadResultError(`The result of element ${formatRange(range)} cannot merge with the others: ${error.message}`, { cause: error });
  }
  return error;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === EMPTY) return 'EMPTY';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? `a ${(value as object).constructor?.name ?? 'null-prototype object'}` : `a ${typeof value}`;
}
