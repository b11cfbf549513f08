import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { formatIssues } from '../../protocol/policy.ts';

/** The chunk size used when neither the option nor prepared steps give one. */
export const DEFAULT_STEP_SIZE = 100_000;

/** Options of `mapSteps`, fully defaulted. */
export interface MapStepsOptions {
  /**
   * Entries per step. When left out, files' prepared `steps` are used as they are (and other files
   * are cut into steps of {@link DEFAULT_STEP_SIZE}). The runtime may ask for another size as it runs.
   * @defaultValue the prepared steps, else 100000
   */
  stepSize: number | undefined;
  /**
   * Process at most this many steps per dataset (the first ones in traversal order); the computable's
   * index space then holds just those entries. @defaultValue no limit
   */
  maxChunks: number | undefined;
  /**
   * Columns the processor reads. When left out (and the processor reference declares none), the first
   * chunk loads every column and later chunks load just those the processor touched.
   * @defaultValue learnt on the first chunk
   */
  columns: readonly string[] | undefined;
  /**
   * `'depth'`: every step of file 1, then of file 2…; `'breadth'`: step 1 of every file, then step 2…
   * @defaultValue 'depth'
   */
  traversal: 'depth' | 'breadth';
  /** Snap step ends to cluster (row-group) boundaries when files know their clusters. @defaultValue false */
  alignClusters: boolean;
  /**
   * Where the run writes its outputs (a skim's folder): carried with every chunk as
   * `context.output`, so workers on other machines write to the same place. Not part of the
   * computable's key (moving the folder does not change the computation). @defaultValue none
   */
  output: string | undefined;
}

/** `mapSteps` options as a user writes them. */
export type MapStepsOptionsInput = { [K in keyof MapStepsOptions]?: MapStepsOptions[K] | undefined };

const schema = z.strictObject({
  stepSize: z.number().int().min(1).optional(),
  maxChunks: z.number().int().min(1).optional(),
  columns: z.array(z.string()).readonly().optional(),
  traversal: z.enum(['depth', 'breadth']).default('depth'),
  alignClusters: z.boolean().default(false),
  output: z.string().min(1, 'expected a folder path').optional(),
});

/**
 * Validates and defaults `mapSteps` options.
 *
 * @example
 * ```ts
 * resolveMapStepsOptions({ stepSize: 50_000, traversal: 'breadth' });
 * ```
 */
export function resolveMapStepsOptions(input: MapStepsOptionsInput = {}): MapStepsOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid mapSteps options: ${formatIssues('options', parsed.error, input)}`);
  const o = parsed.data;
  return { stepSize: o.stepSize, maxChunks: o.maxChunks, columns: o.columns, traversal: o.traversal, alignClusters: o.alignClusters, output: o.output };
}
