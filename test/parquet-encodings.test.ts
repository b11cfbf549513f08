import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JaggedColumn } from '../src/io/columns.ts';
import { openParquet } from '../src/io/parquet/index.ts';

// Files written here by hyparquet-writer exercise what the NanoAOD samples do not: several row
// groups and pages, dictionary and RLE encodings, optional (nullable) values, a list column with
// no NanoAOD counter, and DATA_PAGE_V2.
describe('Parquet reader on files with several row groups, pages and encodings', () => {
  let dir: string;
  const rows = 5000;
  const lists: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: i % 4 }, (_, k) => i + k / 4));
  const ids = Array.from({ length: rows }, (_, i) => i % 7); // few distinct: dictionary-encoded
  const flags = Array.from({ length: rows }, (_, i) => i % 3 === 0);
  const maybe = Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? null : i * 0.5));
  const big = Array.from({ length: rows }, (_, i) => BigInt(i) * 1_000_000_007n);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-parquet-'));
    parquetWriteFile({
      filename: join(dir, 'mixed.parquet'),
      schema: [
        { name: 'root', num_children: 5 },
        { name: 'Track_x', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'item', type: 'DOUBLE', repetition_type: 'REQUIRED' },
        { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
        { name: 'flag', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
        { name: 'maybe', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'big', type: 'INT64', repetition_type: 'REQUIRED' },
      ],
      columnData: [
        { name: 'Track_x', data: lists },
        { name: 'id', data: Int32Array.from(ids) },
        { name: 'flag', data: flags },
        { name: 'maybe', data: maybe },
        { name: 'big', data: big },
      ],
      rowGroupSize: 1200,
      pageSize: 2000,
    });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports row groups as clusters', async () => {
    await using source = await openParquet(join(dir, 'mixed.parquet'));
    expect(source.entries).toBe(rows);
    expect(source.clusters).toEqual([0, 1200, 2400, 3600, 4800, 5000]);
  });

  it('reads flat, dictionary, boolean, nullable and int64 columns across row groups', async () => {
    await using source = await openParquet(join(dir, 'mixed.parquet'));
    const c = await source.read(['id', 'flag', 'maybe', 'big'], 0, rows);
    expect(Array.from(c.id as Int32Array)).toEqual(ids);
    expect(Array.from(c.flag as Uint8Array)).toEqual(flags.map(Number));
    expect(Array.from(c.maybe as Float64Array)).toEqual(maybe.map((v) => (v === null ? NaN : v)));
    expect(Array.from(c.big as BigInt64Array)).toEqual(big);
  });

  it('reads a list column as jagged over a range that spans row groups and pages', async () => {
    await using source = await openParquet(join(dir, 'mixed.parquet'));
    const start = 1100;
    const stop = 3700;
    const { Track_x } = await source.read(['Track_x'], start, stop);
    const jagged = Track_x as JaggedColumn<Float64Array>;
    expect(jagged.offsets.length).toBe(stop - start + 1);
    for (let i = start; i < stop; i++) {
      const got = Array.from(jagged.values.subarray(jagged.offsets[i - start]!, jagged.offsets[i - start + 1]!));
      expect(got).toEqual(lists[i]);
    }
  });

  it('synthesizes a NanoAOD counter for a list column the file has no counter for', async () => {
    await using source = await openParquet(join(dir, 'mixed.parquet'));
    expect(source.branches.find((b) => b.name === 'nTrack')).toEqual({ name: 'nTrack', kind: 'uint32', jagged: false });
    expect(source.branches.find((b) => b.name === 'Track_x')?.counter).toBe('nTrack');
    const { nTrack } = await source.read(['nTrack'], 10, 20);
    expect(Array.from(nTrack as Uint32Array)).toEqual(lists.slice(10, 20).map((l) => l.length));
  });

  it('reopens a file rewritten in place with its new footer, not a cached one', async () => {
    const path = join(dir, 'rewritten.parquet');
    const write = (n: number) =>
      parquetWriteFile({
        filename: path,
        schema: [{ name: 'root', num_children: 1 }, { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' }],
        columnData: [{ name: 'id', data: Int32Array.from({ length: n }, (_, i) => i * n) }],
      });
    write(3);
    const first = await openParquet(path);
    expect(Array.from((await first.read(['id'], 0, first.entries)).id as Int32Array)).toEqual([0, 3, 6]);
    await first.close();
    write(4);
    await using second = await openParquet(path);
    expect(second.entries).toBe(4);
    expect(second.uuid).not.toBe(first.uuid);
    expect(Array.from((await second.read(['id'], 0, 4)).id as Int32Array)).toEqual([0, 4, 8, 12]);
  });

  it('reads single rows at row-group edges', async () => {
    await using source = await openParquet(join(dir, 'mixed.parquet'));
    for (const at of [0, 1199, 1200, 4799, 4800, 4999]) {
      const c = await source.read(['id', 'Track_x'], at, at + 1);
      expect((c.id as Int32Array)[0]).toBe(ids[at]);
      expect(Array.from((c.Track_x as JaggedColumn).values as Float64Array)).toEqual(lists[at]);
    }
  });
});
