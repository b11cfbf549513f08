/**
 * Memory of the threads backend: each worker's young generation is capped (a few MiB instead of
 * V8's ~48 MiB nursery per thread), through real worker threads' `resourceLimits`; adaptive batches
 * stay at most 4,096 elements, so a run of many tiny elements does not hold them all at once.
 */
import { describe, expect, it } from 'vitest';
import { threads } from '../src/backends/threads.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { InvalidOptionsError } from '../src/protocol/errors.ts';
import type { InspectionEvent } from 'xstate';
import { square } from './fixtures/processors.ts';
import { youngGenerationLimit } from './fixtures/threads/limits.ts';

async function limitSeen(options: Parameters<typeof threads>[0]): Promise<number> {
  await using backend = threads({ workers: 1, ...options });
  return backend.compute(fromFunction(youngGenerationLimit, [0])).result();
}

describe('threads worker memory', () => {
  it('caps each worker young generation at 8 MiB by default, or at youngGenerationMb', async () => {
    expect(await limitSeen({})).toBe(8);
    expect(await limitSeen({ youngGenerationMb: 24 })).toBe(24);
  });

  it('leaves V8 default with youngGenerationMb: 0', async () => {
    const seen = await limitSeen({ youngGenerationMb: 0 });
    expect(seen).not.toBe(8);
    expect(seen).toBeGreaterThan(0);
  });

  it('refuses a negative youngGenerationMb, naming it', () => {
    expect(() => threads({ youngGenerationMb: -1 })).toThrow(InvalidOptionsError);
    expect(() => threads({ youngGenerationMb: -1 })).toThrow(/youngGenerationMb/);
  });
});

describe('threads batch size', () => {
  it('grows adaptive batches to 4,096 elements at most, and the result is whole', async () => {
    await using backend = threads({ workers: 2 });
    const sizes: number[] = [];
    const inspect = (event: InspectionEvent): void => {
      if (event.type !== '@xstate.event' || (event.event as { type: string }).type !== 'LANE.DONE') return;
      sizes.push((event.event as unknown as { job: { items: unknown[] } }).job.items.length);
    };
    const n = 40_000;
    // A long target: uncapped, the sizer would grow 4x per batch to 16,384 and beyond.
    const total = await backend.compute(fromFunction(square, Array.from({ length: n }, (_, i) => i)), { targetBatchMs: 60_000, inspect }).result();
    expect(total).toBe(((n - 1) * n * (2 * n - 1)) / 6);
    expect(Math.max(...sizes)).toBe(4_096);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('still takes an explicit batchSize above the cap as given', async () => {
    await using backend = threads({ workers: 1 });
    const sizes: number[] = [];
    const inspect = (event: InspectionEvent): void => {
      if (event.type === '@xstate.event' && (event.event as { type: string }).type === 'LANE.DONE') sizes.push((event.event as unknown as { job: { items: unknown[] } }).job.items.length);
    };
    await backend.compute(fromFunction(square, Array.from({ length: 10_000 }, (_, i) => i)), { batchSize: 10_000, inspect }).result();
    expect(sizes).toEqual([10_000]);
  });
});
