import type { WorkElement } from '../protocol/computable.ts';
import type { Processor, ProcessorFn } from '../protocol/processor.ts';
import type { Range } from '../protocol/range.ts';
import type { WorkerInfo } from './executor.ts';
import { CompletionTally, GroupMerger, type CompletedStat } from './group-merger.ts';

/** One element of a batch, with the attempt it is on (1 = first try). */
export interface BatchItem {
  readonly element: WorkElement;
  readonly attempt: number;
}

/** A batch of elements dispatched to one lane in one round trip. */
export interface BatchJob {
  readonly id: number;
  readonly items: readonly BatchItem[];
  /**
   * Map mode (`backend.map()`): each element's output is kept apart in `BatchOutcome.outputs`
   * instead of being merged per group, and need not be a mergeable result.
   */
  readonly map?: boolean;
}

/** One element's own output in map mode: `index` into `BatchJob.items`. */
export interface ItemOutput {
  readonly index: number;
  readonly value: unknown;
}

/** What one element cost, for the chunk sizer and progress. */
export interface ElementStats extends CompletedStat {
  readonly bytes?: number;
  readonly peakMemory?: number;
}

/** A failed element of a batch: `index` into `BatchJob.items`. */
export interface ItemFailure {
  readonly index: number;
  readonly error: unknown;
}

/** The merged outcome of a batch: results per group, the ranges they cover, and failures. */
export interface BatchOutcome {
  readonly jobId: number;
  /** Merged results, one per group (`undefined` = ungrouped). */
  readonly results: Map<string | undefined, unknown>;
  /** Completed ranges, coalesced where adjacent. */
  readonly completed: Range[];
  readonly failures: ItemFailure[];
  /** Elements completed. */
  readonly elements: number;
  /** Entries completed. */
  readonly entries: number;
  /** Per-element costs, when the job asked for them. */
  readonly stats?: ElementStats[];
  /**
   * Milliseconds the batch actually ran, when the executor knows it (a worker measures it): the
   * batch sizer then ignores time spent queued behind other batches.
   */
  readonly busyMs?: number;
  /** The worker that ran the batch (its last round), when the executor has more than the calling thread. */
  readonly worker?: WorkerInfo;
  /** Map mode: each completed element's output, in the order of the job's items. */
  readonly outputs?: readonly ItemOutput[];
}

/** Resolves a processor to a callable function (loading its module when needed). */
export type ProcessorResolver = (processor: Processor) => ProcessorFn<unknown, unknown> | Promise<ProcessorFn<unknown, unknown>>;

/** Whether `value` is a promise or promise-like. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Options of {@link runBatch}. */
export interface RunBatchOptions {
  readonly signal?: AbortSignal;
  readonly resolve: ProcessorResolver;
  /** Record per-element timings. @defaultValue false */
  readonly collectStats?: boolean;
  /** A clock for timings. @defaultValue performance.now */
  readonly now?: () => number;
}

/**
 * Runs a batch of elements one after another, merging their results per group as it goes. A
 * failing element (a throw, or a result that cannot merge) is recorded and the batch goes on.
 * When `signal` aborts, the batch stops between elements and returns what it has.
 *
 * Elements that load and compute synchronously never touch a promise: that keeps a step at well
 * under a microsecond of runtime overhead.
 */
export async function runBatch(job: BatchJob, options: RunBatchOptions): Promise<BatchOutcome> {
  const merger = new GroupMerger<string | undefined>();
  const tally = new CompletionTally(options.collectStats ?? false);
  const failures: ItemFailure[] = [];
  const now = options.now ?? (() => performance.now());
  const { signal } = options;
  const timed = tally.stats !== undefined;
  let lastProcessor: Processor | undefined;
  let lastFn: ProcessorFn<unknown, unknown> | undefined;

  const items = job.items;
  const outputs: ItemOutput[] | undefined = job.map === true ? [] : undefined;
  for (let index = 0; index < items.length; index++) {
    if (signal?.aborted) break;
    const { element } = items[index]!;
    const started = timed ? now() : 0;
    let value: unknown;
    try {
      if (element.processor !== lastProcessor) {
        const resolved = options.resolve(element.processor);
        lastFn = isThenable(resolved) ? await resolved : resolved;
        lastProcessor = element.processor;
      }
      let input = element.data.load(signal);
      if (isThenable(input)) input = await input;
      value = lastFn!(input);
      if (isThenable(value)) value = await value;
      if (outputs !== undefined) outputs.push({ index, value });
      else merger.add(element.group, value, element.range);
    } catch (error) {
      failures.push({ index, error });
      continue;
    }
    tally.add(element, timed ? now() - started : 0);
  }
  const { completed, elements, entries, stats } = tally;
  const outcome: BatchOutcome = { jobId: job.id, results: merger.results, completed, failures, elements, entries, ...(outputs === undefined ? {} : { outputs }) };
  return stats ? { ...outcome, stats } : outcome;
}
