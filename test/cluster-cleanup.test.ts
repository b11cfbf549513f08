/**
 * Nothing of a completed computation stays in Redis, however it completed: a later fresh run of
 * the same computation (same task id) would otherwise take what is left as its own results.
 * Against a real redis-server; the driver that died is a real process, SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cluster } from '../src/backends/cluster.ts';
import { jobHashKey, leaseKey, taskIdOf, TAKEN_FIELD } from '../src/backends/cluster/keys.ts';
import { retireJobs } from '../src/backends/cluster/retire.ts';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { INPUTS } from './fixtures/cluster/driver.ts';
import { countedSquare } from './fixtures/cluster/processors.ts';
import { tsNodeArgs } from './helpers/node-args.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis } from './helpers/redis.ts';

const KEYS = { prefix: 'cortado', queue: 'batches' } as const;
const sumOfSquares = (xs: readonly number[]) => xs.reduce((s, x) => s + x * x, 0);

describeWithRedis('cluster(): nothing of a completed computation stays in Redis', () => {
  let redis: TestRedis;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'cortado-cleanup-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const computable = () => fromFunction(countedSquare, INPUTS);
  const taskId = taskIdOf(computable().key);

  /** A complete checkpoint of the computation (the journal is the runtime's: any backend writes the same). */
  async function completeCheckpoint(name: string): Promise<string> {
    const path = join(dir, name);
    await using local = inline();
    await local.compute(computable(), { batchSize: 5, checkpoint: { path, removeOnComplete: false } }).result();
    return path;
  }

  /** A driver that queued its batches (no worker runs them) and was SIGKILLed: its jobs and its lease (2 s, running down) stay. */
  async function driverThatDied(): Promise<void> {
    const client = redis.client();
    const driver = spawn(process.execPath, [...tsNodeArgs(), join(import.meta.dirname, 'fixtures/cluster/driver.ts')], { env: { ...process.env, REDIS_URL: redis.url }, stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while ((await client.llen('cortado:batches:wait')) < 8) {
      if (Date.now() > deadline) throw new Error('Expected the driver to queue 8 batches within 60 s');
      await sleep(20);
    }
    driver.kill('SIGKILL');
    await new Promise((r) => driver.once('exit', r));
  }

  it('a run restored whole from its checkpoint removes what a driver that died left: queued batches, stored results, the lease', async () => {
    const checkpoint = await completeCheckpoint('whole.ckpt');
    await driverThatDied();
    const client = redis.client();
    // A batch of the dead driver that finished before its jobs were seen to: its stored result.
    await client.set(`cortado:t:${taskId}:r:${taskId}.0-4.0123456789abcdef`, 'result bytes', 'PX', 86_400_000);
    expect(await client.pttl(leaseKey(KEYS, taskId))).toBeGreaterThan(0);

    await using backend = cluster({ redis: redis.url, sweepMs: 250 });
    const task = backend.compute(computable(), { batchSize: 5, checkpoint });
    expect(task.restored?.entries).toBe(INPUTS.length);
    expect(await task.result()).toBe(sumOfSquares(INPUTS));
    await backend.dispose();

    expect(await client.keys('cortado:t:*')).toEqual([]);
    expect(await client.keys(`cortado:batches:${taskId}*`)).toEqual([]);
    expect(await client.llen('cortado:batches:wait')).toBe(0);
  }, 90_000);

  it('a fresh run after a driver died, cut differently: the dead driver\'s batches and results go with the completed run', async () => {
    await driverThatDied();
    const worker = spawnWorker(redis.url, ['--lock-ms', '10000', '--stalled-ms', '10000']);
    try {
      await worker.ready;
      await using backend = cluster({ redis: redis.url, sweepMs: 250, leaseMs: 2000 });
      // Batches of 10 where the dead driver's were of 5: no job id in common, nothing of its taken.
      expect(await backend.compute(computable(), { batchSize: 10 }).result()).toBe(sumOfSquares(INPUTS));
      await backend.dispose();
      const client = redis.client();
      expect(await client.keys('cortado:t:*')).toEqual([]);
      // Every job of the task is gone or marked taken: none can store a result after the cleanup.
      const hashes = (await client.keys(`cortado:batches:${taskId}.*`)).filter((k) => !k.slice(`cortado:batches:${taskId}.`.length).includes(':'));
      for (const hash of hashes) expect(await client.hget(hash, TAKEN_FIELD)).toBe('1');
    } finally {
      await worker.stop();
    }
  }, 90_000);

  it('leaves the namespace alone while a live driver holds it', async () => {
    const checkpoint = await completeCheckpoint('live.ckpt');
    const client = redis.client();
    const stored = `cortado:t:${taskId}:r:${taskId}.0-4.0123456789abcdef`;
    // A lease without expiry is a live driver's (see claimTask): its namespace is not ours to clean.
    await client.set(leaseKey(KEYS, taskId), 'a live driver');
    await client.set(stored, 'its result');
    try {
      await using backend = cluster({ redis: redis.url, leaseMs: 500 });
      expect(await backend.compute(computable(), { batchSize: 5, checkpoint }).result()).toBe(sumOfSquares(INPUTS));
      await backend.dispose();
      expect((await client.keys('cortado:t:*')).sort()).toEqual([leaseKey(KEYS, taskId), stored].sort());
    } finally {
      await client.del(leaseKey(KEYS, taskId), stored);
    }
  }, 60_000);

  it('retireJobs removes a queued batch and a failed one, marks a running one as taken, and touches no other task', async () => {
    const client = redis.client();
    const queue = new Queue(KEYS.queue, { connection: redis.client(), prefix: KEYS.prefix });
    const worker = new Worker(KEYS.queue, null, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: KEYS.prefix, autorun: false });
    try {
      const other = 'ffffffffffffffffffff';
      // Failed on a worker with no driver to read why (a dead driver's batch): BullMQ keeps it (removeOnFail: false).
      await queue.add('batch', {}, { jobId: `${taskId}.8-12.dddd`, removeOnFail: false });
      const taken = await worker.getNextJob('a token');
      await taken!.moveToFailed(new Error('a worker failed it'), 'a token');
      expect(await queue.getJobState(`${taskId}.8-12.dddd`)).toBe('failed');
      await queue.add('batch', {}, { jobId: `${taskId}.0-4.aaaa` });
      await queue.add('batch', {}, { jobId: `${taskId}.4-8.bbbb` });
      await queue.add('batch', {}, { jobId: `${other}.0-4.cccc` });
      // Running: a worker holds its lock, so BullMQ will not remove it.
      await client.set(`${jobHashKey(KEYS, `${taskId}.4-8.bbbb`)}:lock`, 'a worker', 'PX', 60_000);

      await retireJobs(client, queue, KEYS, taskId);

      expect(await client.exists(jobHashKey(KEYS, `${taskId}.0-4.aaaa`))).toBe(0);
      expect(await client.exists(jobHashKey(KEYS, `${taskId}.8-12.dddd`))).toBe(0);
      expect(await client.zcard(`${KEYS.prefix}:${KEYS.queue}:failed`)).toBe(0);
      expect(await client.hget(jobHashKey(KEYS, `${taskId}.4-8.bbbb`), TAKEN_FIELD)).toBe('1');
      expect(await client.exists(jobHashKey(KEYS, `${other}.0-4.cccc`))).toBe(1);
      expect(await client.hget(jobHashKey(KEYS, `${other}.0-4.cccc`), TAKEN_FIELD)).toBeNull();
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 30_000);
});
