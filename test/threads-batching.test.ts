/**
 * How the threads backend cuts batches when the task leaves it to the adaptive sizer: towards the
 * pool's `targetBatchMs` (a task's own `targetBatchMs` or `batchSize` wins), and near the end no
 * batch larger than an equal share of what is left per worker. Batch sizes are read from the
 * runtime's `LANE.DONE` events; every assertion holds whatever the timing (see the comments).
 */
import type { InspectionEvent } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { threads } from '../src/backends/threads.ts';
import { resolveThreadsOptions } from '../src/backends/threads/options.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { InvalidOptionsError } from '../src/protocol/errors.ts';
import { square } from './fixtures/processors.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const SQUARES_200 = range(200).reduce((sum, x) => sum + x * x, 0);

/** The element count of every batch a task ran, in the order they finished. */
function batchSizes(): { sizes: number[]; inspect: (event: InspectionEvent) => void } {
  const sizes: number[] = [];
  const inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.event') return;
    const e = event.event as { type: string; job?: { items: unknown[] } };
    if (e.type === 'LANE.DONE' && e.job !== undefined) sizes.push(e.job.items.length);
  };
  return { sizes, inspect };
}

describe('threads({ targetBatchMs })', () => {
  it('defaults to 100 ms and refuses a duration that is not positive', () => {
    expect(resolveThreadsOptions({}).targetBatchMs).toBe(100);
    expect(() => resolveThreadsOptions({ targetBatchMs: 0 })).toThrow(InvalidOptionsError);
    expect(() => resolveThreadsOptions({ targetBatchMs: 0 })).toThrow(/targetBatchMs/);
  });

  describe('one worker', () => {
    let backend: Backend;
    beforeAll(() => {
      // Every element takes longer than a nanosecond: the sizer never grows a batch past 1.
      backend = threads({ workers: 1, targetBatchMs: 1e-6 });
    });
    afterAll(() => backend.dispose());

    it("sizes a task's batches by the pool's target when the task names none", async () => {
      const { sizes, inspect } = batchSizes();
      expect(await backend.compute(fromFunction(square, range(40)), { inspect }).result()).toBe(range(40).reduce((s, x) => s + x * x, 0));
      expect(sizes).toEqual(Array.from({ length: 40 }, () => 1));
    });

    it("takes the task's own targetBatchMs or batchSize over the pool's", async () => {
      const own = batchSizes();
      await backend.compute(fromFunction(square, range(40)), { inspect: own.inspect, targetBatchMs: 1e9 }).result();
      // Grows 4× per measured batch from 1 (whatever each batch took: the target is never reached).
      expect(own.sizes.length).toBeLessThanOrEqual(6);
      expect(Math.max(...own.sizes)).toBeGreaterThan(1);
      const fixed = batchSizes();
      await backend.compute(fromFunction(square, range(40)), { inspect: fixed.inspect, batchSize: 8 }).result();
      expect(fixed.sizes).toEqual([8, 8, 8, 8, 8]);
    });
  });

  it('near the end cuts no batch larger than half of what is left on 2 workers', async () => {
    await using backend = threads({ workers: 2, targetBatchMs: 1e9 });
    const { sizes, inspect } = batchSizes();
    expect(await backend.compute(fromFunction(square, range(200)), { inspect }).result()).toBe(SQUARES_200);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    // The sizer grows 4× per measured batch (1, 1, 4, 16, 64, …) and each batch after the first two
    // is cut after a batch was measured. Without the tail cut the batch cut after 86 elements takes
    // all 114 left, and one worker computes it alone; with it no batch exceeds half of what is left
    // (here 57 of 114), and an eighth of a measured size never reaches 100 before fewer than 100 are left.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
  });
});
