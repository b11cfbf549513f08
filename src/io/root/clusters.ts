import type { BranchLayout } from './layout.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- jsroot objects are untyped */

function fromBaskets(layouts: Iterable<BranchLayout>, entries: number): number[] {
  // Entry boundaries where every readable branch starts a basket: chunks cut there decode each
  // basket once.
  let common: Set<number> | undefined;
  for (const layout of layouts) {
    if (layout.kind === undefined) continue;
    const starts = new Set(layout.baskets.map((b) => b.start));
    if (common === undefined) common = starts;
    else for (const s of common) if (!starts.has(s)) common.delete(s);
  }
  const bounds = [...(common ?? [0])].filter((s) => s > 0 && s < entries).sort((a, b) => a - b);
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
