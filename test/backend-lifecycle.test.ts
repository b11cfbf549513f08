import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { InvalidOptionsError } from '../src/protocol/errors.ts';
import { slowSquare } from './fixtures/processors.ts';

const inputs = Array.from({ length: 200 }, (_, i) => i);

describe('backend lifecycle', () => {
  it('cancels running tasks on disposal with cancelOnDispose, keeping their partial results', async () => {
    const backend = inline({ cancelOnDispose: true });
    const task = backend.compute(fromFunction(slowSquare, inputs), { batchSize: 4 });
    // Disposed once a batch is in (not after a fixed 30 ms, in which a loaded machine may finish none).
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone > 0)));
    await backend.dispose();
    expect(task.status).toBe('cancelled');
    expect(task.partial().processed).toBeGreaterThan(0);
    expect(task.partial().processed).toBeLessThan(200);
    await expect(task.result()).rejects.toThrow(/disposed/);
  });

  it('works with await using', async () => {
    let task;
    {
      await using backend = inline();
      task = backend.compute(fromFunction(slowSquare, inputs.slice(0, 10)));
    }
    expect(task.status).toBe('complete');
  });

  it('rejects bad backend and compute options clearly', async () => {
    expect(() => inline({ concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up, got `0` (number)');
    await using backend = inline();
    const squares = fromFunction(slowSquare, inputs);
    expect(() => backend.compute(squares, { mergeEvery: 0 })).toThrow(InvalidOptionsError);
    expect(() => backend.compute(squares, { mergeEvery: 0 })).toThrow(/`mergeEvery`: .*got 0 \(number\)/);
    expect(() => backend.compute(squares, { batchSize: -3 })).toThrow(/`batchSize`/);
    expect(() => backend.compute(squares, { errorPolicy: { maxRetries: -1 } })).toThrow(/errorPolicy.maxRetries/);
    expect(() => backend.compute(squares, { bogus: 1 } as never)).toThrow(/bogus/);
  });

  it('bounds reducer fan-in with mergeEvery', async () => {
    await using backend = inline();
    const task = backend.compute(fromFunction((x: number) => [x], inputs), { batchSize: 1, mergeEvery: 4 });
    let maxBuffered = 0;
    task.progress$.subscribe(() => {
      for (const reducer of task.actor.getSnapshot().context.reducers.values()) {
        maxBuffered = Math.max(maxBuffered, reducer.getSnapshot().context.buffer.length);
      }
    });
    const result = await task.result();
    expect(result.sort((a, b) => a - b)).toEqual(inputs);
    expect(maxBuffered).toBeLessThan(4);
  });
});
