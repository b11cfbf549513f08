import type { Column, NumericArray } from '../columns.ts';
import { IoError } from '../errors.ts';
import { dataOffsets, peekDataBytes, readBasket, type BasketData, type BasketDestination } from './basket.ts';
import { adoptBigEndian, allocUninitialized, copyBigEndian } from './decode.ts';
import { countBits, decodeBits, decodeValues, storedSize } from './encodings.ts';
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
  cache: BasketCache | undefined, stats: ReadStats | undefined, into?: BasketDestination): Promise<BasketData> {
  const hit = cache?.get(layout.name, index);
  if (hit) return hit;
  const ref = layout.baskets[index]!;
  const data = await readBasket(handle, layout, ref, index, into);
  // Keep only a basket this read ends inside of: the next chunk starts there. Fully consumed
  // baskets are dropped, so memory stays at most one basket per branch.
  // A cached basket is read again by the next chunk: never converted in place (not `owned`).
  // Bytes not decompressed for it alone (a basket stored raw) may lie in the read's scratch
  // buffer, which the next read overwrites: the cache keeps a copy of them.
  if (cache && stop < ref.stop && !ref.embedded) {
    const kept = { ...data, data: data.owned ? data.data : new Uint8Array(data.data), owned: false, offsetsOwned: false };
    cache.set(layout.name, index, kept);
    // This read uses the basket only partly, and the next reads it again: nothing of it is converted in place.
    if (stats) {
      stats.baskets++;
      stats.bytes += data.size;
    }
    return kept;
  }
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


/** Byte offsets of each entry in a basket without an entry-offset array, from its counter's values. */
async function offsetsFromCounter(handle: ByteSource, layout: BranchLayout, counter: BranchLayout, ref: BasketRef,
  valueSize: number, cache: BasketCache | undefined, stats: ReadStats | undefined): Promise<Int32Array> {
  const counts = await readColumn(handle, counter, ref.start, ref.stop, cache, stats);
  if (!ArrayBuffer.isView(counts)) throw malformed(handle, layout, `Expected counter ${counter.name} to be flat`);
  const n = ref.stop - ref.start;
  const out = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) out[i + 1] = out[i]! + layout.headerBytes + Number(counts[i]) * layout.fixed * valueSize;
  return out;
}

/** Offsets `0, per, 2·per, …` of `n` entries of `per` values each. */
function fixedOffsets(n: number, per: number): Int32Array {
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) offsets[i] = i * per;
  return offsets;
}

/**
 * Item offsets of entries `[lo, end)` of a basket whose byte offsets are `bo` (values of `size`
 * bytes, no per-entry header; counted from `base` bytes before the data), written to
 * `out[o + 1 …]` counting on from `total`. Returns -1,
 * or the first entry whose bytes run backwards, past `dataLength`, or not by whole values.
 */
export function entryItemOffsets(bo: Int32Array, lo: number, end: number, size: number, dataLength: number,
  out: Int32Array, o: number, total: number, base = 0): number {
  const first = bo[lo]!;
  if (first < base) return lo;
  // The offsets count `base` bytes before the data (items are counted by differences).
  dataLength += base;
  const mask = size - 1;
  const shift = 31 - Math.clz32(size);
  if ((size & mask) !== 0) {
    // Not a power of two (none of ROOT's number sizes): divide.
    for (let i = lo; i < end; i++) {
      const next = bo[i + 1]!;
      if (next < bo[i]! || next > dataLength || (next - first) % size !== 0) return i;
      out[++o] = total + (next - first) / size;
    }
    return -1;
  }
  let prev = first;
  for (let i = lo; i < end; i++) {
    const next = bo[i + 1]!;
    if (next < prev || next > dataLength || ((next - prev) & mask) !== 0) return i;
    out[++o] = total + ((next - first) >> shift);
    prev = next;
  }
  return -1;
}

/**
 * Item offsets of a whole basket's entries, written over its byte offsets `bo` (values of `size`
 * bytes, no per-entry header, counted from `base`): `bo[i]` becomes the number of values before
 * entry i. Returns -1, or the first entry whose bytes run backwards, past `dataLength`, or not
 * by whole values (as {@link entryItemOffsets}), leaving `bo` as it was.
 */
