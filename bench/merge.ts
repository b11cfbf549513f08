/**
 * Merging many large partial results through the threads backend. Each element returns two
 * float64 histograms of 30,000 bins filled without weights (such a `Hist` keeps its sums of weights
 * only, 'double' storage: 2 × 30,002 float64 = 0.48 MB per result; weighted fills would add as much
 * again for the squared weights), which cross threads through the Hist codec (buffers
 * moved, not copied) and merge in the workers' batches and the main thread's reducers. Each
 * configuration runs in a fresh process, so peak RSS (main and worker threads together) is its own.
 * Peak RSS must not grow with the number of partials: the runtime keeps a bounded number of
 * partials alive (batches in flight + the reducer's `mergeEvery` buffer), never all of them.
 *
 *   npx tsx bench/merge.ts [--partials 100,300,1000] [--runs 3] [--workers 2] [--batch auto|1] [--backend threads|cluster] [--reduce 1|8]
 *
 * With `--backend cluster`, each child starts a local redis-server and `--workers` `cortado worker`
 * processes (one thread each); peak RSS is then the driver's alone, and the child also reports the
 * bytes each partial occupies in Redis (the stored outcome, exact) and the bytes Redis received
 * per partial (everything: jobs, results, commands). `--reduce N` sets the cluster's `reduceEvery`
 * (merges on the workers): the child then also reports the bytes the driver itself read from Redis
 * per partial (its sockets' byte counts), which drop by about N.
 */
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { Backend } from '../src/backends/backend.ts';
import { threads } from '../src/backends/threads.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { arg, fmt, median } from './stats.ts';

const BINS = 30_000;
const FILLS = 1_000;
/** Bytes of one partial result: two unweighted histograms, each with sumw (no sumw2) over BINS + 2 flow bins. */
const RESULT_BYTES = 2 * (BINS + 2) * 8;

/** Element `seed` → two 30,000-bin histograms with 1,000 pseudo-random entries each. */
export const twoHists = defineProcessor(import.meta.url, 'twoHists', (seed: number) => {
  let s = (seed * 2_654_435_761) >>> 0 || 1;
  const next = () => ((s = (s * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
  const pt = new Float64Array(FILLS);
  const eta = new Float64Array(FILLS);
  for (let i = 0; i < FILLS; i++) {
    pt[i] = next() * 300;
    eta[i] = next() * 6 - 3;
  }
  const hPt = new Hist(regular(BINS, 0, 300, { name: 'pt' })).fill({ pt });
  const hEta = new Hist(regular(BINS, -3, 3, { name: 'eta' })).fill({ eta });
  return { pt: hPt, eta: hEta };
});

interface ChildReport {
  readonly partials: number;
  readonly ms: number;
  readonly baseRss: number;
  readonly peakRss: number;
  /** Cluster only: bytes of one partial as stored in Redis, and bytes Redis received per partial. */
  readonly storedPerPartial?: number;
  readonly receivedPerPartial?: number;
  readonly driverReadPerPartial?: number;
}

/** The exact bytes a worker stores in Redis for a batch of one element of twoHists (outcome, or outcome + part when split). */
async function storedBytesOfOnePartial(split: boolean): Promise<number> {
  const { encodeOutcome } = await import('../src/backends/cluster/payload.ts');
  const { encodeParts } = await import('../src/backends/cluster/parts.ts');
  const { encodeResult } = await import('../src/backends/codec/encode.ts');
  const value = (twoHists.fn as (seed: number) => unknown)(1);
  const data = encodeResult(value).data;
  const outcome = { results: [[-1, data] as const], status: Uint8Array.of(1), failures: [], ms: null, busyMs: 0 };
  if (!split) return encodeOutcome(outcome, 2 ** 30).byteLength;
  const part = encodeParts([[null, data]]);
  return part.byteLength + encodeOutcome({ ...outcome, results: [], parts: part.byteLength } as never, 2 ** 30).byteLength;
}

/** Bytes this process has read from the Redis at `port` so far, over its open sockets (the driver's connections). */
function driverBytesRead(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  let total = 0;
  for (const h of handles) if (h instanceof Socket && h.remotePort === port) total += h.bytesRead;
  return total;
}

async function receivedBytes(url: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url);
  const info = await client.info('stats');
  client.disconnect();
  return Number(/total_net_input_bytes:(\d+)/.exec(info)![1]);
}

/** One configuration, in this (fresh) process: warm up, then merge `partials` results while sampling RSS. */
async function child(partials: number, workers: number, batch: number | 'auto', kind: string, reduce: number): Promise<void> {
  let backend: Backend = threads({ workers });
  let local: { redis: { url: string; port: number }; stop(): Promise<void> } | undefined;
  if (kind === 'cluster') {
    await backend.dispose();
    const { startLocalCluster } = await import('./cluster-env.ts');
    const { cluster } = await import('../src/backends/cluster.ts');
    local = await startLocalCluster(workers);
    backend = cluster({ redis: local.redis.url, reduceEvery: reduce });
  }
  const options = { batchSize: batch };
  await backend.compute(fromFunction(twoHists, [1, 2, 3, 4]), options).result();
  globalThis.gc?.();
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 5);
  const receivedBefore = local === undefined ? 0 : await receivedBytes(local.redis.url);
  const readBefore = local === undefined ? 0 : driverBytesRead(local.redis.port);
  const started = performance.now();
  const result = (await backend.compute(fromFunction(twoHists, Array.from({ length: partials }, (_, i) => i)), options).result()) as { pt: Hist; eta: Hist };
  const ms = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const driverRead = local === undefined ? 0 : driverBytesRead(local.redis.port) - readBefore;
  await backend.dispose();
  const cluster =
    local === undefined
      ? {}
      : {
          storedPerPartial: await storedBytesOfOnePartial(reduce > 1),
          receivedPerPartial: ((await receivedBytes(local.redis.url)) - receivedBefore) / partials,
          driverReadPerPartial: driverRead / partials,
        };
  await local?.stop();
  if (Math.round(result.pt.sum({ flow: true })) !== partials * FILLS) throw new Error(`expected ${partials * FILLS} entries, got ${result.pt.sum({ flow: true })}`);
  const report: ChildReport = { partials, ms, baseRss, peakRss, ...cluster };
  console.log(JSON.stringify(report));
}

function runChild(partials: number, workers: number, batch: string, kind: string, reduce: number): Promise<ChildReport> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', script, '--child', String(partials), '--workers', String(workers), '--batch', batch, '--backend', kind, '--reduce', String(reduce)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`child for ${partials} partials exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as ChildReport);
    });
  });
}

