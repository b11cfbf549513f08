import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { dashboard } from '../src/dashboard/dashboard.ts';
import { Recorder } from '../src/dashboard/recorder.ts';
import type { EndRecord, RunRecord, FailRecord, HistsRecord, MemRecord, ProgressRecord, SkipRecord, StartRecord, StateRecord, TraceRecord } from '../src/dashboard/records.ts';
import { replayDashboard } from '../src/dashboard/replay.ts';
import { readTrace, traceRun, TraceFormatError } from '../src/dashboard/trace.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { busyFor } from './fixtures/threads/faults.ts';
import { histOf } from './fixtures/threads/results.ts';
import { threads } from '../src/backends/threads.ts';
import { BACKENDS, useBackendSetup } from './helpers/backends.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function of<K extends TraceRecord['k']>(records: readonly TraceRecord[], k: K): Array<Extract<TraceRecord, { k: K }>> {
  return records.filter((r) => r.k === k) as Array<Extract<TraceRecord, { k: K }>>;
}

/** x → a histogram of x; x = 13 fails with EIO on every attempt. */
function histOrFail(x: number): Hist {
  if (x === 13) throw Object.assign(new Error('injected read failure'), { code: 'EIO' });
  return new Hist(regular(10, 0, 40, { name: 'x', label: 'x [cm]' })).fill({ x: [x] });
}

describe('the recorder', () => {
  it('turns an inline run into batch, failure, policy, state, progress and histogram records', async () => {
    const recorder = new Recorder();
    await using backend = inline({ concurrency: 2 });
    const task = backend.compute(fromFunction(histOrFail, Array.from({ length: 40 }, (_, i) => i)), {
      batchSize: 4,
      errorPolicy: { maxRetries: 1, continueAfterRetriesOn: ['EIO'], backoff: { initialMs: 1, jitter: 0 } },
    });
    recorder.attach(task, { name: 'hists' });
    const partial = await task.wait();
    await recorder.idle();
    const records = recorder.history();
    recorder.close();

    expect(of(records, 'task')[0]).toMatchObject({ name: 'hists', executor: 'inline', slots: 2, entries: 40 });
    expect(of(records, 'task')[0]!.chart.nodes.map((n) => n.id)).toEqual(['pending', 'running', 'cancelling', 'flushing', 'finishing', 'complete', 'incomplete', 'cancelled']);
    const actors = of(records, 'actor').map((a) => `${a.machine}:${a.id}`);
    expect(actors).toEqual(expect.arrayContaining(['supervisor:supervisor', 'lane:lane-0', 'lane:lane-1', 'reducer:reducer-0']));
    // Every batch that started ended, on the calling thread; their entries add up to what completed.
    const starts = of(records, 'start') as StartRecord[];
    const ends = of(records, 'end') as EndRecord[];
    expect(ends.map((e) => e.job).sort((a, b) => a - b)).toEqual(starts.map((s) => s.job).sort((a, b) => a - b));
    expect(new Set(ends.map((e) => e.worker))).toEqual(new Set(['main']));
    expect(ends.reduce((n, e) => n + e.entries, 0)).toBe(39);
    expect(starts.filter((s) => s.retry > 0)).toHaveLength(1);
    // Two failed attempts of [13, 14) with their code, then the policy skipped it.
    const fails = of(records, 'fail') as FailRecord[];
    expect(fails.map((f) => [f.range, f.attempt, f.code])).toEqual([
      [[13, 14], 1, 'EIO'],
      [[13, 14], 2, 'EIO'],
    ]);
    expect(fails[0]!.error).toContain('injected read failure');
    expect((of(records, 'skip') as SkipRecord[]).map((s) => [s.range, s.attempts, s.code])).toEqual([[[13, 14], 2, 'EIO']]);
    const supervisor = (of(records, 'state') as StateRecord[]).filter((s) => s.id === 'supervisor').map((s) => s.value);
    expect(supervisor.at(-1)).toBe('incomplete');
    const progress = of(records, 'progress') as ProgressRecord[];
    expect(progress.at(-1)).toMatchObject({ status: 'incomplete', entriesDone: 39, failures: 1, retries: 1 });
    // The last histograms are the merged result.
    const hists = (of(records, 'hists') as HistsRecord[]).at(-1)!;
    const result = partial.result as Hist;
    expect(hists.hists).toEqual([{ key: 'hist', label: 'x [cm]', edges: Array.from((result.axes[0] as unknown as { edges: Float64Array }).edges), values: Array.from(result.values()), entries: 39 }]);
    // Events are counted per actor, with the last few types.
    const events = of(records, 'events').filter((e) => e.id === 'supervisor').at(-1)!;
    expect(events.n).toBeGreaterThan(10);
    expect(events.last.some((t) => t.startsWith('LANE.DONE←lane-'))).toBe(true);
  });
});

