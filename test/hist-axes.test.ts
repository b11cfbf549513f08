import { describe, expect, it } from 'vitest';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { variable } from '../src/results/variable.ts';
import { integer } from '../src/results/integer.ts';
import { category } from '../src/results/category.ts';
import { HistError } from '../src/results/errors.ts';

describe('regular axis', () => {
  const axis = regular(4, 0, 1, { name: 'x', label: 'x [cm]' });

  it('puts a value on an inner edge into the bin above it', () => {
    expect([0, 0.25, 0.5, 0.75].map((x) => axis.index(x))).toEqual([1, 2, 3, 4]);
  });

  it('puts values below start into underflow and from stop up into overflow', () => {
    expect(axis.index(-0.001)).toBe(0);
    expect(axis.index(-Infinity)).toBe(0);
    expect(axis.index(1)).toBe(5);
    expect(axis.index(Infinity)).toBe(5);
  });

  it('puts NaN into the overflow bin', () => {
    expect(axis.index(Number.NaN)).toBe(5);
  });

  it('bins a block the same way as one value at a time', () => {
    const xs = new Float64Array([-1, 0, 0.1, 0.25, 0.999999, 1, Number.NaN, 0.5]);
    const out = new Int32Array(xs.length);
    axis.indexBlock(xs, 0, xs.length, out, 1, false);
    expect(Array.from(out)).toEqual(Array.from(xs, (x) => axis.index(x)));
  });

  it('has bins + 1 edges from start to stop', () => {
    expect(Array.from(axis.edges)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(axis.extent).toBe(6);
  });

  it('rejects zero bins and an empty range with E_HIST_AXIS', () => {
    expect(() => regular(0, 0, 1, { name: 'x' })).toThrow(/integer from 1/);
    expect(() => regular(10, 1, 1, { name: 'x' })).toThrow(expect.objectContaining({ code: 'E_HIST_AXIS', axis: 'x' }));
  });

  it('defaults the label to the name', () => {
    expect(regular(1, 0, 1, { name: 'pt' }).label).toBe('pt');
  });
});

describe('variable axis', () => {
  const axis = variable([0, 1, 10, 100], { name: 'pt' });

  it('puts edge values into the bin above and the last edge into overflow', () => {
    expect([0, 1, 10, 99.9, 100].map((x) => axis.index(x))).toEqual([1, 2, 3, 3, 4]);
  });

  it('puts values below the first edge in underflow and NaN in overflow', () => {
    expect(axis.index(-5)).toBe(0);
    expect(axis.index(Number.NaN)).toBe(4);
  });

  it('rejects edges that do not increase, naming the axis', () => {
    expect(() => variable([0, 2, 2], { name: 'pt' })).toThrow(/strictly increasing.*'pt'/);
  });
});

describe('integer axis', () => {
  const axis = integer(-1, 3, { name: 'charge' });

  it('has one bin per integer and floors fractional values', () => {
    expect([-1, 0, 1, 2, 2.7].map((x) => axis.index(x))).toEqual([1, 2, 3, 4, 4]);
    expect(Array.from(axis.edges)).toEqual([-1, 0, 1, 2, 3]);
  });

  it('puts values outside [start, stop) and NaN into flow bins', () => {
    expect(axis.index(-1.5)).toBe(0);
    expect(axis.index(3)).toBe(5);
    expect(axis.index(Number.NaN)).toBe(5);
  });
});

describe('category axis', () => {
  it('sends unknown values of a fixed axis to its overflow bin', () => {
    const h = new Hist(category(['mu', 'e'], { name: 'flavour' }));
    h.fill({ flavour: ['mu', 'e', 'tau', 'mu'] });
    expect(Array.from(h.values())).toEqual([2, 1]);
    expect(Array.from(h.values({ flow: true }))).toEqual([2, 1, 1]);
  });

  it('grows a bin for every new value, in the order first seen', () => {
    const h = new Hist(category([], { name: 'dataset', growth: true }));
    h.fill({ dataset: ['b', 'a', 'b'] });
    h.fill({ dataset: 'c' });
    const axis = h.axis('dataset');
    expect(axis.kind === 'category' && axis.categories).toEqual(['b', 'a', 'c']);
    expect(Array.from(h.values())).toEqual([2, 1, 1]);
  });

  it('rejects a fixed axis without categories and duplicate categories', () => {
    expect(() => category([], { name: 'c' })).toThrow(HistError);
    expect(() => category(['a', 'a'], { name: 'c' })).toThrow(/distinct/);
  });
});

describe('Hist construction', () => {
  it('rejects two axes with the same name', () => {
    expect(() => new Hist(regular(1, 0, 1, { name: 'x' }), integer(0, 1, { name: 'x' }))).toThrow(/'x' twice/);
  });

  it('copies its axes, so growing one histogram leaves another alone', () => {
    const axis = category([], { name: 'd', growth: true });
    const a = new Hist(axis);
    const b = new Hist(axis);
    a.fill({ d: 'x' });
    expect(a.axes[0]?.bins).toBe(1);
    expect(b.axes[0]?.bins).toBe(0);
    expect(axis.bins).toBe(0);
  });
});
