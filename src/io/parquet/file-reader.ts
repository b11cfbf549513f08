import { openByteSource, readRanges, type ByteSource, type ByteSourceOptions } from '../bytes/index.ts';
import { IoError } from '../errors.ts';

/** A byte range `[start, end)` of a file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Random-access reads of one Parquet file through a {@link ByteSource}: a local file (reads off
 * the event loop, under a timeout) or an `http(s)://` URL (range requests). Reads only the
 * ranges asked for, never the whole file, and owns the source: `close()` releases it (idempotent).
 *
 * @example
 * ```ts
 * const file = await FileReader.open('nano_dy.parquet');
 * try { const tail = await file.read(file.size - 8, file.size); } finally { await file.close(); }
 * ```
 */
export class FileReader {
  readonly path: string;
  readonly size: number;
  /** Changes when the file changes (see {@link ByteSource.identity}). */
  readonly identity: string;
  readonly #source: ByteSource;

  private constructor(source: ByteSource) {
    this.#source = source;
    this.path = source.path;
    this.size = source.size;
    this.identity = source.identity;
  }

  /**
   * Opens `path` (or an `http(s)://` URL) for reading. Rejects with an `IoError`: `ENOENT` (no
   * such file), `EISDIR` (a directory), `EACCES` (no permission), `E_IO_MALFORMED` (a special
   * file), `E_IO_TIMEOUT` (stuck), `E_IO_READ` (other), `E_IO_HTTP_*` (remote).
   */
  static async open(path: string, options: ByteSourceOptions = {}): Promise<FileReader> {
    try {
      return new FileReader(await openByteSource(path, options));
    } catch (error) {
      if (error instanceof IoError && error.code === 'ENOENT') {
        throw new IoError('ENOENT', `Expected a Parquet file at ${path}, got no such file`, { path }, { cause: error });
      }
      if (error instanceof IoError && error.code === 'EISDIR') {
        throw new IoError('EISDIR', `Expected a Parquet file at ${path}, got a directory`, { path }, { cause: error });
      }
      if (error instanceof IoError && error.code === 'E_IO_MALFORMED' && error.message.includes('regular file')) {
        throw new IoError('E_IO_MALFORMED', `Expected a Parquet file at ${path}, got a special file (a FIFO, socket or device)`,
          { path }, { cause: error });
      }
      throw error;
    }
  }

  /** Reads bytes `[start, end)` into a fresh array. */
  async read(start: number, end: number): Promise<Uint8Array> {
    if (start < 0 || end > this.size || start > end) {
      throw new IoError(
        'E_IO_TRUNCATED',
        `Expected bytes [${start}, ${end}) inside ${this.path} (${this.size} bytes), got a range past its end`,
        { path: this.path },
      );
    }
    return this.#source.read(start, end - start);
  }

  /**
   * Reads several ranges, coalescing neighbours closer than `gap` bytes into one read.
   * Returns one view per asked range, in the order asked.
   */
  async readRanges(ranges: readonly ByteRange[], gap = 64 * 1024): Promise<Uint8Array[]> {
    for (const r of ranges) {
      if (r.start < 0 || r.end > this.size || r.start > r.end) {
        throw new IoError('E_IO_TRUNCATED', `Expected bytes [${r.start}, ${r.end}) inside ${this.path} (${this.size} bytes), ` +
          'got a range past its end', { path: this.path });
      }
    }
    return readRanges(this.#source, ranges.map((r) => ({ position: r.start, length: r.end - r.start })), { maxGap: gap });
  }

  /** Closes the source; safe to call more than once. */
  async close(): Promise<void> {
    await this.#source.close();
  }
}
