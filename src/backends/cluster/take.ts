import type { Redis } from 'ioredis';

/**
 * Reads a stored value and deletes it, in one round trip (MULTI; GETDEL would need Redis 6.2).
 * Types only from ioredis: the driver's executor imports this without loading ioredis.
 *
 * @example
 * ```ts
 * const bytes = await takeStored(redis, 'cortado:t:abc:r:abc.0-9.ff'); // null when absent
 * ```
 */
export async function takeStored(redis: Redis, key: string): Promise<Buffer | null> {
  const replies = await redis.multi().getBuffer(key).unlink(key).exec();
  const [error, value] = replies?.[0] ?? [null, null];
  if (error) throw error;
  return value as Buffer | null;
}
