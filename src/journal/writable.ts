import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CheckpointError } from './errors.ts';

/**
 * Checks, before any work is done, that `path` can be written as a file: its folder exists and is
 * writable, and `path` is not a folder (nor a read-only file). Throws a {@link CheckpointError}
 * (`E_CHECKPOINT_WRITE`) that names the file and says what is wrong.
 *
 * @example
 * ```ts
 * assertWritableFile('out/result.json', 'the result file'); // throws: ... its folder out does not exist
 * ```
 */
export function assertWritableFile(path: string, what: string): void {
  const folder = dirname(resolve(path));
  const fail = (reason: string, cause?: unknown) => {
    throw new CheckpointError('E_CHECKPOINT_WRITE', path, `Cannot write ${what} ${path}: ${reason}`, cause === undefined ? undefined : { cause });
  };
  let folderStat;
  try {
    folderStat = statSync(folder);
  } catch (error) {
    return fail(`its folder ${folder} does not exist`, error);
  }
  if (!folderStat.isDirectory()) fail(`${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    fail(`its folder ${folder} is not writable`, error);
  }
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return;
  }
  if (stat.isDirectory()) fail('it is a folder');
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    fail('the file is read-only', error);
  }
}
