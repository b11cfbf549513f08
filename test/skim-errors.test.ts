/**
 * Skims on worker threads, and what goes wrong: an unwritable output folder (found before
 * computing), a file that cannot be written (named, no temporary file left), a selector that
 * returns the wrong thing, cancellation, and temporary files left by a killed skim.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { firstValueFrom, filter } from 'rxjs';
import { inline } from '../src/backends/inline.ts';
import { threads } from '../src/backends/threads.ts';
import { dataset } from '../src/io/dataset/dataset.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { SkimError } from '../src/io/skim/errors.ts';
import { skimFilePath } from '../src/io/skim/naming.ts';
import { skim } from '../src/io/skim/skim.ts';
import { openSource } from '../src/io/open.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);
const roots: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-skim-err-'));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});
const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
const temps = (dir: string) => files(dir).filter((p) => p.endsWith('.tmp'));
const twoMuons = ({ events }: { events: { Muon: { counts: Int32Array } } }) => Uint8Array.from(events.Muon.counts, (n) => (n >= 2 ? 1 : 0));

it('refuses an output folder that cannot be written before anything runs, naming it (E_SKIM_OUT)', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a-file'), 'x');
  const out = join(dir, 'a-file', 'skims');
  let caught: unknown;
  try {
    skim(twoMuons, { out });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SkimError);
  expect((caught as SkimError).code).toBe('E_SKIM_OUT');
  expect((caught as SkimError).message).toContain(out);
  expect((caught as SkimError).message).toMatch(/ENOTDIR|EEXIST/);
});

it('says ROOT output is not supported yet (E_SKIM_FORMAT)', () => {
  expect(() => skim(twoMuons, { out: tempDir(), format: 'root' as 'parquet' })).toThrow(/ROOT output is not supported yet/);
});

it('removes temporary files that a killed skim left, and only those of dead processes', () => {
  const out = tempDir();
  mkdirSync(join(out, 'DY'));
  const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
  const stale = join(out, 'DY', `.nano_dy-1-0-16.parquet.${dead}-0.tmp`);
  const ours = join(out, 'DY', `.nano_dy-1-16-32.parquet.${process.pid}-0.tmp`);
  writeFileSync(stale, 'half a file');
  writeFileSync(ours, 'being written');
  skim(twoMuons, { out });
  expect(existsSync(stale)).toBe(false);
  expect(existsSync(ours)).toBe(true);
});

describeWithData('skims that fail or stop', () => {
  it('skims on worker threads: the same files and events as inline', async () => {
    const out = tempDir();
    process.env.CORTADO_TEST_SKIM_OUT = out;
    const { dimuonSkim } = await import('./fixtures/skim/processors.ts');
    await using backend = threads({ workers: 2 });
    const ds = await preprocess(backend, dataset('DY', [nano('nano_dy.root')]), { stepSize: 10 });
    const result = await backend.compute(ds.mapSteps(dimuonSkim)).result();
    expect(result.files.length).toBeGreaterThan(0);
    expect(files(out).sort()).toEqual(result.files.map((f) => f.path).sort());
    await using source = await openSource(nano('nano_dy.root'), 'Events');
    const counts = (await source.read(['nMuon'], 0, 40)).nMuon as Uint32Array;
    expect(result.entries).toBe(Array.from(counts).filter((n) => n >= 2).length);
    expect(result.scanned).toEqual({ DY: 40 });
  });

  it('names the file it could not write (E_SKIM_WRITE) and leaves no temporary file', async () => {
    const out = tempDir();
    await using backend = inline();
    const ds = await preprocess(backend, dataset('DY', [nano('nano_dy.root')]), { stepSize: 20 });
    const blocked = skimFilePath(out, { dataset: 'DY', path: nano('nano_dy.root'), treename: 'Events', start: 0, stop: 20 });
    // A non-empty folder where the file should go: the rename fails.
    mkdirSync(join(blocked, 'x'), { recursive: true });
    const task = backend.compute(ds.mapSteps(skim(twoMuons, { out, columns: ['nMuon'] })), { errorPolicy: { continueOn: ['E_SKIM_WRITE'], backoff: false } });
    const partial = await task.wait();
    expect(task.status).toBe('incomplete');
    expect(partial.failed).toHaveLength(1);
    const error = partial.failed[0]!.error as SkimError;
    expect(error.code).toBe('E_SKIM_WRITE');
    expect(error.message).toContain(blocked);
    expect(error.message).toMatch(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(temps(out)).toEqual([]);
    expect(files(out).filter((p) => p.endsWith('.parquet'))).toHaveLength(1);
  });

  it('refuses a selector result that is not a mask of the chunk (E_SKIM_SELECTION)', async () => {
    const out = tempDir();
    await using backend = inline();
    const ds = await preprocess(backend, dataset('DY', [nano('nano_dy.root')]), { stepSize: 40 });
    const task = backend.compute(ds.mapSteps(skim(() => new Uint8Array(3), { out })), { errorPolicy: { cancelOn: ['E_SKIM_SELECTION'] } });
    const partial = await task.wait();
    expect((partial.error as SkimError).code).toBe('E_SKIM_SELECTION');
    expect((partial.error as SkimError).message).toMatch(/mask of 3 entries .* expected a Uint8Array or boolean\[\] of 40 entries/);
  });

  it('cancelled mid-run on worker threads: whole files only, no temporary file left, nothing running', async () => {
    const out = tempDir();
    process.env.CORTADO_TEST_SKIM_OUT = out;
    // Worker threads load the fixture afresh, with this test's folder in their environment.
    const { slowSkimAll } = await import('./fixtures/skim/processors.ts');
    await using backend = threads({ workers: 2 });
    const ds = await preprocess(backend, dataset('DY', [nano('nano_dy.root')]), { stepSize: 2 });
    const task = backend.compute(ds.mapSteps(slowSkimAll), { batchSize: 1 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 2)));
    task.cancel();
    const partial = await task.wait();
    expect(task.status).toBe('cancelled');
    expect(partial.processed).toBeLessThan(40);
    expect(temps(out)).toEqual([]);
    // Every completed chunk (2 events each) left one whole file. (A chunk whose worker was stopped
    // after its rename, on a very loaded machine, may add a whole file that did not count: at least.)
    expect(files(out).length).toBeGreaterThanOrEqual(partial.processed / 2);
    for (const path of files(out)) {
      await using skimmed = await openSource(path, 'Events');
      expect(skimmed.entries).toBe(2);
    }
  });
});
