import { InvalidOptionsError } from '../../protocol/errors.ts';
import type { ChunkSizer } from '../chunk-sizer.ts';

/**
 * A chunk sizer that always asks for `size` entries: for comparisons and for computables whose
 * own step size should be overridden.
 *
 * @example
 * ```ts
 * backend.compute(computable, { chunkSizer: fixedChunks(50_000) });
 * ```
 */
export function fixedChunks(size: number): ChunkSizer {
  if (!Number.isInteger(size) || size < 1) throw new InvalidOptionsError(`Expected \`size\` to be an integer from 1 and up, got \`${String(size)}\` (${typeof size})`);
  return { propose: () => size, observe() {} };
}
