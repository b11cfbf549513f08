import type { ColumnLoader } from '../events/events.ts';
import { ColumnNotLoadedError } from './errors.ts';

/** How many chunks' access records are kept per computation (names only, never column data). */
const WATCHED_PER_KEY = 16;

/**
 * What this process has learnt about which columns a computation reads, keyed by the computation
 * (the computable's key): every column a processor touched, or missed, on any chunk.
 *
 * The first chunk of a computation loads every column; from then on a chunk loads just the columns
 * touched so far. Access records are read when the next chunk loads (a chunk's processor has
 * usually finished by then; if not, the fallback below covers it). A processor that touches a new
 * column on a later chunk meets a {@link ColumnNotLoadedError}; the column is remembered here, so
 * the chunk's next load (the in-place fallback, or the runtime's retry) has it.
 *
 * @example
 * ```ts
 * const memory = new ColumnMemory();
 * memory.columns('job');        // undefined: nothing learnt, read every column
 * memory.begin('job');
 * memory.watch('job', events.accessed);
 * memory.columns('job');        // Set { 'nMuon', 'Muon_pt' } once the processor has run
 * ```
 */
export class ColumnMemory {
  readonly #learnt = new Map<string, Set<string>>();
  readonly #watched = new Map<string, Array<ReadonlySet<string>>>();

  /** Columns touched so far under `key`, or `undefined` before the first chunk. */
  columns(key: string): ReadonlySet<string> | undefined {
    const learnt = this.#learnt.get(key);
    if (learnt === undefined) return undefined;
    for (const accessed of this.#watched.get(key) ?? []) for (const name of accessed) learnt.add(name);
    return learnt;
  }

  /** Starts learning under `key` (a chunk that loads every column is on its way). */
  begin(key: string): void {
    if (!this.#learnt.has(key)) this.#learnt.set(key, new Set());
  }

  /** Follows a chunk's live record of accessed columns (`events.accessed`). */
  watch(key: string, accessed: ReadonlySet<string>): void {
    let list = this.#watched.get(key);
    if (list === undefined) this.#watched.set(key, (list = []));
    list.push(accessed);
    if (list.length > WATCHED_PER_KEY) {
      // Fold the oldest record into what is learnt before letting it go.
      const learnt = this.#learnt.get(key) ?? new Set<string>();
      for (const name of list.shift()!) learnt.add(name);
      this.#learnt.set(key, learnt);
    }
  }

  /** Remembers that `column` is read under `key`. */
  touch(key: string, column: string): void {
    let set = this.#learnt.get(key);
    if (set === undefined) this.#learnt.set(key, (set = new Set()));
    set.add(column);
  }

  /** Forgets `key` (or everything). */
  forget(key?: string): void {
    if (key === undefined) {
      this.#learnt.clear();
      this.#watched.clear();
    } else {
      this.#learnt.delete(key);
      this.#watched.delete(key);
    }
  }

  /**
   * A column loader for `Events` that, for a column this chunk did not read, remembers it under
   * `key` and throws {@link ColumnNotLoadedError}.
   */
  missLoader(key: string): ColumnLoader {
    return (name) => {
      this.touch(key, name);
      throw new ColumnNotLoadedError(name);
    };
  }
}

/** The memory shared by every chunk loaded in this process (each worker thread has its own). */
export const columnMemory = new ColumnMemory();
