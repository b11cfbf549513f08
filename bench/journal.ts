/**
 * What the crash-safe journal costs, measured against the same run without it in one process:
 *
 * 1. realistic chunks: `--elements` (2,000) work elements, each filling a 2-axis histogram with
 *    10,000 values (about a millisecond of work, like a NanoAOD chunk's fill), inline backend;
 * 2. the stress test of bench/steps.ts: 100,000 tiny elements that return a number;
 * 3. resume start: opening a journal of 100,000 records (compaction off), records holding a
 *    number, then records holding a 60-bin histogram.
 *
 * Prints medians of `--runs` (5) rounds in ABBA order (without/with, then with/without, ...) so
 * drift and what one run leaves to the next hit both sides: wall time, the process's CPU time, the
 * main thread's (Linux), collections per run, the journal's own time on the thread (open, record
 * split into encode/write/fold, close), and the median of the rounds' own ratios. `--control`
 * adds a third arm without the journal: its difference to the first is the noise floor.
 *
 *   npx tsx bench/journal.ts [--runs 5] [--elements 2000] [--backends inline,threads] [--only realistic|per-record] [--control] [--sync-ms 1000] [--gc-between]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { inline } from '../src/backends/inline.ts';
import type { Backend } from '../src/backends/backend.ts';
import { JournalCheckpoint } from '../src/journal/journal-checkpoint.ts';
import { fromFunction, type Computable, type WorkElement } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { category } from '../src/results/category.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { arg, fmt, median } from './stats.ts';

const VALUES = 10_000;

/** A chunk's worth of work: fill mass × channel with 10,000 pseudo-random values. */
export const fillChunk = defineProcessor(import.meta.url, 'fillChunk', (index: number) => {
  const mass = new Float64Array(VALUES);
  const channel: string[] = new Array(VALUES);
  let seed = index * 2654435761;
  for (let i = 0; i < VALUES; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    mass[i] = 60 + (seed / 4294967296) * 60;
    channel[i] = seed & 1 ? 'mumu' : 'ee';
  }
  const h = new Hist(regular(60, 60, 120, { name: 'mass' }), category(['ee', 'mumu'], { name: 'channel' }));
  h.fill({ mass, channel });
  return { events: VALUES, mass: h };
});

/** Returns the step's entry count (bench/steps.ts's processor). */
export const countEntries = defineProcessor(import.meta.url, 'countEntries', (step: { start: number; stop: number }) => step.stop - step.start);

function stress(): Computable<number> {
  return {
    key: 'journal-stress',
    size: 100_000 * 10_000,
    *steps() {
      for (let index = 0; index < 100_000; index++) {
        const start = index * 10_000;
        const element: WorkElement<number> = { range: [start, start + 10_000], data: new ValueData({ start, stop: start + 10_000 }), processor: countEntries };
        yield element;
      }
    },
  };
}

/** Collections seen so far, by kind (PerformanceObserver's `gc` entries): minor = scavenges, major = mark-compact. */
const collections = { minor: 0, major: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) collections.major++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) collections.minor++;
    collections.ms += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** CPU milliseconds of the main thread alone (Linux `/proc`; `undefined` elsewhere). */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = 100;

