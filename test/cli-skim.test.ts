/**
 * `cortado skim` and `cortado run --out-dir`, spawned as a user runs them.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadDataGroup } from '../src/io/dataset/json.ts';
import { openSource } from '../src/io/open.ts';
import { deserializeResult } from '../src/results/serialize.ts';
import { readJson, runCli, startCli } from './fixtures/cli/run-cli.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);
const SKIM = 'test/fixtures/cli/dimuon-skim.ts';

describeWithData('cortado skim and run --out-dir', () => {
  let dir: string;
  let fileset: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-cli-skim-'));
    fileset = join(dir, 'fileset.json');
    writeFileSync(fileset, JSON.stringify({ DY: { files: { [nano('nano_dy.root')]: 'Events' }, metadata: { xsec: 2.5 } }, Dimuon: { files: { [nano('nano_dimuon.parquet')]: 'Events' } } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the selected events per dataset and a fileset of them for the next pass', async () => {
    const out = join(dir, 'skims');
    const run = await runCli(['skim', SKIM, '--fileset', fileset, '--out', out, '--step-size', '15', '--progress', 'none']);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cortado run: complete. Processed 80 of 80 events');
    expect(run.stdout).toMatch(/Skim: \d+ file\(s\) with \d+ of 80 events read/);
    const next = await loadDataGroup(join(out, 'fileset.json'));
    expect(next.datasets.map((d) => d.name).sort()).toEqual(['DY', 'Dimuon']);
    expect(next.dataset('DY')!.metadata).toEqual({ xsec: 2.5 });
    const written = next.datasets.flatMap((d) => d.files.map((f) => ({ dataset: d.name, ...f })));
    expect(written.length).toBeGreaterThan(0);
    let total = 0;
    for (const f of written) {
      expect(f.path.startsWith(join(out, f.dataset) + '/')).toBe(true);
      await using source = await openSource(f.path, 'Events');
      expect(source.entries).toBe(f.entries);
      const counts = (await source.read(['nMuon'], 0, source.entries)).nMuon as Uint32Array;
      expect(Array.from(counts).every((n) => n >= 2)).toBe(true);
      total += f.entries!;
    }
    // The same events as counting directly.
    let want = 0;
    for (const path of [nano('nano_dy.root'), nano('nano_dimuon.parquet')]) {
      await using source = await openSource(path, 'Events');
      want += Array.from((await source.read(['nMuon'], 0, source.entries)).nMuon as Uint32Array).filter((n) => n >= 2).length;
    }
    expect(total).toBe(want);
    expect(readdirSync(join(out, 'DY')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(readJson(join(out, 'skim-run.json')).status).toBe('complete');

    // Again: the same files, overwritten, not duplicated.
    const again = await runCli(['skim', SKIM, '--fileset', fileset, '--out', join(dir, 'skims'), '--step-size', '15', '--progress', 'none']);
    expect(again.code).toBe(0);
    const files = (d: string) => readdirSync(join(out, d)).sort();
    expect(files('DY')).toEqual(written.filter((f) => f.dataset === 'DY').map((f) => f.path.split('/').at(-1)).sort());
  }, 120_000);

  it('fails before computing when --out cannot be written (exit 1, the folder named)', async () => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    const out = join(dir, 'plain-file', 'skims');
    const run = await runCli(['skim', SKIM, '--fileset', fileset, '--out', out, '--progress', 'none']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(out);
    expect(existsSync(join(dir, 'plain-file'))).toBe(true);
  });

  it('killed with SIGKILL half-way and resumed: every event once, whole files only, no temporary file', async () => {
    const out = join(dir, 'killed-skim');
    const single = join(dir, 'dy-fileset.json');
    writeFileSync(single, JSON.stringify({ DY: { files: { [nano('nano_dy.root')]: 'Events' } } }));
    const child = startCli(['skim', 'test/fixtures/cli/slow-skim.ts', '--fileset', single, '--out', out, '--step-size', '2', '--progress', 'none']);
    // Kill once the journal holds a record beyond its header (a chunk's file is renamed into place
    // before its batch is recorded, so files alone do not say that anything was recorded), long
    // before the 20 chunks are done.
    const log = join(out, 'skim-run.json.journal', 'journal.log');
    const recorded = () => {
      const bytes = existsSync(log) ? readFileSync(log) : Buffer.alloc(0);
      return bytes.length >= 8 && bytes.length > 8 + bytes.readUInt32LE(0);
    };
    const deadline = Date.now() + 60_000;
    while (!recorded()) {
      if (Date.now() > deadline) throw new Error('the skim recorded nothing in its journal within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.child.kill('SIGKILL');
    await child.done;
    expect(existsSync(join(out, 'skim-run.json'))).toBe(false);
    const resumed = await runCli(['skim', '--resume', out, '--progress', 'none']);
    expect(resumed.stderr).not.toMatch(/error/i);
    expect(resumed.code).toBe(0);
    // It continued from the journal: what was recorded before the kill was not computed again.
    expect(resumed.stderr).toMatch(/Resuming from the journal .*: [1-9]\d* events were recorded/);
    const names = readdirSync(join(out, 'DY'));
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names.filter((n) => n.endsWith('.parquet'))).toHaveLength(20);
    const next = await loadDataGroup(join(out, 'fileset.json'));
    const files = next.dataset('DY')!.files;
    expect(files).toHaveLength(20);
    expect(files.reduce((n, f) => n + f.entries!, 0)).toBe(40);
    for (const f of files) {
      await using source = await openSource(f.path, 'Events');
      expect(source.entries).toBe(2);
    }
  }, 120_000);

  it('shows its help with the exit codes', async () => {
    const help = await runCli(['skim', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('cortado skim dimuons.ts --fileset fileset.json --out skims/');
    expect(help.stdout).toContain('2 incomplete');
  });

  it('run --out-dir writes each dataset’s result to its own file when that dataset completes', async () => {
    const perDataset = join(dir, 'per-dataset');
    const out = join(dir, 'result.json');
    const run = await runCli(['run', 'examples/dimuon.ts', '--fileset', fileset, '--step-size', '15', '--out', out, '--out-dir', perDataset, '--progress', 'none']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Per-dataset results: 2 file(s) in ${perDataset}`);
    expect(readdirSync(perDataset).sort()).toEqual(['DY.json', 'Dimuon.json']);
    const noPlots = await runCli(['plot', out, '--out', join(dir, 'plots-none')]);
    expect(noPlots.code).not.toBe(0);
    expect(noPlots.stderr).toContain(`its datasets were written by --out-dir to ${join(perDataset, 'DY.json')}`);
    const saved = readJson(out);
    // Each written dataset was let go of: the result file says where it went instead of holding it.
    expect(saved.writtenTo).toEqual({ DY: join(perDataset, 'DY.json'), Dimuon: join(perDataset, 'Dimuon.json') });
    expect(deserializeResult(saved.result)).toEqual({});
    // The values are those of an ordinary run (same fileset, no --out-dir).
    const plainOut = join(dir, 'plain.json');
    const plain = await runCli(['run', 'examples/dimuon.ts', '--fileset', fileset, '--step-size', '15', '--out', plainOut, '--progress', 'none']);
    expect(plain.code).toBe(0);
    const plainSaved = readJson(plainOut);
    expect(plainSaved.writtenTo).toBeUndefined();
    // With --plots the files are written but the result keeps every dataset (plots are drawn from it).
    const plotted = join(dir, 'plotted.json');
    const withPlots = await runCli(['run', 'examples/dimuon.ts', '--fileset', fileset, '--step-size', '15', '--out', plotted, '--out-dir', join(dir, 'per-dataset-2'), '--plots', join(dir, 'run-plots'), '--progress', 'none']);
    expect(withPlots.code).toBe(0);
    expect(readdirSync(join(dir, 'per-dataset-2')).sort()).toEqual(['DY.json', 'Dimuon.json']);
    expect(readJson(plotted).writtenTo).toBeUndefined();
    expect(Object.keys(deserializeResult(readJson(plotted).result) as object).sort()).toEqual(['DY', 'Dimuon']);
    const whole = deserializeResult(plainSaved.result) as Record<string, unknown>;
    for (const name of ['DY', 'Dimuon']) {
      const file = JSON.parse(readFileSync(join(perDataset, `${name}.json`), 'utf8'));
      expect(file).toMatchObject({ type: 'cortado.DatasetResult', dataset: name });
      expect(JSON.stringify(deserializeResult(file.result))).toEqual(JSON.stringify(whole[name]));
      // `cortado plot` draws a dataset's file; on the result file it points at the dataset files.
      const plots = await runCli(['plot', join(perDataset, `${name}.json`), '--out', join(dir, `plots-${name}`), '--format', 'svg']);
      expect(plots.code).toBe(0);
      expect(plots.stdout).toContain('.svg');
      // Written when the dataset completed, before the run's result file.
      expect(Date.parse(file.writtenAt)).toBeLessThanOrEqual(Date.parse(saved.finishedAt));
    }
  }, 120_000);

  it('run --resume result.json carries writtenTo over: the datasets written before stay listed beside those written now', async () => {
    // Dimuon's file is not there yet: the first run writes DY to --out-dir and ends incomplete.
    const late = join(dir, 'late');
    const lateFileset = join(dir, 'late-fileset.json');
    writeFileSync(lateFileset, JSON.stringify({ DY: { files: { [nano('nano_dy.root')]: 'Events' } }, Dimuon: { files: { [join(late, 'nano_dimuon.parquet')]: 'Events' } } }));
    const perDataset = join(dir, 'per-dataset-resume');
    const out = join(dir, 'resume-result.json');
    const first = await runCli(['run', 'examples/dimuon.ts', '--fileset', lateFileset, '--step-size', '15', '--out', out, '--out-dir', perDataset, '--progress', 'none']);
    expect(first.code).toBe(2);
    expect(readJson(out).writtenTo).toEqual({ DY: join(perDataset, 'DY.json') });
    mkdirSync(late);
    copyFileSync(nano('nano_dimuon.parquet'), join(late, 'nano_dimuon.parquet'));
    const resumed = await runCli(['run', '--resume', out, '--out-dir', perDataset, '--progress', 'none']);
    expect(resumed.stderr).not.toMatch(/error/i);
    expect(resumed.code).toBe(0);
    const saved = readJson(out);
    expect(saved.status).toBe('complete');
    expect(saved.writtenTo).toEqual({ DY: join(perDataset, 'DY.json'), Dimuon: join(perDataset, 'Dimuon.json') });
    expect(deserializeResult(saved.result)).toEqual({});
    expect(readdirSync(perDataset).sort()).toEqual(['DY.json', 'Dimuon.json']);
  }, 120_000);

  it('run --out-dir killed after a dataset was written and resumed from its journal: the dataset stays in its file, listed in writtenTo', async () => {
    const perDataset = join(dir, 'per-dataset-killed');
    const out = join(dir, 'killed-result.json');
    const ordinary = join(dir, 'killed-ordinary.json');
    const plain = await runCli(['run', 'examples/dimuon.ts', '--fileset', fileset, '--step-size', '5', '--out', ordinary, '--progress', 'none']);
    expect(plain.code).toBe(0);
    const child = startCli(['run', 'test/fixtures/cli/slow-dimuon.ts', '--export', 'slowDimuon', '--fileset', fileset, '--step-size', '5', '--out', out, '--out-dir', perDataset, '--progress', 'none'], { env: { CORTADO_TEST_DELAY_MS: '150' } });
    const deadline = Date.now() + 60_000;
    while (!(existsSync(perDataset) && readdirSync(perDataset).filter((n) => n.endsWith('.json')).length >= 1)) {
      if (Date.now() > deadline) throw new Error('no dataset was written within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.child.kill('SIGKILL');
    await child.done;
    const [firstWritten] = readdirSync(perDataset).filter((n) => n.endsWith('.json'));
    const name = firstWritten!.replace(/\.json$/, '');
    const resumed = await runCli(['run', '--resume', out, '--out-dir', perDataset, '--progress', 'none'], { env: { CORTADO_TEST_DELAY_MS: '0' } });
    expect(resumed.stderr).not.toMatch(/error/i);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/Resuming from the journal/);
    const saved = readJson(out);
    expect(saved.writtenTo).toEqual({ DY: join(perDataset, 'DY.json'), Dimuon: join(perDataset, 'Dimuon.json') });
    const whole = deserializeResult(readJson(ordinary).result) as Record<string, unknown>;
    for (const dataset of ['DY', 'Dimuon']) {
      const file = JSON.parse(readFileSync(join(perDataset, `${dataset}.json`), 'utf8'));
      expect(JSON.stringify(deserializeResult(file.result))).toEqual(JSON.stringify(whole[dataset]));
    }
    expect(name === 'DY' || name === 'Dimuon').toBe(true);
  }, 120_000);
});
