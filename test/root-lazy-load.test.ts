/**
 * A chunk of a ROOT file that knows its columns reads only their branch records: the tree's
 * other branches are described only when the processor asks for every name (`events.names`) or
 * for a column that was not read. (Describing 1,500 NanoAOD branches costs more than reading a
 * few columns of a small file.)
 */
import { copyFileSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { EventsData } from '../src/io/dataset/events-data.ts';
import { ColumnMemory } from '../src/io/dataset/column-memory.ts';
import { metaCache } from '../src/io/root/index.ts';
import { openRootTree } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-lazy-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How many branch records of tree Events of `path` were read in this thread (its cached metadata). */
function described(path: string): number {
  const s = statSync(path);
  const meta = metaCache.get(`${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`)?.trees.get('Events');
  if (!meta) throw new Error(`no cached metadata for ${path}`);
  return (meta.layouts as unknown as { described: number }).described;
}

describeWithData('ROOT chunks describe only the branches they read', () => {
  it('loads declared columns reading their records only; names and kinds of the rest on demand', async () => {
    const path = join(dir, 'lazy.root');
    copyFileSync(join(DATA_DIR, 'nanoaod', 'nano_dy.root'), path);
    const chunk = new EventsData({ path, treename: 'Events', start: 0, stop: 40, dataset: 'DY', metadata: {},
      columns: ['nMuon', 'Muon_pt'] }, { memory: new ColumnMemory() });
    const { events } = await chunk.load();
    expect(described(path)).toBeLessThanOrEqual(3); // nMuon, Muon_pt (and nothing else of 1,499)
    expect(events.kindOf('Muon_pt')).toBe('float32');
    expect(events.kindOf('Electron_pt')).toBe('float32'); // one more record, not all
    expect(described(path)).toBeLessThanOrEqual(4);
    expect(events.has('Jet_eta')).toBe(true); // every name now
    expect(described(path)).toBe(1499);
    await using tree = await openRootTree(path, 'Events');
    expect(events.names).toEqual(tree.branches.map((b) => b.name));
    expect(events.kindOf('no_such_branch')).toBeUndefined();
  });

  it('cluster boundaries from basket starts keep no branch record (only those they check for readability)', async () => {
    const path = join(dir, 'clusters.root');
    copyFileSync(join(DATA_DIR, 'nanoaod', 'nano_dy.root'), path);
    await using tree = await openRootTree(path, 'Events');
    expect(tree.clusters).toEqual([0, 40]); // no cluster ranges in this file: every branch's basket starts
    expect(described(path)).toBeLessThanOrEqual(2);
    expect(tree.branches).toHaveLength(1499); // described in full when asked
    expect(described(path)).toBe(1499);
  });

  it('learnt columns are read when the tree has them, and skipped when it does not', async () => {
    const path = join(dir, 'learnt.root');
    copyFileSync(join(DATA_DIR, 'nanoaod', 'nano_dy.root'), path);
    const memory = new ColumnMemory();
    const base = { path, treename: 'Events', start: 0, stop: 20, dataset: 'DY', metadata: {}, memory: 'learnt' };
    // the first chunk of a computable without declared columns reads everything and learns what was used
    const first = await new EventsData(base, { memory }).load();
    first.events.column('Muon_eta');
    memory.touch('learnt', 'not_in_this_file');
    const second = await new EventsData({ ...base, start: 20, stop: 40 }, { memory }).load();
    expect(() => second.events.column('Muon_eta')).not.toThrow();
    expect(() => second.events.column('Jet_pt')).toThrow(expect.objectContaining({ code: 'E_COLUMN_NOT_LOADED' }));
    expect(second.events.has('not_in_this_file')).toBe(false);
  });

  it('counts a reopen served from the metadata cache as a hit and a changed file as a miss', async () => {
    const path = join(dir, 'counted.root');
    copyFileSync(join(DATA_DIR, 'nanoaod', 'nano_dy.root'), path);
    const before = metaCache.stats();
    for (let i = 0; i < 2; i++) {
      await using tree = await openRootTree(path, 'Events');
      expect(tree.entries).toBe(40);
    }
    const reopened = metaCache.stats();
    expect(reopened.misses - before.misses).toBe(1);
    expect(reopened.hits - before.hits).toBe(1);
    // a new mtime: a new identity, parsed afresh
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    await using changed = await openRootTree(path, 'Events');
    expect(changed.entries).toBe(40);
    expect(metaCache.stats().misses - reopened.misses).toBe(1);
    expect(metaCache.stats().hits).toBe(reopened.hits);
  });
});
