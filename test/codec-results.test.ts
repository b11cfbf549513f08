import { describe, expect, it } from 'vitest';
import { decodeResult } from '../src/backends/codec/decode.ts';
import { encodeResult } from '../src/backends/codec/encode.ts';
import { CodecError } from '../src/backends/codec/errors.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { Tally, Unregistered } from './fixtures/threads/results.ts';

/** Sends a value the way a worker does: encode, structured clone with the transfer list, decode. */
function roundTrip(value: unknown): unknown {
  const { data, transfer } = encodeResult(value);
  return decodeResult(structuredClone(data, { transfer }));
}

describe('result codecs', () => {
  it('passes plain data as it is: the same object, nothing copied', () => {
    const value = { n: 1, big: 10n, list: [1, 2, 3], byKey: new Map([['a', 1]]), seen: new Set([1, 2]), nested: { x: 2.5 } };
    const { data, transfer } = encodeResult(value);
    expect(data).toBe(value);
    expect(transfer).toEqual([]);
    expect(roundTrip(value)).toEqual(value);
  });

  it('moves typed-array buffers instead of cloning them', () => {
    const counts = new Float64Array([1, 2, 3]);
    const { data, transfer } = encodeResult({ counts });
    expect(transfer).toEqual([counts.buffer]);
    const back = structuredClone(data, { transfer }) as { counts: Float64Array };
    expect(counts.byteLength).toBe(0); // detached: moved, not copied
    expect([...back.counts]).toEqual([1, 2, 3]);
  });

  it('clones a view on part of a buffer rather than moving the whole buffer', () => {
    const whole = new Float64Array(8);
    const { transfer } = encodeResult({ part: whole.subarray(2, 4) });
    expect(transfer).toEqual([]);
  });

  it('brings a Hist back as a Hist, with its storage moved', () => {
    const h = new Hist(regular(4, 0, 4, { name: 'x' }));
    h.fill({ x: [0.5, 1.5, 1.5] });
    const back = roundTrip({ inner: { h } }) as { inner: { h: Hist } };
    expect(back.inner.h).toBeInstanceOf(Hist);
    expect([...back.inner.h.values()]).toEqual([1, 2, 0, 0]);
    expect(h.storage().sumw.byteLength).toBe(0);
  });

  it('brings a user class with a registered codec back as that class, inside Maps, Sets and arrays', () => {
    const t = new Tally(new Float64Array([1, 2, 3, 4]));
    const back = roundTrip({ m: new Map([['k', t]]), list: [7, new Tally()], s: new Set([new Tally()]) }) as {
      m: Map<string, Tally>;
      list: unknown[];
      s: Set<unknown>;
    };
    expect(back.m.get('k')).toBeInstanceOf(Tally);
    expect([...back.m.get('k')!.values]).toEqual([1, 2, 3, 4]);
    expect(back.list[0]).toBe(7);
    expect(back.list[1]).toBeInstanceOf(Tally);
    expect([...back.s][0]).toBeInstanceOf(Tally);
  });

  it('does not change the sender-side containers when it envelopes an instance', () => {
    const value = { a: { t: new Tally() }, b: [1] };
    encodeResult(value);
    expect(value.a.t).toBeInstanceOf(Tally);
  });

  it('refuses a class instance without codec, naming the class and where it sits', () => {
    const attempt = () => encodeResult({ ZJets: { mass: new Unregistered() } });
    expect(attempt).toThrow(CodecError);
    expect(attempt).toThrow(/Unregistered instance across threads at key path "ZJets" → "mass".*registerCodec/);
    try {
      attempt();
    } catch (error) {
      expect((error as CodecError).code).toBe('E_NO_CODEC');
      expect((error as CodecError).className).toBe('Unregistered');
    }
  });

  it('refuses functions inside a result', () => {
    expect(() => encodeResult({ f: [() => 1] })).toThrow(/function.*key path "f" → "0"/);
  });

  it('says which module to import when a tag has no codec on the receiving side', () => {
    const data = { '@@cortado/encoded': 1, value: { x: { '@@cortado/codec': 'nowhere.Thing', data: 1 } } };
    expect(() => decodeResult(data)).toThrow(/codec "nowhere.Thing" at key path "x".*registerCodec/);
  });
});
