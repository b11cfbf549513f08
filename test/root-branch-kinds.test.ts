import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RootCursor } from '../src/io/root/cursor.ts';
import { readTreeRecord } from '../src/io/root/tree-record.ts';
import { isJagged, type JaggedColumn } from '../src/io/columns.ts';
import { IoError } from '../src/io/errors.ts';
import { openRootFile, openRootTree } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

// Values of each branch kind are compared with uproot's in test/root-golden.test.ts; these tests
// name the kinds one by one: how each is described, shaped and addressed.
const skhep = (name: string): string => join(DATA_DIR, 'golden', 'skhep', name);
const gen = (name: string): string => join(DATA_DIR, 'golden', 'gen', 'root', name);

describeWithData('ROOT branch kinds', () => {
  it('reads uproot-issue413 mytree: double[5] as 5 values per entry, SliF64[N] jagged by N (TLeafD version 1)', async () => {
    await using tree = await openRootTree(skhep('uproot-issue413.root'), 'mytree');
    expect(tree.branches.find((b) => b.name === 'ArrF64')).toEqual({ name: 'ArrF64', kind: 'float64', jagged: true });
    expect(tree.branches.find((b) => b.name === 'SliF64')).toEqual({ name: 'SliF64', kind: 'float64', jagged: true, counter: 'N' });
    const { ArrF64, SliF64, N } = await tree.read(['ArrF64', 'SliF64', 'N'], 0, tree.entries);
    const arr = ArrF64 as JaggedColumn;
    expect([...arr.offsets]).toEqual([0, 5, 10, 15, 20, 25]);
    const sli = SliF64 as JaggedColumn;
    for (let i = 0; i < tree.entries; i++) expect(sli.offsets[i + 1]! - sli.offsets[i]!).toBe((N as Int32Array)[i]);
  });

  it('gives fixed-size arrays their shape ([3], [2][2])', async () => {
    await using file = await openRootFile(gen('types_zlib.root'));
    const tree = await file.tree('Events');
    expect(tree.layout('fixed2x2_i16')).toMatchObject({ kind: 'int16', shape: [2, 2], fixed: 4, jagged: true });
    expect(tree.layout('fixed3_f32')).toMatchObject({ kind: 'float32', shape: [3], fixed: 3 });
    const column = (await tree.read(['fixed2x2_i16'], 0, 2)).fixed2x2_i16 as JaggedColumn;
    expect([...column.offsets]).toEqual([0, 4, 8]);
  });

  it('reads a std::vector<int> TBranchElement as jagged (10 header bytes per entry skipped)', async () => {
    await using tree = await openRootTree(skhep('uproot-stl_containers.root'), 'tree');
    expect(tree.branches.find((b) => b.name === 'vector_int32')).toEqual({ name: 'vector_int32', kind: 'int32', jagged: true });
    const column = (await tree.read(['vector_int32'], 0, tree.entries)).vector_int32 as JaggedColumn;
    expect([...column.offsets]).toEqual([0, 1, 3, 6, 10, 15]);
    expect([...column.values.subarray(0, 6)]).toEqual([1, 1, 2, 1, 2, 3]);
  });

  it('reads numeric members of a split object by path and by their own name', async () => {
    await using file = await openRootFile(skhep('uproot-small-evnt-tree-fullsplit.root'));
    const tree = await file.tree('tree');
    const names = tree.allBranchNames();
    expect(names).toEqual(expect.arrayContaining(['evt', 'evt/I16', 'evt/P3/P3.Px', 'evt/ArrayI16[10]']));
    const byPath = await tree.read(['evt/P3/P3.Px', 'evt/F64'], 0, tree.entries);
    const byName = await tree.read(['P3.Px', 'F64'], 0, tree.entries);
    expect(byName['P3.Px']).toEqual(byPath['evt/P3/P3.Px']);
    expect(byName.F64).toEqual(byPath['evt/F64']);
    expect([...(byPath['evt/F64'] as Float64Array).subarray(0, 3)]).toEqual([0, 1, 2]);
    expect(tree.layout('evt/ArrayI16[10]')).toMatchObject({ kind: 'int16', shape: [10] });
    const parent = await tree.read(['evt'], 0, 1).catch((e: unknown) => e);
    expect((parent as IoError).code).toBe('E_IO_UNSUPPORTED');
    expect((parent as IoError).message).toMatch(/sub-branches/);
  });

  it('decodes Double32 and Float16 with their range and bits', async () => {
    await using file = await openRootFile(skhep('uproot-double32-float16.root'));
    const tree = await file.tree('tree');
    expect(tree.layout('double32_10')).toMatchObject({ kind: 'float64', encoding: { type: 'ranged', low: -2.71, high: 10, bits: 10 } });
    expect(tree.layout('float16_5')).toMatchObject({ kind: 'float32', encoding: { type: 'ranged', bits: 5 } });
    const { double32_32, double32_10 } = await tree.read(['double32_32', 'double32_10'], 0, tree.entries);
    for (const [i, x] of (double32_32 as Float64Array).entries()) {
      // 10 bits over [-2.71, 10]: within one step of the 32-bit value
      expect(Math.abs((double32_10 as Float64Array)[i]! - x)).toBeLessThanOrEqual(12.71 / 1024);
    }
  });

  it('reads a TNtuple as a tree of float32 columns', async () => {
    await using tree = await openRootTree(skhep('uproot-hepdata-example.root'), 'ntuple');
    expect(tree.entries).toBe(75000);
    expect(tree.branches.map((b) => `${b.name}:${b.kind}`)).toEqual(['px:float32', 'py:float32', 'pz:float32', 'random:float32', 'i:float32']);
    const { i } = await tree.read(['i'], 0, 3);
    expect([...(i as Float32Array)]).toEqual([0, 1, 2]);
  });

  it('reads bool branches as 0/1 bytes', async () => {
    await using file = await openRootFile(gen('types_zlib.root'));
    const tree = await file.tree('Events');
    expect(tree.layout('f_bool')?.kind).toBe('bool');
    const column = (await tree.read(['f_bool'], 0, tree.entries)).f_bool as Uint8Array;
    expect(column.every((x) => x === 0 || x === 1)).toBe(true);
    expect(column.some((x) => x === 1)).toBe(true);
  });

  it('opens trees in subdirectories by path', async () => {
    await using deep = await openRootTree(gen('subdir.root'), 'a/b/Deep');
    expect(deep.entries).toBe(100);
    expect(deep.treename).toBe('a/b/Deep');
    expect(Object.keys(await deep.read(['x', 'k'], 0, 10))).toEqual(['x', 'k']);
    const missing = await openRootTree(gen('subdir.root'), 'Events').catch((e: unknown) => e);
    expect((missing as IoError).code).toBe('E_IO_TREE_NOT_FOUND');
    expect((missing as IoError).message).toMatch(/dir\/Events/);
  });

  it('reads a 0-entry tree made by an empty extend as empty columns', async () => {
    await using tree = await openRootTree(gen('empty_extend.root'), 'Events');
    expect(tree.entries).toBe(0);
    expect(tree.clusters).toEqual([0]);
    const columns = await tree.read(tree.branches.map((b) => b.name), 0, 0);
    for (const b of tree.branches) {
      const column = columns[b.name]!;
      expect(isJagged(column) ? column.values.length : column.length).toBe(0);
    }
  });

  it('takes the newest cycle of a tree written twice', async () => {
    await using file = await openRootFile(skhep('uproot-issue31.root'));
    const newest = await file.tree('T');
    const first = await file.tree('T;1');
    expect(newest.entries).toBe(5);
    expect(first.entries).toBeLessThanOrEqual(newest.entries);
  });

  it('reads a jagged branch stored without entry offsets from its counter (fEntryOffsetLen = 0)', async () => {
    // uproot-small-dy-nooffsets.root is not in the corpus: make such a branch by zeroing
    // fEntryOffsetLen of Muon_Px in the uncompressed HZZ file (its baskets then read as data only).
    const source = join(DATA_DIR, 'compression', 'uproot-HZZ-uncompressed.root');
    const dir = mkdtempSync(join(tmpdir(), 'cortado-nooffsets-'));
    try {
      const path = join(dir, 'nooffsets.root');
      const bytes = readFileSync(source);
      {
        await using file = await openRootFile(source, { metadataCache: false });
        const key = (await file.key('events'))!;
        expect(key.key.objlen).toBe(key.key.nbytes - key.key.keylen); // stored uncompressed
        const record = readTreeRecord(await file.objectBytes(key), key.key.keylen, 'TTree', undefined);
        const stub = record.stubs.find((b) => b.fName === 'Muon_Px')!;
        const c = new RootCursor(await file.objectBytes(key), stub.at);
        c.version(); // TBranch
        const named = c.version();
        c.to(named.end!);
        const fill = c.version();
        c.to(fill.end!);
        c.skip(8); // fCompress, fBasketSize
        const at = key.key.seekKey + key.key.keylen + c.pos;
        expect(bytes.readInt32BE(at)).toBeGreaterThan(0);
        bytes.writeInt32BE(0, at);
      }
      writeFileSync(path, bytes);
      await using patched = await openRootTree(path, 'events', { metadataCache: false });
      await using intact = await openRootTree(source, 'events', { metadataCache: false });
      expect((patched as unknown as { layout(n: string): { hasEntryOffsets: boolean } }).layout('Muon_Px').hasEntryOffsets).toBe(false);
      const want = await intact.read(['Muon_Px'], 0, intact.entries);
      expect(await patched.read(['Muon_Px'], 0, patched.entries)).toEqual(want);
      expect(await patched.read(['Muon_Px'], 1000, 2300)).toEqual(await intact.read(['Muon_Px'], 1000, 2300));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithData('ROOT class layouts from the file streamer info', () => {
  it('parses trees and branches from the streamer info alone exactly as with the built-in layouts', async () => {
    // The path taken for a class version cortado does not carry.
    for (const [path, name] of [[join(DATA_DIR, 'nanoaod', 'nano_dy.root'), 'Events'],
      [join(DATA_DIR, 'golden', 'skhep', 'uproot-small-evnt-tree-fullsplit.root'), 'tree'],
      [join(DATA_DIR, 'golden', 'skhep', 'uproot-sample-5.23.02-zlib.root'), 'sample']] as const) {
      await using file = await openRootFile(path, { metadataCache: false });
      const key = (await file.key(name))!;
      const bytes = await file.objectBytes(key);
      const infos = await file.streamerInfos();
      const builtin = readTreeRecord(bytes, key.key.keylen, key.className, undefined);
      const fromFile = readTreeRecord(bytes, key.key.keylen, key.className, infos, false);
      expect(fromFile.fEntries).toBe(builtin.fEntries);
      expect(fromFile.stubs.map((s) => s.fName)).toEqual(builtin.stubs.map((s) => s.fName));
      for (const stub of builtin.stubs) {
        const a = fromFile.resolve(fromFile.stubs.find((s) => s.fName === stub.fName)!);
        const b = builtin.resolve(stub);
        for (const member of ['fEntries', 'fWriteBasket', 'fEntryOffsetLen', 'fBasketEntry', 'fBasketSeek', 'fBasketBytes']) {
          expect(a[member], `${path} ${stub.fName} ${member}`).toEqual(b[member]);
        }
      }
      expect(() => readTreeRecord(bytes, key.key.keylen, key.className, new Map(), false)).toThrow(/no layout for class/);
    }
  });
});
