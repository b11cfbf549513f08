import { openByteSource, type ByteSource, type ByteSourceOptions } from '../bytes/index.ts';
import { IoError } from '../errors.ts';

/**
 * A ROOT file opened for reading through the byte-source layer: a local file (reads off the
 * event loop, under a timeout: `E_IO_TIMEOUT`) or an `http(s)://` URL (range requests). Reads
 * are asynchronous; the tree reader coalesces a read's baskets into few large reads first
 * (`PrefetchedBytes`), so a warm read costs one or two pool round trips, not one per basket — and
 * none on a reopened, watched local file, whose small reads are synchronous (see `LocalFileSource`).
 */
export class RootFileHandle {
  readonly path: string;
  /** Bytes in the file when it was opened. */
  readonly size: number;
  /** A key that changes when the file is replaced or rewritten (see `ByteSource.identity`). */
  readonly identity: string;
  readonly #source: ByteSource;
  #closed = false;

  private constructor(source: ByteSource) {
    this.#source = source;
    this.path = source.path;
    this.size = source.size;
    this.identity = source.identity;
  }

  /** Opens `path` (or URL); a missing file throws `IoError` with code `ENOENT` and the path. */
  static async open(path: string, options: ByteSourceOptions = {}): Promise<RootFileHandle> {
    try {
      return new RootFileHandle(await openByteSource(path, { ...options, keepOpen: true }));
    } catch (error) {
      if (error instanceof IoError && error.code === 'ENOENT') {
        throw new IoError('ENOENT', `Expected a ROOT file at ${path}, got no such file`, { path }, { cause: error });
      }
      throw error;
    }
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Reads exactly `length` bytes at `position`. A range past the end of the file throws
   * `IoError` `E_IO_TRUNCATED` saying what was wanted and what the file holds.
   */
  read(position: number, length: number, what: string | (() => string) = 'data'): Promise<Uint8Array> {
    return this.#read(position, length, what, undefined);
  }

  /**
   * Like {@link read}, into the caller's `into` (`into.length` bytes), or `undefined` when the
   * source cannot read into a given buffer (a remote file): then call {@link read}. After a
   * rejection the read may still be writing into `into`: do not reuse it.
   */
  readInto(position: number, into: Uint8Array, what: string | (() => string) = 'data'): Promise<Uint8Array> | undefined {
    return this.#source.readInto ? this.#read(position, into.length, what, into) : undefined;
  }

  async #read(position: number, length: number, what: string | (() => string), into: Uint8Array | undefined): Promise<Uint8Array> {
    if (this.#closed) throw new IoError('E_IO_CLOSED', `Expected ${this.path} to be open, got it closed`, { path: this.path });
    if (position < 0 || length < 0 || !Number.isSafeInteger(position + length)) {
      throw new IoError('E_IO_MALFORMED', `Expected a byte range within ${this.path}, got ${length} bytes at ${position}` +
        ` for ${typeof what === 'string' ? what : what()}`, { path: this.path });
    }
    if (position + length > this.size) {
      throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes of ${typeof what === 'string' ? what : what()} at byte ${position} of ${this.path}, ` +
        `got a file of only ${this.size} bytes (truncated?)`, { path: this.path });
    }
    try {
      return await (into ? this.#source.readInto!(position, into) : this.#source.read(position, length));
    } catch (error) {
      if (error instanceof IoError && error.code === 'E_IO_TRUNCATED') {
        throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes of ${typeof what === 'string' ? what : what()} at byte ` +
          `${position} of ${this.path}, got the end of the file first (truncated?)`, { path: this.path }, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Closes the source (reads in flight finish first); closing twice is harmless. A local file's
   * descriptor is kept for the next open of the same file (see `keepOpen`), unless `forget`: a
   * file that failed to open as ROOT is not kept.
   */
  async close(forget = false): Promise<void> {
    if (forget) this.#source.forget?.();
    if (this.#closed) return;
    this.#closed = true;
    await this.#source.close();
  }
}
