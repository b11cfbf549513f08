import type { DataReader } from 'hyparquet';
import { readRunHeader, unpack, type RunCursor } from './rle.ts';

/**
 * A bitmap to fill from repetition or definition levels: bit `i` (of 32-bit words)
 * is set where level `i` is `>= threshold`, or `< threshold` when `below`.
 */
export interface LevelTarget {
  readonly bits: Int32Array;
  readonly threshold: number;
  readonly below: boolean;
}

/** A zeroed bitmap for `n` levels (one spare word: a shifted byte may spill into it). */
export function allocBits(n: number): Int32Array {
  return new Int32Array((n >>> 5) + 2);
}

/** Set bits of a 32-bit word. */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Set bits of `bits` in `[from, to)`. */
export function popcountRange(bits: Int32Array, from: number, to: number): number {
  if (to <= from) return 0;
  const w0 = from >>> 5;
  const w1 = (to - 1) >>> 5;
  const m0 = -1 << (from & 31);
  const m1 = -1 >>> (31 - ((to - 1) & 31));
  if (w0 === w1) return popcount(bits[w0]! & m0 & m1);
  let n = popcount(bits[w0]! & m0) + popcount(bits[w1]! & m1);
  for (let w = w0 + 1; w < w1; w++) n += popcount(bits[w]!);
  return n;
}

/** Sets bits `[from, from + count)`. */
function fillBits(bits: Int32Array, from: number, count: number): void {
  if (count <= 0) return;
  const end = from + count - 1;
  const w0 = from >>> 5;
  const w1 = end >>> 5;
  const m0 = -1 << (from & 31);
  const m1 = -1 >>> (31 - (end & 31));
  if (w0 === w1) {
    bits[w0]! |= m0 & m1;
    return;
  }
  bits[w0]! |= m0;
  bits.fill(-1, w0 + 1, w1);
  bits[w1]! |= m1;
}

/**
 * ORs `take` one-bit values bit-packed at `bytes[at…]` (Parquet's order: first value in the
 * lowest bit) into `bits` from bit `pos`, inverted when `invert`: 32 levels (4 bytes) per step,
 * then a byte (8 levels) per step, then the last bits.
 */
function orPacked(bits: Int32Array, pos: number, bytes: Uint8Array, at: number, take: number, invert: boolean): void {
  let p = pos;
  let i = at;
  const words = take >>> 5;
  if (words > 0) {
    const flip = invert ? -1 : 0;
    // The shift stays the same from step to step: 32 levels fill a word's worth of bits.
    const s = p & 31;
    let w = p >>> 5;
    const stop = i + 4 * words;
    if (s === 0) {
      for (; i < stop; i += 4, w++) bits[w]! |= (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) ^ flip;
    } else {
      const r = 32 - s;
      for (; i < stop; i += 4, w++) {
        const x = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) ^ flip;
        bits[w]! |= x << s;
        bits[w + 1]! |= x >>> r;
      }
    }
    p += words << 5;
  }
  const left = take & 31;
  const whole = left >>> 3;
  const byteFlip = invert ? 0xff : 0;
  for (let k = 0; k < whole; k++, i++, p += 8) {
    const b = bytes[i]! ^ byteFlip;
    const s = p & 31;
    const w = p >>> 5;
    bits[w]! |= b << s;
    if (s > 24) bits[w + 1]! |= b >>> (32 - s);
  }
  const rest = left & 7;
  if (rest > 0) {
    const b = (bytes[i]! ^ byteFlip) & ((1 << rest) - 1);
    const s = p & 31;
    const w = p >>> 5;
    bits[w]! |= b << s;
    if (s > 24) bits[w + 1]! |= b >>> (32 - s);
  }
}

// Levels of wider bit-packed runs are unpacked a block at a time into this buffer (kept by the
// thread, never handed out), then compared into the bitmaps.
const BLOCK = 4096;
const scratch = new Uint8Array(BLOCK);