/** Lets pending `gc` performance entries reach the observer (they are delivered asynchronously). */
async function gcReports(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** `--gc-between`: a full collection run before each measured run. */
let collectBetween: (() => void) | undefined;

interface Arm {
  wall: number[];
  cpu: number[];
  main: number[];
  major: number[];
  minor: number[];
}

const pct = (value: number, base: number) => `${value >= base ? '+' : ''}${fmt(((value - base) / base) * 100, 2)}%`;

/**
 * Runs `computable` without and with a journal, `runs` rounds after a warm-up round, in ABBA order
 * (without first in even rounds, with first in odd ones) so that whatever one run leaves to the
 * next (garbage, a collection due) falls on both sides alike. `control`: a third arm, without a
 * journal again, whose difference to the first is the noise floor of the comparison.
 */
async function compare(label: string, backend: Backend, computable: Computable<unknown>, runs: number, dir: string, control: boolean, syncIntervalMs?: number): Promise<void> {
  const arms = { without: newArm(), with: newArm(), again: newArm() };
  let records = 0;
  let bytes = 0;
  let syncs = 0;
  let compactions = 0;
  const own = { openMs: 0, recordMs: 0, encodeMs: 0, writeMs: 0, foldMs: 0, closeMs: 0 };
  let serial = 0;
  const load = loadavg()[0]!;
  for (let run = -1; run < runs; run++) {
    const order: Array<keyof typeof arms> = run % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
    if (control) order.push('again');
    for (const arm of order) {
      const path = join(dir, `ckpt-${serial++}`);
      // Outside the timing: each run starts from a collected heap, whatever the run before left.
      collectBetween?.();
      // Collections are reported a turn of the event loop late: let the last run's arrive first.
      await gcReports();
      let checkpoint: JournalCheckpoint | undefined;
      const gc0 = { ...collections };
      const main0 = mainThreadCpuMs();
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      if (arm === 'with') checkpoint = JournalCheckpoint.open(syncIntervalMs === undefined ? { path } : { path, syncIntervalMs }, computable);
      await backend.run(computable, checkpoint === undefined ? {} : { checkpoint });
      const ms = performance.now() - start;
      // CPU time of the process (user + system, all threads): on a loaded machine wall time mostly
      // measures waiting for a core, CPU time what the work itself cost.
      const cpu = process.cpuUsage(cpu0);
      const main1 = mainThreadCpuMs();
      await gcReports();
      // Run -1 warms up both.
      if (run >= 0) {
        const a = arms[arm];
        a.wall.push(ms);
        a.cpu.push((cpu.user + cpu.system) / 1000);
        if (main0 !== undefined && main1 !== undefined) a.main.push(main1 - main0);
        a.major.push(collections.major - gc0.major);
        a.minor.push(collections.minor - gc0.minor);
      }
      if (checkpoint !== undefined && run >= 0) {
        records += checkpoint.stats.records;
        bytes += checkpoint.stats.bytes;
        syncs += checkpoint.stats.syncs;
        compactions += checkpoint.stats.compactions;
        for (const k of Object.keys(own) as Array<keyof typeof own>) own[k] += checkpoint.stats[k];
      }
      rmSync(path, { recursive: true, force: true });
    }
  }
  const { without, with: journal, again } = arms;
  const a = median(without.wall);
  const b = median(journal.wall);
  const ownMs = (own.openMs + own.recordMs + own.closeMs) / runs;
  console.log(`${label} (load average ${fmt(load, 1)} → ${fmt(loadavg()[0]!, 1)})`);
  console.log(`  without journal  ${fmt(a, 1).padStart(9)} ms wall`);
  console.log(
    `  with journal     ${fmt(b, 1).padStart(9)} ms wall   overhead ${pct(b, a)} (median of the ${runs} rounds' own ratios: ${pairedPct(journal.wall, without.wall)})  ` +
      `(per run: ${fmt(records / runs)} records, ${fmt(bytes / runs / 1024)} KiB, ${fmt(syncs / runs)} fdatasyncs, ${fmt(compactions / runs)} compactions)`,
  );
  console.log(`  CPU time (process, all threads)  ${fmt(median(without.cpu), 1)} → ${fmt(median(journal.cpu), 1)} ms   overhead ${pct(median(journal.cpu), median(without.cpu))} (rounds' ratios: ${pairedPct(journal.cpu, without.cpu)})`);
  if (without.main.length === runs && journal.main.length === runs) {
    console.log(`  CPU time (main thread)           ${fmt(median(without.main), 0)} → ${fmt(median(journal.main), 0)} ms   overhead ${pct(median(journal.main), median(without.main))} (rounds' ratios: ${pairedPct(journal.main, without.main)})`);
  }
  console.log(`  collections per run (median): major ${median(without.major)} → ${median(journal.major)}, minor ${median(without.minor)} → ${median(journal.minor)}`);
  // Wall-time differences drown in noise on a busy machine; the journal's own time on the thread does not.
  console.log(
    `  time inside the journal (open + record + close): ${fmt(ownMs, 1)} ms per run = ${fmt((ownMs / a) * 100, 2)}% of the run without it ` +
      `(open ${fmt(own.openMs / runs, 1)}, records ${fmt(own.recordMs / runs, 1)} [encode ${fmt(own.encodeMs / runs, 1)}, write ${fmt(own.writeMs / runs, 1)}, fold ${fmt(own.foldMs / runs, 1)}], close ${fmt(own.closeMs / runs, 1)} ms; ` +
      `${fmt((own.recordMs * 1000) / Math.max(1, records), 0)} µs per record)`,
  );
  if (control) {
    console.log(
      `  control (without journal again, same rounds): ${fmt(median(again.wall), 1)} ms wall ${pct(median(again.wall), a)}, CPU ${pct(median(again.cpu), median(without.cpu))} ` +
        `(rounds' ratios: wall ${pairedPct(again.wall, without.wall)}, CPU ${pairedPct(again.cpu, without.cpu)}) — the noise floor of these figures`,
    );
  }
}

function newArm(): Arm {
  return { wall: [], cpu: [], main: [], major: [], minor: [] };
}

/** Median over rounds of each round's own ratio (with / without, measured minutes apart at most). */
function pairedPct(values: readonly number[], base: readonly number[]): string {
  const ratios = values.map((v, i) => v / base[i]!);
  const m = median(ratios);
  return `${m >= 1 ? '+' : ''}${fmt((m - 1) * 100, 2)}%`;
}

async function resumeStart(dir: string, runs: number, label: string, value: (i: number) => unknown): Promise<void> {
  const path = join(dir, `resume-${label}`);
  const computable = { key: `resume-${label}`, size: 100_000 };
  const writer = JournalCheckpoint.open({ path, compactRecords: 1e9, compactBytes: 1e12 }, computable);
  for (let i = 0; i < 100_000; i++) writer.record([[i, i + 1]], new Map([[undefined, value(i)]]));
  writer.abandon();
  rmSync(join(path, 'lock'));
  const size = statSync(join(path, 'journal.log')).size;
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const reader = JournalCheckpoint.open({ path }, computable);
    times.push(performance.now() - start);
    if (reader.stats.restoredRecords !== 100_000) throw new Error(`expected 100,000 records, got ${reader.stats.restoredRecords}`);
    reader.abandon();
    rmSync(join(path, 'lock'));
  }
  console.log(`  ${label.padEnd(28)} ${fmt(median(times), 1).padStart(8)} ms   (journal ${fmt(size / 1024 / 1024, 1)} MiB)`);
  rmSync(path, { recursive: true, force: true });
}

