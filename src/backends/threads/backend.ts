import { setFlagsFromString } from 'node:v8';
import { Piscina } from 'piscina';
import { adaptiveBatchSizer, type BatchSizer } from '../../actors/batch-sizer.ts';
import type { Executor } from '../../actors/executor.ts';
import type { Task } from '../../actors/task.ts';
import type { Computable } from '../../protocol/computable.ts';
import { CortadoError } from '../../protocol/errors.ts';
import { BaseBackend } from '../backend.ts';
import type { ComputeOptions, ResolvedComputeOptions } from '../options.ts';
import { assertTransferable } from './errors.ts';
import { threadsExecutor } from './executor.ts';
import { resolveThreadsOptions, type ResolvedThreadsOptions, type ThreadsOptions } from './options.ts';

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url).href;

class ThreadsBackend extends BaseBackend {
  readonly name = 'threads';
  readonly options: ResolvedThreadsOptions;
  // Slots are workers × maxInFlight: at 65,536 a stress test of 100,000 tiny elements had all of
  // them in flight at once (peak RSS +40–60 MiB); 4,096 tiny elements still take well over the
  // round trip's cost, so throughput does not depend on it.
  protected override readonly maxAutoBatch = 4_096;
  #pool: Piscina | undefined;

  constructor(options: ResolvedThreadsOptions) {
    super({ cancelOnDispose: options.cancelOnDispose });
    this.options = options;
  }

  /** The pool, started on first use: a backend that never computes starts no thread. */
  get #workers(): Piscina {
    if (this.#pool === undefined) {
      const { workers, maxMemoryMb, youngGenerationMb, initialOldGenerationMb } = this.options;
      // Read by V8 when each worker's heap is set up (see ThreadsOptions.initialOldGenerationMb).
      if (initialOldGenerationMb > 0) {
        setFlagsFromString(`--initial-old-space-size=${Math.min(initialOldGenerationMb, maxMemoryMb ?? initialOldGenerationMb)}`);
      }
      this.#pool = new Piscina({
        filename: WORKER_ENTRY,
        minThreads: workers,
        maxThreads: workers,
        idleTimeout: Number.POSITIVE_INFINITY,
        // One batch at a time per worker: a crash then loses one batch, and the progress slot of
        // that batch names the culprit. Further batches wait in the pool's queue (maxInFlight).
        concurrentTasksPerWorker: 1,
        resourceLimits: workerLimits(maxMemoryMb, youngGenerationMb),
      });
      // A worker that dies between tasks (a stray timer) has no task to fail; the pool replaces it.
      this.#pool.on('error', () => {});
    }
    return this.#pool;
  }

  override compute<R>(computable: Computable<R>, options: ComputeOptions = {}): Task<R> {
    // The pool's batch duration unless the task names one (or a fixed batch size).
    const sized = options.batchSize === undefined && options.targetBatchMs === undefined ? { ...options, targetBatchMs: this.options.targetBatchMs } : options;
    return super.compute(computable, sized);
  }

  /**
   * Batches grow towards the target duration; near the end none takes more than an equal share of
   * what is left per worker (down to an eighth of the measured size), so that with batches of tens
   * of milliseconds no worker sits idle at the tail while another finishes a last full batch.
   */
  protected override adaptiveSizer(targetMs: number): BatchSizer {
    return adaptiveBatchSizer({ targetMs, max: this.maxAutoBatch, parallelism: () => this.options.workers });
  }

  protected override check(computable: Computable<unknown>): void {
    assertTransferable(computable);
  }

  protected executor(options: ResolvedComputeOptions, computable: Computable<unknown>): Executor {
    return threadsExecutor({
      codes: computable.code,
      pool: this.#workers,
      slots: this.options.workers * this.options.maxInFlight,
      collectStats: options.chunkSizer !== undefined,
      elementTimeoutMs: this.options.elementTimeoutMs,
      maxMemoryMb: this.options.maxMemoryMb,
    });
  }

  protected async release(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }
}

/** The workers' heap limits: `undefined` fields are V8's defaults. */
function workerLimits(maxMemoryMb: number | undefined, youngGenerationMb: number): { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number } {
  return {
    ...(maxMemoryMb === undefined ? {} : { maxOldGenerationSizeMb: maxMemoryMb }),
    ...(youngGenerationMb === 0 ? {} : { maxYoungGenerationSizeMb: youngGenerationMb }),
  };
}

/**
 * The threads backend: runs work elements on a pool of worker threads (piscina), with the same
 * `Backend` and `Task` API as {@link inline}. Processors cross as module references made with
 * `defineProcessor(import.meta.url, 'name', fn)` (TypeScript modules included), data as
 * descriptors, results through codecs (a `Hist` comes back a `Hist`; typed-array buffers are moved,
 * not copied), errors with their class name, `code`, `cause` and stack. A worker that crashes, runs
 * out of memory or past `elementTimeoutMs` costs the element it was running one attempt; the pool
 * replaces the worker and the task goes on.
 *
 * @example
 * ```ts
 * // square.ts
 * export const square = defineProcessor(import.meta.url, 'square', (x: number) => x * x);
 * // main.ts
 * await using backend = threads({ workers: 4 });
 * const total = await backend.compute(fromFunction(square, [1, 2, 3])).result(); // 14
 * ```
 */
export function threads(options: ThreadsOptions = {}): BaseBackend {
  if ((globalThis as Record<symbol, unknown>)[Symbol.for('cortado.worker')] === true) {
    // A worker imports the processor's module; if that module also runs the driver code, every
    // worker would start a pool of its own, and so on without end.
    throw new CortadoError(
      'E_THREADS_IN_WORKER',
      'threads() was called inside a cortado worker thread: the module that exports the processor also runs the code that ' +
        'starts the computation, so every worker would start a pool of its own. Move the processor into a module of its own, ' +
        "or run the driver code only in the main thread: `if (isMainThread) { ... }` (from 'node:worker_threads').",
    );
  }
  return new ThreadsBackend(resolveThreadsOptions(options));
}
