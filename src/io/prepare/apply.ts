import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { formatIssues } from '../../protocol/policy.ts';
import { DataGroup, Dataset } from '../dataset/dataset.ts';
import { DEFAULT_STEP_SIZE } from '../dataset/options.ts';
import type { DataGroupSpec, DatasetSpec, FileSpec } from '../dataset/schema.ts';
import { nearestBoundary } from '../dataset/tiler.ts';
import type { Preparation } from './describe-file.ts';
import { filesOf, preparationKey } from './prepare.ts';

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
 * Fills each file of `data` with what `prepare()` learnt (`entries`, `clusters`, `uuid`) and with
 * `steps` cut from it. Returns a new dataset or group (the input is not changed).
 *
 * @example
 * ```ts
 * const info = await backend.compute(prepare(group)).result();
 * const prepared = applyPreparation(group, info, { stepSize: 50_000, alignClusters: true });
 * ```
 */
export function applyPreparation<M extends object, N extends string>(data: Dataset<M, N>, preparation: Preparation, options?: PrepareOptionsInput): Dataset<M, N>;
export function applyPreparation<M extends object, N extends string>(data: DataGroup<M, N>, preparation: Preparation, options?: PrepareOptionsInput): DataGroup<M, N>;
export function applyPreparation<M extends object>(data: DatasetSpec<M>, preparation: Preparation, options?: PrepareOptionsInput): Dataset<M>;
export function applyPreparation<M extends object>(data: DataGroupSpec<M>, preparation: Preparation, options?: PrepareOptionsInput): DataGroup<M>;
export function applyPreparation<M extends object>(
  data: DatasetSpec<M> | DataGroupSpec<M>,
  preparation: Preparation,
  input: PrepareOptionsInput = {},
): Dataset<M> | DataGroup<M> {
  const options = resolvePrepareOptions(input);
  const all = filesOf(data);
  const missing: string[] = [];
  const fill = (file: FileSpec): FileSpec[] => {
    const info = preparation[preparationKey(file, all)];
    if (info === undefined) {
      missing.push(file.path);
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
  const apply = (d: DatasetSpec<M>): Dataset<M> => new Dataset({ name: d.name, files: d.files.flatMap(fill), metadata: d.metadata });
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
