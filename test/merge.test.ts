import { describe, expect, it } from 'vitest';
import { MergeTypeError } from '../src/protocol/errors.ts';
import { EMPTY, assertMergeable, cloneResult, merge, mergeAll, type Addable } from '../src/protocol/result.ts';

class Count implements Addable<Count> {
  constructor(public n: number) {}
  add(other: Count): Count {
    this.n += other.n;
    return this;
  }
}

describe('merging results', () => {
  it('adds numbers and bigints', () => {
    expect(merge(1, 2)).toBe(3);
    expect(merge(2n ** 70n, 1n)).toBe(2n ** 70n + 1n);
  });

  it('treats EMPTY as the identity on both sides', () => {
    expect(merge(EMPTY, 5)).toBe(5);
    expect(merge(5, EMPTY)).toBe(5);
    expect(merge(EMPTY, EMPTY)).toBe(EMPTY);
    expect(mergeAll<number>([])).toBe(EMPTY);
  });

  it('calls add() on Addable objects', () => {
    const merged = merge(new Count(2), new Count(3)) as Count;
    expect(merged).toBeInstanceOf(Count);
    expect(merged.n).toBe(5);
  });

  it('merges records key-wise and recursively, keeping keys only one side has', () => {
    const merged = merge<Record<string, unknown>>({ a: 1, nested: { x: 1, y: 2 } }, { b: 2, nested: { y: 3, z: 4 } });
    expect(merged).toEqual({ a: 1, b: 2, nested: { x: 1, y: 5, z: 4 } });
  });

  it('merges Maps key-wise, unions Sets and concatenates arrays', () => {
    expect(merge(new Map([['a', 1], ['b', 2]]), new Map([['b', 3], ['c', 4]]))).toEqual(new Map([['a', 1], ['b', 5], ['c', 4]]));
    expect(merge(new Set([1, 2]), new Set([2, 3]))).toEqual(new Set([1, 2, 3]));
    expect(merge([1, 2], [3])).toEqual([1, 2, 3]);
  });

  it('merges a list of results left to right', () => {
    expect(mergeAll([1, 2, 3, EMPTY, 4])).toBe(10);
  });

  it('refuses a number merged into a record with a TypeError naming both types and the key path', () => {
    const attempt = () => merge<unknown>({ ZJets: { mass: { n: 1 } } }, { ZJets: { mass: 5 } });
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(MergeTypeError);
    expect(attempt).toThrow(/Cannot merge number into record at key path "ZJets" → "mass"/);
    try {
      attempt();
    } catch (error) {
      expect((error as MergeTypeError).path).toEqual(['ZJets', 'mass']);
      expect((error as MergeTypeError).code).toBe('E_MERGE_TYPE');
    }
  });

  it('refuses Addables of different classes and mixed containers', () => {
    class Other {
      add(o: Other) {
        return o;
      }
    }
    expect(() => merge<unknown>(new Count(1), new Other())).toThrow(/Cannot merge Other into Count/);
    expect(() => merge<unknown>(new Map(), new Set())).toThrow(/Cannot merge Set into Map/);
    expect(() => merge<unknown>([1], { a: 1 })).toThrow(/Cannot merge record into array/);
    expect(() => merge<unknown>(1, 'one')).toThrow(/Cannot merge string into number/);
  });

  it('checks compatibility without changing either side', () => {
    const left = { a: 1, b: { c: 2 } };
    expect(() => assertMergeable(left, { a: 1, b: 3 })).toThrow(/key path "b"/);
    expect(left).toEqual({ a: 1, b: { c: 2 } });
    expect(() => assertMergeable(left, { a: 5, d: new Set() })).not.toThrow();
    expect(() => assertMergeable(left, { d: undefined })).toThrow(/Cannot merge undefined at key path "d"/);
  });

  it('deep-copies results so later merges do not change a snapshot', () => {
    const original = { n: 1, m: new Map([['a', { k: 1 }]]), c: new Count(2) };
    const copy = cloneResult(original);
    merge<unknown>(original, { n: 1, m: new Map([['a', { k: 1 }]]), c: new Count(3) });
    expect(copy.n).toBe(1);
    expect(copy.m.get('a')).toEqual({ k: 1 });
    expect(copy.c).toBeInstanceOf(Count);
    expect(copy.c.n).toBe(2);
  });
});

describe('copying class results', () => {
  it('copies a Hist through its codec, so the copy does not change with the original', async () => {
    const { Hist } = await import('../src/results/hist.ts');
    const { regular } = await import('../src/results/regular.ts');
    const h = new Hist(regular(4, 0, 4, { name: 'x', label: 'x' }));
    h.fill({ x: new Float64Array([0.5, 1.5]) });
    const copy = cloneResult(h);
    h.fill({ x: new Float64Array([0.5]) });
    expect(copy).toBeInstanceOf(Hist);
    expect(copy.sum()).toBe(2);
    expect(h.sum()).toBe(3);
  });
});
