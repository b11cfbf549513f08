/**
 * The output chunk size to give Node's sync zlib/ZSTD decoders for a stream of `size` decompressed
 * bytes: `size + 1`, so the whole output lands in one buffer and the spare byte tells the decoder
 * it is done (no second chunk, no concatenation), within reason — a corrupt size must not
 * allocate gigabytes up front (then the decoder goes on in chunks of 64 MiB).
 *
 * @example
 * ```ts
 * inflateSync(body, { chunkSize: outputChunk(usize) });
 * ```
 */
export function outputChunk(size: number): number {
  return Math.min(Math.max(64, size + 1), 1 << 26);
}
