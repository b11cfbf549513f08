import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchJob, BatchOutcome } from '../../actors/batch.ts';
import type { Executor } from '../../actors/executor.ts';
import { CortadoError } from '../../protocol/errors.ts';
import { OutcomeBuilder } from '../threads/outcome.ts';
import { DONE, FAILED, encodeBatch } from '../threads/wire.ts';
import type { JobEnd } from './completions.ts';
import type { Connections } from './connect.ts';
import type { TaskLease } from './lease.ts';
import { CANCEL_FIELD, jobHashKey, jobIdOf, resultKey, type ClusterKeys } from './keys.ts';
import { decodeOutcome, toPayload } from './payload.ts';
import type { LiveWorker } from './shared.ts';

/** A batch whose job failed on a worker, or vanished from Redis. */
export class ClusterJobError extends CortadoError {}

/** Settings of a {@link clusterExecutor}: one per task. */
export interface ClusterExecutorSettings {
  /** The driver's connections (opened on first use; awaited before each batch). */
  readonly connections: Promise<Connections>;
  readonly keys: ClusterKeys;
  /** The task's namespace in Redis, claimed on the first batch (see `claimTask`). */
  readonly lease: () => Promise<TaskLease>;
  readonly slots: number;
  readonly collectStats: boolean;
  readonly maxPayloadBytes: number;
  readonly maxResultBytes: number;
  /** How often a batch in flight is checked directly in Redis, in case an event was missed. */
  readonly sweepMs: number;
  /** How long a cancelled batch that is running may take to stop and return what it has. */
  readonly cancelGraceMs: number;
  /** Jobs given up on after cancellation: their results are deleted when they come. */
  readonly abandon: (jobId: string) => void;
  readonly workers: () => Promise<LiveWorker[]>;
}

/** A batch's settings with the connections resolved. */
type Connected = ClusterExecutorSettings & Pick<Connections, 'queue' | 'redis' | 'completions'>;

/**
 * The driver side of the cluster backend: each batch becomes one BullMQ job with a deterministic
 * id, its outcome comes back as a binary Redis key that is read once, absorbed and deleted. A
 * stored outcome found under the job's id (a batch that finished while the driver was down) is
 * absorbed without computing anything again.
 */
export function clusterExecutor(settings: ClusterExecutorSettings): Executor {
  return {
    name: 'cluster',
    slots: settings.slots,
    collectStats: settings.collectStats,
    runBatch: (job, signal) => runBatchOnCluster(settings, job, signal),
    workers: settings.workers,
  };
}

async function runBatchOnCluster(unconnected: ClusterExecutorSettings, job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> {
  const connections = await unconnected.connections;
  await connections.ready;
  const settings: Connected = { ...unconnected, queue: connections.queue, redis: connections.redis, completions: connections.completions };
  const { taskId } = await settings.lease();
  const builder = new OutcomeBuilder(job, settings.collectStats);
  let pending = job.items.map((_, i) => i);
  // Elements a worker left not run (a cancelled or refused batch) go again in a batch of their own.
  while (pending.length > 0 && !signal.aborted) {
    const { batch, sent, rejected } = encodeBatch(job, pending, settings.collectStats);
    for (const { index, error } of rejected) builder.fail(index, error);
    if (sent.length === 0) break;
    const { payload } = toPayload(batch, taskId, settings.maxPayloadBytes);
    const jobId = jobIdOf(taskId, batch.ranges, batch.attempts);
    const bytes = await runJob(settings, jobId, payload, signal);
    if (bytes === undefined) break;
    const outcome = decodeOutcome(bytes, sent.length, settings.maxResultBytes);
    builder.absorb(sent, batch.groups, outcome);
    pending = sent.filter((_, k) => outcome.status[k] !== DONE && outcome.status[k] !== FAILED);
  }
  return builder.build();
}

/**
 * Runs one job and returns its stored outcome's bytes (deleted from Redis once read), or
 * `undefined` when it was cancelled before producing one. Rejects when the job failed or vanished.
 */
async function runJob(settings: Connected, jobId: string, payload: unknown, signal: AbortSignal): Promise<Buffer | undefined> {
  const { redis, queue, completions } = settings;
  const key = resultKey(settings.keys, jobId);
  const waiter = completions.wait(jobId);
  try {
    // A batch that finished while this driver was away: take its result, compute nothing.
    let bytes = await redis.getBuffer(key);
    if (bytes === null) {
      // An existing job of the same id (still queued or running) is not added again: BullMQ keeps one.
      // A failed job is kept until its reason is read (the event or the sweep), then removed here.
      await queue.add('batch', payload, { jobId, attempts: 1, removeOnComplete: true, removeOnFail: false });
      const end = await settle(settings, jobId, key, waiter.ended, signal);
      if (end === 'cancelled') return undefined;
      if (!end.ok) await queue.remove(jobId).catch(() => 0);
      if (!end.ok) throw new ClusterJobError('E_CLUSTER_JOB_FAILED', `Batch ${jobId} failed on a cortado worker: ${end.reason}`);
      bytes = await redis.getBuffer(key);
      if (bytes === null) throw new ClusterJobError('E_CLUSTER_JOB_LOST', `Batch ${jobId} completed but its result is missing from Redis (deleted, evicted, or Redis lost it in a restart)`);
    }
    await redis.unlink(key);
    return bytes;
  } finally {
    waiter.forget();
  }
}

type Settled = JobEnd | 'cancelled';

/** Waits for the job's end event, checking Redis directly every `sweepMs`, and handles cancellation. */
async function settle(settings: Connected, jobId: string, key: string, ended: Promise<JobEnd>, signal: AbortSignal): Promise<Settled> {
  const aborted = new Promise<'abort'>((resolve) => {
    if (signal.aborted) resolve('abort');
    else signal.addEventListener('abort', () => resolve('abort'), { once: true });
  });
  for (;;) {
    const sweep = new AbortController();
    const next = await Promise.race([ended, aborted, sleep(settings.sweepMs, 'sweep' as const, { signal: sweep.signal }).catch(() => 'sweep' as const)]);
    sweep.abort();
    if (next === 'abort') return cancel(settings, jobId, key, ended);
    if (next !== 'sweep') return next;
    const swept = await sweepJob(settings, jobId, key);
    if (swept !== undefined) return swept;
  }
}

/** What Redis says about a job when no event came: its result is there, it failed, or it is gone. */
async function sweepJob(settings: Connected, jobId: string, key: string): Promise<JobEnd | undefined> {
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
 */
async function cancel(settings: Connected, jobId: string, key: string, ended: Promise<JobEnd>): Promise<Settled> {
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
