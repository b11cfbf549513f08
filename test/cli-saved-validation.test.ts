/**
 * D3, D4, D5, D12: a run file is validated and --out is checked writable before anything is
 * computed, with one clear error naming the file; no temporary file is left behind.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executeRun, type RunRequest } from '../src/cli/execute.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const quiet = { out: () => {}, err: () => {} };

describeWithData('checks before computing', () => {
  let dir: string;
  let fileset: string;
  let good: any;
  const request = (over: Partial<RunRequest>): RunRequest => ({
    backend: { backend: 'inline' },
    continueOn: [],
    progress: 'none',
    program: ['cortado'],
    ...over,
  });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-checks-'));
    fileset = join(dir, 'fileset.json');
    writeFileSync(fileset, JSON.stringify({ DY: { files: { [join(DATA_DIR, 'nanoaod/nano_dy.parquet')]: 'Events' } } }));
    const out = join(dir, 'good.json');
    const outcome = await executeRun(request({ processor: 'examples/dimuon.ts', fileset, out, stepSize: 10 }), quiet);
    expect(outcome.exitCode).toBe(0);
    // As if the run had stopped half-way: [20, 40) is left to do.
    good = { ...JSON.parse(readFileSync(out, 'utf8')), status: 'cancelled', completed: [[0, 20]], processed: 20 };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function saved(name: string, change: (run: any) => void): string {
    const run = structuredClone(good);
    change(run);
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(run));
    return path;
  }

  const damaged: Array<[string, (run: any) => void, RegExp]> = [
    ['completed beyond the size (D5)', (r) => { r.completed = [[0, 5_000_000]]; r.processed = 5_000_000; }, /completed range \[0, 5000000\) lies beyond the run's size 40/],
    ['an inverted range (D12)', (r) => { r.completed = [[20, 10]]; r.processed = -10; }, /result file/],
    ['an inverted range with a consistent count (D12)', (r) => { r.completed = [[20, 10], [0, 30]]; r.processed = 20; }, /completed range \[20, 10\) is empty or inverted/],
    ['overlapping ranges', (r) => { r.completed = [[0, 20], [10, 30]]; r.processed = 30; }, /\[10, 30\) overlaps or precedes/],
    ['a processed count that disagrees', (r) => { r.processed = 39; }, /cover 20 entries but `processed` says 39/],
    ['a corrupt result (D4)', (r) => { r.result.value = { DY: { cutflow: { $type: 'cortado.Hist', value: { nonsense: true } } } }; }, /its result does not decode/],
    ['a result that does not merge (D4)', (r) => { r.result.value = 'forty'; }, /its result does not decode as a result that merges/],
    ['a size that is not its files\' (D5)', (r) => { r.size = 3_000_000; }, /its size 3000000 is not the 40 entries of its prepared files/],
    ['other processor code (its module edited since)', (r) => { r.code[Object.keys(r.code)[0]!] = '0000000000000000'; }, /examples\/dimuon\.ts#\w+ had code 0000000000000000, now [0-9a-f]{16}/],
  ];
  for (const [what, change, message] of damaged) {
    it(`refuses to resume a result file with ${what}, before computing`, async () => {
      const path = saved(`${what.replace(/\W+/g, '-')}.json`, change);
      const before = readFileSync(path, 'utf8');
      const error = await executeRun(request({ resume: path }), quiet).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_CLI_USAGE' });
      expect(String((error as Error).message)).toMatch(message);
      expect(String((error as Error).message)).toContain(path);
      expect(readFileSync(path, 'utf8')).toBe(before);
    });
  }

  it('resumes the undamaged file', async () => {
    const path = saved('fine.json', () => {});
    const outcome = await executeRun(request({ resume: path }), quiet);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.run).toMatchObject({ status: 'complete', completed: [[0, 40]] });
  });

  const unwritable: Array<[string, () => string, RegExp]> = [
    ['a folder that does not exist', () => join(dir, 'missing', 'out.json'), /its folder .*missing does not exist/],
    ['a folder', () => { const p = join(dir, 'a-folder'); mkdirSync(p, { recursive: true }); return p; }, /it is a folder/],
  ];
  for (const [what, path, message] of unwritable) {
    it(`refuses an --out that is ${what} before computing (D3), naming it and leaving no temporary file`, async () => {
      const out = path();
      const started = Date.now();
      const error = await executeRun(request({ processor: 'examples/dimuon.ts', fileset, out }), quiet).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_CHECKPOINT_WRITE', path: out });
      expect(String((error as Error).message)).toMatch(message);
      expect(String((error as Error).message)).toContain(out);
      expect(Date.now() - started).toBeLessThan(20_000); // loading the processor through tsx alone can take seconds on a loaded machine
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }
});
