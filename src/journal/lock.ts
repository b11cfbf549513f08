import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { isProcessAlive } from '../io/fs/process-alive.ts';
import { CheckpointError, writeError } from './errors.ts';

/** A held lock; `release()` removes the lock file (idempotent). */
export interface HeldLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the lock file `path` (created exclusively, holding `pid@host`). A lock left by a process
 * that no longer runs on this host is taken over; one held by a live process throws
 * {@link CheckpointError} `E_CHECKPOINT_LOCKED` naming that process, so two runs never write one
 * journal or one result file at once.
 *
 * @example
 * ```ts
 * const lock = acquireLock('result.json.lock', 'the result file result.json');
 * try { ... } finally { lock.release(); }
 * ```
 */
export function acquireLock(path: string, what: string): HeldLock {
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw writeError(path, 'the lock file', error);
      const holder = readHolder(path);
      if (holder !== undefined && holder.alive) {
        throw new CheckpointError(
          'E_CHECKPOINT_LOCKED',
          path,
          `${what} is in use by process ${holder.text} (lock file ${path}); wait for that run to end, or delete the lock file if that process is not a cortado run`,
        );
      }
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, me);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      },
    };
  }
  throw new CheckpointError('E_CHECKPOINT_LOCKED', path, `${what} is being locked by another process at the same moment (lock file ${path})`);
}

function readHolder(path: string): { text: string; alive: boolean } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  const match = /^(\d+)@(.*)$/.exec(text);
  if (match === null) return { text, alive: false };
  // On another host we cannot tell: treat it as alive (shared file systems).
  if (match[2] !== hostname()) return { text, alive: true };
  return { text, alive: isProcessAlive(Number(match[1])) };
}
