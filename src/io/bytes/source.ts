/**
 * Random access to the bytes of one file, wherever it lives (a local disk, an HTTP(S) server).
 * The readers of every format read through this interface only, so a new place to read from is
 * one more implementation, not a change to the readers.
 *
 * Contract:
 * - `read` resolves to exactly `length` bytes at `position` (a fresh array the caller may keep),
 *   or rejects with an `IoError` naming the file: `E_IO_TRUNCATED` for a range past `size`,
 *   `E_IO_TIMEOUT` for a read stuck past the source's timeout, `E_IO_CLOSED` after `close()`,
 *   `E_FILE_CHANGED` when the file no longer has the `identity` it had when opened, an abort
 *   reason when `signal` aborts. Reads may run concurrently.
 * - `identity` changes when the file is replaced or rewritten (device/inode/size/mtime for a
 *   local file; ETag or Last-Modified and size over HTTP): a cache keyed by it never serves stale
 *   metadata.
 * - `close()` is idempotent and releases everything (descriptors, sockets, timers).
 *
 * @example
 * ```ts
 * await using source = await openByteSource('nano_dy.root');
 * const magic = await source.read(0, 4); // 'root'
 * ```
 */
export interface ByteSource extends AsyncDisposable {
  /** The path or URL the source was opened with (credentials never appear here), for messages. */
  readonly path: string;
  /** Bytes in the file when it was opened. */
  readonly size: number;
  /** A key that changes when the file changes; equal keys mean the same bytes. */
  readonly identity: string;
  /** Reads exactly `length` bytes at `position`. */
  read(position: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Reads exactly `into.length` bytes at `position` into the caller's `into` (sources that can:
   * a local file) and resolves to it; after a rejection `into` may still be written to.
   */
  readInto?(position: number, into: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  /** Releases the source; later reads reject with `E_IO_CLOSED`. */
  close(): Promise<void>;
  /** Sources that keep descriptors for reuse (`keepOpen`): do not keep this one (a file found unreadable). */
  forget?(): void;
}

/** Options every byte source understands; each ignores those that do not apply to it. */
export interface ByteSourceOptions {
  /** Aborts opening. */
  signal?: AbortSignal | undefined;
  /**
   * How long one operation (open, one read, one HTTP request) may take before it fails with
   * `E_IO_TIMEOUT`. Default: `CORTADO_IO_TIMEOUT_MS` from the environment, else 60 000 ms.
   */
  timeoutMs?: number | undefined;
  /**
   * Local files only: on `close()`, keep the descriptor open for the next open of the same path in
   * this thread, which then costs no system call when the file is watched (a local file system,
   * no symbolic link on the path: any change marks it stale), else one `stat`, instead of open +
   * fstat + close; a file replaced or rewritten since is opened afresh. Idle descriptors are
   * bounded and close on their own after a while; `closeIdleFiles()` closes them at once.
   * Default false.
   */
  keepOpen?: boolean | undefined;
  /** HTTP(S) only: extra request headers (e.g. `{ Authorization: 'Bearer …' }`); never logged. */
  headers?: Record<string, string> | undefined;
  /** HTTP(S) only: a bearer token (default: `CORTADO_HTTP_TOKEN` from the environment); never logged. */
  bearerToken?: string | undefined;
  /** HTTP(S) only: at most this many requests in flight per host (default 6). */
  maxConnectionsPerHost?: number | undefined;
  /** HTTP(S) only: attempts per request on 5xx, resets and timeouts before failing (default 8). */
  maxAttempts?: number | undefined;
  /** HTTP(S) only: delay before the first retry, doubled for each next one (default 100 ms). */
  retryDelayMs?: number | undefined;
}

/** The default per-operation timeout: `CORTADO_IO_TIMEOUT_MS`, else one minute. */
export function defaultTimeoutMs(): number {
  const fromEnv = Number(process.env.CORTADO_IO_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 60_000;
}

/** Whether `path` names a remote file (an `http://` or `https://` URL). */
export function isRemotePath(path: string): boolean {
  return /^https?:\/\//i.test(path);
}
