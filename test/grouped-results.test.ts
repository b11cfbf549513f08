import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { inline } from '../src/backends/inline.ts';
import type { Computable, WorkElement } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';
import { createActor } from 'xstate';
import { reducerMachine } from '../src/actors/reducer.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';

/** Two "datasets" of 50 elements each; element i returns a record for its dataset. */
function twoDatasets(delayMs: number): Computable<Record<string, { n: number; sum: number }>> {
  const groups = [
    { name: 'ZJets', range: [0, 50] as const },
    { name: 'Data', range: [50, 100] as const },
  ];
  return {
    key: 'two-datasets',
    size: 100,
    grouped: true,
    groups,
    *steps() {
      for (const { name, range } of groups) {
        for (let i = range[0]; i < range[1]; i++) {
          const element: WorkElement<Record<string, { n: number; sum: number }>> = {
            range: [i, i + 1],
            group: name,
            data: new ValueData(i),
            processor: async (x: number) => {
              if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
              return { n: 1, sum: x } as never;
            },
          };
          yield element;
        }
      }
    },
  };
}

describe('grouped results', () => {
  it('keeps datasets apart in the result', async () => {
    await using backend = inline();
    const result = await backend.compute(twoDatasets(0)).result();
    expect(result).toEqual({ ZJets: { n: 50, sum: 1225 }, Data: { n: 50, sum: 3725 } });
  });

  it('hands a finished dataset out before the whole task ends', async () => {
    await using backend = inline();
    const handedOut: Array<{ group: string; at: number }> = [];
    const task = backend.compute(twoDatasets(1), {
      batchSize: 5,
      onGroupComplete: (group) => handedOut.push({ group, at: task.partial().processed }),
    });
    const groups = await lastValueFrom(task.groups$.pipe(toArray()));
    expect(groups.map((g) => g.group)).toEqual(['ZJets', 'Data']);
    expect(groups[0]!.result).toEqual({ n: 50, sum: 1225 });
    expect(groups[1]!.result).toEqual({ n: 50, sum: 3725 });
    expect(handedOut[0]!.group).toBe('ZJets');
    expect(handedOut[0]!.at).toBeLessThan(100);
    expect(task.status).toBe('complete');
  });

  it('hands a dataset out without a copy: the very value result() holds, never changed afterwards', async () => {
    await using backend = inline();
    const seen: Array<{ group: string; value: unknown; json: string }> = [];
    const task = backend.compute(twoDatasets(1), {
      batchSize: 5,
      onGroupComplete: (group, value) => seen.push({ group, value, json: JSON.stringify(value) }),
    });
    const result = await task.result();
    expect(seen.map((s) => s.group)).toEqual(['ZJets', 'Data']);
    for (const { group, value, json } of seen) {
      expect(value).toBe(result[group]);
      expect(JSON.stringify(value)).toBe(json);
    }
    expect(result).toEqual({ ZJets: { n: 50, sum: 1225 }, Data: { n: 50, sum: 3725 } });
  });

  it('a sealed reducer merges a late partial into a copy, leaving the handed-out value as it was', () => {
    const reducer = createActor(reducerMachine, { input: { group: 'A', mergeEvery: 1 } }).start();
    const h = () => new Hist(regular(4, 0, 4, { name: 'x' }));
    reducer.send({ type: 'PARTIAL', value: h().fill({ x: [0.5] }) });
    reducer.send({ type: 'PARTIAL', value: h().fill({ x: [1.5] }) });
    reducer.send({ type: 'SEAL' });
    const handedOut = reducer.getSnapshot().context.acc as Hist;
    expect([...handedOut.values()]).toEqual([1, 1, 0, 0]);
    reducer.send({ type: 'PARTIAL', value: h().fill({ x: [2.5] }) });
    expect([...handedOut.values()]).toEqual([1, 1, 0, 0]);
    const after = reducer.getSnapshot().context.acc as Hist;
    expect(after).not.toBe(handedOut);
    expect([...after.values()]).toEqual([1, 1, 1, 0]);
    reducer.stop();
  });

  it('folds each partial in as it arrives by default, holding none', async () => {
    await using backend = inline();
    const task = backend.compute(twoDatasets(0), { batchSize: 1 });
    let maxBuffered = 0;
    task.progress$.subscribe(() => {
      for (const reducer of task.actor.getSnapshot().context.reducers.values()) {
        maxBuffered = Math.max(maxBuffered, reducer.getSnapshot().context.buffer.length);
      }
    });
    expect(await task.result()).toEqual({ ZJets: { n: 50, sum: 1225 }, Data: { n: 50, sum: 3725 } });
    expect(maxBuffered).toBe(0);
  });
});
