/**
 * Merges on the workers (`reduceEvery`): batches' results stay in Redis and reduce jobs merge them
 * on the workers' threads; the driver reads the merges. Results exact against inline(), per group,
 * with failures mixed in; nothing left in Redis.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cluster } from '../src/backends/cluster.ts';
import { inline } from '../src/backends/inline.ts';
import type { Computable, WorkElement } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';
import type { Hist } from '../src/results/hist.ts';
import { histOf } from './fixtures/cluster/processors.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';

type Value = { h: Hist; n: number; sq: number };
const N = 90;

/** 0..N-1 in two groups (even, odd), one element each. */
const grouped: Computable<Value> = {
  key: 'cluster-reduce-grouped',
  size: N,
  grouped: true,
  *steps() {
    for (let i = 0; i < N; i++) {
      const element: WorkElement<Value> = { range: [i, i + 1], data: new ValueData(i), processor: histOf, group: i % 2 === 0 ? 'even' : 'odd' };
      yield element;
    }
  },
};
const plain = (r: Record<string, Value>) => Object.fromEntries(Object.entries(r).map(([g, v]) => [g, { ...v, h: v.h.toJSON() }]));
const policy = { continueOn: [(error: unknown) => /thirteen/.test(String((error as Error | undefined)?.message))] };

describeWithRedis('cluster({ reduceEvery }): merges run on the workers', () => {
  let redis: TestRedis;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    workers.push(spawnWorker(redis.url), spawnWorker(redis.url));
    await Promise.all(workers.map((w) => w.ready));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(2000)));
    await redis?.stop();
  });

  it('per-group results equal inline()’s exactly, failures are reported, reduce jobs ran on the workers, no key is left', async () => {
    const reference = await inline().run(grouped, { errorPolicy: policy });
    await using backend = cluster({ redis: redis.url, reduceEvery: 4, slots: 8, sweepMs: 250 });
    const task = backend.compute(grouped, { batchSize: 3, errorPolicy: policy });
    const partial = await task.wait();
    expect(task.status).toBe('incomplete');
    expect(partial.failed.map((f) => f.range)).toEqual([[13, 14]]);
    expect(partial.completed).toEqual([[0, 13], [14, N]]);
    expect(plain(partial.result as unknown as Record<string, Value>)).toEqual(plain(reference.result as unknown as Record<string, Value>));
    expect((partial.result as unknown as Record<string, Value>).even!.n + (partial.result as unknown as Record<string, Value>).odd!.n).toBe(N - 1);
    // The workers' heartbeats count the reduce jobs they ran (every 2 s: poll).
    const merges = async () => (await backend.workers()).reduce((n, w) => n + (w.mergesDone ?? 0), 0);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await merges()) === 0) await sleep(100);
    expect(await merges()).toBeGreaterThan(0);
    await backend.dispose();
    expect(await redis.client().keys('cortado:t:*')).toEqual([]);
  }, 60_000);

  it('cancelled while batches wait for their merge: partial() holds exactly the completed ranges’ results', async () => {
    await using backend = cluster({ redis: redis.url, reduceEvery: 8, slots: 8, sweepMs: 250, cancelGraceMs: 2000 });
    const task = backend.compute(grouped, { batchSize: 2, errorPolicy: policy });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && task.partial().processed < 10 && task.status === 'running') await sleep(10);
    task.cancel();
    const partial = await task.wait();
    // Whatever it got to: the merged result is that of exactly the completed ranges.
    const done = partial.completed.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k)).filter((x) => x !== 13);
    const result = partial.result as unknown as Record<string, Value> | symbol;
    const n = typeof result === 'symbol' ? 0 : Object.values(result).reduce((s, v) => s + v.n, 0);
    const sq = typeof result === 'symbol' ? 0 : Object.values(result).reduce((s, v) => s + v.sq, 0);
    expect(n).toBe(done.length);
    expect(sq).toBe(done.reduce((s, x) => s + x * x, 0));
  }, 60_000);
});
