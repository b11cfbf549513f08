/**
 * The reference design's stress test: 1,000 files × 100 steps of 10,000 entries (100,000 work
 * elements), a processor that returns its step's entry count; then the same with 1 element in
 * 1,000 throwing under a continue policy. Prints steps/s (median of 5 runs) and the ratio to a
 * plain loop over the same elements measured in the same run.
 *
 *   npx tsx bench/steps.ts [--runs 5] [--backends inline,threads,cluster] [--workers 2]
 *
 * `cluster` starts a local redis-server and `--workers` `cortado worker` processes of one thread each.
 */
import { isMainThread } from 'node:worker_threads';
import { inline } from '../src/backends/inline.ts';
import type { Backend } from '../src/backends/backend.ts';
import type { Computable, WorkElement } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { arg, fmt, median, timeRuns } from './stats.ts';

const FILES = 1_000;
const STEPS = 100;
const ENTRIES = 10_000;
const ELEMENTS = FILES * STEPS;

/** Returns the step's entry count. */
export const countEntries = defineProcessor(import.meta.url, 'countEntries', (step: { start: number; stop: number }) => step.stop - step.start);

class FailEvery1000 extends Error {
  override name = 'FailEvery1000';
}

/** Like countEntries, but every 1000th step throws. */
export const failSome = defineProcessor(import.meta.url, 'failSome', (step: { start: number; stop: number; index: number }) => {
  if (step.index % 1000 === 999) throw new FailEvery1000(`step ${step.index} fails on purpose`);
  return step.stop - step.start;
});

function stressComputable(processor: typeof countEntries | typeof failSome): Computable<number> {
  return {
    key: `stress-${processor.exportName}`,
    size: ELEMENTS * ENTRIES,
    *steps() {
      let index = 0;
      for (let file = 0; file < FILES; file++) {
        for (let step = 0; step < STEPS; step++, index++) {
          const start = index * ENTRIES;
          const element: WorkElement<number> = {
            range: [start, start + ENTRIES],
            data: new ValueData({ start, stop: start + ENTRIES, index }),
            processor,
          };
          yield element;
        }
      }
    },
  };
}

function plainLoop(computable: Computable<number>, fn: (s: { start: number; stop: number; index: number }) => number): number {
  let total = 0;
  for (const element of computable.steps()) {
    try {
      total += fn(element.data.load() as { start: number; stop: number; index: number });
    } catch {
      // skipped, as the continue policy does
    }
  }
  return total;
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const which = arg('backends', 'inline').split(',');
  const workers = Number(arg('workers', '2'));
  const factories: Record<string, () => Promise<Backend>> = {
    inline: async () => inline(),
    threads: async () => {
      const { threads } = await import('../src/backends/threads.ts' as string);
      return threads({ workers }) as Backend;
    },
    cluster: async () => {
      const { startLocalCluster } = await import('./cluster-env.ts' as string);
      const { cluster } = await import('../src/backends/cluster.ts' as string);
      const local = await startLocalCluster(workers);
      const backend = cluster({ redis: local.redis.url }) as Backend;
      const dispose = backend.dispose.bind(backend);
      return Object.assign(backend, { dispose: async () => (await dispose(), await local.stop()) });
    },
  };

  console.log(`stress test: ${fmt(FILES)} files × ${STEPS} steps of ${fmt(ENTRIES)} entries = ${fmt(ELEMENTS)} elements, median of ${runs} runs`);
  for (const [label, processor] of [
    ['all succeed', countEntries],
    ['1 in 1000 fails, continueOn', failSome],
  ] as const) {
    const computable = stressComputable(processor);
    const fn = processor.fn as (s: { start: number; stop: number; index: number }) => number;
    const loopMs = median(await timeRuns(runs, () => plainLoop(computable, fn)));
    console.log(`\n${label}`);
    console.log(`  plain loop          ${fmt(ELEMENTS / (loopMs / 1000)).padStart(12)} steps/s  (${fmt(loopMs, 1)} ms)`);
    for (const name of which) {
      const factory = factories[name];
      if (factory === undefined) throw new Error(`unknown backend ${name}`);
      const backend = await factory();
      let last: { result: unknown; failed: number } | undefined;
      const ms = median(
        await timeRuns(runs, async () => {
          const partial = await backend.run(computable, { errorPolicy: { continueOn: [FailEvery1000] } });
          last = { result: partial.result, failed: partial.failed.length };
        }),
      );
      await backend.dispose();
      const rate = ELEMENTS / (ms / 1000);
      console.log(
        `  ${name.padEnd(18)}  ${fmt(rate).padStart(12)} steps/s  (${fmt(ms, 1)} ms; ${fmt(loopMs / ms, 3)}× the plain loop; ` +
          `result ${String(last?.result)}, ${last?.failed} skipped; peak RSS of this process so far ${fmt(process.resourceUsage().maxRSS / 1024)} MiB)`,
      );
    }
  }
}

// Workers import this module for its processors: only the main thread runs the benchmark.
if (isMainThread) await main();
