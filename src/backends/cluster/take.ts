import type { Redis } from 'ioredis';
import { TAKEN_FIELD } from './keys.ts';

/**
 * Reads a stored value and deletes it, in one round trip (MULTI; GETDEL would need Redis 6.2);
 * with `jobKey`, also marks that batch's job as taken.
 * Types only from ioredis: the driver's executor imports this without loading ioredis.
 *
 * @example
 * ```ts
 * const bytes = await takeStored(redis, 'cortado:t:abc:r:abc.0-9.ff'); // null when absent
 * ```
 */
export async function takeStored(redis: Redis, key: string, jobKey?: string): Promise<Buffer | null> {
  const transaction = redis.multi().getBuffer(key).unlink(key);
  // In the same transaction: the job (if it still exists) is marked as taken, so that a duplicate
  // of it still running stores nothing afterwards (see the workers' store scripts).
  if (jobKey !== undefined) transaction.eval(MARK_TAKEN, 1, jobKey, TAKEN_FIELD);
  const replies = await transaction.exec();
  const [error, value] = replies?.[0] ?? [null, null];
  if (error) throw error;
  return value as Buffer | null;
}

const MARK_TAKEN = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], '1') end return 0`;
