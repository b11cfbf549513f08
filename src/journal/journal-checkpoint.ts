import { accessSync, closeSync, renameSync, fstatSync, readdirSync, constants, fdatasync, mkdirSync, openSync, readFileSync, readSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Checkpoint, CheckpointState } from '../protocol/checkpoint.ts';
import { RangeSet, type Range } from '../protocol/range.ts';
import type { TaskStatus } from '../protocol/task.ts';
import type { JsonValue } from '../results/serialize.ts';
import { isProcessAlive } from '../io/fs/process-alive.ts';
import { syncPath } from '../io/fs/sync-path.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { CheckpointError, writeError } from './errors.ts';
import { decodeFrames, encodeFrame, FRAME_HEADER } from './frame.ts';
import { acquireLock, type HeldLock } from './lock.ts';
import { foldPairs, ResultFold } from './fold.ts';
import { decodeRecord, encodeRecord, encodeRecordFrame, type DecodedRecord, type RecordScratch } from './record-codec.ts';
import { addRanges, readSnapshot, writeSnapshot, type CheckpointHeader } from './snapshot.ts';
import { checkCheckpointCode } from './code-check.ts';
import type { ProcessorCodes } from '../protocol/processor-code.ts';

/** Options of a journal checkpoint (`compute(c, { checkpoint: { path, ... } })`). */
export interface JournalCheckpointOptions {
  /** The checkpoint folder (created if missing): `snapshot.json`, `journal.log` and `lock` live in it. */
  path: string;
  /** Anything JSON to keep with the checkpoint (the CLI keeps its run header); read it back with {@link peekCheckpoint}. */
  meta?: JsonValue;
  /**
   * Longest time a record waits for its `fdatasync`: records are written at once (a killed process
   * loses none) and synced together at most this often (an OS crash or power loss loses at most
   * this much). Each fdatasync forces a commit of the file system's journal, which stalls other
   * writers on a busy disk, so they are kept few. @defaultValue 1000
   */
  syncIntervalMs?: number;
  /** Records after which the journal is compacted into the snapshot. @defaultValue 4096 */
  compactRecords?: number;
  /** Journal bytes after which it is compacted into the snapshot. @defaultValue 16 MiB */
  compactBytes?: number;
  /** Delete the folder when the task completes (keep it when incomplete or cancelled). @defaultValue true */
  removeOnComplete?: boolean;
}

/** What a checkpoint is opened for: the computable's key, size and processor code (`Computable.code`). */
export interface CheckpointIdentity {
  readonly key: string;
  readonly size: number;
  readonly code?: ProcessorCodes | undefined;
}

/** What a journal checkpoint did, for benchmarks and the kill harness. */
export interface JournalStats {
  /** Records appended by this task. */
  records: number;
  /** Bytes appended by this task. */
  bytes: number;
  syncs: number;
  compactions: number;
  /** Records read back from the journal when the checkpoint was opened. */
  restoredRecords: number;
  /** Bytes of a torn or damaged tail that were ignored (and cut off) when opening. */
  ignoredBytes: number;
  /** Milliseconds spent opening (reading the snapshot and journal, folding them). */
  openMs: number;
  /** Milliseconds spent in `record()` on the calling thread (encoding, writing, folding, compacting). */
  recordMs: number;
  /** Of `recordMs`: encoding records, writing them (the `write` calls), folding them into the kept result. */
  encodeMs: number;
  writeMs: number;
  foldMs: number;
  /** Milliseconds `close()` took (waiting for the last sync, compacting or removing the folder). */
  closeMs: number;
}

/** Folders renamed away by this process to be removed once their last sync ends (unique names). */
let removals = 0;
/** What a completed checkpoint's folder is renamed to before it is removed: `<path>.removing-<pid>-<n>`. */
const REMOVING = '.removing-';

const SNAPSHOT = 'snapshot.json';
const JOURNAL = 'journal.log';
const LOCK = 'lock';

interface JournalHeader {
  type: 'cortado.Journal';
  version: 1;
  key: string;
  generation: number;
  /** The computable's size, code and the caller's meta: a journal of generation 0 has no snapshot before it. */
  size?: number;
  code?: ProcessorCodes;
  meta?: JsonValue;
}

