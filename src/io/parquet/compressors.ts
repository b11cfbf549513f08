import zlib from 'node:zlib';
import type { Compressors } from 'hyparquet';
import { compressors as pureJs } from 'hyparquet-compressors';

type ZlibWithZstd = typeof zlib & { zstdDecompressSync?: (input: Uint8Array) => Buffer };

/**
 * Decompressors for Parquet pages: hyparquet-compressors' pure-JS codecs, with Node's native
 * zlib for GZIP and BROTLI, and for ZSTD where this Node has it (22.15 and up).
 */
export const parquetCompressors: Compressors = (() => {
  const native = zlib as ZlibWithZstd;
  const table: Compressors = {
    ...pureJs,
    GZIP: (input) => zlib.gunzipSync(input),
    BROTLI: (input) => zlib.brotliDecompressSync(input),
  };
  const zstd = native.zstdDecompressSync;
  if (typeof zstd === 'function') table.ZSTD = (input) => zstd(input);
  return table;
})();
