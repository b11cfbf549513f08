/**
 * The threads backend starts each worker's old generation at `initialOldGenerationMb` (64 MiB by
 * default; V8's `--initial-old-space-size`, set before the pool starts its workers). A worker whose
 * heap stays small (readers keep their columns outside the heap) otherwise runs a full collection
 * every few MiB of promoted objects. Measured on real worker threads by the full collections a
 * worker runs while 160 MiB of short-lived objects pass through its old generation. Runs in a
 * process of its own (vitest.config.ts): the V8 flag is process-wide.
 */
import { describe, expect, it } from 'vitest';
import { threads } from '../src/backends/threads.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { InvalidOptionsError } from '../src/protocol/errors.ts';
import { fullCollections } from './fixtures/threads/limits.ts';

async function fullCollectionsSeen(initialOldGenerationMb: number): Promise<number> {
  await using backend = threads({ workers: 1, initialOldGenerationMb });
  return backend.compute(fromFunction(fullCollections, [160])).result();
}

describe('threads worker old generation', () => {
  it('runs fewer full collections in a worker whose old generation starts larger', async () => {
    const small = await fullCollectionsSeen(1);
    const large = await fullCollectionsSeen(512);
    expect(small).toBeGreaterThanOrEqual(1);
    expect(large).toBeLessThan(small);
  });

  it('refuses a negative initialOldGenerationMb, naming it', () => {
    expect(() => threads({ initialOldGenerationMb: -1 })).toThrow(InvalidOptionsError);
    expect(() => threads({ initialOldGenerationMb: -1 })).toThrow(/initialOldGenerationMb/);
  });
});
