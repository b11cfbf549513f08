import type { ColumnSet } from '../columns.ts';
import { IoError } from '../errors.ts';
import type { BranchInfo, EventSource } from '../source.ts';
import { dataOffsets, readBasket, type BasketData } from './basket.ts';
import type { TreeMeta } from './cache.ts';
import { firstBasket, readColumn, type BasketCache, type ReadStats } from './column.ts';
import type { RootFileHandle } from './handle.ts';
import type { BranchLayout } from './layout.ts';
import { PrefetchedBytes, RecentSpans, type ByteRange } from './prefetch.ts';
import { asMalformed } from './records.ts';
import { closeNames } from './suggest.ts';

/** One basket kept per branch between reads (see `readColumn`). */
class LastBasketCache implements BasketCache {
  readonly #last = new Map<string, { index: number; data: BasketData }>();

  get(branch: string, index: number): BasketData | undefined {
    const hit = this.#last.get(branch);
    return hit?.index === index ? hit.data : undefined;
  }

  set(branch: string, index: number, data: BasketData): void {
    this.#last.set(branch, { index, data });
  }

  clear(): void {
    this.#last.clear();
  }
}

/**
 * A ROOT TTree opened for reading columns: the ROOT {@link EventSource}. Get one from
 * `openRootTree(path, name)` (it then owns the file and closes it) or `RootFile.tree(name)`.
 */
export class RootTree implements EventSource {
  readonly format = 'root' as const;
  readonly path: string;
  readonly treename: string;
  readonly entries: number;
  readonly uuid: string;
  /** Baskets and decompressed bytes decoded by this tree's reads so far. */
  readonly stats: ReadStats = { baskets: 0, bytes: 0 };
  readonly #handle: RootFileHandle;
  readonly #meta: TreeMeta;
  readonly #onClose: (() => Promise<void> | undefined) | undefined;
  readonly #baskets = new LastBasketCache();
  readonly #recent = new RecentSpans();
  #closed = false;

  /** @internal Made by `RootFile.tree()`; `onClose` runs once on {@link close}. */
  constructor(handle: RootFileHandle, meta: TreeMeta, uuid: string, onClose?: () => Promise<void> | undefined) {
    this.#handle = handle;
    this.#meta = meta;
    this.#onClose = onClose;
    this.path = handle.path;
    this.treename = meta.name;
    this.entries = meta.entries;
    this.uuid = uuid;
  }

  /** Entry boundaries of the tree's clusters, `[0, …, entries]` (computed on first use). */
  get clusters(): readonly number[] {
    return this.#meta.clusters;
  }

  /** Readable branches in file order (decoding every branch's metadata on first use). */
  get branches(): readonly BranchInfo[] {
    return this.#meta.branches;
  }

  /**
   * The readable branch `name` (as in {@link branches}), reading only its own record: a chunk
   * that knows its columns never describes the tree's other 1,500 branches.
   */
  describe(name: string): BranchInfo | undefined {
    const info = this.#meta.layouts.get(name)?.info;
    return info?.name === name ? info : undefined; // an alias (`evt.fD64`) is not a name of `branches`
  }