export function itemOffsetsInPlace(bo: Int32Array, size: number, dataLength: number, base: number): number {
  const end = bo.length - 1;
  const first = bo[0]!;
  const mask = size - 1;
  if ((size & mask) !== 0 || first < base || bo[end]! > dataLength + base) {
    // Values of 3 bytes (Float16 truncated), or an error to locate: the general loop, then copied over.
    const out = new Int32Array(end + 1);
    const at = entryItemOffsets(bo, 0, end, size, dataLength, out, 0, 0, base);
    if (at < 0) bo.set(out);
    return at;
  }
  // One pass that checks and converts (measured ~2-3x faster than a check pass then a convert
  // pass, or than filling a fresh array): entries all lie within the data once they run forwards
  // from `first` to a last one inside it (checked above), so each needs only the direction and
  // whole-value checks. On a failure the converted entries are turned back (exact: they were
  // whole values from `first`) and the general loop names the entry.
  const shift = 31 - Math.clz32(size);
  let prev = first;
  for (let i = 1; i <= end; i++) {
    const next = bo[i]!;
    if (next < prev || ((next - prev) & mask) !== 0) {
      for (let j = 1; j < i; j++) bo[j] = (bo[j]! << shift) + first;
      return entryItemOffsets(bo, 0, end, size, dataLength, new Int32Array(end + 1), 0, 0, base);
    }
    bo[i] = (next - first) >> shift;
    prev = next;
  }
  bo[0] = 0;
  return -1;
}

/**
 * Entries `[ref.start, ref.stop)` of a jagged branch when they are exactly basket `index` (a
 * chunk cut at a cluster boundary, as the runtime reads): the basket's own entry offsets,
 * made for this read alone, become the column's item offsets in place (no array of 4 bytes per
 * entry allocated and filled), and its values are adopted as well when decompressed for this
 * read alone, else copied once. `undefined` (before reading anything) for a basket kept from
 * an earlier read, an embedded one, or one without entry offsets: the general path reads those.
 */
async function wholeBasket(handle: ByteSource, layout: BranchLayout, index: number, stop: number, size: number,
  plain: boolean, cache: BasketCache | undefined, stats: ReadStats | undefined): Promise<Column | undefined> {
  const ref = layout.baskets[index]!;
  if (ref.embedded || !layout.hasEntryOffsets || cache?.get(layout.name, index) !== undefined) return undefined;
  const basket = await load(handle, layout, index, stop, cache, stats);
  const n = ref.stop - ref.start;
  if (!basket.offsets || basket.offsets.length !== n + 1) {
    throw malformed(handle, layout, `Expected ${n + 1} entry offsets in basket ${index}, got ${basket.offsets?.length ?? 0}`);
  }
  // Offsets someone else may read again are copied first (not expected here: such a basket is cached, or embedded).
  const bo = basket.offsetsOwned ? basket.offsets : basket.offsets.slice();
  const base = basket.offsetBase;
  const from = bo[0]! - base;
  const bytes = bo[n]! - bo[0]!;
  const at = itemOffsetsInPlace(bo, size, basket.data.length, base);
  if (at >= 0) {
    throw malformed(handle, layout, `Expected entry ${ref.start + at} to span a whole number of ${size}-byte values ` +
      `within basket ${index}, got bytes ${bo[at]! - base}–${bo[at + 1]! - base} of ${basket.data.length}`);
  }
  const total = bo[n]!;
  const kind = layout.kind!;
  const { ctor, size: codecSize } = KIND_CODECS[kind];
  if (plain && basket.owned && from === 0 && bytes === basket.data.length) {
    const adopted = adoptBigEndian(basket.data, 0, total, ctor, codecSize);
    if (adopted) return { offsets: bo, values: adopted };
  }
  const values: NumericArray = allocUninitialized(ctor, total, codecSize); // every item is written below
  if (plain) copyBigEndian(basket.data, from, total, values, 0, codecSize);
  else decodeValues(basket.data, from, total, values, 0, kind, layout.encoding);
  return { offsets: bo, values };
}

/**
 * Reads entries `[start, stop)` of one numeric branch into a column: a typed array for a flat
 * branch, `{offsets, values}` for a jagged one (offsets from each basket's entry-offset array,
 * or from the counter branch's values when a basket has none; a fixed-size array `x[n]` gets
 * offsets `0, n, 2n, …`). Each basket is read and decompressed once, then decoded from its
 * big-endian bytes (or Double32/Float16 packing) straight into the output. `counter` is the
 * counter branch's layout, needed only for jagged branches stored without entry offsets.
 */
