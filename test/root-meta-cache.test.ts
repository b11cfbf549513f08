/**
 * The ROOT metadata cache over more files than it keeps parsed: older files keep a seed (header,
 * directory, cluster fields, the layouts of the branches read and the compressed tree record), so a
 * second run over them reads and parses no tree record, reads the same values, still reads branches
 * it had not described, and never serves a file changed in between.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import type { ColumnSet } from '../src/io/columns.ts';
import { MetaCache, type FileMeta, type TreeMeta, type TreeSeed } from '../src/io/root/cache.ts';
import type { RootDirectory } from '../src/io/root/directory.ts';
import type { RootHeader } from '../src/io/root/header.ts';
import type { BranchLayout } from '../src/io/root/layout.ts';
import { metaCache, openRootFile, openRootTree, RootFile, type RootOpenOptions } from '../src/io/root/index.ts';
import { treeRecordCounts } from '../src/io/root/metadata.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-meta-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** More files than the cache keeps parsed (4), each a copy (a file of its own identity). */
const COPIES = 12;
const COLUMNS = ['nMuon', 'Muon_pt', 'Muon_eta'];

function copies(name: string, sample: string): string[] {
  return Array.from({ length: COPIES }, (_, i) => {
    const path = join(dir, `${name}-${i}.root`);
    copyFileSync(join(DATA_DIR, 'nanoaod', sample), path);
    return path;
  });
}

async function readAll(path: string, columns: readonly string[], options?: { metadataCache: boolean }): Promise<ColumnSet> {
  await using tree = await openRootTree(path, 'Events', options);
  return tree.read(columns, 0, tree.entries);
}

/** A parsed file whose tree `Events` seeds `body` bytes of compressed record and one layout. */
function fakeMeta(body: number): FileMeta {
  const seed: TreeSeed = { fields: { fEntries: 10 }, layouts: new Map([['x', { name: 'x', baskets: [] } as unknown as BranchLayout]]), body: new Uint8Array(body) };
  const tree = { seed: () => seed } as unknown as TreeMeta;
  return { header: {} as RootHeader, top: { list: () => [], keyCount: () => 0 } as unknown as RootDirectory, trees: new Map([['Events', tree]]) };
}

it('seeds over their byte budget lose their compressed records oldest first, then go oldest first', () => {
  const cache = new MetaCache(1, 300_000);
  for (let i = 0; i < 4; i++) cache.set(`f${i}`, fakeMeta(100_000)); // f0..f2 seeded (f3 parsed)
  expect(cache.stats()).toMatchObject({ size: 1, seeds: 3 });
  expect(cache.stats().seedBytes).toBeLessThanOrEqual(300_000);
  // f0 lost its record to make room for f2's; f1 and f2 keep theirs
  const bodies = (id: string) => cache.get(id)?.seeds?.get('Events')?.body?.length;
  expect(bodies('f1')).toBe(100_000);
  expect(bodies('f0')).toBeUndefined();
  expect(cache.get('f0')?.seeds?.get('Events')?.layouts.has('x')).toBe(true); // back in the first tier, its layouts kept
  const many = new MetaCache(1, 5_000);
  for (let i = 0; i < 10; i++) many.set(`g${i}`, fakeMeta(100_000));
  const { seeds, seedBytes } = many.stats();
  expect(seedBytes).toBeLessThanOrEqual(5_000);
  expect(seeds).toBeGreaterThan(0);
  expect(seeds).toBeLessThan(9);
  expect(many.get('g8')?.seeds?.get('Events')?.body).toBeUndefined();
  expect(many.get('g0')).toBeUndefined();
});

