import zlib from 'node:zlib';
import type { Compressors } from 'hyparquet';
import { snappyUncompressor } from 'hysnappy';
import { parquetPageDecompressors } from '../decompress/parquet-pages.ts';

/**
 * Decompressors for Parquet pages: cortado's compiled ones (ZSTD, LZ4, LZ4_RAW, GZIP; see
 * `io/decompress`), Node's native zlib for BROTLI, and hysnappy (WebAssembly) for SNAPPY — the one
 * codec of hyparquet-compressors that cortado still used, taken directly so that its JS decoders
 * for the others (and fzstd) are not installed.
 */
export const parquetCompressors: Compressors = {
  SNAPPY: snappyUncompressor(),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  ...parquetPageDecompressors,
};
