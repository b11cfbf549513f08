import { describe, expect, it } from 'vitest';
import { adaptiveChunks } from '../src/actors/chunking/adaptive.ts';
import type { ComputeOptions } from '../src/backends/options.ts';
import { merge } from '../src/protocol/result.ts';
import { expectedCount, recordSupervisor, runToEnd, scripted, simulatedClock, testFiles, type EntryCount, type Script, type TestFile } from '../src/testing/index.ts';

const ONE_FILE: TestFile[] = [{ name: 'A', entries: 20_000 }];

async function run(script: Script, options: ComputeOptions & { chunkSize?: number; files?: TestFile[]; cancelAt?: number } = {}) {
  const { chunkSize = 1000, files = ONE_FILE, cancelAt, ...compute } = options;
  const clock = simulatedClock();
  await using backend = scripted({ clock, script });
  const recorder = recordSupervisor(clock);
  const task = backend.compute(testFiles(files, { chunkSize }), { inspect: recorder.inspect, ...compute });
  if (cancelAt !== undefined) clock.setTimeout(() => task.cancel(new Error('stopped by the test')), cancelAt);
  const partial = await runToEnd(task, clock);
  return { partial, status: task.status, attempts: backend.attempts, recorder, clock };
}

describe('splitting work on resource exhaustion', () => {
  it('splits an element that runs out of memory; both halves succeed and the result is complete and correct', async () => {
    // 8,000 entries need 1.6 GB, over the 1 GB limit; 4,000 need 0.8 GB.
    const { partial, status, attempts } = await run({ msPerEntry: 0.1, memory: { limit: 1e9, perEntry: 2e5 } }, { chunkSize: 8000 });
    expect(status).toBe('complete');
    expect(partial.result).toEqual(expectedCount(ONE_FILE));
    expect(partial.failed).toEqual([]);
    const first = attempts.filter((a) => a.range[0] < 8000);
    expect(first.map((a) => [a.range, a.attempt, a.error ?? 'ok'])).toEqual([
      [[0, 8000], 1, 'E_WORKER_OOM'],
      [[0, 4000], 1, 'ok'],
      [[4000, 8000], 1, 'ok'],
    ]);
  });

  it('lowers the adaptive size after an exhaustion, so later elements fit', async () => {
    const sizer = adaptiveChunks({ targetChunkSeconds: 1, initial: 1000, relaxAfter: 0 });
    const { status, attempts, partial } = await run(
      { overheadMs: 20, msPerEntry: 0.1, memory: { limit: 1e9, perEntry: 2e5 } },
      { chunkSizer: sizer, files: [{ name: 'A', entries: 100_000 }] },
    );
    expect(status).toBe('complete');
    expect(partial.result).toEqual(expectedCount([{ name: 'A', entries: 100_000 }]));
    // The time target wants 9,800 entries, memory allows 5,000: 8,000 fails once, then it stays at 4,000.
    expect(attempts.filter((a) => a.error === 'E_WORKER_OOM').map((a) => a.entries)).toEqual([8000]);
    expect(sizer.model().ceiling).toBe(4000);
    expect(Math.max(...attempts.slice(4).map((a) => a.entries))).toBeLessThanOrEqual(4000);
  });

  it('stays under a memory limit it is told about, from the peak memory elements report, without failing once', async () => {
    const sizer = adaptiveChunks({ targetChunkSeconds: 1, initial: 1000, memoryLimit: 1e9 });
    const { attempts } = await run({ overheadMs: 20, msPerEntry: 0.1, memory: { limit: 1e9, perEntry: 2e5 } }, { chunkSizer: sizer, files: [{ name: 'A', entries: 100_000 }] });
    expect(attempts.filter((a) => a.error !== undefined)).toEqual([]);
    expect(Math.max(...attempts.map((a) => a.entries))).toBeLessThanOrEqual(4000);
  });

  it('treats a one-entry element that still runs out of memory as a failure under the policy: cancelled by default', async () => {
    const { status, partial, attempts, recorder } = await run(
      { msPerEntry: 0.1, memory: { limit: 1e9, ranges: [{ from: 42, to: 43, bytes: 2e9 }] } },
      { chunkSize: 100, errorPolicy: { backoff: false } },
    );
    expect(status).toBe('cancelled');
    expect((partial.error as { code?: string }).code).toBe('E_WORKER_OOM');
    // Halved down to [42, 43): 100 → 50 → 25 → 12 → 6 → 3 → 1 entries, then the policy's 3 retries.
    const single = attempts.filter((a) => a.range[0] === 42 && a.range[1] === 43);
    expect(single.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(recorder.states().at(-1)).toBe('cancelled');
  });

  it('skips a one-entry element that still runs out of memory when the policy continues on E_WORKER_OOM', async () => {
    const { status, partial } = await run(
      { msPerEntry: 0.1, memory: { limit: 1e9, ranges: [{ from: 42, to: 43, bytes: 2e9 }] } },
      { chunkSize: 100, errorPolicy: { continueOn: ['E_WORKER_OOM'] } },
    );
    expect(status).toBe('incomplete');
    expect(partial.failed.map((f) => [f.range, f.attempts])).toEqual([[[42, 43], 1]]);
    const expected = expectedCount(ONE_FILE);
    expect(partial.result).toEqual({ entries: expected.entries - 1, checksum: expected.checksum - 42 });
    expect(partial.completed).toEqual([
      [0, 42],
      [43, 20_000],
    ]);
  });

  it('splits an element that runs past its time limit', async () => {
    const { status, partial, attempts } = await run({ msPerEntry: 1, elementTimeoutMs: 600 }, { chunkSize: 1000, files: [{ name: 'A', entries: 2000 }] });
    expect(status).toBe('complete');
    expect(partial.result).toEqual(expectedCount([{ name: 'A', entries: 2000 }]));
    expect(attempts.filter((a) => a.error === 'E_ELEMENT_TIMEOUT').map((a) => a.entries)).toEqual([1000, 1000]);
    expect(Math.max(...attempts.filter((a) => a.error === undefined).map((a) => a.entries))).toBe(500);
  });
});

describe('bounded splitting: an element that runs out of memory at every size', () => {
  // Entries [0, 1000) need 1e15 bytes in all: any piece of them, even one entry, is over the limit.
  const everySize: Script = { msPerEntry: 0.1, memory: { limit: 1e9, ranges: [{ from: 0, to: 1000, bytes: 1e15 }] } };
  const files = [{ name: 'A', entries: 4000 }];

  it('is halved splitDepth times, one piece at a time, then fails once, whole, under the policy; the rest completes', async () => {
    const { status, partial, attempts } = await run(everySize, { chunkSize: 1000, files, errorPolicy: { continueOn: ['E_WORKER_OOM'] } });
    expect(status).toBe('incomplete');
    expect(attempts.filter((a) => a.range[0] < 1000).map((a) => [a.range, a.error ?? 'ok'])).toEqual([
      [[0, 1000], 'E_WORKER_OOM'],
      [[0, 500], 'E_WORKER_OOM'],
      [[0, 250], 'E_WORKER_OOM'],
      [[0, 125], 'E_WORKER_OOM'],
    ]);
    expect(partial.failed.map((f) => [f.range, f.attempts, (f.error as { code?: string }).code])).toEqual([[[0, 1000], 1, 'E_WORKER_OOM']]);
    expect(partial.completed).toEqual([[1000, 4000]]);
    expect(partial.result).toEqual({ entries: 3000, checksum: expectedCount(files).checksum - (999 * 1000) / 2 });
  });

  it('follows splitDepth: 0 does not split, 5 tries pieces down to 1/32', async () => {
    const none = await run(everySize, { chunkSize: 1000, files, splitDepth: 0, errorPolicy: { continueOn: ['E_WORKER_OOM'] } });
    expect(none.attempts.filter((a) => a.range[0] < 1000).map((a) => a.range)).toEqual([[0, 1000]]);
    expect(none.partial.failed.map((f) => f.range)).toEqual([[0, 1000]]);
    const deep = await run(everySize, { chunkSize: 1000, files, splitDepth: 5, errorPolicy: { continueOn: ['E_WORKER_OOM'] } });
    expect(deep.attempts.filter((a) => a.range[0] < 1000).map((a) => a.entries)).toEqual([1000, 500, 250, 125, 62, 31]);
    expect(deep.partial.failed.map((f) => f.range)).toEqual([[0, 1000]]);
  });

  it('retries the last piece under the policy (the element counts as one failure), then cancels by default', async () => {
    const { status, partial, attempts } = await run(everySize, { chunkSize: 1000, files, errorPolicy: { backoff: false } });
    expect(status).toBe('cancelled');
    expect((partial.error as { code?: string }).code).toBe('E_WORKER_OOM');
    // Three halvings without a retry spent, then the policy's 3 retries of the piece reached.
    expect(attempts.filter((a) => a.range[0] < 1000).map((a) => [a.entries, a.attempt])).toEqual([
      [1000, 1],
      [500, 1],
      [250, 1],
      [125, 1],
      [125, 2],
      [125, 3],
      [125, 4],
    ]);
  });

  it('refuses a splitDepth that is not a whole number from 0', async () => {
    await expect(run(everySize, { splitDepth: -1 })).rejects.toThrow(/splitDepth/);
  });
});

describe('exhaustion with retries, backoff and cancellation', () => {
  it('retries with backoff delays measured on the simulated clock, then splits without counting the split as an attempt', async () => {
    const { status, partial, attempts, recorder } = await run(
      { overheadMs: 10, msPerEntry: 1, memory: { limit: 1e9, perEntry: 2e5 }, failures: [{ entry: 3000, errors: ['ENOENT', 'ENOENT'] }] },
      { chunkSize: 8000, files: [{ name: 'A', entries: 8000 }], errorPolicy: { backoff: { initialMs: 100, factor: 2, jitter: 0 } } },
    );
    expect(status).toBe('complete');
    expect(partial.result).toEqual(expectedCount([{ name: 'A', entries: 8000 }]));
    expect(attempts.map((a) => [a.range, a.attempt, a.error ?? 'ok'])).toEqual([
      [[0, 8000], 1, 'ENOENT'],
      [[0, 8000], 2, 'ENOENT'],
      [[0, 8000], 3, 'E_WORKER_OOM'],
      [[0, 4000], 3, 'ok'],
      [[4000, 8000], 3, 'ok'],
    ]);
    // Each retry comes due exactly one backoff delay (100 ms, then 200 ms) after the failure.
    const due = recorder.events('RETRY.DUE').map((e) => e.at);
    expect(due).toEqual([attempts[0]!.endedAt + 100, attempts[1]!.endedAt + 200]);
    expect(attempts[1]!.startedAt).toBe(due[0]);
    expect(attempts[2]!.startedAt).toBe(due[1]);
  });

  it('cancels cleanly while the halves of a split element are in flight, keeping what was done and nothing on the clock', async () => {
    const files = [{ name: 'A', entries: 16_000 }];
    // [0, 8000) needs 1.6 GB: it runs out of memory 1/1.6 of the way through its 2 s, at 1,250 ms;
    // its first half starts then and is still running when the test cancels at 1,500 ms.
    const { status, partial, attempts, recorder, clock } = await run(
      { msPerEntry: 0.25, memory: { limit: 1e9, perEntry: 2e5 } },
      { chunkSize: 8000, files, cancelAt: 1500 },
    );
    expect(status).toBe('cancelled');
    expect(attempts.map((a) => [a.range, a.error ?? 'ok'])).toEqual([
      [[0, 8000], 'E_WORKER_OOM'],
      [[0, 4000], 'aborted'],
    ]);
    expect(partial.completed).toEqual([]);
    expect(recorder.states().slice(0, 2)).toEqual(['pending', 'running']);
    expect(recorder.states()).toContain('cancelling');
    expect(recorder.states().at(-1)).toBe('cancelled');
    expect(clock.pending).toBe(0);
    // What was not done is still there to compute, and merging gives the full answer.
    const rest = await run({ msPerEntry: 0.25 }, { files, chunkSize: 4000 });
    expect(rest.status).toBe('complete');
    expect(merge(partial.result as EntryCount, rest.partial.result as EntryCount)).toEqual(expectedCount(files));
  });
});
