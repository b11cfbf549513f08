/**
 * Access to the shared sample data in `<repo>/../shared/data` (NanoAOD and compression samples).
 * The data is not the project's to redistribute, so tests that need it skip with a visible message
 * when it is absent, and fail instead when `CI` is set (where a skip would hide a missing fixture).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

/** Absolute path of `<repo>/../shared/data`. */
export const DATA_DIR: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');

/** Whether the shared data folder is present. */
export const hasData: boolean = existsSync(DATA_DIR);

/**
 * `describe` when the shared data is present; otherwise a visible skip (or, under `CI`, a failure).
 *
 * @example
 * ```ts
 * describeWithData('ROOT reader', () => {
 *   it('reads nMuon', async () => { ... join(DATA_DIR, 'nanoaod/nano_dy.root') ... });
 * });
 * ```
 */
export function describeWithData(name: string, fn: () => void): void {
  if (hasData) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    throw new Error(`Expected the shared data folder at ${DATA_DIR} (CI is set), got nothing there`);
  }
  console.warn(`[skip] "${name}": shared data folder ${DATA_DIR} is absent`);
  describe.runIf(false)(name, fn);
}
