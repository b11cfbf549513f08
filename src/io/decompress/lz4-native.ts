import { loadNative } from './native.ts';

interface Lz4Napi {
  uncompressSync(data: Uint8Array): Buffer;
}

const lz4 = loadNative<Lz4Napi>('lz4-napi');

/** Which LZ4 block decoder this process uses: the compiled `lz4-napi`, else cortado's JS decoder. */
export const lz4Decoder: 'native' | 'js' = lz4 ? 'native' : 'js';

/**
 * Decodes the LZ4 block `src[start, end)` that decompresses to `size` bytes with the compiled
 * decoder (`lz4-napi`, lz4_flex behind N-API: 2–3.5× the JS decoder on ROOT-sized blocks,
 * measured), or returns `undefined` where it is not available. That decoder takes the block
 * with its size prepended, so the block is copied once behind a 4-byte header (cheap next to
 * decoding). Throws on corrupt input.
 */
export function lz4DecodeNative(src: Uint8Array, start: number, end: number, size: number): Uint8Array | undefined {
  if (!lz4) return undefined;
  const framed = Buffer.allocUnsafe(end - start + 4);
  framed.writeUInt32LE(size, 0);
  framed.set(src.subarray(start, end), 4);
  return lz4.uncompressSync(framed);
}
