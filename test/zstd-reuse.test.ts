/**
 * ZSTD frames (ROOT `ZS` blocks, Parquet ZSTD pages) decode through one native context per thread
 * on Nodes with `node:zlib` ZSTD (22.15+), reset after each frame: a new `node:zlib` stream and
 * native context per basket was a measurable part of a ZSTD read. The context must give every
 * frame its own bytes whatever came before — other sizes, levels, other codecs in between — and a
 * corrupt or cut frame must still be a typed error that leaves the next frame readable. On Nodes
 * without it (Node 20) the same checks run through the WebAssembly decoder.
 */
import zlib from 'node:zlib';
import wasmZstd from '@foxglove/wasm-zstd';
import { describe, expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { decompressRoot, decompressZstd, parquetPageDecompressors, zstdDecoder } from '../src/io/decompress/index.ts';
import { zstdNativeMode, zstdReuseCounts } from '../src/io/decompress/zstd-native.ts';
import { decompressZstdWasm, decompressZstdWasmInto, loadZstdWasm, zstdWasmCounts } from '../src/io/decompress/zstd-wasm.ts';
import { join } from 'node:path';
import { openParquet } from '../src/io/parquet/index.ts';
import { compressRoot, writableCodecs, type Codec } from './fixtures/rntuple/compress.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';
import { compressibleBytes } from './fixtures/compressible.ts';

type ZstdZlib = typeof zlib & { zstdCompressSync?: (data: Uint8Array, options?: { params?: Record<number, number> }) => Buffer };
const nodeCompress = (zlib as ZstdZlib).zstdCompressSync;
const native = typeof nodeCompress === 'function';
const C = zlib.constants as unknown as Record<string, number>;

await wasmZstd.isLoaded;

const data = compressibleBytes;

/** One ZSTD frame of `original`: by Node's compressor where it has one (level, checksum), else libzstd in WebAssembly. */
function frame(original: Uint8Array, level: number, checksum = false): Uint8Array {
  if (!native) return wasmZstd.compress(original, level);
  const params: Record<number, number> = { [C.ZSTD_c_compressionLevel!]: level };
  if (checksum) params[C.ZSTD_c_checksumFlag!] = 1;
  return nodeCompress(original, { params });
}

/** `original` as one ROOT ZS block (it must compress). */
function zs(original: Uint8Array): Uint8Array {
  const payload = compressRoot(original, 'zstd');
  expect(String.fromCharCode(payload[0]!, payload[1]!)).toBe('ZS');
  return payload;
}

function decoded(payload: Uint8Array, size: number): Uint8Array {
  const out = decompressRoot(payload, size);
  if (!(out instanceof Uint8Array)) throw new Error('expected a synchronous decode');
  return out;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof IoError ? error.code : `not an IoError: ${String(error)}`;
  }
  return undefined;
}

