/**
 * Kept descriptors (`keepOpen`): a reopen of an unchanged file reuses its descriptor; a file
 * replaced or rewritten since is opened afresh (new identity, new bytes, and for a ROOT file the
 * E_FILE_CHANGED check at load still fires); kept descriptors are bounded, close when idle, when
 * forgotten, and on `closeIdleFiles()`; the inline backend closes them when it closes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, stat, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/index.ts';
import { closeIdleFiles, LocalFileSource } from '../src/io/bytes/index.ts';
import { keptFileMode, OPEN_FILES_CAPACITY, OPEN_FILES_IDLE_MS } from '../src/io/bytes/open-files.ts';
import { EventsData } from '../src/io/dataset/events-data.ts';
import { openRootTree } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-open-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  vi.useRealTimers();
  await closeIdleFiles();
});

/** Descriptors of this process open on `path` (Linux). */
function descriptorsOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** inotify watches this process holds (Linux: the `inotify wd:` lines of its inotify descriptors). */
function inotifyWatches(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** Opens and closes `path` (kept) `times` times; returns the last identity. */
async function reopen(path: string, times = 1): Promise<string> {
  let identity = '';
  for (let i = 0; i < times; i++) {
    const source = await LocalFileSource.open(path, { keepOpen: true });
    identity = source.identity;
    await source.close();
  }
  return identity;
}

const text = async (path: string, position: number, length: number): Promise<string> => {
  await using source = await LocalFileSource.open(path, { keepOpen: true });
  return new TextDecoder().decode(await source.read(position, length));
};

describe.runIf(process.platform === 'linux')('kept descriptors of local files', () => {
  it('reuses the descriptor of an unchanged file, and closes it on closeIdleFiles()', async () => {
    const path = join(dir, 'same.bin');
    writeFileSync(path, 'hello kept world');
    const first = await LocalFileSource.open(path, { keepOpen: true });
    const identity = first.identity;
    await first.close();
    expect(descriptorsOn(path)).toBe(1); // kept
    const second = await LocalFileSource.open(path, { keepOpen: true });
    expect(descriptorsOn(path)).toBe(1); // the same one, not a second
    expect(second.identity).toBe(identity);
    expect(new TextDecoder().decode(await second.read(6, 4))).toBe('kept');
    await second.close();
    await closeIdleFiles();
    expect(descriptorsOn(path)).toBe(0);
    // without keepOpen nothing is kept
    await (await LocalFileSource.open(path)).close();
    expect(descriptorsOn(path)).toBe(0);
  });

  it('opens afresh a file replaced by rename, or rewritten in place, since it was kept', async () => {
    const path = join(dir, 'changing.bin');
    writeFileSync(path, 'version one');
    const one = await LocalFileSource.open(path, { keepOpen: true });
    const identityOne = one.identity;
    await one.close();
    writeFileSync(join(dir, 'next.bin'), 'version two, longer');
    renameSync(join(dir, 'next.bin'), path);
    const two = await LocalFileSource.open(path, { keepOpen: true });
    expect(two.identity).not.toBe(identityOne);
    expect(two.size).toBe('version two, longer'.length);
    expect(new TextDecoder().decode(await two.read(0, 11))).toBe('version two');
    await two.close();
    await vi.waitFor(() => expect(descriptorsOn(path)).toBe(1), { timeout: 10_000 }); // the replaced file's descriptor was closed
    writeFileSync(path, 'version three'); // same inode, new size and mtime
    const three = await LocalFileSource.open(path, { keepOpen: true });
    expect(three.identity).not.toBe(two.identity);
    expect(new TextDecoder().decode(await three.read(8, 5))).toBe('three');
    await three.close();
    await vi.waitFor(() => expect(descriptorsOn(path)).toBe(1), { timeout: 10_000 });
  });

  it('reports a kept file deleted since with ENOENT, and closes its descriptor', async () => {
    const path = join(dir, 'deleted.bin');
    writeFileSync(path, 'soon gone');
    await (await LocalFileSource.open(path, { keepOpen: true })).close();
    rmSync(path);
    await expect(LocalFileSource.open(path, { keepOpen: true })).rejects.toMatchObject({ code: 'ENOENT' });
    await vi.waitFor(() => expect(readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${path} (deleted)`);
      } catch {
        return false;
      }
    })).toEqual([]), { timeout: 10_000 });
  });

  it('shares one descriptor between sources open at once, closing it only after the last', async () => {
    const path = join(dir, 'shared.bin');
    writeFileSync(path, bytes('0123456789'));
    const a = await LocalFileSource.open(path, { keepOpen: true });
    await a.close();
    const [b, c] = await Promise.all([LocalFileSource.open(path, { keepOpen: true }), LocalFileSource.open(path, { keepOpen: true })]);
    expect(descriptorsOn(path)).toBe(1);
    await b.close();
    await closeIdleFiles(); // c still uses it: not closed
    expect([...(await c.read(3, 2))]).toEqual([...bytes('34')]);
    await c.close();
    await closeIdleFiles();
    expect(descriptorsOn(path)).toBe(0);
  });

  it(`keeps at most ${OPEN_FILES_CAPACITY} idle descriptors, least recently used closed first`, async () => {
    const paths = Array.from({ length: OPEN_FILES_CAPACITY + 4 }, (_, i) => join(dir, `many-${i}.bin`));
    for (const p of paths) {
      writeFileSync(p, p);
      await (await LocalFileSource.open(p, { keepOpen: true })).close();
    }
    // evicted descriptors close asynchronously (off the event loop): poll
    await vi.waitFor(() => {
      const kept = paths.map(descriptorsOn);
      expect(kept.reduce((a, b) => a + b, 0)).toBe(OPEN_FILES_CAPACITY);
      expect(kept.slice(-OPEN_FILES_CAPACITY)).toEqual(Array(OPEN_FILES_CAPACITY).fill(1));
    }, { timeout: 10_000 });
  });

  it(`closes a descriptor left unused for ${OPEN_FILES_IDLE_MS} ms (timer on the simulated clock)`, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const path = join(dir, 'idle.bin');
    writeFileSync(path, 'idle');
    await (await LocalFileSource.open(path, { keepOpen: true })).close();
    expect(descriptorsOn(path)).toBe(1);
    await vi.advanceTimersByTimeAsync(OPEN_FILES_IDLE_MS / 2);
    expect(descriptorsOn(path)).toBe(1);
    await vi.advanceTimersByTimeAsync(OPEN_FILES_IDLE_MS * 2);
    vi.useRealTimers();
    await vi.waitFor(() => expect(descriptorsOn(path)).toBe(0), { timeout: 10_000 });
  });

  it('watches a kept file from its first reuse on, and sees every change made since, even just before the reopen', async () => {
    const path = join(dir, 'watched.bin');
    writeFileSync(path, 'watched one');
    const first = await reopen(path);
    expect(keptFileMode(path)).toBe('checked'); // opened once: no watch yet (a file read once pays nothing)
    expect(await reopen(path)).toBe(first); // the first reuse checks by stat and sets up the watch
    expect(keptFileMode(path)).toBe('watched');
    expect(inotifyWatches()).toBeGreaterThanOrEqual(1);
    expect(await reopen(path, 3)).toBe(first); // unchanged: reused, still watched
    expect(keptFileMode(path)).toBe('watched');
    // each change is made synchronously right before the reopen (its event not yet handled)
    writeFileSync(path, 'watched two, rewritten in place');
    expect(await text(path, 8, 3)).toBe('two');
    await reopen(path, 2);
    expect(keptFileMode(path)).toBe('watched');
    // changed and reopened from inside an I/O callback (the poll phase)
    const inCallback = await new Promise<string>((done, fail) => {
      stat(path, () => {
        writeFileSync(path, 'watched 2b, from a callback');
        text(path, 8, 2).then(done, fail);
      });
    });
    expect(inCallback).toBe('2b');
    await reopen(path, 2);
    const beforeTouch = await reopen(path);
    utimesSync(path, new Date(), new Date(Date.now() + 5000)); // mtime only
    expect(await reopen(path)).not.toBe(beforeTouch);
    await reopen(path, 2);
    writeFileSync(join(dir, 'watched.next'), 'watched three, by rename');
    renameSync(join(dir, 'watched.next'), path);
    expect(await text(path, 8, 5)).toBe('three');
    await reopen(path, 2);
    expect(keptFileMode(path)).toBe('watched');
    rmSync(path);
    await expect(LocalFileSource.open(path, { keepOpen: true })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(keptFileMode(path)).toBeUndefined();
    await closeIdleFiles();
    await vi.waitFor(() => expect(inotifyWatches()).toBe(0), { timeout: 10_000 }); // no watch outlives its descriptor
  });

  it('checks by stat, not by a watch, a file reached through a symbolic link, and sees the link switched', async () => {
    const a = join(dir, 'release-a');
    const b = join(dir, 'release-b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'data.bin'), 'release a');
    writeFileSync(join(b, 'data.bin'), 'release b');
    // a linked directory on the way
    const current = join(dir, 'current');
    symlinkSync(a, current);
    const viaDir = join(current, 'data.bin');
    await reopen(viaDir, 3);
    expect(keptFileMode(viaDir)).toBe('checked');
    rmSync(current);
    symlinkSync(b, current);
    expect(await text(viaDir, 8, 1)).toBe('b');
    // the file itself a link
    const link = join(a, 'link.bin');
    symlinkSync(join(a, 'data.bin'), link);
    await reopen(link, 3);
    expect(keptFileMode(link)).toBe('checked');
    rmSync(link);
    symlinkSync(join(b, 'data.bin'), link);
    expect(await text(link, 8, 1)).toBe('b');
    await closeIdleFiles();
    expect(inotifyWatches()).toBe(0);
  });

  it('does not keep a descriptor it was told to forget (a file that failed to open as ROOT)', async () => {
    const path = join(dir, 'not-root.root');
    writeFileSync(path, 'PAR1 this is no ROOT file at all, and long enough to have a header');
    await expect(openRootTree(path, 'Events')).rejects.toMatchObject({ code: expect.stringMatching(/^E_IO_/) });
    await vi.waitFor(() => expect(descriptorsOn(path)).toBe(0), { timeout: 10_000 });
  });
});

describeWithData('kept descriptors of ROOT files', () => {
  const nano = (name: string): string => join(DATA_DIR, 'nanoaod', name);

  it('a ROOT file replaced since its last open in this thread fails its chunk with E_FILE_CHANGED', async () => {
    const path = join(dir, 'events.root');
    copyFileSync(nano('nano_dy.root'), path);
    const before = await openRootTree(path, 'Events');
    const prepared = { uuid: before.uuid, entries: before.entries };
    await before.read(['nMuon'], 0, before.entries);
    await before.close(); // its descriptor is kept for the next open
    expect(descriptorsOn(path)).toBe(1);
    copyFileSync(nano('nano_tt_v12.root'), join(dir, 'events.next'));
    renameSync(join(dir, 'events.next'), path);
    const chunk = new EventsData({
      path, treename: 'Events', start: 0, stop: 10, dataset: 'DY', metadata: {},
      uuid: prepared.uuid, fileEntries: prepared.entries,
    });
    await expect(chunk.load()).rejects.toMatchObject({ code: 'E_FILE_CHANGED' });
    // and the new file reads as itself
    await using after = await openRootTree(path, 'Events');
    expect(after.uuid).not.toBe(prepared.uuid);
    expect(after.entries).toBe(200);
  });

  it('the inline backend closes the descriptors its chunks kept when it closes', async () => {
    const path = join(dir, 'inline.root');
    copyFileSync(nano('nano_dy.root'), path);
    {
      await using backend = inline();
      const entries = await backend.compute(fromFunction(async (stop: number) => {
        const events = await openRootTree(path, 'Events');
        try {
          const nMuon = (await events.read(['nMuon'], 0, stop)).nMuon!;
          return 'offsets' in nMuon ? nMuon.offsets.length - 1 : nMuon.length;
        } finally {
          await events.close();
        }
      }, [10, 20, 30])).result();
      expect(entries).toBe(60);
      expect(descriptorsOn(path)).toBe(1);
    }
    expect(descriptorsOn(path)).toBe(0);
  });
});
