import type { BranchInfo } from '../source.ts';
import type { RootDirectory } from './directory.ts';
import type { RootHeader } from './header.ts';
import type { StreamerInfo } from './streamers.ts';
import type { ClusterFields } from './clusters.ts';
import type { LazyLayouts } from './lazy-layouts.ts';
import type { BranchLayout } from './layout.ts';

/** What cortado keeps of a parsed TTree: enough to read it. */
export interface TreeMeta {
  readonly name: string;
  readonly entries: number;
  readonly clusters: readonly number[];
  readonly layouts: LazyLayouts;
  /** Readable branches, in file order. */
  readonly branches: readonly BranchInfo[];
  /** Loads what branches read so far found missing (the file's streamer info), then describes them again. */
  prepare(): Promise<void>;
  /**
   * What a later open of the same file needs to skip parsing the record (see {@link TreeSeed});
   * undefined for a tree whose layouts used the file's streamer info.
   */
  seed(): TreeSeed | undefined;
}

/**
 * The part of a parsed TTree that reading needs, kept by {@link MetaCache} once the parsed
 * record itself is dropped: the cluster fields (and boundaries, when computed) and the layouts
 * of the branches described so far (basket seeks, sizes and entries). A tree opened from it reads
 * its record again but parses it only when asked for something else (a branch not described yet).
 */
export interface TreeSeed {
  readonly fields: ClusterFields;
  readonly clusters?: readonly number[];
  readonly layouts: ReadonlyMap<string, BranchLayout>;
  /**
   * The compressed tree record (when it decompresses synchronously): a tree opened from the seed
   * then reads nothing, and decompresses it only on a miss. Dropped first when seeds exceed their
   * budget: the record is then read again on open.
   */
  readonly body?: Uint8Array;
}

/** What cortado keeps of a parsed ROOT file. */
export interface FileMeta {
  readonly header: RootHeader;
  /** The top directory (subdirectories load on demand and stay cached in it). */
  readonly top: RootDirectory;
  /** Trees by their full path (`dir/Events`). */
  readonly trees: Map<string, TreeMeta>;
  /** Trees of an earlier open by their full path, for those not in {@link trees} (see {@link TreeSeed}). */
  readonly seeds?: ReadonlyMap<string, TreeSeed>;
  /** The streamer-info record, parsed on first need. */
  streamers?: Promise<Map<string, StreamerInfo>> | undefined;
}

/** What {@link MetaCache} keeps of a file once its parsed metadata goes: no record, no streamer info. */
interface FileSeed {
  readonly header: RootHeader;
  readonly top: RootDirectory;
  readonly trees: ReadonlyMap<string, TreeSeed>;
  /** An estimate of the memory it holds. */
  readonly bytes: number;
}

/**
 * Estimated bytes a seed holds: objects, strings, arrays (6.5 KiB for 6 NanoAOD branches; measured 5–7 KiB),
 * and the keys of its directories, subdirectories loaded so far included.
 */
function seedBytes(top: RootDirectory, trees: ReadonlyMap<string, TreeSeed>): number {
  let bytes = 1024 + 256 * top.keyCount();
  for (const [name, tree] of trees) {
    bytes += 256 + 2 * name.length + 8 * ((tree.clusters?.length ?? 0) + (tree.fields.fClusterRangeEnd?.length ?? 0) +
      (tree.fields.fClusterSize?.length ?? 0)) + (tree.body?.buffer.byteLength ?? 0);
    for (const [key, layout] of tree.layouts) {
      bytes += 640 + 2 * (key.length + layout.name.length);
      for (const basket of layout.baskets) {
        bytes += 96 + (basket.embedded ? 64 + basket.embedded.data.byteLength + (basket.embedded.offsets?.byteLength ?? 0) : 0);
      }
    }
  }
  return bytes;
}

function withoutBody(tree: TreeSeed): TreeSeed {
  return { fields: tree.fields, ...(tree.clusters ? { clusters: tree.clusters } : {}), layouts: tree.layouts };
}

/**
 * Parsed metadata of recently opened files, keyed by file identity (device, inode, size, mtime),
 * so that reopening a file (one open per chunk of a dataset) skips reading and parsing its
 * directory and TTree records. Least recently used files go first, to a second tier bounded by
 * bytes: their header, top directory and a {@link TreeSeed} per tree, so that a rerun over more
 * files than the first tier holds neither reads nor parses their tree records (or, for seeds that
 * lost their compressed record to the budget, reads them again but does not parse them).
 */
export class MetaCache {
  readonly #entries = new Map<string, FileMeta>();
  readonly #capacity: number;
  readonly #seeds = new Map<string, FileSeed>();
  readonly #seedBudget: number;
  #seedBytes = 0;
  #hits = 0;
  #misses = 0;
  #seeded = 0;

