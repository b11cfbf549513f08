/**
 * What watching a run costs: the stress work of bench/steps.ts (tiny elements returning a number;
 * 1,000,000 of them per run, ten times steps.ts's), and a variant whose elements return a 40-bin
 * histogram (100,000 per run), run with no dashboard and with a dashboard whose page is
 * open in headless Chromium (or, without Chromium, a server-sent-events client that also pulls the
 * histograms every 250 ms, as the page does). Runs alternate; prints the median wall time of each,
 * the overhead in percent, and how far behind the run the page was (p50/p95/max of the age of the
 * newest record when a batch arrived). Wall time includes the browser competing for the same
 * cores; the driver process's CPU time (user + system) and the recorder's own time (measured inside
 * it: inspection handling, flushing to the page, histograms, memory samples) show what recording
 * itself costs. On a busy machine the wall and CPU medians move by more than 5% from run to run;
 * the recorder's own time does not.
 *
 *   npx tsx bench/dashboard.ts [--runs 7] [--backends inline,threads] [--workers 2] [--viewer page|client|none]
 *                              [--elements 1000000] [--hist-elements 100000]
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Backend } from '../src/backends/backend.ts';
import { inline } from '../src/backends/inline.ts';
import { dashboard, type Dashboard } from '../src/dashboard/dashboard.ts';
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
  lags(): Promise<number[]>;
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
    lags: () => page.evaluate(() => [...((globalThis as unknown as { cortadoLags: number[] }).cortadoLags ?? [])]),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Without a browser: read the event stream and pull histograms every 250 ms, as the page does. */
function openClient(dash: Dashboard): Viewer {
  const lags: number[] = [];
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
        else if (records.length > 0) lags.push(Date.now() - (startedAt + records[records.length - 1]!.t));
      }
    });
  });
  req.on('error', () => undefined);
  const poll = setInterval(() => {
    for (const id of dash.recorder.taskIds().slice(-1)) get(`${dash.url}api/hists?task=${id}`, (res) => res.resume()).on('error', () => undefined);
  }, 250);
  return {
    kind: 'an event-stream client pulling histograms every 250 ms (no Chromium found)',
    lags: async () => lags,
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

async function main(): Promise<void> {
  const runs = Number(arg('runs', '7'));
  const which = arg('backends', 'inline').split(',');
  const workers = Number(arg('workers', '2'));
  const dash = await dashboard();
  const wanted = arg('viewer', 'page');
  const none: Viewer = { kind: 'none (recording only)', lags: async () => [], close: async () => undefined };
  const viewer = wanted === 'none' ? none : wanted === 'client' ? openClient(dash) : ((await openPage(dash.url)) ?? openClient(dash));
  const elements = Number(arg('elements', '1000000'));
  const histElements = Number(arg('hist-elements', '100000'));
  console.log(`dashboard overhead: median of ${runs} alternating runs; viewer: ${viewer.kind}`);
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
        const plain = async () => void (await backend.run(computable));
        const watched = async () => void (await dash.attach(backend.compute(computable), { name: `${name}: ${label}` }).wait());
        await plain();
        await watched();
        const self: number[] = [];
        const browser: number[] = [];
        const base = { wall: [] as number[], cpu: [] as number[] };
        const dashed = { wall: [] as number[], cpu: [] as number[] };
        for (let i = 0; i < runs; i++) {
          for (const [fn, into] of i % 2 === 0 ? ([[plain, base], [watched, dashed]] as const) : ([[watched, dashed], [plain, base]] as const)) {
            const t0 = performance.now();
            const c0 = process.cpuUsage();
            const s0 = dash.recorder.selfTimeMs;
            const b0 = descendantsCpuSeconds();
            await fn();
            if (fn === watched) {
              self.push((dash.recorder.selfTimeMs - s0) / (performance.now() - t0));
              browser.push(((descendantsCpuSeconds() - b0) * 1000) / (performance.now() - t0));
            }
            const c = process.cpuUsage(c0);
            into.wall.push(performance.now() - t0);
            into.cpu.push((c.user + c.system) / 1000);
          }
        }
        const [b, d] = [median(base.wall), median(dashed.wall)];
        const [bc, dc] = [median(base.cpu), median(dashed.cpu)];
        console.log(
          `  ${name.padEnd(8)} ${label.padEnd(32)} wall: no dashboard ${fmt(b, 1).padStart(8)} ms, dashboard open ${fmt(d, 1).padStart(8)} ms, ` +
            `ratio ${fmt(d / b, 3)} (overhead ${fmt(((d - b) / b) * 100, 1)}%) | driver CPU: ${fmt(bc, 0)} ms vs ${fmt(dc, 0)} ms (${fmt(((dc - bc) / bc) * 100, 1)}%) | ` +
            `recorder's own time: ${fmt(median(self) * 100, 2)}% of the run | the page's browser: ${fmt(median(browser) * 100, 0)}% of a core`,
        );
      }
      await backend.dispose();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lags = await viewer.lags();
    console.log(`  page behind the run: p50 ${fmt(quantile(lags, 0.5), 0)} ms, p95 ${fmt(quantile(lags, 0.95), 0)} ms, max ${fmt(Math.max(...lags), 0)} ms over ${fmt(lags.length)} batches of records (+ at most 100 ms until the next redraw)`);
  } finally {
    await viewer.close();
    await dash.close();
  }
}

// Workers import this module for its processors: only the main thread runs the benchmark.
if (isMainThread) await main();
