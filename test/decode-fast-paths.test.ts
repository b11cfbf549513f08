import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressRoot, lz4DecodeNative, lz4Decoder, xxhash64 } from '../src/io/decompress/index.ts';
import { inflateZlib } from '../src/io/decompress/zlib.ts';
import { SWAP_CHUNK, swapper } from '../src/io/root/byte-swap.ts';
import { entryItemOffsets, itemOffsetsInPlace } from '../src/io/root/column.ts';
import { copyBigEndian } from '../src/io/root/decode.ts';
import { readRleHybrid } from '../src/io/parquet/rle.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { parquetPageCompressors } from '../src/io/decompress/index.ts';
import { compressRoot } from './fixtures/rntuple/compress.ts';

// The read path's fast paths, each against a slow reference: a native byte swap for long runs
// (a JS loop for short ones), one output buffer per zlib/ZSTD block, LZ4 decoded in place over
// the verified checksum, and the tight loop that turns a basket's byte offsets into item offsets.

function bigEndianBytes(values: number[] | bigint[], size: 2 | 4 | 8): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => {
    if (size === 2) view.setInt16(i * size, Number(v));
    else if (size === 4) view.setInt32(i * size, Number(v));
    else view.setBigInt64(i * size, BigInt(v));
  });
  return new Uint8Array(view.buffer);
}

describe('copyBigEndian', () => {
  // 10 values stay under the native-swap threshold (192 bytes); 1,000 go through Buffer#swapNN.
  for (const count of [10, 1_000]) {
    it(`converts ${count} big-endian int16, int32/float32 and int64 values at odd offsets into the middle of an array`, () => {
      const ints = Array.from({ length: count }, (_, i) => (i * 2_654_435_761) | 0);
      const shorts = ints.map((x) => (x << 16) >> 16);
      const longs = ints.map((x) => BigInt(x) * 4_294_967_311n);
      const cases = [
        { size: 2 as const, bytes: bigEndianBytes(shorts, 2), out: new Int16Array(count + 3), want: shorts },
        { size: 4 as const, bytes: bigEndianBytes(ints, 4), out: new Int32Array(count + 3), want: ints },
        { size: 8 as const, bytes: bigEndianBytes(longs, 8), out: new BigInt64Array(count + 3), want: longs },
      ];
      for (const { size, bytes, out, want } of cases) {
        const src = new Uint8Array(bytes.length + 3);
        src.set(bytes, 3); // unaligned source
        copyBigEndian(src, 3, count, out, 2, size);
        expect(Array.from(out.subarray(2, 2 + count) as ArrayLike<number | bigint>)).toEqual(want);
        expect(out[0]).toEqual(size === 8 ? 0n : 0);
        expect(out[count + 2]).toEqual(size === 8 ? 0n : 0);
      }
      const floats = new Float32Array(count).map((_, i) => i / 7 - 3);
      const view = new DataView(new ArrayBuffer(count * 4));
      floats.forEach((f, i) => view.setFloat32(4 * i, f));
      const out = new Float32Array(count);
      copyBigEndian(new Uint8Array(view.buffer), 0, count, out, 0, 4);
      expect(out).toEqual(floats);
    });
  }
});

describe('one output buffer per block', () => {
  const data = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);

  it('inflates a zlib stream whose size is known to exactly that many bytes, and a longer stream whole', () => {
    const z = deflateSync(data);
    const exact = inflateZlib(z, data.length);
    expect(exact.length).toBe(data.length);
    expect(Buffer.from(exact).equals(Buffer.from(data))).toBe(true);
    // a header that understates the size: the stream still comes back whole, so the caller sees the mismatch
    expect(inflateZlib(z, 1_000).length).toBe(data.length);
    expect(() => decompressRoot(Buffer.concat([block('ZL', z, 1_000)]), 1_000)).toThrow(/inflate to 1000 bytes, got 300000/);
  });
});

