import { setMaxListeners } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { IoError } from '../errors.ts';
import { HostPool } from './host-pool.ts';
import { getRange, TransientHttpError, type RangeReply } from './http-request.ts';
import { abandonable } from './deadline.ts';
import { checkRange } from './local.ts';
import { defaultTimeoutMs, type ByteSource, type ByteSourceOptions } from './source.ts';

const MAX_REDIRECTS = 5;
const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/** `url` without user information, query-string tokens kept out of nothing else: safe to print. */
function printable(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(timer); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Total size from `Content-Range: bytes a-b/total`, or undefined. */
function rangeTotal(headers: IncomingHttpHeaders): number | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+)$/i.exec(headers['content-range'] ?? '');
  return m ? Number(m[3]) : undefined;
}

function rangeStart(headers: IncomingHttpHeaders): number | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\//i.exec(headers['content-range'] ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Resolved settings of one remote file. */
interface HttpSettings {
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
}

/**
 * A file on an HTTP(S) server as a {@link ByteSource}, read with `Range` requests over
 * keep-alive connections, at most `maxConnectionsPerHost` requests at a time per host.
 *
 * - Transient failures (5xx, 408/429, resets, dropped connections, no answer within
 *   `timeoutMs`) are retried up to `maxAttempts` times with exponential backoff; then an
 *   `IoError`: `E_IO_TIMEOUT`, `E_IO_HTTP` (network) or `E_IO_HTTP_<status>` (e.g.
 *   `E_IO_HTTP_503`). Other statuses fail at once: `E_IO_HTTP_404`, `E_IO_HTTP_403`, …
 * - A server that ignores `Range` (answers 200) fails with `E_IO_HTTP_NO_RANGE`; the body is
 *   never downloaded.
 * - Every answer's ETag (else Last-Modified) and total size are checked against those at open:
 *   a file replaced on the server fails with `E_FILE_CHANGED`.
 * - Credentials: `headers`, `bearerToken` or `CORTADO_HTTP_TOKEN`; user:password in the URL
 *   becomes Basic authorization. None appear in `path`, messages or errors. They are sent to
 *   the origin opened only, not to another host a redirect leads to.
 *
 * @example
 * ```ts
 * await using file = await HttpFileSource.open('https://eospublic.example/nano.root', { bearerToken: token });
 * const header = await file.read(0, 100);
 * ```
 */
export class HttpFileSource implements ByteSource {
  readonly path: string;
  readonly size: number;
  readonly identity: string;
  readonly #url: URL;
  readonly #pool: HostPool;
  readonly #settings: HttpSettings;
  readonly #etag: string | undefined;
  readonly #lastModified: string | undefined;
  readonly #closer = new AbortController();
  #closed = false;

