import { join } from 'node:path';
import { expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { parseRootHeader } from '../src/io/root/header.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const golden = (name: string): string => join(DATA_DIR, 'golden', name);

describeWithData('ROOT keys and directories', () => {
  it('lists keys of the top directory and of subdirectories by path', async () => {
    await using file = await openRootFile(golden('gen/root/subdir.root'), { metadataCache: false });
    const top = (await file.keys()).map((k) => `${k.name}:${k.className}`);
    expect(top).toEqual(expect.arrayContaining(['Top:TTree', 'Runs:TTree', 'dir:TDirectory', 'a:TDirectory']));
    expect((await file.keys('dir')).map((k) => k.path)).toEqual(['dir/Events']);
    expect((await file.keys('a/b')).map((k) => k.path)).toEqual(['a/b/Deep']);
    expect((await file.walk()).map((k) => k.path)).toEqual(expect.arrayContaining(['dir/Events', 'a/b', 'a/b/Deep']));
    expect((await file.key('a/b/Deep'))?.className).toBe('TTree');
    expect(await file.key('a/nope/Deep')).toBeUndefined();
    expect((await file.treePaths()).sort()).toEqual(['Runs', 'Top', 'a/b/Deep', 'dir/Events']);
    const error = await file.keys('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_KEY_NOT_FOUND');
  });

  it('lists trees in nested directories with their entries', async () => {
    await using file = await openRootFile(golden('skhep/uproot-nesteddirs.root'), { metadataCache: false });
    const trees = await file.trees();
    expect(trees.map((t) => t.name).sort()).toEqual(['one/tree', 'one/two/tree', 'three/tree']);
    expect(trees.every((t) => t.entries > 0)).toBe(true);
  });

  it('takes the highest cycle of a name unless the path names a cycle', async () => {
    await using file = await openRootFile(golden('skhep/uproot-issue31.root'), { metadataCache: false });
    const cycles = (await file.keys()).filter((k) => k.name === 'T').map((k) => k.cycle).sort();
    expect(cycles).toEqual([1, 2]);
    expect((await file.key('T'))?.cycle).toBe(2);
    expect((await file.key('T;1'))?.cycle).toBe(1);
    expect(file.treeNames).toEqual(['T']);
  });

  it('returns the decompressed bytes of an object, fObjlen long', async () => {
    await using file = await openRootFile(golden('skhep/uproot-issue407.root'), { metadataCache: false });
    const key = (await file.key('META/JMeta'))!;
    expect(key.className).toBe('TNamed');
    const bytes = await file.objectBytes('META/JMeta');
    expect(bytes.length).toBe(key.key.objlen);
    const again = await file.objectBytes(key);
    expect(again).toEqual(bytes);
    const missing = await file.objectBytes('META/nope').catch((e: unknown) => e);
    expect((missing as IoError).code).toBe('E_IO_KEY_NOT_FOUND');
  });

  it('parses the streamer-info record into class layouts', async () => {
    await using file = await openRootFile(golden('skhep/uproot-issue-1221.root'), { metadataCache: false });
    const infos = await file.streamerInfos();
    const tree = infos.get('TTree@20')!;
    expect(tree.elements.map((e) => e.name)).toContain('fClusterRangeEnd');
    expect(tree.elements.find((e) => e.name === 'fClusterRangeEnd')?.countName).toBe('fNClusterRange');
    expect(infos.get('TBranch@13')?.elements.map((e) => e.name)).toContain('fBasketSeek');
  });
});

it('parses small and large (64-bit seek) file headers', () => {
  const small = new Uint8Array(128);
  const v = new DataView(small.buffer);
  small.set([0x72, 0x6f, 0x6f, 0x74]); // root
  v.setInt32(4, 62206);
  v.setInt32(8, 100);
  v.setUint32(12, 5000);
  v.setInt32(28, 60); // fNbytesName
  v.setInt32(33, 101); // fCompress
  v.setUint32(37, 4000); // fSeekInfo
  v.setInt32(41, 900);
  expect(parseRootHeader(small, 'small.root')).toMatchObject({ version: 62206, large: false, begin: 100, end: 5000,
    nbytesName: 60, compress: 101, seekInfo: 4000, nbytesInfo: 900 });
  const large = new Uint8Array(128);
  const w = new DataView(large.buffer);
  large.set([0x72, 0x6f, 0x6f, 0x74]);
  w.setInt32(4, 1_062_206);
  w.setInt32(8, 100);
  w.setBigInt64(12, 5_000_000_000n);
  w.setInt32(36, 60);
  w.setInt32(41, 505);
  w.setBigInt64(45, 4_999_000_000n);
  w.setInt32(53, 1200);
  expect(parseRootHeader(large, 'large.root')).toMatchObject({ version: 62206, large: true, end: 5_000_000_000,
    nbytesName: 60, compress: 505, seekInfo: 4_999_000_000, nbytesInfo: 1200 });
  expect(() => parseRootHeader(new TextEncoder().encode('PAR1xxxx'), 'x.parquet')).toThrow(/Expected a ROOT file/);
});
