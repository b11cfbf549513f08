import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JaggedColumn } from '../src/io/columns.ts';
import { EventsData } from '../src/io/dataset/events-data.ts';
import { Events } from '../src/io/events/index.ts';
import { IoError } from '../src/io/errors.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { DATA_DIR, describeWithData, hasData } from './helpers/data.ts';

const list = (name: string, item: 'DOUBLE' | 'FLOAT' | 'INT64', listRepetition: 'REQUIRED' | 'OPTIONAL' = 'REQUIRED') => [
  { name, repetition_type: listRepetition, num_children: 1, converted_type: 'LIST' as const, logical_type: { type: 'LIST' as const } },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', type: item, repetition_type: 'OPTIONAL' as const },
];

const jagged = (column: unknown) => {
  const { offsets, values } = column as JaggedColumn;
  return { offsets: Array.from(offsets), values: Array.from(values as Float64Array, Number) };
};

describe('Parquet nulls: null values, null list items and null list rows', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-parquet-nulls-'));
    file = join(dir, 'nulls.parquet');
    parquetWriteFile({
      filename: file,
      schema: [
        { name: 'root', num_children: 5 },
        ...list('Hit_x', 'DOUBLE'),
        ...list('Photon_pt', 'FLOAT', 'OPTIONAL'),
        ...list('Photon_id', 'INT64', 'OPTIONAL'),
        { name: 'nJet', type: 'INT32', repetition_type: 'OPTIONAL' },
        { name: 'MET_pt', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ],
      columnData: [
        { name: 'Hit_x', data: [[1, 2], [3, null, 5], [6], [7, 8], [], [9]] },
        { name: 'Photon_pt', data: [[1.5], null, [null, 2.5], [], [0], null] },
        { name: 'Photon_id', data: [[1n], null, [null, 2n], [], [0n], null] },
        { name: 'nJet', data: [0, null, 2, 0, null, 1] },
        { name: 'MET_pt', data: [10, null, 0, 3, null, 0] },
      ],
      rowGroupSize: 6,
    });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads list items after a null item right when a read starts inside a row group', async () => {
    await using source = await openParquet(file);
    expect(jagged((await source.read(['Hit_x'], 1, 4)).Hit_x)).toEqual({ offsets: [0, 3, 4, 6], values: [3, NaN, 5, 6, 7, 8] });
    // Every single-row read agrees with the whole read, whatever row it starts at.
    const whole = jagged((await source.read(['Hit_x'], 0, 6)).Hit_x);
    expect(whole.values).toEqual([1, 2, 3, NaN, 5, 6, 7, 8, 9]);
    for (let row = 0; row < 6; row++) {
      const one = jagged((await source.read(['Hit_x'], row, row + 1)).Hit_x);
      expect(one.values).toEqual(whole.values.slice(whole.offsets[row], whole.offsets[row + 1]));
    }
  });

  it('reads a null value as NaN (floats) or 0 (integers), and its .valid mask tells it from a real 0', async () => {
    await using source = await openParquet(file);
    const c = await source.read(['nJet', 'nJet.valid', 'MET_pt', 'MET_pt.valid'], 0, 6);
    expect(Array.from(c.nJet as Int32Array)).toEqual([0, 0, 2, 0, 0, 1]);
    expect(Array.from(c['nJet.valid'] as Uint8Array)).toEqual([1, 0, 1, 1, 0, 1]);
    expect(Array.from(c.MET_pt as Float64Array)).toEqual([10, NaN, 0, 3, NaN, 0]);
    expect(c['MET_pt.valid']).toEqual(Uint8Array.of(1, 0, 1, 1, 0, 1));
    // A mask alone over a sub-range reads the same bits.
    expect((await source.read(['nJet.valid'], 3, 6))['nJet.valid']).toEqual(Uint8Array.of(1, 0, 1));
  });

  it('reads a null list item as NaN/0 in its slot and a null list row as an empty list, with masks for both', async () => {
    await using source = await openParquet(file);
    const names = ['Photon_pt', 'Photon_pt.valid', 'Photon_pt.validRows', 'Photon_id', 'Photon_id.valid', 'nPhoton'];
    const c = await source.read(names, 0, 6);
    expect(jagged(c.Photon_pt)).toEqual({ offsets: [0, 1, 1, 3, 3, 4, 4], values: [1.5, NaN, 2.5, 0] });
    expect(jagged(c['Photon_pt.valid'])).toEqual({ offsets: [0, 1, 1, 3, 3, 4, 4], values: [1, 0, 1, 1] });
    expect(c['Photon_pt.validRows']).toEqual(Uint8Array.of(1, 0, 1, 1, 1, 0));
    expect((c.Photon_id as JaggedColumn).values).toEqual(BigInt64Array.of(1n, 0n, 2n, 0n));
    expect(jagged(c['Photon_id.valid']).values).toEqual([1, 0, 1, 1]);
    // The NanoAOD counter counts items, nulls included; a null row counts 0.
    expect(c.nPhoton).toEqual(Uint32Array.of(1, 0, 2, 0, 1, 0));
    const part = await source.read(['Photon_pt', 'Photon_pt.valid', 'Photon_pt.validRows'], 1, 4);
    expect(jagged(part.Photon_pt)).toEqual({ offsets: [0, 0, 2, 2], values: [NaN, 2.5] });
    expect(jagged(part['Photon_pt.valid']).values).toEqual([0, 1]);
    expect(part['Photon_pt.validRows']).toEqual(Uint8Array.of(0, 1, 1));
  });

  it('keeps masks out of the branch list, reads them through Events, and refuses validRows of a flat column', async () => {
    await using source = await openParquet(file);
    expect(source.branches.map((b) => b.name)).not.toContain('nJet.valid');
    const events = Events.fromColumns(await source.read(['MET_pt', 'MET_pt.valid'], 0, 6));
    expect(events.column('MET_pt.valid')).toEqual(Uint8Array.of(1, 0, 1, 1, 0, 1));
    const error = await source.read(['nJet.validRows'], 0, 6).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect(error).toMatchObject({ code: 'E_IO_BRANCH_NOT_FOUND', path: file });
    expect((error as IoError).message).toMatch(/nJet\.valid\b/);
  });

  it('hands a declared mask to a processor through the events of a dataset chunk', async () => {
    const data = new EventsData({ path: file, treename: 'Events', start: 1, stop: 5, dataset: 'Nulls', metadata: {}, columns: ['nJet', 'nJet.valid'] });
    const { events } = await data.load();
    expect(events.column('nJet')).toEqual(Int32Array.of(0, 2, 0, 0));
    expect(events.column('nJet.valid')).toEqual(Uint8Array.of(0, 1, 1, 0));
  });

  it.runIf(hasData)('reads a column that cannot be null (NanoAOD) with all-ones masks', async () => {
    await using source = await openParquet(join(DATA_DIR, 'nanoaod', 'nano_dy.parquet'));
    const c = await source.read(['Muon_pt.valid', 'Muon_pt.validRows'], 0, source.entries);
    expect((c['Muon_pt.valid'] as JaggedColumn).values.every((v) => v === 1)).toBe(true);
    expect((c['Muon_pt.validRows'] as Uint8Array).every((v) => v === 1)).toBe(true);
  });
});

