import type { NumericArray } from '../columns.ts';
import { swapper } from './byte-swap.ts';
import type { NumericArrayConstructor } from './kinds.ts';

/** Whether this machine stores numbers little-endian (then ROOT's big-endian bytes need a swap). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Below this many bytes a JS loop swaps faster than a call into Node's native `Buffer#swapNN`
 * (Node itself loops in JS below 192 bytes).
 */
const NATIVE_SWAP_BYTES = 192;

/**
 * Copies `count` big-endian values of `size` bytes from `src` at byte `srcByte` into `out` from
 * element `outIndex`, converting to native order: through the WebAssembly SIMD swapper
 * (`byte-swap.ts`: copy and swap in one go, 2–2.5× Node's swap) for all but tiny runs; where
 * that is missing, one `set` (a memcpy) then Node's native `Buffer#swap16/32/64` in place
 * (measured 4–8× the JS loop on basket-sized runs); a JS loop on an aligned integer view for tiny runs.
 *
 * @example
 * ```ts
 * const pt = new Float32Array(n);
 * copyBigEndian(basketBytes, 0, n, pt, 0, 4);
 * ```
 */
export function copyBigEndian(src: Uint8Array, srcByte: number, count: number, out: NumericArray, outIndex: number,
  size: 1 | 2 | 4 | 8): void {
  if (count <= 0) return;
  const byteOffset = out.byteOffset + outIndex * size;
  const n = count * size;
  const target = new Uint8Array(out.buffer, byteOffset, n);
  if (size !== 1 && LITTLE_ENDIAN && swapper && n >= NATIVE_SWAP_BYTES) {
    swapper(src.subarray(srcByte, srcByte + n), size, target); // copied and swapped in one go
    return;
  }
  target.set(src.subarray(srcByte, srcByte + n));
  if (size === 1 || !LITTLE_ENDIAN) return;
  if (n >= NATIVE_SWAP_BYTES) {
    const bytes = Buffer.from(out.buffer, byteOffset, n);
    if (size === 4) bytes.swap32();
    else if (size === 8) bytes.swap64();
    else bytes.swap16();
    return;
  }
  swapLoop(out.buffer, byteOffset, count, size);
}

function swapLoop(buffer: ArrayBufferLike, byteOffset: number, count: number, size: 2 | 4 | 8): void {
  if (size === 2) {
    const u16 = new Uint16Array(buffer, byteOffset, count);
    for (let i = 0; i < count; i++) {
      const x = u16[i]!;
      u16[i] = (x >>> 8) | ((x & 0xff) << 8);
    }
  } else if (size === 4) {
    const i32 = new Int32Array(buffer, byteOffset, count);
    for (let i = 0; i < count; i++) {
      const x = i32[i]!;
      i32[i] = (x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24);
    }
  } else {
    const i32 = new Int32Array(buffer, byteOffset, count * 2);
    for (let i = 0; i < count * 2; i += 2) {
      const hi = i32[i]!;
      const lo = i32[i + 1]!;
      i32[i] = (lo >>> 24) | ((lo >>> 8) & 0xff00) | ((lo & 0xff00) << 8) | (lo << 24);
      i32[i + 1] = (hi >>> 24) | ((hi >>> 8) & 0xff00) | ((hi & 0xff00) << 8) | (hi << 24);
    }
  }
}

/**
 * A typed array of `length` elements of `size` bytes whose memory is not zeroed first (its own
 * buffer, exactly that long): for outputs the caller overwrites entirely, where zeroing would be
 * one more pass over every decoded byte.
 *
 * @example
 * ```ts
 * const pt = allocUninitialized(Float32Array, n, 4); // then fill all n values
 * ```
 */
export function allocUninitialized<T extends NumericArray>(ctor: NumericArrayConstructor, length: number, size: number): T {
  const bytes = Buffer.allocUnsafeSlow(length * size);
  const View = ctor as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T;
  return new View(bytes.buffer, bytes.byteOffset, length);
}

/**
 * Converts `count` big-endian values of `size` bytes at `bytes[byteStart…]` to native order in
 * place and returns a typed array over them — no copy — or `undefined` when they are not aligned
 * for `ctor` (then copy with {@link copyBigEndian}). Only for bytes nobody else reads: a basket
 * decompressed for this read alone.
 *
 * @example
 * ```ts
 * const pt = adoptBigEndian(payload, 0, n, Float32Array, 4) ?? copyOut();
 * ```
 */
export function adoptBigEndian<T extends NumericArray>(bytes: Uint8Array, byteStart: number, count: number,
  ctor: NumericArrayConstructor, size: 1 | 2 | 4 | 8): T | undefined {
  const byteOffset = bytes.byteOffset + byteStart;
  if (byteOffset % size !== 0 || byteStart + count * size > bytes.length) return undefined;
  if (size > 1 && LITTLE_ENDIAN && count > 0) {
    const n = count * size;
    if (swapper && n >= NATIVE_SWAP_BYTES) {
      const view = new Uint8Array(bytes.buffer, byteOffset, n);
      swapper(view, size as 2 | 4 | 8, view);
    } else if (n >= NATIVE_SWAP_BYTES) {
      const view = Buffer.from(bytes.buffer, byteOffset, n);
      if (size === 4) view.swap32();
      else if (size === 8) view.swap64();
      else view.swap16();
    } else {
      swapLoop(bytes.buffer, byteOffset, count, size as 2 | 4 | 8);
    }
  }
  const View = ctor as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T;
  return new View(bytes.buffer, byteOffset, count);
}