/** Whether `condition` holds within `ms` (checked every 50 ms). */
async function settles(condition: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !condition(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) return false;
  return true;
}

describe.each(BACKENDS)('the recorder on %s', (name, entry) => {
  useBackendSetup(entry);

  it('names the worker that ran each batch and records memory per worker', async () => {
    const recorder = new Recorder({ memoryMs: 100 });
    await using backend = entry.create();
    const task = backend.compute(fromFunction(histOf, Array.from({ length: 64 }, (_, i) => i % 10)), { batchSize: 4 });
    recorder.attach(task);
    expect((await task.result()).n).toBe(64);
    await recorder.idle();
    const expected = { inline: /^main$/, threads: /^thread-\d+$/, cluster: /^[^/]+\.\d+\.[0-9a-z]+\/thread-\d+$/ }[name as 'inline' | 'threads' | 'cluster'];
    const workers = new Set((of(recorder.history(), 'end') as EndRecord[]).map((e) => e.worker));
    expect(workers.size).toBeGreaterThanOrEqual(1);
    for (const w of workers) expect(w).toMatch(expected);
    if (name !== 'inline') {
      // Each thread's own heap and its process's RSS, sent with the batch.
      const mem = of(recorder.history(), 'mem') as MemRecord[];
      for (const w of workers) expect(mem.find((r) => r.worker === w)).toMatchObject({ rss: expect.any(Number), heapUsed: expect.any(Number) });
    }
    if (name === 'cluster') {
      // The worker processes' heartbeats: RSS and heap per host. They are read while a task runs; a
      // short task on a starved machine (CI at its busiest) can end before one read answers, or between
      // heartbeats that expired: run further short tasks until a read has answered with one.
      const hostRecords = () => (of(recorder.history(), 'mem') as MemRecord[]).filter((r) => r.host !== undefined && !r.worker.includes('/')).length;
      for (let again = 0; again < 10 && !(await settles(() => hostRecords() > 0, 2000)); again++) {
        const more = backend.compute(fromFunction(histOf, [1, 2, 3, 4]), { batchSize: 1 });
        recorder.attach(more);
        await more.result();
        await recorder.idle();
      }
      expect(hostRecords()).toBeGreaterThanOrEqual(1);
    }
    expect(of(recorder.history(), 'mem').some((r) => r.worker === 'main')).toBe(true);
    recorder.close();
  });
});

describe('batches in flight on threads()', () => {
  it('names the worker thread that took each running batch, the one that then reports its end', async () => {
    // Each batch spins 2 × 60 ms on one thread; the recorder flushes every 5 ms, so it sees every
    // batch while it runs. Lanes are not tied to threads (the pool hands a batch to any free one).
    const recorder = new Recorder({ flushMs: 5 });
    await using backend = threads({ workers: 2, maxInFlight: 2 });
    const task = backend.compute(fromFunction(busyFor, Array.from({ length: 16 }, () => 60)), { batchSize: 2 });
    recorder.attach(task);
    await task.result();
    await recorder.idle();
    const records = recorder.history();
    recorder.close();
    const runs = of(records, 'run') as RunRecord[];
    const ends = new Map((of(records, 'end') as EndRecord[]).map((e) => [e.job, e]));
    const starts = new Map((of(records, 'start') as StartRecord[]).map((s) => [s.job, s]));
    expect(runs.length).toBeGreaterThanOrEqual(1);
    for (const run of runs) {
      expect(run.worker).toMatch(/^thread-\d+$/);
      // It came between the batch's start and end, and named the thread the end names.
      expect(run.t).toBeGreaterThanOrEqual(starts.get(run.job)!.t);
      expect(run.t).toBeLessThanOrEqual(ends.get(run.job)!.t);
      expect(run.worker).toBe(ends.get(run.job)!.worker);
    }
    // At most one per batch.
    expect(new Set(runs.map((r) => r.job)).size).toBe(runs.length);
  });
});

