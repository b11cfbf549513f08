/**
 * preprocess(…, { dropMissing: true }) leaves out files that cannot be prepared, and a run over
 * the prepared data lists each of them in its failures (E_FILE_DROPPED) and ends incomplete,
 * instead of reporting `complete` with no record of what was dropped.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { mapSteps } from '../src/io/dataset/map-steps.ts';
import { parseDataGroup } from '../src/io/dataset/schema.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { smallChunksOnly } from './fixtures/exhausting.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

describeWithData('files dropped by preparation', () => {
  it('are listed in the failures of a run over the prepared data, which ends incomplete', async () => {
    const good = join(DATA_DIR, 'nanoaod/nano_dy.parquet');
    const missing = join(DATA_DIR, 'nanoaod/not-there.parquet');
    await using backend = inline();
    const prepared = await preprocess(
      backend,
      { datasets: [{ name: 'DY', files: [{ path: good, treename: 'Events' }, { path: missing, treename: 'Events' }], metadata: {} }] },
      { dropMissing: true, stepSize: 10, compute: { errorPolicy: { maxRetries: 0 } } },
    );
    expect(prepared.datasets[0]!.files.map((f) => f.path)).toEqual([good]);
    expect(prepared.datasets[0]!.dropped).toEqual([{ path: missing, treename: 'Events', error: expect.objectContaining({ code: 'ENOENT' }) }]);
    // Saved and loaded again, the record of the dropped file stays.
    const reloaded = parseDataGroup(JSON.parse(JSON.stringify(prepared)));
    expect(reloaded.datasets[0]!.dropped).toHaveLength(1);

    const task = backend.compute(mapSteps(reloaded, smallChunksOnly));
    const partial = await task.wait();
    expect(task.status).toBe('incomplete');
    expect(partial.result).toEqual({ DY: { events: 40, chunks: 4 } });
    expect(partial.failed).toHaveLength(1);
    expect(partial.failed[0]).toMatchObject({ group: 'DY', attempts: 0, error: { code: 'E_FILE_DROPPED', path: missing } });
    expect(String((partial.failed[0]!.error as Error).message)).toMatch(/was left out when the dataset was prepared \(dropMissing\), because ENOENT/);
    await expect(task.result()).rejects.toThrow(/E_FILE_DROPPED/);
  });
});
