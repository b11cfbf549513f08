/**
 * cortado's own Parquet page encoder for skims (PLAIN pages from the typed arrays, list levels from
 * the offsets): every stored type, empty and long lists, pages split at row boundaries, pages left
 * uncompressed when they do not shrink, read back equal by cortado, DuckDB and pyarrow.
 *
 * The pyarrow part runs where `python3 -c 'import pyarrow'` works (pip install pyarrow; Debian has
 * no package for it) and says so when it skips; DuckDB (an npm devDependency) always runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import type { Column, JaggedColumn, NumericArray } from '../src/io/columns.ts';
import { fastPageCompressors } from '../src/io/decompress/page-compressors.ts';
import { openSource } from '../src/io/open.ts';
import { listLevels } from '../src/io/parquet/write/levels.ts';
import { encodeParquet, type SkimColumn } from '../src/io/skim/encode.ts';
import { SkimError } from '../src/io/skim/errors.ts';
import { pyFloatRepr } from './helpers/py-repr.ts';

const hasPyarrow = spawnSync('python3', ['-c', 'import pyarrow'], { stdio: 'ignore' }).status === 0;
if (!hasPyarrow) console.warn('[skip] skim pages read by pyarrow: python3 cannot import pyarrow (pip install pyarrow)');

const dir = mkdtempSync(join(tmpdir(), 'cortado-skim-pages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 1000;
/** Row i holds i % 7 values (so 1 in 7 lists is empty), one row 300 long. */
function jagged<V extends NumericArray>(make: (n: number) => V, value: (k: number) => number | bigint): JaggedColumn<V> {
  const offsets = new Int32Array(ROWS + 1);
  for (let i = 0; i < ROWS; i++) offsets[i + 1] = offsets[i]! + (i === 500 ? 300 : i % 7);
  const values = make(offsets[ROWS]!);
  for (let k = 0; k < values.length; k++) (values as unknown as Array<number | bigint>)[k] = value(k);
  return { offsets, values };
}
const flat = <V extends NumericArray>(make: (n: number) => V, value: (i: number) => number | bigint): V => {
  const values = make(ROWS);
  for (let i = 0; i < ROWS; i++) (values as unknown as Array<number | bigint>)[i] = value(i);
  return values;
};

const COLUMNS: SkimColumn[] = [
  { name: 'flag', kind: 'bool', column: flat((n) => new Uint8Array(n), (i) => (i % 3 === 0 ? 1 : 0)) },
  { name: 'i8', kind: 'int8', column: flat((n) => new Int8Array(n), (i) => (i % 256) - 128) },
  { name: 'u8', kind: 'uint8', column: flat((n) => new Uint8Array(n), (i) => (i * 7) % 256) },
  { name: 'i16', kind: 'int16', column: flat((n) => new Int16Array(n), (i) => i * 31 - 16000) },
  { name: 'u16', kind: 'uint16', column: flat((n) => new Uint16Array(n), (i) => 65535 - i) },
  { name: 'i32', kind: 'int32', column: flat((n) => new Int32Array(n), (i) => -i * 1_000_003) },
  { name: 'u32', kind: 'uint32', column: flat((n) => new Uint32Array(n), (i) => 4_294_967_295 - i) },
  { name: 'i64', kind: 'int64', column: flat((n) => new BigInt64Array(n), (i) => -(2n ** 62n) + BigInt(i)) },
  { name: 'u64', kind: 'uint64', column: flat((n) => new BigUint64Array(n), (i) => 2n ** 64n - 1n - BigInt(i)) },
  { name: 'f32', kind: 'float32', column: flat((n) => new Float32Array(n), (i) => Math.fround(Math.sin(i) * 1e3)) },
  { name: 'f64', kind: 'float64', column: flat((n) => new Float64Array(n), (i) => Math.cos(i) / 3) },
  { name: 'nMuon', kind: 'int32', column: Int32Array.from({ length: ROWS }, (_, i) => (i === 500 ? 300 : i % 7)) },
  { name: 'Muon_pt', kind: 'float32', column: jagged((n) => new Float32Array(n), (k) => Math.fround(10 + Math.sin(k) * 5)) },
  { name: 'Muon_charge', kind: 'int8', column: jagged((n) => new Int8Array(n), (k) => (k % 2 === 0 ? 1 : -1)) },
  { name: 'Muon_isTight', kind: 'bool', column: jagged((n) => new Uint8Array(n), (k) => k % 5 === 0 ? 1 : 0) },
  { name: 'Muon_idx', kind: 'uint64', column: jagged((n) => new BigUint64Array(n), (k) => 2n ** 63n + BigInt(k)) },
  // No empty list: the definition levels are one RLE run.
  { name: 'Jet_pt', kind: 'float64', column: { offsets: Int32Array.from({ length: ROWS + 1 }, (_, i) => 2 * i), values: Float64Array.from({ length: 2 * ROWS }, (_, k) => k / 7) } },
];

