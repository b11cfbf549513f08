import { close, fstat, open, read, readSync, type Stats } from 'node:fs';
import { IoError, systemIoError } from '../errors.ts';
import { withDeadline } from './deadline.ts';
import { discard, fileIdentity, keepOpenFile, releaseOpenFile, takeOpenFile, validate, type OpenFile } from './open-files.ts';
import { openSettled, openStarted, releaseStalledOpen } from './stalled-opens.ts';
import { defaultTimeoutMs, type ByteSource, type ByteSourceOptions } from './source.ts';

/**
 * Ranges up to this size of a kept descriptor that is watched (a regular file on a local file
 * system, reached without symbolic links, opened before: see `open-files.ts`) are read
 * synchronously on the calling thread. Such a read is a copy out of the page cache (the file was
 * just read) that cannot stall the way a network mount or a FIFO can — the reason every other read
 * goes through the pool under a deadline — and it costs a few µs of CPU where the pool's round trip
 * costs 20–60 (measured, `bench/io.ts --only reopen`): most of a warm reopen of a small file.
 */
export const SYNC_READ_MAX_BYTES = 1024 * 1024;

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
 * Warm reads cost one pool round trip each (~10–60 µs), so readers coalesce neighbouring ranges
 * into few large reads (see `readRanges`) rather than read basket by basket. The one exception:
 * ranges up to {@link SYNC_READ_MAX_BYTES} of a reopened file that is watched on a local file
 * system are read synchronously (no pool, no timer).
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
  /** Undefined until a read needs it: `CORTADO_IO_TIMEOUT_MS` is read then (not per reopen). */
  #timeoutMs: number | undefined;
  /** The kept descriptor this source reads through, when opened with `keepOpen`. */
  readonly #kept: OpenFile | undefined;
  #fd: number | undefined;
  #inflight = 0;
  #closing = false;
  /** Made by the first `close()` (not per open: a warm reopen of a small file counts every allocation). */
  #released: Promise<void> | undefined;
  #resolveReleased: (() => void) | undefined;

  private constructor(path: string, fd: number, stats: Stats, timeoutMs: number | undefined, kept?: OpenFile) {
    this.path = path;
    this.#fd = fd;
    this.size = stats.size;
    this.identity = kept?.identity ?? fileIdentity(stats);
    this.#timeoutMs = timeoutMs;
    this.#kept = kept;
  }

  /**
   * Opens `path`. Missing: `IoError` `ENOENT`; unreadable: `EACCES`; a directory: `EISDIR`; not a
   * regular file: `E_IO_MALFORMED`; stuck: `E_IO_TIMEOUT`; other system errors: `E_IO_READ`.
   */
  static async open(path: string, options: ByteSourceOptions = {}): Promise<LocalFileSource> {
    if (options.keepOpen) {
      const reused = await LocalFileSource.#reuse(path, options.timeoutMs, options.signal);
      if (reused) return reused;
    }
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
      return new LocalFileSource(path, fd, stats, timeoutMs, options.keepOpen ? keepOpenFile(path, fd, stats) : undefined);
    } catch (error) {
      close(fd, () => {});
      throw error;
    }
  }

  /**
   * A source over the kept descriptor of `path`, if there is one and it still is the file at the
   * path (watched: no change event came; else `stat(path)` agrees; see `validate`), else
   * undefined, and the descriptor goes: the caller opens afresh.
   */
  static async #reuse(path: string, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<LocalFileSource | undefined> {
    const kept = takeOpenFile(path);
    if (kept === undefined) return undefined;
    let same = false;
    try {
      same = await validate(kept, (work) => withDeadline(work, timeoutMs ?? defaultTimeoutMs(), () => `stat of ${path}`, path, signal));
      signal?.throwIfAborted();
    } catch (error) {
      if (signal?.aborted || (error instanceof IoError && error.code === 'E_IO_TIMEOUT')) {
        discard(kept);
        releaseOpenFile(kept);
        throw error;
      }
      // gone or unreadable now: the fresh open reports it with its usual error
    }
    if (same) return new LocalFileSource(path, kept.fd, kept.stats, timeoutMs, kept);
    discard(kept);
    releaseOpenFile(kept);
    return undefined;
  }

  /** Reads exactly `length` bytes at `position` into a fresh array. */
  read(position: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#readTo(position, length, undefined, signal);
  }

  /**
   * Reads exactly `into.length` bytes at `position` into `into` (a caller's reused buffer: no
   * fresh memory per read) and resolves to it. After a rejection (a timeout, an abort) the read
   * may still be writing into `into`: the caller must not reuse it.
   */
  readInto(position: number, into: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#readTo(position, into.length, into, signal);
  }

  #readTo(position: number, length: number, into: Uint8Array | undefined, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const fd = this.#fd;
    if (fd === undefined || this.#closing) {
      return Promise.reject(new IoError('E_IO_CLOSED', `Expected ${this.path} to be open, got it closed`, { path: this.path }));
    }
    try {
      checkRange(this, position, length);
    } catch (error) {
      return Promise.reject(error);
    }
    // Not zero-filled first: the read overwrites every byte, or the buffer never leaves (an error).
    let bytes = into;
    if (!bytes) {
      const fresh = Buffer.allocUnsafeSlow(length);
      bytes = new Uint8Array(fresh.buffer, fresh.byteOffset, length);
    }
    if (length <= SYNC_READ_MAX_BYTES && this.#kept?.watcher !== undefined) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      try {
        return Promise.resolve(this.#fillSync(fd, bytes, position));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.#inflight++;
    const work = this.#fill(fd, bytes, position);
    return withDeadline(work, this.#timeoutMs ??= defaultTimeoutMs(), () => `reading ${length} bytes at byte ${position} of ${this.path}`,
      this.path, signal, this.#kept && (() => discard(this.#kept!)));
  }

  /**
   * {@link read}'s synchronous path: a small range of a kept, watched descriptor (see
   * {@link SYNC_READ_MAX_BYTES}). Errors as `#fill`'s.
   */
  #fillSync(fd: number, bytes: Uint8Array, position: number): Uint8Array {
    const length = bytes.length;
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        n = readSync(fd, bytes, done, length - done, position + done);
      } catch (error) {
        discard(this.#kept!);
        throw systemIoError(error, this.path, `read ${length} bytes at byte ${position}`);
      }
      if (n === 0) {
        discard(this.#kept!);
        throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes at byte ${position} of ${this.path}, got ${done} ` +
          'before the end of the file (truncated while open?)', { path: this.path });
      }
      done += n;
    }
    this.#kept!.syncReads++;
    return bytes;
  }

  /** Reads `bytes.length` bytes at `position` (one read, unless the system returns fewer). */
  async #fill(fd: number, bytes: Uint8Array, position: number): Promise<Uint8Array> {
    const length = bytes.length;
    try {
      let done = 0;
      while (done < length) {
        let n: number;
        try {
          n = await fdRead(fd, bytes, done, length - done, position + done);
        } catch (error) {
          if (this.#kept) discard(this.#kept);
          throw systemIoError(error, this.path, `read ${length} bytes at byte ${position}`);
        }
        if (n === 0) {
          if (this.#kept) discard(this.#kept);
          throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes at byte ${position} of ${this.path}, got ${done} ` +
            'before the end of the file (truncated while open?)', { path: this.path });
        }
        done += n;
      }
      return bytes;
    } finally {
      if (--this.#inflight === 0 && this.#closing) this.#release();
    }
  }

  /**
   * Closes the descriptor once reads in flight have returned, and resolves when it is closed (so a
   * caller counting descriptors after `await close()` sees it gone); idempotent. A source opened
   * with `keepOpen` hands its descriptor back for the next open of the file instead (closed when
   * idle, evicted, or by `closeIdleFiles()`).
   */
  close(): Promise<void> {
    if (this.#released === undefined) {
      this.#released = new Promise<void>((resolve) => {
        this.#resolveReleased = resolve;
      });
      this.#closing = true;
      if (this.#inflight === 0) this.#release();
    }
    return this.#released;
  }

  /** Does not keep this source's descriptor for a later open (it closes with the source). */
  forget(): void {
    if (this.#kept) discard(this.#kept);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #release(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    const released = this.#resolveReleased!;
    if (this.#kept) {
      releaseOpenFile(this.#kept);
      released();
    } else if (fd === undefined) released();
    else close(fd, () => released());
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
