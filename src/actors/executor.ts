import type { BatchJob, BatchOutcome } from './batch.ts';

/**
 * The worker that ran a batch, and its memory then: the threads and cluster backends send it with
 * every batch outcome (see `BatchOutcome.worker`). The dashboard draws a task-stream row and a
 * memory line per `id`; executors with heartbeats also answer {@link Executor.workers}.
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
   * The worker running batch `jobId` now (its {@link WorkerInfo.id}), once one has taken it;
   * `undefined` while it waits or when the executor cannot tell. Must be cheap: the dashboard asks
   * for each batch in flight at every flush, so that a running batch shows on its worker's row.
   */
  runningOn?(jobId: number): string | undefined;
  /** The live worker processes computing batches, for executors that have them (the cluster backend). */
  workers?(): Promise<LiveWorker[]>;
}

/** A worker process computing batches for a backend, as its last heartbeat described it. */
export interface LiveWorker {
  /** `host.pid.start`. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** Threads computing batches. */
  readonly threads: number;
  /** Batches computed since it started. */
  readonly batchesDone: number;
  /** Reduce jobs (merges of stored partial results, see `reduceEvery`) done since it started. */
  readonly mergesDone?: number;
  /** Batches running now. */
  readonly active: number;
  /** Resident set size of the worker process, bytes. */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Epoch ms of its last heartbeat. */
  readonly lastSeen: number;
}
