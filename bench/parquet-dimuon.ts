/**
 * Demo Parquet generation, Parquet column reading and dimuon kinematics over 1M events.
 * Baselines measured in the same run: hyparquet's own row-object reader for the same columns,
 * and a per-event object loop for the invariant masses.
 *
 *   npx tsx bench/parquet-dimuon.ts [--events 1000000] [--runs 5]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { generateDemoParquet } from '../src/io/demo/generate.ts';
import { Events, filterPairs, invariantMass, oppositeCharge, pairMass, pairs } from '../src/io/events/index.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { arg, fmt, median, timeRuns } from './stats.ts';

const events = Number(arg('events', '1000000'));
const runs = Number(arg('runs', '5'));
const columns = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge'];

const dir = await mkdtemp(join(tmpdir(), 'cortado-bench-'));
try {
  const path = join(dir, 'demo.parquet');
  const generate = await timeRuns(1, () => generateDemoParquet(path, { events, seed: 1 }));
  console.log(`generate ${fmt(events)} events: ${fmt(median(generate))} ms`);

  const read = async () => {
    await using source = await openParquet(path);
    return source.read(columns, 0, source.entries);
  };
  const readTimes = await timeRuns(runs, read);
  const baselineRead = await timeRuns(Math.min(runs, 2), async () =>
    parquetReadObjects({ file: await asyncBufferFromFile(path), columns, compressors }),
  );
  console.log(
    `read ${columns.length} columns: openParquet ${fmt(median(readTimes))} ms, ` +
      `hyparquet row objects ${fmt(median(baselineRead))} ms (×${fmt(median(baselineRead) / median(readTimes), 1)})`,
  );

  const data = await read();
  const ev = Events.fromColumns(data);
  let pairsFound = 0;
  const vectorized = await timeRuns(runs, () => {
    const all = pairs(ev.Muon);
    const os = filterPairs(all, oppositeCharge(all, ev.Muon.charge));
    pairsFound = pairMass(os, ev.Muon).values.length;
  });
  const { pt, eta, phi, mass, charge } = ev.Muon;
  const perEvent = await timeRuns(Math.min(runs, 3), () => {
    const out: number[] = [];
    for (let e = 0; e < ev.length; e++) {
      const muons = [];
      for (let k = pt.offsets[e]!; k < pt.offsets[e + 1]!; k++) {
        muons.push({ pt: Number(pt.values[k]), eta: Number(eta.values[k]), phi: Number(phi.values[k]), m: Number(mass.values[k]), q: Number(charge.values[k]) });
      }
      for (let a = 0; a < muons.length; a++) {
        for (let b = a + 1; b < muons.length; b++) {
          const x = muons[a]!;
          const y = muons[b]!;
          if (x.q * y.q < 0) out.push(invariantMass(x.pt, x.eta, x.phi, x.m, y.pt, y.eta, y.phi, y.m));
        }
      }
    }
    return out;
  });
  console.log(
    `opposite-charge dimuon masses (${fmt(pairsFound)} pairs): vectorized ${fmt(median(vectorized), 1)} ms, ` +
      `per-event objects ${fmt(median(perEvent), 1)} ms (×${fmt(median(perEvent) / median(vectorized), 1)})`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
