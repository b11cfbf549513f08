/**
 * The probing batch sizer the cluster backend uses: until the first batch reports, one batch at a
 * time; then straight to the measured size, on every lane at once; near the end, batches of an
 * equal share of what is left (its workers' parallelism), so the workers finish together.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { adaptiveBatchSizer, type BatchSizer } from '../src/actors/batch-sizer.ts';
import { runBatch, type BatchJob, type BatchOutcome } from '../src/actors/batch.ts';
import type { Executor } from '../src/actors/executor.ts';
import { BaseBackend } from '../src/backends/backend.ts';
import { resolveProcessor } from '../src/backends/resolve-processor.ts';
import { fromFunction, type Computable } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';

describe('adaptiveBatchSizer({ probeAlone })', () => {
  it('probes with one batch, then goes straight to the measured size (4× at a time without it)', () => {
    const probe = adaptiveBatchSizer({ targetMs: 250, probeAlone: true });
    expect([probe.next(), probe.probing?.()]).toEqual([1, true]);
    probe.observe(0, 5); // a batch that completed nothing measured nothing
    expect(probe.probing?.()).toBe(true);
    probe.observe(1, 2);
    expect([probe.next(), probe.probing?.()]).toEqual([125, false]);
    probe.observe(125, 500); // later: grows 4× at most, shrinks at once
    expect(probe.next()).toBe(62);
    const plain = adaptiveBatchSizer({ targetMs: 250 });
    expect(plain.probing?.()).toBe(false);
    plain.observe(1, 2);
    expect(plain.next()).toBe(4);
  });
});

describe('adaptiveBatchSizer({ parallelism })', () => {
  it('cuts no batch larger than an equal share of what is left per worker, down to an eighth of the measured size', () => {
    let workers: number | undefined;
    const sizer = adaptiveBatchSizer({ targetMs: 250, probeAlone: true, parallelism: () => workers });
    expect(sizer.next(999)).toBe(1); // nothing measured yet: the probe
    sizer.observe(1, 2);
    expect(sizer.next(999)).toBe(125); // workers unknown: the measured size
    workers = 2;
    expect(sizer.next(999)).toBe(125);
    expect(sizer.next(250)).toBe(125);
    expect(sizer.next(200)).toBe(100);
    expect(sizer.next(60)).toBe(30);
    expect(sizer.next(20)).toBe(16); // never under an eighth of 125
    expect(sizer.next()).toBe(125); // nothing known about what is left
    workers = 0;
    expect(sizer.next(20)).toBe(125);
  });

  it('asks nothing of the backend before the probe has measured', () => {
    let asked = 0;
    const sizer = adaptiveBatchSizer({ targetMs: 250, probeAlone: true, parallelism: () => (asked++, 2) });
    expect(sizer.next(999)).toBe(1);
    expect(asked).toBe(0);
  });
});

/** A backend of `slots` lanes whose executor records how many batches were in flight as each started. */
class RecordingBackend extends BaseBackend {
  readonly name = 'recording';
  readonly starts: Array<{ size: number; inFlight: number; id: number }> = [];
  #inFlight = 0;
  constructor(readonly probe: boolean, readonly parallelism?: number) {
    super();
  }
  protected override adaptiveSizer(targetMs: number): BatchSizer {
    return adaptiveBatchSizer({ targetMs, probeAlone: this.probe, ...(this.parallelism === undefined ? {} : { parallelism: () => this.parallelism }) });
  }
  protected executor(): Executor {
    return {
      name: 'recording',
      slots: 4,
      collectStats: false,
      runBatch: async (job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> => {
        this.starts.push({ size: job.items.length, inFlight: ++this.#inFlight, id: job.id });
        try {
          await yieldToEventLoop();
          const outcome = await runBatch(job, { signal, resolve: resolveProcessor, collectStats: false });
          // Measured at 1 ms per element, whatever the machine's load.
          return { ...outcome, busyMs: job.items.length };
        } finally {
          this.#inFlight--;
        }
      },
    };
  }
  protected async release(): Promise<void> {}
}

describe('a backend whose sizer probes alone', () => {
  const work = () => fromFunction((x: number) => x, Array.from({ length: 200 }, (_, i) => i));

  it('sends the first batch alone, then full batches on every lane; the result is exact', async () => {
    await using backend = new RecordingBackend(true);
    expect(await backend.compute(work(), { targetBatchMs: 1e6 }).result()).toBe(19_900);
    expect(backend.starts[0]).toMatchObject({ size: 1, inFlight: 1 });
    // No second batch of 1 element: the next ones take what the probe measured (here, everything left).
    expect(backend.starts.slice(1).every((s) => s.size > 1)).toBe(true);
    expect(backend.starts.length).toBeLessThanOrEqual(5);
  });

  it('cuts the last batches smaller, and hands batches to the executor in the order they were cut (largest first)', async () => {
    await using backend = new RecordingBackend(true, 2);
    // Each batch is measured at 1 ms per element: the probe sets the size to 40 (targetBatchMs 40).
    const slow = fromFunction((x: number) => x, Array.from({ length: 200 }, (_, i) => i));
    const task = backend.compute(slow, { targetBatchMs: 40 });
    expect(await task.result()).toBe(19_900);
    const sizes = backend.starts.map((s) => s.size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(sizes[0]).toBe(1);
    // Full batches first, then shrinking ones (each at most half of what was left), none under 5 (40 / 8).
    expect(sizes[1]).toBe(40);
    expect(sizes.slice(1).every((n, k, all) => k === 0 || n <= all[k - 1]!)).toBe(true);
    expect(sizes.at(-2)).toBeLessThan(40);
    expect(Math.min(...sizes.slice(1, -1))).toBeGreaterThanOrEqual(5);
    // The executor sees the batches in the order they were cut: the lane that ran the probe is not
    // handed the first (largest) batch, which would start after the others.
    expect(backend.starts.map((s) => s.id)).toEqual(backend.starts.map((s) => s.id).sort((a, b) => a - b));
  });

  it('without probing, every lane starts with a batch of 1 element', async () => {
    await using backend = new RecordingBackend(false);
    expect(await backend.compute(work(), { targetBatchMs: 1e6 }).result()).toBe(19_900);
    expect(backend.starts.slice(0, 4).map((s) => s.size)).toEqual([1, 1, 1, 1]);
  });

  it('a probe whose element fails and is retried does not stall the run', async () => {
    await using backend = new RecordingBackend(true);
    let failed = false;
    const flaky = fromFunction((x: number) => {
      if (x === 0 && !failed) {
        failed = true;
        throw Object.assign(new Error('transient'), { code: 'ECONNRESET' });
      }
      return x;
    }, Array.from({ length: 50 }, (_, i) => i));
    expect(await backend.compute(flaky, { errorPolicy: { maxRetries: 3, backoff: { initialMs: 1, maxMs: 1, jitter: 0 } } }).result()).toBe(1225);
  });
});

describe('the tail cut on a fileset of large elements, then many small ones', () => {
  // 4 elements of 10,000 entries, then 200 of 1 entry: the runtime estimates the elements still to
  // come from the entries left, at the entries per element of the last elements pulled.
  const mixed = (): Computable<number> => ({
    key: 'large-then-small',
    size: 4 * 10_000 + 200,
    *steps() {
      for (let i = 0; i < 4; i++) yield { range: [i * 10_000, (i + 1) * 10_000], data: new ValueData(1), processor: (x: number) => x };
      for (let i = 0; i < 200; i++) yield { range: [40_000 + i, 40_000 + i + 1], data: new ValueData(1), processor: (x: number) => x };
    },
  });

  it('keeps full batches while many small elements are left, and cuts only the last ones', async () => {
    await using backend = new RecordingBackend(true, 2);
    // 1 ms per element (whatever the machine's load): batches of 40 elements for targetBatchMs 40.
    expect(await backend.compute(mixed(), { targetBatchMs: 40 }).result()).toBe(204);
    const sizes = backend.starts.map((s) => s.size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(204);
    // Estimated at the whole run's average entries per element (~10,000 once the large ones were
    // pulled), the 200 small elements looked like none left, and every batch after the probe was
    // cut to an eighth (5): 42 batches instead of ~11.
    expect(sizes.filter((n) => n === 40).length).toBeGreaterThanOrEqual(3);
    expect(sizes.length).toBeLessThan(15);
  });
});