/** The journal's cost per record on the calling thread, alone: encode, write, fold (no run around it). */
async function perRecord(dir: string, label: string, value: () => unknown, n: number): Promise<void> {
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const path = join(dir, `per-record-${label.replace(/\W+/g, '-')}-${run}`);
    const journal = JournalCheckpoint.open({ path }, { key: 'per-record', size: n });
    const start = performance.now();
    for (let i = 0; i < n; i++) journal.record([[i, i + 1]], new Map([[undefined, value()]]));
    times.push(((performance.now() - start) * 1000) / n);
    await journal.close('cancelled');
    rmSync(path, { recursive: true, force: true });
  }
  console.log(`  ${label.padEnd(40)} ${fmt(median(times), 1).padStart(8)} µs per record`);
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const elements = Number(arg('elements', '2000'));
  const which = arg('backends', 'inline').split(',');
  // --only per-record | realistic (skips the stress test and resume start); --control adds an A/A arm.
  const only = arg('only', '');
  const control = process.argv.includes('--control');
  // --sync-ms N: the journal's group-commit interval in the comparisons (default 1000), to tell the fdatasyncs' share.
  const syncMs = arg('sync-ms', '') === '' ? undefined : Number(arg('sync-ms', ''));
  // --gc-between: a full collection before each run (outside its timing), so that no run inherits
  // the collector's state (a mark-compact due, limits set by the run before) from the other arm.
  if (process.argv.includes('--gc-between')) {
    setFlagsFromString('--expose-gc');
    collectBetween = runInNewContext('gc') as () => void;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cortado-bench-journal-'));
  try {
    console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((x) => fmt(x, 1)).join(' ')}: ${process.argv.slice(2).join(' ') || '(defaults)'}`);
    console.log('cost per record on the calling thread (median of 5 × 2,000 records)');
    const mass = fillChunk.fn!(1) as { mass: Hist };
    await perRecord(dir, 'a number', () => 10_000, 2_000);
    await perRecord(dir, 'a 60×2-bin histogram and a count', () => ({ events: 10_000, mass: mass.mass }), 2_000);
    if (only === 'per-record') return;
    for (const name of which) {
      const backend: Backend = name === 'threads' ? ((await import('../src/backends/threads.ts' as string)).threads({ workers: 2 }) as Backend) : inline();
      const realistic = fromFunction(fillChunk, Array.from({ length: elements }, (_, i) => i), { key: `journal-realistic-${elements}` });
      await compare(`realistic chunks on ${name}: ${fmt(elements)} elements filling a 60×2 histogram with ${fmt(VALUES)} values each (median of ${runs})`, backend, realistic as Computable<unknown>, runs, dir, control, syncMs);
      if (only !== 'realistic') await compare(`stress test on ${name}: 100,000 tiny elements (median of ${runs})`, backend, stress() as Computable<unknown>, runs, dir, control);
      await backend.dispose();
    }
    if (only === 'realistic') return;
    console.log(`resume start: opening a journal of 100,000 records (median of ${runs})`);
    await resumeStart(dir, runs, 'records of a number', (i) => i);
    const h = new Hist(regular(60, 60, 120, { name: 'mass' }));
    h.fill({ mass: new Float64Array([91.2]) });
    await resumeStart(dir, runs, 'records of a 60-bin Hist', () => h);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
