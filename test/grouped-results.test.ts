import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { inline } from '../src/backends/inline.ts';
import type { Computable, WorkElement } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';

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
});
