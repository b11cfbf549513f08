import { InvalidArgumentError, Option } from 'commander';

/**
 * A commander argument parser for integers from `min` up; a bad value gives commander's one-line
 * error: ``option '--workers <n>' argument 'x' is invalid. Expected an integer from 1 up, got `x` ``.
 *
 * @example
 * ```ts
 * command.option('--workers <n>', 'worker threads', integerFrom(1));
 * ```
 */
export function integerFrom(min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`Expected an integer from ${min} up, got \`${value}\`.`);
    }
    return n;
  };
}

/** Collects error codes given as repeated options or comma-separated lists: `--continue-on ENOENT,E_IO_MALFORMED`. */
export function collectCodes(value: string, previous: readonly string[] = []): string[] {
  const codes = value.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  if (codes.length === 0) throw new InvalidArgumentError(`Expected an error code or class name such as ENOENT, got \`${value}\`.`);
  return [...previous, ...codes];
}

/** The backends the CLI can run on. */
export const BACKENDS = ['inline', 'threads', 'cluster'] as const;
/** A backend the CLI can run on. */
export type BackendName = (typeof BACKENDS)[number];

/**
 * A commander argument parser for positive numbers of seconds (`30`, `1.5`), returned in milliseconds.
 *
 * @example
 * ```ts
 * command.option('--element-timeout <seconds>', 'stop a chunk after this long', secondsToMs);
 * ```
 */
export function secondsToMs(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`Expected a positive number of seconds, got \`${value}\`.`);
  return Math.round(n * 1000);
}

/**
 * {@link secondsToMs} from `min` seconds up (to `max`, when given): `--lease 0.1` is a one-line usage
 * error naming the flag, not a rejected library option.
 *
 * @example
 * ```ts
 * command.option('--lease <seconds>', 'the driver\'s lease on its task', secondsFrom(0.3));
 * ```
 */
export function secondsFrom(min: number, max = Number.POSITIVE_INFINITY): (value: string) => number {
  return (value: string) => {
    const ms = secondsToMs(value);
    if (ms < min * 1000) throw new InvalidArgumentError(`Expected a number of seconds from ${min} up, got \`${value}\`.`);
    if (ms > max * 1000) throw new InvalidArgumentError(`Expected a number of seconds up to ${max}, got \`${value}\`.`);
    return ms;
  };
}

/** The longest timer Node keeps, in whole seconds (2^31 - 1 ms, about 24.8 days): a longer one fires at once. */
const LONGEST_TIMER_S = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The `--redis-connect-timeout <seconds>` option, in milliseconds: how long the cluster driver
 * (`cortado run --backend cluster`, …) or `cortado worker` waits for Redis to answer its first
 * connection before failing with `E_CLUSTER_UNREACHABLE`.
 *
 * @example
 * ```ts
 * command.addOption(redisConnectTimeoutOption('how long to wait for Redis [default: 30]'));
 * ```
 */
export function redisConnectTimeoutOption(description: string): Option {
  return new Option('--redis-connect-timeout <seconds>', description).argParser(secondsFrom(0.1, LONGEST_TIMER_S));
}

/** What every computing command accepts about where and how to run. */
export interface BackendArgs {
  backend: BackendName;
  workers?: number;
  /** Redis URL of the cluster backend. */
  redis?: string;
  /** Batches whose results a cluster worker merges before the driver reads them (`--reduce-every`). */
  reduceEvery?: number;
  /** Per-chunk time limit of the threads backend (`--element-timeout`, given in seconds). */
  elementTimeoutMs?: number;
  /** Heap limit of each worker thread in MiB (`--max-memory`). */
  maxMemoryMb?: number;
  /** The cluster driver's lease on its task in Redis (`--lease`, given in seconds). */
  leaseMs?: number;
  /** How long the cluster driver waits for Redis to answer its first connection (`--redis-connect-timeout`, given in seconds). */
  connectTimeoutMs?: number;
}

/** The flags of {@link backendOptions}, as commander parses them. */
export interface BackendFlags {
  backend: BackendName;
  workers?: number;
  redis?: string;
  reduceEvery?: number;
  elementTimeout?: number;
  maxMemory?: number;
  lease?: number;
  redisConnectTimeout?: number;
}

