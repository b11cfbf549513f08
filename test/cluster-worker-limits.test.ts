// `cortado worker`'s threads get the same young-generation cap as the threads backend's: read
// from inside a real worker thread of a real `cortado worker` process, through a real Redis.
import { afterEach, expect, it } from 'vitest';
import { cluster } from '../src/backends/cluster.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { youngGenerationLimit } from './fixtures/threads/limits.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';

describeWithRedis('cortado worker: young-generation cap of its threads', () => {
  let redis: TestRedis | undefined;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await worker?.stop(2000);
    await redis?.stop();
  });

  async function limitSeen(extra: string[]): Promise<number> {
    redis = await startRedis();
    worker = spawnWorker(redis.url, extra);
    await worker.ready;
    await using backend = cluster({ redis: redis.url });
    return backend.compute(fromFunction(youngGenerationLimit, [0])).result();
  }

  it('is 8 MiB by default', async () => {
    expect(await limitSeen([])).toBe(8);
  }, 60_000);

  it('is --young-generation-mb when given', async () => {
    expect(await limitSeen(['--young-generation-mb', '24'])).toBe(24);
  }, 60_000);
});
