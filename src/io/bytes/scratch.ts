/**
 * The most bytes of compressed baskets one read may take into the thread's scratch buffer, and
 * the largest scratch buffer kept between reads: reads of more fetch into fresh memory as before.
 */
export const SCRATCH_MAX_BYTES = 32 * 1024 * 1024;

/** The thread's one reusable buffer while no read holds it (module state: one per thread). */
let idle: Uint8Array | undefined;

/**
 * A buffer of at least `length` bytes for compressed baskets that are decompressed right after
 * the read: the thread's scratch buffer when no other read holds it, else fresh memory (never
 * zeroed: the file read overwrites what is used). Reading into the same memory read after read
 * saves the page faults, the unmapping and the garbage-collector pressure of a fresh buffer per
 * read (measured: a whole file read into fresh memory costs ~3× the CPU of the same read into
 * reused memory). Give it back with {@link releaseScratch} once nothing reads it any more, and
 * never hand a view of it out: the next read overwrites it.
 *
 * @example
 * ```ts
 * const scratch = takeScratch(length);
 * try { decode(await handle.readInto(at, scratch.subarray(0, length))); } finally { releaseScratch(scratch); }
 * ```
 */
export function takeScratch(length: number): Uint8Array {
  const held = idle;
  idle = undefined;
  if (held && held.length >= length) return held;
  // Grown in steps of 1 MiB, so that slowly growing reads do not allocate at every read.
  const size = Math.min(Math.max(length, Math.ceil(length / (1 << 20)) * (1 << 20)), Math.max(length, SCRATCH_MAX_BYTES));
  const fresh = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(fresh.buffer, fresh.byteOffset, size);
}

/**
 * Returns `buffer` (from {@link takeScratch}) to the thread, to be overwritten by the next read:
 * only when no read into it is still in flight (a read that failed or timed out may still write
 * into it later; drop the buffer instead). Keeps the larger of two buffers, none over
 * {@link SCRATCH_MAX_BYTES}.
 */
export function releaseScratch(buffer: Uint8Array): void {
  if (buffer.length > SCRATCH_MAX_BYTES) return;
  if (!idle || idle.length < buffer.length) idle = buffer;
}
