/**
 * RNTuple read throughput against the TTree twin of the same events, in one run. For each
 * NanoAOD sample held in both forms (`nano_dy`, `nano_dimuon`), opens the file through
 * `openSource` (metadata cached from an earlier open, as a runtime reopens a file per chunk),
 * reads `nMuon, Muon_pt, Muon_eta, Muon_phi, Muon_mass, Muon_charge` over all entries, closes it;
 * prints the median events/s of each form (runs interleaved; each repeats the read until it lasts
 * ~0.2 s) and the ratio RNTuple / TTree (the target is ≥ 1).
 *
 *   npx tsx bench/rntuple.ts [--runs 7]
 */
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openSource } from '../src/io/open.ts';
import { DATA_DIR } from '../test/helpers/data.ts';
import { arg, fmt, median } from './stats.ts';

const COLUMNS = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge'];
const TWINS = [['nano_dy.root', 'nano_dy_rntuple.root'], ['nano_dimuon.root', 'nano_dimuon_rntuple.root']] as const;
const RUNS = Number(arg('runs', '7'));

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Median seconds of one call of each of `fns`. Each is warmed up for ~0.2 s (JIT, page cache,
 * metadata cache), then RUNS rounds time each in turn (interleaved, so that load from other
 * processes on a shared machine hits both alike), every timing repeating the call to last ~0.2 s.
 */
async function timeMedians(fns: readonly (() => Promise<unknown>)[]): Promise<number[]> {
  const reps: number[] = [];
  for (const fn of fns) {
    collectGarbage();
    const t0 = performance.now();
    let calls = 0;
    do {
      await fn();
      calls++;
    } while (performance.now() - t0 < 200);
    reps.push(Math.max(1, Math.ceil(calls * (200 / (performance.now() - t0)))));
  }
  const times = fns.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) {
    for (const [j, fn] of fns.entries()) {
      collectGarbage();
      const t = performance.now();
      for (let r = 0; r < reps[j]!; r++) await fn();
      times[j]!.push((performance.now() - t) / 1000 / reps[j]!);
    }
  }
  return times.map(median);
}

async function readAll(path: string): Promise<number> {
  await using source = await openSource(path, 'Events');
  const columns = await source.read(COLUMNS, 0, source.entries);
  return (columns.Muon_pt as { values: Float32Array }).values.length + source.entries;
}

console.log(`Muon columns (${COLUMNS.join(', ')}), open + read all + close, median of ${RUNS} runs`);
console.log('sample             entries   TTree events/s   RNTuple events/s   RNTuple / TTree');
for (const [tree, ntuple] of TWINS) {
  const treePath = join(DATA_DIR, 'nanoaod', tree);
  const ntuplePath = join(DATA_DIR, 'nanoaod', ntuple);
  await using probe = await openSource(treePath, 'Events');
  const entries = probe.entries;
  if (await readAll(treePath) !== await readAll(ntuplePath)) throw new Error(`${tree} and ${ntuple} read different Muon columns`);
  const [t, r] = await timeMedians([() => readAll(treePath), () => readAll(ntuplePath)]) as [number, number];
  console.log(`${tree.replace('.root', '').padEnd(16)} ${String(entries).padStart(8)} ${fmt(entries / t).padStart(16)} ` +
    `${fmt(entries / r).padStart(18)} ${(t / r).toFixed(2).padStart(17)}×`);
}