  /** `capacity` parsed files, and seeds of others up to `seedBudget` bytes (estimated). */
  constructor(capacity: number, seedBudget = 0) {
    this.#capacity = capacity;
    this.#seedBudget = seedBudget;
  }

  get(identity: string): FileMeta | undefined {
    const meta = this.#entries.get(identity);
    if (meta) {
      this.#hits++;
      this.#entries.delete(identity);
      this.#entries.set(identity, meta);
      return meta;
    }
    const seed = this.#seeds.get(identity);
    if (!seed) {
      this.#misses++;
      return undefined;
    }
    this.#seeded++;
    this.#dropSeed(identity, seed);
    const revived: FileMeta = { header: seed.header, top: seed.top, trees: new Map(), seeds: seed.trees };
    this.set(identity, revived);
    return revived;
  }

  set(identity: string, meta: FileMeta): void {
    this.#entries.delete(identity);
    const seed = this.#seeds.get(identity);
    if (seed) this.#dropSeed(identity, seed);
    this.#entries.set(identity, meta);
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.entries().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest[0]);
      this.#keepSeed(oldest[0], oldest[1]);
    }
  }

  /** Keeps the seed of a file whose parsed metadata goes, dropping the oldest seeds over the budget. */
  #keepSeed(identity: string, meta: FileMeta): void {
    if (this.#seedBudget <= 0) return;
    const trees = new Map<string, TreeSeed>();
    for (const [name, tree] of meta.trees) {
      const seed = tree.seed();
      if (seed) trees.set(name, seed);
    }
    for (const [name, seed] of meta.seeds ?? []) if (!meta.trees.has(name)) trees.set(name, seed);
    const seed: FileSeed = { header: meta.header, top: meta.top, trees, bytes: seedBytes(meta.top, trees) };
    this.#seeds.set(identity, seed);
    this.#seedBytes += seed.bytes;
    // Over the budget, the oldest seeds first lose their compressed records (~90 KiB of a NanoAOD
    // file's ~100), then go.
    for (const [oldest, old] of this.#seeds) {
      if (this.#seedBytes <= this.#seedBudget) return;
      if (![...old.trees.values()].some((tree) => tree.body)) continue;
      const trees = new Map<string, TreeSeed>();
      for (const [name, tree] of old.trees) trees.set(name, withoutBody(tree));
      const stripped: FileSeed = { ...old, trees, bytes: seedBytes(old.top, trees) };
      this.#seeds.set(oldest, stripped);
      this.#seedBytes += stripped.bytes - old.bytes;
    }
    for (const [oldest, old] of this.#seeds) {
      if (this.#seedBytes <= this.#seedBudget) return;
      this.#dropSeed(oldest, old);
    }
  }

  #dropSeed(identity: string, seed: FileSeed): void {
    this.#seeds.delete(identity);
    this.#seedBytes -= seed.bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#seeds.clear();
    this.#seedBytes = 0;
  }

  /**
   * Lookups so far on this thread: `hits` reused parsed metadata, `seeded` reused a file's seed
   * (its header, directory and layouts; see {@link TreeSeed}), `misses` read and
   * parsed the file's header, directory and (when a tree is opened) its tree record again. `size`
   * files are held parsed, `seeds` as seeds of `seedBytes` (estimated). Benchmarks use it to tell
   * how often a thread re-parses files (`bench/analysis.ts`).
   *
   * @example
   * ```ts
   * const { misses } = metaCache.stats(); // files parsed afresh on this thread
   * ```
   */
  stats(): { hits: number; misses: number; seeded: number; size: number; seeds: number; seedBytes: number } {
    return {
      hits: this.#hits, misses: this.#misses, seeded: this.#seeded, size: this.#entries.size, seeds: this.#seeds.size,
      seedBytes: this.#seedBytes,
    };
  }
}

/**
 * The metadata cache of the ROOT reader, one per thread. A NanoAOD file's entry holds ~5 MiB once
 * its branches are described (1,500–2,700 of them), so four files: a thread reads its chunks file
 * after file, and 16 entries made the peak RSS ~250 MiB higher over 100 small files
 * (`bench/analysis.ts`, measured: 752 MiB with 16, 497 MiB with 4). Older files keep a seed, 8 MiB
 * of them: a NanoAOD file of which a processor reads 6 branches ~100 KiB with its compressed tree
 * record (~80 such files), ~6 KiB without (the oldest lose theirs first); ~1 MiB once all its
 * branches are described.
 */
export const metaCache = new MetaCache(4, 8 * 2 ** 20);
