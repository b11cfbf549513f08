import type { z } from 'zod';
import type { BatchSizer } from '../actors/batch-sizer.ts';
import type { ChunkSizer } from '../actors/chunk-sizer.ts';
import { adaptiveChunks } from '../actors/chunking/adaptive.ts';
import { DEFAULT_SPLIT_DEPTH } from '../actors/run-state.ts';
import type { Inspector, TaskSettings } from '../actors/task.ts';
import { JournalCheckpoint, type CheckpointIdentity, type JournalCheckpointOptions } from '../journal/journal-checkpoint.ts';
import type { Checkpoint } from '../protocol/checkpoint.ts';
import { InvalidOptionsError } from '../protocol/errors.ts';
import { lazySchema } from '../protocol/lazy-zod.ts';
import { formatIssues, resolveErrorPolicy, type ErrorPolicyInput } from '../protocol/policy.ts';

/** Options of `backend.compute()` and `backend.run()`. */
export interface ComputeOptions {
  /** What to do when an element fails. @defaultValue retry 3 times, then skip I/O errors and cancel on others */
  errorPolicy?: ErrorPolicyInput;
  /**
   * Partials a reducer gathers before folding them in together (bounded fan-in). Merges happen in
   * place, so the default folds each partial in as it arrives and holds none. @defaultValue 1
   */
  mergeEvery?: number;
  /** Aborting it cancels the task. */
  signal?: AbortSignal;
  /** An xstate inspector: sees the supervisor, lane and reducer actors. */
  inspect?: Inspector;
  /** Elements per batch sent to a lane, or `'auto'` to aim for `targetBatchMs`. @defaultValue 'auto' */
  batchSize?: number | 'auto';
  /** With `batchSize: 'auto'`, the aimed-for batch duration. @defaultValue 20 */
  targetBatchMs?: number;
  /** Proposes chunk sizes to the computable (adaptive chunking). */
  chunkSizer?: ChunkSizer;
  /**
   * Aimed-for duration of one work element, in seconds: shorthand for
   * `chunkSizer: adaptiveChunks({ targetChunkSeconds })`; ignored when `chunkSizer` is given.
   */
  targetChunkSeconds?: number;
  /**
   * How many times an element that runs out of memory or time (`E_WORKER_OOM`,
   * `E_ELEMENT_TIMEOUT`) is halved, without spending a retry, before the error policy applies to it
   * as one failure. Splitting is depth first (one half runs, the other waits) until a piece
   * succeeds; from then on a piece that fails again is split the same way, so one bad entry is
   * isolated. An element that fails at every size costs `splitDepth + 1` runs. `0` turns splitting
   * off. Elements split only when their computable can split them (`mapSteps` elements can).
   * @defaultValue 3
   *
   * @example
   * ```ts
   * backend.compute(mapSteps(ds, processor), { splitDepth: 5 }); // pieces down to 1/32 of an element
   * ```
   */
  splitDepth?: number;
  /** The actor clock (xstate's `SimulatedClock` in tests). Backoff delays run on it. */
  clock?: TaskSettings['clock'];
  /** Current time in ms, for timings and rates. @defaultValue performance.now */
  now?: () => number;
  /** Random source for backoff jitter. @defaultValue Math.random */
  random?: () => number;
  /** Called with a group's (dataset's) result as soon as all of it is complete, before the task ends. */
  onGroupComplete?: (group: string, result: unknown) => void;
  /**
   * Frees a group's (dataset's) result once it has been handed out (`groups$`, `onGroupComplete`):
   * `true` for every group, or a function that says per group (called after `onGroupComplete`,
   * e.g. `finalize(dir).releaseGroups`: only groups whose file was written). A released group's
   * entry is left out of `partial().result` / `result()` and its name is listed in
   * `partial().released`. A checkpoint still keeps its own copy. @defaultValue false
   *
   * @example
   * ```ts
   * const perDataset = finalize('results/');
   * const task = backend.compute(c, { onGroupComplete: perDataset.onGroupComplete, releaseGroups: perDataset.releaseGroups });
   * (await task.wait()).released; // ['DY', 'TT']: on disk, no longer in memory
   * ```
   */
  releaseGroups?: boolean | ((group: string) => boolean);
  /**
   * Makes the run durable: a folder path (or {@link JournalCheckpointOptions}) for cortado's
   * crash-safe journal, or any {@link Checkpoint} object. Every accepted batch is recorded before
   * it counts; computing the same computable with the same checkpoint after a crash (even
   * `kill -9`) restores what was recorded and computes only the rest. The folder is removed when
   * the task completes and kept (compacted) when it ends incomplete or cancelled.
   *
   * @example
   * ```ts
   * const task = backend.compute(computable, { checkpoint: 'analysis.ckpt' });
   * ```
   */
  checkpoint?: string | JournalCheckpointOptions | Checkpoint;
}

