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
  if (!isJagged(column)) {
    const flat = column as NumericArray;
    if (eventMask.length !== flat.length) throw new RangeError(`Expected an event mask of ${flat.length} entries, got ${eventMask.length}`);
    let kept = 0;
    for (let i = 0; i < eventMask.length; i++) if (eventMask[i] !== 0) kept++;
    const out = new (flat.constructor as new (n: number) => NumericArray)(kept) as unknown as Float64Array;
    const src = flat as unknown as Float64Array;
    let at = 0;
    for (let i = 0; i < eventMask.length; i++) if (eventMask[i] !== 0) out[at++] = src[i]!;
    return out as unknown as C;
  }
  const jagged = column as JaggedColumn;
  const events = jagged.offsets.length - 1;
  if (eventMask.length !== events) throw new RangeError(`Expected an event mask of ${events} entries, got ${eventMask.length}`);
  const keep = new Uint8Array(jagged.values.length);
  let rows = 0;
  for (let i = 0; i < events; i++) {
    if (eventMask[i] === 0) continue;
    rows++;
    keep.fill(1, jagged.offsets[i]!, jagged.offsets[i + 1]!);
  }
  const filtered = filter(jagged, keep);
  // Drop the offsets of the events not kept.
  const offsets = new Int32Array(rows + 1);
  let r = 0;
  for (let i = 0; i < events; i++) if (eventMask[i] !== 0) offsets[++r] = filtered.offsets[i + 1]!;
  return { offsets, values: filtered.values } as C;
}
