/**
 * D8: `mapSteps` elements that run out of memory or time in a worker thread are split in halves
 * of their entry range (without spending a retry), depth first and at most `splitDepth` times
 * while no piece succeeds; one that fails at every size fails once, whole, under the error policy.
 * Real files through `threads()` and a real heap limit (`maxMemoryMb`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { inline } from '../src/backends/inline.ts';
import { threads } from '../src/backends/threads.ts';
import { mapSteps } from '../src/io/dataset/map-steps.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';
import { countMuons, hoardingAbove10, timingOutOnStuck } from './fixtures/splitting.ts';

const DY = join(DATA_DIR, 'nanoaod/nano_dy.parquet');
const DIMUON = join(DATA_DIR, 'nanoaod/nano_dimuon.parquet');

/** The chunks a processor started, in order, from its log. */
const runs = (log: string): string[] => readFileSync(log, 'utf8').split('\n').filter(Boolean);

describeWithData('mapSteps elements that run out of memory or time are split (threads)', () => {
  let dir: string;
  let backend: Backend | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-split-'));
  });
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('splits an element that runs out of memory above 10 events until its pieces fit, with the exact result and no retry spent', async () => {
    const log = join(dir, 'oom.log');
    const group = { datasets: [{ name: 'DY', files: [{ path: DY, treename: 'Events', entries: 40 }], metadata: { log } }] };
    backend = threads({ workers: 1, maxMemoryMb: 32 });
    const task = backend.compute(mapSteps(group, hoardingAbove10, { stepSize: 40 }), { errorPolicy: { maxRetries: 0 } });
    const partial = await task.wait();
    expect(partial.failed).toEqual([]);
    expect(task.status).toBe('complete');
    expect(partial.completed).toEqual([[0, 40]]);
    // 40 runs out of memory, then 20; 10 fits, so the waiting halves run: [10, 20) fits, [20, 40)
    // runs out again and is split the same way.
    expect(runs(log).sort()).toEqual(['0-10', '0-20', '0-40', '10-20', '20-30', '20-40', '30-40']);

    await using reference = inline();
    const whole = await reference.compute(mapSteps({ datasets: [{ ...group.datasets[0]!, metadata: {} }] }, countMuons, { stepSize: 10, columns: ['nMuon', 'Muon_pt'] })).result();
    expect(await task.result()).toEqual(whole);
    expect(whole).toMatchObject({ DY: { events: 40 } });
  }, 60_000);

  it('fails an element that times out at every size once, whole, after splitDepth + 1 runs; the rest completes', async () => {
    const log = join(dir, 'timeout.log');
    const group = {
      datasets: [
        { name: 'Stuck', files: [{ path: DY, treename: 'Events', entries: 40 }], metadata: { log } },
        { name: 'Dimuon', files: [{ path: DIMUON, treename: 'Events', entries: 40 }], metadata: {} },
      ],
    };
    backend = threads({ workers: 1 });
    const task = backend.compute(mapSteps(group, timingOutOnStuck, { stepSize: 40 }), { splitDepth: 2, errorPolicy: { continueOn: ['E_ELEMENT_TIMEOUT'] } });
    const partial = await task.wait();
    expect(task.status).toBe('incomplete');
    // 40, 20, 10 entries (two halvings), one at a time; the waiting halves never run.
    expect(runs(log)).toEqual(['0-40', '0-20', '0-10']);
    expect(partial.failed).toHaveLength(1);
    expect(partial.failed[0]).toMatchObject({ range: [0, 40], attempts: 1, group: 'Stuck', error: { code: 'E_ELEMENT_TIMEOUT' } });
    expect(partial.completed).toEqual([[40, 80]]);
    expect(partial.result).toHaveProperty('Dimuon.events', 40);
  }, 60_000);

  it('does not split with splitDepth 0: the policy applies to the element as it is', async () => {
    const log = join(dir, 'nosplit.log');
    const group = { datasets: [{ name: 'DY', files: [{ path: DY, treename: 'Events', entries: 40 }], metadata: { log } }] };
    backend = threads({ workers: 1, maxMemoryMb: 32 });
    const task = backend.compute(mapSteps(group, hoardingAbove10, { stepSize: 40 }), { splitDepth: 0, errorPolicy: { continueOn: ['E_WORKER_OOM'] } });
    const partial = await task.wait();
    expect(runs(log)).toEqual(['0-40']);
    expect(partial.failed).toMatchObject([{ range: [0, 40], attempts: 1, error: { code: 'E_WORKER_OOM' } }]);
  }, 60_000);
});
