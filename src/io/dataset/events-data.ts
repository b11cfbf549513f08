import { registerDataKind, type DataElement } from '../../protocol/data.ts';
import type { ColumnSet } from '../columns.ts';
import { Events } from '../events/events.ts';
import { openSource } from '../open.ts';
import type { ColumnKind, EventSource } from '../source.ts';
import { columnMemory, type ColumnMemory } from './column-memory.ts';
import { EntriesChangedError, FileChangedError } from './errors.ts';
import type { EventsInput } from './context.ts';
import type { Metadata } from './schema.ts';

/** Which chunk of events: entries `[start, stop)` of one tree, and whose they are. */
export type EventsChunk = {
  readonly path: string;
  readonly treename: string;
  /** First entry (of the file). */
  readonly start: number;
  /** One past the last entry. */
  readonly stop: number;
  /** Columns to read; when left out, learnt per computation (see {@link ColumnMemory}). */
  readonly columns?: readonly string[];
  readonly dataset: string;
  readonly metadata: Metadata;
  readonly uuid?: string;
  /** Entries the file was prepared with: a file that has another number now fails with `E_FILE_CHANGED`. */
  readonly fileEntries?: number;
  /** Key under which the columns a processor reads are learnt (the computable's key). */
  readonly memory?: string;
  /** Where the run writes its outputs (`context.output`). */
  readonly output?: string;
};

/** The serializable description of a chunk of events: what a worker needs to load it again. */
export type EventsDescriptor = EventsChunk & {
  readonly kind: 'events';
  /** The module that registers this kind (`registerDataKind('events', …)`), for a worker to import. */
  readonly module?: string;
};

/** How {@link EventsData} opens files; replaceable for tests and custom storage. */
export type SourceOpener = (path: string, treename: string, options?: { signal?: AbortSignal }) => Promise<EventSource>;

/** Options of {@link EventsData} that stay in this process (they are not serialized). */
export interface EventsDataOptions {
  /** Opens the file. @defaultValue `openSource` */
  open?: SourceOpener;
  /** Where learnt columns are kept. @defaultValue the process-wide memory */
  memory?: ColumnMemory;
}

/** The loaded input, with a way to load it again with more columns (used by the column fallback). */
export const RELOAD: unique symbol = Symbol('cortado.events.reload');

/** What {@link EventsData.load} returns. */
export type LoadedEvents = EventsInput<Metadata> & { readonly [RELOAD]?: (signal?: AbortSignal) => Promise<LoadedEvents> };

/**
 * A chunk of events: entries `[start, stop)` of one tree. `load()` opens the file, reads the needed
 * columns, closes it, and returns `{ events, context }` for the processor.
 *
 * Which columns: those given in `columns` plus any learnt, or, on the first chunk of a computation
 * that declared none, every column (a processor's accesses are then remembered, so later chunks read
 * only what it touched).
 *
 * @example
 * ```ts
 * const data = new EventsData({ path: 'nano_dy.root', treename: 'Events', start: 0, stop: 10, dataset: 'DY', metadata: {} });
 * const { events, context } = await data.load();
 * ```
 */
export class EventsData implements DataElement<LoadedEvents> {
  readonly descriptor: EventsDescriptor;
  readonly #open: SourceOpener;
  readonly #memory: ColumnMemory;

  constructor(descriptor: EventsChunk, options: EventsDataOptions = {}) {
    this.descriptor = { ...descriptor, kind: 'events' };
    this.#open = options.open ?? openSource;
    this.#memory = options.memory ?? columnMemory;
  }

  /** Entries covered: `stop − start`. */
  get entries(): number {
    return this.descriptor.stop - this.descriptor.start;
  }

  /** The descriptor, with `module`: where a worker finds the loader of kind `events` to import. */
  toDescriptor(): EventsDescriptor {
    return { ...this.descriptor, module: import.meta.url };
  }

  async load(signal?: AbortSignal): Promise<LoadedEvents> {
    signal?.throwIfAborted();
    const d = this.descriptor;
    const source = await this.#open(d.path, d.treename, signal === undefined ? {} : { signal });
    let columns: ColumnSet;
    try {
      if (d.uuid !== undefined && source.uuid !== d.uuid) throw new FileChangedError(d.path, d.uuid, source.uuid);
      if ((d.fileEntries !== undefined && source.entries !== d.fileEntries) || d.stop > source.entries) {
        throw new EntriesChangedError(d.path, d.treename, d.fileEntries ?? d.stop, source.entries);
      }
      const wanted = this.#columnsToRead(source);
      columns = await source.read(wanted, d.start, d.stop, signal);
    } finally {
      await source.close();
    }
    // Every column's name and kind only when the processor asks (`events.names`, a column not
    // read): describing all of a ROOT tree's branches costs more than reading a few columns of a
    // small file. A closed source still describes its branches (from metadata in memory).
    let kinds: Map<string, ColumnKind> | undefined;
    const kindOf = (name: string): ColumnKind | undefined => {
      if (source.describe) return source.describe(name)?.kind;
      kinds ??= new Map(source.branches.map((b) => [b.name, b.kind]));
      return kinds.get(name);
    };
    const key = this.#memoryKey();
    const events = new Events({
      length: d.stop - d.start, columns, names: () => source.branches.map((b) => b.name), kinds: kindOf,
      load: this.#memory.missLoader(key),
    });
    this.#memory.watch(key, events.accessed);
    const input: LoadedEvents = {
      events,
      context: {
        dataset: d.dataset,
        file: d.uuid === undefined ? { path: d.path, treename: d.treename } : { path: d.path, treename: d.treename, uuid: d.uuid },
        range: { start: d.start, stop: d.stop },
        metadata: d.metadata,
        ...(d.output === undefined ? {} : { output: d.output }),
      },
    };
    Object.defineProperty(input, RELOAD, { value: (s?: AbortSignal) => this.load(s), enumerable: false });
    return input;
  }

  #memoryKey(): string {
    return this.descriptor.memory ?? `${this.descriptor.dataset}:${this.descriptor.path}`;
  }

  #columnsToRead(source: EventSource): string[] {
    const d = this.descriptor;
    const key = this.#memoryKey();
    const learnt = this.#memory.columns(key);
    if (d.columns === undefined && learnt === undefined) {
      this.#memory.begin(key);
      return source.branches.map((b) => b.name);
    }
    let has: Set<string> | undefined;
    const readable = (c: string): boolean => {
      if (source.describe) return source.describe(c) !== undefined;
      has ??= new Set(source.branches.map((b) => b.name));
      return has.has(c);
    };
    const wanted = new Set<string>();
    for (const c of d.columns ?? []) wanted.add(c);
    for (const c of learnt ?? []) if (!wanted.has(c) && readable(c)) wanted.add(c);
    return [...wanted];
  }
}

registerDataKind('events', (d) => {
  const { kind: _kind, module: _module, ...rest } = d as EventsDescriptor;
  return new EventsData(rest);
});
