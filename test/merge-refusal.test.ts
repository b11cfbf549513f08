/**
 * D1: a processor whose results merge within a batch but not across batches (`{n: 40}` from one,
 * `{n: 'x'}` from another) must fail those elements with E_BAD_RESULT, not kill the process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { BACKENDS, useBackendSetup } from './helpers/backends.ts';
import { mixedRecords } from './fixtures/processors.ts';

const inputs = Array.from({ length: 12 }, (_, i) => i);

describe.each(BACKENDS)('results that cannot merge across batches: %s', (_name, entry) => {
  useBackendSetup(entry);
  const { create } = entry;
  let backend: Backend;
  afterEach(async () => {
    await backend?.dispose();
  });

  it('fails the element with E_BAD_RESULT, lists it, and completes the rest', async () => {
    backend = create();
    const task = backend.compute(fromFunction(mixedRecords, inputs), { batchSize: 1, errorPolicy: { continueOn: ['E_BAD_RESULT'] } });
    const partial = await task.wait();
    expect(task.status).toBe('incomplete');
    expect(partial.failed.map((f) => f.range)).toEqual([[5, 6]]);
    expect((partial.failed[0]!.error as { code?: string }).code).toBe('E_BAD_RESULT');
    expect(String((partial.failed[0]!.error as Error).message)).toMatch(/\[5, 6\).*string into number at key path "n"/);
    expect(partial.completed).toEqual([[0, 5], [6, 12]]);
    expect(partial.result).toEqual({ n: 40 * 11 });
  });

  it('under the default policy cancels the task with E_BAD_RESULT instead of crashing', async () => {
    backend = create();
    const task = backend.compute(fromFunction(mixedRecords, inputs), { batchSize: 1, errorPolicy: { maxRetries: 0 } });
    const partial = await task.wait();
    expect(task.status).toBe('cancelled');
    expect((partial.error as { code?: string }).code).toBe('E_BAD_RESULT');
    await expect(task.result()).rejects.toThrow(/E_BAD_RESULT/);
    expect((partial.result as { n: number }).n % 40).toBe(0);
  });
});
