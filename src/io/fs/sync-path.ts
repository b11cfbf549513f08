import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';

/**
 * fsyncs a file or folder by path, best effort: a failure is ignored, because some file systems
 * refuse fsync on a folder and the data is in the page cache either way (safe from a killed
 * process, not from a power cut). Opening and closing are synchronous (they do not wait on the
 * disk); only the fsync goes to the thread pool, one round trip instead of three.
 *
 * @example
 * await rename(temp, path);
 * await syncPath(dirname(path)); // the new name survives a crash of the machine
 */
export async function syncPath(path: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return; // Best effort, as documented above.
  }
  await new Promise<void>((resolve) => fsync(fd, () => resolve()));
  try {
    closeSync(fd);
  } catch {
    // Best effort.
  }
}

/**
 * {@link syncPath} on the calling thread, blocking it until the disk answers: for worker threads,
 * whose event loop serves nothing else and which may be terminated at any await.
 *
 * @example
 * ```ts
 * syncPathSync('skims/DY'); // the folder's entries (a rename) are on disk now, where supported
 * ```
 */
export function syncPathSync(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return; // Best effort, as for syncPath.
  }
  try {
    fsyncSync(fd);
  } catch {
    // Best effort.
  }
  try {
    closeSync(fd);
  } catch {
    // Best effort.
  }
}
