import { join } from 'node:path';
import { expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { ColumnMemory } from '../src/io/dataset/column-memory.ts';
import type { EventsInput } from '../src/io/dataset/context.ts';
import { dataset } from '../src/io/dataset/dataset.ts';
import { ColumnNotLoadedError } from '../src/io/dataset/errors.ts';
import { EventsData, type SourceOpener } from '../src/io/dataset/events-data.ts';
import { withColumnFallback } from '../src/io/dataset/fallback.ts';
import { openSource } from '../src/io/open.ts';
import { defineProcessor } from '../src/protocol/processor.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const path = join(DATA_DIR, 'nanoaod', 'nano_dy.root');

/** Opens sources as usual, and records the columns each read asks for. */
function countingOpener(): { open: SourceOpener; reads: string[][] } {
  const reads: string[][] = [];
  const open: SourceOpener = async (p, tree) => {
    const source = await openSource(p, tree);
    const read = source.read.bind(source);
    return Object.assign(source, {
      read: (columns: readonly string[], start: number, stop: number, signal?: AbortSignal) => {
        reads.push([...columns].sort());
        return read(columns, start, stop, signal);
      },
    });
  };
  return { open, reads };
}

/** Loads and processes `[0, 40)` in chunks of 10, the way the runtime does, with one memory. */
async function run<R>(fn: (input: EventsInput) => R, options: { columns?: string[] } = {}) {
  const { open, reads } = countingOpener();
  const memory = new ColumnMemory();
  const process = withColumnFallback(fn);
  const results: R[] = [];
  for (let start = 0; start < 40; start += 10) {
    const data = new EventsData(
      { path, treename: 'Events', start, stop: start + 10, dataset: 'DY', metadata: {}, memory: 'job', ...options },
      { open, memory },
    );
    results.push(await process(await data.load()));
  }
  return { results, reads };
}

const muons = ({ events }: EventsInput) => events.Muon.counts.reduce((a, b) => a + b, 0);

/** Touches `nElectron` only on the chunk that starts at entry 20. */
export const lateColumn = defineProcessor(import.meta.url, 'lateColumn', ({ events, context }: EventsInput) =>
  context.range.start === 20 ? events.flat('nElectron').length : events.flat('nMuon').length,
);

describeWithData('column preloading', () => {
  it('reads every branch for the first chunk, then only the branches the processor touched', async () => {
    const { reads, results } = await run(({ events }) => {
      let n = 0;
      for (const pt of events.Muon.pt.values) if (pt > 20) n++;
      return n;
    });
    expect(reads).toHaveLength(4);
    expect(reads[0]!.length).toBeGreaterThan(1000);
    expect(reads.slice(1)).toEqual([['Muon_pt'], ['Muon_pt'], ['Muon_pt']]);
    expect(results.every((n) => Number.isInteger(n))).toBe(true);
  });

  it('reads only the declared columns from the first chunk on', async () => {
    const { reads } = await run(muons, { columns: ['nMuon'] });
    expect(reads).toEqual([['nMuon'], ['nMuon'], ['nMuon'], ['nMuon']]);
  });

  it('reloads a chunk whose processor touches a column that earlier chunks did not', async () => {
    const { reads, results } = await run(({ events, context }) =>
      context.range.start === 20 ? events.flat('nElectron').length : events.flat('nMuon').length,
    );
    // Chunk 3 first loads the learnt nMuon, misses nElectron, and is loaded again with it.
    expect(reads.slice(1)).toEqual([['nMuon'], ['nMuon'], ['nElectron', 'nMuon'], ['nElectron', 'nMuon']]);
    expect(results).toEqual([10, 10, 10, 10]);
  });

  it('throws ColumnNotLoadedError for a missed column when not wrapped, and the next load has it (a retry)', async () => {
    const { open, reads } = countingOpener();
    const memory = new ColumnMemory();
    const chunk = (start: number) =>
      new EventsData({ path, treename: 'Events', start, stop: start + 10, dataset: 'DY', metadata: {}, memory: 'job', columns: ['nMuon'] }, { open, memory });
    const first = await chunk(0).load();
    expect(() => first.events.flat('nJet')).toThrow(ColumnNotLoadedError);
    const retry = await chunk(0).load();
    expect(retry.events.flat('nJet')).toHaveLength(10);
    expect(reads).toEqual([['nMuon'], ['nJet', 'nMuon']]);
  });

  it('still says a column does not exist when no branch has that name', async () => {
    const { results } = await run(({ events }) => {
      try {
        events.flat('nMuonz');
        return 'found';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    expect(results).toEqual(['E_IO_BRANCH_NOT_FOUND', 'E_IO_BRANCH_NOT_FOUND', 'E_IO_BRANCH_NOT_FOUND', 'E_IO_BRANCH_NOT_FOUND']);
  });

  it('gives the same answer on the inline runtime with learnt columns as with declared ones', async () => {
    await using backend = inline();
    const ds = dataset('DY', [{ path, treename: 'Events', entries: 40 }]);
    const learnt = await backend.compute(ds.mapSteps(muons, { stepSize: 10 })).result();
    const declared = await backend.compute(ds.mapSteps(muons, { stepSize: 10, columns: ['nMuon'] })).result();
    expect(learnt).toBe(declared);
    expect(learnt).toBeGreaterThan(0);
  });

  it('lets a processor reference touch a new column on a later chunk on the inline runtime', async () => {
    await using backend = inline();
    const ds = dataset('DY', [{ path, treename: 'Events', entries: 40 }]);
    const task = backend.compute(ds.mapSteps(lateColumn, { stepSize: 10 }));
    expect(await task.result()).toBe(40);
    expect(task.partial().failed).toEqual([]);
  });
});
