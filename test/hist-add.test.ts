import { describe, expect, it } from 'vitest';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { variable } from '../src/results/variable.ts';
import { integer } from '../src/results/integer.ts';
import { category } from '../src/results/category.ts';
import { HistError } from '../src/results/errors.ts';
import { EMPTY, merge, mergeAll } from '../src/protocol/result.ts';

const mass = () => regular(4, 0, 4, { name: 'mass', label: 'm_{μμ} [GeV]' });

describe('Hist.add', () => {
  it('adds values and variances of histograms with equal axes, in place', () => {
    const a = new Hist(mass()).fill({ mass: [0.5, 1.5] }, { weight: 2 });
    const b = new Hist(mass()).fill({ mass: [1.5, 9] });
    const sum = a.add(b);
    expect(sum).toBe(a);
    expect(Array.from(a.values({ flow: true }))).toEqual([0, 2, 3, 0, 0, 1]);
    expect(Array.from(a.variances())).toEqual([4, 5, 0, 0]);
    expect(Array.from(b.values())).toEqual([0, 1, 0, 0]);
  });

  it.each([
    ['bins', regular(5, 0, 4, { name: 'mass', label: 'm_{μμ} [GeV]' }), /axis 'mass' differs in bins: 4 vs 5/],
    ['range', regular(4, 0, 8, { name: 'mass', label: 'm_{μμ} [GeV]' }), /axis 'mass' differs in range/],
    ['label', regular(4, 0, 4, { name: 'mass', label: 'mass' }), /axis 'mass' differs in label/],
    ['type', variable([0, 1, 2, 3, 4], { name: 'mass', label: 'm_{μμ} [GeV]' }), /axis 'mass' differs in type: regular vs variable/],
  ])('refuses to add when the %s of an axis differs, naming the axis', (field, other, message) => {
    const a = new Hist(mass());
    const b = new Hist(other);
    expect(() => a.add(b)).toThrow(message);
    expect(() => a.add(b)).toThrow(expect.objectContaining({ code: 'E_HIST_AXIS_MISMATCH', axis: 'mass', field }));
  });

  it('refuses to add histograms whose axes have different names or counts', () => {
    const a = new Hist(mass(), integer(0, 3, { name: 'nMuon' }));
    expect(() => a.add(new Hist(mass()))).toThrow(/axis 'nMuon' differs/);
    expect(() => a.add(new Hist(mass(), integer(0, 3, { name: 'nJet' })))).toThrow(HistError);
  });

  it('refuses fixed category axes with different categories, naming them', () => {
    const a = new Hist(category(['e', 'mu'], { name: 'flavour' }));
    const b = new Hist(category(['mu', 'e'], { name: 'flavour' }));
    expect(() => a.add(b)).toThrow(/axis 'flavour' differs in categories: \["e","mu"\] vs \["mu","e"\]/);
  });

  it('merges growing category axes by the union of their categories', () => {
    const make = () => new Hist(mass(), category([], { name: 'dataset', growth: true }));
    const a = make().fill({ mass: [0.5, 1.5], dataset: ['DY', 'TT'] });
    const b = make().fill({ mass: [2.5, 0.5, 3.5], dataset: ['WW', 'DY', 'WW'] }, { weight: 3 });
    a.add(b);
    const axis = a.axis('dataset');
    expect(axis.kind === 'category' && axis.categories).toEqual(['DY', 'TT', 'WW']);
    expect(Array.from(a.project('dataset').values())).toEqual([4, 1, 6]);
    expect(Array.from(a.project('dataset').variances())).toEqual([10, 1, 18]);
    // The DY column over mass: one entry at 0.5 from each side.
    const dy = Array.from(a.values()).filter((_, i) => i % 3 === 0);
    expect(dy).toEqual([4, 0, 0, 0]);
  });
});

describe('Hist.clone and fromStorage', () => {
  it('clones into an independent histogram with the same axes and contents', () => {
    const a = new Hist(mass(), category([], { name: 'ds', growth: true })).fill({ mass: [0.5, 1.5, 9], ds: ['x', 'y', 'x'] }, { weight: 2 });
    const c = a.clone();
    expect(c).not.toBe(a);
    expect(c.toJSON()).toEqual(a.toJSON());
    a.fill({ mass: [2.5], ds: 'z' });
    c.fill({ mass: [3.5], ds: 'x' });
    expect(Array.from(c.project('mass').values())).toEqual([2, 2, 0, 1]);
    expect(Array.from(a.project('mass').values())).toEqual([2, 2, 1, 0]);
  });

  it('adopts the storage it is given and refuses storage of the wrong size', () => {
    const sumw = new Float64Array([0, 1, 2, 3, 4, 5]);
    const sumw2 = new Float64Array(6);
    const h = Hist.fromStorage([mass()], sumw, sumw2);
    expect(h.storage().sumw).toBe(sumw);
    expect(Array.from(h.values())).toEqual([1, 2, 3, 4]);
    expect(() => Hist.fromStorage([mass()], new Float64Array(5), sumw2)).toThrow(expect.objectContaining({ code: 'E_HIST_FORMAT' }));
    // A refused build leaves later histograms with storage of their own.
    expect(Array.from(new Hist(mass()).values({ flow: true }))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('merge() of results holding histograms', () => {
  it('adds the histograms of records key-wise', () => {
    const part = (xs: number[]) => ({ nEvents: xs.length, hists: { mass: new Hist(mass()).fill({ mass: xs }) } });
    const total = mergeAll([EMPTY, part([0.5]), part([0.5, 3.5]), part([])]);
    if (total === EMPTY) throw new Error('expected a merged result');
    expect(total.nEvents).toBe(3);
    expect(total.hists.mass).toBeInstanceOf(Hist);
    expect(Array.from(total.hists.mass.values())).toEqual([2, 0, 0, 1]);
  });

  it('adds histograms held in Maps per dataset, keeping keys only one side has', () => {
    const a = new Map([['DY', new Hist(mass()).fill({ mass: [1.5] })]]);
    const b = new Map([
      ['DY', new Hist(mass()).fill({ mass: [1.5] })],
      ['TT', new Hist(mass()).fill({ mass: [2.5] })],
    ]);
    const m = merge(a, b);
    expect(m === EMPTY ? [] : [...m.keys()]).toEqual(['DY', 'TT']);
    expect(m === EMPTY ? 0 : m.get('DY')?.sum()).toBe(2);
  });

  it('surfaces the axis mismatch when histograms in a record do not match', () => {
    const a = { ZJets: { mass: new Hist(mass()) } };
    const b = { ZJets: { mass: new Hist(regular(8, 0, 4, { name: 'mass', label: 'm_{μμ} [GeV]' })) } };
    expect(() => merge(a, b)).toThrow(/axis 'mass' differs in bins/);
  });
});