/** The backend arguments among a command's parsed flags (options left out when not given). */
export function backendArgs(flags: BackendFlags): BackendArgs {
  return {
    backend: flags.backend,
    ...(flags.workers === undefined ? {} : { workers: flags.workers }),
    ...(flags.redis === undefined ? {} : { redis: flags.redis }),
    ...(flags.reduceEvery === undefined ? {} : { reduceEvery: flags.reduceEvery }),
    ...(flags.elementTimeout === undefined ? {} : { elementTimeoutMs: flags.elementTimeout }),
    ...(flags.maxMemory === undefined ? {} : { maxMemoryMb: flags.maxMemory }),
    ...(flags.lease === undefined ? {} : { leaseMs: flags.lease }),
    ...(flags.redisConnectTimeout === undefined ? {} : { connectTimeoutMs: flags.redisConnectTimeout }),
  };
}

/** The `--backend` and `--workers` options. */
export function backendOptions(): Option[] {
  return [
    new Option('--backend <name>', 'where to run: the calling thread, worker threads, or `cortado worker`s through Redis').choices(BACKENDS).default('inline'),
    new Option('--workers <n>', 'worker threads (with --backend threads) [default: CPU cores - 1]').argParser(integerFrom(1)),
    new Option('--redis <url>', 'Redis of the cluster (with --backend cluster) [env: CORTADO_REDIS]; password also from REDIS_PASSWORD'),
    redisConnectTimeoutOption('with --backend cluster: how long to wait for Redis to answer at all before the run fails with E_CLUSTER_UNREACHABLE [default: 30]'),
    new Option('--reduce-every <n>', 'with --backend cluster: merge every n batches\' results on a worker, so the driver reads one merge instead of each (large histograms) [default: 1, the driver reads each]').argParser(integerFrom(1)),
    new Option('--element-timeout <seconds>', 'stop a chunk that runs longer; it fails with E_ELEMENT_TIMEOUT and its worker is replaced (with --backend threads)').argParser(secondsToMs),
    new Option('--max-memory <MiB>', 'heap limit of each worker thread; a chunk that needs more fails with E_WORKER_OOM (with --backend threads)').argParser(integerFrom(8)),
    new Option('--lease <seconds>', "the driver's lease on its task in Redis (with --backend cluster): a run resumed after a crash waits up to this long for the dead one's to run out [default: 10]").argParser(secondsFrom(0.3)),
  ];
}

/** How progress is shown. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';
/** The `--progress` option: a bar on a terminal, periodic lines otherwise. */
export function progressOption(): Option {
  return new Option('--progress <mode>', 'progress on stderr: auto (a bar on a terminal, else a line every 2 s), bar, lines, none')
    .choices(['auto', 'bar', 'lines', 'none'])
    .default('auto');
}

/** What `--dashboard`, `--dashboard-host`, `--trace` and `--stately` asked for. */
export interface MonitorArgs {
  /** `true` for `--dashboard` without a port (a free one is picked). */
  dashboard?: number | true | undefined;
  dashboardHost?: string | undefined;
  trace?: string | undefined;
  /** A Stately inspector's WebSocket endpoint to forward inspection events to. */
  stately?: string | undefined;
}

/** The `--dashboard [port]`, `--dashboard-host <host>`, `--trace <file>` and `--stately <url>` options. */
export function monitorOptions(): Option[] {
  return [
    new Option('--dashboard [port]', 'serve a live dashboard of the run on 127.0.0.1 (prints its URL) [default port: a free one]').argParser(integerFrom(0)),
    new Option('--dashboard-host <host>', 'bind the dashboard to this interface instead (e.g. 0.0.0.0); the URL then carries a token'),
    new Option('--trace <file>', 'record the run (actors, batches, failures, progress, memory, histograms) to a JSONL trace; replay: cortado dashboard <file>'),
    new Option('--stately <url>', "also forward xstate inspection events to a Stately inspector's WebSocket endpoint (ws://host:port), where the network allows").argParser(
      (value: string) => {
        if (!/^wss?:\/\/\S+$/.test(value)) throw new InvalidArgumentError(`Expected a WebSocket URL (ws://host:port or wss://…), got ${JSON.stringify(value)}`);
        return value;
      },
    ),
  ];
}
