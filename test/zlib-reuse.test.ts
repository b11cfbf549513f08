/**
 * ZL blocks inflate through one native zlib context per thread, reset after each block (a warm
 * reopen of a small file decodes a handful of tiny baskets, and a new `node:zlib` stream per basket
 * was most of their cost). The context must give every block its own bytes whatever came before —
 * other sizes, other compression levels, other codecs in between — and a corrupt block must still
 * be a typed error that leaves the next block readable.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { decompressRoot } from '../src/io/decompress/index.ts';
import { inflateZlib, zlibInflater, zlibReuseCounts } from '../src/io/decompress/zlib.ts';
import { compressRoot, writableCodecs, type Codec } from './fixtures/rntuple/compress.ts';
import { compressibleBytes } from './fixtures/compressible.ts';

const data = compressibleBytes;

/** `original` as one ROOT ZL block (it must compress). */
function zl(original: Uint8Array): Uint8Array {
  const payload = compressRoot(original, 'zlib');
  expect(String.fromCharCode(payload[0]!, payload[1]!)).toBe('ZL');
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

describe('one reused zlib context per thread', () => {
  it('is what this Node uses (its zlib internals are as expected)', () => {
    expect(zlibInflater()).toBe('reused');
  });

  it('gives each block its bytes across sizes, levels and other codecs in between, without a new context', () => {
    zlibInflater(); // the context exists before counting
    const contexts = zlibReuseCounts.contexts;
    const inflates = zlibReuseCounts.inflates;
    const sizes = [1, 17, 63, 64, 65, 4_096, 70_000, 300_000, 90];
    const others = writableCodecs.filter((c): c is Exclude<Codec, 'none' | 'zlib'> => c !== 'none' && c !== 'zlib');
    let blocks = 0;
    for (const [i, size] of sizes.entries()) {
      const original = data(size, i + 1);
      for (const level of [1, 6, 9]) {
        const z = deflateSync(original, { level });
        const out = inflateZlib(z, size);
        expect(out.length).toBe(size);
        expect(same(out, original)).toBe(true);
        blocks++;
      }
      // A ROOT payload of the same data through decompressRoot, then another codec's block.
      const payload = compressRoot(original, 'zlib');
      if (payload !== original) {
        expect(same(decoded(payload, size), original)).toBe(true);
        blocks++;
      }
      const other = others[i % Math.max(1, others.length)];
      if (other) {
        const otherData = data(size + 7, i + 100);
        expect(same(decoded(compressRoot(otherData, other), otherData.length), otherData)).toBe(true);
      }
    }
    // A payload of several ZL blocks (ROOT splits baskets over 16 MiB; here by hand): one output.
    const parts = [data(1_000, 7), data(300, 8), data(5_000, 9)];
    const multi = Buffer.concat(parts.map(zl));
    expect(same(decoded(multi, 6_300), Buffer.concat(parts))).toBe(true);
    blocks += 3;
    expect(zlibReuseCounts.contexts).toBe(contexts);
    expect(zlibReuseCounts.inflates - inflates).toBe(blocks);
  });

  it('raises E_IO_DECOMPRESS for a corrupt block after a good one, and inflates the next block right', () => {
    const original = data(2_000, 3);
    const good = zl(original);
    expect(same(decoded(good, 2_000), original)).toBe(true);

    const flipped = Uint8Array.from(good);
    for (let i = 20; i < 40; i++) flipped[i] = flipped[i]! ^ 0x5a; // the deflate body, not the header
    const cut = Uint8Array.from(good.subarray(0, 9 + 30));
    cut.set([30, 0, 0], 3); // a consistent header over a stream cut short
    const badHeader = Uint8Array.from(good);
    badHeader[9] = 0x11; // not a zlib header
    for (const corrupt of [flipped, cut, badHeader]) {
      expect(codeOf(() => decompressRoot(corrupt, 2_000))).toBe('E_IO_DECOMPRESS');
      const next = data(777, 11);
      expect(same(decoded(zl(next), 777), next)).toBe(true);
      expect(same(decoded(good, 2_000), original)).toBe(true);
    }
    expect(zlibInflater()).toBe('reused');
    // The message says what was expected and what came.
    expect(() => decompressRoot(badHeader, 2_000)).toThrow(/Expected a valid zlib stream in a ZL block of \d+ bytes: incorrect header check/);
    expect(() => decompressRoot(cut, 2_000)).toThrow(/unexpected end of file/);
  });

  it('returns a stream longer than its header says whole (the length check names both), and stays usable', () => {
    const original = data(50_000, 5);
    const z = deflateSync(original);
    expect(inflateZlib(z, 1_000).length).toBe(50_000);
    const header = zl(original);
    const understated = Uint8Array.from(header);
    understated.set([1_000 & 0xff, 1_000 >> 8, 0], 6);
    expect(() => decompressRoot(understated, 1_000)).toThrow(/inflate to 1000 bytes, got 50000/);
    // A header that overstates the size: fewer bytes come out, and the caller says so.
    expect(inflateZlib(z, 60_000).length).toBe(50_000);
    expect(same(inflateZlib(z, 50_000), original)).toBe(true);
  });
});