describe('trace files', () => {
  it('writes every record as JSONL while the run goes, and reads it back', async () => {
    const path = join(dir, 'run.jsonl');
    const trace = await traceRun(path, { histEveryMs: 20 });
    await using backend = inline();
    const task = trace.attach(backend.compute(fromFunction(histOrFail, [1, 2, 3, 5, 8]), { batchSize: 1 }));
    await task.wait();
    await trace.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ k: 'meta', v: 1, t: 0 });
    const records = await readTrace(path);
    expect(records).toHaveLength(lines.length);
    expect(of(records, 'meta')).toHaveLength(1);
    expect((of(records, 'progress') as ProgressRecord[]).at(-1)).toMatchObject({ status: 'complete', entriesDone: 5 });
    expect((of(records, 'hists') as HistsRecord[]).at(-1)!.hists[0]!.entries).toBe(5);
    // Times only go forward.
    for (let i = 1; i < records.length; i++) expect(records[i]!.t).toBeGreaterThanOrEqual(0);
  });

  it('keeps what a run killed mid-write left, and refuses files that are not traces', async () => {
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, '{"k":"meta","t":0,"v":1,"startedAt":"2026-01-01T00:00:00.000Z","host":"h","pid":1}\n{"k":"mem","t":5,"worker":"main","rss":1}\n{"k":"progr');
    expect(await readTrace(cut)).toHaveLength(2);
    const notTrace = join(dir, 'result.json');
    writeFileSync(notTrace, '{"type":"cortado.Run"}\n');
    await expect(readTrace(notTrace)).rejects.toThrow(TraceFormatError);
    await expect(readTrace(notTrace)).rejects.toMatchObject({ code: 'E_TRACE_FORMAT', path: notTrace });
    const newer = join(dir, 'newer.jsonl');
    writeFileSync(newer, '{"k":"meta","t":0,"v":99}\n');
    await expect(readTrace(newer)).rejects.toThrow(/version 1 or older, got 99/);
    const garbage = join(dir, 'garbage.jsonl');
    writeFileSync(garbage, '{"k":"meta","t":0,"v":1}\nnot json\n{"k":"mem","t":1}\n');
    await expect(readTrace(garbage)).rejects.toThrow(/line 2/);
  });
});

/** Reads a dashboard's event stream until the server ends it: the history, then every frame. `opened` resolves with the history. */
function readStream(url: string): { opened: Promise<void>; read: Promise<{ history: TraceRecord[]; frames: TraceRecord[][] }> } {
  let opened!: () => void;
  const openedP = new Promise<void>((resolve) => (opened = resolve));
  const read = (async () => {
    const res = await fetch(`${url}api/stream`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (/\ndata: [^]*\n\n/.test(text)) opened();
    }
    const messages = text.split('\n\n').filter((m) => m.startsWith('data: ')).map((m) => JSON.parse(m.slice(6)) as TraceRecord[]);
    return { history: messages[0]!, frames: messages.slice(1) };
  })();
  return { opened: openedP, read };
}

