/**
 * Byte swapping of big-endian values with WebAssembly SIMD: 16 bytes per `i8x16.swizzle`.
 * Node's `Buffer#swap16/32/64` swaps one value at a time (measured ~4.5–6 GB/s on this machine's
 * cores, in cache), and ROOT's values all need swapping on a little-endian machine — ~75 MB per
 * read of the 1M-event codec tree. Copying a run into this module's memory, swapping it there
 * and copying it back measured 2–2.5× faster than Node's swap in place (memcpy runs at ~40 GB/s
 * in cache), so runs go through here in chunks that stay in cache.
 *
 * The module is ~120 bytes, written here by hand (no library does this; a build step for it
 * would be heavier than the bytes): one function `swap(at, length, mask)` that shuffles
 * `length` bytes from `at` (rounded up to 16: the memory after a chunk is this module's own)
 * by the 16-byte lane mask at `mask`. Where WebAssembly SIMD is missing, {@link swapper} is
 * `undefined` and callers use Node's swap.
 */

// The global WebAssembly API, as far as used here (this project's `lib` has no DOM types, and
// @types/node does not declare it).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

/** Bytes swapped per call: a chunk copied in, swapped and copied out while it is in cache. */
export const SWAP_CHUNK = 256 * 1024;
/** Where the chunk lies in the module's memory (the three lane masks first). */
const DATA = 64;
/** Pages of 64 KiB the module's memory needs: masks, a chunk, and the 16 bytes a last partial lane may touch. */
const PAGES = Math.ceil((DATA + SWAP_CHUNK + 16) / 65_536);

/** The function body: locals, then `mask = load(m); end = at + n; while (at < end) { store(at, swizzle(load(at), mask)); at += 16 }`. */
const BODY = [
  0x02, 0x01, 0x7f, 0x01, 0x7b, // locals: 1 i32 (end), 1 v128 (mask)
  0x20, 0x02, 0xfd, 0x00, 0x00, 0x00, 0x21, 0x04, // mask = v128.load(m)
  0x20, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x03, // end = at + n
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0x00, 0x20, 0x03, 0x4f, 0x0d, 0x01, // br_if out when at >= end (unsigned)
  0x20, 0x00, // store address
  0x20, 0x00, 0xfd, 0x00, 0x00, 0x00, // v128.load(at)
  0x20, 0x04, 0xfd, 0x0e, // i8x16.swizzle with mask
  0xfd, 0x0b, 0x00, 0x00, // v128.store
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, // at += 16
  0x0c, 0x00, 0x0b, 0x0b, 0x0b, // br loop; end loop, block, function
];

function section(id: number, bytes: number[]): number[] {
  return [id, bytes.length, ...bytes];
}

const MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00]), // type: (i32, i32, i32) -> ()
  ...section(3, [0x01, 0x00]), // one function of that type
  ...section(5, [0x01, 0x00, PAGES]), // one memory
  ...section(7, [0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x04, 0x73, 0x77, 0x61, 0x70, 0x00, 0x00]),
  ...section(10, [0x01, BODY.length, ...BODY]),
]);

/** Swaps `bytes` to the other byte order, values of `size` bytes, in chunks; `out` (same length) receives them. */
export type Swapper = (bytes: Uint8Array, size: 2 | 4 | 8, out: Uint8Array) => void;

function build(): Swapper | undefined {
  let exports: { memory: { buffer: ArrayBuffer }; swap: (at: number, length: number, mask: number) => void };
  try {
    exports = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as typeof exports;
  } catch {
    return undefined; // no WebAssembly SIMD here
  }
  const memory = new Uint8Array(exports.memory.buffer);
  const swap = exports.swap;
  // Lane masks: value sizes 2, 4 and 8 at 0, 16 and 32.
  for (let i = 0; i < 16; i++) {
    memory[i] = i ^ 1;
    memory[16 + i] = i ^ 3;
    memory[32 + i] = i ^ 7;
  }
  const mask = { 2: 0, 4: 16, 8: 32 } as const;
  const swapper: Swapper = (bytes, size, out) => {
    const m = mask[size];
    for (let at = 0; at < bytes.length; at += SWAP_CHUNK) {
      const n = Math.min(SWAP_CHUNK, bytes.length - at);
      memory.set(bytes.subarray(at, at + n), DATA);
      swap(DATA, n, m);
      out.set(memory.subarray(DATA, DATA + n), at);
    }
  };
  // Proven on known bytes before use.
  const probe = Uint8Array.from({ length: 40 }, (_, i) => i);
  const got = new Uint8Array(40);
  swapper(probe, 8, got);
  return got.every((b, i) => b === (i ^ 7)) ? swapper : undefined;
}

/**
 * This thread's SIMD swapper, or `undefined` where WebAssembly SIMD is not available.
 *
 * @example
 * ```ts
 * const b = Uint8Array.of(1, 2, 3, 4);
 * swapper?.(b, 4, b); // b is now 4, 3, 2, 1
 * ```
 */
export const swapper: Swapper | undefined = build();
