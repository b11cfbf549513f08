import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { threads } from '../src/backends/threads.ts';
import { NotTransferableError } from '../src/backends/threads/errors.ts';
import { fromFunction, type Computable } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';
import { InvalidOptionsError } from '../src/protocol/errors.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { Hist } from '../src/results/hist.ts';
import { ValueError, square, squareExcept42, squareMissingFile42 } from './fixtures/processors.ts';
import { Tally, histOf, tallyOf, unregisteredOf } from './fixtures/threads/results.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('threads backend', () => {
  let backend: Backend;
  beforeAll(() => {
    backend = threads({ workers: 2 });
  });
  afterAll(() => backend.dispose());

  it('refuses a closure at compute(), showing how to export it with defineProcessor', () => {
    const closure = (x: number) => x + 1;
    const attempt = () => backend.compute(fromFunction(closure, [1, 2]));
    expect(attempt).toThrow(NotTransferableError);
    expect(attempt).toThrow(/plain function `closure`.*defineProcessor\(import\.meta\.url, 'closure'/s);
  });

  it('runs a processor from a TypeScript module in the workers', async () => {
    expect(await backend.compute(fromFunction(square, range(100))).result()).toBe(328_350);
  });

  it('runs a bare exported function from a plain JavaScript module', async () => {
    const double = defineProcessor<(x: number) => number>(new URL('./fixtures/threads/plain-module.js', import.meta.url).href, 'double');
    expect(await backend.compute(fromFunction(double, range(10))).result()).toBe(90);
  });

  it('carries hundreds of elements per round trip and merges them in order', async () => {
    const partial = await backend.run(fromFunction(square, range(5000)), { batchSize: 1000 });
    expect(partial.completed).toEqual([[0, 5000]]);
    expect(partial.result).toBe(range(5000).reduce((a, x) => a + x * x, 0));
  });

  it('brings a Hist back as a Hist', async () => {
    const result = (await backend.compute(fromFunction(histOf, range(10))).result()) as { h: Hist; n: number };
    expect(result.h).toBeInstanceOf(Hist);
    expect(result.n).toBe(10);
    expect([...result.h.values()]).toEqual(Array(10).fill(1));
  });

  it('brings a user class with a registered codec back as that class', async () => {
    const result = await backend.compute(fromFunction(tallyOf, range(8))).result();
    expect(result).toBeInstanceOf(Tally);
    expect([...result.values]).toEqual([0 + 4, 1 + 5, 2 + 6, 3 + 7]);
  });

  it('fails the elements of a class without codec with E_NO_CODEC, naming the class', async () => {
    const partial = await backend.run(fromFunction(unregisteredOf, range(3)), { errorPolicy: { continueOn: ['E_NO_CODEC'] } });
    expect(partial.failed).toHaveLength(3);
    const error = partial.failed[0]!.error as Error & { code: string };
    expect(error.code).toBe('E_NO_CODEC');
    expect(error.message).toMatch(/Unregistered instance .*key path "u".*registerCodec/);
  });

  it('matches a thrown class with continueOn, as inline does', async () => {
    const partial = await backend.run(fromFunction(squareExcept42, range(100)), { errorPolicy: { continueOn: [ValueError] } });
    expect(partial.failed.map((f) => f.range)).toEqual([[42, 43]]);
    const error = partial.failed[0]!.error as Error;
    expect(error.name).toBe('ValueError');
    expect(error.message).toBe('42 is not allowed');
    expect(error.stack).toContain('processors.ts');
  });

  it('matches a code deep in the cause chain', async () => {
    const partial = await backend.run(fromFunction(squareMissingFile42, range(50)), { errorPolicy: { continueOn: ['ENOENT'] } });
    const error = partial.failed[0]!.error as Error & { cause: Error & { code: string } };
    expect(error.message).toBe('could not load element 42');
    expect(error.cause.code).toBe('ENOENT');
  });

  it('keeps groups apart', async () => {
    const grouped: Computable<number> = {
      key: 'grouped-squares',
      size: 20,
      grouped: true,
      *steps() {
        for (let i = 0; i < 20; i++) yield { range: [i, i + 1], data: new ValueData(i), processor: square, group: i < 10 ? 'low' : 'high' };
      },
    };
    const result = await backend.compute(grouped).result();
    expect(result).toEqual({ low: 285, high: range(10).reduce((a, x) => a + (x + 10) ** 2, 0) });
  });

  it('fails, with a clear message, an element whose data has no descriptor', async () => {
    const noDescriptor: Computable<number> = {
      key: 'no-descriptor',
      size: 1,
      *steps() {
        yield { range: [0, 1], data: { load: () => 3 }, processor: square };
      },
    };
    const partial = await backend.run(noDescriptor, { errorPolicy: { continueOn: ['E_NOT_TRANSFERABLE'] } });
    expect((partial.failed[0]!.error as Error).message).toMatch(/has no toDescriptor\(\)/);
  });

  it('validates its options with a message that says what came', () => {
    expect(() => threads({ workers: 0 })).toThrow(InvalidOptionsError);
    expect(() => threads({ workers: 0 })).toThrow(/`workers`.*got 0 \(number\)/);
    expect(() => threads({ wrokers: 2 } as never)).toThrow(/wrokers/);
  });
});
