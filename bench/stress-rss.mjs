/**
 * Peak RSS of the threads stress test (bench/steps.ts: 100,000 elements, a processor returning its
 * step's entry count) as a user of the published package runs it: plain Node, the compiled package
 * (dist/, `npm run build` first), a JavaScript processor module, no TypeScript loader in any thread.
 * Each configuration runs in a fresh child process, so each peak is its own; the same work from the
 * TypeScript sources (`tsx`, bench/steps.ts's processor) runs alongside as the baseline.
 *
 *   npm run build && node bench/stress-rss.mjs [--runs 3] [--workers 2] [--young 8] [--old 32]
 *
 * `--young N` passes `youngGenerationMb: N` (0: V8's default nursery); `--old N` passes
 * `initialOldGenerationMb: N` (0: V8's default start of the workers' old generation).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);
const dist = new URL('../dist/src/', import.meta.url);
const ELEMENTS = 100_000;
const ENTRIES = 10_000;

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};

/** Peak resident set of this process so far, MiB (VmHWM: every thread counts). */
const peakMiB = () => Number(readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)?.[1] ?? Number.NaN) / 1024;

// The processor, for the workers: they import this module (and find no main-thread work to do).
// Only the three modules it needs, as bench/steps.ts does: the package's index would load every
// part of cortado (readers, cluster, dashboard) into each worker.
const base = process.env.STRESS_CORTADO ?? dist.href;
const ext = base.includes('/dist/') ? 'js' : 'ts';
const [{ defineProcessor }, { ValueData }, { threads }] = await Promise.all(
  ['protocol/processor', 'protocol/data', 'backends/threads'].map((m) => import(new URL(`${m}.${ext}`, base).href)),
);
const cortado = { defineProcessor, ValueData, threads };
export const countEntries = cortado.defineProcessor(import.meta.url, 'countEntries', (step) => step.stop - step.start);

function stress() {
  return {
    key: 'stress-rss',
    size: ELEMENTS * ENTRIES,
    *steps() {
      for (let index = 0; index < ELEMENTS; index++) {
        const start = index * ENTRIES;
        yield { range: [start, start + ENTRIES], data: new cortado.ValueData({ start, stop: start + ENTRIES, index }), processor: countEntries };
      }
    },
  };
}

async function child() {
  const runs = Number(arg('runs', '3'));
  const young = arg('young', undefined);
  const old = arg('old', undefined);
  const backend = cortado.threads({
    workers: Number(arg('workers', '2')),
    ...(young === undefined ? {} : { youngGenerationMb: Number(young) }),
    ...(old === undefined ? {} : { initialOldGenerationMb: Number(old) }),
  });
  const startMiB = peakMiB();
  const ms = [];
  let result;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    result = (await backend.run(stress())).result;
    ms.push(performance.now() - t);
  }
  await backend.dispose();
  console.log(JSON.stringify({ startMiB, peakMiB: peakMiB(), ms, result }));
}

function main() {
  if (!existsSync(new URL('index.js', dist))) throw new Error('dist/ is missing: run `npm run build` first');
  const passOn = ['runs', 'workers', 'young', 'old'].flatMap((name) => (arg(name, undefined) === undefined ? [] : [`--${name}`, arg(name, undefined)]));
  const modes = [
    ['compiled package, plain node', [here, '--child', ...passOn], {}],
    ['TypeScript sources under tsx', ['--import', 'tsx', here, '--child', ...passOn], { STRESS_CORTADO: new URL('../src/', import.meta.url).href }],
  ];
  console.log(`threads stress test: ${ELEMENTS.toLocaleString('en')} elements, ${arg('runs', '3')} runs per process, ${arg('workers', '2')} workers, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [label, args, env] of modes) {
    const out = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
    const line = out.stdout.split('\n').find((l) => l.startsWith('{'));
    if (out.status !== 0 || line === undefined) {
      console.log(`  ${label}: failed (exit ${out.status}): ${out.stderr.trim().split('\n').slice(-5).join(' | ')}`);
      continue;
    }
    const r = JSON.parse(line);
    const sorted = [...r.ms].sort((a, b) => a - b);
    console.log(
      `  ${label.padEnd(30)} peak RSS ${r.peakMiB.toFixed(0).padStart(4)} MiB (${r.startMiB.toFixed(0)} MiB before the pool started); ` +
        `median run ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms; result ${r.result}`,
    );
  }
}

if (isMainThread) {
  if (process.argv.includes('--child')) await child();
  else main();
}
