import { adaptiveBatchSizer, fixedBatchSizer, type BatchSizer } from '../actors/batch-sizer.ts';
import type { Executor } from '../actors/executor.ts';
import { MapTask } from '../actors/map-task.ts';
import type { OutputSink } from '../actors/output-sink.ts';
import { Task } from '../actors/task.ts';
import type { Computable } from '../protocol/computable.ts';
import { BackendDisposedError, InvalidOptionsError } from '../protocol/errors.ts';
import type { PartialResult } from '../protocol/task.ts';
import { batchSizerFor, openCheckpointOption, resolveComputeOptions, type ComputeOptions } from './options.ts';

/**
 * Owns the resources that run work (the calling thread, worker threads, queue connections).
 * `compute()` returns a {@link Task} without blocking; `run()` waits for it. Dispose it with
 * `await using`: disposal waits for running tasks (or cancels them with `cancelOnDispose`).
 */
export interface Backend extends AsyncDisposable {
  readonly name: string;
  /** Starts computing; returns the task at once. Throws if the backend was disposed. */
  compute<R>(computable: Computable<R>, options?: ComputeOptions): Task<R>;
  /**
   * The map half alone: each element's output, streamed as an async iterable with back-pressure
   * (see {@link MapTask}). Same error policy, cancellation and progress as `compute()`.
   *
   * @example
   * ```ts
   * for await (const { value, range } of backend.map(fromFunction((x: number) => x * x, [1, 2, 3]))) {
   *   console.log(range, value); // value: number
   * }
   * ```
   */
  map<R>(computable: Computable<R>, options?: MapOptions): MapTask<R>;
  /** Computes and waits; resolves with the partial result whatever the end (never rejects for failed elements). */
  run<R>(computable: Computable<R>, options?: ComputeOptions): Promise<PartialResult<R>>;
  /** Waits for (or cancels) running tasks and releases resources. */
  dispose(): Promise<void>;
  readonly disposed: boolean;
}

/** Options of `backend.map()`: those of `compute()` that apply to a map, and the buffer size. */
export interface MapOptions extends Omit<ComputeOptions, 'mergeEvery' | 'onGroupComplete' | 'releaseGroups' | 'checkpoint'> {
  /**
   * Outputs buffered for the consumer before dispatch pauses; also the largest batch sent to a
   * lane. At most about `(lanes + 1) × highWaterMark` outputs exist at once. @defaultValue 1024
   */
  highWaterMark?: number;
}

/** Options every backend takes. */
export interface BackendOptions {
  /** Cancel running tasks on disposal instead of waiting for them. @defaultValue false */
  cancelOnDispose?: boolean;
}

/** The shared part of every backend: task tracking, option checks, disposal. */
export abstract class BaseBackend implements Backend {
  abstract readonly name: string;
  readonly #tasks = new Set<Task<unknown>>();
  readonly #cancelOnDispose: boolean;
  #disposed = false;

  constructor(options: BackendOptions = {}) {
    this.#cancelOnDispose = options.cancelOnDispose ?? false;
  }

  /** The executor a new task runs on. */
  protected abstract executor(options: ReturnType<typeof resolveComputeOptions>, computable: Computable<unknown>): Executor;
  /** Releases the backend's own resources once every task has ended. */
  protected abstract release(): Promise<void>;
  /** A chance to reject a computable the backend cannot run (e.g. closures across threads). */
  protected check(_computable: Computable<unknown>): void {}

  /**
   * Largest batch the adaptive sizer (`batchSize: 'auto'`) may propose. Every slot may hold one,
   * so this bounds the elements materialised at once; an explicit `batchSize` is taken as given.
   */
  protected readonly maxAutoBatch: number = 65_536;

  /** The batch sizer of a task with `batchSize: 'auto'`, aiming for batches of `targetMs`. */
  protected adaptiveSizer(targetMs: number): BatchSizer {
    return adaptiveBatchSizer({ targetMs, max: this.maxAutoBatch });
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  compute<R>(computable: Computable<R>, options: ComputeOptions = {}): Task<R> {
    return this.#start(computable, options, undefined);
  }

  map<R>(computable: Computable<R>, options: MapOptions = {}): MapTask<R> {
    const { highWaterMark = 1024, ...rest } = options;
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
      throw new InvalidOptionsError(`Expected \`highWaterMark\` to be an integer from 1 and up, got \`${String(highWaterMark)}\` (${typeof highWaterMark})`);
    }
    for (const key of ['mergeEvery', 'onGroupComplete', 'releaseGroups', 'checkpoint'] as const) {
      if (key in rest) throw new InvalidOptionsError(`\`${key}\` is an option of compute(), not of map(): a map merges nothing`);
    }
    if (this.#disposed) throw new BackendDisposedError(this.name);
    return new MapTask<R>((sink) => this.#start(computable as Computable<unknown>, rest, sink), highWaterMark);
  }

  #start<R>(computable: Computable<R>, options: ComputeOptions, sink: OutputSink | undefined): Task<R> {
    if (this.#disposed) throw new BackendDisposedError(this.name);
    const resolved = resolveComputeOptions(options);
    this.check(computable as Computable<unknown>);
    // Opened before anything is started: a checkpoint that cannot be used throws here.
    const checkpoint = openCheckpointOption(resolved.checkpoint, computable);
    const task = new Task<R>(computable, {
      executor: this.executor(resolved, computable as Computable<unknown>),
      policy: resolved.errorPolicy,
      mergeEvery: resolved.mergeEvery,
      batchSizer: batchSizerFor(resolved, (targetMs) => this.adaptiveSizer(targetMs), fixedBatchSizer),
      chunkSizer: resolved.chunkSizer,
      splitDepth: resolved.splitDepth,
      random: resolved.random ?? Math.random,
      now: resolved.now ?? (() => performance.now()),
      signal: resolved.signal,
      inspect: resolved.inspect,
      clock: resolved.clock,
      onGroupComplete: resolved.onGroupComplete,
      releaseGroups: resolved.releaseGroups,
      checkpoint,
      sink,
    });
    this.#tasks.add(task as Task<unknown>);
    void task.wait().then(() => this.#tasks.delete(task as Task<unknown>));
    return task.start();
  }

  async run<R>(computable: Computable<R>, options?: ComputeOptions): Promise<PartialResult<R>> {
    return this.compute(computable, options).wait();
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const tasks = [...this.#tasks];
    if (this.#cancelOnDispose) for (const task of tasks) task.cancel(new Error(`the ${this.name} backend was disposed`));
    await Promise.all(tasks.map((task) => task.wait()));
    await this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
