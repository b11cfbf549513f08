import { describe, expect, it } from 'vitest';
import { adaptiveChunks } from '../src/actors/chunking/adaptive.ts';
import { runToEnd, scripted, simulatedClock, testFiles, expectedCount, recordSupervisor, type Script, type TestFile } from '../src/testing/index.ts';

const TARGET_MS = 1000;

async function adaptiveRun(files: readonly TestFile[], script: Script, options: { grouped?: boolean; initial?: number } = {}) {
  const clock = simulatedClock();
  await using backend = scripted({ clock, script });
  const sizer = adaptiveChunks({ targetChunkSeconds: TARGET_MS / 1000, initial: options.initial ?? 1000 });
  const recorder = recordSupervisor(clock);
  const task = backend.compute(testFiles(files, { chunkSize: options.initial ?? 1000, grouped: options.grouped ?? false }), {
    chunkSizer: sizer,
    inspect: recorder.inspect,
  });
  const partial = await runToEnd(task, clock);
  const durations = backend.attempts.map((a) => a.endedAt - a.startedAt);
  return { partial, status: task.status, sizer, attempts: backend.attempts, durations, recorder };
}

const within20 = (ms: number) => ms >= 0.8 * TARGET_MS && ms <= 1.2 * TARGET_MS;

describe('adaptive chunk sizing', () => {
  it('converges within ±20% of the target duration in at most 10 elements when the cost is uniform', async () => {
    // 20 ms per element plus 0.1 ms per entry: the target of 1 s wants 9,800 entries.
    const { partial, status, durations, sizer, attempts } = await adaptiveRun([{ name: 'A', entries: 400_000 }], { overheadMs: 20, msPerEntry: 0.1 });
    expect(status).toBe('complete');
    expect(attempts.slice(0, 4).map((a) => a.entries)).toEqual([1000, 2000, 4000, 8000]);
    expect(partial.result).toEqual(expectedCount([{ name: 'A', entries: 400_000 }]));
    const settled = durations.slice(9, -1); // from the 10th element on, but the file's short tail
    expect(settled.length).toBeGreaterThan(20);
    expect(settled.filter((ms) => !within20(ms))).toEqual([]);
    const model = sizer.model();
    expect(model.overheadMs).toBeCloseTo(20, 6);
    expect(model.msPerEntry).toBeCloseTo(0.1, 9);
  });

  it('never grows an element more than twice the largest one completed', async () => {
    const { attempts } = await adaptiveRun([{ name: 'A', entries: 2_000_000 }], { msPerEntry: 0.01 });
    let largest = 0;
    for (const a of attempts.slice(1)) {
      if (largest > 0) expect(a.entries).toBeLessThanOrEqual(2 * largest);
      largest = Math.max(largest, a.entries);
    }
    expect(attempts.length).toBeGreaterThan(10);
  });

  it('re-converges when the cost per entry changes midway', async () => {
    const files = [
      { name: 'cheap', entries: 200_000 },
      { name: 'dear', entries: 100_000 },
      { name: 'cheap2', entries: 200_000 },
    ];
    const { status, durations, attempts, sizer } = await adaptiveRun(files, { overheadMs: 20, msPerEntry: { cheap: 0.1, dear: 0.4, cheap2: 0.1 } });
    expect(status).toBe('complete');
    for (const [from, to] of [
      [200_000, 300_000],
      [300_000, 500_000],
    ] as const) {
      const inFile = attempts.map((a, i) => ({ a, ms: durations[i]! })).filter(({ a }) => a.range[0] >= from && a.range[1] <= to);
      // At most 4 elements to adapt, then on target (but the file's short tail).
      expect(inFile.slice(4, -1).filter(({ ms }) => !within20(ms))).toEqual([]);
    }
    expect(sizer.model().resets).toBeGreaterThanOrEqual(2);
  });

  it('keeps one model per dataset, so alternating datasets do not confuse each other', async () => {
    const files = [
      { name: 'a1', entries: 100_000, group: 'A' },
      { name: 'b1', entries: 100_000, group: 'B' },
      { name: 'a2', entries: 100_000, group: 'A' },
      { name: 'b2', entries: 100_000, group: 'B' },
    ];
    const { sizer, partial, attempts, durations } = await adaptiveRun(files, { overheadMs: 10, msPerEntry: (e) => (e.group === 'A' ? 0.05 : 0.5) }, { grouped: true });
    // Back in a dataset it has seen, every element is sized for that dataset from the first one on
    // (the computable asks for each group's size as it cuts), but each file's short tail.
    for (const from of [200_000, 300_000]) {
      const inFile = attempts.map((a, i) => ({ a, ms: durations[i]! })).filter(({ a }) => a.range[0] >= from && a.range[1] <= from + 100_000);
      expect(inFile.slice(0, -1).filter(({ ms }) => !within20(ms))).toEqual([]);
    }
    expect(Object.keys(partial.result as object).sort()).toEqual(['A', 'B']);
    expect(sizer.model('A').msPerEntry).toBeCloseTo(0.05, 6);
    expect(sizer.model('B').msPerEntry).toBeCloseTo(0.5, 6);
    expect(sizer.model('A').resets).toBe(0);
    expect(sizer.model('B').resets).toBe(0);
  });

  it('shrugs off a single slow element (a garbage collection, a cold cache)', async () => {
    let n = 0;
    const { sizer } = await adaptiveRun([{ name: 'A', entries: 300_000 }], {
      overheadMs: 20,
      msPerEntry: () => (++n === 15 ? 1 : 0.1), // element 15 is 10× slower
    });
    expect(sizer.model().msPerEntry).toBeCloseTo(0.1, 6);
    expect(sizer.model().resets).toBe(0);
  });

  it('runs the same way every time: same script, same transitions', async () => {
    const files = [
      { name: 'cheap', entries: 100_000 },
      { name: 'dear', entries: 50_000 },
    ];
    const script: Script = { overheadMs: 20, msPerEntry: { cheap: 0.1, dear: 0.4 }, failures: [{ entry: 120_000, errors: ['EIO'] }] };
    const first = await adaptiveRun(files, script);
    const second = await adaptiveRun(files, script);
    expect(second.recorder.lines()).toEqual(first.recorder.lines());
    expect(second.attempts).toEqual(first.attempts);
  });

  it('rejects options that cannot work, saying what came', () => {
    expect(() => adaptiveChunks({ targetChunkSeconds: 0 })).toThrow(/targetChunkSeconds.*got 0/);
    expect(() => adaptiveChunks({ targetChunkSeconds: 1, min: 10, max: 5 })).toThrow(/min/);
  });
});
