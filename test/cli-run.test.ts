import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { referenceCutflow } from './fixtures/cli/reference-cutflow.ts';
import { printedResumeArgs, readJson, runCli } from './fixtures/cli/run-cli.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);
const DIMUON = 'examples/dimuon.ts';

function cutflows(run: any): Record<string, unknown> {
  return Object.fromEntries(Object.entries(run.result.value as Record<string, any>).map(([name, value]) => [name, value.cutflow]));
}

describeWithData('cortado run on the NanoAOD samples', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-run-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function fileset(name: string, datasets: Record<string, string[]>): string {
    const path = join(dir, name);
    const json = Object.fromEntries(Object.entries(datasets).map(([d, files]) => [d, { files: Object.fromEntries(files.map((f) => [f, 'Events'])) }]));
    writeFileSync(path, JSON.stringify(json));
    return path;
  }

  for (const format of ['root', 'parquet'] as const) {
    it.concurrent(`writes per-dataset cutflows of the ${format} samples that agree with an independent count`, async () => {
      const files = { ZJets: nano(`nano_dy.${format}`), Data: nano(`nano_dimuon.${format}`) };
      const out = join(dir, `${format}.json`);
      const run = await runCli(['run', DIMUON, '--fileset', fileset(`${format}-fileset.json`, { ZJets: [files.ZJets], Data: [files.Data] }), '--step-size', '15', '--out', out]);
      expect(run.stderr).not.toContain('error');
      expect(run.code).toBe(0);
      const saved = readJson(out);
      expect(saved).toMatchObject({ status: 'complete', size: 80, processed: 80, completed: [[0, 80]], failed: [] });
      expect(cutflows(saved)).toEqual({ ZJets: await referenceCutflow([files.ZJets]), Data: await referenceCutflow([files.Data]) });
      expect(run.stdout).toContain('cortado run: complete. Processed 80 of 80 events in 6 chunks');
    });
  }

  it('finishes incomplete (exit 2) when a file is missing, and the printed command completes the run once the file is there', async () => {
    const missing = join(dir, 'arrives-later.parquet');
    const path = fileset('missing-fileset.json', { ZJets: [nano('nano_dy.parquet'), missing], Data: [nano('nano_dimuon.parquet')] });
    const out = join(dir, 'missing.json');
    const first = await runCli(['run', DIMUON, '--fileset', path, '--continue-on', 'ENOENT', '--out', out, '--progress', 'none']);
    expect(first.code).toBe(2);
    expect(first.stdout).toContain('cortado run: incomplete.');
    expect(first.stdout).toMatch(/Skipped 1 file that could not be opened:\n {2}ENOENT \(IoError\) × 1 file: .*arrives-later\.parquet/);
    const partial = readJson(out);
    expect(partial.status).toBe('incomplete');
    expect(partial.failed).toEqual([
      { stage: 'prepare', dataset: 'ZJets', file: missing, treename: 'Events', attempts: 1, error: { name: 'IoError', code: 'ENOENT', message: expect.stringContaining(missing) } },
    ]);
    expect(cutflows(partial)).toEqual({ ZJets: await referenceCutflow([nano('nano_dy.parquet')]), Data: await referenceCutflow([nano('nano_dimuon.parquet')]) });

    const resume = printedResumeArgs(first.stdout);
    expect(resume).toEqual(['run', '--resume', out, '--continue-on', 'ENOENT']);
    copyFileSync(nano('nano_dy.parquet'), missing);
    const second = await runCli(resume);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Processed 120 of 120 events (40 in this run)');
    const full = readJson(out);
    expect(full).toMatchObject({ status: 'complete', size: 120, completed: [[0, 120]], failed: [] });
    expect(full.parts).toHaveLength(2);
    expect(cutflows(full)).toEqual({
      ZJets: await referenceCutflow([nano('nano_dy.parquet'), missing]),
      Data: await referenceCutflow([nano('nano_dimuon.parquet')]),
    });
  }, 60_000);

  it('runs a fileset prepared by `cortado prepare` and gives the same result', async () => {
    const files = [nano('nano_dy.root'), nano('nano_dy.parquet')];
    const prepared = join(dir, 'prepared.json');
    const prep = await runCli(['prepare', '--fileset', fileset('to-prepare.json', { ZJets: files }), '--out', prepared, '--step-size', '10']);
    expect(prep.code).toBe(0);
    expect(prep.stdout).toContain('Prepared 2 files (80 events) of 1 datasets');
    const group = readJson(prepared);
    expect(group.datasets[0].files.map((f: any) => [f.entries, f.steps.length])).toEqual([[40, 4], [40, 4]]);
    const out = join(dir, 'from-prepared.json');
    const run = await runCli(['run', DIMUON, '--fileset', prepared, '--out', out, '--progress', 'none']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('in 8 chunks');
    expect(cutflows(readJson(out))).toEqual({ ZJets: await referenceCutflow(files) });
  });
});