function orCompared(bits: Int32Array, pos: number, levels: Uint8Array, take: number, threshold: number, below: boolean): void {
  // (v - t) >>> 31 is 1 where v < t; xor with 1 gives v >= t.
  const flip = below ? 0 : 1;
  for (let i = 0, p = pos; i < take; i++, p++) {
    const bit = ((levels[i]! - threshold) >>> 31) ^ flip;
    bits[p >>> 5]! |= bit << (p & 31);
  }
}

/**
 * Decodes `n` levels in Parquet's RLE / bit-packed hybrid encoding straight into bitmaps, from
 * level index `at`: a run of N equal levels is one bit fill per bitmap, one-bit bit-packed levels
 * are ORed in a byte (8 levels) at a time, and no byte per level is kept. Reads at most `length`
 * bytes (or a 4-byte little-endian length prefix when undefined), then moves `reader` past them.
 * A level above `max`, a run past the bytes, or a bad header throws a `RangeError` (the reader
 * reports it as `E_IO_MALFORMED`). Bits are only ever set: the bitmaps must be zero at
 * `[at, at + n)`, and no bit outside it is touched.
 *
 * @example
 * ```ts
 * const starts = allocBits(total);
 * readLevelBits(reader, 1, 1, 0, n, [{ bits: starts, threshold: 1, below: true }]); // rep 0 opens a row
 * ```
 */
export function readLevelBits(
  reader: DataReader,
  width: number,
  max: number,
  at: number,
  n: number,
  targets: readonly LevelTarget[],
  length?: number,
): void {
  const { view } = reader;
  if (length === undefined) {
    if (reader.offset + 4 > view.byteLength) throw new RangeError(`Expected a 4-byte level length at byte ${reader.offset}, got the end of the page`);
    length = view.getUint32(reader.offset, true);
    reader.offset += 4;
  }
  if (!(width >= 1 && width <= 8)) throw new RangeError(`Expected a level bit width from 1 to 8, got ${width}`);
  const start = reader.offset;
  if (!Number.isInteger(start) || !Number.isInteger(length) || length < 0) {
    throw new RangeError(`Expected encoded levels at a byte offset with a byte length, got ${start} and ${length}`);
  }
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const end = Math.min(start + length, view.byteLength);
  const cursor: RunCursor = { at: start };
  let p = start;
  let seen = 0;
  while (seen < n) {
    cursor.at = p;
    const header = readRunHeader(bytes, cursor, end);
    if (header < 0) throw new RangeError(`Expected ${n} levels, got the end of their bytes after ${seen}`);
    p = cursor.at;
    const count = Math.floor(header / 2);
    if (header % 2 === 1) {
      // `count` groups of 8 levels, `width` bytes per group; levels past `n` are padding.
      const take = Math.min(count * 8, n - seen);
      const needed = Math.ceil((take * width) / 8);
      if (p + needed > end) throw new RangeError(`Expected ${needed} bit-packed level bytes at byte ${p}, got ${end - p}`);
      if (width === 1) {
        for (const t of targets) orPacked(t.bits, at + seen, bytes, p, take, t.below);
      } else {
        for (let done = 0; done < take; done += BLOCK) {
          const block = Math.min(BLOCK, take - done);
          unpack(bytes, p + (done / 8) * width, width, scratch, 0, block);
          let bad = 0;
          for (let i = 0; i < block; i++) bad |= max - scratch[i]!;
          if (bad < 0) throw new RangeError(`Expected levels of at most ${max}, got ${Math.max(...scratch.subarray(0, block))}`);
          for (const t of targets) orCompared(t.bits, at + seen + done, scratch, block, t.threshold, t.below);
        }
      }
      p = Math.min(end, p + count * width);
      seen += take;
    } else {
      const size = (width + 7) >> 3;
      if (p + size > end) throw new RangeError(`Expected a ${size}-byte run level at byte ${p}, got ${end - p}`);
      let value = 0;
      for (let k = 0; k < size; k++) value += bytes[p++]! * 2 ** (8 * k);
      if (value > max) throw new RangeError(`Expected levels of at most ${max}, got ${value}`);
      const take = Math.min(count, n - seen);
      for (const t of targets) if (value >= t.threshold !== t.below) fillBits(t.bits, at + seen, take);
      seen += take;
    }
  }
  reader.offset = start + length;
}
