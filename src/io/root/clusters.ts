import type { BranchLayout } from './layout.ts';
import { RecordError } from './objects.ts';

/**
 * More clusters than this from a tree's entry count and cluster sizes means a corrupt record (an
 * fEntries of 773,094,113,281 with fAutoFlush 1000 pushed boundaries for 16 s, then RangeError).
 */
const MAX_CLUSTERS = 10_000_000;

/** A TTree record's cluster fields, as `readTreeRecord` gives them. */
export interface ClusterFields {
  readonly fEntries: number;
  readonly fAutoFlush?: number;
  readonly fNClusterRange?: number;
  readonly fClusterRangeEnd?: ArrayLike<number>;
  readonly fClusterSize?: ArrayLike<number>;
}

/**
 * The branches of a tree as cluster boundaries need them: names, basket starts (cheap) and layouts
 * (which may stream the branch). `LazyLayouts` is one.
 */
export interface BasketStartsSource {
  keys(): Iterable<string>;
  basketStarts(name: string): readonly number[] | undefined;
  get(name: string): BranchLayout | undefined;
}

/**
 * Entry boundaries where every readable branch starts a basket: chunks cut there decode each
 * basket once. Readability needs a branch's streamed layout, so only branches that miss one of
 * the starts some branch has are streamed (none in a tree whose branches all share their basket
 * starts, as NanoAOD's do), fewest starts first and only until no start is left, plus one branch
 * to learn that some branch is readable at all.
 */
function fromBaskets(source: BasketStartsSource, entries: number): number[] {
  // Counted in one map rather than intersecting a set per branch (2,000 branches).
  const counts = new Map<number, number>();
  const perBranch: [string, Set<number>][] = [];
  for (const name of source.keys()) {
    const starts = new Set<number>();
    for (const start of source.basketStarts(name) ?? []) {
      if (start > 0 && start < entries && !starts.has(start)) {
        starts.add(start);
        counts.set(start, (counts.get(start) ?? 0) + 1);
      }
    }
    perBranch.push([name, starts]);
  }
  const readable = (name: string): boolean => source.get(name)?.kind !== undefined;
  // A readable branch holding every start constrains nothing; those missing some do. Once none
  // is left, the rest can remove nothing: a tree with one basket per branch but one branch cut
  // in three (the 2015 ttbar NanoAOD) streams one branch, not 946.
  const missing = perBranch.filter(([, starts]) => starts.size < counts.size).sort((a, b) => a[1].size - b[1].size);
  let common: number[] | undefined;
  for (const [name, starts] of missing) {
    if (!readable(name)) continue;
    common = (common ?? [...counts.keys()]).filter((start) => starts.has(start));
    if (common.length === 0) break;
  }
  if (common === undefined && !perBranch.some(([name, starts]) => starts.size === counts.size && readable(name))) {
    return [0, entries]; // no readable branch
  }
  const bounds = common ?? [...counts.keys()];
  bounds.sort((a, b) => a - b);
  return [0, ...bounds, entries];
}

/**
 * Cluster boundaries `[0, …, entries]` of a TTree: from its cluster ranges and `fAutoFlush` when
 * it was filled with an entry-count flush, else the entries where all readable branches start a
 * basket. Throws `RecordError` for more than 10 million clusters (a corrupt entry count).
 */
export function clusterBoundaries(tree: ClusterFields, branches: BasketStartsSource): number[] {
  const entries = Number(tree.fEntries);
  if (entries <= 0) return [0];
  const autoFlush = Number(tree.fAutoFlush ?? 0);
  const nRanges = Number(tree.fNClusterRange ?? 0);
  const ends: ArrayLike<number> = tree.fClusterRangeEnd ?? [];
  const sizes: ArrayLike<number> = tree.fClusterSize ?? [];
  const bounds = [0];
  let at = 0;
  const step = (to: number, size: number): boolean => {
    if (size <= 0) return false;
    if (Math.ceil((to - at) / size) > MAX_CLUSTERS - (bounds.length - 1)) {
      throw new RecordError(`${entries} entries in clusters of ${size}: more than ${MAX_CLUSTERS} clusters`);
    }
    while (at < to) {
      at = Math.min(at + size, to);
      bounds.push(at);
    }
    return true;
  };
  for (let i = 0; i < nRanges; i++) {
    const end = Math.min(Number(ends[i]) + 1, entries);
    const size = Number(sizes[i] ?? 0) || autoFlush;
    if (!step(end, size)) return fromBaskets(branches, entries);
  }
  if (!step(entries, autoFlush)) return fromBaskets(branches, entries);
  return bounds;
}
