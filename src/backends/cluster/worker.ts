import { hostname } from 'node:os';
import { availableParallelism } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { Piscina } from 'piscina';
import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { formatIssues } from '../../protocol/policy.ts';
import { serializeError } from '../errors/serialize.ts';
import { CANCEL } from '../threads/progress.ts';
import { FAILED, type WireBatch, type WireOutcome } from '../threads/wire.ts';
import { connectionRefused, closeRedis, openRedis } from './connection.ts';
import { connectionErrorLines, watchFirstConnection } from './first-connection.ts';
import { redisConnectionSchema, type RedisConnection } from './redis-options.ts';
import { CANCEL_FIELD, jobHashKey, TAKEN_FIELD, partKey, resultKey, workerKey, type ClusterKeys } from './keys.ts';
import type { MergeTask } from './merge-task.ts';
import { encodeParts } from './parts.ts';
import { ClusterPayloadError, ClusterSizeError, encodeOutcome, fromPayload, fromReducePayload } from './payload.ts';
import { checkModule, resolveRoots } from './roots.ts';
import { DEFAULT_LIMITS, DEFAULT_QUEUE, DEFAULT_PREFIX, type LiveWorker } from './shared.ts';

const WORKER_ENTRY = new URL('../threads/worker-entry.mjs', import.meta.url).href;
/**
 * Stores a result only while its job exists and no result of it was taken yet: a late duplicate of
 * a finished job, or one finishing after the driver took another copy's result, writes nothing.
 */
const STORE_IF_JOB = `if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], '${TAKEN_FIELD}') == 0 then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) return 1 end return 0`;
/** The same for an outcome and its results stored apart (a split batch). */
const STORE_SPLIT_IF_JOB = `if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[1], '${TAKEN_FIELD}') == 0 then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3]) redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`;

/** The scripts above, as ioredis commands (see `defineCommand`). */
interface StoreScripts {
  cortadoStore(jobKey: string, key: string, value: Buffer, ttlMs: string): Promise<number>;
  cortadoStoreSplit(jobKey: string, key: string, partKey: string, value: Buffer, part: Buffer, ttlMs: string): Promise<number>;
}

/** Options of {@link startClusterWorker} (and of `cortado worker`). */
export interface ClusterWorkerOptions {
  /** Redis URL or connection (password, ACL user, TLS). */
  redis: string | RedisConnection;
  /** Threads computing batches (and batches taken at once). @defaultValue CPU cores */
  workers?: number;
  /**
   * Young-generation size of each thread's heap in MiB, as the threads backend's option of that
   * name: a small nursery keeps each thread's resident memory small. `0` leaves V8's default. @defaultValue 8
   */
  youngGenerationMb?: number;
  /** Folders processor modules may be loaded from. @defaultValue the working directory */
  roots?: readonly string[];
  /** BullMQ lock duration: a worker that stops renewing it (killed) loses its batch after this. @defaultValue 5000 */
  lockMs?: number;
  /** How often stalled batches are looked for and handed back to the queue. @defaultValue 5000 */
  stalledIntervalMs?: number;
  /** How long SIGTERM waits for the batches in flight before handing them back. @defaultValue 30000 */
  graceMs?: number;
  /** Largest job payload accepted, in bytes. @defaultValue 64 MiB */
  maxPayloadBytes?: number;
  /** Largest stored result, in bytes. @defaultValue 256 MiB */
  maxResultBytes?: number;
  /** How long an unabsorbed result stays in Redis. @defaultValue 1 day */
  resultTtlMs?: number;
  /**
   * How long to wait for Redis to answer the first connection before `ready` rejects with
   * `E_CLUSTER_UNREACHABLE` (`RedisUnreachableError`). Only the first: once Redis has answered, a
   * connection lost later is waited for (a Redis restart must not stop the workers). While waiting,
   * `log` gets a line naming the URL and the last connection error every 10 s.
   * @defaultValue Infinity (a worker may start before its Redis)
   */
  connectTimeoutMs?: number;
  /** Key prefix and queue name: must match the driver's. */
  prefix?: string;
  queue?: string;
  /** Called with one line per event worth logging. */
  log?: (line: string) => void;
}

