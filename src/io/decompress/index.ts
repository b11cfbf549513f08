export { decompressRoot, rootCompressionOf, BLOCK_HEADER_SIZE } from './blocks.ts';
export type { RootCompression } from './blocks.ts';
export { lz4DecodeBlock, Lz4FormatError } from './lz4.ts';
