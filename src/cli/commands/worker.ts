import { Command, Option } from 'commander';
import { importClusterModule } from '../../backends/cluster/stack.ts';
import { integerFrom, redisConnectTimeoutOption } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { CliUsageError, EXIT, redisConnectionFailed } from '../errors.ts';
import { redisConnectionFromCli } from '../redis-connection.ts';

interface WorkerFlags {
  redis?: string;
  workers?: number;
  youngGenerationMb?: number;
  root?: string[];
  lockMs?: number;
  stalledMs?: number;
  graceMs?: number;
  tlsCa?: string;
  redisConnectTimeout?: number;
  maxPayloadMb?: number;
  maxResultMb?: number;
  prefix?: string;
  queue?: string;
  quiet?: boolean;
}

/**
 * `cortado worker --redis redis://host:6379 [--workers N] [--root DIR]`: computes batches for
 * `cluster()` drivers until SIGTERM or Ctrl-C, then finishes (or hands back) the batches in flight.
 */
export function workerCommand(_context: CommandContext): Command {
  return new Command('worker')
    .description('compute batches for cluster() drivers: take them from Redis, run them on local threads')
    .addOption(new Option('--redis <url>', 'Redis to take batches from: redis://[user:password@]host:port[/db], rediss:// for TLS').env('CORTADO_REDIS'))
    .option('--workers <n>', 'threads computing batches [default: CPU cores]', integerFrom(1))
    .option('--young-generation-mb <n>', "each thread's young-generation heap, MiB; 0 = V8's default [default: 8]", integerFrom(0))
    .option('--root <dir>', 'a folder processor modules may load from (repeat for several) [default: the working directory]', (v: string, prev: string[] = []) => [...prev, v])
    .option('--lock-ms <ms>', 'BullMQ lock: a worker killed mid-batch loses it after this [default: 5000]', integerFrom(100))
    .option('--stalled-ms <ms>', 'how often lost batches are handed back to the queue [default: 5000]', integerFrom(100))
    .option('--grace-ms <ms>', 'on SIGTERM, how long to let batches in flight finish before handing them back [default: 30000]', integerFrom(0))
    .addOption(
      redisConnectTimeoutOption(
        'how long to wait for Redis to answer the first connection before exiting with E_CLUSTER_UNREACHABLE (exit code 3); once it has answered, outages are waited through [default: wait forever]',
      ),
    )
    .option('--tls-ca <file>', 'CA certificate (PEM) that signed the Redis server certificate, with rediss:// [env: CORTADO_REDIS_TLS_CA]')
    .option('--max-payload-mb <n>', 'largest job accepted, MiB [default: 64]', integerFrom(1))
    .option('--max-result-mb <n>', 'largest batch result stored, MiB [default: 256]', integerFrom(1))
    .option('--prefix <name>', 'Redis key prefix, as the driver uses [default: cortado]')
    .option('--queue <name>', 'queue name, as the driver uses [default: batches]')
    .option('-q, --quiet', 'log nothing but errors')
    .addHelpText(
      'after',
      '\nThe password can also come from REDIS_PASSWORD (and the user from REDIS_USERNAME), which keeps it out of `ps`.\n' +
        'Processor modules must exist at the same path as on the driver (shared filesystem or same image) and lie under a --root.\n' +
        'Examples:\n  $ cortado worker --redis redis://127.0.0.1:6379\n' +
        '  $ REDIS_PASSWORD=secret cortado worker --redis redis://scheduler.example.org:6379 --workers 8 --root /cvmfs/analysis',
    )
    .action(async (flags: WorkerFlags) => {
      if (flags.redis === undefined) throw new CliUsageError('Expected --redis <url> (or CORTADO_REDIS), got neither');
      const { startClusterWorker } = await importClusterModule('cortado worker', () => import('../../backends/cluster/worker.ts'));
      const log = flags.quiet ? () => {} : (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const redis = redisConnectionFromCli(flags.redis, flags.tlsCa ?? (process.env.CORTADO_REDIS_TLS_CA || undefined));
      // A certificate that does not verify is reported before ioredis connects (see verifyTls).
      const { verifyTls } = await import('../../backends/cluster/tls-probe.ts');
      await verifyTls(redis);
      const worker = startClusterWorker({
        redis,
        ...(flags.workers === undefined ? {} : { workers: flags.workers }),
        ...(flags.youngGenerationMb === undefined ? {} : { youngGenerationMb: flags.youngGenerationMb }),
        ...(flags.root === undefined ? {} : { roots: flags.root }),
        ...(flags.lockMs === undefined ? {} : { lockMs: flags.lockMs }),
        ...(flags.stalledMs === undefined ? {} : { stalledIntervalMs: flags.stalledMs }),
        ...(flags.graceMs === undefined ? {} : { graceMs: flags.graceMs }),
        ...(flags.maxPayloadMb === undefined ? {} : { maxPayloadBytes: flags.maxPayloadMb * 2 ** 20 }),
        ...(flags.maxResultMb === undefined ? {} : { maxResultBytes: flags.maxResultMb * 2 ** 20 }),
        ...(flags.prefix === undefined ? {} : { prefix: flags.prefix }),
        ...(flags.queue === undefined ? {} : { queue: flags.queue }),
        ...(flags.redisConnectTimeout === undefined ? {} : { connectTimeoutMs: flags.redisConnectTimeout }),
        // Failures, errors, and a Redis that does not answer yet are shown with --quiet too.
        log: (line) => (/failed|error|is not answering/.test(line) ? process.stderr.write(`${new Date().toISOString()} ${line}\n`) : log(line)),
      });
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log(`${signal}: finishing the batches in flight, then stopping`);
          void worker.close().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      try {
        // Stopped before Redis ever answered: `ready` never settles, and nothing is left to wait for.
        await Promise.race([worker.ready, stopped]);
      } catch (error) {
        await worker.close();
        // As `cortado run --backend cluster` ends when Redis never answered: one line, exit code 3.
        if ((error as { code?: unknown }).code === 'E_CLUSTER_UNREACHABLE') throw new CliUsageError(redisConnectionFailed(error), { exitCode: EXIT.failed, cause: error });
        throw error;
      }
      await stopped;
      // BullMQ's own blocking connection keeps reconnecting to a Redis that is gone (its close() is
      // memoized, so a forced close after a hung graceful one never runs): a worker told to stop
      // must still exit. Unref'd, so a clean shutdown exits at once without waiting for it.
      setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
    });
}
