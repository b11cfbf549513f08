import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { leaseKey, taskResultsPattern, type ClusterKeys } from './keys.ts';

/** Renews a lease only while it is still this driver's. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** A task's namespace in Redis, held by this driver while the task runs. */
export interface TaskLease {
  /** The task id the jobs and results of this run go under. */
  readonly taskId: string;
  /** Whether it is the computation's own namespace (shared with a driver that died), or one of this run's own. */
  readonly own: boolean;
  /**
   * Result keys that were in the namespace when it was claimed: batches that finished while no
   * driver was there (a driver that died). Only these are looked for before a batch is queued,
   * which saves a round trip per batch; a batch that finishes after the claim is either still
   * known to BullMQ (adding it again is a no-op) or, if it also completed in between, runs once more
   * and is absorbed once.
   */
  readonly stored: ReadonlySet<string>;
  /** Stops renewing; the key goes with the task's other keys. */
  stop(): void;
}

/**
 * Claims the namespace of a computation for one driver. Job ids derive from the task key, so two
 * drivers running the same computable at once would share jobs and take (and delete) each other's
 * results. The first driver holds a lease key, renewed every `leaseMs / 3`. A second driver that
 * finds the lease renewed while it watches (a live driver) runs in a namespace of its own and
 * shares nothing; one that finds it running down without renewal (a driver that died) waits for
 * it to expire, at most `leaseMs`, and takes the namespace over, with the results the dead
 * driver's batches stored meanwhile.
 */
export async function claimTask(redis: Redis, keys: ClusterKeys, baseTaskId: string, leaseMs: number): Promise<TaskLease> {
  const owner = randomUUID();
  const hold = async (taskId: string, own: boolean): Promise<TaskLease> => {
    const key = leaseKey(keys, taskId);
    const timer = setInterval(() => void redis.eval(RENEW, 1, key, owner, String(leaseMs)).catch(() => 0), Math.max(50, Math.floor(leaseMs / 3)));
    timer.unref();
    const stored = own ? await scanKeys(redis, taskResultsPattern(keys, taskId)).catch((error: unknown) => {
      clearInterval(timer);
      throw error;
    }) : [];
    return { taskId, own, stored: new Set(stored), stop: () => clearInterval(timer) };
  };
  if (await takeOverLease(redis, keys, baseTaskId, owner, leaseMs)) return hold(baseTaskId, true);
  const taskId = createHash('sha256').update(`${baseTaskId}/${owner}`).digest('hex').slice(0, 20);
  await redis.set(leaseKey(keys, taskId), owner, 'PX', leaseMs);
  return hold(taskId, false);
}

/**
 * Takes the lease on `taskId` for `owner` if no live driver holds it: at once when it is free,
 * after it runs out when it is running down without renewal (a driver that died: at most
 * `leaseMs`). Returns false when it is renewed while watched, or was set without expiry (a live
 * driver holds it).
 */
async function takeOverLease(redis: Redis, keys: ClusterKeys, taskId: string, owner: string, leaseMs: number): Promise<boolean> {
  const key = leaseKey(keys, taskId);
  let last: number | undefined;
  for (;;) {
    if ((await redis.set(key, owner, 'PX', leaseMs, 'NX')) === 'OK') return true;
    const ttl = await redis.pttl(key);
    if (ttl === -2) continue; // expired between the two commands: try again
    // No expiry (set by hand), or renewed since the last look: a live driver holds it.
    if (ttl === -1 || (last !== undefined && ttl > last)) return false;
    last = ttl;
    await sleep(Math.min(100, Math.max(10, Math.floor(leaseMs / 20))));
  }
}

/**
 * Takes a computation's own namespace for a cleanup, once the computation has completed without
 * claiming it (restored whole from a checkpoint): true when no live driver holds it (its lease is
 * taken over as {@link claimTask} does, waiting at most `leaseMs` for a dead driver's to run out).
 * The lease key goes with the namespace's other keys.
 */
export function takeOverForCleanup(redis: Redis, keys: ClusterKeys, taskId: string, leaseMs: number): Promise<boolean> {
  return takeOverLease(redis, keys, taskId, randomUUID(), leaseMs);
}

/** Every key matching `pattern` (SCAN, so Redis is never blocked). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}
