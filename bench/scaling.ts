/**
 * Scaling of the threads backend with CPU-bound elements of about 2 ms each: the time of a run
 * on 1, 2, 4… workers, and the speedup over 1 worker measured in the same run (median of runs).
 * Speedups past the machine's core count are not expected.
 *
 *   npx tsx bench/scaling.ts [--workers 1,2,4,8,16] [--elements 1000] [--ms 2] [--runs 3] [--backend threads|cluster] [--reduce-every N] [--timeline]
 *
 * With `--backend cluster`, "workers" are `cortado worker` processes of one thread each, started
 * with a local redis-server for each configuration (before the warm-up run: start-up is timed on
 * no side), and the CPU that the driver, redis-server and the workers spend per run is printed too.
 * `--reduce-every N` passes `reduceEvery` to `cluster()`. `--timeline` (cluster) prints each timed
 * run's batches per worker process and its idle time (before the first batch, between batches, at the tail).
 */
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import type { Backend } from '../src/backends/backend.ts';
import { threads } from '../src/backends/threads.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import type { ClusterCpu } from './cluster-env.ts';
import { arg, fmt, median, timeRuns } from './stats.ts';

/** A fixed amount of floating-point work: `iterations` steps of a logistic map. */
function crunch(iterations: number): number {
  let x = 0.5;
  let sum = 0;
  for (let i = 0; i < iterations; i++) {
    x = 3.99 * x * (1 - x);
    sum += x;
  }
  return sum;
}

/** One CPU-bound element; returns 1 so the result counts the elements. */
export const cpuBound = defineProcessor(import.meta.url, 'cpuBound', (iterations: number) => (crunch(iterations) > -1 ? 1 : 0));

/** Iterations that take about `ms` milliseconds on this machine. */
function calibrate(ms: number): number {
  let iterations = 100_000;
  for (;;) {
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      crunch(iterations);
      times.push(performance.now() - t);
    }
    const took = median(times);
    if (took > 0.5) return Math.round((iterations * ms) / took);
    iterations *= 4;
  }
}

async function main(): Promise<void> {
  const counts = arg('workers', '1,2,4,8,16').split(',').map(Number);
  const elements = Number(arg('elements', '1000'));
  const ms = Number(arg('ms', '2'));
  const runs = Number(arg('runs', '3'));
  const kind = arg('backend', 'threads');
  const reduceEvery = Number(arg('reduce-every', '1'));
  const iterations = calibrate(ms);
  const computable = fromFunction(cpuBound, Array(elements).fill(iterations) as number[]);
  const serialMs = elements * ms;
  console.log(
    `scaling: ${fmt(elements)} elements of ~${ms} ms (${fmt(iterations)} iterations), ${fmt(serialMs)} ms of work; ` +
      `median of ${runs} runs; ${availableParallelism()} cores available; backend ${kind}`,
  );
  let baseline: number | undefined;
  for (const workers of counts) {
    let stop = async () => {};
    let backend: Backend;
    /** Cluster only: CPU readings of the cluster's processes (before, after the timed runs). */
    let cpu: (() => Promise<ClusterCpu>) | undefined;
    let timeline: ((runs: ReadonlyArray<readonly [number, number]>) => void) | undefined;
    if (kind === 'cluster') {
      const { startLocalCluster, clusterCpu } = await import('./cluster-env.ts');
      const { cluster } = await import('../src/backends/cluster.ts');
      // Worker start-up is outside the timed runs on every configuration (and so is a warm-up run).
      const local = await startLocalCluster(workers);
      const client = local.redis.client();
      cpu = () => clusterCpu(local, client);
      stop = () => local.stop();
      if (process.argv.includes('--timeline')) {
        const { printTimeline } = await import('./cluster-timeline.ts');
        timeline = (runs) => printTimeline(local, runs);
      }
      backend = cluster({ redis: local.redis.url, ...(reduceEvery > 1 ? { reduceEvery } : {}) });
    } else backend = threads({ workers });
    let before: ClusterCpu | undefined;
    let driverBefore: NodeJS.CpuUsage | undefined;
    /** Each timed run's start and end, epoch ms (the workers log in epoch ms). */
    const spans: Array<readonly [number, number]> = [];
    let warm = false;
    const times = await timeRuns(
      runs,
      async () => {
        const start = Date.now();
        const result = await backend.compute(computable).result();
        if (result !== elements) throw new Error(`expected ${elements}, got ${String(result)}`);
        if (warm) spans.push([start, Date.now()]);
      },
      async () => {
        warm = true;
        before = await cpu?.();
        driverBefore = process.cpuUsage();
      },
    );
    const driver = process.cpuUsage(driverBefore);
    const after = await cpu?.();
    await backend.dispose();
    timeline?.(spans);
    await stop();
    const t = median(times);
    baseline ??= workers === 1 ? t : undefined;
    const speedup = baseline === undefined ? '' : `  speedup over 1 worker ${fmt(baseline / t, 2)}×`;
    console.log(`  ${String(workers).padStart(2)} worker(s)  ${fmt(t, 1).padStart(9)} ms  ${fmt((elements / t) * 1000).padStart(7)} elements/s  efficiency vs serial ${fmt(serialMs / t / workers, 2)}${speedup}`);
    if (after !== undefined && before !== undefined) {
      // CPU per run, out of the timed runs: what the cluster costs besides the work itself.
      const per = (ms: number) => fmt(ms / runs).padStart(6);
      const driverMs = (driver.user + driver.system) / 1000;
      console.log(
        `     CPU ms per run: driver ${per(driverMs)}  redis-server ${per(after.redisMs - before.redisMs)}  ` +
          `workers' main threads ${per(after.workerMainMs - before.workerMainMs)}  workers' other threads ${per(after.workerAllMs - after.workerMainMs - (before.workerAllMs - before.workerMainMs))}  ` +
          `Redis commands per run ${fmt((after.commands - before.commands) / runs)}`,
      );
    }
  }
}

// Workers import this module for its processor: only the main thread runs the benchmark.
if (isMainThread) await main();
