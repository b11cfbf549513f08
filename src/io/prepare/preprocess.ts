import type { Computable } from '../../protocol/computable.ts';
import { CortadoError } from '../../protocol/errors.ts';
import { EMPTY } from '../../protocol/result.ts';
import type { PartialResult } from '../../protocol/task.ts';
import type { DataGroup, Dataset } from '../dataset/dataset.ts';
import type { DataGroupSpec, DatasetSpec } from '../dataset/schema.ts';
import { applyPreparation, type PrepareOptionsInput } from './apply.ts';
import type { Preparation } from './describe-file.ts';
import { prepare } from './prepare.ts';

/** What `preprocess` needs of a backend: `run()`, which resolves with the partial result. */
export interface RunsComputables<O> {
  run<R>(computable: Computable<R>, options?: O): Promise<PartialResult<R>>;
}

/** Options of {@link preprocess}. */
export interface PreprocessOptions<O> extends PrepareOptionsInput {
  /** Options for the backend's `run()` (error policy, signal…). */
  compute?: O;
}

/** Preparation could not learn about every file. */
export class PreparationFailedError extends CortadoError {
  /** The elements that failed (one per file) with their errors. */
  readonly failed: PartialResult<Preparation>['failed'];
  constructor(message: string, failed: PartialResult<Preparation>['failed'], cause?: unknown) {
    super('E_PREPARATION_FAILED', message, cause === undefined ? undefined : { cause });
    this.failed = failed;
  }
}

/**
 * Runs {@link prepare} on `backend` and applies the answer: returns the dataset or group with every
 * file's `entries`, `clusters`, `uuid` and `steps` filled. Files that fail (under an error policy
 * that continues) are left out when `dropMissing` is set; otherwise their failure is thrown.
 *
 * @example
 * ```ts
 * await using backend = inline();
 * const prepared = await preprocess(backend, group, { stepSize: 100_000, alignClusters: true });
 * await saveDataGroup('prepared.json', prepared);
 * ```
 */
export async function preprocess<M extends object, N extends string, O>(backend: RunsComputables<O>, data: Dataset<M, N>, options?: PreprocessOptions<O>): Promise<Dataset<M, N>>;
export async function preprocess<M extends object, N extends string, O>(backend: RunsComputables<O>, data: DataGroup<M, N>, options?: PreprocessOptions<O>): Promise<DataGroup<M, N>>;
export async function preprocess<M extends object, O>(backend: RunsComputables<O>, data: DatasetSpec<M>, options?: PreprocessOptions<O>): Promise<Dataset<M>>;
export async function preprocess<M extends object, O>(backend: RunsComputables<O>, data: DataGroupSpec<M>, options?: PreprocessOptions<O>): Promise<DataGroup<M>>;
export async function preprocess<M extends object, O>(
  backend: RunsComputables<O>,
  data: DatasetSpec<M> | DataGroupSpec<M>,
  options: PreprocessOptions<O> = {},
): Promise<Dataset<M> | DataGroup<M>> {
  const { compute, ...prepareOptions } = options;
  const partial = await backend.run(prepare(data), compute);
  if (partial.error !== undefined) {
    throw new PreparationFailedError(`Preparation was cancelled: ${String((partial.error as Error)?.message ?? partial.error)}`, partial.failed, partial.error);
  }
  if (partial.failed.length > 0 && prepareOptions.dropMissing !== true) {
    const first = partial.failed[0]!.error as Error | undefined;
    throw new PreparationFailedError(
      `Expected every file to open, got ${partial.failed.length} that failed (first: ${first?.message ?? String(first)}); ` +
        'pass `dropMissing: true` to leave them out',
      partial.failed,
      first,
    );
  }
  const result: Preparation = partial.result === EMPTY ? {} : partial.result;
  // A failure says why its file is dropped.
  return 'datasets' in data ? applyPreparation(data, result, prepareOptions, partial.failed) : applyPreparation(data, result, prepareOptions, partial.failed);
}
