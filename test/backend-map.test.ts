/**
 * `backend.map()` on every backend: per-element outputs as an async iterable, with back-pressure,
 * the error policy, cancellation and progress of `compute()`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lastValueFrom } from 'rxjs';
import type { Backend } from '../src/backends/backend.ts';
import type { MapOutput } from '../src/actors/output-sink.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { InvalidOptionsError, TaskCancelledError, TaskIncompleteError } from '../src/protocol/errors.ts';
import { BACKENDS, useBackendSetup } from './helpers/backends.ts';
import { ValueError, label, slowSquare, square, squareExcept42 } from './fixtures/processors.ts';

const inputs = Array.from({ length: 100 }, (_, i) => i);

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(BACKENDS)('backend.map(): %s', (_name, entry) => {
  useBackendSetup(entry);
  let backend: Backend;
  afterEach(async () => {
    await backend?.dispose();
  });
  const make = () => (backend = entry.create());

  it('streams every element output once, with its range, and ends complete', async () => {
    make();
    const map = backend.map(fromFunction(square, inputs));
    const seen: Array<MapOutput<number>> = [];
    for await (const output of map) seen.push(output);
    seen.sort((a, b) => a.range[0] - b.range[0]);
    expect(seen.map((o) => o.range)).toEqual(inputs.map((i) => [i, i + 1]));
    expect(seen.map((o) => o.value)).toEqual(inputs.map((i) => i * i));
    expect(map.status).toBe('complete');
    const summary = await map.wait();
    expect(summary.completed).toEqual([[0, 100]]);
    expect(summary.failed).toEqual([]);
  });

  it('hands out outputs that are not mergeable results (strings)', async () => {
    make();
    const values: string[] = [];
    for await (const { value } of backend.map(fromFunction(label, inputs.slice(0, 10)))) values.push(value);
    expect(values.sort()).toEqual(inputs.slice(0, 10).map((i) => `#${i}`).sort());
  });

  it('pauses dispatch while the consumer does not read: outputs in flight and buffered stay bounded', async () => {
    make();
    const total = 2000;
    const highWaterMark = 8;
    const map = backend.map(fromFunction(square, Array.from({ length: total }, (_, i) => i)), { highWaterMark });
    const iterator = map[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    // The consumer now pauses: dispatch must stop with the buffer full and nothing in flight.
    await until(() => map.buffered >= highWaterMark && map.actor.getSnapshot().context.run.inFlight === 0, 'dispatch to pause');
    const lanes = map.actor.getSnapshot().context.lanes.length;
    const dispatched = map.actor.getSnapshot().context.run.elementsKnown;
    expect(dispatched).toBeLessThanOrEqual(1 + highWaterMark * (lanes + 1));
    expect(map.buffered).toBeLessThanOrEqual(highWaterMark * (lanes + 1));
    expect(map.status).toBe('running');
    // Reading again resumes dispatch; every output arrives exactly once.
    const ranges = new Set<number>([first.value!.range[0]]);
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      expect(ranges.has(next.value.range[0])).toBe(false);
      ranges.add(next.value.range[0]);
      expect(map.buffered).toBeLessThanOrEqual(highWaterMark * (lanes + 1));
    }
    expect(ranges.size).toBe(total);
    expect(map.status).toBe('complete');
  });

  it('skips a failing element under the policy, then throws TaskIncompleteError after the other outputs', async () => {
    make();
    const map = backend.map(fromFunction(squareExcept42, inputs), { errorPolicy: { continueOn: [ValueError], backoff: false } });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const { range } of map) got.push(range[0]);
      })(),
    ).rejects.toBeInstanceOf(TaskIncompleteError);
    expect(got.sort((a, b) => a - b)).toEqual(inputs.filter((i) => i !== 42));
    const summary = await map.wait();
    expect(summary.status).toBe('incomplete');
    expect(summary.failed.map((f) => f.range)).toEqual([[42, 43]]);
    expect(summary.remaining().size).toBe(100);
  });

  it('cancels when the loop is left, and nothing is left running', async () => {
    make();
    const map = backend.map(fromFunction(slowSquare, inputs), { batchSize: 2 });
    let taken = 0;
    for await (const _output of map) if (++taken === 3) break;
    expect(map.status).toBe('cancelled');
    expect(map.actor.getSnapshot().context.run.inFlight).toBe(0);
    expect((await map.wait()).processed).toBeLessThan(100);
  });

  it('an AbortSignal cancels it: the loop throws TaskCancelledError', async () => {
    make();
    const controller = new AbortController();
    const map = backend.map(fromFunction(slowSquare, inputs), { signal: controller.signal, batchSize: 2 });
    let taken = 0;
    await expect(
      (async () => {
        for await (const _output of map) if (++taken === 2) controller.abort(new Error('stop'));
      })(),
    ).rejects.toBeInstanceOf(TaskCancelledError);
    expect(map.status).toBe('cancelled');
  });

  it('publishes progress as compute() does', async () => {
    make();
    const map = backend.map(fromFunction(square, inputs));
    const last = lastValueFrom(map.progress$);
    for await (const _output of map);
    const progress = await last;
    expect(progress.status).toBe('complete');
    expect(progress.elementsDone).toBe(100);
    expect(progress.entriesDone).toBe(100);
  });

  it('refuses options that only a reduction has', () => {
    make();
    expect(() => backend.map(fromFunction(square, inputs), { mergeEvery: 4 } as never)).toThrow(InvalidOptionsError);
    expect(() => backend.map(fromFunction(square, inputs), { highWaterMark: 0 })).toThrow(/highWaterMark/);
  });
});
