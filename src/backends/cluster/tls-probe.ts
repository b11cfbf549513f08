import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { RedisTlsError, TLS_VERIFY_CODES } from './connection.ts';
import type { RedisConnection } from './redis-options.ts';

/**
 * Makes one TLS handshake with Redis before any ioredis connection is opened, and rejects with
 * {@link RedisTlsError} (`E_CLUSTER_TLS`) when the server certificate does not verify. Needed
 * because ioredis listens for a socket's first `error` only: after a failed verification the
 * server's alert can arrive as a second one, and an `error` event nobody listens to ends the
 * process. Any other outcome (connected, refused, timed out) resolves: those are ioredis's to retry.
 *
 * @example
 * ```ts
 * await verifyTls({ url: 'rediss://redis.example.org:6380', tls: { ca: readFileSync('ca.pem') } });
 * ```
 */
export async function verifyTls(connection: RedisConnection, timeoutMs = 10_000): Promise<void> {
  if (connection.tls === false) return;
  const url = new URL(connection.url);
  const options = connection.tls === true || connection.tls === undefined ? {} : (connection.tls as ConnectionOptions);
  if (url.protocol !== 'rediss:' && connection.tls === undefined) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    const socket = tlsConnect({ host, port: Number(url.port || 6379), ...(isIP(host) === 0 ? { servername: host } : {}), ...options });
    const settle = (error?: Error & { code?: string }) => {
      socket.setTimeout(0);
      socket.destroy();
      if (error?.code !== undefined && TLS_VERIFY_CODES.has(error.code)) reject(new RedisTlsError(connection.url, error));
      else resolve();
    };
    // Kept for the socket's whole life: a second error (the server's alert) must not go unheard.
    socket.on('error', (error: Error & { code?: string }) => settle(error));
    socket.once('secureConnect', () => settle());
    socket.setTimeout(timeoutMs, () => settle());
  });
}
