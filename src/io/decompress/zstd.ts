import { decompressZstdNative, decompressZstdNativeInto, nodeZstdDecompressSync } from './zstd-native.ts';
import { decompressZstdWasm, decompressZstdWasmInto, loadZstdWasm } from './zstd-wasm.ts';

/** Which ZSTD decoder this process uses: Node's own (22.15+), else the WebAssembly build of libzstd. */
export const zstdDecoder: 'node:zlib' | 'wasm' = typeof nodeZstdDecompressSync === 'function' ? 'node:zlib' : 'wasm';

if (zstdDecoder === 'wasm') await loadZstdWasm();

/**
 * Decompresses one ZSTD frame (ROOT's `ZS` block body, a Parquet ZSTD page) of `size` bytes
 * decompressed. Uses `node:zlib`'s ZSTD where this Node has it — through one native context per
 * thread, reset per frame (see `decompressZstdNative`) — else `@foxglove/wasm-zstd` (libzstd
 * compiled to WebAssembly, synchronous, through input and output regions kept per thread, see
 * `decompressZstdWasm`): measured 2.5–20× faster than the pure-JS `fzstd` used before, and chosen
 * over a native addon whose API is asynchronous only (a thread pool round trip per basket cost
 * more than it saved on ROOT's small baskets, measured). With Node's decoder the output is one
 * buffer of `size` + 1 bytes (as for zlib, see `inflateZlib`: no 16 KiB chunks concatenated).
 * Throws on corrupt input.
 *
 * @example
 * ```ts
 * const bytes = decompressZstd(frame, uncompressedSize);
 * ```
 */
export function decompressZstd(src: Uint8Array, size: number): Uint8Array {
  return zstdDecoder === 'node:zlib' ? decompressZstdNative(src, size) : decompressZstdWasm(src, size);
}

/**
 * Decompresses one ZSTD frame of `size` bytes straight into `dest` at `offset` (one block of a
 * payload of several, whose whole output is already allocated) and returns how many bytes it
 * holds: `size` when it decoded right (then they are in `dest`), else the frame's own length and
 * `dest` is not to be used (the caller raises its length error). Bytes of `dest` after
 * `offset + size` may be overwritten. Throws on corrupt input.
 *
 * @example
 * ```ts
 * if (decompressZstdInto(frame, out, at, blockSize) !== blockSize) throw new Error('short block');
 * ```
 */
export function decompressZstdInto(src: Uint8Array, dest: Uint8Array, offset: number, size: number): number {
  return zstdDecoder === 'node:zlib'
    ? decompressZstdNativeInto(src, dest, offset, size)
    : decompressZstdWasmInto(src, dest, offset, size);
}