function block(tag: string, body: Uint8Array, usize: number): Uint8Array {
  const header = new Uint8Array(9);
  header[0] = tag.charCodeAt(0);
  header[1] = tag.charCodeAt(1);
  header[2] = 1;
  header.set([body.length & 0xff, (body.length >> 8) & 0xff, body.length >> 16], 3);
  header.set([usize & 0xff, (usize >> 8) & 0xff, usize >> 16], 6);
  return Buffer.concat([header, body]);
}

describe('LZ4 decoded in place', () => {
  it.skipIf(lz4Decoder !== 'native')('leaves the block bytes (checksum included) as they were, so a second decode verifies again', () => {
    const data = new Uint8Array(200_000).map((_, i) => (i >> 4) & 0xff);
    const payload = compressRoot(data, 'lz4');
    expect(String.fromCharCode(payload[0]!, payload[1]!)).toBe('L4');
    const before = Buffer.from(payload);
    for (let round = 0; round < 2; round++) {
      const out = decompressRoot(payload, data.length) as Uint8Array;
      expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
      expect(Buffer.from(payload).equals(before)).toBe(true);
    }
    // A block cut short throws and still leaves the bytes as they were.
    const body = payload.subarray(9);
    const corrupt = Buffer.from(body);
    const copy = Buffer.from(corrupt);
    expect(() => lz4DecodeNative(corrupt, 8, 8 + 40, data.length, true)).toThrow();
    expect(corrupt.equals(copy)).toBe(true);
    expect(xxhash64(body.subarray(8))).toBe(new DataView(body.buffer, body.byteOffset).getBigUint64(0, false));
  });
});

describe('entryItemOffsets', () => {
  it('turns byte offsets into item offsets counting on from a total', () => {
    const bo = Int32Array.of(8, 8, 16, 28, 28, 32);
    const out = new Int32Array(7);
    out[1] = 5;
    expect(entryItemOffsets(bo, 1, 5, 4, 40, out, 1, 5)).toBe(-1);
    expect(Array.from(out)).toEqual([0, 5, 7, 10, 10, 11, 0]);
    const doubles = new Int32Array(3);
    expect(entryItemOffsets(Int32Array.of(0, 16, 24), 0, 2, 8, 24, doubles, 0, 0)).toBe(-1);
    expect(Array.from(doubles)).toEqual([0, 2, 3]);
    // Offsets that count a basket's key (base 100, as ROOT stores them) give the same items.
    const keyed = new Int32Array(7);
    keyed[1] = 5;
    expect(entryItemOffsets(bo.map((x) => x + 100), 1, 5, 4, 40, keyed, 1, 5, 100)).toBe(-1);
    expect(Array.from(keyed)).toEqual(Array.from(out));
    expect(entryItemOffsets(Int32Array.of(104, 140, 148), 0, 2, 4, 40, keyed, 0, 0, 100)).toBe(1); // past the data
    expect(entryItemOffsets(Int32Array.of(96, 104), 0, 1, 4, 40, keyed, 0, 0, 100)).toBe(0); // before it
  });

  it('names the first entry whose bytes run backwards, past the data, or not by whole values', () => {
    const out = new Int32Array(8);
    expect(entryItemOffsets(Int32Array.of(0, 4, 2, 8), 0, 3, 4, 100, out, 0, 0)).toBe(1); // backwards
    expect(entryItemOffsets(Int32Array.of(0, 4, 8, 12), 0, 3, 4, 10, out, 0, 0)).toBe(2); // past the data
    expect(entryItemOffsets(Int32Array.of(0, 4, 10, 12), 0, 3, 4, 100, out, 0, 0)).toBe(1); // 6 bytes of 4-byte values
    expect(entryItemOffsets(Int32Array.of(-4, 4), 0, 1, 4, 100, out, 0, 0)).toBe(0);
    expect(entryItemOffsets(Int32Array.of(0, 3, 7), 0, 2, 3, 100, out, 0, 0)).toBe(1); // 3-byte values, divided
  });
});

