import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Column, JaggedColumn } from '../src/io/columns.ts';
import { IoError } from '../src/io/errors.ts';
import { openRootFile } from '../src/io/root/index.ts';
import type { BasketRef } from '../src/io/root/layout.ts';
import { writableCodecs } from './fixtures/rntuple/compress.ts';
import { expectedColumn } from './fixtures/root/demo-tree.ts';
import { hasXz, writeTree, type TreeBranch } from './fixtures/root/write-tree.ts';

// A read of exactly one basket (a chunk at a cluster boundary) turns the basket's own entry
// offsets into the column's item offsets where they lie and adopts its decompressed values;
// every other read fills one column basket by basket. These trees mix baskets stored raw
// (random values) with compressed ones (constant values), empty entries and a basket of empty
// entries only, so that a basket written to the wrong place, offsets counted from the wrong
// base, or a column sharing memory with a basket kept for the next read shows as a wrong value.

const BASKET = 300;
const ENTRIES = 4 * BASKET + 130; // a short last basket
const dir = mkdtempSync(join(tmpdir(), 'cortado-root-in-place-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Counts 0–12 (many 0s) in even baskets, 20–39 in odd ones, none at all in basket 2; values
 * constant in even baskets, random in odd ones (`r`: random bits, which no codec compresses).
 */
function branches(): TreeBranch[] {
  // mulberry32: bits random enough that no codec compresses them (a plain LCG's low bits repeat).
  let seed = 12345;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const counts = new Uint32Array(ENTRIES);
  for (let i = 0; i < ENTRIES; i++) {
    const basket = Math.floor(i / BASKET);
    counts[i] = basket === 2 || random() < 0.25 ? 0 : basket % 2 === 1 ? 20 + Math.floor(random() * 20) : Math.floor(random() * 13);
  }
  const offsets = new Int32Array(ENTRIES + 1);
  for (let i = 0; i < ENTRIES; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
  const total = offsets[ENTRIES]!;
  const x = new Float32Array(total);
  const d = new Float64Array(total);
  const q = new Int16Array(total);
  const r = new Int32Array(total);
  for (let i = 0; i < ENTRIES; i++) {
    const odd = Math.floor(i / BASKET) % 2 === 1;
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) {
      x[j] = odd ? random() * 1e6 - 5e5 : 1.5;
      d[j] = odd ? random() * 1e9 : -2.25;
      q[j] = odd ? Math.floor(random() * 65_536) - 32_768 : 7;
      r[j] = odd ? Math.floor(random() * 2 ** 32) | 0 : -1;
    }
  }
  const flat = new Float64Array(ENTRIES);
  const bits = new Int32Array(ENTRIES);
  for (let i = 0; i < ENTRIES; i++) {
    const odd = Math.floor(i / BASKET) % 2 === 1;
    flat[i] = odd ? random() * 1e9 : 3;
    bits[i] = odd ? Math.floor(random() * 2 ** 32) | 0 : 5;
  }
  const jagged = { counter: 'n', offsets };
  return [
    { name: 'n', type: 'i', values: counts },
    { name: 'x', type: 'F', values: x, ...jagged },
    { name: 'd', type: 'D', values: d, ...jagged },
    { name: 'q', type: 'S', values: q, ...jagged },
    { name: 'r', type: 'I', values: r, ...jagged },
    { name: 'flat', type: 'D', values: flat },
    { name: 'bits', type: 'I', values: bits },
  ];
}

/** Whether each basket of a branch is stored raw (its payload as long as the key says it decompresses to). */
function rawBaskets(file: Buffer, baskets: readonly BasketRef[]): boolean[] {
  return baskets.map((ref) => ref.bytes - file.readUInt16BE(ref.seek + 14) === file.readInt32BE(ref.seek + 6));
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Every typed array of a column. */
function arraysOf(column: Column): ArrayBufferView[] {
  return ArrayBuffer.isView(column) ? [column] : [(column as JaggedColumn).offsets, (column as JaggedColumn).values];
}

const written = branches();
const names = written.map((b) => b.name);

describe('ROOT reads that convert baskets in place', () => {
  for (const codec of writableCodecs) {
    it(`reads a ${codec} tree of raw and compressed baskets and empty entries equal to the arrays written, over every kind of range`, async () => {
      const path = join(dir, `mixed-${codec}.root`);
      writeTree(path, written, { entries: ENTRIES, codec, basketEntries: BASKET });
      await using file = await openRootFile(path, { metadataCache: false });
      const tree = await file.tree('Events');
      const bytes = readFileSync(path);
      // The random baskets are stored raw between compressed ones: jagged (`r`) where the codec
      // leaves random bits raw despite the entry offsets after them, flat (`bits`) for zlib and
      // xz, which squeeze the offsets enough; LZMA without the xz program stores every basket.
      const rawOf = (name: string): boolean[] => rawBaskets(bytes, tree.layout(name)!.baskets);
      const mixed = [false, true, false, true, false];
      if (codec === 'none') expect(rawOf('r')).toEqual([true, true, true, true, true]);
      else if (codec === 'lz4' || codec === 'zstd') expect(rawOf('r')).toEqual(mixed);
      else if (codec === 'zlib' || hasXz) expect(rawOf('bits')).toEqual(mixed);
      const cuts = [0, BASKET, 2 * BASKET, 3 * BASKET, 4 * BASKET, ENTRIES];
      const ranges: [number, number][] = [];
      // Each basket alone (the in-place path), then runs of several baskets, then ranges that
      // start or end inside a basket, a range inside the basket of empty entries, empty ranges.
      for (let k = 0; k + 1 < cuts.length; k++) ranges.push([cuts[k]!, cuts[k + 1]!]);
      ranges.push([0, ENTRIES], [BASKET, 3 * BASKET], [BASKET / 2, 2 * BASKET], [BASKET, BASKET + 7],
        [2 * BASKET + 5, 2 * BASKET + 50], [3 * BASKET - 1, 4 * BASKET + 1], [ENTRIES - 1, ENTRIES], [BASKET, BASKET]);
      for (const [start, stop] of ranges) {
        const got = await tree.read(names, start, stop);
        for (const b of written) expect(got[b.name], `${codec} ${b.name} [${start}, ${stop})`).toEqual(expectedColumn(b, start, stop));
      }
    });
  }

  it('hands out columns that share memory with nothing read later, nor with each other', async () => {
    const path = join(dir, 'alias.root');
    writeTree(path, written, { entries: ENTRIES, codec: 'lz4', basketEntries: BASKET });
    await using file = await openRootFile(path, { metadataCache: false });
    const tree = await file.tree('Events');
    for (const [start, stop] of [[0, BASKET], [BASKET, 2 * BASKET], [4 * BASKET, ENTRIES]] as const) {
      const first = await tree.read(names, start, stop);
      const firstArrays = names.flatMap((n) => arraysOf(first[n]!));
      // Each column's arrays are its own: overwrite them all, then read the same basket again.
      for (const a of firstArrays) bytesOf(a).fill(0xa5);
      const again = await tree.read(names, start, stop);
      for (const b of written) expect(again[b.name], `${b.name} [${start}, ${stop}) after overwriting the first read`).toEqual(expectedColumn(b, start, stop));
      // No two arrays handed out overlap (columns of one read, or of two reads).
      const all = [...firstArrays, ...names.flatMap((n) => arraysOf(again[n]!))];
      for (let i = 0; i < all.length; i++) {
        for (let j = i + 1; j < all.length; j++) {
          const [a, b] = [all[i]!, all[j]!];
          const overlap = a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
          expect(overlap, `arrays ${i} and ${j} of [${start}, ${stop}) overlap`).toBe(false);
        }
      }
    }
  });

  it('never converts a basket kept for the next read: a part, the whole basket, then the rest read right', async () => {
    const path = join(dir, 'kept.root');
    writeTree(path, written, { entries: ENTRIES, codec: 'zstd', basketEntries: BASKET });
    await using file = await openRootFile(path, { metadataCache: false });
    const tree = await file.tree('Events');
    for (const [start, stop] of [[BASKET, BASKET + 40], [BASKET, 2 * BASKET], [BASKET + 40, 2 * BASKET], [BASKET, 2 * BASKET],
      [3 * BASKET + 10, 3 * BASKET + 20], [3 * BASKET, 4 * BASKET], [3 * BASKET + 20, 4 * BASKET]] as const) {
      const got = await tree.read(names, start, stop);
      for (const b of written) expect(got[b.name], `${b.name} [${start}, ${stop})`).toEqual(expectedColumn(b, start, stop));
    }
  });

  it('rejects a raw basket whose entry offsets run backwards as E_IO_MALFORMED naming the entry, for a read of that basket alone', async () => {
    const path = join(dir, 'corrupt.root');
    writeTree(path, written, { entries: ENTRIES, codec: 'lz4', basketEntries: BASKET });
    const bytes = readFileSync(path);
    const copy = join(dir, 'corrupt-copy.root');
    {
      await using file = await openRootFile(path, { metadataCache: false });
      const tree = await file.tree('Events');
      // Basket 1 of `x` is stored raw: its entry offsets lie in the file as written, after the
      // data and their count (fLast - fKeylen bytes into the payload).
      const ref = tree.layout('x')!.baskets[1]!;
      expect(rawBaskets(bytes, [ref])).toEqual([true]);
      const keylen = bytes.readUInt16BE(ref.seek + 14);
      const last = bytes.readInt32BE(ref.seek + keylen - 19 + 14);
      const at = ref.seek + last + 4 + 4 * 10; // entry 10's offset
      bytes.writeInt32BE(bytes.readInt32BE(at) + 1_000_000, at);
      writeFileSync(copy, bytes);
    }
    await using file = await openRootFile(copy, { metadataCache: false });
    const tree = await file.tree('Events');
    const error = await tree.read(['x'], BASKET, 2 * BASKET).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_MALFORMED');
    expect((error as IoError).message).toMatch(/entry 30[89]/);
    // The other baskets and branches still read.
    expect((await tree.read(['x'], 0, BASKET)).x).toEqual(expectedColumn(written[1]!, 0, BASKET));
    expect((await tree.read(['d'], BASKET, 2 * BASKET)).d).toEqual(expectedColumn(written[2]!, BASKET, 2 * BASKET));
  });
});