/** Values of a column as plain JSON: one entry per row, lists as arrays, 64-bit integers and floats as strings. */
function rowsOf(column: Column, kind: string): unknown[] {
  const one = (v: number | bigint): unknown => (kind === 'bool' ? v !== 0 : typeof v === 'bigint' ? String(v) : kind.startsWith('float') ? String(v) : v);
  if (ArrayBuffer.isView(column)) return Array.from(column as ArrayLike<number | bigint>, one);
  const { offsets, values } = column;
  return Array.from({ length: offsets.length - 1 }, (_, i) => Array.from(values.subarray(offsets[i]!, offsets[i + 1]!) as ArrayLike<number | bigint>, one));
}

describe('skim Parquet pages', () => {
  const variants = [
    { label: 'ZSTD, many pages', codec: 'ZSTD' as const, compress: fastPageCompressors.ZSTD, pageBytes: 512 },
    { label: 'uncompressed, one page per column', codec: 'UNCOMPRESSED' as const, compress: undefined, pageBytes: undefined },
  ];
  for (const variant of variants) {
    const path = join(dir, `${variant.codec}.parquet`);
    it(`${variant.label}: cortado and DuckDB read back every value`, async () => {
      writeFileSync(path, encodeParquet(ROWS, COLUMNS, { codec: variant.codec, compress: variant.compress, ...(variant.pageBytes ? { pageBytes: variant.pageBytes } : {}) }));
      const bytes = readFileSync(path);
      const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const chunk = (name: string) => meta.row_groups[0]!.columns.find((c) => c.meta_data!.path_in_schema[0] === name)!;
      if (variant.pageBytes !== undefined) {
        // Split into pages (located by the offset index), at row boundaries for lists.
        expect(chunk('Muon_pt').offset_index_length).toBeGreaterThan(0);
        expect(chunk('f64').offset_index_length).toBeGreaterThan(0);
        // Sequential integers shrink; noisy floats are stored as they are, not grown.
        expect(chunk('i64').meta_data!.total_compressed_size).toBeLessThan(chunk('i64').meta_data!.total_uncompressed_size);
        expect(chunk('f64').meta_data!.total_compressed_size).toBe(chunk('f64').meta_data!.total_uncompressed_size);
      }
      await using source = await openSource(path, 'Events');
      expect(source.entries).toBe(ROWS);
      // (cortado adds the counter nJet of Jet_pt, which has none in the file.)
      const written = source.branches.filter((b) => COLUMNS.some((c) => c.name === b.name));
      expect(written.map((b) => [b.name, b.kind, b.jagged])).toEqual(COLUMNS.map((c) => [c.name, c.kind, !ArrayBuffer.isView(c.column)]));
      const read = await source.read(COLUMNS.map((c) => c.name), 0, ROWS);
      for (const { name, kind, column } of COLUMNS) expect(rowsOf(read[name]!, kind), name).toEqual(rowsOf(column, kind));

      const duck = await (await DuckDBInstance.create(':memory:')).connect();
      try {
        const rows = (await duck.runAndReadAll(`SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
        expect(rows).toHaveLength(ROWS);
        for (const { name, kind, column } of COLUMNS) {
          const want = rowsOf(column, kind);
          const got = rows.map((row) => {
            const value = row[name] as unknown;
            const one = (v: unknown) => (typeof v === 'bigint' ? String(v) : kind.startsWith('float') ? String(v) : v);
            return Array.isArray(value) ? value.map(one) : one(value);
          });
          expect(got, name).toEqual(want);
        }
      } finally {
        duck.closeSync();
      }
    });

    it.runIf(hasPyarrow)(`${variant.label}: pyarrow reads back every value`, () => {
      const script = [
        'import json, sys, pyarrow.parquet as pq',
        't = pq.read_table(sys.argv[1])',
        'f = pq.ParquetFile(sys.argv[1])',
        'def s(v):',
        '    if isinstance(v, list): return [s(x) for x in v]',
        '    if isinstance(v, float): return repr(v)',
        '    return str(v) if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**53 else v',
        'print(json.dumps({"pages": f.metadata.row_group(0).column(0).total_compressed_size, "types": {n.name: str(n.type) for n in t.schema}, "values": {n: s(t.column(n).to_pylist()) for n in t.column_names}}))',
      ].join('\n');
      const run = spawnSync('python3', ['-c', script, path], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(run.stderr).toBe('');
      const py = JSON.parse(run.stdout) as { types: Record<string, string>; values: Record<string, unknown[]> };
      const ARROW: Record<string, string> = { bool: 'bool', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', float32: 'float', float64: 'double' };
      for (const { name, kind, column } of COLUMNS) {
        const jaggedColumn = !ArrayBuffer.isView(column);
        expect(py.types[name], name).toBe(jaggedColumn ? `list<item: ${ARROW[kind]} not null>` : ARROW[kind]);
        // Python prints floats by repr (shortest round trip, as JS), 64-bit integers past 2^53 as strings.
        const one = (v: number | bigint): unknown =>
          kind === 'bool' ? v !== 0 : kind.startsWith('float') ? pyFloatRepr(Number(v)) : typeof v === 'bigint' && (v >= 2n ** 53n || v <= -(2n ** 53n)) ? String(v) : Number(v);
        const want = ArrayBuffer.isView(column)
          ? Array.from(column as ArrayLike<number | bigint>, one)
          : Array.from({ length: ROWS }, (_, i) => Array.from((column as JaggedColumn).values.subarray((column as JaggedColumn).offsets[i]!, (column as JaggedColumn).offsets[i + 1]!) as ArrayLike<number | bigint>, one));
        expect(py.values[name], name).toEqual(want);
      }
    });
  }

  it('refuses a column whose array cannot hold its type, naming it (E_SKIM_SELECTION)', () => {
    const bad = () => encodeParquet(1, [{ name: 'event', kind: 'int64', column: Float64Array.of(1) }], { codec: 'UNCOMPRESSED' });
    expect(bad).toThrow(SkimError);
    expect(bad).toThrow('Cannot write column event as int64: Expected a BigInt64Array or BigUint64Array for a Parquet INT64 column, got Float64Array');
    try {
      bad();
    } catch (error) {
      expect((error as SkimError).code).toBe('E_SKIM_SELECTION');
    }
  });

  it('encodes list levels from the offsets: repetition 0 opens a row, definition 0 is an empty list', () => {
    // Rows [a, b], [], [c]: repetition 0 1 0 0, definition 1 1 0 1; one bit-packed group each.
    const levels = listLevels(Int32Array.of(0, 2, 2, 3), 0, 3);
    expect(levels.count).toBe(4);
    expect(levels.empty).toBe(1);
    expect([...levels.repetition]).toEqual([0b11, 0b0010]);
    expect([...levels.definition]).toEqual([0b11, 0b1011]);
    // No empty list: the definition levels are one RLE run (header count << 1, then the value 1).
    const full = listLevels(Int32Array.of(0, 2, 5), 0, 2);
    expect([...full.definition]).toEqual([5 << 1, 1]);
    expect([...full.repetition]).toEqual([0b11, 0b11010]);
  });
});
