/**
 * What watching a run costs: the stress work of bench/steps.ts (tiny elements returning a number;
 * 1,500,000 of them per run, fifteen times steps.ts's), and a variant whose elements return a 40-bin
 * histogram (100,000 per run), each run three ways, in rotating order: with nothing watching, with a
 * recorder only (what `--trace` and a dashboard nobody looks at cost), and with a dashboard whose page
 * is open in headless Chromium (or, without Chromium, a server-sent-events client that also pulls the
 * histograms every second, as the page does). Prints, per workload, the median wall time of each
 * and the ratios against the unwatched runs of the same invocation; the driver process's CPU time;
 * the recorder's own time (measured inside it: inspection handling, flushing, histograms, memory
 * samples); the browser's CPU time (all its processes, from /proc) and the page's own script time
 * — so that a wall-time overhead can be attributed to the recording or to the browser competing for
 * the same cores. Also how far behind the run the page was (the age of the newest and of the oldest
 * record of each frame when it arrived) and the load average before and after (`uptime`).
 *
 *   npx tsx bench/dashboard.ts [--runs 5] [--backends inline,threads] [--workers 2] [--viewer page|client|none]
 *                              [--elements 1500000] [--hist-elements 100000]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Backend } from '../src/backends/backend.ts';
import { inline } from '../src/backends/inline.ts';
import { dashboard, type Dashboard } from '../src/dashboard/dashboard.ts';
import { Recorder } from '../src/dashboard/recorder.ts';
import type { Computable, WorkElement } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { arg, fmt, median } from './stats.ts';

const ENTRIES = 10_000;

/** bench/steps.ts's processor: the step's entry count. */
export const countEntries = defineProcessor(import.meta.url, 'countEntries', (step: { start: number; stop: number }) => step.stop - step.start);

/** The same, returning a histogram (what the physics panel draws). */
export const histEntries = defineProcessor(import.meta.url, 'histEntries', (step: { start: number; stop: number; index: number }) =>
  new Hist(regular(40, 0, 40, { name: 'x', label: 'step index mod 40' })).fill({ x: [step.index % 40] }),
);

function stress(processor: typeof countEntries | typeof histEntries, elements: number): Computable<unknown> {
  return {
    key: `dashboard-${processor.exportName}`,
    size: elements * ENTRIES,
    *steps() {
      for (let index = 0; index < elements; index++) {
        const start = index * ENTRIES;
        const element: WorkElement<unknown> = { range: [start, start + ENTRIES], data: new ValueData({ start, stop: start + ENTRIES, index }), processor };
        yield element;
      }
    },
  };
}

/** CPU seconds (user + system) used so far by this process's descendants (the browser), from /proc. */
function descendantsCpuSeconds(): number {
  if (!existsSync('/proc/self/task')) return NaN;
  let total = 0;
  const visit = (pid: number): void => {
    for (const tid of readdirSafe(`/proc/${pid}/task`)) {
      for (const child of readSafe(`/proc/${pid}/task/${tid}/children`).split(' ').filter(Boolean).map(Number)) {
        // utime and stime are fields 14 and 15, after the parenthesised command name.
        const fields = readSafe(`/proc/${child}/stat`).replace(/^.*\) /, '').split(' ');
        total += (Number(fields[11]) + Number(fields[12])) / 100;
        visit(child);
      }
    }
  };
  visit(process.pid);
  return total;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function readSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

interface Viewer {
  readonly kind: string;
  /** Ages (ms) of the newest and of the oldest record of each frame when it arrived. */
  lags(): Promise<{ newest: number[]; oldest: number[] }>;
  /** Milliseconds the page's own script spent redrawing so far. */
  scriptMs(): Promise<number>;
  close(): Promise<void>;
}

