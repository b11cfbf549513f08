/**
 * zlib and ZSTD baskets of a branch without entry offsets decompress straight into the column a
 * read fills (`decompressRootInto`), then swap to native order where they lie: no buffer per
 * basket and no copy of it. The decoders write at any offset of the column, block after block of a
 * payload, and need one byte to spare after it (the last basket of a read takes the usual path);
 * what they cannot decode this way (raw, LZ4, LZMA) they leave untouched for that path, and a
 * corrupt basket is still `E_IO_DECOMPRESS` naming the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decompressRootInto } from '../src/io/decompress/blocks.ts';
import { decompressRoot, zstdDecoder } from '../src/io/decompress/index.ts';
import { zlibInflater, zlibReuseCounts } from '../src/io/decompress/zlib.ts';
import { zstdNativeMode, zstdReuseCounts } from '../src/io/decompress/zstd-native.ts';
import { zstdWasmCounts } from '../src/io/decompress/zstd-wasm.ts';
import { IoError } from '../src/io/errors.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { compressRoot } from './fixtures/rntuple/compress.ts';
import { expectedColumn } from './fixtures/root/demo-tree.ts';
import { writeTree, type TreeBranch } from './fixtures/root/write-tree.ts';
import { compressibleBytes } from './fixtures/compressible.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-into-destination-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = compressibleBytes;

/** `pieces` as one ROOT payload of several compression blocks (as ROOT splits baskets over 16 MiB). */
function payload(pieces: readonly Uint8Array[], codec: 'zlib' | 'zstd' | 'lz4'): Uint8Array {
  const blocks = pieces.map((p) => compressRoot(p, codec));
  for (const b of blocks) expect(String.fromCharCode(b[0]!, b[1]!)).toBe({ zlib: 'ZL', zstd: 'ZS', lz4: 'L4' }[codec]);
  return Buffer.concat(blocks);
}

/** Decodes per codec through a reused context (or the kept WebAssembly regions), as counted. */
function decodes(codec: 'zlib' | 'zstd'): number {
  if (codec === 'zlib') return zlibInflater() === 'reused' ? zlibReuseCounts.intoDestination : -1;
  if (zstdDecoder === 'wasm') return zstdWasmCounts.decodes;
  return zstdNativeMode() === 'reused' ? zstdReuseCounts.intoDestination : -1;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(IoError);
    return (error as IoError).code;
  }
  return undefined;
}

