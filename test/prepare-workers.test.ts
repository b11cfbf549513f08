import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { inline } from '../src/backends/inline.ts';
import { threads } from '../src/backends/threads.ts';
import { dataGroup, dataset } from '../src/io/dataset/dataset.ts';
import { prepare } from '../src/io/prepare/prepare.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const SAMPLES = ['nano_dy.root', 'nano_dimuon.root', 'nano_dy.parquet', 'nano_dimuon.parquet'];
const dir = await mkdtemp(join(tmpdir(), 'cortado-prepare-workers-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describeWithData('preparation on the threads backend', () => {
  it('opens every file on the worker threads, in small batches, and learns exactly what inline() learns', async () => {
    // Real copies (not links): each is a file of its own to open, as in a dataset of many small files.
    const files: string[] = [];
    for (let k = 0; k < 8; k++) {
      const sample = SAMPLES[k % SAMPLES.length]!;
      const copy = join(dir, `copy_${k}_${sample}`);
      await copyFile(join(DATA_DIR, 'nanoaod', sample), copy);
      files.push(copy);
    }
    const group = () => dataGroup([dataset('ROOT', files.filter((f) => f.endsWith('.root'))), dataset('Parquet', files.filter((f) => f.endsWith('.parquet')))]);

    let expected;
    {
      await using backend = inline();
      expected = await backend.compute(prepare(group())).result();
    }

    await using backend = threads({ workers: 2 });
    const ranOn: string[] = [];
    const perBatch: number[] = [];
    const inspect = (event: InspectionEvent): void => {
      if (event.type !== '@xstate.event') return;
      const e = event.event as { type: string; job?: { items: unknown[] }; outcome?: { worker?: { id: string } } };
      if (e.type !== 'LANE.DONE') return;
      ranOn.push(e.outcome?.worker?.id ?? 'the calling thread');
      perBatch.push(e.job!.items.length);
    };
    const info = await backend.compute(prepare(group()), { inspect }).result();
    expect(info).toEqual(expected);
    expect(Object.keys(info)).toHaveLength(8);
    // Every file was opened in a worker thread, never on the driver's thread.
    expect(ranOn.length).toBeGreaterThan(0);
    for (const id of ranOn) {
      expect(id).toMatch(/^thread-\d+$/);
      expect(id).not.toBe(`thread-${threadId}`);
    }
    expect(new Set(ranOn).size).toBeLessThanOrEqual(2);
    // Opening a file costs milliseconds, so batches stay small enough to be spread over the workers.
    expect(perBatch.reduce((a, b) => a + b, 0)).toBe(8);
    expect(perBatch.length).toBeGreaterThanOrEqual(4);

    // preprocess() applies the same answer: every file gets its entries, clusters and steps.
    const prepared = await preprocess(backend, group(), { stepSize: 25 });
    for (const d of prepared.datasets) {
      for (const f of d.files) {
        expect(f.entries).toBe(expected[f.path]!.entries);
        expect(f.steps).toEqual([[0, 25], [25, 40]]);
      }
    }
  }, 60_000);
});
