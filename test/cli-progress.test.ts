import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupProgress, workLayout } from '../src/cli/group-progress.ts';
import { renderBars, type BarFrame } from '../src/cli/progress-render.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import type { Progress } from '../src/protocol/task.ts';
import { runCli } from './fixtures/cli/run-cli.ts';

const progress = (over: Partial<Progress> = {}): Progress => ({
  status: 'running', elementsDone: 123, elementsTotal: 130, entriesDone: 1_234_567, entriesTotal: 9_876_543,
  failures: 12, retries: 3, rate: 345_678, elapsedMs: 5_000, ...over,
});
const frame = (over: Partial<BarFrame> = {}): BarFrame => ({
  label: 'run', unit: 'events', chunkUnit: 'chunks', chunksTotal: 400, maxGroupLines: 10,
  groups: [
    { name: 'DYJetsToLL', entriesDone: 1_000_000, entriesTotal: 4_000_000 },
    { name: 'SingleMuon', entriesDone: 234_567, entriesTotal: 5_876_543 },
  ],
  ...over,
});

/** The lines a terminal shows for stderr that redraws in place (cursor-up, carriage returns, line clears). */
function drawnLines(stderr: string): string[] {
  return stderr
    .replace(/\u001b\[\?25[lh]/g, '')
    .replace(/\u001b\[2K/g, '')
    .split(/\u001b\[\d+A|\r|\n/)
    .filter((l) => l.length > 0);
}

describe('progress bars', () => {
  for (const width of [80, 120]) {
    it(`fit a ${width}-column terminal and keep the ETA, the failures and the true chunk total`, () => {
      const lines = renderBars(width, progress(), frame());
      for (const line of lines) expect(line.length, line).toBeLessThan(width);
      const text = lines.join('\n');
      expect(text).toContain('ETA 25.0 s');
      expect(text).toContain('12 failed');
      expect(text).toContain('123/400 chunks');
      expect(lines.filter((l) => /^ {2}(DYJetsToLL|SingleMuon) \[[█░]+\] +\d+% /.test(l))).toHaveLength(2);
      expect(lines.find((l) => l.startsWith('  DYJetsToLL'))).toContain(' 25% 1,000,000/4,000,000 events');
    });
  }

  it('use one line for everything when the terminal is wide, and two when it is not', () => {
    expect(renderBars(160, progress(), frame())).toHaveLength(3);
    const narrow = renderBars(80, progress(), frame());
    expect(narrow).toHaveLength(4);
    expect(narrow[1]).toMatch(/^ +123\/400 chunks \| 345,678 events\/s \| ETA .* \| 12 failed$/);
  });

  it('sum up the datasets that do not fit the terminal in one line', () => {
    const groups = Array.from({ length: 30 }, (_, i) => ({ name: `dataset_${i}`, entriesDone: i < 20 ? 10 : 5, entriesTotal: 10 }));
    const lines = renderBars(100, progress(), frame({ groups, maxGroupLines: 5 }));
    expect(lines.filter((l) => l.startsWith('  dataset_'))).toHaveLength(4);
    expect(lines[lines.length - 1]).toBe('  … 26 more datasets (16 complete)');
  });

  it("count each dataset's events done from the completed ranges, and every chunk before any runs", () => {
    const computable = {
      ...fromFunction((x: number) => x, Array.from({ length: 10 }, (_, i) => i)),
    };
    // A grouped layout: elements 0–3 of A, 4–9 of B.
    const grouped = { ...computable, *steps() { for (const e of computable.steps()) yield { ...e, group: e.range[0] < 4 ? 'A' : 'B' }; } };
    const layout = workLayout(grouped);
    expect(layout.chunks).toBeGreaterThan(0);
    expect(layout.groups.map((g) => [g.name, g.entries])).toEqual([['A', 4], ['B', 6]]);
    expect(groupProgress(layout, [[0, 2], [3, 7]])).toEqual([
      { name: 'A', entriesDone: 3, entriesTotal: 4 },
      { name: 'B', entriesDone: 3, entriesTotal: 6 },
    ]);
  });
});

describe('cortado demo --progress bar, spawned', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-progress-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const width of [80, 120]) {
    it(`draws per-dataset bars within COLUMNS=${width}, with the true chunk total from the first frame, and progress while generating`, async () => {
      const run = await runCli(['demo', '--events', '20000', '--files', '1', '--step-size', '2000', '--out', join(dir, String(width)), '--progress', 'bar'], {
        env: { COLUMNS: String(width) },
      });
      expect(run.code).toBe(0);
      const lines = drawnLines(run.stderr);
      const bars = lines.filter((l) => /[█░]/.test(l) || /^ +[\d,]+\/[\d,]+ (chunks|files) \|/.test(l));
      expect(bars.length).toBeGreaterThan(4);
      for (const line of bars) expect(line.length, line).toBeLessThan(width);
      // Generation: 20,000 events in 2 files.
      expect(lines.some((l) => /^generate +\[█+\] 100% 20,000\/20,000 events/.test(l))).toBe(true);
      // Every frame of the run knows the 10 chunks from the start.
      const totals = new Set(lines.flatMap((l) => [...l.matchAll(/\d+\/(\d+) chunks/g)].map((m) => m[1])));
      expect([...totals]).toEqual(['10']);
      expect(lines.some((l) => /10\/10 chunks/.test(l))).toBe(true);
      for (const name of ['DYJetsToLL', 'SingleMuon']) {
        expect(lines.some((l) => new RegExp(`^ {2}${name} +\\[█+\\] 100% 10,000/10,000 events$`).test(l)), name).toBe(true);
      }
      expect(lines.some((l) => /ETA 0 s \| 0 failed/.test(l))).toBe(true);
    });
  }
});
