/**
 * Dictionary-encoded values decoded a run at a time (`dictionarySink`: an RLE run is one fill, a
 * bit-packed run is unpacked a block at a time and gathered): against decoding every index and
 * looking it up, on random encodings of every physical type; and end to end on files whose
 * dictionary pages hold one value (indexes of width 0), several pages and nulls, read in steps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { allocRaw, ChunkDecodeError, WIDTH } from '../src/io/parquet/chunk-state.ts';
import { dictionarySink } from '../src/io/parquet/decode-chunk.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { readRleHybrid, readRuns } from '../src/io/parquet/rle.ts';
import type { LeafColumn, PhysicalType } from '../src/io/parquet/schema.ts';
import { encodeHybrid, random } from './helpers/hybrid.ts';

const leafOf = (physical: PhysicalType): LeafColumn => ({ name: 'x', key: 'x', physical, kind: 'int32', maxDef: 0, maxRep: 0, elementDef: 0 });
const bytesOf = (a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const reader = (bytes: Uint8Array) => ({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 });
const TYPES: PhysicalType[] = ['BOOLEAN', 'INT32', 'INT64', 'FLOAT', 'DOUBLE'];

describe('dictionarySink', () => {
  it('writes what decoding each index and copying its entry writes, for every type, widths 1–20, runs of both kinds, at any offset', () => {
    const seed = Number(process.env.CORTADO_TEST_SEED ?? 16);
    const rnd = random(seed);
    for (let trial = 0; trial < 200; trial++) {
      const where = `seed ${seed} trial ${trial}`;
      const physical = TYPES[trial % TYPES.length]!;
      const width = physical === 'BOOLEAN' ? 1 : 1 + Math.floor(rnd() * 20);
      const size = 1 + Math.floor(rnd() * Math.min(2 ** width - 1, 3000));
      const dictionary = allocRaw(physical, size);
      // Any bits, NaN payloads included (booleans 0/1).
      const d = bytesOf(dictionary);
      for (let i = 0; i < d.length; i++) d[i] = physical === 'BOOLEAN' ? (rnd() < 0.5 ? 1 : 0) : Math.floor(rnd() * 256);
      // Sometimes more indexes than one unpacking block (4096) in one bit-packed run.
      const long = trial % 10 === 3;
      const n = Math.floor(rnd() * (long ? 12_000 : 400));
      const indexes: number[] = [];
      while (indexes.length < n) {
        const k = Math.floor(rnd() * size);
        const run = rnd() < 0.3 ? 1 + Math.floor(rnd() * 40) : 1;
        for (let r = 0; r < run && indexes.length < n; r++) indexes.push(k);
      }
      const encoded = encodeHybrid(indexes, width, rnd, long ? 1000 : 8);
      const at = Math.floor(rnd() * 40);
      const out = allocRaw(physical, at + n + 5);
      const o = bytesOf(out);
      for (let i = 0; i < o.length; i++) o[i] = Math.floor(rnd() * 256);
      // The reference: every index decoded, then its entry's bytes copied.
      const want = Uint8Array.from(o);
      const decoded = new Int32Array(n);
      readRleHybrid(reader(encoded), width, decoded, encoded.length);
      const w = physical === 'BOOLEAN' ? 1 : WIDTH[physical];
      decoded.forEach((k, i) => want.set(d.subarray(k * w, (k + 1) * w), (at + i) * w));
      readRuns(reader(encoded), width, n, dictionarySink(dictionary, out, at, leafOf(physical)), encoded.length);
      expect(Buffer.from(o).equals(Buffer.from(want)), `${where}: ${physical} width ${width} size ${size} n ${n} at ${at}`).toBe(true);
    }
  });

  it('refuses an index past the dictionary, in an RLE run and in a bit-packed one', () => {
    for (const physical of TYPES) {
      const dictionary = allocRaw(physical, 3);
      const rle = Uint8Array.of(8 << 1, 3); // 8 × index 3
      expect(() => readRuns(reader(rle), 2, 8, dictionarySink(dictionary, allocRaw(physical, 8), 0, leafOf(physical)), rle.length))
        .toThrow(ChunkDecodeError);
      const packed = Uint8Array.of((1 << 1) | 1, 0b11100100, 0); // 0, 1, 2, 3, …
      expect(() => readRuns(reader(packed), 2, 8, dictionarySink(dictionary, allocRaw(physical, 8), 0, leafOf(physical)), packed.length))
        .toThrow(/refers to dictionary entry 3 of 3/);
      // Indexes of 32 bits: past 2^31 is past the dictionary too, not a negative index.
      const huge = Uint8Array.of(1 << 1, 0, 0, 0, 0x80);
      expect(() => readRuns(reader(huge), 32, 1, dictionarySink(dictionary, allocRaw(physical, 1), 0, leafOf(physical)), huge.length))
        .toThrow(/refers to dictionary entry 2147483648 of 3/);
    }
  });
});

describe('dictionary-encoded columns end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-dictionary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads one-value dictionaries (indexes of width 0), several pages, nulls and lists, in steps from inside row groups', async () => {
    const rnd = random(7);
    const rows = 3000;
    const constant = new Int32Array(rows).fill(42);
    const runs = Array.from({ length: rows }, (_, i) => Math.floor(i / 37) % 11 - 5);
    const wide = Array.from({ length: rows }, () => BigInt(Math.floor(rnd() * 300)) * 3_000_000_007n);
    const maybe = Array.from({ length: rows }, (_, i) => (rnd() < 0.2 ? null : (i % 13) / 4));
    const lists = Array.from({ length: rows }, (_, i) => Array.from({ length: i % 4 }, (_, k) => Math.fround(((i + k) % 9) / 8)));
    const path = join(dir, 'dictionary.parquet');
    parquetWriteFile({
      filename: path,
      schema: [
        { name: 'root', num_children: 5 },
        { name: 'constant', type: 'INT32', repetition_type: 'REQUIRED' },
        { name: 'runs', type: 'INT32', repetition_type: 'REQUIRED' },
        { name: 'wide', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'maybe', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'Jet_pt', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'item', type: 'FLOAT', repetition_type: 'REQUIRED' },
      ],
      columnData: [
        { name: 'constant', data: constant, encoding: 'RLE_DICTIONARY' },
        { name: 'runs', data: Int32Array.from(runs), encoding: 'RLE_DICTIONARY' },
        { name: 'wide', data: wide, encoding: 'RLE_DICTIONARY' },
        { name: 'maybe', data: maybe, encoding: 'RLE_DICTIONARY' },
        { name: 'Jet_pt', data: lists, encoding: 'RLE_DICTIONARY' },
      ],
      rowGroupSize: 1100,
      pageSize: 700,
    });
    await using source = await openParquet(path);
    for (const step of [rows, 250, 333]) {
      for (let start = 0; start < rows; start += step) {
        const stop = Math.min(rows, start + step);
        const where = `[${start}, ${stop})`;
        const got = await source.read(['constant', 'runs', 'wide', 'maybe', 'Jet_pt'], start, stop);
        expect(Array.from(got.constant as Int32Array), where).toEqual(Array.from(constant.subarray(start, stop)));
        expect(Array.from(got.runs as Int32Array), where).toEqual(runs.slice(start, stop));
        expect(Array.from(got.wide as BigInt64Array), where).toEqual(wide.slice(start, stop));
        expect(Array.from(got.maybe as Float64Array), where).toEqual(maybe.slice(start, stop).map((x) => x ?? NaN));
        const jets = got.Jet_pt as { offsets: Int32Array; values: Float32Array };
        const want = lists.slice(start, stop);
        expect(Array.from(jets.values), where).toEqual(want.flat());
        expect(Array.from(jets.offsets), where).toEqual([0, ...want.map((_, i) => want.slice(0, i + 1).flat().length)]);
      }
    }
  });
});
