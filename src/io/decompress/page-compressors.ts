import { gzipSync } from 'node:zlib';
import wasmZstd from '@foxglove/wasm-zstd';
import { loadNative } from './native.ts';

interface Lz4NapiCompress {
  compressSync(data: Uint8Array): Buffer;
}

const lz4 = loadNative<Lz4NapiCompress>('lz4-napi');
// compress() throws until the WebAssembly module has loaded: a process that writes ZSTD before
// it ever read one (a skim's first chunk) must not depend on the reader having loaded it.
await wasmZstd.isLoaded;

/**
 * Compressors for writing Parquet pages in other codecs than SNAPPY (benchmarks and tests write
 * the same events in each codec to compare the read paths): ZSTD (libzstd in WebAssembly, level
 * 3), LZ4_RAW (lz4-napi; absent where it is not built), GZIP (node:zlib).
 *
 * @example
 * ```ts
 * new ColumnarParquetWriter('z.parquet', specs, { codec: 'ZSTD', compress: parquetPageCompressors.ZSTD });
 * ```
 */
export const parquetPageCompressors: Partial<Record<'ZSTD' | 'LZ4_RAW' | 'GZIP', (bytes: Uint8Array) => Uint8Array>> = {
  ZSTD: (bytes) => wasmZstd.compress(bytes, 3),
  GZIP: (bytes) => gzipSync(bytes),
  ...(lz4 ? { LZ4_RAW: (bytes: Uint8Array) => lz4.compressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).subarray(4) } : {}),
};

/**
 * The same codecs at their fast levels, for writing skims: ZSTD level -1 (its first "fast" level:
 * on NanoAOD-like integer pages within a few percent of level 3's size, several times faster, and
 * it gives up quickly on float mantissas that no level shrinks by more than ~10%), GZIP level 1,
 * LZ4_RAW.
 *
 * @example
 * ```ts
 * encodeParquet(rows, columns, { codec: 'ZSTD', compress: fastPageCompressors.ZSTD });
 * ```
 */
export const fastPageCompressors: typeof parquetPageCompressors = {
  ZSTD: (bytes) => wasmZstd.compress(bytes, -1),
  GZIP: (bytes) => gzipSync(bytes, { level: 1 }),
  ...(parquetPageCompressors.LZ4_RAW ? { LZ4_RAW: parquetPageCompressors.LZ4_RAW } : {}),
};
