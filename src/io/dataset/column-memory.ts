import type { Column, ColumnSet } from '../columns.ts';
import { ColumnNotLoadedError } from './errors.ts';

/**
 * What this process has learnt about which columns a computation reads, keyed by the computation
 * (the computable's key): every column a processor touched, or missed, on any chunk.
 *
 * The first chunk of a computation loads every column; from then on a chunk loads just the columns
 * touched so far. A processor that touches a new column on a later chunk meets a
 * {@link ColumnNotLoadedError}; the column is remembered here, so the element's next load has it.
 */
export class ColumnMemory {
  readonly #touched = new Map<string, Set<string>>();

  /** Columns touched so far under `key`, or `undefined` before the first chunk. */
  columns(key: string): ReadonlySet<string> | undefined {
    return this.#touched.get(key);
  }

  /** Starts learning under `key` (a chunk that loaded every column is on its way). */
  begin(key: string): void {
    if (!this.#touched.has(key)) this.#touched.set(key, new Set());
  }

  /** Remembers that `column` is read under `key`. */
  touch(key: string, column: string): void {
    let set = this.#touched.get(key);
    if (set === undefined) this.#touched.set(key, (set = new Set()));
    set.add(column);
  }

  /** Forgets `key` (or everything). */
  forget(key?: string): void {
    if (key === undefined) this.#touched.clear();
    else this.#touched.delete(key);
  }
}

/** The memory shared by every chunk loaded in this process (each worker thread has its own). */
export const columnMemory = new ColumnMemory();

/**
 * A column set whose every access is remembered under `key`. Names in `available` that were not
 * read throw {@link ColumnNotLoadedError} when accessed (after being remembered), instead of looking
 * absent, so a processor never silently sees a branch as missing.
 */
export function watchedColumnSet(
  read: ColumnSet,
  available: readonly string[],
  key: string,
  memory: ColumnMemory = columnMemory,
): ColumnSet {
  const set: ColumnSet = {};
  for (const name of available) {
    const value: Column | undefined = read[name];
    Object.defineProperty(set, name, {
      enumerable: true,
      configurable: false,
      get(): Column {
        memory.touch(key, name);
        if (value === undefined) throw new ColumnNotLoadedError(name);
        return value;
      },
    });
  }
  return set;
}
