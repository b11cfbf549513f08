import { adaptiveBatchSizer, type BatchSizer } from '../../actors/batch-sizer.ts';
import type { Executor, LiveWorker } from '../../actors/executor.ts';
import type { Task } from '../../actors/task.ts';
import type { Computable } from '../../protocol/computable.ts';
import { BaseBackend } from '../backend.ts';
import type { ComputeOptions, ResolvedComputeOptions } from '../options.ts';
import { assertTransferable } from '../threads/errors.ts';
import type { Connections } from './connect.ts';
import { clusterExecutor } from './executor.ts';
import { claimTask, scanKeys, takeOverForCleanup, type TaskLease } from './lease.ts';
import { REDIS_LOST_MS, unlessLost } from './reachable.ts';
import { retireJobs } from './retire.ts';
import { resultKey, taskIdOf, taskPattern, workersPattern, type ClusterKeys } from './keys.ts';
import { resolveClusterOptions, type ClusterOptions, type ResolvedClusterOptions } from './options.ts';
import type { RedisConnection } from './redis-options.ts';
import { importClusterModule } from './stack.ts';

class ClusterBackend extends BaseBackend {
  readonly name = 'cluster';
  readonly options: ResolvedClusterOptions;
  readonly keys: ClusterKeys;
  #connections: Promise<Connections> | undefined;
  readonly #abandoned = new Set<string>();
  readonly #cleanups = new Set<Promise<void>>();
  /** Threads of the live workers, from their heartbeats, and when they were read (see {@link #parallelism}). */
  #threads: { count: number | undefined; readAt: number; reading: Promise<void> | undefined } = { count: undefined, readAt: -Infinity, reading: undefined };
  /** The lease of the task being created (handed from `executor()` to `compute()`). */
  #lease: { claimed?: Promise<TaskLease> } | undefined;

  constructor(options: ResolvedClusterOptions) {
    super({ cancelOnDispose: options.cancelOnDispose });
    this.options = options;
    this.keys = { prefix: options.prefix, queue: options.queue };
  }

  /**
   * Connections, opened on first use: a backend that never computes loads and connects nothing.
   * Connections that failed to connect (Redis unreachable, credentials refused, a certificate that
   * does not verify, BullMQ not installed) are closed and forgotten, so the next computation
   * connects anew; the tasks holding them fail as before. Connections that answered are kept.
   */
  #connect(): Promise<Connections> {
    if (this.#connections === undefined) {
      const opening = importClusterModule('cluster()', () => import('./connect.ts')).then(({ connect }) => connect(this.options.redis as RedisConnection, this.options.queue, this.options.prefix, this.options.connectTimeoutMs));
      this.#connections = opening;
      // Handled before any task's own wait on them (registered first): a task that saw the failure finds them gone.
      const forget = () => {
        if (this.#connections === opening) this.#connections = undefined;
      };
      opening.then(
        (c) =>
          c.ready.catch(() => {
            forget();
            c.close().catch(() => undefined);
          }),
        forget,
      );
    }
    return this.#connections;
  }