  private constructor(path: string, url: URL, pool: HostPool, settings: HttpSettings, size: number, headers: IncomingHttpHeaders) {
    this.path = path;
    this.#url = url;
    this.#pool = pool;
    this.#settings = settings;
    this.size = size;
    this.#etag = headers.etag;
    this.#lastModified = headers['last-modified'];
    this.identity = `${path}|${this.#etag ?? this.#lastModified ?? ''}|${size}`;
    setMaxListeners(0, this.#closer.signal); // one listener per request in flight
  }

  /**
   * Opens `url`: one ranged request for its first byte learns the size and the validators,
   * following up to 5 redirects. Errors as described on the class.
   */
  static async open(url: string, options: ByteSourceOptions = {}): Promise<HttpFileSource> {
    let target = new URL(url);
    const path = printable(target);
    const headers: Record<string, string> = {};
    if (target.username || target.password) {
      const user = decodeURIComponent(target.username);
      const pass = decodeURIComponent(target.password);
      headers.Authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    const token = options.bearerToken ?? process.env.CORTADO_HTTP_TOKEN;
    if (token) headers.Authorization = `Bearer ${token}`;
    Object.assign(headers, options.headers);
    const settings: HttpSettings = {
      headers,
      timeoutMs: options.timeoutMs ?? defaultTimeoutMs(),
      maxAttempts: Math.max(1, options.maxAttempts ?? 8),
      retryDelayMs: options.retryDelayMs ?? 100,
    };
    const limit = options.maxConnectionsPerHost ?? 6;
    for (let hop = 0; ; hop++) {
      const pool = HostPool.use(target, limit);
      try {
        const reply = await abandonable(options.signal, (signal) => attempts(path, target, 0, 0, settings, pool, signal));
        if (reply.status >= 300 && reply.status < 400 && reply.headers.location && hop < MAX_REDIRECTS) {
          const next = new URL(reply.headers.location, target);
          if (next.origin !== target.origin) delete settings.headers.Authorization;
          HostPool.release(target);
          target = next;
          continue;
        }
        if (reply.status === 200) {
          throw new IoError('E_IO_HTTP_NO_RANGE', `Expected ${path} to answer a Range request with 206 Partial Content, ` +
            'got 200 with the whole file: the server does not support range requests, and cortado will not download ' +
            'whole files; serve it from a server that does (or copy it locally)', { path });
        }
        if (reply.status !== 206) throw statusError(path, reply.status);
        const size = rangeTotal(reply.headers);
        if (size === undefined) {
          throw new IoError('E_IO_HTTP', `Expected a Content-Range header with the file size from ${path}, got ` +
            `${JSON.stringify(reply.headers['content-range'] ?? null)}`, { path });
        }
        return new HttpFileSource(path, target, pool, settings, size, reply.headers);
      } catch (error) {
        HostPool.release(target);
        throw error;
      }
    }
  }

  /** Reads exactly `length` bytes at `position` with one ranged request (retried as needed). */
  async read(position: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.#closed) throw new IoError('E_IO_CLOSED', `Expected ${this.path} to be open, got it closed`, { path: this.path });
    checkRange(this, position, length);
    if (length === 0) return new Uint8Array(0);
    const both = signal ? AbortSignal.any([signal, this.#closer.signal]) : this.#closer.signal;
    if (both !== this.#closer.signal) setMaxListeners(0, both);
    let reply: RangeReply;
    try {
      reply = await abandonable(both, (all) =>
        attempts(this.path, this.#url, position, position + length - 1, this.#settings, this.#pool, all));
    } catch (error) {
      if (this.#closed && !signal?.aborted) {
        throw new IoError('E_IO_CLOSED', `Expected ${this.path} to stay open while reading, got it closed`, { path: this.path });
      }
      throw error;
    }
    if (reply.status === 200) {
      throw new IoError('E_IO_HTTP_NO_RANGE', `Expected ${this.path} to answer a Range request with 206, got 200 ` +
        '(the server stopped honouring ranges)', { path: this.path });
    }
    if (reply.status !== 206) throw statusError(this.path, reply.status);
    this.#checkSame(reply.headers);
    if (rangeStart(reply.headers) !== position) {
      throw new IoError('E_IO_HTTP', `Expected bytes from ${position} of ${this.path}, got Content-Range ` +
        `${JSON.stringify(reply.headers['content-range'] ?? null)}`, { path: this.path });
    }
    return reply.body;
  }

  #checkSame(headers: IncomingHttpHeaders): void {
    const size = rangeTotal(headers);
    const changed = (this.#etag !== undefined && headers.etag !== undefined && headers.etag !== this.#etag)
      || (this.#etag === undefined && this.#lastModified !== undefined && headers['last-modified'] !== undefined
        && headers['last-modified'] !== this.#lastModified)
      || (size !== undefined && size !== this.size);
    if (changed) {
      throw new IoError('E_FILE_CHANGED', `Expected ${this.path} to stay as opened (${this.size} bytes, ` +
        `${this.#etag ? `ETag ${this.#etag}` : `Last-Modified ${this.#lastModified ?? '?'}`}), got ${size ?? '?'} bytes, ` +
        `${headers.etag ? `ETag ${headers.etag}` : `Last-Modified ${headers['last-modified'] ?? '?'}`}: the file changed ` +
        'on the server while being read', { path: this.path });
    }
  }

  /** Stops requests in flight and releases the host's connections when no other file uses them. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closer.abort(new IoError('E_IO_CLOSED', `Expected ${this.path} to be open, got it closed`, { path: this.path }));
    HostPool.release(this.#url);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function statusError(path: string, status: number): IoError {
  const hint = status === 404 ? ' (no such file)' : status === 401 || status === 403 ? ' (check the credentials)' : '';
  return new IoError(`E_IO_HTTP_${status}`, `Expected ${path} to answer 206 Partial Content, got HTTP ${status}${hint}`,
    { path, status });
}

/** One ranged GET with retries and backoff; a final failure becomes an `IoError`. */
async function attempts(
  path: string, url: URL, start: number, end: number, settings: HttpSettings, pool: HostPool, signal?: AbortSignal,
): Promise<RangeReply> {
  let last: TransientHttpError | number = 0;
  for (let attempt = 0; attempt < settings.maxAttempts; attempt++) {
    if (attempt > 0) await sleep(settings.retryDelayMs * 2 ** (attempt - 1), signal);
    signal?.throwIfAborted();
    try {
      const reply = await getRange(url, start, end, settings.headers, pool, settings.timeoutMs, signal);
      if (!RETRY_STATUSES.has(reply.status)) return reply;
      last = reply.status;
    } catch (error) {
      if (!(error instanceof TransientHttpError)) throw error;
      last = error;
    }
  }
  const tries = `after ${settings.maxAttempts} attempt${settings.maxAttempts === 1 ? '' : 's'}`;
  if (typeof last === 'number') {
    const error = statusError(path, last);
    throw new IoError(error.code as `E_IO_HTTP_${number}`, `${error.message} ${tries}`, { path, status: last });
  }
  if (last.timedOut) {
    throw new IoError('E_IO_TIMEOUT', `Expected ${path} to answer within ${settings.timeoutMs} ms, got no answer ${tries}`,
      { path }, { cause: last });
  }
  throw new IoError('E_IO_HTTP', `Expected bytes ${start}–${end} of ${path}, got a network failure ${tries}: ${last.message}`,
    { path }, { cause: last });
}
