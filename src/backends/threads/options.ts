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
   * Old generation each worker's heap starts with, in MiB (V8's `--initial-old-space-size`). Readers
   * allocate their column buffers outside the heap, so a worker's heap stays small (~15 MiB), and from
   * V8's default start a worker can fall into a full (mark-compact) collection every few hundred ms
   * that frees nothing: measured on 3 M events of Parquet, 7–28 full collections per run in some runs
   * (0 in others), ~10 ms of CPU each on V8's helper threads — CPU that competes with the other worker
   * on a busy machine. Starting the old generation at this size removed them in every run measured.
   * V8 reads this flag when a thread's heap is set up, and only process-wide: the pool sets it before
   * it starts its workers, so worker threads started later in this process by anything else start
   * with it too. `0` leaves the flag as it is (V8's default unless set). @defaultValue 64
   */
  initialOldGenerationMb?: number;
  /**
   * Longest time one element may run, in ms. Past it, the worker is stopped and the element fails
   * with code `E_ELEMENT_TIMEOUT` (and is split when it can be). The clock starts when the worker
   * begins the element, after it has loaded the batch's processor modules (a fresh thread compiles
   * them first). @defaultValue no limit
   */
  elementTimeoutMs?: number;
  /**
   * Batch duration aimed for when a task's `batchSize` is `'auto'` and the task names no
   * `targetBatchMs` of its own. Each batch is a round trip through the driver (its result decoded
   * and merged, the runtime's bookkeeping: ~1–2 ms of the driver's CPU per batch, measured), CPU
   * that the workers share the cores with; near the end of a task batches shrink to an equal share
   * of what is left per worker, so a longer batch does not leave a worker idle at the tail.
   * @defaultValue 100
   */
  targetBatchMs?: number;
}

const schema = lazySchema((z) =>
  z.strictObject({
  workers: z.number().int().min(1).max(1024).optional(),
  maxInFlight: z.number().int().min(1).max(64).default(2),
  maxMemoryMb: z.number().int().min(8).optional(),
  youngGenerationMb: z.number().int().min(0).max(1024).default(8),
  initialOldGenerationMb: z.number().int().min(0).max(4096).default(64),
  elementTimeoutMs: z.number().positive().optional(),
  targetBatchMs: z.number().positive().default(100),
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
  /** `0`: V8's default. */
  readonly initialOldGenerationMb: number;
  readonly elementTimeoutMs: number | undefined;
  readonly targetBatchMs: number;
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
  const { workers, maxInFlight, maxMemoryMb, youngGenerationMb, initialOldGenerationMb, elementTimeoutMs, targetBatchMs, cancelOnDispose } = parsed.data;
  return { workers: workers ?? availableParallelism(), maxInFlight, maxMemoryMb, youngGenerationMb, initialOldGenerationMb, elementTimeoutMs, targetBatchMs, cancelOnDispose };
}
