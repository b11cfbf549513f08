// The end of a cluster task: the last batches are cut smaller (an equal share of what is left per
// worker thread, counted from the workers' heartbeats), so two `cortado worker` processes finish
// together rather than one idling while the other computes a last full-size batch. Read from the
// workers' own per-batch log lines, through a real Redis.
import { afterEach, expect, it } from 'vitest';
import { cluster } from '../src/backends/cluster.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { countedSquare } from './fixtures/cluster/processors.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';

const BATCH_LINE = /batch \S+: (\d+) elements, queued -?\d+ ms, taken at (\d+), computed in \d+ ms, stored at \d+/g;

describeWithRedis('cluster(): the last batches of a task', () => {
  let redis: TestRedis | undefined;
  let workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop(3000)));
    workers = [];
    await redis?.stop();
  });

  it('shrink towards the end, and each worker logs every batch it computed', async () => {
    redis = await startRedis();
    workers = [spawnWorker(redis.url), spawnWorker(redis.url)];
    await Promise.all(workers.map((w) => w.ready));
    await using backend = cluster({ redis: redis.url });
    // Warm-up: every worker thread has imported the processor, so the task below is measured warm.
    await backend.compute(fromFunction(countedSquare, Array.from({ length: 20 }, (_, i) => i)), { batchSize: 1 }).result();
    const before = workers.map((w) => w.output().length);
    const inputs = Array.from({ length: 100 }, (_, i) => i);
    // 20 ms per element, batches of ~200 ms: the probe measures 10 elements a batch; every batch is cut then.
    expect(await backend.compute(fromFunction(countedSquare, inputs), { targetBatchMs: 200 }).result()).toBe(inputs.reduce((n, x) => n + x * x, 0));
    const batches = workers
      .flatMap((w, k) => [...w.output().slice(before[k]).matchAll(BATCH_LINE)].map((m) => ({ size: Number(m[1]), taken: Number(m[2]) })))
      .sort((a, b) => a.taken - b.taken);
    const sizes = batches.map((b) => b.size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    // The first batch taken is the probe (one element); every later one is cut from measurements.
    const cut = sizes.slice(1);
    const largest = Math.max(...cut);
    // Cut for 2 workers: ..., 10, 10, 5, 2, 2 (how far down it goes depends on timing: 6, 3, 1, 1 is
    // as right). Without the workers' count: 10 × 9 and one remainder — a single batch at most half the largest.
    expect(cut.filter((n) => n <= largest / 2).length, `batch sizes in the order taken: ${sizes.join(' ')}`).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
