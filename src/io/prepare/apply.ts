import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { formatIssues } from '../../protocol/policy.ts';
import { DataGroup, Dataset } from '../dataset/dataset.ts';
import { DEFAULT_STEP_SIZE } from '../dataset/options.ts';
import type { DataGroupSpec, DatasetSpec, DroppedFile, FileSpec } from '../dataset/schema.ts';
import { nearestBoundary } from '../dataset/tiler.ts';
import type { Preparation } from './describe-file.ts';
import type { Failure } from '../../protocol/task.ts';
import { filesOf, preparationKey, preparationKeys } from './prepare.ts';

/** Options of {@link applyPreparation}, fully defaulted. */
export interface PrepareOptions {
  /** Entries per step. @defaultValue 100000 */
  stepSize: number;
  /** Snap step ends to cluster (row-group) boundaries. @defaultValue false */
  alignClusters: boolean;
  /** Leave out files that preparation has no answer for (they failed); otherwise throw. @defaultValue false */
  dropMissing: boolean;
}

/** Preparation options as a user writes them. */
export type PrepareOptionsInput = Partial<PrepareOptions>;

const schema = z.strictObject({
  stepSize: z.number().int().min(1).default(DEFAULT_STEP_SIZE),
  alignClusters: z.boolean().default(false),
  dropMissing: z.boolean().default(false),
});

/** Validates and defaults preparation options. */
export function resolvePrepareOptions(input: PrepareOptionsInput = {}): PrepareOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid preparation options: ${formatIssues('options', parsed.error, input)}`);
  return parsed.data;
}

/**
 * Cuts `[0, entries)` into steps of about `stepSize`; with `clusters`, step ends sit on cluster
 * boundaries (each step holds at least one whole cluster). Zero entries give zero steps.
 *
 * @example
 * ```ts
 * makeSteps(25, 10);                // [[0, 10], [10, 20], [20, 25]]
 * makeSteps(25, 10, [0, 12, 25]);   // [[0, 12], [12, 25]]
 * ```
 */
export function makeSteps(entries: number, stepSize: number, clusters?: readonly number[]): Array<[number, number]> {
  const steps: Array<[number, number]> = [];
  for (let start = 0; start < entries; ) {
    let stop = Math.min(entries, start + stepSize);
    if (clusters !== undefined && stop < entries) stop = Math.min(entries, nearestBoundary(clusters, start, stop));
    steps.push([start, stop]);
    start = stop;
  }
  return steps;
}

/**
 * Why files failed to prepare: the `failed` list of `prepare(data)`'s partial result (element `i` is
 * the file of key `i`), or a map from preparation key to error. A dropped file keeps its error.
 */
export type PreparationErrors = readonly Pick<Failure, 'range' | 'error'>[] | ReadonlyMap<string, unknown>;

function errorsByKey(data: DatasetSpec<object> | DataGroupSpec<object>, failures: PreparationErrors | undefined): ReadonlyMap<string, unknown> | undefined {
  if (failures === undefined || failures instanceof Map) return failures;
  const keys = preparationKeys(data);
  return new Map((failures as readonly Pick<Failure, 'range' | 'error'>[]).map((f) => [keys[f.range[0]]!, f.error]));
}

/**
 * Fills each file of `data` with what `prepare()` learnt (`entries`, `clusters`, `uuid`) and with
 * `steps` cut from it. Returns a new dataset or group (the input is not changed).
 *
 * @example
 * ```ts
 * const info = await backend.compute(prepare(group)).result();
 * const prepared = applyPreparation(group, info, { stepSize: 50_000, alignClusters: true });
 * // Files that failed, left out and listed in each dataset's `dropped` with their errors:
 * const partial = await backend.run(prepare(group), { errorPolicy: { continueOn: ['ENOENT'] } });
 * const ready = applyPreparation(group, partial.result === EMPTY ? {} : partial.result, { dropMissing: true }, partial.failed);
 * ```
 */
export function applyPreparation<M extends object, N extends string>(data: Dataset<M, N>, preparation: Preparation, options?: PrepareOptionsInput, errors?: PreparationErrors): Dataset<M, N>;
export function applyPreparation<M extends object, N extends string>(data: DataGroup<M, N>, preparation: Preparation, options?: PrepareOptionsInput, errors?: PreparationErrors): DataGroup<M, N>;
export function applyPreparation<M extends object>(data: DatasetSpec<M>, preparation: Preparation, options?: PrepareOptionsInput, errors?: PreparationErrors): Dataset<M>;
export function applyPreparation<M extends object>(data: DataGroupSpec<M>, preparation: Preparation, options?: PrepareOptionsInput, errors?: PreparationErrors): DataGroup<M>;
export function applyPreparation<M extends object>(
  data: DatasetSpec<M> | DataGroupSpec<M>,
  preparation: Preparation,
  input: PrepareOptionsInput = {},
  failures?: PreparationErrors,
): Dataset<M> | DataGroup<M> {
  const options = resolvePrepareOptions(input);
  const all = filesOf(data);
  const errors = errorsByKey(data, failures);
  const missing: string[] = [];
  let dropped: DroppedFile[] = [];
  const fill = (file: FileSpec): FileSpec[] => {
    const key = preparationKey(file, all);
    const info = preparation[key];
    if (info === undefined) {
      missing.push(file.path);
      dropped.push({ path: file.path, treename: file.treename, error: droppedError(errors?.get(key), file.path) });
      return [];
    }
    const clusters = info.clusters.length > 0 ? info.clusters : [0, info.entries];
    return [{
      path: file.path,
      treename: file.treename,
      entries: info.entries,
      uuid: info.uuid,
      clusters,
      steps: makeSteps(info.entries, options.stepSize, options.alignClusters ? clusters : undefined),
    }];
  };
  const apply = (d: DatasetSpec<M>): Dataset<M> => {
    dropped = [...(d.dropped ?? [])];
    const files = d.files.flatMap(fill);
    return new Dataset({ name: d.name, files, metadata: d.metadata, ...(dropped.length === 0 ? {} : { dropped }) });
  };
  const out = 'datasets' in data
    ? new DataGroup<M>({ datasets: data.datasets.map(apply), ...(data.metadata === undefined ? {} : { metadata: data.metadata }) })
    : apply(data);
  if (missing.length > 0 && !options.dropMissing) {
    throw new InvalidOptionsError(
      `Expected preparation results for every file, got none for ${missing.length}: ${missing.slice(0, 5).join(', ')}` +
        `${missing.length > 5 ? ', …' : ''}; pass \`dropMissing: true\` to leave them out`,
    );
  }
  return out;
}

/** Why a file was dropped, as a dataset keeps it: the preparation's error, or that none answered. */
function droppedError(error: unknown, path: string): DroppedFile['error'] {
  if (error === undefined) return { name: 'Error', code: 'E_NO_ANSWER', message: `Preparation gave no answer for ${path}` };
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  return { name: typeof e.name === 'string' ? e.name : 'Error', ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message ?? error) };
}
