import type { WireProcessor } from '../threads/wire.ts';

/**
 * A reduce job's work as a worker thread gets it: stored parts to merge into one. Apart from the
 * merging code (merge-task.ts) so a worker thread tells a merge from a batch without loading it.
 */
export interface MergeTask {
  readonly kind: 'merge-parts';
  readonly parts: Uint8Array[];
  /** Processor modules to import first: a module registers the codecs of its result classes. */
  readonly modules: readonly WireProcessor[];
}

/**
 * Whether a pool task is a {@link MergeTask} (the others are batches).
 *
 * @example
 * ```ts
 * isMergeTask({ kind: 'merge-parts', parts: [], modules: [] }); // true
 * ```
 */
export function isMergeTask(task: unknown): task is MergeTask {
  return typeof task === 'object' && task !== null && (task as { kind?: unknown }).kind === 'merge-parts';
}