describe('ZSTD frames through one reused native context per thread', () => {
  it('uses the reused context where this Node has node:zlib ZSTD, WebAssembly elsewhere', () => {
    expect(zstdDecoder).toBe(native ? 'node:zlib' : 'wasm');
    expect(zstdNativeMode()).toBe(native ? 'reused' : 'none');
  });

  it('gives each frame its bytes across sizes, levels and other codecs in between, without a new context', () => {
    zstdNativeMode(); // the context exists before counting
    const contexts = zstdReuseCounts.contexts;
    const decodes = zstdReuseCounts.decodes;
    const wasmDecodes = zstdWasmCounts.decodes;
    const sizes = [1, 17, 63, 64, 65, 4_096, 70_000, 300_000, 131_073, 90];
    const others = writableCodecs.filter((c): c is Exclude<Codec, 'none' | 'zstd'> => c !== 'none' && c !== 'zstd');
    let frames = 0;
    for (const [i, size] of sizes.entries()) {
      const original = data(size, i + 1);
      for (const level of [1, 3, 19]) {
        const out = decompressZstd(frame(original, level, level === 19), size);
        expect(out.length).toBe(size);
        expect(same(out, original)).toBe(true);
        frames++;
      }
      // The same data as a Parquet page, then as a ROOT payload through decompressRoot, then another codec's block.
      expect(same(parquetPageDecompressors.ZSTD(frame(original, 3), size), original)).toBe(true);
      frames++;
      const payload = compressRoot(original, 'zstd');
      if (payload !== original) {
        expect(same(decoded(payload, size), original)).toBe(true);
        frames++;
      }
      const other = others[i % Math.max(1, others.length)];
      if (other) {
        const otherData = data(size + 7, i + 100);
        expect(same(decoded(compressRoot(otherData, other), otherData.length), otherData)).toBe(true);
      }
    }
    // A payload of several ZS blocks (ROOT splits baskets over 16 MiB; here by hand): one output.
    // All but the last block decode straight into the payload's output (the last has no byte to spare).
    const into = zstdReuseCounts.intoDestination;
    const parts = [data(1_000, 7), data(300, 8), data(5_000, 9)];
    const multi = Buffer.concat(parts.map(zs));
    expect(same(decoded(multi, 6_300), Buffer.concat(parts))).toBe(true);
    frames += 3;
    if (native) expect(zstdReuseCounts.intoDestination - into).toBe(2);
    if (native) {
      expect(zstdReuseCounts.contexts).toBe(contexts);
      expect(zstdReuseCounts.decodes - decodes).toBe(frames);
    } else {
      expect(zstdWasmCounts.decodes - wasmDecodes).toBe(frames);
    }
  });

  it('raises E_IO_DECOMPRESS for a corrupt or cut frame after a good one, and decodes the next frame right', () => {
    const original = data(20_000, 3);
    const good = compressRoot(original, 'zstd');
    expect(same(decoded(good, 20_000), original)).toBe(true);
    const block = (body: Uint8Array): Uint8Array => {
      const out = Uint8Array.from([...good.subarray(0, 9), ...body]);
      out.set([body.length & 0xff, (body.length >> 8) & 0xff, body.length >> 16], 3);
      return out;
    };
    const body = good.subarray(9);
    const badMagic = Uint8Array.from(body);
    badMagic[0] = badMagic[0]! ^ 0xff;
    const checked = frame(original, 3, native);
    const flipped = Uint8Array.from(checked);
    for (let i = checked.length >> 1; i < (checked.length >> 1) + 16; i++) flipped[i] = flipped[i]! ^ 0x5a;
    const corrupt = [block(badMagic), block(body.subarray(0, body.length >> 1)), block(body.subarray(0, body.length - 3))];
    // With a content checksum (Node's compressor) a flipped body is always detected.
    if (native) corrupt.push(block(flipped));
    for (const bad of corrupt) {
      expect(codeOf(() => decompressRoot(bad, 20_000))).toBe('E_IO_DECOMPRESS');
      const next = data(777, 11);
      expect(same(decoded(zs(next), 777), next)).toBe(true);
      expect(same(decoded(good, 20_000), original)).toBe(true);
    }
    expect(zstdNativeMode()).toBe(native ? 'reused' : 'none');
    // The message says what was expected and what came.
    expect(() => decompressRoot(block(badMagic), 20_000)).toThrow(/Expected a valid ZSTD frame of \d+ bytes|Expected a ZS block to decode to 20000 bytes, got/);
  });

  it('gives what Node\'s own decoder gives for concatenated frames, trailing bytes and a wrong size, and stays usable', () => {
    const a = data(3_000, 21);
    const b = data(2_000, 22);
    const two = Buffer.concat([frame(a, 3), frame(b, 3)]);
    const reference = (input: Uint8Array, size: number): Uint8Array => native
      ? (zlib as ZstdZlib & { zstdDecompressSync: (i: Uint8Array) => Buffer }).zstdDecompressSync(input)
      : wasmZstd.decompress(input, size);
    if (native) {
      expect(same(decompressZstd(two, 5_000), reference(two, 5_000))).toBe(true);
      const trailing = Buffer.concat([frame(a, 3), Buffer.from([1, 2, 3])]);
      expect(same(decompressZstd(trailing, 3_000), reference(trailing, 3_000))).toBe(true);
      // A frame longer than its stated size comes back whole (the caller's length check names both).
      expect(decompressZstd(frame(a, 3), 1_000).length).toBe(3_000);
      expect(decompressZstd(frame(a, 3), 4_000).length).toBe(3_000);
    }
    const understated = zs(a);
    understated.set([1_000 & 0xff, 1_000 >> 8, 0], 6);
    expect(codeOf(() => decompressRoot(understated, 1_000))).toBe('E_IO_DECOMPRESS');
    // The same block first in a payload of several (decoded into the output): the length error names both.
    const tail = zs(b);
    // (libzstd-wasm refuses a frame longer than its room: also E_IO_DECOMPRESS, named as a bad frame.)
    expect(() => decompressRoot(Buffer.concat([understated, tail]), 3_000))
      .toThrow(native ? /decode to 1000 bytes, got 3000/ : /Expected a valid ZSTD frame of \d+ bytes: libzstd \(WebAssembly\) could not decode/);
    const overstated = zs(a);
    overstated.set([4_000 & 0xff, 4_000 >> 8, 0], 6);
    expect(() => decompressRoot(Buffer.concat([overstated, tail]), 6_000)).toThrow(/decode to 4000 bytes, got 3000/);
    // A corrupt middle block of several is E_IO_DECOMPRESS, and the same payload made right decodes.
    const cutMiddle = zs(b).subarray(0, 40);
    cutMiddle.set([31, 0, 0], 3);
    expect(codeOf(() => decompressRoot(Buffer.concat([zs(a), cutMiddle, tail]), 7_000))).toBe('E_IO_DECOMPRESS');
    expect(same(decoded(Buffer.concat([zs(a), zs(b), tail]), 7_000), Buffer.concat([a, b, b]))).toBe(true);
    expect(same(decompressZstd(frame(a, 3), 3_000), a)).toBe(true);
    expect(zstdNativeMode()).toBe(native ? 'reused' : 'none');
  });
});

