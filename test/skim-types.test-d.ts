import { describe, expectTypeOf, it } from 'vitest';
import { dataGroup, dataset, type DataGroup } from '../src/io/dataset/dataset.ts';
import type { EventsInput } from '../src/io/dataset/context.ts';
import type { Metadata } from '../src/io/dataset/schema.ts';
import { skim } from '../src/io/skim/skim.ts';
import { SkimResult, toDataGroup } from '../src/io/skim/result.ts';
import type { Computable } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';

// Type-only: vitest's typecheck and `tsc --noEmit` check these; nothing here runs.
const xsec = (value: number): { xsec: number } => ({ xsec: value });
const group = dataGroup([dataset('DY', ['a.root'], xsec(1)), dataset('TT', ['b.root'], xsec(2))]);
const fillMass = (input: EventsInput<{ xsec: number }>) => input.events.length * input.context.metadata.xsec;
const needsYear = (input: EventsInput<{ year: number }>) => input.context.metadata.year;
const mask = ({ events }: EventsInput<object>) => new Uint8Array(events.length);

describe('skim types', () => {
  it('carries the skimmed group’s metadata type to the next pass', () => {
    const c = group.mapSteps(skim(({ events }) => new Uint8Array(events.length), { out: 'skims' }));
    expectTypeOf(c).toEqualTypeOf<Computable<Record<'DY' | 'TT', SkimResult<{ xsec: number }>>>>();
    const written = {} as Record<'DY' | 'TT', SkimResult<{ xsec: number }>>;
    const next = toDataGroup(written);
    expectTypeOf(next).toEqualTypeOf<DataGroup<{ xsec: number }>>();
    expectTypeOf(written.DY.toDataGroup()).toEqualTypeOf<DataGroup<{ xsec: number }>>();
    expectTypeOf(written.DY.add(written.TT)).toEqualTypeOf<SkimResult<{ xsec: number }>>();
    expectTypeOf(next.mapSteps(fillMass)).toEqualTypeOf<Computable<Record<string, number>>>();
    // @ts-expect-error the skimmed datasets' metadata has no `year`
    next.mapSteps(needsYear);
  });

  it('takes the metadata type of an exported skim from its type argument', () => {
    const dimuons = defineProcessor(import.meta.url, 'dimuons', skim<{ xsec: number }>(mask, { out: 'skims' }));
    const written = {} as Awaited<ReturnType<NonNullable<typeof dimuons.fn>>>;
    expectTypeOf(written).toEqualTypeOf<SkimResult<{ xsec: number }>>();
    expectTypeOf(group.mapSteps(dimuons)).toEqualTypeOf<Computable<Record<'DY' | 'TT', SkimResult<{ xsec: number }>>>>();
    toDataGroup(written).mapSteps(fillMass);
    // @ts-expect-error the skimmed datasets' metadata has no `year`
    toDataGroup(written).mapSteps(needsYear);
  });

  it('keeps `SkimResult` without a type argument as before', () => {
    const plain: SkimResult = new SkimResult({ files: [], scanned: {}, metadata: { DY: { xsec: 1 } } });
    expectTypeOf(plain).toEqualTypeOf<SkimResult<Metadata>>();
    expectTypeOf(toDataGroup(plain)).toEqualTypeOf<DataGroup<Metadata>>();
    const typed = {} as SkimResult<{ xsec: number }>;
    const widened: SkimResult = typed;
    expectTypeOf(widened.add(plain)).toEqualTypeOf<SkimResult>();
  });
});
