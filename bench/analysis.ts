/**
 * The whole analysis end to end: coffea's test processor (per dataset a 30,000-bin muon-pt and
 * dimuon-mass histogram and a cutflow, `bench/coffea-processor.ts`) on the threads backend with
 * 1 and 2 workers, over two filesets:
 *
 * - big: generated 1M-event Parquet files, one per codec cortado can write (SNAPPY, GZIP, none);
 * - mixed: the big files plus real copies (not links: the metadata cache is keyed by inode) of
 *   the shared NanoAOD samples, ROOT and Parquet, 100 small files by default.
 *
 * Each configuration runs in a child process of its own, so its peak RSS is its own. Preparation
 * (`preprocess`, cold in that process) and processing (`compute`, median of runs) are timed
 * separately (worker start-up apart); the first processing run (fresh workers: V8 compiles the
 * reading and processing code in each worker thread) is reported on its own, the median over the
 * runs after it; events/s, the 1→2-worker speed-up, peak RSS, and how many
 * workers were busy at once (the workers' busy time over wall time: ~2 with 2 workers means the
 * work did run in parallel, whatever the machine's load did to the wall time) are printed, with
 * the load average, and the cutflows of every configuration must agree. The CPU time of each
 * processing run is split by thread (the driver, the workers, and the rest: V8's garbage-collection
 * and compiler helpers, libuv, loaders), which shows where a second core goes whatever the load.
 *
 *   npx tsx bench/analysis.ts [--events 1000000] [--small 100] [--runs 4] [--workers 1,2] [--step 100000] [--dir DIR]
 *     [--filesets big,mixed] [--young MiB] [--old MiB] [--batch-ms MS] [--twins]
 *
 * Between phases (outside the timed intervals) every worker reports its counters, printed per
 * processing run: ROOT files and Parquet footers it parsed or reused, and its garbage collections
 * (counts hold under load, where wall and pause times do not). The last lines sum up each fileset:
 * the 1→2-worker ratio, the CPU per run by thread on both sides, and the speed-up that CPU allows
 * on 2 idle cores. `--young MiB` sets the workers' young generation (`youngGenerationMb`, 0: V8's
 * default), `--old MiB` the size their old generation starts at (`initialOldGenerationMb`, 0: V8's
 * default), for A/B runs of the heap sizes; `--batch-ms MS` the processing runs' `targetBatchMs` (fewer,
 * longer batches: fewer round trips through the driver).
 *
 * `--twins` also runs two 1-worker configurations at once, each in its own process, and prints their
 * summed events/s over one alone: what this machine's cores give two independent copies of the same
 * work (memory bandwidth, shared caches, the other process's collector and compiler threads), the
 * reference to read the 1→2-worker speed-up against (at least 4 runs for a median inside the overlap).
 *
 * `--dir DIR` writes the files into DIR and keeps them (files already there are reused), so that
 * repeated runs skip generating them.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { threads } from '../src/backends/threads.ts';
import { dataGroup, dataset } from '../src/io/dataset/index.ts';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { DEMO_COLUMNS, demoGroupColumns } from '../src/io/demo/generate.ts';
import { generateBlock } from '../src/io/demo/physics.ts';
import { Random } from '../src/io/demo/random.ts';
import { preprocess } from '../src/io/prepare/index.ts';
import type { InspectionEvent } from 'xstate';
import { fromFunction } from '../src/protocol/computable.ts';
import { coffeaTest, osThread, startUp, threadStats, type ThreadStats } from './coffea-processor.ts';
import { splitCpu, threadCpuMs } from './thread-cpu.ts';
import { arg, fmt, median } from './stats.ts';

const SHARED = join(fileURLToPath(new URL('.', import.meta.url)), '../../shared/data/nanoaod');
const SMALL_SAMPLES = ['nano_dy.root', 'nano_dimuon.root', 'nano_dy.parquet', 'nano_dimuon.parquet'];
const CODECS: Record<string, ((bytes: Uint8Array) => Uint8Array) | undefined> = {
  SNAPPY: undefined, // the writer's own
  GZIP: (bytes) => gzipSync(bytes, { level: 6 }),
  UNCOMPRESSED: (bytes) => bytes,
};

interface Fileset {
  readonly name: string;
  readonly datasets: Record<string, string[]>;
}

interface ChildResult {
  readonly events: number;
  readonly startMs: number;
  readonly prepareMs: number;
  /** Distinct worker threads that ran preparation batches, and how many batches. */
  readonly prepareThreads: number;
  readonly prepareBatches: number;
  /** Worker busy time over wall time: how many workers were computing at once, on average. */
  readonly prepareOverlap: number;
  /** CPU ms of preparation, split as {@link ChildResult.processCpu}. */
  readonly prepareCpu: { driver: number; workers: number; other: number };
  readonly processOverlap: number[];
  readonly processMs: number[];
  /** CPU ms of each processing run: the driver thread, the worker threads, all other threads. */
  readonly processCpu: Array<{ driver: number; workers: number; other: number }>;
  readonly peakRssMiB: number;
  readonly cutflows: string;
  /** Parquet footers the workers parsed, and those a worker took from another instead of parsing. */
  readonly footers: { published: number; adopted: number };
  /** The workers' counters over preparation and over each processing run, summed over the workers. */
  readonly prepareCounts: Counts;
  readonly processCounts: Counts[];
  /** Batches (lane round trips: a result decoded and merged by the driver each) of each processing run. */
  readonly processBatches: number[];
}

