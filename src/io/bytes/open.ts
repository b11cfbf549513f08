import { LocalFileSource } from './local.ts';
import { isRemotePath, type ByteSource, type ByteSourceOptions } from './source.ts';
import { HttpFileSource } from './http.ts';

/**
 * Opens the file at `path` for random access: an `http://` or `https://` URL through
 * {@link HttpFileSource} (range requests), anything else as a local file through
 * {@link LocalFileSource}. Close it when done.
 *
 * @example
 * ```ts
 * await using source = await openByteSource('https://opendata.example/nano.root', { timeoutMs: 10_000 });
 * const tail = await source.read(source.size - 8, 8);
 * ```
 */
export function openByteSource(path: string, options: ByteSourceOptions = {}): Promise<ByteSource> {
  return isRemotePath(path) ? HttpFileSource.open(path, options) : LocalFileSource.open(path, options);
}