describe('the dashboard server', () => {
  it('sends frames that hold the latest state of each thing once, and a page that connects late sees every batch exactly once', async () => {
    await using backend = inline({ concurrency: 2 });
    // The recorder flushes every 5 ms; the server sends a frame at most every second, so the late
    // page connects while records wait for the next frame.
    const dash = await dashboard({ flushMs: 5, frameMs: 1000 });
    const slow = async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 4));
      return x;
    };
    const task = dash.attach(backend.compute(fromFunction(slow, Array.from({ length: 200 }, (_, i) => i)), { batchSize: 2 }));
    const early = readStream(dash.url);
    await early.opened;
    // Well after the first frame (sent as soon as records came), so that records wait for the next.
    await expect.poll(() => of(dash.recorder.history(), 'end').length, { timeout: 10_000, interval: 5 }).toBeGreaterThanOrEqual(20);
    const late = readStream(dash.url);
    await late.opened;
    await task.wait();
    await dash.recorder.idle();
    await dash.close();
    const all = dash.recorder.history();
    const jobs = (k: 'start' | 'end', records: readonly TraceRecord[]) => (of(records, k) as Array<StartRecord | EndRecord>).map((r) => r.job).sort((a, b) => a - b);
    for (const page of [await early.read, await late.read]) {
      const seen = [...page.history, ...page.frames.flat()];
      expect(jobs('start', seen)).toEqual(jobs('start', all));
      expect(jobs('end', seen)).toEqual(jobs('end', all));
      expect((of(seen, 'progress') as ProgressRecord[]).at(-1)).toMatchObject({ status: 'complete', entriesDone: 200 });
      for (const frame of page.frames) {
        // One progress per task and one state and event count per actor in a frame, however many came.
        expect(of(frame, 'progress').length).toBeLessThanOrEqual(1);
        const actors = of(frame, 'events').map((e) => e.id);
        expect(new Set(actors).size).toBe(actors.length);
        const states = of(frame, 'state').map((e) => e.id);
        expect(new Set(states).size).toBe(states.length);
      }
    }
    // The recorder made many more progress records than the frames carried.
    const sent = (await early.read).frames.flat();
    expect(of(all, 'progress').length).toBeGreaterThan(of(sent, 'progress').length);
  });

  it('serves the page and every asset from the package on loopback, with no token and a same-origin policy', async () => {
    await using dash = await dashboard();
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const path of ['', 'app.js', 'style.css', 'vendor/uPlot.iife.min.js', 'vendor/uPlot.min.css']) {
      const res = await fetch(dash.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      const text = await res.text();
      expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\/[^"' ]*\.(js|css)/i);
    }
    expect((await fetch(`${dash.url}nope`)).status).toBe(404);
  });

  it('puts a token in the URL when bound beyond loopback, and refuses requests without it', async () => {
    await using dash = await dashboard({ host: '0.0.0.0' });
    const match = /^http:\/\/localhost:(\d+)\/\?token=([0-9a-f]{32})$/.exec(dash.url);
    expect(match).not.toBeNull();
    const base = `http://127.0.0.1:${match![1]}/`;
    expect((await fetch(base)).status).toBe(403);
    expect((await fetch(`${base}?token=${'0'.repeat(32)}`)).status).toBe(403);
    const page = await fetch(`${base}?token=${match![2]}`);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${base}app.js`, { headers: { cookie } })).status).toBe(200);
  });

  it('answers the merged histograms of a task so far, and replays a trace', async () => {
    const path = join(dir, 'served.jsonl');
    await using backend = inline();
    await using dash = await dashboard({ trace: path });
    const task = dash.attach(backend.compute(fromFunction(histOrFail, [1, 2, 3]), { batchSize: 1 }));
    await task.wait();
    await dash.recorder.idle();
    const hists = (await (await fetch(`${dash.url}api/hists?task=1`)).json()) as HistsRecord;
    expect(hists.hists[0]!.entries).toBe(3);
    await dash.close();

    const replay = await replayDashboard(path);
    try {
      const res = await fetch(`${replay.url}api/stream`);
      const reader = res.body!.getReader();
      let text = '';
      while (!/\n\n[^]*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      expect(text).toContain('event: hello\ndata: {"mode":"replay"}');
      const history = JSON.parse(/\ndata: (\[.*\])\n\n/.exec(text)![1]!) as TraceRecord[];
      expect(history).toEqual(await readTrace(path));
    } finally {
      await replay.close();
    }
  });
});