export async function readColumn(handle: ByteSource, layout: BranchLayout, start: number, stop: number,
  cache?: BasketCache, stats?: ReadStats, counter?: BranchLayout): Promise<Column> {
  const kind = layout.kind;
  if (kind === undefined) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected a branch of numbers (bool, integers, floats, or jagged arrays of ` +
      `them), got ${layout.unsupported ?? 'an unknown type'} for branch ${layout.name} in ${handle.path}`,
    { path: handle.path, branch: layout.name });
  }
  const { ctor, size: codecSize } = KIND_CODECS[kind];
  const encoding = layout.encoding;
  // Plain non-bool values: one bulk byte-swapping copy per basket, no per-value decoding.
  const plain = encoding.type === 'plain' && kind !== 'bool';
  const size = storedSize(kind, encoding);
  const n = stop - start;
  const baskets = layout.baskets;
  const first = firstBasket(baskets, start);
  const covered = n === 0 ? start : (baskets[first]?.start ?? Infinity);
  if (n > 0 && layout.entries !== undefined && stop > layout.entries && covered > start) {
    throw malformed(handle, layout, `Expected branch ${layout.name} to hold entries ${start}–${stop}, got a branch ` +
      `that holds ${layout.entries} (its fEntries; the tree holds more): it was never filled that far, so it has no ` +
      'values there (uproot reads a branch over its own entries only)');
  }
  if (n > 0 && covered > start) {
    const held = baskets.length ? `its baskets hold entries ${baskets[0]!.start}–${baskets[baskets.length - 1]!.stop}` : 'it has no baskets';
    throw malformed(handle, layout, `Expected a basket holding entry ${start}, got none: ${held}`);
  }
  const variable = layout.counter !== undefined || layout.headerBytes > 0;

  if (!variable) {
    const per = layout.fixed;
    let preloaded: BasketData | undefined;
    if (plain && n > 0 && baskets[first]!.start === start && baskets[first]!.stop === stop) {
      // The range is exactly one basket (a chunk cut at cluster boundaries): when it was
      // decompressed for this read alone, its bytes become the column, converted in place.
      preloaded = await load(handle, layout, first, stop, cache, stats);
      if (preloaded.owned && preloaded.data.length === n * per * size) {
        const adopted = adoptBigEndian(preloaded.data, 0, n * per, ctor, codecSize);
        if (adopted) return layout.jagged ? { offsets: fixedOffsets(n, per), values: adopted } : adopted;
      }
    }
    const out = allocUninitialized(ctor, n * per, codecSize); // every entry is written below
    // A basket this read takes whole is decompressed straight into `out` where it can be (zlib,
    // ZSTD; not the last: the decoders want a byte to spare after it), then swapped in place.
    const outBytes = plain && size === codecSize ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : undefined;
    let entry = start;
    for (let k = first; entry < stop; k++) {
      const ref = baskets[k];
      if (!ref || ref.start > entry) throw malformed(handle, layout, `Expected a basket holding entry ${entry}, got none`);
      const into = outBytes && ref.start === entry && ref.stop < stop
        ? { dest: outBytes, offset: (entry - start) * per * size, bytes: (ref.stop - ref.start) * per * size } : undefined;
      const basket = k === first && preloaded ? preloaded : await load(handle, layout, k, stop, cache, stats, into);
      const hi = Math.min(stop, ref.stop);
      const from = (entry - ref.start) * per * size;
      const count = (hi - entry) * per;
      if (basket.inDestination && adoptBigEndian(outBytes!, into!.offset, count, ctor, codecSize)) {
        entry = hi;
        continue;
      }
      // Exactly this many bytes: more means values of another size (a referenced fBits, whose
      // process ids are skipped value by value).
      if (basket.data.length !== (ref.stop - ref.start) * per * size) {
        if (encoding.type === 'bits' && countBits(basket.data, 0, basket.data.length) === (ref.stop - ref.start) * per) {
          const all = new Uint32Array((ref.stop - ref.start) * per);
          decodeBits(basket.data, 0, basket.data.length, all, 0);
          (out as Uint32Array).set(all.subarray((entry - ref.start) * per, (hi - ref.start) * per), (entry - start) * per);
          entry = hi;
          continue;
        }
        throw malformed(handle, layout, `Expected ${(ref.stop - ref.start) * per * size} data bytes in basket ${k}, ` +
          `got ${basket.data.length}`);
      }
      if (plain) copyBigEndian(basket.data, from, count, out, (entry - start) * per, codecSize);
      else decodeValues(basket.data, from, count, out, (entry - start) * per, kind, encoding);
      entry = hi;
    }
    if (!layout.jagged) return out;
    return { offsets: fixedOffsets(n, per), values: out };
  }

  if (!layout.hasEntryOffsets && (layout.counter === undefined || counter?.kind === undefined)) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected the jagged branch ${layout.name} to store entry offsets in its ` +
      `baskets (fEntryOffsetLen > 0) or to have a readable counter, got neither in ${handle.path}`,
    { path: handle.path, branch: layout.name });
  }

  // Jagged: first the offsets (from each basket's byte offsets), then the values basket by basket.
  const header = layout.headerBytes;
  const bits = encoding.type === 'bits';
  if (header === 0 && !bits && n > 0 && baskets[first]!.start === start && baskets[first]!.stop === stop) {
    const whole = await wholeBasket(handle, layout, first, stop, size, plain, cache, stats);
    if (whole) return whole;
  }
  return await readJagged(handle, layout, start, stop, first, cache, stats, counter, true) ??
    (await readJagged(handle, layout, start, stop, first, cache, stats, counter, false))!;
}

