import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { clusterBoundaries } from '../src/io/root/clusters.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { basketRefs } from '../src/io/root/layout.ts';
import { LazyLayouts } from '../src/io/root/lazy-layouts.ts';
import { readTreeRecord, type TreeRecord } from '../src/io/root/tree-record.ts';
import { expectedColumn } from './fixtures/root/demo-tree.ts';
import { writeTree, type TreeBranch } from './fixtures/root/write-tree.ts';

// Trees without entry-count clusters (fAutoFlush 0, as NanoAOD's) written by the test writer with
// a basket size per branch: their cluster boundaries are the entries where every readable branch
// starts a basket, read from each branch record by the skim (branch-skim.ts) or by a full read.
// No shared data needed: the records are small enough to mutate byte by byte.

const ENTRIES = 25;
const BASKET_MEMBERS = ['fEntries', 'fWriteBasket', 'fBasketBytes', 'fBasketEntry', 'fBasketSeek'];
const counts = Int32Array.from({ length: ENTRIES }, (_, i) => (i * 7) % 4);
const offsets = new Int32Array(ENTRIES + 1);
for (let i = 0; i < ENTRIES; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
// Baskets of 2, 3, 4 and 6 entries: every branch starts one at 12 and 24 only (and at 0).
const BRANCHES: TreeBranch[] = [
  { name: 'nJet', type: 'I', values: counts, basketEntries: 2 },
  { name: 'x', type: 'D', values: Float64Array.from({ length: ENTRIES }, (_, i) => i / 4), basketEntries: 3 },
  { name: 'y', type: 'S', values: Int16Array.from({ length: ENTRIES }, (_, i) => 100 - i), basketEntries: 4 },
  { name: 'Jet_pt', type: 'F', values: Float32Array.from({ length: offsets[ENTRIES]! }, (_, i) => i + 0.5), counter: 'nJet', offsets, basketEntries: 6 },
];

const dir = mkdtempSync(join(tmpdir(), 'cortado-basket-clusters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'baskets.root');
let record: { bytes: Uint8Array; keylen: number; className: string };
beforeAll(async () => {
  writeTree(path, BRANCHES, { entries: ENTRIES, codec: 'zlib', basketEntries: 1, autoFlush: 0 });
  await using file = await openRootFile(path, { metadataCache: false });
  const key = (await file.key('Events'))!;
  record = { bytes: await file.objectBytes(key), keylen: key.key.keylen, className: key.className };
});

const parse = (bytes: Uint8Array): TreeRecord => readTreeRecord(bytes, record.keylen, record.className, undefined);
/** The record's layouts with the skim, or without it (every branch record read in full). */
const layouts = (tree: TreeRecord, skim: boolean): LazyLayouts =>
  new LazyLayouts(skim ? tree : { ...tree, skim: () => undefined }, undefined, { path: 'baskets.root', tree: 'Events' });
/** What `f` returns, or the error it throws. */
function outcome<T>(f: () => T): { value: T } | { error: unknown } {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
}

describe('cluster boundaries from basket starts of written trees', () => {
  it('cut where every branch starts a basket, skimmed or read in full, and chunks cut there read the values written', async () => {
    const tree = parse(record.bytes);
    expect(tree.stubs.every((stub) => tree.skim(stub) !== undefined)).toBe(true);
    for (const stub of tree.stubs) expect(basketRefs(tree.skim(stub)!)).toEqual(basketRefs(parse(record.bytes).resolve(stub)));
    expect(clusterBoundaries(tree, layouts(tree, true))).toEqual([0, 12, 24, 25]);
    expect(clusterBoundaries(tree, layouts(parse(record.bytes), false))).toEqual([0, 12, 24, 25]);

    await using file = await openRootFile(path, { metadataCache: false });
    const events = await file.tree('Events');
    expect(events.clusters).toEqual([0, 12, 24, 25]);
    const names = BRANCHES.map((b) => b.name);
    for (let k = 0; k + 1 < events.clusters.length; k++) {
      const [start, stop] = [events.clusters[k]!, events.clusters[k + 1]!];
      const got = await events.read(names, start, stop);
      for (const b of BRANCHES) expect(got[b.name], `${b.name} [${start}, ${stop})`).toEqual(expectedColumn(b, start, stop));
    }
  });

  it('are the same skimmed or read in full for any byte of a branch record changed, or E_IO_MALFORMED', () => {
    const original = parse(record.bytes);
    const tally = { mutations: 0, skimmed: 0, fellBack: 0, malformed: 0 };
    // The first branch (2-entry baskets) and the jagged one (6-entry baskets, a counter leaf inside).
    for (const stub of [original.stubs[0]!, original.stubs[3]!]) {
      const end = stub.at + 4 + (new DataView(record.bytes.buffer, record.bytes.byteOffset).getUint32(stub.at) & ~0x40000000);
      for (let at = stub.at; at < end; at++) {
        for (const value of [0x00, 0xff, record.bytes[at]! ^ 0x01]) {
          const bytes = new Uint8Array(record.bytes); // a copy (Buffer's slice() is a view)
          bytes[at] = value;
          const trees = outcome((): [TreeRecord, TreeRecord, TreeRecord, TreeRecord] => [parse(bytes), parse(bytes), parse(bytes), parse(bytes)]);
          if ('error' in trees) continue; // the tree record itself no longer parses: readTreeMeta reports that
          const [skimming, reading, withSkim, withoutSkim] = trees.value;
          const mutated = skimming.stubs.find((s) => s.at === stub.at);
          if (!mutated) continue;
          tally.mutations++;
          const where = `byte ${at - stub.at} of ${stub.fName} set to ${value}`;
          // A skim that succeeds gives what the full read of the same bytes gives (when that succeeds).
          const skim = skimming.skim(mutated);
          const full = outcome(() => reading.resolve(reading.stubs.find((s) => s.at === stub.at)!));
          if (skim === undefined) tally.fellBack++;
          else {
            tally.skimmed++;
            if ('value' in full) {
              for (const member of BASKET_MEMBERS) expect(skim[member], `${where}: ${member}`).toEqual(full.value[member]);
              expect(basketRefs(skim), where).toEqual(basketRefs(full.value));
            }
          }
          // The full read after a skim (the fallback) ends as a full read alone does.
          const after = outcome(() => skimming.resolve(mutated));
          expect('error' in after, where).toBe('error' in full);
          if ('value' in after && 'value' in full) expect(basketRefs(after.value), where).toEqual(basketRefs(full.value));
          // Boundaries: equal, or an IoError (never a RangeError or TypeError). A branch that is
          // never described (it holds every start) raises nothing when skimmed, unlike a full read.
          const a = outcome(() => clusterBoundaries(withSkim, layouts(withSkim, true)));
          const b = outcome(() => clusterBoundaries(withoutSkim, layouts(withoutSkim, false)));
          for (const o of [a, b]) if ('error' in o) expect(o.error, where).toBeInstanceOf(IoError);
          if ('error' in a) expect(b, where).toHaveProperty('error');
          if ('value' in a && 'value' in b) expect(a.value, where).toEqual(b.value);
          if ('error' in b) tally.malformed++;
        }
      }
    }
    // 3,083 mutations: 2,913 skimmed, 170 fell back; 317 made the full read's boundaries E_IO_MALFORMED.
    expect(tally.mutations).toBeGreaterThan(3_000);
    expect(tally.skimmed).toBeGreaterThan(2_500);
    expect(tally.fellBack).toBeGreaterThan(150);
    expect(tally.malformed).toBeGreaterThan(300);
  });
});
