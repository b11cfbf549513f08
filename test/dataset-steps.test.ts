import { describe, expect, it } from 'vitest';
import { dataGroup, dataset } from '../src/io/dataset/dataset.ts';
import { DatasetNotPreparedError } from '../src/io/dataset/errors.ts';
import type { EventsData } from '../src/io/dataset/events-data.ts';
import { mapSteps } from '../src/io/dataset/map-steps.ts';
import type { Computable, WorkElement } from '../src/protocol/computable.ts';
import { restrict } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { RangeSet } from '../src/protocol/range.ts';

const count = ({ events }: { events: { length: number } }) => events.length;

/** Drains a computable, sending `sizes[i]` after the i-th element when given. */
function drain<R>(c: Computable<R>, sizes: Record<number, number> = {}): WorkElement<R>[] {
  const gen = c.steps();
  const out: WorkElement<R>[] = [];
  let next = gen.next();
  while (!next.done) {
    out.push(next.value);
    next = gen.next(sizes[out.length - 1]);
  }
  return out;
}

const chunk = (e: WorkElement) => (e.data as EventsData).descriptor;
const where = (e: WorkElement) => `${chunk(e).path}[${chunk(e).start},${chunk(e).stop})`;

const two = dataset('DY', [
  { path: 'a.root', treename: 'Events', entries: 25 },
  { path: 'b.root', treename: 'Events', entries: 12 },
]);

