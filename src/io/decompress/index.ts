export { decompressRoot, rootCompressionOf, BLOCK_HEADER_SIZE } from './blocks.ts';
export type { RootCompression } from './blocks.ts';
export { lz4DecodeBlock, Lz4FormatError } from './lz4.ts';
export { lz4DecodeNative, lz4Decoder } from './lz4-native.ts';
export { decompressZstd, zstdDecoder } from './zstd.ts';
export { decompressXz, decompressXzSync, xzDecoder } from './xz.ts';
export { xxhash64 } from './xxhash.ts';
export { parquetPageDecompressors, type PageDecompressor } from './parquet-pages.ts';
export { parquetPageCompressors } from './page-compressors.ts';
