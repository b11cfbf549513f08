import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Column } from '../src/io/columns.ts';
import { rootCompressionOf } from '../src/io/decompress/index.ts';
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
});