/**
 * The values' bytes of baskets `first…` of a jagged branch when `[start, stop)` is exactly those
 * baskets, two or more, each with its key in memory already: from their keys' `fLast - fKeylen`,
 * before any is decompressed, so the values array can be allocated first and baskets decompressed
 * straight into it. Undefined otherwise.
 */
function wholeBasketBytes(handle: ByteSource, baskets: readonly BasketRef[], first: number, start: number,
  stop: number): number[] | undefined {
  const bytes: number[] = [];
  for (let k = first, entry = start; entry < stop; k++) {
    const ref = baskets[k];
    const b = ref && ref.start === entry && ref.stop <= stop ? peekDataBytes(handle, ref) : undefined;
    if (b === undefined) return undefined;
    bytes.push(b);
    entry = ref!.stop;
  }
  return bytes.length > 1 ? bytes : undefined;
}

/**
 * Entries `[start, stop)` of a jagged branch (see {@link readColumn}), from basket `first` on.
 * With `inPlace`, where the range is whole baskets whose sizes the keys give
 * ({@link wholeBasketBytes}) and the values are plain, the values array is allocated first and every
 * zlib or ZSTD basket but the last is decompressed straight into it (its entry offsets, after its
 * data, used before the next basket overwrites them) and swapped in place; undefined, having
 * handed nothing out, when the baskets' entry offsets turn out not to fill their data (the caller
 * then reads again without it).
 */
