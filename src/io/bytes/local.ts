import { close, fstat, open, read, type Stats } from 'node:fs';
import { IoError, systemIoError } from '../errors.ts';
import { withDeadline } from './deadline.ts';
import { openSettled, openStarted, releaseStalledOpen } from './stalled-opens.ts';
import { defaultTimeoutMs, type ByteSource, type ByteSourceOptions } from './source.ts';

function fdOpen(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (error, fd) => (error ? reject(systemIoError(error, path, 'open a file')) : resolve(fd)));
  });
}

function fdStat(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats))));
}

function fdRead(fd: number, into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, into, offset, length, position, (error, n) => (error ? reject(error) : resolve(n)));
  });
}

/**
 * A local file as a {@link ByteSource}. Every system call runs off the event loop (libuv's pool),
 * under a deadline: a read or open stuck past `timeoutMs` (a hung network mount, a FIFO nobody
 * writes to) rejects with `E_IO_TIMEOUT` while the event loop, and so Ctrl-C, stays responsive.
 * Warm reads cost one pool round trip each (~10–30 µs), so readers coalesce neighbouring ranges
 * into few large reads (see `readRanges`) rather than read basket by basket.
 *
 * @example
 * ```ts
 * await using file = await LocalFileSource.open('nano_dy.root', { timeoutMs: 5000 });
 * const header = await file.read(0, 100);
 * ```
 */
export class LocalFileSource implements ByteSource {
  readonly path: string;
  readonly size: number;
  readonly identity: string;
  readonly #timeoutMs: number;
  #fd: number | undefined;
  #inflight = 0;
  #closing = false;
  #resolveReleased!: () => void;
  readonly #released = new Promise<void>((resolve) => {
    this.#resolveReleased = resolve;
  });

  private constructor(path: string, fd: number, stats: Stats, timeoutMs: number) {
    this.path = path;
    this.#fd = fd;
    this.size = stats.size;
    this.identity = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Opens `path`. Missing: `IoError` `ENOENT`; unreadable: `EACCES`; a directory: `EISDIR`; not a
   * regular file: `E_IO_MALFORMED`; stuck: `E_IO_TIMEOUT`; other system errors: `E_IO_READ`.
   */
  static async open(path: string, options: ByteSourceOptions = {}): Promise<LocalFileSource> {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs();
    const token = openStarted(path);
    let abandoned = false;
    const opening = fdOpen(path).finally(() => openSettled(token));
    opening.then((fd) => { if (abandoned) close(fd, () => {}); }, () => {});
    const fd = await withDeadline(opening, timeoutMs, () => `opening ${path}`, path, options.signal, () => {
      abandoned = true;
      releaseStalledOpen(path);
    });
    try {
      const stats = await withDeadline(fdStat(fd).catch((error: unknown) => {
        throw systemIoError(error, path, 'stat a file');
      }), timeoutMs, () => `stat of ${path}`, path, options.signal);
      if (stats.isDirectory()) throw new IoError('EISDIR', `Expected a file at ${path}, got a directory`, { path });
      if (!stats.isFile()) {
        throw new IoError('E_IO_MALFORMED', `Expected a regular file at ${path}, got a FIFO, socket or device`, { path });
      }
      return new LocalFileSource(path, fd, stats, timeoutMs);
    } catch (error) {
      close(fd, () => {});
      throw error;
    }
  }

  /** Reads exactly `length` bytes at `position` into a fresh array. */
  async read(position: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const fd = this.#fd;
    if (fd === undefined || this.#closing) {
      throw new IoError('E_IO_CLOSED', `Expected ${this.path} to be open, got it closed`, { path: this.path });
    }
    checkRange(this, position, length);
    const bytes = new Uint8Array(length);
    this.#inflight++;
    const work = (async () => {
      let done = 0;
      while (done < length) {
        let n: number;
        try {
          n = await fdRead(fd, bytes, done, length - done, position + done);
        } catch (error) {
          throw systemIoError(error, this.path, `read ${length} bytes at byte ${position}`);
        }
        if (n === 0) {
          throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes at byte ${position} of ${this.path}, got ${done} ` +
            'before the end of the file (truncated while open?)', { path: this.path });
        }
        done += n;
      }
      return bytes;
    })().finally(() => {
      if (--this.#inflight === 0 && this.#closing) this.#release();
    });
    return withDeadline(work, this.#timeoutMs, () => `reading ${length} bytes at byte ${position} of ${this.path}`,
      this.path, signal);
  }

  /**
   * Closes the descriptor once reads in flight have returned, and resolves when it is closed (so a
   * caller counting descriptors after `await close()` sees it gone); idempotent.
   */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      if (this.#inflight === 0) this.#release();
    }
    return this.#released;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #release(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) this.#resolveReleased();
    else close(fd, () => this.#resolveReleased());
  }
}

/** Throws `E_IO_TRUNCATED` (or `E_IO_MALFORMED` for a nonsense range) unless the range lies in `source`. */
export function checkRange(source: { path: string; size: number }, position: number, length: number): void {
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
    throw new IoError('E_IO_MALFORMED', `Expected a byte range within ${source.path}, got ${length} bytes at ${position}`,
      { path: source.path });
  }
  if (position + length > source.size) {
    throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes at byte ${position} of ${source.path}, got a file of ` +
      `only ${source.size} bytes (truncated?)`, { path: source.path });
  }
}
