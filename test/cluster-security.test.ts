/**
 * The cluster backend's security and cleanup: a Redis with `requirepass`, jobs validated before
 * anything runs, processor modules only from allowed roots, size caps with clear errors, and no
 * key of a task left in Redis after it ends (counted).
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cluster } from '../src/backends/cluster.ts';
import { checkModule } from '../src/backends/cluster/roots.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { bigResult, broken, countedSquare } from './fixtures/cluster/processors.ts';
import { square } from './fixtures/processors.ts';
import { allKeys, describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';

const PASSWORD = 'correct horse battery staple';
const sumOfSquares = (xs: readonly number[]) => xs.reduce((s, x) => s + x * x, 0);
const noRetry = { maxRetries: 0, backoff: false } as const;

describe('allowed roots', () => {
  it('refuses modules that are not local files under a root, naming the module and the roots', () => {
    const root = join(import.meta.dirname, 'fixtures');
    expect(checkModule(new URL('./fixtures/processors.ts', import.meta.url).href, [root])).toMatch(/processors\.ts$/);
    expect(() => checkModule('https://example.org/evil.js', [root])).toThrow(/E?refuses to load processor module https:\/\/example\.org\/evil\.js: expected a file: URL or an absolute path/);
    expect(() => checkModule('data:text/javascript,process.exit(1)', [root])).toThrow(expect.objectContaining({ code: 'E_PROCESSOR_NOT_ALLOWED' }));
    expect(() => checkModule(new URL('../package.json', import.meta.url).href, [root])).toThrow(/not under the allowed roots/);
    expect(() => checkModule(join(root, '..', 'fixtures', '..', '..', 'src', 'index.ts'), [root])).toThrow(/not under the allowed roots/);
  });
});

describeWithRedis('cluster(): a password-protected Redis, validated jobs, caps, cleanup', () => {
  let redis: TestRedis;
  let plainUrl: string;
  let workers: WorkerProcess[] = [];
  let dir: string;
  const worker = (...extra: string[]) => {
    // The password reaches the worker through REDIS_PASSWORD, not its command line.
    const w = spawnWorker(plainUrl, extra, { REDIS_PASSWORD: PASSWORD, CORTADO_TEST_RUNS: join(dir, 'runs.log') });
    workers.push(w);
    return w;
  };
  const connect = { url: '', password: PASSWORD };

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    plainUrl = `redis://127.0.0.1:${redis.port}`;
    connect.url = plainUrl;
    dir = mkdtempSync(join(tmpdir(), 'cortado-security-'));
    worker();
    await workers[0]!.ready;
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(2000)));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    // Workers a test started for itself (beyond the shared first one) go with it.
    await Promise.all(workers.slice(1).map((w) => w.stop(2000)));
    workers = workers.slice(0, 1);
  });

  it('computes with the password passed through; without it, the task fails with Redis’s NOAUTH', async () => {
    await using backend = cluster({ redis: connect });
    expect(await backend.compute(fromFunction(square, [1, 2, 3])).result()).toBe(14);
    await using refused = cluster({ redis: plainUrl, sweepMs: 100 });
    const task = refused.compute(fromFunction(square, [1, 2, 3]), { errorPolicy: noRetry });
    await expect(task.result()).rejects.toThrow(/NOAUTH/);
  }, 60_000);

  it('a worker without the password exits at once with E_CLUSTER_AUTH', async () => {
    const w = spawnWorker(plainUrl);
    expect(await w.exited).toBe(1);
    expect(w.output()).toMatch(/E_CLUSTER_AUTH.*refused the connection's credentials.*REDIS_PASSWORD/);
  }, 60_000);

  it('credentials refused, then the password changed on Redis to the one given: the next computation on the same backend connects anew', async () => {
    // A Redis of its own: the others' password stays as it is.
    const own = await startRedis({ password: PASSWORD });
    const url = `redis://127.0.0.1:${own.port}`;
    const renewed = 'the password the backend was given';
    let w: WorkerProcess | undefined;
    try {
      await using backend = cluster({ redis: { url, password: renewed } });
      const refused = await backend.compute(fromFunction(square, [1, 2, 3]), { errorPolicy: noRetry }).result().catch((error: Error) => error);
      expect(refused).toMatchObject({ cause: { code: 'E_CLUSTER_AUTH' } });
      await own.client().config('SET', 'requirepass', renewed);
      w = spawnWorker(url, [], { REDIS_PASSWORD: renewed });
      await w.ready;
      expect(await backend.compute(fromFunction(square, [1, 2, 3])).result()).toBe(14);
    } finally {
      await w?.stop(2000);
      await own.stop();
    }
  }, 60_000);

  it('a malformed job is rejected by the worker, not executed', async () => {
    const queue = new Queue('batches', { connection: { port: redis.port, host: '127.0.0.1', password: PASSWORD }, prefix: 'cortado' });
    const job = await queue.add(
      'batch',
      { v: 1, task: 'abc', processors: [{ module: countedSquare.module, exportName: 'countedSquare' }], processorIndex: null, ranges: [0, 1], groups: [], groupIndex: null, attempts: [1], data: 'not base64 at all!', collectStats: false, extra: 'x' },
      { jobId: 'malformed-1', attempts: 1 },
    );
    let state = await job.getState();
    for (let i = 0; i < 100 && state !== 'failed'; i++) {
      await sleep(50);
      state = await job.getState();
    }
    expect(state).toBe('failed');
    const failed = (await queue.getJob('malformed-1'))!;
    expect(failed.failedReason).toMatch(/A job is malformed and was not used: .*data/);
    expect(failed.failedReason).toMatch(/extra/);
    expect(existsSync(join(dir, 'runs.log'))).toBe(false);
    await failed.remove();
    await queue.close();
    await queue.disconnect();
  }, 60_000);

  it('a worker refuses a processor outside its roots with E_PROCESSOR_NOT_ALLOWED', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cortado-root-'));
    try {
      await workers[0]!.stop(3000);
      const w = worker('--root', elsewhere);
      await w.ready;
      await using backend = cluster({ redis: connect, sweepMs: 100 });
      const task = backend.compute(fromFunction(square, [1, 2, 3]), { errorPolicy: noRetry });
      const partial = await task.wait();
      expect(task.status).toBe('cancelled');
      expect(partial.error).toMatchObject({ code: 'E_PROCESSOR_NOT_ALLOWED' });
      expect((partial.error as Error).message).toMatch(/processors\.ts: it is not under the allowed roots .*--root/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
      await Promise.all(workers.map((w) => w.stop(2000)));
      workers = [];
      worker();
      await workers[0]!.ready;
    }
  }, 60_000);

  it('a worker that cannot load the processor fails its elements with the import error: each costs an attempt', async () => {
    await using backend = cluster({ redis: connect, sweepMs: 100 });
    const task = backend.compute(fromFunction(broken, [1, 2, 3]), { errorPolicy: { maxRetries: 2, backoff: false } });
    const partial = await task.wait();
    expect(task.status).toBe('cancelled');
    expect((partial.error as Error).message).toMatch(/needs a library that is not installed on the worker/);
    const progress = await firstValueFrom(task.progress$.pipe(filter((p) => p.status === 'cancelled')));
    expect(progress.retries).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('caps payloads and results with clear errors', async () => {
    await using small = cluster({ redis: connect, maxPayloadBytes: 4096, sweepMs: 100 });
    const tooBig = small.compute(fromFunction(square, Array.from({ length: 2000 }, (_, i) => i + 0.5)), { batchSize: 2000, errorPolicy: noRetry });
    await tooBig.wait();
    expect(tooBig.partial().error).toMatchObject({ code: 'E_CLUSTER_TOO_LARGE' });
    expect((tooBig.partial().error as Error).message).toMatch(/elements \[0, 2000\) \(2000 elements\) is .* over the cap of 4096 bytes: .*batchSize/);

    const w = worker('--max-result-mb', '1');
    await w.ready;
    await workers[0]!.stop(3000); // only the capped worker takes the next batch
    await using backend = cluster({ redis: connect, sweepMs: 100 });
    const huge = backend.compute(fromFunction(bigResult, [200_000]), { errorPolicy: noRetry });
    await huge.wait();
    expect(huge.partial().error).toMatchObject({ code: 'E_CLUSTER_JOB_FAILED' });
    expect((huge.partial().error as Error).message).toMatch(/The result of a batch is [\d.]+ MiB, over the cap of 1\.0 MiB/);
    workers = workers.filter((x) => x !== workers[0]);
    workers.unshift(workers.pop()!);
  }, 60_000);

  it('cancel() removes the task’s queued jobs and stored results: Redis holds the same keys as before', async () => {
    const client = redis.client();
    await using backend = cluster({ redis: connect, sweepMs: 100, slots: 16, cancelGraceMs: 3000 });
    await backend.compute(fromFunction(square, [1])).result(); // BullMQ's own keys exist from here on
    // Queue-wide bookkeeping of BullMQ (event stream, id counter, meta, the stall checker's
    // short-lived lock) and workers' heartbeats are not the task's.
    const taskKeys = async () => (await allKeys(client)).filter((k) => !/^cortado:(w:|batches:(events|id|meta|stalled-check|marker)$)/.test(k));
    // The first task's lease goes with its cleanup, just after result(): wait for it.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await taskKeys()).length > 0) await sleep(20);
    expect(await taskKeys()).toEqual([]);
    const inputs = Array.from({ length: 200 }, (_, i) => i);
    const task = backend.compute(fromFunction(countedSquare, inputs), { batchSize: 5 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 5)));
    expect(await client.llen('cortado:batches:wait')).toBeGreaterThan(0);
    task.cancel('enough');
    await task.wait();
    expect(task.status).toBe('cancelled');
    const partial = task.partial();
    expect(partial.result).toBe(sumOfSquares(partial.completed.flatMap(([a, b]) => inputs.slice(a, b))));
    await backend.dispose();
    expect(await taskKeys()).toEqual([]);
    // Nothing queued went on running after the cancel.
    const ranAfter = readFileSync(join(dir, 'runs.log'), 'utf8').split('\n').filter(Boolean).length;
    await sleep(500);
    expect(readFileSync(join(dir, 'runs.log'), 'utf8').split('\n').filter(Boolean).length).toBe(ranAfter);
  }, 60_000);
});
