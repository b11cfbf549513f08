import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HostPool } from './host-pool.ts';

/** What one ranged GET brought back. */
export interface RangeReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body of a 206 answer (exactly the bytes sent); empty for any other status. */
  readonly body: Uint8Array;
}

/** A failure worth another attempt: a reset or dropped connection, or no answer in time. */
export class TransientHttpError extends Error {
  override readonly name = 'TransientHttpError';
  constructor(message: string, readonly timedOut: boolean, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * One `GET` of bytes `[start, end]` (inclusive, as HTTP counts) through `pool`'s keep-alive
 * agent, within `timeoutMs` from the moment a request slot is free. A 206 body is collected into
 * one array of the announced length; any other answer's body is discarded unread (a server
 * that ignores `Range` and starts sending the whole file is cut off, not downloaded).
 * Network failures and timeouts reject with {@link TransientHttpError}.
 */
export async function getRange(
  url: URL, start: number, end: number, headers: Record<string, string>,
  pool: HostPool, timeoutMs: number, signal?: AbortSignal,
): Promise<RangeReply> {
  const release = await pool.acquire();
  try {
    return await new Promise<RangeReply>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      let done = false;
      const fail = (error: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        req.destroy();
        reject(error);
      };
      const succeed = (reply: RangeReply): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(reply);
      };
      const onAbort = (): void => fail(signal!.reason as Error);
      const req = send(url, { method: 'GET', agent: pool.agent, headers: { ...headers, Range: `bytes=${start}-${end}` } });
      const timer = setTimeout(() => fail(new TransientHttpError(`no answer within ${timeoutMs} ms`, true)), timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => fail(new TransientHttpError(`${(error as NodeJS.ErrnoException).code ?? 'error'}: ${error.message}`,
        false, { cause: error })));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 206) {
          res.destroy(); // never read an unranged body: it may be the whole file
          succeed({ status, headers: res.headers, body: new Uint8Array(0) });
          return;
        }
        const expected = end - start + 1;
        const body = new Uint8Array(expected);
        let got = 0;
        res.on('data', (chunk: Buffer) => {
          if (got + chunk.length > expected) {
            fail(new TransientHttpError(`a 206 answer longer than the ${expected} bytes asked for`, false));
            return;
          }
          body.set(chunk, got);
          got += chunk.length;
        });
        res.on('end', () => {
          if (got === expected) succeed({ status, headers: res.headers, body });
          else fail(new TransientHttpError(`the connection ended after ${got} of ${expected} bytes`, false));
        });
        res.on('aborted', () => fail(new TransientHttpError(`the connection dropped after ${got} of ${expected} bytes`, false)));
        res.on('error', (error) => fail(new TransientHttpError(`the answer broke off: ${error.message}`, false, { cause: error })));
        res.on('close', () => {
          if (got !== expected) fail(new TransientHttpError(`the connection closed after ${got} of ${expected} bytes`, false));
        });
      });
      req.end();
    });
  } finally {
    release();
  }
}
