import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { describeFile, type ParquetDescription } from '../src/io/parquet/describe.ts';
import { packDescription, unpackDescription } from '../src/io/parquet/description.ts';
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
      // Maps, bigint chunk counts, every field and key order.
      expect(copy).toStrictEqual(parsed);
      expect(shapes(copy)).toEqual(shapes(parsed));
      expect([...copy.groups[0]!.chunks.values()].every((c) => typeof c.num_values === typeof [...parsed.groups[0]!.chunks.values()][0]!.num_values)).toBe(true);
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
