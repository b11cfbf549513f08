import { Redis, type RedisOptions } from 'ioredis';
export type { RedisConnection } from './redis-options.ts';
import { redactedUrl, type RedisConnection } from './redis-options.ts';
import { CortadoError } from '../../protocol/errors.ts';

/**
 * Opens an ioredis connection. `maxRetriesPerRequest: null` is what BullMQ needs: commands wait
 * through a reconnect (a restarted Redis) instead of failing after a few tries.
 */
export function openRedis(connection: RedisConnection, extra: RedisOptions = {}): Redis {
  const tls = connection.tls === true ? {} : connection.tls === false ? undefined : connection.tls;
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Back off up to 1 s between reconnects, forever: a Redis restart must not end the run.
    retryStrategy: (times) => Math.min(50 * times, 1000),
    ...(connection.username === undefined ? {} : { username: connection.username }),
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ...(tls === undefined ? {} : { tls: tls as RedisOptions['tls'] }),
    ...extra,
  };
  const redis = new Redis(connection.url, options as never);
  // Errors surface through the commands that fail; an 'error' event without a listener would throw.
  redis.on('error', () => {});
  return redis;
}

/**
 * A connection error in one line: its message, or for Node's AggregateError (a host tried at several
 * addresses, as `localhost` at ::1 and 127.0.0.1 is), whose message is empty, those of its errors.
 *
 * @example
 * ```ts
 * connectionErrorText(new AggregateError([new Error('connect ECONNREFUSED ::1:6379'), new Error('connect ECONNREFUSED 127.0.0.1:6379')], ''));
 * // 'connect ECONNREFUSED ::1:6379; connect ECONNREFUSED 127.0.0.1:6379'
 * ```
 */
export function connectionErrorText(error: Error): string {
  const text = error.message.trim();
  if (text !== '') return text;
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0) return inner.map((e) => (e instanceof Error ? connectionErrorText(e) : String(e))).join('; ');
  const code = (error as { code?: unknown }).code;
  return code === undefined ? error.name : `${error.name} ${String(code)}`;
}

/** Redis refused the credentials (or asked for some): retrying will not help. */
export class RedisAuthError extends CortadoError {
  constructor(url: string, cause: Error) {
    super(
      'E_CLUSTER_AUTH',
      `Redis at ${redactedUrl(url)} refused the connection's credentials (${cause.message.trim()}): give the password in the URL ` +
        '(redis://:password@host:6379), as `password` (and `username` for an ACL user), or in REDIS_PASSWORD for the CLI',
      { cause },
    );
  }
}

/**
 * Redis did not answer the first connection of a driver or a worker within `connectTimeoutMs` (nothing listens
 * at the URL, a firewall, a wrong host): the task fails instead of waiting forever. The last
 * connection error goes in the message only, not as the cause: a socket code such as ETIMEDOUT in
 * the cause chain would make the error policy skip the elements as I/O errors.
 */
export class RedisUnreachableError extends CortadoError {
  constructor(url: string, timeoutMs: number, last: Error | undefined) {
    super(
      'E_CLUSTER_UNREACHABLE',
      `Redis at ${redactedUrl(url)} did not answer within ${timeoutMs} ms${last === undefined ? '' : ` (${connectionErrorText(last)})`}: ` +
        'expected a redis-server listening at that host and port, reachable from this machine; start it, or fix the URL ' +
        '(how long to wait: `connectTimeoutMs` of cluster() or startClusterWorker(), `--redis-connect-timeout <seconds>` of the cortado commands)',
    );
  }
}

/** The TLS handshake with Redis failed verification (an unknown CA, a name mismatch, an expired certificate): retrying will not help. */
export class RedisTlsError extends CortadoError {
  constructor(url: string, cause: Error & { code?: string }) {
    super(
      'E_CLUSTER_TLS',
      `TLS to Redis at ${redactedUrl(url)} failed: the server certificate did not verify (${cause.code ?? 'TLS'}: ${cause.message.trim()}); ` +
        'expected a certificate signed by a CA this side trusts and naming the host of the URL: give that CA as `tls: { ca }` ' +
        '(`--tls-ca <file>` for `cortado worker`, CORTADO_REDIS_TLS_CA for the CLI)',
      { cause },
    );
  }
}

/** Node's codes for a server certificate that does not verify. */
export const TLS_VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Rejects with {@link RedisAuthError} as soon as any of `connections` (ioredis connections, or
 * BullMQ objects that relay their connections' errors) is refused for its credentials, and with
 * {@link RedisTlsError} when the server's certificate does not verify. ioredis would otherwise
 * reconnect forever, and every command would wait.
 */
export function connectionRefused(url: string, connections: ReadonlyArray<{ on(event: 'error', listener: (error: Error) => void): unknown }>): Promise<never> {
  return new Promise<never>((_, reject) => {
    for (const redis of connections) {
      redis.on('error', (error: Error & { code?: string }) => {
        if (/NOAUTH|WRONGPASS|invalid (username-)?password|AUTH.*without any password/i.test(error.message)) reject(new RedisAuthError(url, error));
        else if (error.code !== undefined && TLS_VERIFY_CODES.has(error.code)) reject(new RedisTlsError(url, error));
      });
    }
  });
}

/**
 * Records in `into` every duplicate made of `redis` (BullMQ's QueueEvents reads on a duplicate of
 * the connection it is given, and leaves it reconnecting forever when Redis never answered), so
 * that its owner can close them too. Returns `redis`.
 */
export function trackDuplicates(redis: Redis, into: Redis[]): Redis {
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (override) => {
    const copy = duplicate(override);
    copy.on('error', () => {});
    into.push(copy);
    return copy;
  };
  return redis;
}

/** Closes a connection, waiting at most `ms` for a polite QUIT. */
export async function closeRedis(redis: Redis, ms = 1000): Promise<void> {
  if (redis.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([redis.quit().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
