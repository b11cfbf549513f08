/**
 * Where skim files go when the processor's skim() names no folder: the run's output travels with
 * every chunk (`mapSteps(…, { output })`, `cortado skim --out`), so a `cortado worker` process that
 * has no CORTADO_SKIM_OUT of its own (as on another machine) writes to the right place. End to end
 * on the cluster backend: a real redis-server on a free loopback port, a real `cortado worker`
 * process, `cortado skim --backend cluster`, and the files' values equal an inline skim's.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { dataset } from '../src/io/dataset/dataset.ts';
import type { EventsInput } from '../src/io/dataset/context.ts';
import { loadDataGroup } from '../src/io/dataset/json.ts';
import { openSource } from '../src/io/open.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { SkimError } from '../src/io/skim/errors.ts';
import { skim } from '../src/io/skim/skim.ts';
import { readJson, runCli } from './fixtures/cli/run-cli.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);
const SKIM = 'test/fixtures/cli/dimuon-skim.ts';
const roots: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-skim-cluster-'));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});
const parquetFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.parquet'))
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
const twoMuons = ({ events }: EventsInput) => Uint8Array.from(events.Muon.counts, (n) => (n >= 2 ? 1 : 0));

/** Every column of a skim file, as plain arrays. */
async function contents(path: string): Promise<Record<string, unknown>> {
  await using source = await openSource(path, 'Events');
  const names = source.branches.map((b) => b.name);
  const columns = await source.read(names, 0, source.entries);
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const c = columns[name]!;
    out[name] = ArrayBuffer.isView(c) ? Array.from(c as ArrayLike<number>) : { offsets: Array.from(c.offsets), values: Array.from(c.values as ArrayLike<number>) };
  }
  return out;
}

describeWithData('skim output that travels with the work', () => {
  const saved = process.env.CORTADO_SKIM_OUT;
  afterEach(() => {
    if (saved === undefined) delete process.env.CORTADO_SKIM_OUT;
    else process.env.CORTADO_SKIM_OUT = saved;
  });

  it('a skim() without `out` writes under the run’s output (mapSteps output, context.output), not CORTADO_SKIM_OUT', async () => {
    const output = tempDir();
    const elsewhere = tempDir();
    process.env.CORTADO_SKIM_OUT = elsewhere; // the chunk's folder wins over the environment
    const skimmer = skim(twoMuons, { columns: ['Muon_pt'] });
    await using backend = inline();
    const ds = await preprocess(backend, dataset('DY', [nano('nano_dy.root')]), { stepSize: 20 });
    const seen: Array<string | undefined> = [];
    const result = await backend.compute(ds.mapSteps((input: EventsInput) => {
      seen.push(input.context.output);
      return skimmer(input);
    }, { output })).result();
    expect(new Set(seen)).toEqual(new Set([output]));
    expect(result.files.length).toBeGreaterThan(0);
    for (const f of result.files) expect(f.path.startsWith(join(output, 'DY') + '/')).toBe(true);
    expect(parquetFiles(elsewhere)).toEqual([]);
  });

  it('without `out`, a run output or CORTADO_SKIM_OUT, each chunk fails with E_SKIM_OUT (nothing is written)', async () => {
    delete process.env.CORTADO_SKIM_OUT;
    const skimmer = skim(twoMuons, {});
    await using backend = inline();
    const ds = await preprocess(backend, dataset('DY', [nano('nano_dy.root')]), { stepSize: 40 });
    const task = backend.compute(ds.mapSteps(skimmer), { errorPolicy: { maxRetries: 0 } });
    const partial = await task.wait();
    expect(partial.completed).toEqual([]);
    const error = (partial.error ?? partial.failed[0]?.error) as SkimError;
    expect(error).toBeInstanceOf(SkimError);
    expect(error.code).toBe('E_SKIM_OUT');
    expect(error.message).toContain('mapSteps(…, { output })');
  });
});

describeWithData('cortado skim on the cluster backend', () => {
  describeWithRedis('a real redis-server and a real cortado worker', () => {
    let redis: TestRedis | undefined;
    let worker: WorkerProcess | undefined;
    afterEach(async () => {
      await worker?.stop(5000);
      await redis?.stop();
      worker = undefined;
      redis = undefined;
    });

    it('writes the files where --out says, from a worker that has no CORTADO_SKIM_OUT, with the values of an inline skim', async () => {
      const dir = tempDir();
      const fileset = join(dir, 'fileset.json');
      writeFileSync(fileset, JSON.stringify({ DY: { files: { [nano('nano_dy.root')]: 'Events' }, metadata: { xsec: 2.5 } }, Dimuon: { files: { [nano('nano_dimuon.parquet')]: 'Events' } } }));
      redis = await startRedis();
      // As on another machine: the worker's environment has no skim folder at all.
      worker = spawnWorker(redis.url, [], { CORTADO_SKIM_OUT: '' });
      await worker.ready;
      const onCluster = join(dir, 'cluster-skims');
      const run = await runCli(['skim', SKIM, '--fileset', fileset, '--out', onCluster, '--step-size', '15', '--backend', 'cluster', '--redis', redis.url, '--progress', 'none']);
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.code).toBe(0);
      expect(readJson(join(onCluster, 'skim-run.json')).status).toBe('complete');
      // The worker computed the chunks (the driver only dispatches).
      await worker.stop(5000);
      expect(worker.output()).toMatch(/stopped after [1-9]\d* batches/);

      const inlineOut = join(dir, 'inline-skims');
      const reference = await runCli(['skim', SKIM, '--fileset', fileset, '--out', inlineOut, '--step-size', '15', '--progress', 'none']);
      expect(reference.code).toBe(0);
      const names = parquetFiles(onCluster);
      expect(names.length).toBeGreaterThan(0);
      expect(names).toEqual(parquetFiles(inlineOut));
      for (const name of names) expect(await contents(join(onCluster, name)), name).toEqual(await contents(join(inlineOut, name)));
      expect(readdirSync(join(onCluster, 'DY')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      // The fileset of the next pass lists the cluster's files with their entry counts.
      const next = await loadDataGroup(join(onCluster, 'fileset.json'));
      const listed = next.datasets.flatMap((d) => d.files.map((f) => relative(onCluster, f.path))).sort();
      expect(listed).toEqual(names);
      expect(existsSync(join(process.cwd(), 'DY'))).toBe(false);
    }, 180_000);
  });
});

