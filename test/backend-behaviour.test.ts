/**
 * The reference design's own tests, in TypeScript, run against every backend in BACKENDS:
 * elements 0..99, function x → x².
 */
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, filter, lastValueFrom, toArray } from 'rxjs';
import type { Backend } from '../src/backends/backend.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { BackendDisposedError, TaskCancelledError, TaskIncompleteError } from '../src/protocol/errors.ts';
import { EMPTY, merge } from '../src/protocol/result.ts';
import { BACKENDS, useBackendSetup } from './helpers/backends.ts';
import { ValueError, badReturns, recordOf, slowSquare, square, squareExcept42, squareMissingFile42 } from './fixtures/processors.ts';

const inputs = Array.from({ length: 100 }, (_, i) => i);
const FULL = 328_350;
const noBackoff = { backoff: false } as const;

describe.each(BACKENDS)('backend behaviour: %s', (_name, entry) => {
  useBackendSetup(entry);
  const { create } = entry;
  let backend: Backend;
  afterEach(async () => {
    await backend?.dispose();
  });
  const make = () => (backend = create());

  it('completes a run: result 328350, status complete, completed [[0,100]], failed []', async () => {
    make();
    const task = backend.compute(fromFunction(square, inputs));
    expect(await task.result()).toBe(FULL);
    expect(task.status).toBe('complete');
    expect(task.done).toBe(true);
    expect(task.partial().completed).toEqual([[0, 100]]);
    expect(task.partial().failed).toEqual([]);
    expect(task.partial().processed).toBe(100);
  });

  it('returns from compute() before the work is done', async () => {
    make();
    const task = backend.compute(fromFunction(slowSquare, inputs));
    expect(['pending', 'running']).toContain(task.status);
    expect(task.done).toBe(false);
    await task.wait();
  });

  it('shows a partial result while running, and remaining() supplies exactly the rest', async () => {
    make();
    const task = backend.compute(fromFunction(slowSquare, inputs), { batchSize: 5 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 10)));
    const partial = task.partial();
    expect(partial.processed).toBeGreaterThan(0);
    expect(partial.processed).toBeLessThan(100);
    expect(task.status).toBe('running');
    await task.wait();
    const rest = await backend.compute(partial.remaining()).result();
    expect(merge(partial.result as number, rest)).toBe(FULL);
  });

  it('cancels after 3 retries of an element that throws, under the default policy, keeping the rest', async () => {
    make();
    const task = backend.compute(fromFunction(squareExcept42, inputs), { errorPolicy: noBackoff });
    await expect(task.result()).rejects.toThrow(TaskCancelledError);
    expect(task.status).toBe('cancelled');
    const partial = task.partial();
    expect(partial.result).toBeGreaterThan(0);
    expect(partial.completed.some(([start, stop]) => start <= 42 && 42 < stop)).toBe(false);
    expect(partial.failed).toEqual([]);
    expect(partial.error).toBeInstanceOf(Error);
    expect((partial.error as Error).name).toBe('ValueError');
    expect((partial.error as Error).message).toBe('42 is not allowed');
  });

  it('skips the element under continueOn: status incomplete, result without 42², failed names [42, 43)', async () => {
    make();
    const task = backend.compute(fromFunction(squareExcept42, inputs), { errorPolicy: { continueOn: [ValueError] } });
    const rejection = task.result();
    await expect(rejection).rejects.toThrow(TaskIncompleteError);
    await expect(rejection).rejects.toThrow(/partial\(\).*remaining\(\)/s);
    expect(task.status).toBe('incomplete');
    const partial = task.partial();
    expect(partial.result).toBe(FULL - 42 * 42);
    expect(partial.completed).toEqual([[0, 42], [43, 100]]);
    expect(partial.failed).toHaveLength(1);
    expect(partial.failed[0]!.range).toEqual([42, 43]);
    expect(partial.failed[0]!.attempts).toBe(1);
    expect((partial.failed[0]!.error as Error).name).toBe('ValueError');
    const rest = await backend.run(partial.remaining(), { errorPolicy: { continueOn: [ValueError] } });
    expect(rest.failed.map((f) => f.range)).toEqual([[42, 43]]);
  });

  it('retries before skipping with continueAfterRetriesOn, counting attempts, matching a code in the cause chain', async () => {
    make();
    const task = backend.compute(fromFunction(squareMissingFile42, inputs), { errorPolicy: { maxRetries: 2, backoff: false } });
    await task.wait();
    expect(task.status).toBe('incomplete');
    expect(task.partial().failed).toHaveLength(1);
    expect(task.partial().failed[0]!.attempts).toBe(3);
    expect(task.partial().result).toBe(FULL - 42 * 42);
    const progress = await lastValueFrom(task.progress$);
    expect(progress.retries).toBe(2);
    expect(progress.failures).toBe(1);
  });

  it('cancels at once on cancelOn, without retrying', async () => {
    make();
    const task = backend.compute(fromFunction(squareExcept42, inputs), { errorPolicy: { cancelOn: ['ValueError'] } });
    await task.wait();
    expect(task.status).toBe('cancelled');
    const progress = await lastValueFrom(task.progress$);
    expect(progress.retries).toBe(0);
    expect((task.partial().error as Error).message).toBe('42 is not allowed');
  });

  it('stops dispatching on cancel() and keeps everything merged so far', async () => {
    make();
    const task = backend.compute(fromFunction(slowSquare, inputs), { batchSize: 2 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 6)));
    task.cancel('enough');
    await expect(task.result()).rejects.toThrow(/cancelled: enough/);
    expect(task.status).toBe('cancelled');
    const partial = task.partial();
    expect(partial.processed).toBeGreaterThanOrEqual(6);
    expect(partial.processed).toBeLessThan(100);
    const expected = partial.completed.flatMap(([a, b]) => inputs.slice(a, b)).reduce((s, x) => s + x * x, 0);
    expect(partial.result).toBe(expected);
    const rest = await backend.compute(partial.remaining()).result();
    expect(merge(partial.result as number, rest)).toBe(FULL);
  });

  it('cancels when the signal aborts', async () => {
    make();
    const controller = new AbortController();
    const task = backend.compute(fromFunction(slowSquare, inputs), { signal: controller.signal, batchSize: 2 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 4)));
    controller.abort(new Error('user pressed Ctrl-C'));
    await task.wait();
    expect(task.status).toBe('cancelled');
    await expect(task.result()).rejects.toThrow(/user pressed Ctrl-C/);
    expect(task.partial().processed).toBeLessThan(100);
  });

  it('does not start a task whose signal is already aborted', async () => {
    make();
    const task = backend.compute(fromFunction(square, inputs), { signal: AbortSignal.abort('too late') });
    await task.wait();
    expect(task.status).toBe('cancelled');
    expect(task.partial().processed).toBeLessThan(100);
  });

  it('fails an element whose result cannot merge, naming its range', async () => {
    make();
    const task = backend.compute(fromFunction(badReturns, inputs.slice(0, 10)), { errorPolicy: { continueOn: ['E_BAD_RESULT'] } });
    await task.wait();
    // Workers finish in any order on the cluster, so the list is compared in range order.
    const failed = [...task.partial().failed].sort((a, b) => a.range[0] - b.range[0]);
    expect(failed.map((f) => f.range)).toEqual([[7, 8], [8, 9]]);
    expect(String((failed[0]!.error as Error).message)).toMatch(/returned undefined for element \[7, 8\)/);
    expect(String((failed[1]!.error as Error).message)).toMatch(/string.*element \[8, 9\)/);
    expect(task.partial().result).toBe(45 - 7 - 8);
  });

  it('merges records, Maps and Sets key-wise', async () => {
    make();
    const result = await backend.compute(fromFunction(recordOf, inputs)).result();
    expect(result.n).toBe(100);
    expect(result.sum).toBe(4950);
    expect(result.parity).toEqual(new Map([['even', 50], ['odd', 50]]));
    expect(result.seen).toEqual(new Set([0, 1, 2]));
  });

  it('publishes progress from pending to the final status', async () => {
    make();
    const task = backend.compute(fromFunction(square, inputs));
    const reports = await lastValueFrom(task.progress$.pipe(toArray()));
    const last = reports.at(-1)!;
    expect(last.status).toBe('complete');
    expect(last.elementsDone).toBe(100);
    expect(last.elementsTotal).toBe(100);
    expect(last.entriesDone).toBe(100);
    expect(last.entriesTotal).toBe(100);
    expect(last.failures).toBe(0);
    expect(last.rate).toBeGreaterThan(0);
  });

  it('keeps the result of a computable with a single element', async () => {
    make();
    const partial = await backend.run(fromFunction(recordOf, [7]));
    expect(partial.completed).toEqual([[0, 1]]);
    expect(partial.result).toEqual({ n: 1, sum: 7, parity: new Map([['odd', 1]]), seen: new Set([1]) });
  });

  it('gives EMPTY for an empty computable', async () => {
    make();
    const task = backend.compute(fromFunction(square, []));
    expect(await task.result()).toBe(EMPTY);
    expect(task.status).toBe('complete');
  });

  it('refuses compute() after disposal with a clear error', async () => {
    make();
    await backend.dispose();
    expect(() => backend.compute(fromFunction(square, inputs))).toThrow(BackendDisposedError);
    expect(() => backend.compute(fromFunction(square, inputs))).toThrow(/has been disposed/);
  });

  it('waits for running tasks on disposal', async () => {
    make();
    const task = backend.compute(fromFunction(slowSquare, inputs.slice(0, 20)));
    await backend.dispose();
    expect(task.status).toBe('complete');
    expect(await task.result()).toBe(inputs.slice(0, 20).reduce((s, x) => s + x * x, 0));
  });
});
