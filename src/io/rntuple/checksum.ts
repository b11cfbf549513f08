import { xxh3of } from '../decompress/xxhash.ts';

/**
 * Makes sure the XXH3 hasher is there before a read needs it: the compiled `@node-rs/xxhash`,
 * loaded once per thread. Rejects with `E_IO_UNSUPPORTED` on a platform without its binary, so that
 * opening an RNTuple fails at once rather than at the first checksum. Kept async for its callers.
 */
export async function loadXxh3(): Promise<void> {
  xxh3of(new Uint8Array(0));
}

/**
 * XXH3-64 (seed 0) of `bytes`, as RNTuple stores it for anchors, envelopes and pages (the reference
 * implementation, compiled; checked against the published test vectors in the tests).
 *
 * @example
 * ```ts
 * await loadXxh3();
 * xxh3(new Uint8Array(0)); // 0x2d06800538d394c2n
 * ```
 */
export function xxh3(bytes: Uint8Array): bigint {
  return xxh3of(bytes);
}