describe('decompressRootInto', () => {
  for (const codec of ['zlib', 'zstd'] as const) {
    it(`decodes a ${codec} payload of several blocks straight into a buffer at odd offsets, nothing before it touched`, () => {
      const pieces = [data(40_000, 1), data(1_001, 2), data(123_457, 3), data(3_001, 4)];
      const whole = Buffer.concat(pieces);
      const src = payload(pieces, codec);
      for (const offset of [0, 1, 3, 7, 4_099]) {
        const dest = new Uint8Array(offset + whole.length + 5).fill(0xee);
        const before = decodes(codec);
        expect(decompressRootInto(src, whole.length, dest, offset)).toBe(true);
        expect(Buffer.from(dest.subarray(offset, offset + whole.length)).equals(whole)).toBe(true);
        expect(dest.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        // Each block through the reused context (or the kept regions), none through a fresh buffer.
        if (before >= 0) expect(decodes(codec) - before).toBe(pieces.length);
      }
    });

    it(`leaves a ${codec} payload without a byte to spare after it to decompressRoot, writing nothing`, () => {
      const original = data(20_000, 5);
      const src = payload([original], codec);
      const dest = new Uint8Array(3 + original.length).fill(0xee);
      expect(decompressRootInto(src, original.length, dest, 3)).toBe(false);
      expect(dest.every((b) => b === 0xee)).toBe(true);
    });

    it(`rejects a corrupt ${codec} block as E_IO_DECOMPRESS, and one longer than its header says`, () => {
      const pieces = [data(30_000, 6), data(30_000, 7)];
      const src = payload(pieces, codec);
      const dest = new Uint8Array(60_001);
      // The second block's body starts with its stream header (zlib's CMF/FLG, ZSTD's magic).
      const second = 9 + (src[3]! | (src[4]! << 8) | (src[5]! << 16));
      const corrupt = Uint8Array.from(src);
      corrupt.fill(0, second + 9, second + 9 + 8);
      expect(codeOf(() => decompressRootInto(corrupt, 60_000, dest, 0))).toBe('E_IO_DECOMPRESS');
      // The first block's header says 100 bytes fewer than it holds (the payload 100 bytes shorter).
      const short = Uint8Array.from(src);
      const usize = 30_000 - 100;
      short.set([usize & 0xff, (usize >> 8) & 0xff, usize >> 16], 6);
      // (libzstd in WebAssembly, on Nodes without node:zlib ZSTD, fails a frame longer than its room.)
      const longer = codec === 'zlib' ? /Expected a ZL block to inflate to 29900 bytes, got 30000/
        : zstdDecoder === 'wasm' ? /Expected a valid ZSTD frame of \d+ bytes: libzstd/ : /Expected a ZS block to decode to 29900 bytes, got 30000/;
      expect(codeOf(() => decompressRootInto(short, 60_000 - 100, dest, 0))).toBe('E_IO_DECOMPRESS');
      expect(() => decompressRootInto(short, 60_000 - 100, dest, 0)).toThrow(longer);
      // The next payload still decodes right.
      expect(decompressRootInto(src, 60_000, dest, 0)).toBe(true);
      expect(Buffer.from(dest.subarray(0, 60_000)).equals(Buffer.concat(pieces))).toBe(true);
    });
  }

  it('leaves raw and LZ4 payloads to decompressRoot; decodes a later block of another algorithm on its own', () => {
    const original = data(10_000, 8);
    const dest = new Uint8Array(20_001).fill(0xee);
    expect(decompressRootInto(original, original.length, dest, 0)).toBe(false);
    expect(decompressRootInto(payload([original], 'lz4'), original.length, dest, 0)).toBe(false);
    expect(dest.every((b) => b === 0xee)).toBe(true);
    const mixed = Buffer.concat([payload([original], 'zstd'), payload([data(10_000, 9)], 'lz4')]);
    expect(decompressRootInto(mixed, 20_000, dest, 0)).toBe(true);
    expect(Buffer.from(dest.subarray(0, 20_000)).equals(decompressRoot(mixed, 20_000) as Uint8Array)).toBe(true);
  });
});

// A tree of flat branches of every value size whose values differ byte by byte, so that a basket
// decoded to the wrong place, not swapped, or swapped twice shows as a wrong value.
const BASKET = 1_000;
const ENTRIES = 5 * BASKET + 321;

/** Item offsets of `ENTRIES` entries of 0–4 items (every seventh empty; entry 1000 holds 3). */
function itemOffsets(): Int32Array {
  const offsets = new Int32Array(ENTRIES + 1);
  for (let i = 0; i < ENTRIES; i++) offsets[i + 1] = offsets[i]! + (i === BASKET ? 3 : i % 7 === 0 ? 0 : (i * 5) % 4 + 1);
  return offsets;
}

function branches(): TreeBranch[] {
  const offsets = itemOffsets();
  const items = offsets[ENTRIES]!;
  const counts = new Int32Array(ENTRIES);
  for (let i = 0; i < ENTRIES; i++) counts[i] = offsets[i + 1]! - offsets[i]!;
  const js = new Int16Array(items);
  const jf = new Float32Array(items);
  const jd = new Float64Array(items);
  for (let j = 0; j < items; j++) {
    js[j] = (j % 250) * 101 - 12_000;
    jf[j] = (j % 60) * 0.75 - 11.5;
    jd[j] = (j % 45) * 9_876.5 - 3.25;
  }
  const jagged = { counter: 'nj', offsets };
  const b = new Int8Array(ENTRIES);
  const s = new Int16Array(ENTRIES);
  const f = new Float32Array(ENTRIES);
  const d = new Float64Array(ENTRIES);
  const l = new BigInt64Array(ENTRIES);
  for (let i = 0; i < ENTRIES; i++) {
    b[i] = (i % 7) - 3;
    s[i] = (i % 300) * 97 - 14_000;
    f[i] = (i % 50) * 1.25 - 20.5;
    d[i] = (i % 40) * 1_234.5678 + 0.001;
    l[i] = BigInt(i % 30) * 1_000_000_007n - 5n;
  }
  return [
    { name: 'b', type: 'B', values: b },
    { name: 's', type: 'S', values: s },
    { name: 'f', type: 'F', values: f },
    { name: 'd', type: 'D', values: d },
    { name: 'l', type: 'L', values: l },
    { name: 'nj', type: 'I', values: counts },
    { name: 'js', type: 'S', values: js, ...jagged },
    { name: 'jf', type: 'F', values: jf, ...jagged },
    { name: 'jd', type: 'D', values: jd, ...jagged },
  ];
}

const written = branches();
const names = written.map((b) => b.name);

describe('ROOT reads that decompress baskets into the column', () => {
  for (const codec of ['zlib', 'zstd'] as const) {
    it(`reads a ${codec} tree of several baskets per branch equal to the arrays written, every basket but the last into the column`, async () => {
      const path = join(dir, `flat-${codec}.root`);
      writeTree(path, written, { entries: ENTRIES, codec, basketEntries: BASKET });
      await using file = await openRootFile(path, { metadataCache: false });
      const tree = await file.tree('Events');
      const ranges: [number, number][] = [[0, ENTRIES], [BASKET / 2, ENTRIES], [BASKET, 4 * BASKET], [0, 2 * BASKET + 1], [BASKET, 2 * BASKET]];
      // Of a whole read, baskets 0–4 of each branch go into the column when compressed and when
      // their whole payload fits before the column's end (a jagged basket's entry offsets follow its
      // values); the short last one the usual way.
      const bytes = readFileSync(path);
      let into = 0;
      for (const name of names) {
        const refs = tree.layout(name)!.baskets;
        const dataBytes = refs.map((ref) => bytes.readInt32BE(ref.seek + bytes.readUInt16BE(ref.seek + 14) - 19 + 14) - bytes.readUInt16BE(ref.seek + 14));
        const columnBytes = dataBytes.reduce((a, b) => a + b, 0);
        for (let k = 0, at = 0; k < 5; at += dataBytes[k]!, k++) {
          const keylen = bytes.readUInt16BE(refs[k]!.seek + 14);
          const objlen = bytes.readInt32BE(refs[k]!.seek + 6);
          if (refs[k]!.bytes - keylen !== objlen && at + objlen < columnBytes) into++;
        }
      }
      expect(into).toBeGreaterThan(4 * names.length);
      // (On Node 20 the WebAssembly ZSTD counts every frame, not those decoded into a given buffer.)
      const counted = codec === 'zlib' || zstdDecoder !== 'wasm';
      for (const [start, stop] of ranges) {
        const before = decodes(codec);
        const got = await tree.read(names, start, stop);
        for (const b of written) expect(got[b.name], `${codec} ${b.name} [${start}, ${stop})`).toEqual(expectedColumn(b, start, stop));
        if (counted && before >= 0 && start === 0 && stop === ENTRIES) expect(decodes(codec) - before).toBe(into);
      }
    });

    it(`rejects a corrupt ${codec} basket decoded into the column as E_IO_DECOMPRESS naming the file and branch`, async () => {
      const path = join(dir, `corrupt-${codec}.root`);
      writeTree(path, written, { entries: ENTRIES, codec, basketEntries: BASKET });
      const bytes = readFileSync(path);
      const copy = join(dir, `corrupt-${codec}-copy.root`);
      {
        await using file = await openRootFile(path, { metadataCache: false });
        const tree = await file.tree('Events');
        for (const name of ['d', 'jf']) {
          const ref = tree.layout(name)!.baskets[1]!;
          const keylen = bytes.readUInt16BE(ref.seek + 14);
          expect(ref.bytes - keylen).toBeLessThan(bytes.readInt32BE(ref.seek + 6)); // compressed
          // Its stream header (after the 9-byte block header) zeroed.
          bytes.fill(0, ref.seek + keylen + 9, ref.seek + keylen + 9 + 8);
        }
        writeFileSync(copy, bytes);
      }
      await using file = await openRootFile(copy, { metadataCache: false });
      const tree = await file.tree('Events');
      for (const name of ['d', 'jf']) {
        const error = await tree.read([name], 0, ENTRIES).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(IoError);
        expect((error as IoError).code).toBe('E_IO_DECOMPRESS');
        expect((error as IoError).message).toContain(copy);
        expect((error as IoError).message).toContain(`basket 1 of branch ${name} `);
      }
      // The other branches still read whole.
      expect((await tree.read(['f'], 0, ENTRIES)).f).toEqual(expectedColumn(written[2]!, 0, ENTRIES));
    });
  }

  it('reads a jagged branch again the usual way when a basket\'s entries do not fill its data (its values then come out as the entries say)', async () => {
    // Basket 1 of `r` holds random bits, stored raw between ZSTD baskets; its first entry's
    // offset is moved one value on, so that value belongs to no entry: the values array sized from
    // the keys is one value too long, and the read starts over without it.
    // 30 items an entry in basket 1, so that its random bits outweigh its entry offsets.
    const counts = new Int32Array(ENTRIES);
    const base = itemOffsets();
    for (let i = 0; i < ENTRIES; i++) counts[i] = i >= BASKET && i < 2 * BASKET ? 30 : base[i + 1]! - base[i]!;
    const offsets = new Int32Array(ENTRIES + 1);
    for (let i = 0; i < ENTRIES; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
    const r = new Int32Array(offsets[ENTRIES]!);
    let x = 7;
    for (let j = 0; j < r.length; j++) {
      x = (Math.imul(x, 1_103_515_245) + 12_345) | 0;
      r[j] = j >= offsets[BASKET]! && j < offsets[2 * BASKET]! ? x ^ (x >>> 13) : j % 9;
    }
    const tree2: TreeBranch[] = [{ name: 'nr', type: 'I', values: counts }, { name: 'r', type: 'I', values: r, counter: 'nr', offsets }];
    const path = join(dir, 'unfilled.root');
    writeTree(path, tree2, { entries: ENTRIES, codec: 'zstd', basketEntries: BASKET });
    const bytes = readFileSync(path);
    {
      await using file = await openRootFile(path, { metadataCache: false });
      const ref = (await file.tree('Events')).layout('r')!.baskets[1]!;
      const keylen = bytes.readUInt16BE(ref.seek + 14);
      expect(ref.bytes - keylen).toBe(bytes.readInt32BE(ref.seek + 6)); // stored raw
      const last = bytes.readInt32BE(ref.seek + keylen - 19 + 14);
      const at = ref.seek + last + 4; // entry 1000's offset, after the count
      bytes.writeInt32BE(bytes.readInt32BE(at) + 4, at);
    }
    const copy = join(dir, 'unfilled-copy.root');
    writeFileSync(copy, bytes);
    await using file = await openRootFile(copy, { metadataCache: false });
    const tree = await file.tree('Events');
    const dropped = offsets[BASKET]!;
    const values = Int32Array.from([...r.subarray(0, dropped), ...r.subarray(dropped + 1)]);
    const shifted = Int32Array.from(offsets, (o, i) => (i > BASKET ? o - 1 : o));
    const before = decodes('zstd');
    expect((await tree.read(['r'], 0, ENTRIES)).r).toEqual({ offsets: shifted, values });
    // Basket 0 went into the values array of the first try, then was decoded again.
    if (before >= 0 && zstdDecoder !== 'wasm') expect(decodes('zstd') - before).toBeGreaterThanOrEqual(1);
  });
});
