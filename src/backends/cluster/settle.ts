import { setTimeout as sleep } from 'node:timers/promises';
import { CortadoError } from '../../protocol/errors.ts';
import type { JobEnd } from './completions.ts';
import type { Connections } from './connect.ts';
import { CANCEL_FIELD, jobHashKey, type ClusterKeys } from './keys.ts';
import { REDIS_LOST_MS, unlessLost } from './reachable.ts';

/** A batch whose job failed on a worker, or vanished from Redis. */
export class ClusterJobError extends CortadoError {}

/** What waiting for a job needs: the driver's connections and a few settings. */
export interface JobContext extends Pick<Connections, 'queue' | 'redis' | 'completions'> {
  readonly keys: ClusterKeys;
  /** How often a job in flight is checked directly in Redis, in case an event was missed. */
  readonly sweepMs: number;
  /** How long a cancelled job that is running may take to stop and return what it has. */
  readonly cancelGraceMs: number;
  /** Jobs given up on after cancellation: their results are deleted when they come. */
  readonly abandon: (jobId: string) => void;
}

/** How a job ended, or that it was cancelled. */
export type Settled = JobEnd | 'cancelled';

/** Waits for the job's end event, checking Redis directly every `sweepMs`, and handles cancellation. */
export async function settle(settings: JobContext, jobId: string, key: string, ended: Promise<JobEnd>, signal: AbortSignal): Promise<Settled> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'abort'>((resolve) => {
    onAbort = () => resolve('abort');
    if (signal.aborted) resolve('abort');
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      const sweep = new AbortController();
      const next = await Promise.race([ended, aborted, sleep(settings.sweepMs, 'sweep' as const, { signal: sweep.signal }).catch(() => 'sweep' as const)]);
      sweep.abort();
      if (next === 'abort') return await cancel(settings, jobId, key, ended);
      if (next !== 'sweep') return next;
      // A sweep waits for Redis (through a restart): a cancel does not wait for it.
      const sweeping = sweepJob(settings, jobId, key);
      sweeping.catch(() => undefined);
      const swept = await Promise.race([sweeping, aborted]);
      if (swept === 'abort') return await cancel(settings, jobId, key, ended);
      if (swept !== undefined) return swept;
    }
  } finally {
    // The signal outlives the job (a lane's, for the whole task): leave no listener on it.
    signal.removeEventListener('abort', onAbort!);
  }
}

/** What Redis says about a job when no event came: its result is there, it failed, or it is gone. */
async function sweepJob(settings: JobContext, jobId: string, key: string): Promise<JobEnd | undefined> {
  if ((await settings.redis.exists(key)) === 1) return { ok: true };
  const state = await settings.queue.getJobState(jobId);
  if (state === 'failed') {
    const job = await settings.queue.getJob(jobId);
    return { ok: false, reason: job?.failedReason ?? 'unknown reason' };
  }
  if (state === 'unknown' || state === 'completed') {
    // Removed on completion: the result may have landed between the two reads.
    if ((await settings.redis.exists(key)) === 1) return { ok: true };
    if (state === 'unknown') return { ok: false, reason: 'the job is gone from Redis (Redis restarted without its data, or the job was removed)' };
  }
  return undefined;
}

/**
 * Cancels a job: a queued one is removed; a running one is asked to stop between elements (a
 * field on its job hash that the worker polls) and given `cancelGraceMs` to return what it has.
 * Against a Redis gone for {@link REDIS_LOST_MS}, the job is abandoned instead (its result, if it
 * comes, is deleted when the backend is disposed).
 */
async function cancel(settings: JobContext, jobId: string, key: string, ended: Promise<JobEnd>): Promise<Settled> {
  const settled = await unlessLost(settings.redis, cancelJob(settings, jobId, key, ended), REDIS_LOST_MS);
  if (settled !== undefined) return settled;
  settings.abandon(jobId);
  return 'cancelled';
}

async function cancelJob(settings: JobContext, jobId: string, key: string, ended: Promise<JobEnd>): Promise<Settled> {
  const { redis, queue } = settings;
  const jobKey = jobHashKey(settings.keys, jobId);
  await redis.eval(`if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], '1') end return 0`, 1, jobKey, CANCEL_FIELD);
  const removed = await queue.remove(jobId).catch(() => 0);
  if (removed === 1) return 'cancelled';
  const timer = new AbortController();
  const end = await Promise.race([ended, sleep(settings.cancelGraceMs, 'timeout' as const, { signal: timer.signal }).catch(() => 'timeout' as const)]);
  timer.abort();
  if (end === 'timeout') {
    if ((await redis.exists(key)) === 1) return { ok: true };
    settings.abandon(jobId);
    return 'cancelled';
  }
  return end;
}
