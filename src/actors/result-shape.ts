import { EMPTY, assertMergeable, isAddable, isMergeable } from '../protocol/result.ts';

/**
 * The type skeleton of a merged result: what every later partial must fit to merge with it. Kept
 * apart from the reducers' accumulators because those merge later (from their mailboxes) and in
 * place: the supervisor must refuse a partial that cannot merge *before* it counts its ranges as
 * completed, or one bad batch would crash the reducer and lose the run.
 */
type Shape =
  | { readonly kind: 'number' | 'bigint' | 'array' | 'set' }
  | { readonly kind: 'addable'; readonly proto: object | null }
  /** Anything merge cannot merge with a second value (a string, a boolean, a plain class instance). */
  | { readonly kind: 'other'; readonly value: unknown }
  | { readonly kind: 'record'; readonly keys: Map<string, Shape> }
  | { readonly kind: 'map'; readonly keys: Map<unknown, Shape> };

/**
 * Per-group type skeletons of the results accepted so far. `accept(group, value)` throws the
 * `MergeTypeError` that merging `value` into the group's result would throw, and leaves the
 * skeleton unchanged; otherwise it widens the skeleton with `value`'s new keys.
 *
 * @example
 * ```ts
 * const shapes = new ResultShapes();
 * shapes.accept(undefined, { n: 40 });
 * shapes.accept(undefined, { n: 'x' }); // throws MergeTypeError: Cannot merge string into number at key path "n"
 * ```
 */
export class ResultShapes {
  readonly #groups = new Map<string | undefined, Shape>();

  accept(group: string | undefined, value: unknown): void {
    if (value === EMPTY) return;
    const shape = this.#groups.get(group);
    if (shape === undefined) {
      // A first partial is checked against EMPTY: it must be something merge knows.
      assertMergeable(EMPTY, value);
      this.#groups.set(group, shapeOf(value));
      return;
    }
    check(shape, value, []);
    widen(shape, value);
  }
}

function shapeOf(value: unknown): Shape {
  if (typeof value === 'number') return { kind: 'number' };
  if (typeof value === 'bigint') return { kind: 'bigint' };
  if (Array.isArray(value)) return { kind: 'array' };
  if (value instanceof Set) return { kind: 'set' };
  if (value instanceof Map) {
    const keys = new Map<unknown, Shape>();
    for (const [k, v] of value) keys.set(k, shapeOf(v));
    return { kind: 'map', keys };
  }
  if (isAddable(value)) return { kind: 'addable', proto: Object.getPrototypeOf(value) as object | null };
  if (!isPlainContainer(value)) return { kind: 'other', value };
  const keys = new Map<string, Shape>();
  for (const k of Object.keys(value as object)) keys.set(k, shapeOf((value as Record<string, unknown>)[k]));
  return { kind: 'record', keys };
}

/** A stand-in value of `shape` for assertMergeable's messages (same types, no data). */
function sample(shape: Shape): unknown {
  switch (shape.kind) {
    case 'number':
      return 0;
    case 'bigint':
      return 0n;
    case 'array':
      return [];
    case 'set':
      return new Set();
    case 'addable':
      return Object.create(shape.proto) as object;
    case 'map':
      return new Map();
    case 'record':
      return {};
    case 'other':
      return shape.value;
  }
}

function check(shape: Shape, value: unknown, path: string[]): void {
  if (value === EMPTY) return;
  if (shape.kind === 'record' || shape.kind === 'map') {
    // Containers: the kind must match, then each shared key is checked against its own shape.
    assertMergeable(sample(shape), shape.kind === 'map' ? (value instanceof Map ? new Map() : value) : isPlainContainer(value) ? {} : value, path);
    const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value : Object.entries(value as object);
    for (const [k, v] of entries) {
      path.push(String(k));
      const inner = (shape.keys as Map<unknown, Shape>).get(k);
      if (inner === undefined) {
        if (!isMergeable(v)) assertMergeable(EMPTY, v, path);
      } else check(inner, v, path);
      path.pop();
    }
    return;
  }
  assertMergeable(sample(shape), value, path);
}

function isPlainContainer(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function widen(shape: Shape, value: unknown): void {
  if (shape.kind !== 'record' && shape.kind !== 'map') return;
  const keys = shape.keys as Map<unknown, Shape>;
  const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value : Object.entries(value as object);
  for (const [k, v] of entries) {
    if (v === EMPTY) continue;
    const inner = keys.get(k);
    if (inner === undefined) keys.set(k, shapeOf(v));
    else widen(inner, v);
  }
}
