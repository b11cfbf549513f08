/**
 * Faults of the cluster backend, each against a real redis-server (with its append-only file on)
 * and real `cortado worker` processes with short lock and stall settings (1 s): each costs at most
 * an attempt, and the result is exact (the same as inline()).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { cluster } from '../src/backends/cluster.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { countedSquare } from './fixtures/cluster/processors.ts';
import { INPUTS } from './fixtures/cluster/driver.ts';
import { allKeys, describeWithRedis, spawnWorker, startRedis, untilDriverDone10, type TestRedis, type WorkerProcess } from './helpers/redis.ts';
import { tsNodeArgs } from './helpers/node-args.ts';

const inputs = Array.from({ length: 60 }, (_, i) => i);
const sumOfSquares = (xs: readonly number[]) => xs.reduce((s, x) => s + x * x, 0);
const FAST = { sweepMs: 250, cancelGraceMs: 2000 } as const;
/**
 * Worker settings for the tests whose fault is the driver's: the suite's 1 s lock (for quick
 * recovery from killed workers) can lapse on a machine under heavy load, and a lapsed lock reruns a
 * batch, which these tests would count as computed twice.
 */
const STEADY_WORKER = ['--lock-ms', '10000', '--stalled-ms', '10000'] as const;

describeWithRedis('cluster(): faults cost an attempt, not the run', () => {
  let redis: TestRedis;
  let workers: WorkerProcess[] = [];
  /** Every worker process this suite started, stopped ones included. */
  const started = new Set<number | undefined>();
  let dir: string;
  const worker = (...extra: string[]) => {
    const w = spawnWorker(redis.url, extra, { CORTADO_TEST_RUNS: join(dir, 'runs.log') });
    workers.push(w);
    started.add(w.child.pid);
    return w;
  };
  const runs = (): Map<number, number> => {
    const counts = new Map<number, number>();
    let text = '';
    try {
      text = readFileSync(join(dir, 'runs.log'), 'utf8');
    } catch {}
    for (const line of text.split('\n').filter(Boolean)) {
      const x = Number(line.split(' ')[0]);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    return counts;
  };
  /** The last element run so far, and the pid of the worker that ran it. */
  const lastRun = (): { x: number; pid: number } | undefined => {
    try {
      const last = readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').pop();
      return last === undefined || last === '' ? undefined : { x: Number(last.split(' ')[0]), pid: Number(last.split(' ')[1]) };
    } catch {
      return undefined;
    }
  };

  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop(2000)));
    workers = [];
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-faults-'));
  });

  it('a worker SIGKILLed mid-batch: its batch runs again on another worker once the lock expires', async () => {
    const a = worker();
    await a.ready;
    await using backend = cluster({ redis: redis.url, ...FAST });
    const task = backend.compute(fromFunction(countedSquare, inputs), { batchSize: 10 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 10)));
    // Killed in the middle of its next batch: just after it ran an element that is not among the
    // last of its batch (a fixed 100 ms could fall before the batch started on a loaded machine,
    // and then nothing would run twice).
    const killBy = Date.now() + 15_000;
    const midBatch = () => {
      const last = lastRun();
      const ran = [...runs().values()].reduce((n, k) => n + k, 0);
      return last !== undefined && ran > 10 && last.x % 10 < 7;
    };
    while (Date.now() < killBy && !midBatch()) await sleep(5);
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    worker();
    expect(await task.result()).toBe(sumOfSquares(inputs));
    expect(task.partial().completed).toEqual([[0, 60]]);
    expect(task.partial().failed).toEqual([]);
    // The killed worker was in the middle of a batch: some elements ran twice, each counted once.
    expect([...runs().values()].some((n) => n > 1)).toBe(true);
  }, 90_000);

  it('all workers gone for a while, then one back: the task waits, shows it, and finishes; SIGTERM stops a worker gracefully', async () => {
    // A worker killed by an earlier test stays listed until its heartbeat expires: leave it out.
    const earlier = new Set(started);
    // No fault but the stop here: a lock that a loaded machine cannot lapse (a lapsed lock reruns a
    // batch, which the exactly-once check below would count against the graceful stop).
    const a = worker(...STEADY_WORKER);
    await a.ready;
    await using backend = cluster({ redis: redis.url, ...FAST });
    const task = backend.compute(fromFunction(countedSquare, inputs), { batchSize: 10 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 10)));
    expect((await task.workers()).map((w) => w.pid).filter((pid) => !earlier.has(pid))).toEqual([a.child.pid]);
    // SIGTERM: the batch in flight is finished, not dropped, and the worker exits on its own.
    expect(await a.stop(10_000)).toBe(0);
    expect(a.output()).toMatch(/stopped after \d+ batches/);
    const before = task.partial().processed;
    await sleep(1500);
    expect(task.status).toBe('running');
    expect(task.partial().processed).toBe(before);
    expect(before).toBeLessThan(60);
    expect((await task.workers()).filter((w) => !earlier.has(w.pid))).toEqual([]);
    const b = worker(...STEADY_WORKER);
    await b.ready;
    expect(await task.result()).toBe(sumOfSquares(inputs));
    // The worker list comes from heartbeats: the batches b finished show with its next one.
    const mine = async () => (await task.workers()).find((w) => w.pid === b.child.pid);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && ((await mine())?.batchesDone ?? 0) === 0) await sleep(100);
    const live = await mine();
    expect(live).toMatchObject({ pid: b.child.pid, threads: 1 });
    expect(live!.batchesDone).toBeGreaterThan(0);
    expect(live!.rssBytes).toBeGreaterThan(1e6);
    expect(typeof live!.host).toBe('string');
    // Every element ran exactly once: the graceful stop handed nothing back half-done.
    expect([...runs().values()].every((n) => n === 1)).toBe(true);
  }, 90_000);

  it('Redis restarted mid-run (append-only file on): the run continues and the result is exact', async () => {
    worker();
    await workers[0]!.ready;
    await using backend = cluster({ redis: redis.url, ...FAST });
    const task = backend.compute(fromFunction(countedSquare, inputs), { batchSize: 10 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 10)));
    await redis.restart(300);
    expect(await task.result()).toBe(sumOfSquares(inputs));
    expect(task.partial().completed).toEqual([[0, 60]]);
  }, 90_000);

  it('a batch delivered twice (a worker frozen past its lock) is absorbed once: no overlap error, no double count, no key left', async () => {
    const a = worker();
    const b = worker();
    await Promise.all([a.ready, b.ready]);
    const client = redis.client();
    const keysBefore = await allKeys(client);
    await using backend = cluster({ redis: redis.url, ...FAST });
    // Enough batches (24 × 10 × 20 ms) that `a` is still taking them when the freeze below looks for
    // one: with 60 elements, CI at its busiest ended the run before `a` was seen mid-batch, froze an
    // idle worker, and no batch could run twice.
    const many = Array.from({ length: 240 }, (_, i) => i);
    const task = backend.compute(fromFunction(countedSquare, many), { batchSize: 10 });
    // Freeze `a` in the middle of a batch: just after it ran an element that is not among the last
    // of its batch (batches of 10 × 20 ms, elements 10k…10k+9), so that it holds the batch.
    const freezeBy = Date.now() + 15_000;
    const midBatch = () => {
      const last = lastRun();
      return last !== undefined && last.pid === a.child.pid && last.x % 10 < 7;
    };
    while (Date.now() < freezeBy && !midBatch()) await sleep(5);
    a.child.kill('SIGSTOP');
    expect(midBatch(), 'worker a was frozen in the middle of a batch').toBe(true);
    // The lock (1 s) lapses, and BullMQ's stall check on b (two checks 1 s apart: one marks the job,
    // the next moves it) hands the frozen batch to b, which runs its elements again. That takes up to
    // ~3 s plus scheduling, so wait for b's rerun itself rather than for a fixed time.
    const rerunBy = Date.now() + 30_000;
    while (Date.now() < rerunBy && ![...runs().values()].some((n) => n > 1)) await sleep(50);
    a.child.kill('SIGCONT');
    expect([...runs().values()].some((n) => n > 1), 'the frozen batch ran again on the other worker').toBe(true);
    expect(await task.result()).toBe(sumOfSquares(many));
    expect(task.partial().completed).toEqual([[0, 240]]);
    await backend.dispose();
    // The thawed worker finishes its stale copy (it must store nothing) and BullMQ's bookkeeping of
    // that job goes; wait for it rather than for a fixed time, which a loaded machine overruns.
    const taskKeys = (keys: string[]) => keys.filter((k) => !/^cortado:(w:|batches:(events|id|meta|stalled-check|marker)$)/.test(k));
    // Keys an earlier test left may expire meanwhile: what counts is that this task added none.
    const added = async () => taskKeys(await allKeys(client)).filter((k) => !keysBefore.includes(k));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await added()).length > 0) await sleep(100);
    expect(await added()).toEqual([]);
  }, 90_000);

  it('two drivers running the same computable at once run independently: both exact, no retry, nothing taken from the other, no key left', async () => {
    // Steady locks: a lapsed lock (load) would rerun a batch and show as a retry.
    const a = worker(...STEADY_WORKER);
    const b = worker(...STEADY_WORKER);
    await Promise.all([a.ready, b.ready]);
    const client = redis.client();
    const many = Array.from({ length: 120 }, (_, i) => i);
    const leases = async () => (await client.keys('cortado:t:*:lease')).length;
    await using one = cluster({ redis: redis.url, ...FAST, leaseMs: 1000 });
    await using two = cluster({ redis: redis.url, ...FAST, leaseMs: 1000 });
    const first = one.compute(fromFunction(countedSquare, many), { batchSize: 10 });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await leases()) === 0) await sleep(20);
    // Same computable, same fixed batches: without leases both drivers would send the same job ids.
    const second = two.compute(fromFunction(countedSquare, many), { batchSize: 10 });
    let most = 0;
    while (first.status === 'running' && second.status === 'running') {
      most = Math.max(most, await leases());
      await sleep(20);
    }
    const retries = (task: typeof first) => lastValueFrom(task.progress$).then((p) => p.retries);
    const [r1, r2, retries1, retries2] = await Promise.all([first.result(), second.result(), retries(first), retries(second)]);
    expect([r1, r2]).toEqual([sumOfSquares(many), sumOfSquares(many)]);
    expect([retries1, retries2]).toEqual([0, 0]);
    expect([first.partial().failed, second.partial().failed]).toEqual([[], []]);
    expect(most).toBe(2); // two namespaces, one lease each
    // Each driver computed everything itself: every element ran (at least) twice.
    expect(many.filter((x) => (runs().get(x) ?? 0) < 2)).toEqual([]);
    await Promise.all([one.dispose(), two.dispose()]);
    expect(await client.keys('cortado:t:*')).toEqual([]);
  }, 90_000);

  it('driver killed and restarted: batches that finished meanwhile are picked up from Redis, not recomputed', async () => {
    // The driver's death is the fault here: a lock long enough that a loaded machine never stalls the
    // worker's own batches (a stalled batch runs twice, at least once, as BullMQ delivers).
    worker(...STEADY_WORKER);
    await workers[0]!.ready;
    const driver = spawn(process.execPath, [...tsNodeArgs(), join(import.meta.dirname, 'fixtures/cluster/driver.ts')], {
      env: { ...process.env, REDIS_URL: redis.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out = await untilDriverDone10(driver);
    driver.kill('SIGKILL');
    await new Promise((r) => driver.once('exit', r));
    // The worker goes on with the batches the dead driver had queued and stores their results.
    const client = redis.client();
    const storedBy = Date.now() + 20_000;
    let stored = 0;
    while (Date.now() < storedBy && (stored = (await client.keys('cortado:t:*:r:*')).length) === 0) await sleep(100);
    expect(stored).toBeGreaterThan(0);
    await using backend = cluster({ redis: redis.url, slots: 8, ...FAST });
    const task = backend.compute(fromFunction(countedSquare, INPUTS), { batchSize: 5 });
    expect(await task.result()).toBe(sumOfSquares(INPUTS));
    // Batches that finished after the driver died were taken from Redis: they ran once. Only what
    // the dead driver had absorbed itself ran again (a journal of the driver's own keeps that).
    const absorbed = Math.max(...[...out.matchAll(/done (\d+)/g)].map((m) => Number(m[1])));
    const counts = runs();
    expect(INPUTS.filter((x) => x >= absorbed).every((x) => counts.get(x) === 1)).toBe(true);
    expect(INPUTS.filter((x) => counts.get(x) !== 1).length).toBeLessThanOrEqual(absorbed);
    await backend.dispose();
    expect(await client.keys('cortado:t:*')).toEqual([]);
  }, 90_000);

  it('driver killed and resumed from its checkpoint: nothing runs twice (journal for what it absorbed, Redis for what finished meanwhile)', async () => {
    worker(...STEADY_WORKER);
    await workers[0]!.ready;
    const checkpoint = join(dir, 'run.ckpt');
    const driver = spawn(process.execPath, [...tsNodeArgs(), join(import.meta.dirname, 'fixtures/cluster/driver.ts')], {
      env: { ...process.env, REDIS_URL: redis.url, CHECKPOINT: checkpoint },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await untilDriverDone10(driver);
    driver.kill('SIGKILL');
    await new Promise((r) => driver.once('exit', r));
    await sleep(1500);
    await using backend = cluster({ redis: redis.url, slots: 8, ...FAST });
    const task = backend.compute(fromFunction(countedSquare, INPUTS), { batchSize: 5, checkpoint });
    expect(task.restored?.entries).toBeGreaterThanOrEqual(10);
    expect(await task.result()).toBe(sumOfSquares(INPUTS));
    const counts = runs();
    expect(INPUTS.filter((x) => counts.get(x) !== 1)).toEqual([]);
    await backend.dispose();
    expect(await redis.client().keys('cortado:t:*')).toEqual([]);
  }, 90_000);
});
