import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { closeIdleFiles } from '../src/io/bytes/index.ts';
import { expect, it } from 'vitest';
import { isJagged, type Column } from '../src/io/columns.ts';
import { openRootFile, openRootTree } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string): string => join(DATA_DIR, 'nanoaod', name);
const NANO_SAMPLES = ['nano_dy.root', 'nano_dimuon.root', 'nano_tt_v12.root', 'nano_tt_v15.root',
  'nanoAOD_2015_CMS_Open_Data_ttbar.root'];

function slice(column: Column, start: number, stop: number): Column {
  if (!isJagged(column)) return column.subarray(start, stop);
  const base = column.offsets[start]!;
  return {
    offsets: column.offsets.slice(start, stop + 1).map((o) => o - base),
    values: column.values.subarray(base, column.offsets[stop]!),
  };
}

describeWithData('ROOT TTree reader', () => {
  it('lists the trees of a file with their entry counts and its UUID', async () => {
    await using file = await openRootFile(nano('nano_dy.root'));
    expect(await file.trees()).toEqual([{ name: 'Events', entries: 40 }, { name: 'Runs', entries: 1 }]);
    expect(file.uuid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('describes branches: flat kinds, and jagged ones with their counter', async () => {
    await using events = await openRootTree(nano('nano_dy.root'), 'Events');
    expect(events.format).toBe('root');
    expect(events.treename).toBe('Events');
    expect(events.branches.find((b) => b.name === 'nMuon')).toEqual({ name: 'nMuon', kind: 'uint32', jagged: false });
    expect(events.branches.find((b) => b.name === 'Muon_pt'))
      .toEqual({ name: 'Muon_pt', kind: 'float32', jagged: true, counter: 'nMuon' });
    expect(events.branches.find((b) => b.name === 'event')?.kind).toBe('uint64');
    expect(events.clusters[0]).toBe(0);
    expect(events.clusters.at(-1)).toBe(events.entries);
  });

  for (const sample of NANO_SAMPLES) {
    it(`reads every numeric branch of ${sample} into consistent columns`, async () => {
      await using events = await openRootTree(nano(sample), 'Events');
      expect(events.entries).toBeGreaterThan(0);
      const columns = await events.read(events.branches.map((b) => b.name), 0, events.entries);
      for (const info of events.branches) {
        const column = columns[info.name]!;
        if (info.jagged) {
          expect(isJagged(column)).toBe(true);
          if (!isJagged(column)) continue;
          expect(column.offsets.length).toBe(events.entries + 1);
          expect(column.offsets[0]).toBe(0);
          expect(column.offsets.at(-1)).toBe(column.values.length);
        } else {
          expect((column as ArrayLike<number>).length).toBe(events.entries);
        }
      }
      // counters agree with the jagged branches they count
      const { nMuon, Muon_pt } = await events.read(['nMuon', 'Muon_pt'], 0, events.entries);
      if (nMuon && Muon_pt && isJagged(Muon_pt) && !isJagged(nMuon)) {
        for (let i = 0; i < events.entries; i++) expect(Muon_pt.offsets[i + 1]! - Muon_pt.offsets[i]!).toBe(Number(nMuon[i]));
      }
    });
  }

  it('reads sub-ranges across basket boundaries as slices of a full read', async () => {
    // Muon_* of HZZ have baskets [0, 2231) and [2231, 2421); the ttbar LHEPdfWeight has its last basket embedded.
    const cases = [
      { path: join(DATA_DIR, 'compression', 'uproot-HZZ-zlib.root'), tree: 'events', branches: ['NMuon', 'Muon_Px', 'Muon_Charge', 'Jet_ID', 'MET_px'] },
      { path: nano('nanoAOD_2015_CMS_Open_Data_ttbar.root'), tree: 'Events', branches: ['nLHEPdfWeight', 'LHEPdfWeight', 'Muon_pt'] },
    ];
    for (const c of cases) {
      await using events = await openRootTree(c.path, c.tree);
      const full = await events.read(c.branches, 0, events.entries);
      const n = events.entries;
      const ranges = [[0, 0], [0, 1], [n - 1, n], [Math.floor(n * 0.9), n], [100, Math.floor(n * 0.95)], [0, n]];
      if (c.tree === 'events') ranges.push([2200, 2300], [2230, 2232], [2231, 2421], [0, 2231]);
      else ranges.push([150, 154], [152, 200], [0, 152]);
      for (const [start, stop] of ranges as [number, number][]) {
        const part = await events.read(c.branches, start, stop);
        for (const b of c.branches) expect(part[b], `${b} [${start}, ${stop})`).toEqual(slice(full[b]!, start, stop));
      }
      // consecutive chunks of 97 entries, as a runtime reads them
      for (let start = 0; start < n; start += 97) {
        const stop = Math.min(n, start + 97);
        const part = await events.read(c.branches, start, stop);
        for (const b of c.branches) expect(part[b]).toEqual(slice(full[b]!, start, stop));
      }
    }
  });

  it('opens nano_dy_SpecialTree.root despite its negative header version and reads both trees', async () => {
    await using file = await openRootFile(nano('nano_dy_SpecialTree.root'));
    const names = (await file.trees()).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['Events', 'NotEvents']));
    for (const name of ['Events', 'NotEvents']) {
      const tree = await file.tree(name);
      expect(tree.entries).toBeGreaterThan(0);
      const first = tree.branches.slice(0, 20).map((b) => b.name);
      const columns = await tree.read(first, 0, tree.entries);
      expect(Object.keys(columns)).toEqual(first);
      await tree.close();
    }
  });

  it('gives length-0 columns for a zero-entry tree', async () => {
    await using events = await openRootTree(nano('nano_dy_empty.root'), 'Events');
    expect(events.entries).toBe(0);
    expect(events.clusters).toEqual([0]);
    const columns = await events.read(['nMuon', 'Muon_pt', 'event'], 0, 0);
    expect(columns.nMuon).toEqual(new Uint32Array(0));
    expect(columns.event).toEqual(new BigUint64Array(0));
    expect(columns.Muon_pt).toEqual({ offsets: new Int32Array([0]), values: new Float32Array(0) });
  });

  it('gives cluster boundaries from 0 to the entry count, strictly increasing', async () => {
    for (const sample of NANO_SAMPLES) {
      await using events = await openRootTree(nano(sample), 'Events');
      const c = events.clusters;
      expect(c[0]).toBe(0);
      expect(c.at(-1)).toBe(events.entries);
      for (let i = 1; i < c.length; i++) expect(c[i]!).toBeGreaterThan(c[i - 1]!);
    }
  });

  it('leaves no file descriptor open after 1,000 opens and reads', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const files = [...NANO_SAMPLES, 'nano_dy_empty.root'].map(nano);
    // warm the metadata cache, and the modules, before counting
    for (const f of files) await (await openRootTree(f, 'Events')).close();
    await closeIdleFiles(); // descriptors kept for reopening (see keepOpen) are not leaks
    const before = fds();
    for (let i = 0; i < 1000; i++) {
      const path = files[i % files.length]!;
      // every 100th open parses the metadata afresh
      const events = await openRootTree(path, 'Events', { metadataCache: i % 100 !== 0 });
      await events.read(['nMuon'], 0, Math.min(events.entries, 10));
      await events.close();
    }
    // failures close their descriptor too
    for (let i = 0; i < 20; i++) {
      await expect(openRootTree(files[0]!, 'NoSuchTree')).rejects.toThrow();
      await expect(openRootTree(join(DATA_DIR, 'nanoaod', 'nano_dy.parquet'), 'Events')).rejects.toThrow();
    }
    await closeIdleFiles();
    // At most as many as before: a leak on any path of the 1,040 opens shows as tens or more;
    // fewer can be descriptors of another file sharing this process (a child's pipes) closing meanwhile.
    expect(fds()).toBeLessThanOrEqual(before);
  });
});
