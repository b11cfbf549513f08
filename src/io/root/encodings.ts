import type { NumericArray } from '../columns.ts';
import type { ColumnKind } from '../source.ts';
import { copyBigEndian } from './decode.ts';
import { KIND_CODECS } from './kinds.ts';

/**
 * How a branch's values are stored on disk when not as plain big-endian numbers of their kind:
 * ROOT's `Double32_t` and `Float16_t`, either as a float (no range), an unsigned integer over a
 * range `[low, high]` in `bits` bits, or a float truncated to `bits` mantissa bits (range 0, 0).
 */
export type Encoding =
  | { readonly type: 'plain' }
  | { readonly type: 'float32-as-float64' }
  | { readonly type: 'ranged'; readonly low: number; readonly high: number; readonly bits: number }
  | { readonly type: 'truncated'; readonly bits: number }
  /** TObject's fBits: a uint32, followed by a 2-byte process id when its kIsReferenced bit is set (skipped). */
  | { readonly type: 'bits' };

/** TObject's kIsReferenced bit: a referenced object's fBits is followed by its process id. */
const IS_REFERENCED = 1 << 4;

/**
 * How many fBits values lie in `length` bytes at `srcByte` (each 4 bytes, or 6 when referenced),
 * or -1 when they do not end exactly there. Equal to `length / 4` when no object is referenced.
 */
export function countBits(src: Uint8Array, srcByte: number, length: number): number {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let n = 0;
  let at = srcByte;
  const end = srcByte + length;
  while (at + 4 <= end) {
    at += view.getUint32(at) & IS_REFERENCED ? 6 : 4;
    n++;
  }
  return at === end ? n : -1;
}

/**
 * Reads the fBits values in `length` bytes at `srcByte` into `out` from `outIndex`, skipping the
 * process id after each referenced one (as TObject's streamer does); returns how many it read.
 * The bytes must hold whole values ({@link countBits} ≥ 0).
 */
export function decodeBits(src: Uint8Array, srcByte: number, length: number, out: NumericArray, outIndex: number): number {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let n = 0;
  let at = srcByte;
  const end = srcByte + length;
  while (at + 4 <= end) {
    const word = view.getUint32(at);
    out[outIndex + n++] = word;
    at += word & IS_REFERENCED ? 6 : 4;
  }
  return n;
}

/** Plain storage. */
export const PLAIN: Encoding = { type: 'plain' };

/** Bytes per stored value of `kind` under `encoding`. */
export function storedSize(kind: ColumnKind, encoding: Encoding): number {
  switch (encoding.type) {
    case 'plain': return KIND_CODECS[kind].size;
    case 'float32-as-float64': case 'ranged': case 'bits': return 4;
    case 'truncated': return 3;
  }
}

/**
 * Decodes `count` stored values from `src` at byte `srcByte` into `out` from `outIndex`: a bulk
 * byte-swapping copy for plain storage, else value by value the way ROOT's `ReadDouble32` /
 * `ReadFloat16` (and uproot's `AsDouble32`/`AsFloat16`) compute them.
 */
export function decodeValues(src: Uint8Array, srcByte: number, count: number, out: NumericArray, outIndex: number,
  kind: ColumnKind, encoding: Encoding): void {
  if (count <= 0) return;
  if (encoding.type === 'plain' || encoding.type === 'bits') {
    copyBigEndian(src, srcByte, count, out, outIndex, KIND_CODECS[kind].size);
    if (kind === 'bool') {
      // A bool byte other than 0 or 1 (written from an uninitialised bool) reads as true.
      for (let i = outIndex; i < outIndex + count; i++) if (out[i]! > 1) out[i] = 1;
    }
    return;
  }
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const target = out as Float32Array | Float64Array;
  const single = kind === 'float32';
  if (encoding.type === 'float32-as-float64') {
    for (let i = 0; i < count; i++) target[outIndex + i] = view.getFloat32(srcByte + 4 * i);
  } else if (encoding.type === 'ranged') {
    const scale = (encoding.high - encoding.low) / 2 ** encoding.bits;
    if (single) {
      const s = Math.fround(scale);
      const low = Math.fround(encoding.low);
      for (let i = 0; i < count; i++) {
        target[outIndex + i] = Math.fround(Math.fround(Math.fround(view.getUint32(srcByte + 4 * i)) * s) + low);
      }
    } else {
      for (let i = 0; i < count; i++) target[outIndex + i] = view.getUint32(srcByte + 4 * i) * scale + encoding.low;
    }
  } else {
    const bits = encoding.bits;
    const mask = (1 << (bits + 1)) - 1;
    const sign = 1 << (bits + 1);
    const word = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < count; i++) {
      const at = srcByte + 3 * i;
      const exponent = src[at]!;
      const mantissa = view.getUint16(at + 1);
      word.setInt32(0, (exponent << 23) | ((mantissa & mask) << (23 - bits)));
      const value = word.getFloat32(0);
      target[outIndex + i] = mantissa & sign ? -value : value;
    }
  }
}
