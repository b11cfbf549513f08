import { open, type FileHandle } from 'node:fs/promises';
import { IoError, systemIoError } from '../errors.ts';

/** A byte range `[start, end)` of a file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Random-access reads over one open file handle. Reads only the ranges asked for, never the
 * whole file, and owns the handle: `close()` releases it (idempotent).
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
  readonly mtimeMs: number;
  /** Path, device, inode, size and mtime: what changes when the file is replaced or rewritten. */
  readonly identity: string;
  #handle: FileHandle | undefined;

  private constructor(path: string, handle: FileHandle, stat: { size: number; mtimeMs: number; dev: number; ino: number }) {
    this.path = path;
    this.#handle = handle;
    this.size = stat.size;
    this.mtimeMs = stat.mtimeMs;
    this.identity = `${path}\0${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  }

  /**
   * Opens `path` for reading. Rejects with an `IoError`: `ENOENT` (no such file), `EISDIR` (a
   * directory), `EACCES` (no permission), `E_IO_MALFORMED` (a special file), `E_IO_READ` (other).
   */
  static async open(path: string): Promise<FileReader> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw systemIoError(error, path, 'open a Parquet file');
    }
    try {
      let stat;
      try {
        stat = await handle.stat();
      } catch (error) {
        throw systemIoError(error, path, 'read a Parquet file');
      }
      if (stat.isDirectory()) {
        throw new IoError('EISDIR', `Expected a Parquet file at ${path}, got a directory`, { path });
      }
      if (!stat.isFile()) {
        throw new IoError('E_IO_MALFORMED', `Expected a Parquet file at ${path}, got a special file`, { path });
      }
      return new FileReader(path, handle, stat);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Reads bytes `[start, end)` into a fresh (unpooled, aligned) buffer. */
  async read(start: number, end: number): Promise<Uint8Array> {
    const handle = this.#handle;
    if (handle === undefined) {
      throw new IoError('E_IO_CLOSED', `Expected an open file to read ${this.path} from, got it closed already`, { path: this.path });
    }
    if (start < 0 || end > this.size || start > end) {
      throw new IoError(
        'E_IO_TRUNCATED',
        `Expected bytes [${start}, ${end}) inside ${this.path} (${this.size} bytes), got a range past its end`,
        { path: this.path },
      );
    }
    const length = end - start;
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(bytes, done, length - done, start + done));
      } catch (error) {
        throw systemIoError(error, this.path, `read bytes [${start}, ${end})`);
      }
      if (bytesRead === 0) {
        throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes at offset ${start} of ${this.path}, got ${done}`, {
          path: this.path,
        });
      }
      done += bytesRead;
    }
    return bytes;
  }

  /**
   * Reads several ranges, coalescing neighbours closer than `gap` bytes into one read.
   * Returns one view per asked range, in the order asked.
   */
  async readRanges(ranges: readonly ByteRange[], gap = 64 * 1024): Promise<Uint8Array[]> {
    const order = ranges.map((_, i) => i).sort((a, b) => ranges[a]!.start - ranges[b]!.start);
    const out = new Array<Uint8Array>(ranges.length);
    const reads: Promise<void>[] = [];
    let i = 0;
    while (i < order.length) {
      const first = ranges[order[i]!]!;
      let end = first.end;
      let j = i + 1;
      while (j < order.length && ranges[order[j]!]!.start - end <= gap) {
        end = Math.max(end, ranges[order[j]!]!.end);
        j++;
      }
      const members = order.slice(i, j);
      const start = first.start;
      reads.push(
        this.read(start, end).then((bytes) => {
          for (const m of members) {
            const r = ranges[m]!;
            out[m] = bytes.subarray(r.start - start, r.end - start);
          }
        }),
      );
      i = j;
    }
    await Promise.all(reads);
    return out;
  }

  /** Closes the file handle; safe to call more than once. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }
}
