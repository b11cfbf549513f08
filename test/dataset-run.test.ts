import { join } from 'node:path';
import { expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { dataGroup, dataset, type FileLike } from '../src/io/dataset/dataset.ts';
import type { EventsInput } from '../src/io/dataset/context.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);
const prepared = (name: string): FileLike => ({ path: nano(name), treename: 'Events', entries: 40 });
const policy = { errorPolicy: { continueOn: ['ENOENT', 'E_IO_MALFORMED'] } };

/** Events per file: a result that shows exactly which files contributed. */
const perFile = ({ events, context }: EventsInput) => ({ [context.file.path.split('/').pop()!]: events.length });

describeWithData('running datasets', () => {
  it('finishes incomplete with exactly the good files’ results when some files are missing or malformed', async () => {
    await using backend = inline();
    const good = [prepared('nano_dy.root'), prepared('nano_dimuon.root'), prepared('nano_dy.parquet')];
    // Bad files whose (stale) preparation says 40 entries: one vanished, one is not Parquet.
    const mixed = dataset('DY', [good[0]!, prepared('vanished.root'), good[1]!, prepared('nano_dy_malformed.parquet'), good[2]!]);
    const task = backend.compute(mixed.mapSteps(perFile, { stepSize: 15 }), policy);
    const partial = await task.wait();
    expect(task.status).toBe('incomplete');
    const alone = await backend.compute(dataset('DY', good).mapSteps(perFile, { stepSize: 15 })).result();
    expect(partial.result).toEqual(alone);
    expect(alone).toEqual({ 'nano_dy.root': 40, 'nano_dimuon.root': 40, 'nano_dy.parquet': 40 });
    expect(partial.failed.map((f) => f.range)).toEqual([[40, 55], [55, 70], [70, 80], [120, 135], [135, 150], [150, 160]]);
    expect(partial.failed.map((f) => (f.error as { code?: string }).code)).toEqual(['ENOENT', 'ENOENT', 'ENOENT', 'E_IO_MALFORMED', 'E_IO_MALFORMED', 'E_IO_MALFORMED']);
    await expect(task.result()).rejects.toThrow();
  });

  it('gives per-dataset results of a data group, keyed by dataset name', async () => {
    await using backend = inline();
    const group = dataGroup([
      dataset('DY', [prepared('nano_dy.root'), prepared('nano_dy.parquet')], { xsec: 2 }),
      dataset('Dimuon', [prepared('nano_dimuon.root')], { xsec: 3 }),
    ]);
    const weighted = group.mapSteps(({ events, context }) => events.length * context.metadata.xsec, { stepSize: 25, traversal: 'breadth' });
    expect(await backend.compute(weighted).result()).toEqual({ DY: 160, Dimuon: 120 });
  });

  it('hands each dataset of a group out as soon as all of its files are done', async () => {
    await using backend = inline();
    const group = dataGroup([
      dataset('DY', [prepared('nano_dy.root'), prepared('nano_dy.parquet')], { xsec: 2 }),
      dataset('Dimuon', [prepared('nano_dimuon.root')], { xsec: 3 }),
    ]);
    const handedOut: Array<[string, unknown, number]> = [];
    const task = backend.compute(group.mapSteps(({ events }) => events.length, { stepSize: 10 }), {
      batchSize: 1,
      onGroupComplete: (name, result) => handedOut.push([name, result, task.partial().processed]),
    });
    await task.result();
    expect(handedOut.map(([name, result]) => [name, result])).toEqual([['DY', 80], ['Dimuon', 40]]);
    expect(handedOut[0]![2]).toBeLessThan(120);
  });

  it('computes the remaining ranges of an incomplete run, and the two results add up to the full one', async () => {
    await using backend = inline();
    const ds = dataset('DY', [prepared('nano_dy.root'), prepared('nano_dimuon.root')]);
    const failed = new Set<string>();
    const flaky = ({ events, context }: EventsInput) => {
      const where = `${context.file.path}:${context.range.start}`;
      // The second step of each file fails once.
      if (context.range.start === 10 && !failed.has(where)) {
        failed.add(where);
        throw Object.assign(new Error('flaky storage'), { code: 'E_FLAKY' });
      }
      return events.length;
    };
    const first = await backend.run(ds.mapSteps(flaky, { stepSize: 10 }), { errorPolicy: { continueOn: ['E_FLAKY'] } });
    expect(first.failed.map((f) => f.range)).toEqual([[10, 20], [50, 60]]);
    expect(first.result).toBe(60);
    const rest = first.remaining();
    expect(rest.size).toBe(80);
    const second = await backend.compute(rest).result();
    expect(second).toBe(20);
    expect((first.result as number) + second).toBe(await backend.compute(ds.mapSteps(flaky, { stepSize: 10 })).result());
  });

  it('refuses a file whose uuid differs from the prepared one', async () => {
    await using backend = inline();
    const stale = dataset('DY', [{ path: nano('nano_dy.root'), treename: 'Events', entries: 40, uuid: 'not-this-file' }]);
    const partial = await backend.run(stale.mapSteps(({ events }) => events.length, { stepSize: 40 }), { errorPolicy: { continueOn: ['E_FILE_CHANGED'] } });
    expect(partial.failed.map((f) => (f.error as { code?: string }).code)).toEqual(['E_FILE_CHANGED']);
  });

  it('runs a freshly preprocessed dataset end to end', async () => {
    await using backend = inline();
    const ds = await preprocess(backend, dataset('DY', [nano('nano_dy.root'), nano('nano_dy_empty.root'), nano('nano_dimuon.root')]), { stepSize: 16 });
    const c = ds.mapSteps(({ events }) => events.length);
    expect(c.size).toBe(80);
    expect(await backend.compute(c).result()).toBe(80);
  });
});