const schema = z.strictObject({
  redis: redisConnectionSchema,
  workers: z.number().int().min(1).max(1024).default(() => availableParallelism()),
  youngGenerationMb: z.number().int().min(0).max(1024).default(8),
  roots: z.array(z.string().min(1)).optional(),
  lockMs: z.number().int().min(100).default(5000),
  stalledIntervalMs: z.number().int().min(100).default(5000),
  graceMs: z.number().int().min(0).default(30_000),
  maxPayloadBytes: z.number().int().min(1024).default(DEFAULT_LIMITS.maxPayloadBytes),
  maxResultBytes: z.number().int().min(1024).max(512 * 2 ** 20).default(DEFAULT_LIMITS.maxResultBytes),
  resultTtlMs: z.number().int().min(1000).default(DEFAULT_LIMITS.resultTtlMs),
  // Node's timers hold 2^31 - 1 ms at most (about 24.8 days).
  connectTimeoutMs: z.number().int().min(100).max(2 ** 31 - 1).optional(),
  prefix: z.string().regex(/^[\w.-]+$/).default(DEFAULT_PREFIX),
  queue: z.string().regex(/^[\w.-]+$/).default(DEFAULT_QUEUE),
  log: z.custom<(line: string) => void>((v) => typeof v === 'function').optional(),
});

/** A running `cortado worker`: its identity, counters, and a way to stop it. */
export interface ClusterWorker {
  readonly id: string;
  readonly batchesDone: number;
  /**
   * Resolves once connected to Redis and taking batches; rejects with `E_CLUSTER_AUTH` (credentials
   * refused) or `E_CLUSTER_UNREACHABLE` (no answer within `connectTimeoutMs`).
   */
  readonly ready: Promise<void>;
  /**
   * Stops taking batches, finishes (or, past `graceMs`, hands back) those in flight, and releases
   * everything. When Redis is unreachable at that moment, BullMQ's internal blocking connection may
   * go on trying to reconnect afterwards; `cortado worker` therefore exits explicitly once this resolves.
   */
  close(): Promise<void>;
}