/** The page in headless Chromium when there is one. */
async function openPage(url: string): Promise<Viewer | undefined> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return undefined;
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'cortado-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(url);
  return {
    kind: 'the page open in headless Chromium',
    lags: () =>
      page.evaluate(() => {
        const g = globalThis as unknown as { cortadoLags?: number[]; cortadoOldest?: number[] };
        return { newest: [...(g.cortadoLags ?? [])], oldest: [...(g.cortadoOldest ?? [])] };
      }),
    scriptMs: () => page.evaluate(() => (globalThis as unknown as { cortadoStats?: { renderMs: number } }).cortadoStats?.renderMs ?? NaN),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Without a browser: read the event stream and pull histograms every second, as the page does. */
function openClient(dash: Dashboard): Viewer {
  const lags: number[] = [];
  const oldest: number[] = [];
  let startedAt = 0;
  let buffer = '';
  const req = get(`${dash.url}api/stream`, (res) => {
    res.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!message.startsWith('data: ')) continue;
        const records = JSON.parse(message.slice(6)) as Array<{ k: string; t: number; startedAt?: string }>;
        const meta = records.find((r) => r.k === 'meta');
        if (meta?.startedAt !== undefined) startedAt = Date.parse(meta.startedAt);
        else if (records.length > 0) {
          const ts = records.map((r) => r.t);
          lags.push(Date.now() - (startedAt + Math.max(...ts)));
          oldest.push(Date.now() - (startedAt + Math.min(...ts)));
        }
      }
    });
  });
  req.on('error', () => undefined);
  const poll = setInterval(() => {
    for (const id of dash.recorder.taskIds().slice(-1)) get(`${dash.url}api/hists?task=${id}`, (res) => res.resume()).on('error', () => undefined);
  }, 1000);
  return {
    kind: 'an event-stream client pulling histograms every second (no Chromium found)',
    lags: async () => ({ newest: lags, oldest }),
    scriptMs: async () => NaN,
    close: async () => {
      clearInterval(poll);
      req.destroy();
    },
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function load(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${readSafe('/proc/loadavg').split(' ').slice(0, 3).join(', ')}`;
  }
}

const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${fmt((ratio - 1) * 100, 1)}%`;

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const which = arg('backends', 'inline').split(',');
  const workers = Number(arg('workers', '2'));
  const elements = Number(arg('elements', '1500000'));
  const histElements = Number(arg('hist-elements', '100000'));
  console.log(`uptime before: ${load()}`);
  const recorder = new Recorder();
  const dash = await dashboard();
  const wanted = arg('viewer', 'page');
  const none: Viewer = { kind: 'none (recording only)', lags: async () => ({ newest: [], oldest: [] }), scriptMs: async () => NaN, close: async () => undefined };
  const viewer = wanted === 'none' ? none : wanted === 'client' ? openClient(dash) : ((await openPage(dash.url)) ?? openClient(dash));
  console.log(`dashboard overhead: median of ${runs} runs of each variant, in rotating order; viewer: ${viewer.kind}`);
  try {
    for (const name of which) {
      let backend: Backend;
      if (name === 'inline') backend = inline();
      else if (name === 'threads') backend = (await import('../src/backends/threads.ts')).threads({ workers });
      else throw new Error(`unknown backend ${name}`);
      for (const [label, processor, n] of [
        [`${fmt(elements)} steps (numbers)`, countEntries, elements],
        [`${fmt(histElements)} steps returning a Hist`, histEntries, histElements],
      ] as const) {
        const computable = stress(processor, n);
        const variants = [
          { name: 'none', run: async () => void (await backend.run(computable)) },
          { name: 'recorder', run: async () => void (await recorderAttach(recorder, backend.compute(computable)).wait()) },
          { name: 'page', run: async () => void (await dash.attach(backend.compute(computable), { name: `${name}: ${label}` }).wait()) },
        ].map((v) => ({ ...v, wall: [] as number[], cpu: [] as number[], self: [] as number[], browser: [] as number[], script: [] as number[] }));
        for (const v of variants) await v.run(); // warm-up
        for (let i = 0; i < runs; i++) {
          for (let k = 0; k < variants.length; k++) {
            const v = variants[(i + k) % variants.length]!;
            const owner = v.name === 'page' ? dash.recorder : recorder;
            const c0 = process.cpuUsage();
            const s0 = owner.selfTimeMs;
            const b0 = descendantsCpuSeconds();
            const p0 = await viewer.scriptMs();
            const t0 = performance.now();
            await v.run();
            const wall = performance.now() - t0;
            const c = process.cpuUsage(c0);
            v.wall.push(wall);
            v.cpu.push((c.user + c.system) / 1000);
            v.self.push(v.name === 'none' ? 0 : (owner.selfTimeMs - s0) / wall);
            v.browser.push((descendantsCpuSeconds() - b0) * 1000);
            v.script.push((await viewer.scriptMs()) - p0);
          }
        }
        const [none, rec, page] = variants as [(typeof variants)[0], (typeof variants)[0], (typeof variants)[0]];
        const w = (v: typeof none): number => median(v.wall);
        const cpu = (v: typeof none): number => median(v.cpu);
        console.log(`  ${name} · ${label}`);
        console.log(`    wall (median): no watching ${fmt(w(none), 1)} ms | recorder only ${fmt(w(rec), 1)} ms, ratio ${fmt(w(rec) / w(none), 3)} (${pct(w(rec) / w(none))}) | page open ${fmt(w(page), 1)} ms, ratio ${fmt(w(page) / w(none), 3)} (${pct(w(page) / w(none))})`);
        console.log(`    driver CPU (median): ${fmt(cpu(none), 0)} ms | ${fmt(cpu(rec), 0)} ms (${pct(cpu(rec) / cpu(none))}) | ${fmt(cpu(page), 0)} ms (${pct(cpu(page) / cpu(none))}) · recorder's own time: ${fmt(median(rec.self) * 100, 2)}% of the run (recorder only), ${fmt(median(page.self) * 100, 2)}% (page open)`);
        console.log(`    browser CPU while the run went (median, all Chromium processes): ${fmt(median(page.browser), 0)} ms = ${fmt((median(page.browser) / w(page)) * 100, 1)}% of a core (the page's own script: ${fmt(median(page.script), 0)} ms); during unwatched runs: ${fmt(median(none.browser), 0)} ms`);
      }
      await backend.dispose();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { newest, oldest } = await viewer.lags();
    if (newest.length > 0) {
      console.log(
        `  page behind the run, per frame (${fmt(newest.length)} frames): newest record p50 ${fmt(quantile(newest, 0.5), 0)} ms, p95 ${fmt(quantile(newest, 0.95), 0)} ms; ` +
          `oldest record p50 ${fmt(quantile(oldest, 0.5), 0)} ms, p95 ${fmt(quantile(oldest, 0.95), 0)} ms, max ${fmt(Math.max(...oldest), 0)} ms (+ the next animation frame)`,
      );
    }
  } finally {
    await viewer.close();
    await dash.close();
    recorder.close();
    console.log(`uptime after: ${load()}`);
  }
}

/** Attaches a task to a bare recorder (no page, no trace file) and returns it. */
function recorderAttach<T extends { wait(): Promise<unknown> }>(recorder: Recorder, task: T): T {
  recorder.attach(task as never);
  return task;
}

// Workers import this module for its processors: only the main thread runs the benchmark.
if (isMainThread) await main();
