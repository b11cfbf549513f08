/**
 * The cluster backend and the processor's code: results stored in Redis under other code (a driver
 * that died before the module was edited) are never taken, and a worker that has other code loaded
 * refuses the batch instead of computing with it. Real redis-server, real `cortado worker` processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { cluster } from '../src/backends/cluster.ts';
import { taskIdOf } from '../src/backends/cluster/keys.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { INPUTS } from './fixtures/cluster/driver.ts';
import { describeWithRedis, spawnWorker, startRedis, untilDriverDone10, type TestRedis, type WorkerProcess } from './helpers/redis.ts';
import { tsNodeArgs } from './helpers/node-args.ts';

const FAST = { sweepMs: 250, cancelGraceMs: 2000 } as const;
/** Locks a loaded machine cannot lapse: a batch runs once. */
const STEADY_WORKER = ['--lock-ms', '10000', '--stalled-ms', '10000'] as const;

/** A processor module `f(x) = x * 1000 + version()` (20 ms per element), its version in a file it imports. */
function writeProcessor(dir: string, version: number): void {
  writeFileSync(join(dir, 'version.mjs'), `export const version = () => ${version};\n`);
  writeFileSync(
    join(dir, 'proc.mjs'),
    `import { version } from './version.mjs';\nexport async function f(x) {\n  await new Promise((r) => setTimeout(r, 20));\n  return x * 1000 + version();\n}\n`,
  );
}

/** The sum a run of version `v` gives over `xs`. */
const sumOf = (xs: readonly number[], v: number) => xs.reduce((s, x) => s + x * 1000 + v, 0);

