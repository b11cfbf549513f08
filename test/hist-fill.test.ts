import { describe, expect, it } from 'vitest';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { variable } from '../src/results/variable.ts';
import { integer } from '../src/results/integer.ts';
import { category } from '../src/results/category.ts';

describe('Hist.fill', () => {
  it('fills a 1-D histogram from a Float64Array, flow bins kept apart', () => {
    const h = new Hist(regular(4, 0, 4, { name: 'x' }));
    h.fill({ x: new Float64Array([-1, 0, 0.5, 1, 3.99, 4, Number.NaN]) });
    expect(Array.from(h.values())).toEqual([2, 1, 0, 1]);
    expect(Array.from(h.values({ flow: true }))).toEqual([1, 2, 1, 0, 1, 2]);
    expect(h.sum()).toBe(4);
    expect(h.sum({ flow: true })).toBe(7);
  });

  it('accepts Float32Array, number[] and a single number alike', () => {
    const a = new Hist(regular(4, 0, 4, { name: 'x' })).fill({ x: new Float32Array([0.5, 2.5]) });
    const b = new Hist(regular(4, 0, 4, { name: 'x' })).fill({ x: [0.5, 2.5] });
    const c = new Hist(regular(4, 0, 4, { name: 'x' })).fill({ x: 0.5 }).fill({ x: 2.5 });
    expect(Array.from(a.values())).toEqual([1, 0, 1, 0]);
    expect(Array.from(b.values())).toEqual(Array.from(a.values()));
    expect(Array.from(c.values())).toEqual(Array.from(a.values()));
  });

  it('sums weights and squared weights per bin', () => {
    const h = new Hist(regular(2, 0, 2, { name: 'x' }));
    h.fill({ x: new Float64Array([0.5, 0.5, 1.5]) }, { weight: new Float64Array([2, 3, 0.5]) });
    h.fill({ x: [1.5] }, { weight: 4 });
    expect(Array.from(h.values())).toEqual([5, 4.5]);
    expect(Array.from(h.variances())).toEqual([13, 16.25]);
  });

  it('gives entry counts for unit weights and effective counts for weighted bins', () => {
    const h = new Hist(regular(2, 0, 2, { name: 'x' }));
    h.fill({ x: [0.5, 0.5, 0.5] });
    h.fill({ x: [1.5, 1.5] }, { weight: [1, 3] });
    expect(Array.from(h.counts())).toEqual([3, 1.6]); // (1+3)² / (1+9)
  });

  it('fills many entries across block boundaries exactly', () => {
    const n = 10_007;
    const xs = Float64Array.from({ length: n }, (_, i) => i % 10);
    const h = new Hist(integer(0, 10, { name: 'k' })).fill({ k: xs });
    expect(Array.from(h.values())).toEqual([1001, 1001, 1001, 1001, 1001, 1001, 1001, 1000, 1000, 1000]);
  });

  it('fills a 2-D histogram row-major, last axis fastest', () => {
    const h = new Hist(regular(2, 0, 2, { name: 'x' }), variable([0, 10, 20, 30], { name: 'y' }));
    h.fill({ x: [0.5, 0.5, 1.5, 1.5], y: [5, 25, 15, 15] });
    expect(h.shape()).toEqual([2, 3]);
    expect(h.shape({ flow: true })).toEqual([4, 5]);
    expect(Array.from(h.values())).toEqual([1, 0, 1, 0, 2, 0]);
  });

  it('fills a numeric × growing category histogram from string arrays and single strings', () => {
    const h = new Hist(regular(3, 0, 3, { name: 'x' }), category([], { name: 'dataset', growth: true }));
    h.fill({ x: [0.5, 1.5], dataset: 'DY' });
    h.fill({ x: [2.5, 0.5, 1.5], dataset: ['TT', 'DY', 'TT'] }, { weight: 2 });
    expect(Array.from(h.project('dataset').values())).toEqual([4, 4]);
    expect(Array.from(h.project('x').values())).toEqual([3, 3, 2]);
    // Rows are x bins, columns datasets [DY, TT].
    expect(Array.from(h.values())).toEqual([3, 0, 1, 2, 0, 2]);
  });

  it('projects onto axes in the order asked, summing the others with their flow bins', () => {
    const h = new Hist(integer(0, 2, { name: 'a' }), integer(0, 3, { name: 'b' }), category(['u', 'v'], { name: 'c' }));
    h.fill({ a: [0, 1, 1, 5], b: [0, 2, 2, -1], c: ['u', 'v', 'u', 'w'] }, { weight: [1, 2, 3, 4] });
    expect(Array.from(h.project('a').values())).toEqual([1, 5]);
    expect(Array.from(h.project('a').values({ flow: true }))).toEqual([0, 1, 5, 4]);
    const ba = h.project('b', 'a');
    expect(ba.axes.map((x) => x.name)).toEqual(['b', 'a']);
    expect(Array.from(ba.values())).toEqual([1, 0, 0, 0, 0, 5]);
    expect(Array.from(h.project('a', 'b').variances())).toEqual([1, 0, 0, 0, 0, 13]);
    expect(h.project('c').sum({ flow: true })).toBe(10);
  });

  it('names the axis when a fill lacks it, has an unknown one, or lengths differ', () => {
    const h = new Hist(regular(2, 0, 2, { name: 'mass' }), category(['a'], { name: 'ds' }));
    expect(() => h.fill({ mass: [1] })).toThrow(expect.objectContaining({ code: 'E_HIST_FILL', axis: 'ds' }));
    expect(() => h.fill({ mass: [1], ds: 'a', pt: [1] })).toThrow(/unknown axis 'pt'/);
    expect(() => h.fill({ mass: [1, 2], ds: ['a'] })).toThrow(/2 entries.*got 1 for ds/);
    expect(() => h.fill({ mass: ['a'], ds: 'a' })).toThrow(/numbers.*'mass'.*array of string/);
    expect(() => h.fill({ mass: [1], ds: [1] as unknown as string[] })).toThrow(/strings for category axis 'ds'/);
    expect(() => h.fill({ mass: [1, 2], ds: 'a' }, { weight: [1] })).toThrow(/got 1 for weight/);
  });
});
