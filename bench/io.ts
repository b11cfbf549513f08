/**
 * Event-data reading throughput. For every NanoAOD sample, and for a dataset that lists
 * `nano_tt_v15.root` 200 times, reads `nMuon, Muon_pt, Muon_eta, Muon_phi, Muon_mass,
 * Muon_charge` over all entries and prints events/s and decompressed MB/s (median of 5 runs;
 * each run repeats a small dataset until it lasts ~0.2 s),
 * side by side in one run with:
 *   - cortado, warm: metadata cached from an earlier open of the same file (the default; how a
 *     runtime reopens a file once per chunk), and cold: every open parses the TTree again;
 *   - bare `node:zlib`: read the same baskets' bytes and inflate them, nothing else (the limit).
 * Then events/s of Parquet on a generated 1,000,000-event file; then the codec table
 * (`bench/codecs.ts`: each codec's read path against bare native decompression of the same bytes)
 * and the byte-source table (`bench/bytes.ts`: async vs sync local reads, loopback HTTP vs local).
 *
 * After the table (or alone with `--only reopen`): the fixed CPU cost of one chunk of a small file,
 * open + read + close in a loop, split into the main thread and the other threads (Linux).
 *
 * Then ROOT cold open to first column, a fresh process per measurement (`bench/root-open.ts`).
 * `--baseline <checkout>` adds the ROOT reader of another checkout of cortado (with its own
 * `node_modules`, e.g. the commit before the native metadata parser) to the warm/cold table and
 * to the cold-open table, measured in the same run.
 *
 *   npx tsx bench/io.ts [--runs 5] [--copies 200] [--events 1000000] [--only codecs|bytes|root|reopen|root-open]
 *     [--root-events 1000000] [--basket 100000] [--codecs zlib,lz4,zstd,lzma] [--keep <dir>] [--no-shared]
 *     (codec table: generated ROOT trees, see bench/codecs.ts)
 *     [--baseline /tmp/cortado-before]
 */
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { inflateSync } from 'node:zlib';
import { generateDemoParquet } from '../src/io/demo/generate.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { openRootFile, openRootTree } from '../src/io/root/index.ts';
import { byteSourceBenchmark } from './bytes.ts';
import { codecArgs, codecBenchmark } from './codecs.ts';
import { rootOpenBenchmark } from './root-open.ts';
import { DATA_DIR } from '../test/helpers/data.ts';

const BRANCHES = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge'];
const SAMPLES = ['nano_dy.root', 'nano_dimuon.root', 'nano_tt_v12.root', 'nano_tt_v15.root',
  'nanoAOD_2015_CMS_Open_Data_ttbar.root'];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const RUNS = arg('runs', 5);
const BASELINE = process.argv.includes('--baseline') ? process.argv[process.argv.indexOf('--baseline') + 1] : undefined;
type OpenTree = typeof openRootTree;
/** The ROOT reader of the baseline checkout, loaded beside this one. */
const baselineOpen: OpenTree | undefined = BASELINE
  ? ((await import(join(BASELINE, 'src/io/root/index.ts'))) as { openRootTree: OpenTree }).openRootTree
  : undefined;
const COPIES = arg('copies', 200);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

// A full GC between measurements (so garbage of one method is not collected while the next is
// timed). `--expose-gc` set at run time, so `npx tsx bench/io.ts` needs no flag.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Seconds of one call: wall-clock, and CPU (user + system) of this process. */
interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * Median seconds of one call of `fn` over RUNS runs, by wall clock and by CPU time (the second
 * is steadier on a shared machine). Each run repeats `fn` enough times to last ~0.2 s
 * (calibrated during a warm-up of as long), so that a 40-event file is not timed by clock noise.
 */