/**
 * Starts a cluster worker in this process: takes batches from the BullMQ queue on Redis, computes
 * each on a local pool of worker threads (so the event loop stays free to renew BullMQ's locks),
 * and stores each outcome as a binary Redis key for the driver. Job payloads are validated with
 * zod; processor modules load only from under `roots`. `cortado worker` is this plus signal handling.
 *
 * @example
 * ```ts
 * const worker = startClusterWorker({ redis: 'redis://127.0.0.1:6379', workers: 4, roots: ['/srv/analysis'] });
 * await worker.ready;
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export function startClusterWorker(options: ClusterWorkerOptions): ClusterWorker {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid cluster worker options: ${formatIssues('', parsed.error, options)}`);
  const o = parsed.data;
  const roots = resolveRoots(o.roots);
  const keys: ClusterKeys = { prefix: o.prefix, queue: o.queue };
  const log = o.log ?? (() => {});
  const id = `${hostname()}.${process.pid}.${Date.now().toString(36)}`;
  const startedAt = Date.now();
  const redis = openRedis(o.redis);
  // EVALSHA after the first call: the scripts' text does not travel with every result.
  redis.defineCommand('cortadoStore', { numberOfKeys: 2, lua: STORE_IF_JOB });
  redis.defineCommand('cortadoStoreSplit', { numberOfKeys: 3, lua: STORE_SPLIT_IF_JOB });
  const scripts = redis as unknown as StoreScripts;
  const pool = new Piscina({ filename: WORKER_ENTRY, minThreads: o.workers, maxThreads: o.workers, idleTimeout: Number.POSITIVE_INFINITY, concurrentTasksPerWorker: 1, maxQueue: 'auto',
    resourceLimits: o.youngGenerationMb === 0 ? {} : { maxYoungGenerationSizeMb: o.youngGenerationMb } });
  pool.on('error', () => {});
  let batchesDone = 0;
  let mergesDone = 0;
  let active = 0;

  const heartbeat = async (): Promise<void> => {
    const memory = process.memoryUsage();
    const info: LiveWorker = { id, host: hostname(), pid: process.pid, threads: o.workers, batchesDone, mergesDone, active, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, startedAt, lastSeen: Date.now() };
    await redis.set(workerKey(keys, id), JSON.stringify(info), 'PX', 3 * HEARTBEAT_MS).catch(() => undefined);
  };

  /** A reduce job: merges stored parts of one task on a thread and stores the merge under the job's own part key. */
  const reduce = async (job: Job): Promise<{ bytes: number }> => {
    const { inputs, modules } = fromReducePayload(job.data, o.prefix);
    const parts = await redis.mgetBuffer(...inputs);
    const missing = inputs.filter((_, k) => parts[k] === null);
    if (missing.length > 0) throw new ClusterPayloadError('A reduce job', `${missing.length} of its ${inputs.length} inputs are gone from Redis (${missing[0]})`);
    // Modules outside the roots are not imported: their codecs are then unknown and the merge fails, nothing runs.
    const allowed = modules.filter((m) => {
      try {
        checkModule(m.module, roots);
        return true;
      } catch {
        return false;
      }
    });
    const merged = Buffer.from((await pool.run({ kind: 'merge-parts', parts: parts as Buffer[], modules: allowed } satisfies MergeTask)) as Uint8Array);
    if (merged.byteLength > o.maxResultBytes) {
      throw new ClusterSizeError('A merge of partial results', merged.byteLength, o.maxResultBytes, 'merge fewer partials per reduce job (reduceEvery), or raise --max-result-mb');
    }
    await scripts.cortadoStore(jobHashKey(keys, job.id!), partKey(keys, job.id!), merged, String(o.resultTtlMs));
    mergesDone++;
    return { bytes: merged.byteLength };
  };

  const process_ = async (job: Job): Promise<{ bytes: number }> => {
    if (job.name === 'reduce') return reduce(job).catch((error: unknown) => {
      log(`reduce ${job.id} failed: ${(error as Error).message}`);
      throw error;
    });
    active++;
    const taken = Date.now();
    const watch: { timer: NodeJS.Timeout | undefined; over: boolean } = { timer: undefined, over: false };
    try {
      const batch = fromPayload(job.data, o.maxPayloadBytes);
      /** One line per batch: where its time went (queued, computing, storing), for finding idle workers. */
      const done = (outcome: WireOutcome) =>
        log(`batch ${job.id}: ${outcome.status.length} elements, queued ${taken - job.timestamp} ms, taken at ${taken}, computed in ${Math.round(outcome.busyMs)} ms, stored at ${Date.now()}`);
      const jobKey = jobHashKey(keys, job.id!);
      const outcome = await runAllowed(batch, roots, pool, async (progress) => {
        // The driver asks a running batch to stop by a field on its job's hash; look every 250 ms.
        // The first look goes with the start, not before it: a batch asked to stop as it was taken
        // stops after its first element, and no batch waits a round trip to begin.
        const poll = async (): Promise<void> => {
          const asked = (await redis.hget(jobKey, CANCEL_FIELD).catch(() => null)) !== null;
          if (asked) Atomics.store(progress, CANCEL, 1);
          else if (!watch.over) watch.timer = setTimeout(() => void poll(), CANCEL_POLL_MS);
        };
        void poll();
      });
      // The thread that ran it, named after this worker process so rows stay apart across hosts.
      const named = outcome.worker === undefined ? outcome : { ...outcome, worker: { ...outcome.worker, id: `${id}/${outcome.worker.id}`, host: hostname() } };
      if (batch.split && named.results.length > 0) {
        // The results apart: the driver reads the small outcome, and a reduce job merges the parts.
        const part = encodeParts(named.results.map(([g, data]) => [g < 0 ? null : batch.groups[g]!, data] as const));
        if (part.byteLength > o.maxResultBytes) throw new ClusterSizeError('The result of a batch', part.byteLength, o.maxResultBytes, 'merge into smaller results (fewer bins), use smaller batches, or raise maxResultBytes');
        const meta = encodeOutcome({ ...named, results: [], parts: part.byteLength } as WireOutcome, o.maxResultBytes);
        await scripts.cortadoStoreSplit(jobKey, resultKey(keys, job.id!), partKey(keys, job.id!), meta, part, String(o.resultTtlMs));
        batchesDone++;
        done(named);
        return { bytes: meta.byteLength + part.byteLength };
      }
      const bytes = encodeOutcome(named, o.maxResultBytes);
      await scripts.cortadoStore(jobKey, resultKey(keys, job.id!), bytes, String(o.resultTtlMs));
      batchesDone++;
      done(named);
      return { bytes: bytes.byteLength };
    } catch (error) {
      log(`batch ${job.id} failed: ${(error as Error).message}`);
      throw error;
    } finally {
      watch.over = true;
      clearTimeout(watch.timer);
      active--;
    }
  };

  // BullMQ leaves a connection it was given open on close(): this one is closed below.
  const workerConnection = openRedis(o.redis);
  // Jobs (batches and reduces) being processed: with none and Redis away, a stop has nothing to wait for.
  let inFlight = 0;
  const worker = new Worker(o.queue, async (job: Job) => {
    inFlight++;
    try {
      return await process_(job);
    } finally {
      inFlight--;
    }
  }, {
    connection: workerConnection,
    prefix: o.prefix,
    // One batch per thread, none held back: a batch fetched ahead would wait here while another
    // worker sits idle at the end of a task (BullMQ fetches the next job as it completes one anyway).
    concurrency: o.workers,
    lockDuration: o.lockMs,
    stalledInterval: o.stalledIntervalMs,
    maxStalledCount: 1,
    autorun: true,
  });
  let answered = false;
  const errorLine = connectionErrorLines(log);
  worker.on('error', (error) => {
    // Until Redis first answers, `first` says so every 10 s instead.
    if (answered) errorLine(error);
  });
  // Not before Redis first answers: each SET would wait in ioredis's offline queue until it does.
  const beat = setInterval(() => {
    if (answered) void heartbeat();
  }, HEARTBEAT_MS);
  const auth = connectionRefused(o.redis.url, [redis, workerConnection, worker]);
  auth.catch(() => {});
  const first = watchFirstConnection(o.redis.url, [redis, worker], { ...(o.connectTimeoutMs === undefined ? {} : { timeoutMs: o.connectTimeoutMs }), waiting: log });
  const ready = (async () => {
    try {
      await Promise.race([Promise.all([worker.waitUntilReady(), redis.ping()]), auth, first.unreachable]);
    } finally {
      first.done();
    }
    answered = true;
    await heartbeat();
    log(`cortado worker ${id}: ${o.workers} threads, roots ${roots.join(', ')}, taking batches from queue ${o.queue}`);
  })();
  let failed = false;
  ready.catch(() => (failed = true));

  let closing: Promise<void> | undefined;
  return {
    id,
    get batchesDone() {
      return batchesDone;
    },
    ready,
    close: () =>
      (closing ??= (async () => {
        clearInterval(beat);
        first.done();
        // worker.close() waits for the batches in flight; it can hang (a lost connection), so bound it.
        // Never connected, or nothing in flight while Redis is away (never answered yet, or gone):
        // there is nothing to finish, and BullMQ's graceful close would wait the whole grace period
        // for a connection.
        const idle = failed || (inFlight === 0 && workerConnection.status !== 'ready');
        const graceful = !idle && (await withTimeout(worker.close(), o.graceMs));
        if (!graceful) {
          if (!idle) log(`batches still running after ${o.graceMs} ms (${inFlight} in flight): handing them back to the queue`);
          await withTimeout(worker.close(true), 2000);
        }
        await pool.destroy();
        // Never connected: a command would wait for a connection that cannot come.
        // Redis may be gone (a command would then wait for a reconnection without end): bounded.
        if (!failed) await withTimeout(redis.del(workerKey(keys, id)).catch(() => undefined), 1000);
        await Promise.all([closeRedis(redis), closeRedis(workerConnection)]);
        log(`cortado worker ${id} stopped after ${batchesDone} batches`);
      })()),
  };
}

const HEARTBEAT_MS = 2000;
const CANCEL_POLL_MS = 250;

/** Runs a batch whose processors are all allowed; a refused module fails its elements, not the worker. */
async function runAllowed(batch: WireBatch, roots: readonly string[], pool: Piscina, watch: (progress: Int32Array) => Promise<void>): Promise<WireOutcome> {
  const n = batch.ranges.length / 2;
  const refused = new Map<number, unknown>();
  batch.processors.forEach((p, k) => {
    try {
      checkModule(p.module, roots);
    } catch (error) {
      refused.set(k, error);
    }
  });
  if (refused.size > 0) {
    // Elements of a refused processor fail with the reason; the others are left not run, and the
    // driver sends them again in a batch of their own.
    const status = new Uint8Array(n);
    const failures: WireOutcome['failures'] = [];
    for (let i = 0; i < n; i++) {
      const error = refused.get(batch.processorIndex?.[i] ?? 0);
      if (error === undefined) continue;
      status[i] = FAILED;
      failures.push({ index: i, error: serializeError(error) });
    }
    return { results: [], status, failures, ms: null, busyMs: 0 };
  }
  const progress = new Int32Array(batch.progress);
  await watch(progress);
  return (await pool.run(batch)) as WireOutcome;
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
