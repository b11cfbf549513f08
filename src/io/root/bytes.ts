import type { RootFileHandle } from './handle.ts';

/**
 * Where the ROOT parser gets its bytes: positioned reads of exactly the range asked for. The
 * parser only ever awaits `read`, so a source may read a local file, a network range or a
 * buffer; a range past the end rejects with `IoError` `E_IO_TRUNCATED`.
 *
 * @example
 * ```ts
 * const source = handleSource(RootFileHandle.open('nano_dy.root'));
 * const header = await source.read(0, 128, 'the file header');
 * ```
 */
export interface RootByteSource {
  /** The file's path or URL, for error messages. */
  readonly path: string;
  /** Bytes in the file. */
  readonly size: number;
  /** Reads `length` bytes at `position`; `what` names them in errors. */
  read(position: number, length: number, what?: string | (() => string)): Promise<Uint8Array>;
}

/**
 * A {@link RootByteSource} over an open {@link RootFileHandle} (synchronous positioned reads of
 * the page cache, wrapped in a promise).
 */
export function handleSource(handle: RootFileHandle): RootByteSource {
  return {
    path: handle.path,
    size: handle.size,
    read: async (position, length, what) => handle.read(position, length, what),
  };
}
