import type { Backend } from '../backends/backend.ts';
import { inline } from '../backends/inline.ts';
import { CliUsageError } from './errors.ts';
import { redisConnectionFromCli } from './redis-connection.ts';
import type { BackendArgs } from './args.ts';

/**
 * Throws {@link CliUsageError} for backend flags that do not go together (`--reduce-every` without
 * `--backend cluster`, `--workers` with `--backend inline`, a cluster without `--redis`): a usage
 * error found before anything else happens — in particular before a result file is locked.
 *
 * @example
 * ```ts
 * checkBackendArgs({ backend: 'threads', reduceEvery: 4 }); // throws: --reduce-every only with --backend cluster
 * ```
 */
export function checkBackendArgs(args: BackendArgs): void {
  if (args.backend !== 'threads') {
    for (const [given, flag] of [[args.elementTimeoutMs, '--element-timeout'], [args.maxMemoryMb, '--max-memory']] as const) {
      // Only worker threads can be stopped or capped from outside: the calling thread cannot.
      if (given !== undefined) throw new CliUsageError(`Expected ${flag} only with --backend threads, got it with --backend ${args.backend}`);
    }
  }
  if (args.backend !== 'cluster') {
    for (const [given, flag] of [[args.redis, '--redis'], [args.reduceEvery, '--reduce-every'], [args.leaseMs, '--lease'], [args.connectTimeoutMs, '--redis-connect-timeout']] as const) {
      if (given !== undefined) throw new CliUsageError(`Expected ${flag} only with --backend cluster, got it with --backend ${args.backend}`);
    }
  }
  if (args.backend === 'inline' && args.workers !== undefined) throw new CliUsageError('Expected --workers only with --backend threads, got it with --backend inline');
  if (args.backend === 'cluster') {
    if (redisUrlOf(args) === undefined) throw new CliUsageError('Expected --redis <url> (or CORTADO_REDIS) with --backend cluster, got neither');
    if (args.workers !== undefined) throw new CliUsageError('Expected --workers only with --backend threads; with --backend cluster, give it to each `cortado worker`');
  }
}

/** The cluster's Redis URL: `--redis`, else `CORTADO_REDIS`. */
function redisUrlOf(args: BackendArgs): string | undefined {
  return args.redis ?? (process.env.CORTADO_REDIS || undefined);
}

/**
 * Makes the backend the command line asks for. Worker threads are loaded only when asked for, so
 * the inline path starts fast. Dispose the backend when done (`await using`).
 *
 * @example
 * ```ts
 * await using backend = await createBackend({ backend: 'threads', workers: 4 });
 * ```
 */
export async function createBackend(args: BackendArgs): Promise<Backend> {
  checkBackendArgs(args);
  if (args.backend === 'inline') {
    // Two batches in flight: one loads its file while the other computes.
    return inline({ concurrency: 2 });
  }
  if (args.backend === 'cluster') {
    const url = redisUrlOf(args)!;
    const { cluster } = await import('../backends/cluster/backend.ts');
    return cluster({
      redis: redisConnectionFromCli(url),
      ...(args.reduceEvery === undefined ? {} : { reduceEvery: args.reduceEvery }),
      ...(args.leaseMs === undefined ? {} : { leaseMs: args.leaseMs }),
      ...(args.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: args.connectTimeoutMs }),
    });
  }
  const { threads } = await import('../backends/threads.ts');
  return threads({
    ...(args.workers === undefined ? {} : { workers: args.workers }),
    ...(args.elementTimeoutMs === undefined ? {} : { elementTimeoutMs: args.elementTimeoutMs }),
    ...(args.maxMemoryMb === undefined ? {} : { maxMemoryMb: args.maxMemoryMb }),
  });
}
