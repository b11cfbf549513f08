/** Repetition and definition levels of some rows of a list column, RLE/bit-packed hybrid encoded (bit width 1). */
export interface ListLevels {
  /** Levels (one per value, one per empty list). */
  readonly count: number;
  /** Empty lists (definition level 0). */
  readonly empty: number;
  readonly repetition: Uint8Array;
  readonly definition: Uint8Array;
}

/**
 * The Dremel levels of rows `[from, to)` of a one-level list column (`REQUIRED group (LIST) {
 * REPEATED group list { REQUIRED item } }`: max repetition and definition level 1), encoded as
 * Parquet's RLE/bit-packed hybrid straight from the offsets, without a JS array per level.
 * Repetition is 0 where a row starts, 1 for the following values of its list; definition is 1 for
 * a value and 0 for an empty list. When no list is empty the definition levels are all 1: one RLE
 * run of two bytes or so. The repetition levels are one bit-packed run.
 *
 * @example
 * ```ts
 * listLevels(Int32Array.of(0, 2, 2, 3), 0, 3);
 * // count 4, empty 1: repetition bits 0,1,0,0; definition bits 1,1,0,1
 * ```
 */
export function listLevels(offsets: Int32Array, from: number, to: number): ListLevels {
  let count = 0;
  let empty = 0;
  for (let r = from; r < to; r++) {
    const n = offsets[r + 1]! - offsets[r]!;
    if (n === 0) empty++;
    count += n === 0 ? 1 : n;
  }
  const groups = (count + 7) >>> 3;
  const repetition = bitPackedRun(groups);
  const packedDefinition = empty === 0 ? undefined : bitPackedRun(groups);
  // Every level is 1 but a row's first (repetition) and an empty list's (definition): set all,
  // then clear one bit per row.
  const repBits = repetition.bits;
  const defBits = packedDefinition?.bits;
  setAll(repBits, count);
  if (defBits !== undefined) setAll(defBits, count);
  let at = 0;
  for (let r = from; r < to; r++) {
    const n = offsets[r + 1]! - offsets[r]!;
    repBits[at >>> 3]! &= ~(1 << (at & 7));
    if (n === 0) {
      defBits![at >>> 3]! &= ~(1 << (at & 7));
      at++;
    } else at += n;
  }
  return { count, empty, repetition: repetition.bytes, definition: packedDefinition?.bytes ?? rleRun(count, 1) };
}

/** Sets the first `count` bits, leaving the padding of the last group clear. */
function setAll(bits: Uint8Array, count: number): void {
  bits.fill(0xff, 0, count >>> 3);
  if ((count & 7) !== 0) bits[count >>> 3] = (1 << (count & 7)) - 1;
}

/** A run of `groups` groups of 8 one-bit values: its header and the (zeroed) bits after it. */
function bitPackedRun(groups: number): { bytes: Uint8Array; bits: Uint8Array } {
  const header = varint(groups * 2 + 1);
  const bytes = new Uint8Array(header.length + groups);
  bytes.set(header);
  return { bytes, bits: bytes.subarray(header.length) };
}

/** An RLE run: `count` times the one-bit `value`. */
function rleRun(count: number, value: number): Uint8Array {
  const header = varint(count * 2);
  const bytes = new Uint8Array(header.length + 1);
  bytes.set(header);
  bytes[header.length] = value;
  return bytes;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/**
 * {@link listLevels} remembered across the columns of one file: the columns of a collection
 * (`Muon_pt`, `Muon_eta`, …) have equal offsets, so their levels are encoded once (the check is
 * one memory comparison). Keeps the last few distinct offsets.
 *
 * @example
 * ```ts
 * const memo = new LevelsMemo();
 * memo.levels(pt.offsets, 0, rows) === memo.levels(eta.offsets, 0, rows); // true when equal
 * ```
 */
export class LevelsMemo {
  readonly #entries: Array<{ offsets: Buffer; levels: ListLevels }> = [];

  levels(offsets: Int32Array, from: number, to: number): ListLevels {
    const part = offsets.subarray(from, to + 1);
    const bytes = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    const known = this.#entries.find((e) => e.offsets.equals(bytes));
    if (known !== undefined) return known.levels;
    const levels = listLevels(offsets, from, to);
    this.#entries.unshift({ offsets: bytes, levels });
    if (this.#entries.length > 4) this.#entries.pop();
    return levels;
  }
}
