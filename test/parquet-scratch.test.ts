/**
 * Parquet row groups of more than 1 MiB are read into the thread's scratch buffer (the one the
 * ROOT reader uses), decoded, and the buffer is given back: nothing a read returns may be a view
 * of it, since the next read overwrites it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JaggedColumn } from '../src/io/columns.ts';
import { parquetPageCompressors } from '../src/io/decompress/index.ts';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { releaseScratch, takeScratch } from '../src/io/bytes/scratch.ts';

const ROWS = 150_000;

function groupData(group: number) {
  const offsets = new Int32Array(ROWS + 1);
  for (let i = 0; i < ROWS; i++) offsets[i + 1] = offsets[i]! + ((i * 7 + group) % 4);
  // Hashed values: pages that do not compress below 1 MiB a row group.
  const items = Float32Array.from({ length: offsets[ROWS]! }, (_, k) => ((Math.imul(k + group, 2654435761) >>> 0) / 7919) % 1000);
  const flat = Float64Array.from({ length: ROWS }, (_, i) => (Math.imul(i, 40503 + group) >>> 0) / 3);
  return { offsets, items, flat };
}

/** Garbage over the whole idle scratch buffer (taken and given back, as a read would). */
function scribble(): Uint8Array {
  const scratch = takeScratch(1);
  scratch.fill(0xab);
  releaseScratch(scratch);
  return scratch;
}

describe('Parquet reads into the scratch buffer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-parquet-scratch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const codec of ['UNCOMPRESSED', 'ZSTD', 'LZ4_RAW', 'GZIP'] as const) {
    const compress = codec === 'UNCOMPRESSED' ? undefined : parquetPageCompressors[codec];
    it.runIf(codec === 'UNCOMPRESSED' || compress !== undefined)(`${codec}: earlier results stay intact when later reads overwrite the buffer`, async () => {
      const path = join(dir, `${codec}.parquet`);
      const writer = new ColumnarParquetWriter(path, [{ name: 'x', type: 'FLOAT', jagged: true }, { name: 'f', type: 'DOUBLE', jagged: false }],
        { codec, compress });
      for (const group of [0, 1]) {
        const { offsets, items, flat } = groupData(group);
        writer.writeGroup(ROWS, [{ name: 'x', type: 'FLOAT', values: items, offsets }, { name: 'f', type: 'DOUBLE', values: flat }]);
      }
      writer.finish();
      await using source = await openParquet(path);
      // Garbage in the buffer before each read: a read must overwrite what it uses.
      scribble();
      const first = await source.read(['x', 'f'], 0, ROWS);
      const scratch = scribble();
      const second = await source.read(['x', 'f'], ROWS, 2 * ROWS);
      // The read went through the buffer (it holds file bytes now, not only the garbage) …
      expect(scratch.some((b) => b !== 0xab)).toBe(true);
      scribble();
      // … and neither result is a view of it.
      for (const [got, group] of [[first, 0], [second, 1]] as const) {
        const want = groupData(group);
        const x = got.x as JaggedColumn;
        expect(Buffer.from(x.offsets.buffer, x.offsets.byteOffset, x.offsets.byteLength).equals(Buffer.from(want.offsets.buffer))).toBe(true);
        expect(Buffer.from(x.values.buffer, x.values.byteOffset, x.values.byteLength).equals(Buffer.from(want.items.buffer))).toBe(true);
        const f = got.f as Float64Array;
        expect(Buffer.from(f.buffer, f.byteOffset, f.byteLength).equals(Buffer.from(want.flat.buffer))).toBe(true);
        expect(x.values.buffer).not.toBe(scratch.buffer);
        expect(f.buffer).not.toBe(scratch.buffer);
      }
    });
  }
});
