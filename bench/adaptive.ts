/**
 * Adaptive chunk sizing against fixed chunk sizes and coffea's Work Queue sizing, in real wall
 * time on `inline()`. Two datasets whose cost per entry differs 10× (1 µs and 10 µs of busy loop
 * per entry), three files each, interleaved, plus 2 ms of fixed cost per element (opening a file,
 * reading baskets). The target is 50 ms per element.
 *
 * Small fixed chunks keep every element short but pay the fixed cost many times; large ones are
 * cheap on the fast dataset and make 10×-too-long elements on the slow one. No fixed size is right
 * for both; adaptive sizing, with a model per dataset, is not told the costs.
 *
 * Prints, per strategy, the median over RUNS runs of the wall time and of the slowest element,
 * and the wall time relative to the best fixed size (overall, and among the sizes whose slowest
 * element stays within 1.5× the target).
 *
 *   npx tsx bench/adaptive.ts [runs]
 */
import { adaptiveChunks } from '../src/actors/chunking/adaptive.ts';
import { coffeaChunks } from '../src/actors/chunking/coffea.ts';
import type { ChunkSizer } from '../src/actors/chunk-sizer.ts';
import { inline } from '../src/backends/inline.ts';
import { countEntries, expectedCount, seededRandom, testFiles, type FileSlice, type TestFile } from '../src/testing/index.ts';

const RUNS = Number(process.argv[2] ?? 5);
const TARGET_S = 0.05;
const OVERHEAD_MS = 2;
const US_PER_ENTRY: Record<string, number> = { cheap: 1, dear: 10 };
const FILES: TestFile[] = [];
for (let i = 1; i <= 3; i++) {
  FILES.push({ name: `cheap-${i}`, entries: 200_000, group: 'cheap' });
  FILES.push({ name: `dear-${i}`, entries: 20_000, group: 'dear' });
}

let slowest = 0;
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the cost is real CPU time on this thread
  }
}
function work(slice: FileSlice) {
  const started = performance.now();
  spin(OVERHEAD_MS + (US_PER_ENTRY[slice.file.split('-')[0]!]! * slice.entries) / 1000);
  slowest = Math.max(slowest, performance.now() - started);
  return countEntries(slice);
}

interface Strategy {
  readonly name: string;
  readonly fixed?: number;
  readonly sizer?: () => ChunkSizer;
}
const strategies: Strategy[] = [
  ...[1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000].map((n) => ({ name: `fixed ${n}`, fixed: n })),
  { name: 'coffea WQ', sizer: () => coffeaChunks({ targetChunkSeconds: TARGET_S, initial: 1000, random: seededRandom(7) }) },
  { name: 'adaptive', sizer: () => adaptiveChunks({ targetChunkSeconds: TARGET_S, initial: 1000 }) },
];

async function once(strategy: Strategy): Promise<{ wall: number; slowest: number; elements: number }> {
  await using backend = inline();
  const computable = testFiles(FILES, { chunkSize: strategy.fixed ?? 1000, grouped: true, processor: work });
  slowest = 0;
  let elements = 0;
  const started = performance.now();
  const task = backend.compute(computable, strategy.sizer ? { chunkSizer: strategy.sizer() } : {});
  task.progress$.subscribe((p) => (elements = p.elementsDone));
  const result = (await task.result()) as unknown as Record<string, { entries: number }>;
  const wall = performance.now() - started;
  const entries = Object.values(result).reduce((n, r) => n + r.entries, 0);
  if (entries !== expectedCount(FILES).entries) throw new Error(`${strategy.name}: ${entries} entries, expected ${expectedCount(FILES).entries}`);
  return { wall, slowest, elements };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const samples = new Map(strategies.map((s) => [s.name, [] as Array<{ wall: number; slowest: number; elements: number }>]));
await once(strategies[strategies.length - 1]!); // warm-up (JIT), not counted
for (let run = 0; run < RUNS; run++) {
  for (const strategy of strategies) samples.get(strategy.name)!.push(await once(strategy));
}

const rows = strategies.map((s) => {
  const xs = samples.get(s.name)!;
  return { name: s.name, fixed: s.fixed, wall: median(xs.map((x) => x.wall)), slowest: median(xs.map((x) => x.slowest)), elements: median(xs.map((x) => x.elements)) };
});
const fixedRows = rows.filter((r) => r.fixed !== undefined);
const bestFixed = fixedRows.reduce((a, b) => (b.wall < a.wall ? b : a));
const worstFixed = fixedRows.reduce((a, b) => (b.wall > a.wall ? b : a));
const withinTarget = fixedRows.filter((r) => r.slowest <= 1.5 * TARGET_S * 1000);
const bestBounded = withinTarget.length > 0 ? withinTarget.reduce((a, b) => (b.wall < a.wall ? b : a)) : undefined;

console.log(`adaptive chunking, inline, ${FILES.length} files (${US_PER_ENTRY['cheap']} and ${US_PER_ENTRY['dear']} µs/entry), ${OVERHEAD_MS} ms/element, target ${TARGET_S * 1000} ms; median of ${RUNS} runs`);
console.log('strategy        wall ms   slowest ms  elements  wall/best  wall/best≤1.5×target');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(14)} ${r.wall.toFixed(0).padStart(8)} ${r.slowest.toFixed(1).padStart(12)} ${String(r.elements).padStart(9)} ${(r.wall / bestFixed.wall).toFixed(3).padStart(10)} ${bestBounded ? (r.wall / bestBounded.wall).toFixed(3).padStart(10) : '-'}`,
  );
}
console.log(`best fixed: ${bestFixed.name} (slowest element ${bestFixed.slowest.toFixed(0)} ms); worst fixed: ${worstFixed.name}; best fixed with slowest ≤ 1.5× target: ${bestBounded?.name ?? 'none'}`);
