import { DataGroup, Dataset } from '../io/dataset/dataset.ts';
import { DEFAULT_STEP_SIZE } from '../io/dataset/options.ts';
import type { DataGroupSpec, FileSpec } from '../io/dataset/schema.ts';
import { applyPreparation } from '../io/prepare/apply.ts';
import type { Preparation } from '../io/prepare/describe-file.ts';
import { filesOf, prepare, preparationKey, preparationKeys } from '../io/prepare/prepare.ts';
import type { Backend } from '../backends/backend.ts';
import type { ErrorPolicyInput } from '../protocol/policy.ts';
import { EMPTY } from '../protocol/result.ts';
import type { ProgressMode } from './args.ts';
import { createProgressView } from './progress.ts';
import type { SavedFailure } from './run-file.ts';
import { savedError } from './saved-error.ts';

/** Options of {@link prepareMissing}. */
export interface PrepareMissingOptions {
  /** Entries per step cut into prepared files. @defaultValue 100000 */
  stepSize?: number | undefined;
  /** Snap steps to cluster boundaries. @defaultValue false */
  alignClusters?: boolean;
  errorPolicy: ErrorPolicyInput;
  signal: AbortSignal;
  progress: ProgressMode;
}

/** What {@link prepareMissing} gives back. */
export interface PreparedGroup {
  /** The group with every file that could be opened prepared (files that failed are left out). */
  readonly group: DataGroup;
  /** The files that could not be prepared, one entry per dataset listing them. */
  readonly failed: SavedFailure[];
  /** How the preparation task ended (`complete` when nothing needed preparing). */
  readonly status: 'complete' | 'incomplete' | 'cancelled';
  /** The fatal error, when the preparation was cancelled by one. */
  readonly error?: unknown;
}

/**
 * Prepares the files of `group` that lack `entries` (opening each once, on `backend`), and leaves
 * files that already have them as they are. Files that fail under the error policy are left out of
 * the group and listed in `failed` (`stage: 'prepare'`), so a later resume can try them again.
 *
 * @example
 * ```ts
 * const { group: ready, failed } = await prepareMissing(backend, group, { errorPolicy: {}, signal, progress: 'auto' });
 * ```
 */
export async function prepareMissing(backend: Backend, group: DataGroupSpec, options: PrepareMissingOptions): Promise<PreparedGroup> {
  const missing = new DataGroup({
    datasets: group.datasets.map((d) => new Dataset({ name: d.name, metadata: d.metadata, files: d.files.filter((f) => f.entries === undefined) })),
  });
  const files = filesOf(missing);
  if (files.length === 0) return { group: new DataGroup(group), failed: [], status: 'complete' };

  const view = createProgressView({ mode: options.progress, label: 'prepare', unit: 'files', chunkUnit: null });
  const task = backend.compute(prepare(missing), { errorPolicy: options.errorPolicy, signal: options.signal });
  const subscription = task.progress$.subscribe((p) => view.update(p));
  const partial = await task.wait();
  subscription.unsubscribe();
  view.stop();

  const info: Preparation = partial.result === EMPTY ? {} : partial.result;
  // prepare() has one element per distinct key, in the order the files come: index i = key i.
  const keys = preparationKeys(missing);
  const failed: SavedFailure[] = [];
  for (const failure of partial.failed) {
    const key = keys[failure.range[0]];
    for (const d of missing.datasets) {
      for (const f of d.files) {
        if (preparationKey(f, files) !== key) continue;
        failed.push({ stage: 'prepare', dataset: d.name, file: f.path, treename: f.treename, attempts: failure.attempts, error: savedError(failure.error) });
      }
    }
  }
  // A file with neither an answer nor a failure must not vanish quietly: count it as failed.
  const failedKeys = new Set(partial.failed.map((f) => keys[f.range[0]]));
  if (task.status !== 'cancelled') {
    for (const d of missing.datasets) {
      for (const f of d.files) {
        const key = preparationKey(f, files);
        if (info[key] !== undefined || failedKeys.has(key)) continue;
        failed.push({
          stage: 'prepare', dataset: d.name, file: f.path, treename: f.treename, attempts: 0,
          error: { name: 'Error', code: 'E_NO_ANSWER', message: `Preparation gave no answer for ${f.path}` },
        });
      }
    }
  }
  const status = task.status === 'cancelled' ? 'cancelled' : failed.length > 0 ? 'incomplete' : 'complete';
  const applied = applyPreparation(missing, info, {
    stepSize: options.stepSize ?? DEFAULT_STEP_SIZE,
    alignClusters: options.alignClusters ?? false,
    dropMissing: true,
  });
  const filled = (d: number, f: FileSpec): FileSpec[] => {
    if (f.entries !== undefined) return [f];
    const done = applied.datasets[d]!.files.find((g) => g.path === f.path && g.treename === f.treename);
    return done === undefined ? [] : [done];
  };
  const prepared = new DataGroup({
    ...(group.metadata === undefined ? {} : { metadata: group.metadata }),
    datasets: group.datasets.map((d, i) => new Dataset({ name: d.name, metadata: d.metadata, files: d.files.flatMap((f) => filled(i, f)) })),
  });
  return { group: prepared, failed, status, ...(partial.error === undefined ? {} : { error: partial.error }) };
}
