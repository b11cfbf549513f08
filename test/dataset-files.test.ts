import { join } from 'node:path';
import { expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { dataGroup, dataset } from '../src/io/dataset/dataset.ts';
import { openSource } from '../src/io/open.ts';
import type { FileInput } from '../src/io/dataset/context.ts';
import { restrict } from '../src/protocol/computable.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);

/** Opens the file itself and reports its entries under its name. */
const entries = async ({ file }: FileInput) => {
  const source = await openSource(file.path, file.treename);
  try {
    return { [file.path.split('/').pop()!]: source.entries };
  } finally {
    await source.close();
  }
};

it('makes one element per file, with the file number as index and the dataset as group', () => {
  const group = dataGroup([dataset('A', ['a.root', 'b.root'], { year: 2016 }), dataset('B', ['c.root'], { year: 2017 })]);
  const c = group.mapFiles(({ file }) => file.path.length);
  expect(c.size).toBe(3);
  expect(c.grouped).toBe(true);
  const elements = [...c.steps()];
  expect(elements.map((e) => [e.range, e.group])).toEqual([[[0, 1], 'A'], [[1, 2], 'A'], [[2, 3], 'B']]);
  expect([...restrict(c, [[1, 3]]).steps()].map((e) => e.range)).toEqual([[1, 2], [2, 3]]);
});

it('groups files by a metadata key, or by a function, one element per group', () => {
  const group = dataGroup([
    dataset('A', ['a.root'], { year: 2016 }),
    dataset('B', ['b.root', 'c.root'], { year: 2017 }),
    dataset('C', ['d.root'], { year: 2016 }),
  ]);
  const byYear = [...group.mapFilesBy(({ files }) => files.length, 'year').steps()];
  expect(byYear.map((e) => [e.group, e.range])).toEqual([['2016', [0, 1]], ['2017', [1, 2]]]);
  const byLetter = group.mapFilesBy(({ key }) => key, (file) => (file.path < 'c' ? 'early' : 'late'));
  expect([...byLetter.steps()].map((e) => e.group)).toEqual(['early', 'late']);
});

describeWithData('mapFiles on real files', () => {
  it('runs a function once per file, giving it the file and its dataset context', async () => {
    await using backend = inline();
    const ds = dataset('DY', [nano('nano_dy.root'), nano('nano_dy_empty.root'), nano('nano_dimuon.root')], { xsec: 1 });
    expect(await backend.compute(ds.mapFiles(entries)).result()).toEqual({ 'nano_dy.root': 40, 'nano_dy_empty.root': 0, 'nano_dimuon.root': 40 });
  });

  it('keys results by group when files are grouped by metadata', async () => {
    await using backend = inline();
    const group = dataGroup([
      dataset('DY', [nano('nano_dy.root')], { kind: 'mc' }),
      dataset('TT', [nano('nano_tt_v12.root')], { kind: 'mc' }),
      dataset('Dimuon', [nano('nano_dimuon.root')], { kind: 'data' }),
    ]);
    const c = group.mapFilesBy(async ({ files }) => {
      let n = 0;
      for (const input of files) n += Object.values(await entries(input))[0]!;
      return n;
    }, 'kind');
    expect(await backend.compute(c).result()).toEqual({ mc: 240, data: 40 });
  });
});
