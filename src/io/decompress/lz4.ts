/**
 * A decoder for LZ4 *blocks* (not frames), as ROOT stores them after its `L4` block header.
 * Written here because it is ~60 lines and tight: ROOT's LZ4 baskets are small and many, so a
 * native binding's call overhead would buy little. Every length is bounds-checked so corrupt
 * input throws instead of reading or writing out of range.
 */

/** Thrown by {@link lz4DecodeBlock} for input that is not a valid LZ4 block. */
export class Lz4FormatError extends Error {
  override readonly name = 'Lz4FormatError';
}

/**
 * Decodes the LZ4 block `src[srcStart, srcEnd)` into `dst` from `dstStart`, writing at most up
 * to `dstEnd`. Returns the end position written in `dst`.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(expected);
 * const end = lz4DecodeBlock(block, 0, block.length, out, 0, out.length);
 * if (end !== out.length) throw new Error('short block');
 * ```
 */
export function lz4DecodeBlock(
  src: Uint8Array, srcStart: number, srcEnd: number,
  dst: Uint8Array, dstStart: number, dstEnd: number,
): number {
  let s = srcStart;
  let d = dstStart;
  while (s < srcEnd) {
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= srcEnd) throw new Lz4FormatError('LZ4 literal length runs past the end of the block');
        b = src[s++]!;
        literals += b;
      } while (b === 255);
    }
    if (s + literals > srcEnd || d + literals > dstEnd) {
      throw new Lz4FormatError(`LZ4 literal run of ${literals} bytes overruns the block or the output`);
    }
    if (literals < 16) {
      for (let i = 0; i < literals; i++) dst[d + i] = src[s + i]!;
    } else {
      dst.set(src.subarray(s, s + literals), d);
    }
    s += literals;
    d += literals;
    if (s >= srcEnd) break; // the last sequence has literals only
    if (s + 2 > srcEnd) throw new Lz4FormatError('LZ4 match offset cut off at the end of the block');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d - dstStart) {
      throw new Lz4FormatError(`LZ4 match offset ${offset} points before the start of the output`);
    }
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (s >= srcEnd) throw new Lz4FormatError('LZ4 match length runs past the end of the block');
        b = src[s++]!;
        length += b;
      } while (b === 255);
    }
    length += 4;
    if (d + length > dstEnd) throw new Lz4FormatError(`LZ4 match of ${length} bytes overruns the output`);
    let m = d - offset;
    if (offset >= length && length >= 32) {
      dst.copyWithin(d, m, m + length);
      d += length;
    } else {
      // Overlapping matches repeat the last `offset` bytes: a forward byte copy does exactly that.
      const end = d + length;
      while (d < end) dst[d++] = dst[m++]!;
    }
  }
  return d;
}
