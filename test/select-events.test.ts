import { describe, expect, it } from 'vitest';
import { eventSelection, selectEvents } from '../src/io/events/masks.ts';
import type { JaggedColumn, NumericArray } from '../src/io/columns.ts';

// selectEvents copies runs of kept events through integer views of the element width; these
// compare it with the plain per-element definition for every width, runs long and short.
const maskOf = (n: number, seed: number) => {
  let x = seed;
  const m = Uint8Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) % 10 < 3 ? 1 : 0));
  if (n > 200) m.fill(1, 20, 180); // one run longer than the copy loop's threshold
  return m;
};
const plain = (values: NumericArray, mask: Uint8Array) => Array.from(values as ArrayLike<number | bigint>).filter((_, i) => mask[i] !== 0);

describe('selectEvents', () => {
  for (const n of [0, 1, 7, 300]) {
    it(`keeps the masked events of flat columns of every width (${n} events)`, () => {
      const mask = maskOf(n, n + 1);
      const columns: NumericArray[] = [
        Float64Array.from({ length: n }, (_, i) => i + 0.5),
        BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 0x1_0000_0001n - 7n),
        BigUint64Array.from({ length: n }, (_, i) => 2n ** 63n + BigInt(i)),
        Float32Array.from({ length: n }, (_, i) => i / 3),
        Int32Array.from({ length: n }, (_, i) => -i),
        Uint16Array.from({ length: n }, (_, i) => i * 7),
        Int8Array.from({ length: n }, (_, i) => (i % 200) - 100),
        Uint8Array.from({ length: n }, (_, i) => i & 1),
      ];
      for (const column of columns) {
        const got = selectEvents(column, mask);
        expect(got.constructor).toBe(column.constructor);
        expect(Array.from(got as ArrayLike<number | bigint>)).toEqual(plain(column, mask));
      }
    });

    it(`keeps whole events of jagged columns, offsets from 0 (${n} events)`, () => {
      const mask = maskOf(n, 3 * n + 2);
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + ((i * 5) % 4);
      const values = BigInt64Array.from({ length: offsets[n]! }, (_, k) => BigInt(k) - 1n);
      const got = selectEvents({ offsets, values }, mask) as JaggedColumn<BigInt64Array>;
      const rows = (c: JaggedColumn<BigInt64Array>) => Array.from({ length: c.offsets.length - 1 }, (_, i) => Array.from(c.values.subarray(c.offsets[i]!, c.offsets[i + 1]!)));
      expect(got.offsets[0]).toBe(0);
      expect(rows(got)).toEqual(rows({ offsets, values }).filter((_, i) => mask[i] !== 0));
    });
  }

  it('one selection for a collection: equal offsets worked out once, each column its own copy; masks at any byte offset, long zero stretches', () => {
    const n = 1000;
    // Kept: events 3, 500-503 and 999 (long stretches of zeros between), in a mask that starts at byte 1 of its buffer.
    const backing = new Uint8Array(n + 1);
    const mask = backing.subarray(1);
    for (const i of [3, 500, 501, 502, 503, 999]) mask[i] = 1;
    const keep = eventSelection(mask);
    expect(keep.kept).toBe(6);
    const counts = Array.from({ length: n }, (_, i) => i % 3);
    const offsetsOf = () => Int32Array.from({ length: n + 1 }, (_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
    const pt = { offsets: offsetsOf(), values: Float32Array.from({ length: offsetsOf()[n]! }, (_, k) => k / 2) };
    const eta = { offsets: offsetsOf(), values: Int16Array.from({ length: offsetsOf()[n]! }, (_, k) => -k) };
    const other = { offsets: Int32Array.from({ length: n + 1 }, (_, i) => 2 * i), values: Float64Array.from({ length: 2 * n }, (_, k) => k) };
    const rows = (c: JaggedColumn) => Array.from({ length: c.offsets.length - 1 }, (_, i) => Array.from(c.values.subarray(c.offsets[i]!, c.offsets[i + 1]!) as ArrayLike<number>));
    const want = (c: JaggedColumn) => rows(c).filter((_, i) => mask[i] !== 0);
    const [gotPt, gotEta, gotOther, gotPtAgain] = [keep(pt), keep(eta), keep(other), keep(pt)];
    expect(rows(gotPt)).toEqual(want(pt));
    expect(rows(gotEta)).toEqual(want(eta));
    expect(rows(gotOther)).toEqual(want(other));
    expect(rows(gotPtAgain)).toEqual(want(pt));
    expect(gotPt.offsets).not.toBe(gotEta.offsets);
    gotPt.offsets[1] = 99; // one column's offsets are its own
    expect(gotEta.offsets[1]).toBe(want(eta)[0]!.length);
    expect(Array.from(keep(Float64Array.from({ length: n }, (_, i) => i)))).toEqual([3, 500, 501, 502, 503, 999]);
    expect(eventSelection(new Uint8Array(n)).kept).toBe(0);
    expect(Array.from(eventSelection(new Uint8Array(n).fill(1))(Int32Array.from({ length: n }, (_, i) => i)))).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('refuses a mask of the wrong length', () => {
    expect(() => selectEvents(Float32Array.of(1, 2), Uint8Array.of(1))).toThrow('Expected an event mask of 2 entries, got 1');
  });
});
