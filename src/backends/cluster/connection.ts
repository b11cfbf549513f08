import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { CortadoError } from '../../protocol/errors.ts';

/**
 * How to reach Redis: a URL (`redis://user:pass@host:6379/0`, `rediss://` for TLS) and, optionally,
 * credentials and TLS options that override the URL's. Passed through to ioredis as they are.
 */
export interface RedisConnection {
  /** `redis://[user:password@]host:port[/db]`; `rediss://` turns TLS on. */
  readonly url: string;
  /** ACL user name (Redis ≥ 6). */
  readonly username?: string | undefined;
  /** `requirepass` or the ACL user's password. */
  readonly password?: string | undefined;
  /** TLS options (`ca`, `cert`, `key`, `servername`, …) as Node's `tls.connect` takes them; `true` for defaults. */
  readonly tls?: boolean | Record<string, unknown> | undefined;
}

/** The zod schema of {@link RedisConnection} (a bare URL string is accepted too). */
export const redisConnectionSchema = z.union([
  z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').transform((url) => ({ url })),
  z.strictObject({
    url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
    username: z.string().optional(),
    password: z.string().optional(),
    tls: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  }),
]);

/** The URL with its password blanked, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

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
