import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnChunk, FileMetaData } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { describeFile, type ParquetDescription } from '../src/io/parquet/describe.ts';
import { chunkLocation, describeMetadata, packDescription, unpackDescription } from '../src/io/parquet/description.ts';
import { FileReader } from '../src/io/parquet/file-reader.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

async function describePath(path: string): Promise<ParquetDescription> {
  const file = await FileReader.open(path);
  try {
    return await describeFile(file);
  } finally {
    await file.close();
  }
}

/** Every object of the description as [path, own keys in order]: the shapes the reader's code sees. */
function shapes(value: unknown, path = '$', out: Array<[string, string[]]> = []): Array<[string, string[]]> {
  if (value instanceof Map) {
    for (const [key, v] of value) shapes(v, `${path}[${String(key)}]`, out);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => shapes(v, `${path}[${i}]`, out));
  } else if (typeof value === 'object' && value !== null) {
    out.push([path, Object.keys(value)]);
    for (const [key, v] of Object.entries(value)) shapes(v, `${path}.${key}`, out);
  }
  return out;
}

describeWithData('Parquet descriptions packed for other worker threads', () => {
  let dir: string;
  let multi: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-desc-pack-'));
    // Three row groups, one of them empty; a jagged column without its counter (a synthetic one) and a flat one.
    multi = join(dir, 'generated.parquet');
    const writer = new ColumnarParquetWriter(multi, [{ name: 'Muon_pt', type: 'FLOAT', jagged: true }, { name: 'MET_pt', type: 'DOUBLE', jagged: false }]);
    for (const rows of [3, 0, 2]) {
      const offsets = Int32Array.from({ length: rows + 1 }, (_, i) => i * 2);
      writer.writeGroup(rows, [
        { name: 'Muon_pt', type: 'FLOAT', values: Float32Array.from({ length: 2 * rows }, (_, i) => i + 0.5), offsets },
        { name: 'MET_pt', type: 'DOUBLE', values: Float64Array.from({ length: rows }, (_, i) => i * 3) },
      ]);
    }
    writer.finish();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['nanoaod/nano_dy.parquet', 'nanoaod/nano_dimuon.parquet', 'nanoaod/nano_dy_empty.parquet', 'generated'])(
    'unpacks %s into a description equal to the parse, shapes and shared leaves included',
    async (name) => {
      const parsed = await describePath(name === 'generated' ? multi : join(DATA_DIR, name));
      const copy = unpackDescription(packDescription(parsed));
      // Maps, the flat chunk arrays, every field and key order.
      expect(copy).toStrictEqual(parsed);
      expect(shapes(copy)).toEqual(shapes(parsed));
      for (const [g] of parsed.groups.entries()) {
        for (const key of parsed.columns.keys()) expect(chunkLocation(copy, g, key)).toEqual(chunkLocation(parsed, g, key));
      }
      // A synthetic counter reads from the leaf of the same description, as after a parse.
      for (const counter of copy.counters.values()) expect(copy.leaves.get(counter.from.name)).toBe(counter.from);
      if (name === 'generated') {
        expect(copy.clusters).toEqual([0, 3, 5]);
        expect([...copy.counters.keys()]).toEqual(['nMuon']);
      } else {
        expect(copy.leaves.size).toBeGreaterThan(1_000);
      }
    },
  );

  it('refuses text of another form', () => {
    expect(() => unpackDescription('[2,"uuid",0,[],[],[]]')).toThrow(/not a packed Parquet description/);
    expect(() => unpackDescription('{"uuid":"x"}')).toThrow(/not a packed Parquet description/);
    expect(() => unpackDescription('not json')).toThrow();
  });
});

