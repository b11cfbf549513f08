import { copyFile, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel, Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeFile } from '../src/io/parquet/describe.ts';
import { FileReader } from '../src/io/parquet/file-reader.ts';
import { descriptionSharingStats } from '../src/io/parquet/shared-descriptions.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

interface Reply {
  ok: boolean;
  error?: string;
  stats: { published: number; adopted: number; held: number; heldBytes: number };
  description?: { uuid: string; entries: number; branches: unknown[]; clusters: number[]; leaves: string[]; counters: string[]; counterFromIsLeaf: boolean };
}

/** A worker thread of this process that describes files on request. */
class DescribeWorker {
  readonly #worker = new Worker(new URL('./fixtures/describe-worker.mjs', import.meta.url));
  readonly #replies: Array<(reply: Reply) => void> = [];
  readonly ready: Promise<Reply>;

  constructor() {
    this.#worker.on('message', (reply: Reply) => this.#replies.shift()?.(reply));
    this.ready = new Promise((resolve) => this.#replies.push(resolve));
  }

  async ask(message: object): Promise<Reply> {
    const reply = new Promise<Reply>((resolve) => this.#replies.push(resolve));
    this.#worker.postMessage(message);
    const r = await reply;
    if (!r.ok) throw new Error(r.error);
    return r;
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

describeWithData('Parquet descriptions shared among worker threads', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-shared-desc-'));
    // A copy of its own: a new identity (inode), so nothing another test parsed is involved.
    path = join(dir, 'nano_dy.parquet');
    await copyFile(join(DATA_DIR, 'nanoaod/nano_dy.parquet'), path);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a file parsed by one worker is adopted by another, not parsed again, and equals its parse', async () => {
    const a = new DescribeWorker();
    const b = new DescribeWorker();
    try {
      await Promise.all([a.ready, b.ready]);
      await b.ask({ op: 'join' });
      const parsed = await a.ask({ op: 'describe', path });
      expect(parsed.stats).toMatchObject({ published: 1, adopted: 0 });
      await b.ask({ op: 'waitHeld', count: 1, timeoutMs: 20_000 });
      const adopted = await b.ask({ op: 'describe', path });
      expect(adopted.stats).toMatchObject({ published: 0, adopted: 1, held: 0 });
      expect(adopted.description).toEqual(parsed.description);
      expect(adopted.description!.entries).toBe(40);
      expect(adopted.description!.leaves.length).toBeGreaterThan(1_000);
      expect(adopted.description!.counterFromIsLeaf).toBe(true);

      // The file changes (a new mtime: a new identity): the held copy no longer describes it.
      await utimes(path, new Date(), new Date(Date.now() + 60_000));
      const again = await b.ask({ op: 'describe', path });
      expect(again.stats).toMatchObject({ published: 1, adopted: 1 });
    } finally {
      await Promise.all([a.terminate(), b.terminate()]);
    }
  });

  it('a held copy that does not unpack is dropped and the file parsed', async () => {
    const copy = join(dir, 'nano_dimuon.parquet');
    await copyFile(join(DATA_DIR, 'nanoaod/nano_dimuon.parquet'), copy);
    const file = await FileReader.open(copy);
    const identity = `${copy}\0${file.identity}`;
    await file.close();
    const w = new DescribeWorker();
    // The workers' channel (shared-descriptions.ts), reached from the main thread, which never joins it itself.
    const channel = new BroadcastChannel('cortado.parquet.descriptions');
    try {
      await w.ready;
      await w.ask({ op: 'join' });
      channel.postMessage({ identity, text: '[99]' });
      await w.ask({ op: 'waitHeld', count: 1, timeoutMs: 20_000 });
      const described = await w.ask({ op: 'describe', path: copy });
      expect(described.stats).toMatchObject({ published: 1, adopted: 0, held: 0 });
      expect(described.description!.leaves.length).toBeGreaterThan(1_000);
    } finally {
      channel.close();
      await w.terminate();
    }
  });

  it('the main thread neither publishes nor holds descriptions', async () => {
    const file = await FileReader.open(join(DATA_DIR, 'nanoaod/nano_dimuon.parquet'));
    try {
      await describeFile(file);
    } finally {
      await file.close();
    }
    expect(descriptionSharingStats()).toEqual({ published: 0, adopted: 0, held: 0, heldBytes: 0 });
  });
});
