import { ValueData, type DataElement } from './data.ts';
import type { Processor } from './processor.ts';
import { processorCodes, type ProcessorCodes } from './processor-code.ts';
import { RangeSet, formatRange, type Range } from './range.ts';
import type { Failure } from './task.ts';

/**
 * One unit of work: a processor, the data it loads, and the range of the computable's index space
 * that it covers. Plain data: no actor is made per element.
 */
export interface WorkElement<R = unknown> {
  readonly range: Range;
  readonly data: DataElement;
  readonly processor: Processor<any, R>;
  /** Results of elements with different groups are kept apart (per dataset). */
  readonly group?: string;
  /** Entries (events) covered; defaults to the range's length. */
  readonly entries?: number;
  /**
   * Splits the element in two halves covering the same range, when it can be split (more than one
   * entry). The runtime splits an element that ran out of memory or time instead of retrying it.
   */
  split?(): readonly [WorkElement<R>, WorkElement<R>] | undefined;
}

/** A generator of work elements; `next(n)` may send a new chunk size in entries. */
export type StepGenerator<R> = Generator<WorkElement<R>, void, number | undefined>;

/**
 * The runtime's chunk size (entries) for the next element of `group`, or `undefined` to keep the
 * computable's own. Offered to `steps()` so that a computable cutting several groups (datasets)
 * can ask for the right group's size exactly when it cuts a step.
 */
export type ChunkSizeFor = (group: string | undefined) => number | undefined;

/**
 * Anything cortado can compute: an identity, a size (its index space is `[0, size)`), and a
 * generator of work elements that tile that space.
 */
export interface Computable<R = unknown> {
  /** Identifies the computation: same inputs and function give the same key. */
  readonly key: string;
  /** The index space is `[0, size)`. */
  readonly size: number;
  /**
   * Yields the work elements; the runtime may send a new chunk size with `gen.next(n)`. With a
   * chunk sizer, the runtime also passes `sizeFor`: a computable that calls it (once per element,
   * with the group of the element it is about to cut) gets a size per group, and from its first
   * call on the runtime stops sending sizes with `gen.next(n)`.
   */
  steps(sizeFor?: ChunkSizeFor): StepGenerator<R>;
  /**
   * A computable over just `ranges` of this one. Optional: without it, {@link restrict} keeps the
   * elements that lie inside `ranges`.
   */
  restrict?(ranges: readonly Range[]): Computable<R>;
  /**
   * The code its processors run, as digests by processor (see `processorCodes`): a checkpoint
   * written under other code is refused (`E_CHECKPOINT_CODE_CHANGED`) rather than merged with
   * results of this code. Set by `fromFunction`, `mapSteps`, `mapFiles` and `mapFilesBy`; a
   * computable of your own may set it too. Not part of `key`.
   */
  readonly code?: ProcessorCodes;
  /** When set, results are kept per `WorkElement.group` and `result()` is a record of groups. */
  readonly grouped?: boolean;
  /**
   * Where each group lies in the index space, when known: the runtime hands a group's result out
   * (`task.groups$`, `onGroupComplete`) as soon as its range is complete.
   */
  readonly groups?: ReadonlyArray<{ readonly name: string; readonly range: Range }>;
  /**
   * Work known to be missing before anything runs (files that preparation left out): the task
   * lists them in `partial().failed` from the start and ends `incomplete`, never `complete`.
   */
  readonly skipped?: readonly Failure[];
}

/** The result type of a computable. */
export type ComputableResult<C> = C extends Computable<infer R> ? R : never;

/**
 * A computable over just `ranges` of `computable`: used by `partial().remaining()`. Uses the
 * computable's own `restrict` when it has one; otherwise keeps the elements inside `ranges` and
 * throws for an element that straddles a boundary (it cannot be split without the computable's help).
 */
export function restrict<R>(computable: Computable<R>, ranges: readonly Range[]): Computable<R> {
  if (computable.restrict) return computable.restrict(ranges);
  const wanted = new RangeSet(ranges);
  const remaining = wanted.length;
  return {
    key: `${computable.key}#restricted(${wanted.toArray().map((r) => formatRange(r)).join(',')})`,
    size: computable.size,
    ...(computable.code === undefined ? {} : { code: computable.code }),
    ...(computable.grouped === undefined ? {} : { grouped: computable.grouped }),
    // A group is handed out once its whole range is complete, as in the unrestricted computable.
    ...(computable.groups === undefined ? {} : { groups: computable.groups }),
    *steps() {
      let covered = 0;
      for (const element of computable.steps()) {
        if (covered >= remaining) return;
        if (wanted.covers(element.range)) {
          covered += element.range[1] - element.range[0];
          yield element;
        } else if (!disjointFrom(wanted, element.range)) {
          throw new RangeError(
            `Element ${formatRange(element.range)} straddles the edge of the ranges to compute; ` +
              `give the computable a restrict() method so it can re-tile them`,
          );
        }
      }
    },
  };
}

function disjointFrom(set: RangeSet, range: Range): boolean {
  const rest = set.subtractFrom(range);
  return rest.length === 1 && rest[0]![0] === range[0] && rest[0]![1] === range[1];
}

/** Options of {@link fromFunction}. */
export interface FromFunctionOptions {
  /** Identity of the computation. @defaultValue derived from the function's name and input count */
  key?: string;
}

/**
 * A computable that applies `processor` to each input: element `i` loads `inputs[i]` and covers the
 * range `[i, i + 1)`. For tests and examples.
 *
 * @example
 * ```ts
 * const squares = fromFunction((x: number) => x * x, Array.from({ length: 100 }, (_, i) => i));
 * await inline().run(squares); // result 328350
 * ```
 */
export function fromFunction<I, R>(
  processor: Processor<I, R>,
  inputs: readonly I[],
  options: FromFunctionOptions = {},
): Computable<Awaited<R>> {
  const name = typeof processor === 'function' ? processor.name || 'anonymous' : `${processor.module}#${processor.exportName}`;
  const key = options.key ?? `fromFunction(${name}, ${inputs.length})`;
  const code = processorCodes(processor as Processor);
  const make = (ranges: readonly Range[], suffix: string): Computable<Awaited<R>> => ({
    key: key + suffix,
    size: inputs.length,
    ...(code === undefined ? {} : { code }),
    *steps() {
      for (const [start, stop] of ranges) {
        for (let i = start; i < stop; i++) {
          yield { range: [i, i + 1], data: new ValueData(inputs[i]), processor: processor as Processor<any, Awaited<R>> };
        }
      }
    },
    restrict(subset) {
      return make(new RangeSet(subset).toArray(), `${suffix}#restricted`);
    },
  });
  return make([[0, inputs.length]], '');
}