describe('compact Parquet descriptions (flat chunk arrays, one schema per thread)', () => {
  const GiB = 2 ** 30;
  const rows = [5, 0, 2 ** 31 + 3];
  const chunk = (key: string, codec: 'SNAPPY' | 'ZSTD', start: number, size: number, values: number, dictionary?: number): ColumnChunk => ({
    file_offset: 0n,
    meta_data: {
      type: 'DOUBLE', encodings: [], path_in_schema: key.split('.'), codec, num_values: BigInt(values), total_uncompressed_size: 0n,
      total_compressed_size: BigInt(size), data_page_offset: BigInt(start), ...(dictionary === undefined ? {} : { dictionary_page_offset: BigInt(dictionary) }),
    },
  });
  /**
   * Three row groups (the second empty, the third of more than 2^31 rows) whose chunks lie beyond
   * 4 GiB and span more than 2^31 bytes, with value counts up to 2^53 - 1; the last row group has
   * no chunk of the list column; a string column (unsupported) has chunks too.
   */
  function footer(metType: 'DOUBLE' | 'FLOAT' = 'DOUBLE'): FileMetaData {
    return {
      version: 2, metadata_length: 0, num_rows: BigInt(rows.reduce((a, b) => a + b)),
      schema: [
        { name: 'schema', num_children: 3 },
        { name: 'MET_pt', type: metType, repetition_type: 'REQUIRED' },
        { name: 'Muon_pt', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'item', type: 'FLOAT', repetition_type: 'OPTIONAL' },
        { name: 'label', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' },
      ],
      row_groups: rows.map((n, g) => ({
        num_rows: BigInt(n), total_byte_size: 0n,
        columns: [
          chunk('MET_pt', 'SNAPPY', 4 * GiB + g * 8 * GiB + 17, 3 * GiB + g, 2 ** 53 - 1 - g, 4 * GiB + g * 8 * GiB + 5),
          ...(g === 2 ? [] : [chunk('Muon_pt.list.item', 'ZSTD', 8 * GiB + g * 8 * GiB, 2 ** 31 + 1, 2 ** 40 + g)]),
          chunk('label', 'SNAPPY', 16 + g, 4, n),
        ],
      })),
    };
  }

  it('keeps offsets beyond 2^31, counts near 2^53, empty and incomplete row groups exact, packed and unpacked', () => {
    const parsed = describeMetadata('big.parquet', footer(), 'uuid-big');
    const copy = unpackDescription(packDescription(parsed));
    for (const d of [parsed, copy]) {
      expect(d.entries).toBe(2 ** 31 + 8);
      expect(d.groups).toEqual([{ start: 0, stop: 5 }, { start: 5, stop: 5 }, { start: 5, stop: 2 ** 31 + 8 }]);
      expect(d.clusters).toEqual([0, 5, 2 ** 31 + 8]);
      expect([...d.leaves.keys()]).toEqual(['MET_pt', 'Muon_pt']);
      expect([...d.unsupported.keys()]).toEqual(['label']);
      expect(d.branches).toEqual([
        { name: 'MET_pt', kind: 'float64', jagged: false },
        { name: 'nMuon', kind: 'uint32', jagged: false },
        { name: 'Muon_pt', kind: 'float32', jagged: true, counter: 'nMuon' },
      ]);
      for (const g of [0, 1, 2]) {
        expect(chunkLocation(d, g, 'MET_pt')).toStrictEqual({ codec: 'SNAPPY', num_values: 2 ** 53 - 1 - g, start: 4 * GiB + g * 8 * GiB + 5, end: 7 * GiB + g * 8 * GiB + 5 + g });
        expect(chunkLocation(d, g, 'label')).toStrictEqual({ codec: 'SNAPPY', num_values: rows[g], start: 16 + g, end: 20 + g });
      }
      expect(chunkLocation(d, 0, 'Muon_pt.list.item')).toStrictEqual({ codec: 'ZSTD', num_values: 2 ** 40, start: 8 * GiB, end: 10 * GiB + 1 });
      expect(chunkLocation(d, 1, 'Muon_pt.list.item')).toStrictEqual({ codec: 'ZSTD', num_values: 2 ** 40 + 1, start: 16 * GiB, end: 18 * GiB + 1 });
      expect(chunkLocation(d, 2, 'Muon_pt.list.item')).toBeUndefined();
      expect(chunkLocation(d, 0, 'no.such.column')).toBeUndefined();
    }
    expect(copy).toStrictEqual(parsed);
  });

  it('descriptions of one schema share its leaves, branches and counters; another schema has its own', () => {
    const a = describeMetadata('a.parquet', footer(), 'uuid-a');
    const b = describeMetadata('b.parquet', footer(), 'uuid-b');
    const copy = unpackDescription(packDescription(b));
    for (const d of [b, copy]) {
      expect(d.leaves).toBe(a.leaves);
      expect(d.branches).toBe(a.branches);
      expect(d.counters).toBe(a.counters);
      expect(d.unsupported).toBe(a.unsupported);
      expect(d.columns).toBe(a.columns);
    }
    expect(copy.uuid).toBe('uuid-b');
    expect(copy.chunks).not.toBe(b.chunks);
    // MET_pt a FLOAT: the same shape (counts, names), another schema.
    const other = describeMetadata('c.parquet', footer('FLOAT'), 'uuid-c');
    expect(other.leaves).not.toBe(a.leaves);
    expect(other.leaves.get('MET_pt')!.kind).toBe('float32');
    expect(a.leaves.get('MET_pt')!.kind).toBe('float64');
    expect(describeMetadata('d.parquet', footer('FLOAT'), 'uuid-d').leaves).toBe(other.leaves);
    expect(describeMetadata('e.parquet', footer(), 'uuid-e').leaves).toBe(a.leaves);
  });
});
