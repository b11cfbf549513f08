import type { ColumnSet } from '../columns.ts';
import { IoError } from '../errors.ts';
import type { RootFile } from '../root/index.ts';
import { closeNames } from '../root/suggest.ts';
import type { BranchInfo, EventSource } from '../source.ts';
import type { PageLocation } from './descriptor.ts';
import type { FieldPlan } from './fields.ts';
import type { RNTupleMeta } from './meta.ts';
import { PageBytes } from './page-bytes.ts';
import type { PageStats } from './pages.ts';
import { neededRanges, readField, type PageCache, type ReadContext } from './read-field.ts';

/**
 * An RNTuple opened for reading columns: the same {@link EventSource} as a TTree, so datasets,
 * Events and the CLI read it unchanged. Clusters are its step boundaries. Get one from
 * `openRNTuple(path, name)` or `openSource`; closing it closes the file.
 */
export class RNTupleSource implements EventSource {
  readonly format = 'root' as const;
  readonly path: string;
  readonly treename: string;
  readonly entries: number;
  readonly uuid: string;
  readonly branches: readonly BranchInfo[];
  readonly clusters: readonly number[];
  /** Pages and decompressed bytes decoded by this source's reads so far. */
  readonly stats: PageStats = { pages: 0, bytes: 0 };
  /** The library that wrote the RNTuple (`ROOT v6.34.00`). */
  readonly writer: string;
  readonly #file: RootFile;
  readonly #meta: RNTupleMeta;
  readonly #cache: PageCache = new Map();
  #closed = false;

  /** @internal Made by `openRNTuple`; the source owns `file` and closes it. */
  constructor(file: RootFile, meta: RNTupleMeta) {
    this.#file = file;
    this.#meta = meta;
    this.path = file.path;
    this.treename = meta.name;
    this.entries = meta.entries;
    this.uuid = file.uuid;
    this.branches = meta.branches;
    this.clusters = meta.starts;
    this.writer = meta.writer;
  }

  #plan(name: string): FieldPlan {
    const plan = this.#meta.fields.plans.get(name);
    if (plan) return plan;
    const type = this.#meta.fields.unsupported.get(name);
    if (type !== undefined) {
      throw new IoError('E_IO_UNSUPPORTED', `Expected field ${JSON.stringify(name)} of RNTuple ${this.treename} in ${this.path} ` +
        `to hold numbers, collections of numbers or std::array of numbers, got ${type}`,
      { path: this.path, treename: this.treename, branch: name });
    }
    const close = closeNames(name, this.#meta.fields.plans.keys());
    throw new IoError('E_IO_BRANCH_NOT_FOUND', `Expected a field named ${JSON.stringify(name)} in RNTuple ${this.treename} ` +
      `of ${this.path}, got none; ` + (close.length ? `close names: ${close.join(', ')}` : `it has ${this.#meta.fields.plans.size} readable fields, none close`),
    { path: this.path, treename: this.treename, branch: name, available: close });
  }

  /** Reads `columns` over entries `[start, stop)`: flat fields as typed arrays, collections as `{offsets, values}`. */
  async read(columns: readonly string[], start: number, stop: number, signal?: AbortSignal): Promise<ColumnSet> {
    signal?.throwIfAborted();
    if (this.#closed) {
      throw new IoError('E_IO_MALFORMED', `Expected RNTuple ${this.treename} of ${this.path} to be open, got it closed`,
        { path: this.path, treename: this.treename });
    }
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop) || start < 0 || stop < start || stop > this.entries) {
      throw new RangeError(`Expected an entry range [start, stop) with 0 <= start <= stop <= ${this.entries} ` +
        `for RNTuple ${this.treename} of ${this.path}, got [${start}, ${stop})`);
    }
    const plans = columns.map((name) => this.#plan(name));
    const base = { clusters: this.#meta.clusters, starts: this.#meta.starts, cache: this.#cache, stats: this.stats };
    const bytes = new PageBytes(this.path, (position, length) => this.#file.readBytes(position, length));
    await bytes.prefetch(neededRanges(base, plans, start, stop));
    const ctx: ReadContext = { ...base, bytes, decoded: new Map(), collections: new Map() };
    const out: ColumnSet = {};
    for (const plan of plans) {
      signal?.throwIfAborted();
      out[plan.name] = await readField(ctx, plan, start, stop);
    }
    return out;
  }

  /** @internal Where the pages of a field's values (or index, for a cardinality) are, cluster by cluster: for tests. */
  pageLocations(name: string): PageLocation[] {
    const plan = this.#plan(name);
    const column = (plan.values ?? plan.index)![0]!;
    return this.#meta.clusters.flatMap((c) => c.columns[column.id]?.pages ?? []);
  }

  /** Releases the source and its file. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.clear();
    await this.#file.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
