import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dimuon, type DimuonResult } from '../examples/dimuon.ts';
import { inline } from '../src/backends/inline.ts';
import { isJagged, type Column, type NumericArray } from '../src/io/columns.ts';
import { fromCoffeaFileset } from '../src/io/dataset/coffea.ts';
import { Events } from '../src/io/events/events.ts';
import { openSource } from '../src/io/open.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { openRNTuple, RNTupleSource } from '../src/io/rntuple/index.ts';
import { referenceCutflow } from './fixtures/cli/reference-cutflow.ts';
import { readJson, runCli } from './fixtures/cli/run-cli.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string): string => join(DATA_DIR, 'nanoaod', name);
const TWINS = [['nano_dy.root', 'nano_dy_rntuple.root'], ['nano_dimuon.root', 'nano_dimuon_rntuple.root']] as const;

/** The bytes of a typed array, for a bit-exact comparison (NaN payloads and -0 included). */
function bytes(a: NumericArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Whether two columns hold the same values in the same typed-array type, bit for bit. */
function sameColumn(a: Column, b: Column): boolean {
  if (isJagged(a) !== isJagged(b)) return false;
  if (isJagged(a) && isJagged(b)) {
    return a.values.constructor === b.values.constructor && bytes(a.offsets).equals(bytes(b.offsets)) && bytes(a.values).equals(bytes(b.values));
  }
  return a.constructor === b.constructor && bytes(a as NumericArray).equals(bytes(b as NumericArray));
}

describeWithData('RNTuple samples against their TTree twins', () => {
  for (const [tree, ntuple] of TWINS) {
    it(`reads every column of ${ntuple} equal to the same branch of ${tree}, value for value`, async () => {
      await using t = await openSource(nano(tree), 'Events');
      await using r = await openSource(nano(ntuple), 'Events');
      expect(r).toBeInstanceOf(RNTupleSource);
      expect(r.format).toBe('root');
      expect(r.entries).toBe(t.entries);
      expect(r.clusters).toEqual([0, 40]);
      // Same names, types, jaggedness and counters (NanoAOD's Muon_pt → nMuon), in any order.
      const byName = <T extends { name: string }>(list: readonly T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
      expect(byName(r.branches)).toEqual(byName(t.branches));
      expect(r.branches.length).toBeGreaterThan(1400);
      const names = t.branches.map((b) => b.name);
      const [tc, rc] = [await t.read(names, 0, t.entries), await r.read(names, 0, r.entries)];
      const differing = names.filter((name) => !sameColumn(tc[name]!, rc[name]!));
      expect(differing).toEqual([]);
      // The samples exercise the encodings ROOT writes for NanoAOD: split floats, zigzag ints, bits, split-delta indices.
      expect(rc.Muon_pt).toMatchObject({ values: expect.any(Float32Array) });
      expect(rc.nMuon).toBeInstanceOf(Uint32Array);
      expect(rc.event).toBeInstanceOf(BigUint64Array);
      expect(rc.Flag_ecalBadCalibFilterV2).toBeInstanceOf(Uint8Array);
      expect(Array.from((rc.Jet_muonIdx1 as { values: Int32Array }).values).some((v) => v < 0)).toBe(true);
    });
  }

  it('reads any entry range, and consecutive ranges join to the whole column', async () => {
    await using t = await openSource(nano('nano_dimuon.root'), 'Events');
    await using r = await openRNTuple(nano('nano_dimuon_rntuple.root'), 'Events');
    const columns = ['Muon_pt', 'nMuon', 'Muon_charge', 'Muon_tightId', 'run', 'MET_pt'];
    for (const [start, stop] of [[0, 0], [7, 23], [39, 40], [0, 40]] as const) {
      const [a, b] = [await t.read(columns, start, stop), await r.read(columns, start, stop)];
      for (const name of columns) expect(sameColumn(a[name]!, b[name]!), `${name} [${start}, ${stop})`).toBe(true);
    }
    await using fresh = await openRNTuple(nano('nano_dimuon_rntuple.root'), 'Events');
    const parts: number[] = [];
    for (let start = 0; start < 40; start += 7) {
      const { Muon_pt } = await fresh.read(['Muon_pt'], start, Math.min(40, start + 7));
      parts.push(...(Muon_pt as { values: Float32Array }).values);
    }
    const whole = (await t.read(['Muon_pt'], 0, 40)).Muon_pt as { values: Float32Array };
    expect(Float32Array.from(parts)).toEqual(whole.values);
    // The pages a chunk ends inside of are kept for the next chunk: two pages (index, values) decoded once.
    expect(fresh.stats.pages).toBe(2);
  });

  it('gives the same NanoAOD collection view (events.Muon) as the TTree', async () => {
    await using t = await openSource(nano('nano_dy.root'), 'Events');
    await using r = await openSource(nano('nano_dy_rntuple.root'), 'Events');
    const columns = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_charge'];
    const [te, re] = [Events.fromColumns(await t.read(columns, 0, 40)), Events.fromColumns(await r.read(columns, 0, 40))];
    expect(re.length).toBe(40);
    expect(Array.from(re.Muon.counts)).toEqual(Array.from(te.Muon.counts));
    expect(re.Muon.pt.values).toEqual(te.Muon.pt.values);
    expect(re.Muon.charge.values).toEqual(te.Muon.charge.values);
  });

  it('gives the example analysis identical histograms and cutflows from either form', async () => {
    await using backend = inline();
    const run = async (suffix: string): Promise<Record<string, DimuonResult>> => {
      const group = fromCoffeaFileset({
        ZJets: { files: { [nano(`nano_dy${suffix}.root`)]: 'Events' } },
        Data: { files: { [nano(`nano_dimuon${suffix}.root`)]: 'Events' } },
      });
      const prepared = await preprocess(backend, group, { stepSize: 7 });
      return backend.compute(prepared.mapSteps(dimuon)).result();
    };
    const [fromTree, fromNtuple] = [await run(''), await run('_rntuple')];
    for (const dataset of ['ZJets', 'Data']) {
      const a = fromTree[dataset]!;
      const b = fromNtuple[dataset]!;
      expect(b.cutflow).toEqual(a.cutflow);
      expect(b.pt.values({ flow: true })).toEqual(a.pt.values({ flow: true }));
      expect(b.mass.values({ flow: true })).toEqual(a.mass.values({ flow: true }));
    }
    expect(fromNtuple.Data!.cutflow.oppositeCharge).toBeGreaterThan(0);
  });

  it('runs through the CLI: cortado run over the RNTuple samples gives the cutflows of their TTree twins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-rntuple-cli-'));
    try {
      const fileset = join(dir, 'fileset.json');
      writeFileSync(fileset, JSON.stringify({
        ZJets: { files: { [nano('nano_dy_rntuple.root')]: 'Events' } },
        Data: { files: { [nano('nano_dimuon_rntuple.root')]: 'Events' } },
      }));
      const out = join(dir, 'result.json');
      const run = await runCli(['run', 'examples/dimuon.ts', '--fileset', fileset, '--step-size', '15', '--out', out, '--progress', 'none']);
      expect(run.code, run.stderr).toBe(0);
      const saved = readJson(out) as { status: string; result: { value: Record<string, { cutflow: unknown }> } };
      expect(saved.status).toBe('complete');
      expect(saved.result.value.ZJets!.cutflow).toEqual(await referenceCutflow([nano('nano_dy.root')]));
      expect(saved.result.value.Data!.cutflow).toEqual(await referenceCutflow([nano('nano_dimuon.root')]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
