import { describe, expect, it } from 'vitest';
import { selectEvents } from '../src/io/events/masks.ts';
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

  it('refuses a mask of the wrong length', () => {
    expect(() => selectEvents(Float32Array.of(1, 2), Uint8Array.of(1))).toThrow('Expected an event mask of 2 entries, got 1');
  });
});
