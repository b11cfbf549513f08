import type { JaggedColumn } from '../columns.ts';

/**
 * All unordered pairs of objects within each event, as indices into the collection's value
 * arrays (the same for every field): pair `k` of event `i`, for `offsets[i] <= k < offsets[i+1]`,
 * joins objects `first[k]` and `second[k]` (with `first[k] < second[k]`).
 */
export interface Pairs {
  /** `events + 1` offsets into `first`/`second`. */
  readonly offsets: Int32Array;
  readonly first: Int32Array;
  readonly second: Int32Array;
}

/** Anything with per-event offsets: a jagged column or a collection. */
export interface HasOffsets {
  readonly offsets: Int32Array;
}

/**
 * All unordered pairs within each event (`n·(n−1)/2` per event, in order (0,1), (0,2), (1,2) …).
 *
 * @example
 * ```ts
 * const dimuons = pairs(events.Muon);
 * const mass = pairMass(dimuons, events.Muon); // JaggedColumn of pair masses
 * ```
 */
export function pairs(source: HasOffsets): Pairs {
  const objectOffsets = source.offsets;
  const events = objectOffsets.length - 1;
  const offsets = new Int32Array(events + 1);
  let total = 0;
  for (let i = 0; i < events; i++) {
    const n = objectOffsets[i + 1]! - objectOffsets[i]!;
    total += (n * (n - 1)) >> 1;
    offsets[i + 1] = total;
  }
  const first = new Int32Array(total);
  const second = new Int32Array(total);
  let k = 0;
  for (let i = 0; i < events; i++) {
    const begin = objectOffsets[i]!;
    const end = objectOffsets[i + 1]!;
    for (let a = begin; a < end; a++) {
      for (let b = a + 1; b < end; b++) {
        first[k] = a;
        second[k] = b;
        k++;
      }
    }
  }
  return { offsets, first, second };
}

/**
 * Keeps the pairs whose `mask` entry is non-zero (a mask over pairs, e.g. from {@link oppositeCharge}).
 *
 * @example
 * ```ts
 * const os = filterPairs(dimuons, oppositeCharge(dimuons, events.Muon.charge));
 * ```
 */
export function filterPairs(source: Pairs, mask: Uint8Array): Pairs {
  const { offsets: inOffsets, first: inFirst, second: inSecond } = source;
  if (mask.length !== inFirst.length) {
    throw new RangeError(`Expected a mask of ${inFirst.length} entries (one per pair), got ${mask.length}`);
  }
  let kept = 0;
  for (let k = 0; k < mask.length; k++) if (mask[k] !== 0) kept++;
  const offsets = new Int32Array(inOffsets.length);
  const first = new Int32Array(kept);
  const second = new Int32Array(kept);
  let at = 0;
  for (let i = 0; i + 1 < inOffsets.length; i++) {
    for (let k = inOffsets[i]!, end = inOffsets[i + 1]!; k < end; k++) {
      if (mask[k] === 0) continue;
      first[at] = inFirst[k]!;
      second[at] = inSecond[k]!;
      at++;
    }
    offsets[i + 1] = at;
  }
  return { offsets, first, second };
}

/**
 * A mask over pairs: 1 where the two objects have opposite charges.
 *
 * @example
 * ```ts
 * const mask = oppositeCharge(pairs(events.Muon), events.Muon.charge);
 * ```
 */
export function oppositeCharge(source: Pairs, charge: JaggedColumn): Uint8Array {
  const values = numericValues(charge, 'charge');
  const { first, second } = source;
  const mask = new Uint8Array(first.length);
  for (let k = 0; k < first.length; k++) mask[k] = values[first[k]!]! * values[second[k]!]! < 0 ? 1 : 0;
  return mask;
}

/** The values of a jagged column as numbers; 64-bit integer columns are refused. */
export function numericValues(column: JaggedColumn, what: string): ArrayLike<number> {
  const values = column.values;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    throw new TypeError(`Expected ${what} as 32-bit numbers or floats, got a 64-bit integer column (${values.constructor.name})`);
  }
  return values;
}
