import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootCompressionOf } from '../src/io/decompress/index.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { writableCodecs } from './fixtures/rntuple/compress.ts';
import { DEMO_TREE_BRANCHES, demoTreeBranches, expectedColumn, writeDemoTree } from './fixtures/root/demo-tree.ts';
import { hasXz, writeTree, type TreeBranch } from './fixtures/root/write-tree.ts';

// TTrees written by the test writer (test/fixtures/root), the files bench/codecs.ts measures:
// every branch read back whole and in ranges that start and end inside baskets must equal the
// arrays written, for every codec — the read path's fast paths (one-block baskets, bulk
// byte swaps, jagged offsets) checked against known values rather than against another reader.

const EVENTS = 2_500;
const BASKET = 1_000; // baskets end at 1000, 2000, 2500: the ranges below start and stop inside them
const dir = mkdtempSync(join(tmpdir(), 'cortado-root-written-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const branches = demoTreeBranches(EVENTS, 11);

describe('TTrees written by the test writer', () => {
  for (const codec of writableCodecs) {
    it(`reads every branch of a ${codec} tree equal to the arrays written, whole and in ranges inside baskets`, async () => {
      const path = join(dir, `demo-${codec}.root`);
      writeDemoTree(path, branches, EVENTS, codec, BASKET);
      await using file = await openRootFile(path, { metadataCache: false });
      const tree = await file.tree('Events');
      expect(tree.entries).toBe(EVENTS);
      expect(tree.branches.map((b) => b.name)).toEqual([...DEMO_TREE_BRANCHES]);
      expect(tree.branches.find((b) => b.name === 'Muon_tightId')).toEqual({ name: 'Muon_tightId', kind: 'bool', jagged: true, counter: 'nMuon' });
      expect(tree.branches.find((b) => b.name === 'event')?.kind).toBe('uint64');
      const names = branches.map((b) => b.name);
      for (const [start, stop] of [[0, EVENTS], [350, 2_450], [999, 1_001], [2_499, 2_500], [10, 10]] as const) {
        const got = await tree.read(names, start, stop);
        for (const b of branches) expect(got[b.name], `${b.name} [${start}, ${stop})`).toEqual(expectedColumn(b, start, stop));
      }
      // The baskets really are stored with the codec (compressible branches: none of them raw).
      if (codec === 'lzma' && !hasXz) {
        // Without xz the writer's LZMA baskets are stored (uncompressed) xz chunks: values read, codec unchecked.
        if (process.env['CI']) throw new Error('the xz program is needed to write compressed LZMA baskets: apt-get install xz-utils');
        console.warn('root-written: LZMA compression not checked — the xz program is missing (apt-get install xz-utils)');
        return;
      }
      const bytes = readFileSync(path);
      for (const name of ['run', 'luminosityBlock', 'Muon_charge']) {
        for (const ref of tree.layout(name)!.baskets) {
          const kind = rootCompressionOf(bytes.subarray(ref.seek + bytes.readUInt16BE(ref.seek + 14), ref.seek + ref.bytes),
            bytes.readInt32BE(ref.seek + 6));
          expect(kind).toBe(codec);
        }
      }
    });
  }

  it('writes a tree whose record outgrows the writer\'s first 4 KiB buffer (40 branches), read back as written', async () => {
    // The buffer grew inside a string write, which then wrote into the buffer it replaced (a RangeError).
    const many: TreeBranch[] = Array.from({ length: 40 }, (_, i) => ({
      name: `branch_${i}`, type: 'F', values: Float32Array.from({ length: 10 }, (_, k) => i * 100 + k),
    }));
    const path = join(dir, 'many-branches.root');
    writeTree(path, many, { entries: 10, codec: 'none', basketEntries: 4 });
    await using file = await openRootFile(path, { metadataCache: false });
    const tree = await file.tree('Events');
    const got = await tree.read(many.map((b) => b.name), 0, 10);
    for (const b of many) expect(got[b.name], b.name).toEqual(b.values);
  });

  // Reads of exactly one basket hand out its decompressed bytes converted in place (no copy);
  // a basket kept for the next chunk must never be converted, or that chunk reads swapped bytes.
  for (const codec of ['zstd', 'lz4', 'none'] as const) {
    it(`reads whole baskets without a copy and keeps cached baskets intact (${codec})`, async () => {
      const path = join(dir, `chunks-${codec}.root`);
      writeDemoTree(path, branches, EVENTS, codec, BASKET);
      await using file = await openRootFile(path, { metadataCache: false });
      const tree = await file.tree('Events');
      const names = branches.map((b) => b.name);
      expect(tree.clusters).toEqual([0, 1_000, 2_000, 2_500]);
      for (const [start, stop] of [[0, 500], [0, 1_000], [500, 1_000], [1_000, 2_000], [1_000, 2_000], [2_000, 2_500],
        [1_500, 2_000], [0, 1_000]] as const) {
        const got = await tree.read(names, start, stop);
        for (const b of branches) expect(got[b.name], `${b.name} [${start}, ${stop})`).toEqual(expectedColumn(b, start, stop));
      }
    });
  }
});
