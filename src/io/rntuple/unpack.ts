/**
 * The byte- and bit-level transforms of RNTuple column encodings, each a tight loop over one
 * page. All assume a little-endian machine, as RNTuple's on-disk order is little-endian (checked
 * once in decode-page.ts).
 */

/** Reassembles byte-split elements (`size` planes of `n` bytes) into `n` whole elements. */
export function unsplit(src: Uint8Array, n: number, size: 2 | 4 | 8): ArrayBuffer {
  const out = new ArrayBuffer(n * size);
  if (size === 4) {
    const o = new Uint32Array(out);
    const n2 = 2 * n;
    const n3 = 3 * n;
    for (let i = 0; i < n; i++) o[i] = (src[i]! | (src[n + i]! << 8) | (src[n2 + i]! << 16) | (src[n3 + i]! << 24)) >>> 0;
  } else if (size === 2) {
    const o = new Uint16Array(out);
    for (let i = 0; i < n; i++) o[i] = src[i]! | (src[n + i]! << 8);
  } else {
    const o = new Uint32Array(out);
    for (let i = 0; i < n; i++) {
      o[2 * i] = (src[i]! | (src[n + i]! << 8) | (src[2 * n + i]! << 16) | (src[3 * n + i]! << 24)) >>> 0;
      o[2 * i + 1] = (src[4 * n + i]! | (src[5 * n + i]! << 8) | (src[6 * n + i]! << 16) | (src[7 * n + i]! << 24)) >>> 0;
    }
  }
  return out;
}

/**
 * Decodes a split, delta-encoded index page (SplitIndex32/64) in one pass over the byte planes:
 * element `i` is the sum of the first `i + 1` stored differences.
 */
export function unsplitDeltaIndex(src: Uint8Array, n: number, size: 4 | 8): Float64Array {
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let value = (src[i]! | (src[n + i]! << 8) | (src[2 * n + i]! << 16) | (src[3 * n + i]! << 24)) >>> 0;
    if (size === 8) {
      const hi = (src[4 * n + i]! | (src[5 * n + i]! << 8) | (src[6 * n + i]! << 16) | (src[7 * n + i]! << 24)) >>> 0;
      if (hi !== 0) value += hi * 4294967296;
    }
    sum += value;
    out[i] = sum;
  }
  return out;
}

/** Undoes zigzag encoding in place (`0,1,2,3,… → 0,-1,1,-2,…`) of 16-, 32- or 64-bit elements. */
export function unzigzag(buffer: ArrayBuffer, size: 2 | 4 | 8): void {
  if (size === 2) {
    const a = new Uint16Array(buffer);
    for (let i = 0; i < a.length; i++) { const x = a[i]!; a[i] = (x >>> 1) ^ -(x & 1); }
  } else if (size === 4) {
    const a = new Uint32Array(buffer);
    for (let i = 0; i < a.length; i++) { const x = a[i]!; a[i] = (x >>> 1) ^ -(x & 1); }
  } else {
    // 64-bit words as (low, high) 32-bit halves: a shift right by one across the halves, then
    // all bits flipped when the lowest bit was set.
    const a = new Uint32Array(buffer);
    for (let i = 0; i < a.length; i += 2) {
      const lo = a[i]!;
      const hi = a[i + 1]!;
      const flip = -(lo & 1);
      a[i] = ((lo >>> 1) | (hi << 31)) ^ flip;
      a[i + 1] = (hi >>> 1) ^ flip;
    }
  }
}

/** Expands bit-packed booleans (element `i` is bit `i % 8` of byte `i / 8`) into bytes 0/1. */
export function unpackBits(src: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (src[i >>> 3]! >>> (i & 7)) & 1;
  return out;
}

/**
 * Reads `n` unsigned integers of `bits` bits (1–32) from a little-endian bit stream, least
 * significant bit first (ROOT's `BitPacking::PackBits` layout).
 */
export function unpackBitStream(src: Uint8Array, n: number, bits: number): Uint32Array {
  const out = new Uint32Array(n);
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  let pos = 0;
  for (let i = 0; i < n; i++, pos += bits) {
    const at = pos >>> 3;
    const shift = pos & 7;
    // Up to 5 bytes hold the value; bytes past the end read as undefined → 0.
    const low = ((src[at]! | 0) | ((src[at + 1]! | 0) << 8) | ((src[at + 2]! | 0) << 16) | ((src[at + 3]! | 0) << 24)) >>> shift;
    const high = shift === 0 ? 0 : ((src[at + 4]! | 0) << (32 - shift));
    out[i] = ((low | high) & mask) >>> 0;
  }
  return out;
}

const halfView = new DataView(new ArrayBuffer(4));

/** An IEEE-754 half-precision value (its 16 bits) as a number, exactly. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) {
    if (mantissa === 0) return sign * Infinity;
    halfView.setUint32(0, ((h & 0x8000) << 16) | 0x7f800000 | (mantissa << 13));
    return halfView.getFloat32(0);
  }
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
