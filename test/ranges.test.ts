import { describe, expect, it } from 'vitest';
import { RangeOverlapError } from '../src/protocol/errors.ts';
import { RangeSet, subtractRanges } from '../src/protocol/range.ts';

describe('ranges', () => {
  it('coalesces adjacent ranges, in any order', () => {
    const set = new RangeSet();
    set.add([10, 20]).add([0, 10]).add([30, 40]).add([20, 30]);
    expect(set.toArray()).toEqual([[0, 40]]);
    expect(set.length).toBe(40);
  });

  it('keeps ranges with gaps apart, sorted', () => {
    const set = new RangeSet([[43, 100], [0, 42]]);
    expect(set.toArray()).toEqual([[0, 42], [43, 100]]);
    expect(set.count).toBe(2);
    expect(set.has(42)).toBe(false);
    expect(set.has(43)).toBe(true);
  });

  it('rejects an overlap as a double count, naming both ranges', () => {
    const set = new RangeSet([[0, 10]]);
    expect(() => set.add([5, 15])).toThrow(RangeOverlapError);
    expect(() => set.add([5, 15])).toThrow('Range [5, 15) overlaps [0, 10)');
    expect(() => set.add([0, 10])).toThrow(RangeOverlapError);
    expect(set.toArray()).toEqual([[0, 10]]);
    try {
      set.add([9, 11]);
    } catch (error) {
      expect((error as RangeOverlapError).code).toBe('E_RANGE_OVERLAP');
    }
  });

  it('subtracts to give what remains', () => {
    const done = new RangeSet([[0, 42], [43, 100]]);
    expect(done.complement(100).toArray()).toEqual([[42, 43]]);
    expect(done.complement(120).toArray()).toEqual([[42, 43], [100, 120]]);
    expect(subtractRanges([[0, 100]], [[10, 20], [50, 60]])).toEqual([[0, 10], [20, 50], [60, 100]]);
    expect(new RangeSet().complement(5).toArray()).toEqual([[0, 5]]);
  });

  it('ignores empty ranges and rejects reversed ones', () => {
    const set = new RangeSet();
    set.add([5, 5]);
    expect(set.count).toBe(0);
    expect(() => set.add([5, 4])).toThrow(/start <= stop/);
  });
});
