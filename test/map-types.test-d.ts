import { describe, expectTypeOf, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import type { MapTask } from '../src/actors/map-task.ts';
import type { MapOutput } from '../src/actors/output-sink.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import type { Range } from '../src/protocol/range.ts';

declare const backend: Backend;

describe('map() outputs carry the processor’s return type', () => {
  it('types each output’s value as the function’s (awaited) return type', async () => {
    const map = backend.map(fromFunction(async (x: number) => ({ label: `#${x}`, x }), [1, 2]));
    expectTypeOf(map).toEqualTypeOf<MapTask<{ label: string; x: number }>>();
    for await (const output of map) {
      expectTypeOf(output).toEqualTypeOf<MapOutput<{ label: string; x: number }>>();
      expectTypeOf(output.value.label).toEqualTypeOf<string>();
      expectTypeOf(output.range).toEqualTypeOf<Range>();
      expectTypeOf(output.group).toEqualTypeOf<string | undefined>();
    }
  });

  it('keeps the type through a processor reference', async () => {
    const ref = defineProcessor(import.meta.url, 'ref', (x: number) => [x, x]);
    for await (const { value } of backend.map(fromFunction(ref, [1]))) expectTypeOf(value).toEqualTypeOf<number[]>();
  });
});
