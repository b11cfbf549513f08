import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataGroup, dataset, file, DataGroup, Dataset } from '../src/io/dataset/dataset.ts';
import { fromCoffeaFileset, loadCoffeaFileset } from '../src/io/dataset/coffea.ts';
import { loadDataGroup, loadDataset, saveDataGroup, saveDataset } from '../src/io/dataset/json.ts';
import { parseFile } from '../src/io/dataset/schema.ts';
import { InvalidOptionsError } from '../src/protocol/errors.ts';

const dir = await mkdtemp(join(tmpdir(), 'cortado-dataset-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dataset schemas', () => {
  it('makes a dataset from paths, giving each the Events tree', () => {
    const ds = dataset('DY', ['a.root', { path: 'b.root', treename: 'Other', entries: 10 }], { xsec: 6077 });
    expect(ds).toBeInstanceOf(Dataset);
    expect(ds.files).toEqual([{ path: 'a.root', treename: 'Events' }, { path: 'b.root', treename: 'Other', entries: 10 }]);
    expect(ds.metadata).toEqual({ xsec: 6077 });
  });

  it('names the bad field and what it held when a file does not validate', () => {
    expect(() => dataset('DY', [{ path: 'a.root', treename: 'Events', entries: -3 }])).toThrow(InvalidOptionsError);
    expect(() => dataset('DY', [{ path: 'a.root', treename: 'Events', entries: -3 }])).toThrow(/dataset\.files\.0\.entries.*got -3/);
    expect(() => parseFile({ path: '', treename: 'Events' })).toThrow(/`file\.path`: expected a non-empty path, got "" \(string\)/);
    expect(() => parseFile({ path: 'a.root', treename: 'Events', steps: [[5, 2]] })).toThrow(/file\.steps\.0.*start <= stop/);
  });

  it('refuses a step that runs past the file’s entries', () => {
    expect(() => file('a.root', 'Events', { entries: 10, steps: [[0, 12]] })).toThrow(/within the file's 10 entries/);
  });

  it('refuses two datasets with the same name in one group (results are keyed by name)', () => {
    const a = dataset('DY', ['a.root']);
    expect(() => dataGroup([a, a])).toThrow(/unique dataset names, but "DY" comes twice/);
  });

  it('makes a data group whose datasets keep their metadata', () => {
    const group = dataGroup([dataset('DY', ['a.root'], { xsec: 1 }), dataset('TT', ['b.root'], { xsec: 2 })], { era: '2016' });
    expect(group).toBeInstanceOf(DataGroup);
    expect(group.dataset('TT')?.metadata).toEqual({ xsec: 2 });
    expect(group.metadata).toEqual({ era: '2016' });
  });
});

describe('dataset JSON', () => {
  it('saves a data group and loads the same group back', async () => {
    const group = dataGroup([
      dataset('DY', [{ path: 'a.root', treename: 'Events', entries: 40, steps: [[0, 20], [20, 40]], clusters: [0, 40], uuid: 'u1' }], { xsec: 1.5 }),
      dataset('Data', ['b.parquet']),
    ], { era: '2016' });
    const path = join(dir, 'group.json');
    await saveDataGroup(path, group);
    const loaded = await loadDataGroup(path);
    expect(loaded).toBeInstanceOf(DataGroup);
    expect(loaded.toJSON()).toEqual(group.toJSON());
  });

  it('saves and loads one dataset', async () => {
    const ds = dataset('DY', ['a.root'], { isData: false });
    const path = join(dir, 'dataset.json');
    await saveDataset(path, ds);
    expect((await loadDataset(path)).toJSON()).toEqual(ds.toJSON());
    expect((await loadDataGroup(path)).datasets[0]?.toJSON()).toEqual(ds.toJSON());
  });

  it('says which field of which file is wrong when a saved group does not validate', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ datasets: [{ name: 'DY', files: [{ path: 'a.root', treename: 'Events', entries: 'forty' }], metadata: {} }] }));
    await expect(loadDataGroup(path)).rejects.toThrow(/dataGroup\.datasets\.0\.files\.0\.entries.*got "forty" \(string\).*bad\.json/);
  });

  it('says the text is not JSON when it does not parse', async () => {
    const path = join(dir, 'notjson.json');
    await writeFile(path, '{ datasets: ');
    await expect(loadDataGroup(path)).rejects.toThrow(/to hold JSON/);
  });
});

describe('coffea filesets', () => {
  it('converts the classic dictionary form, resolving relative paths against the base directory', () => {
    const group = fromCoffeaFileset(
      {
        DY: { files: { 'nano_dy.root': 'Events', '/abs/other.root': 'Tree' }, metadata: { xsec: 6077 } },
        Data: ['run1.root', 'root://eos.cern.ch//store/run2.root'],
        TT: { files: ['tt.root'], treename: 'Events2' },
      },
      { baseDir: '/data' },
    );
    expect(group.toJSON()).toEqual({
      datasets: [
        { name: 'DY', files: [{ path: '/data/nano_dy.root', treename: 'Events' }, { path: '/abs/other.root', treename: 'Tree' }], metadata: { xsec: 6077 } },
        { name: 'Data', files: [{ path: '/data/run1.root', treename: 'Events' }, { path: 'root://eos.cern.ch//store/run2.root', treename: 'Events' }], metadata: {} },
        { name: 'TT', files: [{ path: '/data/tt.root', treename: 'Events2' }], metadata: {} },
      ],
    });
  });

  it('keeps the steps, entry counts and uuids of a fileset coffea has preprocessed', () => {
    const group = fromCoffeaFileset({
      DY: { files: { 'a.root': { object_path: 'Events', steps: [[0, 20], [20, 40]], num_entries: 40, uuid: 'abc' } } },
    });
    expect(group.datasets[0]?.files[0]).toEqual({ path: 'a.root', treename: 'Events', steps: [[0, 20], [20, 40]], entries: 40, uuid: 'abc' });
  });

  it('says where a fileset is malformed', () => {
    expect(() => fromCoffeaFileset({ DY: { files: 42 } })).toThrow(/fileset\.DY/);
  });

  it('reads a fileset file, resolving paths against its directory', async () => {
    const path = join(dir, 'fileset.json');
    await writeFile(path, JSON.stringify({ DY: ['nano_dy.root'] }));
    const group = await loadCoffeaFileset(path);
    expect(group.datasets[0]?.files[0]?.path).toBe(join(dir, 'nano_dy.root'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ DY: ['nano_dy.root'] });
  });
});
