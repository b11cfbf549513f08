/**
 * Reading baskets again on one open tree reads nothing from the file: the spans a read fetched
 * (up to 1 MiB per tree) stay until the tree closes, so `read(['nMuon'])` twice, or a column
 * read after its counter, costs decompression only. Counted at the byte source.
 */
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { LocalFileSource } from '../src/io/bytes/index.ts';
import { openRootTree } from '../src/io/root/index.ts';
import { RECENT_SPANS_BYTES, RecentSpans } from '../src/io/root/prefetch.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describeWithData('repeated reads on one open ROOT tree', () => {
  const nano = (name: string): string => join(DATA_DIR, 'nanoaod', name);

  it('reads a one-basket column again without reading the file, and the first result stays intact', async () => {
    await using tree = await openRootTree(nano('nano_dy.root'), 'Events');
    const reads = vi.spyOn(LocalFileSource.prototype, 'read');
    const first = (await tree.read(['nMuon'], 0, tree.entries)).nMuon as Uint32Array;
    expect(reads).toHaveBeenCalledTimes(1);
    const copy = [...first];
    const again = (await tree.read(['nMuon'], 0, tree.entries)).nMuon as Uint32Array;
    expect(reads).toHaveBeenCalledTimes(1); // the basket came from the kept span
    expect(again).not.toBe(first);
    expect([...again]).toEqual(copy);
    expect([...first]).toEqual(copy); // decompressed afresh: the first column was not converted twice
    // a sub-range, and a jagged column read with its counter, from the same spans
    const part = (await tree.read(['nMuon'], 5, 17)).nMuon as Uint32Array;
    expect([...part]).toEqual(copy.slice(5, 17));
    await tree.read(['Muon_pt'], 0, tree.entries);
    const calls = reads.mock.calls.length;
    const both = await tree.read(['nMuon', 'Muon_pt'], 0, tree.entries);
    expect(reads).toHaveBeenCalledTimes(calls);
    const pt = both.Muon_pt as { offsets: Int32Array; values: Float32Array };
    expect(pt.offsets[pt.offsets.length - 1]).toBe(copy.reduce((a, b) => a + b, 0));
  });

  it('keeps nothing after the tree closes', async () => {
    const path = nano('nano_tt_v15.root');
    const reads = vi.spyOn(LocalFileSource.prototype, 'read');
    {
      await using tree = await openRootTree(path, 'Events');
      await tree.read(['nMuon'], 0, tree.entries);
    }
    const before = reads.mock.calls.length;
    await using tree = await openRootTree(path, 'Events');
    await tree.read(['nMuon'], 0, tree.entries);
    expect(reads.mock.calls.length).toBe(before + 1); // a new tree reads afresh
  });

  it('keeps at most 1 MiB of spans, the oldest dropped first, and no span over the bound', () => {
    const recent = new RecentSpans();
    const half = RECENT_SPANS_BYTES / 2 + 1;
    recent.add(0, new Uint8Array(half).fill(1));
    expect(recent.get(10, 5)).toEqual(new Uint8Array(5).fill(1));
    recent.add(10_000_000, new Uint8Array(half).fill(2)); // over the bound together: the first goes
    expect(recent.get(10, 5)).toBeUndefined();
    expect(recent.get(10_000_010, 5)).toEqual(new Uint8Array(5).fill(2));
    expect(recent.get(10_000_000 + half - 2, 4)).toBeUndefined(); // runs past the span
    recent.add(50_000_000, new Uint8Array(RECENT_SPANS_BYTES + 1)); // alone over the bound: not kept
    expect(recent.get(50_000_000, 1)).toBeUndefined();
    expect(recent.get(10_000_010, 5)).toBeDefined();
    recent.clear();
    expect(recent.get(10_000_010, 5)).toBeUndefined();
  });
});