/** What the workers did over one phase (see `ThreadStats`), summed over the workers. */
type Counts = Omit<ThreadStats, 'thread'>;
const COUNT_KEYS = ['parquetParsed', 'parquetAdopted', 'rootParsed', 'rootReused', 'rootSeeded', 'gcMinor', 'gcMajor', 'gcMs'] as const;

function countsBetween(before: Map<number, ThreadStats>, after: Map<number, ThreadStats>): Counts {
  const out = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Record<(typeof COUNT_KEYS)[number], number>;
  for (const [thread, now] of after) {
    const was = before.get(thread);
    for (const k of COUNT_KEYS) out[k] += now[k] - (was?.[k] ?? 0);
  }
  out.gcMs = Math.round(out.gcMs);
  return out;
}

async function writeBigFile(path: string, events: number, codec: string, seed: number): Promise<void> {
  const compress = CODECS[codec];
  const writer = new ColumnarParquetWriter(path, DEMO_COLUMNS, { codec, ...(compress === undefined ? {} : { compress }) });
  const rng = new Random(seed);
  const physics = { signalFraction: 0.3, continuumFraction: 0.15, continuumSlope: 25 };
  for (let start = 0; start < events; start += 100_000) {
    const rows = Math.min(100_000, events - start);
    writer.writeGroup(rows, demoGroupColumns(generateBlock(rng, rows, physics), 1, start + 1));
  }
  writer.finish();
}