describeWithRedis('cluster(): the processor code is part of what identifies stored results', () => {
  let redis: TestRedis;
  let dir: string;
  let workers: WorkerProcess[] = [];
  const worker = () => {
    const w = spawnWorker(redis.url, ['--root', dir, ...STEADY_WORKER]);
    workers.push(w);
    return w;
  };
  /** A driver computing `f` of the module over INPUTS in batches of 5 (fixtures/cluster/driver.ts), to be SIGKILLed. */
  const driverOf = (module: string) =>
    spawn(process.execPath, [...tsNodeArgs(), join(import.meta.dirname, 'fixtures/cluster/driver.ts')], {
      env: { ...process.env, REDIS_URL: redis.url, PROCESSOR_MODULE: module },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  const kill = async (driver: ReturnType<typeof driverOf>) => {
    driver.kill('SIGKILL');
    await new Promise((r) => driver.once('exit', r));
  };
  /** The keys of BullMQ's jobs of the task (`<prefix>:<queue>:<jobId>` and what BullMQ keeps beside it). */
  const jobKeysOf = (client: ReturnType<TestRedis['client']>, taskId: string) => client.keys(`cortado:batches:${taskId}.*`);

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-code-'));
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop(2000)));
    workers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('a driver that died left results of the old code in Redis; the module is edited; a fresh run takes none of them and equals a clean run of the new code', async () => {
    writeProcessor(dir, 1);
    const module = join(dir, 'proc.mjs');
    const old = worker();
    await old.ready;
    const driver = driverOf(module);
    await untilDriverDone10(driver);
    await kill(driver);
    // The worker goes on with the dead driver's queued batches and stores their (old-code) results.
    const client = redis.client();
    const storedBy = Date.now() + 20_000;
    let stored = 0;
    while (Date.now() < storedBy && (stored = (await client.keys('cortado:t:*:r:*')).length) === 0) await sleep(100);
    expect(stored).toBeGreaterThan(0);
    // The module is edited; the workers are restarted to load it (a worker with the old code loaded refuses, see below).
    await old.stop(10_000);
    expect((await client.keys('cortado:t:*:r:*')).length).toBeGreaterThan(0);
    writeProcessor(dir, 2);
    await worker().ready;
    await using backend = cluster({ redis: redis.url, slots: 8, leaseMs: 2000, ...FAST });
    const computable = fromFunction(defineProcessor<(x: number) => number>(module, 'f'), INPUTS);
    const task = backend.compute(computable, { batchSize: 5 });
    expect(await task.result()).toBe(sumOf(INPUTS, 2));
    expect(task.partial().failed).toEqual([]);
    // The old code's results went with the computation's namespace, and the dead driver's batches
    // the restarted worker refused (their elements fail, the job completes: never BullMQ's failed set) with BullMQ's.
    await backend.dispose();
    expect(await client.keys('cortado:t:*')).toEqual([]);
    expect(await jobKeysOf(client, taskIdOf(computable.key))).toEqual([]);
    expect(await client.zcard('cortado:batches:failed')).toBe(0);
    expect(await client.llen('cortado:batches:wait')).toBe(0);
  }, 90_000);

  it("a run of the edited module that ends while the dead driver's old-code batches are still queued removes them with its own (no worker computes them afterwards)", async () => {
    writeProcessor(dir, 1);
    const module = join(dir, 'proc.mjs');
    const client = redis.client();
    // The dead driver queued 8 batches of 5 under the old code; no worker was there to take them.
    const driver = driverOf(module);
    for (const deadline = Date.now() + 60_000; (await client.llen('cortado:batches:wait')) < 8; await sleep(20)) {
      if (Date.now() > deadline) throw new Error('Expected the driver to queue 8 batches within 60 s');
    }
    await kill(driver);
    writeProcessor(dir, 2);
    const computable = fromFunction(defineProcessor<(x: number) => number>(module, 'f'), INPUTS);
    const taskId = taskIdOf(computable.key);
    const old = await jobKeysOf(client, taskId);
    expect(old).toHaveLength(8);
    // The same cuts (batches of 5) under the new code: the same ranges, other job ids.
    await using backend = cluster({ redis: redis.url, slots: 8, leaseMs: 2000, ...FAST });
    const task = backend.compute(computable, { batchSize: 5 });
    for (const deadline = Date.now() + 60_000; (await client.llen('cortado:batches:wait')) < 16; await sleep(20)) {
      if (Date.now() > deadline) throw new Error('Expected the fresh run to queue 8 batches of its own within 60 s');
    }
    expect((await jobKeysOf(client, taskId)).filter((key) => old.includes(key))).toHaveLength(8);
    task.cancel();
    await task.wait();
    await backend.dispose();
    expect(task.status).toBe('cancelled');
    expect(await client.keys('cortado:t:*')).toEqual([]);
    expect(await jobKeysOf(client, taskId)).toEqual([]);
    expect(await client.llen('cortado:batches:wait')).toBe(0);
  }, 90_000);

  it('a worker that imported the old code (a file the module imports was edited since) refuses the batch with E_PROCESSOR_CODE_CHANGED instead of computing with it', async () => {
    writeProcessor(dir, 1);
    const processor = defineProcessor<(x: number) => number>(pathToFileURL(join(dir, 'proc.mjs')).href, 'f');
    const xs = [1, 2, 3, 4];
    await worker().ready;
    await using backend = cluster({ redis: redis.url, ...FAST });
    expect(await backend.compute(fromFunction(processor, xs), { batchSize: 2 }).result()).toBe(sumOf(xs, 1));
    writeFileSync(join(dir, 'version.mjs'), 'export const version = () => 2;\n');
    const task = backend.compute(fromFunction(processor, xs), { batchSize: 2, errorPolicy: { continueOn: ['E_PROCESSOR_CODE_CHANGED'] } });
    await task.wait();
    expect(task.status).toBe('incomplete');
    expect(task.partial().completed).toEqual([]);
    expect(task.partial().failed.map((f) => (f.error as { code?: string }).code)).toEqual(xs.map(() => 'E_PROCESSOR_CODE_CHANGED'));
    expect(String(task.partial().failed[0]!.error)).toMatch(/restart the workers/);
  }, 60_000);
});
