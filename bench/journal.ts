/**
 * What the crash-safe journal costs, measured against the same run without it in one process:
 *
 * 1. realistic chunks: `--elements` (2,000) work elements, each filling a 2-axis histogram with
 *    10,000 values (about a millisecond of work, like a NanoAOD chunk's fill), inline backend;
 * 2. the stress test of bench/steps.ts: 100,000 tiny elements that return a number;
 * 3. resume start: opening a journal of 100,000 records (compaction off), records holding a
 *    number, then records holding a 60-bin histogram.
 *
 * Prints medians of `--runs` (5) runs, interleaved (with, without, with, ...) so drift hits both.
 *
 *   npx tsx bench/journal.ts [--runs 5] [--elements 2000] [--backends inline,threads]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

async function compare(label: string, backend: Backend, computable: Computable<unknown>, runs: number, dir: string): Promise<void> {
  const without: number[] = [];
  const withJournal: number[] = [];
  // CPU time of the process (user + system, all threads): on a loaded machine wall time mostly
  // measures waiting for a core, CPU time what the work itself cost.
  const cpuWithout: number[] = [];
  const cpuWith: number[] = [];
  let records = 0;
  let bytes = 0;
  let syncs = 0;
  let compactions = 0;
  let ownMs = 0;
  const own = { openMs: 0, recordMs: 0, closeMs: 0 };
  let serial = 0;
  for (let run = -1; run < runs; run++) {
    for (const journal of [false, true]) {
      const path = join(dir, `ckpt-${serial++}`);
      let checkpoint: JournalCheckpoint | undefined;
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      if (journal) checkpoint = JournalCheckpoint.open({ path }, computable);
      await backend.run(computable, checkpoint === undefined ? {} : { checkpoint });
      const ms = performance.now() - start;
      const cpu = process.cpuUsage(cpu0);
      // Run -1 warms up both.
      if (run >= 0) (journal ? withJournal : without).push(ms);
      if (run >= 0) (journal ? cpuWith : cpuWithout).push((cpu.user + cpu.system) / 1000);
      if (checkpoint !== undefined && run >= 0) {
        records += checkpoint.stats.records;
        bytes += checkpoint.stats.bytes;
        syncs += checkpoint.stats.syncs;
        compactions += checkpoint.stats.compactions;
        ownMs += checkpoint.stats.openMs + checkpoint.stats.recordMs + checkpoint.stats.closeMs;
        for (const k of ['openMs', 'recordMs', 'closeMs'] as const) own[k] += checkpoint.stats[k];
      }
      rmSync(path, { recursive: true, force: true });
    }
  }
  const a = median(without);
  const b = median(withJournal);
  console.log(`${label}`);
  console.log(`  without journal  ${fmt(a, 1).padStart(9)} ms`);
  console.log(
    `  with journal     ${fmt(b, 1).padStart(9)} ms   overhead ${fmt(((b - a) / a) * 100, 2)}%  ` +
      `(per run: ${fmt(records / runs)} records, ${fmt(bytes / runs / 1024)} KiB, ${fmt(syncs / runs)} fdatasyncs, ${fmt(compactions / runs)} compactions; ` +
      `${fmt(((b - a) * 1000) / Math.max(1, records / runs), 1)} µs per record)`,
  );
  const ca = median(cpuWithout);
  const cb = median(cpuWith);
  console.log(`  CPU time (process)  ${fmt(ca, 1)} → ${fmt(cb, 1)} ms   overhead ${fmt(((cb - ca) / ca) * 100, 2)}%`);
  // Wall-time differences drown in noise on a busy machine; the journal's own time on the thread does not.
  console.log(
    `  time inside the journal (open + record + close): ${fmt(ownMs / runs, 1)} ms per run = ${fmt((ownMs / runs / a) * 100, 2)}% of the run without it ` +
      `(open ${fmt(own.openMs / runs, 1)}, records ${fmt(own.recordMs / runs, 1)}, close ${fmt(own.closeMs / runs, 1)} ms)`,
  );
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
  const dir = mkdtempSync(join(tmpdir(), 'cortado-bench-journal-'));
  try {
    console.log('cost per record on the calling thread (median of 5 × 2,000 records)');
    const mass = fillChunk.fn!(1) as { mass: Hist };
    await perRecord(dir, 'a number', () => 10_000, 2_000);
    await perRecord(dir, 'a 60×2-bin histogram and a count', () => ({ events: 10_000, mass: mass.mass }), 2_000);
    if (arg('only', '') === 'per-record') return;
    for (const name of which) {
      const backend: Backend = name === 'threads' ? ((await import('../src/backends/threads.ts' as string)).threads({ workers: 2 }) as Backend) : inline();
      const realistic = fromFunction(fillChunk, Array.from({ length: elements }, (_, i) => i), { key: `journal-realistic-${elements}` });
      await compare(`realistic chunks on ${name}: ${fmt(elements)} elements filling a 60×2 histogram with ${fmt(VALUES)} values each (median of ${runs})`, backend, realistic as Computable<unknown>, runs, dir);
      await compare(`stress test on ${name}: 100,000 tiny elements (median of ${runs})`, backend, stress() as Computable<unknown>, runs, dir);
      await backend.dispose();
    }
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