// One configuration, in this (child) process: prepare once (cold), then process `runs` times.
async function child(spec: { fileset: Fileset; workers: number; runs: number; step: number; young?: number; old?: number; batchMs?: number }): Promise<ChildResult> {
  const group = dataGroup(Object.entries(spec.fileset.datasets).map(([name, files]) => dataset(name, files)));
  await using backend = threads({
    workers: spec.workers,
    ...(spec.young === undefined ? {} : { youngGenerationMb: spec.young }),
    ...(spec.old === undefined ? {} : { initialOldGenerationMb: spec.old }),
  });
  // Starting the worker threads (loading modules) is timed on its own, not as preparation.
  let t = performance.now();
  await backend.run(fromFunction(startUp, Array.from({ length: spec.workers }, (_, i) => i)));
  const startMs = performance.now() - t;
  // Which OS threads are the workers: a few elements that each hold their worker 30 ms land on all.
  const tids = await backend.compute(fromFunction(osThread, Array.from({ length: 4 * spec.workers }, (_, i) => i)), { batchSize: 1 }).result();
  const workerTids = new Set(Object.keys(tids));
  const threadsSeen = new Set<string>();
  let batches = 0;
  let busyMs = 0;
  const inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.event' || (event.event as { type: string }).type !== 'LANE.DONE') return;
    const { outcome } = event.event as unknown as { outcome: { busyMs?: number; worker?: { id: string } } };
    batches++;
    busyMs += outcome.busyMs ?? 0;
    threadsSeen.add(outcome.worker?.id ?? 'main');
  };
  // Each worker's cumulative counters, read between phases (outside the timed intervals).
  const snapshot = async (): Promise<Map<number, ThreadStats>> => {
    const seen = await backend.compute(fromFunction(threadStats, Array.from({ length: 4 * spec.workers }, (_, i) => i)), { batchSize: 1 }).result();
    const out = new Map<number, ThreadStats>();
    for (const key of Object.keys(seen)) {
      const s = JSON.parse(key) as ThreadStats;
      const known = out.get(s.thread);
      if (known === undefined || s.gcMinor + s.gcMajor >= known.gcMinor + known.gcMajor) out.set(s.thread, s);
    }
    return out;
  };
  let stats = await snapshot();
  const prepareBefore = threadCpuMs();
  t = performance.now();
  const prepared = await preprocess(backend, group, { stepSize: spec.step, compute: { inspect } });
  const prepareMs = performance.now() - t;
  const prepareCpu = splitCpu(prepareBefore, threadCpuMs(), workerTids);
  const prepareBatches = batches;
  const prepareThreads = threadsSeen.size;
  const prepareOverlap = busyMs / prepareMs;
  let next = await snapshot();
  const prepareCounts = countsBetween(stats, next);
  stats = next;
  const processCounts: Counts[] = [];
  const processBatches: number[] = [];
  const processOverlap: number[] = [];
  const processMs: number[] = [];
  const processCpu: ChildResult['processCpu'] = [];
  let cutflows = '';
  let events = 0;
  for (let run = 0; run < spec.runs; run++) {
    busyMs = 0;
    batches = 0;
    const cpuBefore = threadCpuMs();
    t = performance.now();
    const result = await backend.compute(prepared.mapSteps(coffeaTest), { inspect, ...(spec.batchMs === undefined ? {} : { targetBatchMs: spec.batchMs }) }).result();
    processMs.push(performance.now() - t);
    const cpuAfter = threadCpuMs();
    processCpu.push(splitCpu(cpuBefore, cpuAfter, workerTids));
    processOverlap.push(busyMs / processMs.at(-1)!);
    processBatches.push(batches);
    const flows = Object.entries(result).map(([name, r]) => [name, r.cutflow] as const).sort(([a], [b]) => a.localeCompare(b));
    cutflows = JSON.stringify(flows);
    events = flows.reduce((n, [, c]) => n + c.events, 0);
    next = await snapshot();
    processCounts.push(countsBetween(stats, next));
    stats = next;
  }
  const totals = countsBetween(new Map(), stats);
  const footers = { published: totals.parquetParsed, adopted: totals.parquetAdopted };
  return { events, startMs, prepareMs, prepareThreads, prepareBatches, prepareOverlap, prepareCpu, processOverlap, processMs, processCpu, peakRssMiB: process.resourceUsage().maxRSS / 1024, cutflows, footers, prepareCounts, processCounts, processBatches };
}

/** Runs one configuration in a child process of its own; its result, or why there is none. */
function runChild(spec: string): Promise<ChildResult | string> {
  const flags = (process.env.ANALYSIS_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', spec], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve) => {
    child.on('close', (status) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve(status !== 0 || line === undefined ? `(exit ${status}): ${stderr.trim().split('\n').slice(-5).join(' | ')}` : (JSON.parse(line) as ChildResult));
    });
  });
}

/**
 * A twin's events/s: the median of its processing runs after the first (fresh workers) and before
 * the last (the other twin may have finished by then, leaving this one the machine).
 */
function twinRate(r: ChildResult): number {
  const inner = r.processMs.length > 2 ? r.processMs.slice(1, -1) : r.processMs.slice(r.processMs.length > 1 ? 1 : 0);
  return (r.events / median(inner)) * 1000;
}

