/**
 * Parquet levels decoded straight into bitmaps (`readLevelBits`) and rows selected from them:
 * against a slow reference on random encodings, and end to end on files whose levels cross page
 * boundaries, hold long runs (RLE) between bit-packed ones (so bit-packed runs start at any bit),
 * and are read from inside row groups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import type { JaggedColumn } from '../src/io/columns.ts';
import { IoError } from '../src/io/errors.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { allocBits, readLevelBits, type LevelTarget } from '../src/io/parquet/level-bits.ts';
import { levelMemoCounts } from '../src/io/parquet/level-memo.ts';
import { readRleHybrid, readRunHeader } from '../src/io/parquet/rle.ts';
import { encodeHybrid, random, uleb } from './helpers/hybrid.ts';

const bit = (bits: Int32Array, i: number): number => (bits[i >>> 5]! >>> (i & 31)) & 1;

describe('readLevelBits', () => {
  it('sets exactly the bits the levels give, for widths 1–3, RLE and bit-packed runs, pages at any bit', () => {
    // A fixed seed (a failure names it and the trial, and reproduces); CORTADO_TEST_SEED tries another.
    const seed = Number(process.env.CORTADO_TEST_SEED ?? 16);
    const rnd = random(seed);
    for (let trial = 0; trial < 300; trial++) {
      const where = `seed ${seed} trial ${trial}`;
      const width = 1 + (trial % 3);
      const max = (1 << width) - 1 - (width > 1 && rnd() < 0.5 ? 1 : 0);
      const pages = 1 + Math.floor(rnd() * 4);
      // One trial in ten has pages of thousands of levels, in bit-packed runs of up to 5,600.
      const long = trial % 10 === 9;
      const sizes = Array.from({ length: pages }, () => Math.floor(rnd() * (long ? 9_000 : 300)));
      const total = sizes.reduce((a, b) => a + b, 0);
      const thresholds = Array.from({ length: max }, (_, k) => k + 1);
      const targets: LevelTarget[] = thresholds.flatMap((t) => [
        { bits: allocBits(total), threshold: t, below: false },
        { bits: allocBits(total), threshold: t, below: true },
      ]);
      const all: number[] = [];
      let at = 0;
      for (const n of sizes) {
        // Runs of equal levels are common (empty events, columns without nulls).
        const levels: number[] = [];
        while (levels.length < n) {
          const v = Math.floor(rnd() * (max + 1));
          const run = rnd() < 0.3 ? 1 + Math.floor(rnd() * 40) : 1;
          for (let k = 0; k < run && levels.length < n; k++) levels.push(v);
        }
        const body = encodeHybrid(levels, width, rnd, long ? 700 : 64);
        // Behind the levels: other bytes of the page, which must not be read as levels.
        const page = Uint8Array.from([...body, 0xff, 0xff, 0xff]);
        const reader = { view: new DataView(page.buffer), offset: 0 };
        readLevelBits(reader, width, max, at, n, targets, body.length);
        expect(reader.offset, where).toBe(body.length);
        // The byte-per-level decoder agrees on the levels themselves.
        const bytes = new Uint8Array(n);
        readRleHybrid({ view: new DataView(page.buffer), offset: 0 }, width, bytes, body.length);
        expect(Array.from(bytes), where).toEqual(levels);
        all.push(...levels);
        at += n;
      }
      for (const t of targets) {
        const want = all.map((v) => ((v >= t.threshold) !== t.below ? 1 : 0));
        expect(Array.from({ length: total }, (_, i) => bit(t.bits, i)), `${where}: width ${width} threshold ${t.threshold} below ${t.below}`).toEqual(want);
        // Nothing past the last level: padding of the last bit-packed group is not set.
        const past = Array.from({ length: t.bits.length * 32 - total }, (_, i) => bit(t.bits, total + i));
        expect(past.every((b) => b === 0), where).toBe(true);
      }
    }
  });

  it('refuses a level above the maximum, in an RLE run and in a bit-packed one, and runs past the bytes', () => {
    const bits = allocBits(16);
    const targets = [{ bits, threshold: 1, below: false }];
    const rle = Uint8Array.of(8 << 1, 3); // 8 levels of 3
    expect(() => readLevelBits({ view: new DataView(rle.buffer), offset: 0 }, 2, 2, 0, 8, targets, rle.length)).toThrow(RangeError);
    const packed = Uint8Array.of((1 << 1) | 1, 0b11100100, 0, 0); // 0,1,2,3,…
    expect(() => readLevelBits({ view: new DataView(packed.buffer), offset: 0 }, 2, 2, 0, 8, targets, packed.length)).toThrow(/at most 2, got 3/);
    const short = Uint8Array.of((2 << 1) | 1, 0xff); // 2 groups of one-bit levels, 1 byte
    expect(() => readLevelBits({ view: new DataView(short.buffer), offset: 0 }, 1, 1, 0, 16, targets, short.length)).toThrow(RangeError);
    const none = Uint8Array.of(4 << 1, 1); // 4 levels where 16 are expected
    expect(() => readLevelBits({ view: new DataView(none.buffer), offset: 0 }, 1, 1, 0, 16, targets, none.length)).toThrow(/got the end/);
  });
});

describe('readRunHeader', () => {
  it('reads one- to six-byte ULEB128 headers, moves past them, and gives -1 (not moved) at the end of the bytes', () => {
    for (const header of [0, 1, 127, 128, (300 << 1) | 1, 2 ** 31, 2 ** 40 + 3]) {
      const bytes: number[] = [9];
      uleb(bytes, header);
      bytes.push(0x55);
      const cursor = { at: 1 };
      expect(readRunHeader(Uint8Array.from(bytes), cursor, bytes.length), `header ${header}`).toBe(header);
      expect(cursor.at, `header ${header}`).toBe(bytes.length - 1);
      // Cut one byte short of the header's end: no header.
      const cut = { at: 1 };
      expect(readRunHeader(Uint8Array.from(bytes), cut, bytes.length - 2), `header ${header} cut`).toBe(-1);
      expect(cut.at).toBe(1);
    }
    // A header whose continuation bits never stop is cut after six digit bytes, not read on.
    const endless = new Uint8Array(12).fill(0xff);
    const cursor = { at: 0 };
    expect(readRunHeader(endless, cursor, endless.length)).toBe(2 ** 42 - 1);
    expect(cursor.at).toBe(6);
    // Both decoders read headers through it: a header that runs into the end of the bytes is a RangeError.
    const open = Uint8Array.of(0x80, 0x80);
    expect(() => readRleHybrid({ view: new DataView(open.buffer), offset: 0 }, 3, new Int32Array(4), open.length)).toThrow(/got the end of their bytes after 0/);
    expect(() => readLevelBits({ view: new DataView(open.buffer), offset: 0 }, 1, 1, 0, 4, [{ bits: allocBits(4), threshold: 1, below: false }], open.length))
      .toThrow(/got the end of their bytes after 0/);
  });
});

type Row = Array<number | null> | null;

/** What cortado reads for rows [start, stop) of list rows: values (null item → NaN), offsets, masks. */
function expectedList(rows: Row[], start: number, stop: number) {
  const offsets = [0];
  const values: number[] = [];
  const valid: number[] = [];
  const validRows: number[] = [];
  for (const row of rows.slice(start, stop)) {
    validRows.push(row === null ? 0 : 1);
    for (const v of row ?? []) {
      values.push(v ?? NaN);
      valid.push(v === null ? 0 : 1);
    }
    offsets.push(values.length);
  }
  return { offsets, values, valid, validRows };
}

