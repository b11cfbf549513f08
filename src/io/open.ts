import { extname } from 'node:path';
import { isRemotePath, openByteSource, type ByteSourceOptions } from './bytes/index.ts';
import { IoError } from './errors.ts';
import { openParquet } from './parquet/index.ts';
import { openRootSource } from './rntuple/index.ts';
import type { EventSource } from './source.ts';

/** Options of {@link openSource}. */
export interface OpenSourceOptions extends ByteSourceOptions {
  /** Aborts opening; the file is closed again. */
  signal?: AbortSignal;
}

/** The event-data formats cortado reads. */
export type SourceFormat = 'root' | 'parquet';

const PARQUET_MAGIC = 'PAR1';
const ROOT_MAGIC = 'root';

/**
 * Tells a file's format from its extension (`.parquet`, `.root`; of a URL's path for an
 * `http(s)://` file) or, failing that, its first four bytes (`PAR1` or `root`). Missing file:
 * `IoError` `ENOENT` (`E_IO_HTTP_404` over HTTP).
 *
 * @example
 * ```ts
 * await sniffFormat('nano_dy.parquet'); // 'parquet'
 * ```
 */
export async function sniffFormat(path: string, options: ByteSourceOptions = {}): Promise<SourceFormat> {
  const extension = extname(isRemotePath(path) ? new URL(path).pathname : path).toLowerCase();
  if (extension === '.parquet' || extension === '.parq' || extension === '.pq') return 'parquet';
  if (extension === '.root') return 'root';
  let source;
  try {
    source = await openByteSource(path, options);
  } catch (error) {
    if (error instanceof IoError && error.code === 'ENOENT') {
      throw new IoError('ENOENT', `Expected an event-data file at ${path}, got no such file`, { path }, { cause: error });
    }
    throw error;
  }
  try {
    const magic = Buffer.from(await source.read(0, Math.min(4, source.size))).toString('latin1');
    if (magic === PARQUET_MAGIC) return 'parquet';
    if (magic === ROOT_MAGIC) return 'root';
    throw new IoError(
      'E_IO_UNSUPPORTED',
      `Expected a ROOT file (starting "root") or a Parquet file (starting "PAR1") at ${path}, got ${JSON.stringify(magic)}`,
      { path },
    );
  } finally {
    await source.close();
  }
}

/**
 * Opens event data as an {@link EventSource}, whichever the format: Parquet files (by extension
 * or `PAR1` magic) through `openParquet` (the tree name is ignored: a Parquet file is one table),
 * ROOT files through the TTree reader, or the RNTuple reader when the object `treename` is an
 * RNTuple anchor. Close the source when done.
 *
 * @example
 * ```ts
 * await using source = await openSource('nano_dy.root', 'Events');
 * const { nMuon } = await source.read(['nMuon'], 0, source.entries);
 * ```
 */
export async function openSource(path: string, treename: string, options: OpenSourceOptions = {}): Promise<EventSource> {
  options.signal?.throwIfAborted();
  const format = await sniffFormat(path, options);
  const forward = options.signal === undefined ? {} : { signal: options.signal };
  if (format === 'parquet') return openParquet(path, options);
  return openRootSource(path, treename, forward);
}
