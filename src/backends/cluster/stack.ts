import { CortadoError, type CortadoErrorOptions } from '../../protocol/errors.ts';

/** The command that installs the cluster backend's optional peer dependencies. */
export const CLUSTER_INSTALL = 'npm install bullmq ioredis';

const PACKAGES = ['bullmq', 'ioredis'] as const;

/**
 * The cluster backend (`cluster()`, `cortado run --backend cluster`, `cortado worker`) was used
 * without its optional peer dependencies, BullMQ and ioredis, installed. Code `E_CLUSTER_DEPENDENCY`.
 */
export class ClusterDependencyError extends CortadoError {
  /** The packages that could not be found. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[], what: string, options?: CortadoErrorOptions) {
    super(
      'E_CLUSTER_DEPENDENCY',
      `Expected bullmq and ioredis to be installed for ${what} (optional peer dependencies of cortado), got no ${missing.join(' and no ')}: ` +
        `install them with \`${CLUSTER_INSTALL}\``,
      options,
    );
    this.missing = missing;
  }
}

type Importer = (specifier: string) => Promise<unknown>;

const importPackage: Importer = (specifier) => import(specifier);

/**
 * Imports `load` (a module of the cluster backend, which imports BullMQ or ioredis statically)
 * after checking that both packages resolve: they are optional peer dependencies, left out of a
 * plain install. Throws {@link ClusterDependencyError} naming the install command when either is
 * missing; any other failure to load them (a broken install) surfaces as it is. `importer` stands
 * in for `import()` in tests.
 *
 * @example
 * ```ts
 * const { connect } = await importClusterModule('cluster()', () => import('./connect.ts'));
 * ```
 */
export async function importClusterModule<T>(what: string, load: () => Promise<T>, importer: Importer = importPackage): Promise<T> {
  const missing: string[] = [];
  let cause: unknown;
  for (const name of PACKAGES) {
    try {
      await importer(name);
    } catch (error) {
      if (!isMissingPackage(error, name)) throw error;
      missing.push(name);
      cause ??= error;
    }
  }
  if (missing.length > 0) throw new ClusterDependencyError(missing, what, { cause });
  return load();
}

/** Whether `error` says that the package `name` itself is not installed (not one of its files or dependencies). */
function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && new RegExp(`(?:package|module) '${name}'`).test(message);
}
