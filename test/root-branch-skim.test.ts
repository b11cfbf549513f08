import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { clusterBoundaries } from '../src/io/root/clusters.ts';
import { RootCursor } from '../src/io/root/cursor.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { basketRefs } from '../src/io/root/layout.ts';
import { LazyLayouts } from '../src/io/root/lazy-layouts.ts';
import { UnknownVersion } from '../src/io/root/members.ts';
import { readTreeMeta } from '../src/io/root/metadata.ts';
import { listItems, RecordError } from '../src/io/root/objects.ts';
import { readTreeRecord, type BranchStub, type TreeRecord } from '../src/io/root/tree-record.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const BASKET_MEMBERS = ['fEntries', 'fWriteBasket', 'fBasketBytes', 'fBasketEntry', 'fBasketSeek'];

/** Every ROOT file of the shared data, in every folder (golden/, the scikit-hep corpus, nanoaod/ …). */
function rootFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return rootFiles(path);
    return entry.name.endsWith('.root') ? [path] : [];
  });
}

/** Each tree record of a file, parsed as `readTreeMeta` does (the streamer info only when needed). */
async function* treeRecords(path: string): AsyncGenerator<{ tree: string; record: TreeRecord }> {
  await using file = await openRootFile(path, { metadataCache: false });
  for (const tree of await file.treePaths()) {
    const key = (await file.key(tree))!;
    const bytes = await file.objectBytes(key);
    let record: TreeRecord;
    try {
      record = readTreeRecord(bytes, key.key.keylen, key.className, undefined);
    } catch (error) {
      if (!(error instanceof UnknownVersion)) throw error;
      record = readTreeRecord(bytes, key.key.keylen, key.className, await file.streamerInfos());
    }
    yield { tree, record };
  }
}

