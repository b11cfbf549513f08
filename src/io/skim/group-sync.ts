import { renameSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncPath } from '../fs/sync-path.ts';

/** An open, written file: a `FileHandle`, or {@link fdFile} of a raw descriptor. */
export interface SyncableFile {
  datasync(): Promise<void>;
  close(): Promise<void>;
}

/** A written temporary file waiting to be made durable and renamed to its final name. */
interface Pending {
  readonly handle: SyncableFile;
  readonly temp: string;
  readonly path: string;
  readonly resolve: () => void;
  readonly reject: (error: { stage: string; error: unknown }) => void;
}

/**
 * Group commit for files written to a temporary name: every file handed to {@link commit} while
 * no flush runs goes into the next flush, which `fdatasync`s all of them at once (the file system
 * folds concurrent syncs into one journal commit), renames each into place, and then syncs each
 * folder once so the renames survive an OS crash too. A file's promise resolves only after its
 * data and its name are durable, so whoever records it as done records a file that exists whole.
 * One flush at a time; files arriving during a flush wait for the next one.
 *
 * @example
 * ```ts
 * const group = new SyncGroup();
 * const handle = await open('.a.tmp', 'w');
 * await handle.writeFile(bytes);
 * await group.commit(handle, '.a.tmp', 'a.parquet'); // durable under its final name now
 * ```
 */
export class SyncGroup {
  #pending: Pending[] = [];
  #flushing = false;
  /** Flushes run so far (each syncs one or more files). */
  flushes = 0;
  /** Files made durable so far. */
  files = 0;

  /**
   * Makes the written, still open `handle` (of `temp`) durable, closes it and renames `temp` to
   * `path`. Rejects with `{ stage, error }` (the step that failed) after removing `temp`.
   */
  commit(handle: SyncableFile, temp: string, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ handle, temp, path, resolve, reject });
      if (!this.#flushing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        await this.#flush(batch);
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #flush(batch: readonly Pending[]): Promise<void> {
    this.flushes++;
    const renamed: Pending[] = [];
    await Promise.all(
      batch.map(async (p) => {
        let stage = 'flush';
        try {
          try {
            await p.handle.datasync();
          } finally {
            await p.handle.close();
          }
          stage = 'rename into place';
          // Synchronous: a rename changes the folder in memory and does not wait on the disk (the
          // folder's fsync below does); one thread-pool round trip less per file.
          renameSync(p.temp, p.path);
          renamed.push(p);
        } catch (error) {
          await unlink(p.temp).catch(() => undefined);
          p.reject({ stage, error });
        }
      }),
    );
    await Promise.all([...new Set(renamed.map((p) => dirname(p.path)))].map(syncPath));
    this.files += renamed.length;
    for (const p of renamed) p.resolve();
  }
}
