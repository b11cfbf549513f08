import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Column, JaggedColumn } from '../src/io/columns.ts';
import { IoError } from '../src/io/errors.ts';
import { Events } from '../src/io/events/index.ts';
import { openSource } from '../src/io/open.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const jagged = (counts: number[], values: number[]): JaggedColumn<Float32Array> => {
  const offsets = new Int32Array(counts.length + 1);
  counts.forEach((n, i) => (offsets[i + 1] = offsets[i]! + n));
  return { offsets, values: Float32Array.from(values) };
};

describe('Events', () => {
  const columns = {
    nMuon: Uint32Array.of(0, 2, 1),
    Muon_pt: jagged([0, 2, 1], [40, 30, 25]),
    Muon_eta: jagged([0, 2, 1], [0.1, -0.5, 1.2]),
    MET_pt: Float32Array.of(10, 20, 30),
  };

  it('takes its length from the columns and gives them back by name', () => {
    const events = Events.fromColumns(columns);
    expect(events.length).toBe(3);
    expect(events.column('MET_pt')).toBe(columns.MET_pt);
    expect(events.flat('nMuon')).toBe(columns.nMuon);
    expect(events.jagged('Muon_pt')).toBe(columns.Muon_pt);
  });

  it('builds NanoAOD collections: events.Muon.pt is Muon_pt, counts come from nMuon', () => {
    const events = Events.fromColumns(columns);
    expect(events.Muon.pt).toBe(columns.Muon_pt);
    expect(events.Muon.eta).toBe(columns.Muon_eta);
    expect(Array.from(events.Muon.counts)).toEqual([0, 2, 1]);
    expect(Array.from(events.Muon.offsets)).toEqual([0, 0, 2, 3]);
    expect(events.Muon.fields).toEqual(['pt', 'eta']);
    expect((events.Muon as unknown as Record<string, unknown>).eta).toBe(columns.Muon_eta);
    expect(events.Muon).toBe(events.Muon);
    expect(events.MET.pt).toBe(columns.MET_pt);
  });

  it('types collection fields as jagged columns', () => {
    const events = Events.fromColumns(columns);
    expectTypeOf(events.Muon.pt).toEqualTypeOf<JaggedColumn<Float32Array | Float64Array>>();
    expectTypeOf<(typeof events)['Muon']['charge']>().toEqualTypeOf<JaggedColumn>();
    expectTypeOf(events.Muon.counts).toEqualTypeOf<Int32Array>();
    expectTypeOf(events.column('MET_pt')).toEqualTypeOf<Column>();
  });

  it('records which columns were accessed', () => {
    const events = Events.fromColumns(columns);
    expect([...events.accessed]).toEqual([]);
    void events.Muon.pt;
    void events.Muon.counts;
    expect([...events.accessed].sort()).toEqual(['Muon_pt', 'nMuon']);
  });

  it('derives counts from offsets when there is no counter column', () => {
    const events = Events.fromColumns({ Jet_pt: jagged([3, 0], [50, 40, 30]) });
    expect(Array.from(events.Jet.counts)).toEqual([3, 0]);
  });

  it('loads columns lazily, once, through a loader', () => {
    const loaded: string[] = [];
    const events = new Events({
      length: 3,
      names: Object.keys(columns),
      load: (name) => {
        loaded.push(name);
        return (columns as Record<string, Column>)[name];
      },
    });
    expect(events.has('Muon_pt')).toBe(true);
    expect(loaded).toEqual([]);
    void events.Muon.pt;
    void events.Muon.pt;
    expect(loaded).toEqual(['Muon_pt']);
  });

  it('throws E_IO_BRANCH_NOT_FOUND with close names for a missing column or field', () => {
    const events = Events.fromColumns(columns);
    const error = (() => {
      try {
        return (events.Muon as unknown as Record<string, unknown>).ptt;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_BRANCH_NOT_FOUND');
    expect((error as IoError).details.available).toContain('Muon_pt');
    expect(() => events.column('met_pt')).toThrow(/MET_pt/);
  });

  it('refuses a flat column as jagged and the reverse, saying which it is', () => {
    const events = Events.fromColumns(columns);
    expect(() => events.jagged('MET_pt')).toThrow(/jagged.*Float32Array/);
    expect(() => events.flat('Muon_pt')).toThrow(/flat/);
  });
});

describeWithData('Events over the NanoAOD samples', () => {
  for (const file of ['nano_dy.root', 'nano_dy.parquet']) {
    it(`reads muon collections from ${file}`, async () => {
      await using source = await openSource(join(DATA_DIR, 'nanoaod', file), 'Events');
      const names = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge'];
      const events = Events.fromColumns(await source.read(names, 0, source.entries));
      expect(events.length).toBe(40);
      expect(events.Muon.counts.reduce((a, b) => a + b, 0)).toBe(events.Muon.pt.values.length);
      expect(events.Muon.charge.values).toBeInstanceOf(Int32Array);
      expect(Array.from(events.Muon.counts.subarray(0, 8))).toEqual([0, 0, 0, 0, 2, 1, 2, 0]);
    });
  }
});
