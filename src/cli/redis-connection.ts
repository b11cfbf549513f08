import { readFileSync } from 'node:fs';
import type { RedisConnection } from '../backends/cluster/redis-options.ts';
import { CliUsageError } from './errors.ts';

/**
 * The Redis connection the command line describes: the URL, the password and ACL user from
 * REDIS_PASSWORD / REDIS_USERNAME (kept out of `ps`), and the CA certificate of a TLS Redis
 * (`rediss://`) from `--tls-ca` or CORTADO_REDIS_TLS_CA.
 *
 * @example
 * ```ts
 * redisConnectionFromCli('rediss://redis.example.org:6380', '/etc/ssl/redis-ca.pem');
 * // { url: 'rediss://…', tls: { ca: <Buffer …> } } (plus the password when REDIS_PASSWORD is set)
 * ```
 */
export function redisConnectionFromCli(url: string, tlsCa: string | undefined = process.env.CORTADO_REDIS_TLS_CA || undefined): RedisConnection {
  let ca: Buffer | undefined;
  if (tlsCa !== undefined) {
    try {
      ca = readFileSync(tlsCa);
    } catch (error) {
      throw new CliUsageError(`Expected a readable CA certificate (PEM) for --tls-ca / CORTADO_REDIS_TLS_CA, got ${tlsCa} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return {
    url,
    ...(process.env.REDIS_PASSWORD ? { password: process.env.REDIS_PASSWORD } : {}),
    ...(process.env.REDIS_USERNAME ? { username: process.env.REDIS_USERNAME } : {}),
    ...(ca === undefined ? {} : { tls: { ca } }),
  };
}
