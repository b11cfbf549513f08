import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Column } from '../src/io/columns.ts';
import { IoError } from '../src/io/errors.ts';
import { openRootFile, openRootTree } from '../src/io/root/index.ts';
import type { RootFileHandle } from '../src/io/root/handle.ts';
import { PrefetchedBytes, RECENT_SPANS_BYTES } from '../src/io/root/prefetch.ts';
import { releaseScratch, SCRATCH_MAX_BYTES, takeScratch } from '../src/io/bytes/scratch.ts';
import { demoTreeBranches, expectedColumn, writeDemoTree } from './fixtures/root/demo-tree.ts';

// Reads of more than RECENT_SPANS_BYTES of compressed baskets go into the thread's reused scratch
// buffer. These tests fail if a byte of that buffer leaks into a returned column (a later read
// would change an earlier result), if a basket kept for the next chunk aliases it, or if a read
// hands the buffer back while a read into it may still be writing.

const EVENTS = 90_000;
const BASKET = 30_000; // clusters of 30,000 entries: ~1.3 MB of LZ4 baskets each, ~2.4 MB stored raw
const dir = mkdtempSync(join(tmpdir(), 'cortado-root-scratch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const branches = demoTreeBranches(EVENTS, 5);
const names = branches.map((b) => b.name);

/** Whether two typed arrays hold the same type, length and bytes (vitest's toEqual walks them value by value: too slow here). */
function sameArray(a: unknown, b: ArrayBufferView): boolean {
  if (!ArrayBuffer.isView(a) || a.constructor !== b.constructor || a.byteLength !== b.byteLength) return false;
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function expectRead(got: Record<string, Column>, start: number, stop: number, when: string): void {
  for (const b of branches) {
    const want = expectedColumn(b, start, stop);
    const column = got[b.name];
    const ok = ArrayBuffer.isView(want)
      ? sameArray(column, want)
      : !ArrayBuffer.isView(column) && column !== undefined && sameArray((column as { offsets: unknown }).offsets, want.offsets) &&
        sameArray((column as { values: unknown }).values, want.values as ArrayBufferView);
    expect(ok, `${b.name} [${start}, ${stop}) ${when}: equal to the values written`).toBe(true);
  }
}

describe('compressed baskets read into a reused scratch buffer', () => {
  it('takes the idle buffer, never hands a held one to a second reader, keeps none over the bound', () => {
    const a = takeScratch(1000);
    const b = takeScratch(1000);
    expect(b.buffer === a.buffer).toBe(false); // a is held: b is fresh
    releaseScratch(a);
    releaseScratch(b); // same size: the first one stays
    expect(takeScratch(10) === a).toBe(true);
    releaseScratch(a);
    const big = takeScratch(SCRATCH_MAX_BYTES + 1); // the idle one is too small: a bigger one comes
    expect(big.length).toBeGreaterThan(SCRATCH_MAX_BYTES);
    releaseScratch(big); // over the bound: dropped
    const next = takeScratch(10);
    expect(next === big || next === a).toBe(false);
    releaseScratch(next);
  });

  for (const codec of ['lz4', 'zlib', 'none'] as const) {
    it(`reads ${codec} baskets through the scratch buffer and no result shares it (${codec})`, async () => {
      const path = join(dir, `scratch-${codec}.root`);
      writeDemoTree(path, branches, EVENTS, codec, BASKET);
      await using file = await openRootFile(path, { metadataCache: false });
      const tree = await file.tree('Events');
      expect(tree.clusters).toEqual([0, 30_000, 60_000, 90_000]);
      const ranges = [[0, 30_000], [30_000, 60_000], [15_000, 45_000], [45_000, 75_000], [75_000, 90_000], [0, EVENTS]] as const;
      const results: Record<string, Column>[] = [];
      for (const [start, stop] of ranges) {
        // The thread's scratch buffer, filled with garbage: a read must overwrite what it uses,
        // and give the same buffer back afterwards (it was used, not bypassed).
        const scratch = takeScratch(16 << 20); // more than any read here needs: it is not replaced by a larger one
        scratch.fill(0xa5);
        releaseScratch(scratch);
        const got = await tree.read(names, start, stop);
        expectRead(got, start, stop, 'as read');
        if (stop - start >= BASKET) expect(takeScratch(1) === scratch, `[${start}, ${stop}) used the scratch buffer`).toBe(true);
        releaseScratch(scratch);
        results.push(got);
      }
      // Every later read overwrote the scratch buffer: no earlier column changed.
      ranges.forEach(([start, stop], i) => expectRead(results[i]!, start, stop, 'after the later reads'));
    });
  }

  it('gives right values to concurrent reads of the same thread (only one holds the scratch buffer)', async () => {
    const pathA = join(dir, 'concurrent-lz4.root');
    const pathB = join(dir, 'concurrent-zstd.root');
    writeDemoTree(pathA, branches, EVENTS, 'lz4', BASKET);
    writeDemoTree(pathB, branches, EVENTS, 'zstd', BASKET);
    await using a = await openRootTree(pathA, 'Events');
    await using b = await openRootTree(pathB, 'Events');
    const ranges = [[0, 30_000], [30_000, 60_000], [60_000, 90_000], [10_000, 80_000]] as const;
    const reads = ranges.flatMap(([start, stop]) => [a.read(names, start, stop), b.read(names, start, stop)]);
    const got = await Promise.all(reads);
    got.forEach((columns, i) => expectRead(columns, ranges[i >> 1]![0], ranges[i >> 1]![1], `concurrent read ${i}`));
  });

  it('still checks LZ4 checksums of baskets read into the scratch buffer', async () => {
    const path = join(dir, 'flipped-lz4.root');
    writeDemoTree(path, branches, EVENTS, 'lz4', BASKET);
    let ref = { seek: 0, bytes: 0 };
    {
      await using file = await openRootFile(path, { metadataCache: false });
      ref = (await file.tree('Events')).layout('Muon_charge')!.baskets[1]!;
    }
    const bytes = readFileSync(path);
    bytes[ref.seek + ref.bytes - 20]! ^= 0x10; // inside the LZ4 data (Muon_charge compresses: never stored raw)
    const flipped = join(dir, 'flipped-lz4-bad.root');
    writeFileSync(flipped, bytes);
    await using tree = await openRootTree(flipped, 'Events', { metadataCache: false });
    const error = await tree.read(names, 30_000, 60_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_CHECKSUM');
    expect((error as IoError).message).toContain('Muon_charge');
    // The failed read gave the buffer back intact for the next: the other clusters read right.
    expectRead(await tree.read(names, 0, 30_000), 0, 30_000, 'after the checksum error');
    expectRead(await tree.read(names, 60_000, 90_000), 60_000, 90_000, 'after the checksum error');
  });

  it('never reuses a scratch buffer a failed read may still be writing into', async () => {
    let into: Uint8Array | undefined;
    const handle = {
      path: '/nowhere.root',
      read: () => Promise.reject(new Error('not expected: every span goes into the scratch buffer')),
      readInto: (_position: number, buffer: Uint8Array) => {
        into = buffer;
        return Promise.reject(new IoError('E_IO_TIMEOUT', 'Expected a read within 1 ms, got none', { path: '/nowhere.root' }));
      },
    } as unknown as RootFileHandle;
    const error = await PrefetchedBytes.fetch(handle, [{ position: 0, length: RECENT_SPANS_BYTES + 10 }]).catch((e: unknown) => e);
    expect((error as IoError).code).toBe('E_IO_TIMEOUT');
    expect(into).toBeDefined();
    const next = takeScratch(1);
    expect(next.buffer === into!.buffer).toBe(false);
    releaseScratch(next);
  });
});
