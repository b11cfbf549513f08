import { decompress } from 'fzstd';

/**
 * Decompresses one ZSTD frame (ROOT's `ZS` block body) into `dst` when given (exact size), with
 * the pure-JS `fzstd`. Returns the bytes written (which may be a new array when `dst` was absent).
 */
export function decompressZstd(src: Uint8Array, dst?: Uint8Array): Uint8Array {
  return decompress(src, dst);
}
