/**
 * The ROOT read path's own cost on one generated tree, A/B against another checkout in the same
 * run: reads the tree whole and one cluster per call with this checkout's reader and (with
 * `--baseline <checkout>`) the baseline's, alternating run by run, and prints per read the median
 * CPU and wall milliseconds, the full (mark-compact) and young collections V8 ran during it, and
 * the ratio to bare native decompression of the same blocks (the codec table's `bare`).
 *
 *   npx tsx bench/root-read.ts [--runs 5] [--codec lz4] [--keep /tmp/codecs-bench-codecs]
 *     [--root-events 1000000] [--basket 100000] [--baseline /tmp/cortado-main]
 *
 * The tree is the codec table's (`bench/codecs.ts`: 13 NanoAOD-like branches), written once into
 * `--keep` (or a temp folder) and checked against the arrays written before anything is timed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openRootTree } from '../src/io/root/index.ts';
import { demoTreeBranches, writeDemoTree } from '../test/fixtures/root/demo-tree.ts';
import type { Codec } from '../test/fixtures/rntuple/compress.ts';
import type { TreeBranch } from '../test/fixtures/root/write-tree.ts';
import { bareRootBlocks, validateColumns } from './codecs.ts';

function value(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const RUNS = Number(value('runs') ?? 5);
const CODEC = (value('codec') ?? 'lz4') as Codec;
const EVENTS = Number(value('root-events') ?? 1_000_000);
const BASKET = Number(value('basket') ?? 100_000);
const BASELINE = value('baseline');
type OpenTree = typeof openRootTree;
const readers: [string, OpenTree][] = [['cortado', openRootTree]];
if (BASELINE) {
  readers.push(['baseline', ((await import(join(BASELINE, 'src/io/root/index.ts'))) as { openRootTree: OpenTree }).openRootTree]);
}

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Start times (performance.now) of V8's full and young collections, as the observer reports them. */
const fullAt: number[] = [];
const youngAt: number[] = [];
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    (kind === constants.NODE_PERFORMANCE_GC_MAJOR ? fullAt : youngAt).push(e.startTime);
  }
});
observer.observe({ entryTypes: ['gc'] });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number, d = 1): string => x.toFixed(d);

interface Sample { cpu: number; wall: number; major: number; minor: number }

/** One timed call of `fn` (repeated `reps` times), per call; GC entries are delivered after a tick. */
async function sample(fn: () => Promise<unknown> | unknown, reps: number): Promise<Sample> {
  collectGarbage(); // each sample starts on a clean heap, not on the previous one's garbage
  const c = process.cpuUsage();
  const t = performance.now();
  for (let r = 0; r < reps; r++) await fn();
  const end = performance.now();
  const used = process.cpuUsage(c);
  // Entries arrive after the collection: wait for them, then count those that began in the window.
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 1));
  const within = (at: number[]): number => at.filter((x) => x >= t && x < end).length / reps;
  return { cpu: (used.user + used.system) / 1000 / reps, wall: (end - t) / reps, major: within(fullAt), minor: within(youngAt) };
}

const dir = value('keep') ?? mkdtempSync(join(tmpdir(), 'cortado-bench-root-read-'));
mkdirSync(dir, { recursive: true });
const path = join(dir, `demo-${EVENTS}-${BASKET}-${CODEC}.root`);
const branches = demoTreeBranches(EVENTS);
const names = branches.map((b) => b.name);
try {
  if (!existsSync(path)) writeDemoTree(path, branches, EVENTS, CODEC, BASKET);
  const { bare, mb } = await (async () => {
    await using tree = await openRootTree(path, 'Events');
    for (const [, open] of readers) {
      await using t = await open(path, 'Events');
      validateColumns(await t.read(names, 0, t.entries), branches, path);
      const bounds = t.clusters;
      const parts = [];
      for (let i = 0; i + 1 < bounds.length; i++) parts.push(await t.read(names, bounds[i]!, bounds[i + 1]!));
      // By cluster: every part equal to the same slice of the arrays written.
      for (let i = 0; i + 1 < bounds.length; i++) {
        validateColumns(parts[i]!, branches.map((b) => sliceBranch(b, bounds[i]!, bounds[i + 1]!)), `${path} cluster ${i}`);
      }
    }
    return bareRootBlocks(readFileSync(path), tree as never, names);
  })();
  const modes: Record<string, (open: OpenTree) => Promise<void>> = {
    whole: async (open) => {
      await using t = await open(path, 'Events');
      await t.read(names, 0, t.entries);
    },
    'by cluster': async (open) => {
      await using t = await open(path, 'Events');
      const bounds = t.clusters;
      for (let i = 0; i + 1 < bounds.length; i++) await t.read(names, bounds[i]!, bounds[i + 1]!);
    },
  };
  console.log(`ROOT read path, ${CODEC}, ${EVENTS} events (${fmt(mb)} MB of baskets), Node ${process.version}, ` +
    `median of ${RUNS} alternating runs, per read (load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  console.log(`${'mode'.padEnd(11)} ${'reader'.padEnd(9)} ${'CPU ms'.padStart(7)} ${'wall ms'.padStart(8)} ${'full GCs'.padStart(9)} ` +
    `${'young GCs'.padStart(10)} ${'bare/read (CPU)'.padStart(16)}`);
  for (const [mode, fn] of Object.entries(modes)) {
    const calls: [string, () => unknown][] = [['bare', () => bare()], ...readers.map(([n, open]) => [n, () => fn(open)] as [string, () => unknown])];
    const samples = new Map<string, Sample[]>(calls.map(([n]) => [n, []]));
    for (const [, call] of calls) await call(); // warm
    for (let r = 0; r < RUNS; r++) {
      // The order turns each run, so that no reader always follows the same one.
      for (let j = 0; j < calls.length; j++) {
        const [n, call] = calls[(j + r) % calls.length]!;
        samples.get(n)!.push(await sample(call, 2));
      }
    }
    const bareCpu = median(samples.get('bare')!.map((s) => s.cpu));
    for (const [n] of calls) {
      const s = samples.get(n)!;
      const cpu = median(s.map((x) => x.cpu));
      console.log(`${mode.padEnd(11)} ${n.padEnd(9)} ${fmt(cpu).padStart(7)} ${fmt(median(s.map((x) => x.wall))).padStart(8)} ` +
        `${fmt(median(s.map((x) => x.major))).padStart(9)} ${fmt(median(s.map((x) => x.minor))).padStart(10)} ` +
        `${n === 'bare' ? '' : `${fmt((100 * bareCpu) / cpu, 0)}%`.padStart(16)}`);
    }
  }
} finally {
  observer.disconnect();
  if (!value('keep')) rmSync(dir, { recursive: true, force: true });
}

/** Entries `[start, stop)` of a branch as written. */
function sliceBranch(b: TreeBranch, start: number, stop: number): TreeBranch {
  const v = b.values as unknown as Float32Array;
  if (!b.offsets) return { ...b, values: v.subarray(start, stop) as unknown as TreeBranch['values'] };
  const o = b.offsets;
  const offsets = Int32Array.from(o.subarray(start, stop + 1), (x) => x - o[start]!);
  return { ...b, values: v.subarray(o[start]!, o[stop]!) as unknown as TreeBranch['values'], offsets };
}
