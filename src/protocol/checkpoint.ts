import type { Range } from './range.ts';
import type { TaskStatus } from './task.ts';

/** What a durable run had done when it stopped: completed ranges and the merged result per group. */
export interface CheckpointState {
  /** Completed ranges of the computable's index space, sorted and disjoint. */
  readonly completed: readonly Range[];
  /** The merged result of `completed`, per group (`undefined` = ungrouped). The task owns these values. */
  readonly results: ReadonlyMap<string | undefined, unknown>;
  /**
   * Groups an earlier run handed out and let go of (`releaseGroups`, after their result was kept
   * elsewhere, e.g. a `finalize` file): complete, with no result here, not handed out again.
   */
  readonly released?: readonly string[];
}

/**
 * Where a task keeps what it has done, so that a process killed at any moment resumes with only
 * the work that was in flight to redo. The runtime (the task's supervisor) calls it; a backend
 * never does, so every backend (inline, threads, a cluster) is durable the same way.
 *
 * - `restored` is read once, before the task starts: its ranges count as completed and its
 *   results seed the reducers; only the rest of the computable is computed.
 * - `record()` is called synchronously for every batch the supervisor accepts, **before** its
 *   ranges count as completed and before its partial results are merged (merging is in place, so
 *   an implementation must encode or copy them now, not later). If it throws, the task is
 *   cancelled with that error; what was merged in memory is still in `partial()`.
 * - `close(status)` is called once when the task ends; `task.wait()` resolves after it. It must
 *   not throw.
 *
 * cortado's own implementation is a crash-safe journal in a folder (`compute(c, { checkpoint:
 * 'run.ckpt' })`); a backend may supply another (a key in a shared store) as an object.
 *
 * @example
 * ```ts
 * const memory: Checkpoint = {
 *   restored: undefined,
 *   record: (completed, results) => log.push({ completed: [...completed], results: [...results].map(([g, v]) => [g, serializeResult(v)]) }),
 *   close: async () => {},
 * };
 * backend.compute(computable, { checkpoint: memory });
 * ```
 */
export interface Checkpoint {
  readonly restored: CheckpointState | undefined;
  record(completed: readonly Range[], results: ReadonlyMap<string | undefined, unknown>): void;
  close(status: TaskStatus): Promise<void>;
  /**
   * Called after the task let go of a handed-out group under `releaseGroups` (its result is kept
   * elsewhere now): the checkpoint should drop its own copy, so the memory is freed with it on
   * too, and list the group in `restored.released` from then on. Optional.
   */
  release?(group: string): void;
}
