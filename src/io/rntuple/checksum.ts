import { createXXHash3, type IHasher } from 'hash-wasm';

let hasher: IHasher | undefined;
let loading: Promise<IHasher> | undefined;

/**
 * Loads the XXH3 hasher (WebAssembly, compiled once per thread). {@link xxh3} works only after
 * this resolved; opening an RNTuple awaits it.
 */
export async function loadXxh3(): Promise<void> {
  if (hasher) return;
  loading ??= createXXHash3();
  hasher = await loading;
}

/**
 * XXH3-64 (seed 0) of `bytes`, as RNTuple stores it for anchors, envelopes and pages: hash-wasm's
 * WebAssembly build of the reference implementation (checked against the published test vectors
 * in the tests). Call {@link loadXxh3} first.
 *
 * @example
 * ```ts
 * await loadXxh3();
 * xxh3(new Uint8Array(0)); // 0x2d06800538d394c2n
 * ```
 */
export function xxh3(bytes: Uint8Array): bigint {
  if (!hasher) throw new Error('xxh3() called before loadXxh3() resolved');
  hasher.init();
  hasher.update(bytes);
  const digest = hasher.digest('binary');
  return new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, false);
}
