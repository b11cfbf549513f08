import type { BatchJob, BatchOutcome } from '../../actors/batch.ts';
import type { Executor } from '../../actors/executor.ts';
import { moduleCodeDigest } from '../../protocol/processor-code.ts';
import { OutcomeBuilder } from '../threads/outcome.ts';
import { DONE, FAILED, encodeBatch, type WireBatch } from '../threads/wire.ts';
import type { Connections } from './connect.ts';
import { takeStored } from './take.ts';
import type { TaskLease } from './lease.ts';
import { jobHashKey, jobIdOf, partKey, resultKey, type ClusterKeys } from './keys.ts';
import { readParts } from './parts.ts';
import { REDIS_LOST_MS, unlessLost } from './reachable.ts';
import { decodeOutcome, toPayload } from './payload.ts';
import { WorkerReducer } from './reduce.ts';
import { ClusterJobError, settle, type JobContext } from './settle.ts';

export { ClusterJobError } from './settle.ts';
import type { LiveWorker } from './shared.ts';


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
  /** Batches whose results are merged on a worker before the driver reads them; 1 = the driver reads each. */
  readonly reduceEvery: number;
}

/** A batch's settings with the connections resolved. */
type Connected = ClusterExecutorSettings & JobContext;

/**
 * The driver side of the cluster backend: each batch becomes one BullMQ job with a deterministic
 * id, its outcome comes back as a binary Redis key that is read once, absorbed and deleted. A
 * stored outcome found under the job's id (a batch that finished while the driver was down) is
 * absorbed without computing anything again.
 */
export function clusterExecutor(settings: ClusterExecutorSettings): Executor {
  const reducer = settings.reduceEvery > 1 ? new WorkerReducer(settings.reduceEvery) : undefined;
  // Read once per task: every batch of a task is sent for the same code (a worker with other code refuses it).
  const codes = new Map<string, string | undefined>();
  const codeOf = (module: string): string | undefined => {
    if (!codes.has(module)) codes.set(module, moduleCodeDigest(module));
    return codes.get(module);
  };
  return {
    name: 'cluster',
    slots: settings.slots,
    collectStats: settings.collectStats,
    runBatch: (job, signal) => runBatchOnCluster(settings, job, signal, reducer, codeOf),
    workers: settings.workers,
  };
}

async function runBatchOnCluster(unconnected: ClusterExecutorSettings, job: BatchJob, signal: AbortSignal, reducer: WorkerReducer | undefined, codeOf: (module: string) => string | undefined): Promise<BatchOutcome> {
  reducer?.enter();
  let parked = false;
  try {
    const connections = await unconnected.connections;
    await connections.ready;
    const { taskId, stored } = await unconnected.lease();
    const settings: Connected = { ...unconnected, queue: connections.queue, redis: connections.redis, completions: connections.completions };
    const builder = new OutcomeBuilder(job, settings.collectStats);
    /** Results a worker stored apart (split batches), to merge on a worker or read here. */
    const parts: string[] = [];
    const processors = new Map<string, { module: string; exportName: string }>();
    let pending = job.items.map((_, i) => i);
    // Elements a worker left not run (a cancelled or refused batch) go again in a batch of their own.
    while (pending.length > 0 && !signal.aborted) {
      const { batch, sent, rejected } = encodeBatch(job, pending, settings.collectStats);
      for (const { index, error } of rejected) builder.fail(index, error);
      if (sent.length === 0) break;
      const coded = withCode(batch, codeOf);
      const { payload } = toPayload(coded, taskId, settings.maxPayloadBytes, reducer !== undefined);
      const jobId = jobIdOf(taskId, coded);
      const bytes = await runJob(settings, jobId, payload, signal, stored);
      if (bytes === undefined) break;
      const outcome = decodeOutcome(bytes, sent.length, settings.maxResultBytes);
      if (outcome.parts !== undefined) {
        const key = partKey(settings.keys, jobId);
        if (reducer !== undefined) {
          parts.push(key);
          for (const p of batch.processors) processors.set(`${p.module}#${p.exportName}`, p);
        } else {
          // A split outcome this driver did not ask for (a driver with reduceEvery died): read its part here.
          builder.absorb(sent, batch.groups, { ...outcome, results: await readPart(settings, key, batch.groups) });
          pending = sent.filter((_, k) => outcome.status[k] !== DONE && outcome.status[k] !== FAILED);
          continue;
        }
      }
      builder.absorb(sent, batch.groups, outcome);
      pending = sent.filter((_, k) => outcome.status[k] !== DONE && outcome.status[k] !== FAILED);
    }
    if (reducer === undefined || parts.length === 0) return builder.build();
    parked = true;
    return await reducer.park(settings, taskId, builder.build(), parts, [...processors.values()], signal);
  } finally {
    if (!parked) reducer?.leave();
  }
}

