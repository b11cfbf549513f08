import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { dataGroup, dataset } from '../src/io/dataset/dataset.ts';
import { loadDataGroup, saveDataGroup } from '../src/io/dataset/json.ts';
import { applyPreparation, makeSteps } from '../src/io/prepare/apply.ts';
import { prepare } from '../src/io/prepare/prepare.ts';
import { PreparationFailedError, preprocess } from '../src/io/prepare/preprocess.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);
const dir = await mkdtemp(join(tmpdir(), 'cortado-prepare-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

it('cuts entries into steps, snapping to cluster boundaries when given, and zero entries into none', () => {
  expect(makeSteps(25, 10)).toEqual([[0, 10], [10, 20], [20, 25]]);
  expect(makeSteps(25, 10, [0, 12, 25])).toEqual([[0, 12], [12, 25]]);
  expect(makeSteps(0, 10)).toEqual([]);
});

describeWithData('preparation', () => {
  const group = () =>
    dataGroup([
      dataset('DY', [nano('nano_dy.root'), nano('nano_dy_empty.root'), { path: nano('nano_dy.parquet'), treename: 'Events' }], { xsec: 6077 }),
      dataset('Dimuon', [nano('nano_dimuon.root')]),
    ]);

  it('learns entries, clusters and uuids of ROOT and Parquet files as a computable, keyed by path', async () => {
    await using backend = inline();
    const info = await backend.compute(prepare(group())).result();
    expect(Object.keys(info).sort()).toEqual(
      [nano('nano_dimuon.root'), nano('nano_dy.parquet'), nano('nano_dy.root'), nano('nano_dy_empty.root')].sort(),
    );
    for (const [path, entries] of [['nano_dy.root', 40], ['nano_dimuon.root', 40], ['nano_dy.parquet', 40], ['nano_dy_empty.root', 0]] as const) {
      const one = info[nano(path)]!;
      expect(one.entries, path).toBe(entries);
      expect(one.clusters[0], path).toBe(0);
      expect(one.clusters.at(-1), path).toBe(entries);
      expect(one.uuid.length, path).toBeGreaterThan(0);
    }
  });

  it('fills entries, clusters, uuids and steps, and lets a zero-event file through with zero steps', async () => {
    await using backend = inline();
    const prepared = await preprocess(backend, group(), { stepSize: 15 });
    const [dy, empty, parquet] = prepared.datasets[0]!.files;
    expect(dy).toMatchObject({ entries: 40, steps: [[0, 15], [15, 30], [30, 40]] });
    expect(empty).toMatchObject({ entries: 0, steps: [] });
    expect(parquet).toMatchObject({ entries: 40, steps: [[0, 15], [15, 30], [30, 40]] });
    expect(prepared.datasets[0]!.metadata).toEqual({ xsec: 6077 });
    expect(prepared.datasets[1]!.files[0]).toMatchObject({ entries: 40 });
  });

  it('aligns steps to cluster boundaries on request (these samples hold one cluster each)', async () => {
    await using backend = inline();
    const tt = dataset('TT', [nano('nano_tt_v12.root'), nano('nano_tt_v15.root')]);
    const aligned = await preprocess(backend, tt, { stepSize: 30, alignClusters: true });
    const plain = await preprocess(backend, tt, { stepSize: 30 });
    for (const file of aligned.files) {
      expect(file.clusters).toEqual([0, 200]);
      expect(file.steps).toEqual([[0, 200]]);
    }
    expect(plain.files[0]!.steps).toHaveLength(7);
  });

  it('saves a prepared group as JSON and loads the same group back, ready to map over', async () => {
    await using backend = inline();
    const prepared = await preprocess(backend, group(), { stepSize: 15 });
    const path = join(dir, 'prepared.json');
    await saveDataGroup(path, prepared);
    const loaded = await loadDataGroup(path);
    expect(loaded.toJSON()).toEqual(prepared.toJSON());
    const c = loaded.mapSteps(({ events }) => events.length);
    expect(c.size).toBe(120);
    expect(await backend.compute(c).result()).toEqual({ DY: 80, Dimuon: 40 });
  });

  it('throws a failure that names the file, or leaves the file out with dropMissing', async () => {
    await using backend = inline();
    const withMissing = dataset('DY', [nano('nano_dy.root'), nano('does_not_exist.root')]);
    const compute = { errorPolicy: { continueOn: ['ENOENT'] } };
    await expect(preprocess(backend, withMissing, { compute })).rejects.toThrow(PreparationFailedError);
    const kept = await preprocess(backend, withMissing, { compute, dropMissing: true });
    expect(kept.files.map((f) => f.path)).toEqual([nano('nano_dy.root')]);
  });

  it('applies a preparation result to a dataset without changing the input', () => {
    const ds = dataset('DY', ['x.root']);
    const out = applyPreparation(ds, { 'x.root': { entries: 7, clusters: [0, 7], uuid: 'u' } }, { stepSize: 5 });
    expect(out.files[0]).toEqual({ path: 'x.root', treename: 'Events', entries: 7, clusters: [0, 7], uuid: 'u', steps: [[0, 5], [5, 7]] });
    expect(ds.files[0]).toEqual({ path: 'x.root', treename: 'Events' });
  });
});