describe('mapSteps', () => {
  it('lays the files one after another in the index space, so ranges count entries', () => {
    const c = mapSteps(two, count, { stepSize: 10 });
    expect(c.size).toBe(37);
    expect(drain(c).map((e) => e.range)).toEqual([[0, 10], [10, 20], [20, 25], [25, 35], [35, 37]]);
    expect(drain(c).map((e) => e.entries)).toEqual([10, 10, 5, 10, 2]);
  });

  it('walks depth first: every step of file 1, then of file 2', () => {
    const order = drain(mapSteps(two, count, { stepSize: 10, traversal: 'depth' })).map(where);
    expect(order).toEqual(['a.root[0,10)', 'a.root[10,20)', 'a.root[20,25)', 'b.root[0,10)', 'b.root[10,12)']);
  });

  it('walks breadth first: step 1 of every file, then step 2', () => {
    const order = drain(mapSteps(two, count, { stepSize: 10, traversal: 'breadth' })).map(where);
    expect(order).toEqual(['a.root[0,10)', 'b.root[0,10)', 'a.root[10,20)', 'b.root[10,12)', 'a.root[20,25)']);
  });

  it('re-tiles the rest of the files when the runtime sends a new chunk size', () => {
    const elements = drain(mapSteps(two, count, { stepSize: 10 }), { 0: 4 });
    expect(elements.map(where)).toEqual([
      'a.root[0,10)', 'a.root[10,14)', 'a.root[14,18)', 'a.root[18,22)', 'a.root[22,25)', 'b.root[0,4)', 'b.root[4,8)', 'b.root[8,12)',
    ]);
    const covered = new RangeSet(elements.map((e) => e.range));
    expect(covered.toArray()).toEqual([[0, 37]]);
  });

  it('snaps re-tiled steps to cluster boundaries when asked', () => {
    const ds = dataset('DY', [{ path: 'a.root', treename: 'Events', entries: 30, clusters: [0, 7, 14, 21, 30] }]);
    const elements = drain(mapSteps(ds, count, { stepSize: 10, alignClusters: true }), { 0: 6 });
    expect(elements.map(where)).toEqual(['a.root[0,7)', 'a.root[7,14)', 'a.root[14,21)', 'a.root[21,30)']);
  });

  it('uses prepared steps as they are when no step size is given', () => {
    const ds = dataset('DY', [{ path: 'a.root', treename: 'Events', entries: 30, steps: [[0, 13], [13, 30]] }]);
    expect(drain(mapSteps(ds, count)).map((e) => e.range)).toEqual([[0, 13], [13, 30]]);
    expect(drain(mapSteps(ds, count, { stepSize: 10 })).map((e) => e.range)).toEqual([[0, 10], [10, 20], [20, 30]]);
  });

  it('keeps only the first maxChunks steps of each dataset, and shrinks the index space to them', () => {
    const c = mapSteps(two, count, { stepSize: 10, maxChunks: 2, traversal: 'breadth' });
    expect(drain(c).map(where)).toEqual(['a.root[0,10)', 'b.root[0,10)']);
    expect(c.size).toBe(20);
    expect(drain(c).map((e) => e.range)).toEqual([[0, 10], [10, 20]]);
  });

  it('throws a clear error on a dataset whose files lack entry counts', () => {
    const raw = dataset('DY', ['a.root']);
    expect(() => mapSteps(raw, count)).toThrow(DatasetNotPreparedError);
    expect(() => mapSteps(raw, count)).toThrow(/run `await preprocess\(backend, data\)`.*or give `\{ entries \}`/);
  });

  it('re-tiles exactly the missing ranges when restricted, even across a file boundary', () => {
    const c = mapSteps(two, count, { stepSize: 10 });
    const rest = restrict(c, [[12, 17], [22, 30]]);
    expect(rest.size).toBe(37);
    expect(drain(rest).map(where)).toEqual(['a.root[12,17)', 'a.root[22,25)', 'b.root[0,5)']);
    expect(drain(rest).map((e) => e.range)).toEqual([[12, 17], [22, 25], [25, 30]]);
    expect(rest.key).not.toBe(c.key);
  });

  it('gives the same key for the same processor, files and options, and another for other options', () => {
    const a = mapSteps(two, count, { stepSize: 10 });
    const b = mapSteps(dataset('DY', [...two.files]), count, { stepSize: 10 });
    expect(a.key).toBe(b.key);
    expect(mapSteps(two, count, { stepSize: 11 }).key).not.toBe(a.key);
  });

  it('describes each chunk so a worker can load it again, with the declared columns', () => {
    const ref = defineProcessor(import.meta.url, 'count', count, { columns: ['nMuon'] });
    const ds = dataset('DY', [{ path: 'a.root', treename: 'Events', entries: 25, uuid: 'u' }], { xsec: 2 });
    const [first] = drain(mapSteps(ds, ref, { stepSize: 10 }));
    expect(first?.processor).toMatchObject({ kind: 'processor-ref', module: ref.module, exportName: 'count', options: { columns: ['nMuon'] } });
    expect(first?.data.toDescriptor?.()).toMatchObject({
      kind: 'events', path: 'a.root', treename: 'Events', start: 0, stop: 10, columns: ['nMuon'], dataset: 'DY', metadata: { xsec: 2 }, uuid: 'u',
    });
    expect(first?.data.entries).toBe(10);
  });

  it('marks every element of a data group with its dataset name and makes the computable grouped', () => {
    const group = dataGroup([two, dataset('TT', [{ path: 'c.root', treename: 'Events', entries: 5 }])]);
    const c = mapSteps(group, count, { stepSize: 10 });
    expect(c.grouped).toBe(true);
    expect(c.size).toBe(42);
    expect(drain(c).map((e) => [e.group, e.range])).toEqual([
      ['DY', [0, 10]], ['DY', [10, 20]], ['DY', [20, 25]], ['DY', [25, 35]], ['DY', [35, 37]], ['TT', [37, 42]],
    ]);
  });
});

describe('mapSteps and the chunk sizer', () => {
  it('cuts each dataset’s next step at the size the runtime asks for that dataset', () => {
    const group = dataGroup([
      dataset('cheap', [{ path: 'a.root', treename: 'Events', entries: 100 }]),
      dataset('costly', [{ path: 'b.root', treename: 'Events', entries: 100 }]),
    ]);
    const asked: Array<string | undefined> = [];
    const computable = mapSteps(group, count, { stepSize: 50, traversal: 'breadth' });
    const gen = computable.steps((name) => {
      asked.push(name);
      return name === 'cheap' ? 40 : 10;
    });
    const sizes: Array<[string | undefined, number]> = [];
    for (let next = gen.next(); !next.done; next = gen.next()) sizes.push([next.value.group, next.value.range[1] - next.value.range[0]]);
    expect(sizes.filter(([g]) => g === 'cheap').map(([, n]) => n)).toEqual([40, 40, 20]);
    expect(sizes.filter(([g]) => g === 'costly').map(([, n]) => n)).toEqual(Array(10).fill(10));
    expect(new Set(asked)).toEqual(new Set(['cheap', 'costly']));
  });
});
