/**
 * RNTuple read throughput against the TTree twin of the same events, in one run. For each
 * NanoAOD sample held in both forms (`nano_dy`, `nano_dimuon`), reads `nMuon, Muon_pt, Muon_eta,
 * Muon_phi, Muon_mass, Muon_charge` over all entries: from a source kept open, then as a runtime
 * does per chunk (open through `openSource` with metadata cached from an earlier open, read,
 * close). Prints median events/s of each form by wall clock and by CPU time (runs interleaved;
 * each repeats the read until it lasts ~50 ms) and the ratio RNTuple / TTree (target ≥ 1).
 *
 *   npx tsx bench/rntuple.ts [--runs 25] [--events 1000000]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decompressRoot } from '../src/io/decompress/index.ts';
import { generateBlock } from '../src/io/demo/physics.ts';
import { Random } from '../src/io/demo/random.ts';
import { openSource } from '../src/io/open.ts';
import { COLUMN } from '../src/io/rntuple/column-types.ts';
import { openRNTuple } from '../src/io/rntuple/index.ts';
import { writeRNTuple } from '../test/fixtures/rntuple/write.ts';
import { DATA_DIR } from '../test/helpers/data.ts';
import { arg, fmt, median } from './stats.ts';

const COLUMNS = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge'];
const TWINS = [['nano_dy.root', 'nano_dy_rntuple.root'], ['nano_dimuon.root', 'nano_dimuon_rntuple.root']] as const;
const RUNS = Number(arg('runs', '25'));
/** Each timing lasts about this long: short slices, alternated, so load from other processes on a shared machine hits both forms alike. */
const SLICE_MS = 50;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Median seconds of one call of each of `fns`. Each is warmed up for ~0.2 s (JIT, page cache,
 * metadata cache), then RUNS rounds time each in turn (interleaved, so that load from other
 * processes on a shared machine hits both alike), every timing repeating the call to last ~50 ms.
 */
async function timeMedians(fns: readonly (() => Promise<unknown>)[]): Promise<{ wall: number; cpu: number }[]> {
  const reps: number[] = [];
  for (const fn of fns) {
    collectGarbage();
    const t0 = performance.now();
    let calls = 0;
    do {
      await fn();
      calls++;
    } while (performance.now() - t0 < 200);
    reps.push(Math.max(1, Math.ceil(calls * (SLICE_MS / (performance.now() - t0)))));
  }
  const walls = fns.map(() => [] as number[]);
  const cpus = fns.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) {
    for (const [j, fn] of fns.entries()) {
      collectGarbage();
      const t = performance.now();
      const c = process.cpuUsage();
      for (let r = 0; r < reps[j]!; r++) await fn();
      const used = process.cpuUsage(c);
      walls[j]!.push((performance.now() - t) / 1000 / reps[j]!);
      cpus[j]!.push((used.user + used.system) / 1e6 / reps[j]!);
    }
  }
  return fns.map((_, j) => ({ wall: median(walls[j]!), cpu: median(cpus[j]!) }));
}

async function readAll(path: string): Promise<number> {
  await using source = await openSource(path, 'Events');
  const columns = await source.read(COLUMNS, 0, source.entries);
  return (columns.Muon_pt as { values: Float32Array }).values.length + source.entries;
}

type Timing = { wall: number; cpu: number };

function row(label: string, entries: number, t: Timing, r: Timing): void {
  console.log(`${label.padEnd(16)} ${String(entries).padStart(8)} ${fmt(entries / t.wall).padStart(16)} ` +
    `${fmt(entries / r.wall).padStart(18)} ${(t.wall / r.wall).toFixed(2).padStart(17)}×   ` +
    `(${fmt(entries / t.cpu)}, ${fmt(entries / r.cpu)}, ${(t.cpu / r.cpu).toFixed(2)}×)`);
}