/**
 * cortado's durable {@link Checkpoint}: a folder holding an atomically written snapshot and an
 * append-only journal. Each batch the runtime accepts becomes one record
 * (`[length u32][crc32 u32][JSON]`: completed ranges and the batch's partial results), written
 * before its ranges count; `fdatasync` runs for many records together (group commit). A torn or
 * damaged tail — a process killed mid-write — is ignored and cut off. Every `compactRecords`
 * records (or `compactBytes`) the folded state goes into a new snapshot (temp file, fsync,
 * rename, fsync folder) and the journal starts again, so the folder stays about the size of one
 * result plus one journal's worth of records. A `lock` file keeps two processes out of one folder.
 *
 * @example
 * ```ts
 * const task = backend.compute(computable, { checkpoint: 'run.ckpt' });
 * // killed? the same call again computes only what was not recorded, and merges.
 * ```
 */
export class JournalCheckpoint implements Checkpoint {
  readonly path: string;
  readonly restored: CheckpointState | undefined;
  readonly stats: JournalStats = { records: 0, bytes: 0, syncs: 0, compactions: 0, restoredRecords: 0, ignoredBytes: 0, openMs: 0, recordMs: 0, encodeMs: 0, writeMs: 0, foldMs: 0, closeMs: 0 };
  readonly #header: CheckpointHeader;
  readonly #options: Required<Omit<JournalCheckpointOptions, 'meta'>> & { meta?: JsonValue | undefined };
  readonly #lock: HeldLock;
  /** Ranges recorded so far (snapshot, journal, this task's records). */
  readonly #completed = new RangeSet();
  /**
   * The recorded results, folded per group from their serialized form: each record is folded as
   * it was written (the same code a replay runs, so a resumed run restores these bits exactly),
   * with no copy of the task's live values and no histogram built per record.
   */
  readonly #folds = new Map<string | undefined, ResultFold>();
  /** Groups let go of (`releaseGroups`): no result kept for them. */
  readonly #released: Set<string>;
  /** Records are encoded here, written, and folded before the next: no buffer allocated per record. */
  readonly #scratch: RecordScratch = { buffer: Buffer.alloc(0) };
  #generation: number;
  #fd: number;
  #offset: number;
  #sinceSnapshot = { records: 0, bytes: 0 };
  #syncTimer: ReturnType<typeof setTimeout> | undefined;
  #syncing: Promise<void> | undefined;
  #dirty = false;
  #closed = false;
  /** The snapshot and journal of a new checkpoint were written without fsync; the first sync does it. */
  #unsyncedFiles = false;

