// `cortado worker` stops on SIGTERM by itself even when its Redis is gone: nothing it does while
// closing may wait for a connection that cannot come back.
import { afterEach, expect, it } from 'vitest';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';

describeWithRedis('cortado worker: SIGTERM after Redis went away', () => {
  let redis: TestRedis | undefined;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await worker?.stop(1000);
    await redis?.stop();
  });

  it('exits on its own, saying it stopped, instead of waiting for Redis', async () => {
    redis = await startRedis();
    worker = spawnWorker(redis.url, ['--grace-ms', '1000']);
    await worker.ready;
    await redis.stop();
    redis = undefined;
    // stop() sends SIGTERM and SIGKILLs only after 20 s: a clean exit code means it stopped by itself.
    expect(await worker.stop(20_000)).toBe(0);
    expect(worker.output()).toMatch(/stopped after 0 batches/);
  }, 60_000);
});