describeWithData('skimming branch records for their basket maps', () => {
  it('gives the basket members and cluster boundaries of a full read, for every tree of the shared data', async () => {
    let skimmed = 0;
    let embedded = 0;
    const streamed: BranchStub[] = [];
    let trees = 0;
    for (const path of rootFiles(DATA_DIR)) {
      for await (const { tree, record } of treeRecords(path)) {
        trees++;
        for (const stub of record.stubs) {
          const skim = record.skim(stub);
          if (!skim) {
            streamed.push(stub);
            continue;
          }
          skimmed++;
          if (listItems(skim['fBaskets']).length > 0) embedded++;
          const full = record.resolve(stub);
          for (const member of BASKET_MEMBERS) expect(skim[member], `${path} ${tree} ${stub.fName} ${member}`).toEqual(full[member]);
          expect(basketRefs(skim), `${path} ${tree} ${stub.fName}`).toEqual(basketRefs(full));
        }
        const generic = new LazyLayouts({ ...record, skim: () => undefined }, undefined);
        expect(clusterBoundaries(record, new LazyLayouts(record, undefined)), `${path} ${tree}`)
          .toEqual(clusterBoundaries(record, generic));
      }
    }
    expect(trees).toBeGreaterThan(150);
    // 15,420 of 15,446, 963 of them with baskets embedded in the tree record (947 in the 2015 ttbar
    // NanoAOD). Streamed instead: the 26 TBranch version 8 branches of two old samples.
    expect(skimmed).toBeGreaterThan(15_000);
    expect(embedded).toBeGreaterThan(950);
    expect(streamed.filter((stub) => stub._class !== 'TBranch' || stub.version !== 8)).toEqual([]);
  });

  it('skims branches whose baskets are embedded in the tree record (2015 ttbar NanoAOD) without streaming them', async () => {
    const path = join(DATA_DIR, 'nanoaod', 'nanoAOD_2015_CMS_Open_Data_ttbar.root');
    let found = false;
    for await (const { tree, record } of treeRecords(path)) {
      if (tree !== 'Events') continue;
      found = true;
      const layouts = new LazyLayouts(record, undefined);
      const skimmedStarts = record.stubs.map((stub) => layouts.basketStarts(stub.fName));
      expect(layouts.described).toBe(0);
      // One branch in three baskets, the others in one: describing one of those settles it.
      expect(clusterBoundaries(record, layouts)).toEqual([0, 200]);
      expect(layouts.described).toBe(1);
      // Nearly every branch holds its 200 entries in one basket embedded in the record.
      const fullStarts = record.stubs.map((stub) => basketRefs(record.resolve(stub)).map((b) => b.start));
      expect(skimmedStarts).toEqual(fullStarts);
      expect(skimmedStarts.filter((starts) => starts!.length === 1 && starts![0] === 0).length).toBeGreaterThan(900);
      const last = basketRefs(record.skim(record.stubs[0]!)!).at(-1)!;
      expect(last).toMatchObject({ start: 0, stop: 200 });
      expect(last.embedded?.data.length).toBeGreaterThan(0);
    }
    expect(found).toBe(true);
  });

  it('skims every branch of a NanoAOD tree, so its clusters stream none but one', async () => {
    let found = false;
    for await (const { tree, record } of treeRecords(join(DATA_DIR, 'nanoaod', 'nano_dy.root'))) {
      if (tree !== 'Events') continue;
      found = true;
      expect(record.stubs.filter((stub) => !record.skim(stub))).toEqual([]);
      const layouts = new LazyLayouts(record, undefined);
      expect(clusterBoundaries(record, layouts)).toEqual([0, 40]);
      expect(layouts.described).toBe(1); // the branch that tells a readable branch holds every start
    }
    expect(found).toBe(true);
  });

  it('streams a branch whose basket-map counts do not fit the record, which gives E_IO_MALFORMED', async () => {
    await using file = await openRootFile(join(DATA_DIR, 'nanoaod', 'nano_dy.root'), { metadataCache: false });
    const key = (await file.key('Events'))!;
    const bytes = new Uint8Array(await file.objectBytes(key)); // a copy (Buffer's slice() is a view)
    const record = readTreeRecord(bytes, key.key.keylen, key.className, undefined);
    const stub = record.stubs[1]!;
    // To fMaxBaskets: the TBranch header, TNamed, TAttFill, 4 ints, fEntryNumber, fIOFeatures, fOffset.
    const c = new RootCursor(bytes, stub.at);
    c.version();
    c.to(c.version().end!);
    c.to(c.version().end!);
    c.skip(24);
    c.to(c.version().end!);
    c.skip(4);
    new DataView(bytes.buffer, bytes.byteOffset).setInt32(c.pos, 0x7fffffff);
    expect(record.skim(stub)).toBeUndefined();
    const meta = await readTreeMeta({
      path: 'cut.root', name: 'Events', className: key.className, bytes, keylen: key.key.keylen,
      streamers: () => file.streamerInfos(),
    });
    expect(() => meta.clusters).toThrow(IoError);
    expect(() => meta.clusters).toThrow(expect.objectContaining({ code: 'E_IO_MALFORMED' }));
  });

  it('falls back from a skim that fails on a reference to a full read that fails the same, E_IO_MALFORMED', async () => {
    await using file = await openRootFile(join(DATA_DIR, 'golden', 'skhep', 'uproot-sample-6.08.04-lzma.root'), { metadataCache: false });
    const key = (await file.key('sample'))!;
    const bytes = new Uint8Array(await file.objectBytes(key)); // a copy (Buffer's slice() is a view)
    const parse = () => readTreeRecord(bytes, key.key.keylen, key.className, undefined);
    const stub = parse().stubs.find((s) => s.fName === 'au8')!;
    // To fBaskets (TBranch 12: no fIOFeatures), 31 null pointers after its header; the 15th becomes
    // a reference (tag 0xcc) into the tree's header, where no object can be read.
    const c = new RootCursor(bytes, stub.at);
    c.version();
    c.to(c.version().end!);
    c.to(c.version().end!);
    c.skip(12 + 4 + 8 + 4 + 4 + 4 + 8 + 24);
    c.to(c.version().end!);
    c.to(c.version().end!);
    bytes[c.pos + 25 + 14 * 4 + 3] = 0xcc;
    const record = parse();
    expect(record.skim(stub)).toBeUndefined();
    expect(() => parse().resolve(stub)).toThrow(RecordError);
    // The skim's reader is the full read's: the object it failed to read must not stand in for it.
    expect(() => record.resolve(stub)).toThrow(RecordError);
    const layouts = new LazyLayouts(parse(), undefined, { path: 'cut.root', tree: 'sample' });
    expect(() => layouts.basketStarts('au8')).toThrow(expect.objectContaining({ code: 'E_IO_MALFORMED' }));
  });
});