function gotList(column: unknown) {
  const { offsets, values } = column as JaggedColumn;
  return { offsets: Array.from(offsets), values: Array.from(values as Float32Array, Number) };
}

/** Reads `rows` in steps of `step` (starting inside row groups) and whole, and checks every step. */
async function checkReads(path: string, lists: Row[], flat: Array<number | null>, steps: number[]): Promise<void> {
  await using source = await openParquet(path);
  expect(source.entries).toBe(lists.length);
  for (const step of steps) {
    for (let start = 0; start < lists.length; start += step) {
      const stop = Math.min(lists.length, start + step);
      const got = await source.read(['v', 'v.valid', 'v.validRows', 'f', 'f.valid'], start, stop);
      const want = expectedList(lists, start, stop);
      expect(gotList(got.v), `v [${start}, ${stop})`).toEqual({ offsets: want.offsets, values: want.values });
      expect(Array.from((got['v.valid'] as JaggedColumn).values as Uint8Array), `v.valid [${start}, ${stop})`).toEqual(want.valid);
      expect(Array.from(got['v.validRows'] as Uint8Array), `v.validRows [${start}, ${stop})`).toEqual(want.validRows);
      expect(Array.from(got.f as Float64Array), `f [${start}, ${stop})`).toEqual(flat.slice(start, stop).map((x) => x ?? NaN));
      expect(Array.from(got['f.valid'] as Uint8Array)).toEqual(flat.slice(start, stop).map((x) => (x === null ? 0 : 1)));
      // A read of the column alone (no masks asked for) gives the same values.
      expect(gotList((await source.read(['v'], start, stop)).v)).toEqual({ offsets: want.offsets, values: want.values });
    }
  }
}

