import { describe, expect, it } from 'vitest';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { category } from '../src/results/category.ts';
import { deserializeResult, serializeResult } from '../src/results/serialize.ts';
import { EMPTY } from '../src/protocol/result.ts';
import { registerCodec } from '../src/protocol/codec.ts';

class Tally {
  constructor(public n: number) {}
  add(other: Tally): Tally {
    this.n += other.n;
    return this;
  }
}
registerCodec<Tally>({ tag: 'test.Tally', is: (v): v is Tally => v instanceof Tally, encode: (t) => t.n, decode: (n) => new Tally(n as number) });

const roundTrip = (value: unknown): unknown => deserializeResult(JSON.parse(JSON.stringify(serializeResult(value))));

describe('serializeResult / deserializeResult', () => {
  it('round-trips records, Maps, Sets, Hists, numbers and bigints with their types', () => {
    const h = new Hist(regular(2, 0, 2, { name: 'x' }), category([], { name: 'd', growth: true })).fill({ x: [0.5, 1.5], d: ['a', 'b'] });
    const value = {
      n: 3,
      big: 12345678901234567890n,
      ratio: Number.NaN,
      inf: -Infinity,
      name: 'run',
      flags: [true, null],
      perDataset: new Map<string, unknown>([['DY', { mass: h }], ['TT', new Set(['x', 'y'])]]),
      weights: new Float64Array([0.5, 2]),
      tally: new Tally(4),
      odd: { $type: 'not a tag' },
      nothing: EMPTY,
    };
    const back = roundTrip(value) as typeof value;
    expect(back.n).toBe(3);
    expect(back.big).toBe(12345678901234567890n);
    expect(back.ratio).toBeNaN();
    expect(back.inf).toBe(-Infinity);
    expect(back.flags).toEqual([true, null]);
    expect(back.perDataset).toBeInstanceOf(Map);
    const mass = (back.perDataset.get('DY') as { mass: Hist }).mass;
    expect(mass).toBeInstanceOf(Hist);
    expect(Array.from(mass.values())).toEqual(Array.from(h.values()));
    expect(back.perDataset.get('TT')).toEqual(new Set(['x', 'y']));
    expect(back.weights).toEqual(new Float64Array([0.5, 2]));
    expect(back.tally).toBeInstanceOf(Tally);
    expect(back.tally.n).toBe(4);
    expect(back.odd).toEqual({ $type: 'not a tag' });
    expect(back.nothing).toBe(EMPTY);
  });

  it('names the key path of a value it cannot serialize', () => {
    expect(() => serializeResult({ a: { b: () => 1 } })).toThrow(/function at key path "a" → "b"/);
  });

  it('rejects JSON that is not a serialized result', () => {
    expect(() => deserializeResult({ hello: 1 })).toThrow(expect.objectContaining({ code: 'E_HIST_FORMAT' }));
  });

  it('accepts a bare histogram JSON', () => {
    const h = new Hist(regular(2, 0, 2, { name: 'x' })).fill({ x: [1] });
    expect(deserializeResult(JSON.parse(JSON.stringify(h)))).toBeInstanceOf(Hist);
  });
});