describeWithData('ROOT metadata cache seeds', () => {
  it('a seed counts the keys of the subdirectories its file loaded, not only the top directory\'s', async () => {
    const path = join(dir, 'subdirs.root');
    copyFileSync(join(DATA_DIR, 'golden', 'skhep', 'uproot-issue475.root'), path);
    await using file = await openRootFile(path);
    const s = statSync(path);
    const top = metaCache.get(`${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`)!.top;
    const seedOf = (): number => {
      const cache = new MetaCache(1, 2 ** 20);
      cache.set('file', { header: {} as RootHeader, top, trees: new Map() });
      cache.set('other', fakeMeta(0)); // the file goes to a seed
      return cache.stats().seedBytes;
    };
    const before = seedOf();
    const subKeys = (await file.walk()).length - (await file.keys()).length; // loads the subdirectories
    expect(subKeys).toBeGreaterThan(5);
    expect(seedOf() - before).toBeGreaterThanOrEqual(100 * subKeys);
  });

  it('a second pass over more files than it keeps parsed reads and parses no tree record, and reads the same values', async () => {
    const paths = copies('pass', 'nano_dy.root');
    const first: ColumnSet[] = [];
    const clusters: (readonly number[])[] = [];
    for (const path of paths) {
      await using tree = await openRootTree(path, 'Events');
      first.push(await tree.read(COLUMNS, 0, tree.entries));
      clusters.push(tree.clusters);
    }
    const before = metaCache.stats();
    const records = treeRecordCounts();
    for (const [i, path] of paths.entries()) {
      await using tree = await openRootTree(path, 'Events');
      expect(tree.entries).toBe(40);
      expect(tree.clusters).toEqual(clusters[i]);
      expect(await tree.read(COLUMNS, 0, tree.entries)).toEqual(first[i]);
      expect(tree.describe?.('Muon_pt')).toEqual({ name: 'Muon_pt', kind: 'float32', jagged: true, counter: 'nMuon' });
    }
    const after = metaCache.stats();
    expect(treeRecordCounts()).toEqual(records); // no tree record read (decompressed) or parsed
    expect(after.misses - before.misses).toBe(0);
    expect(after.seeded - before.seeded).toBeGreaterThanOrEqual(COPIES - 4);
    expect(after.seedBytes).toBeGreaterThan(0);
  });

  it('a branch the seed lacks is read from the record, parsed then; every branch and kind as a fresh open gives', async () => {
    const paths = copies('miss', 'nano_dy.root');
    for (const path of paths) await readAll(path, COLUMNS);
    const records = treeRecordCounts();
    const seeded = metaCache.stats().seeded;
    await using tree = await openRootTree(paths[0]!, 'Events');
    expect(metaCache.stats().seeded - seeded).toBe(1);
    expect(treeRecordCounts()).toEqual(records);
    expect(await tree.read(['Electron_pt', 'Muon_pt'], 0, 40)).toEqual(await readAll(paths[0]!, ['Electron_pt', 'Muon_pt'], { metadataCache: false }));
    // this tree's record (from its seed), and the uncached open's
    expect(treeRecordCounts()).toEqual({ read: records.read + 2, parsed: records.parsed + 2 });
    await using fresh = await openRootTree(paths[0]!, 'Events', { metadataCache: false });
    expect(tree.branches).toEqual(fresh.branches);
    expect(tree.describe?.('no_such_branch')).toBeUndefined();
  });

  it('a file changed between runs is read and parsed again, not served from its seed', async () => {
    const paths = copies('changed', 'nano_dy.root');
    for (const path of paths) await readAll(path, COLUMNS);
    // Rewritten in place (same inode): another sample, then the same bytes under a new mtime.
    copyFileSync(join(DATA_DIR, 'nanoaod', 'nano_dimuon.root'), paths[0]!);
    const s = statSync(paths[1]!);
    utimesSync(paths[1]!, s.atime, new Date(s.mtimeMs + 60_000));
    const before = metaCache.stats();
    const records = treeRecordCounts();
    const dimuon = await readAll(join(DATA_DIR, 'nanoaod', 'nano_dimuon.root'), COLUMNS, { metadataCache: false });
    expect(await readAll(paths[0]!, COLUMNS)).toEqual(dimuon);
    expect(await readAll(paths[1]!, COLUMNS)).toEqual(await readAll(paths[2]!, COLUMNS));
    const after = metaCache.stats();
    expect(after.misses - before.misses).toBe(2);
    expect(after.seeded - before.seeded).toBe(1); // paths[2], unchanged
    // the uncached read, and the two changed files
    expect(treeRecordCounts()).toEqual({ read: records.read + 3, parsed: records.parsed + 3 });
  });

  it('a tree described without the streamer info it wanted (its read failed once) keeps no seed: later opens read as a fresh one', async () => {
    const path = join(dir, 'streamers-once.root');
    copyFileSync(join(DATA_DIR, 'golden', 'skhep', 'uproot-small-evnt-tree-fullsplit.root'), path);
    const read = async (options?: RootOpenOptions) => {
      await using file = await openRootFile(path, options);
      await using tree = await file.tree('tree');
      return { branches: tree.branches, columns: await tree.read(tree.branches.map((b) => b.name), 0, tree.entries) };
    };
    const fresh = await read({ metadataCache: false });
    const failing = vi.spyOn(RootFile.prototype, 'streamerInfos').mockRejectedValueOnce(new Error('a transient read error'));
    try {
      await read(); // its element branches described without the streamer info
      expect(failing).toHaveBeenCalled();
    } finally {
      failing.mockRestore();
    }
    // Pushed out of the parsed files by four others: a seed of its header and directory only.
    for (let i = 0; i < 4; i++) {
      const other = join(dir, `streamers-other-${i}.root`);
      copyFileSync(join(DATA_DIR, 'nanoaod', 'nano_dy.root'), other);
      await readAll(other, COLUMNS);
    }
    const seeded = metaCache.stats().seeded;
    expect(await read()).toEqual(fresh);
    expect(metaCache.stats().seeded - seeded).toBe(1);
  });

  it('every sample tree reads the same from its seed as when first opened; seeds keep no view of a record', async () => {
    const roots = ['nanoaod', 'compression', 'golden/skhep', 'golden/gen/root'].flatMap((sub) =>
      readdirSync(join(DATA_DIR, sub)).filter((f) => f.endsWith('.root')).map((f) => join(DATA_DIR, sub, f)));
    const wanted = new Map<string, { tree: string; columns: string[] }[]>();
    for (const path of roots) {
      let file;
      try {
        file = await openRootFile(path, { metadataCache: false });
      } catch {
        continue; // an RNTuple-only or malformed sample
      }
      await using _ = file;
      const trees: { tree: string; columns: string[] }[] = [];
      for (const name of await file.treePaths().catch(() => [])) {
        const tree = await file.tree(name).catch(() => undefined);
        if (!tree) continue;
        const columns: string[] = [];
        for (const b of tree.allBranchNames()) if (columns.length < 4 && tree.describe(b) !== undefined) columns.push(b);
        trees.push({ tree: name, columns });
      }
      if (trees.length) wanted.set(path, trees);
    }
    expect(wanted.size).toBeGreaterThan(20);
    const read = async (path: string, tree: string, columns: string[]) => {
      await using file = await openRootFile(path);
      await using t = await file.tree(tree);
      return { entries: t.entries, clusters: t.clusters, columns: await t.read(columns, 0, t.entries).catch((e: { code?: string }) => e.code) };
    };
    const first = new Map<string, unknown>();
    for (const [path, trees] of wanted) for (const { tree, columns } of trees) first.set(`${path} ${tree}`, await read(path, tree, columns));
    const seeded = metaCache.stats().seeded;
    for (const [path, trees] of wanted) {
      for (const { tree, columns } of trees) {
        const again = await read(path, tree, columns);
        expect(again, `${path} ${tree}`).toEqual(first.get(`${path} ${tree}`));
      }
    }
    expect(metaCache.stats().seeded - seeded).toBeGreaterThan(10);
    // The 2015 ttbar sample keeps its baskets in the tree record: its seed copies them out.
    const ttbar = join(DATA_DIR, 'nanoaod', 'nanoAOD_2015_CMS_Open_Data_ttbar.root');
    await using tree = await openRootTree(ttbar, 'Events');
    await tree.read(['nMuon', 'Muon_pt'], 0, tree.entries);
    const s = statSync(ttbar);
    const seed = metaCache.get(`${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`)?.trees.get('Events')?.seed();
    const embedded = [...seed!.layouts.values()].flatMap((l) => l.baskets).flatMap((b) => (b.embedded ? [b.embedded.data] : []));
    expect(embedded.length).toBeGreaterThan(0);
    for (const data of embedded) expect(data.buffer.byteLength).toBe(data.byteLength);
  });
});