async function timeMedian(fn: () => Promise<unknown> | unknown): Promise<Timing> {
  collectGarbage(); // start each method on a clean heap, not on the previous method's garbage
  // warm-up for ~0.2 s (at least one call): JIT, module loading, page cache, metadata cache
  const t0 = performance.now();
  let calls = 0;
  do {
    await fn();
    calls++;
  } while (performance.now() - t0 < 200);
  const once = (performance.now() - t0) / 1000 / calls;
  const reps = Math.max(1, Math.min(10_000, Math.ceil(0.2 / Math.max(once, 1e-6))));
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    for (let r = 0; r < reps; r++) await fn();
    const used = process.cpuUsage(c);
    walls.push((performance.now() - t) / 1000 / reps);
    cpus.push((used.user + used.system) / 1e6 / reps);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

/** Where the baskets of the benchmark branches lie in a file, and what they decompress to. */
interface BasketPlan {
  readonly path: string;
  readonly entries: number;
  readonly baskets: { seek: number; bytes: number }[];
  /** Decompressed bytes of the baskets (embedded ones included). */
  readonly bytes: number;
}

async function plan(path: string): Promise<BasketPlan> {
  await using file = await openRootFile(path);
  const tree = await file.tree('Events');
  const fd = openSync(path, 'r');
  const header = Buffer.alloc(10);
  const baskets: { seek: number; bytes: number }[] = [];
  let bytes = 0;
  try {
    for (const name of BRANCHES) {
      for (const ref of tree.layout(name)?.baskets ?? []) {
        if (ref.embedded) {
          bytes += ref.embedded.data.length;
          continue;
        }
        readSync(fd, header, 0, 10, ref.seek);
        bytes += header.readInt32BE(6); // fObjlen
        baskets.push({ seek: ref.seek, bytes: ref.bytes });
      }
    }
  } finally {
    closeSync(fd);
  }
  return { path, entries: tree.entries, baskets, bytes };
}

async function readCortado(paths: readonly string[], metadataCache: boolean, open: OpenTree = openRootTree): Promise<number> {
  let muons = 0;
  for (const path of paths) {
    const events = await open(path, 'Events', { metadataCache });
    const columns = await events.read(BRANCHES, 0, events.entries);
    const pt = columns.Muon_pt;
    if (pt && 'offsets' in pt) muons += pt.values.length;
    await events.close();
  }
  return muons;
}

/** Reads each basket and inflates its blocks with node:zlib: no metadata, no decoding. */
function inflateBare(plans: readonly BasketPlan[]): number {
  let out = 0;
  for (const p of plans) {
    const fd = openSync(p.path, 'r');
    try {
      for (const b of p.baskets) {
        const raw = Buffer.allocUnsafeSlow(b.bytes);
        readSync(fd, raw, 0, b.bytes, b.seek);
        const keylen = raw.readUInt16BE(14);
        const objlen = raw.readInt32BE(6);
        if (b.bytes - keylen === objlen) {
          out += objlen;
          continue;
        }
        for (let s = keylen; s < b.bytes;) {
          const csize = raw[s + 3]! | (raw[s + 4]! << 8) | (raw[s + 5]! << 16);
          out += inflateSync(raw.subarray(s + 9, s + 9 + csize)).length;
          s += 9 + csize;
        }
      }
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Row {
  name: string;
  events: number;
  mb: number;
  seconds: Record<string, Timing>;
  /** Whether any of the baskets lie on their own on disk (else there is nothing to inflate). */
  onDisk: boolean;
}

const METHODS = ['cortado warm', 'cortado cold', ...(BASELINE ? ['baseline warm', 'baseline cold'] : []), 'bare zlib'];

function printTable(rows: Row[], clock: keyof Timing): void {
  console.log(`${'dataset'.padEnd(40)} ${'events'.padStart(7)} ${'MB'.padStart(6)}  ` +
    METHODS.map((m) => `${m.padStart(14)} ev/s ${'MB/s'.padStart(7)}`).join('  '));
  for (const r of rows) {
    const cells = METHODS.map((m) => {
      const s = r.seconds[m]![clock];
      return `${fmt(r.events / s).padStart(19)} ${fmt(r.mb / s, 1).padStart(7)}`;
    });
    console.log(`${r.name.padEnd(40)} ${String(r.events).padStart(7)} ${fmt(r.mb, 2).padStart(6)}  ${cells.join('  ')}`);
  }
}

function printRows(rows: Row[]): void {
  console.log('by wall-clock time:');
  printTable(rows, 'wall');
  console.log('\nby CPU time of this process:');
  printTable(rows, 'cpu');
  console.log('\nratios, wall-clock (CPU time):');
  for (const r of rows) {
    const ratio = (other: string, mine: string, percent = false): string => {
      const w = r.seconds[other]!.wall / r.seconds[mine]!.wall;
      const c = r.seconds[other]!.cpu / r.seconds[mine]!.cpu;
      return percent ? `${fmt(100 * w)}% (${fmt(100 * c)}%)` : `${fmt(w, 1)}x (${fmt(c, 1)}x)`;
    };
    const limit = r.onDisk ? `cortado warm at ${ratio('bare zlib', 'cortado warm', true)} of the bare-zlib limit`
      : 'no bare-zlib limit: the baskets are embedded in the tree record';
    const base = BASELINE ? `; vs baseline: warm ${ratio('baseline warm', 'cortado warm')}, cold ${ratio('baseline cold', 'cortado cold')}` : '';
    console.log(`  ${r.name.padEnd(40)} warm faster than cold: ${ratio('cortado cold', 'cortado warm')}${base};  ${limit}`);
  }
}

/** CPU time (ns) of this process's threads from Linux's schedstat: the main thread, and the rest (libuv's pool, GC). */
function threadCpu(): { main: number; other: number } | undefined {
  if (!existsSync('/proc/self/task')) return undefined;
  let main = 0;
  let other = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const ns = Number(readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      if (task === String(process.pid)) main += ns;
      else other += ns;
    } catch {
      // a thread that ended while listing
    }
  }
  return { main, other };
}

/**
 * The fixed cost of one chunk of a small file: open (metadata cached) + read the muon columns +
 * close, in a tight loop, µs of CPU per file split into the main thread and the other threads
 * (an async read's pool thread and its wake-ups), cortado and the baseline alternating in rounds.
 */
async function perFileCost(): Promise<void> {
  const readers: [string, OpenTree][] = [['cortado', openRootTree], ...(baselineOpen ? [['baseline', baselineOpen] as [string, OpenTree]] : [])];
  const loops = 100;
  const rounds = Math.max(7, RUNS * 3);
  console.log(`\nper file, open + read + close in a loop (metadata cached): µs of CPU, main thread + other threads; median of ${rounds} rounds of ${loops}`);
  for (const sample of ['nano_dy.root', 'nano_tt_v12.root']) {
    const paths = [join(DATA_DIR, 'nanoaod', sample)];
    const cells: Record<string, { main: number[]; other: number[]; cpu: number[] }> = {};
    for (const [name, open] of readers) {
      cells[name] = { main: [], other: [], cpu: [] };
      for (let i = 0; i < 200; i++) await readCortado(paths, true, open);
    }
    for (let r = 0; r < rounds; r++) {
      for (const [name, open] of readers) {
        const t0 = threadCpu();
        const c = process.cpuUsage();
        for (let i = 0; i < loops; i++) await readCortado(paths, true, open);
        const used = process.cpuUsage(c);
        const t1 = threadCpu();
        cells[name]!.cpu.push((used.user + used.system) / loops);
        if (t0 && t1) {
          cells[name]!.main.push((t1.main - t0.main) / 1000 / loops);
          cells[name]!.other.push((t1.other - t0.other) / 1000 / loops);
        }
      }
    }
    const line = readers.map(([name]) => {
      const c = cells[name]!;
      const split = c.main.length ? ` (main ${fmt(median(c.main))} + other ${fmt(median(c.other))})` : '';
      return `${name} ${fmt(median(c.cpu))} µs${split}`;
    }).join(';  ');
    const ratio = BASELINE ? `;  baseline/cortado ${fmt(median(cells.baseline!.cpu) / median(cells.cortado!.cpu), 2)}x` : '';
    console.log(`  ${sample.padEnd(20)} ${line}${ratio}`);
  }
}

/**
 * Events/s of reading the muon columns of a Parquet file (all row groups): the figure to compare
 * ROOT with. Takes the path of a file such as the generated 1,000,000-event demo file.
 */
async function parquetEventsPerSecond(path: string): Promise<{ events: number; seconds: Timing }> {
  let events = 0;
  const seconds = await timeMedian(async () => {
    await using source = await openParquet(path);
    events = source.entries;
    const bounds = source.clusters;
    for (let i = 0; i + 1 < bounds.length; i++) await source.read(BRANCHES, bounds[i]!, bounds[i + 1]!);
  });
  return { events, seconds };
}

async function main(): Promise<void> {
  console.log(`cortado I/O benchmark — median of ${RUNS} runs; branches ${BRANCHES.join(', ')}\n`);
  const rows: Row[] = [];
  const datasets: { name: string; paths: string[] }[] = [
    ...SAMPLES.map((s) => ({ name: s, paths: [join(DATA_DIR, 'nanoaod', s)] })),
    { name: `nano_tt_v15.root × ${COPIES}`, paths: Array.from({ length: COPIES }, () => join(DATA_DIR, 'nanoaod', 'nano_tt_v15.root')) },
  ];
  const plans = new Map<string, BasketPlan>();
  for (const s of SAMPLES) plans.set(join(DATA_DIR, 'nanoaod', s), await plan(join(DATA_DIR, 'nanoaod', s)));
  for (const d of datasets) {
    const ps = d.paths.map((p) => plans.get(p)!);
    const events = ps.reduce((a, p) => a + p.entries, 0);
    const mb = ps.reduce((a, p) => a + p.bytes, 0) / 1e6;
    const seconds: Record<string, Timing> = {};
    seconds['cortado warm'] = await timeMedian(() => readCortado(d.paths, true));
    seconds['cortado cold'] = await timeMedian(() => readCortado(d.paths, false));
    if (baselineOpen) {
      seconds['baseline warm'] = await timeMedian(() => readCortado(d.paths, true, baselineOpen));
      seconds['baseline cold'] = await timeMedian(() => readCortado(d.paths, false, baselineOpen));
    }
    seconds['bare zlib'] = await timeMedian(() => inflateBare(ps));
    rows.push({ name: d.name, events, mb, seconds, onDisk: ps.some((p) => p.baskets.length > 0) });
    process.stderr.write(`  measured ${d.name}\n`);
  }
  console.log('');
  printRows(rows);
  await perFileCost();

  // ---- Parquet events/s on a generated 1,000,000-event file ----
  const dir = mkdtempSync(join(tmpdir(), 'cortado-bench-io-'));
  try {
    const path = join(dir, 'demo-1M.parquet');
    await generateDemoParquet(path, { events: 1_000_000 });
    const { events, seconds } = await parquetEventsPerSecond(path);
    console.log(`\nParquet (generated, ${fmt(events)} events, same muon columns): ${fmt(events / seconds.wall)} events/s ` +
      `(${fmt(events / seconds.cpu)} by CPU time)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only === undefined || only === 'root') await main();
if (only === 'reopen') await perFileCost();
if (only === undefined || only === 'root-open') await rootOpenBenchmark({ runs: RUNS, baseline: BASELINE });
if (only === undefined || only === 'codecs') {
  await codecBenchmark({ ...codecArgs(process.argv), runs: RUNS });
}
if (only === undefined || only === 'bytes') await byteSourceBenchmark({ runs: RUNS });
