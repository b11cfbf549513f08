import { createRequire } from 'node:module';
import wasmZstd from '@foxglove/wasm-zstd';

/** The Emscripten module under `@foxglove/wasm-zstd` (its `index.js` wraps these per call). */
interface WasmZstdModule {
  _malloc(size: number): number;
  _free(pointer: number): void;
  /** ZSTD_decompress of every frame in `src` into `dest`: the bytes written, or -1 on any error. */
  _decompress(dest: number, destSize: number, src: number, srcSize: number): number;
  /** The module's memory; replaced when the memory grows, so read it after each `_malloc`. */
  readonly HEAPU8: Uint8Array;
}

/** A region of the module's memory this thread keeps for one side of every call. */
interface Region {
  pointer: number;
  size: number;
}

/** Regions larger than this are not kept (a corrupt size header must not pin memory). */
const MAX_KEPT = 1 << 24;

let module: WasmZstdModule | undefined;
const input: Region = { pointer: 0, size: 0 };
const output: Region = { pointer: 0, size: 0 };

/** @internal Frames decoded through the kept regions, and times a region grew. For tests. */
export const zstdWasmCounts = { decodes: 0, grows: 0 };

/**
 * Loads this thread's own instance of the module (the package's `index.js` keeps its instance
 * private). Resolves once it can decode; the call that needs ZSTD awaits it at module load.
 */
export async function loadZstdWasm(): Promise<void> {
  if (module) return;
  const factory = createRequire(import.meta.url)('@foxglove/wasm-zstd/dist/wasm-zstd.js') as () => Promise<WasmZstdModule>;
  module = await factory();
}

function reserve(m: WasmZstdModule, region: Region, size: number): number {
  if (region.size < size) {
    if (region.pointer) m._free(region.pointer);
    // Grow by at least half, so sizes creeping up do not regrow on every call.
    const grown = Math.min(MAX_KEPT, Math.max(size, region.size + (region.size >> 1), 1 << 16));
    region.pointer = m._malloc(grown);
    region.size = region.pointer ? grown : 0;
    zstdWasmCounts.grows++;
    if (!region.pointer) throw new Error(`libzstd (WebAssembly) could not allocate ${grown} bytes`);
  }
  return region.pointer;
}

/**
 * Decodes the ZSTD frame(s) in `src`, of `size` bytes decompressed, with libzstd compiled to
 * WebAssembly (Nodes without `node:zlib` ZSTD). The compressed bytes go into, and the output comes
 * out of, two regions of the module's memory this thread keeps and grows (instead of two
 * `malloc`/`free` pairs and views per call, as the package's `decompress` does); the one copy out
 * of the module's memory is the returned buffer. Throws on corrupt data and on frames holding more
 * than `size` bytes; fewer come back short, as from the package (callers check the length). Sizes over 16 MiB go through the package's
 * per-call path. Requires {@link loadZstdWasm} to have resolved.
 *
 * @example
 * ```ts
 * await loadZstdWasm();
 * const page = decompressZstdWasm(frame, uncompressedSize);
 * ```
 */
export function decompressZstdWasm(src: Uint8Array, size: number): Uint8Array {
  const m = module;
  if (!m || size > MAX_KEPT || src.length > MAX_KEPT) return wasmZstd.decompress(src, size);
  const decoded = decodeKept(m, src, size);
  const out = Buffer.allocUnsafe(decoded.length);
  out.set(decoded);
  return out;
}

/**
 * As {@link decompressZstdWasm}, but copies the output straight from the module's memory into
 * `dest` at `offset` (the output of a payload of several blocks) when it is `size` bytes, and
 * returns its length (the caller checks it).
 *
 * @example
 * ```ts
 * const n = decompressZstdWasmInto(frame, out, at, blockSize);
 * ```
 */
export function decompressZstdWasmInto(src: Uint8Array, dest: Uint8Array, offset: number, size: number): number {
  const m = module;
  const decoded = !m || size > MAX_KEPT || src.length > MAX_KEPT ? wasmZstd.decompress(src, size) : decodeKept(m, src, size);
  if (decoded.length === size && offset + size <= dest.length) dest.set(decoded, offset);
  return decoded.length;
}

/** Decodes `src` into the kept output region; returns a view of the module's memory, valid until the next call. */
function decodeKept(m: WasmZstdModule, src: Uint8Array, size: number): Uint8Array {
  const srcPointer = reserve(m, input, src.length);
  // Room for exactly `size` bytes: frames holding more fail in libzstd, as with the package's call.
  const destPointer = reserve(m, output, size);
  m.HEAPU8.set(src, srcPointer);
  const written = m._decompress(destPointer, size, srcPointer, src.length);
  if (written < 0) throw new Error('libzstd (WebAssembly) could not decode the frame (corrupt or cut data)');
  zstdWasmCounts.decodes++;
  return m.HEAPU8.subarray(destPointer, destPointer + written);
}
