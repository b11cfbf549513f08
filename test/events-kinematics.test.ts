import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JaggedColumn } from '../src/io/columns.ts';
import {
  and,
  counts,
  countTrue,
  Events,
  filter,
  filterPairs,
  invariantMass,
  mask,
  oppositeCharge,
  pairMass,
  pairs,
  selectEvents,
} from '../src/io/events/index.ts';
import { openSource } from '../src/io/open.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const MUON = 0.10566;

function jagged(rows: number[][]): JaggedColumn<Float64Array> {
  const offsets = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.length));
  return { offsets, values: Float64Array.from(rows.flat()) };
}

describe('vectorized kinematics', () => {
  it('gives the invariant mass of two back-to-back muons as twice their energy', () => {
    const m = invariantMass(45, 0, 0, MUON, 45, 0, Math.PI, MUON);
    expect(m).toBeCloseTo(2 * Math.hypot(45, MUON), 9);
  });

  it('forms every unordered pair within each event', () => {
    const p = pairs(jagged([[], [1], [1, 2], [1, 2, 3]]));
    expect(Array.from(p.offsets)).toEqual([0, 0, 0, 1, 4]);
    expect(Array.from(p.first)).toEqual([1, 3, 3, 4]);
    expect(Array.from(p.second)).toEqual([2, 4, 5, 5]);
  });

  it('keeps only opposite-charge pairs', () => {
    const charge = { offsets: Int32Array.of(0, 3), values: Int32Array.of(1, -1, 1) };
    const all = pairs(charge);
    const os = filterPairs(all, oppositeCharge(all, charge));
    expect(Array.from(os.first)).toEqual([0, 1]);
    expect(Array.from(os.second)).toEqual([1, 2]);
    expect(Array.from(counts(os))).toEqual([2]);
  });

  it('masks, filters and counts values per event', () => {
    const pt = jagged([[50, 10], [], [30, 25, 5]]);
    const hard = mask(pt, (v) => v > 20);
    expect(Array.from(hard)).toEqual([1, 0, 1, 1, 0]);
    const kept = filter(pt, hard);
    expect(Array.from(kept.offsets)).toEqual([0, 1, 1, 3]);
    expect(Array.from(kept.values)).toEqual([50, 30, 25]);
    expect(kept.values).toBeInstanceOf(Float64Array);
    expect(Array.from(countTrue(pt, hard))).toEqual([1, 0, 2]);
    expect(Array.from(and(hard, mask(pt, (v) => v < 40)))).toEqual([0, 0, 1, 1, 0]);
  });

  it('selects events from flat and jagged columns', () => {
    const keep = Uint8Array.of(1, 0, 1);
    expect(Array.from(selectEvents(Float32Array.of(1, 2, 3), keep))).toEqual([1, 3]);
    const picked = selectEvents(jagged([[1, 2], [3], [4, 5, 6]]), keep);
    expect(Array.from(picked.offsets)).toEqual([0, 2, 5]);
    expect(Array.from(picked.values)).toEqual([1, 2, 4, 5, 6]);
  });

  it('computes pair masses of a synthetic Z decay', () => {
    const muons = {
      pt: jagged([[45, 45]]),
      eta: jagged([[0.5, 0.5]]),
      phi: jagged([[0, Math.PI]]),
      mass: jagged([[MUON, MUON]]),
    };
    const mass = pairMass(pairs(muons.pt), muons);
    expect(mass.values[0]).toBeCloseTo(invariantMass(45, 0.5, 0, MUON, 45, 0.5, Math.PI, MUON), 12);
  });
});

describeWithData('kinematics on the NanoAOD samples', () => {
  const names = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge'];

  it('matches a hand-computed dimuon mass in nano_dimuon', async () => {
    await using source = await openSource(join(DATA_DIR, 'nanoaod', 'nano_dimuon.parquet'), 'Events');
    const events = Events.fromColumns(await source.read(names, 0, source.entries));
    const { pt, eta, phi, mass } = events.Muon;
    // Event 1 has exactly two muons.
    expect(events.Muon.counts[1]).toBe(2);
    const i = events.Muon.offsets[1]!;
    const v = (c: JaggedColumn, k: number) => Number(c.values[k]);
    const p4 = (k: number) => {
      const px = v(pt, k) * Math.cos(v(phi, k));
      const py = v(pt, k) * Math.sin(v(phi, k));
      const pz = v(pt, k) * Math.sinh(v(eta, k));
      return [px, py, pz, Math.sqrt(px * px + py * py + pz * pz + v(mass, k) ** 2)] as const;
    };
    const [a, b] = [p4(i), p4(i + 1)];
    const sum = a.map((x, j) => x + b[j]!);
    const expected = Math.sqrt(sum[3]! ** 2 - sum[0]! ** 2 - sum[1]! ** 2 - sum[2]! ** 2);
    const dimuons = pairs(events.Muon);
    const masses = pairMass(dimuons, events.Muon);
    expect(masses.offsets[2]! - masses.offsets[1]!).toBe(1);
    expect(masses.values[masses.offsets[1]!]).toBeCloseTo(expected, 9);
  });

  for (const file of ['nano_dimuon.parquet', 'nano_dimuon.root', 'nano_dy.parquet', 'nano_dy.root']) {
    it(`counts opposite-charge muon pairs in ${file} as a plain loop does`, async () => {
      await using source = await openSource(join(DATA_DIR, 'nanoaod', file), 'Events');
      const events = Events.fromColumns(await source.read(names, 0, source.entries));
      const charge = events.Muon.charge;
      const expected: number[] = [];
      for (let e = 0; e < events.length; e++) {
        let n = 0;
        for (let a = charge.offsets[e]!; a < charge.offsets[e + 1]!; a++) {
          for (let b = a + 1; b < charge.offsets[e + 1]!; b++) if (Number(charge.values[a]) !== Number(charge.values[b])) n++;
        }
        expected.push(n);
      }
      const all = pairs(events.Muon);
      const os = filterPairs(all, oppositeCharge(all, charge));
      expect(Array.from(counts(os))).toEqual(expected);
      expect(expected.some((n) => n > 0)).toBe(true);
      const masses = pairMass(os, events.Muon).values;
      expect(masses.every((m) => m > 0 && Number.isFinite(m))).toBe(true);
    });
  }
});