/** The batch with each processor's code digest, which goes into its job id and payload. */
function withCode(batch: WireBatch, codeOf: (module: string) => string | undefined): WireBatch {
  const processors = batch.processors.map((p) => {
    const code = codeOf(p.module);
    return code === undefined ? p : { ...p, code };
  });
  return { ...batch, processors };
}

/** Reads a stored part on the driver, in the wire form of a batch with these `groups`. */
async function readPart(settings: Connected, key: string, groups: readonly string[]): Promise<Array<readonly [number, unknown]>> {
  const bytes = await takeStored(settings.redis, key);
  if (bytes === null) throw new ClusterJobError('E_CLUSTER_JOB_LOST', `The results of a batch are missing from Redis (${key}): deleted, evicted, or Redis lost them in a restart`);
  return readParts(bytes).map(([group, data]) => [group === null ? -1 : groups.indexOf(group), data] as const);
}

/**
 * Runs one job and returns its stored outcome's bytes (deleted from Redis as they are read), or
 * `undefined` when it was cancelled before producing one. Rejects when the job failed or vanished.
 * `stored`: the results that were in Redis when the task's namespace was claimed.
 */
async function runJob(settings: Connected, jobId: string, payload: unknown, signal: AbortSignal, stored: ReadonlySet<string>): Promise<Buffer | undefined> {
  const { redis, queue, completions } = settings;
  const key = resultKey(settings.keys, jobId);
  // A batch that finished while no driver was there: take its result, compute nothing.
  if (stored.has(key)) {
    const kept = await takeStored(redis, key);
    if (kept !== null) return kept;
  }
  const waiter = completions.wait(jobId);
  try {
    // An existing job of the same id (still queued or running) is not added again: BullMQ keeps one.
    // A failed job is kept until its reason is read (the event or the sweep), then removed here.
    const added = await unlessLost(redis, queue.add('batch', payload, { jobId, attempts: 1, removeOnComplete: true, removeOnFail: false }), REDIS_LOST_MS, signal);
    if (added === undefined) {
      // Cancelled while Redis is gone: whether the job was added is unknown; removed on dispose if it was.
      settings.abandon(jobId);
      return undefined;
    }
    const end = await settle(settings, jobId, key, waiter.ended, signal);
    if (end === 'cancelled') return undefined;
    if (!end.ok) await queue.remove(jobId).catch(() => 0);
    if (!end.ok) throw new ClusterJobError('E_CLUSTER_JOB_FAILED', `Batch ${jobId} failed on a cortado worker: ${end.reason}`);
    // Taken as soon as it is there (a sweep may find it before the job completes): a duplicate of
    // the batch still running must not store it again once taken.
    const bytes = await takeStored(redis, key, jobHashKey(settings.keys, jobId));
    if (bytes === null) throw new ClusterJobError('E_CLUSTER_JOB_LOST', `Batch ${jobId} completed but its result is missing from Redis (deleted, evicted, or Redis lost it in a restart)`);
    return bytes;
  } finally {
    waiter.forget();
  }
}
