/**
 * A local cluster for the benchmarks: a redis-server on a free loopback port and `n` real
 * `cortado worker` processes (one thread each, default lock and stall settings), stopped by `stop()`.
 */
import { spawnWorker, startRedis, type TestRedis, type WorkerProcess } from '../test/helpers/redis.ts';

/** A running local cluster. */
export interface LocalCluster {
  readonly redis: TestRedis;
  readonly workers: WorkerProcess[];
  /** Adds worker processes (one thread each). */
  add(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts redis-server and `processes` workers of `threads` threads each. */
export async function startLocalCluster(processes: number, threads = 1): Promise<LocalCluster> {
  const redis = await startRedis();
  const workers: WorkerProcess[] = [];
  const add = async (n: number) => {
    const started = Array.from({ length: n }, () => spawnWorker(redis.url, ['--workers', String(threads), '--lock-ms', '5000', '--stalled-ms', '5000']));
    workers.push(...started);
    await Promise.all(started.map((w) => Promise.race([w.ready, new Promise((r) => setTimeout(r, 15_000))])));
  };
  await add(processes);
  return {
    redis,
    workers,
    add,
    async stop() {
      await Promise.all(workers.map((w) => w.stop(5000)));
      await redis.stop();
    },
  };
}