describe('ZSTD frames through libzstd in WebAssembly, with input and output regions kept per thread', () => {
  it('decodes every size right, after larger and smaller frames, without regrowing for sizes seen before', async () => {
    await loadZstdWasm();
    const sizes = [1, 300_000, 17, 70_000, 4_096, 0, 131_073, 90];
    const frames = sizes.map((size, i) => ({ original: data(size, i + 40), frame: wasmZstd.compress(data(size, i + 40), 5) }));
    const decodes = zstdWasmCounts.decodes;
    for (const { original, frame: f } of frames) expect(same(decompressZstdWasm(f, original.length), original)).toBe(true);
    const grows = zstdWasmCounts.grows;
    for (const { original, frame: f } of [...frames].reverse()) expect(same(decompressZstdWasm(f, original.length), original)).toBe(true);
    expect(zstdWasmCounts.grows).toBe(grows);
    expect(zstdWasmCounts.decodes - decodes).toBe(2 * frames.length);
    // Into a caller's buffer at an offset: only that range is written.
    const dest = new Uint8Array(70_010).fill(0xee);
    expect(decompressZstdWasmInto(frames[3]!.frame, dest, 5, 70_000)).toBe(70_000);
    expect(same(dest.subarray(5, 70_005), frames[3]!.original)).toBe(true);
    expect(dest[4]).toBe(0xee);
    expect(dest[70_005]).toBe(0xee);
    // Each output is its own buffer: a later decode does not change an earlier result.
    const first = decompressZstdWasm(frames[3]!.frame, 70_000);
    decompressZstdWasm(frames[6]!.frame, 131_073);
    expect(same(first, frames[3]!.original)).toBe(true);
  });

  it('throws for corrupt, cut and too-long frames, and decodes the next frame right', async () => {
    await loadZstdWasm();
    const original = data(20_000, 3);
    const good = wasmZstd.compress(original, 5);
    const badMagic = Uint8Array.from(good);
    badMagic[0] = badMagic[0]! ^ 0xff;
    for (const bad of [badMagic, good.subarray(0, good.length >> 1), good.subarray(0, good.length - 3)]) {
      expect(() => decompressZstdWasm(bad, 20_000)).toThrow(/could not decode/);
      expect(same(decompressZstdWasm(good, 20_000), original)).toBe(true);
    }
    expect(() => decompressZstdWasm(good, 19_999)).toThrow(/could not decode/);
    expect(decompressZstdWasm(good, 30_000).length).toBe(20_000);
    // Concatenated frames decode whole, as libzstd's one-shot call reads them.
    const twice = Buffer.concat([good, good]);
    expect(same(decompressZstdWasm(twice, 40_000), Buffer.concat([original, original]))).toBe(true);
  });
});

describeWithData('Parquet ZSTD pages through the same decoder', () => {
  it('decodes a pyarrow-written ZSTD file (V2 pages) through this thread\'s decoder, equal to its uncompressed twin', async () => {
    const dir = join(DATA_DIR, 'golden', 'gen', 'parquet');
    const read = async (name: string): Promise<Record<string, unknown>> => {
      await using source = await openParquet(join(dir, name));
      const names = source.branches.filter((b) => b.kind !== undefined).map((b) => b.name);
      expect(names.length).toBeGreaterThan(5);
      return source.read(names, 0, source.entries);
    };
    const before = native ? zstdReuseCounts.decodes : zstdWasmCounts.decodes;
    const zstd = await read('pagev2_zstd_dict1.parquet');
    const pages = (native ? zstdReuseCounts.decodes : zstdWasmCounts.decodes) - before;
    expect(pages).toBeGreaterThan(10);
    const plain = await read('pagev2_none_dict1.parquet');
    expect(Object.keys(zstd).sort()).toEqual(Object.keys(plain).sort());
    for (const [name, column] of Object.entries(plain)) expect(zstd[name], name).toEqual(column);
  });
});
