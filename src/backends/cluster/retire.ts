import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobHashKey, TAKEN_FIELD, type ClusterKeys } from './keys.ts';
import { scanKeys } from './lease.ts';

/** Marks a job's hash as taken if it is one (BullMQ keeps a job's logs and lock beside it). */
const MARK_TAKEN = `if redis.call('TYPE', KEYS[1]).ok == 'hash' then redis.call('HSET', KEYS[1], ARGV[1], '1') end return 0`;

/**
 * Stops every batch of a task still in the queue from storing anything more: a queued one is
 * removed, a running one (a driver that died had handed it out; the workers go on with it) is
 * marked as taken, so its store script stores nothing when it ends. Run before a task's keys are
 * deleted, so that none is stored after the deletion for a later run to take as its own.
 * Types only from BullMQ and ioredis: loaded with the cluster's connections.
 *
 * @example
 * ```ts
 * await retireJobs(c.redis, c.queue, { prefix: 'cortado', queue: 'batches' }, taskId);
 * ```
 */
export async function retireJobs(redis: Redis, queue: Queue, keys: ClusterKeys, taskId: string): Promise<void> {
  const prefix = jobHashKey(keys, `${taskId}.`);
  const hashes = (await scanKeys(redis, `${prefix}*`)).filter((key) => !key.slice(prefix.length).includes(':'));
  for (const hash of hashes) {
    const jobId = hash.slice(jobHashKey(keys, '').length);
    // Marked first: a job taken off the queue between the two commands still stores nothing.
    await redis.eval(MARK_TAKEN, 1, hash, TAKEN_FIELD);
    await queue.remove(jobId).catch(() => 0);
  }
}
