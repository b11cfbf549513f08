import type { Column, JaggedColumn, NumericArray } from '../columns.ts';
import { isJagged } from '../columns.ts';
import { numericValues, type HasOffsets } from './pairs.ts';

/**
 * A mask over a jagged column's values: 1 where `predicate(value)` holds.
 *
 * @example
 * ```ts
 * const hard = mask(events.Muon.pt, (pt) => pt > 20);
 * ```
 */
export function mask(column: JaggedColumn, predicate: (value: number) => boolean): Uint8Array {
  const values = numericValues(column, 'values to mask');
  const out = new Uint8Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = predicate(values[k]!) ? 1 : 0;
  return out;
}

/** Element-wise AND of masks of equal length. */
export function and(...masks: readonly Uint8Array[]): Uint8Array {
  const first = masks[0];
  if (first === undefined) throw new RangeError('Expected at least one mask to AND, got none');
  const out = first.slice();
  for (const m of masks.slice(1)) {
    if (m.length !== out.length) throw new RangeError(`Expected masks of equal length ${out.length}, got ${m.length}`);
    for (let k = 0; k < out.length; k++) out[k] = out[k]! & (m[k]! !== 0 ? 1 : 0);
  }
  return out;
}

/**
 * Keeps the values of a jagged column where `keep` (a mask over its values) is non-zero; events
 * stay, with fewer objects.
 *
 * @example
 * ```ts
 * const hardPt = filter(events.Muon.pt, mask(events.Muon.pt, (pt) => pt > 20));
 * ```
 */
export function filter<V extends NumericArray>(column: JaggedColumn<V>, keep: Uint8Array): JaggedColumn<V> {
  const { offsets: inOffsets, values: inValues } = column;
  if (keep.length !== inValues.length) {
    throw new RangeError(`Expected a mask of ${inValues.length} entries (one per value), got ${keep.length}`);
  }
  let kept = 0;
  for (let k = 0; k < keep.length; k++) if (keep[k] !== 0) kept++;
  const values = new (inValues.constructor as new (n: number) => V)(kept);
  const offsets = new Int32Array(inOffsets.length);
  const src = inValues as unknown as Float64Array;
  const dst = values as unknown as Float64Array;
  let at = 0;
  for (let i = 0; i + 1 < inOffsets.length; i++) {
    for (let k = inOffsets[i]!, end = inOffsets[i + 1]!; k < end; k++) if (keep[k] !== 0) dst[at++] = src[k]!;
    offsets[i + 1] = at;
  }
  return { offsets, values };
}

/** Objects (or pairs) per event: `offsets[i+1] − offsets[i]`. */
export function counts(source: HasOffsets): Int32Array {
  const { offsets } = source;
  const out = new Int32Array(Math.max(0, offsets.length - 1));
  for (let i = 0; i < out.length; i++) out[i] = offsets[i + 1]! - offsets[i]!;
  return out;
}

/**
 * Per event, how many entries of `perObject` (a mask over values) are set.
 *
 * @example
 * ```ts
 * const nHard = countTrue(events.Muon, mask(events.Muon.pt, (pt) => pt > 20));
 * ```
 */
export function countTrue(source: HasOffsets, perObject: Uint8Array): Int32Array {
  const { offsets } = source;
  const out = new Int32Array(Math.max(0, offsets.length - 1));
  for (let i = 0; i < out.length; i++) {
    let n = 0;
    for (let k = offsets[i]!, end = offsets[i + 1]!; k < end; k++) if (perObject[k] !== 0) n++;
    out[i] = n;
  }
  return out;
}

/**
 * Keeps the events where `eventMask` is non-zero, for a flat or jagged column.
 *
 * @example
 * ```ts
 * const twoMuons = Uint8Array.from(events.Muon.counts, (n) => (n >= 2 ? 1 : 0));
 * const pt = selectEvents(events.Muon.pt, twoMuons);
 * ```
 */
export function selectEvents<C extends Column>(column: C, eventMask: Uint8Array): C {
  return eventSelection(eventMask)(column);
}

/**
 * {@link selectEvents} with one mask for many columns: the mask is scanned once, and each call
 * keeps the masked events of a column (flat or jagged) of the mask's length. `kept` is the number
 * of events kept.
 *
 * @example
 * ```ts
 * const keep = eventSelection(twoMuons);
 * const [pt, eta] = [keep(events.Muon.pt), keep(events.Muon.eta)];
 * keep.kept; // events with two muons
 * ```
 */