// Rows with long runs of empty lists (RLE runs of levels), null lists, null items and plain rows.
function listRows(n: number, rnd: () => number): Row[] {
  const rows: Row[] = [];
  while (rows.length < n) {
    const r = rnd();
    if (r < 0.05) {
      const run = 1 + Math.floor(rnd() * 30);
      for (let k = 0; k < run && rows.length < n; k++) rows.push([]);
    } else if (r < 0.1) {
      rows.push(null);
    } else {
      const len = Math.floor(rnd() * 5);
      rows.push(Array.from({ length: len }, () => (rnd() < 0.1 ? null : Math.round(rnd() * 1000) / 4)));
    }
  }
  return rows;
}

describe('Parquet levels end to end', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('reads V2 pages of a few hundred levels each (rows and runs across page edges) in steps from inside row groups', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-levels-v2-'));
    dirs.push(dir);
    const path = join(dir, 'v2.parquet');
    const rnd = random(7);
    const n = 3000;
    const lists = listRows(n, rnd);
    // Nulls in runs too, and at page edges by chance of many small pages.
    const flat = Array.from({ length: n }, (_, i) => (i % 50 < 10 || rnd() < 0.2 ? null : i / 8));
    parquetWriteFile({
      filename: path,
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'v', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
        { name: 'f', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ],
      columnData: [
        { name: 'v', data: lists },
        { name: 'f', data: flat },
      ],
      rowGroupSize: 1100,
      pageSize: 600,
    });
    // Several pages per column chunk (the writer counts them in the chunk's encoding stats).
    const { readFileSync } = await import('node:fs');
    const written = readFileSync(path);
    const metadata = parquetMetadata(written.buffer.slice(written.byteOffset, written.byteOffset + written.length));
    for (const column of metadata.row_groups[0]!.columns) {
      const pages = column.meta_data!.encoding_stats!.find((s) => s.page_type === 'DATA_PAGE_V2')!.count;
      expect(pages, column.meta_data!.path_in_schema.join('.')).toBeGreaterThan(3);
    }
    await checkReads(path, lists, flat, [3000, 1100, 97, 13]);
  });

  it('reads V1 pages written by DuckDB (RLE runs between bit-packed ones, dictionary and plain) in steps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-levels-v1-'));
    dirs.push(dir);
    const path = join(dir, 'v1.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const duck = await db.connect();
    let lists: Row[];
    let others: Row[];
    let flat: Array<number | null>;
    try {
      // 25-row runs of empty lists every 97 rows, null lists, null items; `f` null in runs.
      await duck.run(`COPY (SELECT
          CASE WHEN i % 97 < 25 THEN []::FLOAT[] WHEN i % 13 = 0 THEN NULL
               ELSE list_transform(range((i * 7) % 5 + 1), x -> CASE WHEN (i + x) % 11 = 0 THEN NULL ELSE ((i % 3) * 10 + x)::FLOAT END) END AS v,
          CASE WHEN i % 97 < 25 THEN []::FLOAT[] WHEN i % 13 = 0 THEN NULL
               ELSE list_transform(range((i * 7) % 5 + 1), x -> CASE WHEN (i + x) % 11 = 0 THEN NULL ELSE (i * 0.25 + x)::FLOAT END) END AS w,
          CASE WHEN i % 41 < 9 OR i % 17 = 0 THEN NULL ELSE i / 4 END::DOUBLE AS f
        FROM range(30000) t(i) ORDER BY i) TO '${path}' (FORMAT PARQUET, ROW_GROUP_SIZE 10000, COMPRESSION 'zstd')`);
      const rows = (await duck.runAndReadAll(`SELECT v, w, f FROM read_parquet('${path}')`)).getRowObjectsJS() as Array<{ v: Row; w: Row; f: number | null }>;
      lists = rows.map((r) => r.v);
      others = rows.map((r) => r.w);
      flat = rows.map((r) => r.f);
    } finally {
      duck.closeSync();
      db.closeSync();
    }
    expect(lists.filter((r) => r === null).length).toBeGreaterThan(1000);
    expect(lists.some((r) => r?.includes(null))).toBe(true);
    await checkReads(path, lists, flat, [30_000, 4_999, 1_234]);
    // w has v's levels (V1 pages: the levels inside the decompressed page) and its own values.
    await using source = await openParquet(path);
    for (const [start, stop] of [[0, 30_000], [10_000, 20_000], [4_321, 15_678]] as const) {
      const got = await source.read(['v', 'w'], start, stop);
      expect(gotList(got.w)).toEqual({ offsets: expectedList(others, start, stop).offsets, values: expectedList(others, start, stop).values });
      expect(gotList(got.v)).toEqual({ offsets: expectedList(lists, start, stop).offsets, values: expectedList(lists, start, stop).values });
      expect((got.w as JaggedColumn).offsets).not.toBe((got.v as JaggedColumn).offsets);
    }
  });

  it('fails with E_IO_MALFORMED, naming the column, when a definition level is above the maximum', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-levels-bad-'));
    dirs.push(dir);
    const path = join(dir, 'bad.parquet');
    parquetWriteFile({
      filename: path,
      schema: [
        { name: 'root', num_children: 1 },
        { name: 'v', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
      ],
      columnData: [{ name: 'v', data: Array.from({ length: 64 }, (_, i) => (i % 4 === 0 ? null : [i])) }],
    });
    // maxDef is 2 (2 bits a level). The page's definition levels follow its header and its
    // repetition levels (V2: uncompressed); make every level of their first run 3.
    const { readFileSync, writeFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    await using before = await openParquet(path);
    expect(gotList((await before.read(['v'], 0, 4)).v)).toEqual({ offsets: [0, 0, 1, 2, 3], values: [1, 2, 3] });
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const chunk = metadata.row_groups[0]!.columns[0]!.meta_data!;
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length), offset: Number(chunk.data_page_offset) };
    const header = parquetHeader(reader);
    const def = reader.offset + header.data_page_header_v2!.repetition_levels_byte_length;
    expect(header.data_page_header_v2!.definition_levels_byte_length).toBeGreaterThan(1);
    // A run header (ULEB128) then its levels: bit-packed or RLE, every level byte becomes 0xff (3s).
    let p = def;
    while (bytes[p]! & 0x80) p++;
    bytes[p + 1] = 0xff;
    writeFileSync(path, bytes);
    await using after = await openParquet(path);
    const error = await after.read(['v'], 0, 64).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_MALFORMED');
    expect((error as IoError).message).toMatch(/column v .*at most 2, got 3/);
  });

  // One list column [[1, 2], [3, 4]] (required list and items: one bit a level, repetition levels
  // 0 1 0 1, definition levels 1 1 1 1), its page's repetition or definition levels patched.
  async function patched(name: string, patch: (bytes: Buffer, rep: number, def: number) => void): Promise<unknown> {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-levels-patch-'));
    dirs.push(dir);
    const path = join(dir, `${name}.parquet`);
    parquetWriteFile({
      filename: path,
      schema: [
        { name: 'root', num_children: 1 },
        { name: 'v', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
      ],
      columnData: [{ name: 'v', data: [[1, 2], [3, 4]] }],
    });
    const { readFileSync, writeFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const chunk = metadata.row_groups[0]!.columns[0]!.meta_data!;
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length), offset: Number(chunk.data_page_offset) };
    const header = parquetHeader(reader);
    // Each is one bit-packed run: header byte (1 << 1 | 1), then one byte of 4 levels.
    const rep = reader.offset;
    const def = rep + header.data_page_header_v2!.repetition_levels_byte_length;
    expect([bytes[rep], bytes[rep + 1], bytes[def], bytes[def + 1]]).toEqual([3, 0b1010, 3, 0b1111]);
    patch(bytes, rep + 1, def + 1);
    writeFileSync(path, bytes);
    await using source = await openParquet(path);
    return source.read(['v'], 0, 2).then(() => undefined, (e: unknown) => e);
  }

  it('fails with E_IO_MALFORMED when a column chunk begins with a level that continues a row', async () => {
    const error = await patched('continues', (bytes, rep) => { bytes[rep] = 0b1011; });
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_MALFORMED');
    expect((error as IoError).message).toMatch(/column v of .*: column v\.list\.element begins with a level that continues a row/);
  });

  it('fails with E_IO_MALFORMED when a level inside a row holds no list item', async () => {
    const error = await patched('hole', (bytes, _rep, def) => { bytes[def] = 0b1101; });
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_MALFORMED');
    expect((error as IoError).message).toMatch(/column v of .*: column v\.list\.element has a level inside a row that holds no list item/);
  });
});