async function readJagged(handle: ByteSource, layout: BranchLayout, start: number, stop: number, first: number,
  cache: BasketCache | undefined, stats: ReadStats | undefined, counter: BranchLayout | undefined,
  inPlace: boolean): Promise<Column | undefined> {
  const kind = layout.kind!;
  const { ctor, size: codecSize } = KIND_CODECS[kind];
  const encoding = layout.encoding;
  const plain = encoding.type === 'plain' && kind !== 'bool';
  const size = storedSize(kind, encoding);
  const n = stop - start;
  const baskets = layout.baskets;
  const header = layout.headerBytes;
  const bits = encoding.type === 'bits';
  const placedBytes = inPlace && plain && size === codecSize && header === 0 && layout.hasEntryOffsets
    ? wholeBasketBytes(handle, baskets, first, start, stop) : undefined;
  const placedTotal = placedBytes?.reduce((a, b) => a + b, 0) ?? 0;
  if (placedBytes && placedTotal % size !== 0) return undefined;
  const placed = placedBytes && allocUninitialized<NumericArray>(ctor, placedTotal / size, codecSize);
  const placedView = placed && new Uint8Array(placed.buffer, placed.byteOffset, placed.byteLength);
  // `done`: values already in place in `placed` (the basket was decompressed into it).
  const parts: { basket: BasketData; bo: Int32Array; base: number; lo: number; end: number; done?: number }[] = [];
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let entry = start;
  for (let k = first; entry < stop; k++) {
    const ref = baskets[k];
    if (!ref || ref.start > entry) throw malformed(handle, layout, `Expected a basket holding entry ${entry}, got none`);
    const into = placedView && ref.stop < stop ? { dest: placedView, offset: total * size, bytes: placedBytes![k - first]! } : undefined;
    const basket = await load(handle, layout, k, stop, cache, stats, into);
    let bo = basket.offsets ?? (layout.hasEntryOffsets ? undefined
      : await offsetsFromCounter(handle, layout, counter!, ref, size, undefined, stats));
    let base = basket.offsets ? basket.offsetBase : 0;
    if (!bo || bo.length !== ref.stop - ref.start + 1) {
      throw malformed(handle, layout, `Expected ${ref.stop - ref.start + 1} entry offsets in basket ${k}, got ${bo?.length ?? 0}`);
    }
    const hi = Math.min(stop, ref.stop);
    const lo = entry - ref.start;
    const end = hi - ref.start;
    let o = entry - start;
    if (header === 0 && !bits) {
      // The common case (T[n] leaves): entry i holds bytes bo[i]..bo[i+1]; one tight integer loop.
      const at = entryItemOffsets(bo, lo, end, size, basket.data.length, offsets, o, total, base);
      if (at >= 0) {
        throw malformed(handle, layout, `Expected entry ${ref.start + at} to span a whole number of ${size}-byte values ` +
          `within basket ${k}, got bytes ${bo[at]! - base}–${bo[at + 1]! - base} of ${basket.data.length}`);
      }
      const before = total;
      total = offsets[o + end - lo]!;
      if (basket.inDestination) {
        // Converted where it lies. Should its entries not fill its data, that is the wrong range,
        // but then neither do the values fill `placed` (each basket's count is at most its
        // data's), and the check after the loop discards it all.
        adoptBigEndian(placedView!, before * size, total - before, ctor, codecSize);
        parts.push({ basket, bo, base, lo, end, done: total - before });
      } else {
        parts.push({ basket, bo, base, lo, end });
      }
      entry = hi;
      continue;
    }
    if (base !== 0) {
      // Entries with a header or fBits (rare): offsets into the data first.
      bo = dataOffsets(basket)!;
      base = 0;
    }
    for (let i = lo; i < end; i++) {
      const bytes = bo[i + 1]! - bo[i]! - header;
      // fBits: 4 bytes per value, 6 for a referenced object's (its process id follows).
      const values = bits && bytes >= 0 && bo[i + 1]! <= basket.data.length
        ? countBits(basket.data, bo[i]! + header, bytes) : bytes / size;
      if (bytes < 0 || !Number.isInteger(values) || values < 0 || bo[i + 1]! > basket.data.length) {
        throw malformed(handle, layout, `Expected entry ${ref.start + i} to span ${header} header bytes and a whole number ` +
          `of ${size}-byte values within basket ${k}, got bytes ${bo[i]}–${bo[i + 1]} of ${basket.data.length}`);
      }
      total += values;
      offsets[++o] = total;
    }
    parts.push({ basket, bo, base, lo, end });
    entry = hi;
  }
  if (!placed && plain && header === 0 && parts.length === 1) {
    // One whole basket whose entries fill its data (a chunk cut at a basket boundary): its
    // bytes, decompressed for this read alone, become the values, converted in place.
    const { basket, bo, base, lo, end } = parts[0]!;
    if (basket.owned && lo === 0 && end === bo.length - 1 && bo[0] === base && bo[end]! - base === basket.data.length &&
      bo[end]! - base === total * size) {
      const adopted = adoptBigEndian(basket.data, 0, total, ctor, codecSize);
      if (adopted) return { offsets, values: adopted };
    }
  }
  if (placed && placed.length !== total) return undefined;
  const values: NumericArray = placed ?? allocUninitialized(ctor, total, codecSize); // every item is written below
  let at = 0;
  for (const { basket, bo, base, lo, end, done } of parts) {
    if (done !== undefined) {
      at += done;
      continue;
    }
    if (bits) {
      for (let i = lo; i < end; i++) at += decodeBits(basket.data, bo[i]! + header, bo[i + 1]! - bo[i]! - header, values, at);
      continue;
    }
    if (header === 0) {
      const count = (bo[end]! - bo[lo]!) / size;
      if (plain) copyBigEndian(basket.data, bo[lo]! - base, count, values, at, codecSize);
      else decodeValues(basket.data, bo[lo]! - base, count, values, at, kind, encoding);
      at += count;
      continue;
    }
    for (let i = lo; i < end; i++) {
      const count = (bo[i + 1]! - bo[i]! - header) / size;
      decodeValues(basket.data, bo[i]! + header, count, values, at, kind, encoding);
      at += count;
    }
  }
  // The values array is not zeroed: every item must have been written.
  if (at !== total) throw malformed(handle, layout, `Expected ${total} values from the entry offsets, decoded ${at}`);
  return { offsets, values };
}
