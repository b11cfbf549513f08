/**
 * Unweighted ('double') storage of Hist: a histogram filled without weights keeps no sumw2 (it
 * equals sumw), crosses threads and Redis with half the bytes, and every read-out, merge, codec
 * and journal record equals what weighted storage gives, value for value and bit for bit.
 */
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { decodeResult } from '../src/backends/codec/decode.ts';
import { encodeResult } from '../src/backends/codec/encode.ts';
import { encodeRecordFrame } from '../src/journal/record-codec.ts';
import { category } from '../src/results/category.ts';
import { Hist } from '../src/results/hist.ts';
import { histCodec } from '../src/results/hist-codec.ts';
import { regular } from '../src/results/regular.ts';

const BINS = 1000;
const mass = () => regular(BINS, 60, 120, { name: 'mass' });

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function masses(seed: number, n = 5000): Float64Array {
  const r = lcg(seed);
  return Float64Array.from({ length: n }, () => 50 + 80 * r());
}

/** Unweighted fill: 'double' storage. */
function unweighted(seed: number): Hist {
  return new Hist(mass()).fill({ mass: masses(seed) });
}

/** The same entries with explicit unit weights per entry: 'weight' storage, the reference. */
function weightedOnes(seed: number): Hist {
  const m = masses(seed);
  return new Hist(mass()).fill({ mass: m }, { weight: new Float64Array(m.length).fill(1) });
}

/** Entries with non-unit weights. */
function weighted(seed: number): Hist {
  const m = masses(seed);
  const r = lcg(seed + 99);
  return new Hist(mass()).fill({ mass: m }, { weight: Float64Array.from(m, () => 0.5 + r()) });
}

/** Sends a result as a worker does: encode, structured clone with the transfer list, decode. */
function roundTrip<T>(value: T): T {
  const { data, transfer } = encodeResult(value);
  return decodeResult(structuredClone(data, { transfer })) as T;
}

/** Every read-out, flow bins included, as plain arrays (for toEqual, which tells -0 from +0 and NaN). */
function readOut(h: Hist): { sumw: number[]; sumw2: number[]; variances: number[]; values: number[]; counts: number[] } {
  return {
    sumw: [...h.values({ flow: true })],
    sumw2: [...h.clone().storage().sumw2],
    variances: [...h.variances({ flow: true })],
    values: [...h.values()],
    counts: [...h.counts({ flow: true })],
  };
}

