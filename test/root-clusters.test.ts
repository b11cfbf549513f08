import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterBoundaries, type BasketStartsSource } from '../src/io/root/clusters.ts';
import { RootCursor } from '../src/io/root/cursor.ts';
import { openRootFile } from '../src/io/root/index.ts';
import type { BranchLayout } from '../src/io/root/layout.ts';
import { readTreeMeta } from '../src/io/root/metadata.ts';
import { RecordError } from '../src/io/root/objects.ts';
import { writeTree } from './fixtures/root/write-tree.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

/** A tree of branches given as basket starts, readable or not, that counts the layouts it streams. */
function fakeBranches(branches: Record<string, { starts: number[]; readable: boolean }>): BasketStartsSource & { streamed: string[] } {
  const streamed: string[] = [];
  return {
    streamed,
    keys: () => Object.keys(branches),
    basketStarts: (name) => branches[name]?.starts,
    get: (name) => {
      const branch = branches[name];
      if (!branch) return undefined;
      streamed.push(name);
      return { name, kind: branch.readable ? 'float32' : undefined } as BranchLayout;
    },
  };
}

describe('cluster boundaries without cluster ranges', () => {
  it('cuts where every readable branch starts a basket, ignoring unreadable branches', () => {
    const source = fakeBranches({
      a: { starts: [0, 10, 20, 30], readable: true },
      b: { starts: [0, 10, 30], readable: true },
      s: { starts: [0, 30], readable: false },
    });
    expect(clusterBoundaries({ fEntries: 40, fAutoFlush: -30000000 }, source)).toEqual([0, 10, 30, 40]);
  });

  it('streams only one branch when all branches share their basket starts', () => {
    const source = fakeBranches({
      a: { starts: [0, 10, 20], readable: true },
      b: { starts: [0, 10, 20], readable: true },
      c: { starts: [0, 10, 20], readable: true },
    });
    expect(clusterBoundaries({ fEntries: 25 }, source)).toEqual([0, 10, 20, 25]);
    expect(source.streamed).toEqual(['a']);
  });

  it('streams branches missing starts fewest first, and only until no start is left', () => {
    const source = fakeBranches({
      a: { starts: [0, 10, 20], readable: true },
      b: { starts: [0, 10], readable: true },
      s: { starts: [0], readable: false },
      c: { starts: [0], readable: true },
      d: { starts: [0], readable: true },
    });
    expect(clusterBoundaries({ fEntries: 30 }, source)).toEqual([0, 30]);
    expect(source.streamed).toEqual(['s', 'c']);
  });

  it('gives one cluster when no branch is readable', () => {
    const source = fakeBranches({ s: { starts: [0, 5], readable: false }, t: { starts: [0], readable: false } });
    expect(clusterBoundaries({ fEntries: 10 }, source)).toEqual([0, 10]);
  });

  it('uses fAutoFlush and the cluster ranges when the tree has them, streaming nothing', () => {
    const source = fakeBranches({ a: { starts: [0, 3], readable: true } });
    expect(clusterBoundaries({ fEntries: 10, fAutoFlush: 4 }, source)).toEqual([0, 4, 8, 10]);
    expect(source.streamed).toEqual([]);
  });

  it('refuses more than 10 million clusters (a corrupt entry count) at once, not after pushing them all', () => {
    const source = fakeBranches({ a: { starts: [0], readable: true } });
    expect(clusterBoundaries({ fEntries: 100_000_000, fAutoFlush: 1000 }, source)).toHaveLength(100_001);
    expect(() => clusterBoundaries({ fEntries: 773_094_113_281, fAutoFlush: 1000 }, source))
      .toThrow(new RecordError('773094113281 entries in clusters of 1000: more than 10000000 clusters'));
    const ranges = { fNClusterRange: 2, fClusterRangeEnd: [5_999_999_999, 11_999_999_999], fClusterSize: [1000, 1000] };
    expect(() => clusterBoundaries({ fEntries: 12_000_000_000, ...ranges }, source)).toThrow(RecordError);
  });

  it('gives E_IO_MALFORMED naming the file for the clusters of a tree record with such an entry count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-clusters-'));
    try {
      writeTree(join(dir, 't.root'), [{ name: 'x', type: 'F', values: new Float32Array(10) }], { entries: 10, codec: 'none', basketEntries: 1000 });
      await using file = await openRootFile(join(dir, 't.root'), { metadataCache: false });
      const key = (await file.key('Events'))!;
      const bytes = new Uint8Array(await file.objectBytes(key)); // a copy (Buffer's slice() is a view)
      // fEntries follows the TTree's version header, TNamed, TAttLine, TAttFill and TAttMarker.
      const c = new RootCursor(bytes);
      c.version();
      for (let i = 0; i < 4; i++) c.to(c.version().end!);
      new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(c.pos, 773_094_113_281n);
      const meta = await readTreeMeta({
        path: 'huge.root', name: 'Events', className: key.className, bytes, keylen: key.key.keylen,
        streamers: () => file.streamerInfos(),
      });
      expect(meta.entries).toBe(773_094_113_281);
      expect(() => meta.clusters).toThrow(expect.objectContaining({
        code: 'E_IO_MALFORMED', message: expect.stringMatching(/^Expected cluster boundaries of TTree Events in huge\.root, .*more than 10000000 clusters/),
      }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithData('cluster boundaries from basket starts on real files', () => {
  const files = ['nanoaod', 'compression'].flatMap((dir) =>
    readdirSync(join(DATA_DIR, dir)).filter((f) => f.endsWith('.root') && !f.includes('rntuple')).map((f) => join(DATA_DIR, dir, f)));

  it('cut where every readable branch starts a basket, on every sample', async () => {
    for (const path of files) {
      await using file = await openRootFile(path, { metadataCache: false });
      for (const name of file.treeNames) {
        const tree = await file.tree(name);
        const names = tree.allBranchNames();
        const source: BasketStartsSource = {
          keys: () => names,
          basketStarts: (n) => tree.layout(n)?.baskets.map((b) => b.start),
          get: (n) => tree.layout(n),
        };
        const entries = tree.entries;
        const readable = names.map((n) => tree.layout(n)!).filter((l) => l.kind !== undefined);
        const expected = new Set<number>();
        for (const start of readable[0]?.baskets.map((b) => b.start) ?? []) {
          if (start > 0 && start < entries && readable.every((l) => l.baskets.some((b) => b.start === start))) expected.add(start);
        }
        const want = entries <= 0 ? [0] : [0, ...[...expected].sort((a, b) => a - b), entries];
        expect(clusterBoundaries({ fEntries: entries }, source), `${path} ${name}`).toEqual(want);
        await tree.close();
      }
    }
  });
});
