import type { Computable } from './computable.ts';
import type { Range } from './range.ts';
import type { Empty } from './result.ts';

/** Where a task stands. `complete`, `incomplete` and `cancelled` are final. */
export type TaskStatus = 'pending' | 'running' | 'complete' | 'incomplete' | 'cancelled';

/** An element skipped under the error policy. */
export interface Failure {
  readonly range: Range;
  readonly error: unknown;
  /** How many times the element was tried. */
  readonly attempts: number;
  readonly group?: string;
}

/**
 * Everything a task has so far. Never blocks, never lost: resubmitting `remaining()` and merging
 * the two results gives the full answer.
 */
export interface PartialResult<R> {
  /** The merged result of the completed ranges (`EMPTY` if none completed). */
  readonly result: R | Empty;
  /** Completed ranges, sorted and coalesced. */
  readonly completed: Array<[number, number]>;
  /** Elements skipped under the error policy. */
  readonly failed: readonly Failure[];
  /** The fatal error, when the task was cancelled by one. */
  readonly error?: unknown;
  /**
   * Groups (datasets) handed out and then dropped under the `releaseGroups` option, in the order
   * they completed: their entries are absent from `result` (they went to the `onGroupComplete`
   * writer, e.g. a `finalize` file). Present only when `releaseGroups` was given.
   */
  readonly released?: readonly string[];
  /** Number of indices processed (the length of `completed`). */
  readonly processed: number;
  /** A computable over exactly the ranges not completed. */
  remaining(): Computable<R>;
}

/** A progress report, published as the task runs. */
export interface Progress {
  readonly status: TaskStatus;
  /** Work elements finished (completed or skipped). */
  readonly elementsDone: number;
  /** Work elements known so far (grows while the computable is still generating). */
  readonly elementsTotal: number;
  readonly entriesDone: number;
  /** The computable's size. */
  readonly entriesTotal: number;
  /** Elements skipped under the policy. */
  readonly failures: number;
  /** Retries scheduled so far. */
  readonly retries: number;
  /** Entries per second since the task started. */
  readonly rate: number;
  /** Milliseconds since the task started (on the actor clock). */
  readonly elapsedMs: number;
}
