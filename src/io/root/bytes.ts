import type { ByteSource } from '../bytes/source.ts';
import type { RootFileHandle } from './handle.ts';

/**
 * Where the ROOT parser gets its bytes: the positioned reads of a {@link ByteSource} (a local
 * file, an HTTP range, a buffer). The parser only ever awaits `read`, so any byte source fits;
 * a range past the end rejects with `IoError` `E_IO_TRUNCATED`.
 *
 * @example
 * ```ts
 * const source = handleSource(RootFileHandle.open('nano_dy.root'));
 * const header = await source.read(0, 128);
 * ```
 */
export type RootByteSource = Pick<ByteSource, 'path' | 'size' | 'read'>;

/**
 * A {@link RootByteSource} over an open {@link RootFileHandle} (its reads, with what each was for
 * in the error of a read past the end).
 */
export function handleSource(handle: RootFileHandle): RootByteSource {
  return {
    path: handle.path,
    size: handle.size,
    read: async (position, length) => handle.read(position, length, `${length} bytes at byte ${position}`),
  };
}
