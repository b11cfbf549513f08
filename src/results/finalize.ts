import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../journal/atomic-write.ts';
import { serializeResult, type SerializedResult } from './serialize.ts';

/** What {@link finalize} writes for one dataset: `<dir>/<dataset>.json`. */
export interface DatasetResultFile {
  readonly type: 'cortado.DatasetResult';
  readonly version: 1;
  readonly dataset: string;
  /** When the dataset completed (ISO time). */
  readonly writtenAt: string;
  /** The dataset's merged result (`deserializeResult` reads it back). */
  readonly result: SerializedResult;
}

/** Writes each dataset's result as it completes; pass `onGroupComplete` to `compute()`. */
export interface Finalizer {
  /** The `onGroupComplete` option: writes the dataset's file at once, keeps no reference to the result. */
  readonly onGroupComplete: (group: string, result: unknown) => void;
  /**
   * The `releaseGroups` option: true for a dataset whose file was written, so the task drops its
   * result then (a dataset whose file failed stays in `result()`, nothing is lost).
   */
  readonly releaseGroups: (group: string) => boolean;
  /** The file a dataset's result goes to (written or not). */
  readonly pathOf: (group: string) => string;
  /** Dataset → file written, in completion order. */
  readonly written: ReadonlyMap<string, string>;
  /** Datasets whose file could not be written, and why (the run goes on). */
  readonly errors: ReadonlyArray<{ readonly group: string; readonly error: unknown }>;
}

/** A dataset name as a file name: letters, digits, `._-` kept, anything else `_`. */
function fileName(group: string): string {
  const safe = group.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return `${safe.length === 0 ? '_' : safe}.json`;
}

/**
 * A writer for `onGroupComplete`: the moment a dataset's every range is complete, its merged
 * result goes to `<dir>/<dataset>.json` (written atomically: temporary file, fsync, rename), and
 * the writer keeps nothing of it — a long run over many datasets has each one on disk as soon as
 * it is done, not only at the end. The folder is created (or found unwritable) at once. Pass
 * `releaseGroups` too and the task lets go of each dataset whose file was written, so its memory
 * is freed then (the dataset is listed in `partial().released` instead of in the result).
 *
 * @example
 * ```ts
 * const perDataset = finalize('results/');
 * const done = await backend.compute(group.mapSteps(fillMass), { onGroupComplete: perDataset.onGroupComplete, releaseGroups: perDataset.releaseGroups }).wait();
 * perDataset.written; // Map { 'DY' => 'results/DY.json', 'TT' => 'results/TT.json' }
 * done.released; // ['DY', 'TT']: in those files, no longer held by the task
 * ```
 */
export function finalize(dir: string): Finalizer {
  mkdirSync(dir, { recursive: true });
  const written = new Map<string, string>();
  const errors: Array<{ group: string; error: unknown }> = [];
  return {
    written,
    errors,
    pathOf: (group) => join(dir, fileName(group)),
    releaseGroups: (group) => written.has(group),
    onGroupComplete(group, result) {
      const path = join(dir, fileName(group));
      try {
        const file: DatasetResultFile = { type: 'cortado.DatasetResult', version: 1, dataset: group, writtenAt: new Date().toISOString(), result: serializeResult(result) };
        writeFileAtomic(path, `${JSON.stringify(file)}\n`, `the result file of dataset ${group}`);
        written.set(group, path);
      } catch (error) {
        // Called from the task's hand-out of a finished group: a throw here would escape the run.
        errors.push({ group, error });
      }
    },
  };
}
