import { join } from 'node:path';
import { expect, it } from 'vitest';
import { analyseDimuons, dimuon, type DimuonResult } from '../examples/dimuon.ts';
import { inline } from '../src/backends/inline.ts';
import { fromCoffeaFileset } from '../src/io/dataset/coffea.ts';
import { Events } from '../src/io/events/events.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { referenceCutflow } from './fixtures/cli/reference-cutflow.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

it('declares the columns it reads and fills both histograms and the cutflow from one chunk', () => {
  expect(dimuon.options.columns).toEqual(['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge']);
  // Two events: a Z-like opposite-charge pair, and three muons of which two pairs are opposite.
  const offsets = Int32Array.of(0, 2, 5);
  const events = Events.fromColumns({
    nMuon: Int32Array.of(2, 3),
    Muon_pt: { offsets, values: Float32Array.of(45, 45, 10, 20, 30) },
    Muon_eta: { offsets, values: Float32Array.of(0.1, -0.1, 0, 0, 0) },
    Muon_phi: { offsets, values: Float32Array.of(0, Math.PI, 0, 1, 2) },
    Muon_mass: { offsets, values: Float32Array.of(0.10566, 0.10566, 0.10566, 0.10566, 0.10566) },
    Muon_charge: { offsets, values: Int32Array.of(1, -1, 1, -1, 1) },
  });
  const context = { dataset: 'test', file: { path: 'x', treename: 'Events' }, range: { start: 0, stop: 2 }, metadata: {} };
  const { pt, mass, cutflow } = analyseDimuons({ events, context });
  expect(cutflow).toEqual({ events: 2, muons: 5, twoMuons: 2, pairs: 4, oppositeCharge: 3, zWindow: 1 });
  expect(sum(pt.values({ flow: true }))).toBe(5);
  expect(sum(mass.values({ flow: true }))).toBe(3);
  expect(mass.axes[0]!.label).toBe('m_{μμ} [GeV]');
  expect(pt.axes[0]!.label).toBe('p_{T}^{μ} [GeV]');
});

describeWithData('the example dimuon analysis on the NanoAOD samples', () => {
  for (const format of ['root', 'parquet'] as const) {
    it(`gives per-dataset cutflows that agree with an independent count of the ${format} files`, async () => {
      await using backend = inline();
      const files = { ZJets: nano(`nano_dy.${format}`), Data: nano(`nano_dimuon.${format}`) };
      const group = fromCoffeaFileset({ ZJets: { files: { [files.ZJets]: 'Events' } }, Data: { files: { [files.Data]: 'Events' } } });
      const prepared = await preprocess(backend, group, { stepSize: 7 });
      const result: Record<string, DimuonResult> = await backend.compute(prepared.mapSteps(dimuon)).result();
      expect(Object.keys(result).sort()).toEqual(['Data', 'ZJets']);
      for (const [name, path] of Object.entries(files)) {
        const { pt, mass, cutflow } = result[name]!;
        expect(cutflow).toEqual(await referenceCutflow([path]));
        expect(sum(pt.values({ flow: true }))).toBe(cutflow.muons);
        expect(sum(mass.values({ flow: true }))).toBe(cutflow.oppositeCharge);
        // 1 GeV bins from 40 GeV: bins 20..79 are the 60–120 GeV window.
        expect(sum(mass.values().subarray(20, 80))).toBe(cutflow.zWindow);
      }
      expect(result.ZJets!.cutflow.events).toBe(40);
      expect(result.Data!.cutflow.oppositeCharge).toBeGreaterThan(0);
    });
  }
});
