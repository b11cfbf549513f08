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
import { fromFunction } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { INPUTS } from './fixtures/cluster/driver.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';
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
    const driver = spawn(process.execPath, [...tsNodeArgs(), join(import.meta.dirname, 'fixtures/cluster/driver.ts')], {
      env: { ...process.env, REDIS_URL: redis.url, PROCESSOR_MODULE: module },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve) => {
      driver.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/done (1\d|[2-9]\d)/.test(out)) resolve();
      });
    });
    driver.stdout!.removeAllListeners('data');
    driver.kill('SIGKILL');
    await new Promise((r) => driver.once('exit', r));
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
    const task = backend.compute(fromFunction(defineProcessor<(x: number) => number>(module, 'f'), INPUTS), { batchSize: 5 });
    expect(await task.result()).toBe(sumOf(INPUTS, 2));
    expect(task.partial().failed).toEqual([]);
    // The old code's results went with the computation's namespace.
    await backend.dispose();
    expect(await client.keys('cortado:t:*')).toEqual([]);
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