  /**
   * Reads `columns` over entries `[start, stop)`. Unknown names throw `E_IO_BRANCH_NOT_FOUND`
   * listing close names; non-numeric branches throw `E_IO_UNSUPPORTED`.
   *
   * @example
   * ```ts
   * await using tree = await openRootTree('nano_dy.root', 'Events');
   * const { nMuon, Muon_pt } = await tree.read(['nMuon', 'Muon_pt'], 0, tree.entries);
   * ```
   */
  async read(columns: readonly string[], start: number, stop: number, signal?: AbortSignal): Promise<ColumnSet> {
    signal?.throwIfAborted();
    if (this.#closed) {
      throw new IoError('E_IO_CLOSED', `Expected tree ${this.treename} of ${this.path} to be open, got it closed`,
        { path: this.path, treename: this.treename });
    }
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop) || start < 0 || stop < start || stop > this.entries) {
      throw new RangeError(`Expected an entry range [start, stop) with 0 <= start <= stop <= ${this.entries} ` +
        `for tree ${this.treename} of ${this.path}, got [${start}, ${stop})`);
    }
    let layouts = this.#layoutsOf(columns);
    if (this.#meta.layouts.wantsStreamers) {
      await this.#meta.prepare();
      layouts = this.#layoutsOf(columns);
    }
    const bytes = await PrefetchedBytes.fetch(this.#handle, this.#neededRanges(layouts, start, stop), this.#recent);
    const out: ColumnSet = {};
    try {
      for (let i = 0; i < layouts.length; i++) {
        signal?.throwIfAborted();
        const layout = layouts[i]!;
        try {
          const counter = layout.counter !== undefined && !layout.hasEntryOffsets ? this.#meta.layouts.get(layout.counter) : undefined;
          out[columns[i]!] = await readColumn(bytes, layout, start, stop, this.#baskets, this.stats, counter);
        } catch (error) {
          // A basket whose sizes or offsets do not fit (a corrupt file) is an IoError like any other.
          if (error instanceof IoError || signal?.aborted) throw error;
          throw asMalformed(error, this.path, `readable baskets of branch ${layout.name} of tree ${this.treename}`);
        }
      }
    } finally {
      // The compressed bytes were read into the thread's scratch buffer: every basket is decoded.
      bytes.release();
    }
    return out;
  }

  /** The layouts of branches `names`; an unknown name throws `E_IO_BRANCH_NOT_FOUND` listing close names. */
  #layoutsOf(names: readonly string[]): BranchLayout[] {
    const layouts = this.#meta.layouts;
    const out: BranchLayout[] = [];
    for (const name of names) {
      const layout = layouts.get(name);
      if (layout) {
        out.push(layout);
        continue;
      }
      const close = closeNames(name, layouts.keys());
      throw new IoError('E_IO_BRANCH_NOT_FOUND', `Expected a branch named ${JSON.stringify(name)} in tree ` +
        `${this.treename} of ${this.path}, got none; ` +
        (close.length ? `close names: ${close.join(', ')}` : `it has ${layouts.size} branches, none close`),
      { path: this.path, treename: this.treename, branch: name, available: close });
    }
    return out;
  }

  /** The on-disk baskets that reading `layouts` over `[start, stop)` will fetch. */
  #neededRanges(layouts: readonly BranchLayout[], start: number, stop: number): ByteRange[] {
    const ranges: ByteRange[] = [];
    if (stop <= start) return ranges;
    for (const layout of layouts) {
      if (layout.kind === undefined) continue;
      const baskets = layout.baskets;
      for (let k = firstBasket(baskets, start); k < baskets.length && baskets[k]!.start < stop; k++) {
        const ref = baskets[k]!;
        if (!ref.embedded && !this.#baskets.get(layout.name, k)) ranges.push({ position: ref.seek, length: ref.bytes });
      }
    }
    return ranges;
  }

  /**
   * @internal The basket map and decoded type of a branch (readable or not), for tests and
   * benchmarks that look at baskets directly.
   */
  layout(branch: string): BranchLayout | undefined {
    return this.#meta.layouts.get(branch);
  }

  /** @internal Every branch name of the tree, readable or not, in file order. */
  allBranchNames(): string[] {
    return [...this.#meta.layouts.keys()];
  }

  /**
   * @internal Reads and decompresses every basket of `branch` (readable or not) and returns the
   * entry data of each: what the compression test compares across algorithms.
   */
  async basketData(branch: string): Promise<Uint8Array[]> {
    return (await this.baskets(branch)).map((b) => b.data);
  }

  /** @internal Every basket of `branch` decompressed: its entry data and entry byte offsets (if stored). */
  async baskets(branch: string): Promise<BasketData[]> {
    const layout = this.#meta.layouts.get(branch);
    if (!layout) throw new IoError('E_IO_BRANCH_NOT_FOUND', `Expected a branch named ${branch}, got none`, { path: this.path, branch });
    const out: BasketData[] = [];
    for (let k = 0; k < layout.baskets.length; k++) {
      const basket = await readBasket(this.#handle, layout, layout.baskets[k]!, k);
      out.push({ ...basket, offsets: dataOffsets(basket), offsetBase: 0 });
    }
    return out;
  }

  /** Releases the tree (and the file, when this tree owns it). Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#baskets.clear();
    this.#recent.clear();
    await this.#onClose?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
