import { describe, expectTypeOf, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import type { Task } from '../src/actors/task.ts';
import { fromFunction, type Computable } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import type { Empty } from '../src/protocol/result.ts';
import type { PartialResult } from '../src/protocol/task.ts';

declare const backend: Backend;

describe('types carry through from the processor to the task', () => {
  it('types result() as the function’s return type', () => {
    const task = backend.compute(fromFunction((x: number) => x * x, [1, 2, 3]));
    expectTypeOf(task).toEqualTypeOf<Task<number>>();
    expectTypeOf(task.result()).resolves.toEqualTypeOf<number>();
  });

  it('unwraps async processors', () => {
    const task = backend.compute(fromFunction(async (s: string) => ({ n: s.length, names: new Set([s]) }), ['a']));
    expectTypeOf(task.result()).resolves.toEqualTypeOf<{ n: number; names: Set<string> }>();
  });

  it('keeps the types of defineProcessor references', () => {
    const hist = defineProcessor(import.meta.url, 'hist', (x: number) => new Map([['bin', x]]));
    const task = backend.compute(fromFunction(hist, [1]));
    expectTypeOf(task.result()).resolves.toEqualTypeOf<Map<string, number>>();
    // @ts-expect-error: inputs must match the processor's input type
    fromFunction(hist, ['not a number']);
  });

  it('types the partial result, which may still be EMPTY', () => {
    const task = backend.compute(fromFunction((x: number) => ({ total: x }), [1]));
    expectTypeOf(task.partial()).toEqualTypeOf<PartialResult<{ total: number }>>();
    expectTypeOf(task.partial().result).toEqualTypeOf<{ total: number } | Empty>();
    expectTypeOf(task.partial().remaining()).toEqualTypeOf<Computable<{ total: number }>>();
  });

  it('types run() as a partial result of the same type', () => {
    expectTypeOf(backend.run(fromFunction((x: number) => [x], [1]))).resolves.toEqualTypeOf<PartialResult<number[]>>();
  });
});
