import { abandonPendingIo } from '../io/bytes/index.ts';
import { TaskCancelledError } from '../protocol/errors.ts';
import { EXIT } from './errors.ts';

/** What stopped a run from outside. */
export interface Interruption {
  readonly signal: 'SIGINT' | 'SIGTERM';
  readonly exitCode: number;
}

/** Watches SIGINT/SIGTERM while a run is on; dispose to stop watching. */
export interface InterruptWatch extends Disposable {
  /** Aborted on the first signal: give it to `compute()` so the task cancels and keeps its partial result. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly interruption: Interruption | undefined;
}

/**
 * On the first Ctrl-C (or SIGTERM) calls `onFirst` (stop the progress bar, say what happens) and
 * aborts the returned signal, so the run cancels and its partial result can still be written. A
 * second Ctrl-C gives up at once: exit code 130, nothing more written.
 *
 * @example
 * ```ts
 * using watch = watchInterrupts(() => view.stop());
 * const task = backend.compute(computable, { signal: watch.signal });
 * ```
 */
export function watchInterrupts(onFirst: (interruption: Interruption) => void): InterruptWatch {
  const controller = new AbortController();
  let interruption: Interruption | undefined;
  const handler = (signal: 'SIGINT' | 'SIGTERM') => {
    if (interruption !== undefined) {
      process.stderr.write(`\nReceived ${signal} again: exiting without writing the partial result.\n`);
      process.exit(interruption.exitCode);
    }
    interruption = { signal, exitCode: signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated };
    onFirst(interruption);
    controller.abort(new Error(`interrupted by ${signal}`));
    // A read stuck in the kernel (a stalled mount, a FIFO, a silent server) would hold the run,
    // and the process, until its timeout: give such reads up now.
    abandonPendingIo(new TaskCancelledError(`File reads given up: interrupted by ${signal}`));
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    get interruption() {
      return interruption;
    },
    [Symbol.dispose]() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