const HEAD = 'sample             entries   TTree events/s   RNTuple events/s   RNTuple / TTree   (CPU: TTree, RNTuple, ratio)';
console.log(`Muon columns (${COLUMNS.join(', ')}), median of ${RUNS} runs`);
console.log('events/s by wall clock, and by CPU time of this process (steadier on a shared machine)');
console.log('\nread only (source open; each read decodes every page of the columns afresh)');
console.log(HEAD);
for (const [tree, ntuple] of TWINS) {
  await using t = await openSource(join(DATA_DIR, 'nanoaod', tree), 'Events');
  await using r = await openSource(join(DATA_DIR, 'nanoaod', ntuple), 'Events');
  const [a, b] = await timeMedians([() => t.read(COLUMNS, 0, t.entries), () => r.read(COLUMNS, 0, r.entries)]) as [Timing, Timing];
  row(tree.replace('.root', ''), t.entries, a, b);
}
console.log('\nopen + read + close (a runtime opens the file once per chunk; metadata cached after the first open)');
console.log(HEAD);
for (const [tree, ntuple] of TWINS) {
  const treePath = join(DATA_DIR, 'nanoaod', tree);
  const ntuplePath = join(DATA_DIR, 'nanoaod', ntuple);
  await using probe = await openSource(treePath, 'Events');
  const entries = probe.entries;
  if (await readAll(treePath) !== await readAll(ntuplePath)) throw new Error(`${tree} and ${ntuple} read different Muon columns`);
  const [t, r] = await timeMedians([() => readAll(treePath), () => readAll(ntuplePath)]) as [Timing, Timing];
  row(tree.replace('.root', ''), entries, t, r);
}

// A large file: where page decoding, not opening, sets the pace. No TTree twin exists at this
// size, so the baseline is the bare limit: decompressing the same pages and nothing else.
const EVENTS = Number(arg('events', '1000000'));
const dir = mkdtempSync(join(tmpdir(), 'cortado-bench-rntuple-'));
try {
  const block = generateBlock(new Random(7), EVENTS, { signalFraction: 0.4, continuumFraction: 0.3, continuumSlope: 20 });
  const path = join(dir, 'large.root');
  const clusters = Array.from({ length: Math.ceil(EVENTS / 100_000) }, (_, k) => Math.min(100_000, EVENTS - k * 100_000));
  await writeRNTuple(path, [{ kind: 'nanoaod', name: 'Muon', index: COLUMN.SplitIndex64, counts: Array.from(block.nMuon), leaves: [
    { name: 'pt', type: 'float', column: { type: COLUMN.SplitReal32 }, values: Array.from(block.pt) },
    { name: 'eta', type: 'float', column: { type: COLUMN.SplitReal32 }, values: Array.from(block.eta) },
    { name: 'phi', type: 'float', column: { type: COLUMN.SplitReal32 }, values: Array.from(block.phi) },
    { name: 'mass', type: 'float', column: { type: COLUMN.SplitReal32 }, values: Array.from(block.mass) },
    { name: 'charge', type: 'std::int32_t', column: { type: COLUMN.SplitInt32 }, values: Array.from(block.charge) },
  ] }], { clusters, pageSize: 8192, codec: 'zstd' });
  const file = readFileSync(path);
  await using probe = await openRNTuple(path, 'Events');
  // The index column (8-byte offsets, shared by the collection) and five 4-byte value columns.
  const pages = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge']
    .flatMap((name) => probe.pageLocations(name).map((page) => ({ page, size: name === 'nMuon' ? 8 : 4 })));
  await probe.read(COLUMNS, 0, EVENTS);
  const bytes = probe.stats.bytes;
  const bare = async (): Promise<void> => {
    for (const { page: p, size } of pages) {
      const out = decompressRoot(file.subarray(p.locator.offset, p.locator.offset + p.locator.size), p.elements * size);
      if (!(out instanceof Uint8Array)) await out;
    }
  };
  const read = async (): Promise<void> => {
    await using source = await openSource(path, 'Events');
    for (const [k, start] of source.clusters.slice(0, -1).entries()) await source.read(COLUMNS, start, source.clusters[k + 1]!);
  };
  const [b, r] = await timeMedians([bare, read]) as [Timing, Timing];
  console.log(`\nlarge file: ${fmt(EVENTS)} generated events, clusters of 100,000, pages of 8,192 elements, ZSTD; read cluster by cluster`);
  console.log(`RNTuple read ${fmt(EVENTS / r.wall)} events/s, ${fmt(bytes / r.wall / 1e6, 1)} MB/s decompressed (CPU: ${fmt(EVENTS / r.cpu)} events/s); ` +
    `bare ZSTD decompression of the same ${pages.length} pages ${fmt(EVENTS / b.wall)} events/s: the read runs at ` +
    `${((b.wall / r.wall) * 100).toFixed(0)}% of it (CPU ${((b.cpu / r.cpu) * 100).toFixed(0)}%)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
