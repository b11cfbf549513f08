import zlib from 'node:zlib';
import type { Compressors } from 'hyparquet';
import { snappyUncompressor } from 'hysnappy';
import { parquetPageDecompressors } from '../decompress/parquet-pages.ts';

/**
 * hysnappy's decompressor: it decodes in its WebAssembly memory and returns a copy (`slice`) of
 * the output, which nothing else holds — so the Parquet reader may hand it out as values.
 */
export const snappyPages = snappyUncompressor();

/**
 * Decompressors for Parquet pages: cortado's compiled ones (ZSTD, LZ4, LZ4_RAW, GZIP; see
 * `io/decompress`), Node's native zlib for BROTLI, and hysnappy (WebAssembly) for SNAPPY — the one
 * codec of hyparquet-compressors that cortado still used, taken directly so that its JS decoders
 * for the others (and fzstd) are not installed.
 */
export const parquetCompressors: Compressors = {
  SNAPPY: snappyPages,
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  ...parquetPageDecompressors,
};
