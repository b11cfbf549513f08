import zlib from 'node:zlib';
import type { Compressors } from 'hyparquet';
import { compressors as pureJs } from 'hyparquet-compressors';
import { parquetPageDecompressors } from '../decompress/parquet-pages.ts';

/**
 * Decompressors for Parquet pages: cortado's compiled ones (ZSTD, LZ4, LZ4_RAW, GZIP; see
 * `io/decompress`), Node's native zlib for BROTLI, hyparquet-compressors' JS for the rest (SNAPPY).
 */
export const parquetCompressors: Compressors = (() => {
  const table: Compressors = {
    ...pureJs,
    BROTLI: (input) => zlib.brotliDecompressSync(input),
    ...parquetPageDecompressors,
  };
  return table;
})();