describe('list columns with the same levels, decoded once per read', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const listSchema = (name: string) => [
    { name, repetition_type: 'OPTIONAL' as const, num_children: 1, converted_type: 'LIST' as const, logical_type: { type: 'LIST' as const } },
    { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
    { name: 'element', type: 'FLOAT' as const, repetition_type: 'OPTIONAL' as const },
  ];

  it('gives each column its own values and offsets: same levels, levels that differ in one middle page, masks asked for one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-levels-memo-'));
    dirs.push(dir);
    const path = join(dir, 'memo.parquet');
    const rnd = random(11);
    const n = 2400;
    const a = listRows(n, rnd);
    // b: a's structure, other values; c: a's structure but rows 1000–1019 reshaped (one page's
    // levels differ, the pages before and after are equal to a's); d: a's structure, other values.
    const b = a.map((row) => row?.map((v) => (v === null ? null : v + 0.5)) ?? null);
    // The first rows after 1000 with two items then one: c moves the second item into the next row
    // (same values, same level count, other repetition levels: that page's levels differ).
    const swap = a.findIndex((row, i) => i >= 1000 && row?.length === 2 && a[i + 1]?.length === 1);
    const c = a.map((row, i) => (i === swap ? [row![0]!] : i === swap + 1 ? [a[swap]![1]!, row![0]!] : row));
    const d = a.map((row) => row?.map((v) => (v === null ? null : -v)) ?? null);
    parquetWriteFile({
      filename: path,
      schema: [{ name: 'root', num_children: 4 }, ...listSchema('a'), ...listSchema('b'), ...listSchema('c'), ...listSchema('d')],
      columnData: [{ name: 'a', data: a }, { name: 'b', data: b }, { name: 'c', data: c }, { name: 'd', data: d }],
      rowGroupSize: 1200,
      pageSize: 500,
    });
    await using source = await openParquet(path);
    // a with b: a's pages are decoded, b copies every one of them; a with c: c copies all but the
    // page that differs, and decodes that one (its bits are not a's).
    for (const [name, rows, extra] of [['b', b, 0], ['c', c, 1]] as const) {
      const before = { ...levelMemoCounts };
      const got = await source.read(['a', name], 0, 1200);
      const copied = levelMemoCounts.copied - before.copied;
      const decoded = levelMemoCounts.decoded - before.decoded;
      expect(copied, name).toBeGreaterThan(2);
      expect({ copied, decoded }, name).toEqual({ copied, decoded: copied + 2 * extra });
      expect(gotList(got[name]), name).toEqual({ offsets: expectedList(rows, 0, 1200).offsets, values: expectedList(rows, 0, 1200).values });
    }
    for (const step of [2400, 1200, 333, 50]) {
      for (let start = 0; start < n; start += step) {
        const stop = Math.min(n, start + step);
        // d read with its masks (decoded with one more bitmap: its own decode), a–c without.
        const got = await source.read(['a', 'b', 'c', 'd', 'd.valid', 'd.validRows'], start, stop);
        const offsets = new Set<Int32Array>();
        for (const [name, rows] of [['a', a], ['b', b], ['c', c], ['d', d]] as const) {
          const want = expectedList(rows, start, stop);
          expect(gotList(got[name]), `${name} [${start}, ${stop})`).toEqual({ offsets: want.offsets, values: want.values });
          offsets.add((got[name] as JaggedColumn).offsets);
        }
        const want = expectedList(d, start, stop);
        expect(Array.from((got['d.valid'] as JaggedColumn).values as Uint8Array)).toEqual(want.valid);
        expect(Array.from(got['d.validRows'] as Uint8Array)).toEqual(want.validRows);
        // Equal offsets, but never one array shared by two columns.
        expect(offsets.size).toBe(4);
      }
    }
  });
});
