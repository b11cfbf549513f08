import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hist } from '../src/results/hist.ts';
import { deserializeResult } from '../src/results/serialize.ts';
import { referenceCutflow } from './fixtures/cli/reference-cutflow.ts';
import { pngSize, printedResumeArgs, readJson, runCli, startCli, type CliResult } from './fixtures/cli/run-cli.ts';

const SLOW = join(import.meta.dirname, 'fixtures/cli/slow-dimuon.ts');

function cutflows(run: any): Record<string, unknown> {
  return Object.fromEntries(Object.entries(run.result.value as Record<string, any>).map(([name, value]) => [name, value.cutflow]));
}

describe('cortado demo', () => {
  let dir: string;
  let demo: CliResult;
  let files: Record<string, string[]>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-demo-'));
    demo = await runCli(['demo', '--events', '20000', '--out', dir], { env: { CORTADO_PROGRESS_MS: '200' } });
    const fileset = readJson<Record<string, { files: Record<string, string> }>>(join(dir, 'data/fileset.json'));
    files = Object.fromEntries(Object.entries(fileset).map(([name, d]) => [name, Object.keys(d.files)]));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates Parquet files, runs the example analysis on them and exits 0', () => {
    expect(demo.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(demo.code).toBe(0);
    expect(readdirSync(join(dir, 'data')).sort()).toEqual(['data_0.parquet', 'data_1.parquet', 'dy_0.parquet', 'dy_1.parquet', 'fileset.json']);
    const run = readJson(join(dir, 'result.json'));
    expect(run).toMatchObject({ type: 'cortado.Run', status: 'complete', size: 20_000, processed: 20_000, completed: [[0, 20_000]], failed: [] });
    expect(demo.stdout).toContain('cortado run: complete. Processed 20,000 of 20,000 events');
    expect(demo.stdout).toContain(`Result: ${join(dir, 'result.json')}`);
    expect(demo.stdout).toMatch(/The Z peak: .*DYJetsToLL\.mass\.png/);
  });

  it('prints plain progress lines on stderr when it is not a terminal, the last one at 100%', () => {
    expect(demo.stderr).toContain('run 20,000/20,000 events (100%)');
    expect(demo.stderr).not.toContain('\u001b['); // no terminal control codes
  });

  it('writes cutflows that agree with an independent count of the generated files', async () => {
    const run = readJson(join(dir, 'result.json'));
    expect(cutflows(run)).toEqual({
      DYJetsToLL: await referenceCutflow(files.DYJetsToLL!),
      SingleMuon: await referenceCutflow(files.SingleMuon!),
    });
  });

  it('writes valid 800×600 PNG and SVG plots of the mass and p_T histograms', () => {
    const plots = readdirSync(join(dir, 'plots')).sort();
    expect(plots).toEqual([
      'DYJetsToLL.mass.png', 'DYJetsToLL.mass.svg', 'DYJetsToLL.pt.png', 'DYJetsToLL.pt.svg',
      'SingleMuon.mass.png', 'SingleMuon.mass.svg', 'SingleMuon.pt.png', 'SingleMuon.pt.svg',
    ]);
    expect(pngSize(join(dir, 'plots/DYJetsToLL.mass.png'))).toEqual({ width: 800, height: 600 });
    expect(pngSize(join(dir, 'plots/SingleMuon.pt.png'))).toEqual({ width: 800, height: 600 });
  });

  it('puts the Z peak in the mass histogram: the fullest bin lies between 88 and 94 GeV', () => {
    const result = deserializeResult(readJson(join(dir, 'result.json')).result) as Record<string, { mass: Hist }>;
    const values = [...result.DYJetsToLL!.mass.values()];
    // Bins are 1 GeV from 40 GeV.
    const peak = 40 + values.indexOf(Math.max(...values));
    expect(peak).toBeGreaterThanOrEqual(88);
    expect(peak).toBeLessThan(94);
    // A peak, not a plateau: the fullest bin holds several times the bins 20 GeV away.
    expect(values[peak - 40]!).toBeGreaterThan(5 * (values[peak - 60]! + values[peak - 20]!));
  });

  it('gives the same result on worker threads (--backend threads --workers 2)', async () => {
    const out = join(dir, 'threads.json');
    const run = await runCli(['run', 'examples/dimuon.ts', '--fileset', join(dir, 'data/fileset.json'), '--backend', 'threads', '--workers', '2', '--step-size', '4000', '--out', out, '--progress', 'none']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('in 8 chunks'); // 4 files of 5,000 events, 2 chunks each
    expect(cutflows(readJson(out))).toEqual(cutflows(readJson(join(dir, 'result.json'))));
  });

  it('redraws the plots of a result file with `cortado plot`, at the size asked for', async () => {
    const out = join(dir, 'replot');
    const plot = await runCli(['plot', join(dir, 'result.json'), '--out', out, '--format', 'png', '--width', '640', '--height', '480']);
    expect(plot.code).toBe(0);
    expect(plot.stdout.trim().split('\n')).toHaveLength(4);
    expect(pngSize(join(out, 'SingleMuon.mass.png'))).toEqual({ width: 640, height: 480 });
  });

  it('writes the partial result on Ctrl-C, exits 130, and the printed command resumes just the rest', async () => {
    const out = join(dir, 'interrupted.json');
    const cli = startCli(['run', SLOW, '--export', 'slowDimuon', '--fileset', join(dir, 'data/fileset.json'), '--step-size', '500', '--out', out], {
      env: { CORTADO_TEST_DELAY_MS: '100', CORTADO_PROGRESS_MS: '50' },
    });
    await cli.waitFor(/run [1-9][\d,]*\/20,000 events/);
    cli.child.kill('SIGINT');
    const stopped = await cli.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('SIGINT: cancelling');
    expect(stopped.stdout).toContain('Stopped: interrupted by SIGINT');
    const partial = readJson(out);
    expect(partial.status).toBe('cancelled');
    expect(partial.processed).toBeGreaterThan(0);
    expect(partial.processed).toBeLessThan(20_000);
    expect(Object.values(cutflows(partial)).reduce((n: number, c: any) => n + c.events, 0)).toBe(partial.processed);

    const args = printedResumeArgs(stopped.stdout);
    expect(args).toEqual(['run', '--resume', out]);
    const resumed = await runCli(args, { env: { CORTADO_TEST_DELAY_MS: '0' } });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`(${(20_000 - partial.processed).toLocaleString('en-US')} in this run)`);
    const full = readJson(out);
    expect(full).toMatchObject({ status: 'complete', processed: 20_000, completed: [[0, 20_000]] });
    expect(cutflows(full)).toEqual(cutflows(readJson(join(dir, 'result.json'))));
  }, 60_000);

  it('cancels on an error that is not an I/O error, keeps the partial result and exits 3', async () => {
    const out = join(dir, 'buggy.json');
    const run = await runCli(['run', SLOW, '--export', 'buggy', '--fileset', join(dir, 'data/fileset.json'), '--retries', '0', '--out', out, '--progress', 'none']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('Stopped: cancelled by a fatal error: TypeError: Cannot read properties of undefined');
    expect(run.stdout).toContain('Resume the rest');
    const saved = readJson(out);
    expect(saved.status).toBe('cancelled');
    expect(saved.error).toMatchObject({ name: 'TypeError' });
  });
});
