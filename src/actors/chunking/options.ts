import { InvalidOptionsError } from '../../protocol/errors.ts';
import { lazySchema } from '../../protocol/lazy-zod.ts';
import { formatIssues } from '../../protocol/policy.ts';

/** Options of `adaptiveChunks()`, fully defaulted. */
export interface AdaptiveChunkOptions {
  /** How long one element should take, in seconds. */
  targetChunkSeconds: number;
  /** Entries per element until the first elements of a group have completed. @defaultValue 1000 */
  initial: number;
  /** Smallest size proposed. @defaultValue 1 */
  min: number;
  /** Largest size proposed. @defaultValue 10_000_000 */
  max: number;
  /** Recent elements per group the fit looks at. @defaultValue 16 */
  window: number;
  /**
   * Relative spread of the sizes proposed around the fitted optimum (alternately above and below),
   * so that the per-entry cost stays identifiable apart from the fixed overhead. @defaultValue 0.1
   */
  explore: number;
  /** Largest growth per step, relative to the largest element seen to complete. @defaultValue 2 */
  maxGrowth: number;
  /**
   * Memory an element may use, in bytes: when elements report their peak memory, sizes stay below
   * 80% of it according to a fit of peak memory against entries. @defaultValue no limit
   */
  memoryLimit?: number;
  /**
   * Successful elements after a resource exhaustion before the size ceiling it set is raised by
   * half again (0 keeps the ceiling for good). @defaultValue 16
   */
  relaxAfter: number;
}

/** The options as a user writes them: everything but `targetChunkSeconds` optional. */
export type AdaptiveChunkOptionsInput = Pick<AdaptiveChunkOptions, 'targetChunkSeconds'> & Partial<Omit<AdaptiveChunkOptions, 'targetChunkSeconds'>>;

const schema = lazySchema((z) =>
  z
  .strictObject({
    targetChunkSeconds: z.number().positive().finite(),
    initial: z.number().int().min(1).default(1000),
    min: z.number().int().min(1).default(1),
    max: z.number().int().min(1).default(10_000_000),
    window: z.number().int().min(2).max(256).default(16),
    explore: z.number().min(0).max(0.5).default(0.1),
    maxGrowth: z.number().min(1).default(2),
    memoryLimit: z.number().positive().optional(),
    relaxAfter: z.number().int().min(0).default(16),
  })
  .refine((o) => o.min <= o.max, { message: 'expected `min` <= `max`', path: ['min'] }),
);

/**
 * Validates and defaults the options of `adaptiveChunks()`.
 *
 * @example
 * ```ts
 * resolveAdaptiveChunkOptions({ targetChunkSeconds: 5 }).initial; // 1000
 * ```
 */
export function resolveAdaptiveChunkOptions(input: AdaptiveChunkOptionsInput): AdaptiveChunkOptions {
  const parsed = schema().safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid adaptiveChunks options: ${formatIssues('', parsed.error, input)}`);
  return parsed.data as AdaptiveChunkOptions;
}
