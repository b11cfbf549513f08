/**
 * Fill speed of `Hist`: 1-D regular from a Float64Array (target ≥ 50 M entries/s), weighted, and
 * 2-D (regular × growing category, regular × regular). Each figure is the median of 5 runs and
 * is compared with a plain loop that only bins into a Float64Array, measured in the same run.
 *
 *   npx tsx bench/hist.ts [entries]
 */
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { category } from '../src/results/category.ts';

const N = Number(process.argv[2] ?? 10_000_000);
const RUNS = 5;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const rand = lcg(42);
const mass = new Float64Array(N);
const pt = new Float64Array(N);
const weight = new Float64Array(N);
for (let i = 0; i < N; i++) {
  // A peak at 91 GeV over a flat background, some entries outside [60, 120).
  mass[i] = rand() < 0.7 ? 91 + 6 * (rand() + rand() + rand() - 1.5) : 50 + 80 * rand();
  pt[i] = 200 * rand() * rand();
  weight[i] = 0.5 + rand();
}
const datasets = Array.from({ length: N }, (_, i) => (i < N / 2 ? 'DYJets' : 'TTbar'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

function time(fn: () => void): number {
  fn(); // warm-up: let the JIT compile the loops first
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(runs);
}

/** The baseline: bin into a plain array with the same formula and nothing else. */
function plainLoop(values: Float64Array, bins: number, start: number, stop: number): Float64Array {
  const counts = new Float64Array(bins + 2);
  const scale = bins / (stop - start);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    const k = x >= start ? (x < stop ? ((x - start) * scale | 0) + 1 : bins + 1) : x < start ? 0 : bins + 1;
    counts[k] = (counts[k] as number) + 1;
  }
  return counts;
}

const baseline = time(() => plainLoop(mass, 60, 60, 120));
const rows: [string, number][] = [
  ['plain loop (baseline, 1-D bin count only)', baseline],
  ['1-D regular, unweighted', time(() => new Hist(regular(60, 60, 120, { name: 'mass' })).fill({ mass }))],
  ['1-D regular, weighted (Float64Array)', time(() => new Hist(regular(60, 60, 120, { name: 'mass' })).fill({ mass }, { weight }))],
  [
    '2-D regular × regular, unweighted',
    time(() => new Hist(regular(60, 60, 120, { name: 'mass' }), regular(50, 0, 200, { name: 'pt' })).fill({ mass, pt })),
  ],
  [
    '2-D regular × growing category (string[])',
    time(() => new Hist(regular(60, 60, 120, { name: 'mass' }), category([], { name: 'dataset', growth: true })).fill({ mass, dataset: datasets })),
  ],
  [
    '2-D regular × growing category (one string)',
    time(() => new Hist(regular(60, 60, 120, { name: 'mass' }), category([], { name: 'dataset', growth: true })).fill({ mass, dataset: 'DYJets' })),
  ],
];

console.log(`Hist fill, ${N.toLocaleString('en')} entries, median of ${RUNS} runs (node ${process.version})`);
for (const [name, s] of rows) {
  const rate = N / s / 1e6;
  console.log(`${name.padEnd(46)} ${(s * 1e3).toFixed(1).padStart(8)} ms  ${rate.toFixed(1).padStart(7)} M entries/s  ×${(s / baseline).toFixed(2)} baseline time`);
}
