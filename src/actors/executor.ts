import type { BatchJob, BatchOutcome } from './batch.ts';

/**
 * What a backend gives the runtime: a number of slots (one lane actor each) and a way to run a
 * batch on one of them. Pluggable like piscina's balancer: a backend is little more than this.
 */
export interface Executor {
  /** A short name for messages and inspection, e.g. `inline` or `threads`. */
  readonly name: string;
  /** How many batches may be in flight at once (one lane per slot). */
  readonly slots: number;
  /**
   * Runs a batch. Resolves with the outcome, including per-element failures; rejects only when
   * the whole batch was lost (then every element in it counts a failed attempt with that error).
   * When `signal` aborts, stop soon and resolve with what is done.
   */
  runBatch(job: BatchJob, signal: AbortSignal): Promise<BatchOutcome>;
  /** Whether this executor wants per-element stats (for chunk sizing). */
  readonly collectStats?: boolean;
}
