import { accessSync, close, closeSync, constants, fdatasync, fdatasyncSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { isProcessAlive } from '../fs/process-alive.ts';
import { syncPathSync } from '../fs/sync-path.ts';
import { SkimError, describeSystemError } from './errors.ts';
import { SyncGroup, type SyncableFile } from './group-sync.ts';

// `.<final name>.<pid>-<thread>.tmp`: hidden, next to its final name (so rename stays on one file
// system), and naming its writer so a later sweep removes only what dead processes left.
const TEMP = /^\..+\.(\d+)-(\d+)\.tmp$/;

/** The temporary name `finalPath` is written under before it is renamed into place. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}-${threadId}.tmp`);
}

/**
 * Checks, before anything is computed, that skims can be written under `out`: creates the folder
 * (and its parents) and writes and removes a probe file. Also removes temporary files that killed
 * skims left in `out/<dataset>/` (those of processes no longer alive). Throws a
 * {@link SkimError} `E_SKIM_OUT` naming the folder and the system's reason.
 *
 * @example
 * ```ts
 * checkSkimOutput('skims'); // throws E_SKIM_OUT when 'skims' is a file or read-only
 * ```
 */
export function checkSkimOutput(out: string): void {
  const probe = join(out, `.cortado-probe.${process.pid}-${threadId}`);
  try {
    mkdirSync(out, { recursive: true });
    accessSync(out, constants.W_OK);
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'probe');
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (error) {
    throw new SkimError(
      'E_SKIM_OUT',
      `Cannot write skims under "${out}": ${describeSystemError(error)}. Expected a folder that exists or can be created, and that this process can write.`,
      { cause: error, path: out },
    );
  }
  sweepStaleTemps(out);
}

/** Removes `out/<dataset>/.*.tmp` files whose writing process is gone; returns how many. */
export function sweepStaleTemps(out: string): number {
  let removed = 0;
  for (const dir of [out, ...subfolders(out)]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const match = TEMP.exec(name);
      if (match === null || isProcessAlive(Number(match[1]))) continue;
      try {
        unlinkSync(join(dir, name));
        removed++;
      } catch {
        // Gone already (another sweep): nothing to do.
      }
    }
  }
  return removed;
}

function subfolders(out: string): string[] {
  try {
    return readdirSync(out)
      .map((name) => join(out, name))
      .filter((path) => {
        try {
          return statSync(path).isDirectory();
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}


/** The group commit of this thread's skim files. */
const syncGroup = new SyncGroup();

/** Folders this thread has created (or found) for skim files: created once, not per file. */
const made = new Set<string>();

/** A raw descriptor as the group commit takes it: fdatasync in the thread pool, close. */
function fdFile(fd: number): SyncableFile {
  return {
    datasync: () => new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
    close: () => new Promise((resolve, reject) => close(fd, (error) => (error ? reject(error) : resolve()))),
  };
}

/** Creates `folder` unless this thread already has. */
function ensureFolder(folder: string): void {
  if (made.has(folder)) return;
  mkdirSync(folder, { recursive: true });
  made.add(folder);
}

/** Opens `temp` for writing; creates its folder again if it went away since. */
function openTemp(temp: string): number {
  try {
    return openSync(temp, 'w');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    made.delete(dirname(temp));
    ensureFolder(dirname(temp));
    return openSync(temp, 'w');
  }
}

/**
 * Writes `bytes` to `path` atomically and durably: to a temporary name in the same folder, then,
 * through `group` (a group commit shared with the other files written meanwhile), flushed to disk,
 * renamed over `path`, and the folder synced. A reader never sees half a file, a retried chunk
 * replaces its earlier file, and once the promise resolves the file survives an OS crash. On any
 * failure the temporary file is removed and a {@link SkimError} `E_SKIM_WRITE` names the file and
 * the system's reason (`ENOSPC`, `EACCES`, …).
 *
 * The bytes go to the page cache synchronously (a copy in memory, no waiting on the disk: under
 * load each thread-pool round trip costs more than the write itself); only the fsyncs wait, in
 * the thread pool, shared by the group commit.
 *
 * @example
 * ```ts
 * await writeFileAtomically('skims/DY/nano_dy-3f2a9c1e-0-40.parquet', bytes);
 * ```
 */
export async function writeFileAtomically(path: string, bytes: Uint8Array, group: SyncGroup = syncGroup): Promise<void> {
  const temp = tempPathFor(path);
  let stage = 'create the folder of';
  try {
    ensureFolder(dirname(temp));
    stage = 'write';
    const fd = openTemp(temp);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    // On a worker thread the commit is synchronous: a cancelled run terminates its worker threads
    // after a grace period, and one terminated while awaiting the fsync would leave its temporary
    // file behind. Blocking there costs nothing (the thread's event loop serves nothing else, and a
    // thread writes one chunk's file at a time, so a group commit would hold one file anyway).
    if (!isMainThread) {
      stage = 'flush';
      try {
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      stage = 'rename into place';
      renameSync(temp, path);
      syncPathSync(dirname(path));
      return;
    }
    try {
      await group.commit(fdFile(fd), temp, path);
    } catch (failure) {
      const { stage: failed, error } = failure as { stage: string; error: unknown };
      stage = failed;
      throw error;
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new SkimError('E_SKIM_WRITE', `Could not ${stage} the skim file "${path}": ${describeSystemError(error)}`, { cause: error, path });
  }
}