describeWithData('Parquet V2 data pages of list<struct> columns (pyarrow writes num_nulls = 0 with empty lists)', () => {
  const golden = (name: string) => join(DATA_DIR, 'golden', 'gen', 'parquet', name);

  it('reads Electron_pt of every V2 file, plain and dictionary-encoded over several pages, whole and in parts', async () => {
    for (const name of ['pagev2_none_dict0.parquet', 'pagev2_none_dict1.parquet', 'pagev2_zstd_dict0.parquet', 'pagev2_zstd_dict1.parquet']) {
      await using source = await openParquet(golden(name));
      const names = ['Electron_pt', 'Electron_charge', 'Photon_pt', 'nElectron'];
      const whole = await source.read(names, 0, source.entries);
      const pt = whole.Electron_pt as JaggedColumn<Float32Array>;
      expect(pt.values.length, name).toBe(572); // pyarrow's count (golden.json)
      for (const [start, stop] of [[0, 1], [150, 420], [599, 600]] as const) {
        const part = (await source.read(['Electron_pt'], start, stop)).Electron_pt as JaggedColumn<Float32Array>;
        expect(part.values, `${name} [${start}, ${stop})`).toEqual(pt.values.subarray(pt.offsets[start]!, pt.offsets[stop]!));
      }
    }
  });
});
