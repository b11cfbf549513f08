import zlib from 'node:zlib';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JaggedColumn } from '../src/io/columns.ts';
import { parquetPageCompressors, parquetPageDecompressors, lz4Decoder, zstdDecoder } from '../src/io/decompress/index.ts';
import { lz4RawInPlace } from '../src/io/decompress/parquet-pages.ts';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { openParquet } from '../src/io/parquet/index.ts';

const rows = 10_000;
const pt = Float32Array.from({ length: rows }, (_, i) => 20 + ((i * 7919) % 1000) / 10);
const offsets = Int32Array.from({ length: rows + 1 }, (_, i) => Math.floor((i * 3) / 2));
const eta = Float64Array.from({ length: offsets[rows]! }, (_, i) => Math.sin(i) * 2.4);
const specs = [
  { name: 'MET_pt', type: 'FLOAT', jagged: false },
  { name: 'Muon_eta', type: 'DOUBLE', jagged: true },
] as const;

describe('Parquet pages in every codec cortado decompresses natively', () => {
  let dir: string;
  const codecs = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'LZ4_RAW'] as const;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-codecs-'));
    for (const codec of codecs) {
      const compress = codec === 'UNCOMPRESSED' || codec === 'SNAPPY' ? undefined : parquetPageCompressors[codec];
      const writer = new ColumnarParquetWriter(join(dir, `${codec}.parquet`), specs, { codec, compress, pageSize: 16_384 });
      for (let start = 0; start < rows; start += 2500) {
        const o = offsets.subarray(start, start + 2501).map((x) => x - offsets[start]!);
        writer.writeGroup(2500, [
          { name: 'MET_pt', type: 'FLOAT', values: pt.subarray(start, start + 2500) },
          { name: 'Muon_eta', type: 'DOUBLE', values: eta.subarray(offsets[start]!, offsets[start + 2500]!), offsets: o },
        ]);
      }
      writer.finish();
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses compiled decoders on this platform', () => {
    // Node's own ZSTD wherever this Node has it (22.15+, 24): CI runs this file on Node 20, 22 and 24.
    const nodeHasZstd = typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';
    expect(zstdDecoder).toBe(nodeHasZstd ? 'node:zlib' : 'wasm');
    expect(lz4Decoder).toBe('native');
  });

  for (const codec of codecs) {
    it(`reads ${codec} pages back value for value, from inside row groups too`, async () => {
      if (codec !== 'UNCOMPRESSED') {
        expect((await stat(join(dir, `${codec}.parquet`))).size).toBeLessThan((await stat(join(dir, 'UNCOMPRESSED.parquet'))).size);
      }
      await using source = await openParquet(join(dir, `${codec}.parquet`));
      expect(source.entries).toBe(rows);
      const all = await source.read(['MET_pt', 'Muon_eta'], 0, rows);
      expect(all.MET_pt).toEqual(pt);
      const jagged = all.Muon_eta as JaggedColumn;
      expect(Array.from(jagged.offsets)).toEqual(Array.from(offsets));
      expect(jagged.values).toEqual(eta);
      const part = await source.read(['Muon_eta'], 3_777, 6_345);
      expect((part.Muon_eta as JaggedColumn).values).toEqual(eta.subarray(offsets[3_777]!, offsets[6_345]!));
    });
  }

  it('decodes the deprecated Hadoop-framed LZ4 codec and a bare LZ4 block under that codec name', () => {
    const plain = new TextEncoder().encode('muon muon muon electron electron '.repeat(100));
    const block = parquetPageCompressors.LZ4_RAW!(plain);
    const framed = new Uint8Array(8 + block.length);
    new DataView(framed.buffer).setUint32(0, plain.length, false);
    new DataView(framed.buffer).setUint32(4, block.length, false);
    framed.set(block, 8);
    expect(Buffer.from(parquetPageDecompressors.LZ4(framed, plain.length))).toEqual(Buffer.from(plain));
    expect(Buffer.from(parquetPageDecompressors.LZ4(block, plain.length))).toEqual(Buffer.from(plain));
    expect(Buffer.from(parquetPageDecompressors.LZ4_RAW(block, plain.length))).toEqual(Buffer.from(plain));
    expect(Buffer.from(parquetPageDecompressors.ZSTD(parquetPageCompressors.ZSTD!(plain), plain.length))).toEqual(Buffer.from(plain));
  });

  it.runIf(lz4Decoder === 'native')('decodes an LZ4_RAW page in place, putting back the 4 bytes before it, and refuses a corrupt one', () => {
    const plain = new TextEncoder().encode('muon muon muon electron electron '.repeat(100));
    const block = parquetPageCompressors.LZ4_RAW!(plain);
    // The page behind 6 bytes of something else (a page header), as in a read buffer.
    const buffer = new Uint8Array(6 + block.length);
    buffer.set([1, 2, 3, 4, 5, 6]);
    buffer.set(block, 6);
    const page = buffer.subarray(6);
    expect(Buffer.from(lz4RawInPlace(page, plain.length))).toEqual(Buffer.from(plain));
    expect(Array.from(buffer.subarray(0, 6))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Buffer.from(buffer.subarray(6))).toEqual(Buffer.from(block));
    // No room before it: decoded through a copy, same bytes.
    expect(Buffer.from(lz4RawInPlace(Uint8Array.from(block), plain.length))).toEqual(Buffer.from(plain));
    const corrupt = Uint8Array.from(buffer);
    corrupt.fill(0xff, 6 + (block.length >> 1));
    expect(() => lz4RawInPlace(corrupt.subarray(6), plain.length)).toThrow();
    expect(Array.from(corrupt.subarray(0, 6))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
