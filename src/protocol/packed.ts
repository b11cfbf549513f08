/**
 * `Array.prototype.map` whose result has the same hidden class in every V8 tier. The interpreter's
 * `map` returns a packed array, TurboFan's inlined `map` a holey one (V8 11–12, Node 20 and 22): a
 * hot function that reads arrays mapped in a function optimised after it then meets a map it never
 * saw and deoptimises ("wrong map"), and V8 compiles it again. A loop of `push` onto `[]` is
 * packed in both tiers. For arrays made on hot paths and read by other hot functions (histogram
 * axes and extents, column pieces).
 *
 * @example
 * ```ts
 * const extents = mapPacked(axes, (a) => a.extent); // always PACKED_SMI_ELEMENTS
 * ```
 */
export function mapPacked<T, U>(items: readonly T[], fn: (item: T, index: number) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < items.length; i++) out.push(fn(items[i] as T, i));
  return out;
}
