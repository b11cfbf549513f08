import { createHash } from 'node:crypto';
import type { WireBatch } from '../threads/wire.ts';

/**
 * Redis key and job-id naming of the cluster backend. Everything a task stores sits under
 * `<prefix>:t:<taskId>:`, so a task's leftovers can be found and deleted by pattern. Job ids are
 * deterministic: the task key's hash, the batch's first and last entry, and a hash of its exact
 * ranges, attempts and processors' code, so the same batch dispatched twice is one job (BullMQ
 * ignores an `add` whose id exists), and a restarted driver finds the results of batches that
 * finished meanwhile — only if their processors' code is the code it runs now.
 */
export interface ClusterKeys {
  readonly prefix: string;
  readonly queue: string;
}

/**
 * The id of a task in Redis: a hash of the computable's key (same computation, same id). A
 * `remaining()` computable keeps the id of the computation it is part of, so that a resumed run
 * finds the results of batches that finished while its driver was down.
 */
export function taskIdOf(computableKey: string): string {
  const cut = computableKey.indexOf('#restricted(');
  return createHash('sha256').update(cut < 0 ? computableKey : computableKey.slice(0, cut)).digest('hex').slice(0, 20);
}

/**
 * The BullMQ job id of a batch (no `:` — BullMQ refuses it). The processors' code digests are part
 * of it: a result stored by a batch of the same ranges under other code (a driver that died before
 * the module was edited) has another id, and is never taken as this batch's.
 */
export function jobIdOf(taskId: string, batch: Pick<WireBatch, 'ranges' | 'attempts' | 'processors'>): string {
  const { ranges, attempts } = batch;
  const hash = createHash('sha256');
  hash.update(new Uint8Array(ranges.buffer, ranges.byteOffset, ranges.byteLength));
  hash.update(new Uint8Array(attempts.buffer, attempts.byteOffset, attempts.byteLength));
  for (const p of batch.processors) hash.update(`\0${p.module}#${p.exportName}@${p.code ?? ''}`);
  const first = ranges[0] ?? 0;
  const last = ranges[ranges.length - 1] ?? 0;
  return `${taskId}.${first}-${last}.${hash.digest('hex').slice(0, 16)}`;
}

/** The task id a job id belongs to. */
export function taskOfJob(jobId: string): string {
  return jobId.slice(0, jobId.indexOf('.'));
}

/** Where the binary outcome of a job is stored. */
export function resultKey(keys: ClusterKeys, jobId: string): string {
  return `${keys.prefix}:t:${taskOfJob(jobId)}:r:${jobId}`;
}

/** Where the results of a job are stored apart from its outcome (a batch's, or a reduce job's merge). */
export function partKey(keys: ClusterKeys, jobId: string): string {
  return `${keys.prefix}:t:${taskOfJob(jobId)}:p:${jobId}`;
}

/** Pattern matching every stored outcome of a task. */
export function taskResultsPattern(keys: ClusterKeys, taskId: string): string {
  return `${keys.prefix}:t:${taskId}:r:*`;
}

/** Pattern matching everything a task stores outside BullMQ's own keys. */
export function taskPattern(keys: ClusterKeys, taskId: string): string {
  return `${keys.prefix}:t:${taskId}:*`;
}

/** The key a driver holds while it runs a task (see lease.ts). */
export function leaseKey(keys: ClusterKeys, taskId: string): string {
  return `${keys.prefix}:t:${taskId}:lease`;
}

/** A live worker's heartbeat key. */
export function workerKey(keys: ClusterKeys, id: string): string {
  return `${keys.prefix}:w:${id}`;
}

/** Pattern matching every live worker's heartbeat. */
export function workersPattern(keys: ClusterKeys): string {
  return `${keys.prefix}:w:*`;
}

/** The key of a BullMQ job's hash (BullMQ's own layout: `<prefix>:<queue>:<id>`). */
export function jobHashKey(keys: ClusterKeys, jobId: string): string {
  return `${keys.prefix}:${keys.queue}:${jobId}`;
}

/** The field set on a job's hash to ask the worker running it to stop. */
export const CANCEL_FIELD = 'cortadoCancel';

/**
 * The field set on a job's hash once the driver has taken a result of it: a duplicate of the
 * batch still running (BullMQ delivers at least once) stores nothing after that, so no result key
 * is left behind for a batch already absorbed.
 */
export const TAKEN_FIELD = 'cortadoTaken';
