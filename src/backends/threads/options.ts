import { availableParallelism } from 'node:os';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { lazySchema } from '../../protocol/lazy-zod.ts';
import { formatIssues } from '../../protocol/policy.ts';
import type { BackendOptions } from '../backend.ts';

/** Options of `threads()`. */
export interface ThreadsOptions extends BackendOptions {
  /** Worker threads in the pool. @defaultValue `os.availableParallelism()` */
  workers?: number;
  /**
   * Batches in flight per worker (one running, the others queued), so that a worker starts its next
   * batch without waiting for a round trip. Bounds the memory held by queued work.
   * @defaultValue 2
   */
  maxInFlight?: number;
  /**
   * Heap limit of each worker in MiB (`resourceLimits.maxOldGenerationSizeMb`). An element that
   * exceeds it fails with code `E_WORKER_OOM` (and is split when it can be); the worker is replaced.
   * Typed-array buffers live outside the heap and do not count. @defaultValue no limit (Node's default)
   */
  maxMemoryMb?: number;
  /**
   * Young-generation size of each worker's heap in MiB (`resourceLimits.maxYoungGenerationSizeMb`).
   * V8's default lets each thread's nursery grow to ~48 MiB of mostly garbage; a few MiB keep a
   * worker's resident memory small, and elements' big arrays live outside the heap anyway.
   * `0` leaves V8's default. @defaultValue 8
   */
  youngGenerationMb?: number;
  /**
   * Longest time one element may run, in ms. Past it, the worker is stopped and the element fails
   * with code `E_ELEMENT_TIMEOUT` (and is split when it can be). The clock starts when the worker
   * begins the element, after it has loaded the batch's processor modules (a fresh thread compiles
   * them first). @defaultValue no limit
   */
  elementTimeoutMs?: number;
}

const schema = lazySchema((z) =>
  z.strictObject({
  workers: z.number().int().min(1).max(1024).optional(),
  maxInFlight: z.number().int().min(1).max(64).default(2),
  maxMemoryMb: z.number().int().min(8).optional(),
  youngGenerationMb: z.number().int().min(0).max(1024).default(8),
  elementTimeoutMs: z.number().positive().optional(),
  cancelOnDispose: z.boolean().default(false),
  }),
);

/** {@link ThreadsOptions} after validation, with defaults. */
export interface ResolvedThreadsOptions {
  readonly workers: number;
  readonly maxInFlight: number;
  readonly maxMemoryMb: number | undefined;
  /** `0`: V8's default. */
  readonly youngGenerationMb: number;
  readonly elementTimeoutMs: number | undefined;
  readonly cancelOnDispose: boolean;
}

/**
 * Validates `threads()` options, with messages that say what was expected and what came.
 *
 * @example
 * ```ts
 * resolveThreadsOptions({ workers: 0 }); // throws: `workers`: expected a number >= 1, got 0 (number)
 * ```
 */
export function resolveThreadsOptions(options: ThreadsOptions = {}): ResolvedThreadsOptions {
  const parsed = schema().safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid threads options: ${formatIssues('', parsed.error, options)}`);
  const { workers, maxInFlight, maxMemoryMb, youngGenerationMb, elementTimeoutMs, cancelOnDispose } = parsed.data;
  return { workers: workers ?? availableParallelism(), maxInFlight, maxMemoryMb, youngGenerationMb, elementTimeoutMs, cancelOnDispose };
}
