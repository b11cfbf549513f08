import { IoError } from '../errors.ts';
import { loadNative } from './native.ts';

interface XxhashNapi {
  xxh64(input: Uint8Array, seed?: bigint): bigint;
  xxh3: { xxh64(input: Uint8Array, seed?: bigint): bigint };
}

// @node-rs/xxhash: the reference xxHash compiled (N-API), its binary shipped in per-platform
// packages (no install script). 0.7 MB installed, where the WebAssembly hash-wasm took 2 MB; the
// same digests. Loaded on first use, so a platform without a binary fails only where a checksum is checked.
let native: XxhashNapi | undefined;

function hasher(): XxhashNapi {
  native ??= loadNative<XxhashNapi>('@node-rs/xxhash');
  if (native) return native;
  throw new IoError(
    'E_IO_UNSUPPORTED',
    `Expected a prebuilt @node-rs/xxhash for ${process.platform}-${process.arch} (LZ4 blocks and RNTuple pages carry xxHash checksums), got none: ` +
      'no binary is published for this platform',
  );
}

/**
 * The 64-bit xxHash (seed 0) of `bytes`, as ROOT and uproot compute it over an LZ4 block's
 * compressed data.
 *
 * @example
 * ```ts
 * xxhash64(new Uint8Array(0)); // 0xef46db3751d8e999n
 * ```
 */
export function xxhash64(bytes: Uint8Array): bigint {
  return hasher().xxh64(bytes, 0n);
}

/**
 * XXH3-64 (seed 0) of `bytes`, as RNTuple stores it for anchors, envelopes and pages.
 *
 * @example
 * ```ts
 * xxh3of(new Uint8Array(0)); // 0x2d06800538d394c2n
 * ```
 */
export function xxh3of(bytes: Uint8Array): bigint {
  return hasher().xxh3.xxh64(bytes, 0n);
}
