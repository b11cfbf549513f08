import type { ElementStats } from './batch.ts';

/**
 * Proposes chunk sizes (entries per work element) from what completed elements cost. The
 * supervisor sends the proposal into the computable's generator with `gen.next(n)`.
 */
export interface ChunkSizer {
  /** The size to ask for next (for `group`), or `undefined` to leave the computable's own. */
  propose(group?: string): number | undefined;
  /** Learns from completed elements. */
  observe(stats: readonly ElementStats[]): void;
  /** An element ran out of memory or time: lower the size for its group. */
  exhausted?(stat: { entries: number; group?: string }): void;
}
