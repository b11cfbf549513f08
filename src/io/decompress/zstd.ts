import zlib from 'node:zlib';
import wasmZstd from '@foxglove/wasm-zstd';
import { outputChunk } from './output.ts';

type ZlibWithZstd = typeof zlib & { zstdDecompressSync?: (input: Uint8Array, options?: { chunkSize?: number }) => Buffer };
const nodeZstd = (zlib as ZlibWithZstd).zstdDecompressSync;
if (typeof nodeZstd !== 'function') await wasmZstd.isLoaded;

/** Which ZSTD decoder this process uses: Node's own (22.15+), else the WebAssembly build of libzstd. */
export const zstdDecoder: 'node:zlib' | 'wasm' = typeof nodeZstd === 'function' ? 'node:zlib' : 'wasm';

/**
 * Decompresses one ZSTD frame (ROOT's `ZS` block body, a Parquet ZSTD page) of `size` bytes
 * decompressed. Uses `node:zlib`'s ZSTD where this Node has it, else `@foxglove/wasm-zstd`
 * (libzstd compiled to WebAssembly, synchronous): measured 2.5–20× faster than the pure-JS
 * `fzstd` used before, and chosen over a native addon whose API is asynchronous only (a thread
 * pool round trip per basket cost more than it saved on ROOT's small baskets, measured).
 * With Node's decoder the output is one buffer of `size` + 1 bytes (as for zlib, see
 * `inflateZlib`: no 16 KiB chunks concatenated). Throws on corrupt input.
 */
export function decompressZstd(src: Uint8Array, size: number): Uint8Array {
  return nodeZstd ? nodeZstd(src, { chunkSize: outputChunk(size) }) : wasmZstd.decompress(src, size);
}
