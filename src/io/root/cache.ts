import type { BranchInfo } from '../source.ts';
import type { RootDirectory } from './directory.ts';
import type { RootHeader } from './header.ts';
import type { StreamerInfo } from './streamers.ts';
import type { LazyLayouts } from './lazy-layouts.ts';

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
}

/** What cortado keeps of a parsed ROOT file. */
export interface FileMeta {
  readonly header: RootHeader;
  /** The top directory (subdirectories load on demand and stay cached in it). */
  readonly top: RootDirectory;
  /** Trees by their full path (`dir/Events`). */
  readonly trees: Map<string, TreeMeta>;
  /** The streamer-info record, parsed on first need. */
  streamers?: Promise<Map<string, StreamerInfo>> | undefined;
}

/**
 * Parsed metadata of recently opened files, keyed by file identity (device, inode, size, mtime),
 * so that reopening a file (one open per chunk of a dataset) skips reading and parsing its
 * directory and TTree records. Least recently used files go first.
 */
export class MetaCache {
  readonly #entries = new Map<string, FileMeta>();
  readonly #capacity: number;
  #hits = 0;
  #misses = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(identity: string): FileMeta | undefined {
    const meta = this.#entries.get(identity);
    if (meta) {
      this.#hits++;
      this.#entries.delete(identity);
      this.#entries.set(identity, meta);
    } else {
      this.#misses++;
    }
    return meta;
  }

  set(identity: string, meta: FileMeta): void {
    this.#entries.delete(identity);
    this.#entries.set(identity, meta);
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  /**
   * Lookups so far on this thread: `hits` reused parsed metadata, `misses` read and parsed the
   * file's header, directory and (when a tree is opened) its tree record again. Benchmarks use it
   * to tell how often a thread re-parses files (`bench/analysis.ts`).
   *
   * @example
   * ```ts
   * const { misses } = metaCache.stats(); // files parsed afresh on this thread
   * ```
   */
  stats(): { hits: number; misses: number; size: number } {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }
}

/**
 * The metadata cache of the ROOT reader, one per thread. A NanoAOD file's entry holds ~5 MiB once
 * its branches are described (1,500–2,700 of them), so four files: a thread reads its chunks file
 * after file, and 16 entries made the peak RSS ~250 MiB higher over 100 small files
 * (`bench/analysis.ts`, measured: 752 MiB with 16, 497 MiB with 4).
 */
export const metaCache = new MetaCache(4);
