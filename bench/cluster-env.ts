/**
 * A local cluster for the benchmarks: a redis-server on a free loopback port and `n` real
 * `cortado worker` processes (one thread each, default lock and stall settings), stopped by `stop()`,
 * and where they spend CPU (`clusterCpu`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
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
export async function startLocalCluster(processes: number, threads = 1, extra: readonly string[] = []): Promise<LocalCluster> {
  const redis = await startRedis();
  const workers: WorkerProcess[] = [];
  const add = async (n: number) => {
    const started = Array.from({ length: n }, () => spawnWorker(redis.url, ['--workers', String(threads), '--lock-ms', '5000', '--stalled-ms', '5000', ...extra]));
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

/** CPU time of a process so far, in ms: its main thread, and all its threads (Linux /proc; zeros elsewhere). */
export function processCpu(pid: number): { main: number; all: number } {
  let all = 0;
  let main = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks of 10 ms
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      all += ms;
      if (Number(tid) === pid) main = ms;
    }
  } catch {
    // a thread that ended while being read, or no /proc: count what was read
  }
  return { main, all };
}

/** What the cluster's processes have spent so far: CPU ms of redis-server and of the workers (main threads, all threads), and Redis commands served. */
export interface ClusterCpu {
  readonly redisMs: number;
  readonly commands: number;
  readonly workerMainMs: number;
  readonly workerAllMs: number;
}

/** Reads {@link ClusterCpu} now through `client`; the difference of two readings is the cost of what ran between. */
export async function clusterCpu(local: LocalCluster, client: Redis): Promise<ClusterCpu> {
  const info = await client.info();
  const read = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  let workerMainMs = 0;
  let workerAllMs = 0;
  for (const w of local.workers) {
    const cpu = processCpu(w.child.pid!);
    workerMainMs += cpu.main;
    workerAllMs += cpu.all;
  }
  return { redisMs: (read('used_cpu_user') + read('used_cpu_sys')) * 1000, commands: read('total_commands_processed'), workerMainMs, workerAllMs };
}
