/** Parquet event data: {@link openParquet} opens a file as an `EventSource`. */
export { openParquet } from './source.ts';
export type { OpenParquetOptions } from './source.ts';
