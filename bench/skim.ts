/**
 * Skim throughput against reading alone, and map() streaming, in the same run.
 *
 * 1. A generated demo file (NanoAOD-like: run, event, nMuon, Muon_{pt,eta,phi,mass,charge}, MET_pt)
 *    of EVENTS events, in chunks of 50,000 on inline() and inline({ concurrency: 2 }) (the CLI's): "read" reads every column and computes the
 *    selection (every 10th event: 10% kept) without writing; "skim" does the same and writes the
 *    selected events of every column as ZSTD Parquet. Alternated, RUNS times each; prints medians,
 *    events/s in, MB/s out, and skim/read (the cost of writing on top of reading).
 * 2. map() over 100,000 tiny elements (x → x + 1) on inline(): outputs/s, against compute() of the
 *    same elements (which merges instead of streaming).
 *
 *   npx tsx bench/skim.ts [events=200000] [runs=3] [map=1]
 *   npx tsx bench/skim.ts 2000000 3 0      # the 2M-event file, no map() part
 */
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { dataset } from '../src/io/dataset/dataset.ts';
import type { EventsInput } from '../src/io/dataset/context.ts';
import { generateDemoParquet } from '../src/io/demo/generate.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { skim } from '../src/io/skim/skim.ts';

const EVENTS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 3);
const MAP = process.argv[4] !== '0';
const STEP = 50_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const every10th = ({ events }: EventsInput) => {
  const event = events.flat('event') as BigInt64Array;
  return Uint8Array.from(event, (e) => (e % 10n === 0n ? 1 : 0));
};

const dir = mkdtempSync(join(tmpdir(), 'cortado-bench-skim-'));
try {
  const file = join(dir, 'demo.parquet');
  await generateDemoParquet(file, { events: EVENTS, seed: 1 });
  // The input is on disk before timing starts, as a real dataset is: otherwise the first skim
  // file's sync would also write out the freshly generated input.
  const input = await open(file, 'r');
  await input.sync();
  await input.close();
  await using backend = inline();
  const ds = await preprocess(backend, dataset('Demo', [file]), { stepSize: STEP });
  const readAll = (input: EventsInput) => {
    const mask = every10th(input);
    let kept = 0;
    for (const name of input.events.names) input.events.column(name);
    for (const m of mask) kept += m;
    return kept;
  };
  console.log(`skim of ${EVENTS.toLocaleString('en')} demo events (10% kept), chunks of ${STEP.toLocaleString('en')}, median of ${RUNS}:`);
  // inline() runs one chunk at a time; the CLI's inline({ concurrency: 2 }) lets one chunk read
  // while the other waits for its file to reach the disk.
  for (const concurrency of [1, 2]) {
    await using runner = inline({ concurrency });
    const times = { read: [] as number[], skim: [] as number[] };
    const cpu = { read: [] as number[], skim: [] as number[] };
    const cpuSeconds = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1e6;
    };
    let bytes = 0;
    let kept = 0;
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now();
      let c = process.cpuUsage();
      kept = await runner.compute(ds.mapSteps(readAll)).result();
      times.read.push((performance.now() - t) / 1000);
      cpu.read.push(cpuSeconds(c));
      const out = join(dir, `skim-${concurrency}-${r}`);
      const skimmer = skim(every10th, { out });
      t = performance.now();
      c = process.cpuUsage();
      const result = await runner.compute(ds.mapSteps(skimmer)).result();
      times.skim.push((performance.now() - t) / 1000);
      cpu.skim.push(cpuSeconds(c));
      if (result.entries !== kept) throw new Error(`skim wrote ${result.entries} events, reading kept ${kept}`);
      bytes = readdirSync(join(out, 'Demo')).reduce((sum, name) => sum + statSync(join(out, 'Demo', name)).size, 0);
      rmSync(out, { recursive: true, force: true });
    }
    const read = median(times.read);
    const written = median(times.skim);
    console.log(` inline({ concurrency: ${concurrency} }):`);
    console.log(`  read + select, no writing: ${read.toFixed(3)} s  ${(EVENTS / read / 1e6).toFixed(2)} M events/s`);
    console.log(`  skim (ZSTD Parquet):       ${written.toFixed(3)} s  ${(EVENTS / written / 1e6).toFixed(2)} M events/s in, ${(kept / written / 1e6).toFixed(3)} M events/s written, ${(bytes / written / 1e6).toFixed(2)} MB/s out (${(bytes / 1e6).toFixed(2)} MB)`);
    const [readCpu, skimCpu] = [median(cpu.read), median(cpu.skim)];
    console.log(`  skim / read: ${(written / read).toFixed(2)}× wall (writing costs ${(((written - read) / read) * 100).toFixed(0)}% on top of reading); by CPU ${readCpu.toFixed(3)} → ${skimCpu.toFixed(3)} s, ${(skimCpu / readCpu).toFixed(2)}× (+${(((skimCpu - readCpu) / readCpu) * 100).toFixed(0)}%)`);
  }

  if (MAP) {
    const N = 100_000;
    const inputs = Array.from({ length: N }, (_, i) => i);
    const mapTimes: number[] = [];
    const computeTimes: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now();
      let n = 0;
      for await (const _ of backend.map(fromFunction((x: number) => x + 1, inputs))) n++;
      mapTimes.push((performance.now() - t) / 1000);
      if (n !== N) throw new Error(`map gave ${n} outputs`);
      t = performance.now();
      await backend.compute(fromFunction((x: number) => x + 1, inputs)).result();
      computeTimes.push((performance.now() - t) / 1000);
    }
    const m = median(mapTimes);
    const c = median(computeTimes);
    console.log(`map() of ${N.toLocaleString('en')} tiny elements, inline(), median of ${RUNS}: ${m.toFixed(3)} s, ${Math.round(N / m).toLocaleString('en')} outputs/s; compute() of the same: ${c.toFixed(3)} s (map/compute ${(m / c).toFixed(2)}×)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
