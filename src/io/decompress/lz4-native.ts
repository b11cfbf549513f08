import { loadNative } from './native.ts';

interface Lz4Napi {
  uncompressSync(data: Uint8Array): Buffer;
}

const lz4 = loadNative<Lz4Napi>('lz4-napi');

/** Which LZ4 block decoder this process uses: the compiled `lz4-napi`, else cortado's JS decoder. */
export const lz4Decoder: 'native' | 'js' = lz4 ? 'native' : 'js';

/** The decoder's size prefix: a little-endian uint32 before the block. */
const PREFIX = 4;

/**
 * Decodes the LZ4 block `src[start, end)` that decompresses to `size` bytes with the compiled
 * decoder (`lz4-napi`, lz4_flex behind N-API: 2–3.5× the JS decoder on ROOT-sized blocks,
 * measured), or returns `undefined` where it is not available. That decoder takes the block
 * with its size prepended. With `inPlace` (the 4 bytes before `start` belong to the caller and
 * hold nothing still needed, as the checksum before an `L4` block once verified), the prefix is
 * written there for the call and the bytes put back after it: no copy of the block. Otherwise
 * the block is copied once behind a prefix. Throws on corrupt input.
 */
export function lz4DecodeNative(src: Uint8Array, start: number, end: number, size: number, inPlace = false): Uint8Array | undefined {
  if (!lz4) return undefined;
  if (inPlace && start >= PREFIX) {
    const at = start - PREFIX;
    const b0 = src[at]!;
    const b1 = src[at + 1]!;
    const b2 = src[at + 2]!;
    const b3 = src[at + 3]!;
    src[at] = size & 0xff;
    src[at + 1] = (size >>> 8) & 0xff;
    src[at + 2] = (size >>> 16) & 0xff;
    src[at + 3] = (size >>> 24) & 0xff;
    try {
      return lz4.uncompressSync(src.subarray(at, end));
    } finally {
      src[at] = b0;
      src[at + 1] = b1;
      src[at + 2] = b2;
      src[at + 3] = b3;
    }
  }
  const framed = Buffer.allocUnsafe(end - start + PREFIX);
  framed.writeUInt32LE(size, 0);
  framed.set(src.subarray(start, end), PREFIX);
  return lz4.uncompressSync(framed);
}
