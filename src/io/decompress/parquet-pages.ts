import { gunzipSync } from 'node:zlib';
import { lz4DecodeBlock } from './lz4.ts';
import { lz4DecodeNative } from './lz4-native.ts';
import { outputChunk } from './output.ts';
import { decompressZstd } from './zstd.ts';

/** A page decompressor as hyparquet calls it: compressed bytes and the decompressed size. */
export type PageDecompressor = (input: Uint8Array, outputLength: number) => Uint8Array;

function lz4Block(input: Uint8Array, start: number, end: number, size: number): Uint8Array {
  const native = lz4DecodeNative(input, start, end, size);
  if (native) return native;
  const out = new Uint8Array(size);
  const written = lz4DecodeBlock(input, start, end, out, 0, size);
  if (written !== size) throw new Error(`an LZ4 block decoded to ${written} bytes, expected ${size}`);
  return out;
}

/**
 * An LZ4_RAW page decoded where it lies: the 4 bytes before `input` in its buffer (a page header
 * or levels, already parsed) are borrowed for the compiled decoder's size prefix and put back
 * after the call, so the page is not first copied behind a prefix (a fresh buffer of the page's
 * size per page). Only for bytes that nothing else reads during the call. Falls back to the
 * copying path where that is not possible (no compiled decoder, no 4 bytes before the page).
 *
 * @example
 * ```ts
 * const plain = lz4RawInPlace(page, header.uncompressed_page_size);
 * ```
 */
export function lz4RawInPlace(input: Uint8Array, outputLength: number): Uint8Array {
  if (input.byteOffset >= 4) {
    const wide = new Uint8Array(input.buffer, input.byteOffset - 4, input.length + 4);
    const out = lz4DecodeNative(wide, 4, wide.length, outputLength, true);
    if (out) return out;
  }
  return lz4Block(input, 0, input.length, outputLength);
}

/**
 * Parquet's deprecated `LZ4` codec: Hadoop's framing (big-endian decompressed and compressed
 * sizes before each block) when the bytes parse as such, else one bare LZ4 block, as Arrow reads it.
 */
function lz4Hadoop(input: Uint8Array, outputLength: number): Uint8Array {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const pieces: Uint8Array[] = [];
  let i = 0;
  let total = 0;
  let framed = true;
  while (i < input.length) {
    if (i + 8 > input.length) { framed = false; break; }
    const usize = view.getUint32(i, false);
    const csize = view.getUint32(i + 4, false);
    if (i + 8 + csize > input.length || total + usize > outputLength) { framed = false; break; }
    try {
      pieces.push(lz4Block(input, i + 8, i + 8 + csize, usize));
    } catch {
      framed = false;
      break;
    }
    total += usize;
    i += 8 + csize;
  }
  if (!framed || total !== outputLength) return lz4Block(input, 0, input.length, outputLength);
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(outputLength);
  let o = 0;
  for (const p of pieces) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * Compiled decompressors for Parquet pages, by Parquet codec name: ZSTD (node:zlib or libzstd in
 * WebAssembly), LZ4_RAW and LZ4 (lz4-napi), GZIP (node:zlib). Errors throw; the Parquet reader
 * wraps them in its coded errors.
 *
 * @example
 * ```ts
 * const plain = parquetPageDecompressors.ZSTD(page, header.uncompressed_page_size);
 * ```
 */
export const parquetPageDecompressors: Record<'ZSTD' | 'LZ4' | 'LZ4_RAW' | 'GZIP', PageDecompressor> = {
  ZSTD: (input, outputLength) => decompressZstd(input, outputLength),
  LZ4_RAW: (input, outputLength) => lz4Block(input, 0, input.length, outputLength),
  LZ4: lz4Hadoop,
  GZIP: (input, outputLength) => gunzipSync(input, { chunkSize: outputChunk(outputLength) }),
};
