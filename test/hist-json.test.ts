import { describe, expect, it } from 'vitest';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { variable } from '../src/results/variable.ts';
import { integer } from '../src/results/integer.ts';
import { category } from '../src/results/category.ts';
import { codecFor, codecForTag } from '../src/protocol/codec.ts';

function sample(): Hist {
  const h = new Hist(
    regular(3, 60, 120, { name: 'mass', label: 'm_{μμ} [GeV]' }),
    variable([0, 20, 50, 200], { name: 'pt', label: 'p_T [GeV]' }),
    integer(0, 2, { name: 'nJet' }),
    category(['e', 'mu'], { name: 'flavour' }),
    category([], { name: 'dataset', growth: true }),
  );
  h.fill(
    { mass: [91, 65, 130, Number.NaN], pt: [30, 10, 300, 25], nJet: [0, 1, 2, 1], flavour: ['mu', 'e', 'tau', 'mu'], dataset: ['DY', 'TT', 'DY', 'WW'] },
    { weight: [1.5, 0.25, 2, 1] },
  );
  return h;
}

function expectSameHist(a: Hist, b: Hist): void {
  expect(b).toBeInstanceOf(Hist);
  expect(b.axes.map((x) => x.toJSON())).toEqual(a.axes.map((x) => x.toJSON()));
  expect(Array.from(b.values({ flow: true }))).toEqual(Array.from(a.values({ flow: true })));
  expect(Array.from(b.variances({ flow: true }))).toEqual(Array.from(a.variances({ flow: true })));
}

describe('Hist JSON', () => {
  it('round-trips every axis kind, flow bins and variances through JSON text', () => {
    const h = sample();
    const back = Hist.fromJSON(JSON.parse(JSON.stringify(h)));
    expectSameHist(h, back);
  });

  it('writes the documented format with a type tag and version', () => {
    const json = new Hist(regular(2, 0, 1, { name: 'x', label: 'x [cm]' })).fill({ x: [0.1] }).toJSON();
    expect(json).toEqual({
      type: 'cortado.Hist',
      version: 1,
      axes: [{ type: 'regular', name: 'x', label: 'x [cm]', bins: 2, start: 0, stop: 1 }],
      storage: 'weight',
      sumw: [0, 1, 0, 0],
      sumw2: [0, 1, 0, 0],
    });
  });

  it('keeps NaN and infinite sums as strings', () => {
    const h = new Hist(regular(1, 0, 1, { name: 'x' })).fill({ x: [0.5, 2] }, { weight: [Number.NaN, Infinity] });
    const json = h.toJSON();
    expect(json.sumw).toEqual([0, 'NaN', 'Infinity']);
    const back = Hist.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(Array.from(back.values({ flow: true }))).toEqual([0, Number.NaN, Infinity]);
  });

  it('rejects JSON of another shape with E_HIST_FORMAT saying what was expected', () => {
    expect(() => Hist.fromJSON({ type: 'cortado.Hist', version: 2 })).toThrow(expect.objectContaining({ code: 'E_HIST_FORMAT' }));
    const json = new Hist(regular(2, 0, 1, { name: 'x' })).toJSON();
    expect(() => Hist.fromJSON({ ...json, sumw: [1] })).toThrow(/Expected 4 cells in histogram JSON 'sumw'/);
  });
});

describe('Hist codec', () => {
  it('is registered under cortado.Hist and claims Hist instances', () => {
    expect(codecForTag('cortado.Hist')).toBeDefined();
    expect(codecFor(sample())?.tag).toBe('cortado.Hist');
    expect(codecFor({ values: [] })).toBeUndefined();
  });

  it('moves the storage buffers through structuredClone and decodes an equal Hist', () => {
    const h = sample();
    const expected = h.copy();
    const codec = codecForTag('cortado.Hist');
    if (!codec) throw new Error('codec not registered');
    const transfer: ArrayBuffer[] = [];
    const data = codec.encode(h, transfer);
    expect(transfer).toHaveLength(2);
    const cloned = structuredClone(data, { transfer });
    expect(transfer[0]?.byteLength).toBe(0); // moved, not copied
    const back = codec.decode(cloned) as Hist;
    expectSameHist(expected, back);
    back.fill({ mass: 91, pt: 30, nJet: 0, flavour: 'mu', dataset: 'ZZ' });
    expect(back.sum()).toBe(expected.sum() + 1);
  });
});
