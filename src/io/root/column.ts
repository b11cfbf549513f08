import type { Column, NumericArray } from '../columns.ts';
import { IoError } from '../errors.ts';
import { readBasket, type BasketData } from './basket.ts';
import { copyBigEndian } from './decode.ts';
import type { ByteSource } from './prefetch.ts';
import { KIND_CODECS } from './kinds.ts';
import type { BasketRef, BranchLayout } from './layout.ts';

/** Remembers the last basket decoded per branch, so consecutive small ranges read it once. */
export interface BasketCache {
  get(branch: string, index: number): BasketData | undefined;
  set(branch: string, index: number, data: BasketData): void;
}

/** Totals of one read, for throughput figures. */
export interface ReadStats {
  baskets: number;
  /** Decompressed bytes of the baskets decoded. */
  bytes: number;
}

/** Index of the first basket whose entries reach past `entry` (baskets are sorted). */
export function firstBasket(baskets: readonly BasketRef[], entry: number): number {
  let lo = 0;
  let hi = baskets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (baskets[mid]!.stop <= entry) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function load(handle: ByteSource, layout: BranchLayout, index: number, stop: number,
  cache: BasketCache | undefined, stats: ReadStats | undefined): Promise<BasketData> {
  const hit = cache?.get(layout.name, index);
  if (hit) return hit;
  const ref = layout.baskets[index]!;
  const data = await readBasket(handle, layout, ref, index);
  // Keep only a basket this read ends inside of: the next chunk starts there. Fully consumed
  // baskets are dropped, so memory stays at most one basket per branch.
  if (cache && stop < ref.stop && !ref.embedded) cache.set(layout.name, index, data);
  if (stats) {
    stats.baskets++;
    stats.bytes += data.size;
  }
  return data;
}

function malformed(handle: ByteSource, layout: BranchLayout, message: string): IoError {
  return new IoError('E_IO_MALFORMED', `${message} (branch ${layout.name} in ${handle.path})`,
    { path: handle.path, branch: layout.name });
}

/**
 * Reads entries `[start, stop)` of one numeric branch into a column: a typed array for a flat
 * branch, `{offsets, values}` for a jagged one (offsets from each basket's entry-offset array;
 * a fixed-size array `x[n]` gets offsets `0, n, 2n, …`). Each basket is read and decompressed
 * once, then decoded straight from its big-endian bytes into the output.
 */
export async function readColumn(handle: ByteSource, layout: BranchLayout, start: number, stop: number,
  cache?: BasketCache, stats?: ReadStats): Promise<Column> {
  if (layout.kind === undefined) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected a branch of numbers (bool, integers, floats, or jagged arrays of ` +
      `them), got ${layout.unsupported ?? 'an unknown type'} for branch ${layout.name} in ${handle.path}`,
    { path: handle.path, branch: layout.name });
  }
  const { size, ctor } = KIND_CODECS[layout.kind];
  const n = stop - start;
  const baskets = layout.baskets;
  const first = firstBasket(baskets, start);
  const covered = n === 0 ? start : (baskets[first]?.start ?? Infinity);
  if (n > 0 && covered > start) {
    throw malformed(handle, layout, `Expected a basket holding entry ${start}, got none`);
  }

  if (layout.counter !== undefined && !layout.hasEntryOffsets) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected the jagged branch ${layout.name} to store entry offsets in its ` +
      `baskets (fEntryOffsetLen > 0), got none in ${handle.path}`, { path: handle.path, branch: layout.name });
  }

  if (layout.counter === undefined) {
    const per = layout.fixed;
    const out = new ctor(n * per);
    let entry = start;
    for (let k = first; entry < stop; k++) {
      const ref = baskets[k];
      if (!ref || ref.start > entry) throw malformed(handle, layout, `Expected a basket holding entry ${entry}, got none`);
      const basket = await load(handle, layout, k, stop, cache, stats);
      const hi = Math.min(stop, ref.stop);
      const from = (entry - ref.start) * per * size;
      const count = (hi - entry) * per;
      if (from + count * size > basket.data.length) {
        throw malformed(handle, layout, `Expected ${(ref.stop - ref.start) * per * size} data bytes in basket ${k}, ` +
          `got ${basket.data.length}`);
      }
      copyBigEndian(basket.data, from, count, out, (entry - start) * per, size);
      entry = hi;
    }
    if (!layout.jagged) return out;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = i * per;
    return { offsets, values: out };
  }

  // Jagged: first the offsets (from each basket's byte offsets), then one copy per basket.
  const parts: { basket: BasketData; from: number; to: number }[] = [];
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let entry = start;
  for (let k = first; entry < stop; k++) {
    const ref = baskets[k];
    if (!ref || ref.start > entry) throw malformed(handle, layout, `Expected a basket holding entry ${entry}, got none`);
    const basket = await load(handle, layout, k, stop, cache, stats);
    const bo = basket.offsets;
    if (!bo || bo.length !== ref.stop - ref.start + 1) {
      throw malformed(handle, layout, `Expected ${ref.stop - ref.start + 1} entry offsets in basket ${k}, got ${bo?.length ?? 0}`);
    }
    const hi = Math.min(stop, ref.stop);
    const lo = entry - ref.start;
    const end = hi - ref.start;
    let o = entry - start;
    for (let i = lo; i < end; i++) {
      const bytes = bo[i + 1]! - bo[i]!;
      if (bytes < 0 || bytes % size !== 0 || bo[i + 1]! > basket.data.length) {
        throw malformed(handle, layout, `Expected entry ${ref.start + i} to span a whole number of ${size}-byte values ` +
          `within basket ${k}, got bytes ${bo[i]}–${bo[i + 1]} of ${basket.data.length}`);
      }
      total += bytes / size;
      offsets[++o] = total;
    }
    parts.push({ basket, from: bo[lo]!, to: bo[end]! });
    entry = hi;
  }
  const values: NumericArray = new ctor(total);
  let at = 0;
  for (const { basket, from, to } of parts) {
    const count = (to - from) / size;
    copyBigEndian(basket.data, from, count, values, at, size);
    at += count;
  }
  return { offsets, values };
}
