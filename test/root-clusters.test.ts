import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stubBasketStarts } from '../src/io/root/basket-entries.ts';
import { clusterBoundaries, type BasketStartsSource } from '../src/io/root/clusters.ts';
import { RootFileHandle } from '../src/io/root/handle.ts';
import { LazyLayouts } from '../src/io/root/lazy-layouts.ts';
import type { BranchLayout } from '../src/io/root/layout.ts';
import { openJsroot } from '../src/io/root/metadata.ts';
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

  it('gives one cluster when no branch is readable', () => {
    const source = fakeBranches({ s: { starts: [0, 5], readable: false }, t: { starts: [0], readable: false } });
    expect(clusterBoundaries({ fEntries: 10 }, source)).toEqual([0, 10]);
  });

  it('uses fAutoFlush and the cluster ranges when the tree has them, streaming nothing', () => {
    const source = fakeBranches({ a: { starts: [0, 3], readable: true } });
    expect(clusterBoundaries({ fEntries: 10, fAutoFlush: 4 }, source)).toEqual([0, 4, 8, 10]);
    expect(source.streamed).toEqual([]);
  });
});

describeWithData('basket starts read from unstreamed branches', () => {
  const files = ['nanoaod', 'compression'].flatMap((dir) =>
    readdirSync(join(DATA_DIR, dir)).filter((f) => f.endsWith('.root') && !f.includes('rntuple')).map((f) => join(DATA_DIR, dir, f)));

  it('equal the basket starts of the streamed branches, and give the same clusters, on every sample', async () => {
    for (const path of files) {
      const handle = RootFileHandle.open(path);
      try {
        const file = await openJsroot(handle);
        const trees = [...new Set(file.fKeys.filter((k) => k.fClassName === 'TTree').map((k) => k.fName))];
        for (const name of trees) {
          const lazy: any = await file.readObject(name); // eslint-disable-line @typescript-eslint/no-explicit-any
          const streamed = new LazyLayouts(((await file.readObject(name)) as any).fBranches.arr); // eslint-disable-line @typescript-eslint/no-explicit-any
          for (const branch of lazy.fBranches.arr) {
            const raw = stubBasketStarts(branch);
            if (raw) expect(raw.starts, `${path} ${name} ${branch.fName}`).toEqual(streamed.get(branch.fName)!.baskets.map((b) => b.start));
          }
          const entries = Number(lazy.fEntries);
          const expected = new Set<number>();
          const readable = [...streamed.values()].filter((l) => l.kind !== undefined);
          for (const start of readable[0]?.baskets.map((b) => b.start) ?? []) {
            if (start > 0 && start < entries && readable.every((l) => l.baskets.some((b) => b.start === start))) expected.add(start);
          }
          const want = entries <= 0 ? [0] : [0, ...[...expected].sort((a, b) => a - b), entries];
          expect(clusterBoundaries({ fEntries: entries }, new LazyLayouts(lazy.fBranches.arr)), `${path} ${name}`).toEqual(want);
        }
      } finally {
        handle.close();
      }
    }
  });
});
