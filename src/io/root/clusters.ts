import type { BranchLayout } from './layout.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- jsroot objects are untyped */

function fromBaskets(layouts: Iterable<BranchLayout>, entries: number): number[] {
  // Entry boundaries where every readable branch starts a basket: chunks cut there decode each
  // basket once. Counted in one map rather than intersecting a set per branch (2,000 branches).
  const counts = new Map<number, number>();
  let readable = 0;
  for (const layout of layouts) {
    if (layout.kind === undefined) continue;
    readable++;
    for (const basket of layout.baskets) {
      if (basket.start > 0 && basket.start < entries) counts.set(basket.start, (counts.get(basket.start) ?? 0) + 1);
    }
  }
  const bounds: number[] = [];
  for (const [start, n] of counts) if (n === readable) bounds.push(start);
  bounds.sort((a, b) => a - b);
  return [0, ...bounds, entries];
}

/**
 * Cluster boundaries `[0, …, entries]` of a TTree: from its cluster ranges and `fAutoFlush` when
 * it was filled with an entry-count flush, else the entries where all branches start a basket.
 */
export function clusterBoundaries(tree: any, layouts: Iterable<BranchLayout>): number[] {
  const entries = Number(tree.fEntries);
  if (entries <= 0) return [0];
  const autoFlush = Number(tree.fAutoFlush ?? 0);
  const nRanges = Number(tree.fNClusterRange ?? 0);
  const ends: ArrayLike<number | bigint> = tree.fClusterRangeEnd ?? [];
  const sizes: ArrayLike<number | bigint> = tree.fClusterSize ?? [];
  const bounds = [0];
  let at = 0;
  const step = (to: number, size: number): boolean => {
    if (size <= 0) return false;
    while (at < to) {
      at = Math.min(at + size, to);
      bounds.push(at);
    }
    return true;
  };
  for (let i = 0; i < nRanges; i++) {
    const end = Math.min(Number(ends[i]) + 1, entries);
    const size = Number(sizes[i] ?? 0) || autoFlush;
    if (!step(end, size)) return fromBaskets(layouts, entries);
  }
  if (!step(entries, autoFlush)) return fromBaskets(layouts, entries);
  return bounds;
}
