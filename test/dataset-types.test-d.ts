import { describe, expectTypeOf, it } from 'vitest';
import { DataGroup, dataGroup, dataset } from '../src/io/dataset/dataset.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { inline } from '../src/backends/inline.ts';
import type { EventsContext, EventsInput } from '../src/io/dataset/context.ts';
import { mapSteps } from '../src/io/dataset/map-steps.ts';
import type { Computable } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';

describe('dataset types', () => {
  it('gives the processor a context whose metadata has the dataset’s metadata type', () => {
    const dy = dataset('DY', [{ path: 'a.root', treename: 'Events', entries: 40 }], { xsec: 6077.2, isData: false });
    const c = dy.mapSteps(({ events, context }) => {
      expectTypeOf(context.metadata).toEqualTypeOf<{ xsec: number; isData: boolean }>();
      expectTypeOf(context.dataset).toEqualTypeOf<string>();
      expectTypeOf(context.range).toEqualTypeOf<{ readonly start: number; readonly stop: number }>();
      return events.length * context.metadata.xsec;
    });
    expectTypeOf(c).toEqualTypeOf<Computable<number>>();
  });

  it('refuses a processor that needs metadata the dataset does not have', () => {
    const dy = dataset('DY', [{ path: 'a.root', treename: 'Events', entries: 40 }], { xsec: 1 });
    const needsYear = (input: EventsInput<{ year: number }>) => input.context.metadata.year;
    // @ts-expect-error the dataset's metadata has no `year`
    mapSteps(dy, needsYear);
  });

  it('keys a data group’s result by dataset name and gives the union of their metadata', () => {
    const group = dataGroup([
      dataset('DY', ['a.root'], { xsec: 1 }),
      dataset('Data', ['b.root'], { run: 'B' }),
    ]);
    const c = group.mapSteps(({ context }) => {
      expectTypeOf(context).toEqualTypeOf<EventsContext<{ xsec: number } | { run: string }>>();
      return 1;
    });
    expectTypeOf(c).toEqualTypeOf<Computable<Record<'DY' | 'Data', number>>>();
  });

  it('keeps dataset names through preparation, so each dataset’s result is typed', async () => {
    const group = dataGroup([dataset('ZJets', ['a.root'], { xsec: 1 }), dataset('Data', ['b.root'], { xsec: 2 })]);
    const backend = inline();
    const prepared = await preprocess(backend, group);
    const result = await backend.compute(prepared.mapSteps(({ events }) => events.length)).result();
    expectTypeOf(result.ZJets).toEqualTypeOf<number>();
    // @ts-expect-error: no such dataset
    void result.Nope;
  });

  it('falls back to string keys for groups loaded from JSON', () => {
    const loaded = new DataGroup({ datasets: [{ name: 'X', files: [], metadata: {} }] });
    expectTypeOf(loaded.mapSteps(() => 1)).toEqualTypeOf<Computable<Record<string, number>>>();
  });

  it('keeps the result type of a processor reference', () => {
    const ref = defineProcessor(import.meta.url, 'n', async (input: EventsInput<{ xsec: number }>) => ({ n: input.events.length }));
    const c = mapSteps(dataset('DY', ['a.root'], { xsec: 2 }), ref);
    expectTypeOf(c).toEqualTypeOf<Computable<{ n: number }>>();
  });
});