describe('Hist unweighted storage', () => {
  it('keeps no sumw2 for unweighted fills; variances and counts equal the weighted reference', () => {
    const h = unweighted(1);
    expect(h.storageKind).toBe('double');
    expect(h.cells().sumw2).toBeUndefined();
    const ref = weightedOnes(1);
    expect(ref.storageKind).toBe('weight');
    expect(readOut(h)).toEqual(readOut(ref));
    expect([...h.variances()]).toEqual([...h.values()]);
    // weight: 1 is unweighted too
    expect(new Hist(mass()).fill({ mass: masses(2) }, { weight: 1 }).storageKind).toBe('double');
  });

  it('fill → encode → decode → merge equals the weighted-storage result value for value', () => {
    const merged = roundTrip(unweighted(1)).add(roundTrip(unweighted(2))).add(roundTrip({ h: unweighted(3) }).h);
    const ref = roundTrip(weightedOnes(1)).add(roundTrip(weightedOnes(2))).add(roundTrip({ h: weightedOnes(3) }).h);
    expect(merged.storageKind).toBe('double');
    expect(ref.storageKind).toBe('weight');
    expect(readOut(merged)).toEqual(readOut(ref));
    expect(merged.sum({ flow: true })).toBe(15_000);
  });

  it('the first weighted fill materializes sumw2 from sumw, then adds the squared weights', () => {
    const h = unweighted(1);
    const m = masses(5);
    const w = Float64Array.from(m, (_, i) => 0.25 + (i % 7));
    h.fill({ mass: m }, { weight: w });
    expect(h.storageKind).toBe('weight');
    const ref = weightedOnes(1).fill({ mass: m }, { weight: w });
    expect(readOut(h)).toEqual(readOut(ref));
    // a scalar weight other than 1 too
    const s = unweighted(1).fill({ mass: m }, { weight: 3 });
    const sRef = weightedOnes(1).fill({ mass: m }, { weight: 3 });
    expect(s.storageKind).toBe('weight');
    expect(readOut(s)).toEqual(readOut(sRef));
  });

  it('mixes weighted and unweighted merges in either order, across threads, leaving the added one untouched', () => {
    const ref = weightedOnes(1).add(weighted(2));
    const a = roundTrip(unweighted(1)).add(roundTrip(weighted(2)));
    expect(a.storageKind).toBe('weight');
    expect(readOut(a)).toEqual(readOut(ref));

    const ref2 = weighted(2).add(weightedOnes(1));
    const other = unweighted(1);
    const b = roundTrip(weighted(2)).add(other);
    expect(b.storageKind).toBe('weight');
    expect(readOut(b)).toEqual(readOut(ref2));
    expect(other.storageKind).toBe('double');
    expect(readOut(other)).toEqual(readOut(weightedOnes(1)));
  });

  it('merges growing category axes (cells remapped) in either order', () => {
    const cat = () => category([], { name: 'dataset', growth: true });
    const u = () => new Hist(mass(), cat()).fill({ mass: masses(1), dataset: 'DY' }).fill({ mass: masses(2), dataset: 'TT' });
    const uRef = () =>
      new Hist(mass(), cat()).fill({ mass: masses(1), dataset: 'DY' }, { weight: new Float64Array(5000).fill(1) }).fill({ mass: masses(2), dataset: 'TT' }, { weight: new Float64Array(5000).fill(1) });
    const w = () => new Hist(mass(), cat()).fill({ mass: masses(3), dataset: 'WJ' }, { weight: 2 }).fill({ mass: masses(4), dataset: 'DY' }, { weight: 0.5 });
    expect(readOut(u().add(w()))).toEqual(readOut(uRef().add(w())));
    expect(readOut(w().add(u()))).toEqual(readOut(w().add(uRef())));
    // unweighted + unweighted with different categories stays unweighted
    const uu = u().add(new Hist(mass(), cat()).fill({ mass: masses(5), dataset: 'QCD' }));
    expect(uu.storageKind).toBe('double');
    expect(readOut(uu)).toEqual(readOut(uRef().add(new Hist(mass(), cat()).fill({ mass: masses(5), dataset: 'QCD' }, { weight: new Float64Array(5000).fill(1) }))));
  });

  it('keeps its kind through clone, project and reset', () => {
    const cat = () => category(['a', 'b'], { name: 'c' });
    const h = new Hist(mass(), cat()).fill({ mass: masses(1), c: 'a' });
    const ref = new Hist(mass(), cat()).fill({ mass: masses(1), c: 'a' }, { weight: new Float64Array(5000).fill(1) });
    expect(h.clone().storageKind).toBe('double');
    expect(h.project('c').storageKind).toBe('double');
    expect(readOut(h.project('c'))).toEqual(readOut(ref.project('c')));
    expect(readOut(h.project('mass'))).toEqual(readOut(ref.project('mass')));
    expect(h.clone().reset().storageKind).toBe('double');
  });

  it('encodes unweighted Hists with half the bytes: through threads (transfer list) and as a cluster payload (v8)', () => {
    const u = encodeResult(unweighted(1));
    const w = encodeResult(weightedOnes(1));
    const bytes = (t: ArrayBuffer[]) => t.reduce((n, b) => n + b.byteLength, 0);
    expect(bytes(u.transfer)).toBe((BINS + 2) * 8);
    expect(bytes(w.transfer)).toBe(2 * (BINS + 2) * 8);
    const uSize = serialize(u.data).byteLength;
    const wSize = serialize(w.data).byteLength;
    expect(uSize / wSize).toBeGreaterThan(0.45);
    expect(uSize / wSize).toBeLessThan(0.55);
  });

  it('still decodes the encoding written before unweighted storage (no storage field, with sumw2)', () => {
    const ref = weighted(3);
    const { sumw, sumw2 } = ref.clone().storage();
    const old = histCodec.decode({ axes: ref.axes.map((a) => a.toJSON()), sumw, sumw2 });
    expect(old.storageKind).toBe('weight');
    expect(readOut(old)).toEqual(readOut(ref));
  });

  it('refuses a malformed encoding with E_HIST_FORMAT, naming what came', () => {
    const axes = [mass().toJSON()];
    const cells = new Float64Array(BINS + 2);
    expect(() => histCodec.decode({ axes, storage: 'double', sumw: cells, sumw2: cells })).toThrow(expect.objectContaining({ code: 'E_HIST_FORMAT' }));
    expect(() => histCodec.decode({ axes, storage: 'int', sumw: cells })).toThrow(/storage "int"/);
    expect(() => histCodec.decode({ axes, storage: 'weight', sumw: cells })).toThrow(expect.objectContaining({ code: 'E_HIST_FORMAT' }));
    expect(() => Hist.fromStorage([mass()], new Float64Array(3))).toThrow(/got sumw 3 and no sumw2/);
  });

  it('writes the same JSON as weighted storage, and reads unweighted JSON back as double storage', () => {
    const h = unweighted(1);
    const ref = weightedOnes(1);
    expect(h.toJSON()).toEqual(ref.toJSON());
    expect(Hist.fromJSON(h.toJSON()).storageKind).toBe('double');
    expect(Hist.fromJSON(weighted(1).toJSON()).storageKind).toBe('weight');
    expect(readOut(Hist.fromJSON(h.toJSON()))).toEqual(readOut(ref));
  });

  it('storage() hands out a sumw2 array (a copy of sumw) and the Hist then keeps it', () => {
    const h = unweighted(1);
    const { sumw, sumw2 } = h.storage();
    expect(sumw2).not.toBe(sumw);
    expect([...sumw2]).toEqual([...sumw]);
    expect(h.storageKind).toBe('weight');
    sumw2[10] = 123;
    expect(h.variances({ flow: true })[10]).toBe(123);
  });

  it('journal records of an unweighted Hist are byte-identical to weighted storage, and leave it unweighted', () => {
    const h = unweighted(1);
    const a = encodeRecordFrame([[0, 10]], new Map([[undefined, { h }]]));
    const b = encodeRecordFrame([[0, 10]], new Map([[undefined, { h: weightedOnes(1) }]]));
    expect(a.equals(b)).toBe(true);
    expect(h.storageKind).toBe('double');
  });
});
