import { createXXHash64 } from 'hash-wasm';

// hash-wasm (WebAssembly) also gives the RNTuple reader its XXH3: one hashing package, not two.
const hasher = await createXXHash64(0, 0);

/**
 * The 64-bit xxHash (seed 0) of `bytes`, as ROOT and uproot compute it over an LZ4 block's
 * compressed data; hash-wasm's WebAssembly build of the reference implementation (several GB/s)
 * rather than BigInt arithmetic in JS.
 *
 * @example
 * ```ts
 * xxhash64(new Uint8Array(0)); // 0xef46db3751d8e999n
 * ```
 */
export function xxhash64(bytes: Uint8Array): bigint {
  hasher.init();
  hasher.update(bytes);
  const digest = hasher.digest('binary');
  return new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, false);
}