export function eventSelection(eventMask: Uint8Array): (<C extends Column>(column: C) => C) & { readonly kept: number } {
  const { runs, count, kept } = keptRuns(eventMask);
  // The columns of a collection (Muon_pt, Muon_eta, …) have equal offsets: their kept offsets and
  // value runs are worked out once (checked by one memory comparison) and copied for each.
  let last: { offsets: Buffer; kept: Int32Array; valueRuns: Int32Array; total: number } | undefined;
  const keep = <C extends Column>(column: C): C => {
    if (!isJagged(column)) {
      const flat = column as NumericArray;
      if (eventMask.length !== flat.length) throw new RangeError(`Expected an event mask of ${flat.length} entries, got ${eventMask.length}`);
      return gather(flat, runs, count, kept) as C;
    }
    const jagged = column as JaggedColumn;
    const events = jagged.offsets.length - 1;
    if (eventMask.length !== events) throw new RangeError(`Expected an event mask of ${events} entries, got ${eventMask.length}`);
    const inOffsets = jagged.offsets;
    const bytes = Buffer.from(inOffsets.buffer, inOffsets.byteOffset, inOffsets.byteLength);
    if (last === undefined || !last.offsets.equals(bytes)) last = { offsets: bytes, ...keptOffsets(inOffsets, runs, count, kept) };
    return { offsets: last.kept.slice(), values: gather(jagged.values, last.valueRuns, count, last.total) } as C;
  };
  return Object.assign(keep, { kept });
}

/** The offsets of the kept events of a jagged column (from 0), and the runs of their values. */
function keptOffsets(inOffsets: Int32Array, runs: Int32Array, count: number, kept: number): { kept: Int32Array; valueRuns: Int32Array; total: number } {
  const offsets = new Int32Array(kept + 1);
  const valueRuns = new Int32Array(2 * count);
  let r = 0;
  let total = 0;
  for (let j = 0; j < count; j++) {
    const start = runs[2 * j]!;
    const stop = runs[2 * j + 1]!;
    const base = inOffsets[start]!;
    for (let i = start; i < stop; i++) offsets[++r] = total + inOffsets[i + 1]! - base;
    valueRuns[2 * j] = base;
    valueRuns[2 * j + 1] = inOffsets[stop]!;
    total += inOffsets[stop]! - base;
  }
  return { kept: offsets, valueRuns, total };
}

/**
 * The runs `[start, stop)` of non-zero entries of `mask` (as pairs), their number, and the entries
 * they cover, in one pass; stretches of zeros are skipped four bytes at a time.
 */
function keptRuns(mask: Uint8Array): { runs: Int32Array; count: number; kept: number } {
  const n = mask.length;
  const words = mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, n >>> 2) : undefined;
  let runs = new Int32Array(64);
  let j = 0;
  let kept = 0;
  let i = 0;
  while (i < n) {
    if (words !== undefined) while ((i & 3) === 0 && i + 4 <= n && words[i >>> 2] === 0) i += 4;
    while (i < n && mask[i] === 0) i++;
    if (i === n) break;
    const start = i;
    while (i < n && mask[i] !== 0) i++;
    if (j + 2 > runs.length) {
      const grown = new Int32Array(runs.length * 2);
      grown.set(runs);
      runs = grown;
    }
    runs[j++] = start;
    runs[j++] = i;
    kept += i - start;
  }
  return { runs, count: j >>> 1, kept };
}

// Copies go through unsigned integer views of the element width: one monomorphic loop per width,
// no BigInt made for 64-bit columns and no float canonicalisation of NaN payloads.
type Gatherer = (dst: Uint8Array | Uint16Array | Uint32Array, src: Uint8Array | Uint16Array | Uint32Array, runs: Int32Array, count: number, scale: number) => void;

function gatherLoop(): Gatherer {
  return (dst, src, runs, count, scale) => {
    let at = 0;
    for (let j = 0; j < count; j++) {
      const start = runs[2 * j]! * scale;
      const stop = runs[2 * j + 1]! * scale;
      if (stop - start > 64) {
        dst.set(src.subarray(start, stop), at);
        at += stop - start;
      } else for (let k = start; k < stop; k++) dst[at++] = src[k]!;
    }
  };
}
const gather8 = gatherLoop();
const gather16 = gatherLoop();
const gather32 = gatherLoop();

/** The values of `runs` (pairs of `[start, stop)` element indices), `total` of them, in a new array of `values`' type. */
function gather<V extends NumericArray>(values: V, runs: Int32Array, count: number, total: number): V {
  const out = new (values.constructor as new (n: number) => V)(total);
  const width = values.BYTES_PER_ELEMENT;
  const view = <T>(ctor: new (buffer: ArrayBufferLike, offset: number, length: number) => T, array: NumericArray, per: number) =>
    new ctor(array.buffer, array.byteOffset, array.length * per);
  if (width === 1) gather8(view(Uint8Array, out, 1), view(Uint8Array, values, 1), runs, count, 1);
  else if (width === 2) gather16(view(Uint16Array, out, 1), view(Uint16Array, values, 1), runs, count, 1);
  else gather32(view(Uint32Array, out, width / 4), view(Uint32Array, values, width / 4), runs, count, width / 4);
  return out;
}
