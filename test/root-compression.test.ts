import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Column } from '../src/io/columns.ts';
import { decompressRoot, lz4DecodeBlock, rootCompressionOf } from '../src/io/decompress/index.ts';
import { xxhash64 } from '../src/io/decompress/xxhash.ts';
import type { IoError } from '../src/io/errors.ts';
import { openRootFile, type RootTree } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const ALGORITHMS = ['zlib', 'lz4', 'lzma', 'zstd'] as const;
const SAMPLES = ['uproot-HZZ', 'uproot-Zmumu'] as const;
const path = (sample: string, variant: string): string => join(DATA_DIR, 'compression', `${sample}-${variant}.root`);

async function readAll(tree: RootTree): Promise<Record<string, Column>> {
  return tree.read(tree.branches.map((b) => b.name), 0, tree.entries);
}

describeWithData('ROOT compression', () => {
  for (const sample of SAMPLES) {
    for (const algorithm of ALGORITHMS) {
      it(`reads every branch of ${sample}-${algorithm} identical to its uncompressed twin`, async () => {
        await using plainFile = await openRootFile(path(sample, 'uncompressed'));
        await using packedFile = await openRootFile(path(sample, algorithm));
        const plain = await plainFile.tree('events');
        const packed = await packedFile.tree('events');
        expect(packed.entries).toBe(plain.entries);
        expect(packed.branches).toEqual(plain.branches);
        expect(packed.branches.length).toBeGreaterThan(0);
        expect(await readAll(packed)).toEqual(await readAll(plain));
        // Unreadable branches too (Zmumu's string branch `Type`): their decompressed baskets agree.
        expect(packed.allBranchNames()).toEqual(plain.allBranchNames());
        for (const name of packed.allBranchNames()) {
          const a = await packed.basketData(name);
          const b = await plain.basketData(name);
          expect(a.map((x) => Buffer.from(x).toString('hex'))).toEqual(b.map((x) => Buffer.from(x).toString('hex')));
        }
      });

      it(`finds ${algorithm} blocks in the baskets of ${sample}-${algorithm}`, async () => {
        await using file = await openRootFile(path(sample, algorithm));
        const tree = await file.tree('events');
        const seen = new Set<string>();
        const { readFileSync } = await import('node:fs');
        const bytes = readFileSync(path(sample, algorithm));
        for (const name of tree.allBranchNames()) {
          for (const ref of tree.layout(name)?.baskets ?? []) {
            const keylen = bytes.readUInt16BE(ref.seek + 14);
            const objlen = bytes.readInt32BE(ref.seek + 6);
            const kind = rootCompressionOf(bytes.subarray(ref.seek + keylen, ref.seek + ref.bytes), objlen);
            if (kind) seen.add(kind);
          }
        }
        expect(seen.has(algorithm)).toBe(true);
        expect([...seen].every((k) => k === algorithm || k === 'none')).toBe(true);
      });
    }
  }

  it('reports a flipped byte in an LZ4 basket as E_IO_CHECKSUM naming the file and the branch', async () => {
    const { readFileSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const original = path('uproot-HZZ', 'lz4');
    let target: { name: string; at: number } | undefined;
    {
      await using file = await openRootFile(original);
      const tree = await file.tree('events');
      const bytes = readFileSync(original);
      for (const name of tree.branches.map((b) => b.name)) {
        const ref = tree.layout(name)?.baskets[0];
        if (!ref) continue;
        const keylen = bytes.readUInt16BE(ref.seek + 14);
        if (bytes.toString('latin1', ref.seek + keylen, ref.seek + keylen + 2) !== 'L4') continue;
        target = { name, at: ref.seek + keylen + 9 + 8 + 20 }; // inside the LZ4 data, past the checksum
        break;
      }
    }
    expect(target).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'cortado-lz4-'));
    try {
      const corrupt = join(dir, 'flipped.root');
      const bytes = readFileSync(original);
      bytes[target!.at] = bytes[target!.at]! ^ 0x01;
      writeFileSync(corrupt, bytes);
      await using file = await openRootFile(corrupt, { metadataCache: false });
      const tree = await file.tree('events');
      const error = await tree.read([target!.name], 0, tree.entries).catch((e: unknown) => e);
      expect((error as IoError).code).toBe('E_IO_CHECKSUM');
      expect((error as IoError).details.branch).toBe(target!.name);
      expect((error as IoError).path).toBe(corrupt);
      expect((error as IoError).message).toContain(corrupt);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

describe('ROOT compression blocks', () => {
  const text = new TextEncoder().encode('cortado reads ROOT baskets natively. '.repeat(40));

  it('decompresses a payload made of several blocks of different algorithms', () => {
    const half = text.length / 2;
    const a = text.subarray(0, half);
    const b = text.subarray(half);
    const payload = Buffer.concat([block('ZL', deflateSync(a), a.length), block('ZS', zstdLiteral(b), b.length)]);
    expect(Buffer.from(decompressRoot(payload, text.length) as Uint8Array)).toEqual(Buffer.from(text));
  });

  it('decodes an LZ4 block with overlapping matches', () => {
    // literals "abc", then a match of 9 bytes at offset 3: "abcabcabcabc"
    const lz4 = new Uint8Array([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x00]);
    const out = new Uint8Array(12);
    expect(lz4DecodeBlock(lz4, 0, 6, out, 0, 12)).toBe(12);
    expect(new TextDecoder().decode(out)).toBe('abcabcabcabc');
    // In a ROOT block, with the closing literals-only sequence the format requires ("!").
    const valid = new Uint8Array([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x21]);
    const payload = block('L4', Buffer.concat([checksum(valid), valid]), 13);
    expect(new TextDecoder().decode(decompressRoot(payload, 13) as Uint8Array)).toBe('abcabcabcabc!');
  });

  it('verifies the xxhash64 of an L4 block: a flipped byte is E_IO_CHECKSUM, not altered values', () => {
    expect(xxhash64(new Uint8Array(0))).toBe(0xef46db3751d8e999n); // the reference value of XXH64("", 0)
    const lz4 = new Uint8Array([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x21]);
    const payload = block('L4', Buffer.concat([checksum(lz4), lz4]), 13);
    expect(new TextDecoder().decode(decompressRoot(payload, 13) as Uint8Array)).toBe('abcabcabcabc!');
    payload[9 + 8 + 2] = 0x7a; // "abc" becomes "azc": still a valid LZ4 block
    let error: unknown;
    try {
      decompressRoot(payload, 13);
    } catch (e) {
      error = e;
    }
    expect((error as IoError).code).toBe('E_IO_CHECKSUM');
  });

  it('returns a payload as is when it already has the expected size (stored raw)', () => {
    expect(decompressRoot(text, text.length)).toBe(text);
  });

  it('rejects an unknown block tag, a short payload and corrupt zlib with E_IO_DECOMPRESS', () => {
    const code = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (error) {
        return (error as IoError).code;
      }
      return 'no error';
    };
    expect(code(() => decompressRoot(block('QQ', new Uint8Array(4), 8), 8))).toBe('E_IO_DECOMPRESS');
    expect(code(() => decompressRoot(block('ZL', deflateSync(text), text.length).subarray(0, 20), text.length)))
      .toBe('E_IO_DECOMPRESS');
    const bad = block('ZL', deflateSync(text), text.length);
    bad.fill(0x55, 12, 30);
    expect(code(() => decompressRoot(bad, text.length))).toBe('E_IO_DECOMPRESS');
    expect(code(() => lz4DecodeBlock(new Uint8Array([0x10, 0x61, 0x09, 0x00]), 0, 4, new Uint8Array(8), 0, 8)))
      .not.toBe('no error');
  });
});

/** The big-endian xxhash64 that precedes an L4 block's data. */
function checksum(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, xxhash64(data), false);
  return out;
}

/** A ZSTD frame holding `data` as one raw block (no compression), built by hand. */
function zstdLiteral(data: Uint8Array): Uint8Array {
  // magic, frame header: single segment, 2-byte content size (FCS field size flag 1 → size - 256)
  const fhd = 0b0110_0000; // FCS flag 1 (2 bytes), single segment
  const size = data.length - 256;
  const header = [0x28, 0xb5, 0x2f, 0xfd, fhd, size & 0xff, size >> 8];
  const blockHeader = ((data.length << 3) | (0 << 1) | 1) >>> 0; // last block, raw
  return Buffer.concat([new Uint8Array(header), new Uint8Array([blockHeader & 0xff, (blockHeader >> 8) & 0xff, blockHeader >> 16]), data]);
}