  private constructor(options: JournalCheckpointOptions, computable: CheckpointIdentity) {
    const t0 = performance.now();
    this.path = options.path;
    this.#options = {
      path: options.path,
      syncIntervalMs: options.syncIntervalMs ?? 1000,
      compactRecords: options.compactRecords ?? 4096,
      compactBytes: options.compactBytes ?? 16 * 1024 * 1024,
      removeOnComplete: options.removeOnComplete ?? true,
    };
    prepareFolder(this.path);
    this.#lock = acquireLock(join(this.path, LOCK), `the checkpoint ${this.path}`);
    try {
      removeTemporaryFiles(this.path);
      removeAbandoned(this.path);
      const snapshotPath = join(this.path, SNAPSHOT);
      const snapshot = readSnapshot(snapshotPath);
      const invalid = (file: string, what: string) => new CheckpointError('E_CHECKPOINT_INVALID', file, `The checkpoint ${file} ${what}`);
      if (snapshot !== undefined && (snapshot.key !== computable.key || snapshot.size !== computable.size)) {
        throw invalid(
          snapshotPath,
          `belongs to another computation (key ${snapshot.key}, size ${snapshot.size}; this one is key ${computable.key}, size ${computable.size}): delete the folder ${this.path} or choose another checkpoint path`,
        );
      }
      if (snapshot !== undefined) checkCheckpointCode(snapshotPath, this.path, snapshot.code, computable.code);
      this.#header = { key: computable.key, size: computable.size, code: computable.code, meta: options.meta ?? snapshot?.meta ?? null };
      this.#released = new Set(snapshot?.released ?? []);
      this.#options.meta = options.meta;
      // Results are folded from their serialized form (snapshot, then journal records) and decoded once.
      const folds = this.#folds;
      if (snapshot !== undefined) {
        const rangeProblem = addRanges(this.#completed, snapshot.completed, computable.size);
        if (rangeProblem !== undefined) throw invalid(snapshotPath, `is damaged: ${rangeProblem}; delete the folder ${this.path} to start afresh`);
        const problem = foldPairs(folds, snapshot.results);
        if (problem !== undefined) throw invalid(snapshotPath, `is damaged: ${problem}; delete the folder ${this.path} to start afresh`);
      }
      this.#generation = snapshot?.generation ?? 0;
      const journalPath = join(this.path, JOURNAL);
      const kept = this.#replay(journalPath, snapshot !== undefined, folds);
      for (const group of folds.keys()) if (group !== undefined && this.#released.has(group)) folds.delete(group);
      if (kept) {
        this.#fd = openJournal(journalPath);
        this.#offset = fileLength(this.#fd);
      } else if (snapshot !== undefined) {
        this.#writeFreshJournal();
        this.#fd = openJournal(journalPath);
        this.#offset = fileLength(this.#fd);
      } else {
        // A new checkpoint holds nothing yet: no snapshot, and a journal of generation 0 written in
        // place (its header carries the size and meta a snapshot would). A kill before the header is
        // whole leaves a journal without one, read as no checkpoint. The first group commit syncs the
        // file and the folder (see #sync): every metadata change costs milliseconds on a busy disk.
        this.#fd = createJournal(journalPath, this.#journalHeader());
        this.#offset = fileLength(this.#fd);
        this.#unsyncedFiles = true;
      }
    } catch (error) {
      this.#lock.release();
      throw error;
    }
    // The task merges into the restored values: result() hands out copies, the folds go on.
    this.restored =
      this.#completed.count === 0
        ? undefined
        : {
            completed: this.#completed.toArray(),
            results: new Map([...this.#folds].map(([g, fold]) => [g, fold.result()])),
            ...(this.#released.size === 0 ? {} : { released: [...this.#released] }),
          };
    this.stats.openMs = performance.now() - t0;
  }

  /**
   * Opens (or creates) the checkpoint folder for `computable`: takes its lock, reads the snapshot
   * and the journal's intact records, cuts off a torn tail. Throws {@link CheckpointError}:
   * `E_CHECKPOINT_WRITE` (folder cannot be written), `E_CHECKPOINT_LOCKED`, `E_CHECKPOINT_INVALID`
   * (another computation's checkpoint, or damaged files), each naming the file.
   */
  static open(options: JournalCheckpointOptions, computable: CheckpointIdentity): JournalCheckpoint {
    return new JournalCheckpoint(options, computable);
  }

  /** Replays the journal into the folded state; false when it must be written afresh. */
  #replay(journalPath: string, hadSnapshot: boolean, folds: Map<string | undefined, ResultFold>): boolean {
    let bytes: Buffer;
    try {
      bytes = readFileSync(journalPath);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return false;
      throw new CheckpointError('E_CHECKPOINT_INVALID', journalPath, `Could not read the journal ${journalPath}: ${(error as Error).message}`, { cause: error });
    }
    const { payloads, goodLength } = decodeFrames(bytes);
    const invalid = (what: string) =>
      new CheckpointError('E_CHECKPOINT_INVALID', journalPath, `The journal ${journalPath} ${what}; delete the folder ${this.path} to start afresh`);
    if (payloads.length === 0) return false;
    let header: Partial<JournalHeader> | null;
    try {
      header = JSON.parse(payloads[0]!.toString('utf8')) as Partial<JournalHeader> | null;
    } catch {
      header = null;
    }
    if (header === null || typeof header !== 'object') throw invalid('is not a cortado journal');
    if (header.type !== 'cortado.Journal' || header.version !== 1) throw invalid('is not a cortado journal');
    if (header.key !== this.#header.key || (header.size !== undefined && header.size !== this.#header.size)) {
      throw invalid(`belongs to another computation (key ${String(header.key)}, size ${String(header.size)}; this one is key ${this.#header.key}, size ${this.#header.size})`);
    }
    checkCheckpointCode(journalPath, this.path, header.code, this.#header.code);
    // A journal of an older generation was compacted into the snapshot just before a crash.
    if (header.generation !== this.#generation) return false;
    if (!hadSnapshot && this.#options.meta === undefined && header.meta !== undefined) this.#header.meta = header.meta;
    for (let i = 1; i < payloads.length; i++) {
      let record: DecodedRecord;
      try {
        record = decodeRecord(payloads[i]!);
      } catch (error) {
        throw invalid(`is damaged in record ${i}: ${(error as Error).message}`);
      }
      const problem = addRanges(this.#completed, record.c, this.#header.size);
      if (problem !== undefined) throw invalid(`is damaged in record ${i}: ${problem}`);
      const resultProblem = foldPairs(folds, record.r, record.cells);
      if (resultProblem !== undefined) throw invalid(`is damaged in record ${i}: ${resultProblem}`);
      if (record.x !== undefined) {
        if (!Array.isArray(record.x) || !record.x.every((g) => typeof g === 'string')) throw invalid(`is damaged in record ${i}: expected a list of released group names`);
        for (const group of record.x as string[]) {
          this.#released.add(group);
          folds.delete(group);
        }
      }
    }
    this.stats.restoredRecords = payloads.length - 1;
    this.stats.ignoredBytes = bytes.length - goodLength;
    this.#sinceSnapshot = { records: payloads.length - 1, bytes: goodLength };
    if (goodLength < bytes.length) {
      try {
        truncateSync(journalPath, goodLength);
      } catch (error) {
        throw writeError(journalPath, 'the journal', error);
      }
    }
    return true;
  }

  #journalHeader(): Buffer {
    const header: JournalHeader = { type: 'cortado.Journal', version: 1, key: this.#header.key, generation: this.#generation };
    // Generation 0 has no snapshot: its header holds what the snapshot would.
    if (this.#generation === 0) Object.assign(header, { size: this.#header.size, ...(this.#header.code === undefined ? {} : { code: this.#header.code }), meta: this.#header.meta });
    return encodeFrame(JSON.stringify(header));
  }

  #writeFreshJournal(): void {
    writeFileAtomic(join(this.path, JOURNAL), this.#journalHeader(), 'the journal');
    this.#sinceSnapshot = { records: 0, bytes: 0 };
  }

  record(completed: readonly Range[], results: ReadonlyMap<string | undefined, unknown>): void {
    const t0 = performance.now();
    try {
      this.#record(completed, results);
    } finally {
      this.stats.recordMs += performance.now() - t0;
    }
  }

  #record(completed: readonly Range[], results: ReadonlyMap<string | undefined, unknown>): void {
    if (this.#closed) throw new CheckpointError('E_CHECKPOINT_WRITE', this.path, `The checkpoint ${this.path} is closed`);
    const t0 = performance.now();
    const { frame, pairs, cells } = encodeRecord(completed, results, undefined, this.#scratch);
    const t1 = performance.now();
    this.#append(frame);
    const t2 = performance.now();
    for (const range of completed) this.#completed.add(range);
    // Folded from what was written, as a replay folds it: no copy of the caller's values (its
    // reducers merge into them in place later), and the same bits a resumed run restores.
    const problem = foldPairs(this.#folds, pairs, cells);
    const t3 = performance.now();
    this.stats.encodeMs += t1 - t0;
    this.stats.writeMs += t2 - t1;
    this.stats.foldMs += t3 - t2;
    if (problem !== undefined) throw new CheckpointError('E_CHECKPOINT_WRITE', join(this.path, JOURNAL), `The checkpoint ${this.path} cannot keep a result: ${problem}`);
    this.#dirty = true;
    if (this.#sinceSnapshot.records >= this.#options.compactRecords || this.#sinceSnapshot.bytes >= this.#options.compactBytes) this.compact();
    else this.#scheduleSync();
  }

  /** Appends a framed record to the journal (not synced yet). */
  #append(frame: Buffer): void {
    try {
      let written = 0;
      while (written < frame.length) written += writeSync(this.#fd, frame, written, frame.length - written, this.#offset + written);
    } catch (error) {
      throw writeError(join(this.path, JOURNAL), 'the journal', error);
    }
    this.#offset += frame.length;
    this.stats.records++;
    this.stats.bytes += frame.length;
    this.#sinceSnapshot.records++;
    this.#sinceSnapshot.bytes += frame.length;
  }

  /**
   * Drops the folded copy of `group`, which the task let go of (its result is kept elsewhere):
   * a record says so, so a resumed run restores the group as released instead of its result.
   */
  release(group: string): void {
    if (this.#closed || this.#released.has(group)) return;
    const frame = encodeRecordFrame([], new Map(), [group]);
    this.#append(frame);
    this.#folds.delete(group);
    this.#released.add(group);
    this.#dirty = true;
    this.#scheduleSync();
  }

  /** Writes the folded state as a new snapshot and starts an empty journal. */
  compact(): void {
    // peek(): serialized at once, so the folds' own storage serves.
    const results = new Map([...this.#folds].map(([group, fold]) => [group, fold.peek()]));
    writeSnapshot(join(this.path, SNAPSHOT), this.#header, this.#generation + 1, { completed: this.#completed, results, released: this.#released });
    this.#generation++;
    this.#writeFreshJournal();
    const old = this.#fd;
    this.#fd = openJournal(join(this.path, JOURNAL));
    this.#offset = fileLength(this.#fd);
    this.#dirty = false;
    this.stats.compactions++;
    // An fdatasync still running on the old descriptor must finish before it is closed.
    const pending = this.#syncing;
    if (pending === undefined) closeSync(old);
    else void pending.finally(() => closeSync(old));
  }

  #scheduleSync(): void {
    if (this.#syncTimer !== undefined || this.#closed) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      void this.#sync();
    }, this.#options.syncIntervalMs);
  }

  #sync(): Promise<void> {
    if (!this.#dirty) return this.#syncing ?? Promise.resolve();
    this.#dirty = false;
    const fd = this.#fd;
    const previous = this.#syncing ?? Promise.resolve();
    const files = this.#unsyncedFiles ? [this.path] : [];
    this.#unsyncedFiles = false;
    const next = previous.then(async () => {
      for (const file of files) await syncPath(file);
    }).then(
      () =>
        new Promise<void>((resolve) => {
          fdatasync(fd, () => {
            // A failed sync leaves the records in the page cache: a killed process still keeps them.
            this.stats.syncs++;
            resolve();
          });
        }),
    );
    this.#syncing = next;
    void next.then(() => {
      if (this.#syncing === next) this.#syncing = undefined;
    });
    return next;
  }

  /**
   * Lets go of the folder as a killed process would: no sync, no compaction, the lock file left
   * behind (a later open takes it over once this process is gone; in tests, delete it). For tests
   * and the kill harness.
   */
  abandon(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
    const fd = this.#fd;
    void (this.#syncing ?? Promise.resolve()).finally(() => closeSync(fd));
  }

  /**
   * Ends the checkpoint: removes the folder when the task completed (and `removeOnComplete`),
   * otherwise compacts it into the snapshot for a fast resume. Never throws: the journal as it
   * stands is already a valid checkpoint.
   */
  async close(status: TaskStatus): Promise<void> {
    if (this.#closed) return;
    const t0 = performance.now();
    try {
      await this.#close(status);
    } finally {
      this.stats.closeMs = performance.now() - t0;
    }
  }

  async #close(status: TaskStatus): Promise<void> {
    this.#closed = true;
    if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    if (status === 'complete' && this.#options.removeOnComplete) {
      this.#remove();
      return;
    }
    try {
      // Incomplete or cancelled: folded into the snapshot for a fast resume. Complete (the folder
      // kept for its caller to delete): no snapshot, only the last records' sync.
      if (status !== 'complete' && this.#sinceSnapshot.records > 0) this.compact();
      else await this.#sync();
      await this.#syncing;
      closeSync(this.#fd);
    } catch {
      // The journal on disk is valid whatever failed here; the next open reads it as it is.
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Removes the folder of a completed task. Unlinking its files waits for the disk's journal
   * (milliseconds each on a busy disk, longer while an fdatasync runs): the folder is renamed out
   * of the way at once — the path is free when close() returns — and removed off the thread.
   */
  #remove(): void {
    const fd = this.#fd;
    const pending = this.#syncing ?? Promise.resolve();
    const doomed = `${this.path}${REMOVING}${process.pid}-${removals++}`;
    try {
      renameSync(this.path, doomed);
    } catch {
      // Renaming failed (the folder moved?): remove it in place, now.
      this.#lock.release();
      try {
        rmSync(this.path, { recursive: true, force: true });
      } catch {
        // Left behind: the next open of this path finds a valid checkpoint of a finished run.
      }
      void pending.finally(() => closeSync(fd));
      return;
    }
    // The lock went with the folder. A process killed before the removal ends leaves the renamed
    // folder; the next open of this path removes it (removeAbandoned).
    void pending
      .finally(() => closeSync(fd))
      .then(() => rm(doomed, { recursive: true, force: true }))
      .catch(() => undefined);
  }
}

/**
 * Reads a checkpoint folder's `meta` without opening it (no lock, nothing written): what the
 * CLI needs to know which run a journal continues. `undefined` when there is no checkpoint there.
 */
export function peekCheckpoint(path: string): { key: string; size: number; meta: JsonValue } | undefined {
  const snapshot = readSnapshot(join(path, SNAPSHOT));
  if (snapshot !== undefined) return { key: snapshot.key, size: snapshot.size, meta: snapshot.meta };
  // Not compacted yet: the header of a journal of generation 0 holds the same.
  const header = readJournalHeader(join(path, JOURNAL));
  if (header === undefined || typeof header.key !== 'string' || header.generation !== 0 || !Number.isInteger(header.size)) return undefined;
  return { key: header.key, size: header.size!, meta: header.meta ?? null };
}

/** The first record of a journal, parsed; `undefined` when there is none (or it is torn). */
function readJournalHeader(path: string): Partial<JournalHeader> | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(FRAME_HEADER);
    if (readSync(fd, head, 0, FRAME_HEADER, 0) < FRAME_HEADER) return undefined;
    const length = head.readUInt32LE(0);
    if (length > 64 * 1024 * 1024) return undefined;
    const frame = Buffer.alloc(FRAME_HEADER + length);
    if (readSync(fd, frame, 0, frame.length, 0) < frame.length) return undefined;
    const payload = decodeFrames(frame).payloads[0];
    if (payload === undefined) return undefined;
    const header = JSON.parse(payload.toString('utf8')) as Partial<JournalHeader> | null;
    return header !== null && typeof header === 'object' && header.type === 'cortado.Journal' ? header : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function prepareFolder(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw writeError(path, 'the checkpoint folder', error);
  }
}

/** Removes temporary files a killed process left half-written (the lock is ours: nobody else writes here). */
function removeTemporaryFiles(folder: string): void {
  for (const name of readdirSync(folder)) if (name.startsWith('.') && name.endsWith('.tmp')) rmSync(join(folder, name), { force: true });
}

/**
 * Removes the renamed folders of completed checkpoints at `path` whose process was killed before
 * it removed them (`<path>.removing-<pid>-<n>`, the pid no longer running).
 */
function removeAbandoned(path: string): void {
  const prefix = `${basename(path)}${REMOVING}`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    try {
      rmSync(join(dirname(path), name), { recursive: true, force: true });
    } catch {
      // Someone else's folder, or going already: left alone.
    }
  }
}

/** Creates the journal of a new checkpoint with its header (we hold the folder's lock). */
function createJournal(path: string, header: Buffer): number {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w+');
    let written = 0;
    while (written < header.length) written += writeSync(fd, header, written, header.length - written, written);
    return fd;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    throw writeError(path, 'the journal', error);
  }
}

function openJournal(path: string): number {
  try {
    return openSync(path, 'r+');
  } catch (error) {
    throw writeError(path, 'the journal', error);
  }
}

function fileLength(fd: number): number {
  return fstatSync(fd).size;
}
