import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSet, JaggedColumn } from '../src/io/columns.ts';
import { generateDemoFileset, generateDemoParquet } from '../src/io/demo/generate.ts';
import { generateBlock, Z_MASS } from '../src/io/demo/physics.ts';
import { Random } from '../src/io/demo/random.ts';
import { Events, filterPairs, oppositeCharge, pairMass, pairs } from '../src/io/events/index.ts';
import { openParquet } from '../src/io/parquet/index.ts';

const COLUMNS = ['run', 'event', 'nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge', 'MET_pt'];

async function readAll(path: string): Promise<ColumnSet> {
  await using source = await openParquet(path);
  return await source.read(COLUMNS, 0, source.entries);
}

describe('demo data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-demo-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes NanoAOD-like columns in row groups that read back through openParquet', async () => {
    const path = join(dir, 'small.parquet');
    const summary = await generateDemoParquet(path, { events: 25_000, seed: 3, rowGroupSize: 10_000 });
    expect(summary.rowGroups).toBe(3);
    await using source = await openParquet(path);
    expect(source.entries).toBe(25_000);
    expect(source.clusters).toEqual([0, 10_000, 20_000, 25_000]);
    const kinds = Object.fromEntries(source.branches.map((b) => [b.name, `${b.kind}${b.jagged ? '[]' : ''}`]));
    expect(kinds).toEqual({
      run: 'int32', event: 'int64', nMuon: 'int32', Muon_pt: 'float32[]', Muon_eta: 'float32[]', Muon_phi: 'float32[]',
      Muon_mass: 'float32[]', Muon_charge: 'int32[]', MET_pt: 'float32',
    });
    expect(summary.muons).toBe(((await source.read(['Muon_pt'], 0, 25_000)).Muon_pt as JaggedColumn).values.length);
  });

  it('reads back exactly the values the generator produced for the seed', async () => {
    const path = join(dir, 'exact.parquet');
    await generateDemoParquet(path, { events: 4000, seed: 11, rowGroupSize: 1500, signalFraction: 0.3, continuumFraction: 0.15 });
    // The generator draws row group by row group from one stream: replay it.
    const rng = new Random(11);
    const physics = { signalFraction: 0.3, continuumFraction: 0.15, continuumSlope: 25 };
    const blocks = [generateBlock(rng, 1500, physics), generateBlock(rng, 1500, physics), generateBlock(rng, 1000, physics)];
    const c = await readAll(path);
    const concat = (pick: (b: (typeof blocks)[number]) => ArrayLike<number>) => blocks.flatMap((b) => Array.from(pick(b)));
    expect(Array.from(c.nMuon as Int32Array)).toEqual(concat((b) => b.nMuon));
    expect(Array.from((c.Muon_pt as JaggedColumn).values as Float32Array)).toEqual(concat((b) => b.pt));
    expect(Array.from((c.Muon_phi as JaggedColumn).values as Float32Array)).toEqual(concat((b) => b.phi));
    expect(Array.from((c.Muon_charge as JaggedColumn).values as Float32Array)).toEqual(concat((b) => b.charge));
    expect(Array.from(c.MET_pt as Float32Array)).toEqual(concat((b) => b.metPt));
    expect((c.event as BigInt64Array)[3999]).toBe(4000n);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const hash = async (name: string, seed: number) => {
      const path = join(dir, name);
      await generateDemoParquet(path, { events: 20_000, seed });
      return createHash('sha256').update(await readFile(path)).digest('hex');
    };
    const a = await hash('a.parquet', 5);
    const b = await hash('b.parquet', 5);
    const c = await hash('c.parquet', 6);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('has realistic muons: 0 to 4 per event, mostly 0 to 2, pt above 3 GeV, |eta| below 2.4, muon mass', async () => {
    const path = join(dir, 'muons.parquet');
    await generateDemoParquet(path, { events: 50_000, seed: 2 });
    const events = Events.fromColumns(await readAll(path));
    const counts = events.Muon.counts;
    const histogram = [0, 0, 0, 0, 0];
    for (const n of counts) histogram[n]! += 1;
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
    expect((histogram[0]! + histogram[1]! + histogram[2]!) / counts.length).toBeGreaterThan(0.9);
    expect(histogram[2]).toBeGreaterThan(0);
    const [pt, eta, phi, mass] = (['pt', 'eta', 'phi', 'mass'] as const).map((f) => events.Muon[f].values as Float32Array) as [
      Float32Array, Float32Array, Float32Array, Float32Array,
    ];
    expect(Math.min(...pt)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...Array.from(eta, Math.abs))).toBeLessThan(2.4);
    expect(Math.max(...Array.from(phi, Math.abs))).toBeLessThanOrEqual(Math.PI);
    expect(new Set(mass)).toEqual(new Set([Math.fround(0.10566)]));
  });

  it('shows a Z peak: opposite-charge dimuon masses pile up near 91 GeV', async () => {
    const path = join(dir, 'peak.parquet');
    await generateDemoParquet(path, { events: 60_000, seed: 9 });
    const events = Events.fromColumns(await readAll(path));
    const all = pairs(events.Muon);
    const os = filterPairs(all, oppositeCharge(all, events.Muon.charge));
    const masses = Array.from(pairMass(os, events.Muon).values);
    const window = masses.filter((m) => m > 70 && m < 110).sort((a, b) => a - b);
    expect(window.length).toBeGreaterThan(10_000);
    const median = window[window.length >> 1]!;
    expect(Math.abs(median - Z_MASS)).toBeLessThan(1);
    // The mode, in 2 GeV bins over 20–150 GeV, is the bin holding 91 GeV.
    const bins = new Array<number>(65).fill(0);
    for (const m of masses) if (m >= 20 && m < 150) bins[Math.floor((m - 20) / 2)]! += 1;
    const mode = bins.indexOf(Math.max(...bins));
    expect(20 + 2 * mode).toBe(90);
    // Away from the peak the spectrum falls.
    const at = (m: number) => bins[Math.floor((m - 20) / 2)]!;
    expect(at(30)).toBeGreaterThan(at(60));
    expect(at(130)).toBeLessThan(at(90) / 20);
  });

  it('writes a coffea-style fileset of several files per dataset', async () => {
    const out = join(dir, 'fileset');
    const { filesetPath, fileset, files } = await generateDemoFileset(out, { files: 2, eventsPerFile: 3000, seed: 4 });
    expect(Object.keys(fileset)).toEqual(['DYJetsToLL', 'SingleMuon']);
    expect(JSON.parse(await readFile(filesetPath, 'utf8'))).toEqual(fileset);
    expect(files).toHaveLength(4);
    const paths = Object.keys(fileset.DYJetsToLL!.files);
    expect(paths).toHaveLength(2);
    expect(fileset.DYJetsToLL!.files[paths[0]!]).toBe('Events');
    await using source = await openParquet(paths[1]!);
    expect(source.entries).toBe(3000);
    const { event } = await source.read(['event'], 0, 1);
    expect((event as BigInt64Array)[0]).toBe(3001n);
  });

  it('rejects bad options with a message naming the option', async () => {
    await expect(generateDemoParquet(join(dir, 'bad.parquet'), { events: -1 })).rejects.toThrow(/events/);
    await expect(generateDemoParquet(join(dir, 'bad.parquet'), { signalFraction: 0.9, continuumFraction: 0.5 })).rejects.toThrow(
      /at most 1/,
    );
  });
});
