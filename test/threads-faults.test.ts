import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { threads } from '../src/backends/threads.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { ElementTimeoutError, WorkerCrashError } from '../src/protocol/errors.ts';
import { exitOn13, hangOn13, oomOn13, timerThrowOn13, TimerError } from './fixtures/threads/faults.ts';

const inputs = Array.from({ length: 40 }, (_, i) => i);
const sumWithout13 = inputs.reduce((a, x) => a + x, 0) - 13;

/** Batches of 10, so the bad element shares its round trip with nine good ones. */
const batched = { batchSize: 10, errorPolicy: { maxRetries: 1, backoff: false as const } };

describe('threads backend: worker faults cost an attempt, not the run', () => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  it('charges only the element whose processor calls process.exit, and goes on', async () => {
    backend = threads({ workers: 2 });
    const partial = await backend.run(fromFunction(exitOn13, inputs), { ...batched, errorPolicy: { ...batched.errorPolicy, continueAfterRetriesOn: ['E_WORKER_EXIT'] } });
    expect(partial.failed.map((f) => [f.range, f.attempts])).toEqual([[[13, 14], 2]]);
    const error = partial.failed[0]!.error;
    expect(error).toBeInstanceOf(WorkerCrashError);
    expect((error as WorkerCrashError).code).toBe('E_WORKER_EXIT');
    expect((error as Error).message).toMatch(/element \[13, 14\) exited with code 3.*process\.exit/);
    expect(partial.result).toBe(sumWithout13);
    expect(partial.completed).toEqual([[0, 13], [14, 40]]);
  });

  it('charges only the element whose timer throws (an uncaught exception), matching its class through the cause', async () => {
    backend = threads({ workers: 2 });
    const partial = await backend.run(fromFunction(timerThrowOn13, inputs), { ...batched, errorPolicy: { continueOn: [TimerError] } });
    expect(partial.failed.map((f) => [f.range, f.attempts])).toEqual([[[13, 14], 1]]);
    const error = partial.failed[0]!.error as WorkerCrashError & { cause: Error };
    expect(error.code).toBe('E_WORKER_CRASH');
    expect(error.cause.name).toBe('TimerError');
    expect(error.cause.message).toBe('thrown from a timer on 13');
    expect(partial.result).toBe(sumWithout13);
  });

  it('fails an element that exceeds maxMemoryMb with E_WORKER_OOM, and goes on', async () => {
    backend = threads({ workers: 2, maxMemoryMb: 48 });
    const partial = await backend.run(fromFunction(oomOn13, inputs), { ...batched, errorPolicy: { continueOn: ['E_WORKER_OOM'] } });
    expect(partial.failed.map((f) => [f.range, f.attempts])).toEqual([[[13, 14], 1]]);
    const error = partial.failed[0]!.error as WorkerCrashError;
    expect(error.code).toBe('E_WORKER_OOM');
    expect(error.message).toMatch(/ran out of memory \(maxMemoryMb is 48\)/);
    expect(partial.result).toBe(sumWithout13);
  });

  it('stops an element that runs past elementTimeoutMs with E_ELEMENT_TIMEOUT, and goes on', async () => {
    backend = threads({ workers: 2, elementTimeoutMs: 200 });
    const started = performance.now();
    const partial = await backend.run(fromFunction(hangOn13, inputs), { ...batched, errorPolicy: { continueOn: ['E_ELEMENT_TIMEOUT'] } });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(partial.failed.map((f) => [f.range, f.attempts])).toEqual([[[13, 14], 1]]);
    expect(partial.failed[0]!.error).toBeInstanceOf(ElementTimeoutError);
    expect((partial.failed[0]!.error as Error).message).toMatch(/\[13, 14\) ran past elementTimeoutMs \(200 ms\)/);
    expect(partial.result).toBe(sumWithout13);
  });

  it('starts an element\'s elementTimeoutMs clock after its processor module is loaded in the fresh thread', async () => {
    // Every element takes microseconds; loading the module takes 600 ms in each new thread, three times the limit.
    backend = threads({ workers: 2, elementTimeoutMs: 200 });
    const { quickAfterSlowLoad } = await import('./fixtures/threads/slow-module.ts');
    const partial = await backend.run(fromFunction(quickAfterSlowLoad, inputs), { ...batched, errorPolicy: { maxRetries: 0 } });
    expect(partial.failed).toEqual([]);
    expect(partial.result).toBe(inputs.reduce((a, x) => a + x, 0));
  });

  it('cancels the task once a crashing element has spent its retries, keeping the rest', async () => {
    backend = threads({ workers: 2 });
    const task = backend.compute(fromFunction(exitOn13, inputs), batched);
    const partial = await task.wait();
    expect(task.status).toBe('cancelled');
    expect((partial.error as WorkerCrashError).code).toBe('E_WORKER_EXIT');
    expect(partial.processed).toBeGreaterThan(0);
  });
});
