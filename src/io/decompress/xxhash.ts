import xxhashWasm from 'xxhash-wasm';

const { h64Raw } = await xxhashWasm();

/**
 * The 64-bit xxHash (seed 0) of `bytes`, as ROOT and uproot compute it over an LZ4 block's
 * compressed data; `xxhash-wasm` (WebAssembly, several GB/s) rather than BigInt arithmetic in JS.
 *
 * @example
 * ```ts
 * xxhash64(new Uint8Array(0)); // 0xef46db3751d8e999n
 * ```
 */
export function xxhash64(bytes: Uint8Array): bigint {
  return h64Raw(bytes);
}
