import { codecFor } from './codec.ts';
import { MergeTypeError, describeType } from './errors.ts';

/**
 * A value that knows how to merge with another of its kind. `add` returns the merged value and
 * may reuse (mutate) `this`: the runtime only calls it on values it owns.
 *
 * @example
 * ```ts
 * class Count implements Addable<Count> {
 *   constructor(public n: number) {}
 *   add(other: Count) { this.n += other.n; return this; }
 * }
 * ```
 */
export interface Addable<T = unknown> {
  add(other: T): T;
}

/** The identity of merging: `merge(EMPTY, x) === x`. */
export const EMPTY: unique symbol = Symbol.for('cortado.EMPTY');
/** The type of {@link EMPTY}. */
export type Empty = typeof EMPTY;

/** Whether `value` has an `add` method. */
export function isAddable(value: unknown): value is Addable {
  // A Set has add() too, but merges by union.
  return typeof value === 'object' && value !== null && typeof (value as { add?: unknown }).add === 'function' && !(value instanceof Set);
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether `value` is something {@link merge} knows how to merge. */
export function isMergeable(value: unknown): boolean {
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return true;
    case 'object':
      return (
        value === null
          ? false
          : isAddable(value) || isPlainRecord(value) || value instanceof Map || value instanceof Set || Array.isArray(value)
      );
    case 'symbol':
      return value === EMPTY;
    default:
      return false;
  }
}

function mismatch(a: unknown, b: unknown, path: readonly string[]): MergeTypeError {
  if (a === EMPTY) {
    const at = path.length === 0 ? '' : ` at key path ${path.map((k) => JSON.stringify(k)).join(' → ')}`;
    return new MergeTypeError(`Cannot merge ${describeType(b)}${at}: expected a number, bigint, record, Map, Set, array or an object with add()`, path);
  }
  const where = path.length === 0 ? 'at the top level' : `at key path ${path.map((k) => JSON.stringify(k)).join(' → ')}`;
  return new MergeTypeError(`Cannot merge ${describeType(b)} into ${describeType(a)} ${where}`, path);
}

/**
 * Merges two results. Numbers and bigints add; `Addable` objects call `add`; plain records merge
 * key-wise and recursively; `Map`s key-wise; `Set`s by union; arrays by concatenation; `EMPTY` is
 * the identity. Mismatched types throw {@link MergeTypeError} naming both types and the key path.
 *
 * Containers on the left are updated in place (the runtime owns its accumulators); the merged
 * value is returned.
 *
 * @example
 * ```ts
 * merge({ n: 1, h: new Set([1]) }, { n: 2, h: new Set([2]) }); // { n: 3, h: Set {1, 2} }
 * merge(EMPTY, 5);                                             // 5
 * ```
 */
export function merge<T>(a: T | Empty, b: T | Empty): T | Empty;
export function merge(a: unknown, b: unknown, path: string[] = []): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === EMPTY) return b;
  if (b === EMPTY) return a;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) throw mismatch(a, b, path);
  if (isAddable(a)) {
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) throw mismatch(a, b, path);
    return a.add(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) throw mismatch(a, b, path);
    for (const item of b) a.push(item);
    return a;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map)) throw mismatch(a, b, path);
    for (const [key, value] of b) {
      if (a.has(key)) a.set(key, mergeAt(a.get(key), value, path, String(key)));
      else a.set(key, value);
    }
    return a;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set)) throw mismatch(a, b, path);
    for (const item of b) a.add(item);
    return a;
  }
  if (isPlainRecord(a)) {
    if (!isPlainRecord(b)) throw mismatch(a, b, path);
    for (const key of Object.keys(b)) {
      const value = b[key];
      if (Object.hasOwn(a, key)) a[key] = mergeAt(a[key], value, path, key);
      else a[key] = value;
    }
    return a;
  }
  throw mismatch(a, b, path);
}

function mergeAt(a: unknown, b: unknown, path: string[], key: string): unknown {
  path.push(key);
  const merged = (merge as (a: unknown, b: unknown, path: string[]) => unknown)(a, b, path);
  path.pop();
  return merged;
}

/** Merges any number of results, left to right, starting from `EMPTY`. */
export function mergeAll<T>(values: Iterable<T | Empty>): T | Empty {
  let acc: T | Empty = EMPTY;
  for (const value of values) acc = merge(acc, value);
  return acc;
}

/**
 * Throws {@link MergeTypeError} if `b` cannot merge into `a`, without changing either. The runtime
 * checks before merging in place, so a bad result never leaves an accumulator half-merged.
 */
export function assertMergeable(a: unknown, b: unknown, path: string[] = []): void {
  if (typeof a === 'number' && typeof b === 'number') return;
  if (a === EMPTY) {
    if (!isMergeable(b)) throw mismatch(a, b, path);
    return;
  }
  if (b === EMPTY) return;
  if (typeof a === 'bigint' && typeof b === 'bigint') return;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) throw mismatch(a, b, path);
  if (isAddable(a)) {
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) throw mismatch(a, b, path);
    return;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) throw mismatch(a, b, path);
    return;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set)) throw mismatch(a, b, path);
    return;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map)) throw mismatch(a, b, path);
    for (const [key, value] of b) {
      path.push(String(key));
      if (a.has(key)) assertMergeable(a.get(key), value, path);
      else if (!isMergeable(value)) throw mismatch(EMPTY, value, path);
      path.pop();
    }
    return;
  }
  if (isPlainRecord(a)) {
    if (!isPlainRecord(b)) throw mismatch(a, b, path);
    for (const key of Object.keys(b)) {
      path.push(key);
      if (Object.hasOwn(a, key)) assertMergeable(a[key], b[key], path);
      else if (!isMergeable(b[key])) throw mismatch(EMPTY, b[key], path);
      path.pop();
    }
    return;
  }
  throw mismatch(a, b, path);
}

/**
 * A deep copy of a result, so a snapshot handed to the user is not changed by later merges.
 * Class instances use their `clone()` method or their registered codec when they have one.
 */
export function cloneResult<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const v = value as unknown;
  if (typeof (v as { clone?: unknown }).clone === 'function') return (v as { clone(): T }).clone();
  if (Array.isArray(v)) return v.map((x) => cloneResult(x)) as T;
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, cloneResult(x)])) as T;
  if (v instanceof Set) return new Set(v) as T;
  if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): T }).slice();
  if (isPlainRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) out[key] = cloneResult(v[key]);
    return out as T;
  }
  const codec = codecFor(v);
  if (codec !== undefined) return codec.decode(structuredClone(codec.encode(v, []))) as T;
  return Object.assign(Object.create(Object.getPrototypeOf(v) as object) as object, structuredClone({ ...(v as object) })) as T;
}