describe('the WebAssembly SIMD byte swapper', () => {
  it('swaps values of 2, 4 and 8 bytes as Node\'s Buffer#swapNN does, in place and into another array, across chunks', () => {
    expect(swapper).toBeDefined(); // every Node cortado supports has WebAssembly SIMD
    const bytes = Buffer.alloc(2 * SWAP_CHUNK + 40);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 9)) & 0xff;
    for (const size of [2, 4, 8] as const) {
      for (const length of [0, 8, 16, 24, 200, 4_096, SWAP_CHUNK - 8, SWAP_CHUNK, SWAP_CHUNK + 8, 2 * SWAP_CHUNK + 40]) {
        const expected = Buffer.from(bytes.subarray(0, length));
        if (size === 2) expected.swap16();
        else if (size === 4) expected.swap32();
        else expected.swap64();
        // Out of place, with a byte after the target that must stay as it was.
        const out = Buffer.alloc(length + 1, 0x5a);
        const source = Buffer.from(bytes.subarray(0, length));
        swapper!(source, size, out.subarray(0, length));
        expect(out.subarray(0, length).equals(expected), `${size}-byte values, ${length} bytes`).toBe(true);
        expect(out[length]).toBe(0x5a);
        expect(source.equals(bytes.subarray(0, length))).toBe(true);
        // In place, at an odd offset of a larger buffer.
        const host = Buffer.alloc(length + 3, 0x33);
        host.set(bytes.subarray(0, length), 1);
        swapper!(host.subarray(1, 1 + length), size, host.subarray(1, 1 + length));
        expect(host.subarray(1, 1 + length).equals(expected), `in place, ${size}-byte values, ${length} bytes`).toBe(true);
        expect([host[0], host[length + 1], host[length + 2]]).toEqual([0x33, 0x33, 0x33]);
      }
    }
  });
});

describe('itemOffsetsInPlace', () => {
  it('turns a whole basket\'s byte offsets into item offsets where they lie, as entryItemOffsets does', () => {
    for (const [bo, size, length, base] of [[Int32Array.of(8, 8, 16, 28, 28, 32), 4, 40, 0], [Int32Array.of(100, 116, 124), 8, 24, 100],
      [Int32Array.of(50, 50, 50), 2, 0, 50], [Int32Array.of(0, 3, 9), 3, 9, 0]] as const) {
      const expected = new Int32Array(bo.length);
      expect(entryItemOffsets(bo, 0, bo.length - 1, size, length, expected, 0, 0, base)).toBe(-1);
      const inPlace = Int32Array.from(bo);
      expect(itemOffsetsInPlace(inPlace, size, length, base)).toBe(-1);
      expect(Array.from(inPlace)).toEqual(Array.from(expected));
    }
  });

  it('names the same first bad entry as entryItemOffsets and leaves the offsets as they were', () => {
    for (const [bo, size, length, base, at] of [[Int32Array.of(0, 4, 2, 8), 4, 100, 0, 1], [Int32Array.of(0, 4, 8, 12), 4, 10, 0, 2],
      [Int32Array.of(0, 4, 10, 12), 4, 100, 0, 1], [Int32Array.of(96, 104), 4, 40, 100, 0], [Int32Array.of(104, 140, 148), 4, 40, 100, 1],
      [Int32Array.of(0, 2 ** 31 - 1, -(2 ** 31), 8), 4, 100, 0, 0], [Int32Array.of(0, 3, 7), 3, 100, 0, 1]] as const) {
      const copy = Int32Array.from(bo);
      expect(itemOffsetsInPlace(copy, size, length, base)).toBe(at);
      expect(entryItemOffsets(bo, 0, bo.length - 1, size, length, new Int32Array(bo.length), 0, 0, base)).toBe(at);
      expect(Array.from(copy)).toEqual(Array.from(bo));
    }
  });
});