async function main(): Promise<void> {
  const childArg = arg('child', '');
  const workers = Number(arg('workers', '2'));
  const batch = arg('batch', 'auto');
  const kind = arg('backend', 'threads');
  const reduce = Number(arg('reduce', '1'));
  if (childArg !== '') return child(Number(childArg), workers, batch === 'auto' ? 'auto' : Number(batch), kind, reduce);
  const counts = arg('partials', '100,300,1000').split(',').map(Number);
  const runs = Number(arg('runs', '3'));
  const mb = (bytes: number) => fmt(bytes / 2 ** 20, 1);
  console.log(
    `merge: partial results of two ${fmt(BINS)}-bin float64 histograms (${mb(RESULT_BYTES)} MB each), ${workers} workers (${kind}), ` +
      `batchSize ${batch}${kind === 'cluster' ? `, reduceEvery ${reduce}` : ''}; median of ${runs} runs, each in a fresh process`,
  );
  let first: { peak: number; ms: number; partials: number } | undefined;
  for (const partials of counts) {
    const reports: ChildReport[] = [];
    for (let r = 0; r < runs; r++) reports.push(await runChild(partials, workers, batch, kind, reduce));
    const ms = median(reports.map((r) => r.ms));
    const peak = median(reports.map((r) => r.peakRss));
    const growth = median(reports.map((r) => r.peakRss - r.baseRss));
    first ??= { peak, ms, partials };
    console.log(
      `  ${fmt(partials).padStart(5)} partials (${mb(partials * RESULT_BYTES).padStart(6)} MB produced)  ${fmt(ms, 0).padStart(6)} ms  ` +
        `${fmt((partials / ms) * 1000, 0).padStart(5)} partials/s  peak RSS ${mb(peak).padStart(6)} MB ` +
        `(+${mb(growth)} MB over idle = ${fmt(growth / RESULT_BYTES, 1)} results)  ` +
        `peak vs ${fmt(first.partials)} partials ${fmt(peak / first.peak, 2)}×`,
    );
    const stored = reports[0]!.storedPerPartial;
    if (stored !== undefined) {
      const received = median(reports.map((r) => r.receivedPerPartial!));
      console.log(
        `        in Redis: ${fmt(stored)} bytes stored per partial = ${fmt(stored / RESULT_BYTES, 3)}× its raw ${fmt(RESULT_BYTES)} bytes; ` +
          `Redis received ${fmt(received)} bytes per partial (${fmt(received / RESULT_BYTES, 3)}×: jobs, results, commands); ` +
          `the driver read ${fmt(median(reports.map((r) => r.driverReadPerPartial!)))} bytes per partial ` +
          `(${fmt(median(reports.map((r) => r.driverReadPerPartial!)) / RESULT_BYTES, 3)}× raw)`,
      );
    }
  }
}

// Workers import this module for its processor: only the main thread runs the benchmark.
if (isMainThread) await main();
