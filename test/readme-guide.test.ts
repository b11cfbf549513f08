/**
 * The README's guide sections, run as written: merging a partial result with the result of
 * remaining(), preprocess() options and dropped files, per-file tree names, the EventSource
 * interface and Hist.sum({ flow }).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyPreparation, dataGroup, dataset, EMPTY, file, fromFunction, Hist, inline, IoError, merge, openSource, prepare, preprocess,
  PreparationFailedError, regular, type EventsInput,
} from '../src/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);

describe('README: merging a partial result with the rest', () => {
  it('merge(partial.result, rest) equals the result of a run without failures', async () => {
    class Flaky extends Error {}
    let failing = true;
    const square = (x: number) => {
      if (failing && x % 7 === 3) throw new Flaky(`no ${x}`);
      return x * x;
    };
    const inputs = Array.from({ length: 50 }, (_, i) => i);
    await using backend = inline();
    const task = backend.compute(fromFunction(square, inputs), { errorPolicy: { continueOn: [Flaky], backoff: false } });
    const partial = await task.wait();
    expect(task.status).toBe('incomplete');
    expect(partial.failed.length).toBe(7);
    failing = false;
    const rest = await backend.compute(partial.remaining()).result();
    const full = merge(partial.result, rest);
    expect(full).toBe(inputs.reduce((s, x) => s + x * x, 0));
    expect(merge(EMPTY, rest)).toBe(rest);
  });
});

describe('README: Hist.sum({ flow })', () => {
  it('sums the in-range bins, and the flow bins too with { flow: true }', () => {
    const h = new Hist(regular(2, 0, 2, { name: 'x' }));
    h.fill({ x: Float64Array.of(-1, 0.5, 1.5, 1.5, 5) });
    expect(h.sum()).toBe(3);
    expect(h.sum({ flow: true })).toBe(5);
  });
});

describeWithData('README: preprocess(), file() and EventSource on the NanoAOD samples', () => {
  it('reads per-file tree names given with file(path, treename)', async () => {
    const group = dataGroup([
      dataset('DY', [file(nano('nano_dy.root')), file(nano('nano_dy_SpecialTree.root'), 'NotEvents')]),
    ]);
    await using backend = inline();
    const prepared = await preprocess(backend, group, { stepSize: 25 });
    expect(prepared.datasets[0]!.files.map((f) => [f.treename, f.entries])).toEqual([['Events', 40], ['NotEvents', 40]]);
    const counts = await backend.compute(prepared.mapSteps(({ events }: EventsInput) => events.length)).result();
    expect(counts).toEqual({ DY: 80 });
  });

  it('throws PreparationFailedError for a file that does not open, or drops it with dropMissing and an error policy that continues', async () => {
    const missing = nano('not-there.root');
    const group = dataGroup([dataset('DY', [nano('nano_dy.root'), missing]), dataset('Data', [nano('nano_dimuon.parquet')])]);
    await using backend = inline();
    const compute = { errorPolicy: { continueOn: ['ENOENT'] } };
    const error = await preprocess(backend, group, { compute }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreparationFailedError);
    expect((error as PreparationFailedError).code).toBe('E_PREPARATION_FAILED');
    expect((error as PreparationFailedError).message).toContain('pass `dropMissing: true` to leave them out');
    expect((error as PreparationFailedError).failed.map((f) => [(f.error as { code: string }).code, (f.error as { path: string }).path])).toEqual([
      ['ENOENT', missing],
    ]);

    const kept = await preprocess(backend, group, { dropMissing: true, compute });
    expect(kept.datasets.map((d) => [d.name, d.files.length])).toEqual([['DY', 1], ['Data', 1]]);

    // To learn which files were dropped: run prepare() yourself, read `failed`, then apply.
    const partial = await backend.run(prepare(group), compute);
    const dropped = partial.failed.map(({ error }) => (error instanceof IoError ? { path: error.path, code: error.code } : error));
    expect(dropped).toEqual([{ path: missing, code: 'ENOENT' }]);
    const applied = applyPreparation(group, partial.result === EMPTY ? {} : partial.result, { dropMissing: true, stepSize: 100_000 }, partial.failed);
    expect(applied.datasets[0]!.files.map((f) => f.path)).toEqual([nano('nano_dy.root')]);
    // The dropped file keeps its error, as preprocess() records it (without `failed`: E_NO_ANSWER).
    expect(applied.datasets[0]!.dropped?.map((f) => [f.path, f.error.code])).toEqual([[missing, 'ENOENT']]);
    expect(applied.datasets[0]!.dropped).toEqual(kept.datasets[0]!.dropped);
  });

  it('reads columns through the EventSource interface: read(columns, start, stop)', async () => {
    for (const name of ['nano_dy.root', 'nano_dy.parquet']) {
      await using source = await openSource(nano(name), 'Events');
      expect(source.entries).toBe(40);
      const columns = await source.read(['nMuon', 'Muon_pt'], 10, 20);
      const nMuon = columns.nMuon as Int32Array;
      const pt = columns.Muon_pt as { offsets: Int32Array; values: Float32Array };
      expect(nMuon.length).toBe(10);
      expect(pt.offsets.length).toBe(11);
      expect(pt.offsets[10]! - pt.offsets[0]!).toBe(nMuon.reduce((s, n) => s + n, 0));
      expect(source.branches.find((b) => b.name === 'Muon_pt')).toMatchObject({ jagged: true, counter: 'nMuon', kind: 'float32' });
    }
  });
});