describe('readRleHybrid, one-bit levels', () => {
  // The byte-at-a-time fast path for bit-packed one-bit levels (list and optional columns),
  // against the bits one by one, for every output length across whole and partial bytes.
  it('unpacks bit-packed runs of every length, and RLE runs after them', () => {
    const bits = Array.from({ length: 64 }, (_, i) => ((i * 2_654_435_761) >>> 13) & 1);
    const packed = new Uint8Array(8);
    bits.forEach((b, i) => { packed[i >> 3]! |= b << (i & 7); });
    for (let n = 1; n <= 64; n++) {
      // header: 8 groups bit-packed ((8 << 1) | 1), 8 bytes; then an RLE run of 5 ones (5 << 1, value 1)
      const body = Uint8Array.of(17, ...packed, 10, 1);
      const out = new Uint8Array(n + 5);
      readRleHybrid({ view: new DataView(body.buffer), offset: 0 }, 1, out.subarray(0, Math.min(n, 64)), body.length);
      expect(Array.from(out.subarray(0, n))).toEqual(bits.slice(0, n));
      const all = new Uint8Array(69);
      readRleHybrid({ view: new DataView(body.buffer), offset: 0 }, 1, all, body.length);
      expect(Array.from(all)).toEqual([...bits, 1, 1, 1, 1, 1]);
    }
  });
});

describe('Parquet single-page chunks', () => {
  // A row group whose column chunk is one PLAIN V2 page, decompressed by cortado's own decoder
  // (or hysnappy's, which returns a copy of its output), hands out the page's decompressed bytes as its values: no chunk-sized array (sized for every
  // level, empty lists included) filled by a copy.
  for (const codec of ['ZSTD', 'GZIP', 'LZ4_RAW', 'SNAPPY'] as const) {
    it(`returns a ${codec} list column's values over the page's own bytes, equal to what was written`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cortado-single-page-'));
      try {
        const path = join(dir, 'p.parquet');
        const rows = 20_000;
        const offsets = new Int32Array(rows + 1);
        for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i]! + (i % 3 === 0 ? 0 : 2); // a third empty
        const values = Float32Array.from({ length: offsets[rows]! }, (_, k) => k * 0.5);
        const flat = Int32Array.from({ length: rows }, (_, i) => i * 7);
        const writer = new ColumnarParquetWriter(path, [{ name: 'x', type: 'FLOAT', jagged: true }, { name: 'n', type: 'INT32', jagged: false }],
          { codec, compress: codec === 'SNAPPY' ? undefined : parquetPageCompressors[codec] }); // SNAPPY: the writer's own
        writer.writeGroup(rows, [{ name: 'x', type: 'FLOAT', values, offsets }, { name: 'n', type: 'INT32', values: flat }]);
        writer.finish();
        await using source = await openParquet(path);
        const got = await source.read(['x', 'n'], 0, rows);
        // A later read decodes through the same decoder state (hysnappy's memory): the values
        // handed out before must not change.
        await source.read(['x', 'n'], rows >> 1, rows);
        const x = got.x as { offsets: Int32Array; values: Float32Array };
        expect(Array.from(x.offsets)).toEqual(Array.from(offsets));
        expect(Array.from(x.values)).toEqual(Array.from(values));
        expect(Array.from(got.n as Int32Array)).toEqual(Array.from(flat));
        // 33,333 levels (6,667 of them empty lists) would take a 133,332-byte array; the page holds
        // the 26,666 values' 106,664 bytes (and a spare byte where the decoder asked for one).
        const levels = rows + values.length - offsets.filter((o, i) => i > 0 && o !== offsets[i - 1]).length;
        expect(x.values.buffer.byteLength).toBeLessThan(levels * 4);
        expect(x.values.buffer.byteLength).toBeLessThanOrEqual(values.byteLength + 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
