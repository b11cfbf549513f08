import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { formatIssues } from '../../protocol/policy.ts';
import type { BackendOptions } from '../backend.ts';
import { redisConnectionSchema, type RedisConnection } from './redis-options.ts';
import { DEFAULT_LIMITS, DEFAULT_PREFIX, DEFAULT_QUEUE } from './shared.ts';

/** Options of `cluster()`. */
export interface ClusterOptions extends BackendOptions {
  /** Redis: a `redis://` / `rediss://` URL, or `{ url, username, password, tls }` (ACL user, `requirepass`, TLS options). */
  redis: string | RedisConnection;
  /**
   * Batches in flight at once (one lane each). Enough to keep every worker thread of the cluster
   * busy with one batch queued behind it. @defaultValue 16
   */
  slots?: number;
  /** Batch duration aimed for when `batchSize` is `'auto'` (a round trip through Redis costs ~1 ms). @defaultValue 250 */
  targetBatchMs?: number;
  /** Key prefix and queue name; workers must use the same. @defaultValue 'cortado', 'batches' */
  prefix?: string;
  queue?: string;
  /** Largest job payload, bytes. @defaultValue 64 MiB */
  maxPayloadBytes?: number;
  /** Largest stored batch result, bytes. @defaultValue 256 MiB */
  maxResultBytes?: number;
  /** How often a batch in flight is checked in Redis directly, besides BullMQ's events. @defaultValue 1000 */
  sweepMs?: number;
  /** How long a cancelled batch that is running may take to return what it has. @defaultValue 5000 */
  cancelGraceMs?: number;
  /**
   * Lifetime of the lease a driver holds on its task's namespace in Redis (renewed every third of
   * it). A driver restarted after a crash waits up to this long for the dead driver's lease to
   * run out before it picks up the results stored meanwhile. @defaultValue 10000
   */
  leaseMs?: number;
  /**
   * How long the driver waits for Redis to answer its first connection before the task fails with
   * `E_CLUSTER_UNREACHABLE`. Only the first: a connection lost once Redis has answered (a restart)
   * is waited for. @defaultValue 30000
   */
  connectTimeoutMs?: number;
  /**
   * Merge results on the workers: each batch's results stay in Redis, and once this many batches
   * are done (or every batch in flight is), a reduce job merges them on a worker's thread; the
   * driver reads one merge instead of every batch's result. For large results (histograms of many
   * bins): the driver's network and merging stay flat. `1` = the driver reads every batch's result.
   * @defaultValue 1
   */
  reduceEvery?: number;
}

const schema = z.strictObject({
  redis: redisConnectionSchema,
  slots: z.number().int().min(1).max(4096).default(16),
  targetBatchMs: z.number().positive().default(250),
  prefix: z.string().regex(/^[\w.-]+$/).default(DEFAULT_PREFIX),
  queue: z.string().regex(/^[\w.-]+$/).default(DEFAULT_QUEUE),
  maxPayloadBytes: z.number().int().min(1024).default(DEFAULT_LIMITS.maxPayloadBytes),
  maxResultBytes: z.number().int().min(1024).max(512 * 2 ** 20).default(DEFAULT_LIMITS.maxResultBytes),
  sweepMs: z.number().int().min(10).default(1000),
  cancelGraceMs: z.number().int().min(0).default(5000),
  leaseMs: z.number().int().min(300).default(10_000),
  // Node's timers hold 2^31 - 1 ms at most (about 24.8 days): a longer one would fire at once.
  connectTimeoutMs: z.number().int().min(100).max(2 ** 31 - 1).default(30_000),
  reduceEvery: z.number().int().min(1).max(4096).default(1),
  cancelOnDispose: z.boolean().default(false),
});

/** {@link ClusterOptions} after validation, with defaults. */
export type ResolvedClusterOptions = z.output<typeof schema>;

/**
 * Validates `cluster()` options with messages that say what was expected and what came.
 *
 * @example
 * ```ts
 * resolveClusterOptions({ redis: 'redis://127.0.0.1:6379' }).slots; // 16
 * ```
 */
export function resolveClusterOptions(options: ClusterOptions): ResolvedClusterOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid cluster options: ${formatIssues('', parsed.error, options)}`);
  return parsed.data;
}
