import type { BatchJob, BatchOutcome } from './batch.ts';

/**
 * What a backend knows about one of its workers: which one ran a batch, and its memory. The threads
 * backend sends it with every batch outcome; a backend with heartbeats (cluster workers) may also
 * push it through {@link Executor.watchWorkers}. The dashboard draws a row and a memory line per `id`.
 */
export interface WorkerInfo {
  /** Stable name of the worker, unique within the run, e.g. `thread-3` or `host-a/1234`. */
  readonly id: string;
  /** The machine it runs on, when not this one. */
  readonly host?: string;
  /** Resident set size of the worker's process, in bytes. */
  readonly rss?: number;
  /** V8 heap in use by the worker, in bytes. */
  readonly heapUsed?: number;
  /** V8 heap reserved by the worker, in bytes. */
  readonly heapTotal?: number;
}

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
  /**
   * Reports on workers between batches (heartbeats), for monitoring; returns a function that
   * stops the reports. Optional: outcomes may carry {@link BatchOutcome.worker} instead.
   */
  readonly watchWorkers?: (listener: (info: WorkerInfo) => void) => () => void;
}
