/**
 * Small reads of a reopened, watched local file are synchronous (a page-cache copy, no pool round
 * trip): what most of a warm reopen of a small ROOT file cost. Everything else stays in the pool
 * under its deadline: a first open, a file checked by `stat` (linked paths, network file systems),
 * a range over the bound. The synchronous path gives the same bytes and the same typed errors.
 */
import { closeSync, copyFileSync, ftruncateSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeIdleFiles, LocalFileSource } from '../src/io/bytes/index.ts';
import { SYNC_READ_MAX_BYTES } from '../src/io/bytes/local.ts';
import { keptFileMode, keptSyncReads } from '../src/io/bytes/open-files.ts';
import { openRootTree } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-sync-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await closeIdleFiles();
});

/** Bytes 0..n-1 of a known pattern. */
function pattern(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + (i >> 8)) & 0xff;
  return out;
}

/** Opens `path` kept until it is watched (the first reuse sets the watch up). */
async function watchedSource(path: string): Promise<LocalFileSource> {
  for (let i = 0; i < 2; i++) await (await LocalFileSource.open(path, { keepOpen: true })).close();
  const source = await LocalFileSource.open(path, { keepOpen: true });
  expect(keptFileMode(path)).toBe('watched');
  return source;
}

/** How many synchronous reads of `path` `work` made. */
async function syncReadsOf(path: string, work: () => Promise<unknown>): Promise<number> {
  const before = keptSyncReads(path);
  await work();
  return keptSyncReads(path) - before;
}

describe.runIf(process.platform === 'linux')('synchronous small reads of watched files', () => {
  it('reads small ranges of a watched file synchronously, with the same bytes; large ranges and first opens through the pool', async () => {
    const path = join(dir, 'data.bin');
    const content = pattern(SYNC_READ_MAX_BYTES + 4096);
    writeFileSync(path, content);
    // A first open (not kept before): the pool.
    const first = await LocalFileSource.open(path, { keepOpen: true });
    expect(await syncReadsOf(path, async () => {
      expect(Buffer.from(await first.read(10, 100)).equals(content.subarray(10, 110))).toBe(true);
    })).toBe(0);
    await first.close();
    await using source = await watchedSource(path);
    expect(await syncReadsOf(path, async () => {
      for (const [position, length] of [[0, 1], [123, 4000], [5, SYNC_READ_MAX_BYTES], [content.length - 7, 7], [50, 0]] as const) {
        expect(Buffer.from(await source.read(position, length)).equals(content.subarray(position, position + length))).toBe(true);
      }
    })).toBe(5);
    // One byte over the bound: the pool, same bytes.
    expect(await syncReadsOf(path, async () => {
      const big = await source.read(3, SYNC_READ_MAX_BYTES + 1);
      expect(Buffer.from(big).equals(content.subarray(3, 3 + SYNC_READ_MAX_BYTES + 1))).toBe(true);
    })).toBe(0);
    // Reads at once, all answered, each its own range.
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => source.read(i * 1000, 333)));
    many.forEach((bytes, i) => expect(Buffer.from(bytes).equals(content.subarray(i * 1000, i * 1000 + 333))).toBe(true));
  });

  it('keeps the typed errors: a range past the end, an aborted signal, a closed source, a file cut while open', async () => {
    const path = join(dir, 'cut.bin');
    writeFileSync(path, pattern(10_000));
    const source = await watchedSource(path);
    await expect(source.read(9_990, 20)).rejects.toMatchObject({ code: 'E_IO_TRUNCATED', message: expect.stringContaining(path) });
    const controller = new AbortController();
    controller.abort(new Error('stop here'));
    await expect(source.read(0, 10, controller.signal)).rejects.toThrow('stop here');
    // Cut short while open: the read runs before the change event can arrive (same turn), so it
    // takes the synchronous path, finds the end early, and the descriptor is not kept after.
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, 100);
    } finally {
      closeSync(fd);
    }
    const cut = source.read(50, 200);
    await expect(cut).rejects.toMatchObject({ code: 'E_IO_TRUNCATED', message: expect.stringMatching(/got 50 before the end of the file/) });
    await source.close();
    expect(keptFileMode(path)).toBeUndefined();
    await expect(source.read(0, 10)).rejects.toMatchObject({ code: 'E_IO_CLOSED' });
    // The next open sees the file as it is now.
    await using again = await LocalFileSource.open(path, { keepOpen: true });
    expect(again.size).toBe(100);
    expect(Buffer.from(await again.read(90, 10)).equals(pattern(100).subarray(90))).toBe(true);
  });

  it('reads a file reached through a symbolic link in the pool (checked by stat, never watched)', async () => {
    const target = join(dir, 'target.bin');
    const link = join(dir, 'link.bin');
    writeFileSync(target, pattern(5_000));
    symlinkSync(target, link);
    for (let i = 0; i < 3; i++) await (await LocalFileSource.open(link, { keepOpen: true })).close();
    await using source = await LocalFileSource.open(link, { keepOpen: true });
    expect(keptFileMode(link)).toBe('checked');
    expect(await syncReadsOf(link, async () => {
      expect(Buffer.from(await source.read(100, 1_000)).equals(pattern(5_000).subarray(100, 1_100))).toBe(true);
    })).toBe(0);
  });
});

describeWithData('a warm reopen of a small ROOT file', () => {
  it('reads its baskets synchronously from the second reuse on, with the values of a cold read', async () => {
    // A copy in the temporary folder: watched wherever the data folder is (a link, a mount).
    const path = join(dir, 'nano_dy.root');
    copyFileSync(join(DATA_DIR, 'nanoaod', 'nano_dy.root'), path);
    const columns = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_charge'];
    const cold = await openRootTree(path, 'Events', { metadataCache: false });
    const want = await cold.read(columns, 0, cold.entries);
    await cold.close();
    await closeIdleFiles();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = keptSyncReads(path);
      const tree = await openRootTree(path, 'Events');
      const got = await tree.read(columns, 0, tree.entries);
      await tree.close();
      counts.push(keptSyncReads(path) - before);
      expect(got).toEqual(want);
    }
    expect(counts[0]).toBe(0); // opened afresh: the pool
    expect(counts.slice(2).every((n) => n >= 1)).toBe(true); // watched: the baskets' span read synchronously
  });
});
