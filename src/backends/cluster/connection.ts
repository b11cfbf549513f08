import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';

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
