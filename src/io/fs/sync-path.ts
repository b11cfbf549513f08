import { open } from 'node:fs/promises';

/**
 * fsyncs a file or folder by path, best effort: a failure is ignored, because some file systems
 * refuse fsync on a folder and the data is in the page cache either way (safe from a killed
 * process, not from a power cut).
 *
 * @example
 * await rename(temp, path);
 * await syncPath(dirname(path)); // the new name survives a crash of the machine
 */
export async function syncPath(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort, as documented above.
  }
}
