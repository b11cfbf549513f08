import { afterAll, beforeAll } from 'vitest';
import type { Backend } from '../../src/backends/backend.ts';
import { cluster } from '../../src/backends/cluster.ts';
import { inline } from '../../src/backends/inline.ts';
import { threads } from '../../src/backends/threads.ts';
import { hasRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './redis.ts';

/** A backend of the shared behaviour suite, with what it needs running around it (a Redis, workers). */
export interface BackendEntry {
  readonly create: () => Backend;
  /** Starts what the backend needs; returns how to stop it. */
  readonly setup?: () => Promise<() => Promise<void>>;
}

/** The cluster backend's surroundings: a redis-server and two `cortado worker` processes. */
const clusterEnv: { redis?: TestRedis; workers: WorkerProcess[] } = { workers: [] };

/** Short sweeps and cancel grace, small batches: the suite's elements are few and quick. */
const CLUSTER_TEST_OPTIONS = { sweepMs: 250, cancelGraceMs: 2000, targetBatchMs: 20 } as const;

/** Starts a redis-server and two `cortado worker` processes; returns how to stop them. */
async function startClusterEnv(): Promise<() => Promise<void>> {
  clusterEnv.redis = await startRedis();
  clusterEnv.workers = [spawnWorker(clusterEnv.redis.url), spawnWorker(clusterEnv.redis.url)];
  await Promise.all(clusterEnv.workers.map((w) => w.ready));
  return async () => {
    await Promise.all(clusterEnv.workers.map((w) => w.stop()));
    await clusterEnv.redis!.stop();
  };
}

/**
 * Every backend the shared behaviour suite runs against. A new backend plugs in by adding one
 * line here. The cluster backend needs redis-server (apt-get install redis-server): without it,
 * it is left out with a message (under `CI`, the suite fails instead).
 */
export const BACKENDS: ReadonlyArray<readonly [name: string, entry: BackendEntry]> = [
  ['inline', { create: () => inline() }],
  ['threads', { create: () => threads({ workers: 2 }) }],
  ...(hasRedis || process.env.CI
    ? ([
        ['cluster', { create: () => cluster({ redis: clusterEnv.redis!.url, ...CLUSTER_TEST_OPTIONS }), setup: startClusterEnv }],
        // Merges on the workers: results stay in Redis and reduce jobs merge them before the driver reads them.
        ['cluster (reduceEvery 3)', { create: () => cluster({ redis: clusterEnv.redis!.url, ...CLUSTER_TEST_OPTIONS, reduceEvery: 3 }), setup: startClusterEnv }],
      ] as const)
    : (console.warn('[skip] backend behaviour on cluster(): redis-server is not installed (apt-get install redis-server)'), [])),
];

/** Registers `beforeAll`/`afterAll` hooks that start and stop what a backend entry needs. */
export function useBackendSetup(entry: BackendEntry): void {
  let teardown: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    teardown = await entry.setup?.();
  }, 30_000);
  afterAll(async () => {
    await teardown?.();
  }, 30_000);
}