/** The actor clock's interface (xstate's `Clock`, which xstate does not export by name). */
export interface ActorClock {
  setTimeout(fn: (...args: any[]) => void, timeout: number): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- xstate's own signature
  clearTimeout(id: any): void; // eslint-disable-line @typescript-eslint/no-explicit-any -- xstate's own signature
}

const schema = lazySchema((z) =>
  z.strictObject({
  errorPolicy: z.unknown().optional(),
  mergeEvery: z.number().int().min(1).default(1),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'an AbortSignal').optional(),
  inspect: z.custom<Inspector>((v) => typeof v === 'function' || (typeof v === 'object' && v !== null), 'a function or an observer').optional(),
  batchSize: z.union([z.number().int().min(1), z.literal('auto')]).default('auto'),
  targetBatchMs: z.number().positive().default(20),
  targetChunkSeconds: z.number().positive().finite().optional(),
  splitDepth: z.number().int().min(0).max(64).default(DEFAULT_SPLIT_DEPTH),
  chunkSizer: z.custom<ChunkSizer>((v) => typeof v === 'object' && v !== null && 'propose' in v, 'a ChunkSizer').optional(),
  clock: z.custom<ActorClock>((v) => typeof v === 'object' && v !== null && 'setTimeout' in v, 'a clock with setTimeout/clearTimeout').optional(),
  now: z.custom<() => number>((v) => typeof v === 'function', 'a function').optional(),
  random: z.custom<() => number>((v) => typeof v === 'function', 'a function').optional(),
  onGroupComplete: z.custom<(group: string, result: unknown) => void>((v) => typeof v === 'function', 'a function').optional(),
  releaseGroups: z.union([z.boolean(), z.custom<(group: string) => boolean>((v) => typeof v === 'function', 'a function')]).optional(),
  checkpoint: z
    .custom<string | JournalCheckpointOptions | Checkpoint>(
      (v) => (typeof v === 'string' && v.length > 0) || (typeof v === 'object' && v !== null && (typeof (v as { path?: unknown }).path === 'string' || typeof (v as { record?: unknown }).record === 'function')),
      'a folder path, { path, ... } or a Checkpoint object',
    )
    .optional(),
  }),
);

/** Options after validation and defaults. */
export type ResolvedComputeOptions = z.output<ReturnType<typeof schema>> & { errorPolicy: ReturnType<typeof resolveErrorPolicy> };

/**
 * Validates compute options, with a message that says what was expected and what came.
 *
 * @example
 * ```ts
 * resolveComputeOptions({ mergeEvery: 0 }); // throws: `mergeEvery`: expected a number >= 1, got 0 (number)
 * ```
 */
export function resolveComputeOptions(options: ComputeOptions = {}): ResolvedComputeOptions {
  const parsed = schema().safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid compute options: ${formatIssues('', parsed.error, options)}`);
  const data = parsed.data;
  // A fresh sizer per task: its model belongs to one computation.
  const chunkSizer = data.chunkSizer ?? (data.targetChunkSeconds === undefined ? undefined : adaptiveChunks({ targetChunkSeconds: data.targetChunkSeconds }));
  return { ...data, ...(chunkSizer === undefined ? {} : { chunkSizer }), errorPolicy: resolveErrorPolicy(options.errorPolicy) };
}

/** The batch sizer the options ask for. */
export function batchSizerFor(options: ResolvedComputeOptions, create: (targetMs: number) => BatchSizer, fixed: (n: number) => BatchSizer): BatchSizer {
  return options.batchSize === 'auto' ? create(options.targetBatchMs) : fixed(options.batchSize);
}

/**
 * The checkpoint a task of `computable` uses: cortado's journal opened at the folder the option
 * names, or the caller's own {@link Checkpoint}. Opening reads what an earlier run recorded; it
 * throws `CheckpointError` before anything is computed when the folder cannot be written, is
 * locked by a live process, or holds another computation's or a damaged checkpoint.
 */
export function openCheckpointOption(option: ResolvedComputeOptions['checkpoint'], computable: CheckpointIdentity): Checkpoint | undefined {
  if (option === undefined) return undefined;
  if (typeof option === 'string') return JournalCheckpoint.open({ path: option }, computable);
  if (typeof (option as Checkpoint).record === 'function') return option as Checkpoint;
  return JournalCheckpoint.open(option as JournalCheckpointOptions, computable);
}