  override compute<R>(computable: Computable<R>, options: ComputeOptions = {}): Task<R> {
    const sized = options.batchSize === undefined && options.targetBatchMs === undefined ? { ...options, targetBatchMs: this.options.targetBatchMs } : options;
    const task = super.compute(computable, sized);
    const lease = this.#lease;
    this.#lease = undefined;
    // Whatever a task left in its namespace (results of batches cut differently by a driver that died) goes with it.
    const cleanup = task.wait().then(async () => {
      const held = await lease?.claimed?.catch(() => undefined);
      if (held !== undefined) {
        held.stop();
        await this.#deleteTaskKeys(held.taskId);
      } else if (task.status === 'complete') {
        // Restored whole from its checkpoint, it claimed nothing: what a driver that died left in the
        // computation's namespace would otherwise be taken by the next fresh run as its own.
        await this.#sweepUnclaimed(taskIdOf(computable.key));
      }
    });
    this.#cleanups.add(cleanup);
    void cleanup.finally(() => this.#cleanups.delete(cleanup));
    return task;
  }

  /** Each batch is a round trip through Redis: the first batch measures alone, then batches go out at their size. */
  protected override adaptiveSizer(targetMs: number): BatchSizer {
    return adaptiveBatchSizer({ targetMs, max: this.maxAutoBatch, probeAlone: true, parallelism: () => this.#parallelism() });
  }

  /**
   * How many batches the cluster computes at once: the threads of the live workers, as last read
   * from their heartbeats. Read again (in the background) when older than a heartbeat period, so
   * workers that join or leave change how the last batches are cut.
   */
  #parallelism(): number | undefined {
    if (performance.now() - this.#threads.readAt > THREADS_FRESH_MS) void this.#readThreads();
    return this.#threads.count;
  }

  /** Reads the workers' threads, on connections already open (never opens them, nor reopens them after release). */
  #readThreads(): Promise<void> {
    if (this.#connections === undefined) return Promise.resolve();
    this.#threads.reading ??= this.workers()
      .then(
        (live) => {
          const count = live.reduce((n, w) => n + w.threads, 0);
          this.#threads.count = count > 0 ? count : undefined;
        },
        () => undefined,
      )
      .finally(() => {
        this.#threads.readAt = performance.now();
        this.#threads.reading = undefined;
      });
    return this.#threads.reading;
  }

  protected override check(computable: Computable<unknown>): void {
    assertTransferable(computable);
  }

  protected executor(options: ResolvedComputeOptions, computable: Computable<unknown>): Executor {
    // Claimed on the task's first batch: a task restored whole from its checkpoint claims nothing.
    const lease: { claimed?: Promise<TaskLease> } = {};
    this.#lease = lease;
    const claim = () =>
      (lease.claimed ??= this.#connect().then(async (c) => {
        await c.ready;
        // The workers' threads are known before the batches after the first are cut (see #parallelism).
        const [claimed] = await Promise.all([claimTask(c.redis, this.keys, taskIdOf(computable.key), this.options.leaseMs), this.#readThreads()]);
        return claimed;
      }));
    return clusterExecutor({
      connections: this.#connect(),
      keys: this.keys,
      lease: claim,
      slots: this.options.slots,
      collectStats: options.chunkSizer !== undefined,
      maxPayloadBytes: this.options.maxPayloadBytes,
      maxResultBytes: this.options.maxResultBytes,
      sweepMs: this.options.sweepMs,
      cancelGraceMs: this.options.cancelGraceMs,
      abandon: (jobId) => this.#abandoned.add(jobId),
      workers: () => this.workers(),
      reduceEvery: this.options.reduceEvery,
    });
  }

  /**
   * The live `cortado worker` processes on this Redis (host, pid, threads, batches done, memory),
   * from their heartbeats.
   */
  async workers(): Promise<LiveWorker[]> {
    const { redis, ready } = await this.#connect();
    await ready;
    const keys = await scanKeys(redis, workersPattern(this.keys));
    if (keys.length === 0) return [];
    const values = await redis.mget(keys);
    const live: LiveWorker[] = [];
    for (const value of values) {
      if (value === null) continue;
      try {
        live.push(JSON.parse(value) as LiveWorker);
      } catch {
        // a heartbeat that does not parse is not a worker we can describe
      }
    }
    return live.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
  }

  async #deleteTaskKeys(taskId: string): Promise<void> {
    // Connections that never opened (BullMQ or ioredis not installed) left nothing to delete.
    const c = await this.#connections?.catch(() => undefined);
    if (c === undefined) return;
    // Never connected (refused credentials, a certificate that does not verify): nothing was stored.
    if (!(await c.ready.then(() => true, () => false))) return;
    await deleteTaskKeys(c, this.keys, taskId);
  }

  /**
   * Cleans the namespace of a computation that completed without claiming it (restored whole from
   * its checkpoint), if no live driver holds it: on the connections the task opened with its
   * executor, giving up quietly when Redis does not answer within {@link SWEEP_CONNECT_MS}.
   */
  async #sweepUnclaimed(taskId: string): Promise<void> {
    const c = await this.#connect().catch(() => undefined);
    if (c === undefined || !(await answersWithin(c, SWEEP_CONNECT_MS))) return;
    if (await takeOverForCleanup(c.redis, this.keys, taskId, this.options.leaseMs).catch(() => false)) await deleteTaskKeys(c, this.keys, taskId);
  }

  protected async release(): Promise<void> {
    const opened = await this.#connections?.catch(() => undefined);
    const cleaned = this.#cleanUp();
    // Cleanups wait for Redis through a restart, not for a Redis that is gone.
    await (opened === undefined ? cleaned : unlessLost(opened.redis, cleaned, REDIS_LOST_MS));
    const pending = this.#connections;
    this.#connections = undefined;
    await (await pending?.catch(() => undefined))?.close();
  }

  /** The tasks' cleanups, then the removal of jobs given up on after a cancel (still queued, or their results). */
  async #cleanUp(): Promise<void> {
    await Promise.all([...this.#cleanups, this.#threads.reading]);
    const c = await this.#connections?.catch(() => undefined);
    // A job was abandoned only after it was queued, so Redis has answered already; with none, Redis
    // is not waited for (it may never answer: a task restored whole opened the connections).
    if (c !== undefined && this.#abandoned.size > 0 && (await answersWithin(c, SWEEP_CONNECT_MS))) {
      for (const jobId of this.#abandoned) {
        await c.queue.remove(jobId).catch(() => 0);
        await c.redis.unlink(resultKey(this.keys, jobId)).catch(() => undefined);
      }
    }
    this.#abandoned.clear();
  }
}

/** Stops a task's batches still queued or running from storing anything, then deletes its keys (errors ignored: a cleanup). */
async function deleteTaskKeys(c: Connections, keys: ClusterKeys, taskId: string): Promise<void> {
  await retireJobs(c.redis, c.queue, keys, taskId).catch(() => undefined);
  const found = await scanKeys(c.redis, taskPattern(keys, taskId)).catch(() => []);
  if (found.length > 0) await c.redis.unlink(...found).catch(() => undefined);
}

/** How long the cleanup after a task restored whole, or of abandoned jobs, waits for Redis to answer. */
const SWEEP_CONNECT_MS = 2000;

/** Whether the connections are (or get) connected within `ms`: false when Redis refused them or did not answer. */
async function answersWithin(c: Connections, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const connected = await Promise.race([c.ready.then(() => true, () => false), new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)))]);
  clearTimeout(timer);
  return connected;
}

/** How long a count of the workers' threads is used before it is read again (the heartbeat period). */
const THREADS_FRESH_MS = 2000;

/**
 * The cluster backend: batches of work elements go through a BullMQ queue on Redis to
 * `cortado worker` processes on any number of machines, each computing on its own thread pool;
 * the same `Backend` and `Task` API as {@link inline} and {@link threads}. Work crosses as
 * descriptors (processors as module references, data as descriptors), results come back in binary
 * through the codecs. A batch may run twice (at-least-once delivery); each is absorbed once.
 *
 * @example
 * ```ts
 * // terminal 1: redis-server; terminal 2: npx cortado worker --redis redis://127.0.0.1:6379
 * await using backend = cluster({ redis: 'redis://127.0.0.1:6379' });
 * const task = backend.compute(fromFunction(square, [1, 2, 3]));
 * console.log(await task.result(), await task.workers()); // 14, [{ host, pid, batchesDone, … }]
 * ```
 */
export function cluster(options: ClusterOptions): BaseBackend & { workers(): Promise<LiveWorker[]> } {
  return new ClusterBackend(resolveClusterOptions(options));
}
