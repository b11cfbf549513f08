import { CortadoError } from '../protocol/errors.ts';

/**
 * Exit codes of the `cortado` command. Stable: scripts may rely on them.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | complete: every entry processed |
 * | 1 | bad usage or bad input (arguments, fileset, module): nothing was run |
 * | 2 | incomplete: finished, some chunks or files skipped under the error policy; partial result written |
 * | 3 | cancelled by a fatal error (e.g. a bug in the processor); partial result written |
 * | 130 | interrupted by Ctrl-C (SIGINT); partial result written |
 * | 143 | terminated by SIGTERM; partial result written |
 */
export const EXIT = {
  complete: 0,
  usage: 1,
  incomplete: 2,
  failed: 3,
  interrupted: 130,
  terminated: 143,
} as const;

/**
 * A problem with what the user gave the command (an argument, a file, a module). The CLI prints its
 * message as one line, without a stack trace, and exits with {@link EXIT.usage}.
 *
 * @example
 * ```ts
 * throw new CliUsageError(`Expected a fileset JSON file at ${path}, got no such file`);
 * ```
 */
export class CliUsageError extends CortadoError {
  /** The exit code to leave with. @defaultValue 1 */
  readonly exitCode: number;

  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super('E_CLI_USAGE', message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? EXIT.usage;
  }
}

/** An error as one line: `Name [CODE]: message`, newlines folded. */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).replace(/\s*\n\s*/g, ' ');
  const code = (error as { code?: unknown }).code;
  const name = error.name === 'Error' ? '' : `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: `;
  return `${name}${error.message}`.replace(/\s*\n\s*/g, ' ');
}

/** Codes of a cluster backend whose Redis could not be used at all: unreachable, refusing the credentials, or an unverified certificate. */
const REDIS_CONNECTION_CODES: ReadonlySet<unknown> = new Set(['E_CLUSTER_UNREACHABLE', 'E_CLUSTER_AUTH', 'E_CLUSTER_TLS']);

/**
 * The one line for a preparation cancelled by `error`. The cluster backend first uses Redis to
 * prepare the files, so a Redis it cannot connect to fails that step: it is named as a Redis
 * connection problem, not as the files'.
 *
 * @example
 * ```ts
 * preparationFailed(new RedisUnreachableError(url, 30_000, undefined));
 * // 'Could not connect to the cluster\'s Redis: RedisUnreachableError [E_CLUSTER_UNREACHABLE]: Redis at …'
 * ```
 */
export function preparationFailed(error: unknown): string {
  const connection = error instanceof Error && REDIS_CONNECTION_CODES.has((error as { code?: unknown }).code);
  return connection ? redisConnectionFailed(error) : `Preparing the files failed: ${oneLine(error)}`;
}

/**
 * The one line for a cluster whose Redis could not be used (`E_CLUSTER_UNREACHABLE`, `E_CLUSTER_AUTH`,
 * `E_CLUSTER_TLS`), as `cortado run` and `cortado worker` print it (both exit with {@link EXIT.failed}
 * when Redis never answered).
 *
 * @example
 * ```ts
 * throw new CliUsageError(redisConnectionFailed(error), { exitCode: EXIT.failed, cause: error });
 * ```
 */
export function redisConnectionFailed(error: unknown): string {
  return `Could not connect to the cluster's Redis: ${oneLine(error)}`;
}
