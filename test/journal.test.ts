/**
 * The crash-safe journal: framed records, torn tails, compaction into atomic snapshots, locks,
 * and a task that resumes from it on every backend.
 */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { encodeFrame } from '../src/journal/frame.ts';
import { JournalCheckpoint, peekCheckpoint } from '../src/journal/journal-checkpoint.ts';
import type { Checkpoint } from '../src/protocol/checkpoint.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { BACKENDS, useBackendSetup } from './helpers/backends.ts';
import { recordOf, square } from './fixtures/processors.ts';

const root = mkdtempSync(join(tmpdir(), 'cortado-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let serial = 0;
const folder = () => join(root, `ckpt-${serial++}`);
const computable = { key: 'test#1', size: 100 };

/** Writes `n` records of one range and one count each, then closes as incomplete. */
async function recorded(path: string, n: number, options: { compactRecords?: number } = {}): Promise<void> {
  const journal = JournalCheckpoint.open({ path, ...options }, computable);
  for (let i = 0; i < n; i++) journal.record([[i, i + 1]], new Map([[undefined, i]]));
  crash(journal);
}

/** Leaves the folder as a killed process would (its lock file is this process's, so it goes too). */
function crash(journal: JournalCheckpoint): void {
  journal.abandon();
  rmSync(join(journal.path, 'lock'));
}

describe('journal checkpoint', () => {
  it('restores the records of a journal, folded in order', async () => {
    const path = folder();
    const journal = JournalCheckpoint.open({ path, compactRecords: 1000 }, computable);
    for (let i = 0; i < 10; i++) journal.record([[i, i + 1]], new Map([[undefined, i]]));
    crash(journal);
    const again = JournalCheckpoint.open({ path }, computable);
    expect(again.stats.restoredRecords).toBe(10);
    expect(again.restored?.completed).toEqual([[0, 10]]);
    expect(again.restored?.results.get(undefined)).toBe(45);
    await again.close('cancelled');
  });

  it('ignores and cuts off a torn tail (a record half-written when the process died)', async () => {
    const path = folder();
    await recorded(path, 5, { compactRecords: 1000 });
    const log = join(path, 'journal.log');
    // A sixth record, torn: its length says more bytes than there are.
    const intact = statSync(log).size;
    appendFileSync(log, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 123, 34]));
    const journal = JournalCheckpoint.open({ path }, computable);
    expect(journal.stats.ignoredBytes).toBe(10);
    expect(journal.restored?.completed).toEqual([[0, 5]]);
    expect(statSync(log).size).toBe(intact);
    journal.record([[5, 6]], new Map([[undefined, 5]]));
    crash(journal);
    const after = JournalCheckpoint.open({ path }, computable);
    expect(after.restored?.completed).toEqual([[0, 6]]);
    expect(after.restored?.results.get(undefined)).toBe(15);
    await after.close('cancelled');
  });

  it('ignores a last record whose checksum does not match', async () => {
    const path = folder();
    await recorded(path, 5, { compactRecords: 1000 });
    const log = join(path, 'journal.log');
    const bytes = readFileSync(log);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
    writeFileSync(log, bytes);
    const journal = JournalCheckpoint.open({ path }, computable);
    expect(journal.restored?.completed).toEqual([[0, 4]]);
    expect(journal.stats.ignoredBytes).toBeGreaterThan(8);
    await journal.close('cancelled');
  });

  it('compacts into an atomically written snapshot every compactRecords records, and restores the same', async () => {
    const path = folder();
    const journal = JournalCheckpoint.open({ path, compactRecords: 8 }, computable);
    for (let i = 0; i < 20; i++) journal.record([[i, i + 1]], new Map([[undefined, i]]));
    expect(journal.stats.compactions).toBe(2);
    const snapshot = JSON.parse(readFileSync(join(path, 'snapshot.json'), 'utf8'));
    expect(snapshot).toMatchObject({ type: 'cortado.Checkpoint', generation: 2, completed: [[0, 16]] });
    crash(journal);
    const again = JournalCheckpoint.open({ path }, computable);
    expect(again.stats.restoredRecords).toBe(4);
    expect(again.restored?.completed).toEqual([[0, 20]]);
    expect(again.restored?.results.get(undefined)).toBe(190);
    await again.close('cancelled');
    expect(readdirSync(path).sort()).toEqual(['journal.log', 'snapshot.json']);
  });

  it('ignores a journal of an older generation (compacted just before a crash)', async () => {
    const path = folder();
    await recorded(path, 3, { compactRecords: 1000 });
    const old = readFileSync(join(path, 'journal.log'));
    const journal = JournalCheckpoint.open({ path }, computable);
    journal.compact();
    crash(journal);
    writeFileSync(join(path, 'journal.log'), old);
    const again = JournalCheckpoint.open({ path }, computable);
    expect(again.restored?.completed).toEqual([[0, 3]]);
    expect(again.restored?.results.get(undefined)).toBe(3);
    await again.close('cancelled');
  });

  it('refuses another computation\'s checkpoint, a damaged snapshot and an overlapping record, naming the file', async () => {
    const path = folder();
    await recorded(path, 3);
    // Not compacted yet: the journal's header says whose it is.
    expect(() => JournalCheckpoint.open({ path }, { key: 'other', size: 100 })).toThrow(expect.objectContaining({ code: 'E_CHECKPOINT_INVALID', message: expect.stringMatching(/journal\.log belongs to another computation \(key test#1, size 100; this one is key other/) }));
    expect(() => JournalCheckpoint.open({ path }, { key: 'test#1', size: 99 })).toThrow(/journal\.log belongs to another computation \(key test#1, size 100; this one is key test#1, size 99/);
    const compacted = folder();
    await recorded(compacted, 3, { compactRecords: 2 });
    expect(() => JournalCheckpoint.open({ path: compacted }, { key: 'other', size: 100 })).toThrow(expect.objectContaining({ code: 'E_CHECKPOINT_INVALID', message: expect.stringMatching(/snapshot\.json belongs to another computation \(key test#1/) }));
    const damaged = folder();
    await recorded(damaged, 3);
    writeFileSync(join(damaged, 'snapshot.json'), '{"type": "cortado.Checkpoint", "version": 1, "key": "test#1", "size": 100, "generation": 0, "completed": [[5, 500]], "results": []}');
    expect(() => JournalCheckpoint.open({ path: damaged }, computable)).toThrow(/snapshot\.json is damaged: range \[5, 500\) lies beyond the computable's size 100/);
    const overlap = folder();
    const journal = JournalCheckpoint.open({ path: overlap }, computable);
    journal.record([[0, 5]], new Map([[undefined, 1]]));
    crash(journal);
    appendFileSync(join(overlap, 'journal.log'), encodeFrame(JSON.stringify({ c: [[3, 6]], r: [] })));
    expect(() => JournalCheckpoint.open({ path: overlap }, computable)).toThrow(/journal\.log is damaged in record 2: Range \[3, 6\) overlaps \[0, 5\)/);
    // A refused open leaves no lock behind.
    expect(existsSync(join(overlap, 'lock'))).toBe(false);
  });

  it('locks the folder against a second open while one is live, and takes over a dead process\'s lock', async () => {
    const path = folder();
    const first = JournalCheckpoint.open({ path }, computable);
    expect(() => JournalCheckpoint.open({ path }, computable)).toThrow(expect.objectContaining({ code: 'E_CHECKPOINT_LOCKED', path: join(path, 'lock') }));
    await first.close('cancelled');
    // A process that no longer exists (pid 2^22 + 1 is above Linux's pid_max default).
    writeFileSync(join(path, 'lock'), `4194305@${(await import('node:os')).hostname()}`);
    const second = JournalCheckpoint.open({ path }, computable);
    await second.close('cancelled');
    expect(existsSync(join(path, 'lock'))).toBe(false);
  });

  it('starts a new checkpoint with its journal alone: its header holds the size and meta until the first snapshot', async () => {
    const path = folder();
    const journal = JournalCheckpoint.open({ path, meta: { run: 'abc' } }, computable);
    expect(readdirSync(path).sort()).toEqual(['journal.log', 'lock']);
    expect(peekCheckpoint(path)).toEqual({ key: 'test#1', size: 100, meta: { run: 'abc' } });
    journal.record([[0, 2]], new Map([[undefined, 7]]));
    crash(journal);
    // Resumed without meta: the journal's is kept, and carried into the snapshot.
    const again = JournalCheckpoint.open({ path }, computable);
    expect(again.restored?.completed).toEqual([[0, 2]]);
    again.compact();
    expect(JSON.parse(readFileSync(join(path, 'snapshot.json'), 'utf8')).meta).toEqual({ run: 'abc' });
    expect(peekCheckpoint(path)).toMatchObject({ meta: { run: 'abc' } });
    await again.close('cancelled');
    // A journal killed before its header was whole is no checkpoint.
    const torn = folder();
    crash(JournalCheckpoint.open({ path: torn }, computable));
    truncateSync(join(torn, 'journal.log'), 5);
    expect(peekCheckpoint(torn)).toBeUndefined();
    const fresh = JournalCheckpoint.open({ path: torn }, computable);
    expect(fresh.restored).toBeUndefined();
    await fresh.close('cancelled');
  });

  it('closes a completed task without a snapshot: removed at once (renamed, then deleted), or kept with its records synced', async () => {
    const path = folder();
    const journal = JournalCheckpoint.open({ path }, computable);
    journal.record([[0, 100]], new Map([[undefined, 1]]));
    await journal.close('complete');
    expect(existsSync(path)).toBe(false);
    // The renamed folder goes off the thread: poll until it is gone.
    const siblings = () => readdirSync(root).filter((name) => name.startsWith(`${path.slice(root.length + 1)}.removing-`));
    for (const deadline = Date.now() + 20_000; siblings().length > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    expect(siblings()).toEqual([]);
    const kept = folder();
    const keep = JournalCheckpoint.open({ path: kept, removeOnComplete: false, syncIntervalMs: 60_000 }, computable);
    keep.record([[0, 100]], new Map([[undefined, 1]]));
    await keep.close('complete');
    expect(keep.stats.syncs).toBe(1);
    expect(keep.stats.compactions).toBe(0);
    expect(readdirSync(kept).sort()).toEqual(['journal.log']);
    const reopened = JournalCheckpoint.open({ path: kept }, computable);
    expect(reopened.restored?.completed).toEqual([[0, 100]]);
    await reopened.close('cancelled');
  });

  it('removes the renamed folder of a completed checkpoint whose process died before deleting it', async () => {
    const path = folder();
    const name = path.slice(root.length + 1);
    // pid 2^22 + 1 is above Linux's pid_max default: no such process.
    const dead = join(root, `${name}.removing-4194305-0`);
    crash(JournalCheckpoint.open({ path: dead }, computable));
    const live = join(root, `${name}.removing-${process.pid}-99`);
    crash(JournalCheckpoint.open({ path: live }, computable));
    const journal = JournalCheckpoint.open({ path }, computable);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    await journal.close('cancelled');
    rmSync(live, { recursive: true });
  });

  it('refuses a folder that cannot be written, naming it, before anything is computed', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(() => JournalCheckpoint.open({ path: join(file, 'ckpt') }, computable)).toThrow(
      expect.objectContaining({ code: 'E_CHECKPOINT_WRITE', message: expect.stringContaining(join(file, 'ckpt')) }),
    );
  });

  it('leaves no temporary files behind', async () => {
    const path = folder();
    await recorded(path, 50, { compactRecords: 7 });
    expect(readdirSync(path).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    truncateSync(join(path, 'journal.log'), 3);
    const again = JournalCheckpoint.open({ path }, computable);
    await again.close('cancelled');
    expect(readdirSync(path).sort()).toEqual(['journal.log', 'snapshot.json']);
  });
});

describe.each(BACKENDS)('compute with a checkpoint: %s', (_name, entry) => {
  useBackendSetup(entry);
  const { create } = entry;
  let backend: Backend;
  afterEach(async () => {
    await backend?.dispose();
  });
  const inputs = Array.from({ length: 60 }, (_, i) => i);

  it('resumes a cancelled task from its checkpoint: only the rest is computed and the result is the full one', async () => {
    backend = create();
    // Many more elements than the cancel point: under load, batches in flight still finish after
    // cancel(), and with 60 elements the whole task sometimes completed first.
    const many = Array.from({ length: 600 }, (_, i) => i);
    const path = folder();
    const first = backend.compute(fromFunction(recordOf, many), { checkpoint: path, batchSize: 4 });
    const sub = first.progress$.subscribe((p) => {
      if (p.elementsDone >= 20) first.cancel();
    });
    await first.wait();
    sub.unsubscribe();
    const done = first.partial().processed;
    expect(done).toBeGreaterThanOrEqual(20);
    expect(done).toBeLessThan(600);
    expect(existsSync(join(path, 'snapshot.json'))).toBe(true);

    const second = backend.compute(fromFunction(recordOf, many), { checkpoint: path, batchSize: 4 });
    expect(second.restored).toEqual({ entries: done, ranges: first.partial().completed.length });
    const result = await second.result();
    expect(result).toEqual({ n: 600, sum: 179700, parity: new Map([['even', 300], ['odd', 300]]), seen: new Set([0, 1, 2]) });
    expect(second.partial().completed).toEqual([[0, 600]]);
    expect(existsSync(path)).toBe(false);
  });

  it('cancels with the checkpoint\'s error when a record cannot be written, keeping the partial result', async () => {
    backend = create();
    let calls = 0;
    const failing: Checkpoint = {
      restored: undefined,
      record() {
        if (++calls === 3) throw Object.assign(new Error('Could not write the journal /x/journal.log: the disk is full (ENOSPC)'), { code: 'E_CHECKPOINT_WRITE' });
      },
      close: async () => {},
    };
    const task = backend.compute(fromFunction(square, inputs), { checkpoint: failing, batchSize: 5 });
    const partial = await task.wait();
    expect(task.status).toBe('cancelled');
    expect(partial.error).toMatchObject({ code: 'E_CHECKPOINT_WRITE' });
    expect(partial.processed).toBeGreaterThanOrEqual(15);
  });
});
