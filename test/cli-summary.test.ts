import { describe, expect, it } from 'vitest';
import type { RunFile } from '../src/cli/run-file.ts';
import { summaryLines } from '../src/cli/summary.ts';
import type { Progress } from '../src/protocol/task.ts';

const run = {
  type: 'cortado.Run',
  version: 1,
  status: 'complete',
  processor: { module: 'p.ts', exportName: 'p' },
  fileset: null,
  options: {},
  key: 'k',
  size: 2_000_000,
  completed: [[0, 2_000_000]],
  processed: 2_000_000,
  failed: [],
  parts: [],
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:10.000Z',
  elapsedMs: 10_000,
  result: {} as RunFile['result'],
} as RunFile;

const progress: Progress = {
  status: 'complete', elementsDone: 20, elementsTotal: 20, entriesDone: 2_000_000, entriesTotal: 2_000_000,
  failures: 0, retries: 0, rate: 500_000, elapsedMs: 4_000,
};

describe('CLI summary: time and throughput over the same interval', () => {
  it('reports the whole time with the whole throughput, then preparation and processing apart', () => {
    const [first] = summaryLines({ run, processedNow: 2_000_000, progress, elapsedMs: 10_000, prepareMs: 6_000, out: 'r.json', plots: [] });
    // 2,000,000 events over the 10 s of the invocation: 200,000 events/s, not the 500,000 of processing alone.
    expect(first).toContain('time 10.0 s, throughput 200,000 events/s (preparing 6.0 s, processing 4.0 s at 500,000 events/s).');
  });

  it('gives the whole-invocation figures alone when the run reported no progress', () => {
    const [first] = summaryLines({ run, processedNow: 2_000_000, progress: undefined, elapsedMs: 8_000, out: 'r.json', plots: [] });
    expect(first).toContain('time 8.0 s, throughput 250,000 events/s.');
  });
});
