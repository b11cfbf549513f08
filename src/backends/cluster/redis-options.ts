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