async function main(): Promise<void> {
  const events = Number(arg('events', '1000000'));
  const small = Number(arg('small', '100'));
  const runs = Number(arg('runs', '4'));
  const step = Number(arg('step', '100000'));
  const workerCounts = arg('workers', '1,2').split(',').map(Number);
  const keep = arg('dir', '');
  const dir = keep === '' ? await mkdtemp(join(tmpdir(), 'cortado-analysis-')) : keep;
  if (keep !== '') await mkdir(dir, { recursive: true });
  const exists = async (path: string) => keep !== '' && (await stat(path).then(() => true, () => false));
  try {
    const big: Record<string, string[]> = {};
    let t = performance.now();
    for (const [i, codec] of Object.keys(CODECS).entries()) {
      const path = join(dir, `big_${codec.toLowerCase()}_${events}.parquet`);
      if (!(await exists(path))) await writeBigFile(path, events, codec, i + 1);
      big[`big-${codec.toLowerCase()}`] = [path];
    }
    const smallSets: Record<string, string[]> = {};
    for (let k = 0; k < small; k++) {
      const sample = SMALL_SAMPLES[k % SMALL_SAMPLES.length]!;
      const copy = join(dir, `small_${k}_${sample}`);
      if (!(await exists(copy))) await copyFile(join(SHARED, sample), copy);
      (smallSets[`small-${sample.replace('.', '-')}`] ??= []).push(copy);
    }
    console.log(
      `analysis: coffea test processor (2 × 30,000-bin histograms + cutflow per dataset); big: ${Object.keys(CODECS).length} × ${fmt(events)} ` +
        `generated Parquet events (${Object.keys(CODECS).join(', ')}); mixed: those + ${small} copies of ${SMALL_SAMPLES.join(', ')}; ` +
        `step ${fmt(step)}; processing: the first run (fresh workers) and the median of the ${Math.max(1, runs - 1)} after it; files written in ${fmt(performance.now() - t)} ms; ` +
        `${availableParallelism()} CPUs, load average ${loadavg().map((l) => fmt(l, 1)).join(' ')} (1, 5, 15 min)`,
    );
    const filesets: Fileset[] = [
      { name: 'big', datasets: big },
      { name: 'mixed', datasets: { ...big, ...smallSets } },
    ];
    const cutflows = new Map<string, string>();
    const twins = process.argv.includes('--twins');
    const twinSummary = new Map<string, number>();
    const summary: Array<{ fileset: string; workers: number; rate: number; cpu: { driver: number; workers: number; other: number }; rss: number; agree: string }> = [];
    const only = arg('filesets', 'big,mixed').split(',');
    for (const fileset of filesets.filter((f) => only.includes(f.name))) {
      let base: number | undefined;
      let baseFirst: number | undefined;
      let basePrepare: number | undefined;
      for (const workers of workerCounts) {
        const young = arg('young', '');
        const old = arg('old', '');
        const batchMs = arg('batch-ms', '');
        const spec = JSON.stringify({ fileset, workers, runs, step, ...(young === '' ? {} : { young: Number(young) }), ...(old === '' ? {} : { old: Number(old) }), ...(batchMs === '' ? {} : { batchMs: Number(batchMs) }) });
        const out = await runChild(spec);
        if (typeof out === 'string') {
          console.log(`  ${fileset.name} ${workers} worker(s): failed ${out}`);
          continue;
        }
        const r = out;
        // The first processing run in fresh workers also compiles the reading and processing code:
        // V8 compiles per thread, so 2 workers pay it twice (as "other" CPU: the compiler threads).
        // It is reported on its own, and the median is taken over the runs after it: with `--runs 2`
        // a median of all runs would be the mean of a cold and a warm run.
        const warm = r.processMs.length > 1 ? r.processMs.slice(1) : r.processMs;
        const warmCpu = r.processCpu.length > 1 ? r.processCpu.slice(1) : r.processCpu;
        const warmOverlap = r.processOverlap.length > 1 ? r.processOverlap.slice(1) : r.processOverlap;
        const p = median(warm);
        const first = r.processMs[0]!;
        const cpu = (key: 'driver' | 'workers' | 'other') => median(warmCpu.map((c) => c[key]));
        const cpuAll = cpu('driver') + cpu('workers') + cpu('other');
        const firstCpu = r.processCpu[0]!;
        const warmCounts = r.processCounts.length > 1 ? r.processCounts.slice(1) : r.processCounts;
        const count = (key: keyof Counts) => median(warmCounts.map((c) => c[key]));
        const counted = (c: (key: keyof Counts) => number) =>
          `ROOT files parsed ${fmt(c('rootParsed'))} (reused ${fmt(c('rootReused'))}, from seeds ${fmt(c('rootSeeded'))}), Parquet footers parsed ${fmt(c('parquetParsed'))} ` +
          `(taken from another worker ${fmt(c('parquetAdopted'))}), worker GCs ${fmt(c('gcMinor'))} minor + ${fmt(c('gcMajor'))} major (${fmt(c('gcMs'))} ms of pauses)`;
        const rate = (r.events / p) * 1000;
        const firstRate = (r.events / first) * 1000;
        base ??= workers === 1 ? rate : undefined;
        baseFirst ??= workers === 1 ? firstRate : undefined;
        basePrepare ??= workers === 1 ? r.prepareMs : undefined;
        const previous = cutflows.get(fileset.name);
        const agree = previous === undefined ? '' : previous === r.cutflows ? ', cutflows equal' : ', CUTFLOWS DIFFER';
        cutflows.set(fileset.name, r.cutflows);
        summary.push({ fileset: fileset.name, workers, rate, cpu: { driver: cpu('driver'), workers: cpu('workers'), other: cpu('other') }, rss: r.peakRssMiB, agree });
        const over = (value: number, one: number | undefined) => (one !== undefined && workers !== 1 ? ` (×${fmt(value / one, 2)} over 1 worker)` : '');
        console.log(
          `  ${fileset.name.padEnd(5)} ${workers} worker(s): ${fmt(r.events)} events; start ${fmt(r.startMs)} ms; ` +
            `prepare ${fmt(r.prepareMs)} ms (${r.prepareBatches} batches on ${r.prepareThreads} thread(s), ${fmt(r.prepareOverlap, 2)} busy at once` +
            `${basePrepare !== undefined && workers !== 1 ? `; ×${fmt(basePrepare / r.prepareMs, 2)} over 1 worker` : ''}; ` +
            `CPU ${fmt(r.prepareCpu.driver)} driver + ${fmt(r.prepareCpu.workers)} workers + ${fmt(r.prepareCpu.other)} other ms; ${counted((k) => r.prepareCounts[k])}); ` +
            `Parquet footers parsed ${r.footers.published}, taken from another worker ${r.footers.adopted}; ` +
            `first processing run ${fmt(first)} ms = ${fmt(firstRate / 1e6, 2)} M events/s${over(firstRate, baseFirst)}, ` +
            `CPU ${fmt(firstCpu.driver + firstCpu.workers + firstCpu.other)} ms = ${fmt(firstCpu.driver)} + ${fmt(firstCpu.workers)} + ${fmt(firstCpu.other)}, ` +
            `${counted((k) => r.processCounts[0]![k])}; ` +
            `process (median of ${warm.length} run(s)${warm.length === r.processMs.length ? '' : ' after the first'}) ${fmt(p)} ms = ${fmt(rate / 1e6, 2)} M events/s ` +
            `(${fmt(median(warmOverlap), 2)} busy at once)${over(rate, base)}; ` +
            `prepare+first run ${fmt(((r.events / (first + r.prepareMs)) * 1000) / 1e6, 2)} M events/s; ` +
            `CPU per processing run ${fmt(cpuAll)} ms = driver thread ${fmt(cpu('driver'))} + workers ${fmt(cpu('workers'))} + other threads ${fmt(cpu('other'))} ` +
            `(V8 GC/compiler helpers, libuv, loaders; ${fmt((100 * (cpu('driver') + cpu('other'))) / Math.max(1, cpuAll), 0)}% not in workers), ` +
            `${fmt((r.events / Math.max(1, cpuAll)) * 1000 / 1e6, 2)} M events per CPU-second; per run ${fmt(median(r.processBatches.slice(r.processBatches.length > 1 ? 1 : 0)))} batches ` +
            `(driver ${fmt(cpu('driver') / Math.max(1, median(r.processBatches.slice(r.processBatches.length > 1 ? 1 : 0))), 2)} ms of CPU per batch), ${counted(count)}; peak RSS ${fmt(r.peakRssMiB)} MiB${agree}; load average ${loadavg().map((l) => fmt(l, 1)).join(' ')}`,
        );
      }
      if (twins && base !== undefined) {
        const spec = JSON.stringify({ fileset, workers: 1, runs, step });
        const pair = await Promise.all([runChild(spec), runChild(spec)]);
        const rates = pair.map((r) => (typeof r === 'string' ? undefined : twinRate(r)));
        if (rates.some((r) => r === undefined)) {
          console.log(`  ${fileset.name} twins: failed ${pair.filter((r) => typeof r === 'string').join('; ')}`);
        } else {
          const sum = rates.reduce((a, b) => a! + b!, 0)!;
          twinSummary.set(fileset.name, sum / base);
          console.log(
            `  ${fileset.name.padEnd(5)} twins: two 1-worker processes at once ${rates.map((r) => fmt(r! / 1e6, 2)).join(' + ')} = ${fmt(sum / 1e6, 2)} M events/s ` +
              `(×${fmt(sum / base, 2)} over one alone: what this machine gives two independent copies of the 1-worker run); load average ${loadavg().map((l) => fmt(l, 1)).join(' ')}`,
          );
        }
      }
    }
    // One line per fileset: what the lead compares across machines. The CPU bound: the 2-worker run
    // cannot take less wall time than half its CPU (2 cores), and the 1-worker run takes at least its
    // worker thread's CPU, so on 2 otherwise idle cores the speed-up is at most 2 × w1 / (d2 + w2 + o2).
    for (const name of new Set(summary.map((s) => s.fileset))) {
      const one = summary.find((s) => s.fileset === name && s.workers === 1);
      const more = summary.filter((s) => s.fileset === name && s.workers !== 1);
      if (one === undefined) continue;
      const total = (c: { driver: number; workers: number; other: number }) => c.driver + c.workers + c.other;
      const cpuText = (c: { driver: number; workers: number; other: number }) => `${fmt(total(c))} ms (${fmt(c.driver)} + ${fmt(c.workers)} + ${fmt(c.other)})`;
      for (const m of more) {
        console.log(
          `summary ${name}: 1 → ${m.workers} workers ×${fmt(m.rate / one.rate, 2)} (${fmt(one.rate / 1e6, 2)} → ${fmt(m.rate / 1e6, 2)} M events/s); ` +
            `CPU per processing run (driver + workers + other threads) ${cpuText(one.cpu)} → ${cpuText(m.cpu)}, ×${fmt(total(m.cpu) / Math.max(1, total(one.cpu)), 2)}; ` +
            `CPU bound on ${m.workers} cores ×${fmt(Math.min(m.workers, (m.workers * one.cpu.workers) / Math.max(1, total(m.cpu))), 2)}; ` +
            `${twinSummary.has(name) ? `two independent 1-worker processes at once ×${fmt(twinSummary.get(name)!, 2)}; ` : ''}` +
            `peak RSS ${fmt(one.rss)} → ${fmt(m.rss)} MiB${m.agree}; load average ${loadavg().map((l) => fmt(l, 1)).join(' ')}`,
        );
      }
    }
  } finally {
    if (keep === '') await rm(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  const at = process.argv.indexOf('--child');
  if (at >= 0) {
    const result = await child(JSON.parse(process.argv[at + 1]!) as Parameters<typeof child>[0]);
    console.log(JSON.stringify(result));
  } else {
    await main();
  }
}


