/**
 * D8: elements of `mapSteps` that run out of memory (or time) are split in halves, as the README
 * says, instead of being retried whole until the run gives up.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { mapSteps } from '../src/io/dataset/map-steps.ts';
import { BACKENDS, useBackendSetup } from './helpers/backends.ts';
import { DATA_DIR, hasData } from './helpers/data.ts';
import { smallChunksOnly } from './fixtures/exhausting.ts';

const file = join(DATA_DIR, 'nanoaod/nano_dy.parquet');

describe.runIf(hasData || process.env.CI).each(BACKENDS)('mapSteps elements that run out of memory: %s', (_name, entry) => {
  useBackendSetup(entry);
  let backend: Backend;
  afterEach(async () => {
    await backend?.dispose();
  });

  it('splits them in halves until they fit, and completes', async () => {
    backend = entry.create();
    const computable = mapSteps({ datasets: [{ name: 'DY', files: [{ path: file, treename: 'Events', entries: 40 }], metadata: {} }] }, smallChunksOnly, { stepSize: 40 });
    const task = backend.compute(computable, { errorPolicy: { maxRetries: 0 } });
    const partial = await task.wait();
    expect(partial.failed).toEqual([]);
    expect(task.status).toBe('complete');
    expect(partial.completed).toEqual([[0, 40]]);
    // 40 → 20 + 20 → four chunks of 10.
    expect(partial.result).toEqual({ DY: { events: 40, chunks: 4 } });
  });
});
