import type { Backend } from '../backends/backend.ts';
import { inline } from '../backends/inline.ts';
import { CliUsageError } from './errors.ts';
import type { BackendArgs } from './args.ts';

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
  if (args.backend === 'inline') {
    if (args.workers !== undefined) throw new CliUsageError('Expected --workers only with --backend threads, got it with --backend inline');
    // Two batches in flight: one loads its file while the other computes.
    return inline({ concurrency: 2 });
  }
  const { threads } = await import('../backends/threads.ts');
  return threads(args.workers === undefined ? {} : { workers: args.workers });
}
