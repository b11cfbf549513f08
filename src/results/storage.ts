/**
 * Layout of histogram storage: one Float64Array per quantity (sum of weights, sum of squared
 * weights), row-major over the axes (the last axis varies fastest), flow bins included.
 * These helpers move cells between layouts; they know extents, not axis kinds.
 */

/** Row-major strides of `extents`: the last axis has stride 1. */
export function stridesOf(extents: readonly number[]): number[] {
  const strides = new Array<number>(extents.length);
  let s = 1;
  for (let d = extents.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= extents[d] as number;
  }
  return strides;
}

/** Number of cells of `extents`. */
export function sizeOf(extents: readonly number[]): number {
  let n = 1;
  for (const e of extents) n *= e;
  return n;
}

/**
 * Calls `fn(srcIndex, dstIndex)` for every cell of a source layout, where the destination index is
 * built from per-axis maps (`map[d][i]` is the destination index along axis `d` of source index
 * `i`, or -1 to skip the cell) and destination strides (0 drops an axis: projection).
 */
export function forEachMapped(
  srcExtents: readonly number[],
  maps: readonly (Int32Array | null)[],
  dstStrides: readonly number[],
  fn: (src: number, dst: number) => void,
): void {
  const dims = srcExtents.length;
  const total = sizeOf(srcExtents);
  const idx = new Int32Array(dims);
  for (let src = 0; src < total; src++) {
    let dst = 0;
    let skip = false;
    for (let d = 0; d < dims; d++) {
      const i = idx[d] as number;
      const m = maps[d];
      const j = m ? (m[i] as number) : i;
      if (j < 0) skip = true;
      dst += j * (dstStrides[d] as number);
    }
    if (!skip) fn(src, dst);
    // Odometer step: last axis fastest.
    for (let d = dims - 1; d >= 0; d--) {
      const next = (idx[d] as number) + 1;
      if (next < (srcExtents[d] as number)) {
        idx[d] = next;
        break;
      }
      idx[d] = 0;
    }
  }
}

/** Copies `src` into a larger layout where every axis kept its indices and may have grown at the end. */
export function reshape(src: Float64Array, oldExtents: readonly number[], newExtents: readonly number[]): Float64Array {
  const dst = new Float64Array(sizeOf(newExtents));
  const strides = stridesOf(newExtents);
  forEachMapped(oldExtents, oldExtents.map(() => null), strides, (s, d) => {
    dst[d] = src[s] as number;
  });
  return dst;
}

/**
 * The cells of `src` without flow bins: along each axis keep indices `[lo[d], hi[d])`.
 * Returns a new array in the same row-major order.
 */
export function slice(src: Float64Array, extents: readonly number[], lo: readonly number[], hi: readonly number[]): Float64Array {
  const outExtents = extents.map((_, d) => (hi[d] as number) - (lo[d] as number));
  const dst = new Float64Array(sizeOf(outExtents));
  const strides = stridesOf(outExtents);
  const maps = extents.map((e, d) => {
    const m = new Int32Array(e).fill(-1);
    for (let i = lo[d] as number; i < (hi[d] as number); i++) m[i] = i - (lo[d] as number);
    return m;
  });
  forEachMapped(extents, maps, strides, (s, d) => {
    dst[d] = src[s] as number;
  });
  return dst;
}
