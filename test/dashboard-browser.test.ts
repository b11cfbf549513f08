import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { dashboard } from '../src/dashboard/dashboard.ts';
import { replayDashboard } from '../src/dashboard/replay.ts';
import { generateDemoFileset } from '../src/io/demo/generate.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { REPO, startCli, type CliProcess } from './fixtures/cli/run-cli.ts';
import { describeWithBrowser, launchBrowser, type TestBrowser } from './helpers/browser.ts';

/** Screenshots for a person to look at (gitignored). */
const ARTIFACTS = resolve(REPO, 'test-artifacts/dashboard');
const FIXTURE = resolve(REPO, 'test/fixtures/dashboard/processors.ts');

async function attr(page: Page, selector: string, name: string): Promise<string | null> {
  return page.locator(selector).first().getAttribute(name, { timeout: 500 }).catch(() => null);
}

/** Opens `url` and records every request the page makes (all must stay on the dashboard's origin). */
async function open(tb: TestBrowser, url: string, width: number, height = 800): Promise<{ page: Page; requests: string[] }> {
  const page = await tb.newPage(width, height);
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(url);
  return { page, requests };
}

describeWithBrowser('dashboard in a browser', () => {
  let tb: TestBrowser;
  let dir: string;
  let fileset: string;
  let trace: string;
  const started: CliProcess[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'cortado-dashboard-'));
    const demo = await generateDemoFileset(join(dir, 'data'), { files: 1, eventsPerFile: 6_000, seed: 3 });
    // One file that does not exist: the run skips it while preparing.
    const json = JSON.parse(readFileSync(demo.filesetPath, 'utf8')) as Record<string, { files: Record<string, string> }>;
    json.SingleMuon!.files[join(dir, 'data/missing-run2.parquet')] = 'Events';
    fileset = join(dir, 'fileset.json');
    writeFileSync(fileset, JSON.stringify(json));
    trace = join(dir, 'run.jsonl');
    tb = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    for (const cli of started) cli.child.kill('SIGKILL');
    await tb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a threads run live: progress moves, a row per worker, histograms, actors, the injected failure and the skipped file', async () => {
    const cli = startCli(
      ['run', FIXTURE, '--export', 'flakyDimuon', '--fileset', fileset, '--out', join(dir, 'result.json'), '--backend', 'threads', '--workers', '2',
        '--step-size', '300', '--retries', '1', '--dashboard', '--trace', trace, '--progress', 'none'],
      { env: { CORTADO_TEST_DELAY_MS: '70' } },
    );
    started.push(cli);
    await cli.waitFor(/dashboard: http:\/\/127\.0\.0\.1:\d+\//, 20_000);
    const url = /dashboard: (\S+)/.exec(cli.output().stderr)![1]!;
    const { page, requests } = await open(tb, url, 1280);

    // Progress moves while the run is running (sampled every 50 ms, it takes three distinct values).
    const seen = new Set<number>();
    await expect
      .poll(async () => {
        const [done, status] = await Promise.all([attr(page, '.overall-task', 'data-entries-done'), attr(page, '.overall-task', 'data-status')]);
        if (done !== null && status === 'running') seen.add(Number(done));
        return seen.size;
      }, { timeout: 20_000, interval: 50 })
      .toBeGreaterThanOrEqual(3);
    await page.waitForSelector('.hist-panel canvas', { timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'live-1280.png') });

    const result = await cli.done;
    expect(result.code).toBe(2); // incomplete: the injected chunk and the missing file were skipped
    await expect.poll(() => attr(page, '.overall-task', 'data-status'), { timeout: 20_000 }).toBe('incomplete');

    // One task-stream row per worker thread.
    const rows = await page.locator('.stream-label').evaluateAll((els) => els.map((el) => el.getAttribute('data-worker')));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/^thread-\d+$/);
    // The dimuon mass histograms are drawn, with entries.
    const panels = await page.locator('.hist-panel').evaluateAll((els) => els.map((el) => [el.getAttribute('data-key'), Number(el.getAttribute('data-entries'))] as const));
    expect(panels.length).toBeGreaterThanOrEqual(1);
    expect(panels.map(([key]) => key)).toContain('DYJetsToLL/mass');
    for (const [, entries] of panels) expect(entries).toBeGreaterThan(0);
    // Choosing another histogram draws it too.
    await page.locator('#hist-chips .chip', { hasText: 'DYJetsToLL/pt' }).click();
    await page.waitForSelector('.hist-panel[data-key="DYJetsToLL/pt"] canvas', { timeout: 5_000 });
    // The actors: the supervisor (final state), two lanes per worker, a reducer per dataset.
    const actors = await page.locator('#actors tbody tr').evaluateAll((els) =>
      els.map((el) => [el.getAttribute('data-machine'), el.getAttribute('data-actor'), el.querySelector('.state')!.textContent] as const),
    );
    expect(actors).toContainEqual(['supervisor', 'supervisor', 'incomplete']);
    expect(actors.filter(([m]) => m === 'lane')).toHaveLength(4);
    for (const [, , state] of actors.filter(([m]) => m === 'lane')) expect(state).toBe('idle');
    expect(actors.filter(([m]) => m === 'reducer').length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#chart .node.current').getAttribute('data-state')).toBe('incomplete');
    // The injected failure: two failed attempts (EIO), then skipped; the missing file.
    const failures = await page.locator('#failures tbody tr').evaluateAll((els) => els.map((el) => [el.getAttribute('data-kind'), el.getAttribute('data-code'), el.textContent] as const));
    expect(failures.filter(([kind, code]) => kind === 'fail' && code === 'EIO')).toHaveLength(2);
    const skip = failures.find(([kind, code]) => kind === 'skip' && code === 'EIO');
    expect(skip?.[2]).toContain('SingleMuon');
    expect(await page.locator('#files').textContent()).toContain('missing-run2.parquet');
    // Nothing came from anywhere but the dashboard itself.
    const origin = new URL(url).origin;
    expect(requests.filter((r) => !r.startsWith(origin))).toEqual([]);

    await page.screenshot({ path: join(ARTIFACTS, 'done-1280-full.png'), fullPage: true });
    await page.setViewportSize({ width: 800, height: 1000 });
    await sleep(300);
    await page.screenshot({ path: join(ARTIFACTS, 'done-800-full.png'), fullPage: true });
    await page.close();
  });

  it('replays the trace of that run with a time slider', async () => {
    const cli = startCli(['dashboard', trace, '--port', '0']);
    started.push(cli);
    await cli.waitFor(/http:\/\/127\.0\.0\.1:\d+\//, 20_000);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.output().stderr)![1]!;
    const { page } = await open(tb, url, 1280);
    await page.waitForSelector('#replay:not([hidden])');
    await expect.poll(() => attr(page, '.overall-task', 'data-status'), { timeout: 20_000 }).toBe('incomplete');
    const final = Number(await attr(page, '.overall-task', 'data-entries-done'));
    expect(final).toBeGreaterThan(0);
    expect(await page.locator('#failures tbody tr[data-code="EIO"]').count()).toBe(3);
    expect(await page.locator('.stream-label').count()).toBe(2);
    await page.waitForSelector('.hist-panel canvas');

    // Back to the middle of the run: less done, still running.
    const max = Number(await page.locator('#slider').getAttribute('max'));
    const firstEnd = (readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { k: string; t: number }).find((r) => r.k === 'progress' && (r as { entriesDone?: number }).entriesDone! > 0))!.t;
    const middle = Math.round((firstEnd + max) / 2);
    await page.locator('#slider').evaluate((el, value) => {
      (el as unknown as { value: string }).value = String(value);
      el.dispatchEvent(new Event('input'));
    }, middle);
    await expect.poll(() => attr(page, '.overall-task', 'data-status'), { timeout: 20_000 }).toBe('running');
    const midway = Number(await attr(page, '.overall-task', 'data-entries-done'));
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(final);
    await page.screenshot({ path: join(ARTIFACTS, 'replay-1280.png') });
    await page.close();
    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(0);
  });

  it('draws a batch in flight on the row of the worker that took it, not the row its lane used last', async () => {
    // Lane 0 last ran on thread-1; its next batch was taken by thread-2 (a run record) and is still
    // running. Lane 1's batch has no worker yet: it shows on a row of its own lane.
    const path = join(dir, 'in-flight.jsonl');
    const records = [
      { k: 'meta', t: 0, v: 1, startedAt: new Date().toISOString(), host: 'h', pid: 1 },
      { k: 'task', t: 1, task: 1, name: 'in flight', executor: 'threads', slots: 2, entries: 100, datasets: [], chart: { id: 'supervisor', initial: 'running', width: 10, height: 10, nodes: [], edges: [] } },
      { k: 'start', t: 10, task: 1, job: 1, lane: 0, n: 1, retry: 0 },
      { k: 'end', t: 50, task: 1, job: 1, lane: 0, worker: 'thread-1', busy: 40, ok: 1, fail: 0, entries: 10 },
      { k: 'start', t: 60, task: 1, job: 2, lane: 0, n: 1, retry: 0 },
      { k: 'start', t: 61, task: 1, job: 3, lane: 1, n: 1, retry: 0 },
      { k: 'run', t: 70, task: 1, job: 2, worker: 'thread-2' },
      { k: 'progress', t: 80, task: 1, status: 'running', elementsDone: 1, elementsTotal: 10, entriesDone: 10, entriesTotal: 100, failures: 0, retries: 0, rate: 100, elapsedMs: 80 },
    ];
    writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const replay = await replayDashboard(path);
    try {
      const { page } = await open(tb, replay.url, 1280);
      const rows = () => page.locator('.stream-label').evaluateAll((els) => els.map((el) => [el.getAttribute('data-worker'), el.getAttribute('data-running')]));
      await expect.poll(rows, { timeout: 20_000 }).toEqual([
        ['lane 1', '1'],
        ['thread-1', '0'],
        ['thread-2', '1'],
      ]);
      await page.close();
    } finally {
      await replay.close();
    }
  });

  it('shows two tasks of the inline backend from the library, each with its own stream and histogram', async () => {
    await using dash = await dashboard();
    await using backend = inline({ concurrency: 2 });
    const values = Array.from({ length: 60 }, (_, i) => i);
    const slow = (scale: number) => async (x: number) => {
      await sleep(15);
      return new Hist(regular(20, 0, 60 * scale, { name: 'x', label: 'x [a.u.]' })).fill({ x: [x * scale, (x * scale) / 2] });
    };
    const first = dash.attach(backend.compute(fromFunction(slow(1), values), { batchSize: 2 }), { name: 'first' });
    const second = dash.attach(backend.compute(fromFunction(slow(2), values), { batchSize: 2 }), { name: 'second' });
    const { page, requests } = await open(tb, dash.url, 1280);
    await expect.poll(() => page.locator('.overall-task').count(), { timeout: 10_000 }).toBe(2);
    await Promise.all([first.wait(), second.wait()]);
    await expect.poll(() => page.locator('.overall-task[data-status="complete"]').count(), { timeout: 20_000 }).toBe(2);
    expect(await page.locator('#task-tabs button').allTextContents()).toEqual(['first', 'second']);
    await page.locator('#task-tabs button', { hasText: 'first' }).click();
    await expect.poll(() => page.locator('.stream-label').evaluateAll((els) => els.map((el) => el.getAttribute('data-worker'))), { timeout: 20_000 }).toEqual(['main']);
    await expect.poll(() => attr(page, '.hist-panel', 'data-entries'), { timeout: 20_000 }).toBe('120');
    const machines = await page.locator('#actors tbody tr').evaluateAll((els) => els.map((el) => el.getAttribute('data-machine')));
    expect(machines).toEqual(['supervisor', 'lane', 'lane', 'reducer']);
    expect(requests.every((r) => r.startsWith(new URL(dash.url).origin))).toBe(true);
    await page.close();
  });
});
