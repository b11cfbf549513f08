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
 * Rejects with {@link RedisAuthError} as soon as any of `connections` (ioredis connections, or
 * BullMQ objects that relay their connections' errors) is refused for its credentials. ioredis would otherwise reconnect forever, and every command would wait.
 */
export function authFailure(url: string, connections: ReadonlyArray<{ on(event: 'error', listener: (error: Error) => void): unknown }>): Promise<never> {
  return new Promise<never>((_, reject) => {
    for (const redis of connections) {
      redis.on('error', (error: Error) => {
        if (/NOAUTH|WRONGPASS|invalid (username-)?password|AUTH.*without any password/i.test(error.message)) reject(new RedisAuthError(url, error));
      });
    }
  });
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
