import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { IoError } from '../errors.ts';

/**
 * A ROOT file opened for reading: one descriptor that cortado owns
 * and synchronous positioned reads of exactly the byte ranges needed. Sync reads of a few KB to
 * a few MB from the page cache cost microseconds; an async read costs a thread-pool round trip
 * per basket (measured 206 ms vs 6 ms for the same baskets, DESIGN.md).
 */
export class RootFileHandle {
  readonly path: string;
  /** Bytes in the file when it was opened. */
  readonly size: number;
  /** A key that changes when the file is replaced or rewritten (device, inode, size, mtime). */
  readonly identity: string;
  #fd: number | undefined;

  private constructor(path: string, fd: number, size: number, identity: string) {
    this.path = path;
    this.#fd = fd;
    this.size = size;
    this.identity = identity;
  }

  /** Opens `path`; a missing file throws `IoError` with code `ENOENT` and the path. */
  static open(path: string): RootFileHandle {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new IoError('ENOENT', `Expected a ROOT file at ${path}, got no such file`, { path }, { cause: error });
      }
      throw new IoError('E_IO_MALFORMED', `Expected to open ${path} for reading, got ${code ?? 'an error'}: ` +
        `${(error as Error).message}`, { path }, { cause: error });
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) {
        throw new IoError('E_IO_MALFORMED', `Expected ${path} to be a regular file, got a directory or device`, { path });
      }
      return new RootFileHandle(path, fd, stat.size, `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#fd === undefined;
  }

  /**
   * Reads exactly `length` bytes at `position`. A range past the end of the file throws
   * `IoError` `E_IO_TRUNCATED` saying what was wanted and what the file holds.
   */
  read(position: number, length: number, what: string | (() => string) = 'data'): Uint8Array {
    const fd = this.#fd;
    if (fd === undefined) throw new IoError('E_IO_CLOSED', `Expected ${this.path} to be open, got it closed`, { path: this.path });
    if (position < 0 || length < 0 || !Number.isSafeInteger(position + length)) {
      throw new IoError('E_IO_MALFORMED', `Expected a byte range within ${this.path}, got ${length} bytes at ${position}` +
        ` for ${typeof what === 'string' ? what : what()}`, { path: this.path });
    }
    if (position + length > this.size) {
      throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes of ${typeof what === 'string' ? what : what()} at byte ${position} of ${this.path}, ` +
        `got a file of only ${this.size} bytes (truncated?)`, { path: this.path });
    }
    const bytes = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, bytes, done, length - done, position + done);
      if (n === 0) {
        throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes of ${typeof what === 'string' ? what : what()} at byte ${position} of ${this.path}, ` +
          `got ${done} before the end of the file (truncated?)`, { path: this.path });
      }
      done += n;
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, length);
  }

  /** Closes the descriptor; closing twice is harmless. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}
